//! Conformance cases for what a node carries besides its SQL: hooks,
//! snapshots and enforced contracts.

use jgt_core::{
    Contract, ContractColumn, HardDeletes, Hook, Hooks, Materialization, Snapshot, SnapshotColumns,
    SnapshotStrategy,
};

use super::{row, table, Engine};

/// Hooks run in the build's transaction, in order; a failing post-hook
/// rolls the build back and leaves the old table.
pub fn hooks_run_inside_the_build(engine: &Engine) {
    let db = (engine.open)();
    let audit = engine.relation("hook_audit");
    let audit_sql = engine.dialect.relation(&audit);
    table(db.as_ref(), &audit, "select 0 as n");
    let hook = |sql: String| Hook {
        sql,
        transaction: true,
    };
    let hooks = Hooks {
        pre: vec![hook(format!("insert into {audit_sql} values (1)"))],
        post: vec![hook(format!("insert into {audit_sql} values (2)"))],
        docs: None,
    };
    let rel = engine.relation("hooked");
    db.materialize(&rel, "select 1 as a", Materialization::Table, &hooks)
        .unwrap();
    assert_eq!(
        engine.read(db.as_ref(), &audit, "n"),
        [row(&["0"]), row(&["1"]), row(&["2"])]
    );
    let failing = Hooks {
        pre: Vec::new(),
        post: vec![hook("insert into no_such_table values (1)".into())],
        docs: None,
    };
    let failed = db.materialize(&rel, "select 2 as a", Materialization::Table, &failing);
    assert!(failed.is_err());
    assert_eq!(engine.read(db.as_ref(), &rel, "a"), [row(&["1"])]);
}

/// A timestamp snapshot records a change as a closed and a new version.
pub fn snapshot_records_changes(engine: &Engine) {
    if !engine.caps().snapshots {
        eprintln!(
            "conformance: snapshot_records_changes not checked: this adapter has no snapshots yet"
        );
        return;
    }
    let db = (engine.open)();
    let rel = engine.relation("history");
    let snapshot = Snapshot {
        strategy: SnapshotStrategy::Timestamp {
            updated_at: "updated_at".into(),
        },
        unique_key: vec!["id".into()],
        hard_deletes: HardDeletes::Ignore,
        valid_to_current: None,
        columns: SnapshotColumns::default(),
    };
    let day = |tier: &str, date: &str| {
        format!("select 1 as id, '{tier}' as tier, cast('{date}' as timestamp) as updated_at")
    };
    db.snapshot(&rel, &day("gold", "2024-01-01"), &snapshot, &Hooks::NONE)
        .unwrap();
    db.snapshot(
        &rel,
        &day("platinum", "2024-02-01"),
        &snapshot,
        &Hooks::NONE,
    )
    .unwrap();
    let versions = engine.read(
        db.as_ref(),
        &rel,
        "tier, cast(dbt_valid_to as varchar) is null",
    );
    assert_eq!(
        versions,
        [row(&["gold", "false"]), row(&["platinum", "true"])]
    );
}

/// A model whose columns break its contract fails before anything is
/// built, and the old table stays.
pub fn contract_mismatch_keeps_old_table(engine: &Engine) {
    if !engine.caps().contracts {
        eprintln!("conformance: contract_mismatch_keeps_old_table not checked: this adapter does not enforce contracts yet");
        return;
    }
    let db = (engine.open)();
    let rel = engine.relation("promised");
    let contract = Contract {
        columns: vec![ContractColumn {
            name: "a".into(),
            data_type: "integer".into(),
            constraints: Vec::new(),
        }],
        constraints: Vec::new(),
    };
    db.materialize_contracted(
        &rel,
        "select cast(1 as integer) as a",
        Materialization::Table,
        &Hooks::NONE,
        &contract,
    )
    .unwrap();
    let broken = db.materialize_contracted(
        &rel,
        "select 'x' as a, 2 as b",
        Materialization::Table,
        &Hooks::NONE,
        &contract,
    );
    let message = broken.unwrap_err().to_string();
    assert!(message.contains("enforced contract"), "{message}");
    assert_eq!(engine.read(db.as_ref(), &rel, "a"), [row(&["1"])]);
}

/// `current_date` builds into a view, and a table reading it through the
/// view finds today's date (on DuckDB without ICU, jgt's own macro).
pub fn current_date_builds(engine: &Engine) {
    let db = (engine.open)();
    let view = engine.relation("today_v");
    db.materialize(
        &view,
        "select current_date as d",
        Materialization::View,
        &Hooks::NONE,
    )
    .unwrap();
    let counted = engine.relation("today_t");
    let sql = format!(
        "select count(*) as n from {} where d = current_date",
        engine.dialect.relation(&view)
    );
    table(db.as_ref(), &counted, &sql);
    assert_eq!(engine.read(db.as_ref(), &counted, "n"), [row(&["1"])]);
}
