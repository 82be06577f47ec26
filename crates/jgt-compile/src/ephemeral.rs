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
/// other ephemeral models) with the CTEs it needs, parents first. Each
/// rewritten node keeps its own SQL in `before_inlining`.
pub fn inline(dag: &Dag, nodes: &mut [CompiledNode], dialect: &dyn Dialect) {
    // Only ephemeral models' own SQL is ever a CTE body: keep just those,
    // as they were before any inlining (most projects have none at all).
    let bodies: Vec<Option<String>> = nodes
        .iter()
        .map(|n| n.sql.clone().filter(|_| is_ephemeral(n)))
        .collect();
    if bodies.iter().all(Option::is_none) {
        return;
    }
    for &id in dag.order() {
        let Some(own) = nodes[id.index()].sql.clone() else {
            continue;
        };
        let own_sql = |n: NodeId| bodies[n.index()].clone().unwrap_or_default();
        if let Some(sql) = wrap(dag, nodes, id, &own, &own_sql, dialect) {
            let node = &mut nodes[id.index()];
            node.before_inlining = node.sql.replace(sql);
        }
    }
}

/// `own` (the SQL of `id`) with the CTEs of the ephemeral models it reads
/// in front, each CTE's body given by `sql_of`; `None` when it reads none.
pub fn wrap(
    dag: &Dag,
    nodes: &[CompiledNode],
    id: NodeId,
    own: &str,
    sql_of: &dyn Fn(NodeId) -> String,
    dialect: &dyn Dialect,
) -> Option<String> {
    let needed = inlined(dag, nodes, id);
    if needed.is_empty() {
        return None;
    }
    let ctes: Vec<String> = needed
        .iter()
        .map(|&n| {
            let sql = sql_of(n);
            format!("{} as ({}\n)", cte_name(&nodes[n.index()].name), body(&sql))
        })
        .collect();
    Some(format!(
        "with {}\nselect * from {}",
        ctes.join(",\n"),
        dialect.subquery(body(own), "__jgt_inlined")
    ))
}

/// A body's one statement without its trailing `;` and comments; compile
/// has already refused bodies that are not exactly one statement.
fn body(sql: &str) -> &str {
    jgt_core::sql::single_statement(sql).unwrap_or(sql)
}

/// The ephemeral models inlined into `id`, parents first.
pub fn inlined(dag: &Dag, nodes: &[CompiledNode], id: NodeId) -> Vec<NodeId> {
    let mut needed: Vec<NodeId> = ephemeral_ancestors(dag, nodes, id).into_iter().collect();
    needed.sort_by_key(|&n| dag.rank(n));
    needed
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
