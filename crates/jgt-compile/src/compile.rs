//! From a project folder to a checked graph of rendered nodes.
//!
//! Rendering happens in two passes, like dbt's parse and compile: the
//! first learns every model's `config()` (which can rename its relation
//! with `alias` or `schema`) and its `ref()`s; the second re-renders only
//! the models that `ref` a node whose relation the first pass moved.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::error::CompileError;

/// What compiling gives.
pub(crate) type Result<T> = std::result::Result<T, CompileError>;
use jgt_core::{Dialect, Incremental};
use jgt_graph::{Dag, DagBuilder, NodeId, NodeKind};
use jgt_project::{ColumnProperties, Materialization, NodeConfig, Project, Relation, TestConfig};
use jgt_render::{Catalog, RenderOptions, Rendered, Renderer, Target};

/// A node after rendering.
///
/// What only some nodes have (a test's details, a snapshot's spec, ...)
/// is boxed: at 10,000 models and 8,000 tests the nodes were 30 MB, most
/// of it room for fields left empty.
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
    pub test: Option<Box<TestInfo>>,
    /// For incremental models: how new rows join the table.
    pub incremental: Option<Incremental>,
    /// Project macros its template called.
    pub macros: Vec<String>,
    /// The project or installed package it comes from.
    pub package: String,
    /// Whether its SQL is rendered again when it runs, against the
    /// database (its template reads `execute`, `run_query`, `graph`, ...).
    pub needs_execution: bool,
    /// Its own SQL before ephemeral parents were inlined into it, when
    /// they were.
    pub before_inlining: Option<String>,
    /// Its `pre-hook`s and `post-hook`s, rendered.
    pub hooks: jgt_core::Hooks,
    /// For snapshots: how changes are recorded.
    pub snapshot: Option<Box<jgt_core::Snapshot>>,
    /// For models with an enforced contract: its columns and constraints.
    pub contract: Option<jgt_core::Contract>,
    /// For `external` models: the file they write.
    pub external: Option<Box<jgt_core::External>>,
    /// How a table model is stored (format, partitions).
    pub storage: jgt_core::Storage,
    /// For unit tests: the tested model and what running the test takes.
    pub unit_test: Option<Box<crate::unittests::UnitTestInfo>>,
    /// For models: the [`Rendered::shape`] of its rendering, what
    /// [`crate::patch`] compares after an edit.
    pub shape: u64,
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
    /// For a generic test: how to render it again as it runs.
    pub generic: Option<GenericCall>,
    /// For a generic test: what dbt's manifest says of its call, and the
    /// hash its unique id ends with.
    pub metadata: Option<Box<TestMetadata>>,
}

/// dbt's `test_metadata` of a generic test, with the hash that ends its
/// unique id (`test.shop.not_null_orders_id.37be81e63b`).
#[derive(Debug, Clone)]
pub struct TestMetadata {
    /// The test macro's name without `test_`: `not_null`.
    pub name: String,
    /// The package named before the test (`dbt_utils`), when one is.
    pub namespace: Option<String>,
    /// The arguments written in the schema file.
    pub args: BTreeMap<String, serde_yaml::Value>,
    /// The tested column, for a column test.
    pub column: Option<String>,
    /// The `model` argument dbt passes:
    /// `{{ get_where_subquery(ref('orders')) }}`.
    pub model: String,
    /// Where the schema file describes the tested node: `models.orders`,
    /// `seeds.countries`, `sources.raw`.
    pub file_key_name: String,
    /// The last 10 hex digits of the MD5 dbt-core takes of the test's
    /// name and its metadata.
    pub hash: String,
}

impl TestMetadata {
    /// Its arguments as dbt passes them: those written, then
    /// `column_name` (for a column test) and `model`.
    pub fn kwargs(&self) -> impl Iterator<Item = (&str, Cow<'_, serde_yaml::Value>)> {
        let string = |s: &String| Cow::Owned(serde_yaml::Value::String(s.clone()));
        let written = self
            .args
            .iter()
            .map(|(k, v)| (k.as_str(), Cow::Borrowed(v)));
        let column = self.column.iter().map(move |c| ("column_name", string(c)));
        written
            .chain(column)
            .chain(std::iter::once(("model", string(&self.model))))
    }
}

