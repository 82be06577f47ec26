//! A layered, left-to-right layout of the lineage graph.
//!
//! Sugiyama-style:
//! 1. edges that would close a cycle are set aside (found by a depth-first
//!    search that starts from the roots), so the rest is acyclic;
//! 2. each node's layer is the longest path to it from a root;
//! 3. edges spanning several layers get a dummy node in each layer they
//!    cross (within a budget, so pathological graphs stay fast);
//! 4. nodes are ordered within their layer by sweeps of the barycenter
//!    heuristic, keeping the ordering with the fewest crossings (ties broken
//!    by name, so the result is deterministic);
//! 5. vertical positions follow the parents, then the children, then the
//!    parents again as closely as the order and the spacing allow, by
//!    isotonic regression;
//! 6. edges become chains of cubic curves from a parent's right side,
//!    through the gaps their dummies hold, to a child's left side.
//!
//! Every step is close to linear in nodes plus edges (times a log).

use std::borrow::Cow;
use std::collections::HashSet;

use crate::{DocGraph, EdgePath, Layout, NodeBox};

/// Height of every node box.
pub(crate) const NODE_HEIGHT: f64 = 40.0;
/// Estimated width of one character of a node's name, in pixels.
pub(crate) const CHAR_WIDTH: f64 = 8.4;
/// Space between a box's side and its text.
pub(crate) const TEXT_PADDING: f64 = 14.0;
/// Space around the whole drawing.
const MARGIN: f64 = 24.0;
/// Horizontal space between two layers.
const LAYER_GAP: f64 = 90.0;
/// Vertical space between two boxes of a layer.
const NODE_GAP: f64 = 14.0;
/// Narrowest box.
const MIN_WIDTH: f64 = 96.0;
/// Widest box; longer names are shortened with an ellipsis.
const MAX_WIDTH: f64 = 360.0;
/// Vertical space between a dummy node (a long edge) and its neighbours.
const DUMMY_GAP: f64 = 8.0;
/// Dummy nodes allowed per node and edge of the graph; beyond that, the
/// longest edges are drawn straight across the layers they span.
const DUMMY_BUDGET: usize = 3;
/// Down-and-up barycenter sweeps when ordering layers.
const ORDER_SWEEPS: usize = 8;
/// Alternating passes aligning nodes with their parents, then children.
const PLACE_PASSES: usize = 3;

/// The most characters of a name that fit in the widest box.
pub(crate) fn max_label_chars() -> usize {
    ((MAX_WIDTH - 2.0 * TEXT_PADDING) / CHAR_WIDTH).floor() as usize
}

/// The text drawn in a node's box: its name, shortened with an ellipsis
/// when it would not fit in the widest box.
pub(crate) fn label(name: &str) -> Cow<'_, str> {
    let max = max_label_chars();
    if name.chars().count() <= max {
        Cow::Borrowed(name)
    } else {
        let mut short: String = name.chars().take(max - 1).collect();
        short.push('…');
        Cow::Owned(short)
    }
}

/// Width of a node's box, from the length of its name.
fn box_width(name: &str) -> f64 {
    let chars = label(name).chars().count() as f64;
    (chars * CHAR_WIDTH + 2.0 * TEXT_PADDING).clamp(MIN_WIDTH, MAX_WIDTH)
}

