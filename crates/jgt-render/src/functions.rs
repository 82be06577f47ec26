//! dbt's Jinja functions: `ref`, `source`, `config`, `var`, `env_var`,
//! `is_incremental`, `return`, `log` and `exceptions` (`execute` is in
//! [`crate::introspection`]).

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use jgt_core::Dialect;
use jgt_project::suggest::{did_you_mean, nearest};
use jgt_project::NodeConfig;
use minijinja::value::{Kwargs, Object, Rest, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State};

use crate::context::{NodeState, RelationValue};

/// The context key holding the current node's [`NodeState`].
pub(crate) const NODE_KEY: &str = "__jgt_node__";

/// The detail of the error `return()` uses to stop a macro early.
pub(crate) const RETURN_SIGNAL: &str = "__jgt_return__";

/// Prefixes of environment variables holding secrets, as in dbt.
pub const SECRET_PREFIXES: [&str; 2] = ["DBT_ENV_SECRET_", "JGT_ENV_SECRET_"];

/// Whether an environment variable's value is a secret.
pub fn is_secret(name: &str) -> bool {
    SECRET_PREFIXES
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

/// Fetches the state of the node being rendered.
pub(crate) fn node_state(state: &State) -> Result<Arc<NodeState>, Error> {
    state
        .lookup(NODE_KEY)
        .and_then(|value| value.downcast_object::<NodeState>())
        .ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidOperation,
                "this function only works while rendering a model, test or macro",
            )
        })
}

fn fail(message: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, message)
}

/// Registers every function on the environment. `vars` are the project's
/// variables with `--vars` already applied; `database` names the target.
pub(crate) fn register(
    env: &mut Environment<'static>,
    vars: Vars,
    database: String,
    dialect: Arc<dyn Dialect>,
) {
    register_relations(env, database, dialect);
    register_config(env);
    register_vars(env, vars);
    register_control(env);
}

/// `ref()` and `source()`: relation names, as the dialect spells them.
fn register_relations(env: &mut Environment<'static>, database: String, dialect: Arc<dyn Dialect>) {
    let ref_database = database.clone();
    let ref_dialect = Arc::clone(&dialect);
    env.add_function(
        "ref",
        move |state: &State, args: Rest<String>, kwargs: Kwargs| -> Result<Value, Error> {
            // ref('model') or ref('package', 'model'): the last one names the node.
            let written = args.0.last().ok_or_else(|| {
                fail("ref() needs the name of a model or seed: ref('stg_users')".into())
            })?;
            let node = node_state(state)?;
            let name = &versioned_name(state, &node.catalog, written, &kwargs)?;
            if let [package, _] = args.0.as_slice() {
                let actual = node.catalog.packages.get(name);
                if actual.is_some_and(|actual| actual != package) {
                    return Err(fail(format!(
                        "ref('{package}', '{name}'): '{name}' belongs to package '{}', not '{package}'",
                        actual.map_or("", String::as_str)
                    )));
                }
            } else if args.0.len() > 2 {
                return Err(fail(format!(
                    "ref() takes a name, or a package and a name; got {} arguments",
                    args.0.len()
                )));
            }
            let Some(relation) = node.catalog.nodes.get(name) else {
                if let Some(id) = node.catalog.disabled.get(name) {
                    return Err(fail(format!(
                        "{}{} depends on a node named '{name}' which is disabled ({id} has \
                         enabled: false); enable it, or remove this ref",
                        crate::error::DISABLED,
                        current_node(state)
                    )));
                }
                let suggestion = nearest(name, node.catalog.nodes.keys().map(String::as_str));
                return Err(fail(format!(
                    "ref('{name}') names no model or seed in this project.{}",
                    did_you_mean(&suggestion)
                )));
            };
            if node
                .depends_on
                .as_ref()
                .is_some_and(|parents| !parents.contains(name))
            {
                return Err(fail(format!(
                    "ref('{name}') is reached only while running (inside `{{% if execute %}}` or a query), \
                     so jgt could not see that this model depends on '{name}' and may build it first. \
                     Add this line at the top of the model, as dbt asks too:\n  -- depends_on: {{{{ ref('{name}') }}}}"
                )));
            }
            node.refs.lock().expect("refs lock").push(name.clone());
            Ok(RelationValue::value(
                relation,
                &ref_database,
                ref_dialect.as_ref(),
            ))
        },
    );

    env.add_function(
        "source",
        move |state: &State, source: String, table: String| -> Result<Value, Error> {
            let node = node_state(state)?;
            let key = (source.clone(), table.clone());
            if node.catalog.disabled_sources.contains(&key) {
                return Err(fail(format!(
                    "{}{} depends on a source named '{source}.{table}' which is disabled \
                     (enabled: false on the source or the table); enable it, or remove this source()",
                    crate::error::DISABLED,
                    current_node(state)
                )));
            }
            let Some(relation) = node.catalog.sources.get(&key) else {
                let known: Vec<String> = node
                    .catalog
                    .sources
                    .keys()
                    .map(|(s, t)| format!("{s}.{t}"))
                    .collect();
                let suggestion = nearest(&format!("{source}.{table}"), known.iter().map(String::as_str));
                return Err(fail(format!(
                    "source('{source}', '{table}') is not declared in any schema file under the model paths.{}",
                    did_you_mean(&suggestion)
                )));
            };
            let external = node.catalog.external_sources.get(&key);
            node.sources.lock().expect("sources lock").push(key);
            Ok(match external {
                Some(sql) => RelationValue::external(relation, &database, dialect.as_ref(), sql),
                None => RelationValue::value(relation, &database, dialect.as_ref()),
            })
        },
    );
}

