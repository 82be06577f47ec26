//! `jgt docs`: the project's graph as DOT, Mermaid, JSON or SVG, and the
//! documentation site (`docs generate`), built with jgt-docs.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use jgt_compile::Compiled;
use jgt_docs::{DocColumn, DocGraph, DocNode};
use jgt_exec::Column;
use jgt_graph::{NodeId, NodeKind};
use jgt_project::parse_test;
use serde_json::json;

use crate::cli::GraphFormat;

/// Column types read from the built database, by node.
pub type BuiltColumns = HashMap<NodeId, Vec<Column>>;

/// The nodes to draw: the selection, without tests unless asked for
/// (unit tests check a model's logic, not its data, and are never drawn).
pub fn drawn(compiled: &Compiled, ids: Vec<NodeId>, tests: bool) -> Vec<NodeId> {
    ids.into_iter()
        .filter(|id| {
            let kind = compiled.node(*id).kind;
            kind != NodeKind::UnitTest && (tests || kind != NodeKind::Test)
        })
        .collect()
}

/// The columns (with types) of every drawn relation that exists in the
/// database; nothing when the database has not been built yet.
pub fn built_columns(compiled: &Compiled, ids: &[NodeId]) -> Result<BuiltColumns> {
    let path = Path::new(&compiled.target.path);
    if !crate::profile::is_built(path, &compiled.project) {
        return Ok(HashMap::new());
    }
    let adapter = crate::profile::open_read_only(path, &compiled.project)?;
    let mut columns = HashMap::new();
    for &id in ids {
        let node = compiled.node(id);
        if node.kind == NodeKind::Test || node.relation.schema.is_empty() {
            continue;
        }
        if let Some(found) = adapter.columns(&node.relation)? {
            columns.insert(id, found);
        }
    }
    Ok(columns)
}

/// Writes the graph of the selected nodes to `out`, or stdout.
pub fn write_graph(
    compiled: &Compiled,
    ids: &[NodeId],
    columns: &BuiltColumns,
    format: GraphFormat,
    out: Option<&Path>,
) -> Result<()> {
    let text = match format {
        GraphFormat::Dot => dot(compiled, ids),
        GraphFormat::Mermaid => mermaid(compiled, ids),
        GraphFormat::Json => {
            serde_json::to_string_pretty(&json_graph(compiled, ids, columns))? + "\n"
        }
        GraphFormat::Svg => {
            let graph = doc_graph(compiled, ids, columns);
            jgt_docs::render_svg(&graph, &jgt_docs::layout(&graph))
        }
    };
    match out {
        Some(path) => Ok(jgt_compile::atomic::write_bytes(path, text.as_bytes())?),
        None => {
            out!("{text}");
            Ok(())
        }
    }
}

/// Writes `target/docs/index.html` for the selected nodes.
pub fn generate(compiled: &Compiled, ids: &[NodeId]) -> Result<PathBuf> {
    let ids = drawn(compiled, ids.to_vec(), false);
    let columns = built_columns(compiled, &ids)?;
    let graph = doc_graph(compiled, &ids, &columns);
    let html = jgt_docs::render_site(&graph, &jgt_docs::layout(&graph));
    let path = compiled
        .project
        .target_dir()
        .join("docs")
        .join("index.html");
    jgt_compile::atomic::write_bytes(&path, html.as_bytes())?;
    Ok(path)
}

