//! dbt unit tests as graph nodes: each `unit_tests:` entry of a schema
//! file becomes a node named `model::test`, a child of its model (as
//! dbt's `depends_on`), holding the model's SQL rendered with every given
//! input read from a CTE and the fixture rows. Anything that keeps a unit
//! test from running is an error naming its file and line.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use jgt_core::{Fixture, FixtureInput, FixtureValue, Relation, UnitTestWork};
use jgt_graph::{DagBuilder, Node, NodeId, NodeKind};
use jgt_project::{FixtureProperties, Project, UnitTestProperties};
use jgt_render::{Catalog, Overrides, Renderer};

use crate::compile::CompiledNode;
use crate::error::CompileError;

/// What adding unit tests gives.
type Result<T> = std::result::Result<T, CompileError>;

/// A unit test node's own details.
#[derive(Debug, Clone)]
pub struct UnitTestInfo {
    /// The tested model.
    pub model: NodeId,
    /// What the runner needs.
    pub work: UnitTestWork,
}

/// Adds every enabled unit test of the project's schema files.
pub fn add_unit_tests(
    project: &Project,
    renderer: &Renderer,
    catalog: &Arc<Catalog>,
    builder: &mut DagBuilder,
    nodes: &mut Vec<CompiledNode>,
) -> Result<()> {
    for entry in &project.schema_files {
        for test in &entry.file.unit_tests {
            let enabled = test.config.as_ref().and_then(|c| c.enabled);
            if enabled == Some(false) {
                continue;
            }
            let place = Place {
                project,
                file: &entry.path,
                test,
            };
            let node = place.compile(renderer, catalog, builder, nodes)?;
            let model = node.unit_test.as_ref().map(|u| u.model);
            let graph_node = Node {
                name: node.name.clone(),
                kind: NodeKind::UnitTest,
                path: entry.path.clone(),
                tags: node.config.tags.clone(),
                materialized: Some("unit".into()),
            };
            let id = builder.add_node(graph_node)?;
            nodes.push(node);
            if let Some(model) = model {
                builder.add_edge(model, id);
            }
        }
    }
    Ok(())
}

/// One unit test with where it is declared, for compiling and messages.
struct Place<'a> {
    project: &'a Project,
    file: &'a Path,
    test: &'a UnitTestProperties,
}

