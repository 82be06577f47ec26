//! Data tests as graph nodes: generic tests from schema files and
//! singular tests from the test paths, rendered and wired to what they read.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::CompileError;

/// What adding tests gives.
type Result<T> = std::result::Result<T, CompileError>;
use jgt_core::Dialect;
use jgt_graph::{DagBuilder, Node, NodeId, NodeKind};
use jgt_project::{parse_test, Project, Relation, TestConfig, TestSpec};
use jgt_render::{Catalog, GenericTest, Rendered, Renderer};

use crate::compile::{compiled_path, CompiledNode, GenericCall, TestInfo};

mod names;

pub use names::test_names;
use names::{metadata, Target};

/// A node's test entries, each with the column it is about (if any).
type TestEntries<'a> = Vec<(Option<String>, &'a serde_yaml::Value)>;

/// Adds every enabled test of the project to the graph and the node list.
/// A test that reads a disabled node is left out, as dbt leaves it out;
/// the warnings returned name each one.
pub fn add_tests(
    project: &Project,
    renderer: &Renderer,
    catalog: &Arc<Catalog>,
    dialect: &dyn Dialect,
    builder: &mut DagBuilder,
    nodes: &mut Vec<CompiledNode>,
) -> Result<Vec<String>> {
    let generic = Generic {
        project,
        renderer,
        catalog,
        dialect,
        versions: versions(project),
    };
    // Gathered in file order, parsed, rendered and made into nodes over
    // the cores, added in file order: the graph, the errors and the
    // warnings do not depend on threads.
    let mut entries: Vec<Entry> = Vec::new();
    for entry in &project.schema_files {
        for (tested, tests) in described(entry, dialect) {
            // A schema entry for a node that does not exist was warned about.
            let Some(tested_id) = builder.find(&tested) else {
                continue;
            };
            for (column, value) in tests {
                entries.push((tested_id, column, value, entry));
            }
        }
    }
    let made = jgt_core::parallel::map(
        &entries,
        |(tested, column, value, entry)| match parse_test(value, column.as_deref(), &entry.path) {
            Ok(spec) => generic.make(nodes, *tested, spec, entry),
            Err(err) => Made::Invalid(err.into()),
        },
    );
    // Room for every test at once (compile() made room for them all
    // before the models, see `declared`): growing copies the nodes
    // already there, some 20 MB at 10,000 models.
    nodes.reserve(made.len() + project.tests.len());
    let mut warnings = Vec::new();
    for made in made {
        let added = match made {
            Made::Off => continue,
            Made::Invalid(err) => return Err(err),
            Made::Failed(err) => Err(err),
            Made::Test(test) => insert(builder, nodes, *test).map(|_| ()),
        };
        warnings.extend(skip_disabled(added)?);
    }
    for test in &project.tests {
        let out = match renderer.render(&test.path, &test.name, catalog, None, None) {
            Ok(out) => out,
            Err(err) => {
                warnings.extend(skip_disabled(Err(err.into()))?);
                continue;
            }
        };
        let own = singular_config(&out, &test.path)?;
        let config = project
            .test_trees
            .config_of(&test.package, &test.folders, &test.name, &own);
        if !config.enabled {
            continue;
        }
        let audit = audit_schema(renderer, &test.name, &test.path, &test.package, &config)?;
        let mut made = prepare(
            &test.name,
            &test.path,
            compiled_path(project, &test.path),
            config,
            &out,
            Vec::new(),
            None,
            audit,
        );
        made.details.raw_sql = Some(test.text.clone());
        made.details.description = leading_comment(&test.text);
        insert(builder, nodes, made)?;
    }
    Ok(warnings)
}

/// A singular test's own `config()` (`severity`, `enabled`, ...), checked
/// as a schema file's test configs are: what goes over the project file's
/// `data_tests:` tree.
fn singular_config(out: &Rendered, path: &Path) -> Result<Vec<(String, serde_yaml::Value)>> {
    let mut config = TestConfig::default();
    for (key, value) in &out.config {
        jgt_project::set_test_config(&mut config, key, value).map_err(|message| {
            jgt_project::ProjectError::InvalidValue {
                path: path.to_path_buf(),
                line: 0,
                key: format!("config({key}=...)"),
                message: message.to_string(),
            }
        })?;
    }
    Ok(out.config.clone())
}

/// The schema a test's failures are stored in: its `schema` config, or
/// dbt's `dbt_test__audit`, named by the project's `generate_schema_name`
/// as a model's custom schema is (`main_dbt_test__audit` by default).
fn audit_schema(
    renderer: &Renderer,
    name: &str,
    path: &Path,
    package: &str,
    config: &TestConfig,
) -> Result<String> {
    let node = jgt_render::NodeInfo {
        name,
        resource_type: "test",
        path,
        package_name: package,
        materialized: Some("test"),
        tags: &config.tags,
    };
    let custom = config.schema.as_deref().unwrap_or(AUDIT_SCHEMA);
    Ok(renderer.schema_name(Some(custom), &node)?)
}

