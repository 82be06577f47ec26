//! What a user sees while nodes build: a line per node as it finishes, a
//! progress bar on a terminal, and a summary table at the end.

use std::collections::BTreeMap;
use std::time::Duration;

use console::style;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use jgt_exec::{NodeResult, PlannedNode, Status, Work};

/// Prints results as they arrive.
pub struct Reporter {
    total: usize,
    name_width: usize,
    done: usize,
    bar: ProgressBar,
}

impl Reporter {
    /// A reporter for the nodes of `plan`; the bar only shows on a terminal.
    pub fn new(plan: &[PlannedNode]) -> Self {
        let total = plan.len();
        let name_width = plan
            .iter()
            .map(|n| label(n).len())
            .max()
            .unwrap_or(0)
            .clamp(24, 64);
        let target = if crate::log::json() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stdout()
        };
        let bar = ProgressBar::with_draw_target(Some(total as u64), target);
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
                .expect("the template is valid")
                .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(100));
        Reporter {
            total,
            name_width,
            done: 0,
            bar,
        }
    }

    /// Prints the line for one finished node.
    pub fn finished(&mut self, node: &PlannedNode, result: &NodeResult) {
        self.done += 1;
        let width = self.total.to_string().len();
        // A unit test that could not run is an error, not a failure.
        let is_test = match node.work {
            Work::Test { .. } => true,
            Work::UnitTest(_) => result.status != Status::Error || result.failures.is_some(),
            _ => false,
        };
        let status = match (result.status, is_test) {
            (Status::Success, false) => style("OK   ").green(),
            (Status::Success, true) => style("PASS ").green(),
            (Status::Warn, _) => style("WARN ").yellow().bold(),
            (Status::Error, false) => style("ERROR").red().bold(),
            (Status::Error, true) => style("FAIL ").red().bold(),
            (Status::Skipped, _) => style("SKIP ").yellow(),
        };
        let kind = match &node.work {
            Work::Seed { .. } => "seed".to_string(),
            Work::Model {
                materialization, ..
            } => materialization.to_string(),
            Work::Snapshot { .. } => "snapshot".to_string(),
            Work::Test { .. } => "test".to_string(),
            Work::UnitTest(_) => "unit_test".to_string(),
        };
        let what = label(node);
        let name_width = self.name_width;
        let detail = match (result.status, result.rows, result.failures) {
            (Status::Skipped, _, _) => result.message.clone().unwrap_or_default(),
            (_, _, Some(0)) => String::new(),
            (_, _, Some(failures)) => format!("{} failing", thousands(failures)),
            (Status::Success, Some(rows), _) => format!("{} rows", thousands(rows)),
            _ => String::new(),
        };
        let line = format!(
            "{:>width$} of {} {status} {kind:<11} {what:<name_width$} {detail:>14} {}",
            self.done,
            self.total,
            style(format!("{:.2}s", result.seconds)).dim(),
        );
        if crate::log::json() {
            crate::log::event(
                result_event(node),
                if result.status == Status::Error {
                    "error"
                } else {
                    "info"
                },
                line.trim_end(),
                serde_json::json!({
                    "description": format!("{kind} {what}"),
                    "status": format!("{status}").trim(),
                    "index": self.done,
                    "total": self.total,
                    "execution_time": result.seconds,
                    "node_info": {
                        "node_name": node.name,
                        "node_path": node.path,
                        "resource_type": resource_type(node),
                        "node_status": status_word(node, result.status),
                    },
                }),
            );
        } else if self.bar.is_hidden() {
            outln!("{}", line.trim_end());
        } else {
            self.bar.println(line.trim_end());
            self.bar.set_message(node.name.clone());
            self.bar.inc(1);
        }
    }

    /// Clears the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// dbt's event name for a finished node.
fn result_event(node: &PlannedNode) -> &'static str {
    match node.work {
        Work::Seed { .. } => "LogSeedResult",
        Work::Model { .. } => "LogModelResult",
        Work::Snapshot { .. } => "LogSnapshotResult",
        Work::Test { .. } | Work::UnitTest(_) => "LogTestResult",
    }
}

