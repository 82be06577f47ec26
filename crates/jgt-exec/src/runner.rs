//! Walking a plan in order, building each node, skipping what depends on
//! a failure, and timing every node.

use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use jgt_project::{threshold_met, Materialization, Relation, Severity, TestConfig};

use crate::adapter::{Adapter, Incremental, QueryResult, SeedOptions};

/// How many failing rows a test result shows.
pub const PREVIEW_ROWS: usize = 5;

/// What building one node means.
#[derive(Debug, Clone)]
pub enum Work {
    /// Load a CSV file (absolute path) as a table.
    Seed {
        /// The CSV file.
        csv: PathBuf,
        /// How to read it.
        options: SeedOptions,
    },
    /// Build rendered SQL as a view or table.
    Model {
        /// The compiled SQL.
        sql: String,
        /// How to build it.
        materialization: Materialization,
        /// For incremental models: how new rows join the table.
        incremental: Option<Incremental>,
    },
    /// Run a data test: SQL that selects the failing rows.
    Test {
        /// The compiled SQL.
        sql: String,
        /// Severity, thresholds, `store_failures`, ...
        config: TestConfig,
        /// Where to keep failing rows, when they are kept.
        store_failures: Option<Relation>,
    },
}

/// One node of a plan, in build order.
#[derive(Debug, Clone)]
pub struct PlannedNode {
    /// The node's name.
    pub name: String,
    /// The file that defines it, relative to the project folder.
    pub path: PathBuf,
    /// Where its compiled SQL was written, for error messages.
    pub compiled_path: Option<PathBuf>,
    /// The relation it builds.
    pub relation: Relation,
    /// What to do.
    pub work: Work,
    /// Indices (into the plan) of the parents that are also in the plan.
    pub parents: Vec<usize>,
    /// What the node checks or holds, in plain words, for messages.
    pub description: Option<String>,
}

/// How a node's build ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Built, or a test that passed.
    Success,
    /// A test that failed with severity `warn`: reported, not blocking.
    Warn,
    /// The database refused it (its relation is as it was), or a test failed.
    Error,
    /// Not attempted because a parent failed or was skipped.
    Skipped,
}

impl Status {
    /// The word printed for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Success => "success",
            Status::Warn => "warn",
            Status::Error => "error",
            Status::Skipped => "skipped",
        }
    }
}

/// The result of one node.
#[derive(Debug, Clone)]
pub struct NodeResult {
    /// Index of the node in the plan.
    pub index: usize,
    /// How it ended.
    pub status: Status,
    /// Rows in the built relation, when known.
    pub rows: Option<u64>,
    /// When work on it started.
    pub started_at: SystemTime,
    /// Wall-clock seconds spent on it.
    pub seconds: f64,
    /// The error, or for a skip the failed ancestor's name.
    pub message: Option<String>,
    /// Tests: how many rows failed.
    pub failures: Option<u64>,
    /// Tests: the first failing rows.
    pub preview: Option<QueryResult>,
}

impl NodeResult {
    pub(crate) fn new(index: usize, status: Status, seconds: f64) -> Self {
        NodeResult {
            index,
            status,
            rows: None,
            started_at: SystemTime::now(),
            seconds,
            message: None,
            failures: None,
            preview: None,
        }
    }

    /// Whether nodes downstream of this one may run.
    pub fn lets_children_run(&self) -> bool {
        matches!(self.status, Status::Success | Status::Warn)
    }
}

/// Builds every node of `plan` in order and reports each result to
/// `on_result` as it finishes. A node whose parent did not succeed is
/// skipped; independent branches carry on.
pub fn run(
    adapter: &dyn Adapter,
    plan: &[PlannedNode],
    mut on_result: impl FnMut(&PlannedNode, &NodeResult),
) -> Vec<NodeResult> {
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
            None => build(adapter, index, node),
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
    on_result: impl FnMut(&PlannedNode, &NodeResult),
) -> Vec<NodeResult> {
    if threads <= 1 || plan.len() <= 1 {
        return run(adapter, plan, on_result);
    }
    // Schemas are created up front: two workers creating one schema at
    // once would conflict.
    let mut schemas: Vec<&str> = plan
        .iter()
        .filter(|n| !matches!(n.work, Work::Test { .. }))
        .map(|n| n.relation.schema.as_str())
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
            Ok(worker) => workers.push(worker),
            Err(_) => break,
        }
    }
    if workers.is_empty() {
        return run(adapter, plan, on_result);
    }
    crate::parallel::schedule(workers, plan, on_result)
}

/// Names the failed node at the root of a skip, however far up it is.
pub(crate) fn skip_reason(plan: &[PlannedNode], parent: &NodeResult) -> String {
    match (&parent.status, &parent.message) {
        (Status::Skipped, Some(message)) => message.clone(),
        _ => {
            let failed = &plan[parent.index];
            match failed.work {
                Work::Test { .. } => format!("upstream test {} failed", failed.name),
                _ => format!("upstream {} failed", failed.name),
            }
        }
    }
}

pub(crate) fn build(adapter: &dyn Adapter, index: usize, node: &PlannedNode) -> NodeResult {
    let started_at = SystemTime::now();
    let started = Instant::now();
    let mut result = match &node.work {
        Work::Seed { csv, options } => {
            built(adapter.load_seed(&node.relation, csv, options).map(Some))
        }
        Work::Model {
            sql,
            incremental: Some(how),
            ..
        } => built(adapter.incremental(&node.relation, sql, how)),
        Work::Model {
            sql,
            materialization,
            ..
        } => built(adapter.materialize(&node.relation, sql, *materialization)),
        Work::Test {
            sql,
            config,
            store_failures,
        } => run_test(adapter, sql, config, store_failures.as_ref()),
    };
    result.index = index;
    result.started_at = started_at;
    result.seconds = started.elapsed().as_secs_f64();
    result
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
    let sql = match config.limit {
        Some(limit) => format!(
            "select * from (\n{}\n) limited limit {limit}",
            sql.trim_end().trim_end_matches(';')
        ),
        None => sql.to_string(),
    };
    let counted = adapter.query(
        &format!(
            "select count(*) as failures from (\n{}\n) test_result",
            sql.trim_end().trim_end_matches(';')
        ),
        None,
    );
    let failures: u64 = match counted {
        Ok(result) => result
            .rows
            .first()
            .and_then(|row| row.first().cloned().flatten())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
        Err(err) => return failed(err.to_string()),
    };
    let judge = |condition: &str| threshold_met(condition, failures);
    let (error, warn) = match (judge(&config.error_if), judge(&config.warn_if)) {
        (Ok(error), Ok(warn)) => (error, warn),
        (Err(message), _) | (_, Err(message)) => return failed(message),
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
        if let Some(relation) = store {
            if let Err(err) = adapter.materialize(relation, &sql, Materialization::Table) {
                result.message = Some(format!("could not store failures: {err}"));
            }
        }
    }
    result
}
