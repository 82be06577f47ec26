//! Small helpers over the `postgres` client: errors, catalog lookups and
//! text results, shared by the adapter's modules.

use jgt_core::{Column, QueryResult, Relation};
use jgt_exec::ExecError;
use postgres::{GenericClient, SimpleQueryMessage};

use crate::dialect::quote_ident;

/// PostgreSQL's error as jgt's: the SQLSTATE and the server's message,
/// with its detail and hint when it gives them.
pub(crate) fn pg(err: postgres::Error) -> ExecError {
    let Some(db) = err.as_db_error() else {
        return ExecError::Sql {
            message: err.to_string(),
        };
    };
    let mut message = format!("{} {}: {}", db.severity(), db.code().code(), db.message());
    if let Some(detail) = db.detail() {
        message.push_str(&format!("\ndetail: {detail}"));
    }
    if let Some(hint) = db.hint() {
        message.push_str(&format!("\nhint: {hint}"));
    }
    ExecError::Sql { message }
}

/// The SQLSTATE of a server error, if `err` is one.
pub(crate) fn sqlstate(err: &postgres::Error) -> Option<&str> {
    err.as_db_error().map(|db| db.code().code())
}

/// A relation as PostgreSQL names it in SQL.
pub(crate) fn rel(relation: &Relation) -> String {
    format!(
        "{}.{}",
        quote_ident(&relation.schema),
        quote_ident(&relation.identifier)
    )
}

/// The one statement of a model, test or preview body, without the
/// trailing `;` and comments people leave; refuses a second statement.
pub(crate) fn body(sql: &str) -> Result<&str, ExecError> {
    jgt_core::sql::single_statement(sql).map_err(|err| ExecError::Sql {
        message: format!("the SQL {err}"),
    })
}

/// What a relation is in the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A table (plain or partitioned).
    Table,
    /// A view.
    View,
    /// Anything else with that name (a materialized view, a sequence…).
    Other,
}

impl Kind {
    /// The word `drop` and `alter` take for it.
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            Kind::Table => "table",
            Kind::View => "view",
            Kind::Other => "materialized view",
        }
    }
}

/// What `relation` is now, or `None` when nothing has its name.
pub(crate) fn kind(
    client: &mut impl GenericClient,
    relation: &Relation,
) -> Result<Option<Kind>, ExecError> {
    let row = client
        .query_opt(
            "select c.relkind::text from pg_catalog.pg_class c \
             join pg_catalog.pg_namespace n on n.oid = c.relnamespace \
             where n.nspname = $1 and c.relname = $2",
            &[&relation.schema, &relation.identifier],
        )
        .map_err(pg)?;
    let Some(row) = row else {
        return Ok(None);
    };
    let relkind: String = row.try_get(0).map_err(pg)?;
    Ok(Some(match relkind.as_str() {
        "r" | "p" => Kind::Table,
        "v" => Kind::View,
        _ => Kind::Other,
    }))
}

/// The columns of the relation `name` (SQL, quoted as needed; a temporary
/// table by its bare name) with their types as PostgreSQL spells them, or
/// an empty list when it does not exist.
pub(crate) fn columns_of(
    client: &mut impl GenericClient,
    name: &str,
) -> Result<Vec<Column>, ExecError> {
    let rows = client
        .query(
            "select a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod) \
             from pg_catalog.pg_attribute a \
             where a.attrelid = pg_catalog.to_regclass($1) and a.attnum > 0 \
             and not a.attisdropped order by a.attnum",
            &[&name],
        )
        .map_err(pg)?;
    rows.iter()
        .map(|row| {
            Ok(Column {
                name: row.try_get(0).map_err(pg)?,
                data_type: row.try_get(1).map_err(pg)?,
            })
        })
        .collect()
}

/// Runs `sql` (one statement) over the simple protocol, so every value
/// arrives as PostgreSQL's text for it, keeping at most `limit` rows.
pub(crate) fn text_rows(
    client: &mut impl GenericClient,
    sql: &str,
    limit: Option<usize>,
) -> Result<QueryResult, ExecError> {
    let messages = client.simple_query(sql).map_err(pg)?;
    let mut result = QueryResult::default();
    for message in messages {
        match message {
            SimpleQueryMessage::RowDescription(columns) if result.columns.is_empty() => {
                result.columns = columns.iter().map(|c| c.name().to_string()).collect();
            }
            SimpleQueryMessage::Row(row) => {
                if limit.is_some_and(|n| result.rows.len() >= n) {
                    continue;
                }
                if result.columns.is_empty() {
                    result.columns = row.columns().iter().map(|c| c.name().to_string()).collect();
                }
                let values = (0..row.len())
                    .map(|i| row.try_get(i).map(|v| v.map(str::to_string)))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(pg)?;
                result.rows.push(values);
            }
            _ => {}
        }
    }
    Ok(result)
}

/// Drops whatever has `relation`'s name, if anything does (never with
/// `cascade`: a relation others depend on stays, and the error says so).
pub(crate) fn drop_existing(
    client: &mut impl GenericClient,
    relation: &Relation,
) -> Result<(), ExecError> {
    if let Some(kind) = kind(client, relation)? {
        client
            .batch_execute(&format!("drop {} {}", kind.keyword(), rel(relation)))
            .map_err(pg)?;
    }
    Ok(())
}

/// Creates `schema` if it is missing.
pub(crate) fn create_schema(
    client: &mut impl GenericClient,
    schema: &str,
) -> Result<(), ExecError> {
    client
        .batch_execute(&format!(
            "create schema if not exists {}",
            quote_ident(schema)
        ))
        .map_err(pg)
}
