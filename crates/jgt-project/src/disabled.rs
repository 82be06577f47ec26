//! Schema-file `config:` on models and seeds, and the nodes `enabled:
//! false` leaves out. dbt layers a node's configs as the project file's
//! tree, then the schema file's `config:`, then the model's own
//! `config()`; the first two are known here, the third while compiling.

use serde_yaml::Value;

use crate::config::line_of_key;
use crate::error::ProjectError;
use crate::load::Part;
use crate::{DisabledNode, NodeConfig, SchemaEntry};

/// Applies every schema file's `models: [{config: ...}]` and `seeds:
/// [{config: ...}]` to the nodes of its package with that name. A value
/// of the wrong shape is an error naming the file, the line and the key.
pub(crate) fn apply_schema_configs(part: &mut Part) -> Result<(), ProjectError> {
    for entry in &part.schema_files {
        for properties in &entry.file.models {
            let config = with_top_level(properties);
            let Some(config) = &config else {
                continue;
            };
            let targets = part
                .models
                .iter_mut()
                .filter(|m| !m.snapshot && m.package == entry.package && m.name == properties.name)
                .map(|m| &mut m.config);
            apply(entry, "models", &properties.name, config, targets)?;
        }
        for properties in &entry.file.snapshots {
            let Some(config) = &properties.node.config else {
                continue;
            };
            let name = &properties.node.name;
            let targets = part
                .models
                .iter_mut()
                .filter(|m| m.snapshot && m.package == entry.package && &m.name == name)
                .map(|m| &mut m.config);
            apply(entry, "snapshots", name, config, targets)?;
        }
        for properties in &entry.file.seeds {
            let config = with_top_level(properties);
            let Some(config) = &config else {
                continue;
            };
            let targets = part
                .seeds
                .iter_mut()
                .filter(|s| s.package == entry.package && s.name == properties.name)
                .map(|s| &mut s.config);
            apply(entry, "seeds", &properties.name, config, targets)?;
        }
    }
    Ok(())
}

/// A model's `config:` with the older top-level `access:` and `group:`
/// under it (the `config:` entries win).
fn with_top_level(properties: &crate::NodeProperties) -> Option<Value> {
    let top = [
        ("access", &properties.access),
        ("group", &properties.group),
        ("tags", &properties.tags),
        ("meta", &properties.meta),
        ("docs", &properties.docs),
    ];
    if top.iter().all(|(_, value)| value.is_none()) {
        return properties.config.clone();
    }
    let mut map = serde_yaml::Mapping::new();
    for (key, value) in top {
        if let Some(value) = value {
            map.insert(key.into(), value.clone());
        }
    }
    if let Some(Value::Mapping(config)) = &properties.config {
        map.extend(config.clone());
    }
    Some(Value::Mapping(map))
}

/// Sets the configs of one `config:` mapping on each of `targets`.
fn apply<'a>(
    entry: &SchemaEntry,
    section: &str,
    name: &str,
    config: &Value,
    targets: impl Iterator<Item = &'a mut NodeConfig>,
) -> Result<(), ProjectError> {
    let at = entry_line(&entry.text, name);
    let invalid = |key: &str, message: String| ProjectError::InvalidValue {
        path: entry.path.clone(),
        line: line_of_key(&entry.text, key, at.saturating_sub(1)).max(at),
        key: format!("{section}.{name}.config.{key}"),
        message,
    };
    let Some(map) = config.as_mapping() else {
        return Err(invalid(
            "config",
            "expected a mapping of configs ({materialized: table})".into(),
        ));
    };
    let pairs: Vec<(&str, &Value)> = map
        .iter()
        .filter_map(|(key, value)| Some((key.as_str()?, value)))
        .collect();
    for target in targets {
        for (key, value) in &pairs {
            target
                .set(key, value)
                .map_err(|message| invalid(key, message.to_string()))?;
        }
    }
    Ok(())
}

/// The 1-based line of the list entry `- name: <name>` (0 when unknown).
pub(crate) fn entry_line(text: &str, name: &str) -> usize {
    text.lines()
        .position(|line| names_entry(line, name))
        .map_or(0, |n| n + 1)
}

/// Whether a YAML line is `name: <name>` (quoted or not, maybe a list item).
pub(crate) fn names_entry(line: &str, name: &str) -> bool {
    let line = line.trim_start().trim_start_matches("- ").trim();
    line.strip_prefix("name:")
        .is_some_and(|value| value.trim().trim_matches(['"', '\'']) == name)
}

/// Takes the disabled models and seeds out of `part`, returning them.
pub(crate) fn split_disabled(part: &mut Part) -> Vec<DisabledNode> {
    let mut disabled = Vec::new();
    part.models.retain(|model| {
        let keep = model.config.is_enabled();
        if !keep {
            disabled.push(DisabledNode {
                kind: "model",
                package: model.package.clone(),
                name: model.name.clone(),
                path: model.path.clone(),
            });
        }
        keep
    });
    part.seeds.retain(|seed| {
        let keep = seed.config.is_enabled();
        if !keep {
            disabled.push(DisabledNode {
                kind: "seed",
                package: seed.package.clone(),
                name: seed.name.clone(),
                path: seed.path.clone(),
            });
        }
        keep
    });
    disabled
}

#[cfg(test)]
mod tests {
    use super::entry_line;

    #[test]
    fn entries_are_found_by_their_name_line() {
        let text = "models:\n  - name: a\n  - name: 'b'\n    config: {}\n";
        assert_eq!(entry_line(text, "a"), 2);
        assert_eq!(entry_line(text, "b"), 3);
        assert_eq!(entry_line(text, "c"), 0);
    }
}
