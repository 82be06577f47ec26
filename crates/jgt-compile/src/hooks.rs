//! Model, seed and snapshot `pre-hook`s and `post-hook`s, rendered in
//! their node's context (`{{ this }}` is the node's relation).

use std::sync::Arc;

use jgt_core::{Hook, Hooks, PersistDocs};
use jgt_graph::NodeKind;
use jgt_project::HookConfig;
use jgt_render::{Catalog, Renderer};

use crate::compile::CompiledNode;
use crate::error::CompileError;

/// Renders the hooks of every seed, model and snapshot into its
/// [`CompiledNode::hooks`].
pub(crate) fn render(
    renderer: &Renderer,
    catalog: &Arc<Catalog>,
    nodes: &mut [CompiledNode],
) -> Result<(), CompileError> {
    for node in nodes.iter_mut() {
        let builds = matches!(
            node.kind,
            NodeKind::Seed | NodeKind::Model | NodeKind::Snapshot
        );
        if !builds {
            continue;
        }
        let docs = persist_docs(node);
        if node.config.pre_hook.is_empty() && node.config.post_hook.is_empty() && docs.is_none() {
            continue;
        }
        let pre = render_list(renderer, catalog, node, "pre-hook", &node.config.pre_hook)?;
        let post = render_list(renderer, catalog, node, "post-hook", &node.config.post_hook)?;
        node.hooks = Hooks { pre, post, docs };
    }
    Ok(())
}

/// What `persist_docs: {relation: true, columns: true}` asks to write:
/// the node's description and its columns' descriptions from its schema
/// file; `None` when it asks for nothing or there is nothing to write.
fn persist_docs(node: &CompiledNode) -> Option<PersistDocs> {
    let config = node.config.other.get("persist_docs")?;
    let on = |key: &str| {
        config
            .get(key)
            .and_then(serde_yaml::Value::as_bool)
            .unwrap_or(false)
    };
    let docs = PersistDocs {
        relation: on("relation").then(|| node.description.clone()).flatten(),
        columns: match on("columns") {
            true => node
                .columns
                .iter()
                .filter_map(|c| Some((c.name.clone(), c.description.clone()?)))
                .collect(),
            false => Vec::new(),
        },
    };
    (docs.relation.is_some() || !docs.columns.is_empty()).then_some(docs)
}

/// Renders one node's hooks of one kind, in order.
fn render_list(
    renderer: &Renderer,
    catalog: &Arc<Catalog>,
    node: &CompiledNode,
    kind: &str,
    hooks: &[HookConfig],
) -> Result<Vec<Hook>, CompileError> {
    let mut rendered = Vec::with_capacity(hooks.len());
    for (i, hook) in hooks.iter().enumerate() {
        let label = format!("{}: {kind}[{i}]", node.path.display());
        let out =
            renderer.render_node_hook(&label, &node.name, &hook.sql, catalog, &node.relation)?;
        if out.needs_execution {
            return Err(CompileError::Config {
                path: node.path.clone(),
                message: format!(
                    "{kind}[{i}] reads the database while rendering (execute, run_query, \
                     statement, ...), which jgt does not support in node hooks yet; \
                     move that logic into an on-run-start/on-run-end hook or a macro run \
                     with run-operation"
                ),
            });
        }
        if !out.sql.trim().is_empty() {
            rendered.push(Hook {
                sql: out.sql,
                transaction: hook.transaction,
            });
        }
    }
    Ok(rendered)
}
