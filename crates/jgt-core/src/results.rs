//! What building a plan gave: a result per node, and query rows.

use std::time::SystemTime;

/// Rows of a query, every value as display text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryResult {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// Rows; `None` is SQL NULL.
    pub rows: Vec<Vec<Option<String>>>,
}

/// A column of an existing relation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The column name.
    pub name: String,
    /// The database type.
    pub data_type: String,
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
    /// Which worker built it, from 1 (`Thread-N` in run_results.json); 0
    /// for a node that was skipped without reaching a worker.
    pub thread: usize,
}

impl NodeResult {
    /// A result with only its index, status and time filled in.
    pub fn new(index: usize, status: Status, seconds: f64) -> Self {
        NodeResult {
            index,
            status,
            rows: None,
            started_at: SystemTime::now(),
            seconds,
            message: None,
            failures: None,
            preview: None,
            thread: 0,
        }
    }

    /// Whether nodes downstream of this one may run.
    pub fn lets_children_run(&self) -> bool {
        matches!(self.status, Status::Success | Status::Warn)
    }
}
