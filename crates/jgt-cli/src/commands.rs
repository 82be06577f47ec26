//! What each command does, from parsed arguments to printed results.

use std::collections::HashSet;
use std::thread::JoinHandle;
use std::time::Instant;

use anyhow::{Context, Result};
use jgt_compile::artifacts::{stage_manifest, write_manifest, write_run_results, Invocation};
use jgt_compile::{compile, write_compiled, CompileOptions, Compiled};
use jgt_exec::Cancel;
use jgt_graph::{NodeId, NodeKind};
use jgt_project::suggest::nearest;
use jgt_project::Project;

use crate::cli::{Cli, Command, Common, DocsAction, DocsArgs, Selection};
use crate::operation::When;
use crate::report::{summary, Reporter};

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
            // (and the memos for the next run, when it may reuse this one).
            let (lines, memos) = std::thread::scope(|scope| -> Result<_> {
                let manifest = scope.spawn(|| write_manifest(&compiled, invocation));
                let memos = inputs
                    .is_some()
                    .then(|| scope.spawn(|| crate::uptodate::Memos::of(&compiled)));
                let lines = listing(&compiled, &ids);
                crate::out::stdout_lines(&lines);
                joined(manifest)?;
                Ok((lines, memos.map(joined)))
            })?;
            if let (Some(inputs), Some(memos)) = (inputs.and_then(|i| i.finish()), memos) {
                let database = project_database(common, &compiled.project);
                inputs.record(&compiled, &database, lines, Vec::new(), memos);
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
    let (mut compiled, ids) = load(common, selection)?;
    crate::execution::render_now(&mut compiled, &ids)?;
    // The manifest and the compiled files are independent writes: on two
    // cores, one thread each (and the memos for the next run, when it may
    // reuse this one).
    let memos = std::thread::scope(|scope| -> Result<_> {
        let manifest = scope.spawn(|| write_manifest(&compiled, invocation));
        let memos = inputs
            .is_some()
            .then(|| scope.spawn(|| crate::uptodate::Memos::of(&compiled)));
        write_compiled(&compiled, &ids)?;
        jgt_compile::write_analyses(&compiled)?;
        joined(manifest)?;
        Ok(memos.map(joined))
    })?;
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
    let line = format!(
        "Compiled {} models{snapshots}{analyses} into {}",
        count(NodeKind::Model),
        compiled.project.target_dir().join("compiled").display()
    );
    outln!("{line}");
    if let Some(inputs) = inputs.and_then(|i| i.finish()) {
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
        let database = project_database(common, &compiled.project);
        if let Some(memos) = memos {
            inputs.record(&compiled, &database, vec![line], outputs, memos);
        }
    }
    exiting(compiled);
    Ok(true)
}

/// What a scoped thread returned; its panic goes on.
fn joined<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
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
    let project = crate::profile::load_project(common)?;
    let database = project_database(common, &project);
    let (existing, listing) = crate::opening::existing_beside(common, &project, &database);
    let run = jgt_render::RunInfo::default();
    let loaded = load_with(common, selection, project, database, existing, run);
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
fn exiting(compiled: Compiled) {
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
    let threads = crate::profile::threads(common, &project);
    let dialect = crate::profile::dialect(&project);
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
        },
    )?;
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

/// What becomes of the database once a build is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterBuild {
    /// The process exits next: the database is closed for that
    /// ([`jgt_exec::Adapter::close_for_exit`]), its writes made durable
    /// and its memory left to the exit.
    Exit,
    /// The process builds again (`--watch`): the database is closed
    /// fully, so that the next build may open it.
    BuildAgain,
}

use AfterBuild::Exit;

/// `seed`, `run`, `test` and `build`: builds the selected nodes of `kinds`.
pub fn build(
    ctx: &Invoked,
    selection: &Selection,
    kinds: &[NodeKind],
    store_failures: bool,
    after: AfterBuild,
) -> Result<bool> {
    let started = Instant::now();
    let project = crate::profile::load_project(ctx.common)?;
    let seeds = crate::seeds::Prefetch::start(&project, kinds);
    // The database is opened (and its lock taken) while the project
    // compiles, and before any artifact is written: a run refused by the
    // lock must leave the last run's manifest as it was. Which tables
    // exist is read on this connection.
    let (existing, opening) = crate::opening::Opening::start(ctx.common, &project)?;
    let database = project_database(ctx.common, &project);
    let run = ctx.invocation.run_info(jgt_render::Flags {
        full_refresh: ctx.common.full_refresh,
        which: command_word(kinds).into(),
        store_failures,
        fail_fast: ctx.fail_fast,
        warn_error: false,
    });
    let loaded = load_with(ctx.common, selection, project, database, existing, run);
    let (compiled, ids) = match loaded {
        Ok(loaded) => loaded,
        Err(err) => {
            // Not opening the database is the first thing to say (it may
            // be busy).
            opening.finish()?;
            return Err(err);
        }
    };
    // The manifest is made while the database may still be opening
    // (DuckDB reads a 10,000-relation catalog on one core for a fifth of a
    // second) and goes on beside the build; it is put in place once the
    // database is open: a run refused by the lock leaves the last run's
    // manifest as it was.
    let outcome = std::thread::scope(|scope| {
        let manifest = scope.spawn(|| stage_manifest(&compiled, ctx.invocation));
        let opened = match opening.finish() {
            Ok(opened) => opened,
            Err(err) => {
                drop(joined(manifest));
                return Err(err);
            }
        };
        let begun = Begun { started, seeds };
        let built = build_compiled(
            ctx,
            &compiled,
            ids,
            opened.as_ref(),
            kinds,
            store_failures,
            begun,
        );
        let written = joined(manifest).and_then(|staged| staged.commit());
        let built = built?;
        written?;
        Ok((built, opened))
    });
    let (built, opened) = outcome?;
    if after == Exit {
        opened.close_for_exit();
        exiting(compiled);
    }
    Ok(built)
}