/// The node `ref(name, v=...)` names: for a versioned model, the version
/// asked for or the latest (`dim_customers_v2`); else `name` itself. A
/// version the model does not declare is error JGT2014.
fn versioned_name(
    state: &State,
    catalog: &crate::Catalog,
    name: &str,
    kwargs: &Kwargs,
) -> Result<String, Error> {
    let asked = match (
        kwargs.get::<Option<Value>>("v")?,
        kwargs.get::<Option<Value>>("version")?,
    ) {
        (Some(v), _) | (None, Some(v)) if !v.is_none() => Some(v),
        _ => None,
    };
    let asked = asked
        .map(|v| {
            let yaml = serde_yaml::to_value(&v).unwrap_or_default();
            jgt_project::version_value(&yaml).ok_or_else(|| {
                fail(format!(
                    "ref('{name}', v={v}): a version is a number such as 2"
                ))
            })
        })
        .transpose()?;
    let Some(model) = catalog.versions.get(name) else {
        return match asked {
            None => Ok(name.to_string()),
            Some(v) => Err(fail(format!(
                "{}{} depends on a node named '{name}' with version '{v}' which was not found: \
                 '{name}' declares no versions",
                crate::error::VERSION,
                current_node(state)
            ))),
        };
    };
    let v = asked.unwrap_or_else(|| model.latest.clone());
    model.nodes.get(&v).cloned().ok_or_else(|| {
        fail(format!(
            "{}{} depends on a node named '{name}' with version '{v}' which was not found; \
             its versions are {}",
            crate::error::VERSION,
            current_node(state),
            model.nodes.keys().cloned().collect::<Vec<_>>().join(", ")
        ))
    })
}

/// The node being rendered as messages name it: `'orders'`, or `this
/// node` when the template is not a node's.
fn current_node(state: &State) -> String {
    state
        .lookup("model")
        .and_then(|model| model.get_attr("name").ok())
        .and_then(|name| name.as_str().map(|n| format!("'{n}'")))
        .unwrap_or_else(|| "this node".into())
}

/// `config()`: settings a model gives itself, checked as they are set.
fn register_config(env: &mut Environment<'static>) {
    env.add_function(
        "config",
        |state: &State, args: Rest<Value>, kwargs: Kwargs| -> Result<Value, Error> {
            let node = node_state(state)?;
            let mut pairs = Vec::new();
            for arg in &args.0 {
                if arg.kind() != ValueKind::Map {
                    return Err(fail(
                        "config() takes keyword arguments: config(materialized='table')".into(),
                    ));
                }
                for key in arg.try_iter()? {
                    pairs.push((key.to_string(), arg.get_item(&key)?));
                }
            }
            for key in kwargs.args() {
                pairs.push((key.to_string(), kwargs.get::<Value>(key)?));
            }
            let mut recorded = node.config.lock().expect("config lock");
            for (key, value) in pairs {
                // A namespace holding itself would serialize forever.
                crate::format::check_nesting(&value)?;
                let yaml = serde_yaml::to_value(&value)
                    .map_err(|err| fail(format!("config {key}: {err}")))?;
                NodeConfig::default()
                    .set(&key, &yaml)
                    .map_err(|message| fail(format!("config {key}: {message}")))?;
                recorded.push((key, yaml));
            }
            Ok(Value::from(""))
        },
    );
}

/// What `var()` reads: the run's variables, and those scoped to one
/// package (`vars: {pkg: {x: 1}}`), which nodes of that package see first.
#[derive(Debug, Default)]
pub(crate) struct Vars {
    /// Variables every node sees.
    pub global: BTreeMap<String, Value>,
    /// Variables by package, seen first by that package's nodes.
    pub scoped: BTreeMap<String, BTreeMap<String, Value>>,
    /// Each package's own variables, seen last by its nodes.
    pub own: BTreeMap<String, BTreeMap<String, Value>>,
}

impl Vars {
    /// `name` as a node of `package` sees it.
    fn get(&self, package: Option<&str>, name: &str) -> Option<Value> {
        let in_package = |layers: &BTreeMap<String, BTreeMap<String, Value>>| {
            package
                .and_then(|p| layers.get(p))
                .and_then(|vars| vars.get(name))
                .cloned()
        };
        in_package(&self.scoped)
            .or_else(|| self.global.get(name).cloned())
            .or_else(|| in_package(&self.own))
    }
}