impl Place<'_> {
    /// An error about this unit test, with its file and line.
    fn error(&self, message: impl Into<String>) -> CompileError {
        CompileError::UnitTest {
            path: self.file.to_path_buf(),
            line: self.test.line,
            name: format!("{}::{}", self.test.model, self.test.name),
            message: message.into(),
        }
    }

    /// Checks the test, renders its model on the inputs' CTEs and reads
    /// its fixtures.
    fn compile(
        &self,
        renderer: &Renderer,
        catalog: &Arc<Catalog>,
        builder: &DagBuilder,
        nodes: &[CompiledNode],
    ) -> Result<CompiledNode> {
        let test = self.test;
        if test.versions.is_some() {
            return Err(self.error(
                "`versions:` is set, but jgt does not support model versions yet; \
                 remove it to test the model as it is",
            ));
        }
        let model_id = builder
            .find(&test.model)
            .filter(|id| nodes[id.index()].kind == NodeKind::Model)
            .ok_or_else(|| {
                let models = nodes
                    .iter()
                    .filter(|n| n.kind == NodeKind::Model)
                    .map(|n| n.name.as_str());
                let hint = jgt_project::suggest::did_you_mean(&jgt_project::suggest::nearest(
                    &test.model,
                    models,
                ));
                self.error(format!(
                    "model '{}' does not exist (or is disabled).{hint}",
                    test.model
                ))
            })?;
        let model = &nodes[model_id.index()];
        if model.needs_execution {
            return Err(self.error(format!(
                "model '{}' queries the database while rendering (run_query, statement, \
                 execute, ...); jgt cannot unit test such a model yet",
                model.name
            )));
        }
        self.check_incremental(model)?;
        let reads = Reads::of(builder, model_id, nodes);
        let mut inputs = Vec::new();
        let mut unit_catalog = (**catalog).clone();
        let mut this = model.relation.clone();
        for given in &test.given {
            let input = self.input(&given.input, model, &reads, nodes)?;
            let cte = Relation::new("", input.cte.clone());
            match &input.target {
                Target::Node(name) => {
                    unit_catalog.nodes.insert(name.clone(), cte);
                }
                Target::Source(key) => {
                    unit_catalog.sources.insert(key.clone(), cte);
                }
                Target::This => this = cte,
            }
            let fixture = self.fixture(&given.rows(), Some(&input), "given")?;
            if input.ephemeral && !matches!(fixture, Fixture::Sql(_)) {
                return Err(self.error(format!(
                    "input `{}` is an ephemeral model, which has no relation to take column \
                     types from: give its rows with `format: sql`, as dbt requires",
                    given.input.trim()
                )));
            }
            inputs.push(FixtureInput {
                input: given.input.trim().to_string(),
                cte: input.cte,
                relation: input.relation,
                fixture,
            });
        }
        if let Some(missing) = reads.missing(&test.given) {
            return Err(self.error(format!(
                "model '{}' reads {missing}, which `given:` does not list; give every ref and \
                 source of the model rows (`rows: []` for none)",
                model.name
            )));
        }
        let expected = self.fixture(&test.expect, None, "expect")?;
        let rendered = renderer.render_unit_test(
            &model.path,
            &model.name,
            &Arc::new(unit_catalog),
            Some(&this),
            model.materialization.map(|m| m.to_string()).as_deref(),
            self.overrides(),
        )?;
        let sql = jgt_core::sql::single_statement(&rendered.sql)
            .map_err(|err| self.error(format!("the model's SQL {err}")))?
            .to_string();
        let name = format!("{}::{}", test.model, test.name);
        let mut config = jgt_project::NodeConfig::default();
        config.tags = test
            .config
            .as_ref()
            .map(|c| c.tag_list())
            .unwrap_or_default();
        Ok(CompiledNode {
            config,
            package: model.package.clone(),
            description: test.description.clone(),
            sql: Some(sql.clone()),
            unit_test: Some(Box::new(UnitTestInfo {
                model: model_id,
                work: UnitTestWork {
                    model: test.model.clone(),
                    test: test.name.clone(),
                    file: self.file.to_path_buf(),
                    line: test.line,
                    sql,
                    inputs,
                    expected,
                },
            })),
            ..CompiledNode::new(&name, NodeKind::UnitTest, self.file, model.relation.clone())
        })
    }

    /// An incremental model's unit test must say what `is_incremental()`
    /// returns, and give `this` when it is true, as dbt requires.
    fn check_incremental(&self, model: &CompiledNode) -> Result<()> {
        if model.materialization != Some(jgt_core::Materialization::Incremental) {
            return Ok(());
        }
        let fixed = self
            .test
            .overrides
            .as_ref()
            .and_then(|o| o.macros.get("is_incremental"))
            .and_then(serde_yaml::Value::as_bool);
        match fixed {
            None => Err(self.error(format!(
                "model '{}' is incremental: set `overrides: {{macros: {{is_incremental: true}}}}` \
                 (or false) to say which case the test checks",
                model.name
            ))),
            Some(true) if !self.test.given.iter().any(|g| g.input.trim() == "this") => Err(self
                .error(format!(
                    "is_incremental is true, so the test needs a `this` input: the rows model '{}' \
                     already holds",
                    model.name
                ))),
            Some(_) => Ok(()),
        }
    }

    /// The test's `overrides:` as the renderer takes them.
    fn overrides(&self) -> Overrides {
        let Some(given) = &self.test.overrides else {
            return Overrides::default();
        };
        Overrides {
            macros: given.macros.clone(),
            vars: given.vars.clone(),
            env_vars: given
                .env_vars
                .iter()
                .map(|(k, v)| (k.clone(), yaml_text(v)))
                .collect(),
        }
    }

    /// Resolves one `input:` against what the model reads.
    fn input(
        &self,
        text: &str,
        model: &CompiledNode,
        reads: &Reads,
        nodes: &[CompiledNode],
    ) -> Result<Input> {
        let call = parse_input(text).ok_or_else(|| {
            self.error(format!(
                "input `{text}` is not ref('name'), source('source', 'table') or this"
            ))
        })?;
        let not_read = || {
            self.error(format!(
                "input `{text}` is not a ref or source of model '{}' (it reads: {})",
                model.name,
                reads.describe()
            ))
        };
        match call {
            InputCall::This => Ok(Input {
                target: Target::This,
                cte: jgt_compile_cte(&model.name),
                relation: model.relation.clone(),
                seed: None,
                ephemeral: false,
            }),
            InputCall::Ref(name) => {
                let id = reads.refs.get(&name).ok_or_else(not_read)?;
                let node = &nodes[id.index()];
                Ok(Input {
                    target: Target::Node(name.clone()),
                    cte: jgt_compile_cte(&name),
                    relation: node.relation.clone(),
                    seed: (node.kind == NodeKind::Seed).then(|| node.path.clone()),
                    ephemeral: node.materialization == Some(jgt_core::Materialization::Ephemeral),
                })
            }
            InputCall::Source(source, table) => {
                let key = (source.clone(), table.clone());
                let id = reads.sources.get(&key).ok_or_else(not_read)?;
                Ok(Input {
                    target: Target::Source(key),
                    cte: jgt_compile_cte(&format!("{source}__{table}")),
                    relation: nodes[id.index()].relation.clone(),
                    seed: None,
                    ephemeral: false,
                })
            }
        }
    }

    /// Reads one `given` or `expect` entry's rows in its format.
    fn fixture(
        &self,
        fixture: &FixtureProperties,
        input: Option<&Input>,
        key: &str,
    ) -> Result<Fixture> {
        let format = fixture.format.as_deref().unwrap_or("dict");
        match format {
            "dict" => self.dict_rows(fixture, input, key),
            "csv" => {
                let text = self.text_of(fixture, "csv", key)?;
                let rows = csv_rows(&text).map_err(|err| {
                    self.error(format!("{key}: the csv rows cannot be read: {err}"))
                })?;
                Ok(Fixture::Rows(rows))
            }
            "sql" => Ok(Fixture::Sql(self.text_of(fixture, "sql", key)?)),
            other => Err(self.error(format!(
                "{key}: format '{other}' is not one of dict, csv or sql"
            ))),
        }
    }

    /// `format: dict` rows: a list of mappings, or a seed's own rows when
    /// a seed input gives none.
    fn dict_rows(
        &self,
        fixture: &FixtureProperties,
        input: Option<&Input>,
        key: &str,
    ) -> Result<Fixture> {
        if fixture.fixture.is_some() {
            return Err(self.error(format!(
                "{key}: a fixture file holds csv or sql rows; add `format: csv` or `format: sql`"
            )));
        }
        let Some(rows) = &fixture.rows else {
            let seed = input
                .and_then(|i| i.seed.as_ref())
                .ok_or_else(|| self.error(format!("{key}: `rows:` is missing")))?;
            let text = std::fs::read_to_string(self.project.root.join(seed))
                .map_err(|err| self.error(format!("cannot read {}: {err}", seed.display())))?;
            let rows =
                csv_rows(&text).map_err(|err| self.error(format!("{}: {err}", seed.display())))?;
            return Ok(Fixture::Rows(rows));
        };
        let serde_yaml::Value::Sequence(items) = rows else {
            return Err(self.error(format!(
                "{key}: `rows:` must be a list of mappings in format dict (or set `format: csv` or `format: sql`)"
            )));
        };
        let rows = items
            .iter()
            .map(|item| {
                let serde_yaml::Value::Mapping(map) = item else {
                    return Err(self.error(format!("{key}: each row must be a mapping of column to value")));
                };
                map.iter()
                    .map(|(column, value)| {
                        let column = yaml_text(column);
                        let value = fixture_value(value).ok_or_else(|| {
                            self.error(format!(
                                "{key}: the value of '{column}' must be text, a number, true/false or null"
                            ))
                        })?;
                        Ok((column, value))
                    })
                    .collect::<Result<Vec<_>>>()
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Fixture::Rows(rows))
    }

    /// The text of `rows:`, or of the fixture file it names.
    fn text_of(&self, fixture: &FixtureProperties, extension: &str, key: &str) -> Result<String> {
        if let Some(name) = &fixture.fixture {
            let test_paths = &self.project.config.test_paths;
            let found = jgt_project::find_fixture(&self.project.root, test_paths, name, extension)
                .ok_or_else(|| {
                    self.error(format!(
                        "{key}: fixture '{name}' not found: no {name}.{extension} under {}",
                        test_paths
                            .iter()
                            .map(|p| format!("{p}/{}/", jgt_project::FIXTURES_DIR))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
            return std::fs::read_to_string(self.project.root.join(&found))
                .map_err(|err| self.error(format!("cannot read {}: {err}", found.display())));
        }
        match &fixture.rows {
            Some(serde_yaml::Value::String(text)) => Ok(text.clone()),
            _ => Err(self.error(format!(
                "{key}: format {extension} needs `rows:` as text or a `fixture:` file name"
            ))),
        }
    }
}

/// The CTE a given input is read from, as dbt names it.
fn jgt_compile_cte(name: &str) -> String {
    crate::ephemeral::cte_name(name)
}

/// A resolved input.
struct Input {
    target: Target,
    cte: String,
    relation: Relation,
    /// The seed file, when the input is a seed (dict inputs without rows
    /// read it).
    seed: Option<std::path::PathBuf>,
    /// Whether the input is an ephemeral model (never built).
    ephemeral: bool,
}

/// What an input replaces in the catalog.
enum Target {
    Node(String),
    Source((String, String)),
    This,
}

/// An input as written.
#[derive(Debug, PartialEq, Eq)]
enum InputCall {
    This,
    Ref(String),
    Source(String, String),
}

/// Parses `ref('x')`, `ref('package', 'x')`, `source('s', 't')`, `this`.
fn parse_input(text: &str) -> Option<InputCall> {
    let text = text.trim();
    if text == "this" {
        return Some(InputCall::This);
    }
    let (function, rest) = text.split_once('(')?;
    let args = rest.trim_end().strip_suffix(')')?;
    let args: Vec<String> = args
        .split(',')
        .map(|a| {
            let a = a.trim();
            a.strip_prefix('\'')
                .and_then(|a| a.strip_suffix('\''))
                .or_else(|| a.strip_prefix('"').and_then(|a| a.strip_suffix('"')))
                .map(str::to_string)
        })
        .collect::<Option<_>>()?;
    match (function.trim(), args.as_slice()) {
        ("ref", [name]) | ("ref", [_, name]) => Some(InputCall::Ref(name.clone())),
        ("source", [source, table]) => Some(InputCall::Source(source.clone(), table.clone())),
        _ => None,
    }
}

/// What a model reads: its refs and sources, by name.
struct Reads {
    refs: BTreeMap<String, NodeId>,
    sources: BTreeMap<(String, String), NodeId>,
}

impl Reads {
    fn of(builder: &DagBuilder, model: NodeId, nodes: &[CompiledNode]) -> Reads {
        let mut refs = BTreeMap::new();
        let mut sources = BTreeMap::new();
        for parent in builder.parents(model) {
            let node = &nodes[parent.index()];
            match node.kind {
                NodeKind::Source => {
                    if let Some((s, t)) = node.name.split_once('.') {
                        sources.insert((s.to_string(), t.to_string()), parent);
                    }
                }
                _ => {
                    refs.insert(node.name.clone(), parent);
                }
            }
        }
        Reads { refs, sources }
    }

    /// `ref('a'), source('s', 't')`, for messages.
    fn describe(&self) -> String {
        let all: Vec<String> = self
            .refs
            .keys()
            .map(|r| format!("ref('{r}')"))
            .chain(
                self.sources
                    .keys()
                    .map(|(s, t)| format!("source('{s}', '{t}')")),
            )
            .collect();
        if all.is_empty() {
            "nothing".into()
        } else {
            all.join(", ")
        }
    }

    /// The first ref or source not given, as written in SQL.
    fn missing(&self, given: &[jgt_project::GivenProperties]) -> Option<String> {
        let calls: Vec<InputCall> = given.iter().filter_map(|g| parse_input(&g.input)).collect();
        let refs = self
            .refs
            .keys()
            .filter(|name| !calls.contains(&InputCall::Ref((*name).clone())))
            .map(|name| format!("ref('{name}')"));
        let sources = self
            .sources
            .keys()
            .filter(|(s, t)| !calls.contains(&InputCall::Source(s.clone(), t.clone())))
            .map(|(s, t)| format!("source('{s}', '{t}')"));
        refs.chain(sources).next()
    }
}

/// A YAML scalar as text (`1`, `true`, `x`).
fn yaml_text(value: &serde_yaml::Value) -> String {
    match value {
        serde_yaml::Value::String(text) => text.clone(),
        serde_yaml::Value::Null => String::new(),
        other => serde_yaml::to_string(other)
            .map(|t| t.trim_end().to_string())
            .unwrap_or_default(),
    }
}

/// A dict fixture's value; `None` for a list or mapping.
fn fixture_value(value: &serde_yaml::Value) -> Option<FixtureValue> {
    Some(match value {
        serde_yaml::Value::Null => FixtureValue::Null,
        serde_yaml::Value::Bool(flag) => FixtureValue::Bool(*flag),
        serde_yaml::Value::Number(number) => FixtureValue::Number(number.to_string()),
        serde_yaml::Value::String(text) => FixtureValue::Text(text.clone()),
        _ => return None,
    })
}

/// CSV text as rows of text values; an empty field is null, as in dbt.
fn csv_rows(text: &str) -> std::result::Result<Vec<jgt_core::unit_test::FixtureRow>, String> {
    let mut records: Vec<Vec<String>> = Vec::new();
    let header = jgt_core::csv::visit_records(text.as_bytes(), ",", |fields| {
        records.push(
            fields
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect(),
        );
    })
    .map_err(|err| err.to_string())?;
    Ok(records
        .into_iter()
        .map(|record| {
            header
                .iter()
                .zip(record)
                .map(|(column, value)| {
                    let value = if value.is_empty() {
                        FixtureValue::Null
                    } else {
                        FixtureValue::Text(value)
                    };
                    (column.clone(), value)
                })
                .collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_parse_as_dbt_writes_them() {
        assert_eq!(parse_input(" this "), Some(InputCall::This));
        assert_eq!(
            parse_input("ref('stg_users')"),
            Some(InputCall::Ref("stg_users".into()))
        );
        assert_eq!(
            parse_input("ref(\"pkg\", \"m\")"),
            Some(InputCall::Ref("m".into()))
        );
        assert_eq!(
            parse_input("source('raw', 'users')"),
            Some(InputCall::Source("raw".into(), "users".into()))
        );
        assert_eq!(parse_input("users"), None);
        assert_eq!(parse_input("ref(users)"), None);
    }

    #[test]
    fn csv_fields_are_text_and_empty_ones_null() {
        let rows = csv_rows("id,name\n1,\n").unwrap();
        assert_eq!(
            rows,
            vec![vec![
                ("id".to_string(), FixtureValue::Text("1".into())),
                ("name".to_string(), FixtureValue::Null),
            ]]
        );
    }
}
