//! Rendering jgt templates with minijinja, the way dbt renders them.
//!
//! This crate owns the Jinja side of jgt: one [`Renderer`] per run holds a
//! minijinja environment with every model, macro and test of the project,
//! dbt's functions (`ref`, `source`, `config`, `var`, `env_var`, `this`,
//! `target`, `is_incremental`, `return`, ...), project macros callable from
//! anywhere, and values printed as dbt prints them (a tuple of strings as
//! `('a', 'b')`). Rendering a model gives its SQL together with what the
//! template revealed about it: the nodes it `ref`s, the sources it reads and
//! the configs it set. It knows nothing of graphs or databases: the caller
//! supplies a [`Catalog`] saying where each name lives.

mod adapter;
mod context;
mod dbt_context;
mod error;
mod format;
mod functions;
mod introspection;
mod macros;
mod modules;
mod naming;
mod operation;
mod overrides;
mod python;
mod table;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use jgt_core::{Dialect, Introspect};
use jgt_project::{Project, Relation};
use minijinja::value::Value;
use minijinja::{context, Environment, UndefinedBehavior};

pub use context::{Catalog, RefCall, Target};
pub use dbt_context::{new_invocation_id, Flags, RunInfo};
pub use error::RenderError;
pub use functions::{is_secret, SECRET_PREFIXES};
pub use macros::macro_names;
pub use naming::NodeInfo;
pub use operation::graph_node;
pub use overrides::Overrides;
pub use python::rewrite_literals;

use context::{NodeState, RelationValue};

/// What rendering one template produced.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The rendered SQL.
    pub sql: String,
    /// Names passed to `ref()`, in call order (repeats kept).
    pub refs: Vec<String>,
    /// `(source, table)` pairs passed to `source()`, in call order.
    pub sources: Vec<(String, String)>,
    /// Configs set by `config()`, in call order.
    pub config: Vec<(String, serde_yaml::Value)>,
    /// Project macros the template called (directly or through others).
    pub macros: Vec<String>,
    /// Whether the template must be rendered again at execution time, with
    /// [`Renderer::render_with_db`]: it or a macro it called mentions
    /// `execute`, `run_query`, `statement`, `load_result`, `get_relation`,
    /// `get_columns_in_relation` or `graph`.
    pub needs_execution: bool,
}

impl Rendered {
    /// A digest of everything rendering found but the SQL: the `ref()`s
    /// and `source()`s, the `config()` calls, the macros called and
    /// whether the template renders again at execution time. Two renders
    /// of one model with the same shape give the same graph, configs and
    /// manifest entry but for the SQL. Stable within one build of jgt
    /// only (see [`jgt_core::hash::stable_hasher`]).
    pub fn shape(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut hasher = jgt_core::hash::stable_hasher();
        self.refs.hash(&mut hasher);
        self.sources.hash(&mut hasher);
        self.config.hash(&mut hasher);
        self.macros.hash(&mut hasher);
        self.needs_execution.hash(&mut hasher);
        hasher.finish()
    }
}

/// Settings that are the same for every template of a run.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Project variables, with `--vars` already applied on top.
    pub vars: BTreeMap<String, serde_yaml::Value>,
    /// Variables scoped to one package (the root project's `vars: {pkg:
    /// {...}}` over the package's own), which that package's nodes see
    /// before `vars`; `--vars` keys are left out so that they win.
    pub scoped_vars: BTreeMap<String, BTreeMap<String, serde_yaml::Value>>,
    /// Each package's own vars, by package: its nodes see them after
    /// `scoped_vars` and `vars`.
    pub package_vars: BTreeMap<String, BTreeMap<String, serde_yaml::Value>>,
    /// The target, as `{{ target }}` shows it.
    pub target: Target,
    /// How the target database spells relation names.
    pub dialect: Arc<dyn Dialect>,
    /// `invocation_id`, `run_started_at` and `flags`.
    pub run: RunInfo,
}

