//! Enforced model contracts in DuckDB, as dbt-duckdb enforces them: the
//! model's columns (DuckDB's `describe` of its SQL) must be the contract's,
//! with the types DuckDB gives the contract's own type names; a table is
//! created with the contract's columns, in its order, and its constraints,
//! then filled from the model's SQL.

use duckdb::Connection;
use jgt_core::contract::{failure_message, mismatches};
use jgt_core::{Column, Constraint, ConstraintKind, Contract, Relation};
use jgt_exec::ExecError;

use crate::adapter::{db, rel};
use crate::dialect::quote_ident;

/// Fails with dbt's table of mismatches when `sql`'s columns are not the
/// contract's.
pub(crate) fn check(conn: &Connection, sql: &str, contract: &Contract) -> Result<(), ExecError> {
    let definition = describe(conn, &format!("select * from (\n{sql}\n) as model_subq"))?;
    let promised = describe(conn, &empty_schema_sql(contract))?;
    let found = mismatches(&definition, &promised);
    if found.is_empty() {
        return Ok(());
    }
    Err(ExecError::Contract {
        message: failure_message(&found),
    })
}

/// Creates `relation` with the contract's columns and constraints and
/// fills it from `sql` (its columns already checked).
pub(crate) fn create_table(
    conn: &Connection,
    relation: &Relation,
    sql: &str,
    contract: &Contract,
) -> Result<(), ExecError> {
    let mut lines: Vec<String> = contract
        .columns
        .iter()
        .map(|column| {
            let mut line = format!("{} {}", quote_ident(&column.name), column.data_type);
            for constraint in &column.constraints {
                line.push(' ');
                line.push_str(&column_constraint(constraint));
            }
            line
        })
        .collect();
    lines.extend(contract.constraints.iter().filter_map(model_constraint));
    let names = contract
        .columns
        .iter()
        .map(|c| quote_ident(&c.name))
        .collect::<Vec<_>>()
        .join(", ");
    let rel = rel(relation);
    one(
        conn,
        &format!(
            "create or replace table {rel} (\n  {}\n)",
            lines.join(",\n  ")
        ),
    )?;
    one(
        conn,
        &format!("insert into {rel} ({names})\nselect {names} from (\n{sql}\n) as model_subq"),
    )
}

/// dbt's `get_empty_schema_sql`: a query with the contract's columns,
/// typed by DuckDB from the contract's type names.
fn empty_schema_sql(contract: &Contract) -> String {
    let columns: Vec<String> = contract
        .columns
        .iter()
        .map(|c| format!("cast(null as {}) as {}", c.data_type, quote_ident(&c.name)))
        .collect();
    format!("select {}", columns.join(", "))
}

/// A column-level constraint as DuckDB writes it.
fn column_constraint(constraint: &Constraint) -> String {
    let named = constraint
        .name
        .as_ref()
        .map(|n| format!("constraint {} ", quote_ident(n)))
        .unwrap_or_default();
    let body = match constraint.kind {
        ConstraintKind::NotNull => "not null".to_string(),
        ConstraintKind::Unique => "unique".to_string(),
        ConstraintKind::PrimaryKey => "primary key".to_string(),
        ConstraintKind::Check => format!("check ({})", expression(constraint)),
        ConstraintKind::ForeignKey => format!("references {}", reference(constraint)),
        ConstraintKind::Custom => expression(constraint).to_string(),
    };
    format!("{named}{body}")
}

/// A model-level constraint as DuckDB writes it; `None` for `not_null`,
/// which only columns carry.
fn model_constraint(constraint: &Constraint) -> Option<String> {
    let named = constraint
        .name
        .as_ref()
        .map(|n| format!("constraint {} ", quote_ident(n)))
        .unwrap_or_default();
    let columns = constraint.columns.join(", ");
    let body = match constraint.kind {
        ConstraintKind::NotNull => return None,
        ConstraintKind::Unique => format!("unique ({columns})"),
        ConstraintKind::PrimaryKey => format!("primary key ({columns})"),
        ConstraintKind::Check => format!("check ({})", expression(constraint)),
        ConstraintKind::ForeignKey => {
            format!(
                "foreign key ({columns}) references {}",
                reference(constraint)
            )
        }
        ConstraintKind::Custom => expression(constraint).to_string(),
    };
    Some(format!("{named}{body}"))
}

fn expression(constraint: &Constraint) -> &str {
    constraint.expression.as_deref().unwrap_or_default()
}

/// The target of a foreign key: `"schema"."table" (columns)`, or the
/// older `expression:` as written.
fn reference(constraint: &Constraint) -> String {
    match &constraint.to {
        Some(to) => format!("{} ({})", rel(to), constraint.to_columns.join(", ")),
        None => expression(constraint).to_string(),
    }
}

/// The columns of a query, as DuckDB types them.
fn describe(conn: &Connection, sql: &str) -> Result<Vec<Column>, ExecError> {
    crate::adapter::column_rows(conn, &format!("describe {sql}"), &[])
}

/// Runs exactly one statement: a configured expression must not smuggle
/// in another.
fn one(conn: &Connection, sql: &str) -> Result<(), ExecError> {
    let one = jgt_core::sql::single_statement(sql).map_err(|err| ExecError::Sql {
        message: format!("the contract's SQL {err} (check the constraints' expressions)"),
    })?;
    conn.execute_batch(one).map_err(db)
}