/// A generic test's macro call, kept to render it again at execution time.
#[derive(Debug, Clone)]
pub struct GenericCall {
    /// The test's name without `test_`.
    pub test_name: String,
    /// What the test reads: the tested relation or a filtered subquery.
    pub model: String,
    /// The tested relation, when the test reads it whole.
    pub relation: Option<Relation>,
    /// The tested column, for column tests.
    pub column: Option<String>,
    /// The other arguments.
    pub args: BTreeMap<String, serde_yaml::Value>,
    /// The schema file that declared it.
    pub path: PathBuf,
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
            package: String::new(),
            needs_execution: false,
            before_inlining: None,
            hooks: jgt_core::Hooks::default(),
            snapshot: None,
            contract: None,
            external: None,
            storage: jgt_core::Storage::default(),
            unit_test: None,
            shape: 0,
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
    /// How the target database spells SQL.
    pub dialect: Arc<dyn Dialect>,
    /// The templates, kept to render nodes again at execution time and to
    /// call macros (`run-operation`, hooks).
    pub renderer: Renderer,
    /// Where every `ref` and `source` resolves.
    pub catalog: Arc<Catalog>,
    /// The analyses, rendered; not part of the graph.
    pub analyses: Vec<crate::analyses::CompiledAnalysis>,
    /// The nodes whose compiled file this compile wrote already, as
    /// [`CompileOptions::early_files`] asks.
    pub written: Vec<NodeId>,
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
    /// Relations that exist in the database now (perhaps still being
    /// read on another thread: a model asking `is_incremental()` waits).
    pub existing: jgt_core::Existing,
    /// `--full-refresh`.
    pub full_refresh: bool,
    /// How the target database spells SQL.
    pub dialect: Arc<dyn Dialect>,
    /// `invocation_id`, `run_started_at` and `flags` as templates see them.
    pub run: jgt_render::RunInfo,
    /// Write each model's file under `target/compiled/` as soon as its SQL
    /// is final, while the rest compiles ([`Compiled::written`] lists
    /// them): for `jgt compile` of the whole project, which writes every
    /// node's file anyway.
    pub early_files: bool,
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
pub fn compile(mut project: Project, options: &CompileOptions) -> Result<Compiled> {
    let dialect = Arc::clone(&options.dialect);
    let (renderer, target) = renderer_for(&project, options)?;
    // Every node the project declares, tests included, fits from the
    // start: growing the list later copied it whole (850 bytes a node) and
    // touched as much fresh memory again.
    let declared = project.seeds.len()
        + project.sources.len()
        + project.models.len()
        + crate::testnodes::declared(&project);
    let mut graph = crate::nodes::Graph {
        builder: DagBuilder::with_capacity(declared),
        nodes: Vec::with_capacity(declared),
    };
    let mut catalog = Catalog {
        existing: options.existing.clone(),
        full_refresh: options.full_refresh,
        ..Catalog::default()
    };
    add_disabled(&project.disabled, &mut catalog);
    catalog.versions = project
        .versions
        .iter()
        .map(|model| (model.name.clone(), model.clone()))
        .collect();
    graph.add_seeds(&project, &mut catalog, &renderer)?;
    graph.add_sources(&project, &mut catalog)?;
    let mut models = render_models(&project, &renderer, catalog)?;
    drop_disabled_models(&mut project, &models.disabled);
    crate::access::check(&project, &project.models, &models.configs, &models.rendered)?;
    let catalog = std::mem::take(&mut models.catalog);
    let project = project;
    // `jgt compile` of the whole project writes every node's file: the
    // models whose SQL is final are written now, on a thread of their
    // own, while the graph and the tests are made, until they are.
    let done = AtomicBool::new(false);
    let (assembled, early) = std::thread::scope(|scope| {
        let early = options.early_files.then(|| {
            scope.spawn(|| {
                crate::compiled_files::write_final_models(
                    &project,
                    &models.rendered,
                    &models.configs,
                    &done,
                )
            })
        });
        let parts = crate::assemble::Parts {
            project: &project,
            renderer: &renderer,
            target: &target,
            models: &models,
            options,
        };
        let assembled = parts.assemble(graph, catalog);
        done.store(true, Ordering::Relaxed);
        let early = early.map(|thread| {
            thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
        (assembled, early)
    });
    let assembled = assembled?;
    let written = match early {
        Some(done) => done?.into_iter().map(|i| assembled.model_ids[i]).collect(),
        None => Vec::new(),
    };
    let crate::assemble::Assembled {
        dag,
        nodes,
        warnings,
        catalog,
        analyses,
        ..
    } = assembled;
    let mut compiled = Compiled {
        project,
        dag,
        nodes,
        target,
        warnings,
        dialect,
        renderer,
        catalog,
        analyses,
        written,
    };
    if compiled.nodes.iter().any(|n| n.needs_execution) {
        compiled.load_graph();
    }
    Ok(compiled)
}

/// The renderer of a compile, with every macro of `project` loaded and
/// its vars layered as dbt layers them, and the target it renders for.
pub(crate) fn renderer_for(
    project: &Project,
    options: &CompileOptions,
) -> Result<(Renderer, Target)> {
    let target = target_of(project, options);
    let vars = vars_of(project, options)?;
    let renderer = Renderer::new(
        project,
        RenderOptions {
            vars: vars.global,
            scoped_vars: vars.scoped,
            package_vars: vars.own,
            target: target.clone(),
            dialect: Arc::clone(&options.dialect),
            run: options.run.clone(),
        },
    )?;
    Ok((renderer, target))
}

/// `{{ target }}` for this run: the profile target when there is one,
/// else jgt's default (`dev`, schema `main`).
fn target_of(project: &Project, options: &CompileOptions) -> Target {
    let profile = project.profile.as_ref();
    let stem = options
        .database
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "jgt".into());
    let server = !matches!(
        profile.map(|p| &p.connection),
        None | Some(jgt_project::Connection::DuckDb)
    );
    Target {
        name: profile.map_or("dev".into(), |p| p.target_name.clone()),
        adapter_type: options.dialect.adapter_type().into(),
        // DuckDB names a file's catalog after its stem; relations print
        // with it, so it must be the real one. A server's is the profile's.
        database: match server {
            true => profile.and_then(|p| p.database.clone()).unwrap_or_default(),
            false => stem,
        },
        schema: options.dialect.default_schema().into(),
        path: match server {
            true => String::new(),
            false => options.database.to_string_lossy().into_owned(),
        },
        threads: options.threads,
        profile_name: profile.map_or(String::new(), |p| p.profile_name.clone()),
    }
}

/// The project's vars with `--vars` on top, the vars the root project
/// scopes to each package (a root `vars:` key naming the project or an
/// installed package), and each package's own vars (its scoped section
/// over its globals), as dbt layers them.
fn vars_of(project: &Project, options: &CompileOptions) -> Result<ScopedVars> {
    let cli: BTreeMap<String, serde_yaml::Value> = match options.vars {
        Some(text) => serde_yaml::from_str(text).map_err(|source| CompileError::Vars {
            text: text.to_string(),
            source,
        })?,
        None => BTreeMap::new(),
    };
    let mut scopes: Vec<&str> = project.packages.iter().map(String::as_str).collect();
    scopes.push(&project.config.name);
    let mut global = BTreeMap::new();
    let mut scoped: BTreeMap<String, BTreeMap<String, serde_yaml::Value>> = BTreeMap::new();
    for (key, value) in &project.config.vars {
        match value
            .as_mapping()
            .filter(|_| scopes.contains(&key.as_str()))
        {
            Some(map) => scoped
                .entry(key.clone())
                .or_default()
                .extend(string_keys(map)),
            None => {
                global.insert(key.clone(), value.clone());
            }
        }
    }
    for vars in scoped.values_mut() {
        vars.retain(|key, _| !cli.contains_key(key));
    }
    global.extend(cli);
    let own = project
        .package_vars
        .iter()
        .map(|(package, vars)| {
            let mut own: BTreeMap<String, serde_yaml::Value> = vars
                .iter()
                .filter(|(key, _)| *key != package)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if let Some(section) = vars.get(package).and_then(|v| v.as_mapping()) {
                own.extend(string_keys(section));
            }
            (package.clone(), own)
        })
        .collect();
    Ok(ScopedVars {
        global,
        scoped,
        own,
    })
}

/// A mapping's entries with text keys.
fn string_keys(map: &serde_yaml::Mapping) -> BTreeMap<String, serde_yaml::Value> {
    map.iter()
        .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.clone())))
        .collect()
}

