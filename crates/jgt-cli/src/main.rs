//! The `jgt` command line.
//!
//! This crate owns the user's side of jgt: parsing arguments with clap,
//! turning a project folder into a rendered, checked graph ([`compile`]),
//! turning a selection of that graph into a plan for the runner, and
//! printing what happened (a line per node, a progress bar on a terminal,
//! a summary table, errors with file, line and compiled SQL). Errors get
//! their context here, at the edge; the library crates stay typed.

mod artifacts;
mod cli;
mod commands;
mod compile;
mod docs;
mod ephemeral;
mod plan;
mod properties;
mod report;
mod serve;
mod state;
mod table;
mod testnodes;
mod watch;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::dispatch(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("{} {err:#}", console::style("error:").red().bold());
            ExitCode::FAILURE
        }
    }
}
