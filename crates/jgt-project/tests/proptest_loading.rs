//! Property tests of project loading: `project.yml`, schema files, the
//! `models:` config tree and `Project::load` on a folder on disk.
//!
//! What is generated:
//! - arbitrary text, and YAML-ish text put together line by line from
//!   indentation, list dashes, keys (real project, config and schema keys,
//!   made-up ones, quoted ones), colons and values (plain and quoted
//!   scalars, flow lists and maps, block markers, anchors, aliases, tags,
//!   stray brackets and quotes, tabs);
//! - deeply nested flow and block collections;
//! - valid `project.yml` files, written out by hand from a generated
//!   configuration: a name, paths, `vars` and a `models:` tree of nested
//!   folders holding `+materialized`, `+tags`, `+schema` and `+enabled`;
//! - valid schema files declaring generated sources and tables;
//! - project folders on disk: a generated or YAML-ish `project.yml`, a
//!   YAML-ish schema file and model files at generated folders, some of
//!   them not UTF-8.
//!
//! What is asserted:
//! - no input makes `ProjectConfig::parse`, `SchemaFile::parse`,
//!   `ConfigTree::new` or `Project::load` panic;
//! - every error prints a non-empty message; parse errors start with the
//!   file they are about and never show line 0 (an unknown position is left
//!   out); an error serde_yaml places in the text is shown at that 1-based
//!   line and column;
//! - a generated `project.yml` parses back to exactly what was generated,
//!   and its `models:` tree gives each node the config that cascades down
//!   its folders (later levels override, tags add up);
//! - generated sources come back from `source_tables` with dbt's defaults
//!   (schema from the source name, identifier from the table name);
//! - a generated project folder loads with one model per enabled `.sql`
//!   file, sorted by path, each with its cascaded config.
//!
//! The budget is fixed: a set number of cases per property, a fixed RNG
//! seed and no failure files, so every CI run tries the same inputs.
//! Crashes found this way are kept as plain `#[test]`s at the end.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use jgt_project::{ConfigTree, NodeConfig, Project, ProjectConfig, ProjectError, SchemaFile};
use proptest::prelude::*;
use proptest::test_runner::{RngAlgorithm, RngSeed};
use serde_yaml::Value;

/// A fixed budget: `cases` inputs from a fixed seed, nothing written to disk.
fn budget(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(0x6a67_7401),
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------
// YAML-ish text

/// Keys a project or schema file may hold, and a few near misses.
const KEYS: &[&str] = &[
    "name",
    "version",
    "config-version",
    "profile",
    "database",
    "model-paths",
    "macro-paths",
    "seed-paths",
    "test-paths",
    "target-path",
    "vars",
    "models",
    "seeds",
    "sources",
    "tables",
    "columns",
    "data_tests",
    "tests",
    "description",
    "identifier",
    "schema",
    "config",
    "+materialized",
    "materialized",
    "+tags",
    "tags",
    "+enabled",
    "+schema",
    "+column_types",
    "column_types",
    "+meta",
    "meta",
    "+materialised",
    "demo",
    "staging",
    "model-path",
    "<<",
];

/// Values that stress YAML's corners.
const VALUES: &[&str] = &[
    "",
    "demo",
    "view",
    "table",
    "tabel",
    "true",
    "false",
    "null",
    "~",
    "0",
    "-1",
    "1e999",
    ".nan",
    "[]",
    "{}",
    "[a, b]",
    "[a, [b, {c: d}]]",
    "{a: 1, b: [2]}",
    "{+materialized: view}",
    "[models, seeds]",
    "|",
    "|-",
    ">",
    "&a x",
    "&a {b: 1}",
    "*a",
    "*missing",
    "!!str 1",
    "!!int x",
    "!!float nope",
    "!!binary aGk=",
    "!custom x",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "'",
    "\"unterminated",
    "'it''s'",
    "\"esc \\x41 \\u263a\"",
    "\"bad \\q\"",
    "- x",
    "? x",
    "@x",
    "`x",
    "%TAG ! x",
    "---",
    "...",
    "# comment",
    "\t",
    "a: b: c",
    ": x",
    ",",
];

/// One key: a known one, a made-up one, a quoted one or stray characters.
fn yaml_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(str::to_string),
        2 => "[a-z_+-]{1,8}",
        1 => "\"[^\"\\\\]{0,6}\"",
        1 => "'[a-z :]{0,6}'",
        1 => "[0-9]{1,3}",
        1 => "\\PC{1,4}",
    ]
}

