//! Schema files: the `*.yml` next to models that declare sources and
//! describe models, seeds and their columns, in dbt's shape.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_yaml::Value;

use crate::error::ProjectError;

/// One parsed schema file.
///
/// Deserialised by hand (see [`visit`]): serde's `flatten` would first copy
/// the whole file into an intermediate tree, which doubled the time spent
/// parsing schema files on large projects.
#[derive(Debug, Clone, Default)]
pub struct SchemaFile {
    /// dbt's `version: 2`; accepted and ignored.
    pub version: Option<Value>,
    /// Model descriptions, columns and tests.
    pub models: Vec<NodeProperties>,
    /// Seed descriptions, columns and tests.
    pub seeds: Vec<NodeProperties>,
    /// Snapshot properties, and snapshots defined here (dbt 1.9+: an entry
    /// with `relation:`).
    pub snapshots: Vec<SnapshotProperties>,
    /// Source declarations.
    pub sources: Vec<SourceProperties>,
    /// dbt unit tests of models.
    pub unit_tests: Vec<crate::unit_tests::UnitTestProperties>,
    /// Groups: named owners that models belong to (`group:`), for
    /// `access: private`.
    pub groups: Vec<GroupProperties>,
    /// Top-level keys jgt does not act on that would change a dbt build,
    /// or that no dbt version knows, with their lines.
    pub unread: Vec<UnreadKey>,
    /// The other top-level keys, checked in [`SchemaFile::parse`].
    rest: BTreeMap<String, Value>,
}

/// A top-level key given twice, at the line of its second appearance (the
/// visitor only knows the file's first line); any other error as it is.
fn duplicate_key(path: &Path, text: &str, err: &serde_yaml::Error) -> ProjectError {
    let message = err.to_string();
    let key = ["duplicate field `", "duplicate key `"]
        .iter()
        .find_map(|prefix| message.split_once(prefix))
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(key, _)| key.to_string());
    let Some(key) = key else {
        return ProjectError::yaml(path, err);
    };
    let line = text
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            !l.starts_with([' ', '\t', '-']) && crate::config::starts_with_key(l, &key)
        })
        .nth(1)
        .map_or(0, |(n, _)| n + 1);
    ProjectError::InvalidValue {
        path: path.into(),
        line,
        key: key.clone(),
        message: format!(
            "`{key}` appears twice at the top level; merge its entries under one `{key}:`"
        ),
    }
}

mod visit {
    //! `SchemaFile`'s `Deserialize`: known keys straight into their
    //! fields, the rest kept as YAML values.

    use serde::de::{Deserializer, Error, MapAccess, Visitor};
    use serde::Deserialize;

    use super::SchemaFile;

    impl<'de> Deserialize<'de> for SchemaFile {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_map(FileVisitor)
        }
    }

    struct FileVisitor;

    /// Fills `field` from the next value, refusing a key given twice.
    fn once<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
        map: &mut A,
        seen: &mut bool,
        key: &'static str,
    ) -> Result<T, A::Error> {
        if std::mem::replace(seen, true) {
            return Err(A::Error::duplicate_field(key));
        }
        map.next_value()
    }

    impl<'de> Visitor<'de> for FileVisitor {
        type Value = SchemaFile;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a mapping of schema-file keys (version, models, sources, ...)")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SchemaFile, A::Error> {
            let mut file = SchemaFile::default();
            let mut seen = [false; 7];
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    "version" => file.version = once(&mut map, &mut seen[0], "version")?,
                    "models" => file.models = once(&mut map, &mut seen[1], "models")?,
                    "seeds" => file.seeds = once(&mut map, &mut seen[2], "seeds")?,
                    "snapshots" => file.snapshots = once(&mut map, &mut seen[3], "snapshots")?,
                    "sources" => file.sources = once(&mut map, &mut seen[4], "sources")?,
                    "unit_tests" => file.unit_tests = once(&mut map, &mut seen[5], "unit_tests")?,
                    "groups" => file.groups = once(&mut map, &mut seen[6], "groups")?,
                    _ => {
                        let value = map.next_value()?;
                        if file.rest.insert(key.clone(), value).is_some() {
                            return Err(A::Error::custom(format!("duplicate key `{key}`")));
                        }
                    }
                }
            }
            Ok(file)
        }
    }
}

/// A top-level key of a schema file that jgt reads past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadKey {
    /// The key as written.
    pub key: String,
    /// Its line (1-based; 0 when unknown).
    pub line: usize,
    /// What it means that jgt reads past it.
    pub why: String,
}

/// Schema-file keys that only describe (docs, the semantic layer): dbt
/// builds nothing from them, so neither does jgt, without a word.
const DESCRIBING_KEYS: [&str; 7] = [
    "analyses",
    "macros",
    "exposures",
    "metrics",
    "semantic_models",
    "saved_queries",
    "data_tests",
];

/// Schema-file keys dbt builds or runs something from that jgt does not yet.
const NOT_YET_KEYS: [(&str, &str); 1] = [(
    "functions",
    "jgt does not create user-defined functions yet; they are not built",
)];

