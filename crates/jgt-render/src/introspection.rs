//! dbt's database access while rendering: `execute`, `run_query`,
//! `{% call statement(...) %}`, `load_result`, `adapter.get_relation` and
//! `adapter.get_columns_in_relation`.
//!
//! A render has a database only at execution time ([`crate::Renderer::render_with_db`]);
//! while parsing, `execute` is false, `run_query` and `load_result` give
//! `none`, `statement` runs nothing, `get_relation` gives `none` and
//! `get_columns_in_relation` an empty list, as in dbt.
//!
//! Query values arrive as text. A value that is a plain integer (`42`,
//! `-7`) becomes an integer, a plain decimal (`3.50`) a float, `true` /
//! `false` a boolean and NULL `none`, so `{{ x + 1 }}` works; anything else
//! stays text (`'007'` too: a leading zero keeps it text).

use std::cell::Cell;
use std::fmt;
use std::sync::Arc;

use jgt_core::{Column, Introspect, QueryResult, Relation};
use minijinja::value::{from_args, Kwargs, Object, Rest, Value};
use minijinja::{Environment, Error, ErrorKind, State};

use crate::context::RelationValue;
use crate::functions::node_state;

/// The database a render may query.
#[derive(Clone)]
pub(crate) struct Db(pub Arc<dyn Introspect>);

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Db")
    }
}

thread_local! {
    /// Whether the render running on this thread has a database.
    static EXECUTING: Cell<bool> = const { Cell::new(false) };
}

/// Sets dbt's `execute` for the renders on this thread until dropped.
pub(crate) struct ExecuteGuard(bool);

impl ExecuteGuard {
    pub fn set(executing: bool) -> Self {
        ExecuteGuard(EXECUTING.with(|flag| flag.replace(executing)))
    }
}

impl Drop for ExecuteGuard {
    fn drop(&mut self) {
        EXECUTING.with(|flag| flag.set(self.0));
    }
}

/// Whether the render on this thread has a database (dbt's `execute`).
pub(crate) fn executing() -> bool {
    EXECUTING.with(Cell::get)
}

/// The `execute` global: true while a render has a database. It is an
/// object (not a boolean) because macros see only globals, and it must
/// differ between the parse and execution renders of one environment.
#[derive(Debug)]
struct Execute;

impl Object for Execute {
    fn is_true(self: &Arc<Self>) -> bool {
        executing()
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if executing() { "True" } else { "False" })
    }
}

/// Names that make a template depend on the database (or on `graph`).
pub(crate) const EXECUTION_WORDS: [&str; 7] = [
    "execute",
    "run_query",
    "statement",
    "load_result",
    "get_relation",
    "get_columns_in_relation",
    "graph",
];

/// Whether a template's source mentions any of [`EXECUTION_WORDS`] as a
/// whole word.
pub(crate) fn mentions_execution(source: &str) -> bool {
    // One pass over the words, not one search per listed word: every
    // model's template is looked at once per compile.
    source
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|word| EXECUTION_WORDS.contains(&word))
}

fn fail(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.into())
}

/// The words that mark an error as the database's ([`crate::RenderError::Query`]).
pub(crate) const DATABASE_REFUSED: &str = "the database refused it";

fn database_error(what: &str, message: String) -> Error {
    fail(format!("{what}: {DATABASE_REFUSED}: {message}"))
}

/// Registers `execute`, `run_query`, `statement` and `load_result`.
pub(crate) fn register(env: &mut Environment<'static>) {
    env.add_global("execute", Value::from_object(Execute));
    env.add_function(
        "run_query",
        |state: &State, sql: String| -> Result<Value, Error> {
            let node = node_state(state)?;
            let Some(db) = &node.db else {
                return Ok(Value::from(()));
            };
            let result =
                db.0.query(&sql)
                    .map_err(|err| database_error("run_query", err))?;
            Ok(crate::table::Table::value(result))
        },
    );
    env.add_function("statement", statement);
    env.add_function(
        "load_result",
        |state: &State, name: String| -> Result<Value, Error> {
            let node = node_state(state)?;
            let results = node.results.lock().expect("results lock");
            Ok(results.get(&name).cloned().unwrap_or(Value::from(())))
        },
    );
}