/// One value: a tricky one from the list or generated text.
fn yaml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        5 => prop::sample::select(VALUES).prop_map(str::to_string),
        2 => "[a-z0-9_ ]{1,10}",
        1 => "-?[0-9]{1,4}(\\.[0-9]{1,3})?",
        1 => "\\PC{0,8}",
    ]
}

/// One line: indentation, maybe a list dash, maybe `key:`, a value.
fn yaml_line() -> impl Strategy<Value = String> {
    (
        0usize..8,
        prop::bool::weighted(0.2),
        prop::option::weighted(0.85, yaml_key()),
        yaml_value(),
    )
        .prop_map(|(indent, dash, key, value)| {
            let mut line = " ".repeat(indent);
            if dash {
                line.push_str("- ");
            }
            if let Some(key) = key {
                line.push_str(&key);
                line.push(':');
                if !value.is_empty() {
                    line.push(' ');
                }
            }
            line.push_str(&value);
            line
        })
}

/// Text that looks like YAML, often close to a real file.
fn yamlish() -> impl Strategy<Value = String> {
    (
        prop::bool::weighted(0.5),
        prop::collection::vec(yaml_line(), 0..14),
        prop::bool::ANY,
    )
        .prop_map(|(named, lines, newline)| {
            let mut text = if named {
                "name: demo\n".to_string()
            } else {
                String::new()
            };
            text.push_str(&lines.join("\n"));
            if newline {
                text.push('\n');
            }
            text
        })
}

/// Any text: plain Unicode, YAML-ish text, or raw bytes read leniently.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => yamlish(),
        1 => any::<String>(),
        1 => prop::collection::vec(any::<u8>(), 0..64)
            .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
    ]
}

/// Deeply nested collections, in flow or block style.
fn deep_yaml() -> impl Strategy<Value = String> {
    (0usize..3, 1usize..600).prop_map(|(style, depth)| match style {
        0 => format!(
            "name: demo\nvars: {}1{}",
            "[".repeat(depth),
            "]".repeat(depth)
        ),
        1 => format!("models: {}", "{a: ".repeat(depth)),
        _ => {
            let mut text = String::from("models:\n");
            for level in 0..depth.min(200) {
                let _ = writeln!(text, "{}f{level}:", "  ".repeat(level + 1));
            }
            text
        }
    })
}

// ---------------------------------------------------------------------------
// Error checks

/// The message of an error without the file and position in front of it.
fn message_of(err: &ProjectError) -> String {
    match err {
        ProjectError::Yaml { message, .. } | ProjectError::InvalidValue { message, .. } => {
            message.clone()
        }
        other => other.to_string(),
    }
}

/// Checks what every parse error must show: the file first, a message, no
/// line 0, and serde_yaml's own position for serde_yaml's own error.
fn check_parse_error(err: &ProjectError, path: &Path, text: &str) {
    let shown = err.to_string();
    assert!(
        shown.starts_with(&path.display().to_string()),
        "error does not start with the file: {shown}"
    );
    assert!(
        !message_of(err).trim().is_empty(),
        "empty message for {text:?}: {shown}"
    );
    assert!(
        !shown.starts_with(&format!("{}:0", path.display())),
        "line 0 shown for {text:?}: {shown}"
    );
    // The same error as serde_yaml's own parse of the text sits where
    // serde_yaml places it. (A typed parse may stop at another error
    // first: aliases and tags are resolved while deserializing.)
    let Err(syntax) = serde_yaml::from_str::<Value>(text) else {
        return;
    };
    let (
        Some(location),
        ProjectError::Yaml {
            line,
            column,
            message,
            ..
        },
    ) = (syntax.location(), err)
    else {
        return;
    };
    if syntax.to_string().starts_with(message.as_str()) {
        assert_eq!(
            (*line, *column),
            (location.line(), location.column()),
            "{shown} (serde_yaml: {syntax})"
        );
    }
}

