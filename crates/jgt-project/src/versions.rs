//! Model versions, as dbt declares them in schema files:
//!
//! ```yaml
//! models:
//!   - name: dim_customers
//!     latest_version: 2
//!     versions:
//!       - v: 1                       # file dim_customers_v1.sql
//!       - v: 2
//!         defined_in: customers_now  # file customers_now.sql
//! ```
//!
//! Each version is a model of its own, named (and by default built as)
//! `<name>_v<v>`, with the model's properties and the version's own on
//! top. `ref('dim_customers')` resolves to the latest version,
//! `ref('dim_customers', v=1)` to version 1.

use std::collections::BTreeMap;

use serde_yaml::{Mapping, Value};

use crate::config::line_of_key;
use crate::disabled::entry_line;
use crate::error::ProjectError;
use crate::load::Part;
use crate::schema::{ColumnProperties, NodeProperties, VersionProperties};
use crate::SchemaEntry;

/// A versioned model: where `ref(name)` and `ref(name, v=...)` go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionedModel {
    /// The project or installed package it belongs to.
    pub package: String,
    /// The model's name as `ref()` names it (`dim_customers`).
    pub name: String,
    /// The version `ref(name)` resolves to.
    pub latest: String,
    /// Each version, as written (`"2"`), with the node that builds it
    /// (`dim_customers_v2`).
    pub nodes: BTreeMap<String, String>,
}

/// Replaces each versioned model entry of the schema files with one entry
/// per version, and renames each version's model file to its node name.
pub(crate) fn expand(part: &mut Part) -> Result<Vec<VersionedModel>, ProjectError> {
    let mut found = Vec::new();
    for index in 0..part.schema_files.len() {
        let entry = &part.schema_files[index];
        // Most files version nothing: they stay as they are, uncopied.
        if entry.file.models.iter().all(|p| p.versions.is_empty()) {
            continue;
        }
        let mut expanded = Vec::new();
        let mut versioned = Vec::new();
        for properties in &entry.file.models {
            if properties.versions.is_empty() {
                expanded.push(properties.clone());
                continue;
            }
            let model = versions_of(entry, properties)?;
            for version in &properties.versions {
                expanded.push(version_properties(entry, properties, version)?);
            }
            versioned.push(model);
        }
        for model in &versioned {
            rename_files(part, index, model)?;
        }
        part.schema_files[index].file.models = expanded;
        found.extend(versioned);
    }
    Ok(found)
}

/// The versions one entry declares, and its latest.
fn versions_of(
    entry: &SchemaEntry,
    properties: &NodeProperties,
) -> Result<VersionedModel, ProjectError> {
    let name = &properties.name;
    let mut nodes = BTreeMap::new();
    for version in &properties.versions {
        let v = version_text(entry, name, &version.v, "versions")?;
        let node = format!("{name}_v{}", v.replace('.', "_"));
        if nodes.insert(v.clone(), node).is_some() {
            return Err(invalid(
                entry,
                name,
                "versions",
                format!("version {v} is declared twice"),
            ));
        }
    }
    let latest = match &properties.latest_version {
        Some(value) => version_text(entry, name, value, "latest_version")?,
        None => highest(nodes.keys()),
    };
    if !nodes.contains_key(&latest) {
        return Err(invalid(
            entry,
            name,
            "latest_version",
            format!(
                "latest_version {latest} is not among the versions ({})",
                listed(&nodes)
            ),
        ));
    }
    Ok(VersionedModel {
        package: entry.package.clone(),
        name: name.clone(),
        latest,
        nodes,
    })
}

/// The versions of a model as a message lists them: `1, 2, 3`.
pub(crate) fn listed(nodes: &BTreeMap<String, String>) -> String {
    nodes.keys().cloned().collect::<Vec<_>>().join(", ")
}

/// The highest version: compared as numbers when they are numbers.
fn highest<'a>(versions: impl Iterator<Item = &'a String>) -> String {
    versions
        .max_by(|a, b| match (a.parse::<f64>(), b.parse::<f64>()) {
            (Ok(a), Ok(b)) => a.total_cmp(&b),
            _ => a.cmp(b),
        })
        .cloned()
        .unwrap_or_default()
}

