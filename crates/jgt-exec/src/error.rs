//! The one error type of execution.

use std::path::PathBuf;

/// Everything that can go wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The database file could not be opened.
    #[error("cannot open the database {path}: {message}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// What the database said, with a hint where we have one.
        message: String,
    },
    /// The database rejected a statement; the message is the database's own.
    #[error("{message}")]
    Sql {
        /// The database's message.
        message: String,
    },
    /// A materialization this adapter cannot build.
    #[error("materialization '{0}' is not supported yet")]
    Unsupported(String),
}

impl From<duckdb::Error> for ExecError {
    fn from(err: duckdb::Error) -> Self {
        ExecError::Sql {
            message: err.to_string(),
        }
    }
}
