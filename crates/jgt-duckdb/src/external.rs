//! dbt-duckdb's `external` materialization: a model's rows written to a
//! file (CSV, Parquet, JSON; one file, or a folder partitioned by columns),
//! and the model's relation a view over what was written.
//!
//! The rows go to a temporary file (or folder) next to the target first,
//! which then replaces the old one: a failed query leaves the old file.

use std::path::{Path, PathBuf};

use duckdb::Connection;
use jgt_core::{External, Relation};
use jgt_exec::ExecError;

use crate::adapter::{db, rel};
use crate::dialect::quote_ident;

/// Refuses a format whose DuckDB extension this build lacks, before
/// anything is written.
pub(crate) fn check_format(conn: &Connection, format: &str) -> Result<(), ExecError> {
    let extension = match format {
        "csv" => return Ok(()),
        "parquet" => "parquet",
        "json" => "json",
        other => {
            return Err(ExecError::Sql {
                message: format!("external format '{other}' is not one of csv, parquet, json"),
            })
        }
    };
    let loaded: bool = conn
        .query_row(
            "select count(*) > 0 from duckdb_extensions() where extension_name = ? and loaded",
            [extension],
            |row| row.get(0),
        )
        .map_err(db)?;
    if loaded {
        return Ok(());
    }
    Err(ExecError::Sql {
        message: format!(
            "external format '{format}' needs DuckDB's {extension} extension, which this jgt \
             build does not include (jgt never downloads extensions); use format='csv'"
        ),
    })
}

/// Writes `sql`'s rows where `external` says and makes `relation` a view
/// over them.
pub(crate) fn write(
    conn: &Connection,
    relation: &Relation,
    sql: &str,
    external: &External,
) -> Result<(), ExecError> {
    let target = &external.location;
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(|err| io(parent, err))?;
    }
    let staging = staging_path(target);
    remove(&staging)?;
    let copied = conn
        .execute_batch(&format!(
            "copy (\n{sql}\n) to {} ({})",
            literal(&staging),
            copy_options(external)
        ))
        .map_err(db);
    if let Err(err) = copied {
        let _ = remove(&staging);
        return Err(err);
    }
    replace(&staging, target)?;
    conn.execute_batch(&format!(
        "create or replace view {} as select * from {}",
        rel(relation),
        reader(external)
    ))
    .map_err(db)
}

/// The options of the `COPY` statement: partitions, format, header, then
/// the model's own `options`.
fn copy_options(external: &External) -> String {
    let mut options = Vec::new();
    match external.partition_by.as_slice() {
        [] => {}
        [one] => options.push(format!("partition_by {}", quote_ident(one))),
        many => options.push(format!(
            "partition_by ({})",
            many.iter()
                .map(|c| quote_ident(c))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
    options.push(format!("format {}", external.format));
    if external.format == "csv" {
        options.push("header 1".into());
    }
    for (name, value) in &external.options {
        options.push(format!("{name} {value}"));
    }
    options.join(", ")
}

/// The table function reading back what was written.
fn reader(external: &External) -> String {
    let mut path = external.location.to_string_lossy().into_owned();
    if !external.partition_by.is_empty() {
        let levels = "/*".repeat(external.partition_by.len());
        path = format!("{path}{levels}/*.{}", external.format);
    }
    let path = literal(Path::new(&path));
    match external.format.as_str() {
        "parquet" => format!("read_parquet({path}, union_by_name = false)"),
        "json" => format!("read_json_auto({path})"),
        _ => format!("read_csv({path}, auto_detect = true)"),
    }
}

/// Where a write goes before it replaces the target.
fn staging_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.jgt-tmp"))
}

/// Moves the written file (or folder) over the target.
fn replace(staging: &Path, target: &Path) -> Result<(), ExecError> {
    if target.is_dir() {
        let old = target.with_file_name(format!(
            ".{}.jgt-old",
            target.file_name().unwrap_or_default().to_string_lossy()
        ));
        remove(&old)?;
        std::fs::rename(target, &old).map_err(|err| io(target, err))?;
        std::fs::rename(staging, target).map_err(|err| io(target, err))?;
        return remove(&old);
    }
    std::fs::rename(staging, target).map_err(|err| io(target, err))
}

/// Removes a file or folder, if there is one.
fn remove(path: &Path) -> Result<(), ExecError> {
    let removed = match std::fs::symlink_metadata(path) {
        Err(_) => return Ok(()),
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
    };
    removed.map_err(|err| io(path, err))
}

fn io(path: &Path, err: std::io::Error) -> ExecError {
    ExecError::Sql {
        message: format!("cannot write {}: {err}", path.display()),
    }
}

/// A path as a SQL string literal.
fn literal(path: &Path) -> String {
    format!("'{}'", path.to_string_lossy().replace('\'', "''"))
}
