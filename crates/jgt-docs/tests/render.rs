//! The SVG picture and the site.

mod common;

use common::{generated, graph, node};
use jgt_docs::{layout, render_site, render_svg, write_site, DocColumn, DocGraph, DocsError};

/// A small project with text that needs escaping everywhere.
fn tricky() -> DocGraph {
    let mut g = graph(
        &[
            "raw_orders",
            "src_events",
            "stg_orders",
            "orders",
            "test_orders_id",
        ],
        &[
            ("raw_orders", "stg_orders"),
            ("src_events", "orders"),
            ("stg_orders", "orders"),
            ("orders", "test_orders_id"),
        ],
    );
    g.project_name = "Jaffle & <Gaggle>".to_string();
    g.nodes[2].name = "stg_<orders>&\"'".to_string();
    let orders = &mut g.nodes[3];
    orders.description = Some("</script><script>alert(1)</script>".to_string());
    orders.tags = vec!["<b>finance</b>".to_string()];
    orders.raw_sql = Some("select * from {{ ref('stg_orders') }} where a < b".to_string());
    orders.compiled_sql =
        Some("select * from main.stg_orders where a < b -- </script>".to_string());
    orders.columns.push(DocColumn {
        name: "order_id".to_string(),
        data_type: Some("INTEGER".to_string()),
        description: Some("<img src=x onerror=alert(2)>".to_string()),
        tests: vec!["unique".to_string(), "not_null".to_string()],
    });
    g
}

/// The text of the `jgt-data` element.
fn embedded_json(html: &str) -> &str {
    let open = "<script type=\"application/json\" id=\"jgt-data\">";
    let start = html.find(open).expect("the data element") + open.len();
    let len = html[start..]
        .find("</script>")
        .expect("the data element ends");
    &html[start..start + len]
}

#[test]
fn svg_draws_every_node_escaped() {
    let g = tricky();
    let svg = render_svg(&g, &layout(&g));
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    for n in &g.nodes {
        let escaped = n
            .name
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;");
        assert!(
            svg.contains(&format!("data-name=\"{escaped}\"")),
            "{escaped}"
        );
        assert!(svg.contains(&format!(">{escaped}</text>")), "{escaped}");
    }
    assert!(!svg.contains("stg_<orders>"));
    assert!(svg.contains("Jaffle &amp; &lt;Gaggle&gt;"));
    assert_eq!(svg.matches("<g class=\"node ").count(), g.nodes.len());
    assert_eq!(svg.matches("<path class=\"edge\"").count(), g.edges.len());
    // Each edge ends in its arrowhead: a second subpath of the same path.
    assert!(!svg.contains("<marker") && !svg.contains("marker-end"));
    for line in svg
        .lines()
        .filter(|l| l.starts_with("<path class=\"edge\""))
    {
        assert_eq!(line.matches(" M").count(), 1, "{line}");
    }
}

#[test]
fn svg_colours_nodes_by_kind_and_shows_the_materialization() {
    let g = tricky();
    let svg = render_svg(&g, &layout(&g));
    for colour in ["#d8ecd0", "#d6e4f5", "#fbe3c6", "#e5e7eb"] {
        assert!(svg.contains(&format!("fill=\"{colour}\"")), "{colour}");
    }
    assert!(svg.contains(">table</text>"));
    assert!(svg.contains(">seed</text>"));
}

#[test]
fn long_names_are_shortened_in_the_box_but_kept_in_the_title() {
    let long = "n".repeat(120);
    let g = graph(&[&long], &[]);
    let svg = render_svg(&g, &layout(&g));
    assert!(svg.contains(&format!("<title>{long} (model)</title>")));
    assert!(svg.contains("…</text>"));
}

#[test]
fn svg_is_deterministic() {
    let g = generated(300, 2);
    assert_eq!(render_svg(&g, &layout(&g)), render_svg(&g, &layout(&g)));
}

#[test]
fn site_contains_every_node_and_its_data() {
    let g = generated(250, 2);
    let l = layout(&g);
    let html = render_site(&g, &l);
    let data: serde_json::Value = serde_json::from_str(embedded_json(&html)).unwrap();
    let back: DocGraph = serde_json::from_value(data["graph"].clone()).unwrap();
    assert_eq!(back, g);
    assert_eq!(data["boxes"].as_array().unwrap().len(), g.nodes.len());
    // Every edge the layout routes, read back as the page's script reads it.
    let paths = data["paths"].as_array().unwrap();
    assert_eq!(paths.len(), l.edges.len());
    let mut tags = [0; 3];
    for (path, edge) in paths.iter().zip(&l.edges) {
        let flat: Vec<f64> = path
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(flat[..2], [edge.from as f64, edge.to as f64]);
        let points = read_edge(&flat[2..], &mut tags);
        assert_eq!(points.len(), edge.points.len());
        for (&(x, y), &(ex, ey)) in points.iter().zip(&edge.points) {
            assert!(
                (x - ex).abs() <= 0.2 && (y - ey).abs() <= 0.2,
                "{points:?} {edge:?}"
            );
        }
    }
    // Most segments are curves or lines written as their end alone.
    assert!(tags[0] + tags[1] > 10 * tags[2], "{tags:?}");
    assert!(data["label_chars"].as_u64().unwrap() > 20);
}

