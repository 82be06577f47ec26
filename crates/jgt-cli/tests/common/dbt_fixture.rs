//! The dbt-shaped projects under `tests/fixtures/dbt_*`, copied to a
//! temporary folder and built with the real `jgt` binary, as a user would
//! build them: no flags, the project's `profiles.yml` deciding where the
//! database goes.
//!
//! What real dbt did with each project was recorded by
//! `bench/dbt_reference/record.sh` into files next to it; for stage 1 (the
//! first build) and stage 2 (a build after `stage2/` was copied over the
//! project):
//!
//! | file | stage 1 | stage 2 |
//! |---|---|---|
//! | relations built | `dbt_expected.txt` | `dbt_expected_2.txt` |
//! | status of each node | `dbt_results.txt` | `dbt_results_2.txt` |
//! | exit code (with `expect_failure`) | `dbt_exit.txt` | `dbt_exit_2.txt` |
//! | files written (listed in `files.txt`) | `dbt_files.txt` | |
//!
//! `volatile.txt` (and `volatile_2.txt`, for stage 2) name the columns
//! whose values depend on the clock, compared as `<volatile>`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{copy_dir, relations, Run};

/// A copy of one fixture project, next to a copy of every other `dbt_*`
/// fixture folder (projects find their local packages at `../dbt_pkgs`).
pub struct DbtFixture {
    _dir: tempfile::TempDir,
    project: PathBuf,
}

impl DbtFixture {
    /// Copies `tests/fixtures/<name>` (and its sibling fixture folders).
    pub fn copy(name: &str) -> Self {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let dir = tempfile::tempdir().expect("a temporary folder");
        for entry in std::fs::read_dir(&fixtures).unwrap().flatten() {
            let folder = entry.file_name().to_string_lossy().into_owned();
            if folder.starts_with("dbt_") && entry.path().is_dir() {
                copy_dir(&entry.path(), &dir.path().join(&folder));
            }
        }
        let project = dir.path().join(name);
        assert!(project.is_dir(), "no fixture {name}");
        DbtFixture { _dir: dir, project }
    }

    /// The project folder.
    pub fn path(&self) -> &Path {
        &self.project
    }

    /// Runs `jgt` with `args` in the project folder.
    pub fn jgt(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_jgt"))
            .args(args)
            .current_dir(&self.project)
            .env_remove("JGT_DB")
            .env_remove("DBT_PROFILES_DIR")
            .env("NO_COLOR", "1")
            .output()
            .expect("jgt runs");
        Run::from(output)
    }

    /// `jgt deps` when the project lists packages, then `jgt build`; both
    /// must succeed.
    pub fn build(&self) -> Run {
        if self.project.join("packages.yml").is_file() {
            self.jgt(&["deps"]).ok();
        }
        self.jgt(&["build"]).ok()
    }

    /// What real dbt built from this project, recorded by
    /// `bench/dbt_reference/record.sh`.
    pub fn dbt_expected(&self) -> String {
        std::fs::read_to_string(self.project.join("dbt_expected.txt"))
            .expect("dbt_expected.txt: run bench/dbt_reference/record.sh")
    }

    /// Every relation in the database file `db` (relative to the project),
    /// in the recorded format.
    pub fn relations(&self, db: &str) -> String {
        let path = self.project.join(db);
        assert!(path.is_file(), "jgt wrote no {}", path.display());
        relations::dump(&path)
    }

    /// Asserts the relations in `db` are the ones dbt built.
    pub fn assert_built_as_dbt_does(&self, db: &str) {
        self.assert_built_as_dbt_does_stage(db, 1);
    }

    /// The project's folder name.
    fn name(&self) -> String {
        self.project
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }

    /// A file dbt's recording wrote for `stage`: `dbt_<what>.txt` for
    /// stage 1, `dbt_<what>_<stage>.txt` for later ones.
    fn recorded(&self, what: &str, stage: u32) -> String {
        let file = format!("dbt_{what}{}.txt", suffix(stage));
        std::fs::read_to_string(self.project.join(&file))
            .unwrap_or_else(|e| panic!("{file}: {e}: run bench/dbt_reference/record.sh"))
    }

    /// The non-blank lines of a file of the project, or none when it has
    /// no such file.
    fn listed(&self, file: &str) -> Vec<String> {
        std::fs::read_to_string(self.project.join(file))
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(String::from)
            .collect()
    }

    /// The columns (`schema.relation.column`) whose values are volatile at
    /// `stage`: those in `volatile.txt`, and for later stages those in
    /// `volatile_<stage>.txt`.
    fn volatile(&self, stage: u32) -> HashSet<String> {
        let mut columns: HashSet<String> = self.listed("volatile.txt").into_iter().collect();
        if stage > 1 {
            columns.extend(self.listed(&format!("volatile{}.txt", suffix(stage))));
        }
        columns
    }