/// Lays `graph` out in layers from left to right.
///
/// Every node gets a box (in the order of `graph.nodes`) whose layer is the
/// longest path to it from a root; every distinct edge between two existing,
/// different nodes gets a curve. The graph should be acyclic; if it is not,
/// the edges closing a cycle are ignored for layering and ordering (they are
/// still drawn, running backwards), so this never loops or panics.
pub fn layout(graph: &DocGraph) -> Layout {
    let n = graph.nodes.len();
    let names: Vec<&str> = graph.nodes.iter().map(|node| node.name.as_str()).collect();
    let edges = distinct_edges(graph);
    let forward = forward_edges(n, &edges);

    let mut parents = vec![Vec::new(); n];
    let mut children = vec![Vec::new(); n];
    for (&(from, to), &keep) in edges.iter().zip(&forward) {
        if keep {
            parents[to].push(from);
            children[from].push(to);
        }
    }
    let layer_of = longest_path_layers(&parents, &children);
    let grid = Grid::new(n, &edges, &forward, &layer_of);
    let layers = order_layers(&names, &grid);
    let centres = place_vertically(&layers, &grid);

    // Columns: each as wide as its widest box.
    let widths: Vec<f64> = names.iter().map(|name| box_width(name)).collect();
    let mut column_x = Vec::with_capacity(layers.len());
    let mut column_width = Vec::with_capacity(layers.len());
    let mut x = MARGIN;
    for layer in &layers {
        let widest = layer
            .iter()
            .filter(|&&v| v < n)
            .map(|&v| widths[v])
            .fold(0.0, f64::max);
        column_x.push(x);
        column_width.push(widest);
        x += widest + LAYER_GAP;
    }
    let width = if layers.is_empty() {
        2.0 * MARGIN
    } else {
        x - LAYER_GAP + MARGIN
    };

    // Shift everything so the topmost box or edge starts at the margin.
    let top = (0..grid.len())
        .map(|v| centres[v] - grid.height(v) / 2.0)
        .fold(f64::INFINITY, f64::min);
    let shift = if top.is_finite() { MARGIN - top } else { 0.0 };
    let height = (0..grid.len())
        .map(|v| centres[v] + grid.height(v) / 2.0 + shift + MARGIN)
        .fold(2.0 * MARGIN, f64::max);
    let nodes: Vec<NodeBox> = (0..n)
        .map(|v| NodeBox {
            x: column_x[layer_of[v]],
            y: centres[v] + shift - NODE_HEIGHT / 2.0,
            width: widths[v],
            height: NODE_HEIGHT,
            layer: layer_of[v],
        })
        .collect();

    let edges = edges
        .iter()
        .zip(&grid.chains)
        .map(|(&(from, to), chain)| {
            let (a, b) = (&nodes[from], &nodes[to]);
            let mut points = vec![(a.x + a.width, a.y + a.height / 2.0)];
            for &dummy in chain {
                let l = grid.layer[dummy];
                let y = centres[dummy] + shift;
                curve_to(&mut points, (column_x[l], y));
                line_to(&mut points, (column_x[l] + column_width[l], y));
            }
            curve_to(&mut points, (b.x, b.y + b.height / 2.0));
            EdgePath { from, to, points }
        })
        .collect();
    Layout {
        width,
        height,
        nodes,
        edges,
    }
}

/// The graph the ordering and placement work on: the real nodes first, then
/// one dummy node in each layer a long edge crosses, so that long edges are
/// ordered like the rest and run between boxes instead of through them.
struct Grid {
    /// Number of real nodes; the rest are dummies.
    real: usize,
    /// Layer of every node.
    layer: Vec<usize>,
    /// The real node whose name breaks ordering ties: the node itself, or
    /// the parent of a dummy's edge.
    name_of: Vec<usize>,
    /// Parents of every node, through dummies where there are any.
    parents: Vec<Vec<usize>>,
    /// Children of every node, through dummies where there are any.
    children: Vec<Vec<usize>>,
    /// For each distinct edge, the dummies it runs through, left to right.
    chains: Vec<Vec<usize>>,
}

impl Grid {
    /// Builds the grid. Long edges get dummies shortest first while the
    /// budget lasts; longer ones (in very deep graphs) are drawn directly.
    fn new(n: usize, edges: &[(usize, usize)], forward: &[bool], layer_of: &[usize]) -> Grid {
        let span = |e: usize| layer_of[edges[e].1] - layer_of[edges[e].0];
        let mut long: Vec<usize> = (0..edges.len())
            .filter(|&e| forward[e] && span(e) > 1)
            .collect();
        long.sort_by_key(|&e| (span(e), e));
        let mut budget = DUMMY_BUDGET * (n + edges.len());
        let mut expand = vec![false; edges.len()];
        for e in long {
            let needed = span(e) - 1;
            if needed > budget {
                break;
            }
            budget -= needed;
            expand[e] = true;
        }

        let mut grid = Grid {
            real: n,
            layer: layer_of.to_vec(),
            name_of: (0..n).collect(),
            parents: vec![Vec::new(); n],
            children: vec![Vec::new(); n],
            chains: vec![Vec::new(); edges.len()],
        };
        for (e, &(from, to)) in edges.iter().enumerate() {
            if !forward[e] {
                continue;
            }
            let mut previous = from;
            if expand[e] {
                for l in layer_of[from] + 1..layer_of[to] {
                    let dummy = grid.layer.len();
                    grid.layer.push(l);
                    grid.name_of.push(from);
                    grid.parents.push(vec![previous]);
                    grid.children.push(Vec::new());
                    grid.children[previous].push(dummy);
                    grid.chains[e].push(dummy);
                    previous = dummy;
                }
            }
            grid.children[previous].push(to);
            grid.parents[to].push(previous);
        }
        grid
    }

