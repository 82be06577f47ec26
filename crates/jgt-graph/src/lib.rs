//! The jgt DAG.
//!
//! This crate owns the shape of a project: seeds, sources, models and tests
//! as nodes of a petgraph graph, `ref()` and `source()` calls as edges from
//! parent to child. It refuses duplicate names and cycles (naming the whole
//! cycle, file by file), gives a deterministic build order, walks ancestors
//! and descendants, assigns layers for drawing, and resolves dbt-style
//! `--select` expressions. It knows nothing of Jinja or databases.

mod error;
mod select;
mod selectors;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::path::PathBuf;

use petgraph::graph::DiGraph;
use petgraph::visit::EdgeRef;
use petgraph::Direction;

pub use error::GraphError;
pub use petgraph::graph::NodeIndex as NodeId;
pub use select::Modified;
pub use selectors::Selectors;

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeKind {
    /// A CSV loaded as a table.
    Seed,
    /// An existing relation declared in a schema file.
    Source,
    /// A SQL model.
    Model,
    /// A snapshot: a table recording how a query's rows change over time.
    Snapshot,
    /// A data test.
    Test,
    /// A dbt unit test of one model, named `model::test`.
    UnitTest,
}

impl NodeKind {
    /// dbt's `resource_type` name.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Seed => "seed",
            NodeKind::Source => "source",
            NodeKind::Model => "model",
            NodeKind::Snapshot => "snapshot",
            NodeKind::Test => "test",
            NodeKind::UnitTest => "unit_test",
        }
    }
}

/// One node of the graph.
#[derive(Debug, Clone)]
pub struct Node {
    /// The name `ref()` uses (`source.table` for sources).
    pub name: String,
    /// What the node is.
    pub kind: NodeKind,
    /// The file that defines it, relative to the project folder.
    pub path: PathBuf,
    /// Tags, for `tag:` selection.
    pub tags: Vec<String>,
    /// The materialization, for `config.materialized:` selection.
    pub materialized: Option<String>,
}

/// Collects nodes and edges, checking names as they come.
#[derive(Debug, Default)]
pub struct DagBuilder {
    graph: DiGraph<Node, ()>,
    by_name: NameMap,
}

/// Nodes by name, with a quick hash: a compile looks names up once per
/// `ref()`, and SipHash's resistance to chosen collisions buys nothing
/// against the user's own project.
type NameMap = HashMap<String, NodeId, foldhash::fast::RandomState>;

impl DagBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        DagBuilder::default()
    }

    /// An empty builder with room for `nodes` nodes and a few edges each,
    /// so a large project's graph is not copied as it grows.
    pub fn with_capacity(nodes: usize) -> Self {
        DagBuilder {
            graph: DiGraph::with_capacity(nodes, 2 * nodes),
            by_name: NameMap::with_capacity_and_hasher(nodes, Default::default()),
        }
    }

    /// Adds a node; a second node with the same name is an error naming
    /// both files.
    pub fn add_node(&mut self, node: Node) -> Result<NodeId, GraphError> {
        if let Some(&existing) = self.by_name.get(&node.name) {
            return Err(GraphError::DuplicateName {
                name: node.name,
                first: self.graph[existing].path.clone(),
                second: node.path,
            });
        }
        let name = node.name.clone();
        let id = self.graph.add_node(node);
        self.by_name.insert(name, id);
        Ok(id)
    }

    /// The node with this name, if added.
    pub fn find(&self, name: &str) -> Option<NodeId> {
        self.by_name.get(name).copied()
    }

    /// The parents recorded so far of `id`, sorted by name.
    pub fn parents(&self, id: NodeId) -> Vec<NodeId> {
        let mut ids: Vec<NodeId> = self
            .graph
            .neighbors_directed(id, Direction::Incoming)
            .collect();
        ids.sort_by(|a, b| self.graph[*a].name.cmp(&self.graph[*b].name));
        ids.dedup();
        ids
    }

    /// Records that `child` depends on `parent` (once, however often it is said).
    pub fn add_edge(&mut self, parent: NodeId, child: NodeId) {
        if self.graph.find_edge(parent, child).is_none() {
            self.graph.add_edge(parent, child, ());
        }
    }

    /// Checks for cycles and fixes the build order.
    pub fn build(self) -> Result<Dag, GraphError> {
        let order = topological_order(&self.graph);
        if order.len() < self.graph.node_count() {
            return Err(describe_cycle(&self.graph));
        }
        let mut rank = vec![0; order.len()];
        for (position, id) in order.iter().enumerate() {
            rank[id.index()] = position;
        }
        Ok(Dag {
            graph: self.graph,
            by_name: self.by_name,
            order,
            rank,
        })
    }
}

