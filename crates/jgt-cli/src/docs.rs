//! `jgt docs`: the project's graph as DOT, Mermaid or JSON.

use std::collections::HashSet;
use std::fmt::Write;
use std::path::Path;

use anyhow::{Context, Result};
use jgt_graph::{NodeId, NodeKind};
use serde_json::json;

use crate::cli::GraphFormat;
use crate::compile::Compiled;

/// Writes the graph of the selected nodes to `out`, or stdout.
pub fn write_graph(
    compiled: &Compiled,
    ids: &[NodeId],
    format: GraphFormat,
    out: Option<&Path>,
) -> Result<()> {
    let text = match format {
        GraphFormat::Dot => dot(compiled, ids),
        GraphFormat::Mermaid => mermaid(compiled, ids),
        GraphFormat::Json => serde_json::to_string_pretty(&json_graph(compiled, ids))? + "\n",
    };
    match out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
        }
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

/// Fill colours per kind, shared by every picture.
fn colour(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Seed => "#d8ecd0",
        NodeKind::Source => "#d6e4f5",
        NodeKind::Model => "#fbe3c6",
        NodeKind::Test => "#eeeeee",
    }
}

/// Edges whose two ends are both selected.
fn selected_edges(compiled: &Compiled, ids: &[NodeId]) -> Vec<(NodeId, NodeId)> {
    let chosen: HashSet<NodeId> = ids.iter().copied().collect();
    compiled
        .dag
        .edges()
        .into_iter()
        .filter(|(p, c)| chosen.contains(p) && chosen.contains(c))
        .collect()
}

fn dot(compiled: &Compiled, ids: &[NodeId]) -> String {
    let mut out = String::from(
        "digraph jgt {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n",
    );
    for &id in ids {
        let node = compiled.node(id);
        let how = node
            .materialization
            .map(|m| m.to_string())
            .unwrap_or_else(|| node.kind.as_str().to_string());
        let _ = writeln!(
            out,
            "  \"{}\" [label=\"{}\\n({how})\", fillcolor=\"{}\"];",
            node.name,
            node.name,
            colour(node.kind)
        );
    }
    for (parent, child) in selected_edges(compiled, ids) {
        let _ = writeln!(
            out,
            "  \"{}\" -> \"{}\";",
            compiled.node(parent).name,
            compiled.node(child).name
        );
    }
    out.push_str("}\n");
    out
}

fn mermaid(compiled: &Compiled, ids: &[NodeId]) -> String {
    let key = |id: NodeId| format!("n{}", id.index());
    let mut out = String::from("flowchart LR\n");
    for &id in ids {
        let node = compiled.node(id);
        let _ = writeln!(
            out,
            "  {}[\"{}\"]:::{}",
            key(id),
            node.name,
            node.kind.as_str()
        );
    }
    for (parent, child) in selected_edges(compiled, ids) {
        let _ = writeln!(out, "  {} --> {}", key(parent), key(child));
    }
    for kind in [NodeKind::Seed, NodeKind::Source, NodeKind::Model] {
        let _ = writeln!(out, "  classDef {} fill:{}", kind.as_str(), colour(kind));
    }
    out
}

fn json_graph(compiled: &Compiled, ids: &[NodeId]) -> serde_json::Value {
    let nodes: Vec<serde_json::Value> = ids
        .iter()
        .map(|&id| {
            let node = compiled.node(id);
            json!({
                "name": node.name,
                "kind": node.kind.as_str(),
                "materialization": node.materialization.map(|m| m.to_string()),
                "path": node.path,
                "relation": node.relation.display_name(),
                "description": node.description,
                "columns": node.columns.iter().map(|c| json!({
                    "name": c.name,
                    "description": c.description,
                    "data_type": c.data_type,
                })).collect::<Vec<_>>(),
                "tags": node.config.tags,
                "raw_sql": node.raw_sql,
                "compiled_sql": node.sql,
                "depends_on": compiled.dag.parents(id).iter().map(|p| compiled.node(*p).name.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let edges: Vec<serde_json::Value> = selected_edges(compiled, ids)
        .into_iter()
        .map(|(p, c)| json!({"from": compiled.node(p).name, "to": compiled.node(c).name}))
        .collect();
    json!({ "nodes": nodes, "edges": edges })
}