    /// Number of real and dummy nodes.
    fn len(&self) -> usize {
        self.layer.len()
    }

    /// Height a node takes in its layer: a box, or nothing for a dummy.
    fn height(&self, v: usize) -> f64 {
        if v < self.real {
            NODE_HEIGHT
        } else {
            0.0
        }
    }

    /// The least distance between the centres of `a` and `b`, one above the
    /// other in a layer.
    fn separation(&self, a: usize, b: usize) -> f64 {
        let gap = if a < self.real && b < self.real {
            NODE_GAP
        } else {
            DUMMY_GAP
        };
        (self.height(a) + self.height(b)) / 2.0 + gap
    }
}

/// The graph's edges between existing, different nodes, without repeats,
/// in their original order.
fn distinct_edges(graph: &DocGraph) -> Vec<(usize, usize)> {
    let n = graph.nodes.len();
    let mut seen = HashSet::with_capacity(graph.edges.len());
    graph
        .edges
        .iter()
        .copied()
        .filter(|&(from, to)| from < n && to < n && from != to && seen.insert((from, to)))
        .collect()
}

/// For each edge, whether it is kept (`true`) or closes a cycle (`false`).
///
/// An iterative depth-first search, started from the roots first and then
/// from whatever is left, marks as closing a cycle every edge that reaches
/// back into the current path.
fn forward_edges(n: usize, edges: &[(usize, usize)]) -> Vec<bool> {
    let mut out = vec![Vec::new(); n];
    let mut has_parent = vec![false; n];
    for (id, &(from, to)) in edges.iter().enumerate() {
        out[from].push((to, id));
        has_parent[to] = true;
    }
    const NEW: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![NEW; n];
    let mut keep = vec![true; edges.len()];
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let starts = (0..n)
        .filter(|&v| !has_parent[v])
        .chain((0..n).filter(|&v| has_parent[v]));
    for start in starts {
        if state[start] != NEW {
            continue;
        }
        state[start] = ON_PATH;
        stack.push((start, 0));
        while let Some(top) = stack.last_mut() {
            let (v, next) = *top;
            if let Some(&(to, id)) = out[v].get(next) {
                top.1 += 1;
                match state[to] {
                    NEW => {
                        state[to] = ON_PATH;
                        stack.push((to, 0));
                    }
                    ON_PATH => keep[id] = false,
                    _ => {}
                }
            } else {
                state[v] = DONE;
                stack.pop();
            }
        }
    }
    keep
}

/// Each node's layer: the number of edges on the longest path reaching it
/// from a root. `parents`/`children` must describe an acyclic graph; any node
/// a cycle would leave unreached stays in layer 0.
/// The layers one sweep visits and the neighbours it looks at: even sweeps
/// go left to right and follow parents, odd ones go back following children.
fn sweep_plan(grid: &Grid, sweep: usize, depth: usize) -> (Vec<usize>, &[Vec<usize>]) {
    if sweep.is_multiple_of(2) {
        ((1..depth).collect(), &grid.parents)
    } else {
        ((0..depth.saturating_sub(1)).rev().collect(), &grid.children)
    }
}

fn longest_path_layers(parents: &[Vec<usize>], children: &[Vec<usize>]) -> Vec<usize> {
    let n = parents.len();
    let mut waiting: Vec<usize> = parents.iter().map(Vec::len).collect();
    let mut layer = vec![0; n];
    let mut ready: Vec<usize> = (0..n).filter(|&v| waiting[v] == 0).collect();
    while let Some(v) = ready.pop() {
        for &child in &children[v] {
            layer[child] = layer[child].max(layer[v] + 1);
            waiting[child] -= 1;
            if waiting[child] == 0 {
                ready.push(child);
            }
        }
    }
    layer
}