/// What a build started before compiling: its clock, and the seeds it
/// is reading.
struct Begun {
    started: Instant,
    seeds: crate::seeds::Prefetch,
}

/// [`build`] once the project is compiled and the database open.
fn build_compiled(
    ctx: &Invoked,
    compiled: &Compiled,
    ids: Vec<NodeId>,
    adapter: &(dyn jgt_exec::Adapter + Send),
    kinds: &[NodeKind],
    store_failures: bool,
    begun: Begun,
) -> Result<bool> {
    let Begun { started, seeds } = begun;
    let ids: Vec<NodeId> = ids
        .into_iter()
        .filter(|id| kinds.contains(&compiled.node(*id).kind))
        .collect();
    write_compiled(compiled, &ids)?;
    let mut plan = jgt_compile::plan::plan(compiled, &ids, store_failures);
    seeds.attach(&mut plan);
    if plan.is_empty() {
        outln!(
            "Nothing to do: the selection holds no {}.",
            kind_words(kinds)
        );
        return Ok(true);
    }
    let mut started_hooks = Vec::new();
    crate::operation::run_hooks(compiled, adapter, When::Start, None, &mut started_hooks)?;
    let mut reporter = Reporter::new(&plan);
    let threads = compiled.target.threads;
    let rerender = crate::execution::AtExecution::new(compiled);
    let rerender = rerender.as_ref().map(|r| r as &dyn jgt_exec::Rerender);
    let results = jgt_exec::run_parallel(
        adapter,
        &plan,
        threads,
        ctx.cancel,
        rerender,
        |node, result| {
            if ctx.fail_fast && result.status == jgt_exec::Status::Error {
                ctx.cancel.stop();
            }
            reporter.finished(node, result)
        },
    );
    reporter.finish();
    let elapsed = started.elapsed().as_secs_f64();
    if crate::log::json() {
        crate::report::json_summary(&plan, &results, elapsed);
    } else {
        out!("{}", summary(&plan, &results, elapsed));
    }
    // on-run-end runs before run_results.json is written, which lists it
    // (dbt's order); not after a Ctrl-C.
    let mut ended_hooks = Vec::new();
    let ended = match ctx.cancel.is_cancelled() {
        true => Ok(0),
        false => crate::operation::run_hooks(
            compiled,
            adapter,
            When::End,
            Some((&plan, &results)),
            &mut ended_hooks,
        ),
    };
    write_run_results(
        compiled,
        &plan,
        &results,
        [&started_hooks, &ended_hooks],
        ctx.invocation,
        elapsed,
        ctx.args.clone(),
    )?;
    if ctx.cancel.is_cancelled() {
        errln!("{}", interrupted_summary(&results));
        return Ok(false);
    }
    ended?;
    for warning in crate::warnings::column_warnings(compiled, &ids, &plan, &results, adapter) {
        errln!("{} {warning}", console::style("warning:").yellow().bold());
    }
    Ok(results.iter().all(|r| r.lets_children_run()))
}

/// What a Ctrl-C left: what finished, what rolled back, what never started.
fn interrupted_summary(results: &[jgt_exec::NodeResult]) -> String {
    let count = |message: &str| {
        results
            .iter()
            .filter(|r| r.message.as_deref() == Some(message))
            .count()
    };
    let rolled_back = count(jgt_exec::INTERRUPTED_DURING);
    let not_started = count(jgt_exec::INTERRUPTED_BEFORE);
    let finished = results.len() - rolled_back - not_started;
    format!(
        "Interrupted: {finished} finished, {rolled_back} rolled back (as they were before), \
         {not_started} not started; run_results.json records each"
    )
}

/// dbt's name for the command that builds `kinds` (`flags.WHICH`).
fn command_word(kinds: &[NodeKind]) -> &'static str {
    match kinds {
        [NodeKind::Seed] => "seed",
        [NodeKind::Snapshot] => "snapshot",
        [NodeKind::Model] => "run",
        [NodeKind::Test] | [NodeKind::Test, NodeKind::UnitTest] => "test",
        _ => "build",
    }
}

fn kind_words(kinds: &[NodeKind]) -> String {
    kinds
        .iter()
        .map(|k| format!("{}s", k.as_str()))
        .collect::<Vec<_>>()
        .join(" or ")
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
