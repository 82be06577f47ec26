//! Property tests of the DAG and its `--select` syntax.
//!
//! What is generated:
//! - small DAGs: up to eight nodes with shuffled names (`stg_a`, `report`,
//!   `src.orders`, ...), random kinds, tags, materializations and folders,
//!   and edges that only ever point from an earlier node to a later one, so
//!   the graph is acyclic whatever the names;
//! - selector parts from dbt's grammar: `@`, `N+` / `+N` depths (sometimes
//!   absurdly large), node names known and unknown, `*` globs, and the
//!   methods `tag:`, `path:`, `config.materialized:`, `resource_type:`,
//!   `source:`, `state:`, `fqn:` and a made-up one; whole selections join
//!   parts with commas and spaces and are mixed with garbage characters or
//!   arbitrary Unicode;
//! - a set of "modified" node names, or none, for `state:`.
//!
//! What is asserted:
//! - every generated DAG builds, and its order puts parents first;
//! - no selection panics; a selection is either an error whose message
//!   starts with `--select '`, or a list of distinct nodes of the DAG in
//!   build order;
//! - `+name+` (and `N+name+M`) is the node with its ancestors and
//!   descendants (within the depths), so it always holds `name`; `@name`
//!   adds the ancestors of every descendant;
//! - `a b` (and `a` and `b` as separate arguments) is the union of `a` and
//!   `b`, `a,b` is their intersection, excluding `b` from `a` is the
//!   difference, and each fails exactly when one side fails;
//! - the methods pick the nodes whose attributes match, and an empty
//!   selection picks every node.
//!
//! The budget is fixed: a set number of cases per property, a fixed RNG
//! seed and no failure files, so every CI run tries the same inputs.
//! A crash found this way is kept as a plain `#[test]` at the end (none
//! has been found in the selector so far).

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;

use jgt_graph::{Dag, DagBuilder, GraphError, Node, NodeKind};
use proptest::prelude::*;
use proptest::test_runner::{RngAlgorithm, RngSeed};