/// Orders the nodes of each layer to reduce edge crossings.
fn order_layers(names: &[&str], grid: &Grid) -> Vec<Vec<usize>> {
    let total = grid.len();
    let depth = grid.layer.iter().map(|&l| l + 1).max().unwrap_or(0);
    let name = |v: usize| names[grid.name_of[v]];
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for v in 0..total {
        layers[grid.layer[v]].push(v);
    }
    for layer in &mut layers {
        layer.sort_by(|&a, &b| name(a).cmp(name(b)).then(a.cmp(&b)));
    }

    // Position of each node within its layer, centred on zero so layers of
    // different sizes line up around the middle as they will be drawn.
    let mut pos = vec![0.0; total];
    let mut rank = vec![0usize; total];
    let renumber = |layer: &[usize], pos: &mut [f64], rank: &mut [usize]| {
        let middle = (layer.len() as f64 - 1.0) / 2.0;
        for (i, &v) in layer.iter().enumerate() {
            pos[v] = i as f64 - middle;
            rank[v] = i;
        }
    };
    for layer in &layers {
        renumber(layer, &mut pos, &mut rank);
    }

    let mut best = layers.clone();
    let mut best_crossings = crossings(&layers, &grid.layer, &grid.children, &rank);
    let mut barycenter = vec![0.0; total];
    for sweep in 0..2 * ORDER_SWEEPS {
        if best_crossings == 0 {
            break;
        }
        let (sequence, neighbours) = sweep_plan(grid, sweep, depth);
        for l in sequence {
            for &v in &layers[l] {
                let around = &neighbours[v];
                barycenter[v] = if around.is_empty() {
                    pos[v]
                } else {
                    around.iter().map(|&u| pos[u]).sum::<f64>() / around.len() as f64
                };
            }
            layers[l].sort_by(|&a, &b| {
                barycenter[a]
                    .total_cmp(&barycenter[b])
                    .then_with(|| name(a).cmp(name(b)))
                    .then(a.cmp(&b))
            });
            renumber(&layers[l], &mut pos, &mut rank);
        }
        let count = crossings(&layers, &grid.layer, &grid.children, &rank);
        if count < best_crossings {
            best_crossings = count;
            best.clone_from(&layers);
        }
    }
    best
}

/// The number of crossings among edges joining adjacent layers, counted as
/// inversions with a Fenwick tree.
pub(crate) fn crossings(
    layers: &[Vec<usize>],
    layer_of: &[usize],
    children: &[Vec<usize>],
    rank: &[usize],
) -> u64 {
    let mut total = 0;
    let mut ends = Vec::new();
    let mut tree = Vec::new();
    for (l, pair) in layers.windows(2).enumerate() {
        ends.clear();
        for &u in &pair[0] {
            let start = ends.len();
            ends.extend(
                children[u]
                    .iter()
                    .filter(|&&v| layer_of[v] == l + 1)
                    .map(|&v| rank[v]),
            );
            ends[start..].sort_unstable();
        }
        // Each edge crosses the earlier edges that end further down.
        tree.clear();
        tree.resize(pair[1].len() + 1, 0u64);
        for (seen, &end) in ends.iter().enumerate() {
            let mut not_further = 0;
            let mut i = end + 1;
            while i > 0 {
                not_further += tree[i];
                i &= i - 1;
            }
            total += seen as u64 - not_further;
            let mut i = end + 1;
            while i < tree.len() {
                tree[i] += 1;
                i += i & i.wrapping_neg();
            }
        }
    }
    total
}