/// dbt's `resource_type` of a planned node.
fn resource_type(node: &PlannedNode) -> &'static str {
    match node.work {
        Work::Seed { .. } => "seed",
        Work::Model { .. } => "model",
        Work::Snapshot { .. } => "snapshot",
        Work::Test { .. } => "test",
        Work::UnitTest(_) => "unit_test",
    }
}

/// dbt's `node_status` words.
fn status_word(node: &PlannedNode, status: Status) -> &'static str {
    let is_test = matches!(node.work, Work::Test { .. } | Work::UnitTest(_));
    match (status, is_test) {
        (Status::Success, false) => "success",
        (Status::Success, true) => "pass",
        (Status::Warn, _) => "warn",
        (Status::Error, false) => "error",
        (Status::Error, true) => "fail",
        (Status::Skipped, _) => "skipped",
    }
}

/// The `StatsLine` event after a run (JSON mode only): dbt's counts.
fn stats_event(results: &[NodeResult]) {
    let count = |s: Status| results.iter().filter(|r| r.status == s).count();
    let (pass, warn, error, skip) = (
        count(Status::Success),
        count(Status::Warn),
        count(Status::Error),
        count(Status::Skipped),
    );
    let total = results.len();
    crate::log::event(
        "StatsLine",
        "info",
        &format!("Done. PASS={pass} WARN={warn} ERROR={error} SKIP={skip} TOTAL={total}"),
        serde_json::json!({"stats": {"pass": pass, "warn": warn, "error": error, "skip": skip, "total": total}}),
    );
}

/// The summary as dbt's structured events (JSON mode): the counts, then
/// one `RunResultError` (or `RunResultWarning`) per problem, then `StatsLine`.
pub fn json_summary(plan: &[PlannedNode], results: &[NodeResult], seconds: f64) {
    crate::log::event(
        "FinishedRunningStats",
        "info",
        &format!("Finished running {} nodes in {seconds:.2}s.", results.len()),
        serde_json::json!({"execution_time": seconds, "stat_line": format!("{} nodes", results.len())}),
    );
    let errors = results.iter().filter(|r| r.status == Status::Error).count();
    let warnings = results.iter().filter(|r| r.status == Status::Warn).count();
    crate::log::event(
        "EndOfRunSummary",
        "info",
        &format!("Completed with {errors} errors and {warnings} warnings"),
        serde_json::json!({"num_errors": errors, "num_warnings": warnings, "keyboard_interrupt": false}),
    );
    for (node, result) in plan.iter().zip(results) {
        let (name, level) = match result.status {
            Status::Error => ("RunResultError", "error"),
            Status::Warn => ("RunResultWarning", "warn"),
            _ => continue,
        };
        let text = problem(node, result);
        crate::log::event(
            name,
            level,
            text.trim(),
            serde_json::json!({
                "msg": text.trim(),
                "node_info": {
                    "node_name": node.name,
                    "node_path": node.path,
                    "resource_type": resource_type(node),
                    "node_status": status_word(node, result.status),
                },
            }),
        );
    }
    stats_event(results);
}

