//! `jgt source freshness`: how old each selected source's newest row is,
//! judged by its `warn_after` / `error_after`, printed a line per source
//! and written to `target/sources.json`, as `dbt source freshness` does.

use std::time::{Instant, SystemTime};

use anyhow::Result;
use console::style;
use jgt_compile::artifacts::{write_manifest, write_sources, Invocation, SourceFreshness};
use jgt_compile::Compiled;
use jgt_core::freshness::{FreshnessCriteria, FreshnessStatus};
use jgt_exec::Adapter;
use jgt_graph::NodeKind;
use jgt_project::SourceTable;

use crate::cli::{Common, Selection};
use crate::operation::When;

/// Measures the freshness of the selected sources that have thresholds.
/// `Ok(false)` when one is past `error_after` or could not be measured;
/// warnings alone succeed, as in dbt.
pub fn source_freshness(
    common: &Common,
    selection: &Selection,
    invocation: &Invocation,
) -> Result<bool> {
    let started = Instant::now();
    let project = crate::profile::load_project(common)?;
    let adapter = crate::profile::open(common, &project)?;
    let adapter = adapter.as_ref();
    let existing = jgt_core::Existing::known(adapter.tables()?.into_iter().collect());
    let database = crate::commands::project_database(common, &project);
    let run = invocation.run_info(jgt_render::Flags {
        which: "freshness".into(),
        ..jgt_render::Flags::default()
    });
    let (compiled, ids) =
        crate::commands::load_with(common, selection, project, database, existing, run)?;
    write_manifest(&compiled, invocation)?;
    let checked: Vec<(&SourceTable, FreshnessCriteria)> = ids
        .iter()
        .map(|id| compiled.node(*id))
        .filter(|node| node.kind == NodeKind::Source)
        .filter_map(|node| table_of(&compiled, &node.name))
        .filter_map(|table| Some((table, table.freshness.clone()?)))
        .collect();
    if checked.is_empty() {
        outln!("Nothing to do: no selected source has freshness thresholds (warn_after or error_after).");
        return Ok(true);
    }
    crate::operation::run_hooks(&compiled, adapter, When::Start, None, &mut Vec::new())?;
    let total = checked.len();
    let mut results = Vec::with_capacity(total);
    for (i, (table, criteria)) in checked.into_iter().enumerate() {
        let result = measure(&compiled, adapter, table, criteria);
        print_line(i + 1, total, table, &result);
        results.push((table, result));
    }
    let elapsed = started.elapsed().as_secs_f64();
    let measured: Vec<SourceFreshness> = results.iter().map(|(_, r)| r.clone()).collect();
    write_sources(&compiled, &measured, invocation, elapsed)?;
    let mut ok = true;
    for (table, result) in &results {
        if let Some(problem) = problem(&compiled, table, result) {
            ok = false;
            out!("{problem}");
        }
    }
    crate::operation::run_hooks(&compiled, adapter, When::End, None, &mut Vec::new())?;
    let written = compiled.project.target_dir().join("sources.json");
    outln!("\nWrote {} in {elapsed:.2}s", written.display());
    Ok(ok)
}

/// The declared source table behind a source node (`source.table`).
fn table_of<'a>(compiled: &'a Compiled, name: &str) -> Option<&'a SourceTable> {
    compiled
        .project
        .sources
        .iter()
        .find(|t| format!("{}.{}", t.source_name, t.table_name) == name)
}

/// Queries the newest `loaded_at_field` and judges it.
fn measure(
    compiled: &Compiled,
    adapter: &dyn Adapter,
    table: &SourceTable,
    criteria: FreshnessCriteria,
) -> SourceFreshness {
    let started_at = SystemTime::now();
    let clock = Instant::now();
    let relation = jgt_core::Relation::new(&table.schema, &table.identifier);
    let outcome = match &table.loaded_at_field {
        None => Err(
            "no loaded_at_field: set one on the source or the table (DuckDB keeps no \
             last-modified time for jgt, or dbt-duckdb, to read instead)"
                .to_string(),
        ),
        Some(field) => adapter
            .freshness(&relation, field, criteria.filter.as_deref())
            .map(|measured| {
                let status = criteria.status(measured.age_seconds());
                (measured, status)
            })
            .map_err(|err| err.to_string()),
    };
    let node = compiled
        .dag
        .find(&format!("{}.{}", table.source_name, table.table_name));
    let unique_id = node
        .map(|id| jgt_compile::artifacts::unique_id(compiled, compiled.node(id)))
        .unwrap_or_default();
    SourceFreshness {
        unique_id,
        criteria,
        outcome,
        started_at,
        seconds: clock.elapsed().as_secs_f64(),
    }
}

