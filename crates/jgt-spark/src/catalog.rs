//! What the Spark catalog holds, asked in SQL (`show tables`, `show
//! views`), which Spark and Sail both answer.

use jgt_core::{Column, QueryResult, Relation};
use jgt_exec::ExecError;

use crate::client::Client;
use crate::dialect::quote_ident;

/// What a relation is in the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A table.
    Table,
    /// A (permanent) view.
    View,
}

impl Kind {
    /// The word `drop` and `alter` take for it.
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            Kind::Table => "table",
            Kind::View => "view",
        }
    }
}

/// A relation as Spark SQL names it.
pub(crate) fn rel(relation: &Relation) -> String {
    format!(
        "{}.{}",
        quote_ident(&relation.schema),
        quote_ident(&relation.identifier)
    )
}

/// Runs a query and returns its rows as text.
pub(crate) fn text(client: &Client, sql: &str) -> Result<QueryResult, ExecError> {
    let rows = client.query(sql)?;
    let columns = match rows.batches.first() {
        Some(batch) => batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect(),
        None => rows
            .schema
            .as_ref()
            .map(crate::types::columns)
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.name)
            .collect(),
    };
    Ok(QueryResult {
        columns,
        rows: crate::arrow::text_rows(&rows.batches, None)?,
    })
}

/// The names of `sql`'s rows (in the first column whose header is one
/// of `headers`; Spark and Sail name and order these columns
/// differently), leaving out temporary ones (`isTemporary` true).
fn names(client: &Client, sql: &str, headers: &[&str]) -> Result<Vec<String>, ExecError> {
    let result = text(client, sql)?;
    let position = |wanted: &[&str]| {
        result
            .columns
            .iter()
            .position(|c| wanted.iter().any(|w| c.eq_ignore_ascii_case(w)))
    };
    let index = position(headers).unwrap_or(0);
    let temporary = position(&["isTemporary"]);
    Ok(result
        .rows
        .into_iter()
        .filter(|row| {
            temporary
                .and_then(|t| row.get(t).cloned().flatten())
                .as_deref()
                != Some("true")
        })
        .filter_map(|row| row.get(index).cloned().flatten())
        .collect())
}

/// Every database.
fn databases(client: &Client) -> Result<Vec<String>, ExecError> {
    names(
        client,
        "show databases",
        &["namespace", "databaseName", "name"],
    )
}

/// The tables and the views of `schema` (Spark's `show tables` lists
/// both; `show views` the views), names as the catalog keeps them.
fn listing(client: &Client, schema: &str) -> Result<(Vec<String>, Vec<String>), ExecError> {
    if !databases(client)?
        .iter()
        .any(|d| d.eq_ignore_ascii_case(schema))
    {
        return Ok((Vec::new(), Vec::new()));
    }
    let all = names(
        client,
        &format!("show tables in {}", quote_ident(schema)),
        &["tableName"],
    )?;
    let views = names(
        client,
        &format!("show views in {}", quote_ident(schema)),
        &["viewName", "tableName"],
    )?;
    let tables = all
        .into_iter()
        .filter(|name| !views.iter().any(|v| v.eq_ignore_ascii_case(name)))
        .collect();
    Ok((tables, views))
}

/// What `relation` is now, or `None` when nothing has its name (Spark's
/// catalog folds names to lower case, so names match in any case).
pub(crate) fn kind(client: &Client, relation: &Relation) -> Result<Option<Kind>, ExecError> {
    let (tables, views) = listing(client, &relation.schema)?;
    let has = |list: &[String]| {
        list.iter()
            .any(|n| n.eq_ignore_ascii_case(&relation.identifier))
    };
    Ok(if has(&views) {
        Some(Kind::View)
    } else if has(&tables) {
        Some(Kind::Table)
    } else {
        None
    })
}

/// Every table (not view) of every database.
pub(crate) fn tables(client: &Client) -> Result<Vec<Relation>, ExecError> {
    let mut found = Vec::new();
    for schema in databases(client)? {
        let (tables, _) = listing(client, &schema)?;
        found.extend(tables.into_iter().map(|t| Relation::new(schema.clone(), t)));
    }
    Ok(found)
}

/// The columns of `relation`, or `None` when it does not exist.
pub(crate) fn columns(
    client: &Client,
    relation: &Relation,
) -> Result<Option<Vec<Column>>, ExecError> {
    if kind(client, relation)?.is_none() {
        return Ok(None);
    }
    let schema = client.schema(&format!("select * from {}", rel(relation)))?;
    Ok(Some(crate::types::columns(&schema)))
}

/// Creates the database `schema` if it is missing.
pub(crate) fn create_schema(client: &Client, schema: &str) -> Result<(), ExecError> {
    client.command(&format!(
        "create database if not exists {}",
        quote_ident(schema)
    ))
}

/// Drops whatever has `relation`'s name, if anything does.
pub(crate) fn drop_existing(client: &Client, relation: &Relation) -> Result<(), ExecError> {
    match kind(client, relation)? {
        Some(kind) => client.command(&format!("drop {} {}", kind.keyword(), rel(relation))),
        None => Ok(()),
    }
}

/// Renames `from` to `to` (in the same database).
pub(crate) fn rename(
    client: &Client,
    kind: Kind,
    from: &Relation,
    to: &Relation,
) -> Result<(), ExecError> {
    client.command(&format!(
        "alter {} {} rename to {}",
        kind.keyword(),
        rel(from),
        rel(to)
    ))
}
