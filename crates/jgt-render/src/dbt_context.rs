//! The rest of dbt's Jinja context: `invocation_id`, `run_started_at`,
//! `flags`, `project_name`, `modules`, `builtins`, `api`, `graph`, and
//! the helpers `zip`, `set`, `tojson`, `fromjson`, `toyaml`, `fromyaml`,
//! `local_md5` and `print`.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use jgt_core::{Dialect, Relation, RelationType};
use md5::Digest;
use minijinja::value::{from_args, Kwargs, Object, Rest, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind, State};

use crate::context::RelationValue;

/// What is the same for every template of one invocation.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// `invocation_id`: a UUID naming this run (as in the artifacts).
    pub invocation_id: String,
    /// `run_started_at`, in UTC.
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// `flags`.
    pub flags: Flags,
}

/// dbt's `flags`, as templates read them (`flags.FULL_REFRESH`).
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// `--full-refresh`.
    pub full_refresh: bool,
    /// The command: `run`, `build`, `compile`, `test`, `seed`, `run-operation`, ...
    pub which: String,
    /// `--store-failures`.
    pub store_failures: bool,
    /// `--fail-fast`.
    pub fail_fast: bool,
    /// `--warn-error`.
    pub warn_error: bool,
}

impl Default for RunInfo {
    /// A run starting now, with a fresh invocation id.
    fn default() -> Self {
        let started_at = chrono::Utc::now();
        RunInfo {
            invocation_id: new_invocation_id(&started_at),
            started_at,
            flags: Flags::default(),
        }
    }
}

impl RunInfo {
    /// The run of an invocation the caller already named (the artifacts'
    /// `invocation_id` and start time), with its flags.
    pub fn of(invocation_id: &str, started_at: std::time::SystemTime, flags: Flags) -> Self {
        RunInfo {
            invocation_id: invocation_id.to_string(),
            started_at: started_at.into(),
            flags,
        }
    }
}

/// A random-looking version 4 UUID, from the time and the process id.
pub fn new_invocation_id(at: &chrono::DateTime<chrono::Utc>) -> String {
    let seed = format!(
        "{}:{}:{:?}",
        at.timestamp_nanos_opt().unwrap_or(0),
        std::process::id(),
        std::thread::current().id()
    );
    let mut bytes: [u8; 16] = md5::Md5::digest(seed.as_bytes()).into();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = jgt_core::hex::lower(&bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn fail(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.into())
}

/// The key of the global that holds the dialect and target database.
const API_KEY: &str = "__jgt_api__";

/// `api`: `api.Relation.create(...)`; also how relation values are spelt.
#[derive(Debug)]
struct Api {
    dialect: Arc<dyn Dialect>,
    database: String,
}

/// A relation value spelt by the run's dialect, in `database` (default:
/// the target's; empty: none, printed as `schema.name`).
pub(crate) fn relation_value(
    state: &State,
    relation: &Relation,
    kind: Option<RelationType>,
    database: Option<&str>,
) -> Value {
    let api = state
        .lookup(API_KEY)
        .and_then(|v| v.downcast_object::<Api>());
    match api {
        Some(api) => {
            let database = database.unwrap_or(&api.database);
            RelationValue::of_kind(relation, database, api.dialect.as_ref(), kind)
        }
        None => Value::from(format!("{}.{}", relation.schema, relation.identifier)),
    }
}

/// Quotes an identifier as the run's dialect does.
pub(crate) fn quoter(state: &State) -> impl Fn(&str) -> String {
    let api = state
        .lookup(API_KEY)
        .and_then(|v| v.downcast_object::<Api>());
    move |name| match &api {
        Some(api) => api.dialect.quote(name),
        None => format!("\"{name}\""),
    }
}

impl Object for Api {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        (key.as_str()? == "Relation").then(|| Value::from_object(RelationClass))
    }
}

/// `api.Relation`.
#[derive(Debug)]
struct RelationClass;

