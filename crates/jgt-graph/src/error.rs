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
    /// `selectors.yml` is not valid YAML or not shaped as dbt's selectors.
    #[error("{}:{line}: {message}", .path.display())]
    SelectorsFile {
        /// The selectors file.
        path: PathBuf,
        /// The line the mistake is on (1-based).
        line: usize,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A key `selectors.yml` does not know.
    #[error("{}:{line}: unknown key '{key}' in {what}; use one of: {}.{}", .path.display(), .allowed.join(", "), did_you_mean(.suggestion))]
    SelectorsKey {
        /// The selectors file.
        path: PathBuf,
        /// The key's line (1-based).
        line: usize,
        /// The key as written.
        key: String,
        /// Where it was: "a selector", "a method", ...
        what: &'static str,
        /// The keys allowed there.
        allowed: &'static [&'static str],
        /// The nearest allowed key, if one is close.
        suggestion: Option<String>,
    },
    /// A selector definition uses a method jgt does not have.
    #[error("{}:{line}: unknown selector method '{method}'; use fqn, tag, path, config.materialized, resource_type, source, state or selector.{}", .path.display(), did_you_mean(.suggestion))]
    SelectorsMethod {
        /// The selectors file.
        path: PathBuf,
        /// The method's line (1-based).
        line: usize,
        /// The method as written.
        method: String,
        /// The nearest method, if one is close.
        suggestion: Option<String>,
    },
    /// `--selector` names no selector of `selectors.yml`.
    #[error("--selector '{name}': {} has no selector of that name.{}", .path.display(), did_you_mean(.suggestion))]
    UnknownNamedSelector {
        /// The name as given.
        name: String,
        /// The selectors file (or where it was looked for).
        path: PathBuf,
        /// The nearest selector name, if one is close.
        suggestion: Option<String>,
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
            GraphError::SelectorsFile { .. } => "JGT3103",
            GraphError::SelectorsKey { .. } => "JGT3104",
            GraphError::SelectorsMethod { .. } => "JGT3105",
            GraphError::UnknownNamedSelector { .. } => "JGT3106",
        }
    }
}