/// Parses `text` as `project.yml` and, when it parses, checks its trees.
fn parse_project_yml(text: &str) {
    let path = Path::new("project.yml");
    match ProjectConfig::parse(path, text) {
        Ok(config) => {
            for (section, tree) in [("models", &config.models), ("seeds", &config.seeds)] {
                match ConfigTree::new(path, text, section, &config.name, tree.clone()) {
                    Ok(tree) => {
                        let _ = tree.resolve(&["staging".into(), "deeper".into()], "model");
                    }
                    Err(err) => {
                        assert!(!err.to_string().is_empty());
                        assert!(!message_of(&err).trim().is_empty(), "{err}");
                    }
                }
            }
        }
        Err(err) => check_parse_error(&err, path, text),
    }
}

/// Parses `text` as a schema file and uses what it declares.
fn parse_schema_file(text: &str) {
    let path = Path::new("models/schema.yml");
    match SchemaFile::parse(path, text) {
        Ok(file) => {
            let _ = file.source_tables(path);
        }
        Err(err) => check_parse_error(&err, path, text),
    }
}

// ---------------------------------------------------------------------------
// Valid project.yml files

/// Quotes text as a YAML double-quoted scalar, escaping all but printable
/// ASCII so every character survives exactly.
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if u32::from(c) <= 0xFFFF => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\U{:08X}", u32::from(c));
            }
        }
    }
    out.push('"');
    out
}

/// A value under `vars:`.
#[derive(Debug, Clone)]
enum Var {
    Null,
    Bool(bool),
    Int(i64),
    Text(String),
    List(Vec<Var>),
}

impl Var {
    /// The value in YAML flow style.
    fn yaml(&self) -> String {
        match self {
            Var::Null => "~".into(),
            Var::Bool(b) => b.to_string(),
            Var::Int(n) => n.to_string(),
            Var::Text(s) => quote(s),
            Var::List(items) => {
                let items: Vec<String> = items.iter().map(Var::yaml).collect();
                format!("[{}]", items.join(", "))
            }
        }
    }

    /// The value serde_yaml should read back.
    fn value(&self) -> Value {
        match self {
            Var::Null => Value::Null,
            Var::Bool(b) => Value::Bool(*b),
            Var::Int(n) => Value::from(*n),
            Var::Text(s) => Value::String(s.clone()),
            Var::List(items) => Value::Sequence(items.iter().map(Var::value).collect()),
        }
    }
}

fn var() -> impl Strategy<Value = Var> {
    let leaf = prop_oneof![
        Just(Var::Null),
        any::<bool>().prop_map(Var::Bool),
        any::<i64>().prop_map(Var::Int),
        "\\PC{0,12}".prop_map(Var::Text),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop::collection::vec(inner, 0..4).prop_map(Var::List)
    })
}

/// The configs written directly at one level of a `models:` tree.
#[derive(Debug, Clone, Default)]
struct Configs {
    materialized: Option<&'static str>,
    tags: Option<Vec<String>>,
    schema: Option<String>,
    enabled: Option<bool>,
}

/// One level of a `models:` tree: its configs and its folders.
#[derive(Debug, Clone, Default)]
struct Level {
    configs: Configs,
    folders: BTreeMap<String, Level>,
}

/// Folder names the trees and the files on disk share, so lookups hit.
const FOLDERS: [&str; 3] = ["f_a", "f_b", "f_c"];

fn configs() -> impl Strategy<Value = Configs> {
    (
        prop::option::of(prop::sample::select(
            &["view", "table", "incremental", "ephemeral"][..],
        )),
        prop::option::of(prop::collection::vec("[a-z]{1,3}", 0..3)),
        prop::option::of("\\PC{0,8}"),
        prop::option::weighted(0.3, any::<bool>()),
    )
        .prop_map(|(materialized, tags, schema, enabled)| Configs {
            materialized,
            tags,
            schema,
            enabled,
        })
}

