//! dbt's `adapter` object: `adapter.dispatch(...)`, `adapter.quote(...)`
//! and `adapter.type()`.
//!
//! `dispatch` finds the implementation of a macro for the target's
//! adapter the way dbt-core does: for each package of the search order it
//! tries `<adapter>__<name>` and then `default__<name>`. The search order
//! is the project's `dispatch:` entry for the namespace if there is one;
//! else, for an installed package's namespace, the root project then that
//! package; else (no namespace, or `dbt`) the bare name as dbt looks it up
//! for a root-project node: the root project, then `dbt`. So a project can
//! replace `duckdb__dateadd` by defining it.

use std::collections::BTreeMap;
use std::sync::Arc;

use jgt_core::Dialect;
use jgt_project::DispatchConfig;
use minijinja::value::{from_args, Kwargs, Object, Value};
use minijinja::{Error, ErrorKind, State};

use crate::macros::{MacroFn, MacroTable, MISSING_MACRO};

/// The `adapter` global.
#[derive(Debug)]
pub(crate) struct Adapter {
    /// How the target spells SQL; names the adapter type for dispatch.
    dialect: Arc<dyn Dialect>,
    /// The project's `dispatch:` search orders, by macro namespace.
    search_orders: BTreeMap<String, Vec<String>>,
}

impl Adapter {
    /// The `adapter` object for a run on `dialect` with `dispatch` config.
    pub fn value(dialect: Arc<dyn Dialect>, dispatch: &[DispatchConfig]) -> Value {
        let search_orders = dispatch
            .iter()
            .map(|entry| (entry.macro_namespace.clone(), entry.search_order.clone()))
            .collect();
        Value::from_object(Adapter {
            dialect,
            search_orders,
        })
    }

    /// `adapter.dispatch(macro_name, macro_namespace=None)`.
    fn dispatch(&self, state: &State, args: &[Value]) -> Result<Value, Error> {
        let (name, namespace, kwargs): (Option<String>, Option<String>, Kwargs) = from_args(args)?;
        let name = match name {
            Some(name) => name,
            None => kwargs.get::<String>("macro_name")?,
        };
        let namespace = match namespace {
            Some(namespace) => Some(namespace),
            None => kwargs.get::<Option<String>>("macro_namespace")?,
        };
        kwargs.assert_all_used()?;
        if let Some((package, bare)) = name.split_once('.') {
            return Err(invalid(format!(
                "adapter.dispatch('{name}'): '.' cannot be part of a macro name; \
                 write adapter.dispatch('{bare}', macro_namespace='{package}')"
            )));
        }
        let table = MacroTable::of(state)?;
        let prefixes = [self.dialect.adapter_type(), "default"];
        let mut searched = Vec::new();
        for package in self.search_packages(&table, namespace.as_deref()) {
            for prefix in prefixes {
                let candidate = format!("{prefix}__{name}");
                let found = match &package {
                    Some(package) => {
                        searched.push(format!("{package}.{candidate}"));
                        table.get(package, &candidate)
                    }
                    None => {
                        searched.push(candidate.clone());
                        table.resolve_dbt(&candidate)
                    }
                };
                if let Some(found) = found {
                    return Ok(MacroFn::value(found));
                }
            }
        }
        Err(Error::new(
            ErrorKind::UnknownFunction,
            format!(
                "{MISSING_MACRO}adapter.dispatch found no macro '{name}' in namespace '{}'; \
                 searched for {}. Define one of them in macros/",
                namespace.as_deref().unwrap_or("none"),
                searched.join(", ")
            ),
        ))
    }

    /// The packages dispatch searches, in order; `None` is the bare-name
    /// lookup of the calling macro.
    fn search_packages(&self, table: &MacroTable, namespace: Option<&str>) -> Vec<Option<String>> {
        match namespace {
            Some(namespace) => match self.search_orders.get(namespace) {
                Some(order) if !order.is_empty() => order.iter().cloned().map(Some).collect(),
                _ if table.is_installed(namespace) => {
                    vec![Some(table.root.clone()), Some(namespace.to_string())]
                }
                _ => vec![None],
            },
            None => vec![None],
        }
    }
}

impl Object for Adapter {
    fn call_method(
        self: &Arc<Self>,
        state: &State<'_, '_>,
        method: &str,
        args: &[Value],
    ) -> Result<Value, Error> {
        match method {
            "dispatch" => self.dispatch(state, args),
            "quote" => {
                let (identifier,): (String,) = from_args(args)?;
                Ok(Value::from(self.dialect.quote(&identifier)))
            }
            "type" => Ok(Value::from(self.dialect.adapter_type())),
            "get_relation" => crate::introspection::get_relation(state, args),
            "get_columns_in_relation" => {
                crate::introspection::get_columns_in_relation(state, args)
            }
            other => Err(Error::new(
                ErrorKind::UnknownMethod,
                format!(
                    "adapter.{other}() is not supported by jgt; available: dispatch, quote, type, get_relation, get_columns_in_relation"
                ),
            )),
        }
    }
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, message)
}
