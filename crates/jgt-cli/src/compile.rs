//! From a project folder to a checked graph of rendered nodes.
//!
//! Rendering happens in two passes, like dbt's parse and compile: the
//! first learns every model's `config()` (which can rename its relation
//! with `alias` or `schema`) and its `ref()`s; the second re-renders only
//! the models that `ref` a node whose relation the first pass moved.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use jgt_exec::{Incremental, SchemaChange, Strategy};
use jgt_graph::{Dag, DagBuilder, Node, NodeId, NodeKind};
use jgt_project::{
    schema_for, ColumnProperties, Materialization, NodeConfig, Project, Relation, TestConfig,
};
use jgt_render::{Catalog, RenderOptions, Rendered, Renderer, Target};

/// A node after rendering.
#[derive(Debug, Clone)]
pub struct CompiledNode {
    /// The node's name.
    pub name: String,
    /// What it is.
    pub kind: NodeKind,
    /// Its file, relative to the project folder.
    pub path: PathBuf,
    /// The relation it builds or reads.
    pub relation: Relation,
    /// Its config after `project.yml` and `config()`.
    pub config: NodeConfig,
    /// How it is built (models only).
    pub materialization: Option<Materialization>,
    /// The rendered SQL (models only).
    pub sql: Option<String>,
    /// Where the rendered SQL is written, relative to the project folder.
    pub compiled_path: Option<PathBuf>,
    /// The Jinja SQL as written (models and singular tests).
    pub raw_sql: Option<String>,
    /// The description from a schema file.
    pub description: Option<String>,
    /// The columns a schema file declares.
    pub columns: Vec<ColumnProperties>,
    /// The schema file describing the node.
    pub properties_path: Option<PathBuf>,
    /// For tests: configs and the nodes the test is about.
    pub test: Option<TestInfo>,
    /// For incremental models: how new rows join the table.
    pub incremental: Option<Incremental>,
    /// Project macros its template called.
    pub macros: Vec<String>,
}

/// What a test node knows beyond other nodes.
#[derive(Debug, Clone)]
pub struct TestInfo {
    /// Severity, thresholds and the rest.
    pub config: TestConfig,
    /// The nodes whose data the test checks; their children wait for it.
    pub attached_to: Vec<NodeId>,
    /// The column a generic column test checks.
    pub column: Option<String>,
}

impl CompiledNode {
    /// A node with only its identity filled in.
    pub fn new(name: &str, kind: NodeKind, path: &Path, relation: Relation) -> Self {
        CompiledNode {
            name: name.to_string(),
            kind,
            path: path.to_path_buf(),
            relation,
            config: NodeConfig::default(),
            materialization: None,
            sql: None,
            compiled_path: None,
            raw_sql: None,
            description: None,
            columns: Vec::new(),
            properties_path: None,
            test: None,
            incremental: None,
            macros: Vec::new(),
        }
    }
}

/// A loaded, rendered and checked project.
pub struct Compiled {
    /// The project as read from disk.
    pub project: Project,
    /// Its graph.
    pub dag: Dag,
    /// Node details, indexed by `NodeId::index()`.
    pub nodes: Vec<CompiledNode>,
    /// The target the templates saw.
    pub target: Target,
    /// Things worth a look that are not errors.
    pub warnings: Vec<String>,
}

impl Compiled {
    /// The details of a node.
    pub fn node(&self, id: NodeId) -> &CompiledNode {
        &self.nodes[id.index()]
    }
}

/// What compiling needs from the command line.
pub struct CompileOptions<'a> {
    /// The database file.
    pub database: PathBuf,
    /// `--vars`, as YAML text.
    pub vars: Option<&'a str>,
    /// `--threads`.
    pub threads: usize,
    /// Relations that exist in the database now.
    pub existing: HashSet<Relation>,
    /// `--full-refresh`.
    pub full_refresh: bool,
}

/// Resolves the database file: `--db` or `JGT_DB` (handled by clap), else
/// `database:` of `project.yml`, relative to the project folder.
pub fn database_path(project_dir: &Path, flag: Option<&Path>, configured: &str) -> PathBuf {
    match flag {
        Some(path) => path.to_path_buf(),
        None => project_dir.join(configured),
    }
}

