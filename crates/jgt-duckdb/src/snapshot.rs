//! Snapshots in DuckDB, recorded as dbt-duckdb records them: the first run
//! creates the table with the snapshot's columns; later runs stage the
//! changes (new versions, closed versions, deletions) in a temporary
//! table, add the columns the query gained, close the versions that
//! changed and insert the new ones, all in the caller's transaction.
//!
//! Keys, `updated_at` and `check_cols` are SQL expressions, written into
//! the statements as they are configured, as dbt writes them.

use duckdb::Connection;
use jgt_core::{Column, HardDeletes, Relation, Snapshot, SnapshotStrategy};
use jgt_exec::ExecError;

use crate::adapter::{column_rows, db, rel};
use crate::dialect::quote_ident;

/// The temporary table holding one run's changes.
const STAGING: &str = "__jgt_snapshot_changes";

/// The clock a snapshot reads, as dbt-duckdb's `snapshot_get_time`.
const NOW: &str = "now()::timestamp";

/// Creates the snapshot table from the query's rows: every row is a
/// current version.
pub(crate) fn create(
    conn: &Connection,
    relation: &Relation,
    sql: &str,
    snapshot: &Snapshot,
) -> Result<(), ExecError> {
    let names = &snapshot.columns;
    let updated = updated_at(snapshot);
    let deleted = match snapshot.hard_deletes {
        HardDeletes::NewRecord => format!(",\n  'False' as {}", quote_ident(&names.is_deleted)),
        _ => String::new(),
    };
    let statement =
        format!(
        "create table {rel} as\nselect *,\n  {scd} as {scd_id},\n  {updated} as {updated_at},\n  \
         {updated} as {valid_from},\n  {open} as {valid_to}{deleted}\nfrom (\n{sql}\n) as sbq",
        rel = rel(relation),
        scd = hash(snapshot.unique_key.iter().map(String::as_str).chain([updated.as_str()])),
        scd_id = quote_ident(&names.scd_id),
        updated_at = quote_ident(&names.updated_at),
        valid_from = quote_ident(&names.valid_from),
        open = open_end(snapshot, &updated),
        valid_to = quote_ident(&names.valid_to),
    );
    run(conn, &statement)
}

/// Records the query's rows into the existing snapshot table, whose
/// columns are `existing`.
pub(crate) fn record(
    conn: &Connection,
    relation: &Relation,
    sql: &str,
    snapshot: &Snapshot,
    existing: &[Column],
) -> Result<(), ExecError> {
    let query_columns = query_columns(conn, sql)?;
    let plan = Changes {
        relation,
        sql,
        snapshot,
        existing,
        query_columns: &query_columns,
    };
    run(
        conn,
        &format!(
            "create or replace temp table {STAGING} as\n{}",
            plan.staging_sql()
        ),
    )?;
    let staged = staged_columns(conn)?;
    add_missing_columns(conn, relation, existing, &staged)?;
    close_versions(conn, relation, snapshot)?;
    insert_versions(conn, relation, &staged)?;
    run(conn, &format!("drop table {STAGING}"))
}

/// What one later run of a snapshot compares.
struct Changes<'a> {
    relation: &'a Relation,
    sql: &'a str,
    snapshot: &'a Snapshot,
    existing: &'a [Column],
    query_columns: &'a [String],
}

