//! Node configs: the `models:` / `seeds:` trees of `project.yml`, resolved
//! per file, and the values a model's own `config()` call adds on top.

use std::collections::BTreeMap;
use std::path::Path;

use serde_yaml::Value;

use crate::config::line_of_key;
use crate::error::ProjectError;
use crate::suggest::nearest;
use jgt_core::{InvalidValue, Materialization};

/// Config names jgt understands, as in dbt (`+` prefixed in trees).
pub const CONFIG_KEYS: [&str; 35] = [
    "access",
    "group",
    "materialized",
    "tags",
    "schema",
    "alias",
    "enabled",
    "database",
    "docs",
    "meta",
    "persist_docs",
    "pre-hook",
    "post-hook",
    "full_refresh",
    "unique_key",
    "incremental_strategy",
    "on_schema_change",
    "contract",
    "grants",
    "quoting",
    "column_types",
    "delimiter",
    "quote_columns",
    "severity",
    "pre_hook",
    "post_hook",
    "strategy",
    "updated_at",
    "check_cols",
    "hard_deletes",
    "invalidate_hard_deletes",
    "dbt_valid_to_current",
    "snapshot_meta_column_names",
    "target_schema",
    "target_database",
];

/// The values `access` takes, as in dbt.
pub const ACCESS: [&str; 3] = ["private", "protected", "public"];

/// The resolved config of one node.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeConfig {
    /// `materialized`: view, table, incremental or ephemeral.
    pub materialized: Option<String>,
    /// `tags`: additive down the tree, as in dbt.
    pub tags: Vec<String>,
    /// `schema`: a custom schema, appended to `main` (`main_<schema>`).
    pub schema: Option<String>,
    /// `alias`: the relation's name when it differs from the file's.
    pub alias: Option<String>,
    /// `enabled`: false leaves the node out of the project.
    pub enabled: Option<bool>,
    /// Seeds: column name → DuckDB type, overriding inference.
    pub column_types: BTreeMap<String, String>,
    /// Seeds: the CSV delimiter.
    pub delimiter: Option<String>,
    /// `pre-hook`: SQL run before the node builds; additive down the tree,
    /// then the node's own `config()`, as in dbt.
    pub pre_hook: Vec<HookConfig>,
    /// `post-hook`: SQL run after the node builds; additive like `pre-hook`.
    pub post_hook: Vec<HookConfig>,
    /// Every other config, kept for artifacts and later features.
    pub other: BTreeMap<String, Value>,
}

/// One `pre-hook` or `post-hook` as written: Jinja SQL, rendered when the
/// node runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookConfig {
    /// The hook's Jinja SQL.
    pub sql: String,
    /// `false` for hooks that run outside the node's transaction
    /// (`before_begin`, `after_commit`, `{sql: ..., transaction: false}`).
    pub transaction: bool,
}

impl HookConfig {
    /// Reads a hook value: a string, a `{sql, transaction}` mapping, or a
    /// list of either.
    pub fn parse_list(value: &Value) -> Option<Vec<HookConfig>> {
        match value {
            Value::Sequence(items) => items.iter().map(HookConfig::parse_one).collect(),
            Value::Null => Some(Vec::new()),
            other => HookConfig::parse_one(other).map(|hook| vec![hook]),
        }
    }

    fn parse_one(value: &Value) -> Option<HookConfig> {
        match value {
            Value::Mapping(map) => Some(HookConfig {
                sql: scalar(map.get("sql")?)?,
                transaction: match map.get("transaction") {
                    None | Some(Value::Null) => true,
                    Some(flag) => flag.as_bool()?,
                },
            }),
            other => scalar(other).map(|sql| HookConfig {
                sql,
                transaction: true,
            }),
        }
    }
}

impl NodeConfig {
    /// The materialization, defaulting to `default` when none is set.
    pub fn materialization(&self, default: Materialization) -> Materialization {
        self.materialized
            .as_deref()
            .and_then(Materialization::parse)
            .unwrap_or(default)
    }