impl Object for RelationClass {
    fn call_method(
        self: &Arc<Self>,
        state: &State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        if method != "create" {
            return Err(Error::from(ErrorKind::UnknownMethod));
        }
        let (kwargs,): (Kwargs,) = from_args(args)?;
        let text = |name: &str| -> Result<Option<String>, Error> {
            Ok(kwargs
                .get::<Option<Value>>(name)?
                .filter(|v| !v.is_none())
                .map(|v| v.to_string()))
        };
        // As in dbt, a relation created without a database prints without one.
        let database = text("database")?.unwrap_or_default();
        let schema = text("schema")?.unwrap_or_default();
        let identifier = text("identifier")?
            .ok_or_else(|| fail("api.Relation.create() needs identifier=: api.Relation.create(schema='main', identifier='t')"))?;
        let kind = match text("type")?.as_deref() {
            None => None,
            Some("table") => Some(RelationType::Table),
            Some("view") => Some(RelationType::View),
            Some(other) => {
                return Err(fail(format!(
                    "api.Relation.create(type='{other}'): the type is 'table' or 'view'"
                )))
            }
        };
        kwargs.assert_all_used()?;
        Ok(relation_value(
            state,
            &Relation::new(schema, identifier),
            kind,
            Some(&database),
        ))
    }
}

/// Registers the context of this module. `run` says what this run is.
/// `project_name` is the root project's name.
pub(crate) fn register(
    env: &mut Environment<'static>,
    run: &RunInfo,
    project_name: &str,
    dialect: Arc<dyn Dialect>,
    database: String,
) {
    env.add_global("invocation_id", Value::from(run.invocation_id.clone()));
    env.add_global(
        "run_started_at",
        crate::modules::datetime::utc_datetime(run.started_at),
    );
    env.add_global("project_name", Value::from(project_name));
    let flags = &run.flags;
    env.add_global(
        "flags",
        Value::from_iter([
            ("FULL_REFRESH", Value::from(flags.full_refresh)),
            ("WHICH", Value::from(flags.which.clone())),
            ("STORE_FAILURES", Value::from(flags.store_failures)),
            ("FAIL_FAST", Value::from(flags.fail_fast)),
            ("WARN_ERROR", Value::from(flags.warn_error)),
        ]),
    );
    // dbt's `should_store_failures()`: the test's own config, else the flag.
    let store_failures = flags.store_failures;
    env.add_function("should_store_failures", move |state: &State| -> bool {
        let own = crate::functions::node_state(state)
            .ok()
            .and_then(|node| node.store_failures);
        own.unwrap_or(store_failures)
    });
    env.add_global("modules", Value::from_object(crate::modules::Modules));
    let api = Value::from_object(Api { dialect, database });
    env.add_global("api", api.clone());
    env.add_global(API_KEY, api);
    // Taken now, before project macros may replace `ref` and friends.
    let builtins: BTreeMap<String, Value> = env
        .globals()
        .filter(|(name, _)| matches!(*name, "ref" | "source" | "config"))
        .map(|(name, value)| (name.to_string(), value))
        .collect();
    env.add_global("builtins", Value::from(builtins));
    register_helpers(env);
}