/// Vars every node sees, and vars by package.
struct ScopedVars {
    global: BTreeMap<String, serde_yaml::Value>,
    scoped: BTreeMap<String, BTreeMap<String, serde_yaml::Value>>,
    own: BTreeMap<String, BTreeMap<String, serde_yaml::Value>>,
}

/// Tells the catalog which nodes `enabled: false` left out, so a `ref()`
/// or `source()` naming one says so.
fn add_disabled(disabled: &[jgt_project::DisabledNode], catalog: &mut Catalog) {
    for node in disabled {
        match node.name.split_once('.').filter(|_| node.kind == "source") {
            Some((source, table)) => {
                catalog
                    .disabled_sources
                    .insert((source.to_string(), table.to_string()));
            }
            None => {
                catalog.disabled.insert(node.name.clone(), node.unique_id());
            }
        }
    }
}

/// Takes the models their own `config(enabled=false)` disabled out of the
/// project (their output is already out of [`RenderedModels`]).
fn drop_disabled_models(project: &mut Project, disabled: &[jgt_project::DisabledNode]) {
    if disabled.is_empty() {
        return;
    }
    project
        .models
        .retain(|m| !disabled.iter().any(|d| d.path == m.path));
    project.disabled.extend(disabled.iter().cloned());
}

/// The models after rendering: their output, their final configs, and
/// the catalog of where every node's relation ended up.
pub(crate) struct RenderedModels {
    pub(crate) rendered: Vec<Rendered>,
    pub(crate) configs: Vec<NodeConfig>,
    pub(crate) catalog: Catalog,
    /// Models their own `config(enabled=false)` disabled, left out of
    /// `rendered` and `configs`.
    disabled: Vec<jgt_project::DisabledNode>,
}

