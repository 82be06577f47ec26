//! The one error type of project loading.

use std::path::{Path, PathBuf};

use crate::suggest::did_you_mean;

/// Everything that can go wrong while reading a project folder.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProjectError {
    /// The folder has no `project.yml` and no `dbt_project.yml`.
    #[error("no project.yml or dbt_project.yml in {dir}: run jgt inside a project folder or pass --project-dir")]
    NoProjectFile {
        /// The folder that was searched.
        dir: PathBuf,
    },
    /// The folder has both `project.yml` and `dbt_project.yml`.
    #[error("{dir} holds both project.yml and dbt_project.yml: keep one of them (jgt reads either, dbt only dbt_project.yml)")]
    BothProjectFiles {
        /// The project folder.
        dir: PathBuf,
    },
    /// Something dbt would build or change that jgt does not implement yet.
    #[error("{}: {message}", position(.path, *.line, 0))]
    Unsupported {
        /// The file that asks for it.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: usize,
        /// What is not supported and what to do instead.
        message: String,
    },
    /// A Jinja expression in a project file value failed to render.
    #[error("{}: cannot render '{template}': {message}", position(.path, *.line, 0))]
    Render {
        /// The project file.
        path: PathBuf,
        /// 1-based line of the value (0 when unknown).
        line: usize,
        /// The value as written.
        template: String,
        /// What went wrong.
        message: String,
    },
    /// `packages.yml` lists a package that is not installed.
    #[error("{path}: package '{package}' is not installed in {install_path}/: run `jgt deps` (or `dbt deps`) to install the packages")]
    PackageNotInstalled {
        /// The file listing packages.
        path: PathBuf,
        /// The package as listed.
        package: String,
        /// The `packages-install-path`.
        install_path: String,
    },
    /// A problem in `profiles.yml`.
    #[error(transparent)]
    Profile(#[from] crate::profiles::ProfileError),
    /// A file or folder could not be read.
    #[error("{path}: cannot read")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A YAML file is not valid YAML or does not have the expected shape.
    #[error("{}: {message}", position(.path, *.line, *.column))]
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
    #[error("{}: unknown key '{key}' in the project file.{} Valid keys: {valid}", position(.path, *.line, 0), did_you_mean(.suggestion))]
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
    #[error("{}: unknown config '{key}' at {tree}.{} Write configs as '+name: value' (for example '+materialized: table').", position(.path, *.line, 0), did_you_mean(.suggestion))]
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
    #[error("{}: invalid value for '{key}': {message}", position(.path, *.line, 0))]
    InvalidValue {
        /// The file holding the value.
        path: PathBuf,
        /// 1-based line of the key (0 when unknown, and then not printed).
        line: usize,
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

/// `path:line:column` in front of a message, leaving out a line or column
/// of 0: serde_yaml has no position for some errors (a second document,
/// for one), and `file:0:0` reads like a place in the file.
pub(crate) fn position(path: &Path, line: usize, column: usize) -> String {
    match (line, column) {
        (0, _) => path.display().to_string(),
        (line, 0) => format!("{}:{line}", path.display()),
        (line, column) => format!("{}:{line}:{column}", path.display()),
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

impl ProjectError {
    /// The error's stable code, as the README's table lists it.
    pub fn code(&self) -> &'static str {
        match self {
            ProjectError::NoProjectFile { .. } => "JGT1001",
            ProjectError::Io { .. } => "JGT1002",
            ProjectError::BothProjectFiles { .. } => "JGT1003",
            ProjectError::Unsupported { .. } => "JGT1004",
            ProjectError::Render { .. } => "JGT1005",
            ProjectError::PackageNotInstalled { .. } => "JGT1006",
            ProjectError::Profile(err) => err.code(),
            ProjectError::Yaml { .. } => "JGT1101",
            ProjectError::UnknownKey { .. } => "JGT1102",
            ProjectError::UnknownConfig { .. } => "JGT1103",
            ProjectError::InvalidValue { .. } => "JGT1104",
        }
    }
}
