//! Seeds: jgt reads the CSV file itself (the server may be on another
//! machine and must never be asked to read a path of ours), types its
//! columns as dbt does, and sends the rows to Spark as Arrow IPC batches
//! of text in Spark Connect `LocalRelation`s, a few megabytes at a time;
//! Spark casts them into a typed table built under a temporary name and
//! swapped into place.

use std::path::Path;

use jgt_core::seed_types::{self, SeedType};
use jgt_core::{Hooks, Relation, SeedOptions};
use jgt_exec::ExecError;

use crate::build::{storage_clause, swapped, Final};
use crate::catalog::rel;
use crate::client::Client;
use crate::dialect::quote_ident;

/// About how many bytes of values one message carries.
const CHUNK_BYTES: usize = 2 * 1024 * 1024;

/// Some of a file's records, column by column (`None` for an empty value).
type Chunk = Vec<Vec<Option<String>>>;

/// The Spark type for a column jgt's CSV reader inferred.
pub(crate) fn spark_type(seed_type: SeedType) -> &'static str {
    match seed_type {
        SeedType::Integer => "int",
        SeedType::BigInt => "bigint",
        SeedType::Double => "double",
        SeedType::Date => "date",
        SeedType::Timestamp => "timestamp",
        SeedType::Boolean => "boolean",
        SeedType::Varchar => "string",
    }
}

fn seed_error(csv: &Path, line: Option<usize>, message: String) -> ExecError {
    ExecError::Seed {
        path: csv.into(),
        line,
        message,
    }
}

/// Each header column with its type: its `column_types` entry when it has
/// one, else the inferred type.
fn columns(
    bytes: &[u8],
    csv: &Path,
    options: &SeedOptions,
) -> Result<Vec<(String, String)>, ExecError> {
    let delimiter = options.delimiter.as_deref().unwrap_or(",");
    let inferred = match &options.inferred {
        Some(columns) => columns.clone(),
        None => seed_types::infer_bytes(bytes, delimiter)
            .map_err(|err| seed_error(csv, err.line(), err.to_string()))?,
    };
    Ok(seed_types::with_column_types(
        inferred,
        &options.column_types,
        spark_type,
    ))
}

/// The file's records, as text (`None` for an empty value), in chunks of
/// about [`CHUNK_BYTES`], each chunk column by column.
fn chunks(
    bytes: &[u8],
    csv: &Path,
    options: &SeedOptions,
    width: usize,
) -> Result<(Vec<Chunk>, u64), ExecError> {
    let delimiter = options.delimiter.as_deref().unwrap_or(",");
    let mut chunks = Vec::new();
    let mut current: Chunk = vec![Vec::new(); width];
    let mut size = 0;
    let mut rows = 0u64;
    let mut ragged = None;
    jgt_core::csv::visit_records(bytes, delimiter, |fields| {
        rows += 1;
        if fields.len() != width {
            ragged.get_or_insert(rows);
            return;
        }
        for (column, field) in current.iter_mut().zip(fields) {
            size += field.len() + 1;
            column.push((!field.is_empty()).then(|| String::from_utf8_lossy(field).into_owned()));
        }
        if size >= CHUNK_BYTES {
            chunks.push(std::mem::replace(&mut current, vec![Vec::new(); width]));
            size = 0;
        }
    })
    .map_err(|err| seed_error(csv, err.line(), err.to_string()))?;
    if let Some(record) = ragged {
        return Err(seed_error(
            csv,
            None,
            format!("record {record} has another number of values than the header"),
        ));
    }
    if current.first().is_some_and(|c| !c.is_empty()) {
        chunks.push(current);
    }
    Ok((chunks, rows))
}

/// Loads `csv` into `relation` (replacing it), returning the row count.
pub(crate) fn load(
    client: &Client,
    relation: &Relation,
    csv: &Path,
    options: &SeedOptions,
    hooks: &Hooks,
) -> Result<u64, ExecError> {
    let bytes =
        std::fs::read(csv).map_err(|err| seed_error(csv, None, format!("cannot read: {err}")))?;
    let columns = columns(&bytes, csv, options)?;
    let names: Vec<String> = columns.iter().map(|(name, _)| name.clone()).collect();
    let (chunks, rows) = chunks(&bytes, csv, options, names.len())?;
    let definitions: Vec<String> = columns
        .iter()
        .map(|(name, data_type)| format!("{} {data_type}", quote_ident(name)))
        .collect();
    let casts: Vec<String> = columns
        .iter()
        .map(|(name, data_type)| format!("cast({q} as {data_type}) as {q}", q = quote_ident(name)))
        .collect();
    let storage = jgt_core::Storage::default();
    swapped(client, relation, hooks, Final::Table(&storage), |tmp| {
        client.command(&format!(
            "create table {} ({}) {}",
            rel(tmp),
            definitions.join(", "),
            storage_clause(&storage)
        ))?;
        let view = format!("__jgt_seed_{}", uuid::Uuid::new_v4().simple());
        for chunk in chunks {
            client.temp_view_of_rows(&view, crate::arrow::text_ipc(&names, chunk)?)?;
            let inserted = client.command(&format!(
                "insert into {} select {} from {}",
                rel(tmp),
                casts.join(", "),
                quote_ident(&view)
            ));
            let _ = client.command(&format!("drop view if exists {}", quote_ident(&view)));
            inserted?;
        }
        Ok(())
    })?;
    Ok(rows)
}