    /// Copies the files under the project's `stage2/` over the project, as
    /// record.sh does between dbt's two builds: `stage2/seeds/x.csv`
    /// replaces `seeds/x.csv`; `stage2/<path>.delete` deletes `<path>`.
    pub fn apply_stage2(&self) {
        let stage2 = self.project.join("stage2");
        assert!(stage2.is_dir(), "{} has no stage2/", self.name());
        overlay(&stage2, &self.project);
    }

    /// `jgt deps` when the project lists packages, then `jgt build`,
    /// which may fail (fixtures with `expect_failure`); it must not panic.
    pub fn build_expecting_failure(&self) -> Run {
        if self.project.join("packages.yml").is_file() {
            self.jgt(&["deps"]).ok();
        }
        self.jgt(&["build"]).no_panic()
    }

    /// Asserts `run` exited with the code dbt's build exited with at
    /// `stage` (`dbt_exit.txt`).
    pub fn assert_exit_as_dbt(&self, run: &Run, stage: u32) {
        let expected: i32 = self.recorded("exit", stage).trim().parse().unwrap();
        assert_eq!(
            run.code,
            Some(expected),
            "{}: jgt's exit code (left) vs dbt's:\n{}",
            self.name(),
            run.all()
        );
    }

    /// Asserts the relations in `db` are the ones dbt built at `stage`,
    /// volatile columns masked.
    pub fn assert_built_as_dbt_does_stage(&self, db: &str, stage: u32) {
        let path = self.project.join(db);
        assert!(path.is_file(), "jgt wrote no {}", path.display());
        let actual = relations::dump_masked(&path, Some(&self.project), &self.volatile(stage));
        let what = format!("{} (stage {stage})", self.name());
        relations::assert_same(&self.recorded("expected", stage), &actual, &what);
    }

    /// Asserts the files listed in `files.txt` hold what dbt wrote in them
    /// (`dbt_files.txt`).
    pub fn assert_files_as_dbt_wrote(&self) {
        let paths = self.listed("files.txt");
        assert!(!paths.is_empty(), "{} lists no files.txt", self.name());
        let actual = relations::dump_files(&self.project, &paths);
        let what = format!("{}'s files", self.name());
        relations::assert_same(&self.recorded("files", 1), &actual, &what);
    }

    /// Asserts jgt's `target/run_results.json` gives each node the status
    /// dbt's gave it at `stage` (`dbt_results.txt`).
    pub fn assert_results_as_dbt(&self, stage: u32) {
        let path = self.project.join("target/run_results.json");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let actual = results_lines(&text);
        let recorded = self.recorded("results", stage);
        let expected: Vec<&str> = recorded.lines().collect();
        assert_eq!(
            actual,
            expected,
            "{} (stage {stage}): jgt's results (left) vs dbt's",
            self.name()
        );
    }
}

/// The suffix of the files recorded at `stage`: none for the first.
fn suffix(stage: u32) -> String {
    assert!(stage >= 1, "stages count from 1");
    if stage == 1 {
        String::new()
    } else {
        format!("_{stage}")
    }
}

/// Copies every file under `from` to the same path under `to`, deleting
/// `<path>` for a file `<path>.delete`.
fn overlay(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let source = entry.path();
        if source.is_dir() {
            overlay(&source, &to.join(&name));
        } else if let Some(deleted) = name.strip_suffix(".delete") {
            let target = to.join(deleted);
            if target.is_dir() {
                std::fs::remove_dir_all(&target).unwrap();
            } else if target.exists() {
                std::fs::remove_file(&target).unwrap();
            }
        } else {
            std::fs::create_dir_all(to).unwrap();
            std::fs::copy(&source, to.join(&name)).unwrap();
        }
    }
}

/// One line per result of a run_results.json, sorted, as
/// `bench/dbt_reference/results.py` writes them: `<resource_type> <name>
/// <status>`, from the unique id (`model.proj.orders` -> `model orders`;
/// a test's hash left out; `unit_test.proj.orders.name` -> `unit_test
/// orders.name`).
fn results_lines(run_results: &str) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_str(run_results).expect("run_results.json");
    let mut lines: Vec<String> = json["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|result| {
            let id = result["unique_id"].as_str().expect("unique_id");
            let status = result["status"].as_str().expect("status");
            format!("{} {status}", kind_and_name(id))
        })
        .collect();
    lines.sort();
    lines
}

/// `<resource_type> <name>` of a unique id (see [`results_lines`]).
fn kind_and_name(unique_id: &str) -> String {
    let parts: Vec<&str> = unique_id.split('.').collect();
    let name = if parts[0] == "unit_test" {
        parts[2..parts.len().min(4)].join(".")
    } else {
        parts.get(2).copied().unwrap_or_default().to_string()
    };
    format!("{} {name}", parts[0])
}