fn level() -> impl Strategy<Value = Level> {
    let leaf = configs().prop_map(|configs| Level {
        configs,
        folders: BTreeMap::new(),
    });
    leaf.prop_recursive(3, 16, 3, |inner| {
        (
            configs(),
            prop::collection::btree_map(prop::sample::select(&FOLDERS[..]), inner, 0..3),
        )
            .prop_map(|(configs, folders)| Level {
                configs,
                folders: folders
                    .into_iter()
                    .map(|(name, level)| (name.to_string(), level))
                    .collect(),
            })
    })
}

impl Configs {
    /// Writes the configs as `+key: value` lines at `indent`.
    fn write(&self, out: &mut String, indent: usize, block: bool) {
        let pad = " ".repeat(indent);
        if let Some(m) = self.materialized {
            let _ = writeln!(out, "{pad}+materialized: {m}");
        }
        if let Some(tags) = &self.tags {
            let quoted: Vec<String> = tags.iter().map(|t| quote(t)).collect();
            if block && !tags.is_empty() {
                let _ = writeln!(out, "{pad}\"+tags\":");
                for tag in quoted {
                    let _ = writeln!(out, "{pad}  - {tag}");
                }
            } else {
                let _ = writeln!(out, "{pad}+tags: [{}]", quoted.join(", "));
            }
        }
        if let Some(schema) = &self.schema {
            let _ = writeln!(out, "{pad}'+schema': {}", quote(schema));
        }
        if let Some(enabled) = self.enabled {
            let _ = writeln!(out, "{pad}+enabled: {enabled}");
        }
    }

    /// What applying these configs does to `config`, as the docs describe.
    fn apply(&self, config: &mut NodeConfig) {
        if let Some(m) = self.materialized {
            config.materialized = Some(m.to_string());
        }
        for tag in self.tags.iter().flatten() {
            if !config.tags.contains(tag) {
                config.tags.push(tag.clone());
            }
        }
        if let Some(schema) = &self.schema {
            config.schema = Some(schema.clone());
        }
        if let Some(enabled) = self.enabled {
            config.enabled = Some(enabled);
        }
    }

    fn is_empty(&self) -> bool {
        self.materialized.is_none()
            && self.tags.is_none()
            && self.schema.is_none()
            && self.enabled.is_none()
    }
}

