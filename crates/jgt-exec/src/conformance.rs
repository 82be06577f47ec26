//! The adapter conformance suite: one set of cases, written once against
//! the [`Adapter`] trait and the runner, that every engine must pass.
//!
//! An adapter crate runs it with [`conformance_tests!`](crate::conformance_tests),
//! giving a way to open a fresh, empty database and the engine's dialect;
//! each case becomes one `#[test]`. A case that depends on a capability the
//! engine lacks (see [`Capabilities`]) says so and passes without checking,
//! so the difference is printed, never silent.
//!
//! | case | what it checks |
//! |---|---|
//! | `view_builds` | a view is created and reads its rows |
//! | `table_builds_and_counts_rows` | a table is created; its row count is returned |
//! | `view_and_table_replace_each_other` | switching materialization replaces the relation |
//! | `failed_table_keeps_old_rows` | a table whose SQL fails leaves the old table intact |
//! | `failed_view_keeps_old_view` | a view whose SQL fails leaves the old view intact |
//! | `incremental_append` | `append` adds the new rows |
//! | `incremental_delete_insert` | `delete+insert` replaces rows by unique key |
//! | `incremental_merge` | `merge` updates and inserts by unique key (needs `merge`, on the default table format) |
//! | `schema_change_fail` | `on_schema_change: fail` refuses new columns, table intact |
//! | `schema_change_append_new_columns` | new columns are added, old rows keep nulls |
//! | `schema_change_sync_all_columns` | gone columns are dropped |
//! | `seed_with_odd_csv` | quoted delimiters, line breaks, quotes, empty values |
//! | `seed_header_only` | a header-only CSV is an empty table |
//! | `ragged_seed_is_refused` | through the runner: a ragged row is an error, nothing loaded |
//! | `test_counts_failing_rows` | through the runner: a data test's failures are counted and judged |
//! | `ephemeral_cte_inlines` | a CTE named like an ephemeral model reads |
//! | `awkward_names_are_quoted` | schemas and names with spaces, quotes and capitals |
//! | `second_statement_is_refused` | a body with two statements runs neither |
//! | `trailing_semicolon_and_comment` | `select …; -- done` builds, previews and tests |
//! | `preview_limits_rows` | `query` keeps at most `limit` rows |
//! | `failure_skips_children` | through the runner: a failed model's children are skipped |
//! | `hooks_run_inside_the_build` | pre- and post-hooks run in order; a failing one rolls the build back |
//! | `snapshot_records_changes` | a changed row closes its version and adds a new one (needs `snapshots`) |
//! | `contract_mismatch_keeps_old_table` | a broken contract fails before building; the old table stays (needs `contracts`) |
//! | `current_date_builds` | `current_date` in a view, read by a table the same day (DuckDB without ICU: jgt's own) |
//!
//! Differences by engine, each printed by its case when the suite runs:
//!
//! | engine | case | what happens |
//! |---|---|---|
//! | PostgreSQL | `snapshot_records_changes`, `contract_mismatch_keeps_old_table` | not checked: not implemented yet |
//! | Spark, Sail | `incremental_merge` | not checked: `merge` needs delta or iceberg tables; the default (parquet) is refused when compiling |
//! | Spark, Sail | `snapshot_records_changes`, `contract_mismatch_keeps_old_table` | not checked: not implemented yet |
//! | Spark | `awkward_names_are_quoted` | not checked: Spark's catalog takes only letters, digits and `_` in names (Sail passes) |
//! | Sail | (all others) | pass, by other SQL: no renames (`create or replace table` instead), no `add columns` (the table is rewritten), `insert overwrite` emulated for partitioned tables |

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use jgt_core::{
    Capabilities, Dialect, Hooks, Incremental, Materialization, NodeResult, PlannedNode, Relation,
    SchemaChange, SeedOptions, Status, Strategy, TestConfig, Work,
};

use crate::adapter::Adapter;
use crate::cancel::Cancel;

/// An engine under test: how to open a fresh, empty database, and its dialect.
pub struct Engine {
    /// Opens a new, empty database.
    pub open: Box<dyn Fn() -> Box<dyn Adapter + Send>>,
    /// The engine's dialect.
    pub dialect: Box<dyn Dialect>,
}

impl Engine {
    fn relation(&self, name: &str) -> Relation {
        Relation::new(self.dialect.default_schema(), name)
    }

    fn caps(&self) -> Capabilities {
        self.dialect.capabilities()
    }

