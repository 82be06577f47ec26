//! The one error type of the documentation.

use std::path::PathBuf;

/// Everything that can go wrong while writing the documentation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DocsError {
    /// A directory could not be created or a file could not be written.
    #[error("cannot write {}", path.display())]
    Io {
        /// The directory or file concerned.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

impl DocsError {
    /// The error's stable code, as the README's table lists it.
    pub fn code(&self) -> &'static str {
        match self {
            DocsError::Io { .. } => "JGT6001",
        }
    }
}