impl Level {
    /// Writes the level's configs, then each folder as a nested mapping.
    fn write(&self, out: &mut String, indent: usize, block: bool) {
        self.configs.write(out, indent, block);
        for (name, level) in &self.folders {
            let _ = write!(out, "{}{}:", " ".repeat(indent), quote(name));
            if level.is_empty() {
                out.push_str(" {}\n");
            } else {
                out.push('\n');
                level.write(out, indent + 2, block);
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.configs.is_empty() && self.folders.is_empty()
    }
}

/// A whole `project.yml`, as generated.
#[derive(Debug, Clone)]
struct GenProject {
    name: String,
    database: Option<String>,
    model_paths: Option<Vec<String>>,
    macro_paths: Option<Vec<String>>,
    target_path: Option<String>,
    vars: BTreeMap<String, Var>,
    /// Configs at the top of `models:`, above the project's own key.
    top: Configs,
    /// The tree under `models: <name>:`.
    models: Level,
    /// Lists in block style rather than flow style.
    block: bool,
}

fn gen_project() -> impl Strategy<Value = GenProject> {
    (
        "p_\\PC{0,8}",
        prop::option::of("\\PC{1,12}"),
        prop::option::of(prop::collection::vec(
            "[a-z_]{1,4}(/[a-z_]{1,4}){0,2}",
            0..3,
        )),
        prop::option::of(prop::collection::vec("[\\PC&&[^/\\\\.]]{1,8}", 1..3)),
        prop::option::of("[a-z_]{1,8}"),
        prop::collection::btree_map("\\PC{1,8}", var(), 0..4),
        configs(),
        level(),
        any::<bool>(),
    )
        .prop_map(
            |(name, database, model_paths, macro_paths, target_path, vars, top, models, block)| {
                GenProject {
                    name,
                    database,
                    model_paths,
                    macro_paths,
                    target_path,
                    vars,
                    top,
                    models,
                    block,
                }
            },
        )
}

impl GenProject {
    /// The `project.yml` text, keys in a fixed order.
    fn text(&self) -> String {
        let mut out = format!("name: {}\n", quote(&self.name));
        if let Some(database) = &self.database {
            let _ = writeln!(out, "database: {}", quote(database));
        }
        for (key, paths) in [
            ("model-paths", &self.model_paths),
            ("macro-paths", &self.macro_paths),
        ] {
            let Some(paths) = paths else { continue };
            let quoted: Vec<String> = paths.iter().map(|p| quote(p)).collect();
            if self.block && !paths.is_empty() {
                let _ = writeln!(out, "{key}:");
                for path in quoted {
                    let _ = writeln!(out, "  - {path}");
                }
            } else {
                let _ = writeln!(out, "{key}: [{}]", quoted.join(", "));
            }
        }
        if let Some(target) = &self.target_path {
            let _ = writeln!(out, "target-path: {}", quote(target));
        }
        if !self.vars.is_empty() {
            out.push_str("vars:\n");
            for (key, value) in &self.vars {
                let _ = writeln!(out, "  {}: {}", quote(key), value.yaml());
            }
        }
        out.push_str("models:\n");
        self.top.write(&mut out, 2, self.block);
        let _ = writeln!(out, "  {}:", quote(&self.name));
        self.models.write(&mut out, 4, self.block);
        if self.models.is_empty() {
            // An empty project level: keep it a mapping.
            out.truncate(out.len() - 1);
            out.push_str(" {}\n");
        }
        out
    }

    /// The config a node at `folders` with file stem `stem` should get.
    fn expected(&self, folders: &[&str], stem: &str) -> NodeConfig {
        let mut config = NodeConfig::default();
        self.top.apply(&mut config);
        self.models.configs.apply(&mut config);
        let mut level = &self.models;
        for folder in folders.iter().copied().chain([stem]) {
            match level.folders.get(folder) {
                Some(next) => {
                    next.configs.apply(&mut config);
                    level = next;
                }
                None => break,
            }
        }
        config
    }
}

/// Folder paths below `models/` and a file stem.
fn node_places() -> impl Strategy<Value = Vec<(Vec<&'static str>, String)>> {
    prop::collection::vec(
        (
            prop::collection::vec(prop::sample::select(&FOLDERS[..]), 0..4),
            "m_[a-z]{1,4}",
        ),
        1..6,
    )
}

// ---------------------------------------------------------------------------
// Valid schema files

/// A source table: name, identifier, description.
type GenTable = (String, Option<String>, Option<String>);
/// A source: name, schema, description, tables.
type GenSource = (String, Option<String>, Option<String>, Vec<GenTable>);

fn gen_sources() -> impl Strategy<Value = Vec<GenSource>> {
    let table = (
        "\\PC{1,8}",
        prop::option::of("\\PC{1,8}"),
        prop::option::of("\\PC{0,12}"),
    );
    let source = (
        "\\PC{1,8}",
        prop::option::of("\\PC{1,8}"),
        prop::option::of("\\PC{0,12}"),
        prop::collection::vec(table, 0..4),
    );
    prop::collection::vec(source, 0..4)
}

fn sources_text(sources: &[GenSource]) -> String {
    let mut out = String::from("version: 2\n\nsources:\n");
    for (name, schema, description, tables) in sources {
        let _ = writeln!(out, "  - name: {}", quote(name));
        if let Some(schema) = schema {
            let _ = writeln!(out, "    schema: {}", quote(schema));
        }
        if let Some(description) = description {
            let _ = writeln!(out, "    description: {}", quote(description));
        }
        if tables.is_empty() {
            continue;
        }
        out.push_str("    tables:\n");
        for (name, identifier, description) in tables {
            let _ = writeln!(out, "      - name: {}", quote(name));
            if let Some(identifier) = identifier {
                let _ = writeln!(out, "        identifier: {}", quote(identifier));
            }
            if let Some(description) = description {
                let _ = writeln!(out, "        description: {}", quote(description));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Folders on disk

fn write(root: &Path, path: &str, bytes: &[u8]) {
    let full = root.join(path);
    std::fs::create_dir_all(full.parent().expect("files sit in a folder")).unwrap();
    std::fs::write(full, bytes).unwrap();
}

/// What may go in a model file: SQL text or bytes that are not UTF-8.
fn model_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => "select [0-9a-z ]{0,12}".prop_map(String::into_bytes),
        1 => prop::collection::vec(any::<u8>(), 0..16),
    ]
}

// ---------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(budget(256))]

    /// `ProjectConfig::parse` and the config trees take any text.
    #[test]
    fn project_yml_parsing_never_panics(text in any_text()) {
        parse_project_yml(&text);
    }

    /// `SchemaFile::parse` takes any text.
    #[test]
    fn schema_file_parsing_never_panics(text in any_text()) {
        parse_schema_file(&text);
    }


    /// What is generated is what is parsed, and the tree cascades.
    #[test]
    fn generated_project_yml_round_trips(
        project in gen_project(),
        places in node_places(),
    ) {
        let text = project.text();
        let path = Path::new("project.yml");
        let config = ProjectConfig::parse(path, &text)
            .map_err(|err| TestCaseError::fail(format!("{err}\n{text}")))?;
        prop_assert_eq!(&config.name, &project.name);
        prop_assert_eq!(
            &config.database,
            project.database.as_deref().unwrap_or("target/jgt.duckdb")
        );
        let models = project.model_paths.clone().unwrap_or_else(|| vec!["models".into()]);
        prop_assert_eq!(&config.model_paths, &models);
        let macros = project.macro_paths.clone().unwrap_or_else(|| vec!["macros".into()]);
        prop_assert_eq!(&config.macro_paths, &macros);
        prop_assert_eq!(&config.seed_paths, &["seeds"]);
        prop_assert_eq!(&config.test_paths, &["tests"]);
        prop_assert_eq!(
            &config.target_path,
            project.target_path.as_deref().unwrap_or("target")
        );
        let vars: BTreeMap<String, Value> = project
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), v.value()))
            .collect();
        prop_assert_eq!(&config.vars, &vars);
        prop_assert!(config.seeds.is_null());

        let tree = ConfigTree::new(path, &text, "models", &config.name, config.models.clone())
            .map_err(|err| TestCaseError::fail(format!("{err}\n{text}")))?;
        for (folders, stem) in &places {
            let folder_names: Vec<String> = folders.iter().map(|f| f.to_string()).collect();
            prop_assert_eq!(
                tree.resolve(&folder_names, stem),
                project.expected(folders, stem),
                "at {:?}/{}\n{}", folders, stem, text
            );
        }
    }

