//! What each command does, from parsed arguments to printed results.

use std::collections::HashSet;
use std::thread::JoinHandle;

use anyhow::{Context, Result};
use jgt_compile::artifacts::{write_manifest, Invocation};
use jgt_compile::{compile, write_compiled, CompileOptions, Compiled};
use jgt_exec::Cancel;
use jgt_graph::{NodeId, NodeKind};
use jgt_project::suggest::nearest;
use jgt_project::Project;

use crate::building::{build, AfterBuild::Exit};
use crate::cli::{Cli, Command, Common, DocsAction, DocsArgs, Selection};

/// Runs the command; `Ok(false)` when it ran but something failed.
pub fn dispatch(cli: Cli, cancel: &Cancel) -> Result<bool> {
    let invocation = Invocation::start();
    crate::log::init(cli.common.log_format, &invocation.id);
    crate::log::event(
        "MainReportVersion",
        "info",
        &format!("Running with jgt={}", env!("CARGO_PKG_VERSION")),
        serde_json::json!({"version": env!("CARGO_PKG_VERSION"), "log_version": 3}),
    );
    let args = crate::retry::invocation_args(&cli);
    if let Command::Retry = cli.command {
        return crate::retry::retry(&cli.common, &invocation, cancel);
    }
    run_command(&cli, &invocation, args, cancel)
}

/// What `jgt build` builds and runs.
const BUILD_KINDS: &[NodeKind] = &[
    NodeKind::Seed,
    NodeKind::Model,
    NodeKind::Snapshot,
    NodeKind::Test,
    NodeKind::UnitTest,
];

/// What `jgt test` runs: data tests and unit tests.
const TEST_KINDS: &[NodeKind] = &[NodeKind::Test, NodeKind::UnitTest];

/// Runs one parsed command line (`retry` runs the previous one's).
pub fn run_command(
    cli: &Cli,
    invocation: &Invocation,
    args: serde_json::Value,
    cancel: &Cancel,
) -> Result<bool> {
    let common = &cli.common;
    let ctx = Invoked {
        common,
        invocation,
        args,
        cancel,
        fail_fast: crate::retry::fail_fast(&cli.command),
    };
    match &cli.command {
        Command::Seed(selection) => build(&ctx, selection, &[NodeKind::Seed], false, Exit),
        Command::Snapshot(selection) => build(&ctx, selection, &[NodeKind::Snapshot], false, Exit),
        Command::Run(args) if args.watch => {
            crate::watch::watch(&ctx, &args.selection, &[NodeKind::Model], false)
        }
        Command::Run(args) => build(&ctx, &args.selection, &[NodeKind::Model], false, Exit),
        Command::Build(args) if args.watch => {
            crate::watch::watch(&ctx, &args.selection, BUILD_KINDS, args.store_failures)
        }
        Command::Test(args) if args.watch => {
            crate::watch::watch(&ctx, &args.selection, TEST_KINDS, args.store_failures)
        }
        Command::Build(args) => build(
            &ctx,
            &args.selection,
            BUILD_KINDS,
            args.store_failures,
            Exit,
        ),
        Command::Test(args) => build(&ctx, &args.selection, TEST_KINDS, args.store_failures, Exit),
        Command::Compile(selection) => {
            let inputs = crate::uptodate::Fingerprint::start(common, "compile", selection);
            if inputs.as_ref().is_some_and(|i| i.reuse(common, invocation)) {
                return Ok(true);
            }
            compile_command(common, selection, invocation, inputs)
        }
        Command::Ls(selection) => {
            let inputs = crate::uptodate::Fingerprint::start(common, "ls", selection);
            if inputs.as_ref().is_some_and(|i| i.reuse(common, invocation)) {
                return Ok(true);
            }
            let (compiled, ids) = load(common, selection)?;
            // The listing does not wait for the manifest: one thread each
            // (and the record for the next run, when it may reuse this one).
            let (lines, kept) = std::thread::scope(|scope| -> Result<_> {
                let manifest = scope.spawn(|| write_manifest(&compiled, invocation));
                let kept = inputs.map(|inputs| scope.spawn(|| bookkeeping(inputs, &compiled)));
                let lines = listing(&compiled, &ids);
                crate::out::stdout_lines(&lines);
                joined(manifest)?;
                Ok((lines, kept.map(joined)))
            })?;
            if let Some((Some(inputs), memos)) = kept {
                let database = project_database(common, &compiled.project);
                inputs
                    .prepare(&compiled, &database, lines, Vec::new(), memos, None)
                    .write();
            }
            exiting(compiled);
            Ok(true)
        }
        Command::Show { model, limit } => show(common, model, *limit),
        Command::Docs(args) => docs_command(common, args, invocation),
        Command::Retry => crate::retry::retry(common, invocation, cancel),
        Command::Clean => crate::clean::clean(common),
        Command::Parse => crate::parse::parse(common, invocation),
        Command::Debug => crate::debug::debug(common),
        Command::Deps(args) => crate::deps::deps(common, args),
        Command::RunOperation(args) => crate::operation::run_operation(common, args, invocation),
        Command::Source(args) => match &args.action {
            crate::cli::SourceAction::Freshness(selection) => {
                crate::freshness::source_freshness(common, selection, invocation)
            }
        },
    }
}

