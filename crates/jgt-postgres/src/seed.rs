//! Seeds: a table with typed columns, filled by `COPY ... FROM STDIN` with
//! the CSV file's bytes as they are (PostgreSQL parses the CSV).

use std::io::Write;
use std::path::Path;

use jgt_core::seed_types::{self, SeedType};
use jgt_core::{Relation, SeedOptions};
use jgt_exec::ExecError;
use postgres::Transaction;

use crate::build::sibling;
use crate::client::{create_schema, drop_existing, pg, rel};
use crate::dialect::quote_ident;

/// The PostgreSQL type for a column jgt's CSV reader inferred.
pub(crate) fn postgres_type(seed_type: SeedType) -> &'static str {
    match seed_type {
        SeedType::Integer => "integer",
        SeedType::BigInt => "bigint",
        // dbt-postgres makes a column with decimals `float8` (measured with
        // bench/pg_seed.sh: `double precision`).
        SeedType::Double => "double precision",
        SeedType::Date => "date",
        SeedType::Timestamp => "timestamp",
        SeedType::Boolean => "boolean",
        SeedType::Varchar => "text",
    }
}

/// Each header column with its type: its `column_types` entry when it has
/// one, else the inferred type.
fn columns(csv: &Path, options: &SeedOptions) -> Result<Vec<(String, String)>, ExecError> {
    let inferred = match &options.inferred {
        Some(columns) => columns.clone(),
        None => {
            seed_types::infer(csv, options.delimiter.as_deref()).map_err(|err| ExecError::Seed {
                path: csv.into(),
                line: err.line(),
                message: err.to_string(),
            })?
        }
    };
    Ok(seed_types::with_column_types(
        inferred,
        &options.column_types,
        postgres_type,
    ))
}

/// A string literal for SQL.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Loads `csv` into `relation` (replacing it) inside `tx`: a new table
/// under a temporary name, filled, then renamed into place. Returns the
/// row count.
pub(crate) fn load(
    tx: &mut Transaction<'_>,
    relation: &Relation,
    csv: &Path,
    options: &SeedOptions,
) -> Result<u64, ExecError> {
    let columns = columns(csv, options)?;
    let bytes = std::fs::read(csv).map_err(|err| ExecError::Seed {
        path: csv.into(),
        line: None,
        message: format!("cannot read: {err}"),
    })?;
    create_schema(tx, &relation.schema)?;
    let tmp = sibling(relation, "__dbt_tmp");
    drop_existing(tx, &tmp)?;
    let definitions = columns
        .iter()
        .map(|(name, data_type)| format!("{} {data_type}", quote_ident(name)))
        .collect::<Vec<_>>()
        .join(", ");
    tx.batch_execute(&format!("create table {} ({definitions})", rel(&tmp)))
        .map_err(pg)?;
    let delimiter = options.delimiter.as_deref().unwrap_or(",");
    let copy = format!(
        "copy {} from stdin with (format csv, header true, delimiter {}, quote '\"', escape '\"')",
        rel(&tmp),
        literal(delimiter)
    );
    let mut writer = tx.copy_in(&copy).map_err(pg)?;
    writer.write_all(&bytes).map_err(|err| ExecError::Sql {
        message: format!("sending the seed to PostgreSQL failed: {err}"),
    })?;
    let rows = writer.finish().map_err(pg)?;
    crate::build::swap_table(tx, relation, &tmp)?;
    Ok(rows)
}
