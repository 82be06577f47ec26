//! Schema files: the `*.yml` next to models that declare sources and
//! describe models, seeds and their columns, in dbt's shape.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_yaml::Value;

use crate::error::ProjectError;

/// One parsed schema file.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SchemaFile {
    /// dbt's `version: 2`; accepted and ignored.
    #[serde(default)]
    pub version: Option<Value>,
    /// Model descriptions, columns and tests.
    #[serde(default)]
    pub models: Vec<NodeProperties>,
    /// Seed descriptions, columns and tests.
    #[serde(default)]
    pub seeds: Vec<NodeProperties>,
    /// Source declarations.
    #[serde(default)]
    pub sources: Vec<SourceProperties>,
}

/// What a schema file says about one model or seed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NodeProperties {
    /// The model or seed name.
    pub name: String,
    /// Plain-words description.
    #[serde(default)]
    pub description: Option<String>,
    /// Configs applied to the node, as in `config()`.
    #[serde(default)]
    pub config: Option<Value>,
    /// The node's columns.
    #[serde(default)]
    pub columns: Vec<ColumnProperties>,
    /// Model-level tests (`data_tests:` or the older `tests:`).
    #[serde(default, alias = "tests")]
    pub data_tests: Vec<Value>,
}

/// What a schema file says about one column.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ColumnProperties {
    /// The column name.
    pub name: String,
    /// Plain-words description.
    #[serde(default)]
    pub description: Option<String>,
    /// The declared type, if any.
    #[serde(default)]
    pub data_type: Option<String>,
    /// dbt's `quote: true`: the name is quoted wherever jgt writes it into
    /// SQL (generic tests); otherwise it is written as it stands.
    #[serde(default)]
    pub quote: Option<bool>,
    /// Column tests (`data_tests:` or the older `tests:`).
    #[serde(default, alias = "tests")]
    pub data_tests: Vec<Value>,
}

/// A `sources:` entry: a group of existing relations the project reads.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SourceProperties {
    /// The source name, first argument of `source()`.
    pub name: String,
    /// The schema holding the tables; defaults to the source name.
    #[serde(default)]
    pub schema: Option<String>,
    /// Plain-words description.
    #[serde(default)]
    pub description: Option<String>,
    /// The tables of the source.
    #[serde(default)]
    pub tables: Vec<SourceTableProperties>,
}

/// One table of a source.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SourceTableProperties {
    /// The table name, second argument of `source()`.
    pub name: String,
    /// The relation's real name when it differs from `name`.
    #[serde(default)]
    pub identifier: Option<String>,
    /// Plain-words description.
    #[serde(default)]
    pub description: Option<String>,
    /// The table's columns.
    #[serde(default)]
    pub columns: Vec<ColumnProperties>,
    /// Table-level tests.
    #[serde(default, alias = "tests")]
    pub data_tests: Vec<Value>,
}

/// A source table declared in a schema file, ready for `source()`.
#[derive(Debug, Clone)]
pub struct SourceTable {
    /// The source's name.
    pub source_name: String,
    /// The table's name within the source.
    pub table_name: String,
    /// The schema that holds the relation.
    pub schema: String,
    /// The relation's name in that schema.
    pub identifier: String,
    /// Description of the table, or of its source when the table has none.
    pub description: Option<String>,
    /// The schema file that declared it, relative to the project folder.
    pub path: PathBuf,
}

impl SchemaFile {
    /// Parses a schema file, reporting YAML errors with line and column.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ProjectError> {
        if text.trim().is_empty() {
            return Ok(SchemaFile::default());
        }
        serde_yaml::from_str(text).map_err(|err| ProjectError::yaml(path, &err))
    }

    /// The source tables this file declares.
    pub fn source_tables(&self, path: &Path) -> Vec<SourceTable> {
        let mut tables = Vec::new();
        for source in &self.sources {
            for table in &source.tables {
                tables.push(SourceTable {
                    source_name: source.name.clone(),
                    table_name: table.name.clone(),
                    schema: source.schema.clone().unwrap_or_else(|| source.name.clone()),
                    identifier: table
                        .identifier
                        .clone()
                        .unwrap_or_else(|| table.name.clone()),
                    description: table.description.clone().or(source.description.clone()),
                    path: path.to_path_buf(),
                });
            }
        }
        tables
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_default_their_schema_to_the_source_name() {
        let text = "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: users\n        identifier: raw_user\n";
        let file = SchemaFile::parse(Path::new("models/s.yml"), text).unwrap();
        let tables = file.source_tables(Path::new("models/s.yml"));
        assert_eq!(tables[0].schema, "raw");
        assert_eq!(tables[0].identifier, "raw_user");
    }

    #[test]
    fn broken_yaml_names_line_and_column() {
        let text = "models:\n  - name: a\n    columns: [\n";
        let err = SchemaFile::parse(Path::new("models/s.yml"), text).unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with("models/s.yml:"), "{message}");
        assert!(
            matches!(
                err,
                ProjectError::Yaml {
                    line: 3..,
                    column: 1..,
                    ..
                }
            ),
            "{message}"
        );
    }
}