/// `compile`: rendered SQL under `target/compiled/` and the manifest.
fn compile_command(
    common: &Common,
    selection: &Selection,
    invocation: &Invocation,
    inputs: Option<crate::uptodate::Fingerprint>,
) -> Result<bool> {
    // With no selection every node's file is written: the models' files
    // can be written while the rest compiles.
    let everything = selection.is_everything()
        && !common
            .project_dir
            .join(crate::selector::SELECTORS_FILE)
            .is_file();
    let (mut compiled, ids) = load_for(common, selection, everything)?;
    crate::execution::render_now(&mut compiled, &ids)?;
    let line = compiled_line(&compiled, &ids);
    // The manifest and the compiled files are independent writes: on two
    // cores, one thread each. When the next run may reuse this one, its
    // record is made meanwhile (the fingerprint and the models' memos on
    // a third thread, at the lowest priority: only the record waits for
    // them), and put in place once every file is written.
    let record = std::thread::scope(|scope| -> Result<_> {
        let bookkeeping = inputs.map(|inputs| scope.spawn(|| bookkeeping(inputs, &compiled)));
        let manifest = scope.spawn(|| -> Result<_> {
            write_manifest(&compiled, invocation)?;
            let Some(bookkeeping) = bookkeeping else {
                return Ok(None);
            };
            let (Some(inputs), memos) = joined(bookkeeping) else {
                return Ok(None);
            };
            let database = project_database(common, &compiled.project);
            let outputs = outputs(&compiled, &ids);
            let lines = vec![line.clone()];
            let record = inputs.prepare(&compiled, &database, lines, outputs, memos, None);
            Ok(Some(record))
        });
        write_compiled(&compiled, &not_written(&compiled, &ids))?;
        jgt_compile::write_analyses(&compiled)?;
        joined(manifest)
    })?;
    outln!("{line}");
    if let Some(record) = record {
        record.write();
    }
    exiting(compiled);
    Ok(true)
}

/// The fingerprint of a run's inputs (taken now if it was not yet, with
/// the stamps the loading took) and the memos of its models, for the
/// record the next run may reuse; at the lowest priority, since only the
/// record waits for them.
fn bookkeeping(
    inputs: crate::uptodate::Fingerprint,
    compiled: &Compiled,
) -> (Option<crate::uptodate::Inputs>, crate::uptodate::Memos) {
    jgt_core::parallel::in_background();
    let inputs = inputs.finish(&compiled.project);
    (inputs, crate::uptodate::Memos::of(compiled))
}

/// What `compile` prints: how many models (snapshots, analyses) it wrote.
fn compiled_line(compiled: &Compiled, ids: &[NodeId]) -> String {
    let count = |kind: NodeKind| {
        ids.iter()
            .filter(|id| compiled.node(**id).kind == kind)
            .count()
    };
    let snapshots = match count(NodeKind::Snapshot) {
        0 => String::new(),
        n => format!(", {n} snapshots"),
    };
    let analyses = match compiled.analyses.len() {
        0 => String::new(),
        n => format!(" and {n} analyses"),
    };
    format!(
        "Compiled {} models{snapshots}{analyses} into {}",
        count(NodeKind::Model),
        compiled.project.target_dir().join("compiled").display()
    )
}

/// The files `compile` writes besides the manifest, with their sizes.
fn outputs(compiled: &Compiled, ids: &[NodeId]) -> Vec<(std::path::PathBuf, u64)> {
    let root = &compiled.project.root;
    let mut outputs: Vec<_> = ids
        .iter()
        .filter_map(|&id| {
            let node = compiled.node(id);
            let size = node.sql.as_ref()?.len() as u64;
            node.compiled_path.as_ref().map(|p| (root.join(p), size))
        })
        .collect();
    outputs.extend(
        compiled
            .analyses
            .iter()
            .map(|a| (root.join(&a.compiled_path), a.sql.len() as u64)),
    );
    outputs
}

