//! The layout: layers, direction, overlaps, determinism, cycles.

mod common;

use common::{dbt_shaped, expected_layers, generated, graph};
use jgt_docs::{layout, DocGraph, Layout};

/// Checks everything a layout of an acyclic graph must satisfy.
fn assert_well_formed(graph: &DocGraph, layout: &Layout) {
    assert_eq!(layout.nodes.len(), graph.nodes.len());
    // Layers are longest paths (edges here always go to higher indices).
    let expected = expected_layers(graph);
    for (i, b) in layout.nodes.iter().enumerate() {
        assert_eq!(b.layer, expected[i], "layer of {}", graph.nodes[i].name);
        assert!(b.x >= 0.0 && b.y >= 0.0, "{b:?} starts inside the drawing");
        assert!(b.x + b.width <= layout.width + 1e-9, "{b:?} fits the width");
        assert!(
            b.y + b.height <= layout.height + 1e-9,
            "{b:?} fits the height"
        );
        assert!(b.width > 0.0 && b.height > 0.0);
    }
    // Columns: one x per layer, increasing with the layer, never overlapping.
    let depth = layout.nodes.iter().map(|b| b.layer + 1).max().unwrap_or(0);
    // (left side, right side of the widest box) of each layer.
    let mut columns: Vec<Option<(f64, f64)>> = vec![None; depth];
    for b in &layout.nodes {
        let column = columns[b.layer].get_or_insert((b.x, b.x + b.width));
        assert_eq!(column.0, b.x, "boxes of a layer share their left side");
        column.1 = column.1.max(b.x + b.width);
    }
    for pair in columns.windows(2) {
        if let [Some(left), Some(right)] = pair {
            assert!(
                left.1 < right.0,
                "layers do not overlap: {left:?} {right:?}"
            );
        }
    }
    // Within a layer, boxes do not overlap.
    for layer in 0..depth {
        let mut spans: Vec<(f64, f64)> = layout
            .nodes
            .iter()
            .filter(|b| b.layer == layer)
            .map(|b| (b.y, b.y + b.height))
            .collect();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        for pair in spans.windows(2) {
            assert!(
                pair[0].1 <= pair[1].0 + 1e-6,
                "boxes overlap in layer {layer}: {:?} {:?}",
                pair[0],
                pair[1]
            );
        }
    }
    // Every edge goes left to right, from the parent's right side to the
    // child's left side, never backwards, and crosses intermediate layers
    // between their boxes.
    for edge in &layout.edges {
        let (from, to) = (&layout.nodes[edge.from], &layout.nodes[edge.to]);
        let (a, b) = (edge.from, edge.to);
        assert!(from.layer < to.layer, "edge {a}->{b} goes forwards");
        let points = &edge.points;
        assert!(points.len() >= 4 && points.len() % 3 == 1, "{points:?}");
        assert_eq!(points[0], (from.x + from.width, from.y + from.height / 2.0));
        assert_eq!(points[points.len() - 1], (to.x, to.y + to.height / 2.0));
        let ends: Vec<(f64, f64)> = points.iter().copied().step_by(3).collect();
        for pair in ends.windows(2) {
            assert!(
                pair[0].0 < pair[1].0,
                "edge {a}->{b} runs left to right: {ends:?}"
            );
        }
        let segments = ends.len() - 1;
        let span = to.layer - from.layer;
        assert!(
            segments == 1 || segments == 2 * span - 1,
            "edge {a}->{b}: {segments}"
        );
        if segments > 1 {
            // Segments 1, 3, 5, ... run straight through the layers crossed.
            for (k, run) in ends.windows(2).skip(1).step_by(2).enumerate() {
                let layer = from.layer + 1 + k;
                assert_eq!(run[0].1, run[1].1, "a straight run");
                assert_eq!(run[0].0, columns[layer].unwrap().0);
                assert_eq!(run[1].0, columns[layer].unwrap().1);
                let y = run[0].1;
                for (i, other) in layout.nodes.iter().enumerate() {
                    if other.layer == layer {
                        assert!(
                            y <= other.y || y >= other.y + other.height,
                            "edge {a}->{b} crosses box {i} in layer {layer}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn layers_follow_the_longest_path() {
    let g = graph(
        &["raw_a", "src_b", "stg_a", "mart", "test_mart"],
        &[
            ("raw_a", "stg_a"),
            ("stg_a", "mart"),
            ("raw_a", "mart"),
            ("src_b", "mart"),
            ("mart", "test_mart"),
        ],
    );
    let l = layout(&g);
    let layers: Vec<usize> = l.nodes.iter().map(|b| b.layer).collect();
    assert_eq!(layers, vec![0, 0, 1, 2, 3]);
    assert_well_formed(&g, &l);
    assert_eq!(l.edges.len(), 5);
}

#[test]
fn a_thousand_nodes_are_laid_out_correctly() {
    let g = generated(1_000, 2);
    assert!(g.edges.len() >= 1_800);
    let l = layout(&g);
    assert_well_formed(&g, &l);
    let distinct: std::collections::HashSet<_> = g.edges.iter().collect();
    assert_eq!(l.edges.len(), distinct.len());
}

#[test]
fn long_edges_run_between_boxes() {
    let g = dbt_shaped(1_000);
    let l = layout(&g);
    assert_well_formed(&g, &l);
    let mut long = 0;
    for edge in &l.edges {
        let span = l.nodes[edge.to].layer - l.nodes[edge.from].layer;
        // A start, then three points per segment: two per layer crossed,
        // one into the child.
        assert_eq!(edge.points.len(), 1 + 3 * (2 * span - 1));
        long += usize::from(span > 1);
    }
    assert!(long > 100, "the graph has long edges: {long}");
}

#[test]
fn layout_is_deterministic() {
    let g = generated(400, 3);
    assert_eq!(layout(&g), layout(&g));
    let l = layout(&g);
    let again = layout(&g.clone());
    assert_eq!(
        serde_json::to_string(&l).unwrap(),
        serde_json::to_string(&again).unwrap()
    );
}

#[test]
fn ties_are_ordered_by_name() {
    let g = graph(&["src_c", "src_a", "src_b"], &[]);
    let l = layout(&g);
    let y = |i: usize| l.nodes[i].y;
    assert!(y(1) < y(2) && y(2) < y(0), "a above b above c: {l:?}");
}

#[test]
fn siblings_keep_their_parents_order() {
    // Two parents, each with its own child, named so that sorting by name
    // alone would cross the edges.
    let g = graph(
        &["src_z", "src_a", "aa_child_of_z", "zz_child_of_a"],
        &[("src_z", "aa_child_of_z"), ("src_a", "zz_child_of_a")],
    );
    let l = layout(&g);
    assert!(l.nodes[1].y < l.nodes[0].y);
    assert!(
        l.nodes[3].y < l.nodes[2].y,
        "children follow their parents: {l:?}"
    );
}

#[test]
fn wider_names_get_wider_boxes() {
    let long = "a_model_with_a_rather_long_descriptive_name";
    let g = graph(&["m", long], &[("m", long)]);
    let l = layout(&g);
    assert!(l.nodes[1].width > l.nodes[0].width);
    let very_long = "x".repeat(500);
    let g = graph(&["m", &very_long], &[]);
    let l = layout(&g);
    assert!(l.nodes[1].width <= 400.0, "boxes have a maximum width");
}

#[test]
fn cycles_do_not_hang() {
    let mut g = graph(
        &["a", "b", "c", "d"],
        &[("a", "b"), ("b", "c"), ("c", "b"), ("c", "d")],
    );
    g.edges.push((3, 0)); // d -> a closes a cycle through everything
    g.edges.push((2, 2)); // a self-loop
    g.edges.push((1, 99)); // out of range
    let l = layout(&g);
    assert_eq!(l.nodes.len(), 4);
    // a -> b -> c -> d stays; the edges closing cycles are still drawn.
    let layers: Vec<usize> = l.nodes.iter().map(|b| b.layer).collect();
    assert_eq!(layers, vec![0, 1, 2, 3]);
    let drawn: Vec<(usize, usize)> = l.edges.iter().map(|e| (e.from, e.to)).collect();
    assert_eq!(drawn, vec![(0, 1), (1, 2), (2, 1), (2, 3), (3, 0)]);
}

#[test]
fn a_graph_that_is_one_big_cycle_does_not_hang() {
    let n = 10_000;
    let mut g = generated(n, 0);
    g.edges = (0..n).map(|i| (i, (i + 1) % n)).collect();
    let l = layout(&g);
    assert_eq!(l.nodes.len(), n);
    assert_eq!(l.edges.len(), n);
    let deepest = l.nodes.iter().map(|b| b.layer).max().unwrap();
    assert_eq!(deepest, n - 1, "one edge is set aside, the rest is a chain");
}

#[test]
fn an_empty_graph_has_an_empty_layout() {
    let g = graph(&[], &[]);
    let l = layout(&g);
    assert!(l.nodes.is_empty() && l.edges.is_empty());
    assert!(l.width > 0.0 && l.height > 0.0);
}

#[test]
fn repeated_edges_are_drawn_once() {
    let mut g = graph(&["src_a", "m"], &[("src_a", "m")]);
    g.edges.push((0, 1));
    let l = layout(&g);
    assert_eq!(l.edges.len(), 1);
}
