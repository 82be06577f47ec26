//! Model, seed and snapshot `pre-hook`s and `post-hook`s, rendered in
//! their node's context (`{{ this }}` is the node's relation).

use std::sync::Arc;

use jgt_core::{Hook, Hooks};
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
        if !builds || (node.config.pre_hook.is_empty() && node.config.post_hook.is_empty()) {
            continue;
        }
        let pre = render_list(renderer, catalog, node, "pre-hook", &node.config.pre_hook)?;
        let post = render_list(renderer, catalog, node, "post-hook", &node.config.post_hook)?;
        node.hooks = Hooks { pre, post };
    }
    Ok(())
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
