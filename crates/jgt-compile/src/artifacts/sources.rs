//! `target/sources.json`: what `jgt source freshness` found, in dbt's
//! shape (schema v3).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jgt_core::freshness::{FreshnessCriteria, FreshnessStatus, Measured, Threshold};
use serde::Serialize;
use serde_json::{json, Value};

use super::types::{Metadata, Timing};
use super::{iso8601, write_json, Invocation};
use crate::compile::Compiled;
use crate::error::CompileError;

/// The schema `sources.json` follows.
const SOURCES_SCHEMA: &str = "https://schemas.getdbt.com/dbt/sources/v3.json";

/// One source table's freshness, as measured.
#[derive(Debug, Clone)]
pub struct SourceFreshness {
    /// `source.<project>.<source>.<table>`.
    pub unique_id: String,
    /// The criteria it was judged by.
    pub criteria: FreshnessCriteria,
    /// What the database said, or why it could not say.
    pub outcome: Result<(Measured, FreshnessStatus), String>,
    /// When measuring started.
    pub started_at: SystemTime,
    /// How long it took, in seconds.
    pub seconds: f64,
}

/// `target/sources.json`.
#[derive(Debug, Serialize)]
struct SourcesJson {
    metadata: Metadata,
    results: Vec<Entry>,
    elapsed_time: f64,
}

/// Writes `target/sources.json`. As dbt 1.12 does, a source whose
/// freshness could not be measured (a runtime error) is left out.
pub fn write_sources(
    compiled: &Compiled,
    results: &[SourceFreshness],
    invocation: &Invocation,
    elapsed: f64,
) -> Result<(), CompileError> {
    let entries = results.iter().filter_map(entry).collect();
    let file = SourcesJson {
        metadata: invocation.metadata(SOURCES_SCHEMA),
        results: entries,
        elapsed_time: elapsed,
    };
    write_json(&compiled.project.target_dir().join("sources.json"), &file)
}

/// One `results` entry, its keys in dbt's order.
#[derive(Debug, Serialize)]
struct Entry {
    unique_id: String,
    max_loaded_at: String,
    snapshotted_at: String,
    max_loaded_at_time_ago_in_s: f64,
    status: &'static str,
    criteria: Criteria,
    adapter_response: Value,
    timing: Vec<Timing>,
    thread_id: String,
    execution_time: f64,
}

fn entry(result: &SourceFreshness) -> Option<Entry> {
    let (measured, status) = result.outcome.as_ref().ok()?;
    let finished = result.started_at + Duration::from_secs_f64(result.seconds);
    let timing = |name: &str| Timing {
        name: name.into(),
        started_at: iso8601(result.started_at),
        completed_at: iso8601(finished),
    };
    Some(Entry {
        unique_id: result.unique_id.clone(),
        max_loaded_at: utc_time(measured.max_loaded_at_us),
        snapshotted_at: utc_time(Some(measured.snapshotted_at_us)),
        max_loaded_at_time_ago_in_s: measured.age_seconds(),
        status: status.as_str(),
        criteria: criteria(&result.criteria),
        adapter_response: json!({"_message": "OK"}),
        timing: vec![timing("compile"), timing("execute")],
        thread_id: "Thread-1".into(),
        execution_time: result.seconds,
    })
}

/// The criteria as dbt writes them: unset thresholds as nulls.
#[derive(Debug, Serialize)]
struct Criteria {
    warn_after: ThresholdEntry,
    error_after: ThresholdEntry,
    filter: Option<String>,
}

/// `{"count": 1, "period": "hour"}`.
#[derive(Debug, Serialize)]
struct ThresholdEntry {
    count: Option<u64>,
    period: Option<&'static str>,
}

fn criteria(criteria: &FreshnessCriteria) -> Criteria {
    let threshold = |t: &Threshold| ThresholdEntry {
        count: t.count,
        period: t.period.map(|p| p.as_str()),
    };
    Criteria {
        warn_after: threshold(&criteria.warn_after),
        error_after: threshold(&criteria.error_after),
        filter: criteria.filter.clone(),
    }
}

/// Microseconds since 1970 as dbt prints a UTC time
/// (`2026-12-03T08:23:31.045706+00:00`); none is the year 1.
pub fn utc_time(micros: Option<i64>) -> String {
    let Some(micros) = micros.filter(|m| *m >= 0) else {
        return "0001-01-01T00:00:00+00:00".into();
    };
    let time = UNIX_EPOCH + Duration::from_micros(micros as u64);
    let text = iso8601(time);
    format!("{}+00:00", text.trim_end_matches('Z'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_print_with_an_explicit_utc_offset() {
        assert_eq!(
            super::utc_time(Some(1_796_014_225_500_249)),
            "2026-11-30T04:50:25.500249+00:00"
        );
        assert_eq!(super::utc_time(None), "0001-01-01T00:00:00+00:00");
    }
}
