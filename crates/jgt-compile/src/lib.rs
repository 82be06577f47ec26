//! Compiling a jgt project, with no database in the build.
//!
//! This crate turns a loaded project into checked, rendered nodes
//! ([`compile`]): models rendered in two passes as dbt parses and
//! compiles, data tests as nodes, schema-file properties attached,
//! ephemeral models inlined, every body checked to be exactly one SQL
//! statement. From a selection of those nodes it makes the runner's
//! [`plan`](plan::plan), and it reads and writes dbt's artifacts
//! (`manifest.json`, `run_results.json`) and the compiled SQL files, whole
//! or not at all ([`atomic`]). It knows the target database only through
//! its [`Dialect`](jgt_core::Dialect): an editor, a language server or a
//! binding can compile a project without linking any database.

mod access;
mod analyses;
pub mod artifacts;
mod assemble;
pub mod atomic;
mod compile;
mod compiled_files;
mod contract;
mod ephemeral;
mod error;
mod execution;
mod external;
mod hooks;
mod incremental;
mod nodes;
pub mod patch;
pub mod plan;
mod properties;
mod pytext;
mod reported;
mod snapshot;
pub mod state;
mod testnodes;
mod unapplied;
mod unittests;

pub use analyses::{write_analyses, CompiledAnalysis};
pub use compile::{
    compile, compiled_path, database_path, CompileOptions, Compiled, CompiledNode, GenericCall,
    TestInfo,
};
pub use compiled_files::write_compiled;
pub use ephemeral::cte_name;
pub use error::CompileError;
pub use testnodes::test_names;
pub use unittests::UnitTestInfo;