/// A version value as text: `2`, `"2"` and `2.0`... as written.
pub fn version_value(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

fn version_text(
    entry: &SchemaEntry,
    name: &str,
    value: &Value,
    key: &str,
) -> Result<String, ProjectError> {
    version_value(value).ok_or_else(|| {
        invalid(
            entry,
            name,
            key,
            "expected a version number such as 2".into(),
        )
    })
}

fn invalid(entry: &SchemaEntry, name: &str, key: &str, message: String) -> ProjectError {
    let at = entry_line(&entry.text, name);
    ProjectError::InvalidValue {
        path: entry.path.clone(),
        line: line_of_key(&entry.text, key, at.saturating_sub(1)).max(at),
        key: format!("models.{name}.{key}"),
        message,
    }
}

/// One version's properties: the model's, with the version's on top.
fn version_properties(
    entry: &SchemaEntry,
    model: &NodeProperties,
    version: &VersionProperties,
) -> Result<NodeProperties, ProjectError> {
    let v = version_text(entry, &model.name, &version.v, "versions")?;
    let mut tests = model.data_tests.clone();
    tests.extend(version.data_tests.iter().cloned());
    Ok(NodeProperties {
        name: format!("{}_v{}", model.name, v.replace('.', "_")),
        description: version.description.clone().or(model.description.clone()),
        config: merged_config(&model.config, &version.config),
        columns: version_columns(entry, model, version)?,
        data_tests: tests,
        ..NodeProperties::default()
    })
}

/// The model's `config:` with the version's over it; tags add up.
fn merged_config(model: &Option<Value>, version: &Option<Value>) -> Option<Value> {
    let (model, version) = match (model, version) {
        (None, None) => return None,
        (Some(one), None) | (None, Some(one)) => return Some(one.clone()),
        (Some(model), Some(version)) => (model, version),
    };
    let (Some(model), Some(version)) = (model.as_mapping(), version.as_mapping()) else {
        return Some(version.clone());
    };
    let mut merged: Mapping = model.clone();
    for (key, value) in version {
        let tags = key.as_str() == Some("tags");
        match merged.get_mut(key) {
            Some(Value::Sequence(old)) if tags => {
                if let Value::Sequence(new) = value {
                    old.extend(new.iter().cloned());
                } else {
                    old.push(value.clone());
                }
            }
            _ => {
                merged.insert(key.clone(), value.clone());
            }
        }
    }
    Some(Value::Mapping(merged))
}

/// A version's columns: all the model's when it lists none; else the
/// `include`/`exclude` picks from the model's and its own columns.
fn version_columns(
    entry: &SchemaEntry,
    model: &NodeProperties,
    version: &VersionProperties,
) -> Result<Vec<ColumnProperties>, ProjectError> {
    if version.columns.is_empty() {
        return Ok(model.columns.clone());
    }
    let mut columns = Vec::new();
    for item in &version.columns {
        if item.get("include").is_some() || item.get("exclude").is_some() {
            columns.extend(picked(entry, model, item)?);
            continue;
        }
        let column: ColumnProperties = serde_yaml::from_value(item.clone()).map_err(|err| {
            invalid(
                entry,
                &model.name,
                "columns",
                format!("a version's column: {err}"),
            )
        })?;
        columns.retain(|c: &ColumnProperties| c.name != column.name);
        columns.push(column);
    }
    Ok(columns)
}

/// The model's columns an `{include, exclude}` entry picks.
fn picked(
    entry: &SchemaEntry,
    model: &NodeProperties,
    item: &Value,
) -> Result<Vec<ColumnProperties>, ProjectError> {
    let names = |key: &str| -> Result<Option<Vec<String>>, ProjectError> {
        match item.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(all)) if all == "all" || all == "*" => Ok(None),
            Some(Value::Sequence(items)) => Ok(Some(
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect(),
            )),
            Some(_) => Err(invalid(
                entry,
                &model.name,
                key,
                format!("'{key}' takes 'all', '*' or a list of column names"),
            )),
        }
    };
    let include = names("include")?;
    let exclude = names("exclude")?.unwrap_or_default();
    Ok(model
        .columns
        .iter()
        .filter(|c| include.as_ref().is_none_or(|names| names.contains(&c.name)))
        .filter(|c| !exclude.contains(&c.name))
        .cloned()
        .collect())
}

/// Renames each version's model file (`<name>_v<v>.sql` or its
/// `defined_in`) to the version's node name; a version without a file is
/// an error naming the file it looked for.
fn rename_files(part: &mut Part, index: usize, model: &VersionedModel) -> Result<(), ProjectError> {
    let entry = &part.schema_files[index];
    let properties = entry
        .file
        .models
        .iter()
        .find(|p| p.name == model.name && !p.versions.is_empty());
    let Some(properties) = properties else {
        return Ok(());
    };
    for version in &properties.versions {
        let v = version_text(entry, &model.name, &version.v, "versions")?;
        let node = &model.nodes[&v];
        let stem = version.defined_in.clone().unwrap_or_else(|| node.clone());
        let file = part
            .models
            .iter_mut()
            .find(|m| m.package == model.package && m.name == stem);
        match file {
            Some(file) => file.name = node.clone(),
            None => {
                return Err(invalid(
                    entry,
                    &model.name,
                    "versions",
                    format!(
                    "version {v} has no model file: expected {stem}.sql under the model paths{}",
                    if version.defined_in.is_some() {
                        " (its defined_in)"
                    } else {
                        " (or set defined_in: to the file's name)"
                    }
                ),
                ))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_version_is_the_highest_number() {
        let versions = ["2", "10", "9"].map(String::from);
        assert_eq!(highest(versions.iter()), "10");
    }

    #[test]
    fn a_version_config_goes_over_the_models_and_adds_tags() {
        let model: Value = serde_yaml::from_str("{materialized: table, tags: [a]}").unwrap();
        let version: Value = serde_yaml::from_str("{materialized: view, tags: [b]}").unwrap();
        let merged = merged_config(&Some(model), &Some(version)).unwrap();
        assert_eq!(merged["materialized"], Value::from("view"));
        assert_eq!(
            merged["tags"],
            serde_yaml::from_str::<Value>("[a, b]").unwrap()
        );
    }
}
