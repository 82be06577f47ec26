//! Walking a plan in order, building each node, skipping what depends on
//! a failure, and timing every node.

use std::path::Path;
use std::time::{Instant, SystemTime};

use jgt_core::{
    threshold_met, Hooks, Materialization, NodeResult, PlannedNode, Relation, SeedOptions,
    Severity, Status, TestConfig, Work,
};

use crate::adapter::Adapter;
use crate::cancel::Cancel;
use crate::error::ExecError;
use crate::introspect::{AdapterIntrospect, Rerender};

/// How many failing rows a test result shows.
pub const PREVIEW_ROWS: usize = 5;

/// Builds every node of `plan` in order and reports each result to
/// `on_result` as it finishes. A node whose parent did not succeed is
/// skipped; independent branches carry on.
pub fn run(
    adapter: &dyn Adapter,
    plan: &[PlannedNode],
    cancel: &Cancel,
    rerender: Option<&dyn Rerender>,
    mut on_result: impl FnMut(&PlannedNode, &NodeResult),
) -> Vec<NodeResult> {
    cancel.register(adapter.interrupter());
    let mut results: Vec<NodeResult> = Vec::with_capacity(plan.len());
    for (index, node) in plan.iter().enumerate() {
        let blocked = node
            .parents
            .iter()
            .map(|&p| &results[p])
            .find(|r| !r.lets_children_run());
        let result = match blocked {
            Some(parent) => NodeResult {
                message: Some(skip_reason(plan, parent)),
                ..NodeResult::new(index, Status::Skipped, 0.0)
            },
            None => NodeResult {
                thread: 1,
                ..build(adapter, index, node, cancel, rerender)
            },
        };
        on_result(node, &result);
        results.push(result);
    }
    results
}

/// Like [`run`], with up to `threads` nodes building at once, each worker
/// on its own connection to the same database. A node starts when all of
/// its parents have finished; with one thread this is exactly [`run`].
pub fn run_parallel(
    adapter: &dyn Adapter,
    plan: &[PlannedNode],
    threads: usize,
    cancel: &Cancel,
    rerender: Option<&dyn Rerender>,
    on_result: impl FnMut(&PlannedNode, &NodeResult),
) -> Vec<NodeResult> {
    if threads <= 1 || plan.len() <= 1 {
        return run(adapter, plan, cancel, rerender, on_result);
    }
    // Schemas are created up front: two workers creating one schema at
    // once would conflict (tests storing their failures too).
    let mut schemas: Vec<&str> = plan
        .iter()
        .filter_map(|n| match &n.work {
            Work::Test { store_failures, .. } => store_failures.as_ref(),
            _ => Some(&n.relation),
        })
        .map(|relation| relation.schema.as_str())
        .collect();
    schemas.sort();
    schemas.dedup();
    for schema in schemas {
        if let Err(err) = adapter.create_schema(schema) {
            return plan
                .iter()
                .enumerate()
                .map(|(index, _)| NodeResult {
                    message: Some(err.to_string()),
                    ..NodeResult::new(index, Status::Error, 0.0)
                })
                .collect();
        }
    }
    let mut workers = Vec::new();
    for _ in 0..threads.min(plan.len()) {
        match adapter.try_clone() {
            Ok(worker) => {
                cancel.register(worker.interrupter());
                workers.push(worker);
            }
            Err(_) => break,
        }
    }
    if workers.is_empty() {
        return run(adapter, plan, cancel, rerender, on_result);
    }
    crate::parallel::schedule(workers, plan, cancel, rerender, on_result)
}

/// Names the failed node at the root of a skip, however far up it is.
pub(crate) fn skip_reason(plan: &[PlannedNode], parent: &NodeResult) -> String {
    match (&parent.status, &parent.message) {
        (Status::Skipped, Some(message)) => message.clone(),
        _ => {
            let failed = &plan[parent.index];
            match failed.work {
                Work::Test { .. } => format!("upstream test {} failed", failed.name),
                Work::UnitTest(_) => format!("unit test {} failed", failed.name),
                _ => format!("upstream {} failed", failed.name),
            }
        }
    }
}

/// Builds one node, unless the run was cancelled before it started; a
/// statement cancelled while running is reported as interrupted.
pub(crate) fn build(
    adapter: &dyn Adapter,
    index: usize,
    node: &PlannedNode,
    cancel: &Cancel,
    rerender: Option<&dyn Rerender>,
) -> NodeResult {
    if cancel.is_cancelled() {
        return NodeResult {
            message: Some(INTERRUPTED_BEFORE.into()),
            ..NodeResult::new(index, Status::Skipped, 0.0)
        };
    }
    if cancel.is_stopped() {
        return NodeResult {
            message: Some(STOPPED_BEFORE.into()),
            ..NodeResult::new(index, Status::Skipped, 0.0)
        };
    }
    let fresh;
    let node = match rerender.filter(|r| r.wants(node)) {
        Some(rerender) => match render_again(adapter, node, rerender) {
            Ok(again) => {
                fresh = again;
                &fresh
            }
            Err(message) => {
                return NodeResult {
                    message: Some(message),
                    ..NodeResult::new(index, Status::Error, 0.0)
                }
            }
        },
        None => node,
    };
    let mut result = build_now(adapter, index, node);
    if cancel.is_cancelled() && result.status == Status::Error {
        result.message = Some(INTERRUPTED_DURING.into());
    }
    result
}