/// dbt's `statement` macro: `{% call statement('name', fetch_result=True) %}sql{% endcall %}`.
fn statement(state: &State, args: Rest<Value>) -> Result<Value, Error> {
    let (name, kwargs): (Option<String>, Kwargs) = from_args(&args.0)?;
    let caller: Value = kwargs.get("caller").map_err(|_| {
        fail("statement() is used as a block: {% call statement('name', fetch_result=True) %}select ...{% endcall %}")
    })?;
    let fetch = kwargs.get::<Option<bool>>("fetch_result")?.unwrap_or(false);
    for ignored in ["auto_begin", "language"] {
        let _: Option<Value> = kwargs.get(ignored)?;
    }
    kwargs.assert_all_used()?;
    let node = node_state(state)?;
    let Some(db) = &node.db else {
        return Ok(Value::from(""));
    };
    let sql = caller.call(state, &[])?.to_string();
    let result =
        db.0.query(&sql)
            .map_err(|err| database_error("statement", err))?;
    if let Some(name) = name {
        let rows = result.rows.len();
        let table = crate::table::Table::value(if fetch {
            result
        } else {
            QueryResult::default()
        });
        let data = table.get_attr("rows")?;
        let response = Value::from_iter([
            ("code", Value::from("OK")),
            ("rows_affected", Value::from(rows)),
            ("_message", Value::from(format!("OK {rows}"))),
        ]);
        let loaded = Value::from_iter([("data", data), ("table", table), ("response", response)]);
        node.results
            .lock()
            .expect("results lock")
            .insert(name, loaded);
    }
    Ok(Value::from(""))
}

/// An argument given by position or by name.
fn argument(
    args: &[Value],
    kwargs: &Kwargs,
    at: usize,
    name: &str,
) -> Result<Option<Value>, Error> {
    match args.get(at) {
        Some(value) => Ok(Some(value.clone())),
        None => kwargs.get::<Option<Value>>(name),
    }
}

/// `adapter.get_relation(database, schema, identifier)`: the relation, or
/// `none` when it does not exist (and always while parsing).
pub(crate) fn get_relation(state: &State, args: &[Value]) -> Result<Value, Error> {
    let (positional, kwargs): (&[Value], Kwargs) = from_args(args)?;
    let _database = argument(positional, &kwargs, 0, "database")?;
    let text = |at, name| -> Result<String, Error> {
        argument(positional, &kwargs, at, name)?
            .filter(|v| !v.is_none() && !v.is_undefined())
            .map(|v| v.to_string())
            .ok_or_else(|| fail(format!("adapter.get_relation() needs {name}: get_relation(database, schema, identifier)")))
    };
    let relation = Relation::new(text(1, "schema")?, text(2, "identifier")?);
    kwargs.assert_all_used()?;
    let node = node_state(state)?;
    let Some(db) = &node.db else {
        return Ok(Value::from(()));
    };
    let kind =
        db.0.relation_type(&relation)
            .map_err(|err| database_error("adapter.get_relation", err))?;
    Ok(match kind {
        Some(kind) => crate::dbt_context::relation_value(state, &relation, Some(kind), None),
        None => Value::from(()),
    })
}

/// `adapter.get_columns_in_relation(relation)`: its columns, in order.
pub(crate) fn get_columns_in_relation(state: &State, args: &[Value]) -> Result<Value, Error> {
    let (relation,): (Value,) = from_args(args)?;
    let relation = relation
        .downcast_object_ref::<RelationValue>()
        .map(|r| r.relation.clone())
        .ok_or_else(|| fail(format!("adapter.get_columns_in_relation() takes a relation (ref(), source(), get_relation()), not {relation}")))?;
    let node = node_state(state)?;
    let Some(db) = &node.db else {
        return Ok(Value::from(Vec::<Value>::new()));
    };
    let columns =
        db.0.columns(&relation)
            .map_err(|err| database_error("adapter.get_columns_in_relation", err))?;
    let quote = crate::dbt_context::quoter(state);
    Ok(Value::from_iter(columns.into_iter().map(|column| {
        let quoted = quote(&column.name);
        Value::from_object(ColumnValue { column, quoted })
    })))
}

