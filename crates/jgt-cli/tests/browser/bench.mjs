// Usage: node bench.mjs <index.html> [screenshot.png]
//
// Measures a documentation site in Chromium (no assertions on the figures):
//   - load: navigation timing of the page opened from disk (the page's
//     script runs inline at the end of <body>, so DOMContentLoaded ends
//     after it), first contentful paint, and "interactive": when the first
//     click on a node, sent right after load, has been handled and painted;
//   - click-to-highlight: for nodes spread over the graph, from the
//     pointerdown on a node to the next frame after the lineage highlight
//     and the panel are done (the median and worst of them);
//   - search: from typing a query to the next frame.
// Prints one JSON line of figures, in milliseconds.
//
// Works with both designs of the page: the graph painted on a canvas (with
// window.jgtDocs saying where each node is; the pointer events go to the
// canvas at the node's centre) and, for comparisons with older pages, the
// graph as SVG elements (the events go to the node's <rect>).

import { resolve } from 'node:path';
import { statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { deadline, openBrowser, run } from './chromium.mjs';

const [indexArg, screenshotArg] = process.argv.slice(2);
if (!indexArg) {
  process.stderr.write('usage: node bench.mjs <index.html> [screenshot.png]\n');
  process.exit(2);
}
const index = resolve(indexArg);
const CLICKS = 25;
const LOADS = 3;

deadline(600_000, 'the benchmark');

const round = (ms) => Math.round(ms * 10) / 10;
function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: round(at(0.5)), p90: round(at(0.9)), max: round(sorted[sorted.length - 1]) };
}

// In the page: what to dispatch a click on for node `i`, where, and how to
// tell it is selected. Defined in the page by `definePageHelpers`.
function definePageHelpers() {
  window.benchTarget = (i) => {
    const docs = window.jgtDocs;
    if (docs) {
      const name = (window.benchNames ||= docs.names())[i];
      const r = docs.nodeRect(name);
      return {
        element: document.getElementById('jgt-canvas'),
        x: r.x + r.width / 2, y: r.y + r.height / 2,
        selected: () => docs.selected() === name,
      };
    }
    const g = document.querySelector(`g.node[data-index="${i}"]`);
    const rect = g.querySelector('rect');
    const r = rect.getBoundingClientRect();
    return {
      element: rect, x: r.left + r.width / 2, y: r.top + r.height / 2,
      selected: () => g.classList.contains('selected'),
    };
  };
  window.benchClick = (target) => {
    const at = {
      bubbles: true, cancelable: true, button: 0, pointerId: 1, isPrimary: true,
      clientX: target.x, clientY: target.y,
    };
    target.element.dispatchEvent(new PointerEvent('pointerdown', at));
    target.element.dispatchEvent(new PointerEvent('pointerup', at));
  };
  window.benchNodeCount = () =>
    window.jgtDocs ? window.jgtDocs.names().length : document.querySelectorAll('g.node').length;
  window.benchEdgeCount = () =>
    window.jgtDocs ? window.jgtDocs.edges() : document.querySelectorAll('path.edge').length;
}

// In the page: clicks node `i` as a pointer would and resolves with the
// time until the frame after the handler has run.
function clickNode(i) {
  return new Promise((done) => {
    const target = window.benchTarget(i);
    const start = performance.now();
    window.benchClick(target);
    const handled = performance.now();
    requestAnimationFrame(() => setTimeout(() => done({
      handled: handled - start,
      painted: performance.now() - start,
      ok: target.selected(),
    }), 0));
  });
}

run(async () => {
  const url = pathToFileURL(index).href;
  const browser = await openBrowser();
  const { page } = browser;
  const loads = [];
  try {
    for (let n = 0; n < LOADS; n++) {
      await page.goto('about:blank');
      await page.goto(url, { waitUntil: 'load', timeout: 120_000 });
      await page.evaluate(definePageHelpers);
      const first = await page.evaluate(async () => {
        const nav = performance.getEntriesByType('navigation')[0];
        const paint = performance.getEntriesByName('first-contentful-paint')[0];
        const target = window.benchTarget(0);
        const start = performance.now();
        window.benchClick(target);
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        return {
          domContentLoaded: nav.domContentLoadedEventEnd,
          load: nav.loadEventEnd,
          firstContentfulPaint: paint ? paint.startTime : null,
          interactive: performance.now(),
          firstClick: performance.now() - start,
          nodes: window.benchNodeCount(),
          edges: window.benchEdgeCount(),
        };
      });
      loads.push(first);
    }
    const { nodes, edges } = loads[0];

    // Clicks on nodes spread over the whole graph, after a warm-up one.
    await page.evaluate(clickNode, 0);
    const clicks = [];
    for (let k = 0; k < CLICKS; k++) {
      const i = Math.floor(((k + 0.5) * nodes) / CLICKS);
      clicks.push(await page.evaluate(clickNode, i));
    }

    const searches = [];
    for (const query of ['int_', 'orders', 'agg_revenue', 'zzz', '']) {
      searches.push(await page.evaluate((q) => new Promise((done) => {
        const box = document.getElementById('search');
        const start = performance.now();
        box.value = q;
        box.dispatchEvent(new Event('input', { bubbles: true }));
        requestAnimationFrame(() => setTimeout(() => done(performance.now() - start), 0));
      }), query));
    }
    if (screenshotArg) await page.screenshot({ path: resolve(screenshotArg) });

    // The best of the loads that have the figure (first contentful paint
    // may come after the load event, and then is not known yet).
    const best = (key) => {
      const known = loads.map((l) => l[key]).filter((v) => typeof v === 'number');
      return known.length ? round(Math.min(...known)) : null;
    };
    const result = {
      ok: clicks.every((c) => c.ok) && browser.problems.length === 0,
      file: index,
      megabytes: round(statSync(index).size / 1e6),
      nodes,
      edges,
      loads: LOADS,
      domContentLoaded: best('domContentLoaded'),
      load: best('load'),
      firstContentfulPaint: best('firstContentfulPaint'),
      interactive: best('interactive'),
      firstClick: best('firstClick'),
      clickHandler: summary(clicks.map((c) => c.handled)),
      clickToHighlight: summary(clicks.map((c) => c.painted)),
      search: summary(searches),
      problems: browser.problems,
    };
    process.stdout.write(JSON.stringify(result) + '\n');
    await browser.close();
    process.exit(result.ok ? 0 : 1);
  } finally {
    await browser.close();
  }
});