/// A checked, acyclic project graph.
#[derive(Debug, Clone)]
pub struct Dag {
    graph: DiGraph<Node, ()>,
    by_name: NameMap,
    order: Vec<NodeId>,
    /// Each node's position in `order`, by `NodeId::index()`.
    rank: Vec<usize>,
}

impl Dag {
    /// The node behind an id.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.graph[id]
    }

    /// The node with this name.
    pub fn find(&self, name: &str) -> Option<NodeId> {
        self.by_name.get(name).copied()
    }

    /// Every node, parents before children; among nodes that could go in
    /// either order, alphabetical. The same project always gives the same order.
    pub fn order(&self) -> &[NodeId] {
        &self.order
    }

    /// A node's position in [`Dag::order`]: sorting nodes by it puts
    /// parents before children, in constant time per node.
    pub fn rank(&self, id: NodeId) -> usize {
        self.rank[id.index()]
    }

    /// How many nodes the graph has.
    pub fn len(&self) -> usize {
        self.graph.node_count()
    }

    /// Whether the graph has no node.
    pub fn is_empty(&self) -> bool {
        self.graph.node_count() == 0
    }

    /// Direct parents, sorted by name.
    pub fn parents(&self, id: NodeId) -> Vec<NodeId> {
        self.neighbours(id, Direction::Incoming)
    }

    /// Direct children, sorted by name.
    pub fn children(&self, id: NodeId) -> Vec<NodeId> {
        self.neighbours(id, Direction::Outgoing)
    }

    /// Direct parents (`up`) or children, each once, in no particular
    /// order: for callers that sort them their own way.
    pub fn neighbours_unordered(&self, id: NodeId, up: bool) -> Vec<NodeId> {
        let direction = match up {
            true => Direction::Incoming,
            false => Direction::Outgoing,
        };
        let mut ids: Vec<NodeId> = self.graph.neighbors_directed(id, direction).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn neighbours(&self, id: NodeId, direction: Direction) -> Vec<NodeId> {
        let mut ids: Vec<NodeId> = self.graph.neighbors_directed(id, direction).collect();
        ids.sort_by(|a, b| self.graph[*a].name.cmp(&self.graph[*b].name));
        ids.dedup();
        ids
    }

    /// Nodes reachable upstream (`up`) or downstream within `depth` steps
    /// (`None`: no limit), not including `start`.
    pub fn reach(&self, start: NodeId, up: bool, depth: Option<usize>) -> HashSet<NodeId> {
        let direction = if up {
            Direction::Incoming
        } else {
            Direction::Outgoing
        };
        let mut seen = HashSet::new();
        let mut frontier = vec![start];
        let mut steps = 0;
        while !frontier.is_empty() && depth.is_none_or(|d| steps < d) {
            let mut next = Vec::new();
            for id in frontier {
                for n in self.graph.neighbors_directed(id, direction) {
                    if seen.insert(n) {
                        next.push(n);
                    }
                }
            }
            frontier = next;
            steps += 1;
        }
        seen
    }

    /// Every edge as `(parent, child)`, in build order of the child.
    pub fn edges(&self) -> Vec<(NodeId, NodeId)> {
        let mut edges: Vec<(NodeId, NodeId)> = self
            .graph
            .edge_references()
            .map(|e| (e.source(), e.target()))
            .collect();
        let rank: HashMap<NodeId, usize> = self
            .order
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, i))
            .collect();
        edges.sort_by_key(|(p, c)| (rank[c], rank[p]));
        edges
    }

    /// Each node's layer: 0 for nodes without parents, otherwise one more
    /// than its deepest parent. Drawing layers left to right shows the flow.
    pub fn layers(&self) -> HashMap<NodeId, usize> {
        let mut layer = HashMap::new();
        for &id in &self.order {
            let depth = self
                .graph
                .neighbors_directed(id, Direction::Incoming)
                .map(|p| layer[&p] + 1)
                .max()
                .unwrap_or(0);
            layer.insert(id, depth);
        }
        layer
    }

    /// Resolves `--select` expressions (a union of the given selectors)
    /// into the selected node ids, in build order. No selector selects all.
    pub fn select(&self, selectors: &[String]) -> Result<Vec<NodeId>, GraphError> {
        select::select(self, selectors, None)
    }

    /// Like [`select`](Self::select), then drops what `excludes` selects.
    pub fn select_excluding(
        &self,
        selectors: &[String],
        excludes: &[String],
    ) -> Result<Vec<NodeId>, GraphError> {
        select::select_excluding(self, selectors, excludes, None)
    }

    /// Like [`select_excluding`](Self::select_excluding), where
    /// `state:modified` selects the nodes named in `modified`.
    pub fn select_with_state(
        &self,
        selectors: &[String],
        excludes: &[String],
        modified: Modified,
    ) -> Result<Vec<NodeId>, GraphError> {
        select::select_excluding(self, selectors, excludes, modified)
    }

    /// All node names, for suggestions.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }
}