/// `ids` but for the nodes whose compiled file the compile wrote already.
fn not_written(compiled: &Compiled, ids: &[NodeId]) -> Vec<NodeId> {
    let mut written = vec![false; compiled.nodes.len()];
    for id in &compiled.written {
        written[id.index()] = true;
    }
    ids.iter()
        .copied()
        .filter(|id| !written[id.index()])
        .collect()
}

/// What a scoped thread returned; its panic goes on.
pub(crate) fn joined<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// `docs`: the graph on stdout, or the site written or served.
fn docs_command(common: &Common, args: &DocsArgs, invocation: &Invocation) -> Result<bool> {
    match &args.action {
        None => {
            let (compiled, ids) = load(common, &args.selection)?;
            let ids = crate::docs::drawn(&compiled, ids, args.tests);
            let columns = crate::docs::built_columns(&compiled, &ids)?;
            crate::docs::write_graph(&compiled, &ids, &columns, args.format, args.out.as_deref())?;
        }
        Some(DocsAction::Generate(selection)) => {
            let (compiled, ids) = load(common, selection)?;
            write_manifest(&compiled, invocation)?;
            let path = crate::docs::generate(&compiled, &ids)?;
            outln!("Wrote {}", path.display());
        }
        Some(DocsAction::Serve { port }) => {
            let (compiled, ids) = load(common, &Selection::default())?;
            let path = crate::docs::generate(&compiled, &ids)?;
            crate::serve::serve(path.parent().expect("index.html sits in a folder"), *port)?;
        }
    }
    Ok(true)
}

/// Loads and compiles the project, then resolves the selection. Which
/// tables exist (for `is_incremental()`) is read beside the compile,
/// without taking the database's write lock.
pub(crate) fn load(common: &Common, selection: &Selection) -> Result<(Compiled, Vec<NodeId>)> {
    load_for(common, selection, false)
}

/// [`load`], writing the models' compiled files as it goes when
/// `early_files` (see [`CompileOptions::early_files`]).
fn load_for(
    common: &Common,
    selection: &Selection,
    early_files: bool,
) -> Result<(Compiled, Vec<NodeId>)> {
    let project = crate::profile::load_project(common)?;
    let database = project_database(common, &project);
    let (existing, listing) = crate::opening::existing_beside(common, &project, &database);
    let run = jgt_render::RunInfo::default();
    let loaded = compile_with(
        common,
        selection,
        project,
        (database, existing, run),
        early_files,
    );
    if let Err(panic) = listing.map_or(Ok(()), JoinHandle::join) {
        std::panic::resume_unwind(panic);
    }
    loaded
}

/// The database file a command uses: `--db`, else the profile's `path`,
/// else `database:` of the project.
pub(crate) fn project_database(common: &Common, project: &Project) -> std::path::PathBuf {
    crate::profile::database(common, project)
}

/// Lets go of a compiled project the process is about to exit with,
/// without freeing it piece by piece: at 10,000 models that is some
/// 100,000 allocations and 10-15 ms, which the operating system does at
/// once when the process ends.
pub(crate) fn exiting(compiled: Compiled) {
    std::mem::forget(compiled);
}

/// Prints a warning on stderr.
pub(crate) fn print_warning(warning: &str) {
    errln!("{} {warning}", console::style("warning:").yellow().bold());
}

/// Compiles a loaded project knowing which relations exist, then resolves
/// the selection.
pub(crate) fn load_with(
    common: &Common,
    selection: &Selection,
    project: Project,
    database: std::path::PathBuf,
    existing: jgt_core::Existing,
    run: jgt_render::RunInfo,
) -> Result<(Compiled, Vec<NodeId>)> {
    compile_with(common, selection, project, (database, existing, run), false)
}