/// The node with its SQL rendered again through a connection of its own,
/// now that everything upstream of it is built.
fn render_again(
    adapter: &dyn Adapter,
    node: &PlannedNode,
    rerender: &dyn Rerender,
) -> Result<PlannedNode, String> {
    let db = AdapterIntrospect::connect(adapter)?;
    let Some(sql) = rerender.sql_at_execution(node, db) else {
        return Ok(node.clone());
    };
    let sql = sql?;
    let mut node = node.clone();
    match &mut node.work {
        Work::Model { sql: old, .. }
        | Work::Snapshot { sql: old, .. }
        | Work::Test { sql: old, .. } => *old = sql,
        Work::Seed { .. } | Work::UnitTest(_) => {}
    }
    Ok(node)
}

/// Why a node did not start.
pub const INTERRUPTED_BEFORE: &str = "interrupted (Ctrl-C) before it started";
/// Why a node did not start after `--fail-fast` stopped the run.
pub const STOPPED_BEFORE: &str = "skipped: --fail-fast stopped the run at the first failure";
/// What a node cut short by Ctrl-C reports.
pub const INTERRUPTED_DURING: &str =
    "interrupted (Ctrl-C) while building: rolled back, its relation is as it was";

fn build_now(adapter: &dyn Adapter, index: usize, node: &PlannedNode) -> NodeResult {
    let started_at = SystemTime::now();
    let started = Instant::now();
    let mut result = match &node.work {
        Work::Seed { csv, options } => built(load_seed(adapter, node, csv, options).map(Some)),
        Work::Model {
            sql,
            external: Some(external),
            ..
        } => blame_inlined(
            adapter,
            node,
            built(adapter.materialize_external(&node.relation, sql, external, &node.hooks)),
        ),
        Work::Model {
            sql,
            materialization,
            incremental,
            contract,
            external: None,
            storage,
        } => blame_inlined(
            adapter,
            node,
            built(build_model(
                adapter,
                node,
                (sql, *materialization, storage),
                incremental.as_ref(),
                contract.as_ref(),
            )),
        ),
        Work::Snapshot { sql, snapshot } => blame_inlined(
            adapter,
            node,
            built(adapter.snapshot(&node.relation, sql, snapshot, &node.hooks)),
        ),
        Work::Test {
            sql,
            config,
            store_failures,
        } => run_test(adapter, sql, config, store_failures.as_ref()),
        Work::UnitTest(work) => crate::unit::run_unit_test(adapter, work),
    };
    result.index = index;
    result.started_at = started_at;
    result.seconds = started.elapsed().as_secs_f64();
    result
}

/// Builds one model: incremental or not, with its contract or without.
fn build_model(
    adapter: &dyn Adapter,
    node: &PlannedNode,
    (sql, materialization, storage): (&str, Materialization, &jgt_core::Storage),
    incremental: Option<&jgt_core::Incremental>,
    contract: Option<&jgt_core::Contract>,
) -> Result<Option<u64>, crate::ExecError> {
    let relation = &node.relation;
    match (incremental, contract) {
        (Some(how), Some(contract)) if how.is_incremental => {
            adapter.check_contract(sql, contract)?;
            adapter.incremental(relation, sql, how, &node.hooks)
        }
        (Some(how), None) => adapter.incremental(relation, sql, how, &node.hooks),
        (_, Some(contract)) => {
            adapter.materialize_contracted(relation, sql, materialization, &node.hooks, contract)
        }
        (None, None) => {
            adapter.materialize_stored(relation, sql, materialization, &node.hooks, storage)
        }
    }
}

/// When a model that inlines ephemeral models fails, finds the first
/// ephemeral model that fails on its own and names it and its file: the
/// mistake is there, not in the model that reads it.
fn blame_inlined(adapter: &dyn Adapter, node: &PlannedNode, mut result: NodeResult) -> NodeResult {
    if result.status != Status::Error {
        return result;
    }
    for inlined in &node.inlined {
        let probe = adapter.query(&inlined.sql, Some(0));
        if let Err(err) = probe {
            result.message = Some(format!(
                "the error is in ephemeral model {} ({}), which {} inlines:\n{err}",
                inlined.name,
                inlined.path.display(),
                node.name
            ));
            break;
        }
    }
    result
}

