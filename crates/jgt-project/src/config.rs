//! `project.yml`: the keys jgt reads, with dbt's spelling, and strict checking.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::ProjectError;
use crate::suggest::nearest;

/// Keys a `project.yml` may hold. The dbt keys that do not change what jgt
/// does (`version`, `profile`, ...) are accepted so a `dbt_project.yml` reads.
pub const PROJECT_KEYS: [&str; 15] = [
    "name",
    "version",
    "config-version",
    "profile",
    "require-dbt-version",
    "database",
    "model-paths",
    "macro-paths",
    "seed-paths",
    "test-paths",
    "target-path",
    "clean-targets",
    "vars",
    "models",
    "seeds",
];

/// The parsed `project.yml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ProjectConfig {
    /// The project's name; the top of the `models:` tree may repeat it.
    pub name: String,
    /// The DuckDB file, relative to the project folder.
    #[serde(default = "default_database")]
    pub database: String,
    /// Folders holding models and schema files.
    #[serde(default = "default_models")]
    pub model_paths: Vec<String>,
    /// Folders holding `{% macro %}` files.
    #[serde(default = "default_macros")]
    pub macro_paths: Vec<String>,
    /// Folders holding seed CSV files.
    #[serde(default = "default_seeds")]
    pub seed_paths: Vec<String>,
    /// Folders holding singular data tests.
    #[serde(default = "default_tests")]
    pub test_paths: Vec<String>,
    /// Where compiled SQL and artifacts go.
    #[serde(default = "default_target")]
    pub target_path: String,
    /// Variables for `var()`.
    #[serde(default)]
    pub vars: BTreeMap<String, serde_yaml::Value>,
    /// The folder-level model config tree.
    #[serde(default)]
    pub models: serde_yaml::Value,
    /// The seed config tree.
    #[serde(default)]
    pub seeds: serde_yaml::Value,
}

fn default_database() -> String {
    "target/jgt.duckdb".into()
}
fn default_models() -> Vec<String> {
    vec!["models".into()]
}
fn default_macros() -> Vec<String> {
    vec!["macros".into()]
}
fn default_seeds() -> Vec<String> {
    vec!["seeds".into()]
}
fn default_tests() -> Vec<String> {
    vec!["tests".into()]
}
fn default_target() -> String {
    "target".into()
}

impl ProjectConfig {
    /// Parses the text of `project.yml` found at `path`, rejecting unknown
    /// top-level keys with the nearest valid one.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ProjectError> {
        let value: serde_yaml::Value =
            serde_yaml::from_str(text).map_err(|err| ProjectError::yaml(path, &err))?;
        let Some(map) = value.as_mapping() else {
            return Err(ProjectError::Yaml {
                path: path.into(),
                line: 1,
                column: 1,
                message: "project.yml must be a mapping of keys to values (name: ..., models: ...)"
                    .into(),
            });
        };
        for key in map.keys() {
            let key = key.as_str().unwrap_or_default();
            if !PROJECT_KEYS.contains(&key) {
                return Err(ProjectError::UnknownKey {
                    path: path.into(),
                    line: line_of_key(text, key, 0),
                    key: key.to_string(),
                    suggestion: nearest(key, PROJECT_KEYS),
                    valid: PROJECT_KEYS.join(", "),
                });
            }
        }
        serde_yaml::from_value(value).map_err(|err| ProjectError::Yaml {
            path: path.into(),
            line: 0,
            column: 0,
            message: err.to_string(),
        })
    }
}

/// Finds the 1-based line where `key:` is written at or after `from_line`
/// (0-based); 0 when it cannot be found. serde_yaml's values carry no
/// positions, so messages about keys find them in the text.
pub fn line_of_key(text: &str, key: &str, from_line: usize) -> usize {
    let plain = format!("{key}:");
    let quoted = format!("\"{key}\":");
    let single = format!("'{key}':");
    text.lines()
        .enumerate()
        .skip(from_line)
        .find(|(_, line)| {
            let line = line.trim_start().trim_start_matches("- ");
            line.starts_with(&plain) || line.starts_with(&quoted) || line.starts_with(&single)
        })
        .map(|(n, _)| n + 1)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_mirror_dbt() {
        let config = ProjectConfig::parse(Path::new("project.yml"), "name: demo\n").unwrap();
        assert_eq!(config.model_paths, ["models"]);
        assert_eq!(config.database, "target/jgt.duckdb");
        assert_eq!(config.target_path, "target");
    }

    #[test]
    fn unknown_keys_name_the_nearest_valid_one() {
        let text = "name: demo\nmodel-path: [models]\n";
        let err = ProjectConfig::parse(Path::new("project.yml"), text).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("project.yml:2: unknown key 'model-path'"),
            "{message}"
        );
        assert!(message.contains("Did you mean 'model-paths'?"), "{message}");
    }

    #[test]
    fn yaml_errors_carry_line_and_column() {
        let err = ProjectConfig::parse(Path::new("p.yml"), "name: [demo\n").unwrap_err();
        assert!(matches!(err, ProjectError::Yaml { line: 2.., .. }), "{err}");
    }
}
