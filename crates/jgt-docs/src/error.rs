//! The one error type of the documentation.

use std::path::PathBuf;

/// Everything that can go wrong while writing the documentation.
#[derive(Debug, thiserror::Error)]
pub enum DocsError {
    /// A directory could not be created or a file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The directory or file concerned.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}