/// Loads a seed. The adapter reads it with nothing left to guess (header on
/// line 1, strict rows), so a malformed file fails there at no cost to the
/// good ones; jgt's own reader then says which line is wrong. A file whose
/// rows end some in LF and some in CRLF is loaded from a copy with one
/// kind of line ending.
fn load_seed(
    adapter: &dyn Adapter,
    node: &PlannedNode,
    csv: &Path,
    options: &SeedOptions,
) -> Result<u64, ExecError> {
    // An empty file has no header; some readers would make a table of it.
    if std::fs::metadata(csv).is_ok_and(|m| m.len() == 0) {
        let err = jgt_core::csv::CsvError::NoHeader;
        return Err(ExecError::Seed {
            path: node.path.clone(),
            line: None,
            message: err.to_string(),
        });
    }
    let refused = match adapter.load_seed(&node.relation, csv, options, &node.hooks) {
        Ok(rows) => return Ok(rows),
        Err(err) => err,
    };
    let seed_error = |line: Option<usize>, message: String| ExecError::Seed {
        path: node.path.clone(),
        line,
        message,
    };
    let shape = jgt_core::csv::check(csv, options.delimiter.as_deref())
        .map_err(|err| seed_error(err.line(), err.to_string()))?;
    if !shape.mixed_line_endings {
        return Err(refused);
    }
    let bytes =
        std::fs::read(csv).map_err(|err| seed_error(None, format!("cannot read: {err}")))?;
    let copy =
        std::env::temp_dir().join(format!("jgt-seed-{}-{}.csv", std::process::id(), node.name));
    std::fs::write(&copy, jgt_core::csv::normalize_line_endings(&bytes)).map_err(|err| {
        seed_error(
            None,
            format!("cannot write a copy with one kind of line ending: {err}"),
        )
    })?;
    let loaded = adapter.load_seed(&node.relation, &copy, options, &node.hooks);
    let _ = std::fs::remove_file(&copy);
    loaded
}

/// The result of building a seed or model.
fn built(outcome: Result<Option<u64>, crate::ExecError>) -> NodeResult {
    match outcome {
        Ok(rows) => NodeResult {
            rows,
            ..NodeResult::new(0, Status::Success, 0.0)
        },
        Err(err) => NodeResult {
            message: Some(err.to_string()),
            ..NodeResult::new(0, Status::Error, 0.0)
        },
    }
}

/// Counts a test's failing rows, judges them against its thresholds and
/// severity, keeps a preview (and, when asked, a table) of them.
fn run_test(
    adapter: &dyn Adapter,
    sql: &str,
    config: &TestConfig,
    store: Option<&Relation>,
) -> NodeResult {
    let failed = |message: String| NodeResult {
        message: Some(message),
        ..NodeResult::new(0, Status::Error, 0.0)
    };
    let sql = match jgt_core::sql::single_statement(sql) {
        Ok(sql) => sql,
        Err(err) => return failed(format!("the test's SQL {err}")),
    };
    let sql = match config.limit {
        Some(limit) => format!(
            "select * from {} limit {limit}",
            adapter.dialect().subquery(sql, "limited")
        ),
        None => sql.to_string(),
    };
    let counted = adapter.query(
        &format!(
            "select count(*) as failures from {}",
            adapter.dialect().subquery(&sql, "test_result")
        ),
        None,
    );
    let failures: u64 = match counted {
        Ok(result) => {
            let count = result
                .rows
                .first()
                .and_then(|row| row.first().cloned().flatten());
            match count.as_deref().map(str::parse) {
                Some(Ok(n)) => n,
                _ => {
                    return failed(format!(
                        "could not read the number of failing rows ({count:?})"
                    ))
                }
            }
        }
        Err(err) => return failed(err.to_string()),
    };
    let judge = |condition: &str| threshold_met(condition, failures);
    let (error, warn) = match (judge(&config.error_if), judge(&config.warn_if)) {
        (Ok(error), Ok(warn)) => (error, warn),
        (Err(message), _) | (_, Err(message)) => return failed(message.to_string()),
    };
    let status = match config.severity {
        Severity::Error if error => Status::Error,
        Severity::Error | Severity::Warn if warn => Status::Warn,
        _ => Status::Success,
    };
    let mut result = NodeResult {
        failures: Some(failures),
        ..NodeResult::new(0, status, 0.0)
    };
    if failures > 0 {
        result.preview = adapter.query(&sql, Some(PREVIEW_ROWS)).ok();
    }
    // Stored whether or not rows fail, as dbt stores them: a passing
    // test leaves an empty table, so the table always shows the last run.
    if let Some(relation) = store {
        if let Err(err) = adapter.materialize(relation, &sql, Materialization::Table, &Hooks::NONE)
        {
            result.message = Some(format!("could not store failures: {err}"));
        }
    }
    result
}
