//! `project.yml`: the keys jgt reads, with dbt's spelling, and strict checking.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::ProjectError;
use crate::suggest::nearest;

/// Keys a `project.yml` may hold. The dbt keys that do not change what jgt
/// does (`version`, `profile`, ...) are accepted so a `dbt_project.yml` reads.
pub const PROJECT_KEYS: &[&str] = &[
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
    "dispatch",
    "on-run-start",
    "on-run-end",
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
    /// Folders `jgt clean` deletes (empty: the target folder).
    #[serde(default)]
    pub clean_targets: Vec<String>,
    /// Variables for `var()`.
    #[serde(default)]
    pub vars: BTreeMap<String, serde_yaml::Value>,
    /// The folder-level model config tree.
    #[serde(default)]
    pub models: serde_yaml::Value,
    /// The seed config tree.
    #[serde(default)]
    pub seeds: serde_yaml::Value,
    /// The profile to read from `profiles.yml`.
    #[serde(default)]
    pub profile: Option<String>,
    /// Where `adapter.dispatch` looks for each macro namespace.
    #[serde(default)]
    pub dispatch: Vec<DispatchConfig>,
    /// SQL run before the first node (`on-run-start`), as Jinja.
    #[serde(default, deserialize_with = "one_or_many")]
    pub on_run_start: Vec<String>,
    /// SQL run after the last node (`on-run-end`), as Jinja.
    #[serde(default, deserialize_with = "one_or_many")]
    pub on_run_end: Vec<String>,
}

/// One entry of `dispatch:`: the packages searched, in order, for the
/// macros `adapter.dispatch(name, macro_namespace)` finds.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DispatchConfig {
    /// The namespace the dispatching macro names (`dbt_utils`).
    pub macro_namespace: String,
    /// Packages to search, first match wins (`[my_project, dbt_utils]`).
    pub search_order: Vec<String>,
}

/// dbt accepts a hook as one string or a list of them.
fn one_or_many<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(de)? {
        None => Vec::new(),
        Some(OneOrMany::One(one)) => vec![one],
        Some(OneOrMany::Many(many)) => many,
    })
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
                    suggestion: nearest(key, PROJECT_KEYS.iter().copied()),
                    valid: PROJECT_KEYS.join(", "),
                });
            }
        }
        if !map.contains_key("name") {
            return Err(ProjectError::Yaml {
                path: path.into(),
                line: 1,
                column: 1,
                message: "the project has no 'name': add a line such as `name: my_project`".into(),
            });
        }
        // Parsed again from the text, not the value: errors then carry the
        // line and column of the offending value.
        let config: ProjectConfig =
            serde_yaml::from_str(text).map_err(|err| value_error(path, text, &err))?;
        config.check_paths(path, text)?;
        Ok(config)
    }

    /// Refuses a model, seed, macro or test path outside the project
    /// folder: jgt reads and writes below the project only, and a path
    /// like `../data` would make a build depend on (or write next to)
    /// files nobody reviews with the project.
    fn check_paths(&self, path: &Path, text: &str) -> Result<(), ProjectError> {
        let keys = [
            ("model-paths", &self.model_paths),
            ("seed-paths", &self.seed_paths),
            ("macro-paths", &self.macro_paths),
            ("test-paths", &self.test_paths),
        ];
        for (key, entries) in keys {
            for entry in entries {
                if !inside_project(Path::new(entry)) {
                    return Err(ProjectError::Yaml {
                        path: path.into(),
                        line: line_of_key(text, key, 0).max(1),
                        column: 1,
                        message: format!(
                            "{key} entry '{entry}' is outside the project folder: \
                             use a folder inside the project (relative, without '..')"
                        ),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Whether a relative path stays inside the folder it is relative to.
fn inside_project(path: &Path) -> bool {
    use std::path::Component;
    let mut depth = 0usize;
    for component in path.components() {
        match component {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir if depth > 0 => depth -= 1,
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

/// A value of the wrong type in `project.yml`, named by its key and line.
fn value_error(path: &Path, text: &str, err: &serde_yaml::Error) -> ProjectError {
    let message = err.to_string();
    let message = message
        .rfind(" at line ")
        .map_or(message.as_str(), |at| &message[..at]);
    // serde_yaml says `key: what is wrong` for a top-level key.
    let key = message
        .split_once(": ")
        .map(|(key, _)| key)
        .filter(|key| PROJECT_KEYS.contains(key));
    let (line, column) = err
        .location()
        .map(|l| (l.line(), l.column()))
        .or_else(|| key.map(|k| (line_of_key(text, k, 0), 1)))
        .unwrap_or((1, 1));
    let message = match key {
        Some(key) => format!("invalid value for '{key}': {}", &message[key.len() + 2..]),
        None => message.to_string(),
    };
    ProjectError::Yaml {
        path: path.into(),
        line: line.max(1),
        column: column.max(1),
        message,
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
    fn a_value_of_the_wrong_type_names_its_key_and_line() {
        let text = "name: demo\nmodel-paths: models\n";
        let err = ProjectConfig::parse(Path::new("project.yml"), text).unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with("project.yml:2:"), "{message}");
        assert!(message.contains("'model-paths'"), "{message}");
    }

    #[test]
    fn paths_outside_the_project_are_refused() {
        for entry in ["../data", "/etc", "seeds/../../x"] {
            let text = format!("name: demo\nseed-paths: ['{entry}']\n");
            let err = ProjectConfig::parse(Path::new("project.yml"), &text).unwrap_err();
            let message = err.to_string();
            assert!(
                message.starts_with("project.yml:2:1: seed-paths entry"),
                "{message}"
            );
        }
        let ok = "name: demo\nseed-paths: ['data/../seeds', './csv']\n";
        assert!(ProjectConfig::parse(Path::new("project.yml"), ok).is_ok());
    }

    #[test]
    fn a_missing_name_is_named() {
        let err = ProjectConfig::parse(Path::new("project.yml"), "vars: {}\n").unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with("project.yml:1:1: the project has no 'name'"),
            "{message}"
        );
    }

    #[test]
    fn yaml_errors_carry_line_and_column() {
        let err = ProjectConfig::parse(Path::new("p.yml"), "name: [demo\n").unwrap_err();
        assert!(matches!(err, ProjectError::Yaml { line: 2.., .. }), "{err}");
    }
}
