//! `project.yml`: the keys jgt reads, with dbt's spelling, and strict checking.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::ProjectError;
use crate::suggest::nearest;

/// Keys a `project.yml` or `dbt_project.yml` may hold: every top-level key
/// dbt 1.10 to 1.12 accepts, plus jgt's own `database`. Keys that only
/// concern dbt Cloud, docs or logging are accepted and have no effect;
/// keys that would change what dbt builds are checked by
/// [`ProjectConfig::check_unsupported`].
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
    "analysis-paths",
    "snapshot-paths",
    "docs-paths",
    "asset-paths",
    "function-paths",
    "target-path",
    "log-path",
    "packages-install-path",
    "clean-targets",
    "query-comment",
    "quoting",
    "vars",
    "models",
    "seeds",
    "snapshots",
    "analyses",
    "sources",
    "tests",
    "data_tests",
    "unit_tests",
    "metrics",
    "semantic-models",
    "saved-queries",
    "exposures",
    "functions",
    "dispatch",
    "on-run-start",
    "on-run-end",
    "packages",
    "flags",
    "dbt-cloud",
    "restrict-access",
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
    /// Folders holding analyses (not built; read by nothing yet).
    #[serde(default = "default_analyses")]
    pub analysis_paths: Vec<String>,
    /// Folders holding snapshots (`{% snapshot %}` blocks).
    #[serde(default = "default_snapshots")]
    pub snapshot_paths: Vec<String>,
    /// Where `jgt deps` installs packages, and where jgt reads them from.
    #[serde(default = "default_packages_install")]
    pub packages_install_path: String,
    /// Folders `clean` removes.
    #[serde(default = "default_clean")]
    pub clean_targets: Vec<String>,
    /// dbt's identifier quoting switches; jgt always quotes.
    #[serde(default)]
    pub quoting: BTreeMap<String, serde_yaml::Value>,
    /// Packages listed in the project file itself (dbt 1.8+ allows it).
    #[serde(default)]
    pub packages: Vec<serde_yaml::Value>,
    /// The `data_tests:` (or older `tests:`) config tree.
    #[serde(default, rename = "data_tests")]
    pub data_tests: serde_yaml::Value,
    /// The deprecated spelling of `data_tests:`.
    #[serde(default)]
    pub tests: serde_yaml::Value,
    /// The `sources:` config tree.
    #[serde(default)]
    pub sources: serde_yaml::Value,
    /// The `snapshots:` config tree.
    #[serde(default)]
    pub snapshots: serde_yaml::Value,
    /// Variables for `var()`.
    #[serde(default)]
    pub vars: BTreeMap<String, serde_yaml::Value>,
    /// The folder-level model config tree.
    #[serde(default)]
    pub models: serde_yaml::Value,
    /// The seed config tree.
    #[serde(default)]
    pub seeds: serde_yaml::Value,
    /// `restrict-access`: other packages may not `ref` this project's
    /// private or protected models, as dbt enforces it.
    #[serde(default)]
    pub restrict_access: bool,
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
fn default_analyses() -> Vec<String> {
    vec!["analyses".into()]
}
fn default_snapshots() -> Vec<String> {
    vec!["snapshots".into()]
}
fn default_packages_install() -> String {
    "dbt_packages".into()
}
fn default_clean() -> Vec<String> {
    vec!["target".into()]
}

