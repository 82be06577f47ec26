//! Nothing is silently ignored: every key dbt documents for schema files
//! and node configs is either applied by jgt or reported with its file and
//! line, and a key no dbt version knows gets the nearest valid one.
//!
//! The lists below are written from dbt's documentation (resource
//! properties and configs, dbt 1.10-1.12), apart from jgt's own tables in
//! `jgt_project::keys`: a documented key the tables forget fails here.

use std::path::Path;

use jgt_project::keys::{self, KeyStatus, Level};
use jgt_project::SchemaFile;

/// A level of a schema file: its documented keys, and a schema file
/// with `KEY: VALUE` on line `line` of that level.
struct Documented {
    what: &'static str,
    level: Level,
    keys: &'static [&'static str],
    template: &'static str,
    line: usize,
}

const DOCUMENTED: &[Documented] = &[
    Documented {
        what: "top level",
        level: keys::TOP_LEVEL,
        keys: &[
            "version",
            "models",
            "seeds",
            "sources",
            "snapshots",
            "analyses",
            "macros",
            "exposures",
            "metrics",
            "semantic_models",
            "saved_queries",
            "groups",
            "unit_tests",
            "data_tests",
            "functions",
        ],
        template: "KEY: VALUE\n",
        line: 1,
    },
    Documented {
        what: "model",
        level: keys::MODEL,
        keys: &[
            "name",
            "description",
            "config",
            "constraints",
            "columns",
            "data_tests",
            "tests",
            "docs",
            "latest_version",
            "versions",
            "access",
            "group",
            "deprecation_date",
            "meta",
            "tags",
            "time_spine",
        ],
        template: "models:\n  - name: m\n    KEY: VALUE\n",
        line: 3,
    },
    Documented {
        what: "model version",
        level: keys::VERSION,
        keys: &[
            "v",
            "defined_in",
            "description",
            "docs",
            "access",
            "constraints",
            "config",
            "data_tests",
            "tests",
            "columns",
            "deprecation_date",
        ],
        template: "models:\n  - name: m\n    versions:\n      - v: 1\n        KEY: VALUE\n",
        line: 5,
    },
    Documented {
        what: "column",
        level: keys::COLUMN,
        keys: &[
            "name",
            "description",
            "data_type",
            "constraints",
            "data_tests",
            "tests",
            "meta",
            "tags",
            "quote",
            "policy_tags",
            "granularity",
            "docs",
            "config",
        ],
        template: "models:\n  - name: m\n    columns:\n      - name: c\n        KEY: VALUE\n",
        line: 5,
    },
    Documented {
        what: "seed",
        level: keys::SEED,
        keys: &[
            "name",
            "description",
            "docs",
            "config",
            "data_tests",
            "tests",
            "columns",
            "meta",
            "tags",
        ],
        template: "seeds:\n  - name: s\n    KEY: VALUE\n",
        line: 3,
    },
    Documented {
        what: "source",
        level: keys::SOURCE,
        keys: &[
            "name",
            "description",
            "database",
            "schema",
            "loader",
            "loaded_at_field",
            "loaded_at_query",
            "meta",
            "tags",
            "config",
            "overrides",
            "freshness",
            "quoting",
            "tables",
        ],
        template: "sources:\n  - name: src\n    KEY: VALUE\n",
        line: 3,
    },
    Documented {
        what: "source table",
        level: keys::SOURCE_TABLE,
        keys: &[
            "name",
            "identifier",
            "description",
            "external",
            "columns",
            "freshness",
            "loaded_at_field",
            "loaded_at_query",
            "meta",
            "tags",
            "config",
            "quoting",
            "data_tests",
            "tests",
            "docs",
        ],
        template: "sources:\n  - name: src\n    tables:\n      - name: t\n        KEY: VALUE\n",
        line: 5,
    },
    Documented {
        what: "source config",
        level: keys::SOURCE_CONFIG,
        keys: &[
            "enabled",
            "event_time",
            "meta",
            "tags",
            "freshness",
            "loaded_at_field",
            "loaded_at_query",
        ],
        template: "sources:\n  - name: src\n    config:\n      KEY: VALUE\n",
        line: 4,
    },
    Documented {
        what: "group",
        level: keys::GROUP,
        keys: &["name", "owner", "description", "config"],
        template: "groups:\n  - name: g\n    owner: {name: o}\n    KEY: VALUE\n",
        line: 4,
    },
    Documented {
        what: "model config",
        level: keys::NODE_CONFIG,
        keys: &[
            "materialized",
            "schema",
            "alias",
            "database",
            "tags",
            "enabled",
            "docs",
            "persist_docs",
            "full_refresh",
            "meta",
            "grants",
            "contract",
            "pre-hook",
            "post-hook",
            "unique_key",
            "incremental_strategy",
            "on_schema_change",
            "event_time",
            "batch_size",
            "lookback",
            "begin",
            "concurrent_batches",
            "sql_header",
            "on_configuration_change",
            "access",
            "group",
            "column_types",
            "delimiter",
            "quote_columns",
            // Snapshot configs.
            "strategy",
            "updated_at",
            "check_cols",
            "hard_deletes",
            "invalidate_hard_deletes",
            "dbt_valid_to_current",
            "snapshot_meta_column_names",
            "target_schema",
            "target_database",
        ],
        template: "models:\n  - name: m\n    config:\n      KEY: VALUE\n",
        line: 4,
    },
];

