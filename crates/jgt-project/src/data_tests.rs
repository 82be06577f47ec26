//! Generic data tests as schema files declare them.
//!
//! dbt accepts several spellings, and so do we: a bare name (`- unique`),
//! a mapping with flat arguments (`- accepted_values: {values: [a, b]}`),
//! or dbt 1.10's nested form (`- accepted_values: {arguments: {values:
//! [a, b]}, config: {severity: warn}}`). Test configs (`severity`, `where`,
//! `error_if`, `warn_if`, `store_failures`, `limit`, `enabled`, `tags`,
//! `schema`) may sit flat beside the arguments or under `config:`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_yaml::Value;

use crate::error::ProjectError;
pub use jgt_core::{threshold_met, InvalidValue, Severity, TestConfig};

/// Config keys a test accepts.
pub const TEST_CONFIG_KEYS: [&str; 10] = [
    "schema",
    "severity",
    "where",
    "error_if",
    "warn_if",
    "store_failures",
    "limit",
    "enabled",
    "tags",
    "meta",
];

/// One generic test attached to a node (and maybe a column).
#[derive(Debug, Clone, PartialEq)]
pub struct TestSpec {
    /// The test's macro name without `test_`: `unique`, `accepted_values`, ...
    pub test_name: String,
    /// The package named before the test (`dbt_utils` of
    /// `dbt_utils.not_empty`), when one is.
    pub namespace: Option<String>,
    /// The tested column, for column tests.
    pub column: Option<String>,
    /// Arguments passed to the test macro (`values`, `to`, `field`, ...).
    pub args: BTreeMap<String, Value>,
    /// The test's configs.
    pub config: TestConfig,
    /// A name the user gave the test, replacing the generated one.
    pub custom_name: Option<String>,
    /// The configs the entry sets itself, as written, in order: what goes
    /// over the project file's `data_tests:` tree.
    pub own_configs: Vec<(String, Value)>,
    /// The schema file that declared it.
    pub path: PathBuf,
}

impl TestSpec {
    /// The test as dbt's names start with it: `not_empty`, or
    /// `dbt_utils_not_empty` for a package's test.
    pub fn qualified_name(&self) -> String {
        match &self.namespace {
            Some(namespace) => format!("{namespace}_{}", self.test_name),
            None => self.test_name.clone(),
        }
    }
}

/// Reads one entry of a `data_tests:` (or `tests:`) list.
pub fn parse_test(
    value: &Value,
    column: Option<&str>,
    path: &Path,
) -> Result<TestSpec, ProjectError> {
    let invalid = |message: InvalidValue| ProjectError::InvalidValue {
        path: path.into(),
        line: 0,
        key: match column {
            Some(column) => format!("columns.{column}.data_tests"),
            None => "data_tests".into(),
        },
        message: message.to_string(),
    };
    let (test_name, body) = match value {
        Value::String(name) => (name.clone(), Value::Null),
        Value::Mapping(map) if map.len() == 1 => {
            let (key, body) = map.iter().next().expect("one entry");
            let name = key
                .as_str()
                .ok_or_else(|| invalid("a test name must be text".into()))?;
            (name.to_string(), body.clone())
        }
        _ => {
            return Err(invalid(
                "each test is a name ('- unique') or a mapping of one name to its arguments ('- accepted_values: {values: [a, b]}')"
                    .into(),
            ))
        }
    };
    // `dbt_utils.unique_combination_of_columns`: a package, then the test.
    let (namespace, test_name) = match test_name.rsplit_once('.') {
        Some((namespace, name)) => (Some(namespace.to_string()), name.to_string()),
        None => (None, test_name),
    };
    let mut spec = TestSpec {
        test_name,
        namespace,
        column: column.map(str::to_string),
        args: BTreeMap::new(),
        config: TestConfig::default(),
        custom_name: None,
        own_configs: Vec::new(),
        path: path.into(),
    };
    match body {
        Value::Null => {}
        Value::Mapping(map) => {
            for (key, value) in map {
                let key = key
                    .as_str()
                    .ok_or_else(|| invalid("test arguments need text keys".into()))?;
                match key {
                    "arguments" => {
                        let args = value.as_mapping().ok_or_else(|| {
                            invalid(
                                "'arguments' must be a mapping of argument names to values".into(),
                            )
                        })?;
                        for (k, v) in args {
                            let k = k.as_str().unwrap_or_default().to_string();
                            spec.args.insert(k, v.clone());
                        }
                    }
                    "config" => {
                        let configs = value
                            .as_mapping()
                            .ok_or_else(|| invalid("'config' must be a mapping".into()))?;
                        for (k, v) in configs {
                            let k = k.as_str().unwrap_or_default();
                            set_test_config(&mut spec.config, k, v).map_err(&invalid)?;
                            spec.own_configs.push((k.to_string(), v.clone()));
                        }
                    }
                    "name" => spec.custom_name = value.as_str().map(str::to_string),
                    "column_name" => spec.column = value.as_str().map(str::to_string),
                    key if TEST_CONFIG_KEYS.contains(&key) => {
                        set_test_config(&mut spec.config, key, &value).map_err(&invalid)?;
                        spec.own_configs.push((key.to_string(), value));
                    }
                    other => {
                        spec.args.insert(other.to_string(), value);
                    }
                }
            }
        }
        _ => {
            return Err(invalid(
                format!(
                    "the arguments of test '{}' must be a mapping",
                    spec.test_name
                )
                .into(),
            ))
        }
    }
    Ok(spec)
}

