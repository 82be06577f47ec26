//! Every key dbt documents for schema files and node configs, with what
//! jgt does with it. Nothing is dropped without a word: a key jgt does not
//! apply, or that no dbt version knows, is named in a warning with its
//! file and line (dbt itself only warns about unknown keys).
//!
//! The tables are data: the engineers adding a feature move its keys to
//! [`KeyStatus::Honoured`], and the walk stops reporting them.

use serde_yaml::Value;

use crate::schema::UnreadKey;
use crate::suggest::{did_you_mean, nearest};

/// What jgt does with a key dbt documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    /// jgt reads it and does what dbt does with it.
    Honoured,
    /// It only describes (docs, the semantic layer, another adapter,
    /// dbt Cloud): dbt builds nothing from it, and neither does jgt.
    Describes,
    /// A level holding more keys, walked in turn.
    Nested,
    /// dbt builds or checks something from it that jgt does not yet: a
    /// warning says what is missing.
    NotApplied(&'static str),
    /// Reported by the code that owns it (named here), not by the walk.
    ReportedBy(&'static str),
}

use KeyStatus::{Describes, Honoured, Nested, NotApplied, ReportedBy};

/// One level of a schema file: its name in messages and its keys.
pub type Level = &'static [(&'static str, KeyStatus)];

/// Source freshness keys (`jgt source freshness`) and contract
/// constraints: honoured where dbt reads them.
const FRESHNESS: KeyStatus = Honoured;
const CONSTRAINTS: KeyStatus = Honoured;
/// `loaded_at_query`, which jgt's freshness does not run.
const LOADED_AT_QUERY: KeyStatus =
    NotApplied("loaded_at_query is not supported by jgt yet; set loaded_at_field instead");

/// The top level of a schema file.
pub const TOP_LEVEL: Level = &[
    ("version", Honoured),
    ("models", Nested),
    ("seeds", Nested),
    ("sources", Nested),
    ("groups", Nested),
    ("snapshots", Honoured),
    ("unit_tests", Honoured),
    ("functions", ReportedBy("schema.rs NOT_YET_KEYS")),
    ("analyses", Describes),
    ("macros", Describes),
    ("exposures", Describes),
    ("metrics", Describes),
    ("semantic_models", Describes),
    ("saved_queries", Describes),
    ("data_tests", Describes),
];

/// A model's properties.
pub const MODEL: Level = &[
    ("name", Honoured),
    ("description", Honoured),
    ("config", Nested),
    ("columns", Nested),
    ("data_tests", Honoured),
    ("tests", Honoured),
    ("latest_version", Honoured),
    ("versions", Nested),
    ("access", Honoured),
    ("group", Honoured),
    ("tags", Honoured),
    ("meta", Honoured),
    ("docs", Honoured),
    ("constraints", CONSTRAINTS),
    (
        "deprecation_date",
        NotApplied("jgt does not warn about references to deprecated models yet"),
    ),
    ("time_spine", Describes),
];

/// One entry of a model's `versions:`.
pub const VERSION: Level = &[
    ("v", Honoured),
    ("defined_in", Honoured),
    ("description", Honoured),
    ("config", Nested),
    ("columns", Nested),
    ("data_tests", Honoured),
    ("tests", Honoured),
    ("docs", Describes),
    (
        "access",
        NotApplied("a version's own access is not read; set it under the version's config:"),
    ),
    (
        "constraints",
        NotApplied("a version's own constraints are not enforced yet; set them on the model"),
    ),
    (
        "deprecation_date",
        NotApplied("jgt does not warn about references to deprecated models yet"),
    ),
];

/// A column of a model, seed or source table.
pub const COLUMN: Level = &[
    ("name", Honoured),
    ("description", Honoured),
    ("data_type", Honoured),
    ("data_tests", Honoured),
    ("tests", Honoured),
    ("quote", Honoured),
    ("meta", Describes),
    ("docs", Describes),
    ("config", Describes),
    ("policy_tags", Describes),
    ("granularity", Describes),
    ("include", Honoured),
    ("exclude", Honoured),
    ("constraints", CONSTRAINTS),
    (
        "tags",
        NotApplied("a column's tags are not given to its tests yet"),
    ),
];