/// A minijinja environment loaded with one project's templates.
pub struct Renderer {
    env: Environment<'static>,
    target: Target,
    dialect: Arc<dyn Dialect>,
    macros: BTreeMap<String, std::path::PathBuf>,
    /// Every macro by package, for dispatch and the naming macros.
    table: Arc<macros::MacroTable>,
    /// Which naming macros the project replaces.
    naming: naming::Overrides,
    /// Per template file: whether its source mentions execution-time names.
    mentions: std::sync::Mutex<jgt_core::hash::Map<String, bool>>,
    /// The models', tests' and analyses' sources by template name.
    sources: HashMap<String, String>,
    /// The built-in generic tests no project or package macro replaces,
    /// of those [`Renderer::plain_test`] writes without the engine.
    plain_tests: Vec<&'static str>,
}

/// A generic test to render: which test, on what, with which arguments.
#[derive(Debug, Clone)]
pub struct GenericTest<'a> {
    /// The test node's name, for messages.
    pub node: &'a str,
    /// The test's name without `test_`: `unique`, `accepted_values`, ...
    pub test_name: &'a str,
    /// What the test reads: the tested relation, or a filtered subquery.
    pub model: String,
    /// The tested relation, when the test reads it whole: then `model` is
    /// a relation value (`model.schema`, `get_columns_in_relation(model)`),
    /// as in dbt.
    pub relation: Option<&'a Relation>,
    /// The tested column, for column tests.
    pub column: Option<&'a str>,
    /// The other arguments. Text that starts with `ref(` or `source(` is a
    /// Jinja expression, as in dbt (`to: ref('stg_gaggles')`).
    pub args: &'a BTreeMap<String, serde_yaml::Value>,
    /// The schema file that declared the test.
    pub path: &'a Path,
    /// The test's `store_failures` config, when it has one: what
    /// `should_store_failures()` answers, before `--store-failures`.
    pub store_failures: Option<bool>,
}

/// How the name of a generic test's call template starts (the call
/// follows). Errors in it are reported at the test's properties file.
pub(crate) const TEST_CALL: &str = "<jgt generic test call> ";