/// What a result line names: a test's name, otherwise the relation.
fn label(node: &PlannedNode) -> String {
    match node.work {
        Work::Test { .. } | Work::UnitTest(_) => node.name.clone(),
        _ => node.relation.display_name(),
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The summary after a run: counts per kind and status, then every error
/// and failing test in full, with its file and compiled SQL.
pub fn summary(plan: &[PlannedNode], results: &[NodeResult], seconds: f64) -> String {
    let mut counts: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    for (node, result) in plan.iter().zip(results) {
        let kind = match node.work {
            Work::Seed { .. } => "seeds",
            Work::Model { .. } => "models",
            Work::Snapshot { .. } => "snapshots",
            Work::Test { .. } => "tests",
            Work::UnitTest(_) => "unit tests",
        };
        let slot = match result.status {
            Status::Success => 0,
            Status::Warn => 1,
            Status::Error => 2,
            Status::Skipped => 3,
        };
        counts.entry(kind).or_default()[slot] += 1;
    }
    let total = counts.values().fold([0; 4], |mut sum, numbers| {
        for (s, n) in sum.iter_mut().zip(numbers) {
            *s += n;
        }
        sum
    });
    let rows: Vec<Vec<Option<String>>> = counts
        .iter()
        .map(|(kind, numbers)| (kind.to_string(), numbers))
        .chain(std::iter::once(("total".to_string(), &total)))
        .map(|(kind, numbers)| {
            std::iter::once(Some(kind))
                .chain(numbers.iter().map(|n| Some(n.to_string())))
                .collect()
        })
        .collect();
    let headers = [
        "".into(),
        "ok".into(),
        "warn".into(),
        "error".into(),
        "skipped".into(),
    ];
    let mut out = format!(
        "\nFinished {} nodes in {seconds:.2}s\n{}\n",
        results.len(),
        crate::table::render(&headers, &rows)
    );
    for (node, result) in plan.iter().zip(results) {
        if matches!(result.status, Status::Error | Status::Warn) {
            out.push_str(&problem(node, result));
        }
    }
    let [_, warned, failed, skipped] = total;
    if failed > 0 {
        out.push_str(&format!(
            "\n{}: {failed} failed, {skipped} skipped, {warned} warned; relations of failed models were left as they were\n",
            style("Done with errors").red().bold(),
        ));
    } else if warned > 0 {
        out.push_str(&format!("\n{} ({warned} warned)\n", style("Done.").green()));
    } else {
        out.push_str(&format!(
            "\n{}\n",
            style("Done. Everything passed.").green()
        ));
    }
    out
}

/// The full story of one failure: which node, where, how many rows, the
/// first rows, the compiled SQL, and the database's own message.
fn problem(node: &PlannedNode, result: &NodeResult) -> String {
    if let Work::UnitTest(_) = node.work {
        return unit_test_problem(node, result);
    }
    let is_test = matches!(node.work, Work::Test { .. });
    let title = match (is_test, result.status) {
        (true, Status::Warn) => style("Warning in test").yellow().bold(),
        (true, _) => style("Failure in test").red().bold(),
        (false, _) => style("Error in").red().bold(),
    };
    let mut out = format!("\n{title} {} ({})\n", node.name, node.path.display());
    if let (true, Some(description)) = (is_test, &node.description) {
        out.push_str(&format!("  {description}\n"));
    }
    if let Some(failures) = result.failures {
        let rows = if failures == 1 { "row" } else { "rows" };
        out.push_str(&format!(
            "  {} failing {rows} (the test query returns the rows that break the rule)\n",
            thousands(failures)
        ));
    }
    if let Some(preview) = result.preview.as_ref().filter(|p| !p.rows.is_empty()) {
        let shown = if result.failures.unwrap_or(0) as usize > preview.rows.len() {
            format!("  first {} rows:\n", preview.rows.len())
        } else {
            String::new()
        };
        out.push_str(&shown);
        for line in crate::table::render(&preview.columns, &preview.rows).lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    if let Some(compiled) = &node.compiled_path {
        out.push_str(&format!("  compiled SQL: {}\n", compiled.display()));
    }
    for line in result.message.as_deref().unwrap_or("").lines() {
        out.push_str(&format!("  {line}\n"));
    }
    out
}

/// A failed unit test: its name, then the message, which names the
/// schema file and line and holds the diff of expected and actual rows.
fn unit_test_problem(node: &PlannedNode, result: &NodeResult) -> String {
    let title = match result.failures {
        Some(_) => style("Failure in unit test").red().bold(),
        None => style("Error in unit test").red().bold(),
    };
    let mut out = format!("\n{title} {}\n", node.name);
    for line in result.message.as_deref().unwrap_or("").lines() {
        out.push_str(&format!("  {line}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_separates_groups() {
        assert_eq!(super::thousands(120307), "120,307");
        assert_eq!(super::thousands(823), "823");
        assert_eq!(super::thousands(1000000), "1,000,000");
    }
}
