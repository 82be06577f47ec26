//! Incremental builds in DuckDB: new rows land in a temporary table, the
//! table's columns are reconciled by `on_schema_change`, then the rows
//! join by strategy, all in the caller's transaction.

use duckdb::Connection;
use jgt_core::{Column, Incremental, Relation, SchemaChange, Strategy};
use jgt_exec::ExecError;

use crate::adapter::{db, rel};
use crate::dialect::quote_ident;

/// The temporary table holding one build's new rows.
const NEW_ROWS: &str = "__jgt_new_rows";

/// Joins the rows of `sql` into the existing `relation`.
pub(crate) fn merge_in(
    conn: &Connection,
    relation: &Relation,
    sql: &str,
    how: &Incremental,
    existing: Vec<Column>,
) -> Result<(), ExecError> {
    let rel = rel(relation);
    conn.execute_batch(&format!(
        "create or replace temp table {NEW_ROWS} as {sql}\n"
    ))
    .map_err(db)?;
    let incoming = temp_columns(conn)?;
    let columns = reconcile(conn, relation, how.on_schema_change, &existing, &incoming)?;
    let list = columns
        .iter()
        .map(|c| quote_ident(c))
        .collect::<Vec<_>>()
        .join(", ");
    let key_match = |left: &str, right: &str| {
        how.unique_key
            .iter()
            .map(|k| format!("{left}.{k} = {right}.{k}", k = quote_ident(k)))
            .collect::<Vec<_>>()
            .join(" and ")
    };
    if how.strategy != Strategy::Append && how.unique_key.is_empty() {
        return Err(ExecError::Sql {
            message: "this incremental strategy needs a unique_key: config(unique_key='id')".into(),
        });
    }
    match how.strategy {
        Strategy::Append => {}
        // Refused when compiling (the dialect has no insert_overwrite).
        Strategy::InsertOverwrite => {
            return Err(ExecError::Unsupported("insert_overwrite on DuckDB".into()))
        }
        Strategy::DeleteInsert => conn
            .execute_batch(&format!(
                "delete from {rel} as t where exists (select 1 from {NEW_ROWS} as s where {})",
                key_match("t", "s")
            ))
            .map_err(db)?,
        Strategy::Merge => {
            let updates = columns
                .iter()
                .filter(|c| !how.unique_key.contains(c))
                .map(|c| format!("{q} = s.{q}", q = quote_ident(c)))
                .collect::<Vec<_>>();
            let values = columns
                .iter()
                .map(|c| format!("s.{}", quote_ident(c)))
                .collect::<Vec<_>>()
                .join(", ");
            let update = if updates.is_empty() {
                String::new()
            } else {
                format!(" when matched then update set {}", updates.join(", "))
            };
            conn.execute_batch(&format!(
                "merge into {rel} as t using {NEW_ROWS} as s on ({}){update} \
                 when not matched then insert ({list}) values ({values})",
                key_match("t", "s")
            ))
            .map_err(db)?;
            conn.execute_batch(&format!("drop table {NEW_ROWS}"))
                .map_err(db)?;
            return Ok(());
        }
    }
    conn.execute_batch(&format!(
        "insert into {rel} ({list}) select {list} from {NEW_ROWS}; drop table {NEW_ROWS}"
    ))
    .map_err(db)?;
    Ok(())
}

fn temp_columns(conn: &Connection) -> Result<Vec<Column>, ExecError> {
    crate::adapter::column_rows(
        conn,
        "select column_name, data_type from duckdb_columns() \
         where table_name = ? and database_name = 'temp' order by column_index",
        &[&NEW_ROWS],
    )
}

/// Applies `on_schema_change` and returns the columns to insert.
fn reconcile(
    conn: &Connection,
    relation: &Relation,
    mode: SchemaChange,
    existing: &[Column],
    incoming: &[Column],
) -> Result<Vec<String>, ExecError> {
    let rel = rel(relation);
    let diff = jgt_core::schema_change::ColumnDiff::new(existing, incoming, |a, b| {
        a.eq_ignore_ascii_case(b)
    });
    match mode {
        SchemaChange::Ignore => {}
        SchemaChange::Fail => {
            if !diff.is_empty() {
                return Err(ExecError::Sql {
                    message: diff.refusal(relation),
                });
            }
        }
        SchemaChange::AppendNewColumns | SchemaChange::SyncAllColumns => {
            for column in &diff.added {
                conn.execute_batch(&format!(
                    "alter table {rel} add column {} {}",
                    quote_ident(&column.name),
                    column.data_type
                ))
                .map_err(db)?;
            }
            if mode == SchemaChange::SyncAllColumns {
                for column in &diff.removed {
                    conn.execute_batch(&format!(
                        "alter table {rel} drop column {}",
                        quote_ident(&column.name)
                    ))
                    .map_err(db)?;
                }
                for column in &diff.retyped {
                    conn.execute_batch(&format!(
                        "alter table {rel} alter column {} type {}",
                        quote_ident(&column.name),
                        column.data_type
                    ))
                    .map_err(db)?;
                }
            }
        }
    }
    let target: Vec<String> = match mode {
        SchemaChange::Ignore | SchemaChange::Fail => incoming
            .iter()
            .filter(|c| !diff.added.iter().any(|a| a.name == c.name))
            .map(|c| c.name.clone())
            .collect(),
        _ => incoming.iter().map(|c| c.name.clone()).collect(),
    };
    Ok(target)
}
