//! Errors of the command line itself (the library crates have their own).

use jgt_project::suggest::did_you_mean;

/// What the command line refuses before any library does.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
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
}

impl CliError {
    /// The error's stable code, as the README's table lists it.
    pub fn code(&self) -> &'static str {
        match self {
            CliError::UnknownNode { .. } => "JGT6101",
            CliError::Io { .. } => "JGT6002",
        }
    }
}
