//! Incremental builds on Spark. The new rows are a temporary view of the
//! session; the table's columns are reconciled by `on_schema_change`;
//! then the rows join by strategy:
//!
//! - `append`: `insert into`;
//! - `insert_overwrite`: `insert overwrite` (the session runs with
//!   `spark.sql.sources.partitionOverwriteMode=DYNAMIC`, so only the
//!   partitions the new rows fall in are replaced; a table without
//!   partitions is replaced whole), as dbt-spark does;
//! - `merge`: `merge into`, for table formats that update rows (delta,
//!   iceberg, hudi); compiling refuses it on others;
//! - `delete+insert`: jgt's own (dbt-spark has none): the table is
//!   rewritten as its rows whose key is not among the new ones plus the
//!   new rows, built under a temporary name and swapped in, so it works on
//!   plain parquet tables.
//!
//! `sync_all_columns` rewrites the table the same way when columns go or
//! change type (parquet tables cannot drop columns in place). The
//! in-place steps (`insert`, `merge`, `alter table ... add columns`) are
//! not undone when a later step fails: Spark has no transactions.

use jgt_core::schema_change::ColumnDiff;
use jgt_core::{Column, Hooks, Incremental, Relation, SchemaChange, Strategy};
use jgt_exec::ExecError;

use crate::build::{run_hooks, storage_clause, swapped, Final};
use crate::catalog::rel;
use crate::client::{Client, Engine};
use crate::dialect::{file_format, quote_ident, updates_rows};

fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn list(columns: &[String], prefix: &str) -> String {
    columns
        .iter()
        .map(|c| format!("{prefix}{}", quote_ident(c)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Joins `sql`'s rows into the existing table `relation` (whose columns
/// are `existing`).
pub(crate) fn merge_in(
    client: &Client,
    relation: &Relation,
    sql: &str,
    how: &Incremental,
    existing: Vec<Column>,
    hooks: &Hooks,
) -> Result<(), ExecError> {
    if matches!(how.strategy, Strategy::DeleteInsert | Strategy::Merge) && how.unique_key.is_empty()
    {
        return Err(ExecError::Sql {
            message: "this incremental strategy needs a unique_key: config(unique_key='id')".into(),
        });
    }
    let format = file_format(&how.storage);
    if how.strategy == Strategy::Merge && !updates_rows(&format) {
        return Err(ExecError::Unsupported(format!(
            "incremental_strategy 'merge' on a {format} table: merge needs a table format that \
             can update rows: set file_format to delta or iceberg"
        )));
    }
    let view = format!("__jgt_new_{}", uuid::Uuid::new_v4().simple());
    client.command(&format!(
        "create or replace temporary view {} as {sql}\n",
        quote_ident(&view)
    ))?;
    let joined = join(client, relation, &view, how, existing, hooks);
    let _ = client.command(&format!("drop view if exists {}", quote_ident(&view)));
    joined
}

/// The table's columns once `on_schema_change` is applied, and whether
/// the table must be rewritten to get them (columns dropped or retyped;
/// on Sail, which cannot `alter table ... add columns`, added too).
fn reconcile(
    relation: &Relation,
    how: &Incremental,
    existing: &[Column],
    incoming: &[Column],
    sail: bool,
) -> Result<(Vec<Column>, bool), ExecError> {
    let diff = ColumnDiff::new(existing, incoming, same_name);
    let added = !diff.added.is_empty();
    Ok(match how.on_schema_change {
        SchemaChange::Fail if !diff.is_empty() => {
            return Err(ExecError::Sql {
                message: diff.refusal(relation),
            })
        }
        SchemaChange::Ignore | SchemaChange::Fail => (existing.to_vec(), false),
        SchemaChange::AppendNewColumns => {
            let mut all = existing.to_vec();
            all.extend(diff.added.iter().map(|c| (*c).clone()));
            (all, sail && added)
        }
        SchemaChange::SyncAllColumns if !diff.removed.is_empty() || !diff.retyped.is_empty() => {
            (incoming.to_vec(), true)
        }
        SchemaChange::SyncAllColumns => {
            // Only added columns: they go last, as `add columns` puts them.
            let mut all = existing.to_vec();
            all.extend(diff.added.iter().map(|c| (*c).clone()));
            (all, sail && added)
        }
    })
}

fn join(
    client: &Client,
    relation: &Relation,
    view: &str,
    how: &Incremental,
    existing: Vec<Column>,
    hooks: &Hooks,
) -> Result<(), ExecError> {
    let incoming =
        crate::types::columns(&client.schema(&format!("select * from {}", quote_ident(view)))?);
    let sail = client.engine() == Engine::Sail;
    let (columns, reshape) = reconcile(relation, how, &existing, &incoming, sail)?;
    let source = format!("{} as s", quote_ident(view));
    let new_rows = Select::new(&columns, &incoming, "s", &source);
    let old_rows = Select::new(&columns, &existing, "t", &format!("{} as t", rel(relation)));
    if how.strategy == Strategy::DeleteInsert {
        // Old rows whose key comes again are left out.
        let on = pairs(&how.unique_key, "=");
        return rewrite_keeping(
            client, relation, how, &old_rows, &source, &on, &new_rows, hooks,
        );
    }
    if reshape {
        rewrite(client, relation, how, &old_rows.sql(), &Hooks::NONE)?;
    } else if how.on_schema_change != SchemaChange::Ignore {
        let added: Vec<&Column> = columns
            .iter()
            .filter(|c| !existing.iter().any(|e| same_name(&e.name, &c.name)))
            .collect();
        add_columns(client, relation, &added)?;
    }
    let partitions = &how.storage.partition_by;
    if how.strategy == Strategy::InsertOverwrite && sail && !partitions.is_empty() {
        // Sail overwrites a partitioned table whole: the rows of the
        // partitions the new rows do not touch are kept by rewriting.
        let touched = format!(
            "(select distinct {} from {source}) as s",
            list(partitions, "s.")
        );
        let on = pairs(partitions, "<=>");
        return rewrite_keeping(
            client, relation, how, &old_rows, &touched, &on, &new_rows, hooks,
        );
    }
    let target = rel(relation);
    let statement = match how.strategy {
        Strategy::InsertOverwrite => format!("insert overwrite table {target} {}", new_rows.sql()),
        Strategy::Merge => merge_statement(&target, &source, how, &columns, &new_rows),
        Strategy::Append | Strategy::DeleteInsert => {
            format!("insert into {target} {}", new_rows.sql())
        }
    };
    run_hooks(client, "pre-hook", hooks.pre.iter().map(|h| h.sql.as_str()))?;
    client.command(&statement)?;
    run_hooks(
        client,
        "post-hook",
        hooks.post.iter().map(|h| h.sql.as_str()),
    )
}

/// `t.c <op> s.c` for each column, joined by `and`.
fn pairs(columns: &[String], op: &str) -> String {
    columns
        .iter()
        .map(|c| format!("t.{q} {op} s.{q}", q = quote_ident(c)))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Rewrites the table as its old rows that have no match in `against`
/// (`on`), plus the new rows.
#[allow(clippy::too_many_arguments)]
fn rewrite_keeping(
    client: &Client,
    relation: &Relation,
    how: &Incremental,
    old_rows: &Select,
    against: &str,
    on: &str,
    new_rows: &Select,
    hooks: &Hooks,
) -> Result<(), ExecError> {
    let select = format!(
        "{} left anti join {against} on {on}\nunion all\n{}",
        old_rows.sql(),
        new_rows.sql()
    );
    rewrite(client, relation, how, &select, hooks)
}

/// A `select` of the table's final columns, in order, from rows that have
/// `have` (a missing column is null), each cast to its final type.
struct Select {
    values: Vec<String>,
    names: Vec<String>,
    from: String,
}

impl Select {
    fn new(columns: &[Column], have: &[Column], alias: &str, from: &str) -> Self {
        let values = columns
            .iter()
            .map(
                |c| match have.iter().find(|h| same_name(&h.name, &c.name)) {
                    Some(h) if h.data_type == c.data_type => {
                        format!("{alias}.{}", quote_ident(&h.name))
                    }
                    Some(h) => format!("cast({alias}.{} as {})", quote_ident(&h.name), c.data_type),
                    None => format!("cast(null as {})", c.data_type),
                },
            )
            .collect();
        Select {
            values,
            names: columns.iter().map(|c| c.name.clone()).collect(),
            from: from.to_string(),
        }
    }

    fn sql(&self) -> String {
        let list: Vec<String> = self
            .values
            .iter()
            .zip(&self.names)
            .map(|(value, name)| format!("{value} as {}", quote_ident(name)))
            .collect();
        format!("select {} from {}", list.join(", "), self.from)
    }
}

fn add_columns(client: &Client, relation: &Relation, added: &[&Column]) -> Result<(), ExecError> {
    if added.is_empty() {
        return Ok(());
    }
    let definitions: Vec<String> = added
        .iter()
        .map(|c| format!("{} {}", quote_ident(&c.name), c.data_type))
        .collect();
    client.command(&format!(
        "alter table {} add columns ({})",
        rel(relation),
        definitions.join(", ")
    ))
}

fn merge_statement(
    target: &str,
    source: &str,
    how: &Incremental,
    columns: &[Column],
    new_rows: &Select,
) -> String {
    let updates: Vec<String> = columns
        .iter()
        .zip(&new_rows.values)
        .filter(|(c, _)| !how.unique_key.iter().any(|k| same_name(k, &c.name)))
        .map(|(c, value)| format!("t.{} = {value}", quote_ident(&c.name)))
        .collect();
    let update = match updates.is_empty() {
        true => String::new(),
        false => format!(" when matched then update set {}", updates.join(", ")),
    };
    let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    format!(
        "merge into {target} as t using {source} on {}{update} \
         when not matched then insert ({}) values ({})",
        pairs(&how.unique_key, "="),
        list(&names, ""),
        new_rows.values.join(", ")
    )
}

/// Rebuilds the table from `select` under a temporary name, stored as
/// the model asks, and swaps it in.
fn rewrite(
    client: &Client,
    relation: &Relation,
    how: &Incremental,
    select: &str,
    hooks: &Hooks,
) -> Result<(), ExecError> {
    swapped(client, relation, hooks, Final::Table(&how.storage), |tmp| {
        client.command(&format!(
            "create table {} {} as {select}",
            rel(tmp),
            storage_clause(&how.storage)
        ))
    })
}