impl Changes<'_> {
    /// The rows to insert (new versions, deletion records) and the
    /// versions to close, each tagged with `dbt_change_type`.
    fn staging_sql(&self) -> String {
        let names = &self.snapshot.columns;
        let hard = self.snapshot.hard_deletes;
        let updated = updated_at(self.snapshot);
        let keys = key_fields(&self.snapshot.unique_key);
        let [valid_from, valid_to, scd_id, updated_at, is_deleted] = quoted(names);
        let scd = hash(
            self.snapshot
                .unique_key
                .iter()
                .map(String::as_str)
                .chain([updated.as_str()]),
        );
        let changed = match hard {
            HardDeletes::NewRecord => format!(
                "({}) or snapshotted_data.{is_deleted} = 'True'",
                self.row_changed()
            ),
            _ => self.row_changed(),
        };
        let join = key_join(self.snapshot.unique_key.len());
        let mut sql = format!(
            "with snapshot_query as (\n{query}\n),\n\
             snapshotted_data as (\n  select *, {keys} from {rel}\n  where {current}\n),\n\
             insertions_source_data as (\n  select *, {keys},\n    {updated} as {updated_at},\n    \
             {updated} as {valid_from},\n    {open} as {valid_to},\n    {scd} as {scd_id}\n  \
             from snapshot_query\n),\n\
             updates_source_data as (\n  select *, {keys},\n    {updated} as {updated_at},\n    \
             {updated} as {valid_from},\n    {updated} as {valid_to}\n  from snapshot_query\n),\n\
             deletes_source_data as (\n  select *, {keys} from snapshot_query\n),\n\
             insertions as (\n  select 'insert' as dbt_change_type, source_data.*{new_flag}\n  \
             from insertions_source_data as source_data\n  \
             left outer join snapshotted_data on {join}\n  \
             where snapshotted_data.dbt_unique_key_1 is null\n     \
             or (snapshotted_data.dbt_unique_key_1 is not null and ({changed}))\n),\n\
             updates as (\n  select 'update' as dbt_change_type, source_data.*, \
             snapshotted_data.{scd_id}{kept_flag}\n  \
             from updates_source_data as source_data\n  join snapshotted_data on {join}\n  \
             where ({changed})\n)",
            query = self.sql,
            rel = rel(self.relation),
            current = self.current_versions(None, false),
            open = open_end(self.snapshot, &updated),
            new_flag = match hard {
                HardDeletes::NewRecord => format!(", 'False' as {is_deleted}"),
                _ => String::new(),
            },
            kept_flag = match hard {
                HardDeletes::NewRecord => format!(", snapshotted_data.{is_deleted}"),
                _ => String::new(),
            },
        );
        if hard != HardDeletes::Ignore {
            sql.push_str(&self.deletes_sql());
        }
        sql.push_str("\nselect * from insertions\nunion all\nselect * from updates");
        if hard != HardDeletes::Ignore {
            sql.push_str("\nunion all\nselect * from deletes");
        }
        if hard == HardDeletes::NewRecord {
            sql.push_str("\nunion all\nselect * from deletion_records");
        }
        sql
    }

    /// The `deletes` CTE (and for `new_record`, `deletion_records`): the
    /// current versions whose key left the source.
    fn deletes_sql(&self) -> String {
        let names = &self.snapshot.columns;
        let [valid_from, valid_to, scd_id, updated_at, is_deleted] = quoted(names);
        let join = key_join(self.snapshot.unique_key.len());
        let new_record = self.snapshot.hard_deletes == HardDeletes::NewRecord;
        let not_already_deleted = match new_record {
            true => format!(
                "\n    and not (snapshotted_data.{is_deleted} = 'True' and {})",
                self.current_versions(Some("snapshotted_data"), true)
            ),
            false => String::new(),
        };
        let mut sql = format!(
            ",\ndeletes as (\n  select 'delete' as dbt_change_type, source_data.*,\n    \
             {NOW} as {valid_from},\n    {NOW} as {updated_at},\n    {NOW} as {valid_to},\n    \
             snapshotted_data.{scd_id}{kept_flag}\n  from snapshotted_data\n  \
             left join deletes_source_data as source_data on {join}\n  \
             where source_data.dbt_unique_key_1 is null{not_already_deleted}\n)",
            kept_flag = match new_record {
                true => format!(", snapshotted_data.{is_deleted}"),
                false => String::new(),
            },
        );
        if new_record {
            let existing: Vec<&str> = self.existing.iter().map(|c| c.name.as_str()).collect();
            let columns: Vec<String> = self
                .query_columns
                .iter()
                .map(|name| {
                    let side = match existing.contains(&name.as_str()) {
                        true => "snapshotted_data",
                        false => "source_data",
                    };
                    format!("{side}.{}", quote_ident(name))
                })
                .collect();
            let keys: Vec<String> = (1..=self.snapshot.unique_key.len())
                .map(|i| format!("snapshotted_data.dbt_unique_key_{i}"))
                .collect();
            let scd = hash([format!("snapshotted_data.{scd_id}").as_str(), NOW]);
            sql.push_str(&format!(
                ",\ndeletion_records as (\n  select 'insert' as dbt_change_type,\n    \
                 {columns},\n    {keys},\n    {NOW} as {valid_from},\n    \
                 {NOW} as {updated_at},\n    snapshotted_data.{valid_to} as {valid_to},\n    \
                 {scd} as {scd_id},\n    'True' as {is_deleted}\n  from snapshotted_data\n  \
                 left join deletes_source_data as source_data on {join}\n  \
                 where source_data.dbt_unique_key_1 is null{not_already_deleted}\n)",
                columns = columns.join(",\n    "),
                keys = keys.join(", "),
            ));
        }
        sql
    }

    /// When the source row differs from its current version.
    fn row_changed(&self) -> String {
        match &self.snapshot.strategy {
            SnapshotStrategy::Timestamp { updated_at } => format!(
                "snapshotted_data.{} < source_data.{updated_at}",
                quote_ident(&self.snapshot.columns.valid_from)
            ),
            SnapshotStrategy::Check { columns, .. } => {
                let existing: Vec<String> = self
                    .existing
                    .iter()
                    .map(|c| c.name.to_lowercase())
                    .collect();
                let checked: Vec<String> = match columns {
                    Some(columns) => columns.clone(),
                    None => self.query_columns.to_vec(),
                };
                let bare = |c: &str| c.trim_matches('"').to_lowercase();
                if checked.iter().any(|c| !existing.contains(&bare(c))) {
                    // A column the table lacks: every row is a new version.
                    return "true".into();
                }
                let quoted = columns.is_none();
                checked
                    .iter()
                    .map(|c| {
                        let c = if quoted { quote_ident(c) } else { c.clone() };
                        format!("snapshotted_data.{c} is distinct from source_data.{c}")
                    })
                    .collect::<Vec<_>>()
                    .join("\n     or ")
            }
        }
    }

    /// The condition that picks current versions (of `table`, when the
    /// column must be qualified). `strict` leaves out null `dbt_valid_to`
    /// when `dbt_valid_to_current` is set, as dbt's deletion checks do.
    fn current_versions(&self, table: Option<&str>, strict: bool) -> String {
        let column = quote_ident(&self.snapshot.columns.valid_to);
        let valid_to = match table {
            Some(table) => format!("{table}.{column}"),
            None => column,
        };
        match &self.snapshot.valid_to_current {
            Some(current) if strict => format!("{valid_to} = {current}"),
            Some(current) => format!("({valid_to} = {current} or {valid_to} is null)"),
            None => format!("{valid_to} is null"),
        }
    }
}

