//! The `jgt` command line.
//!
//! This crate owns the user's side of jgt: parsing arguments with clap,
//! turning a project folder into a rendered, checked graph ([`compile`]),
//! turning a selection of that graph into a plan for the runner, and
//! printing what happened (a line per node, a progress bar on a terminal,
//! a summary table, errors with file, line and compiled SQL). Errors get
//! their context here, at the edge; the library crates stay typed.

/// `println!` that survives a closed stdout (see [`out`]).
macro_rules! outln {
    ($($arg:tt)*) => { $crate::out::stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` that survives a closed stdout.
macro_rules! out {
    ($($arg:tt)*) => { $crate::out::stdout(format_args!($($arg)*)) };
}

/// `eprintln!` that survives a closed stderr.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::out::stderr(format_args!("{}\n", format_args!($($arg)*))) };
}

mod building;
mod clean;
mod cli;
mod commands;
mod debug;
mod deps;
mod docs;
mod error;
mod execution;
mod freshness;
mod interrupt;
mod log;
mod opening;
mod operation;
mod out;
mod parse;
mod profile;
mod report;
mod retry;
mod seeds;
mod selector;
mod serve;
mod servers;
mod table;
mod uptodate;
mod warnings;
mod watch;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of glibc's malloc: see the workspace `Cargo.toml`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let cancel = interrupt::on_ctrl_c();
    let outcome = commands::dispatch(cli, &cancel);
    if cancel.is_cancelled() {
        if let Err(err) = outcome {
            report_error(&err);
        }
        return ExitCode::from(interrupt::EXIT_CODE);
    }
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            report_error(&err);
            ExitCode::FAILURE
        }
    }
}

/// Prints an error with its stable code: `error[JGT1101]: project.yml:2:1: ...`.
pub(crate) fn report_error(err: &anyhow::Error) {
    let label = match code_of(err) {
        Some(code) => format!("error[{code}]:"),
        None => "error:".to_string(),
    };
    errln!("{} {err:#}", console::style(label).red().bold());
}

/// The code of the first error in the chain that has one.
fn code_of(err: &anyhow::Error) -> Option<&'static str> {
    err.chain().find_map(|cause| {
        if let Some(e) = cause.downcast_ref::<jgt_compile::CompileError>() {
            return Some(e.code());
        }
        if let Some(e) = cause.downcast_ref::<jgt_project::ProjectError>() {
            return Some(e.code());
        }
        if let Some(e) = cause.downcast_ref::<jgt_render::RenderError>() {
            return Some(e.code());
        }
        if let Some(e) = cause.downcast_ref::<jgt_graph::GraphError>() {
            return Some(e.code());
        }
        if let Some(e) = cause.downcast_ref::<jgt_exec::ExecError>() {
            return Some(e.code());
        }
        if let Some(e) = cause.downcast_ref::<jgt_deps::DepsError>() {
            return Some(e.code());
        }
        if let Some(e) = cause.downcast_ref::<crate::error::CliError>() {
            return Some(e.code());
        }
        cause
            .downcast_ref::<jgt_docs::DocsError>()
            .map(|e| e.code())
    })
}
