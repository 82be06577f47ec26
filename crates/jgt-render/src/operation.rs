//! Entry points beyond rendering one model: calling a macro by name
//! (`jgt run-operation`) and giving templates dbt's `graph`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use jgt_core::Introspect;
use minijinja::context;
use minijinja::value::Value;

use crate::context::NodeState;
use crate::{introspection, Catalog, RenderError, Rendered, Renderer};

/// The name errors of `call_macro` carry as their file.
const OPERATION: &str = "<run-operation>";

impl Renderer {
    /// Calls the project macro `name` (or `package.name`) with keyword `args`, as `jgt
    /// run-operation name --args '{...}'` does. With `db`, `execute` is
    /// true and the macro may query the database. The macro's printed
    /// output (or its `return()` value, printed) is `sql` of the result.
    pub fn call_macro(
        &self,
        name: &str,
        args: &BTreeMap<String, serde_yaml::Value>,
        catalog: &Arc<Catalog>,
        db: Option<Arc<dyn Introspect>>,
    ) -> Result<Rendered, RenderError> {
        let known = match name.split_once('.') {
            Some((package, bare)) => self
                .table
                .packages
                .get(package)
                .is_some_and(|macros| macros.contains_key(bare)),
            None => self.macros.contains_key(name),
        };
        if !known {
            let suggestion =
                jgt_project::suggest::nearest(name, self.macros.keys().map(String::as_str));
            return Err(RenderError::UnknownMacro {
                name: name.to_string(),
                suggestion: jgt_project::suggest::did_you_mean(&suggestion),
            });
        }
        let _execute = introspection::ExecuteGuard::set(db.is_some());
        let state = Value::from_object(NodeState {
            db: db.map(introspection::Db),
            ..NodeState::new(Arc::clone(catalog))
        });
        let args: BTreeMap<&String, Value> = args
            .iter()
            .map(|(k, v)| (k, Value::from_serialize(v)))
            .collect();
        let sql = self
            .env
            .render_named_str(
                OPERATION,
                &format!("{{{{ {name}(**__jgt_args__) }}}}"),
                context! {
                    __jgt_node__ => state.clone(),
                    __jgt_args__ => args,
                    model => context! { name => name, path => OPERATION },
                },
            )
            .map_err(|err| RenderError::from_jinja(err, OPERATION, Some(name)))?;
        let mut rendered = self.finish(sql, &state, None);
        rendered.needs_execution = true;
        Ok(rendered)
    }

    /// Renders a hook's Jinja text (`on-run-start`, `on-run-end`) with
    /// `execute` true and `db` to query. `label` names the hook in errors
    /// (`dbt_project.yml: on-run-start[0]`); `extra` adds names to its
    /// context, as on-run-end's `results` and `schemas`.
    pub fn render_hook(
        &self,
        label: &str,
        text: &str,
        catalog: &Arc<Catalog>,
        db: Arc<dyn Introspect>,
        extra: &BTreeMap<String, serde_json::Value>,
    ) -> Result<String, RenderError> {
        let _execute = introspection::ExecuteGuard::set(true);
        let state = Value::from_object(NodeState {
            db: Some(introspection::Db(db)),
            ..NodeState::new(Arc::clone(catalog))
        });
        let mut ctx: BTreeMap<String, Value> = extra
            .iter()
            .map(|(k, v)| (k.clone(), Value::from_serialize(v)))
            .collect();
        ctx.insert("__jgt_node__".into(), state);
        ctx.insert(
            "model".into(),
            Value::from_serialize(serde_json::json!({"name": label, "path": label})),
        );
        let source = crate::python::rewrite_literals(text);
        self.env
            .render_named_str(label, &source, ctx)
            .map_err(|err| RenderError::from_jinja(err, label, None))
    }

    /// Renders one of a node's `pre-hook`/`post-hook` texts in the node's
    /// context: `this` is the node's relation and `model` the node, as in
    /// dbt. `label` names the hook in errors (`models/orders.sql:
    /// post-hook[0]`). The result's `needs_execution` says whether the
    /// hook reads the database while rendering.
    pub fn render_node_hook(
        &self,
        label: &str,
        node: &str,
        text: &str,
        catalog: &Arc<Catalog>,
        this: &jgt_core::Relation,
    ) -> Result<Rendered, RenderError> {
        let _execute = introspection::ExecuteGuard::set(false);
        let state = Value::from_object(NodeState {
            this: Some(this.clone()),
            ..NodeState::new(Arc::clone(catalog))
        });
        let this = crate::context::RelationValue::value(
            this,
            &self.target.database,
            self.dialect.as_ref(),
        );
        let source = crate::python::rewrite_literals(text);
        let sql = self
            .env
            .render_named_str(
                label,
                &source,
                context! {
                    __jgt_node__ => state.clone(),
                    this => this,
                    model => context! { name => node, path => label },
                },
            )
            .map_err(|err| RenderError::from_jinja(err, label, Some(node)))?;
        let mut rendered = self.finish(sql, &state, None);
        rendered.needs_execution |= introspection::mentions_execution(text);
        Ok(rendered)
    }

    /// Gives templates dbt's `graph` at execution time (while parsing they
    /// see an empty graph, as in dbt). `graph` is dbt's shape:
    /// `{"nodes": {unique_id: {...}}, "sources": {...}, "macros": {...}}`;
    /// see [`graph_node`] for what one node holds.
    pub fn set_graph(&mut self, graph: serde_json::Value) {
        let value = crate::dbt_context::Graph(Value::from_serialize(graph));
        self.env.add_global("graph", Value::from_object(value));
    }
}

/// One entry of `graph.nodes` (or `graph.sources`) in dbt's shape, for
/// [`Renderer::set_graph`]: `unique_id`, `resource_type` (`model`, `seed`,
/// `test`, `source`, ...), `name`, `package_name`, `original_file_path`,
/// `config`, `depends_on.nodes`, `tags`, `columns` (name → description and
/// data type), `schema`, `alias`. Extra keys may be added to the result.
#[allow(clippy::too_many_arguments)]
pub fn graph_node(
    unique_id: &str,
    resource_type: &str,
    name: &str,
    package_name: &str,
    path: &Path,
    config: serde_json::Value,
    depends_on: &[String],
    columns: &[(String, Option<String>)],
) -> serde_json::Value {
    let tags = config.get("tags").cloned().unwrap_or(serde_json::json!([]));
    let columns: serde_json::Map<String, serde_json::Value> = columns
        .iter()
        .map(|(column, data_type)| {
            (
                column.clone(),
                serde_json::json!({"name": column, "data_type": data_type, "description": ""}),
            )
        })
        .collect();
    serde_json::json!({
        "unique_id": unique_id,
        "resource_type": resource_type,
        "name": name,
        "package_name": package_name,
        "original_file_path": crate::template_name(path),
        "config": config,
        "depends_on": {"nodes": depends_on, "macros": []},
        "tags": tags,
        "columns": columns,
    })
}
