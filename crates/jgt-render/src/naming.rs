//! Where a node builds: dbt's `generate_schema_name`, `generate_alias_name`
//! and `generate_database_name`.
//!
//! The defaults live in the `dbt` namespace (builtin/naming.sql) and a root
//! project replaces one by defining a macro of that name (or its
//! `default__`/`<adapter>__` implementation), as in dbt, which ignores an
//! installed package's version unless dispatch points at it. When nothing
//! replaces a macro, its answer is computed in Rust without rendering:
//! compiling 10,000 models must not render 30,000 templates.

use std::path::Path;
use std::sync::Arc;

use minijinja::value::Value;
use minijinja::{context, Environment};

use crate::context::{Catalog, NodeState};
use crate::macros::{MacroFn, MacroTable, BUILTIN_PACKAGE};
use crate::{RenderError, Renderer};

/// The template that calls one naming macro.
const CALL_TEMPLATE: &str = "jgt/naming_call";

/// What the naming macros are told about the node they name, as dbt's
/// `node` argument shows it (`node.name`, `node.resource_type`,
/// `node.package_name`, `node.original_file_path`, `node.config.*`).
#[derive(Debug, Clone, Copy)]
pub struct NodeInfo<'a> {
    /// The node's name (`stg_users`).
    pub name: &'a str,
    /// `model`, `seed` or `snapshot`.
    pub resource_type: &'a str,
    /// The node's file, relative to the project folder.
    pub path: &'a Path,
    /// The project the node belongs to.
    pub package_name: &'a str,
    /// Its materialization, when known.
    pub materialized: Option<&'a str>,
    /// Its tags.
    pub tags: &'a [String],
}

impl NodeInfo<'_> {
    fn value(&self) -> Value {
        let path = crate::template_name(self.path);
        Value::from_serialize(serde_json::json!({
            "name": self.name,
            "resource_type": self.resource_type,
            "package_name": self.package_name,
            "path": path,
            "original_file_path": path,
            "unique_id": format!("{}.{}.{}", self.resource_type, self.package_name, self.name),
            "fqn": [self.package_name, self.name],
            "tags": self.tags,
            "config": { "materialized": self.materialized, "tags": self.tags },
        }))
    }
}

/// Adds the template that calls a naming macro.
pub(crate) fn register(env: &mut Environment<'static>) -> Result<(), RenderError> {
    env.add_template(
        CALL_TEMPLATE,
        "{{ __jgt_call__(__jgt_custom__, __jgt_node_info__) }}",
    )
    .map_err(|err| RenderError::from_jinja(err, CALL_TEMPLATE, None))
}

/// Whether anything but the built-in `dbt` macros defines `name` or one
/// of its dispatched implementations (`default__name`, `duckdb__name`).
pub(crate) fn is_overridden(table: &MacroTable, name: &str) -> bool {
    let suffix = format!("__{name}");
    table
        .packages
        .iter()
        .filter(|(package, _)| package.as_str() != BUILTIN_PACKAGE)
        .flat_map(|(_, macros)| macros.keys())
        .any(|defined| defined == name || defined.ends_with(&suffix))
}

/// Which naming macros a project replaces, worked out once per run.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Overrides {
    schema: bool,
    alias: bool,
    database: bool,
}

impl Overrides {
    /// The overrides found in `table`.
    pub fn of(table: &MacroTable) -> Overrides {
        Overrides {
            schema: is_overridden(table, "generate_schema_name"),
            alias: is_overridden(table, "generate_alias_name"),
            database: is_overridden(table, "generate_database_name"),
        }
    }
}

impl Renderer {
    /// The schema `node` builds into, from its configured `schema`:
    /// `generate_schema_name(custom, node)`.
    pub fn schema_name(
        &self,
        custom: Option<&str>,
        node: &NodeInfo,
    ) -> Result<String, RenderError> {
        if !self.naming.schema {
            return Ok(self.dialect.schema_for(custom.map(str::trim)));
        }
        self.call_naming("generate_schema_name", custom, node)
    }

    /// The relation name `node` builds, from its configured `alias`:
    /// `generate_alias_name(custom, node)`.
    pub fn alias_name(&self, custom: Option<&str>, node: &NodeInfo) -> Result<String, RenderError> {
        if !self.naming.alias {
            return Ok(match custom.map(str::trim) {
                Some(alias) if !alias.is_empty() => alias.to_string(),
                _ => node.name.to_string(),
            });
        }
        self.call_naming("generate_alias_name", custom, node)
    }

    /// The database `node` builds into, from its configured `database`:
    /// `generate_database_name(custom, node)`.
    pub fn database_name(
        &self,
        custom: Option<&str>,
        node: &NodeInfo,
    ) -> Result<String, RenderError> {
        if !self.naming.database {
            return Ok(match custom {
                Some(database) => database.trim().to_string(),
                None => self.target.database.clone(),
            });
        }
        self.call_naming("generate_database_name", custom, node)
    }

    /// Renders the naming macro `name` (the root project's, else `dbt`'s).
    fn call_naming(
        &self,
        name: &str,
        custom: Option<&str>,
        node: &NodeInfo,
    ) -> Result<String, RenderError> {
        let file = crate::template_name(node.path);
        let fail = |err| RenderError::from_jinja(err, &file, Some(node.name));
        let found = self
            .table
            .resolve_dbt(name)
            .expect("the dbt namespace defines every naming macro");
        let template = self.env.get_template(CALL_TEMPLATE).map_err(fail)?;
        let state = Value::from_object(NodeState::new(Arc::new(Catalog::default())));
        let out = template
            .render(context! {
                __jgt_node__ => state,
                __jgt_call__ => MacroFn::value(found),
                __jgt_custom__ => custom,
                __jgt_node_info__ => node.value(),
            })
            .map_err(fail)?;
        let out = out.trim();
        if out.is_empty() {
            return Err(RenderError::EmptyName {
                path: found.path.clone(),
                name: name.to_string(),
                node: node.name.to_string(),
            });
        }
        Ok(out.to_string())
    }
}
