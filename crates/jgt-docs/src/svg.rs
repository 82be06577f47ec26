//! The lineage graph as a standalone SVG picture.
//!
//! The same markup is embedded in the site, so it carries stable hooks for
//! scripts and style sheets: the whole drawing sits in `<g id="jgt-viewport">`,
//! each node is `<g class="node kind-…" data-name="…" data-index="…">` and
//! each edge `<path class="edge" data-from="…" data-to="…">`. Colours are
//! presentation attributes, so the file looks right on its own and a style
//! sheet can still override them.

use std::fmt::Write as _;

use crate::layout::{label, TEXT_PADDING};
use crate::{DocGraph, Layout};

/// Length of an edge's arrowhead, along the edge.
const ARROW_LENGTH: f64 = 7.0;
/// Half the width of an edge's arrowhead.
const ARROW_HALF_WIDTH: f64 = 4.0;

/// Fill and border colours of a node, by kind.
fn colours(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "seed" => ("#d8ecd0", "#7fae6c"),
        "source" => ("#d6e4f5", "#6f98cc"),
        "model" => ("#fbe3c6", "#d89a52"),
        "test" => ("#e5e7eb", "#9ca3af"),
        _ => ("#f3f4f6", "#b8bcc4"),
    }
}

/// The class naming a node's kind; unknown kinds share one class.
pub(crate) fn kind_class(kind: &str) -> &'static str {
    match kind {
        "seed" => "kind-seed",
        "source" => "kind-source",
        "model" => "kind-model",
        "test" => "kind-test",
        _ => "kind-other",
    }
}

/// Escapes text for XML and HTML, in content and in quoted attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A coordinate written with at most one decimal and no useless `.0`.
#[derive(Clone, Copy)]
struct Num(f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tenths = (self.0 * 10.0).round();
        if tenths % 10.0 == 0.0 {
            write!(f, "{}", (tenths / 10.0) as i64)
        } else {
            write!(f, "{:.1}", tenths / 10.0)
        }
    }
}

/// Shorthand for [`Num`].
fn num(value: f64) -> Num {
    Num(value)
}

/// Draws `graph` as laid out by `layout` into a standalone SVG document.
///
/// Nodes are rounded boxes coloured by kind (seeds green, sources blue,
/// models orange, tests grey) showing the name and, in small text, the
/// materialization (or the kind when there is none); a `<title>` gives the
/// full name on hover. Edges are curves ending in an open arrowhead, drawn
/// in the same path. All text is
/// escaped, and the output depends only on the input. Boxes or edges that
/// `layout` does not cover are skipped.
pub fn render_svg(graph: &DocGraph, layout: &Layout) -> String {
    let mut out = String::with_capacity(256 + graph.nodes.len() * 420 + layout.edges.len() * 160);
    let (width, height) = (num(layout.width), num(layout.height));
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"jgt-lineage\" \
         width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
         font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif\" \
         role=\"img\" aria-label=\"Lineage of {}\">",
        escape(&graph.project_name)
    );
    let _ = write!(
        out,
        "<rect class=\"background\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>\n\
         <g id=\"jgt-viewport\">\n\
         <g class=\"edges\" fill=\"none\" stroke=\"#a3a9b1\" stroke-width=\"1.4\" \
         stroke-linejoin=\"round\" stroke-linecap=\"round\">\n"
    );
    let known = graph.nodes.len().min(layout.nodes.len());
    for edge in &layout.edges {
        let points = &edge.points;
        if edge.from >= known || edge.to >= known || points.len() < 4 || points.len() % 3 != 1 {
            continue;
        }
        let _ = write!(
            out,
            "<path class=\"edge\" data-from=\"{}\" data-to=\"{}\" d=\"M{},{}",
            edge.from,
            edge.to,
            num(points[0].0),
            num(points[0].1)
        );
        for segment in points[1..].chunks(3) {
            let _ = write!(
                out,
                " C{},{} {},{} {},{}",
                num(segment[0].0),
                num(segment[0].1),
                num(segment[1].0),
                num(segment[1].1),
                num(segment[2].0),
                num(segment[2].1)
            );
        }
        // The arrowhead is part of the path rather than a <marker>: with
        // thousands of edges, markers make every repaint (a highlight, a
        // pan) several times slower. Edges always arrive from the left.
        let (x, y) = points[points.len() - 1];
        let _ = writeln!(
            out,
            " M{},{} L{},{} L{},{}\"/>",
            num(x - ARROW_LENGTH),
            num(y - ARROW_HALF_WIDTH),
            num(x),
            num(y),
            num(x - ARROW_LENGTH),
            num(y + ARROW_HALF_WIDTH)
        );
    }
    out.push_str("</g>\n<g class=\"nodes\">\n");
    for (index, (node, place)) in graph.nodes.iter().zip(&layout.nodes).enumerate() {
        let (fill, stroke) = colours(&node.kind);
        let name = escape(&node.name);
        let subtitle = node.materialization.as_deref().unwrap_or(&node.kind);
        let _ = writeln!(
            out,
            "<g class=\"node {}\" data-name=\"{name}\" data-index=\"{index}\" \
             transform=\"translate({},{})\">\
             <title>{name} ({})</title>\
             <rect width=\"{}\" height=\"{}\" rx=\"7\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.2\"/>\
             <text x=\"{pad}\" y=\"{}\" font-size=\"12\" font-weight=\"600\" fill=\"#1f2328\">{}</text>\
             <text class=\"sub\" x=\"{pad}\" y=\"{}\" font-size=\"10.5\" fill=\"#5b636e\">{}</text>\
             </g>",
            kind_class(&node.kind),
            num(place.x),
            num(place.y),
            escape(&node.kind),
            num(place.width),
            num(place.height),
            num(place.height / 2.0 - 2.0),
            escape(&label(&node.name)),
            num(place.height / 2.0 + 11.5),
            escape(subtitle),
            pad = num(TEXT_PADDING),
        );
    }
    out.push_str("</g>\n</g>\n</svg>\n");
    out
}