/// [`load_with`], writing the models' compiled files as it goes when
/// `early_files`.
fn compile_with(
    common: &Common,
    selection: &Selection,
    project: Project,
    (database, existing, run): (std::path::PathBuf, jgt_core::Existing, jgt_render::RunInfo),
    early_files: bool,
) -> Result<(Compiled, Vec<NodeId>)> {
    let threads = crate::profile::threads(common, &project);
    let dialect = crate::profile::dialect(&project);
    // Kept to be printed if compiling fails: a skipped file or an
    // unapplied config often explains the error.
    let load_warnings = project.warnings.clone();
    let compiled = compile(
        project,
        &CompileOptions {
            database,
            vars: common.vars.as_deref(),
            threads,
            existing,
            full_refresh: common.full_refresh,
            dialect,
            run,
            early_files,
        },
    )
    .inspect_err(|_| load_warnings.iter().for_each(|w| print_warning(w)))?;
    for warning in &compiled.warnings {
        print_warning(warning);
    }
    let modified = match &selection.state {
        Some(dir) => Some(jgt_compile::state::modified(&compiled, dir)?),
        None => None,
    };
    let mut ids = match crate::selector::chosen(&compiled, selection, modified.as_ref())? {
        Some(ids) => with_tests_of(&compiled, ids),
        None => compiled.dag.select_with_state(
            &selection.select,
            &selection.exclude,
            modified.as_ref(),
        )?,
    };
    if !selection.select.is_empty() {
        ids = with_tests_of(&compiled, ids);
        // What --exclude names stays out, tests of selected nodes too.
        if selection.exclude.iter().any(|e| !e.trim().is_empty()) {
            let excluded: HashSet<NodeId> = compiled
                .dag
                .select_with_state(&selection.exclude, &[], modified.as_ref())?
                .into_iter()
                .collect();
            ids.retain(|id| !excluded.contains(id));
        }
    }
    if let Some(only) = &selection.only {
        ids.retain(|&id| {
            only.contains(&jgt_compile::artifacts::unique_id(
                &compiled,
                compiled.node(id),
            ))
        });
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
            let node = compiled.node(*id);
            chosen.contains(id)
                || node
                    .test
                    .as_ref()
                    .is_some_and(|t| t.attached_to.iter().any(|a| chosen.contains(a)))
                || node
                    .unit_test
                    .as_ref()
                    .is_some_and(|u| chosen.contains(&u.model))
        })
        .collect()
}

/// What every command shares: its options and this invocation.
pub struct Invoked<'a> {
    /// The options every command takes.
    pub common: &'a Common,
    /// This invocation, for the artifacts.
    pub invocation: &'a Invocation,
    /// The arguments, as run_results.json records them.
    pub args: serde_json::Value,
    /// Turned on by Ctrl-C.
    pub cancel: &'a Cancel,
    /// `--fail-fast`: the first failure stops the run.
    pub fail_fast: bool,
}

/// `ls`: one line per node, in build order.
fn listing(compiled: &Compiled, ids: &[NodeId]) -> Vec<String> {
    let rows: Vec<[String; 4]> = ids
        .iter()
        .map(|&id| {
            let node = compiled.node(id);
            let how = match node.kind {
                NodeKind::Seed => "seed".to_string(),
                NodeKind::Source => "source".to_string(),
                NodeKind::Snapshot => "snapshot".to_string(),
                NodeKind::UnitTest => "unit".to_string(),
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
    rows.into_iter()
        .map(|[name, kind, how, path]| format!("{name:<w0$}  {kind:<w1$}  {how:<w2$}  {path}"))
        .collect()
}

/// `show`: runs a model's compiled SQL and prints the first rows.
fn show(common: &Common, model: &str, limit: usize) -> Result<bool> {
    let (mut compiled, _) = load(common, &Selection::default())?;
    let Some(id) = compiled.dag.find(model) else {
        return Err(crate::error::CliError::UnknownNode {
            name: model.to_string(),
            suggestion: nearest(model, compiled.dag.names()),
        }
        .into());
    };
    crate::execution::render_now(&mut compiled, &[id])?;
    let node = compiled.node(id);
    let sql = match &node.sql {
        Some(sql) => sql.clone(),
        None => format!(
            "select * from {}",
            compiled.dialect.relation(&node.relation)
        ),
    };
    // Previewing only reads: it works beside a running build's lock.
    let adapter = crate::profile::open_read_only(
        std::path::Path::new(&compiled.target.path),
        &compiled.project,
    )
    .with_context(|| format!("previewing {model}: run jgt build first"))?;
    let adapter = adapter.as_ref();
    let result = adapter
        .query(&sql, Some(limit))
        .with_context(|| format!("previewing {model} ({})", node.path.display()))?;
    outln!("{}", crate::table::render(&result.columns, &result.rows));
    outln!("{} rows shown (--limit {limit})", result.rows.len());
    Ok(true)
}
