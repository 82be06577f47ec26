//! Data tests as graph nodes: generic tests from schema files and
//! singular tests from the test paths, rendered and wired to what they read.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::CompileError;

/// What adding tests gives.
type Result<T> = std::result::Result<T, CompileError>;
use jgt_core::Dialect;
use jgt_graph::{DagBuilder, Node, NodeId, NodeKind};
use jgt_project::{parse_test, Project, Relation, TestConfig, TestSpec};
use jgt_render::{Catalog, GenericTest, Rendered, Renderer};

use crate::compile::{compiled_path, CompiledNode, TestInfo};

/// A node's test entries, each with the column it is about (if any).
type TestEntries<'a> = Vec<(Option<String>, &'a serde_yaml::Value)>;

/// Adds every enabled test of the project to the graph and the node list.
pub fn add_tests(
    project: &Project,
    renderer: &Renderer,
    catalog: &Arc<Catalog>,
    dialect: &dyn Dialect,
    builder: &mut DagBuilder,
    nodes: &mut Vec<CompiledNode>,
) -> Result<()> {
    for entry in &project.schema_files {
        let mut described: Vec<(String, TestEntries)> = Vec::new();
        for properties in entry.file.models.iter().chain(&entry.file.seeds) {
            described.push((
                properties.name.clone(),
                specs(&properties.data_tests, &properties.columns, dialect),
            ));
        }
        for source in &entry.file.sources {
            for table in &source.tables {
                described.push((
                    format!("{}.{}", source.name, table.name),
                    specs(&table.data_tests, &table.columns, dialect),
                ));
            }
        }
        for (tested, tests) in described {
            // A schema entry for a node that does not exist was warned about.
            let Some(tested_id) = builder.find(&tested) else {
                continue;
            };
            for (column, value) in tests {
                let spec = parse_test(value, column.as_deref(), &entry.path)?;
                if spec.config.enabled {
                    let generic = Generic {
                        project,
                        renderer,
                        catalog,
                        dialect,
                    };
                    generic.add(builder, nodes, tested_id, &spec)?;
                }
            }
        }
    }
    for test in &project.tests {
        let out = renderer.render(&test.path, &test.name, catalog, None, None)?;
        let id = add_node(
            builder,
            nodes,
            &test.name,
            &test.path,
            compiled_path(project, &test.path),
            Some(test.text.clone()),
            TestConfig::default(),
            &out,
            Vec::new(),
            None,
            dialect,
        )?;
        nodes[id.index()].description = leading_comment(&test.text);
    }
    Ok(())
}

/// The `--` comment lines a singular test starts with: its rule in words.
fn leading_comment(sql: &str) -> Option<String> {
    let words: Vec<&str> = sql
        .lines()
        .map(str::trim)
        .take_while(|line| line.starts_with("--") || line.is_empty())
        .filter_map(|line| line.strip_prefix("--"))
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// What a built-in generic test means, in words a newcomer follows.
fn explain(spec: &TestSpec, tested: &str) -> Option<String> {
    let column = spec.column.as_deref().unwrap_or("the row");
    let arg = |key: &str| spec.args.get(key).map(yaml_list).unwrap_or_default();
    Some(match spec.test_name.as_str() {
        "unique" => format!(
            "{tested}.{column} must be unique; each failing row is a value found more than once (n_records says how often)."
        ),
        "not_null" => format!("{tested}.{column} must never be empty; each failing row has no {column}."),
        "accepted_values" => format!(
            "{tested}.{column} must be one of {}; each failing row is another value (n_records says how often).",
            arg("values")
        ),
        "relationships" => format!(
            "every {tested}.{column} must exist in {}.{}; each failing row is a value with no match there.",
            arg("to"),
            arg("field")
        ),
        _ => return None,
    })
}

fn yaml_list(value: &serde_yaml::Value) -> String {
    match value {
        serde_yaml::Value::Sequence(items) => {
            items.iter().map(yaml_text).collect::<Vec<_>>().join(", ")
        }
        other => yaml_text(other),
    }
}

/// A node's tests: model-level ones, then each column's.
fn specs<'a>(
    node_tests: &'a [serde_yaml::Value],
    columns: &'a [jgt_project::ColumnProperties],
    dialect: &dyn Dialect,
) -> TestEntries<'a> {
    let mut all: TestEntries = node_tests.iter().map(|t| (None, t)).collect();
    for column in columns {
        // As in dbt, a column name goes into test SQL as written unless
        // the schema file says `quote: true`.
        let name = match column.quote {
            Some(true) => dialect.quote(&column.name),
            _ => column.name.clone(),
        };
        all.extend(column.data_tests.iter().map(|t| (Some(name.clone()), t)));
    }
    all
}

