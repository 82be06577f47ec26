//! Graphs shared by the integration tests.

#![allow(dead_code)]

use jgt_docs::{DocColumn, DocGraph, DocNode};

/// A node of `kind` with nothing but a name.
pub fn node(name: &str, kind: &str) -> DocNode {
    DocNode {
        name: name.to_string(),
        kind: kind.to_string(),
        materialization: (kind == "model").then(|| "table".to_string()),
        path: format!("models/{name}.sql"),
        relation: Some(format!("main.{name}")),
        description: None,
        tags: Vec::new(),
        columns: Vec::new(),
        raw_sql: None,
        compiled_sql: None,
    }
}

/// A graph from names (kind from the prefix) and edges by name.
pub fn graph(names: &[&str], edges: &[(&str, &str)]) -> DocGraph {
    let index = |name: &str| names.iter().position(|n| *n == name).expect("known name");
    DocGraph {
        project_name: "test".to_string(),
        nodes: names
            .iter()
            .map(|name| {
                let kind = match name.split('_').next() {
                    Some("raw") => "seed",
                    Some("src") => "source",
                    Some("test") => "test",
                    _ => "model",
                };
                node(name, kind)
            })
            .collect(),
        edges: edges.iter().map(|(a, b)| (index(a), index(b))).collect(),
    }
}

/// A deterministic pseudo-random acyclic graph: `n` nodes, about
/// `edges_per_node` parents for each non-root node, every edge going from a
/// lower index to a higher one, with a few seeds and sources as roots and
/// some tests as leaves.
pub fn generated(n: usize, edges_per_node: usize) -> DocGraph {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let roots = (n / 20).max(1);
    let mut nodes = Vec::with_capacity(n);
    let mut edges = Vec::new();
    for i in 0..n {
        let kind = if i < roots {
            if i % 2 == 0 {
                "seed"
            } else {
                "source"
            }
        } else if i % 9 == 0 {
            "test"
        } else {
            "model"
        };
        let mut doc = node(
            &format!("{kind}_{i:05}_{}", "x".repeat((next() % 18) as usize)),
            kind,
        );
        doc.columns.push(DocColumn {
            name: "id".to_string(),
            data_type: Some("INTEGER".to_string()),
            description: Some(format!("Key of node {i}")),
            tests: vec!["not_null".to_string()],
        });
        nodes.push(doc);
        if i >= roots {
            // Parents mostly recent, sometimes far back.
            for _ in 0..edges_per_node {
                let window = if next() % 4 == 0 { i } else { i.min(60) };
                let parent = i - 1 - (next() as usize % window);
                edges.push((parent, i));
            }
        }
    }
    DocGraph {
        project_name: "generated".to_string(),
        nodes,
        edges,
    }
}

/// The layer each node should get: the longest path from a root, for a
/// graph whose edges all go from a lower index to a higher one.
pub fn expected_layers(graph: &DocGraph) -> Vec<usize> {
    let mut layer = vec![0; graph.nodes.len()];
    let mut edges = graph.edges.clone();
    edges.sort_by_key(|&(_, child)| child);
    for (parent, child) in edges {
        assert!(parent < child, "generated edges go forwards");
        layer[child] = layer[child].max(layer[parent] + 1);
    }
    layer
}

/// A deterministic graph shaped like a real dbt project: sources, staging
/// models reading one source each, intermediate models and marts reading a
/// few earlier models, and tests on single models. Shallow (about ten
/// layers) and wide, with about two edges per node.
pub fn dbt_shaped(n: usize) -> DocGraph {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |below: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % below.max(1) as u64) as usize
    };
    let sources = (n * 8 / 100).max(1);
    let staging = sources + n * 30 / 100;
    let intermediate = staging + n * 25 / 100;
    let marts = intermediate + n * 17 / 100;
    let mut nodes = Vec::with_capacity(n);
    let mut edges = Vec::new();
    for i in 0..n {
        let (kind, prefix, parents): (&str, &str, Vec<usize>) = if i < sources {
            ("source", "src", vec![])
        } else if i < staging {
            ("model", "stg", vec![next(sources)])
        } else if i < intermediate {
            let count = 2 + next(2);
            (
                "model",
                "int",
                (0..count).map(|_| sources + next(i - sources)).collect(),
            )
        } else if i < marts {
            let count = 2 + next(3);
            (
                "model",
                "fct",
                (0..count).map(|_| staging + next(i - staging)).collect(),
            )
        } else {
            ("test", "test", vec![sources + next(marts - sources)])
        };
        nodes.push(node(&format!("{prefix}_{i:05}"), kind));
        edges.extend(parents.into_iter().map(|p| (p, i)));
    }
    DocGraph {
        project_name: "dbt-shaped".to_string(),
        nodes,
        edges,
    }
}
