//! The dbt-shaped projects under `tests/fixtures/dbt_*`, copied to a
//! temporary folder and built with the real `jgt` binary, as a user would
//! build them: no flags, the project's `profiles.yml` deciding where the
//! database goes.

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
        let name = self.project.file_name().unwrap().to_string_lossy();
        relations::assert_same(&self.dbt_expected(), &self.relations(db), &name);
    }
}