    /// Every value of `sql`'s rows, in order, as text.
    fn rows(&self, db: &dyn Adapter, sql: &str) -> Vec<Vec<String>> {
        db.query(sql, None)
            .unwrap_or_else(|err| panic!("{sql}: {err}"))
            .rows
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|v| v.unwrap_or("NULL".into()))
                    .collect()
            })
            .collect()
    }

    /// `select <columns> from <relation> order by 1`.
    fn read(&self, db: &dyn Adapter, relation: &Relation, columns: &str) -> Vec<Vec<String>> {
        let sql = format!(
            "select {columns} from {} order by 1",
            self.dialect.relation(relation)
        );
        self.rows(db, &sql)
    }
}

/// Expands to one `#[test]` per conformance case for the engine `$engine`
/// (an expression of type [`Engine`]).
///
/// An engine that cannot do what a case needs, for a reason of the
/// engine's own (not a capability jgt could add), lists the case with the
/// reason: `conformance_tests!(spark(); unsupported: [(awkward_names_are_quoted,
/// "Spark's catalog takes only letters, digits and _ in names")])`. Such a
/// case prints the reason and passes without checking.
#[macro_export]
macro_rules! conformance_tests {
    ($engine:expr) => {
        $crate::conformance_tests!($engine; unsupported: []);
    };
    ($engine:expr; unsupported: [$(($skip:ident, $why:expr)),* $(,)?]) => {
        $crate::conformance_tests!(@cases $engine; [$((stringify!($skip), $why)),*];
            view_builds, table_builds_and_counts_rows, view_and_table_replace_each_other,
            failed_table_keeps_old_rows, failed_view_keeps_old_view, incremental_append,
            incremental_delete_insert, incremental_merge, schema_change_fail,
            schema_change_append_new_columns, schema_change_sync_all_columns,
            seed_with_odd_csv, seed_header_only, ragged_seed_is_refused,
            test_counts_failing_rows, ephemeral_cte_inlines, awkward_names_are_quoted,
            second_statement_is_refused, trailing_semicolon_and_comment, preview_limits_rows,
            failure_skips_children, execute_runs_commands_and_queries,
            hooks_run_inside_the_build, snapshot_records_changes,
            contract_mismatch_keeps_old_table, current_date_builds);
    };
    (@cases $engine:expr; $skips:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                let skips: &[(&str, &str)] = &$skips;
                if let Some((_, why)) = skips.iter().find(|(name, _)| *name == stringify!($case)) {
                    eprintln!("conformance: {} not checked on this engine: {why}", stringify!($case));
                    return;
                }
                $crate::conformance::$case(&$engine);
            }
        )*
    };
}

mod nodes;

pub use nodes::{
    contract_mismatch_keeps_old_table, current_date_builds, hooks_run_inside_the_build,
    snapshot_records_changes,
};

fn table(db: &dyn Adapter, relation: &Relation, sql: &str) -> Option<u64> {
    db.materialize(relation, sql, Materialization::Table, &Hooks::NONE)
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
}

