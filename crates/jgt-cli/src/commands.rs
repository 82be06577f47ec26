//! What each command does, from parsed arguments to printed results.

use std::collections::HashSet;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use jgt_exec::{Adapter, DuckDbAdapter};
use jgt_graph::{NodeId, NodeKind};
use jgt_project::suggest::{did_you_mean, nearest};
use jgt_project::Project;

use serde_json::json;

use crate::artifacts::{write_manifest, write_run_results, Invocation};
use crate::cli::{Cli, Command, Common, DocsAction, Selection};
use crate::compile::{compile, database_path, write_compiled, CompileOptions, Compiled};
use crate::report::{summary, Reporter};

/// Runs the command; `Ok(false)` when it ran but something failed.
pub fn dispatch(cli: Cli) -> Result<bool> {
    let invocation = Invocation::start();
    let common = &cli.common;
    let args = json!({
        "which": format!("{:?}", cli.command).split(['(', ' ', '{']).next().unwrap_or("").to_lowercase(),
        "vars": common.vars,
        "threads": common.threads,
    });
    let ctx = Invoked {
        common,
        invocation: &invocation,
        args,
    };
    match &cli.command {
        Command::Seed(selection) => build(&ctx, selection, &[NodeKind::Seed], false),
        Command::Run(args) if args.watch => {
            crate::watch::watch(&ctx, &args.selection, &[NodeKind::Model], false)
        }
        Command::Run(args) => build(&ctx, &args.selection, &[NodeKind::Model], false),
        Command::Build(args) if args.watch => crate::watch::watch(
            &ctx,
            &args.selection,
            &[NodeKind::Seed, NodeKind::Model, NodeKind::Test],
            args.store_failures,
        ),
        Command::Test(args) if args.watch => crate::watch::watch(
            &ctx,
            &args.selection,
            &[NodeKind::Test],
            args.store_failures,
        ),
        Command::Build(args) => build(
            &ctx,
            &args.selection,
            &[NodeKind::Seed, NodeKind::Model, NodeKind::Test],
            args.store_failures,
        ),
        Command::Test(args) => build(
            &ctx,
            &args.selection,
            &[NodeKind::Test],
            args.store_failures,
        ),
        Command::Compile(selection) => {
            let (compiled, ids) = load(common, selection)?;
            write_compiled(&compiled, &ids)?;
            write_manifest(&compiled, &invocation)?;
            let models = ids
                .iter()
                .filter(|id| compiled.node(**id).kind == NodeKind::Model)
                .count();
            println!(
                "Compiled {models} models into {}",
                compiled.project.target_dir().join("compiled").display()
            );
            Ok(true)
        }
        Command::Ls(selection) => {
            let (compiled, ids) = load(common, selection)?;
            write_manifest(&compiled, &invocation)?;
            list(&compiled, &ids);
            Ok(true)
        }
        Command::Show { model, limit } => show(common, model, *limit),
        Command::Docs(args) => match &args.action {
            None => {
                let (compiled, ids) = load(common, &args.selection)?;
                let ids = crate::docs::drawn(&compiled, ids, args.tests);
                let columns = crate::docs::built_columns(&compiled, &ids)?;
                crate::docs::write_graph(
                    &compiled,
                    &ids,
                    &columns,
                    args.format,
                    args.out.as_deref(),
                )?;
                Ok(true)
            }
            Some(DocsAction::Generate(selection)) => {
                let (compiled, ids) = load(common, selection)?;
                write_manifest(&compiled, &invocation)?;
                let path = crate::docs::generate(&compiled, &ids)?;
                println!("Wrote {}", path.display());
                Ok(true)
            }
            Some(DocsAction::Serve { port }) => {
                let (compiled, ids) = load(common, &Selection::default())?;
                let path = crate::docs::generate(&compiled, &ids)?;
                crate::serve::serve(path.parent().expect("index.html sits in a folder"), *port)?;
                Ok(true)
            }
        },
    }
}

/// Loads and compiles the project, then resolves the selection.
fn load(common: &Common, selection: &Selection) -> Result<(Compiled, Vec<NodeId>)> {
    let project = Project::load(&common.project_dir)?;
    let database = database_path(
        &common.project_dir,
        common.db.as_deref(),
        &project.config.database,
    );
    let threads = common
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let existing = if database.is_file() {
        existing_relations(&database)
    } else {
        HashSet::new()
    };
    let compiled = compile(
        project,
        &CompileOptions {
            database,
            vars: common.vars.as_deref(),
            threads,
            existing,
            full_refresh: common.full_refresh,
        },
    )?;
    for warning in &compiled.warnings {
        eprintln!("{} {warning}", console::style("warning:").yellow().bold());
    }
    let modified = match &selection.state {
        Some(dir) => Some(crate::state::modified(&compiled, dir)?),
        None => None,
    };
    let mut ids =
        compiled
            .dag
            .select_with_state(&selection.select, &selection.exclude, modified.as_ref())?;
    if !selection.select.is_empty() {
        ids = with_tests_of(&compiled, ids);
    }
    Ok((compiled, ids))
}

