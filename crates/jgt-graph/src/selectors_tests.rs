//! YAML selectors on a small hand-drawn graph.

use std::path::{Path, PathBuf};

use crate::{Dag, DagBuilder, GraphError, Node, NodeKind, Selectors};

/// raw -> stg -> mart -> report, and lonely; stg and report are tagged daily.
fn dag() -> Dag {
    let mut b = DagBuilder::new();
    for (name, kind, tags) in [
        ("raw", NodeKind::Seed, &[][..]),
        ("stg", NodeKind::Model, &["daily"][..]),
        ("mart", NodeKind::Model, &[][..]),
        ("report", NodeKind::Model, &["daily"][..]),
        ("lonely", NodeKind::Model, &[][..]),
    ] {
        b.add_node(Node {
            name: name.into(),
            kind,
            path: PathBuf::from(format!("models/{name}.sql")),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            materialized: Some("view".into()),
        })
        .unwrap();
    }
    for (parent, child) in [("raw", "stg"), ("stg", "mart"), ("mart", "report")] {
        let (parent, child) = (b.find(parent).unwrap(), b.find(child).unwrap());
        b.add_edge(parent, child);
    }
    b.build().unwrap()
}

fn names(dag: &Dag, yaml: &str, selector: &str) -> Vec<String> {
    let selectors = Selectors::parse(Path::new("selectors.yml"), yaml).unwrap();
    selectors
        .select(dag, selector, None)
        .unwrap()
        .into_iter()
        .map(|id| dag.node(id).name.clone())
        .collect()
}

fn one(definition: &str) -> String {
    format!("selectors:\n  - name: s\n    definition:\n{definition}")
}

fn parse_error(yaml: &str) -> GraphError {
    Selectors::parse(Path::new("selectors.yml"), yaml).unwrap_err()
}

#[test]
fn a_string_definition_is_select_syntax() {
    let yaml = "selectors:\n  - name: s\n    definition: 'tag:daily'\n";
    assert_eq!(names(&dag(), yaml, "s"), ["stg", "report"]);
}

#[test]
fn method_value_takes_parents_and_children_flags() {
    let d = dag();
    let with = |flags: &str| one(&format!("      method: fqn\n      value: mart\n{flags}"));
    assert_eq!(names(&d, &with(""), "s"), ["mart"]);
    assert_eq!(
        names(&d, &with("      parents: true\n"), "s"),
        ["raw", "stg", "mart"]
    );
    assert_eq!(
        names(&d, &with("      children: true\n"), "s"),
        ["mart", "report"]
    );
    assert_eq!(
        names(&d, &with("      parents_depth: 1\n"), "s"),
        ["stg", "mart"]
    );
    assert_eq!(
        names(&d, &with("      childrens_parents: true\n"), "s"),
        ["raw", "stg", "mart", "report"]
    );
}

#[test]
fn shorthand_union_intersection_and_exclude_combine() {
    let d = dag();
    let union = one("      union:\n        - tag: daily\n        - lonely\n        - exclude:\n            - report\n");
    assert_eq!(names(&d, &union, "s"), ["lonely", "stg"]);
    let both = one("      intersection:\n        - tag: daily\n        - 'mart+'\n");
    assert_eq!(names(&d, &both, "s"), ["report"]);
    let method_exclude = one(
        "      method: tag\n      value: daily\n      children: true\n      exclude:\n        - mart\n",
    );
    assert_eq!(names(&d, &method_exclude, "s"), ["stg", "report"]);
}

#[test]
fn a_selector_can_reuse_another() {
    let yaml = "selectors:\n  - name: daily\n    definition: 'tag:daily'\n  - name: daily_views\n    default: true\n    definition:\n      intersection:\n        - method: selector\n          value: daily\n        - 'report'\n";
    let d = dag();
    assert_eq!(names(&d, yaml, "daily_views"), ["report"]);
    let selectors = Selectors::parse(Path::new("selectors.yml"), yaml).unwrap();
    assert_eq!(selectors.default_name(), Some("daily_views"));
}

#[test]
fn a_selector_that_refers_to_itself_is_an_error_not_a_hang() {
    let yaml =
        "selectors:\n  - name: loop\n    definition:\n      method: selector\n      value: loop\n";
    let selectors = Selectors::parse(Path::new("selectors.yml"), yaml).unwrap();
    let err = selectors.select(&dag(), "loop", None).unwrap_err();
    assert_eq!(err.code(), "JGT3103");
    assert!(err.to_string().contains("refers to itself"), "{err}");
}

#[test]
fn unknown_keys_and_methods_name_their_line() {
    let err = parse_error("selectors:\n  - name: s\n    descripton: x\n    definition: a\n");
    assert_eq!(err.code(), "JGT3104");
    assert!(
        err.to_string()
            .starts_with("selectors.yml:3: unknown key 'descripton' in a selector"),
        "{err}"
    );
    assert!(
        err.to_string().contains("Did you mean 'description'?"),
        "{err}"
    );
    let err = parse_error(&one("      method: tags\n      value: daily\n"));
    assert_eq!(err.code(), "JGT3105");
    assert!(err.to_string().starts_with("selectors.yml:4:"), "{err}");
    assert!(err.to_string().contains("Did you mean 'tag'?"), "{err}");
}

#[test]
fn bad_shapes_are_refused_with_their_line() {
    let err = parse_error("selector:\n  - name: s\n");
    assert_eq!(err.code(), "JGT3103");
    let err = parse_error(&one("      union: lonely\n"));
    assert!(err.to_string().contains("`union` must be a list"), "{err}");
    let err = parse_error(
        "selectors:\n  - name: a\n    default: true\n    definition: x\n  - name: b\n    default: true\n    definition: y\n",
    );
    assert!(
        err.to_string()
            .contains("only one selector can be the default"),
        "{err}"
    );
    let err = parse_error(&one(
        "      method: tag\n      value: daily\n      indirect_selection: cautious\n",
    ));
    assert!(
        err.to_string()
            .starts_with("selectors.yml:6: indirect_selection: cautious"),
        "{err}"
    );
    let err = parse_error("selectors: [\n");
    assert_eq!(err.code(), "JGT3103");
}

#[test]
fn an_unknown_selector_name_suggests_the_nearest() {
    let yaml = "selectors:\n  - name: nightly\n    definition: lonely\n";
    let selectors = Selectors::parse(Path::new("selectors.yml"), yaml).unwrap();
    let err = selectors.select(&dag(), "nighty", None).unwrap_err();
    assert_eq!(err.code(), "JGT3106");
    assert!(err.to_string().contains("Did you mean 'nightly'?"), "{err}");
}