fn row(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

/// A view is created and reads its rows.
pub fn view_builds(engine: &Engine) {
    let db = (engine.open)();
    let rel = engine.relation("v");
    db.materialize(&rel, "select 1 as a", Materialization::View, &Hooks::NONE)
        .unwrap();
    assert_eq!(engine.read(db.as_ref(), &rel, "a"), [row(&["1"])]);
}

/// A table is created and its row count returned.
pub fn table_builds_and_counts_rows(engine: &Engine) {
    let db = (engine.open)();
    let rel = engine.relation("t");
    let sql = "select 1 as a union all select 2 union all select 3";
    assert_eq!(table(db.as_ref(), &rel, sql), Some(3));
}

/// Switching a relation between view and table replaces it.
pub fn view_and_table_replace_each_other(engine: &Engine) {
    let db = (engine.open)();
    let rel = engine.relation("m");
    db.materialize(&rel, "select 1 as a", Materialization::View, &Hooks::NONE)
        .unwrap();
    table(db.as_ref(), &rel, "select 2 as a");
    db.materialize(&rel, "select 3 as a", Materialization::View, &Hooks::NONE)
        .unwrap();
    assert_eq!(engine.read(db.as_ref(), &rel, "a"), [row(&["3"])]);
}

/// A table whose SQL fails leaves the previous table as it was.
pub fn failed_table_keeps_old_rows(engine: &Engine) {
    let db = (engine.open)();
    let rel = engine.relation("t");
    table(db.as_ref(), &rel, "select 1 as a union all select 2");
    let failed = db.materialize(
        &rel,
        "select a from no_such_table",
        Materialization::Table,
        &Hooks::NONE,
    );
    assert!(failed.is_err());
    assert_eq!(
        engine.read(db.as_ref(), &rel, "a"),
        [row(&["1"]), row(&["2"])]
    );
}

/// A view whose SQL fails leaves the previous view as it was.
pub fn failed_view_keeps_old_view(engine: &Engine) {
    let db = (engine.open)();
    let rel = engine.relation("v");
    db.materialize(&rel, "select 5 as a", Materialization::View, &Hooks::NONE)
        .unwrap();
    let failed = db.materialize(
        &rel,
        "select nope from no_such_table",
        Materialization::View,
        &Hooks::NONE,
    );
    assert!(failed.is_err());
    assert_eq!(engine.read(db.as_ref(), &rel, "a"), [row(&["5"])]);
}

fn incremental(strategy: Strategy, keys: &[&str], change: SchemaChange) -> Incremental {
    Incremental {
        strategy,
        unique_key: keys.iter().map(|k| k.to_string()).collect(),
        on_schema_change: change,
        full_refresh: false,
        is_incremental: true,
        storage: Default::default(),
    }
}

/// Builds `rel` from `first`, then joins `next` in by `how`.
fn twice(engine: &Engine, db: &dyn Adapter, first: &str, next: &str, how: &Incremental) -> bool {
    let rel = engine.relation("inc");
    let whole = Incremental {
        is_incremental: false,
        ..how.clone()
    };
    db.incremental(&rel, first, &whole, &Hooks::NONE).unwrap();
    db.incremental(&rel, next, how, &Hooks::NONE).is_ok()
}

/// `append` adds the new rows.
pub fn incremental_append(engine: &Engine) {
    let db = (engine.open)();
    let how = incremental(Strategy::Append, &[], SchemaChange::Ignore);
    assert!(twice(
        engine,
        db.as_ref(),
        "select 1 as id",
        "select 2 as id",
        &how
    ));
    let rows = engine.read(db.as_ref(), &engine.relation("inc"), "id");
    assert_eq!(rows, [row(&["1"]), row(&["2"])]);
}

/// `delete+insert` replaces rows whose key comes again.
pub fn incremental_delete_insert(engine: &Engine) {
    let db = (engine.open)();
    let how = incremental(Strategy::DeleteInsert, &["id"], SchemaChange::Ignore);
    let first = "select 1 as id, 'a' as v union all select 2, 'b'";
    let next = "select 2 as id, 'B' as v union all select 3, 'c'";
    assert!(twice(engine, db.as_ref(), first, next, &how));
    let rows = engine.read(db.as_ref(), &engine.relation("inc"), "id, v");
    assert_eq!(rows, [row(&["1", "a"]), row(&["2", "B"]), row(&["3", "c"])]);
}

/// `merge` updates matching rows and inserts the others.
pub fn incremental_merge(engine: &Engine) {
    if !engine.caps().merge {
        eprintln!("conformance: incremental_merge not checked: this engine has no MERGE");
        return;
    }
    let how = incremental(Strategy::Merge, &["id"], SchemaChange::Ignore);
    // An engine may merge only into some table formats (Spark: delta,
    // iceberg); compiling refuses the others, so the case does too.
    if let Err(why) = engine.dialect.check_incremental(&how) {
        eprintln!("conformance: incremental_merge not checked on the default table format: {why}");
        return;
    }
    let db = (engine.open)();
    let first = "select 1 as id, 'a' as v union all select 2, 'b'";
    let next = "select 2 as id, 'B' as v union all select 3, 'c'";
    assert!(twice(engine, db.as_ref(), first, next, &how));
    let rows = engine.read(db.as_ref(), &engine.relation("inc"), "id, v");
    assert_eq!(rows, [row(&["1", "a"]), row(&["2", "B"]), row(&["3", "c"])]);
}

/// `on_schema_change: fail` refuses new columns and keeps the table.
pub fn schema_change_fail(engine: &Engine) {
    let db = (engine.open)();
    let how = incremental(Strategy::Append, &[], SchemaChange::Fail);
    assert!(!twice(
        engine,
        db.as_ref(),
        "select 1 as id",
        "select 2 as id, 'x' as extra",
        &how
    ));
    let rows = engine.read(db.as_ref(), &engine.relation("inc"), "id");
    assert_eq!(rows, [row(&["1"])]);
}

/// `append_new_columns` adds the new column; old rows hold nulls.
pub fn schema_change_append_new_columns(engine: &Engine) {
    let db = (engine.open)();
    let how = incremental(Strategy::Append, &[], SchemaChange::AppendNewColumns);
    assert!(twice(
        engine,
        db.as_ref(),
        "select 1 as id",
        "select 2 as id, 'x' as extra",
        &how
    ));
    let rows = engine.read(db.as_ref(), &engine.relation("inc"), "id, extra");
    assert_eq!(rows, [row(&["1", "NULL"]), row(&["2", "x"])]);
}

/// `sync_all_columns` drops the columns the new rows no longer have.
pub fn schema_change_sync_all_columns(engine: &Engine) {
    let db = (engine.open)();
    let how = incremental(Strategy::Append, &[], SchemaChange::SyncAllColumns);
    let first = "select 1 as id, 'x' as gone";
    assert!(twice(engine, db.as_ref(), first, "select 2 as id", &how));
    let columns = db.columns(&engine.relation("inc")).unwrap().unwrap();
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["id"]);
}