/// Everything the documentation shows about the selected nodes.
pub fn doc_graph(compiled: &Compiled, ids: &[NodeId], built: &BuiltColumns) -> DocGraph {
    let index: HashMap<NodeId, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    // Every test on a column: (tested node, column, test name), in build order.
    let mut tests_on: Vec<(NodeId, Option<&str>, &str)> = Vec::new();
    for &id in compiled.dag.order() {
        if let Some(test) = &compiled.node(id).test {
            for &tested in &test.attached_to {
                tests_on.push((tested, test.column.as_deref(), &compiled.node(id).name));
            }
        }
    }
    let nodes = ids
        .iter()
        .map(|&id| {
            let node = compiled.node(id);
            let mut columns: Vec<DocColumn> = Vec::new();
            let declared = |name: &str| {
                node.columns
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(name))
            };
            // The tests on a column, by kind (`unique`, `not_null`, ...) as the
            // schema file declares them: the test nodes' own names
            // (`unique_stg_users_user_id`) only repeat the model and column.
            let tests = |name: &str| {
                let declared: Vec<_> = declared(name)
                    .into_iter()
                    .flat_map(|column| &column.data_tests)
                    .filter_map(|test| parse_test(test, Some(name), &node.path).ok())
                    .collect();
                tests_on
                    .iter()
                    .filter(|(tested, column, _)| {
                        *tested == id && column.is_some_and(|c| c.eq_ignore_ascii_case(name))
                    })
                    .map(|(_, _, test)| {
                        declared
                            .iter()
                            .filter(|spec| {
                                spec.custom_name.as_deref() == Some(*test)
                                    || test.starts_with(&format!("{}_", spec.qualified_name()))
                            })
                            .max_by_key(|spec| spec.test_name.len())
                            .map_or_else(|| test.to_string(), |spec| spec.test_name.clone())
                    })
                    .collect::<Vec<_>>()
            };
            let mut seen = HashSet::new();
            for column in built.get(&id).into_iter().flatten() {
                seen.insert(column.name.to_lowercase());
                columns.push(DocColumn {
                    name: column.name.clone(),
                    data_type: Some(column.data_type.clone()),
                    description: declared(&column.name).and_then(|c| c.description.clone()),
                    tests: tests(&column.name),
                });
            }
            for column in &node.columns {
                if seen.insert(column.name.to_lowercase()) {
                    columns.push(DocColumn {
                        name: column.name.clone(),
                        data_type: column.data_type.clone(),
                        description: column.description.clone(),
                        tests: tests(&column.name),
                    });
                }
            }
            DocNode {
                name: node.name.clone(),
                kind: node.kind.as_str().to_string(),
                materialization: node.materialization.map(|m| m.to_string()),
                path: node.path.display().to_string(),
                relation: (!node.relation.schema.is_empty() && node.kind != NodeKind::Test)
                    .then(|| node.relation.display_name()),
                description: node.description.clone(),
                tags: node.config.tags.clone(),
                columns,
                raw_sql: node.raw_sql.clone(),
                compiled_sql: node.sql.clone(),
            }
        })
        .collect();
    let edges = compiled
        .dag
        .edges()
        .into_iter()
        .filter_map(|(p, c)| Some((*index.get(&p)?, *index.get(&c)?)))
        .collect();
    DocGraph {
        project_name: compiled.project.config.name.clone(),
        nodes,
        edges,
    }
}