/// A column of a relation, with dbt's `Column` attributes and tests.
#[derive(Debug)]
pub(crate) struct ColumnValue {
    pub column: Column,
    pub quoted: String,
}

impl ColumnValue {
    fn base_type(&self) -> String {
        let lower = self.column.data_type.to_lowercase();
        lower.split('(').next().unwrap_or("").trim().to_string()
    }
}

const STRING_TYPES: [&str; 6] = [
    "varchar",
    "text",
    "char",
    "character varying",
    "string",
    "character",
];
const INTEGER_TYPES: [&str; 12] = [
    "integer",
    "int",
    "bigint",
    "smallint",
    "tinyint",
    "hugeint",
    "int2",
    "int4",
    "int8",
    "ubigint",
    "uinteger",
    "usmallint",
];
const FLOAT_TYPES: [&str; 5] = ["float", "double", "real", "float4", "float8"];

impl Object for ColumnValue {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        Some(match key.as_str()? {
            "name" | "column" => Value::from(self.column.name.clone()),
            "data_type" | "dtype" => Value::from(self.column.data_type.clone()),
            "quoted" => Value::from(self.quoted.clone()),
            _ => return None,
        })
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State<'_, '_>,
        method: &str,
        _args: &[Value],
    ) -> Result<Value, Error> {
        let base = self.base_type();
        let numeric = base == "decimal" || base == "numeric";
        let is = |list: &[&str]| list.contains(&base.as_str());
        Ok(Value::from(match method {
            "is_string" => is(&STRING_TYPES),
            "is_integer" => is(&INTEGER_TYPES),
            "is_float" => is(&FLOAT_TYPES),
            "is_numeric" => numeric,
            "is_number" => numeric || is(&INTEGER_TYPES) || is(&FLOAT_TYPES),
            _ => return Err(Error::from(ErrorKind::UnknownMethod)),
        }))
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "<Column {} ({})>",
            self.column.name, self.column.data_type
        )
    }
}

/// `relation.include(...)`, `relation.render()`, `relation.quote(...)`.
pub(crate) fn relation_method(
    relation: &Arc<RelationValue>,
    method: &str,
    args: &[Value],
) -> Result<Value, Error> {
    match method {
        "render" => Ok(Value::from(relation.sql.clone())),
        "include" => {
            let (kwargs,): (Kwargs,) = from_args(args)?;
            let database = kwargs.get::<Option<bool>>("database")?.unwrap_or(true);
            let schema = kwargs.get::<Option<bool>>("schema")?.unwrap_or(true);
            let identifier = kwargs.get::<Option<bool>>("identifier")?.unwrap_or(true);
            kwargs.assert_all_used()?;
            // A CTE (no schema) is only ever its name.
            let keep = [
                database && !relation.relation.schema.is_empty(),
                schema && !relation.relation.schema.is_empty(),
                identifier,
            ];
            let sql = relation
                .quoted
                .iter()
                .zip(keep)
                .filter(|(part, keep)| *keep && !part.is_empty())
                .map(|(part, _)| part.as_str())
                .collect::<Vec<_>>()
                .join(".");
            Ok(Value::from_object(RelationValue {
                sql,
                ..(**relation).clone()
            }))
        }
        "quote" | "incorporate" => Ok(Value::from_object((**relation).clone())),
        _ => Err(Error::from(ErrorKind::UnknownMethod)),
    }
}

#[cfg(test)]
mod tests {
    use super::mentions_execution;

    #[test]
    fn execution_words_count_only_as_whole_words() {
        assert!(mentions_execution("{% if execute %}select 1{% endif %}"));
        assert!(mentions_execution("{{ run_query('select 1') }}"));
        assert!(mentions_execution("{% set nodes = graph.nodes %}"));
        assert!(!mentions_execution("select executed_at, graph_id from t"));
        assert!(!mentions_execution(
            "select my_statement, re_execute from t"
        ));
        assert!(!mentions_execution(""));
    }
}
