//! dbt unit tests as a schema file declares them (`unit_tests:`), and the
//! fixture files under `<test-path>/fixtures/` they may read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_yaml::Value;

/// One `unit_tests:` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitTestProperties {
    /// The test's name, unique per model.
    pub name: String,
    /// The tested model.
    pub model: String,
    /// Plain-words description.
    #[serde(default)]
    pub description: Option<String>,
    /// The rows each input of the model reads instead of its relation.
    #[serde(default)]
    pub given: Vec<GivenProperties>,
    /// The rows the model must return.
    pub expect: FixtureProperties,
    /// Macros, vars and environment variables replaced for this test.
    #[serde(default)]
    pub overrides: Option<OverridesProperties>,
    /// `tags`, `enabled`, `meta`.
    #[serde(default)]
    pub config: Option<UnitTestConfigProperties>,
    /// dbt's `versions: {include, exclude}` for versioned models.
    #[serde(default)]
    pub versions: Option<Value>,
    /// The line of its `name:` in the schema file (1-based; 0 unknown).
    #[serde(skip)]
    pub line: usize,
}

/// One `given:` entry: an input and its rows.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GivenProperties {
    /// `ref('name')`, `source('source', 'table')` or `this`.
    pub input: String,
    /// `dict` (the default), `csv` or `sql`.
    #[serde(default)]
    pub format: Option<String>,
    /// A list of mappings (dict), or text (csv, sql).
    #[serde(default)]
    pub rows: Option<Value>,
    /// The name of a file under `<test-path>/fixtures/` holding the rows.
    #[serde(default)]
    pub fixture: Option<String>,
}

impl GivenProperties {
    /// Its rows, format and fixture file, as `expect` holds them.
    pub fn rows(&self) -> FixtureProperties {
        FixtureProperties {
            format: self.format.clone(),
            rows: self.rows.clone(),
            fixture: self.fixture.clone(),
        }
    }
}

/// Rows as `given` and `expect` write them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureProperties {
    /// `dict` (the default), `csv` or `sql`.
    #[serde(default)]
    pub format: Option<String>,
    /// A list of mappings (dict), or text (csv, sql).
    #[serde(default)]
    pub rows: Option<Value>,
    /// The name of a file under `<test-path>/fixtures/` holding the rows.
    #[serde(default)]
    pub fixture: Option<String>,
}

/// `overrides:` of a unit test.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverridesProperties {
    /// Macro name → the value it returns (`is_incremental: true`).
    #[serde(default)]
    pub macros: BTreeMap<String, Value>,
    /// Vars `var()` sees first.
    #[serde(default)]
    pub vars: BTreeMap<String, Value>,
    /// Environment variables `env_var()` sees first.
    #[serde(default)]
    pub env_vars: BTreeMap<String, Value>,
}

/// `config:` of a unit test.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitTestConfigProperties {
    /// Tags, for selection: one or a list.
    #[serde(default)]
    pub tags: Option<Value>,
    /// `false` leaves the test out.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Free-form metadata.
    #[serde(default)]
    pub meta: Option<Value>,
}

impl UnitTestConfigProperties {
    /// The tags as a list, whether one was written or several.
    pub fn tag_list(&self) -> Vec<String> {
        match &self.tags {
            Some(Value::String(tag)) => vec![tag.clone()],
            Some(Value::Sequence(tags)) => tags
                .iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Fills in the line of each unit test's `name:`, searching forward from
/// the `unit_tests:` key so that tests of one name in other sections of
/// the file are not taken for it.
pub(crate) fn set_lines(tests: &mut [UnitTestProperties], text: &str) {
    let start = crate::config::line_of_key(text, "unit_tests", 0);
    let lines: Vec<&str> = text.lines().collect();
    let mut at = start;
    for test in tests {
        let found = lines
            .iter()
            .enumerate()
            .skip(at)
            .find(|(_, line)| names(line, &test.name))
            .map(|(n, _)| n + 1);
        if let Some(line) = found {
            test.line = line;
            at = line;
        }
    }
}

/// Whether a YAML line is `name: <name>` (maybe as a list item, maybe quoted).
fn names(line: &str, name: &str) -> bool {
    let line = line.trim_start().trim_start_matches("- ").trim();
    let Some(value) = line.strip_prefix("name:") else {
        return false;
    };
    let value = value.trim();
    let unquoted = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(value);
    unquoted == name
}

/// The fixtures folder name under each test path, as in dbt.
pub const FIXTURES_DIR: &str = "fixtures";

/// Whether `path` (relative to the project) sits in a fixtures folder
/// right under a test path: such files are fixtures, not singular tests.
pub(crate) fn is_fixture_file(path: &Path, test_paths: &[String]) -> bool {
    test_paths
        .iter()
        .any(|dir| path.starts_with(Path::new(dir).join(FIXTURES_DIR)))
}

/// Finds the fixture file `<name>.<extension>` anywhere under a
/// `fixtures/` folder of the test paths; returns it relative to `root`.
pub fn find_fixture(
    root: &Path,
    test_paths: &[String],
    name: &str,
    extension: &str,
) -> Option<PathBuf> {
    let file = format!("{name}.{extension}");
    test_paths
        .iter()
        .map(|dir| Path::new(dir).join(FIXTURES_DIR))
        .find_map(|dir| find_below(root, &dir, &file))
}

fn find_below(root: &Path, dir: &Path, file: &str) -> Option<PathBuf> {
    let mut entries: Vec<_> = std::fs::read_dir(root.join(dir))
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    entries.sort();
    for entry in entries {
        let relative = dir.join(&entry);
        let full = root.join(&relative);
        if full.is_dir() {
            if let Some(found) = find_below(root, &relative, file) {
                return Some(found);
            }
        } else if entry.to_string_lossy() == file {
            return Some(relative);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_found_after_the_unit_tests_key() {
        let text = "models:\n  - name: totals\nunit_tests:\n  - name: totals\n    model: m\n    expect: {rows: []}\n  - name: 'other'\n    model: m\n    expect: {rows: []}\n";
        let mut tests = vec![
            UnitTestProperties {
                name: "totals".into(),
                ..Default::default()
            },
            UnitTestProperties {
                name: "other".into(),
                ..Default::default()
            },
        ];
        set_lines(&mut tests, text);
        assert_eq!(tests[0].line, 4);
        assert_eq!(tests[1].line, 7);
    }

    #[test]
    fn fixtures_are_found_in_sub_folders() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("tests/fixtures/orders")).unwrap();
        std::fs::write(dir.path().join("tests/fixtures/orders/few.csv"), "id\n1\n").unwrap();
        let found = find_fixture(dir.path(), &["tests".into()], "few", "csv");
        assert_eq!(found, Some(PathBuf::from("tests/fixtures/orders/few.csv")));
        assert_eq!(
            find_fixture(dir.path(), &["tests".into()], "few", "sql"),
            None
        );
        assert!(is_fixture_file(
            Path::new("tests/fixtures/orders/few.sql"),
            &["tests".into()]
        ));
    }
}