impl ProjectConfig {
    /// Parses the text of `project.yml` found at `path`, rejecting unknown
    /// top-level keys with the nearest valid one.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ProjectError> {
        let config = Self::parse_package(path, text)?;
        config.check_quoting(path, text)?;
        Ok(config)
    }

    /// Parses an installed package's project file as [`ProjectConfig::parse`]
    /// does, but for its `quoting:`, which dbt reads from the root project
    /// only (`dbt_date`'s `identifier: false` changes nothing in dbt), so
    /// it is not checked here.
    pub(crate) fn parse_package(path: &Path, text: &str) -> Result<Self, ProjectError> {
        let value: serde_yaml::Value =
            serde_yaml::from_str(text).map_err(|err| ProjectError::yaml(path, &err))?;
        Self::check_keys(path, text, &value)?;
        // Parsed again from the text, not the value: errors then carry the
        // line and column of the offending value.
        let config: ProjectConfig =
            serde_yaml::from_str(text).map_err(|err| value_error(path, text, &err))?;
        config.check_paths(path, text)?;
        config.check_unsupported(path, text)?;
        Ok(config)
    }

    /// Builds the config from a value whose Jinja has been rendered; type
    /// errors then find their line through the key.
    pub fn from_rendered(
        path: &Path,
        text: &str,
        value: serde_yaml::Value,
    ) -> Result<Self, ProjectError> {
        Self::check_keys(path, text, &value)?;
        let config: ProjectConfig =
            serde_yaml::from_value(value).map_err(|err| value_error(path, text, &err))?;
        config.check_paths(path, text)?;
        config.check_unsupported(path, text)?;
        config.check_quoting(path, text)?;
        Ok(config)
    }

    /// Refuses unknown top-level keys (with the nearest valid one) and a
    /// missing `name`.
    pub fn check_keys(
        path: &Path,
        text: &str,
        value: &serde_yaml::Value,
    ) -> Result<(), ProjectError> {
        let Some(map) = value.as_mapping() else {
            return Err(ProjectError::Yaml {
                path: path.into(),
                line: 1,
                column: 1,
                message:
                    "the project file must be a mapping of keys to values (name: ..., models: ...)"
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
        Ok(())
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
            ("snapshot-paths", &self.snapshot_paths),
            ("analysis-paths", &self.analysis_paths),
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

impl ProjectConfig {
    /// Refuses a root project's `quoting:` value other than true: jgt
    /// always quotes names.
    fn check_quoting(&self, path: &Path, text: &str) -> Result<(), ProjectError> {
        for (name, value) in &self.quoting {
            if value.as_bool() != Some(true) && !value.is_null() {
                return Err(ProjectError::Unsupported {
                    path: path.into(),
                    line: line_of_key(text, "quoting", 0),
                    message: format!(
                        "quoting: {name}: {} is not supported: jgt always quotes database, \
                         schema and table names; remove the key or set it to true",
                        yaml_inline(value)
                    ),
                });
            }
        }
        Ok(())
    }

    /// Stops on keys that would change what dbt builds but that jgt does
    /// not implement yet, rather than building something else silently.
    fn check_unsupported(&self, path: &Path, text: &str) -> Result<(), ProjectError> {
        let unsupported = |key: &str, message: String| ProjectError::Unsupported {
            path: path.into(),
            line: line_of_key(text, key, 0),
            message,
        };
        if !is_empty_tree(&self.data_tests) && !is_empty_tree(&self.tests) {
            return Err(unsupported(
                "tests",
                "both 'data_tests:' and its older spelling 'tests:' are set; \
                 move the configs of 'tests:' under 'data_tests:'"
                    .into(),
            ));
        }
        if !is_empty_tree(&self.sources) {
            return Err(unsupported(
                "sources",
                "project-level source configs ('sources:') are not supported yet; \
                 set them on each source in its schema file instead, or remove 'sources:'"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The `data_tests:` tree, or `tests:` where an older project spells
    /// it so, with the key it sits under.
    pub fn data_test_tree(&self) -> (&'static str, &serde_yaml::Value) {
        match is_empty_tree(&self.data_tests) && !is_empty_tree(&self.tests) {
            true => ("tests", &self.tests),
            false => ("data_tests", &self.data_tests),
        }
    }
}

/// Whether a config tree holds nothing: absent, null or only empty maps.
fn is_empty_tree(value: &serde_yaml::Value) -> bool {
    match value {
        serde_yaml::Value::Null => true,
        serde_yaml::Value::Mapping(map) => map.values().all(is_empty_tree),
        _ => false,
    }
}

/// A YAML value on one line, for messages.
fn yaml_inline(value: &serde_yaml::Value) -> String {
    serde_yaml::to_string(value)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
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
    text.lines()
        .enumerate()
        .skip(from_line)
        .find(|(_, line)| starts_with_key(line, key))
        .map(|(n, _)| n + 1)
        .unwrap_or(0)
}

/// Whether a YAML line starts (after indentation and a list dash) with
/// `key:`, `"key":` or `'key':`.
pub(crate) fn starts_with_key(line: &str, key: &str) -> bool {
    let line = line.trim_start().trim_start_matches("- ");
    let quoted = |q: char| {
        line.strip_prefix(q)
            .and_then(|rest| rest.strip_prefix(key))
            .is_some_and(|rest| rest.starts_with(q) && rest[1..].starts_with(':'))
    };
    line.strip_prefix(key)
        .is_some_and(|rest| rest.starts_with(':'))
        || quoted('"')
        || quoted('\'')
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
    fn every_dbt_key_is_accepted_and_used_ones_are_kept() {
        let text = "name: shop\nversion: '1.0'\nconfig-version: 2\nprofile: shop\n\
            analysis-paths: [an]\nsnapshot-paths: [snaps]\ndocs-paths: [docs]\n\
            asset-paths: [assets]\nlog-path: logs\npackages-install-path: pkgs\n\
            clean-targets: [target, pkgs]\nquery-comment: hello\nquoting: {identifier: true}\n\
            on-run-start: []\non-run-end: []\ndispatch: []\nflags: {fail_fast: true}\n\
            dbt-cloud: {project-id: 1}\nrestrict-access: false\nunit_tests: {}\nmetrics: {}\n\
            semantic-models: {}\nsaved-queries: {}\nexposures: {}\nanalyses: {}\n\
            require-dbt-version: '>=1.10.0'\ndata_tests: {}\nsources: {}\n";
        let config = ProjectConfig::parse(Path::new("dbt_project.yml"), text).unwrap();
        assert_eq!(config.packages_install_path, "pkgs");
        assert_eq!(config.clean_targets, ["target", "pkgs"]);
        assert_eq!(config.snapshot_paths, ["snaps"]);
        assert_eq!(config.analysis_paths, ["an"]);
        let err = ProjectConfig::parse(
            Path::new("dbt_project.yml"),
            "name: s\nsnapshot-path: [x]\n",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("Did you mean 'snapshot-paths'?"),
            "{err}"
        );
    }

    #[test]
    fn what_would_change_the_build_is_refused_not_ignored() {
        let cases = [
            (
                "name: s\nquoting:\n  identifier: false\n",
                "dbt_project.yml:2:",
                "jgt always quotes",
            ),
            (
                "name: s\ndata_tests:\n  s:\n    +severity: warn\ntests:\n  +limit: 5\n",
                "dbt_project.yml:5:",
                "both 'data_tests:' and its older spelling 'tests:'",
            ),
            (
                "name: s\nsources:\n  s:\n    +enabled: false\n",
                "dbt_project.yml:2:",
                "source configs",
            ),
        ];
        for (text, at, what) in cases {
            let err = ProjectConfig::parse(Path::new("dbt_project.yml"), text).unwrap_err();
            assert_eq!(err.code(), "JGT1004");
            let message = err.to_string();
            assert!(
                message.starts_with(at) && message.contains(what),
                "{message}"
            );
        }
    }

    #[test]
    fn yaml_errors_carry_line_and_column() {
        let err = ProjectConfig::parse(Path::new("p.yml"), "name: [demo\n").unwrap_err();
        assert!(matches!(err, ProjectError::Yaml { line: 2.., .. }), "{err}");
    }
}