/// A seed's properties.
pub const SEED: Level = &[
    ("name", Honoured),
    ("description", Honoured),
    ("config", Nested),
    ("columns", Nested),
    ("data_tests", Honoured),
    ("tests", Honoured),
    ("docs", Honoured),
    ("meta", Honoured),
    ("tags", Honoured),
];

/// A source's properties.
pub const SOURCE: Level = &[
    ("name", Honoured),
    ("description", Honoured),
    ("schema", Honoured),
    ("tables", Nested),
    ("config", Nested),
    ("loader", Describes),
    ("meta", Describes),
    ("docs", Describes),
    (
        "database",
        NotApplied("jgt reads sources from the target database; this database is not used"),
    ),
    (
        "tags",
        NotApplied("source tags are not read yet: tag: selectors do not match this source"),
    ),
    (
        "overrides",
        NotApplied("jgt does not apply a source's overrides of a package's source yet"),
    ),
    (
        "quoting",
        NotApplied("jgt always quotes names; quoting set to false is not applied"),
    ),
    ("freshness", FRESHNESS),
    ("loaded_at_field", FRESHNESS),
    ("loaded_at_query", LOADED_AT_QUERY),
];

/// A source table's properties.
pub const SOURCE_TABLE: Level = &[
    ("name", Honoured),
    ("identifier", Honoured),
    ("description", Honoured),
    ("columns", Nested),
    ("data_tests", Honoured),
    ("tests", Honoured),
    ("config", Nested),
    ("loader", Describes),
    ("meta", Describes),
    ("docs", Describes),
    ("external", Describes),
    (
        "tags",
        NotApplied("source tags are not read yet: tag: selectors do not match this table"),
    ),
    (
        "quoting",
        NotApplied("jgt always quotes names; quoting set to false is not applied"),
    ),
    ("freshness", FRESHNESS),
    ("loaded_at_field", FRESHNESS),
    ("loaded_at_query", LOADED_AT_QUERY),
];

/// A group's properties.
pub const GROUP: Level = &[
    ("name", Honoured),
    ("owner", Honoured),
    ("description", Describes),
    ("config", Describes),
];

/// The configs of a source or source table (`config:`).
pub const SOURCE_CONFIG: Level = &[
    ("enabled", Honoured),
    ("meta", Describes),
    ("event_time", Describes),
    (
        "tags",
        NotApplied("source tags are not read yet: tag: selectors do not match this source"),
    ),
    (
        "freshness",
        NotApplied("freshness under a source's config: is not read yet; set it on the source or table"),
    ),
    (
        "loaded_at_field",
        NotApplied("loaded_at_field under a source's config: is not read yet; set it on the source or table"),
    ),
    ("loaded_at_query", LOADED_AT_QUERY),
    ("external_location", Honoured),
];

/// Model and seed configs: `config:` in schema files, `+key` in the
/// project file's trees, `config()` in SQL.
pub const NODE_CONFIG: Level = &[
    ("materialized", Honoured),
    ("schema", Honoured),
    ("alias", Honoured),
    ("tags", Honoured),
    ("enabled", Honoured),
    ("unique_key", Honoured),
    ("incremental_strategy", Honoured),
    ("on_schema_change", Honoured),
    ("access", Honoured),
    ("group", Honoured),
    ("column_types", Honoured),
    ("delimiter", Honoured),
    ("meta", Describes),
    ("docs", Describes),
    ("event_time", Describes),
    ("severity", Honoured),
    (
        "database",
        NotApplied("jgt builds every node in the target database; this database is not used"),
    ),
    (
        "full_refresh",
        NotApplied("--full-refresh applies whatever this says"),
    ),
    (
        "sql_header",
        NotApplied("the header SQL does not run before the model"),
    ),
    (
        "on_configuration_change",
        NotApplied("jgt builds no materialized views, so there is no configuration to change"),
    ),
    (
        "batch_size",
        NotApplied("jgt has no microbatch incremental strategy yet"),
    ),
    (
        "lookback",
        NotApplied("jgt has no microbatch incremental strategy yet"),
    ),
    (
        "begin",
        NotApplied("jgt has no microbatch incremental strategy yet"),
    ),
    (
        "concurrent_batches",
        NotApplied("jgt has no microbatch incremental strategy yet"),
    ),
    (
        "quote_columns",
        NotApplied("seed column names are written as the header has them"),
    ),
    (
        "quoting",
        NotApplied("jgt always quotes names; quoting set to false is not applied"),
    ),
    ("pre-hook", Honoured),
    ("post-hook", Honoured),
    ("pre_hook", Honoured),
    ("post_hook", Honoured),
    ("grants", ReportedBy("jgt-compile unapplied.rs")),
    ("persist_docs", Honoured),
    ("contract", Honoured),
    // Snapshot configs (`config()` in a `{% snapshot %}` block, or a
    // YAML snapshot's `config:`), read by jgt-compile's snapshot.rs.
    ("strategy", Honoured),
    ("updated_at", Honoured),
    ("check_cols", Honoured),
    ("hard_deletes", Honoured),
    ("invalidate_hard_deletes", Honoured),
    ("dbt_valid_to_current", Honoured),
    ("snapshot_meta_column_names", Honoured),
    ("target_schema", Honoured),
    (
        "target_database",
        NotApplied("jgt builds every node in the target database; this database is not used"),
    ),
];

