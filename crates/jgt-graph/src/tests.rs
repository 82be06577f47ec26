//! Graph examples on small hand-drawn projects.

use std::path::PathBuf;

use crate::{Dag, DagBuilder, GraphError, Node, NodeKind};

fn node(name: &str, kind: NodeKind, tags: &[&str]) -> Node {
    Node {
        name: name.into(),
        kind,
        path: PathBuf::from(format!("models/{name}.sql")),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        materialized: Some(
            if name.starts_with("stg") {
                "view"
            } else {
                "table"
            }
            .into(),
        ),
    }
}

/// raw_a, raw_b -> stg_a, stg_b -> joined -> report, and lonely.
fn sample() -> Dag {
    let mut b = DagBuilder::new();
    for seed in ["raw_a", "raw_b"] {
        b.add_node(node(seed, NodeKind::Seed, &[])).unwrap();
    }
    for (name, tags) in [
        ("stg_a", &["daily"][..]),
        ("stg_b", &["daily"][..]),
        ("joined", &[][..]),
        ("report", &["daily", "finance"][..]),
        ("lonely", &[][..]),
    ] {
        b.add_node(node(name, NodeKind::Model, tags)).unwrap();
    }
    for (parent, child) in [
        ("raw_a", "stg_a"),
        ("raw_b", "stg_b"),
        ("stg_a", "joined"),
        ("stg_b", "joined"),
        ("joined", "report"),
    ] {
        let (p, c) = (b.find(parent).unwrap(), b.find(child).unwrap());
        b.add_edge(p, c);
    }
    b.build().unwrap()
}

fn names(dag: &Dag, selectors: &[&str]) -> Vec<String> {
    let selectors: Vec<String> = selectors.iter().map(|s| s.to_string()).collect();
    let mut names: Vec<String> = dag
        .select(&selectors)
        .unwrap()
        .into_iter()
        .map(|id| dag.node(id).name.clone())
        .collect();
    names.sort();
    names
}

#[test]
fn order_puts_parents_first_and_is_alphabetical_otherwise() {
    let dag = sample();
    let order: Vec<&str> = dag
        .order()
        .iter()
        .map(|id| dag.node(*id).name.as_str())
        .collect();
    assert_eq!(
        order,
        ["lonely", "raw_a", "raw_b", "stg_a", "stg_b", "joined", "report"]
    );
}

#[test]
fn selection_syntax_table() {
    let dag = sample();
    let cases: &[(&[&str], &[&str])] = &[
        (&["joined"], &["joined"]),
        (
            &["+joined"],
            &["joined", "raw_a", "raw_b", "stg_a", "stg_b"],
        ),
        (&["joined+"], &["joined", "report"]),
        (&["1+joined"], &["joined", "stg_a", "stg_b"]),
        (&["stg_a+1"], &["joined", "stg_a"]),
        (
            &["@stg_a"],
            &["joined", "raw_a", "raw_b", "report", "stg_a", "stg_b"],
        ),
        (&["tag:daily"], &["report", "stg_a", "stg_b"]),
        (&["tag:daily,tag:finance"], &["report"]),
        (&["stg_a stg_b"], &["stg_a", "stg_b"]),
        (&["stg_a", "lonely"], &["lonely", "stg_a"]),
        (&["stg_*"], &["stg_a", "stg_b"]),
        (&["resource_type:seed"], &["raw_a", "raw_b"]),
        (&["config.materialized:view"], &["stg_a", "stg_b"]),
        (&["path:models/joined.sql"], &["joined"]),
        (&["+report,tag:daily"], &["report", "stg_a", "stg_b"]),
    ];
    for (selectors, expected) in cases {
        assert_eq!(names(&dag, selectors), *expected, "selecting {selectors:?}");
    }
}

#[test]
fn exclusion_removes_what_it_selects() {
    let dag = sample();
    let chosen = dag
        .select_excluding(&["+joined".into()], &["resource_type:seed".into()])
        .unwrap();
    assert_eq!(chosen.len(), 3);
}

#[test]
fn unknown_selectors_suggest_the_nearest_name() {
    let err = sample().select(&["+joind".into()]).unwrap_err().to_string();
    assert_eq!(
        err,
        "--select '+joind' matches no node. Did you mean 'joined'?"
    );
}

#[test]
fn duplicate_names_name_both_files() {
    let mut b = DagBuilder::new();
    b.add_node(node("a", NodeKind::Model, &[])).unwrap();
    let mut seed = node("a", NodeKind::Seed, &[]);
    seed.path = PathBuf::from("seeds/a.csv");
    let err = b.add_node(seed).unwrap_err().to_string();
    assert!(
        err.contains("models/a.sql") && err.contains("seeds/a.csv"),
        "{err}"
    );
}

#[test]
fn cycles_name_every_step_with_its_file() {
    let mut b = DagBuilder::new();
    for name in ["c", "a", "b", "outside"] {
        b.add_node(node(name, NodeKind::Model, &[])).unwrap();
    }
    for (p, c) in [("a", "b"), ("b", "c"), ("c", "a"), ("outside", "a")] {
        let (p, c) = (b.find(p).unwrap(), b.find(c).unwrap());
        b.add_edge(p, c);
    }
    match b.build().unwrap_err() {
        GraphError::Cycle { cycle, names } => {
            assert_eq!(names, ["a", "b", "c", "a"]);
            assert_eq!(
                cycle,
                "a (models/a.sql) -> b (models/b.sql) -> c (models/c.sql) -> a (models/a.sql)"
            );
        }
        other => panic!("expected a cycle, got {other}"),
    }
}

#[test]
fn layers_follow_the_longest_path() {
    let dag = sample();
    let layers = dag.layers();
    let layer = |name: &str| layers[&dag.find(name).unwrap()];
    assert_eq!(
        (
            layer("raw_a"),
            layer("stg_a"),
            layer("joined"),
            layer("report")
        ),
        (0, 1, 2, 3)
    );
}

#[test]
fn state_modified_selects_changed_nodes_and_their_children_with_plus() {
    let dag = sample();
    let changed: std::collections::HashSet<String> = ["stg_b".to_string()].into();
    let pick = |selector: &str| {
        let mut names: Vec<String> = dag
            .select_with_state(&[selector.to_string()], &[], Some(&changed))
            .unwrap()
            .into_iter()
            .map(|id| dag.node(id).name.clone())
            .collect();
        names.sort();
        names
    };
    assert_eq!(pick("state:modified"), ["stg_b"]);
    assert_eq!(pick("state:modified+"), ["joined", "report", "stg_b"]);
    let err = dag
        .select(&["state:modified".into()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("--state DIR"), "{err}");
}