    /// `access`: private, protected (the default) or public.
    pub fn access(&self) -> &str {
        self.other
            .get("access")
            .and_then(Value::as_str)
            .unwrap_or("protected")
    }

    /// `group`: the group the node belongs to, if any.
    pub fn group(&self) -> Option<&str> {
        self.other.get("group").and_then(Value::as_str)
    }

    /// Whether the node takes part in the project.
    pub fn is_enabled(&self) -> bool {
        self.enabled.unwrap_or(true)
    }

    /// Sets one config. `key` is without its `+`. Returns a message saying
    /// what is wrong with the value when it has the wrong shape.
    pub fn set(&mut self, key: &str, value: &Value) -> Result<(), InvalidValue> {
        match key {
            "materialized" => {
                let name = value
                    .as_str()
                    .ok_or("expected one of view, table, incremental, ephemeral")?;
                if Materialization::parse(name).is_none() {
                    let hint = nearest(name, Materialization::NAMES)
                        .map(|n| format!(" (did you mean '{n}'?)"))
                        .unwrap_or_default();
                    return Err(format!(
                        "'{name}' is not a materialization{hint}; use one of view, table, incremental, ephemeral"
                    )
                    .into());
                }
                self.materialized = Some(name.to_string());
            }
            "tags" => {
                for tag in string_list(value).ok_or("expected a tag or a list of tags")? {
                    if !self.tags.contains(&tag) {
                        self.tags.push(tag);
                    }
                }
            }
            "schema" => self.schema = Some(scalar(value).ok_or("expected a schema name")?),
            "alias" => self.alias = Some(scalar(value).ok_or("expected a relation name")?),
            "enabled" => self.enabled = Some(value.as_bool().ok_or("expected true or false")?),
            "access" => {
                let access = value.as_str().unwrap_or_default();
                if !ACCESS.contains(&access) {
                    return Err(format!(
                        "'{}' is not an access; use one of private, protected, public",
                        scalar(value).unwrap_or_default()
                    )
                    .into());
                }
                self.other.insert(key.into(), value.clone());
            }
            "delimiter" => {
                self.delimiter = Some(scalar(value).ok_or("expected a one-character delimiter")?)
            }
            "pre-hook" | "pre_hook" | "post-hook" | "post_hook" => {
                let hooks = HookConfig::parse_list(value).ok_or(
                    "expected SQL text, a {sql: ..., transaction: false} mapping, or a list of them",
                )?;
                match key.starts_with("pre") {
                    true => self.pre_hook.extend(hooks),
                    false => self.post_hook.extend(hooks),
                }
            }
            "column_types" => {
                let map = value
                    .as_mapping()
                    .ok_or("expected a mapping of column name to type")?;
                for (column, ty) in map {
                    let (Some(column), Some(ty)) = (scalar(column), scalar(ty)) else {
                        return Err("expected a mapping of column name to type".into());
                    };
                    self.column_types.insert(column, ty);
                }
            }
            other => {
                self.other.insert(other.to_string(), value.clone());
            }
        }
        Ok(())
    }
}

/// A YAML scalar (text, number or boolean) as text; `None` for anything
/// else.
pub fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn string_list(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Sequence(items) => items.iter().map(scalar).collect(),
        other => scalar(other).map(|s| vec![s]),
    }
}

/// A `models:` or `seeds:` tree from `project.yml`, checked once at load.
#[derive(Debug, Clone, Default)]
pub struct ConfigTree {
    root: Value,
    project_name: String,
    /// One warning per config the tree sets that jgt does not apply yet,
    /// with the project file's name and the line.
    pub unapplied: Vec<String>,
}