/// What jgt does with `key` at `level`; `None` when no dbt version
/// documents it there.
pub fn status(level: Level, key: &str) -> Option<KeyStatus> {
    level.iter().find(|(k, _)| *k == key).map(|(_, s)| *s)
}

/// The warnings for a node config jgt does not apply: the key and what
/// is missing, or `None` when jgt applies it (or someone else reports it).
pub fn unapplied_config(key: &str) -> Option<&'static str> {
    match status(NODE_CONFIG, key)? {
        NotApplied(why) => Some(why),
        _ => None,
    }
}

/// Walks a whole schema file, returning one [`UnreadKey`] per key jgt
/// does not apply or does not know, with its line.
pub fn walk(text: &str, file: &Value) -> Vec<UnreadKey> {
    let mut walk = Walk {
        lines: text.lines().collect(),
        found: Vec::new(),
    };
    let Some(map) = file.as_mapping() else {
        return walk.found;
    };
    for (key, value) in map {
        let Some(key) = key.as_str() else { continue };
        let level = match key {
            "models" => MODEL,
            "seeds" => SEED,
            "sources" => SOURCE,
            "groups" => GROUP,
            _ => continue,
        };
        walk.entries(key, level, value, 0);
    }
    walk.found
}

/// The walk's text, split into lines once, and what it found.
///
/// Lines are looked up forward from where the enclosing entry starts, so
/// a file is scanned about once per nesting level: linear in its size,
/// where searching from the top for every key was quadratic.
struct Walk<'a> {
    lines: Vec<&'a str>,
    found: Vec<UnreadKey>,
}