/// The package of the node being rendered, when the catalog knows it.
fn package_of(state: &State) -> Option<String> {
    let node = node_state(state).ok()?;
    let model = state.lookup("model")?;
    let name = model.get_attr("name").ok()?;
    node.catalog.packages.get(name.as_str()?).cloned()
}

/// `var()` and `env_var()`.
fn register_vars(env: &mut Environment<'static>, vars: Vars) {
    let vars = Arc::new(vars);
    env.add_function(
        "var",
        move |state: &State, name: String, default: Rest<Value>| -> Result<Value, Error> {
            let overridden = node_state(state)
                .ok()
                .and_then(|node| node.overrides.as_ref()?.vars.get(&name).cloned());
            if let Some(value) = overridden {
                return Ok(Value::from_serialize(&value));
            }
            let package = package_of(state);
            if let Some(value) = vars.get(package.as_deref(), &name) {
                return Ok(value);
            }
            if let Some(default) = given_default("var", &name, default)? {
                return Ok(default);
            }
            let suggestion = nearest(&name, vars.global.keys().map(String::as_str));
            Err(fail(format!(
                "var('{name}') is not set and has no default: add it under 'vars:' in project.yml or pass --vars '{{{name}: ...}}'.{}",
                did_you_mean(&suggestion)
            )))
        },
    );

    env.add_function(
        "env_var",
        |state: &State, name: String, default: Option<Value>| -> Result<Value, Error> {
            let overridden = node_state(state)
                .ok()
                .and_then(|node| node.overrides.as_ref()?.env_vars.get(&name).cloned());
            if let Some(value) = overridden {
                return Ok(Value::from(value));
            }
            if is_secret(&name) {
                return Err(fail(format!(
                    "env_var('{name}'): a secret environment variable ({}*) can be used only in \
                     profiles.yml, hooks and run-operation, never in SQL that jgt compiles: \
                     its value would land in target/compiled, manifest.json and logs. \
                     Use a variable without the secret prefix for values that may be seen",
                    SECRET_PREFIXES.iter().find(|p| name.starts_with(*p)).unwrap_or(&"")
                )));
            }
            match (std::env::var(&name), default) {
                (Ok(value), _) => Ok(Value::from(value)),
                (Err(_), Some(default)) => Ok(default),
                (Err(_), None) => Err(fail(format!(
                    "env_var('{name}'): the environment variable is not set and no default was given; set it or write env_var('{name}', 'default')"
                ))),
            }
        },
    );
}

/// `is_incremental()`, `return()`, `log()` and `exceptions`.
fn register_control(env: &mut Environment<'static>) {
    env.add_function("is_incremental", |state: &State| -> Result<bool, Error> {
        Ok(node_state(state)?.is_incremental())
    });

    env.add_function(
        "return",
        |state: &State, value: Option<Value>| -> Result<Value, Error> {
            let node = node_state(state)?;
            let mut returns = node.returns.lock().expect("returns lock");
            match returns.last_mut() {
                Some(slot) => {
                    *slot = Some(value.unwrap_or(Value::from(())));
                    Err(fail(RETURN_SIGNAL.into()))
                }
                None => Err(fail("return() can only be used inside a macro".into())),
            }
        },
    );

    // dbt's hook helpers: a hook that runs outside the node's transaction.
    for name in ["before_begin", "after_commit"] {
        env.add_function(name, |sql: String| {
            Value::from_iter([
                ("sql", Value::from(sql)),
                ("transaction", Value::from(false)),
            ])
        });
    }

    env.add_function("log", |message: Value, _kwargs: Kwargs| {
        // A closed stderr is not worth failing a render over.
        let _ = writeln!(std::io::stderr(), "{message}");
        Value::from("")
    });
    env.add_global("exceptions", Value::from_object(Exceptions));
}

/// The default passed after the name to `var()`, if any.
///
/// `none` is a default like any other (`var('x', none)` is none when `x`
/// is not set), so the argument is taken as given rather than as an
/// `Option`, which minijinja fills with `None` for `none` too. An undefined
/// value counts as no default, so the message says what to set.
fn given_default(function: &str, name: &str, rest: Rest<Value>) -> Result<Option<Value>, Error> {
    match rest.0.as_slice() {
        [] => Ok(None),
        [default] if default.is_undefined() => Ok(None),
        [default] => Ok(Some(default.clone())),
        _ => Err(Error::new(
            ErrorKind::TooManyArguments,
            format!("{function}('{name}', default) takes a name and at most one default"),
        )),
    }
}

/// dbt's `exceptions` namespace.
#[derive(Debug)]
struct Exceptions;

impl Object for Exceptions {
    fn call_method(
        self: &Arc<Self>,
        _state: &State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        let message = args.first().map(|v| v.to_string()).unwrap_or_default();
        match method {
            "raise_compiler_error" => Err(fail(message)),
            "warn" => {
                let _ = writeln!(std::io::stderr(), "warning: {message}");
                Ok(Value::from(""))
            }
            other => Err(Error::new(
                ErrorKind::UnknownMethod,
                format!("exceptions.{other} does not exist; use raise_compiler_error or warn"),
            )),
        }
    }
}