/// Loads, renders and checks the project.
pub fn compile(project: Project, options: &CompileOptions) -> Result<Compiled> {
    let target = Target {
        name: "dev".into(),
        adapter_type: "duckdb".into(),
        database: options
            .database
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "jgt".into()),
        schema: jgt_project::DEFAULT_SCHEMA.into(),
        path: options.database.to_string_lossy().into_owned(),
        threads: options.threads,
    };
    let mut vars = project.config.vars.clone();
    if let Some(text) = options.vars {
        let cli: BTreeMap<String, serde_yaml::Value> = serde_yaml::from_str(text)
            .with_context(|| format!("--vars '{text}' is not a YAML mapping such as '{{x: 1}}'"))?;
        vars.extend(cli);
    }
    let renderer = Renderer::new(
        &project,
        RenderOptions {
            vars,
            target: target.clone(),
        },
    )?;

    let mut builder = DagBuilder::new();
    let mut nodes = Vec::new();
    let mut catalog = Catalog {
        existing: options.existing.clone(),
        full_refresh: options.full_refresh,
        ..Catalog::default()
    };
    for seed in &project.seeds {
        let relation = relation_of(&seed.name, &seed.config);
        catalog.nodes.insert(seed.name.clone(), relation.clone());
        builder.add_node(Node {
            name: seed.name.clone(),
            kind: NodeKind::Seed,
            path: seed.path.clone(),
            tags: seed.config.tags.clone(),
            materialized: Some("seed".into()),
        })?;
        nodes.push(CompiledNode {
            config: seed.config.clone(),
            ..CompiledNode::new(&seed.name, NodeKind::Seed, &seed.path, relation)
        });
    }
    for source in &project.sources {
        let relation = Relation::new(&source.schema, &source.identifier);
        let key = (source.source_name.clone(), source.table_name.clone());
        catalog.sources.insert(key, relation.clone());
        let name = format!("{}.{}", source.source_name, source.table_name);
        builder.add_node(Node {
            name: name.clone(),
            kind: NodeKind::Source,
            path: source.path.clone(),
            tags: Vec::new(),
            materialized: None,
        })?;
        nodes.push(CompiledNode {
            description: source.description.clone(),
            ..CompiledNode::new(&name, NodeKind::Source, &source.path, relation)
        });
    }
    for model in &project.models {
        catalog
            .nodes
            .insert(model.name.clone(), relation_of(&model.name, &model.config));
    }

    // Pass 1: render everything against the relations project.yml implies.
    let first = Arc::new(catalog);
    let mut rendered: Vec<Rendered> = Vec::with_capacity(project.models.len());
    let mut configs: Vec<NodeConfig> = Vec::with_capacity(project.models.len());
    for model in &project.models {
        let this = &first.nodes[&model.name];
        let default = model.config.materialized.as_deref();
        let out = renderer.render(&model.path, &model.name, &first, Some(this), default)?;
        let mut config = model.config.clone();
        for (key, value) in &out.config {
            // Values were checked when config() was called.
            let _ = config.set(key, value);
        }
        configs.push(config);
        rendered.push(out);
    }

    // Pass 2: only where config() moved a relation that someone refs.
    let mut second = (*first).clone();
    let mut moved: HashSet<&str> = HashSet::new();
    for (model, config) in project.models.iter().zip(&configs) {
        let relation = relation_of(&model.name, config);
        if first.nodes[&model.name] != relation {
            moved.insert(&model.name);
            second.nodes.insert(model.name.clone(), relation);
        }
    }
    if !moved.is_empty() {
        let second = Arc::new(second.clone());
        for (i, model) in project.models.iter().enumerate() {
            let touched = moved.contains(model.name.as_str())
                || rendered[i].refs.iter().any(|r| moved.contains(r.as_str()));
            if touched {
                let this = &second.nodes[&model.name];
                let default = model.config.materialized.as_deref();
                rendered[i] =
                    renderer.render(&model.path, &model.name, &second, Some(this), default)?;
            }
        }
    }

    let mut model_ids = Vec::with_capacity(project.models.len());
    for ((model, config), out) in project.models.iter().zip(configs).zip(&rendered) {
        let materialization = config.materialization(Materialization::View);
        let id = builder.add_node(Node {
            name: model.name.clone(),
            kind: NodeKind::Model,
            path: model.path.clone(),
            tags: config.tags.clone(),
            materialized: Some(materialization.to_string()),
        })?;
        model_ids.push(id);
        let relation = second.nodes[&model.name].clone();
        let incremental = match materialization {
            Materialization::Incremental => Some(incremental_spec(&config, &model.path, options)?),
            _ => None,
        };
        nodes.push(CompiledNode {
            config,
            incremental,
            macros: out.macros.clone(),
            materialization: Some(materialization),
            sql: Some(out.sql.clone()),
            raw_sql: Some(model.raw_sql.clone()),
            compiled_path: Some(compiled_path(&project, &model.path)),
            ..CompiledNode::new(&model.name, NodeKind::Model, &model.path, relation)
        });
    }
    for (&child, out) in model_ids.iter().zip(&rendered) {
        for name in &out.refs {
            let parent = builder.find(name).expect("ref() only accepts known names");
            builder.add_edge(parent, child);
        }
        for (source, table) in &out.sources {
            let parent = builder
                .find(&format!("{source}.{table}"))
                .expect("source() only accepts declared sources");
            builder.add_edge(parent, child);
        }
    }
    // A source that names a relation this project builds waits for it.
    let producers: std::collections::HashMap<&Relation, usize> = nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| matches!(n.kind, NodeKind::Seed | NodeKind::Model))
        .map(|(i, n)| (&n.relation, i))
        .collect();
    let mut feeds = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        if node.kind == NodeKind::Source {
            if let Some(&producer) = producers.get(&node.relation) {
                feeds.push((NodeId::new(producer), NodeId::new(i)));
            }
        }
    }
    for (producer, source) in feeds {
        builder.add_edge(producer, source);
    }
    let mut warnings = crate::properties::attach(&project, &builder, &mut nodes);
    let catalog = Arc::new(second);
    crate::testnodes::add_tests(&project, &renderer, &catalog, &mut builder, &mut nodes)?;
    warnings.sort();
    let dag = builder.build()?;
    crate::ephemeral::inline(&dag, &mut nodes);
    Ok(Compiled {
        project,
        dag,
        nodes,
        target,
        warnings,
    })
}