/// `1 of 3 WARN  freshness  app.events  2h 0m old  0.01s`.
fn print_line(done: usize, total: usize, table: &SourceTable, result: &SourceFreshness) {
    let width = total.to_string().len();
    let (status, detail) = match &result.outcome {
        Ok((measured, status)) => {
            let word = match status {
                FreshnessStatus::Pass => style("PASS ").green(),
                FreshnessStatus::Warn => style("WARN ").yellow().bold(),
                FreshnessStatus::Error => style("STALE").red().bold(),
            };
            let age = match measured.max_loaded_at_us {
                Some(_) => format!("{} old", age(measured.age_seconds())),
                None => "no rows".into(),
            };
            (word, age)
        }
        Err(_) => (style("ERROR").red().bold(), String::new()),
    };
    let name = format!("{}.{}", table.source_name, table.table_name);
    let line = format!(
        "{done:>width$} of {total} {status} freshness   {name:<32} {detail:>14} {}",
        style(format!("{:.2}s", result.seconds)).dim()
    );
    if crate::log::json() {
        crate::log::event(
            "LogFreshnessResult",
            if matches!(result.outcome, Ok((_, FreshnessStatus::Pass))) {
                "info"
            } else {
                "warn"
            },
            line.trim_end(),
            serde_json::json!({"source_name": table.source_name, "table_name": table.table_name, "index": done, "total": total}),
        );
    } else {
        outln!("{}", line.trim_end());
    }
}

/// `2d 6h`, `3h 5m`, `42s`: an age people read.
fn age(seconds: f64) -> String {
    let whole = seconds.max(0.0) as u64;
    let (days, hours, minutes) = (whole / 86_400, whole % 86_400 / 3_600, whole % 3_600 / 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes}m")
    } else if minutes > 0 {
        format!("{minutes}m {}s", whole % 60)
    } else {
        format!("{whole}s")
    }
}

/// The full story of a stale source or one that could not be measured,
/// with its schema file and line; `None` for pass and warn.
fn problem(compiled: &Compiled, table: &SourceTable, result: &SourceFreshness) -> Option<String> {
    let why = match &result.outcome {
        Ok((measured, FreshnessStatus::Error)) => {
            let error_after = &result.criteria.error_after;
            format!(
                "its newest row ({}) is {} old, more than error_after ({} {})",
                jgt_compile::artifacts::utc_time(measured.max_loaded_at_us),
                age(measured.age_seconds()),
                error_after.count.unwrap_or_default(),
                error_after.period.map(|p| p.as_str()).unwrap_or_default()
            )
        }
        Ok(_) => return None,
        Err(message) => format!("its freshness could not be measured:\n{message}"),
    };
    let text = std::fs::read_to_string(compiled.project.root.join(&table.path)).unwrap_or_default();
    let line = jgt_project::line_of_source_table(&text, &table.source_name, &table.table_name);
    let place = match line {
        0 => table.path.display().to_string(),
        n => format!("{}:{n}", table.path.display()),
    };
    let mut out = format!(
        "\n{} {}.{} ({place})\n",
        style("Error in source freshness").red().bold(),
        table.source_name,
        table.table_name
    );
    for line in why.lines() {
        out.push_str(&format!("  {line}\n"));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ages_read_in_the_two_largest_units() {
        assert_eq!(super::age(42.4), "42s");
        assert_eq!(super::age(3_725.0), "1h 2m");
        assert_eq!(super::age(108_000.0), "1d 6h");
    }
}
