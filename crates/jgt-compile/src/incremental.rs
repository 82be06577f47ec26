//! An incremental model's configs, read and checked.

use std::path::Path;

use jgt_core::{Dialect, Incremental, SchemaChange, Storage, Strategy};
use jgt_project::NodeConfig;

use crate::error::CompileError;

type Result<T> = std::result::Result<T, CompileError>;

/// Reads an incremental model's `incremental_strategy`, `unique_key`,
/// `on_schema_change` and storage, naming the file when one is wrong or
/// when `dialect`'s engine cannot build it.
pub(crate) fn spec(
    config: &NodeConfig,
    path: &Path,
    full_refresh: bool,
    dialect: &dyn Dialect,
) -> Result<Incremental> {
    let text = |key: &str| {
        config
            .other
            .get(key)
            .and_then(|v| v.as_str().map(str::to_string))
    };
    let strategy = match text("incremental_strategy") {
        None => Strategy::Append,
        Some(name) => Strategy::parse(&name).ok_or_else(|| CompileError::Config {
            path: path.to_path_buf(),
            message: format!(
                "incremental_strategy '{name}' is not one of append, delete+insert, merge, \
                 insert_overwrite"
            ),
        })?,
    };
    let on_schema_change = match text("on_schema_change") {
        None => SchemaChange::Ignore,
        Some(name) => SchemaChange::parse(&name).ok_or_else(|| CompileError::Config {
            path: path.to_path_buf(),
            message: format!(
                "on_schema_change '{name}' is not one of ignore, fail, append_new_columns, \
                 sync_all_columns"
            ),
        })?,
    };
    let unique_key = match config.other.get("unique_key") {
        Some(serde_yaml::Value::Sequence(keys)) => keys
            .iter()
            .filter_map(|k| k.as_str().map(str::to_string))
            .collect(),
        Some(serde_yaml::Value::String(key)) => vec![key.clone()],
        _ => Vec::new(),
    };
    let needs_key = matches!(strategy, Strategy::DeleteInsert | Strategy::Merge);
    if needs_key && unique_key.is_empty() {
        return Err(CompileError::Config {
            path: path.to_path_buf(),
            message: format!(
                "incremental_strategy '{}' needs a unique_key, e.g. config(unique_key='id')",
                text("incremental_strategy").unwrap_or_default()
            ),
        });
    }
    let how = Incremental {
        strategy,
        unique_key,
        on_schema_change,
        full_refresh,
        is_incremental: false,
        storage: storage(config, path)?,
    };
    dialect
        .check_incremental(&how)
        .map_err(|message| CompileError::Config {
            path: path.to_path_buf(),
            message,
        })?;
    Ok(how)
}

/// Reads a table's `file_format` and `partition_by` (one column or a
/// list), naming the file when one has the wrong shape.
pub(crate) fn storage(config: &NodeConfig, path: &Path) -> Result<Storage> {
    let wrong = |key: &str, expected: &str| CompileError::Config {
        path: path.to_path_buf(),
        message: format!("{key} must be {expected}"),
    };
    let file_format = match config.other.get("file_format") {
        None | Some(serde_yaml::Value::Null) => None,
        Some(serde_yaml::Value::String(format)) => Some(format.to_ascii_lowercase()),
        Some(_) => return Err(wrong("file_format", "a name such as parquet or delta")),
    };
    let partition_by = match config.other.get("partition_by") {
        None | Some(serde_yaml::Value::Null) => Vec::new(),
        Some(serde_yaml::Value::String(column)) => vec![column.clone()],
        Some(serde_yaml::Value::Sequence(columns)) => columns
            .iter()
            .map(|c| c.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or_else(|| wrong("partition_by", "a column name or a list of them"))?,
        Some(_) => return Err(wrong("partition_by", "a column name or a list of them")),
    };
    Ok(Storage {
        file_format,
        partition_by,
    })
}