/// `zip`, `set`, `tojson`, `fromjson`, `toyaml`, `fromyaml`, `local_md5`, `print`.
fn register_helpers(env: &mut Environment<'static>) {
    env.add_function("zip", |lists: Rest<Value>| -> Result<Value, Error> {
        let lists: Vec<Vec<Value>> = lists
            .0
            .iter()
            .map(|l| Ok(l.try_iter()?.collect()))
            .collect::<Result<_, Error>>()?;
        let len = lists.iter().map(Vec::len).min().unwrap_or(0);
        Ok(Value::from_iter((0..len).map(|n| {
            Value::from(lists.iter().map(|l| l[n].clone()).collect::<Vec<_>>())
        })))
    });
    env.add_function("set", |items: Value| -> Result<Value, Error> {
        let mut seen: Vec<Value> = Vec::new();
        for item in items.try_iter()? {
            if !seen.contains(&item) {
                seen.push(item);
            }
        }
        Ok(crate::python::PyList::value(seen))
    });
    env.add_function(
        "tojson",
        |value: Value, default: Option<Value>, kwargs: Kwargs| -> Result<Value, Error> {
            let sort_keys = kwargs.get::<Option<bool>>("sort_keys")?.unwrap_or(false);
            kwargs.assert_all_used()?;
            crate::format::check_nesting(&value)?;
            let mut out = String::new();
            match python_json(&value, sort_keys, &mut out) {
                Ok(()) => Ok(Value::from(out)),
                Err(_) => Ok(default.unwrap_or(Value::from(()))),
            }
        },
    );
    // As in dbt, text that does not parse gives the default (none).
    env.add_function(
        "fromjson",
        |text: String, default: Option<Value>| -> Value {
            serde_json::from_str::<serde_json::Value>(&text)
                .map(Value::from_serialize)
                .unwrap_or_else(|_| default.unwrap_or(Value::from(())))
        },
    );
    env.add_function(
        "toyaml",
        |value: Value, default: Option<Value>| -> Result<Value, Error> {
            crate::format::check_nesting(&value)?;
            Ok(serde_yaml::to_string(&value)
                .map(Value::from)
                .unwrap_or_else(|_| default.unwrap_or(Value::from(()))))
        },
    );
    env.add_function(
        "fromyaml",
        |text: String, default: Option<Value>| -> Value {
            serde_yaml::from_str::<serde_yaml::Value>(&text)
                .map(Value::from_serialize)
                .unwrap_or_else(|_| default.unwrap_or(Value::from(())))
        },
    );
    env.add_function("local_md5", |text: String| -> Value {
        let digest = md5::Md5::digest(text.as_bytes());
        Value::from(jgt_core::hex::lower(&digest))
    });
    env.add_function("print", |message: Value| -> Value {
        // A closed stdout is not worth failing a render over.
        let _ = writeln!(std::io::stdout(), "{message}");
        Value::from("")
    });
}

/// JSON as Python's `json.dumps` writes it: `{"a": [1, "x"]}`, keys in
/// their order (sorted with `sort_keys`), non-ASCII characters escaped.
fn python_json(value: &Value, sort_keys: bool, out: &mut String) -> Result<(), Error> {
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => out.push_str("null"),
        ValueKind::Bool => out.push_str(if value.is_true() { "true" } else { "false" }),
        ValueKind::Number => out.push_str(&value.to_string()),
        ValueKind::Seq | ValueKind::Iterable => {
            out.push('[');
            for (n, item) in value.try_iter()?.enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                python_json(&item, sort_keys, out)?;
            }
            out.push(']');
        }
        ValueKind::Map => {
            let mut keys: Vec<Value> = value.try_iter()?.collect();
            if sort_keys {
                keys.sort();
            }
            out.push('{');
            for (n, key) in keys.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                python_json(&Value::from(key.to_string()), sort_keys, out)?;
                out.push_str(": ");
                python_json(&value.get_item(key)?, sort_keys, out)?;
            }
            out.push('}');
        }
        _ => {
            let text = value
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| value.to_string());
            let quoted = serde_json::to_string(&text).map_err(|err| fail(err.to_string()))?;
            for c in quoted.chars() {
                if c.is_ascii() {
                    out.push(c);
                } else {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
            }
        }
    }
    Ok(())
}

/// `graph`: dbt's project graph, given by the compiler; empty while parsing.
#[derive(Debug)]
pub(crate) struct Graph(pub Value);

/// The empty graph templates see while parsing.
pub(crate) fn empty_graph() -> Value {
    Value::from_serialize(serde_json::json!({
        "nodes": {}, "sources": {}, "macros": {}, "exposures": {}, "metrics": {},
        "semantic_models": {}, "saved_queries": {}, "unit_tests": {}, "groups": {}
    }))
}

impl Object for Graph {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let graph = if crate::introspection::executing() {
            self.0.clone()
        } else {
            empty_graph()
        };
        graph.get_item(key).ok().filter(|v| !v.is_undefined())
    }

    fn enumerate(self: &Arc<Self>) -> minijinja::value::Enumerator {
        minijinja::value::Enumerator::Str(&["nodes", "sources", "macros", "exposures", "metrics"])
    }
}