/// Reads an incremental model's `incremental_strategy`, `unique_key` and
/// `on_schema_change`, naming the file when one is wrong.
fn incremental_spec(
    config: &NodeConfig,
    path: &Path,
    options: &CompileOptions,
) -> Result<Incremental> {
    let text = |key: &str| {
        config
            .other
            .get(key)
            .and_then(|v| v.as_str().map(str::to_string))
    };
    let strategy = match text("incremental_strategy") {
        None => Strategy::Append,
        Some(name) => Strategy::parse(&name).with_context(|| {
            format!(
                "{}: incremental_strategy '{name}' is not one of append, delete+insert, merge",
                path.display()
            )
        })?,
    };
    let on_schema_change = match text("on_schema_change") {
        None => SchemaChange::Ignore,
        Some(name) => SchemaChange::parse(&name).with_context(|| {
            format!(
                "{}: on_schema_change '{name}' is not one of ignore, fail, append_new_columns, sync_all_columns",
                path.display()
            )
        })?,
    };
    let unique_key = match config.other.get("unique_key") {
        Some(serde_yaml::Value::Sequence(keys)) => keys
            .iter()
            .filter_map(|k| k.as_str().map(str::to_string))
            .collect(),
        Some(serde_yaml::Value::String(key)) => vec![key.clone()],
        _ => Vec::new(),
    };
    if strategy != Strategy::Append && unique_key.is_empty() {
        anyhow::bail!(
            "{}: incremental_strategy '{}' needs a unique_key, e.g. config(unique_key='id')",
            path.display(),
            text("incremental_strategy").unwrap_or_default()
        );
    }
    Ok(Incremental {
        strategy,
        unique_key,
        on_schema_change,
        full_refresh: options.full_refresh,
    })
}

/// Where a node's compiled SQL goes: `target/compiled/<path>`.
pub fn compiled_path(project: &Project, path: &Path) -> PathBuf {
    Path::new(&project.config.target_path)
        .join("compiled")
        .join(path)
}

/// The relation a node builds, from its name and config. An ephemeral
/// model builds none: its name is the CTE its dependents inline.
fn relation_of(name: &str, config: &NodeConfig) -> Relation {
    if config.materialized.as_deref() == Some("ephemeral") {
        return Relation::new("", crate::ephemeral::cte_name(name));
    }
    Relation::new(
        schema_for(config.schema.as_deref()),
        config.alias.clone().unwrap_or_else(|| name.to_string()),
    )
}

/// Writes every selected model's rendered SQL under `target/compiled/`.
/// A file whose SQL did not change is left alone: on a large project most
/// runs change few models, and rewriting thousands of files is the slow part.
pub fn write_compiled(compiled: &Compiled, ids: &[NodeId]) -> Result<()> {
    let mut made: HashSet<PathBuf> = HashSet::new();
    for &id in ids {
        let node = compiled.node(id);
        let (Some(sql), Some(path)) = (&node.sql, &node.compiled_path) else {
            continue;
        };
        let full = compiled.project.root.join(path);
        if let Some(parent) = full.parent() {
            if !made.contains(parent) {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
                made.insert(parent.to_path_buf());
            }
        }
        if std::fs::read(&full).is_ok_and(|old| old == sql.as_bytes()) {
            continue;
        }
        std::fs::write(&full, sql).with_context(|| format!("cannot write {}", full.display()))?;
    }
    Ok(())
}
