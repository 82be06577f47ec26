//! Errors of the command line itself (the library crates have their own).

use jgt_project::suggest::did_you_mean;

/// What the command line refuses before any library does.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// `--db` (or `JGT_DB`) with a target that is a server.
    #[error("--db {} names a DuckDB file, but target '{target}' is a {kind} server; drop --db (or unset JGT_DB), or pick a duckdb target with --target", .db.display())]
    DbFlagWithServer {
        /// The file named.
        db: std::path::PathBuf,
        /// The profile's target.
        target: String,
        /// Its adapter type.
        kind: &'static str,
    },
    /// The target's engine was left out of this build of jgt.
    #[cfg_attr(all(feature = "postgres", feature = "spark"), allow(dead_code))]
    #[error("target '{target}' is a {kind} target, but this jgt was built without the `{kind}` feature; rebuild it with `cargo build --release --workspace --features jgt-cli/{kind}`")]
    EngineNotBuilt {
        /// The profile's target.
        target: String,
        /// Its adapter type (and the feature's name).
        kind: &'static str,
    },
    /// `show` names a node the project does not have.
    #[error("'{name}' is not a model or seed of this project.{}", did_you_mean(.suggestion))]
    UnknownNode {
        /// The name as given.
        name: String,
        /// The nearest name, if one is close.
        suggestion: Option<String>,
    },
    /// The folder to watch or the port to serve on cannot be used.
    #[error("{what}")]
    Io {
        /// What jgt was doing, with the path or port.
        what: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// `--selector` and `--select` together.
    #[error("--selector and --select cannot be used together: put the extra nodes in the selector's definition, or use --exclude")]
    SelectorWithSelect,
    /// `--selector` without a `selectors.yml`.
    #[error("--selector '{name}': there is no {}; create it with `selectors:` (dbt's YAML selectors)", .path.display())]
    NoSelectorsFile {
        /// The selector asked for.
        name: String,
        /// Where the file was looked for.
        path: std::path::PathBuf,
    },
    /// `clean-targets` names a folder outside the project.
    #[error("{file}:{line}: clean-targets entry '{entry}' is not a folder inside the project; jgt clean only deletes folders inside the project, never the project itself (use a relative path such as `target`)")]
    CleanOutsideProject {
        /// The project file.
        file: String,
        /// The entry's line (1-based).
        line: usize,
        /// The entry as written.
        entry: String,
    },
    /// `retry` without an earlier run to retry.
    #[error("nothing to retry from: {} does not exist; run jgt run, build, seed or test first", .path.display())]
    NoRunResults {
        /// Where run_results.json was looked for.
        path: std::path::PathBuf,
    },
    /// `retry` found a run_results.json it cannot use.
    #[error("cannot retry from {}: {message}", .path.display())]
    BadRunResults {
        /// The run_results.json read.
        path: std::path::PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// `run-operation --args` is not a YAML mapping.
    #[error("run-operation --args '{text}': {problem}; give the macro's arguments as a YAML mapping, e.g. --args '{{days: 7, table: orders}}'")]
    OperationArgs {
        /// The text as given.
        text: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A hook's SQL failed in the database.
    #[error("{label}: {message}")]
    Hook {
        /// Which hook: `dbt_project.yml: on-run-start[0]`.
        label: String,
        /// What the database said.
        message: String,
    },
}

impl CliError {
    /// The error's stable code, as the README's table lists it.
    pub fn code(&self) -> &'static str {
        match self {
            CliError::UnknownNode { .. } => "JGT6101",
            CliError::Io { .. } => "JGT6002",
            CliError::SelectorWithSelect => "JGT6102",
            CliError::NoSelectorsFile { .. } => "JGT6103",
            CliError::CleanOutsideProject { .. } => "JGT6104",
            CliError::NoRunResults { .. } => "JGT6105",
            CliError::BadRunResults { .. } => "JGT6106",
            CliError::OperationArgs { .. } => "JGT6107",
            CliError::Hook { .. } => "JGT6108",
            CliError::DbFlagWithServer { .. } => "JGT6109",
            CliError::EngineNotBuilt { .. } => "JGT6110",
        }
    }
}
