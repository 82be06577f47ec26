//! An incremental model's configs, read and checked.

use std::path::Path;

use jgt_core::{Incremental, SchemaChange, Strategy};
use jgt_project::NodeConfig;

use crate::error::CompileError;

type Result<T> = std::result::Result<T, CompileError>;

/// Reads an incremental model's `incremental_strategy`, `unique_key` and
/// `on_schema_change`, naming the file when one is wrong.
pub(crate) fn spec(config: &NodeConfig, path: &Path, full_refresh: bool) -> Result<Incremental> {
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
                "incremental_strategy '{name}' is not one of append, delete+insert, merge"
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
    if strategy != Strategy::Append && unique_key.is_empty() {
        return Err(CompileError::Config {
            path: path.to_path_buf(),
            message: format!(
                "incremental_strategy '{}' needs a unique_key, e.g. config(unique_key='id')",
                text("incremental_strategy").unwrap_or_default()
            ),
        });
    }
    Ok(Incremental {
        strategy,
        unique_key,
        on_schema_change,
        full_refresh,
        is_incremental: false,
    })
}
