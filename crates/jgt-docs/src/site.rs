//! The documentation site: one self-contained `index.html`.
//!
//! The page holds a `<canvas>` the script draws the lineage graph on, the
//! style sheet and script from `assets/`, and the graph itself, with the
//! geometry of [`layout`](crate::layout), as JSON in
//! `<script type="application/json" id="jgt-data">`. Drawing on a canvas
//! rather than embedding the SVG of [`render_svg`](crate::render_svg) keeps
//! large graphs quick: the browser builds no element per node or edge, and
//! the script draws only what the view shows. In that JSON `<`, `>`
//! and `&` are written as `\u003c`, `\u003e` and `\u0026`, so no text in
//! the graph can close the element; the script reads it with `JSON.parse`
//! and puts every piece of text on the page with `textContent`.

use serde::{Serialize, Serializer};

use crate::layout::{curve_controls, line_controls, max_label_chars};
use crate::svg::{escape, kind_class};
use crate::{DocGraph, EdgePath, Layout};

/// The style sheet of the page.
pub(crate) const SITE_CSS: &str = include_str!("assets/site.css");
/// The script of the page.
pub(crate) const SITE_JS: &str = include_str!("assets/site.js");

/// What the script receives.
#[derive(Serialize)]
struct SiteData<'a> {
    /// The graph, as given.
    graph: &'a DocGraph,
    /// Width of the drawing.
    width: f64,
    /// Height of the drawing.
    height: f64,
    /// `[x, y, width, height]` of each node's box.
    boxes: Vec<[Tenth; 4]>,
    /// One list per drawn edge, as [`edge_path`] writes it.
    paths: Vec<Vec<Tenth>>,
    /// The most characters of a name drawn in a box; longer names end in `…`.
    label_chars: usize,
}

/// Rounds to a tenth of a pixel, which is all the drawing needs.
fn tenth(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// A number rounded to a tenth, written without a useless `.0` (`12`, not
/// `12.0`): the page holds millions of them at 10,000 models.
#[derive(Clone, Copy)]
struct Tenth(f64);

impl Serialize for Tenth {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let value = tenth(self.0);
        if value.fract() == 0.0 && value.abs() < 1e15 {
            serializer.serialize_i64(value as i64)
        } else {
            serializer.serialize_f64(value)
        }
    }
}

/// Tag of a segment whose control points follow [`curve_controls`].
const CURVE: Tenth = Tenth(0.0);
/// Tag of a segment whose control points follow [`line_controls`].
const LINE: Tenth = Tenth(1.0);
/// Tag of a segment whose control points are written out.
const CONTROLS: Tenth = Tenth(2.0);

/// One edge as the page reads it: the parent's and the child's index, the
/// start `x, y`, then per cubic segment a tag and the end `x, y`, with the
/// two control points between them only when the tag is [`CONTROLS`] (the
/// script works out the others as the layout did). Most edges are mostly
/// curves, so this is about a third of the size of every point.
fn edge_path(edge: &EdgePath) -> Vec<Tenth> {
    let points = &edge.points;
    let mut flat = Vec::with_capacity(4 + 3 * points.len());
    flat.extend([Tenth(edge.from as f64), Tenth(edge.to as f64)]);
    flat.extend([Tenth(points[0].0), Tenth(points[0].1)]);
    let mut start = points[0];
    for segment in points[1..].chunks_exact(3) {
        let (c1, c2, end) = (segment[0], segment[1], segment[2]);
        if [c1, c2] == curve_controls(start, end) {
            flat.push(CURVE);
        } else if [c1, c2] == line_controls(start, end) {
            flat.push(LINE);
        } else {
            flat.extend([CONTROLS, Tenth(c1.0), Tenth(c1.1), Tenth(c2.0), Tenth(c2.1)]);
        }
        flat.extend([Tenth(end.0), Tenth(end.1)]);
        start = end;
    }
    flat
}

/// The edges of `layout` the page draws, as [`edge_path`] writes them:
/// those between known nodes whose points form whole cubic segments.
fn edge_paths(known: usize, layout: &Layout) -> Vec<Vec<Tenth>> {
    layout
        .edges
        .iter()
        .filter(|e| e.from < known && e.to < known)
        .filter(|e| e.points.len() >= 4 && e.points.len() % 3 == 1)
        .map(edge_path)
        .collect()
}

/// JSON that can sit inside a `<script>` element: the characters HTML
/// could read as markup are written as JSON escapes, which only ever occur
/// inside JSON strings, so the value is unchanged.
fn script_safe_json(graph: &DocGraph, layout: &Layout) -> String {
    let data = SiteData {
        graph,
        width: tenth(layout.width),
        height: tenth(layout.height),
        boxes: layout
            .nodes
            .iter()
            .map(|b| [Tenth(b.x), Tenth(b.y), Tenth(b.width), Tenth(b.height)])
            .collect(),
        paths: edge_paths(graph.nodes.len().min(layout.nodes.len()), layout),
        label_chars: max_label_chars(),
    };
    let json = serde_json::to_string(&data)
        .expect("the site data holds only strings, numbers and lists, which always serialize");
    let mut safe = String::with_capacity(json.len() + json.len() / 16);
    for c in json.chars() {
        match c {
            '<' => safe.push_str("\\u003c"),
            '>' => safe.push_str("\\u003e"),
            '&' => safe.push_str("\\u0026"),
            '\u{2028}' => safe.push_str("\\u2028"),
            '\u{2029}' => safe.push_str("\\u2029"),
            _ => safe.push(c),
        }
    }
    safe
}