/// dbt's default `schema` config of a test: where stored failures go.
const AUDIT_SCHEMA: &str = "dbt_test__audit";

/// A test that reads a node `enabled: false` left out is left out too, as
/// dbt leaves it out, with a warning; any other error stops.
fn skip_disabled(added: Result<()>) -> Result<Option<String>> {
    match added {
        Ok(()) => Ok(None),
        Err(CompileError::Render(err @ jgt_render::RenderError::DisabledNode { .. })) => Ok(Some(
            format!("{err}; the test is left out, as dbt leaves it out"),
        )),
        Err(err) => Err(err),
    }
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

/// How many tests the project's files declare at most (generic tests in
/// schema files and singular tests), counted before anything is rendered
/// so the node list is made big enough once.
pub(crate) fn declared(project: &Project) -> usize {
    let of = |tests: &[serde_yaml::Value], columns: &[jgt_project::ColumnProperties]| {
        tests.len() + columns.iter().map(|c| c.data_tests.len()).sum::<usize>()
    };
    let generic: usize = project
        .schema_files
        .iter()
        .map(|entry| {
            let file = &entry.file;
            let nodes = file.models.iter().chain(&file.seeds);
            let tables = file.sources.iter().flat_map(|s| &s.tables);
            nodes.map(|p| of(&p.data_tests, &p.columns)).sum::<usize>()
                + tables.map(|t| of(&t.data_tests, &t.columns)).sum::<usize>()
        })
        .sum();
    generic + project.tests.len()
}

/// The nodes a schema file describes (models, seeds, source tables), each
/// with its test entries.
fn described<'a>(
    entry: &'a jgt_project::SchemaEntry,
    dialect: &dyn Dialect,
) -> Vec<(String, TestEntries<'a>)> {
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
    described
}

/// What rendering a generic test needs besides the test itself.
struct Generic<'a> {
    project: &'a Project,
    renderer: &'a Renderer,
    catalog: &'a Arc<Catalog>,
    dialect: &'a dyn Dialect,
    /// Each versioned model's node (`dim_customers_v2`) with the model's
    /// name and the version.
    versions: HashMap<&'a str, (&'a str, &'a str)>,
}

/// Each versioned model's node with the model's name and the version.
fn versions(project: &Project) -> HashMap<&str, (&str, &str)> {
    let mut found = HashMap::new();
    for model in &project.versions {
        for (version, node) in &model.nodes {
            found.insert(node.as_str(), (model.name.as_str(), version.as_str()));
        }
    }
    found
}

/// One generic test of one node, named and ready to render.
struct Call {
    tested: NodeId,
    tested_name: String,
    spec: TestSpec,
    name: String,
    alias: String,
    /// The tested relation, when the test reads it whole.
    whole: Option<Relation>,
    /// What the test reads: the relation or a filtered subquery.
    model: String,
    /// What dbt's metadata says of the tested node: its schema file key
    /// and the `model` argument.
    target: Target,
}

