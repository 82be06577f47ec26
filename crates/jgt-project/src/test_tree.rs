//! The `data_tests:` tree of a project file (`tests:` in older projects):
//! configs for data tests by package, folder and test name, as dbt applies
//! them.
//!
//! ```yaml
//! data_tests:
//!   +store_failures: true        # every test
//!   shop:
//!     staging:
//!       +severity: warn          # tests declared under models/staging/
//! ```
//!
//! A generic test sits where its schema file sits, a singular test where
//! its `.sql` file sits. Configs cascade from the top of the tree down;
//! what a test sets itself (in its schema file entry or its `config()`)
//! wins over all of them, and `tags` add up.

use std::collections::BTreeMap;
use std::path::Path;

use serde_yaml::Value;

use crate::config::line_of_key;
use crate::data_tests::{set_test_config, TestConfig, TEST_CONFIG_KEYS};
use crate::error::ProjectError;
use crate::suggest::nearest;

/// One project file's `data_tests:` tree, checked when it was read.
#[derive(Debug, Clone, Default)]
pub struct TestTree {
    root: Value,
    project_name: String,
}

impl TestTree {
    /// Checks every key of `root`, the value under `section` of the
    /// project file at `path`: a `+key` (or a bare test config name
    /// holding a value) must be a test config with a valid value; any
    /// other key must hold a mapping (a package, a folder or a test).
    pub fn new(
        path: &Path,
        text: &str,
        section: &str,
        project_name: &str,
        root: Value,
    ) -> Result<Self, ProjectError> {
        if !root.is_null() {
            check_level(path, text, section, &root)?;
        }
        Ok(TestTree {
            root,
            project_name: project_name.to_string(),
        })
    }

    /// The configs this tree gives a test of its own project whose file
    /// sits at `folders` (below its model, seed or test path), named
    /// `name`: the top of the tree, then `<project>:` (when the tree
    /// names it) down the folders to the test, most general first.
    pub fn configs(&self, folders: &[String], name: &str) -> Vec<(String, Value)> {
        let mut found = Vec::new();
        if self.root.as_mapping().is_none() {
            return found;
        }
        take_level(&mut found, &self.root);
        let start = match self.root.get(self.project_name.as_str()) {
            Some(project) => {
                take_level(&mut found, project);
                project
            }
            None => &self.root,
        };
        descend(&mut found, start, folders, name);
        found
    }

    /// The configs this (root project) tree gives a test of installed
    /// package `package`, to go over the package's own: the top of the
    /// tree, then the `<package>:` subtree down the folders, as dbt lets
    /// the root project override packages.
    pub fn overlay(&self, package: &str, folders: &[String], name: &str) -> Vec<(String, Value)> {
        let mut found = Vec::new();
        if self.root.as_mapping().is_none() {
            return found;
        }
        take_level(&mut found, &self.root);
        if let Some(level) = self.root.get(package) {
            take_level(&mut found, level);
            descend(&mut found, level, folders, name);
        }
        found
    }
}

/// The `data_tests:` trees of the root project and of every installed
/// package that has one.
#[derive(Debug, Clone, Default)]
pub struct TestTrees {
    /// The root project's name and tree.
    pub root: TestTree,
    /// Installed packages' own trees, by package name.
    pub packages: BTreeMap<String, TestTree>,
}

impl TestTrees {
    /// The config of a test of `package` (empty or the root project's
    /// name for its own) whose file sits at `folders` and which is named
    /// `name`, with `own` (what the test sets itself) on top. `own` was
    /// checked when it was read, and the trees when they were.
    pub fn config_of(
        &self,
        package: &str,
        folders: &[String],
        name: &str,
        own: &[(String, Value)],
    ) -> TestConfig {
        let mut layers = Vec::new();
        if package.is_empty() || package == self.root.project_name {
            layers.extend(self.root.configs(folders, name));
        } else {
            if let Some(tree) = self.packages.get(package) {
                layers.extend(tree.configs(folders, name));
            }
            layers.extend(self.root.overlay(package, folders, name));
        }
        layers.extend(own.iter().cloned());
        let mut config = TestConfig::default();
        let mut tags: Vec<String> = Vec::new();
        for (key, value) in &layers {
            let _ = set_test_config(&mut config, key, value);
            if key == "tags" {
                for tag in std::mem::take(&mut config.tags) {
                    if !tags.contains(&tag) {
                        tags.push(tag);
                    }
                }
            }
        }
        config.tags = tags;
        config
    }
}

/// Takes the test configs written directly at one level of a tree.
fn take_level(found: &mut Vec<(String, Value)>, level: &Value) {
    let Some(map) = level.as_mapping() else {
        return;
    };
    for (key, value) in map {
        if let Some(name) = key.as_str().and_then(|k| config_name(k, value)) {
            found.push((name.to_string(), value.clone()));
        }
    }
}

/// Goes down `folders`, then `name`, from `start`, taking each level met.
fn descend(found: &mut Vec<(String, Value)>, start: &Value, folders: &[String], name: &str) {
    let mut level = start;
    for step in folders.iter().map(String::as_str).chain([name]) {
        match level.get(step) {
            Some(next) if next.is_mapping() => {
                take_level(found, next);
                level = next;
            }
            _ => break,
        }
    }
}

