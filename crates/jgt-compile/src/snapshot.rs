//! A snapshot's configs, read and checked: `strategy`, `unique_key`,
//! `updated_at`, `check_cols`, `hard_deletes` (and the older
//! `invalidate_hard_deletes`), `dbt_valid_to_current` and
//! `snapshot_meta_column_names`.

use std::path::Path;

use jgt_core::{HardDeletes, Snapshot, SnapshotColumns, SnapshotStrategy};
use jgt_project::{scalar, NodeConfig};
use serde_yaml::Value;

use crate::error::CompileError;

type Result<T> = std::result::Result<T, CompileError>;

/// Reads a snapshot's configs, naming the file when one is missing or wrong.
pub(crate) fn spec(config: &NodeConfig, path: &Path) -> Result<Snapshot> {
    let fail = |message: String| CompileError::Config {
        path: path.to_path_buf(),
        message,
    };
    let text = |key: &str| config.other.get(key).and_then(scalar);
    let unique_key = match config.other.get("unique_key") {
        Some(Value::Sequence(keys)) => keys.iter().filter_map(scalar).collect(),
        Some(other) => scalar(other).into_iter().collect(),
        None => Vec::new(),
    };
    if unique_key.is_empty() {
        return Err(fail(
            "a snapshot needs a unique_key: config(unique_key='id') or a list of columns".into(),
        ));
    }
    let strategy = match text("strategy").as_deref() {
        Some("timestamp") => SnapshotStrategy::Timestamp {
            updated_at: text("updated_at").ok_or_else(|| {
                fail("the timestamp strategy needs updated_at: the column holding each row's last change".into())
            })?,
        },
        Some("check") => SnapshotStrategy::Check {
            columns: check_cols(config.other.get("check_cols")).map_err(fail)?,
            updated_at: text("updated_at"),
        },
        Some(other) => {
            return Err(fail(format!(
                "snapshot strategy '{other}' is not supported: use timestamp or check (custom strategy macros are not supported yet)"
            )))
        }
        None => {
            return Err(fail(
                "a snapshot needs a strategy: config(strategy='timestamp', updated_at='...') or config(strategy='check', check_cols=[...])".into(),
            ))
        }
    };
    Ok(Snapshot {
        strategy,
        unique_key,
        hard_deletes: hard_deletes(config).map_err(fail)?,
        valid_to_current: text("dbt_valid_to_current"),
        columns: meta_columns(config.other.get("snapshot_meta_column_names")).map_err(fail)?,
    })
}

/// `check_cols`: `all` (`None`) or a list of columns.
fn check_cols(value: Option<&Value>) -> std::result::Result<Option<Vec<String>>, String> {
    match value {
        Some(Value::String(all)) if all == "all" => Ok(None),
        Some(Value::Sequence(columns)) if !columns.is_empty() => {
            Ok(Some(columns.iter().filter_map(scalar).collect()))
        }
        _ => Err("the check strategy needs check_cols: 'all' or a list of columns".into()),
    }
}

/// `hard_deletes`, or the older `invalidate_hard_deletes: true`.
fn hard_deletes(config: &NodeConfig) -> std::result::Result<HardDeletes, String> {
    if let Some(value) = config.other.get("hard_deletes") {
        let name = scalar(value).unwrap_or_default();
        return HardDeletes::parse(&name).ok_or(format!(
            "hard_deletes '{name}' is not one of ignore, invalidate, new_record"
        ));
    }
    Ok(
        match config
            .other
            .get("invalidate_hard_deletes")
            .and_then(Value::as_bool)
        {
            Some(true) => HardDeletes::Invalidate,
            _ => HardDeletes::Ignore,
        },
    )
}

/// `snapshot_meta_column_names`: new names for the added columns.
fn meta_columns(value: Option<&Value>) -> std::result::Result<SnapshotColumns, String> {
    let mut columns = SnapshotColumns::default();
    let Some(map) = value.and_then(Value::as_mapping) else {
        return Ok(columns);
    };
    for (key, name) in map {
        let (Some(key), Some(name)) = (key.as_str(), scalar(name)) else {
            continue;
        };
        let slot = match key {
            "dbt_valid_from" => &mut columns.valid_from,
            "dbt_valid_to" => &mut columns.valid_to,
            "dbt_scd_id" => &mut columns.scd_id,
            "dbt_updated_at" => &mut columns.updated_at,
            "dbt_is_deleted" => &mut columns.is_deleted,
            other => {
                return Err(format!(
                    "snapshot_meta_column_names: '{other}' is not one of dbt_valid_from, dbt_valid_to, dbt_scd_id, dbt_updated_at, dbt_is_deleted"
                ))
            }
        };
        *slot = name;
    }
    Ok(columns)
}