impl Generic<'_> {
    /// Names one generic test of `tested`, declared in schema file
    /// `entry`, gives it its configs (the project file's `data_tests:`
    /// tree, under the entry's own) and says what it reads.
    fn call(
        &self,
        nodes: &[CompiledNode],
        tested: NodeId,
        mut spec: TestSpec,
        entry: &jgt_project::SchemaEntry,
    ) -> Call {
        let tested_node = &nodes[tested.index()];
        let (name, alias) = match &spec.custom_name {
            Some(name) => (name.clone(), name.clone()),
            None => test_names(&spec, tested_node),
        };
        spec.config = self.project.test_trees.config_of(
            &entry.package,
            &entry.folders,
            &name,
            &spec.own_configs,
        );
        let whole = spec
            .config
            .where_clause
            .is_none()
            .then(|| tested_node.relation.clone());
        let relation = self.dialect.relation(&tested_node.relation);
        let model = match &spec.config.where_clause {
            Some(filter) => self.dialect.subquery(
                &format!("select * from {relation} where {filter}"),
                "dbt_subquery",
            ),
            None => relation,
        };
        let version = self.versions.get(tested_node.name.as_str()).copied();
        let target = Target::of(tested_node, version);
        Call {
            tested,
            tested_name: tested_node.name.clone(),
            spec,
            name,
            alias,
            whole,
            model,
            target,
        }
    }

    /// Renders a generic test into its SQL.
    fn render(&self, call: &Call) -> Result<Rendered> {
        let spec = &call.spec;
        let test = GenericTest {
            node: &call.name,
            test_name: &spec.test_name,
            model: call.model.clone(),
            relation: call.whole.as_ref(),
            column: spec.column.as_deref(),
            args: &spec.args,
            path: &spec.path,
            store_failures: spec.config.store_failures,
        };
        Ok(self.renderer.render_generic_test(&test, self.catalog)?)
    }

    /// Names, renders and makes the node of one generic test of `tested`,
    /// declared by schema file `entry` of a package (empty for the
    /// project's own): the test belongs to that package, as in dbt.
    fn make(
        &self,
        nodes: &[CompiledNode],
        tested: NodeId,
        spec: TestSpec,
        entry: &jgt_project::SchemaEntry,
    ) -> Made {
        let package = entry.package.as_str();
        let call = self.call(nodes, tested, spec, entry);
        if !call.spec.config.enabled {
            return Made::Off;
        }
        let audit = match audit_schema(
            self.renderer,
            &call.name,
            &call.spec.path,
            package,
            &call.spec.config,
        ) {
            Ok(schema) => schema,
            Err(err) => return Made::Failed(err),
        };
        let out = match self.render(&call) {
            Ok(out) => out,
            Err(err) => return Made::Failed(err),
        };
        let Call {
            tested,
            tested_name,
            spec,
            name,
            alias,
            whole,
            model,
            target,
        } = call;
        let compiled = compiled_path(self.project, &spec.path.join(format!("{alias}.sql")));
        let mut made = prepare(
            &name,
            &spec.path,
            compiled,
            spec.config.clone(),
            &out,
            vec![tested],
            spec.column.clone(),
            audit.clone(),
        );
        let details = &mut made.details;
        details.package = package.to_string();
        details.description = explain(&spec, &tested_name);
        details.relation = Relation::new(audit, alias);
        if let Some(test) = details.test.as_mut() {
            if out.needs_execution {
                test.generic = Some(GenericCall {
                    test_name: spec.test_name.clone(),
                    model,
                    relation: whole,
                    column: spec.column.clone(),
                    args: spec.args.clone(),
                    path: spec.path,
                });
            }
            test.metadata = Some(Box::new(metadata(
                &name,
                spec.test_name,
                spec.namespace,
                spec.args,
                spec.column,
                target,
            )));
        }
        Made::Test(Box::new(made))
    }
}

/// One schema file test entry: the node it tests, its column (if any),
/// its YAML and the schema file.
type Entry<'a> = (
    NodeId,
    Option<String>,
    &'a serde_yaml::Value,
    &'a jgt_project::SchemaEntry,
);

/// What one schema file test entry makes.
enum Made {
    /// A test with `enabled: false`.
    Off,
    /// An entry that is not a valid test.
    Invalid(CompileError),
    /// A test whose rendering failed.
    Failed(CompileError),
    /// A test node, ready to add.
    Test(Box<TestNode>),
}

/// A test node made apart from the graph: everything but its edges.
struct TestNode {
    node: Node,
    details: CompiledNode,
    /// What it reads, by name, as its rendering found it.
    reads: Vec<String>,
}

/// A rendered test's node. `attached_to` names the nodes a generic test
/// checks; a singular test (none) checks everything it reads.
#[allow(clippy::too_many_arguments)]
fn prepare(
    name: &str,
    path: &Path,
    compiled: PathBuf,
    config: TestConfig,
    out: &Rendered,
    attached_to: Vec<NodeId>,
    column: Option<String>,
    audit_schema: String,
) -> TestNode {
    let node = Node {
        name: name.to_string(),
        kind: NodeKind::Test,
        path: path.to_path_buf(),
        tags: config.tags.clone(),
        materialized: Some("test".into()),
    };
    let reads = out
        .refs
        .iter()
        .cloned()
        .chain(out.sources.iter().map(|(s, t)| format!("{s}.{t}")))
        .collect();
    let audit = Relation::new(audit_schema, name);
    let details = CompiledNode {
        sql: Some(out.sql.clone()),
        needs_execution: out.needs_execution,
        compiled_path: Some(compiled),
        test: Some(Box::new(TestInfo {
            config,
            attached_to,
            column,
            generic: None,
            metadata: None,
        })),
        ..CompiledNode::new(name, NodeKind::Test, path, audit)
    };
    TestNode {
        node,
        details,
        reads,
    }
}

/// Adds a test node to the graph, with an edge from everything it reads
/// and everything it is attached to.
fn insert(
    builder: &mut DagBuilder,
    nodes: &mut Vec<CompiledNode>,
    made: TestNode,
) -> Result<NodeId> {
    let TestNode {
        node,
        mut details,
        reads,
    } = made;
    let id = builder.add_node(node)?;
    let parents: Vec<NodeId> = reads.iter().filter_map(|p| builder.find(p)).collect();
    if let Some(test) = details.test.as_mut() {
        if test.attached_to.is_empty() {
            test.attached_to = parents.clone();
        }
        for &parent in test.attached_to.iter().chain(&parents) {
            builder.add_edge(parent, id);
        }
    }
    nodes.push(details);
    debug_assert_eq!(nodes.len(), id.index() + 1);
    Ok(id)
}

/// A scalar argument as text, for the test's description.
fn yaml_text(value: &serde_yaml::Value) -> String {
    match value {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}