/// The config a key sets, or `None` when the key is a subtree.
fn config_name<'a>(key: &'a str, value: &Value) -> Option<&'a str> {
    match key.strip_prefix('+') {
        Some(name) => Some(name),
        None if TEST_CONFIG_KEYS.contains(&key) && (key == "meta" || !value.is_mapping()) => {
            Some(key)
        }
        None => None,
    }
}

fn check_level(path: &Path, text: &str, tree: &str, level: &Value) -> Result<(), ProjectError> {
    let Some(map) = level.as_mapping() else {
        return Err(crate::node_config::not_a_level(
            path,
            text,
            tree,
            "packages, folders and +configs",
        ));
    };
    for (key, value) in map {
        let key = key.as_str().unwrap_or_default();
        let unknown = || ProjectError::UnknownConfig {
            path: path.into(),
            line: line_of_key(text, key, 0),
            tree: tree.to_string(),
            key: key.to_string(),
            suggestion: nearest(key.trim_start_matches('+'), TEST_CONFIG_KEYS)
                .map(|n| format!("+{n}")),
        };
        match config_name(key, value) {
            Some(name) if !TEST_CONFIG_KEYS.contains(&name) => return Err(unknown()),
            Some(name) => {
                set_test_config(&mut TestConfig::default(), name, value).map_err(|message| {
                    crate::node_config::bad_value(path, text, tree, key, message)
                })?;
            }
            None if value.is_mapping() => check_level(path, text, &format!("{tree}.{key}"), value)?,
            None => return Err(unknown()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Severity;

    fn tree(yaml: &str) -> Result<TestTree, ProjectError> {
        let value: Value = serde_yaml::from_str(yaml).unwrap();
        TestTree::new(
            Path::new("dbt_project.yml"),
            yaml,
            "data_tests",
            "shop",
            value,
        )
    }

    fn trees(yaml: &str) -> TestTrees {
        TestTrees {
            root: tree(yaml).unwrap(),
            packages: BTreeMap::new(),
        }
    }

    fn own(yaml: &str) -> Vec<(String, Value)> {
        let map: serde_yaml::Mapping = serde_yaml::from_str(yaml).unwrap();
        map.into_iter()
            .map(|(k, v)| (k.as_str().unwrap().to_string(), v))
            .collect()
    }

    #[test]
    fn configs_cascade_from_the_top_down_to_the_folder() {
        let trees = trees(
            "+store_failures: true\nshop:\n  +tags: [all]\n  staging:\n    +severity: warn\n    +tags: stg\n",
        );
        let staged = trees.config_of("", &["staging".into()], "not_null_x_id", &[]);
        assert_eq!(staged.store_failures, Some(true));
        assert_eq!(staged.severity, Severity::Warn);
        assert_eq!(staged.tags, ["all", "stg"]);
        let marts = trees.config_of("shop", &["marts".into()], "unique_y_id", &[]);
        assert_eq!(marts.severity, Severity::Error);
        assert_eq!(marts.store_failures, Some(true));
    }

    #[test]
    fn what_a_test_sets_itself_wins_and_tags_add_up() {
        let trees = trees("+severity: warn\n+tags: [project]\n+schema: audit\n");
        let config = trees.config_of("", &[], "t", &own("{severity: error, tags: [mine]}"));
        assert_eq!(config.severity, Severity::Error);
        assert_eq!(config.tags, ["project", "mine"]);
        assert_eq!(config.schema.as_deref(), Some("audit"));
    }

    #[test]
    fn the_root_project_overrides_a_package() {
        let mut trees = trees("utils:\n  +severity: warn\n");
        let package = "+enabled: false\n+limit: 5\n";
        let value: Value = serde_yaml::from_str(package).unwrap();
        let tree =
            TestTree::new(Path::new("p.yml"), package, "data_tests", "utils", value).unwrap();
        trees.packages.insert("utils".into(), tree);
        let config = trees.config_of("utils", &[], "t", &[]);
        assert_eq!(config.severity, Severity::Warn);
        assert!(!config.enabled);
        assert_eq!(config.limit, Some(5));
        assert_eq!(trees.config_of("", &[], "t", &[]), TestConfig::default());
    }

    #[test]
    fn unknown_configs_and_bad_values_are_errors_at_their_line() {
        let err = tree("shop:\n  +severty: warn\n").unwrap_err();
        assert_eq!(err.code(), "JGT1103");
        let text = err.to_string();
        assert!(text.contains("dbt_project.yml:2"), "{text}");
        assert!(text.contains("+severity"), "{text}");
        let err = tree("+store_failures_as: view\n").unwrap_err();
        assert_eq!(err.code(), "JGT1103");
        let err = tree("shop:\n  +severity: fatal\n").unwrap_err();
        assert_eq!(err.code(), "JGT1104");
        assert!(err.to_string().contains("severity 'fatal'"), "{err}");
        let err = tree("shop: warn\n").unwrap_err();
        assert_eq!(err.code(), "JGT1103");
    }
}