/// A CSV file in the system's temporary folder, unique to this call.
fn csv_file(text: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let path = std::env::temp_dir().join(format!("jgt-conformance-{}-{n}.csv", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

/// Quoted delimiters, line breaks and quotes, and empty values load.
pub fn seed_with_odd_csv(engine: &Engine) {
    let db = (engine.open)();
    let rel = engine.relation("odd");
    let csv = csv_file("id,text\n1,\"a, b\"\n2,\"two\nlines\"\n3,\"say \"\"hi\"\"\"\n4,\n");
    let rows = db
        .load_seed(&rel, &csv, &SeedOptions::default(), &Hooks::NONE)
        .unwrap();
    let _ = std::fs::remove_file(&csv);
    assert_eq!(rows, 4);
    let read = engine.read(db.as_ref(), &rel, "id, text");
    assert_eq!(
        read,
        [
            row(&["1", "a, b"]),
            row(&["2", "two\nlines"]),
            row(&["3", "say \"hi\""]),
            row(&["4", "NULL"])
        ]
    );
}

/// A CSV with only a header is an empty table.
pub fn seed_header_only(engine: &Engine) {
    let db = (engine.open)();
    let rel = engine.relation("empty");
    let csv = csv_file("a,b\n");
    let rows = db
        .load_seed(&rel, &csv, &SeedOptions::default(), &Hooks::NONE)
        .unwrap();
    let _ = std::fs::remove_file(&csv);
    assert_eq!(rows, 0);
}

fn node(name: &str, relation: Relation, work: Work, parents: Vec<usize>) -> PlannedNode {
    PlannedNode {
        name: name.into(),
        path: PathBuf::from(format!("models/{name}.sql")),
        compiled_path: None,
        relation,
        work,
        parents,
        description: None,
        inlined: Vec::new(),
        hooks: Hooks::default(),
    }
}

fn model(sql: &str) -> Work {
    Work::Model {
        sql: sql.into(),
        materialization: Materialization::Table,
        incremental: None,
        contract: None,
        external: None,
        storage: Default::default(),
    }
}

fn run(db: &dyn Adapter, plan: &[PlannedNode]) -> Vec<NodeResult> {
    crate::run(db, plan, &Cancel::new(), None, |_, _| {})
}

/// Through the runner, a ragged row is an error naming its line.
pub fn ragged_seed_is_refused(engine: &Engine) {
    let db = (engine.open)();
    let csv = csv_file("a,b\n1,2\n3\n");
    let seed = Work::Seed {
        csv: csv.clone(),
        options: SeedOptions::default(),
    };
    let results = run(
        db.as_ref(),
        &[node("r", engine.relation("r"), seed, vec![])],
    );
    let _ = std::fs::remove_file(&csv);
    assert_eq!(results[0].status, Status::Error);
    let message = results[0].message.clone().unwrap_or_default();
    assert!(message.contains(":3: this row has 1 value"), "{message}");
    assert!(db.columns(&engine.relation("r")).unwrap().is_none());
}

/// Through the runner, a data test's failing rows are counted and judged.
pub fn test_counts_failing_rows(engine: &Engine) {
    let db = (engine.open)();
    let rel = engine.relation("t");
    table(
        db.as_ref(),
        &rel,
        "select 1 as a union all select null union all select null",
    );
    let test = |config: TestConfig| Work::Test {
        sql: format!(
            "select * from {} where a is null",
            engine.dialect.relation(&rel)
        ),
        config,
        store_failures: None,
    };
    let warn_over_5 = TestConfig {
        error_if: ">5".into(),
        ..TestConfig::default()
    };
    let plan = [
        node("not_null", rel.clone(), test(TestConfig::default()), vec![]),
        node("lenient", rel.clone(), test(warn_over_5), vec![]),
    ];
    let results = run(db.as_ref(), &plan);
    assert_eq!(results[0].status, Status::Error);
    assert_eq!(results[0].failures, Some(2));
    assert_eq!(results[1].status, Status::Warn);
}

/// A CTE named as an ephemeral model is (a relation with no schema) reads.
pub fn ephemeral_cte_inlines(engine: &Engine) {
    let db = (engine.open)();
    let cte = engine.dialect.relation(&Relation::new("", "__dbt__cte__e"));
    let sql = format!("with {cte} as (select 4 as a) select a from {cte}");
    let rel = engine.relation("uses_e");
    table(db.as_ref(), &rel, &sql);
    assert_eq!(engine.read(db.as_ref(), &rel, "a"), [row(&["4"])]);
}

/// Schemas and names with spaces, quotes and capitals survive quoting.
pub fn awkward_names_are_quoted(engine: &Engine) {
    let db = (engine.open)();
    let rel = Relation::new("My Schema", "odd \"Name\"");
    db.create_schema(&rel.schema).unwrap();
    let column = engine.dialect.quote("select");
    table(db.as_ref(), &rel, &format!("select 1 as {column}"));
    assert_eq!(engine.read(db.as_ref(), &rel, &column), [row(&["1"])]);
}

/// A body with a second statement is refused; neither statement runs.
pub fn second_statement_is_refused(engine: &Engine) {
    let db = (engine.open)();
    let victim = engine.relation("victim");
    table(db.as_ref(), &victim, "select 1 as a");
    let sql = format!(
        "select 1 as a; drop table {}",
        engine.dialect.relation(&victim)
    );
    let rel = engine.relation("m");
    assert!(db
        .materialize(&rel, &sql, Materialization::Table, &Hooks::NONE)
        .is_err());
    assert!(db
        .materialize(&rel, &sql, Materialization::View, &Hooks::NONE)
        .is_err());
    assert!(db.query(&sql, None).is_err());
    assert_eq!(engine.read(db.as_ref(), &victim, "a"), [row(&["1"])]);
}

/// `select …; -- done` builds as a table and a view, and previews.
pub fn trailing_semicolon_and_comment(engine: &Engine) {
    let db = (engine.open)();
    let sql = "select 1 as a; -- done";
    table(db.as_ref(), &engine.relation("t"), sql);
    db.materialize(
        &engine.relation("v"),
        sql,
        Materialization::View,
        &Hooks::NONE,
    )
    .unwrap();
    assert_eq!(engine.rows(db.as_ref(), sql), [row(&["1"])]);
}

/// `query` keeps at most `limit` rows.
pub fn preview_limits_rows(engine: &Engine) {
    let db = (engine.open)();
    let sql = "select 1 as a union all select 2 union all select 3";
    assert_eq!(db.query(sql, Some(2)).unwrap().rows.len(), 2);
}

/// Through the runner, a failed model's children are skipped and an
/// independent branch still builds.
pub fn failure_skips_children(engine: &Engine) {
    let db = (engine.open)();
    let (bad, child, other) = (
        engine.relation("bad"),
        engine.relation("child"),
        engine.relation("other"),
    );
    let plan = [
        node(
            "bad",
            bad.clone(),
            model("select x from no_such_table"),
            vec![],
        ),
        node(
            "child",
            child,
            model(&format!("select * from {}", engine.dialect.relation(&bad))),
            vec![0],
        ),
        node("other", other, model("select 1 as a"), vec![]),
    ];
    let results = run(db.as_ref(), &plan);
    let statuses: Vec<Status> = results.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Status::Error, Status::Skipped, Status::Success]);
}

/// `execute` runs a command for its effect and returns a query's rows;
/// a second statement is refused there too.
pub fn execute_runs_commands_and_queries(engine: &Engine) {
    let db = (engine.open)();
    let rel = engine.relation("made_by_hook");
    db.create_schema(&rel.schema).unwrap();
    let name = engine.dialect.relation(&rel);
    let made = db
        .execute(&format!("create table {name} as select 7 as a"))
        .unwrap();
    assert!(made.rows.is_empty());
    let read = db.execute(&format!("select a from {name}")).unwrap();
    assert_eq!(read.rows, [[Some("7".to_string())]]);
    assert!(db.execute(&format!("select 1; drop table {name}")).is_err());
    assert_eq!(engine.read(db.as_ref(), &rel, "a"), [row(&["7"])]);
}
