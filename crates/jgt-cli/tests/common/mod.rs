//! Helpers shared by the integration tests: temporary projects, running the
//! real `jgt` binary, and reading the DuckDB file it wrote.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod dbt_fixture;
pub mod relations;

/// The repository root, which is the JaffleGaggle project.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A project in a temporary folder.
pub struct TempProject {
    dir: tempfile::TempDir,
}

impl TempProject {
    /// An empty project with this `project.yml`.
    pub fn new(project_yml: &str) -> Self {
        let project = TempProject {
            dir: tempfile::tempdir().expect("a temporary folder"),
        };
        project.write("project.yml", project_yml);
        project
    }

    /// A copy of the JaffleGaggle project (project.yml, models, macros,
    /// seeds, tests), so runs write their target/ away from the repository.
    pub fn jafflegaggle() -> Self {
        let project = TempProject {
            dir: tempfile::tempdir().expect("a temporary folder"),
        };
        let root = repo_root();
        std::fs::copy(root.join("project.yml"), project.path().join("project.yml")).unwrap();
        for folder in ["models", "macros", "seeds", "tests"] {
            if root.join(folder).is_dir() {
                copy_dir(&root.join(folder), &project.path().join(folder));
            }
        }
        project
    }

    /// The project folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The default database file.
    pub fn db(&self) -> PathBuf {
        self.path().join("target/jgt.duckdb")
    }

    /// Writes a file, creating its folders.
    pub fn write(&self, relative: &str, text: &str) {
        let full = self.path().join(relative);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }

    /// Deletes a file or folder.
    pub fn remove(&self, relative: &str) {
        let full = self.path().join(relative);
        if full.is_dir() {
            std::fs::remove_dir_all(full).unwrap();
        } else {
            std::fs::remove_file(full).unwrap();
        }
    }

    /// Runs `jgt` with `args` in this project.
    pub fn jgt(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_jgt"))
            .args(args)
            .current_dir(self.path())
            .env_remove("JGT_DB")
            .env_remove("DBT_PROFILES_DIR")
            .env("NO_COLOR", "1")
            .output()
            .expect("jgt runs");
        Run::from(output)
    }

    /// Runs a query against the project's database, every value as text.
    pub fn query(&self, sql: &str) -> Vec<Vec<String>> {
        query(&self.db(), sql)
    }

    /// The single value a query returns.
    pub fn scalar(&self, sql: &str) -> String {
        let rows = self.query(sql);
        assert_eq!(rows.len(), 1, "expected one row from {sql}, got {rows:?}");
        rows[0][0].clone()
    }
}

/// Runs a query against a DuckDB file, every value as text (`NULL` for null).
pub fn query(db: &Path, sql: &str) -> Vec<Vec<String>> {
    let conn = duckdb::Connection::open(db).expect("the database opens");
    let mut stmt = conn
        .prepare(&format!("select columns(*)::varchar from ({sql})"))
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut rows = stmt.query([]).unwrap();
    let width = rows.as_ref().unwrap().column_count();
    let mut out = Vec::new();
    while let Some(row) = rows.next().unwrap() {
        out.push(
            (0..width)
                .map(|i| {
                    row.get::<_, Option<String>>(i)
                        .unwrap()
                        .unwrap_or_else(|| "NULL".into())
                })
                .collect(),
        );
    }
    out
}

/// Copies a folder and everything in it.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// What one run of `jgt` did.
#[derive(Debug)]
pub struct Run {
    /// Whether it exited 0.
    pub success: bool,
    /// Its exit code.
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Run {
            success: output.status.success(),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Asserts the run succeeded, showing its output when it did not.
    pub fn ok(self) -> Self {
        assert!(
            self.success,
            "jgt failed:\n{}\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts the run failed with a non-zero exit code.
    pub fn failed(self) -> Self {
        assert!(
            !self.success,
            "jgt should have failed:\n{}\n{}",
            self.stdout, self.stderr
        );
        assert_ne!(self.code, Some(0));
        self
    }

    /// Everything it printed.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl TempProject {
    /// Runs `jgt` with `args` and extra environment variables.
    pub fn jgt_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = self.command(args);
        for (key, value) in env {
            command.env(key, value);
        }
        Run::from(command.output().expect("jgt runs"))
    }

    /// The `jgt` command for `args` in this project, not yet started.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_jgt"));
        command
            .args(args)
            .current_dir(self.path())
            .env_remove("JGT_DB")
            .env_remove("DBT_PROFILES_DIR")
            .env("NO_COLOR", "1");
        command
    }

    /// Every relation of the database with its kind, row count and a hash
    /// of its rows: equal fingerprints mean an unchanged database.
    pub fn fingerprint(&self) -> Vec<Vec<String>> {
        fingerprint(&self.db())
    }

    /// Every file under `target/` and the database, as (path, bytes).
    pub fn files_under(&self, relative: &str) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        let root = self.path().join(relative);
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(bytes) = std::fs::read(&path) {
                    let name = path.strip_prefix(&root).unwrap().display().to_string();
                    files.push((name, bytes));
                }
            }
        }
        files.sort();
        files
    }
}

/// See [`TempProject::fingerprint`].
pub fn fingerprint(db: &Path) -> Vec<Vec<String>> {
    if !db.exists() {
        return Vec::new();
    }
    let relations = query(
        db,
        "select table_schema, table_name, table_type from information_schema.tables \
         order by 1, 2",
    );
    relations
        .into_iter()
        .map(|mut row| {
            let name = format!("\"{}\".\"{}\"", row[0], row[1]);
            let rows = query(
                db,
                &format!("select count(*), coalesce(sum(hash(t)), 0) from {name} as t"),
            );
            row.extend(rows[0].clone());
            row
        })
        .collect()
}

impl Run {
    /// Asserts a clean refusal: exit code 1 (not a panic's 101), `needle`
    /// in what it printed, and no panic message.
    pub fn refused(self, needle: &str) -> Self {
        let run = self.failed();
        assert_eq!(run.code, Some(1), "exit code:\n{}", run.all());
        assert!(
            run.all().contains(needle),
            "expected {needle:?} in:\n{}",
            run.all()
        );
        run.no_panic()
    }

    /// Asserts nothing panicked.
    pub fn no_panic(self) -> Self {
        assert!(
            !self.all().contains("panicked") && self.code != Some(101),
            "jgt panicked:\n{}",
            self.all()
        );
        self
    }
}

/// Every row of `sql` on `db` as one line of its values, each spelled by
/// `spell` (NULL is `None`), joined with ` | `, sorted: rows compared as
/// a set across engines.
pub fn sorted_rows(
    db: &dyn jgt_exec::Adapter,
    sql: &str,
    spell: impl Fn(Option<String>) -> String,
) -> Vec<String> {
    let result = db
        .query(sql, None)
        .unwrap_or_else(|err| panic!("{sql}: {err}"));
    let mut rows: Vec<String> = result
        .rows
        .into_iter()
        .map(|row| row.into_iter().map(&spell).collect::<Vec<_>>().join(" | "))
        .collect();
    rows.sort();
    rows
}
