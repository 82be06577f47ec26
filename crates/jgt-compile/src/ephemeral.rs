//! Ephemeral models: never built, inlined into their dependents as CTEs,
//! the way dbt does it (`__dbt__cte__<name>`).

use std::collections::HashSet;

use jgt_core::Dialect;
use jgt_graph::{Dag, NodeId};
use jgt_project::Materialization;

use crate::compile::CompiledNode;

/// The CTE name an ephemeral model is known by in its dependents' SQL.
pub fn cte_name(model: &str) -> String {
    format!("__dbt__cte__{model}")
}

fn is_ephemeral(node: &CompiledNode) -> bool {
    node.materialization == Some(Materialization::Ephemeral)
}

/// Prefixes every model that reads an ephemeral model (directly or through
/// other ephemeral models) with the CTEs it needs, parents first.
pub fn inline(dag: &Dag, nodes: &mut [CompiledNode], dialect: &dyn Dialect) {
    let rendered: Vec<Option<String>> = nodes.iter().map(|n| n.sql.clone()).collect();
    for &id in dag.order() {
        if nodes[id.index()].sql.is_none() {
            continue;
        }
        let needed = ephemeral_ancestors(dag, nodes, id);
        if needed.is_empty() {
            continue;
        }
        let ctes: Vec<String> = dag
            .order()
            .iter()
            .filter(|n| needed.contains(n))
            .map(|n| {
                let sql = rendered[n.index()].as_deref().unwrap_or("");
                format!("{} as ({}\n)", cte_name(&nodes[n.index()].name), body(sql))
            })
            .collect();
        let own = rendered[id.index()].as_deref().unwrap_or("");
        nodes[id.index()].sql = Some(format!(
            "with {}\nselect * from {}",
            ctes.join(",\n"),
            dialect.subquery(body(own), "__jgt_inlined")
        ));
    }
}

/// A body's one statement without its trailing `;` and comments; compile
/// has already refused bodies that are not exactly one statement.
fn body(sql: &str) -> &str {
    jgt_core::sql::single_statement(sql).unwrap_or(sql)
}

/// The ephemeral models inlined into `id`, parents first.
pub fn inlined(dag: &Dag, nodes: &[CompiledNode], id: NodeId) -> Vec<NodeId> {
    let needed = ephemeral_ancestors(dag, nodes, id);
    dag.order()
        .iter()
        .copied()
        .filter(|n| needed.contains(n))
        .collect()
}

/// The ephemeral models `id` reads, following ephemeral parents upward.
fn ephemeral_ancestors(dag: &Dag, nodes: &[CompiledNode], id: NodeId) -> HashSet<NodeId> {
    let mut found = HashSet::new();
    let mut stack: Vec<NodeId> = dag.parents(id);
    while let Some(parent) = stack.pop() {
        if is_ephemeral(&nodes[parent.index()]) && found.insert(parent) {
            stack.extend(dag.parents(parent));
        }
    }
    found
}

/// The nodes a build of `id` really waits for: its parents, with each
/// parent that is never built itself (an ephemeral model, a source)
/// replaced by what that parent reads.
pub fn build_parents(dag: &Dag, nodes: &[CompiledNode], id: NodeId) -> Vec<NodeId> {
    let mut parents = Vec::new();
    let mut seen = HashSet::new();
    let mut stack: Vec<NodeId> = dag.parents(id);
    while let Some(parent) = stack.pop() {
        if !seen.insert(parent) {
            continue;
        }
        let node = &nodes[parent.index()];
        if is_ephemeral(node) || node.kind == jgt_graph::NodeKind::Source {
            stack.extend(dag.parents(parent));
        } else {
            parents.push(parent);
        }
    }
    parents.sort();
    parents
}
