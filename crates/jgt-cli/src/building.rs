//! `seed`, `run`, `test` and `build`: the project compiled while the
//! database opens, the selected nodes built in dependency order, the
//! artifacts written, the database closed.

use std::time::Instant;

use anyhow::Result;
use jgt_compile::artifacts::{stage_manifest, write_run_results};
use jgt_compile::{write_compiled, Compiled};
use jgt_core::{Existing, PlannedNode};
use jgt_graph::{NodeId, NodeKind};
use jgt_project::Project;

use crate::cli::{Common, Selection};
use crate::commands::{exiting, joined, load_with, project_database, Invoked};
use crate::opening::Opening;
use crate::operation::When;
use crate::report::{summary, Reporter};
use crate::uptodate::{Fingerprint, Inputs, Memos, RunPlan};

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
    // A `run` may be built again from the record of the last identical
    // one (see `uptodate::run`), and leaves one for the next.
    // A built file starts opening first of all (Opening::start_early).
    let mut early = Opening::start_early(ctx.common);
    let inputs = match kinds == [NodeKind::Model] && after == Exit {
        true => Fingerprint::start(ctx.common, "run", selection),
        false => None,
    };
    if let Some(Fingerprint::Ready(ready)) = &inputs {
        if let Some(built) = replayed(ctx, ready, started, &mut early)? {
            return Ok(built);
        }
    }
    let (project, existing, opening) = load_and_open(ctx.common, early)?;
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
        let recordable = inputs.is_some() && RunPlan::may_record(&compiled, &ids);
        let memos = recordable.then(|| scope.spawn(|| Memos::of(&compiled)));
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
        let (built, recorded) = built?;
        written?;
        Ok((built, opened, recorded.zip(memos.map(joined))))
    });
    let (built, opened, recorded) = outcome?;
    if after == Exit {
        opened.close_for_exit();
    }
    if let (Some(inputs), Some((plan, memos))) =
        (inputs.and_then(|i| i.finish(&compiled.project)), recorded)
    {
        let outputs = plan.outputs(&compiled.project.root);
        let database = project_database(ctx.common, &compiled.project);
        inputs
            .prepare(&compiled, &database, Vec::new(), outputs, memos, Some(plan))
            .write();
    }
    if after == Exit {
        exiting(compiled);
    }
    Ok(built)
}

/// Builds a `run` again from the record of the last identical one, when
/// it can be (see `uptodate::run`): `None` when it cannot, and the run
/// then compiles as usual.
fn replayed(
    ctx: &Invoked,
    inputs: &Inputs,
    started: Instant,
    early: &mut Option<(Existing, Opening)>,
) -> Result<Option<bool>> {
    if early.is_none() {
        return Ok(None);
    }
    let Some(mut replay) = inputs.replay_run(ctx.common) else {
        return Ok(None);
    };
    let Some((_, opening)) = early.take() else {
        return Ok(None);
    };
    let adapter = opening.finish()?;
    if !replay.write(ctx.common, ctx.invocation) {
        return Ok(None);
    }
    for warning in replay.warnings() {
        crate::commands::print_warning(warning);
    }
    let plan = replay.plan().planned();
    let threads = replay.plan().threads();
    let (results, elapsed) = execute(ctx, adapter.as_ref(), &plan, threads, None, started);
    let nodes: Vec<_> = plan.iter().zip(replay.plan().results_of()).collect();
    jgt_compile::artifacts::write_results_of(
        &replay.target_dir(),
        &nodes,
        &results,
        [&[], &[]],
        ctx.invocation,
        elapsed,
        ctx.args.clone(),
    )?;
    let built = match ctx.cancel.is_cancelled() {
        true => {
            errln!("{}", interrupted_summary(&results));
            false
        }
        false => {
            let declared = replay.plan().declared(&plan);
            let missing =
                crate::warnings::missing_columns(&declared, &plan, &results, adapter.as_ref());
            for warning in missing {
                errln!("{} {warning}", console::style("warning:").yellow().bold());
            }
            results.iter().all(|r| r.lets_children_run())
        }
    };
    adapter.close_for_exit();
    inputs.renew_run(replay);
    Ok(Some(built))
}

/// Builds `plan` on `threads`, reporting each node as it finishes, then
/// the summary; the results and the seconds since `started`.
fn execute(
    ctx: &Invoked,
    adapter: &(dyn jgt_exec::Adapter + Send),
    plan: &[PlannedNode],
    threads: usize,
    rerender: Option<&dyn jgt_exec::Rerender>,
    started: Instant,
) -> (Vec<jgt_exec::NodeResult>, f64) {
    let mut reporter = Reporter::new(plan);
    let results = jgt_exec::run_parallel(
        adapter,
        plan,
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
        crate::report::json_summary(plan, &results, elapsed);
    } else {
        out!("{}", summary(plan, &results, elapsed));
    }
    (results, elapsed)
}

/// Loads the project and starts opening the database, which goes on
/// while the project compiles: the lock is taken before any artifact is
/// written (a run refused by it must leave the last run's manifest as it
/// was), and which tables exist is read on this connection. A file that
/// is there already has started opening before the project loads
/// (`early`, from [`Opening::start_early`]).
fn load_and_open(
    common: &Common,
    early: Option<(Existing, Opening)>,
) -> Result<(Project, Existing, Opening)> {
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

/// [`build`] once the project is compiled and the database open; with
/// the plan a `run` records for the next identical one, when it can be
/// built again from the record alone.
fn build_compiled(
    ctx: &Invoked,
    compiled: &Compiled,
    ids: Vec<NodeId>,
    adapter: &(dyn jgt_exec::Adapter + Send),
    kinds: &[NodeKind],
    store_failures: bool,
    begun: Begun,
) -> Result<(bool, Option<RunPlan>)> {
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
        return Ok((true, None));
    }
    let recorded = match kinds {
        [NodeKind::Model] => {
            RunPlan::of(compiled, &plan, crate::operation::has_run_hooks(compiled))
        }
        _ => None,
    };
    let mut started_hooks = Vec::new();
    crate::operation::run_hooks(compiled, adapter, When::Start, None, &mut started_hooks)?;
    let threads = compiled.target.threads;
    let rerender = crate::execution::AtExecution::new(compiled);
    let rerender = rerender.as_ref().map(|r| r as &dyn jgt_exec::Rerender);
    let (results, elapsed) = execute(ctx, adapter, &plan, threads, rerender, started);
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
        return Ok((false, recorded));
    }
    ended?;
    for warning in crate::warnings::column_warnings(compiled, &ids, &plan, &results, adapter) {
        errln!("{} {warning}", console::style("warning:").yellow().bold());
    }
    Ok((results.iter().all(|r| r.lets_children_run()), recorded))
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