/// The vertical centre of every node, before the drawing is shifted into
/// its margins: each layer stacked in order, then pulled towards its
/// parents, its children and its parents again, as far as the order and the
/// spacing allow.
fn place_vertically(layers: &[Vec<usize>], grid: &Grid) -> Vec<f64> {
    let mut y = vec![0.0; grid.len()];
    let mut separations = Vec::new();
    let mut wanted = Vec::new();
    let separations_of = |layer: &[usize], separations: &mut Vec<f64>| {
        separations.clear();
        separations.extend(layer.iter().enumerate().map(|(i, &v)| {
            if i == 0 {
                0.0
            } else {
                grid.separation(layer[i - 1], v)
            }
        }));
    };
    for layer in layers {
        separations_of(layer, &mut separations);
        let extent: f64 = separations.iter().sum();
        let mut at = -extent / 2.0;
        for (&v, gap) in layer.iter().zip(&separations) {
            at += gap;
            y[v] = at;
        }
    }
    let depth = layers.len();
    for pass in 0..PLACE_PASSES {
        let (sequence, neighbours) = sweep_plan(grid, pass, depth);
        for l in sequence {
            wanted.clear();
            wanted.extend(layers[l].iter().map(|&v| {
                let around = &neighbours[v];
                if around.is_empty() {
                    y[v]
                } else {
                    around.iter().map(|&u| y[u]).sum::<f64>() / around.len() as f64
                }
            }));
            separations_of(&layers[l], &mut separations);
            let placed = spread(&wanted, &separations);
            for (&v, centre) in layers[l].iter().zip(placed) {
                y[v] = centre;
            }
        }
    }
    y
}

/// The positions closest to `wanted` (least squares) that keep their order
/// and keep each item at least `separations[i]` below the one before
/// (`separations[0]` is ignored): pool-adjacent-violators on `wanted[i]`
/// minus the sum of the separations up to `i`.
pub(crate) fn spread(wanted: &[f64], separations: &[f64]) -> Vec<f64> {
    let mut offsets = Vec::with_capacity(wanted.len());
    let mut sum = 0.0;
    for (i, gap) in separations.iter().enumerate().take(wanted.len()) {
        if i > 0 {
            sum += gap;
        }
        offsets.push(sum);
    }
    // Blocks of consecutive items sharing one value: (sum, count).
    let mut blocks: Vec<(f64, usize)> = Vec::with_capacity(wanted.len());
    for (w, offset) in wanted.iter().zip(&offsets) {
        blocks.push((w - offset, 1));
        while blocks.len() > 1 {
            let (sum, count) = blocks[blocks.len() - 1];
            let (prev_sum, prev_count) = blocks[blocks.len() - 2];
            if prev_sum / prev_count as f64 > sum / count as f64 {
                blocks.pop();
                let last = blocks.len() - 1;
                blocks[last] = (prev_sum + sum, prev_count + count);
            } else {
                break;
            }
        }
    }
    let mut placed = Vec::with_capacity(wanted.len());
    for (sum, count) in blocks {
        let value = sum / count as f64;
        for _ in 0..count {
            placed.push(value + offsets[placed.len()]);
        }
    }
    placed
}

/// The control points of a cubic segment from `start` to `end` that leaves
/// and arrives horizontally.
pub(crate) fn curve_controls(start: (f64, f64), end: (f64, f64)) -> [(f64, f64); 2] {
    let bend = ((end.0 - start.0).abs() / 2.0).max(40.0);
    [(start.0 + bend, start.1), (end.0 - bend, end.1)]
}

/// The control points of a straight cubic segment from `start` to `end`.
pub(crate) fn line_controls(start: (f64, f64), end: (f64, f64)) -> [(f64, f64); 2] {
    let third = ((end.0 - start.0) / 3.0, (end.1 - start.1) / 3.0);
    [
        (start.0 + third.0, start.1 + third.1),
        (end.0 - third.0, end.1 - third.1),
    ]
}

/// Appends a cubic segment from the last point to `end` that leaves and
/// arrives horizontally.
fn curve_to(points: &mut Vec<(f64, f64)>, end: (f64, f64)) {
    let [c1, c2] = curve_controls(points[points.len() - 1], end);
    points.extend([c1, c2, end]);
}

/// Appends a straight segment from the last point to `end`, as a cubic.
fn line_to(points: &mut Vec<(f64, f64)>, end: (f64, f64)) {
    let [c1, c2] = line_controls(points[points.len() - 1], end);
    points.extend([c1, c2, end]);
}