/// Renders the documentation site for `graph`, drawn as `layout` says, as
/// one HTML page that needs nothing else: no network, no other file.
///
/// On the left, the lineage graph (drawn like [`render_svg`], on a canvas
/// the script paints) with wheel zoom, drag to pan, a "Fit" button and a search box (`id="search"`) that
/// highlights matching nodes and, on Enter, centres and selects the best
/// one. Clicking a node highlights it with everything upstream and
/// downstream and opens it in the panel on the right (`id="panel"`): kind,
/// materialization, relation, path, description, tags, columns
/// (`id="columns"`), compiled and raw SQL (`id="compiled-sql"`,
/// `id="raw-sql"`) and links to parents and children. With nothing
/// selected, the panel lists every node grouped by kind. The URL hash
/// `#node=NAME` selects a node, so links can be shared.
///
/// [`render_svg`]: crate::render_svg
pub fn render_site(graph: &DocGraph, layout: &Layout) -> String {
    let json = script_safe_json(graph, layout);
    let project = escape(&graph.project_name);
    let edge_count = layout.edges.len();
    let mut out = String::with_capacity(json.len() + SITE_CSS.len() + SITE_JS.len() + 4096);

    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"generator\" content=\"jgt-docs\">\n");
    out.push_str(&format!("<title>{project} · jgt docs</title>\n"));
    out.push_str("<style>\n");
    out.push_str(SITE_CSS);
    out.push_str("</style>\n</head>\n<body>\n");

    out.push_str("<header class=\"topbar\">\n");
    out.push_str(&format!(
        "<h1><span class=\"brand\">jgt</span> <span id=\"project-name\">{project}</span></h1>\n"
    ));
    out.push_str(&format!(
        "<span class=\"stats\">{} {} · {edge_count} {}</span>\n",
        graph.nodes.len(),
        if graph.nodes.len() == 1 {
            "node"
        } else {
            "nodes"
        },
        if edge_count == 1 { "edge" } else { "edges" },
    ));
    out.push_str(
        "<div class=\"search-box\">\
         <input id=\"search\" type=\"search\" placeholder=\"Search nodes  ( / )\" \
         autocomplete=\"off\" spellcheck=\"false\" aria-label=\"Search nodes\">\
         <span id=\"search-count\" class=\"muted\"></span></div>\n\
         <button id=\"fit\" type=\"button\" title=\"Show the whole graph\">Fit</button>\n\
         </header>\n<main>\n<section id=\"graph\" aria-label=\"Lineage graph\">\n",
    );
    out.push_str(&format!(
        "<canvas id=\"jgt-canvas\" role=\"img\" aria-label=\"Lineage of {project}\"></canvas>\n"
    ));
    out.push_str("<div class=\"legend\" aria-hidden=\"true\">");
    for kind in ["seed", "source", "model", "test"] {
        out.push_str(&format!(
            "<span><i class=\"swatch {}\"></i>{kind}</span>",
            kind_class(kind)
        ));
    }
    out.push_str("</div>\n</section>\n");
    out.push_str(PANEL);
    out.push_str("</main>\n<script type=\"application/json\" id=\"jgt-data\">");
    out.push_str(&json);
    out.push_str("</script>\n<script>\n");
    out.push_str(SITE_JS);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}

/// The empty panel; the script fills it with `textContent` only.
const PANEL: &str = r#"<aside id="panel" aria-live="polite">
<div id="index-view">
<h2>Index</h2>
<p class="muted">Click a node in the graph, or pick one below. Drag to pan, scroll to zoom.</p>
<div id="index"></div>
</div>
<article id="node-view" hidden>
<button id="back" type="button" class="link-button">← Index</button>
<h2 id="node-name"></h2>
<div class="badges"><span id="node-kind" class="badge"></span><span id="node-materialization" class="badge outline"></span></div>
<dl class="facts">
<dt>Relation</dt><dd><code id="node-relation"></code></dd>
<dt>Path</dt><dd><code id="node-path"></code></dd>
</dl>
<p id="node-description"></p>
<div id="node-tags" class="tags"></div>
<h3>Columns</h3>
<table id="columns">
<thead><tr><th>Name</th><th>Type</th><th>Tests</th></tr></thead>
<tbody></tbody>
</table>
<h3>SQL</h3>
<div class="tabs" role="tablist">
<button type="button" role="tab" data-tab="compiled-sql" aria-selected="true">Compiled</button>
<button type="button" role="tab" data-tab="raw-sql" aria-selected="false">Raw</button>
</div>
<pre id="compiled-sql" class="sql" role="tabpanel"></pre>
<pre id="raw-sql" class="sql" role="tabpanel" hidden></pre>
<div class="relatives">
<section><h3>Parents <span id="parent-count" class="count"></span></h3><ul id="parents"></ul></section>
<section><h3>Children <span id="child-count" class="count"></span></h3><ul id="children"></ul></section>
</div>
</article>
</aside>
"#;
