//! The one error type of compiling.

use std::path::PathBuf;

use jgt_core::sql::StatementError;
use jgt_graph::GraphError;
use jgt_project::ProjectError;
use jgt_render::RenderError;

/// Everything that can stop a project from compiling, or its artifacts
/// from being written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompileError {
    /// The project folder could not be read.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// A template failed to render.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// The graph has a cycle or a name twice, or a selector is wrong.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// `--vars` is not a YAML mapping.
    #[error("--vars '{text}' is not a YAML mapping such as '{{x: 1}}'")]
    Vars {
        /// The flag's text.
        text: String,
        /// What the YAML parser said.
        source: serde_yaml::Error,
    },
    /// A model or test whose SQL is not exactly one statement.
    #[error("{path}: {what} {name} {problem}{hint}")]
    Statement {
        /// The file that defines the node.
        path: PathBuf,
        /// `the model`, `the singular test`, `the generic test`.
        what: &'static str,
        /// The node's name.
        name: String,
        /// What is wrong.
        problem: StatementError,
        /// Where to look, when the SQL came from a schema file.
        hint: &'static str,
    },
    /// A config value jgt cannot use.
    #[error("{path}: {message}")]
    Config {
        /// The model file.
        path: PathBuf,
        /// What is wrong and what is expected.
        message: String,
    },
    /// A file jgt writes could not be written.
    #[error("cannot write {path} (the previous file, if any, is unchanged)")]
    Write {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A unit test that cannot run: its model, an input, a format or a
    /// fixture is wrong.
    #[error("{path}:{line}: unit test {name}: {message}")]
    UnitTest {
        /// The schema file declaring it.
        path: PathBuf,
        /// The line of its `name:`.
        line: usize,
        /// `model::test`.
        name: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// The manifest given with `--state` cannot be read.
    #[error("{message}")]
    State {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong, naming the flag and the file.
        message: String,
    },
}

impl CompileError {
    /// The error's stable code, as the README's table lists it.
    pub fn code(&self) -> &'static str {
        match self {
            CompileError::Project(err) => err.code(),
            CompileError::Render(err) => err.code(),
            CompileError::Graph(err) => err.code(),
            CompileError::Vars { .. } => "JGT4001",
            CompileError::Statement { .. } => "JGT4002",
            CompileError::Config { .. } => "JGT4003",
            CompileError::Write { .. } => "JGT4004",
            CompileError::State { .. } => "JGT4005",
            CompileError::UnitTest { .. } => "JGT4006",
        }
    }
}