/// The added columns' names, quoted: valid from, valid to, scd id,
/// updated at, is deleted.
fn quoted(names: &jgt_core::SnapshotColumns) -> [String; 5] {
    [
        &names.valid_from,
        &names.valid_to,
        &names.scd_id,
        &names.updated_at,
        &names.is_deleted,
    ]
    .map(|name| quote_ident(name))
}

/// The change time a new version is taken with.
fn updated_at(snapshot: &Snapshot) -> String {
    match &snapshot.strategy {
        SnapshotStrategy::Timestamp { updated_at } => updated_at.clone(),
        SnapshotStrategy::Check {
            updated_at: Some(updated_at),
            ..
        } => updated_at.clone(),
        SnapshotStrategy::Check { .. } => NOW.into(),
    }
}

/// `dbt_valid_to` of a new current version: null (typed as the change
/// time), or `dbt_valid_to_current`.
fn open_end(snapshot: &Snapshot, updated: &str) -> String {
    let current = snapshot.valid_to_current.as_deref().unwrap_or("null");
    format!("coalesce(nullif({updated}, {updated}), {current})")
}

/// dbt's `snapshot_hash_arguments`: the MD5 of the values' text joined by `|`.
fn hash<'a>(args: impl IntoIterator<Item = &'a str>) -> String {
    let parts: Vec<String> = args
        .into_iter()
        .map(|arg| format!("coalesce(cast({arg} as varchar), '')"))
        .collect();
    format!("md5({})", parts.join(" || '|' || "))
}

