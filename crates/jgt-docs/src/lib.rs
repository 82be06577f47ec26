//! Pictures and a documentation site for a jgt project.
//!
//! This crate owns everything between "here is the project's graph" and
//! "here is something a person can look at": a layered, left-to-right
//! layout of the lineage graph ([`layout`]), a standalone SVG drawing of it
//! ([`render_svg`]), and a single self-contained `index.html` that draws
//! the same picture on a canvas, with zoom, pan, search, lineage
//! highlighting and a panel describing each node ([`render_site`],
//! [`write_site`]). It knows
//! nothing of Jinja, petgraph or databases: callers convert their own data
//! into a [`DocGraph`] first. The site needs no network and works when
//! opened straight from disk.
//!
//! ```
//! use jgt_docs::{layout, render_svg, DocGraph, DocNode};
//!
//! let node = |name: &str, kind: &str| DocNode {
//!     name: name.to_string(),
//!     kind: kind.to_string(),
//!     materialization: None,
//!     path: format!("{name}.sql"),
//!     relation: None,
//!     description: None,
//!     tags: vec![],
//!     columns: vec![],
//!     raw_sql: None,
//!     compiled_sql: None,
//! };
//! let graph = DocGraph {
//!     project_name: "shop".to_string(),
//!     nodes: vec![node("raw_orders", "seed"), node("orders", "model")],
//!     edges: vec![(0, 1)],
//! };
//! let drawn = layout(&graph);
//! assert!(drawn.nodes[0].x < drawn.nodes[1].x);
//! assert!(render_svg(&graph, &drawn).contains("data-name=\"orders\""));
//! ```

#![warn(missing_docs)]

mod error;
mod layout;
mod site;
mod svg;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use error::DocsError;
pub use layout::layout;
pub use site::render_site;
pub use svg::render_svg;

/// A project's lineage graph, as the documentation sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocGraph {
    /// The project's name, shown in the site's title.
    pub project_name: String,
    /// Every seed, source, model and test.
    pub nodes: Vec<DocNode>,
    /// Dependencies as `(parent index, child index)` into [`DocGraph::nodes`].
    /// Indices out of range, self-loops and repeats are ignored when drawing.
    pub edges: Vec<(usize, usize)>,
}

/// One node of the graph: a seed, a source, a model or a test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocNode {
    /// The name `ref()` and `source()` use; unique within the graph.
    pub name: String,
    /// `"seed"`, `"source"`, `"model"` or `"test"`; anything else is drawn
    /// in a neutral colour.
    pub kind: String,
    /// How a model is built (`"table"`, `"view"`, ...), if it is one.
    pub materialization: Option<String>,
    /// The file the node comes from, relative to the project.
    pub path: String,
    /// The database relation the node reads or builds, if any.
    pub relation: Option<String>,
    /// Free-form documentation, shown as plain text.
    pub description: Option<String>,
    /// Tags attached to the node.
    pub tags: Vec<String>,
    /// Documented columns.
    pub columns: Vec<DocColumn>,
    /// The SQL as written, before Jinja.
    pub raw_sql: Option<String>,
    /// The SQL after Jinja.
    pub compiled_sql: Option<String>,
}

/// One documented column of a node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocColumn {
    /// The column's name.
    pub name: String,
    /// Its SQL type, if known.
    pub data_type: Option<String>,
    /// Free-form documentation, shown as plain text.
    pub description: Option<String>,
    /// The tests declared on it (`"not_null"`, `"unique"`, ...).
    pub tests: Vec<String>,
}

/// Where everything goes in the drawing, in pixels from the top left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// Width of the whole drawing, margins included.
    pub width: f64,
    /// Height of the whole drawing, margins included.
    pub height: f64,
    /// One box per node, in the same order as [`DocGraph::nodes`].
    pub nodes: Vec<NodeBox>,
    /// One path per distinct edge between two different, existing nodes, in
    /// the order of [`DocGraph::edges`].
    pub edges: Vec<EdgePath>,
}

/// The box a node is drawn in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeBox {
    /// Left side.
    pub x: f64,
    /// Top side.
    pub y: f64,
    /// Width, from the length of the node's name.
    pub width: f64,
    /// Height.
    pub height: f64,
    /// The column the node sits in: the longest path to it from a root.
    pub layer: usize,
}

/// The route of one edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgePath {
    /// Index of the parent node.
    pub from: usize,
    /// Index of the child node.
    pub to: usize,
    /// A chain of cubic Bézier segments: the start (middle of the parent's
    /// right side), then two control points and an end point per segment;
    /// the last point is the middle of the child's left side. An edge that
    /// spans several layers runs between the boxes of the layers it crosses;
    /// an edge closing a cycle runs backwards in one segment.
    pub points: Vec<(f64, f64)>,
}

/// Lays out `graph` and writes the documentation site to `dir/index.html`,
/// creating `dir` if needed. Returns the path of the written file.
pub fn write_site(graph: &DocGraph, dir: &Path) -> Result<PathBuf, DocsError> {
    std::fs::create_dir_all(dir).map_err(|source| DocsError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let html = render_site(graph, &layout(graph));
    let path = dir.join("index.html");
    std::fs::write(&path, html).map_err(|source| DocsError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

#[cfg(test)]
mod tests;