/// A fixed budget: `cases` inputs from a fixed seed, nothing written to disk.
fn budget(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(0x6a67_7402),
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------
// DAGs

/// Node names; a DAG takes the first few after shuffling.
const NAMES: [&str; 8] = [
    "raw_a",
    "raw_b",
    "stg_a",
    "stg_b",
    "joined",
    "report",
    "lonely",
    "src.orders",
];
const KINDS: [NodeKind; 4] = [
    NodeKind::Seed,
    NodeKind::Source,
    NodeKind::Model,
    NodeKind::Test,
];
const TAGS: [&str; 3] = ["daily", "finance", "hourly"];
const MATERIALIZED: [&str; 3] = ["view", "table", "incremental"];
const FOLDERS: [&str; 2] = ["staging", "marts"];

/// A generated DAG with the nodes and edges it was built from.
#[derive(Debug, Clone)]
struct Generated {
    nodes: Vec<Node>,
    /// `(parent, child)` indexes into `nodes`, parent always first.
    edges: Vec<(usize, usize)>,
}

impl Generated {
    fn build(&self) -> Dag {
        let mut builder = DagBuilder::new();
        let ids: Vec<_> = self
            .nodes
            .iter()
            .map(|node| builder.add_node(node.clone()).expect("names are distinct"))
            .collect();
        for &(parent, child) in &self.edges {
            builder.add_edge(ids[parent], ids[child]);
        }
        builder.build().expect("edges only point forward")
    }
}

fn node_attributes() -> impl Strategy<
    Value = (
        NodeKind,
        Vec<&'static str>,
        Option<&'static str>,
        &'static str,
    ),
> {
    (
        prop::sample::select(&KINDS[..]),
        prop::sample::subsequence(&TAGS[..], 0..=TAGS.len()),
        prop::option::of(prop::sample::select(&MATERIALIZED[..])),
        prop::sample::select(&FOLDERS[..]),
    )
}

fn dag() -> impl Strategy<Value = Generated> {
    (1usize..=NAMES.len())
        .prop_flat_map(|n| {
            (
                Just(NAMES.to_vec()).prop_shuffle(),
                prop::collection::vec(node_attributes(), n),
                prop::collection::vec(prop::bool::weighted(0.35), n * (n - 1) / 2),
            )
        })
        .prop_map(|(names, attributes, edge_bits)| {
            let nodes: Vec<Node> = names
                .iter()
                .zip(attributes)
                .map(|(name, (kind, tags, materialized, folder))| Node {
                    name: name.to_string(),
                    kind,
                    path: PathBuf::from(format!("models/{folder}/{name}.sql")),
                    tags: tags.into_iter().map(str::to_string).collect(),
                    materialized: materialized.map(str::to_string),
                })
                .collect();
            let mut edges = Vec::new();
            let mut bits = edge_bits.into_iter();
            for child in 0..nodes.len() {
                for parent in 0..child {
                    if bits.next().unwrap_or(false) {
                        edges.push((parent, child));
                    }
                }
            }
            Generated { nodes, edges }
        })
}

// ---------------------------------------------------------------------------
// Selectors

/// What sits between the graph operators: names, globs and methods.
const CORES: &[&str] = &[
    "raw_a",
    "raw_b",
    "stg_a",
    "stg_b",
    "joined",
    "report",
    "lonely",
    "src.orders",
    "nope",
    "stg_c",
    "stg_*",
    "*",
    "**",
    "*_a",
    "r*t",
    "*.*",
    "tag:daily",
    "tag:finance",
    "tag:*",
    "tag:",
    "path:models/staging",
    "path:models/marts/",
    "path:models/*/report.sql",
    "path:",
    "config.materialized:view",
    "config.materialized:table",
    "config.materialized:*",
    "resource_type:model",
    "resource_type:seed",
    "resource_type:source",
    "resource_type:test",
    "resource_type:bogus",
    "source:src",
    "source:*",
    "state:modified",
    "state:new",
    "fqn:joined",
    "bogus:x",
    ":",
    "a:b:c",
];

/// A depth in front of or behind a part: none, `+`, or `N+`.
fn depth() -> impl Strategy<Value = Option<String>> {
    prop::option::weighted(
        0.4,
        prop_oneof![
            3 => Just(String::new()),
            3 => (0usize..4).prop_map(|n| n.to_string()),
            1 => "[0-9]{15,25}",
        ],
    )
}

/// One part: `[@][N+]core[+N]`, without spaces or commas.
fn part() -> impl Strategy<Value = String> {
    (
        prop::bool::weighted(0.1),
        depth(),
        prop::sample::select(CORES),
        depth(),
    )
        .prop_map(|(at, up, core, down)| {
            let mut part = String::new();
            if at {
                part.push('@');
            }
            if let Some(up) = up {
                part.push_str(&up);
                part.push('+');
            }
            part.push_str(core);
            if let Some(down) = down {
                part.push('+');
                part.push_str(&down);
            }
            part
        })
}

/// A whole selector argument: parts joined by commas and spaces, maybe
/// with garbage, or arbitrary text.
fn selector() -> impl Strategy<Value = String> {
    let joined = prop::collection::vec(
        (
            part(),
            prop::sample::select(&[",", " ", ",,", "  ", "\t", ", "][..]),
        ),
        1..4,
    )
    .prop_map(|pieces| {
        pieces
            .into_iter()
            .map(|(part, sep)| format!("{part}{sep}"))
            .collect::<String>()
    });
    prop_oneof![
        4 => joined,
        2 => "[a-z_+@,:*. 0-9]{0,16}",
        1 => "[+@,:*0-9\\PC]{0,12}",
        1 => any::<String>(),
    ]
}

fn modified() -> impl Strategy<Value = Option<HashSet<String>>> {
    prop::option::of(
        prop::sample::subsequence(&NAMES[..], 0..=NAMES.len())
            .prop_map(|names| names.into_iter().map(str::to_string).collect()),
    )
}

// ---------------------------------------------------------------------------
// Helpers

fn strings(selectors: &[&str]) -> Vec<String> {
    selectors.iter().map(|s| s.to_string()).collect()
}

/// The names a selection picks, or its error.
fn pick(dag: &Dag, selectors: &[&str]) -> Result<BTreeSet<String>, GraphError> {
    Ok(dag
        .select(&strings(selectors))?
        .into_iter()
        .map(|id| dag.node(id).name.clone())
        .collect())
}

/// Checks what every selection result must be: distinct nodes of `dag` in
/// build order, or an error about `--select`.
fn check_result(
    dag: &Dag,
    result: &Result<Vec<jgt_graph::NodeId>, GraphError>,
) -> Result<(), TestCaseError> {
    match result {
        Ok(ids) => {
            let positions: Vec<usize> = ids
                .iter()
                .map(|id| {
                    dag.order()
                        .iter()
                        .position(|o| o == id)
                        .expect("a selected node is in the order")
                })
                .collect();
            prop_assert!(
                positions.windows(2).all(|w| w[0] < w[1]),
                "not distinct or not in build order: {:?}",
                positions
            );
        }
        Err(err) => {
            let shown = err.to_string();
            prop_assert!(shown.starts_with("--select '"), "{}", shown);
            prop_assert!(
                matches!(
                    err,
                    GraphError::BadSelector { .. } | GraphError::UnknownSelector { .. }
                ),
                "{}",
                shown
            );
        }
    }
    Ok(())
}

fn names_of(dag: &Dag, ids: impl IntoIterator<Item = jgt_graph::NodeId>) -> BTreeSet<String> {
    ids.into_iter()
        .map(|id| dag.node(id).name.clone())
        .collect()
}

/// Compares two selections that must agree, errors included.
fn same(
    left: Result<BTreeSet<String>, GraphError>,
    right: Result<BTreeSet<String>, GraphError>,
    what: &str,
) -> Result<(), TestCaseError> {
    match (left, right) {
        (Ok(left), Ok(right)) => prop_assert_eq!(left, right, "{}", what),
        (Err(_), Err(_)) => {}
        (left, right) => prop_assert!(false, "{}: {:?} vs {:?}", what, left, right),
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(budget(256))]

    /// Generated DAGs build, and their order puts every parent first.
    #[test]
    fn order_puts_parents_first(generated in dag()) {
        let dag = generated.build();
        prop_assert_eq!(dag.len(), generated.nodes.len());
        prop_assert_eq!(dag.order().len(), dag.len());
        let position = |name: &str| {
            let id = dag.find(name).expect("every node can be found");
            dag.order().iter().position(|o| *o == id).expect("every node is ordered")
        };
        for &(parent, child) in &generated.edges {
            prop_assert!(
                position(&generated.nodes[parent].name) < position(&generated.nodes[child].name)
            );
        }
        prop_assert_eq!(dag.edges().len(), generated.edges.len());
    }

    /// No selection panics; results are distinct nodes in build order.
    #[test]
    fn selections_never_panic(
        generated in dag(),
        selectors in prop::collection::vec(selector(), 0..3),
        excludes in prop::collection::vec(selector(), 0..2),
        modified in modified(),
    ) {
        let dag = generated.build();
        check_result(&dag, &dag.select(&selectors))?;
        check_result(&dag, &dag.select_excluding(&selectors, &excludes))?;
        check_result(&dag, &dag.select_with_state(&selectors, &excludes, modified.as_ref()))?;
    }

    /// `+name+` is the node with all its ancestors and descendants; depths
    /// limit how far each side goes; `@name` adds the descendants' ancestors.
    #[test]
    fn graph_operators_follow_the_edges(
        generated in dag(),
        index in 0usize..NAMES.len(),
        up in prop::option::of(0usize..4),
        down in prop::option::of(0usize..4),
    ) {
        let dag = generated.build();
        let id = dag.order()[index % dag.len()];
        let name = dag.node(id).name.clone();

        let both = pick(&dag, &[&format!("+{name}+")]).expect("a known name selects");
        prop_assert!(both.contains(&name));
        let mut expected = names_of(&dag, dag.reach(id, true, None));
        expected.extend(names_of(&dag, dag.reach(id, false, None)));
        expected.insert(name.clone());
        prop_assert_eq!(&both, &expected);

        let fmt_depth = |d: Option<usize>| d.map(|d| d.to_string()).unwrap_or_default();
        let limited = format!("{}+{name}+{}", fmt_depth(up), fmt_depth(down));
        let mut expected = names_of(&dag, dag.reach(id, true, up));
        expected.extend(names_of(&dag, dag.reach(id, false, down)));
        expected.insert(name.clone());
        prop_assert_eq!(pick(&dag, &[&limited]).expect("a known name selects"), expected);

        let at = pick(&dag, &[&format!("@{name}")]).expect("a known name selects");
        let mut expected = both.clone();
        for child in dag.reach(id, false, None) {
            expected.extend(names_of(&dag, dag.reach(child, true, None)));
        }
        prop_assert!(at.is_superset(&both));
        prop_assert_eq!(at, expected);

        prop_assert_eq!(
            pick(&dag, &[&name]).expect("a known name selects"),
            BTreeSet::from([name])
        );
    }

    /// Spaces and separate arguments unite, commas intersect, excludes
    /// subtract; each fails exactly when one side fails.
    #[test]
    fn union_intersection_and_exclusion_laws(
        generated in dag(),
        a in part(),
        b in part(),
    ) {
        let dag = generated.build();
        let left = pick(&dag, &[&a]);
        let right = pick(&dag, &[&b]);
        let both = |f: fn(&BTreeSet<String>, &BTreeSet<String>) -> BTreeSet<String>| {
            match (&left, &right) {
                (Ok(l), Ok(r)) => Ok(f(l, r)),
                _ => Err(()),
            }
        };
        let union = both(|l, r| l | r);
        let intersection = both(|l, r| l & r);
        let difference = both(|l, r| l - r);

        let as_unit = |r: Result<BTreeSet<String>, GraphError>| r.map_err(|_| ());
        prop_assert_eq!(as_unit(pick(&dag, &[&format!("{a} {b}")])), union.clone(), "{} {}", a, b);
        prop_assert_eq!(as_unit(pick(&dag, &[&a, &b])), union, "[{}, {}]", a, b);
        prop_assert_eq!(
            as_unit(pick(&dag, &[&format!("{a},{b}")])),
            intersection,
            "{},{}", a, b
        );
        let excluded = dag
            .select_excluding(&strings(&[&a]), &strings(&[&b]))
            .map(|ids| names_of(&dag, ids));
        prop_assert_eq!(as_unit(excluded), difference, "{} --exclude {}", a, b);
        same(pick(&dag, &[&format!("{a},{b}")]), pick(&dag, &[&format!("{b},{a}")]), "commutes")?;
    }

    /// Methods pick the nodes whose attributes match; no selector picks all.
    #[test]
    fn methods_match_node_attributes(
        generated in dag(),
        tag in prop::sample::select(&TAGS[..]),
        kind in prop::sample::select(&KINDS[..]),
        materialized in prop::sample::select(&MATERIALIZED[..]),
        folder in prop::sample::select(&FOLDERS[..]),
    ) {
        let dag = generated.build();
        let all: BTreeSet<String> = generated.nodes.iter().map(|n| n.name.clone()).collect();
        let matching = |keep: &dyn Fn(&Node) -> bool| -> BTreeSet<String> {
            generated.nodes.iter().filter(|n| keep(n)).map(|n| n.name.clone()).collect()
        };
        prop_assert_eq!(pick(&dag, &[]).unwrap(), all.clone());
        prop_assert_eq!(pick(&dag, &[" \t"]).unwrap(), all.clone());
        prop_assert_eq!(pick(&dag, &["*"]).unwrap(), all);
        prop_assert_eq!(
            pick(&dag, &[&format!("tag:{tag}")]).unwrap(),
            matching(&|n| n.tags.iter().any(|t| t == tag))
        );
        prop_assert_eq!(
            pick(&dag, &[&format!("resource_type:{}", kind.as_str())]).unwrap(),
            matching(&|n| n.kind == kind)
        );
        prop_assert_eq!(
            pick(&dag, &[&format!("config.materialized:{materialized}")]).unwrap(),
            matching(&|n| n.materialized.as_deref() == Some(materialized))
        );
        prop_assert_eq!(
            pick(&dag, &[&format!("path:models/{folder}")]).unwrap(),
            matching(&|n| n.path.starts_with(format!("models/{folder}")))
        );
        prop_assert_eq!(
            pick(&dag, &["stg_*"]).unwrap_or_default(),
            matching(&|n| n.name.starts_with("stg_"))
        );
    }
}
