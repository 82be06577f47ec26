//! `jgt retry`: runs the previous command again, on only the nodes that
//! failed or were skipped in `target/run_results.json` (as dbt 1.6+ does).
//!
//! Every build records its arguments in run_results.json's `args` in
//! dbt's shape (`which`, `select`, `exclude`, `selector`, ...) plus the
//! command line itself (`invocation_command`, `jgt_argv`), which retry
//! parses again.

use std::collections::HashSet;

use anyhow::Result;
use clap::Parser;
use jgt_compile::artifacts::Invocation;
use jgt_exec::Cancel;
use serde_json::{json, Value};

use crate::cli::{Cli, Command, Common, Selection};
use crate::error::CliError;

/// Statuses of run_results.json that retry runs again.
const RETRIED: &[&str] = &["error", "fail", "skipped", "runtime error"];

/// The arguments of this invocation, as run_results.json records them.
pub fn invocation_args(cli: &Cli) -> Value {
    let common = &cli.common;
    let which = format!("{:?}", cli.command)
        .split(['(', ' ', '{'])
        .next()
        .unwrap_or("")
        .to_lowercase();
    let argv: Vec<String> = std::env::args().collect();
    let selection = selection_of(&cli.command);
    let empty = Selection::default();
    let selection = selection.unwrap_or(&empty);
    json!({
        "which": which,
        "vars": vars_as_json(common.vars.as_deref()),
        "threads": common.threads,
        "full_refresh": common.full_refresh,
        "select": selection.select,
        "exclude": selection.exclude,
        "selector": selection.selector,
        "state": selection.state,
        "fail_fast": fail_fast(&cli.command),
        "store_failures": store_failures(&cli.command),
        "invocation_command": std::iter::once("jgt")
            .chain(argv.iter().skip(1).map(String::as_str))
            .collect::<Vec<_>>()
            .join(" "),
        "jgt_argv": argv,
    })
}

/// `--vars` as dbt records it: a mapping (`{}` when not given); text that
/// is not YAML is kept as given (compiling reports it).
fn vars_as_json(vars: Option<&str>) -> Value {
    match vars {
        None => json!({}),
        Some(text) => serde_yaml::from_str::<Value>(text).unwrap_or_else(|_| json!(text)),
    }
}

/// Whether the command was given `--fail-fast`.
pub fn fail_fast(command: &Command) -> bool {
    match command {
        Command::Run(args) => args.fail_fast,
        Command::Build(args) | Command::Test(args) => args.fail_fast,
        _ => false,
    }
}

fn store_failures(command: &Command) -> bool {
    match command {
        Command::Build(args) | Command::Test(args) => args.store_failures,
        _ => false,
    }
}

/// The selection of a command that builds nodes.
fn selection_of(command: &Command) -> Option<&Selection> {
    match command {
        Command::Seed(selection) | Command::Snapshot(selection) => Some(selection),
        Command::Run(args) => Some(&args.selection),
        Command::Build(args) | Command::Test(args) => Some(&args.selection),
        Command::Compile(selection) | Command::Ls(selection) => Some(selection),
        _ => None,
    }
}

/// Re-runs the failed and skipped nodes of the last run.
pub fn retry(common: &Common, invocation: &Invocation, cancel: &Cancel) -> Result<bool> {
    let project = crate::profile::load_project(common)?;
    let path = project.target_dir().join("run_results.json");
    if !path.is_file() {
        return Err(CliError::NoRunResults { path }.into());
    }
    let bad = |message: &str| CliError::BadRunResults {
        path: path.clone(),
        message: message.to_string(),
    };
    let text = std::fs::read_to_string(&path).map_err(|err| bad(&err.to_string()))?;
    let previous: Value = serde_json::from_str(&text).map_err(|err| bad(&err.to_string()))?;
    let args = previous.get("args").cloned().unwrap_or(Value::Null);
    let argv: Vec<String> = args
        .get("jgt_argv")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .ok_or_else(|| bad("its `args` do not record the command line (jgt_argv); run the command again instead"))?;
    let failed: HashSet<String> = previous
        .get("results")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|r| {
            r.get("status")
                .and_then(Value::as_str)
                .is_some_and(|s| RETRIED.contains(&s))
        })
        .filter_map(|r| {
            r.get("unique_id")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    let which = args.get("which").and_then(Value::as_str).unwrap_or("?");
    if failed.is_empty() {
        outln!("Nothing to retry: every node of the last `jgt {which}` succeeded.");
        return Ok(true);
    }
    let mut cli = Cli::try_parse_from(&argv).map_err(|err| {
        bad(&format!(
            "its command line no longer parses: {}",
            err.kind()
        ))
    })?;
    cli.common.project_dir = common.project_dir.clone();
    cli.common.log_format = common.log_format;
    if common.db.is_some() {
        cli.common.db = common.db.clone();
    }
    let count = failed.len();
    match &mut cli.command {
        Command::Seed(selection) | Command::Snapshot(selection) => selection.only = Some(failed),
        Command::Run(run) => {
            run.watch = false;
            run.selection.only = Some(failed);
        }
        Command::Build(test) | Command::Test(test) => {
            test.watch = false;
            test.selection.only = Some(failed);
        }
        _ => {
            return Err(bad(&format!(
                "the last command, `jgt {which}`, builds nothing to retry"
            ))
            .into())
        }
    }
    outln!("Retrying {count} node(s) that failed or were skipped in the last `jgt {which}`");
    crate::commands::run_command(&cli, invocation, args, cancel)
}
