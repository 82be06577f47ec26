//! The one error type of execution.

use std::path::PathBuf;

/// Everything that can go wrong talking to the database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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
    /// A seed file that cannot be loaded as it is.
    #[error("{path}{}: {message}", .line.map(|l| format!(":{l}")).unwrap_or_default())]
    Seed {
        /// The CSV file, relative to the project folder.
        path: PathBuf,
        /// The line of the problem, where there is one.
        line: Option<usize>,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A model's columns break its enforced contract (dbt's table of
    /// mismatches).
    #[error("{message}")]
    Contract {
        /// dbt's message with the table of mismatched columns.
        message: String,
    },
    /// A materialization this adapter cannot build.
    #[error("materialization '{0}' is not supported yet")]
    Unsupported(String),
}

impl ExecError {
    /// The error's stable code, as the README's table lists it.
    pub fn code(&self) -> &'static str {
        match self {
            ExecError::Open { .. } => "JGT5001",
            ExecError::Sql { .. } => "JGT5002",
            ExecError::Seed { .. } => "JGT5003",
            ExecError::Unsupported(..) => "JGT5004",
            ExecError::Contract { .. } => "JGT5005",
        }
    }
}
