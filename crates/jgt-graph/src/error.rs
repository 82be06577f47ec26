//! The one error type of the graph.

use std::path::PathBuf;

use jgt_project::suggest::did_you_mean;

/// Everything that can be wrong with a project's graph or a selection.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GraphError {
    /// Two nodes that `ref()` could both mean.
    #[error("two nodes are named '{name}': {first} and {second}; rename one of the files")]
    DuplicateName {
        /// The shared name.
        name: String,
        /// The first file.
        first: PathBuf,
        /// The second file.
        second: PathBuf,
    },
    /// The dependencies loop back on themselves.
    #[error("dependency cycle: {cycle}. Remove one of these ref() calls to break it")]
    Cycle {
        /// The whole cycle, `a (file) -> b (file) -> a (file)`.
        cycle: String,
        /// The node names along the cycle, first repeated at the end.
        names: Vec<String>,
    },
    /// A selector names no node.
    #[error("--select '{selector}' matches no node.{}", did_you_mean(.suggestion))]
    UnknownSelector {
        /// The selector as written.
        selector: String,
        /// The nearest node name, if one is close.
        suggestion: Option<String>,
    },
    /// A selector that cannot be parsed.
    #[error("--select '{selector}': {message}")]
    BadSelector {
        /// The selector as written.
        selector: String,
        /// What is wrong with it.
        message: String,
    },
}

impl GraphError {
    /// The error's stable code, as the README's table lists it.
    pub fn code(&self) -> &'static str {
        match self {
            GraphError::DuplicateName { .. } => "JGT3001",
            GraphError::Cycle { .. } => "JGT3002",
            GraphError::UnknownSelector { .. } => "JGT3101",
            GraphError::BadSelector { .. } => "JGT3102",
        }
    }
}