/// The template name of a project file: its relative path with `/`.
pub(crate) fn template_name(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

impl Renderer {
    /// Loads every macro, model and singular test of `project`. A syntax
    /// error in any of them is reported here, with its file and line.
    pub fn new(project: &Project, options: RenderOptions) -> Result<Renderer, RenderError> {
        let mut env = Environment::new();
        env.set_keep_trailing_newline(true);
        // Errors keep their template's source, so an undefined name can be
        // named; it costs nothing until an error happens.
        env.set_debug(true);
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.set_formatter(format::sql_formatter);
        // SQL is never escaped, whatever the file (a test declared in a
        // `.yml` file would otherwise be escaped as JSON).
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        // A generic test renders through a one-line call of its macro; the
        // environment compiles each distinct call once and keeps it.
        env.set_loader(|name| Ok(name.strip_prefix(TEST_CALL).map(str::to_string)));
        env.add_global("target", Value::from_serialize(&options.target));
        let values = |map: &BTreeMap<String, serde_yaml::Value>| -> BTreeMap<String, Value> {
            map.iter()
                .map(|(k, v)| (k.clone(), Value::from_serialize(v)))
                .collect()
        };
        let vars = functions::Vars {
            global: values(&options.vars),
            scoped: options
                .scoped_vars
                .iter()
                .map(|(package, vars)| (package.clone(), values(vars)))
                .collect(),
            own: options
                .package_vars
                .iter()
                .map(|(package, vars)| (package.clone(), values(vars)))
                .collect(),
        };
        functions::register(
            &mut env,
            vars,
            options.target.database.clone(),
            Arc::clone(&options.dialect),
        );
        python::register(&mut env);
        introspection::register(&mut env);
        dbt_context::register(
            &mut env,
            &options.run,
            &project.config.name,
            Arc::clone(&options.dialect),
            options.target.database.clone(),
        );
        env.add_global("graph", dbt_context::empty_graph());
        env.add_global(
            "adapter",
            adapter::Adapter::value(Arc::clone(&options.dialect), &project.config.dispatch),
        );
        let table = macros::register(&mut env, &project.config.name, &project.macros)?;
        naming::register(&mut env)?;
        // Bare macro names, as the global table resolves them.
        let macros = table
            .packages
            .values()
            .flat_map(|macros| macros.keys())
            .filter_map(|name| table.resolve(name))
            .map(|found| (found.name.clone(), found.path.clone()))
            .collect();
        let plain_tests = ["not_null", "unique"]
            .into_iter()
            .filter(|test| {
                let found = table.resolve(&format!("test_{test}"));
                found.is_some_and(|f| f.package == macros::BUILTIN_PACKAGE)
            })
            .collect();
        let mut renderer = Renderer {
            env,
            target: options.target,
            dialect: options.dialect,
            macros,
            naming: naming::Overrides::of(&table),
            table,
            mentions: Default::default(),
            sources: HashMap::new(),
            plain_tests,
        };
        // Models, tests and analyses are compiled each time they render and
        // dropped after: a selection compiles only what it renders, threads
        // compile theirs in parallel, and 10,000 compiled templates (about
        // 12 KB each) are never all held at once.
        renderer.sources = project
            .models
            .iter()
            .map(|model| (template_name(&model.path), model.raw_sql.clone()))
            .chain(
                (project.tests.iter().chain(&project.analyses))
                    .map(|file| (template_name(&file.path), file.text.clone())),
            )
            .collect();
        Ok(renderer)
    }

    /// Adds (or replaces) one template under the name of its `path`,
    /// checking its syntax.
    pub fn add_template(&mut self, path: &Path, source: &str) -> Result<(), RenderError> {
        let name = template_name(path);
        self.mentions
            .get_mut()
            .expect("mentions lock")
            .remove(&name);
        let rewritten = python::rewrite_literals(source);
        self.env
            .template_from_named_str(&name, &rewritten)
            .map_err(|err| RenderError::from_jinja(err, &name, None))?;
        self.sources.insert(name, source.to_string());
        Ok(())
    }

    /// Renders the template of `path`. `this` is the relation the node
    /// builds, when it builds one; `node` names it in error messages;
    /// `materialized` is its materialization before its own `config()`.
    pub fn render(
        &self,
        path: &Path,
        node: &str,
        catalog: &Arc<Catalog>,
        this: Option<&Relation>,
        materialized: Option<&str>,
    ) -> Result<Rendered, RenderError> {
        self.render_node(path, node, catalog, this, materialized, Phase::default())
    }

    /// Renders a model for one of its unit tests: `catalog` names the
    /// given inputs' CTEs, `this` is the `this` input's CTE (or the
    /// model's relation), and `overrides` replace macros, vars and
    /// environment variables as the test says.
    pub fn render_unit_test(
        &self,
        path: &Path,
        node: &str,
        catalog: &Arc<Catalog>,
        this: Option<&Relation>,
        materialized: Option<&str>,
        overrides: Overrides,
    ) -> Result<Rendered, RenderError> {
        let phase = Phase {
            overrides: Some(overrides),
            ..Phase::default()
        };
        self.render_node(path, node, catalog, this, materialized, phase)
    }

    /// Renders the template of `path` at execution time: `execute` is true
    /// and the template may query `db` (`run_query`, `statement`,
    /// `adapter.get_relation`, ...) and read `graph`. Database errors are
    /// errors of the template, with its file and line. With `depends_on`
    /// (the node's parents as compiled), `ref()` may only name those: a
    /// `ref` reached only now, inside `{% if execute %}`, is an error
    /// asking for dbt's `-- depends_on:` line, before any query runs on a
    /// relation that may not be built yet.
    #[allow(clippy::too_many_arguments)]
    pub fn render_with_db(
        &self,
        path: &Path,
        node: &str,
        catalog: &Arc<Catalog>,
        this: Option<&Relation>,
        materialized: Option<&str>,
        db: Arc<dyn Introspect>,
        depends_on: Option<Vec<String>>,
    ) -> Result<Rendered, RenderError> {
        let phase = Phase {
            db: Some(db),
            depends_on,
            overrides: None,
        };
        self.render_node(path, node, catalog, this, materialized, phase)
    }

    fn render_node(
        &self,
        path: &Path,
        node: &str,
        catalog: &Arc<Catalog>,
        this: Option<&Relation>,
        materialized: Option<&str>,
        phase: Phase,
    ) -> Result<Rendered, RenderError> {
        let _execute = introspection::ExecuteGuard::set(phase.db.is_some());
        let name = template_name(path);
        let fail = |err| RenderError::from_jinja(err, &name, Some(node));
        let source = self.sources.get(&name).map(|s| python::rewrite_literals(s));
        let template = match &source {
            Some(source) => self.env.template_from_named_str(&name, source),
            None => self.env.get_template(&name),
        }
        .map_err(fail)?;
        let functions = phase
            .overrides
            .as_ref()
            .map(Overrides::functions)
            .unwrap_or_default();
        let state = Value::from_object(NodeState {
            this: this.cloned(),
            default_materialized: materialized.map(str::to_string),
            db: phase.db.map(introspection::Db),
            depends_on: phase.depends_on,
            overrides: phase.overrides.map(Arc::new),
            ..NodeState::new(Arc::clone(catalog))
        });
        let this = this.map(|relation| {
            RelationValue::value(relation, &self.target.database, self.dialect.as_ref())
        });
        let sql = template
            .render(context! {
                __jgt_node__ => state.clone(),
                this => this,
                model => context! { name => node, path => name.clone() },
                ..Value::from(functions)
            })
            .map_err(fail)?;
        Ok(self.finish(sql, &state, Some(&name)))
    }
}

impl Renderer {
    /// Renders a generic test into the SQL that selects its failing rows.
    pub fn render_generic_test(
        &self,
        test: &GenericTest,
        catalog: &Arc<Catalog>,
    ) -> Result<Rendered, RenderError> {
        self.generic_test(test, catalog, None)
    }

    /// Renders a generic test as it runs: `execute` is true and the test
    /// may query `db` (dbt_utils' `equality` reads the model's columns).
    pub fn render_generic_test_at_execution(
        &self,
        test: &GenericTest,
        catalog: &Arc<Catalog>,
        db: Arc<dyn Introspect>,
    ) -> Result<Rendered, RenderError> {
        self.generic_test(test, catalog, Some(db))
    }

    fn generic_test(
        &self,
        test: &GenericTest,
        catalog: &Arc<Catalog>,
        db: Option<Arc<dyn Introspect>>,
    ) -> Result<Rendered, RenderError> {
        let macro_name = format!("test_{}", test.test_name);
        if !self.macros.contains_key(&macro_name) {
            let known: Vec<&str> = self
                .macros
                .keys()
                .filter_map(|m| m.strip_prefix("test_"))
                .collect();
            let suggestion = jgt_project::suggest::nearest(test.test_name, known.iter().copied());
            return Err(RenderError::Template {
                path: test.path.to_path_buf(),
                line: 0,
                message: format!(
                    "unknown generic test '{}'.{} Define it with {{% test {}(model, column_name) %}} in macros/ or tests/generic/",
                    test.test_name,
                    jgt_project::suggest::did_you_mean(&suggestion),
                    test.test_name
                ),
                node: Some(test.node.to_string()),
            });
        }
        if let Some(sql) = self.plain_test(test) {
            return Ok(Rendered {
                sql,
                refs: Vec::new(),
                sources: Vec::new(),
                config: Vec::new(),
                macros: vec![macro_name],
                needs_execution: false,
            });
        }
        self.generic_test_jinja(test, catalog, db)
    }

    /// A generic test rendered by the template engine: its macro called
    /// with the model, the column and the arguments.
    fn generic_test_jinja(
        &self,
        test: &GenericTest,
        catalog: &Arc<Catalog>,
        db: Option<Arc<dyn Introspect>>,
    ) -> Result<Rendered, RenderError> {
        let _execute = introspection::ExecuteGuard::set(db.is_some());
        let macro_name = format!("test_{}", test.test_name);
        let file = template_name(test.path);
        let mut call = format!("{{{{ {macro_name}(model=__jgt_model__");
        if test.column.is_some() {
            call.push_str(", column_name=__jgt_column__");
        }
        // Arguments are passed as values, but for `ref(...)`/`source(...)`,
        // which are written into the call as expressions.
        let mut inline = false;
        for (key, value) in test.args {
            let expression = value
                .as_str()
                .map(str::trim)
                .filter(|text| text.starts_with("ref(") || text.starts_with("source("));
            inline |= expression.is_some();
            match expression {
                Some(expression) => call.push_str(&format!(", {key}={expression}")),
                None => call.push_str(&format!(", {key}=__jgt_args__[{key:?}]")),
            }
        }
        call.push_str(") }}");
        let state = Value::from_object(NodeState {
            db: db.map(introspection::Db),
            store_failures: test.store_failures,
            ..NodeState::new(Arc::clone(catalog))
        });
        let args: BTreeMap<&String, Value> = test
            .args
            .iter()
            .map(|(k, v)| (k, Value::from_serialize(v)))
            .collect();
        let context = context! {
            __jgt_node__ => state.clone(),
            __jgt_model__ => match test.relation {
                Some(relation) => {
                    RelationValue::value(relation, &self.target.database, self.dialect.as_ref())
                }
                None => Value::from_safe_string(test.model.clone()),
            },
            __jgt_column__ => test.column,
            __jgt_args__ => args,
            model => context! { name => test.node, path => file.clone() },
        };
        let fail = |err| RenderError::from_jinja(err, &file, Some(test.node));
        // A call of values only has one of a few shapes per project: it is
        // compiled once and kept. One with expressions is compiled for this
        // test alone, so that thousands of them are never all kept.
        let sql = if inline {
            self.env.render_named_str(&file, &call, context)
        } else {
            let template = self.env.get_template(&format!("{TEST_CALL}{call}"));
            template.and_then(|template| template.render(context))
        }
        .map_err(fail)?;
        Ok(self.finish(sql, &state, None))
    }
}

impl Renderer {
    /// Collects what a render left in its node state. `template` is the
    /// rendered template's name, when it is one.
    fn finish(&self, sql: String, state: &Value, template: Option<&str>) -> Rendered {
        let state = state
            .downcast_object::<NodeState>()
            .expect("the node state is a NodeState");
        let macros = take(&state.macros);
        let files = macros
            .iter()
            .filter_map(|name| self.macros.get(name))
            .map(|path| template_name(path));
        let needs_execution = template
            .map(str::to_string)
            .into_iter()
            .chain(files)
            .any(|file| self.mentions_execution(&file));
        Rendered {
            sql,
            refs: take(&state.refs),
            sources: take(&state.sources),
            config: take(&state.config),
            macros,
            needs_execution,
        }
    }

    /// A built-in `not_null` or `unique` test written straight, as its
    /// macro in `builtin/generic_tests.sql` writes it: when no project or
    /// package macro replaces the test and it is called with its column
    /// alone. These are most tests of most projects, and the template
    /// engine took ten times as long for each (a macro call, a context and
    /// a node state); `tests::plain_tests_are_written_as_their_macros_write_them`
    /// holds the two to the same text.
    fn plain_test(&self, test: &GenericTest) -> Option<String> {
        if !test.args.is_empty() || !self.plain_tests.contains(&test.test_name) {
            return None;
        }
        let column = test.column?;
        let model = match test.relation {
            Some(relation) => {
                context::qualified(relation, &self.target.database, self.dialect.as_ref())
            }
            None => test.model.clone(),
        };
        Some(match test.test_name {
            "not_null" => format!("\nselect *\nfrom {model}\nwhere {column} is null\n"),
            "unique" => format!(
                "\nselect {column} as unique_field, count(*) as n_records\nfrom {model}\n\
                 where {column} is not null\ngroup by {column}\nhaving count(*) > 1\n"
            ),
            _ => return None,
        })
    }

    /// Whether the template `name` mentions an execution-time name; the
    /// answer is kept per template.
    fn mentions_execution(&self, name: &str) -> bool {
        if let Some(known) = self.mentions.lock().expect("mentions lock").get(name) {
            return *known;
        }
        // Looked at without the lock: the other threads render meanwhile.
        let mentions = match self.sources.get(name) {
            Some(source) => introspection::mentions_execution(source),
            None => self
                .env
                .get_template(name)
                .is_ok_and(|t| introspection::mentions_execution(t.source())),
        };
        let mut known = self.mentions.lock().expect("mentions lock");
        known.insert(name.to_string(), mentions);
        mentions
    }
}

/// What one render of a node adds to its context: the database (at
/// execution time), the parents a `ref` may name, a unit test's overrides.
#[derive(Default)]
struct Phase {
    db: Option<Arc<dyn Introspect>>,
    depends_on: Option<Vec<String>>,
    overrides: Option<Overrides>,
}

/// Moves the contents out of a mutex-guarded list.
fn take<T>(list: &std::sync::Mutex<Vec<T>>) -> Vec<T> {
    std::mem::take(&mut *list.lock().expect("render state lock"))
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod dispatch_tests;