/// One entry of `groups:`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupProperties {
    /// The group's name, as models' `group:` names it.
    pub name: String,
    /// Who owns it: a mapping with a `name` or an `email` (required, as
    /// dbt requires it).
    #[serde(default)]
    pub owner: Option<Value>,
    /// Plain-words description.
    #[serde(default)]
    pub description: Option<String>,
}

impl GroupProperties {
    /// What is wrong with the owner, as dbt checks it.
    fn owner_problem(&self) -> Option<&'static str> {
        let Some(owner) = &self.owner else {
            return Some("a group needs an 'owner' (owner: {name: ..., email: ...})");
        };
        let named = ["name", "email"]
            .iter()
            .any(|key| owner.get(key).is_some_and(|v| !v.is_null()));
        (!named).then_some("a group's owner needs at least one of 'name' or 'email'")
    }
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
    /// Model-level constraints (over one or more columns), enforced with
    /// a contract.
    #[serde(default)]
    pub constraints: Vec<Value>,
    /// Model-level tests (`data_tests:` or the older `tests:`).
    #[serde(default, alias = "tests")]
    pub data_tests: Vec<Value>,
    /// `access` (private, protected, public), the older top-level spelling
    /// of the config.
    #[serde(default)]
    pub access: Option<Value>,
    /// `group`, the older top-level spelling of the config.
    #[serde(default)]
    pub group: Option<Value>,
    /// `tags`, added to the node's tags as the config's are.
    #[serde(default)]
    pub tags: Option<Value>,
    /// `meta`, the top-level spelling of the config.
    #[serde(default)]
    pub meta: Option<Value>,
    /// `docs` (`show`, `node_color`), the top-level spelling of the config.
    #[serde(default)]
    pub docs: Option<Value>,
    /// Model versions: the version `ref('name')` resolves to.
    #[serde(default)]
    pub latest_version: Option<Value>,
    /// Model versions, each a file of its own (`<name>_v<N>.sql`).
    #[serde(default)]
    pub versions: Vec<VersionProperties>,
}

/// One entry of a model's `versions:`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VersionProperties {
    /// The version (`v: 2`); a number or text.
    pub v: Value,
    /// The file stem holding this version, when it is not `<name>_v<v>`.
    #[serde(default)]
    pub defined_in: Option<String>,
    /// Plain-words description, over the model's.
    #[serde(default)]
    pub description: Option<String>,
    /// Configs of this version, over the model's.
    #[serde(default)]
    pub config: Option<Value>,
    /// Columns: `{include: all | [..], exclude: [..]}` picks from the
    /// model's columns; other entries are columns of this version.
    #[serde(default)]
    pub columns: Vec<Value>,
    /// Tests of this version, besides the model's.
    #[serde(default, alias = "tests")]
    pub data_tests: Vec<Value>,
}

/// A `snapshots:` entry: properties of a `{% snapshot %}` block, or with
/// `relation:` a whole snapshot (dbt 1.9+).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SnapshotProperties {
    /// Name, description, config, columns and tests, as for models.
    #[serde(flatten)]
    pub node: NodeProperties,
    /// What the snapshot records: `ref('orders')` or `source('shop',
    /// 'orders')`; present on snapshots defined in YAML.
    #[serde(default)]
    pub relation: Option<String>,
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
    /// Column constraints (`not_null`, `unique`, ...), enforced with a
    /// contract.
    #[serde(default)]
    pub constraints: Vec<Value>,
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
    /// Free-form metadata; dbt-duckdb reads `external_location` here.
    #[serde(default)]
    pub meta: Option<Value>,
    /// Configs of every table of the source (`enabled`, `meta`, ...).
    #[serde(default)]
    pub config: Option<Value>,
    /// The tables of the source.
    #[serde(default)]
    pub tables: Vec<SourceTableProperties>,
    /// The column (or SQL expression) holding when each row was loaded.
    #[serde(default)]
    pub loaded_at_field: Option<String>,
    /// Freshness thresholds for every table; `Some(None)` is `null`.
    #[serde(default, deserialize_with = "crate::freshness::present")]
    pub freshness: Option<Option<crate::freshness::FreshnessProperties>>,
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
    /// Free-form metadata; dbt-duckdb reads `external_location` here.
    #[serde(default)]
    pub meta: Option<Value>,
    /// The table's columns.
    #[serde(default)]
    pub columns: Vec<ColumnProperties>,
    /// Configs of this table, over its source's.
    #[serde(default)]
    pub config: Option<Value>,
    /// Table-level tests.
    #[serde(default, alias = "tests")]
    pub data_tests: Vec<Value>,
    /// Overrides the source's `loaded_at_field`.
    #[serde(default)]
    pub loaded_at_field: Option<String>,
    /// Overrides parts of the source's freshness; `Some(None)` is `null`.
    #[serde(default, deserialize_with = "crate::freshness::present")]
    pub freshness: Option<Option<crate::freshness::FreshnessProperties>>,
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
    /// False when the source or the table says `config: {enabled: false}`.
    pub enabled: bool,
    /// dbt-duckdb's `external_location`, as the SQL `source()` prints
    /// instead of the relation (`'data/users.csv'`).
    pub external_location: Option<String>,
    /// The table's `loaded_at_field`, else its source's.
    pub loaded_at_field: Option<String>,
    /// The freshness criteria, the table's merged over its source's;
    /// `None` when no threshold is set (or `freshness: null`).
    pub freshness: Option<jgt_core::freshness::FreshnessCriteria>,
}