/// Fill colours per kind, shared by every picture.
fn colour(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Seed => "#d8ecd0",
        NodeKind::Source => "#d6e4f5",
        NodeKind::Model => "#fbe3c6",
        NodeKind::Snapshot => "#f3d9ef",
        NodeKind::Test | NodeKind::UnitTest => "#eeeeee",
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

fn how(compiled: &Compiled, id: NodeId) -> String {
    let node = compiled.node(id);
    node.materialization
        .map(|m| m.to_string())
        .unwrap_or_else(|| node.kind.as_str().to_string())
}

/// Text inside a double-quoted DOT string.
fn dot_quoted(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn dot(compiled: &Compiled, ids: &[NodeId]) -> String {
    let mut out = String::from(
        "digraph jgt {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n",
    );
    for &id in ids {
        let node = compiled.node(id);
        let name = dot_quoted(&node.name);
        let _ = writeln!(
            out,
            "  \"{name}\" [label=\"{name}\\n({})\", fillcolor=\"{}\"];",
            how(compiled, id),
            colour(node.kind)
        );
    }
    // One rank per layer of the DAG (the longest path from a root), so every
    // seed sits in the first column and each model right of all its parents,
    // as the layers are drawn everywhere else; left alone, Graphviz would
    // pull a node towards its children to shorten the edges.
    let layer_of = compiled.dag.layers();
    let mut layers: Vec<Vec<NodeId>> = Vec::new();
    for &id in ids {
        let layer = layer_of.get(&id).copied().unwrap_or(0);
        if layers.len() <= layer {
            layers.resize(layer + 1, Vec::new());
        }
        layers[layer].push(id);
    }
    for layer in layers.iter().filter(|layer| layer.len() > 1) {
        out.push_str("  { rank=same;");
        for &id in layer {
            let _ = write!(out, " \"{}\";", dot_quoted(&compiled.node(id).name));
        }
        out.push_str(" }\n");
    }
    for (parent, child) in selected_edges(compiled, ids) {
        let _ = writeln!(
            out,
            "  \"{}\" -> \"{}\";",
            dot_quoted(&compiled.node(parent).name),
            dot_quoted(&compiled.node(child).name)
        );
    }
    out.push_str("}\n");
    out
}

/// Text safe inside a double-quoted Mermaid label (`n0["..."]`), which
/// Mermaid renders as HTML. Every character that could end the string or
/// make markup is written as one of Mermaid's own entity codes, which it
/// turns into the HTML entity of the same name: `"` as `#quot;`, `<` as
/// `#lt;`, `>` as `#gt;` and `&` as `#amp;`. `#` itself becomes `#35;` (so
/// a name cannot spell an entity code), a backtick `#96;` (so it cannot
/// start a Markdown string) and control characters such as a newline their
/// decimal code (`#10;`), so a label never spans lines.
fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            c if c == '#' || c == '`' || c.is_control() => {
                let _ = write!(out, "#{};", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// The graph as a Mermaid flowchart: each node labelled with its name
/// (escaped by [`mermaid_text`]) over how it is built, coloured by kind.
fn mermaid(compiled: &Compiled, ids: &[NodeId]) -> String {
    let key = |id: NodeId| format!("n{}", id.index());
    let mut out = String::from("flowchart LR\n");
    for &id in ids {
        let node = compiled.node(id);
        let _ = writeln!(
            out,
            "  {}[\"{}<br/><small>{}</small>\"]:::{}",
            key(id),
            mermaid_text(&node.name),
            mermaid_text(&how(compiled, id)),
            node.kind.as_str()
        );
    }
    for (parent, child) in selected_edges(compiled, ids) {
        let _ = writeln!(out, "  {} --> {}", key(parent), key(child));
    }
    for kind in [
        NodeKind::Seed,
        NodeKind::Source,
        NodeKind::Model,
        NodeKind::Snapshot,
        NodeKind::Test,
    ] {
        let _ = writeln!(out, "  classDef {} fill:{}", kind.as_str(), colour(kind));
    }
    out
}

fn json_graph(compiled: &Compiled, ids: &[NodeId], built: &BuiltColumns) -> serde_json::Value {
    let graph = doc_graph(compiled, ids, built);
    let nodes: Vec<serde_json::Value> = ids
        .iter()
        .zip(&graph.nodes)
        .map(|(&id, doc)| {
            json!({
                "name": doc.name,
                "kind": doc.kind,
                "materialization": doc.materialization,
                "path": doc.path,
                "relation": doc.relation,
                "description": doc.description,
                "tags": doc.tags,
                "columns": doc.columns,
                "depends_on": compiled.dag.parents(id).iter().map(|p| compiled.node(*p).name.clone()).collect::<Vec<_>>(),
                "raw_sql": doc.raw_sql,
                "compiled_sql": doc.compiled_sql,
            })
        })
        .collect();
    let edges: Vec<serde_json::Value> = selected_edges(compiled, ids)
        .into_iter()
        .map(|(p, c)| json!({"from": compiled.node(p).name, "to": compiled.node(c).name}))
        .collect();
    json!({ "nodes": nodes, "edges": edges })
}

#[cfg(test)]
mod tests {
    use super::mermaid_text;

    #[test]
    fn mermaid_text_leaves_plain_names_alone() {
        assert_eq!(mermaid_text("stg_users"), "stg_users");
        assert_eq!(mermaid_text("raw.orders v2 (été)"), "raw.orders v2 (été)");
    }

    #[test]
    fn mermaid_text_escapes_quotes_and_markup() {
        assert_eq!(
            mermaid_text(r#"a"b<i>x</i>&c"#),
            "a#quot;b#lt;i#gt;x#lt;/i#gt;#amp;c"
        );
        assert_eq!(
            mermaid_text("<img src=x onerror=alert(1)>"),
            "#lt;img src=x onerror=alert(1)#gt;"
        );
    }

    #[test]
    fn mermaid_text_cannot_spell_an_entity_a_markdown_string_or_a_new_line() {
        assert_eq!(mermaid_text("#quot;"), "#35;quot;");
        assert_eq!(mermaid_text("`**b**`"), "#96;**b**#96;");
        assert_eq!(mermaid_text("a\nb\r\t"), "a#10;b#13;#9;");
    }

    #[test]
    fn mermaid_text_output_holds_no_character_that_ends_a_label() {
        let hostile = "\"]:::x\n  n9[\"<script>alert(1)</script>";
        let escaped = mermaid_text(hostile);
        assert!(!escaped.contains(['"', '<', '>', '\n']), "{escaped}");
    }
}