/// Kahn's algorithm, always taking the alphabetically first ready node.
fn topological_order(graph: &DiGraph<Node, ()>) -> Vec<NodeId> {
    // Parents still to come, by node index.
    let mut waiting: Vec<usize> = graph
        .node_indices()
        .map(|id| graph.neighbors_directed(id, Direction::Incoming).count())
        .collect();
    let mut ready: BinaryHeap<Reverse<(&str, NodeId)>> = graph
        .node_indices()
        .filter(|id| waiting[id.index()] == 0)
        .map(|id| Reverse((graph[id].name.as_str(), id)))
        .collect();
    let mut order = Vec::with_capacity(graph.node_count());
    while let Some(Reverse((_, id))) = ready.pop() {
        order.push(id);
        for child in graph.neighbors_directed(id, Direction::Outgoing) {
            let left = &mut waiting[child.index()];
            *left -= 1;
            if *left == 0 {
                ready.push(Reverse((graph[child].name.as_str(), child)));
            }
        }
    }
    order
}

/// Finds one cycle and describes it from its alphabetically first node.
fn describe_cycle(graph: &DiGraph<Node, ()>) -> GraphError {
    let components = petgraph::algo::tarjan_scc(graph);
    let cyclic = components
        .into_iter()
        .filter(|c| c.len() > 1 || graph.find_edge(c[0], c[0]).is_some())
        .min_by(|a, b| min_name(graph, a).cmp(min_name(graph, b)))
        .expect("a graph without a topological order has a cycle");
    let members: HashSet<NodeId> = cyclic.iter().copied().collect();
    let start = *cyclic
        .iter()
        .min_by_key(|id| graph[**id].name.as_str())
        .expect("a component has a node");
    // Breadth-first inside the component back to the start: the shortest loop.
    let mut came_from: BTreeMap<NodeId, NodeId> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    let mut last = start;
    'search: while let Some(id) = queue.pop_front() {
        let mut next: Vec<NodeId> = graph
            .neighbors_directed(id, Direction::Outgoing)
            .filter(|n| members.contains(n))
            .collect();
        next.sort_by_key(|n| graph[*n].name.as_str());
        for n in next {
            if n == start {
                last = id;
                break 'search;
            }
            if let std::collections::btree_map::Entry::Vacant(slot) = came_from.entry(n) {
                slot.insert(id);
                queue.push_back(n);
            }
        }
    }
    let mut path = vec![last];
    while *path.last().expect("path is never empty") != start {
        let previous = came_from[path.last().expect("path is never empty")];
        path.push(previous);
    }
    path.reverse();
    path.push(start);
    let names: Vec<String> = path.iter().map(|id| graph[*id].name.clone()).collect();
    let cycle = path
        .iter()
        .map(|id| format!("{} ({})", graph[*id].name, graph[*id].path.display()))
        .collect::<Vec<_>>()
        .join(" -> ");
    GraphError::Cycle { cycle, names }
}

fn min_name<'a>(graph: &'a DiGraph<Node, ()>, ids: &[NodeId]) -> &'a str {
    ids.iter()
        .map(|id| graph[*id].name.as_str())
        .min()
        .unwrap_or("")
}

#[cfg(test)]
mod tests;