    /// Declared sources come back with dbt's defaults filled in.
    #[test]
    fn generated_sources_round_trip(sources in gen_sources()) {
        let text = sources_text(&sources);
        let path = Path::new("models/sources.yml");
        let file = SchemaFile::parse(path, &text)
            .map_err(|err| TestCaseError::fail(format!("{err}\n{text}")))?;
        let tables = file.source_tables(path);
        let mut expected = Vec::new();
        for (source, schema, source_description, source_tables) in &sources {
            for (table, identifier, description) in source_tables {
                expected.push((
                    source.clone(),
                    table.clone(),
                    schema.clone().unwrap_or_else(|| source.clone()),
                    identifier.clone().unwrap_or_else(|| table.clone()),
                    description.clone().or_else(|| source_description.clone()),
                ));
            }
        }
        let got: Vec<_> = tables
            .into_iter()
            .map(|t| {
                prop_assert_eq!(&t.path, path);
                Ok((t.source_name, t.table_name, t.schema, t.identifier, t.description))
            })
            .collect::<Result<_, TestCaseError>>()?;
        prop_assert_eq!(got, expected);
    }
}

proptest! {
    #![proptest_config(budget(64))]

    /// Deep nesting is an error or a value, never a stack overflow.
    #[test]
    fn deep_nesting_never_panics(text in deep_yaml()) {
        parse_project_yml(&text);
        parse_schema_file(&text);
    }

    /// A folder with YAML-ish files and odd model files loads or fails
    /// with a message; it never panics.
    #[test]
    fn loading_a_yamlish_project_never_panics(
        project_yml in yamlish(),
        schema_yml in yamlish(),
        model in model_bytes(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "project.yml", project_yml.as_bytes());
        write(root, "models/schema.yml", schema_yml.as_bytes());
        write(root, "models/staging/m.sql", &model);
        write(root, "seeds/s.csv", b"a\n1\n");
        write(root, "macros/x.sql", &model);
        if let Err(err) = Project::load(root) {
            let shown = err.to_string();
            prop_assert!(!message_of(&err).trim().is_empty(), "{}", shown);
            if let ProjectError::Yaml { path, .. } = &err {
                let text = if path.ends_with("project.yml") { &project_yml } else { &schema_yml };
                check_parse_error(&err, path, text);
            }
        }
    }

    /// A generated project loads one model per enabled `.sql` file, each
    /// with the config its folders give it.
    #[test]
    fn generated_projects_load_their_models(
        mut project in gen_project(),
        places in node_places(),
        sources in gen_sources(),
    ) {
        project.model_paths = None;
        project.macro_paths = None;
        // Values holding `{{` or `{%` are Jinja, rendered before the
        // project is read (see render.rs): not the plain values tested here.
        let text = project.text();
        prop_assume!(!text.contains("{{") && !text.contains("{%"));
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "project.yml", text.as_bytes());
        write(root, "models/sources.yml", sources_text(&sources).as_bytes());
        let mut expected = BTreeMap::new();
        for (folders, stem) in &places {
            let mut path = String::from("models/");
            for folder in folders {
                path.push_str(folder);
                path.push('/');
            }
            path.push_str(stem);
            path.push_str(".sql");
            write(root, &path, b"select 1");
            let config = project.expected(folders, stem);
            if config.is_enabled() {
                expected.insert(path, (stem.clone(), config));
            } else {
                expected.remove(&path);
            }
        }
        let loaded = Project::load(root)
            .map_err(|err| TestCaseError::fail(format!("{err}\n{}", project.text())))?;
        let got: Vec<(String, (String, NodeConfig))> = loaded
            .models
            .iter()
            .map(|m| (m.path.to_string_lossy().into_owned(), (m.name.clone(), m.config.clone())))
            .collect();
        let mut wanted: Vec<_> = expected.into_iter().collect();
        wanted.sort_by(|a, b| Path::new(&a.0).cmp(Path::new(&b.0)));
        prop_assert_eq!(got, wanted);
        prop_assert_eq!(loaded.schema_files.len(), 1);
        let declared: usize = sources.iter().map(|s| s.3.len()).sum();
        prop_assert_eq!(loaded.sources.len(), declared);
    }
}

// ---------------------------------------------------------------------------
// Regressions found by the properties above

/// A schema file whose first document parses but which goes on with a
/// second one fails without a position from serde_yaml; it used to print
/// as `models/schema.yml:0:0: ...`, although the text has an error at 1:21.
#[test]
fn errors_without_a_position_do_not_print_line_0() {
    let text = "    config-version: !!int x\ndemo";
    let path = Path::new("models/schema.yml");
    let err = SchemaFile::parse(path, text).unwrap_err();
    let shown = err.to_string();
    // Top-level keys are read (to name the ones jgt reads past), so the
    // bad `!!int` is now found first, at its own position.
    assert!(
        shown.starts_with("models/schema.yml:1:21: ") && !shown.contains(":0:"),
        "{shown}"
    );
    check_parse_error(&err, path, text);
}