/// Adds the tests of selected nodes to a selection, as dbt's eager
/// indirect selection does: selecting a model selects its tests.
fn with_tests_of(compiled: &Compiled, ids: Vec<NodeId>) -> Vec<NodeId> {
    let chosen: HashSet<NodeId> = ids.iter().copied().collect();
    compiled
        .dag
        .order()
        .iter()
        .copied()
        .filter(|id| {
            chosen.contains(id)
                || compiled
                    .node(*id)
                    .test
                    .as_ref()
                    .is_some_and(|t| t.attached_to.iter().any(|a| chosen.contains(a)))
        })
        .collect()
}

/// The tables in the database file, when it exists (read-only: looking
/// never creates a database). `is_incremental()` is true only for these.
fn existing_relations(database: &std::path::Path) -> HashSet<jgt_project::Relation> {
    // A database another process is writing cannot be read: then nothing
    // counts as existing, and a build will say the file is busy when it opens it.
    DuckDbAdapter::open_read_only(database)
        .and_then(|adapter| adapter.tables())
        .map(|tables| tables.into_iter().collect())
        .unwrap_or_default()
}

fn open_database(compiled: &Compiled) -> Result<DuckDbAdapter> {
    Ok(DuckDbAdapter::open(std::path::Path::new(
        &compiled.target.path,
    ))?)
}

/// What every command shares: its options and this invocation.
pub struct Invoked<'a> {
    /// The options every command takes.
    pub common: &'a Common,
    /// This invocation, for the artifacts.
    pub invocation: &'a Invocation,
    /// The arguments, as run_results.json records them.
    pub args: serde_json::Value,
}

/// `seed`, `run`, `test` and `build`: builds the selected nodes of `kinds`.
pub fn build(
    ctx: &Invoked,
    selection: &Selection,
    kinds: &[NodeKind],
    store_failures: bool,
) -> Result<bool> {
    let started = Instant::now();
    let (compiled, ids) = load(ctx.common, selection)?;
    write_manifest(&compiled, ctx.invocation)?;
    let ids: Vec<NodeId> = ids
        .into_iter()
        .filter(|id| kinds.contains(&compiled.node(*id).kind))
        .collect();
    write_compiled(&compiled, &ids)?;
    let plan = crate::plan::plan(&compiled, &ids, store_failures);
    if plan.is_empty() {
        println!(
            "Nothing to do: the selection holds no {}.",
            kind_words(kinds)
        );
        return Ok(true);
    }
    let adapter = open_database(&compiled)?;
    let mut reporter = Reporter::new(&plan);
    let threads = compiled.target.threads;
    let results = jgt_exec::run_parallel(&adapter, &plan, threads, |node, result| {
        reporter.finished(node, result)
    });
    reporter.finish();
    let elapsed = started.elapsed().as_secs_f64();
    print!("{}", summary(&plan, &results, elapsed));
    write_run_results(
        &compiled,
        &plan,
        &results,
        ctx.invocation,
        elapsed,
        ctx.args.clone(),
    )?;
    for warning in crate::plan::column_warnings(&compiled, &ids, &plan, &results, &adapter) {
        eprintln!("{} {warning}", console::style("warning:").yellow().bold());
    }
    Ok(results.iter().all(|r| r.lets_children_run()))
}

fn kind_words(kinds: &[NodeKind]) -> String {
    kinds
        .iter()
        .map(|k| format!("{}s", k.as_str()))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// `ls`: one line per node, in build order.
fn list(compiled: &Compiled, ids: &[NodeId]) {
    let rows: Vec<[String; 4]> = ids
        .iter()
        .map(|&id| {
            let node = compiled.node(id);
            let how = match node.kind {
                NodeKind::Seed => "seed".to_string(),
                NodeKind::Source => "source".to_string(),
                _ => node
                    .materialization
                    .map(|m| m.to_string())
                    .unwrap_or_default(),
            };
            [
                node.name.clone(),
                node.kind.as_str().to_string(),
                how,
                node.path.display().to_string(),
            ]
        })
        .collect();
    let width = |i: usize| rows.iter().map(|r| r[i].len()).max().unwrap_or(0);
    let (w0, w1, w2) = (width(0), width(1), width(2));
    for [name, kind, how, path] in rows {
        println!("{name:<w0$}  {kind:<w1$}  {how:<w2$}  {path}");
    }
}

/// `show`: runs a model's compiled SQL and prints the first rows.
fn show(common: &Common, model: &str, limit: usize) -> Result<bool> {
    let (compiled, _) = load(common, &Selection::default())?;
    let Some(id) = compiled.dag.find(model) else {
        let suggestion = nearest(model, compiled.dag.names());
        bail!(
            "'{model}' is not a model or seed of this project.{}",
            did_you_mean(&suggestion)
        );
    };
    let node = compiled.node(id);
    let sql = match &node.sql {
        Some(sql) => sql.clone(),
        None => format!("select * from {}", node.relation),
    };
    let adapter = open_database(&compiled)?;
    let result = adapter
        .query(&sql, Some(limit))
        .with_context(|| format!("previewing {model} ({})", node.path.display()))?;
    println!("{}", crate::table::render(&result.columns, &result.rows));
    println!("{} rows shown (--limit {limit})", result.rows.len());
    Ok(true)
}
