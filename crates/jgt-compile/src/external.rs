//! An `external` model's configs, read and checked: `location` (or
//! `<external_root>/<name>.<format>`), `format` (from the location's
//! extension, else `parquet`), `partition_by`, `delimiter` and `options`.

use std::path::Path;

use jgt_core::External;
use jgt_project::{scalar, NodeConfig, Project};
use serde_yaml::Value;

use crate::error::CompileError;

/// Reads an external model's configs; `name` is its relation's name.
pub(crate) fn spec(
    project: &Project,
    config: &NodeConfig,
    path: &Path,
    name: &str,
) -> Result<External, CompileError> {
    let fail = |message: String| CompileError::Config {
        path: path.to_path_buf(),
        message,
    };
    let text = |key: &str| config.other.get(key).and_then(scalar);
    let location = text("location");
    let format = match text("format") {
        Some(format) => format.to_lowercase(),
        None => location
            .as_deref()
            .and_then(|l| Path::new(l).extension())
            .map(|e| e.to_string_lossy().to_lowercase())
            .filter(|e| ["csv", "parquet", "json"].contains(&e.as_str()))
            .unwrap_or_else(|| "parquet".into()),
    };
    if !["csv", "parquet", "json"].contains(&format.as_str()) {
        return Err(fail(format!(
            "external format '{format}' is not one of csv, parquet, json"
        )));
    }
    let location = location.unwrap_or_else(|| {
        let root = project
            .profile
            .as_ref()
            .and_then(|p| p.external_root.clone())
            .unwrap_or_else(|| ".".into());
        format!("{root}/{name}.{format}")
    });
    let partition_by = match config.other.get("partition_by") {
        Some(Value::Sequence(columns)) => columns.iter().filter_map(scalar).collect(),
        Some(other) => scalar(other)
            .map(|c| c.split(',').map(|p| p.trim().to_string()).collect())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let mut options = Vec::new();
    if let Some(delimiter) = text("delimiter") {
        options.push(("delimiter".to_string(), literal(&delimiter)));
    }
    if let Some(map) = config.other.get("options").and_then(Value::as_mapping) {
        for (key, value) in map {
            let (Some(key), Some(value)) = (key.as_str(), scalar(value)) else {
                continue;
            };
            if !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(fail(format!("external option '{key}' is not a plain name")));
            }
            let value = match value.parse::<f64>() {
                Ok(_) => value,
                Err(_) => literal(&value),
            };
            options.push((key.to_string(), value));
        }
    }
    if let Some(key) = ["glue_register", "plugin"]
        .into_iter()
        .find(|key| config.other.contains_key(*key))
    {
        return Err(fail(format!(
            "external config '{key}' is not supported by jgt (it needs a dbt-duckdb plugin); remove it"
        )));
    }
    // Absolute, so the view over the file reads it from any folder.
    let location = project.root.join(location);
    let location = std::path::absolute(&location).unwrap_or(location);
    Ok(External {
        location,
        format,
        partition_by,
        options,
    })
}

fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}