/// Sets one test config (`severity`, `where`, `enabled`, ...) from its
/// YAML value; a key that is no test config is an error.
pub fn set_test_config(
    config: &mut TestConfig,
    key: &str,
    value: &Value,
) -> Result<(), InvalidValue> {
    let text = || match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    match key {
        "severity" => {
            let written = text().unwrap_or_default();
            config.severity = match written.to_lowercase().as_str() {
                "error" => Severity::Error,
                "warn" => Severity::Warn,
                other => return Err(format!("severity '{other}' must be 'error' or 'warn'").into()),
            };
            config.severity_written = Some(written);
        }
        "schema" => {
            config.schema = Some(text().ok_or("schema takes a schema name")?);
        }
        "where" => config.where_clause = text(),
        "error_if" => config.error_if = text().ok_or("error_if takes a condition such as '>10'")?,
        "warn_if" => config.warn_if = text().ok_or("warn_if takes a condition such as '>0'")?,
        "store_failures" => config.store_failures = value.as_bool(),
        "limit" => config.limit = value.as_u64(),
        "enabled" => config.enabled = value.as_bool().unwrap_or(true),
        "tags" => {
            config.tags = match value {
                Value::Sequence(items) => items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                other => other
                    .as_str()
                    .map(|s| vec![s.to_string()])
                    .unwrap_or_default(),
            }
        }
        "meta" => {}
        other => return Err(format!("'{other}' is not a test config").into()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> TestSpec {
        let value: Value = serde_yaml::from_str(yaml).unwrap();
        parse_test(&value, Some("id"), Path::new("models/s.yml")).unwrap()
    }

    #[test]
    fn every_spelling_dbt_accepts() {
        assert_eq!(parse("unique").test_name, "unique");
        let flat = parse("accepted_values: {values: [a, b], severity: warn}");
        assert_eq!(
            flat.args["values"],
            serde_yaml::from_str::<Value>("[a, b]").unwrap()
        );
        assert_eq!(flat.config.severity, Severity::Warn);
        let nested = parse("accepted_values: {arguments: {values: [a]}, config: {where: 'x > 1'}}");
        assert!(nested.args.contains_key("values"));
        assert_eq!(nested.config.where_clause.as_deref(), Some("x > 1"));
        assert_eq!(parse("dbt_utils.not_empty: {}").test_name, "not_empty");
    }

    #[test]
    fn bad_severities_are_errors() {
        let value: Value = serde_yaml::from_str("unique: {severity: fatal}").unwrap();
        let err = parse_test(&value, None, Path::new("s.yml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("severity 'fatal'"), "{err}");
    }

    #[test]
    fn thresholds_compare_failure_counts() {
        assert!(threshold_met("!=0", 3).unwrap());
        assert!(!threshold_met("!=0", 0).unwrap());
        assert!(threshold_met(">10", 11).unwrap());
        assert!(!threshold_met("> 10", 10).unwrap());
        assert!(threshold_met(">=10", 10).unwrap());
        assert!(threshold_met("wat", 1).is_err());
    }
}