impl SchemaFile {
    /// Parses a schema file, reporting YAML errors with line and column.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ProjectError> {
        if text.trim().is_empty() {
            return Ok(SchemaFile::default());
        }
        // One YAML parse: the typed file is read from the tree, several
        // times quicker than parsing the text again. A tree has no lines,
        // so when reading it fails the text is parsed for a located error.
        let value = serde_yaml::from_str::<Value>(text);
        let typed = value
            .as_ref()
            .ok()
            .and_then(|v| SchemaFile::deserialize(v).ok());
        let mut file = match typed {
            Some(file) => file,
            None => serde_yaml::from_str(text).map_err(|err| duplicate_key(path, text, &err))?,
        };
        let value = value.map_err(|err| ProjectError::yaml(path, &err))?;
        crate::unit_tests::set_lines(&mut file.unit_tests, text);
        for group in &file.groups {
            if let Some(problem) = group.owner_problem() {
                return Err(ProjectError::InvalidValue {
                    path: path.into(),
                    line: crate::disabled::entry_line(text, &group.name),
                    key: format!("groups.{}.owner", group.name),
                    message: problem.into(),
                });
            }
        }
        let rest = std::mem::take(&mut file.rest);
        for key in rest.keys() {
            if DESCRIBING_KEYS.contains(&key.as_str()) {
                continue;
            }
            let why = match NOT_YET_KEYS.iter().find(|(k, _)| k == key) {
                Some((_, why)) => why.to_string(),
                None => {
                    let known = DESCRIBING_KEYS
                        .iter()
                        .chain(NOT_YET_KEYS.iter().map(|(k, _)| k))
                        .chain(&[
                            "version",
                            "models",
                            "seeds",
                            "sources",
                            "snapshots",
                            "unit_tests",
                            "groups",
                        ])
                        .copied();
                    let hint = crate::suggest::did_you_mean(&crate::suggest::nearest(key, known));
                    format!("no dbt version knows this key; it is not read.{hint}")
                }
            };
            file.unread.push(UnreadKey {
                key: key.clone(),
                line: crate::config::line_of_key(text, key, 0),
                why,
            });
        }
        file.unread.extend(crate::keys::walk(text, &value));
        Ok(file)
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
                    enabled: enabled(&table.config)
                        .or(enabled(&source.config))
                        .unwrap_or(true),
                    external_location: external_location(source, table),
                    loaded_at_field: table
                        .loaded_at_field
                        .clone()
                        .or(source.loaded_at_field.clone()),
                    freshness: jgt_core::freshness::FreshnessCriteria::merge(&[
                        crate::freshness::level(&source.freshness),
                        crate::freshness::level(&table.freshness),
                    ]),
                });
            }
        }
        tables
    }
}

/// dbt-duckdb's file-backed source: the table's (else the source's)
/// `external_location`, from `meta:` or `config:`, with `{name}`,
/// `{identifier}` and `{schema}` filled in; written as a quoted path
/// unless it is already SQL (a function call such as `read_csv(...)`, or
/// a quoted string).
fn external_location(source: &SourceProperties, table: &SourceTableProperties) -> Option<String> {
    let template = [&table.meta, &table.config, &source.meta, &source.config]
        .into_iter()
        .find_map(|map| map.as_ref()?.get("external_location")?.as_str())?;
    let identifier = table.identifier.as_deref().unwrap_or(&table.name);
    let schema = source.schema.as_deref().unwrap_or(&source.name);
    let location = template
        .replace("{name}", &table.name)
        .replace("{identifier}", identifier)
        .replace("{schema}", schema);
    if location.contains('(') || location.starts_with('\'') {
        return Some(location);
    }
    Some(format!("'{}'", location.replace('\'', "''")))
}

/// The `enabled` of a `config:` mapping, when it says one.
fn enabled(config: &Option<Value>) -> Option<bool> {
    config.as_ref()?.get("enabled")?.as_bool()
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

    #[test]
    fn a_top_level_key_given_twice_names_its_second_line() {
        let text = "version: 2\nmodels:\n  - name: a\n    models: x\nmodels:\n  - name: b\n";
        let err = SchemaFile::parse(Path::new("models/s.yml"), text).unwrap_err();
        assert!(
            matches!(&err, ProjectError::InvalidValue { line: 5, key, .. } if key == "models"),
            "{err}"
        );
        let text = "version: 2\nfoo: 1\nfoo: 2\n";
        let err = SchemaFile::parse(Path::new("models/s.yml"), text).unwrap_err();
        assert!(
            matches!(&err, ProjectError::InvalidValue { line: 3, .. }),
            "{err}"
        );
    }
}
