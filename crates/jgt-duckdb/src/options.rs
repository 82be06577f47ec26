//! What a profile asks of the database when it opens: the schema to build
//! into, `SET` settings, extensions to load and databases to attach.

use std::path::PathBuf;

use duckdb::Connection;
use jgt_exec::ExecError;

use crate::dialect::quote_ident;

/// Options for [`crate::DuckDbAdapter::open_with`].
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// The schema models build into (`main` when empty).
    pub schema: String,
    /// `SET GLOBAL name = value`, in order.
    pub settings: Vec<(String, String)>,
    /// Extensions to load, installed first when they are not, as
    /// dbt-duckdb's `extensions:` does.
    pub extensions: Vec<String>,
    /// Databases to `ATTACH`.
    pub attach: Vec<Attach>,
}

/// One database to attach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attach {
    /// The file to attach.
    pub path: PathBuf,
    /// The name SQL uses for it.
    pub alias: String,
    /// The database type (`sqlite`), when not DuckDB.
    pub kind: Option<String>,
    /// Whether to attach read-only.
    pub read_only: bool,
}

/// A string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Whether a name is a plain setting or extension name.
fn plain(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Loads extension `name` (a plain name): nothing when it is loaded
/// already (built in), `LOAD` when it is installed, and `INSTALL` then
/// `LOAD` otherwise, so a built-in or installed extension never touches
/// the network.
fn load_extension(conn: &Connection, name: &str) -> duckdb::Result<()> {
    let state: Option<(bool, bool)> = conn
        .query_row(
            "select loaded, installed from duckdb_extensions() where extension_name = ?",
            [name],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .ok();
    match state {
        Some((true, _)) => Ok(()),
        Some((false, true)) => conn.execute_batch(&format!("LOAD {name}")),
        _ => conn.execute_batch(&format!("INSTALL {name}; LOAD {name}")),
    }
}

/// Applies `options` to a freshly opened connection.
pub(crate) fn apply(
    conn: &Connection,
    path: &std::path::Path,
    options: &OpenOptions,
) -> Result<(), ExecError> {
    let unsupported = |message: String| ExecError::Open {
        path: path.into(),
        message,
    };
    for name in &options.extensions {
        if !plain(name) {
            return Err(unsupported(format!(
                "extension name '{name}' is not a plain name"
            )));
        }
        load_extension(conn, name).map_err(|err| {
            unsupported(format!(
                "the profile asks for DuckDB extension '{name}', which could not be installed \
                 or loaded. jgt's DuckDB has parquet and json built in; others are installed \
                 from DuckDB's extension repository on first use, as dbt-duckdb installs \
                 them, which needs the network once. Install it where there is a network \
                 (`INSTALL {name}` in DuckDB 2.0.1, or a first jgt run), or remove it from \
                 `extensions:` ({err})"
            ))
        })?;
    }
    for (name, value) in &options.settings {
        if !plain(name) {
            return Err(unsupported(format!(
                "setting name '{name}' is not a plain name"
            )));
        }
        // GLOBAL: the runner's threads use clones of this connection, and a
        // plain SET of some settings would stay with this one.
        let value_sql = literal(value);
        conn.execute_batch(&format!("SET GLOBAL {name} = {value_sql}"))
            .or_else(|_| conn.execute_batch(&format!("SET {name} = {value_sql}")))
            .map_err(|err| unsupported(format!("profile setting {name} = {value}: {err}")))?;
    }
    for attach in &options.attach {
        let mut flags = Vec::new();
        if let Some(kind) = &attach.kind {
            if !plain(kind) {
                return Err(unsupported(format!(
                    "attach type '{kind}' is not a plain name"
                )));
            }
            flags.push(format!("TYPE {kind}"));
        }
        if attach.read_only {
            flags.push("READ_ONLY".to_string());
        }
        let flags = match flags.is_empty() {
            true => String::new(),
            false => format!(" ({})", flags.join(", ")),
        };
        let sql = format!(
            "ATTACH IF NOT EXISTS {} AS {}{flags}",
            literal(&attach.path.to_string_lossy()),
            quote_ident(&attach.alias)
        );
        conn.execute_batch(&sql).map_err(|err| {
            unsupported(format!(
                "cannot attach {} as {}: {err}",
                attach.path.display(),
                attach.alias
            ))
        })?;
    }
    Ok(())
}