/// Renders every model in two passes, like dbt's parse and compile: the
/// first learns each model's `config()` (which may move its relation with
/// `alias` or `schema`); the second re-renders only the models that are
/// moved or `ref` one that moved.
fn render_models(
    project: &Project,
    renderer: &Renderer,
    mut catalog: Catalog,
) -> Result<RenderedModels> {
    for model in &project.models {
        let relation = relation_of(renderer, resource_type(model), model, &model.config)?;
        catalog.nodes.insert(model.name.clone(), relation);
        catalog
            .packages
            .insert(model.name.clone(), model.package.clone());
    }
    let first = Arc::new(catalog);
    let outputs = jgt_core::parallel::map(&project.models, |model| {
        let this = &first.nodes[&model.name];
        let default = model.config.materialized.as_deref();
        renderer.render(&model.path, &model.name, &first, Some(this), default)
    });
    let mut rendered: Vec<Rendered> = Vec::with_capacity(project.models.len());
    let mut configs: Vec<NodeConfig> = Vec::with_capacity(project.models.len());
    for (model, out) in project.models.iter().zip(outputs) {
        let out = out?;
        let mut config = model.config.clone();
        for (key, value) in &out.config {
            // Values were checked when config() was called.
            let _ = config.set(key, value);
        }
        configs.push(config);
        rendered.push(out);
    }
    // The first pass's renders are over and hold no catalog: it is taken
    // back whole instead of copied (10,000 entries, on one thread). Its
    // entries change only after every model was compared with them.
    let mut second = Arc::try_unwrap(first).unwrap_or_else(|shared| (*shared).clone());
    let mut changes: Vec<(&str, Option<Relation>)> = Vec::new();
    let mut moved: HashSet<&str> = HashSet::new();
    let mut disabled = Vec::new();
    for (model, config) in project.models.iter().zip(&configs) {
        if !config.is_enabled() {
            // Its dependents render again below, and their ref() fails.
            changes.push((&model.name, None));
            let node = jgt_project::DisabledNode {
                kind: resource_type(model),
                package: model.package.clone(),
                name: model.name.clone(),
                path: model.path.clone(),
            };
            second.disabled.insert(model.name.clone(), node.unique_id());
            disabled.push(node);
            moved.insert(&model.name);
            continue;
        }
        let relation = relation_of(renderer, resource_type(model), model, config)?;
        if second.nodes[&model.name] != relation {
            moved.insert(&model.name);
            changes.push((&model.name, Some(relation)));
        }
    }
    for (name, change) in changes {
        match change {
            Some(relation) => second.nodes.insert(name.to_string(), relation),
            None => second.nodes.remove(name),
        };
    }
    if !moved.is_empty() {
        let again = Arc::new(second.clone());
        for (i, model) in project.models.iter().enumerate() {
            let touched = moved.contains(model.name.as_str())
                || rendered[i].refs.iter().any(|r| moved.contains(r.as_str()));
            if touched && configs[i].is_enabled() {
                let this = &again.nodes[&model.name];
                let default = model.config.materialized.as_deref();
                rendered[i] =
                    renderer.render(&model.path, &model.name, &again, Some(this), default)?;
            }
        }
    }
    let kept = configs
        .iter()
        .map(NodeConfig::is_enabled)
        .collect::<Vec<_>>();
    let mut keep = kept.iter();
    rendered.retain(|_| *keep.next().unwrap_or(&true));
    configs.retain(NodeConfig::is_enabled);
    Ok(RenderedModels {
        rendered,
        configs,
        catalog: second,
        disabled,
    })
}