/// The key expressions as `dbt_unique_key_1`, `dbt_unique_key_2`, ...
fn key_fields(keys: &[String]) -> String {
    keys.iter()
        .enumerate()
        .map(|(i, key)| format!("{key} as dbt_unique_key_{}", i + 1))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The join of a source row to its current version, on every key.
fn key_join(keys: usize) -> String {
    (1..=keys)
        .map(|i| format!("snapshotted_data.dbt_unique_key_{i} = source_data.dbt_unique_key_{i}"))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The column names of the snapshot's query.
fn query_columns(conn: &Connection, sql: &str) -> Result<Vec<String>, ExecError> {
    let sql = format!("describe select * from (\n{sql}\n) as q");
    let columns = column_rows(conn, &sql, &[])?;
    Ok(columns.into_iter().map(|c| c.name).collect())
}

/// The staged changes' columns, without the bookkeeping ones.
fn staged_columns(conn: &Connection) -> Result<Vec<Column>, ExecError> {
    let mut columns = column_rows(conn, &format!("describe {STAGING}"), &[])?;
    columns.retain(|c| {
        !c.name.eq_ignore_ascii_case("dbt_change_type")
            && !c.name.to_lowercase().starts_with("dbt_unique_key")
    });
    Ok(columns)
}

/// Adds the columns the query gained since the table was made.
fn add_missing_columns(
    conn: &Connection,
    relation: &Relation,
    existing: &[Column],
    staged: &[Column],
) -> Result<(), ExecError> {
    for column in staged {
        let known = existing
            .iter()
            .any(|c| c.name.eq_ignore_ascii_case(&column.name));
        if !known {
            run(
                conn,
                &format!(
                    "alter table {} add column {} {}",
                    rel(relation),
                    quote_ident(&column.name),
                    column.data_type
                ),
            )?;
        }
    }
    Ok(())
}

/// Closes the current versions that changed or left the source.
fn close_versions(
    conn: &Connection,
    relation: &Relation,
    snapshot: &Snapshot,
) -> Result<(), ExecError> {
    let names = &snapshot.columns;
    let valid_to = quote_ident(&names.valid_to);
    let scd_id = quote_ident(&names.scd_id);
    let current = match &snapshot.valid_to_current {
        Some(current) => format!("(target.{valid_to} = {current} or target.{valid_to} is null)"),
        None => format!("target.{valid_to} is null"),
    };
    run(
        conn,
        &format!(
            "update {} as target\nset {valid_to} = changes.{valid_to}\nfrom {STAGING} as changes\n\
             where changes.{scd_id}::varchar = target.{scd_id}::varchar\n  \
             and changes.dbt_change_type in ('update', 'delete')\n  and {current}",
            rel(relation)
        ),
    )
}

/// Inserts the new versions (and deletion records).
fn insert_versions(
    conn: &Connection,
    relation: &Relation,
    staged: &[Column],
) -> Result<(), ExecError> {
    let list = staged
        .iter()
        .map(|c| quote_ident(&c.name))
        .collect::<Vec<_>>()
        .join(", ");
    run(
        conn,
        &format!(
            "insert into {} ({list})\nselect {list} from {STAGING}\nwhere dbt_change_type = 'insert'",
            rel(relation)
        ),
    )
}

/// Runs one statement; configured expressions must not smuggle in a
/// second one.
fn run(conn: &Connection, sql: &str) -> Result<(), ExecError> {
    let one = jgt_core::sql::single_statement(sql).map_err(|err| ExecError::Sql {
        message: format!("the snapshot's SQL {err} (check unique_key, updated_at and check_cols)"),
    })?;
    conn.execute_batch(one).map_err(db)
}