/// A value that asks for something, for a key jgt reports.
fn value_for(key: &str) -> &'static str {
    match key {
        "quoting" => "{identifier: false}",
        "freshness" => "{warn_after: {count: 1, period: day}}",
        _ => "x",
    }
}

/// The keys a schema file with `KEY: VALUE` reports.
fn reported(doc: &Documented, key: &str) -> Vec<(String, usize, String)> {
    let text = doc
        .template
        .replace("KEY", key)
        .replace("VALUE", value_for(key));
    let file = SchemaFile::parse(Path::new("models/schema.yml"), &text)
        .unwrap_or_else(|err| panic!("{} {key}: {err}\n{text}", doc.what));
    file.unread
        .into_iter()
        .map(|k| (k.key, k.line, k.why))
        .collect()
}

#[test]
fn every_documented_key_is_honoured_or_reported_with_its_line() {
    for doc in DOCUMENTED {
        for key in doc.keys {
            let status = keys::status(doc.level, key).unwrap_or_else(|| {
                panic!(
                    "{} key '{key}' is in no table of jgt_project::keys",
                    doc.what
                )
            });
            match status {
                KeyStatus::NotApplied(_) => {
                    let found = reported(doc, key);
                    assert!(
                        found
                            .iter()
                            .any(|(k, line, why)| k.ends_with(&format!(".{key}"))
                                && *line == doc.line
                                && why.starts_with("not applied by jgt yet")),
                        "{} key '{key}' is not reported at line {}: {found:?}",
                        doc.what,
                        doc.line
                    );
                }
                KeyStatus::ReportedBy(owner) => {
                    // Reported by the code named; crates/jgt-cli/tests
                    // (dbt_project.rs, nothing_ignored.rs) check the warning.
                    assert!(!owner.is_empty());
                }
                KeyStatus::Honoured | KeyStatus::Describes | KeyStatus::Nested => {}
            }
        }
    }
}

#[test]
fn a_key_no_dbt_version_knows_gets_the_nearest_valid_one_at_every_level() {
    let typos = [
        ("model", "descripton", "description"),
        ("model version", "defined_inn", "defined_in"),
        ("column", "data_typ", "data_type"),
        ("seed", "colums", "columns"),
        ("source", "loaderr", "loader"),
        ("source table", "identifer", "identifier"),
        ("source config", "enabeld", "enabled"),
        ("group", "ownr", "owner"),
        ("model config", "materialised", "materialized"),
    ];
    for (what, typo, nearest) in typos {
        let doc = DOCUMENTED.iter().find(|d| d.what == what).unwrap();
        let found = reported(doc, typo);
        assert!(
            found
                .iter()
                .any(|(k, line, why)| k.ends_with(&format!(".{typo}"))
                    && *line == doc.line
                    && why.contains("no dbt version knows this key")
                    && why.contains(&format!("Did you mean '{nearest}'?"))),
            "{what} '{typo}': {found:?}"
        );
    }
}

#[test]
fn honoured_and_describing_keys_are_read_without_a_word() {
    let text = "version: 2\nmodels:\n  - name: m\n    description: d\n    meta: {owner: x}\n    docs: {show: true}\n    tags: [a]\n    time_spine: {standard_granularity_column: d}\n    columns:\n      - name: c\n        data_type: int\n        meta: {}\n        policy_tags: [x]\n        quote: true\n";
    let file = SchemaFile::parse(Path::new("models/schema.yml"), text).unwrap();
    assert!(file.unread.is_empty(), "{:?}", file.unread);
}