impl ConfigTree {
    /// Checks every key of `root` (the value under `section`) and keeps it.
    ///
    /// A key is a config when it starts with `+` or is a known config name
    /// holding a scalar; any other key must hold a mapping (a folder or a
    /// node name). Both rules catch typos such as `+materialised`.
    pub fn new(
        path: &Path,
        text: &str,
        section: &str,
        project_name: &str,
        root: Value,
    ) -> Result<Self, ProjectError> {
        let mut unapplied = Vec::new();
        if !root.is_null() {
            check_level(path, text, section, &root)?;
            collect_unapplied(path, text, section, &root, &mut unapplied);
        }
        Ok(ConfigTree {
            root,
            project_name: project_name.to_string(),
            unapplied,
        })
    }

    /// Resolves the config of the node whose file sits at `folders` (below
    /// its model or seed path) with file stem `name`: configs cascade from
    /// the top of the tree down to the deepest matching folder, then the node.
    pub fn resolve(&self, folders: &[String], name: &str) -> NodeConfig {
        let mut config = NodeConfig::default();
        let Some(root) = self.root.as_mapping() else {
            return config;
        };
        apply_level(&mut config, &self.root);
        let start = match root.get(self.project_name.as_str()) {
            Some(project) => {
                apply_level(&mut config, project);
                project
            }
            None => &self.root,
        };
        let mut level = start;
        for step in folders.iter().map(String::as_str).chain([name]) {
            match level.get(step) {
                Some(next) if next.is_mapping() => {
                    apply_level(&mut config, next);
                    level = next;
                }
                _ => break,
            }
        }
        config
    }

    /// Puts this (root project) tree's configs for a node of installed
    /// package `package` on top of `config`, the package's own: the top
    /// level of the tree, then the `<package>:` subtree down the node's
    /// folders, as dbt lets the root project override packages.
    pub fn overlay_package(
        &self,
        mut config: NodeConfig,
        package: &str,
        folders: &[String],
        name: &str,
    ) -> NodeConfig {
        apply_level(&mut config, &self.root);
        let Some(mut level) = self.root.get(package) else {
            return config;
        };
        apply_level(&mut config, level);
        for step in folders.iter().map(String::as_str).chain([name]) {
            match level.get(step) {
                Some(next) if next.is_mapping() => {
                    apply_level(&mut config, next);
                    level = next;
                }
                _ => break,
            }
        }
        config
    }
}

/// Applies the configs written directly at one level of a tree. Values were
/// checked by [`check_level`], so errors cannot happen here.
fn apply_level(config: &mut NodeConfig, level: &Value) {
    let Some(map) = level.as_mapping() else {
        return;
    };
    for (key, value) in map {
        let Some(key) = key.as_str() else { continue };
        if let Some(name) = config_name(key, value) {
            let _ = config.set(name, value);
        }
    }
}

/// The config name a key sets, or `None` when the key is a subtree.
fn config_name<'a>(key: &'a str, value: &Value) -> Option<&'a str> {
    match key.strip_prefix('+') {
        Some(name) => Some(name),
        None if CONFIG_KEYS.contains(&key) && !is_subtree(key, value) => Some(key),
        None => None,
    }
}

/// `column_types` and `meta` hold mappings but are configs, not folders.
fn is_subtree(key: &str, value: &Value) -> bool {
    value.is_mapping()
        && !matches!(
            key,
            "column_types"
                | "meta"
                | "docs"
                | "persist_docs"
                | "grants"
                | "quoting"
                | "contract"
                | "snapshot_meta_column_names"
                | "pre-hook"
                | "post-hook"
                | "pre_hook"
                | "post_hook"
        )
}

/// Finds the configs of a checked tree that jgt does not apply yet.
fn collect_unapplied(path: &Path, text: &str, tree: &str, level: &Value, out: &mut Vec<String>) {
    let Some(map) = level.as_mapping() else {
        return;
    };
    for (key, value) in map {
        let key = key.as_str().unwrap_or_default();
        match config_name(key, value) {
            Some(name) => {
                let asks = crate::keys::asks_for_something(name, value);
                if let Some(why) = crate::keys::unapplied_config(name).filter(|_| asks) {
                    out.push(format!(
                        "{}:{}: '{tree}.{key}': not applied by jgt yet: {why}",
                        path.display(),
                        line_of_key(text, key, 0)
                    ));
                }
            }
            None => collect_unapplied(path, text, &format!("{tree}.{key}"), value, out),
        }
    }
}