/// The points of an edge written as `x0, y0`, then per segment a tag (0 a
/// curve, 1 a line, 2 control points written out) and the end; counts the
/// tags.
fn read_edge(flat: &[f64], tags: &mut [usize; 3]) -> Vec<(f64, f64)> {
    let mut points = vec![(flat[0], flat[1])];
    let mut rest = &flat[2..];
    while let Some((&tag, after)) = rest.split_first() {
        let (x, y) = points[points.len() - 1];
        tags[tag as usize] += 1;
        let (controls, end) = match tag as usize {
            2 => {
                let c = [(after[0], after[1]), (after[2], after[3])];
                (c, (after[4], after[5]))
            }
            kind => {
                let (ex, ey) = (after[0], after[1]);
                let c = if kind == 0 {
                    let bend = ((ex - x).abs() / 2.0).max(40.0);
                    [(x + bend, y), (ex - bend, ey)]
                } else {
                    let (tx, ty) = ((ex - x) / 3.0, (ey - y) / 3.0);
                    [(x + tx, y + ty), (ex - tx, ey - ty)]
                };
                (c, (ex, ey))
            }
        };
        points.extend([controls[0], controls[1], end]);
        rest = &after[if tag == 2.0 { 6 } else { 2 }..];
    }
    points
}

#[test]
fn site_data_survives_hostile_text() {
    let g = tricky();
    let html = render_site(&g, &layout(&g));
    let json = embedded_json(&html);
    assert!(!json.contains('<') && !json.contains('>'));
    assert!(json.contains("\\u003c/script\\u003e\\u003cscript\\u003ealert(1)"));
    let data: serde_json::Value = serde_json::from_str(json).unwrap();
    let back: DocGraph = serde_json::from_value(data["graph"].clone()).unwrap();
    assert_eq!(back, g);
}

#[test]
fn a_description_cannot_inject_a_script() {
    let g = tricky();
    let html = render_site(&g, &layout(&g));
    assert!(!html.contains("<script>alert"));
    assert!(!html.to_lowercase().contains("<img"));
    // Only the page's own two script elements.
    assert_eq!(html.matches("<script").count(), 2);
    assert_eq!(html.matches("</script>").count(), 2);
    assert!(html.contains("<title>Jaffle &amp; &lt;Gaggle&gt; · jgt docs</title>"));
    // The script never parses data as markup.
    for sink in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
    ] {
        assert!(!html.contains(sink), "{sink}");
    }
}

#[test]
fn site_is_self_contained_with_stable_hooks() {
    let g = tricky();
    let html = render_site(&g, &layout(&g));
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Nothing is fetched: no URL but the SVG namespace, no linked file.
    let page = html
        .replace(embedded_json(&html), "")
        .replace("http://www.w3.org/2000/svg", "");
    assert!(!page.contains("http:") && !page.contains("https:"));
    for fetch in ["<link", " src=", "@import", "url(http", "fetch("] {
        assert!(!page.contains(fetch), "{fetch}");
    }
    for hook in [
        "id=\"panel\"",
        "id=\"columns\"",
        "id=\"compiled-sql\"",
        "id=\"raw-sql\"",
        "id=\"search\"",
        "id=\"fit\"",
        "<canvas id=\"jgt-canvas\"",
    ] {
        assert!(html.contains(hook), "{hook}");
    }
    // The script paints the graph: no element per node or edge.
    assert!(!html.contains("<svg") && !html.contains("data-name="));
}

#[test]
fn site_is_deterministic() {
    let g = generated(200, 2);
    assert_eq!(render_site(&g, &layout(&g)), render_site(&g, &layout(&g)));
}

#[test]
fn write_site_writes_index_html() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target").join("docs");
    let g = tricky();
    let path = write_site(&g, &target).unwrap();
    assert_eq!(path, target.join("index.html"));
    let written = std::fs::read_to_string(&path).unwrap();
    assert_eq!(written, render_site(&g, &layout(&g)));
}

#[test]
fn write_site_reports_where_it_failed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-directory");
    std::fs::write(&file, "x").unwrap();
    let g = graph(&["m"], &[]);
    let err = write_site(&g, &file).unwrap_err();
    let DocsError::Io { path, .. } = &err else {
        panic!("expected an I/O error, got {err}");
    };
    assert!(path.starts_with(&file), "{path:?}");
    assert!(err.to_string().contains("not-a-directory"), "{err}");
}

#[test]
fn a_node_with_everything_missing_still_renders() {
    let mut g = graph(&[], &[]);
    let mut bare = node("bare", "snapshot");
    bare.materialization = None;
    bare.relation = None;
    g.nodes.push(bare);
    let html = render_site(&g, &layout(&g));
    let data: serde_json::Value = serde_json::from_str(embedded_json(&html)).unwrap();
    assert_eq!(data["graph"]["nodes"][0]["name"], "bare");
    assert_eq!(data["boxes"].as_array().unwrap().len(), 1);
}
