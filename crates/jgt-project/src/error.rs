//! The one error type of project loading.

use std::path::PathBuf;

use crate::suggest::did_you_mean;

/// Everything that can go wrong while reading a project folder.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// The folder has no `project.yml`.
    #[error("no project.yml in {dir}: run jgt inside a project folder or pass --project-dir")]
    NoProjectFile {
        /// The folder that was searched.
        dir: PathBuf,
    },
    /// A file or folder could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A YAML file is not valid YAML or does not have the expected shape.
    #[error("{path}:{line}:{column}: {message}")]
    Yaml {
        /// The YAML file.
        path: PathBuf,
        /// 1-based line of the problem (0 when unknown).
        line: usize,
        /// 1-based column of the problem (0 when unknown).
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// A key in `project.yml` that jgt does not know.
    #[error("{path}:{line}: unknown key '{key}' in project.yml.{} Valid keys: {valid}", did_you_mean(.suggestion))]
    UnknownKey {
        /// The project file.
        path: PathBuf,
        /// 1-based line of the key (0 when unknown).
        line: usize,
        /// The key as written.
        key: String,
        /// The nearest valid key, if one is close.
        suggestion: Option<String>,
        /// All valid keys, comma separated.
        valid: String,
    },
    /// A config key inside a `models:` or `seeds:` tree that is neither a
    /// known config nor a folder holding configs.
    #[error("{path}:{line}: unknown config '{key}' at {tree}.{} Write configs as '+name: value' (for example '+materialized: table').", did_you_mean(.suggestion))]
    UnknownConfig {
        /// The project file.
        path: PathBuf,
        /// 1-based line of the key (0 when unknown).
        line: usize,
        /// The dotted path of the tree the key sits in.
        tree: String,
        /// The key as written.
        key: String,
        /// The nearest known config, if one is close.
        suggestion: Option<String>,
    },
    /// A value of the right key but the wrong kind or content.
    #[error("{path}: invalid value for '{key}': {message}")]
    InvalidValue {
        /// The file holding the value.
        path: PathBuf,
        /// The key whose value is wrong.
        key: String,
        /// What is wrong and what is expected.
        message: String,
    },
}

impl ProjectError {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ProjectError::Io {
            path: path.into(),
            source,
        }
    }

    /// Converts a serde_yaml error into a positioned YAML error.
    pub fn yaml(path: impl Into<PathBuf>, err: &serde_yaml::Error) -> Self {
        let (line, column) = err
            .location()
            .map(|loc| (loc.line(), loc.column()))
            .unwrap_or((0, 0));
        ProjectError::Yaml {
            path: path.into(),
            line,
            column,
            message: strip_location(&err.to_string()),
        }
    }
}

/// serde_yaml appends "at line L column C" to its messages; we print the
/// position ourselves in front, so drop it from the text.
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}