/// The error for a config tree's level that is not a mapping of `what`.
pub(crate) fn not_a_level(path: &Path, text: &str, tree: &str, what: &str) -> ProjectError {
    let last = tree.rsplit('.').next().unwrap_or(tree);
    ProjectError::InvalidValue {
        path: path.into(),
        line: line_of_key(text, last, 0),
        key: tree.to_string(),
        message: format!("expected a mapping of {what}"),
    }
}

/// The error for config `key` of a tree whose value is wrong.
pub(crate) fn bad_value(
    path: &Path,
    text: &str,
    tree: &str,
    key: &str,
    message: impl ToString,
) -> ProjectError {
    ProjectError::InvalidValue {
        path: path.into(),
        line: line_of_key(text, key, 0),
        key: format!("{tree}.{key}"),
        message: message.to_string(),
    }
}

fn check_level(path: &Path, text: &str, tree: &str, level: &Value) -> Result<(), ProjectError> {
    let Some(map) = level.as_mapping() else {
        return Err(not_a_level(path, text, tree, "folders and +configs"));
    };
    for (key, value) in map {
        let key = key.as_str().unwrap_or_default();
        match config_name(key, value) {
            Some(name) => {
                let documented = crate::keys::status(crate::keys::NODE_CONFIG, name).is_some();
                if !CONFIG_KEYS.contains(&name) && !documented {
                    return Err(ProjectError::UnknownConfig {
                        path: path.into(),
                        line: line_of_key(text, key, 0),
                        tree: tree.to_string(),
                        key: key.to_string(),
                        suggestion: nearest(name, CONFIG_KEYS).map(|n| format!("+{n}")),
                    });
                }
                NodeConfig::default()
                    .set(name, value)
                    .map_err(|message| bad_value(path, text, tree, key, message))?;
            }
            None if value.is_mapping() => check_level(path, text, &format!("{tree}.{key}"), value)?,
            None => {
                return Err(ProjectError::UnknownConfig {
                    path: path.into(),
                    line: line_of_key(text, key, 0),
                    tree: tree.to_string(),
                    key: key.to_string(),
                    suggestion: nearest(key, CONFIG_KEYS).map(|n| format!("+{n}")),
                })
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(yaml: &str) -> Result<ConfigTree, ProjectError> {
        let value: Value = serde_yaml::from_str(yaml).unwrap();
        ConfigTree::new(Path::new("project.yml"), yaml, "models", "demo", value)
    }

    #[test]
    fn configs_cascade_down_folders() {
        let tree = tree(
            "demo:\n  +materialized: table\n  +tags: [all]\n  staging:\n    +materialized: view\n    +tags: stg\n",
        )
        .unwrap();
        let staged = tree.resolve(&["staging".into()], "stg_users");
        assert_eq!(staged.materialized.as_deref(), Some("view"));
        assert_eq!(staged.tags, ["all", "stg"]);
        let top = tree.resolve(&[], "contacts");
        assert_eq!(top.materialized.as_deref(), Some("table"));
    }

    #[test]
    fn plain_config_names_work_without_plus() {
        let tree = tree("demo:\n  materialized: table\n").unwrap();
        assert_eq!(
            tree.resolve(&[], "m").materialized.as_deref(),
            Some("table")
        );
    }

    #[test]
    fn typos_are_errors_with_a_suggestion() {
        let err = tree("demo:\n  +materialised: table\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown config '+materialised'"), "{err}");
        assert!(err.contains("Did you mean '+materialized'?"), "{err}");
        let err = tree("demo:\n  materialised: table\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("Did you mean '+materialized'?"), "{err}");
    }

    #[test]
    fn bad_materializations_are_errors() {
        let err = tree("demo:\n  +materialized: tabel\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("did you mean 'table'?"), "{err}");
    }
}