/// Refuses a rendered model or test that is not exactly one statement:
/// `select 1; drop table x` must never reach the database, and an empty
/// model is a mistake, not a view of nothing.
pub(crate) fn check_one_statement(node: &CompiledNode, sql: &str) -> Result<()> {
    if let Err(err) = jgt_core::sql::single_statement(sql) {
        let what = match (node.kind, &node.raw_sql) {
            (NodeKind::Test, None) => "the generic test",
            (NodeKind::Test, Some(_)) => "the singular test",
            _ => "the model",
        };
        let hint = match (node.kind, &node.raw_sql) {
            (NodeKind::Test, None) => {
                "\nhint: a column name or argument in this schema file was pasted into the \
                 test's SQL as it is; check it (or set `quote: true` on the column)"
            }
            _ => "",
        };
        return Err(CompileError::Statement {
            path: node.path.clone(),
            what,
            name: node.name.clone(),
            problem: err,
            hint,
        });
    }
    Ok(())
}

/// Where a node's compiled SQL goes, as dbt lays it out:
/// `target/compiled/<package>/<path inside the package>`, so
/// `models/a.sql` of project `shop` is `target/compiled/shop/models/a.sql`.
pub fn compiled_path(project: &Project, path: &Path) -> PathBuf {
    let (package, inside) = project.package_path(path);
    Path::new(&project.config.target_path)
        .join("compiled")
        .join(package)
        .join(inside)
}

/// The relation a node builds, from its name and config, as the project's
/// `generate_schema_name` and `generate_alias_name` name it. An ephemeral
/// model builds none: its name is the CTE its dependents inline.
pub(crate) fn relation_of(
    renderer: &Renderer,
    resource_type: &str,
    file: &impl NamedFile,
    config: &NodeConfig,
) -> Result<Relation> {
    let name = file.node_name();
    if config.materialized.as_deref() == Some("ephemeral") {
        return Ok(Relation::new("", crate::ephemeral::cte_name(name)));
    }
    let node = jgt_render::NodeInfo {
        name,
        resource_type,
        path: file.node_path(),
        package_name: file.node_package(),
        materialized: config.materialized.as_deref(),
        tags: &config.tags,
    };
    // A snapshot's legacy `target_schema` is the schema itself, as in dbt.
    let target_schema = match resource_type {
        "snapshot" => config.other.get("target_schema").and_then(|v| v.as_str()),
        _ => None,
    };
    let schema = match target_schema {
        Some(schema) => schema.to_string(),
        None => renderer.schema_name(config.schema.as_deref(), &node)?,
    };
    Ok(Relation::new(
        schema,
        renderer.alias_name(config.alias.as_deref(), &node)?,
    ))
}

/// dbt's `resource_type` of a model file: `model`, or `snapshot`.
fn resource_type(model: &jgt_project::ModelFile) -> &'static str {
    match model.snapshot {
        true => "snapshot",
        false => "model",
    }
}

/// A project file that becomes a node: its name, path and package.
pub(crate) trait NamedFile {
    fn node_name(&self) -> &str;
    fn node_path(&self) -> &Path;
    fn node_package(&self) -> &str;
}

impl NamedFile for jgt_project::ModelFile {
    fn node_name(&self) -> &str {
        &self.name
    }
    fn node_path(&self) -> &Path {
        &self.path
    }
    fn node_package(&self) -> &str {
        &self.package
    }
}

impl NamedFile for jgt_project::SeedFile {
    fn node_name(&self) -> &str {
        &self.name
    }
    fn node_path(&self) -> &Path {
        &self.path
    }
    fn node_package(&self) -> &str {
        &self.package
    }
}