/// What rendering a generic test needs besides the test itself.
struct Generic<'a> {
    project: &'a Project,
    renderer: &'a Renderer,
    catalog: &'a Arc<Catalog>,
    dialect: &'a dyn Dialect,
}

impl Generic<'_> {
    /// Renders one generic test of `tested` and adds it as a node.
    fn add(
        &self,
        builder: &mut DagBuilder,
        nodes: &mut Vec<CompiledNode>,
        tested: NodeId,
        spec: &TestSpec,
    ) -> Result<()> {
        let (project, renderer, catalog, dialect) =
            (self.project, self.renderer, self.catalog, self.dialect);
        let tested_node = &nodes[tested.index()];
        let name = spec
            .custom_name
            .clone()
            .unwrap_or_else(|| test_name(spec, &tested_node.name));
        let relation = dialect.relation(&tested_node.relation);
        let model = match &spec.config.where_clause {
            Some(filter) => dialect.subquery(
                &format!("select * from {relation} where {filter}"),
                "dbt_subquery",
            ),
            None => relation,
        };
        let out = renderer.render_generic_test(
            &GenericTest {
                node: &name,
                test_name: &spec.test_name,
                model,
                column: spec.column.as_deref(),
                args: &spec.args,
                path: &spec.path,
            },
            catalog,
        )?;
        let compiled = compiled_path(project, &spec.path.join(format!("{name}.sql")));
        let description = explain(spec, &nodes[tested.index()].name);
        let id = add_node(
            builder,
            nodes,
            &name,
            &spec.path,
            compiled,
            None,
            spec.config.clone(),
            &out,
            vec![tested],
            spec.column.clone(),
            dialect,
        )?;
        nodes[id.index()].description = description;
        Ok(())
    }
}

#[allow(clippy::too_many_arguments)]
fn add_node(
    builder: &mut DagBuilder,
    nodes: &mut Vec<CompiledNode>,
    name: &str,
    path: &Path,
    compiled: PathBuf,
    raw_sql: Option<String>,
    config: TestConfig,
    out: &Rendered,
    mut attached_to: Vec<NodeId>,
    column: Option<String>,
    dialect: &dyn Dialect,
) -> Result<NodeId> {
    let id = builder.add_node(Node {
        name: name.to_string(),
        kind: NodeKind::Test,
        path: path.to_path_buf(),
        tags: config.tags.clone(),
        materialized: Some("test".into()),
    })?;
    let parents = out
        .refs
        .iter()
        .cloned()
        .chain(out.sources.iter().map(|(s, t)| format!("{s}.{t}")))
        .filter_map(|parent| builder.find(&parent));
    let parents: Vec<NodeId> = parents.collect();
    if attached_to.is_empty() {
        // A singular test checks everything it reads.
        attached_to = parents.clone();
    }
    for &parent in attached_to.iter().chain(&parents) {
        builder.add_edge(parent, id);
    }
    let audit = Relation::new(dialect.test_audit_schema(), name);
    nodes.push(CompiledNode {
        sql: Some(out.sql.clone()),
        needs_execution: out.needs_execution && raw_sql.is_some(),
        raw_sql,
        compiled_path: Some(compiled),
        test: Some(TestInfo {
            config,
            attached_to,
            column,
        }),
        ..CompiledNode::new(name, NodeKind::Test, path, audit)
    });
    debug_assert_eq!(nodes.len(), id.index() + 1);
    Ok(id)
}

/// dbt's test names: `unique_stg_users_user_id`,
/// `accepted_values_stg_events_event_name__a__b`, with a hash suffix when
/// the name grows past what a table name should be.
pub fn test_name(spec: &TestSpec, tested: &str) -> String {
    let mut parts = vec![spec.test_name.clone(), tested.replace('.', "_")];
    if let Some(column) = &spec.column {
        parts.push(column.clone());
    }
    let mut name = parts.join("_");
    for value in spec.args.values() {
        let text = match value {
            serde_yaml::Value::Sequence(items) => {
                items.iter().map(yaml_text).collect::<Vec<_>>().join("__")
            }
            other => yaml_text(other),
        };
        name.push_str("__");
        name.push_str(&text);
    }
    let mut clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.len() > 63 {
        let hash = fnv1a(&clean);
        clean.truncate(46);
        clean.push_str(&format!("_{hash:016x}"));
    }
    clean
}

fn yaml_text(value: &serde_yaml::Value) -> String {
    match value {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// A small, stable string hash for shortening long test names.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
