//! Timings of the layout and the site on generated graphs. Ignored by
//! default; run with
//! `cargo test --release -p jgt-docs --test bench -- --ignored --nocapture`.

mod common;

use std::time::Instant;

use common::{dbt_shaped, generated};
use jgt_docs::{layout, render_site, render_svg, DocGraph};

/// Makes a graph of the given number of nodes.
type Generator = fn(usize) -> DocGraph;

#[test]
#[ignore = "prints timings; run explicitly in release mode"]
fn bench_layout_and_site() {
    let graphs: [(&str, Generator); 2] = [
        ("dbt-shaped", dbt_shaped),
        ("deep random", |n| generated(n, 2)),
    ];
    for (shape, make) in graphs {
        for n in [1_000, 10_000] {
            let g = make(n);
            // One warm-up run, then the best of five.
            let _ = render_site(&g, &layout(&g));
            let mut best = [f64::INFINITY; 3];
            let mut size = 0;
            for _ in 0..5 {
                let start = Instant::now();
                let l = layout(&g);
                let laid_out = start.elapsed().as_secs_f64();
                let svg = render_svg(&g, &l);
                let drawn = start.elapsed().as_secs_f64() - laid_out;
                let start_site = Instant::now();
                let html = render_site(&g, &l);
                let site = start_site.elapsed().as_secs_f64();
                size = html.len();
                assert!(svg.len() < html.len());
                best[0] = best[0].min(laid_out);
                best[1] = best[1].min(drawn);
                best[2] = best[2].min(site);
            }
            let depth = layout(&g)
                .nodes
                .iter()
                .map(|b| b.layer + 1)
                .max()
                .unwrap_or(0);
            let (edges, mb) = (g.edges.len(), size as f64 / 1e6);
            let [layout_ms, svg_ms, site_ms] = best.map(|seconds| seconds * 1e3);
            println!(
                "{shape:>11}: {n:>6} nodes, {edges:>6} edges, {depth:>4} layers: \
                 layout {layout_ms:>7.2} ms, render_svg {svg_ms:>6.2} ms, \
                 render_site {site_ms:>6.2} ms, index.html {mb:.1} MB"
            );
        }
    }
}
