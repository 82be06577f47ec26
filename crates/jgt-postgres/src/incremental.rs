//! Incremental builds on PostgreSQL: new rows land in a temporary table,
//! the table's columns are reconciled by `on_schema_change`, then the rows
//! join by strategy (`MERGE` for `merge`, PostgreSQL 15 and later), all in
//! the caller's transaction.

use jgt_core::{Column, Incremental, Relation, SchemaChange, Strategy};
use jgt_exec::ExecError;
use postgres::Transaction;

use crate::client::{columns_of, pg, rel};
use crate::dialect::quote_ident;

/// The temporary table holding one build's new rows (dropped at commit).
const NEW_ROWS: &str = "__jgt_new_rows";

/// Joins the rows of `sql` into the existing `relation`.
pub(crate) fn merge_in(
    tx: &mut Transaction<'_>,
    relation: &Relation,
    sql: &str,
    how: &Incremental,
    existing: Vec<Column>,
) -> Result<(), ExecError> {
    if how.strategy != Strategy::Append && how.unique_key.is_empty() {
        return Err(ExecError::Sql {
            message: "this incremental strategy needs a unique_key: config(unique_key='id')".into(),
        });
    }
    let target = rel(relation);
    tx.batch_execute(&format!(
        "drop table if exists pg_temp.{NEW_ROWS}; \
         create temporary table {NEW_ROWS} on commit drop as {sql}\n"
    ))
    .map_err(pg)?;
    let incoming = columns_of(tx, &format!("pg_temp.{NEW_ROWS}"))?;
    let columns = reconcile(tx, relation, how.on_schema_change, &existing, &incoming)?;
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
    let statement = match how.strategy {
        // Refused when compiling (the dialect has no insert_overwrite).
        Strategy::InsertOverwrite => {
            return Err(ExecError::Unsupported(
                "insert_overwrite on PostgreSQL".into(),
            ))
        }
        Strategy::Append => format!("insert into {target} ({list}) select {list} from {NEW_ROWS}"),
        Strategy::DeleteInsert => format!(
            "delete from {target} as t using {NEW_ROWS} as s where {}; \
             insert into {target} ({list}) select {list} from {NEW_ROWS}",
            key_match("t", "s")
        ),
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
            format!(
                "merge into {target} as t using {NEW_ROWS} as s on ({}){update} \
                 when not matched then insert ({list}) values ({values})",
                key_match("t", "s")
            )
        }
    };
    tx.batch_execute(&format!("{statement}; drop table pg_temp.{NEW_ROWS}"))
        .map_err(pg)
}

/// Applies `on_schema_change` and returns the columns to insert.
fn reconcile(
    tx: &mut Transaction<'_>,
    relation: &Relation,
    mode: SchemaChange,
    existing: &[Column],
    incoming: &[Column],
) -> Result<Vec<String>, ExecError> {
    let target = rel(relation);
    let diff = jgt_core::schema_change::ColumnDiff::new(existing, incoming, |a, b| a == b);
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
            let mut alter = Vec::new();
            for column in &diff.added {
                alter.push(format!(
                    "alter table {target} add column {} {}",
                    quote_ident(&column.name),
                    column.data_type
                ));
            }
            if mode == SchemaChange::SyncAllColumns {
                for column in &diff.removed {
                    alter.push(format!(
                        "alter table {target} drop column {}",
                        quote_ident(&column.name)
                    ));
                }
                for column in &diff.retyped {
                    alter.push(format!(
                        "alter table {target} alter column {q} type {t} using {q}::{t}",
                        q = quote_ident(&column.name),
                        t = column.data_type
                    ));
                }
            }
            for statement in alter {
                tx.batch_execute(&statement).map_err(pg)?;
            }
        }
    }
    Ok(match mode {
        SchemaChange::Ignore | SchemaChange::Fail => incoming
            .iter()
            .filter(|c| !diff.added.iter().any(|a| a.name == c.name))
            .map(|c| c.name.clone())
            .collect(),
        _ => incoming.iter().map(|c| c.name.clone()).collect(),
    })
}
