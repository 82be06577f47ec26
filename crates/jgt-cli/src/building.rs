//! `seed`, `run`, `test` and `build`: the project compiled while the
//! database opens, the selected nodes built in dependency order, the
//! artifacts written, the database closed.

use std::time::Instant;

use anyhow::Result;
use jgt_compile::artifacts::{stage_manifest, write_run_results};
use jgt_compile::{write_compiled, Compiled};
use jgt_core::Existing;
use jgt_graph::{NodeId, NodeKind};
use jgt_project::Project;

use crate::cli::{Common, Selection};
use crate::commands::{exiting, joined, load_with, project_database, Invoked};
use crate::opening::Opening;
use crate::operation::When;
use crate::report::{summary, Reporter};

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
    let (project, existing, opening) = load_and_open(ctx.common)?;
    let seeds = crate::seeds::Prefetch::start(&project, kinds);
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

/// Loads the project and starts opening the database, which goes on
/// while the project compiles: the lock is taken before any artifact is
/// written (a run refused by it must leave the last run's manifest as it
/// was), and which tables exist is read on this connection. A file that
/// is there already starts opening before the project loads
/// ([`Opening::start_early`]).
fn load_and_open(common: &Common) -> Result<(Project, Existing, Opening)> {
    let early = Opening::start_early(common);
    let project = match crate::profile::load_project(common) {
        Ok(project) => project,
        Err(err) => {
            // The project's error is the one to tell; the database begun
            // early is closed first.
            if let Some((_, opening)) = early {
                drop(opening.finish());
            }
            return Err(err);
        }
    };
    let (existing, opening) = match early {
        Some(early) => early,
        None => Opening::start(common, &project)?,
    };
    Ok((project, existing, opening))
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