impl Walk<'_> {
    /// A list of named entries (models, columns, tables, versions).
    fn entries(&mut self, section: &str, level: Level, list: &Value, from: usize) {
        let Some(items) = list.as_sequence() else {
            return;
        };
        // Entries come in file order: each is searched for after the last.
        let mut cursor = from;
        for item in items {
            let name = item
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| {
                    item.get("v")
                        .and_then(crate::version_value)
                        .map(|v| format!("v{v}"))
                });
            let line = item
                .get("name")
                .and_then(Value::as_str)
                .map_or(cursor, |n| match self.name_line(n, cursor) {
                    0 => self.name_line(n, from).max(from),
                    found => found,
                });
            cursor = line.max(cursor);
            let here = format!("{section}.{}", name.unwrap_or_default());
            self.level(&here, level, item, line);
        }
    }

    /// The keys of one mapping at `level`, starting at 1-based `line`.
    fn level(&mut self, here: &str, level: Level, value: &Value, line: usize) {
        let Some(map) = value.as_mapping() else {
            return;
        };
        for (key, value) in map {
            let Some(key) = key.as_str() else { continue };
            let at = self.key_line(key, line.saturating_sub(1)).max(line);
            match status(level, key) {
                Some(Nested) => self.nested(here, level, key, value, at),
                Some(NotApplied(why)) if asks_for_something(key, value) => {
                    self.report(here, key, at, format!("not applied by jgt yet: {why}"))
                }
                Some(_) => {}
                None => {
                    let hint = did_you_mean(&nearest(key, level.iter().map(|(k, _)| *k)));
                    self.report(
                        here,
                        key,
                        at,
                        format!("no dbt version knows this key here; it is not read.{hint}"),
                    );
                }
            }
        }
    }

    /// A key holding a level of its own.
    fn nested(&mut self, here: &str, parent: Level, key: &str, value: &Value, at: usize) {
        let config_level = if std::ptr::eq(parent, SOURCE) || std::ptr::eq(parent, SOURCE_TABLE) {
            SOURCE_CONFIG
        } else {
            NODE_CONFIG
        };
        match key {
            "config" => self.level(&format!("{here}.config"), config_level, value, at),
            "columns" => self.entries(&format!("{here}.columns"), COLUMN, value, at),
            "versions" => self.entries(&format!("{here}.versions"), VERSION, value, at),
            "tables" => self.entries(&format!("{here}.tables"), SOURCE_TABLE, value, at),
            _ => {}
        }
    }

    /// The 1-based line of the first `name: <name>` at or after 1-based
    /// line `from` (0 when there is none).
    fn name_line(&self, name: &str, from: usize) -> usize {
        self.find_from(from.saturating_sub(1), |line| {
            crate::disabled::names_entry(line, name)
        })
    }

    /// The 1-based line of the first `key:` after 0-based line `from`
    /// (0 when there is none).
    fn key_line(&self, key: &str, from: usize) -> usize {
        self.find_from(from, |line| crate::config::starts_with_key(line, key))
    }

    fn find_from(&self, from: usize, found: impl Fn(&str) -> bool) -> usize {
        let rest = self.lines.get(from..).unwrap_or_default();
        rest.iter()
            .position(|line| found(line))
            .map_or(0, |n| from + n + 1)
    }

    fn report(&mut self, here: &str, key: &str, line: usize, why: String) {
        self.found.push(UnreadKey {
            key: format!("{here}.{key}"),
            line,
            why,
        });
    }
}

/// Whether a value asks for something: not empty, not `false`; for
/// `quoting`, some entry set to false (jgt always quotes); for
/// `full_refresh`, any value (`false` keeps a table through
/// `--full-refresh`).
pub fn asks_for_something(key: &str, value: &Value) -> bool {
    if key == "full_refresh" {
        return !value.is_null();
    }
    if key == "quoting" {
        return value
            .as_mapping()
            .is_some_and(|map| map.values().any(|v| v.as_bool() == Some(false)));
    }
    match value {
        Value::Null | Value::Bool(false) => false,
        Value::String(text) => !text.trim().is_empty(),
        Value::Sequence(items) => !items.is_empty(),
        Value::Mapping(map) => !map.is_empty(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walked(text: &str) -> Vec<String> {
        let value: Value = serde_yaml::from_str(text).unwrap();
        walk(text, &value)
            .into_iter()
            .map(|k| format!("{}:{}", k.line, k.key))
            .collect()
    }

    #[test]
    fn a_typo_is_named_with_its_line_and_the_nearest_key() {
        let text = "models:\n  - name: a\n    descripton: x\n";
        let value: Value = serde_yaml::from_str(text).unwrap();
        let found = walk(text, &value);
        assert_eq!(found[0].key, "models.a.descripton");
        assert_eq!(found[0].line, 3);
        assert!(
            found[0].why.contains("Did you mean 'description'?"),
            "{:?}",
            found[0]
        );
    }

    #[test]
    fn nested_levels_are_walked() {
        let text = "sources:\n  - name: raw\n    database: other\n    tables:\n      - name: t\n        loaded_at_query: select 1\n        columns:\n          - name: id\n            constraints: [{type: not_null}]\n";
        assert_eq!(
            walked(text),
            [
                "3:sources.raw.database",
                "6:sources.raw.tables.t.loaded_at_query"
            ]
        );
    }

    #[test]
    fn switched_off_values_ask_for_nothing() {
        let text = "sources:\n  - name: raw\n    quoting: {identifier: true}\n    tags: []\n";
        assert!(walked(text).is_empty());
    }
}
