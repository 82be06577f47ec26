// jgt docs: the lineage graph on a canvas (zoom, pan, search, lineage
// highlighting) and the node panel. Reads the graph from #jgt-data; every
// piece of text it puts on the page goes through textContent.
//
// Built to stay quick with tens of thousands of nodes and edges: the graph
// is painted on one canvas, culled to the view and with less detail when
// zoomed out; highlights and search matches are painted on a second canvas
// on top, so a click repaints only the nodes and edges it concerns; a grid
// finds the node under the pointer; the index in the panel creates rows
// only for the part of it that is scrolled into view.
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('jgt-data').textContent);
  var nodes = data.graph.nodes;
  var boxes = data.boxes;
  var count = nodes.length;
  var KINDS = ['seed', 'source', 'model', 'test'];
  var KIND_TITLES = { seed: 'Seeds', source: 'Sources', model: 'Models', test: 'Tests' };
  // Fill and border of each kind, in the order of KINDS, then other kinds.
  var FILLS = ['#d8ecd0', '#d6e4f5', '#fbe3c6', '#e5e7eb', '#f3f4f6'];
  var BORDERS = ['#7fae6c', '#6f98cc', '#d89a52', '#9ca3af', '#b8bcc4'];
  var EDGE_COLOUR = '#a3a9b1';
  var ACCENT = '#2563eb';
  var UP = '#7c3aed';
  var DOWN = '#0e7490';
  var MATCH = '#f59e0b';
  var FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
  var TEXT_PADDING = 14;
  var ARROW_LENGTH = 7;
  var ARROW_HALF_WIDTH = 4;
  // Zoomed out further than this, the script sets the pixels itself.
  var PIXEL_BELOW = 0.1;
  var MIN_ZOOM = 0.01;
  var MAX_ZOOM = 4;
  // Node roles in the highlight.
  var NONE = 0, ROLE_UP = 1, ROLE_DOWN = 2, ROLE_SELECTED = 3;
  var ROLE_NAMES = ['', 'up', 'down', 'selected'];

  function $(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function kindClass(kind) {
    return KINDS.indexOf(kind) >= 0 ? 'kind-' + kind : 'kind-other';
  }

  // ---- The graph's structure -------------------------------------------

  var indexOf = new Map();
  var lowerNames = new Array(count);
  var kindOf = new Uint8Array(count);
  var parents = [];
  var children = [];
  for (var i = 0; i < count; i++) {
    indexOf.set(nodes[i].name, i);
    lowerNames[i] = nodes[i].name.toLowerCase();
    var known = KINDS.indexOf(nodes[i].kind);
    kindOf[i] = known >= 0 ? known : KINDS.length;
    parents.push([]);
    children.push([]);
  }

  // Names sort as people read them: model_2 before model_10. The order is
  // computed once, so later sorts compare two integers.
  var rank = (function () {
    var collator = new Intl.Collator('en', { numeric: true });
    var order = new Array(count);
    for (var j = 0; j < count; j++) order[j] = j;
    order.sort(function (a, b) { return collator.compare(nodes[a].name, nodes[b].name) || a - b; });
    var result = new Uint32Array(count);
    for (j = 0; j < count; j++) result[order[j]] = j;
    return result;
  })();
  function byNodeName(a, b) { return rank[a] - rank[b]; }

  var seenEdges = new Set();
  data.graph.edges.forEach(function (edge) {
    var from = edge[0], to = edge[1];
    var key = from * count + to;
    if (from >= count || to >= count || from === to || seenEdges.has(key)) return;
    seenEdges.add(key);
    parents[to].push(from);
    children[from].push(to);
  });
  seenEdges = null;
  parents.forEach(function (list) { list.sort(byNodeName); });
  children.forEach(function (list) { list.sort(byNodeName); });

  // ---- Geometry: boxes, edge curves and a grid to find nodes ---------------

  var bx = new Float64Array(count), by = new Float64Array(count);
  var bw = new Float64Array(count), bh = new Float64Array(count);
  for (i = 0; i < count; i++) {
    var b = boxes[i] || [0, 0, 0, 0];
    bx[i] = b[0]; by[i] = b[1]; bw[i] = b[2]; bh[i] = b[3];
  }

  // Edge e runs from edgeFrom[e] to edgeTo[e] through the points
  // coords[edgeStart[e] ...] (x, y pairs, edgeLength[e] of them: a start,
  // then two control points and an end per cubic segment), within the
  // rectangle edgeBounds[4e ... 4e + 3].
  var paths = data.paths || [];
  var edgeCount = paths.length;
  var edgeFrom = new Uint32Array(edgeCount), edgeTo = new Uint32Array(edgeCount);
  var edgeStart = new Uint32Array(edgeCount), edgeLength = new Uint32Array(edgeCount);
  var edgeBounds = new Float64Array(edgeCount * 4);
  var coords = new Float64Array(2 * pointCount(paths));
  var coordsEnd = 0;
  var outEdges = [];
  for (i = 0; i < count; i++) outEdges.push([]);
  for (i = 0; i < edgeCount; i++) readEdge(i, paths[i]);
  paths = null;

  // How many points the edges have, control points included.
  function pointCount(list) {
    var total = 0;
    for (var e = 0; e < list.length; e++) {
      var p = list[e];
      total += 1;
      for (var j = 4; j < p.length; j += p[j] === 2 ? 7 : 3) total += 3;
    }
    return total;
  }

  function push(x, y) {
    coords[coordsEnd++] = x;
    coords[coordsEnd++] = y;
  }

  // Reads edge e from the page's data: [from, to, x0, y0], then for each
  // segment a tag and its end, with its control points before the end
  // when the tag is 2; tags 0 and 1 are the layout's curve and straight
  // line, whose control points follow from the ends.
  function readEdge(e, p) {
    edgeFrom[e] = p[0];
    edgeTo[e] = p[1];
    edgeStart[e] = coordsEnd;
    var x = p[2], y = p[3];
    push(x, y);
    for (var j = 4; j < p.length;) {
      var tag = p[j];
      if (tag === 2) {
        push(p[j + 1], p[j + 2]);
        push(p[j + 3], p[j + 4]);
        j += 5;
      } else {
        var ex = p[j + 1], ey = p[j + 2];
        if (tag === 0) {
          var bend = Math.max(Math.abs(ex - x) / 2, 40);
          push(x + bend, y);
          push(ex - bend, ey);
        } else {
          var tx = (ex - x) / 3, ty = (ey - y) / 3;
          push(x + tx, y + ty);
          push(ex - tx, ey - ty);
        }
        j += 1;
      }
      x = p[j];
      y = p[j + 1];
      push(x, y);
      j += 2;
    }
    edgeLength[e] = (coordsEnd - edgeStart[e]) / 2;
    boundEdge(e);
    if (p[0] < count && p[1] < count) outEdges[p[0]].push(e);
  }

  // The rectangle around edge e's points, with room for its arrowhead.
  function boundEdge(e) {
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (var at = edgeStart[e], end = at + 2 * edgeLength[e]; at < end; at += 2) {
      var x = coords[at], y = coords[at + 1];
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    edgeBounds[4 * e] = x0 - ARROW_LENGTH;
    edgeBounds[4 * e + 1] = y0 - ARROW_HALF_WIDTH;
    edgeBounds[4 * e + 2] = x1;
    edgeBounds[4 * e + 3] = y1 + ARROW_HALF_WIDTH;
  }

  // A uniform grid over the drawing: each cell lists the nodes whose box
  // touches it.
  var CELL = 256;
  var gridColumns = Math.max(1, Math.ceil((data.width || 1) / CELL) + 1);
  var grid = new Map();
  for (i = 0; i < count; i++) {
    for (var cx = Math.floor(bx[i] / CELL); cx <= Math.floor((bx[i] + bw[i]) / CELL); cx++) {
      for (var cy = Math.floor(by[i] / CELL); cy <= Math.floor((by[i] + bh[i]) / CELL); cy++) {
        var key = cy * gridColumns + cx;
        var cell = grid.get(key);
        if (cell) cell.push(i); else grid.set(key, [i]);
      }
    }
  }

  // The node at graph point (gx, gy), else the nearest one within `slack`.
  function nodeNear(gx, gy, slack) {
    var best = -1, bestDistance = Infinity;
    var x0 = Math.floor((gx - slack) / CELL), x1 = Math.floor((gx + slack) / CELL);
    var y0 = Math.floor((gy - slack) / CELL), y1 = Math.floor((gy + slack) / CELL);
    for (var cx = x0; cx <= x1; cx++) {
      for (var cy = y0; cy <= y1; cy++) {
        var cell = grid.get(cy * gridColumns + cx);
        if (!cell) continue;
        for (var j = 0; j < cell.length; j++) {
          var n = cell[j];
          var dx = Math.max(bx[n] - gx, 0, gx - bx[n] - bw[n]);
          var dy = Math.max(by[n] - gy, 0, gy - by[n] - bh[n]);
          var distance = dx * dx + dy * dy;
          if (distance <= slack * slack && distance < bestDistance) {
            best = n;
            bestDistance = distance;
          }
        }
      }
    }
    return best;
  }

  // The text drawn in a node's box: its name, shortened like the SVG's.
  var labels = new Array(count);
  function label(n) {
    if (labels[n] === undefined) {
      var name = nodes[n].name;
      var max = data.label_chars || 40;
      var chars = name.length > max ? Array.from(name) : null;
      labels[n] = chars && chars.length > max ? chars.slice(0, max - 1).join('') + '…' : name;
    }
    return labels[n];
  }

  // ---- The canvases ------------------------------------------------------

  var pane = $('graph');
  var canvas = $('jgt-canvas');
  var overlay = el('canvas', 'overlay');
  overlay.setAttribute('aria-hidden', 'true');
  canvas.after(overlay);
  var baseCtx = canvas.getContext('2d', { alpha: true });
  var overlayCtx = overlay.getContext('2d', { alpha: true });
  var screen = { w: 0, h: 0, dpr: 1 };

  // Sizes both canvases to the pane, in device pixels.
  function sizeCanvases() {
    var r = pane.getBoundingClientRect();
    screen.w = r.width;
    screen.h = r.height;
    screen.dpr = window.devicePixelRatio || 1;
    [canvas, overlay].forEach(function (c) {
      c.width = Math.max(1, Math.round(r.width * screen.dpr));
      c.height = Math.max(1, Math.round(r.height * screen.dpr));
    });
  }

  // ---- The view: screen = graph * k + (x, y) --------------------------------

  var view = { x: 0, y: 0, k: 1 };
  // Whether the view is still the one Fit chose; if so a resize refits.
  var fitted = false;
  var baseDirty = false, overlayDirty = false, frameRequested = false;

  function requestDraw(baseToo) {
    if (baseToo) baseDirty = true;
    overlayDirty = true;
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(drawNow);
  }

  function drawNow() {
    frameRequested = false;
    // A view moved but not yet painted (see viewMoved): paint it all, so
    // the overlay and the graph below agree.
    if (drawn.x !== view.x || drawn.y !== view.y || drawn.k !== view.k) baseDirty = true;
    if (baseDirty) {
      var started = performance.now();
      drawBase();
      baseCost = performance.now() - started;
      drawn.x = view.x;
      drawn.y = view.y;
      drawn.k = view.k;
      canvas.style.transform = overlay.style.transform = '';
      // The overlay is painted for the same view as the graph.
      overlayDirty = true;
    }
    if (overlayDirty) drawOverlay();
    baseDirty = overlayDirty = false;
  }

  // While the pointer or the wheel moves the view: when painting the graph
  // is quick, it is painted every frame; otherwise the canvases are moved
  // and scaled as they are (which costs nothing) and painted again once the
  // view has been still for a moment.
  var drawn = { x: 0, y: 0, k: 1 };
  var baseCost = 0;
  var settleTimer = 0;
  var SETTLE_MS = 120;
  function viewMoved() {
    if (baseCost < 25) {
      requestDraw(true);
      return;
    }
    var scale = view.k / drawn.k;
    canvas.style.transform = overlay.style.transform = 'translate(' +
      (view.x - drawn.x * scale) + 'px,' + (view.y - drawn.y * scale) + 'px) scale(' + scale + ')';
    clearTimeout(settleTimer);
    settleTimer = setTimeout(function () { requestDraw(true); }, SETTLE_MS);
  }

  function clampZoom(k) { return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, k)); }

  function fit() {
    if (!screen.w || !screen.h || !data.width || !data.height) return;
    var k = clampZoom(Math.min(screen.w / data.width, screen.h / data.height, 1.5) * 0.96);
    view.k = k;
    view.x = (screen.w - data.width * k) / 2;
    view.y = (screen.h - data.height * k) / 2;
    fitted = true;
    requestDraw(true);
  }

  function centreOn(index) {
    if (index < 0 || index >= count) return;
    view.k = Math.max(view.k, 0.9);
    fitted = false;
    view.x = screen.w / 2 - (bx[index] + bw[index] / 2) * view.k;
    view.y = screen.h / 2 - (by[index] + bh[index] / 2) * view.k;
    requestDraw(true);
  }

  // The part of the drawing in view, in graph coordinates.
  function visibleRect() {
    return {
      x0: -view.x / view.k, y0: -view.y / view.k,
      x1: (screen.w - view.x) / view.k, y1: (screen.h - view.y) / view.k
    };
  }

  function nodeVisible(n, v) {
    return bx[n] <= v.x1 && bx[n] + bw[n] >= v.x0 && by[n] <= v.y1 && by[n] + bh[n] >= v.y0;
  }

  function edgeVisible(e, v) {
    var o = 4 * e;
    return edgeBounds[o] <= v.x1 && edgeBounds[o + 2] >= v.x0 &&
      edgeBounds[o + 1] <= v.y1 && edgeBounds[o + 3] >= v.y0;
  }

  // Clears a canvas and sets it to draw in graph coordinates.
  function startDrawing(ctx) {
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  }

  function toGraph(ctx) {
    var s = screen.dpr * view.k;
    ctx.setTransform(s, 0, 0, s, screen.dpr * view.x, screen.dpr * view.y);
  }

  // A line width of `width` graph pixels, but never thinner than one
  // screen pixel. Lines no wider than a pixel are cheap to paint (Chromium
  // draws them as hairlines); wider ones, by the thousand, take seconds on
  // the CPU, so widths only grow beyond a pixel when zoomed in, where few
  // lines are in view.
  function lineWidth(width) {
    return Math.max(width, 1 / view.k);
  }

  // ---- Painting -------------------------------------------------------------

  // Adds edge e's curve and, when large enough to see, its arrowhead.
  // Segments out of view `v` are skipped: a long edge crossing the view
  // would otherwise be painted from end to end.
  function traceEdge(ctx, e, arrows, v) {
    var at = edgeStart[e], end = at + 2 * edgeLength[e];
    ctx.moveTo(coords[at], coords[at + 1]);
    for (at += 2; at + 5 < end; at += 6) {
      if (segmentVisible(at - 2, v)) {
        ctx.bezierCurveTo(coords[at], coords[at + 1], coords[at + 2], coords[at + 3],
          coords[at + 4], coords[at + 5]);
      } else {
        ctx.moveTo(coords[at + 4], coords[at + 5]);
      }
    }
    if (!arrows) return;
    var x = coords[end - 2], y = coords[end - 1];
    ctx.moveTo(x - ARROW_LENGTH, y - ARROW_HALF_WIDTH);
    ctx.lineTo(x, y);
    ctx.lineTo(x - ARROW_LENGTH, y + ARROW_HALF_WIDTH);
  }

  // Whether the cubic segment whose four points start at coords[at] may
  // show in `v` (a curve stays within its points' rectangle).
  function segmentVisible(at, v) {
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (var j = at; j < at + 8; j += 2) {
      x0 = Math.min(x0, coords[j]);
      x1 = Math.max(x1, coords[j]);
      y0 = Math.min(y0, coords[j + 1]);
      y1 = Math.max(y1, coords[j + 1]);
    }
    return x0 <= v.x1 && x1 >= v.x0 && y0 <= v.y1 + ARROW_HALF_WIDTH && y1 >= v.y0 - ARROW_HALF_WIDTH;
  }

  // Strokes the given edges (those in view) in one path.
  function paintEdges(ctx, list, v, colour, width) {
    var arrows = view.k * ARROW_LENGTH >= 2;
    ctx.beginPath();
    for (var j = 0; j < list.length; j++) {
      if (edgeVisible(list[j], v)) traceEdge(ctx, list[j], arrows, v);
    }
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';
    ctx.stroke();
  }

  // Adds node n's box to the current path.
  function traceBox(ctx, n, rounded) {
    if (rounded && ctx.roundRect) ctx.roundRect(bx[n], by[n], bw[n], bh[n], 7);
    else ctx.rect(bx[n], by[n], bw[n], bh[n]);
  }

  // Paints the boxes of `list` (all in view), kind by kind; with their
  // text when it is large enough to read.
  function paintNodes(ctx, list) {
    var rounded = view.k * 40 >= 10;
    for (var kind = 0; kind <= KINDS.length; kind++) {
      ctx.beginPath();
      var any = false;
      for (var j = 0; j < list.length; j++) {
        if (kindOf[list[j]] === kind) { traceBox(ctx, list[j], rounded); any = true; }
      }
      if (!any) continue;
      ctx.fillStyle = FILLS[kind];
      ctx.fill();
      ctx.strokeStyle = BORDERS[kind];
      ctx.lineWidth = 1.2;
      ctx.stroke();
    }
    if (view.k * 12 >= 5) paintText(ctx, list);
  }

  function paintText(ctx, list) {
    ctx.textBaseline = 'alphabetic';
    ctx.fillStyle = '#1f2328';
    ctx.font = '600 12px ' + FONT;
    for (var j = 0; j < list.length; j++) {
      var n = list[j];
      ctx.fillText(label(n), bx[n] + TEXT_PADDING, by[n] + bh[n] / 2 - 2);
    }
    if (view.k * 10.5 < 5) return;
    ctx.fillStyle = '#5b636e';
    ctx.font = '10.5px ' + FONT;
    for (j = 0; j < list.length; j++) {
      n = list[j];
      ctx.fillText(nodes[n].materialization || nodes[n].kind,
        bx[n] + TEXT_PADDING, by[n] + bh[n] / 2 + 11.5);
    }
  }

  // Strokes the borders of `list` (all in view) in one colour.
  function ringNodes(ctx, list, colour, width) {
    if (!list.length) return;
    var rounded = view.k * 40 >= 10;
    ctx.beginPath();
    for (var j = 0; j < list.length; j++) traceBox(ctx, list[j], rounded);
    ctx.strokeStyle = colour;
    ctx.lineWidth = lineWidth(width);
    ctx.stroke();
  }

  function inView(list, v) {
    var kept = [];
    for (var j = 0; j < list.length; j++) if (nodeVisible(list[j], v)) kept.push(list[j]);
    return kept;
  }

  var allEdges = new Uint32Array(edgeCount);
  for (i = 0; i < edgeCount; i++) allEdges[i] = i;
  var allNodes = new Uint32Array(count);
  for (i = 0; i < count; i++) allNodes[i] = i;

  // ---- Painting pixels, far zoomed out -----------------------------------
  //
  // Far out, a box is a few pixels and each curved segment of an edge a
  // nearly straight line a few pixels long. There the script sets the
  // pixels of an image itself (straight segments, no anti-aliasing, which
  // cannot be seen at that size) and gives the canvas the whole image at
  // once: tens of thousands of paths would take the canvas far longer.

  // A colour as one pixel of ImageData read as a little-endian Uint32.
  function pixel(hex, alpha) {
    var v = parseInt(hex.slice(1), 16);
    var a = Math.round(alpha * 255);
    return ((a << 24) | ((v & 0xff) << 16) | (v & 0xff00) | (v >> 16)) >>> 0;
  }
  var PX_EDGE = pixel(EDGE_COLOUR, 0.6);
  var PX_BORDERS = BORDERS.map(function (c) { return pixel(c, 1); });
  var PX_ACCENT = pixel(ACCENT, 1);
  var PX_ROLES = [0, pixel(UP, 1), pixel(DOWN, 1), PX_ACCENT];
  var PX_MATCH = pixel(MATCH, 1);
  var PX_VEIL_FOCUS = pixel('#ffffff', 0.72);
  var PX_VEIL_SEARCH = pixel('#ffffff', 0.62);

  function pixelMode() { return view.k < PIXEL_BELOW; }

  // An image the size of `ctx`'s canvas, kept while the size holds.
  function pixelsOf(ctx) {
    var c = ctx.canvas;
    var p = ctx === baseCtx ? basePixels : overlayPixels;
    if (!p || p.w !== c.width || p.h !== c.height) {
      var image = ctx.createImageData(c.width, c.height);
      p = { image: image, u32: new Uint32Array(image.data.buffer), w: c.width, h: c.height };
      if (ctx === baseCtx) basePixels = p; else overlayPixels = p;
    }
    return p;
  }
  var basePixels = null, overlayPixels = null;

  // A one-pixel line from (x0, y0) to (x1, y1), in device pixels.
  function pixelLine(p, x0, y0, x1, y1, colour) {
    x0 = Math.round(x0); y0 = Math.round(y0); x1 = Math.round(x1); y1 = Math.round(y1);
    var w = p.w, h = p.h;
    if ((x0 < 0 && x1 < 0) || (y0 < 0 && y1 < 0) ||
      (x0 >= w && x1 >= w) || (y0 >= h && y1 >= h)) return;
    var inside = x0 >= 0 && x1 >= 0 && y0 >= 0 && y1 >= 0 && x0 < w && x1 < w && y0 < h && y1 < h;
    var dx = Math.abs(x1 - x0), dy = -Math.abs(y1 - y0);
    var sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? w : -w;
    var err = dx + dy, u32 = p.u32;
    // Walks the line by its offset in the image; only a line partly out
    // of the image checks each pixel.
    var at = y0 * w + x0, x = x0, y = y0;
    for (;;) {
      if (inside || (x >= 0 && y >= 0 && x < w && y < h)) u32[at] = colour;
      if (x === x1 && y === y1) return;
      var e2 = 2 * err;
      if (e2 >= dy) { err += dy; at += sx; x += sx; }
      if (e2 <= dx) { err += dx; at += sy; y += sy > 0 ? 1 : -1; }
    }
  }

  // Edge e through the end points of its segments.
  function pixelEdge(p, e, colour, s, ox, oy) {
    var at = edgeStart[e], end = at + 2 * edgeLength[e];
    var x = coords[at] * s + ox, y = coords[at + 1] * s + oy;
    for (at += 6; at < end; at += 6) {
      var nx = coords[at] * s + ox, ny = coords[at + 1] * s + oy;
      pixelLine(p, x, y, nx, ny, colour);
      x = nx;
      y = ny;
    }
  }

  // Node n's box, at least a pixel tall and wide, `pad` pixels larger all round.
  function pixelBox(p, n, colour, pad, s, ox, oy) {
    var x0 = Math.round(bx[n] * s + ox) - pad, y0 = Math.round(by[n] * s + oy) - pad;
    var x1 = Math.max(x0 + 1 + 2 * pad, Math.round((bx[n] + bw[n]) * s + ox) + pad);
    var y1 = Math.max(y0 + 1 + 2 * pad, Math.round((by[n] + bh[n]) * s + oy) + pad);
    x0 = Math.max(0, x0); y0 = Math.max(0, y0);
    x1 = Math.min(p.w, x1); y1 = Math.min(p.h, y1);
    for (var y = y0; y < y1; y++) p.u32.fill(colour, y * p.w + x0, y * p.w + x1);
  }

  // Fills the image with `background`, draws `edges` (all in view) in one
  // colour, then each layer's nodes (in view) in `layer.colour(n)` and
  // `layer.pad` pixels larger; then puts the image up.
  function pixelPaint(ctx, background, edges, edgeColour, layers) {
    var p = pixelsOf(ctx);
    var s = screen.dpr * view.k, ox = screen.dpr * view.x, oy = screen.dpr * view.y;
    p.u32.fill(background);
    for (var j = 0; j < edges.length; j++) pixelEdge(p, edges[j], edgeColour, s, ox, oy);
    layers.forEach(function (layer) {
      for (var m = 0; m < layer.nodes.length; m++) {
        var n = layer.nodes[m];
        pixelBox(p, n, layer.colour(n), layer.pad, s, ox, oy);
      }
    });
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.putImageData(p.image, 0, 0);
  }

  function visibleEdges(list, v) {
    var kept = [];
    for (var j = 0; j < list.length; j++) if (edgeVisible(list[j], v)) kept.push(list[j]);
    return kept;
  }

  function borderOf(n) { return PX_BORDERS[kindOf[n]]; }
  function roleOf(n) { return PX_ROLES[roles[n]]; }
  function matchColour() { return PX_MATCH; }
  function accentColour() { return PX_ACCENT; }

  function drawBasePixels(v) {
    pixelPaint(baseCtx, 0, visibleEdges(allEdges, v), PX_EDGE,
      [{ nodes: inView(allNodes, v), colour: borderOf, pad: 0 }]);
  }

  function drawOverlayPixels(v, focus, searching) {
    var layers = [];
    if (focus) {
      var shown = inView(litNodes, v);
      layers.push({ nodes: shown, colour: roleOf, pad: 1 });
      if (selected >= 0 && nodeVisible(selected, v)) {
        layers.push({ nodes: [selected], colour: accentColour, pad: 2 });
      }
    }
    if (searching) layers.push({ nodes: inView(matches, v), colour: matchColour, pad: 1 });
    if (hovered >= 0 && nodeVisible(hovered, v)) {
      layers.push({ nodes: [hovered], colour: accentColour, pad: 1 });
    }
    if (!focus && !searching && !layers.length) return;
    pixelPaint(overlayCtx, focus ? PX_VEIL_FOCUS : searching ? PX_VEIL_SEARCH : 0,
      focus ? visibleEdges(litEdges, v) : [], PX_ACCENT, layers);
  }

  // The whole graph as it looks with nothing selected.
  function drawBase() {
    startDrawing(baseCtx);
    var v = visibleRect();
    if (pixelMode()) {
      drawBasePixels(v);
      return;
    }
    toGraph(baseCtx);
    paintEdges(baseCtx, allEdges, v, EDGE_COLOUR, Math.max(1.4, 0.5 / view.k));
    paintNodes(baseCtx, inView(allNodes, v));
  }

  // On top: the rest of the graph faded, then the lineage of the selection,
  // the search matches and the node under the pointer at full strength.
  function drawOverlay() {
    startDrawing(overlayCtx);
    var focus = selected >= 0, searching = searchQuery !== '';
    if (pixelMode()) {
      drawOverlayPixels(visibleRect(), focus, searching);
      return;
    }
    if (focus || searching) {
      overlayCtx.fillStyle = focus ? 'rgba(255,255,255,0.72)' : 'rgba(255,255,255,0.62)';
      overlayCtx.fillRect(0, 0, overlay.width, overlay.height);
    }
    toGraph(overlayCtx);
    var v = visibleRect();
    if (focus) {
      paintEdges(overlayCtx, litEdges, v, ACCENT, lineWidth(2));
      var shown = inView(litNodes, v);
      paintNodes(overlayCtx, shown);
      var byRole = [[], [], [], []];
      shown.forEach(function (n) { byRole[roles[n]].push(n); });
      ringNodes(overlayCtx, byRole[ROLE_UP], UP, 2);
      ringNodes(overlayCtx, byRole[ROLE_DOWN], DOWN, 2);
      ringNodes(overlayCtx, byRole[ROLE_SELECTED], ACCENT, 3.5);
    }
    if (searching) {
      var found = inView(matches, v);
      paintNodes(overlayCtx, found);
      ringNodes(overlayCtx, found, MATCH, 3);
    }
    if (hovered >= 0 && nodeVisible(hovered, v)) ringNodes(overlayCtx, [hovered], ACCENT, 1.2);
  }

  // ---- Pointer: zoom, pan, hover and click --------------------------------

  // The node under a pointer event, allowing a few pixels when zoomed out.
  function nodeAtEvent(event) {
    var r = pane.getBoundingClientRect();
    var gx = (event.clientX - r.left - view.x) / view.k;
    var gy = (event.clientY - r.top - view.y) / view.k;
    return nodeNear(gx, gy, view.k < 0.5 ? 4 / view.k : 0);
  }

  canvas.addEventListener('wheel', function (event) {
    event.preventDefault();
    var r = pane.getBoundingClientRect();
    var mx = event.clientX - r.left, my = event.clientY - r.top;
    var step = event.deltaMode === 1 ? 0.05 : event.deltaMode === 2 ? 1 : 0.0015;
    var k = clampZoom(view.k * Math.exp(-event.deltaY * step));
    view.x = mx - (mx - view.x) * (k / view.k);
    view.y = my - (my - view.y) * (k / view.k);
    view.k = k;
    fitted = false;
    viewMoved();
  }, { passive: false });

  var drag = null;
  var hovered = -1;

  function setHover(n) {
    if (n === hovered) return;
    hovered = n;
    canvas.classList.toggle('over-node', n >= 0);
    canvas.title = n >= 0 ? nodes[n].name + ' (' + nodes[n].kind + ')' : '';
    requestDraw(false);
  }

  canvas.addEventListener('pointerdown', function (event) {
    if (event.button !== 0) return;
    drag = {
      id: event.pointerId, x: event.clientX, y: event.clientY,
      vx: view.x, vy: view.y, moved: false, node: nodeAtEvent(event)
    };
  });
  canvas.addEventListener('pointermove', function (event) {
    if (!drag || drag.id !== event.pointerId) {
      if (!drag) setHover(nodeAtEvent(event));
      return;
    }
    var dx = event.clientX - drag.x, dy = event.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) > 4) {
      drag.moved = true;
      canvas.classList.add('dragging');
      try { canvas.setPointerCapture(event.pointerId); } catch (e) { /* already released */ }
    }
    if (drag.moved) {
      fitted = false;
      view.x = drag.vx + dx;
      view.y = drag.vy + dy;
      viewMoved();
    }
  });
  canvas.addEventListener('pointerleave', function () { if (!drag) setHover(-1); });
  function endDrag(event) {
    if (!drag || drag.id !== event.pointerId) return;
    var finished = drag;
    drag = null;
    canvas.classList.remove('dragging');
    if (finished.moved) requestDraw(true);
    if (finished.moved || event.type === 'pointercancel') return;
    if (finished.node >= 0) select(finished.node, false, true);
    else deselect(true);
  }
  canvas.addEventListener('pointerup', endDrag);
  canvas.addEventListener('pointercancel', endDrag);
  $('fit').addEventListener('click', fit);
  window.addEventListener('resize', function () {
    sizeCanvases();
    if (fitted) fit(); else requestDraw(true);
    renderIndexSoon();
  });

  // ---- Lineage: everything upstream and downstream of the selection --------

  var roles = new Uint8Array(count);
  var litNodes = [];
  var litEdges = [];

  function clearHighlight() {
    for (var j = 0; j < litNodes.length; j++) roles[litNodes[j]] = NONE;
    litNodes = [];
    litEdges = [];
  }

  // Every node reachable from `start` through `next`, `start` included.
  function closure(start, next) {
    var seen = new Uint8Array(count);
    seen[start] = 1;
    var found = [start];
    for (var at = 0; at < found.length; at++) {
      var around = next[found[at]];
      for (var j = 0; j < around.length; j++) {
        if (!seen[around[j]]) { seen[around[j]] = 1; found.push(around[j]); }
      }
    }
    return { list: found, has: seen };
  }

  // The edges between two members of `set`.
  function edgesWithin(set) {
    for (var j = 0; j < set.list.length; j++) {
      var out = outEdges[set.list[j]];
      for (var o = 0; o < out.length; o++) {
        if (set.has[edgeTo[out[o]]]) litEdges.push(out[o]);
      }
    }
  }

  function highlight(index) {
    clearHighlight();
    var up = closure(index, parents);
    var down = closure(index, children);
    up.list.forEach(function (v) { roles[v] = ROLE_UP; });
    down.list.forEach(function (v) { roles[v] = ROLE_DOWN; });
    roles[index] = ROLE_SELECTED;
    for (var v = 0; v < up.list.length; v++) litNodes.push(up.list[v]);
    for (v = 1; v < down.list.length; v++) if (!up.has[down.list[v]]) litNodes.push(down.list[v]);
    edgesWithin(up);
    edgesWithin(down);
    requestDraw(false);
  }

  // ---- The panel ---------------------------------------------------------

  var indexView = $('index-view');
  var nodeView = $('node-view');
  var panel = $('panel');
  var tabs = Array.prototype.slice.call(document.querySelectorAll('.tabs [role=tab]'));

  function hashFor(index) { return '#node=' + encodeURIComponent(nodes[index].name); }

  function nodeLink(index) {
    var a = el('a', 'node-link');
    a.href = hashFor(index);
    a.appendChild(el('i', 'dot ' + kindClass(nodes[index].kind)));
    a.appendChild(el('span', 'name', nodes[index].name));
    var detail = nodes[index].materialization || nodes[index].kind;
    a.appendChild(el('span', 'muted', detail));
    return a;
  }

  // ---- The index: one group per kind, rows made only where scrolled to ----

  // Height of one row of the index, as the style sheet sets it.
  var ROW = 28;
  // Rows made beyond each edge of the panel.
  var OVERSCAN = 30;
  var groups = [];

  function buildIndex() {
    var byKind = new Map();
    for (var j = 0; j < count; j++) {
      var kind = nodes[j].kind;
      if (!byKind.has(kind)) byKind.set(kind, []);
      byKind.get(kind).push(j);
    }
    var order = KINDS.filter(function (k) { return byKind.has(k); });
    Array.from(byKind.keys()).sort().forEach(function (k) {
      if (order.indexOf(k) < 0) order.push(k);
    });
    var fragment = document.createDocumentFragment();
    order.forEach(function (kind) {
      var members = byKind.get(kind).sort(byNodeName);
      var details = el('details', 'group');
      details.open = true;
      var summary = el('summary', null, KIND_TITLES[kind] || kind);
      var badge = el('span', 'count', String(members.length));
      summary.appendChild(badge);
      details.appendChild(summary);
      var list = el('ul', 'index-list');
      details.appendChild(list);
      details.addEventListener('toggle', renderIndexSoon);
      fragment.appendChild(details);
      var group = { members: members, shown: members, details: details, list: list,
        badge: badge, from: 0, to: 0 };
      groups.push(group);
      sizeGroup(group);
    });
    if (!count) fragment.appendChild(el('p', 'muted', 'This project has no nodes yet.'));
    $('index').appendChild(fragment);
  }

  function sizeGroup(group) {
    group.list.style.height = group.shown.length * ROW + 'px';
    group.from = group.to = 0;
    group.list.replaceChildren();
  }

  // Makes the rows of `group` that are in view (or nearly) in a panel
  // whose top and height are given, if they changed; with no panel (the
  // index is not shown), the first rows.
  function renderGroup(group, top, height) {
    if (!group.details.open || group.details.hidden) return;
    var from = 0, to = Math.min(group.shown.length, 2 * OVERSCAN);
    if (height !== undefined) {
      var listTop = group.list.getBoundingClientRect().top - top;
      from = Math.max(0, Math.floor(-listTop / ROW) - OVERSCAN);
      to = Math.min(group.shown.length, Math.ceil((height - listTop) / ROW) + OVERSCAN);
      if (to < from) to = from;
    }
    if (from === group.from && to === group.to) return;
    group.from = from;
    group.to = to;
    var fragment = document.createDocumentFragment();
    for (var j = from; j < to; j++) {
      var li = el('li');
      li.style.top = j * ROW + 'px';
      var link = nodeLink(group.shown[j]);
      link.title = nodes[group.shown[j]].name;
      li.appendChild(link);
      fragment.appendChild(li);
    }
    group.list.replaceChildren(fragment);
  }

  function renderIndex() {
    var r = indexView.hidden ? {} : panel.getBoundingClientRect();
    groups.forEach(function (group) { renderGroup(group, r.top, r.height); });
  }

  var indexFrame = false;
  function renderIndexSoon() {
    if (indexFrame) return;
    indexFrame = true;
    requestAnimationFrame(function () {
      indexFrame = false;
      renderIndex();
    });
  }
  panel.addEventListener('scroll', renderIndexSoon, { passive: true });

  // Shows only the rows of matching nodes (all of them when `hits` is null).
  function filterIndex(hits) {
    groups.forEach(function (group) {
      group.shown = hits ? group.members.filter(function (m) { return hits[m]; }) : group.members;
      group.details.hidden = hits !== null && group.shown.length === 0;
      group.badge.textContent = String(group.shown.length);
      sizeGroup(group);
    });
    renderIndex();
  }

  function setText(id, text, fallback) {
    var target = $(id);
    var empty = text === null || text === undefined || text === '';
    target.textContent = empty ? (fallback || '') : text;
    target.classList.toggle('missing', empty);
  }

  function showTab(id) {
    tabs.forEach(function (tab) {
      var on = tab.getAttribute('data-tab') === id;
      tab.setAttribute('aria-selected', on ? 'true' : 'false');
      $(tab.getAttribute('data-tab')).hidden = !on;
    });
  }

  function fillRelatives(listId, countId, members) {
    var list = $(listId);
    list.replaceChildren();
    $(countId).textContent = String(members.length);
    if (!members.length) list.appendChild(el('li', 'muted', 'None'));
    members.forEach(function (m) {
      var li = el('li');
      li.appendChild(nodeLink(m));
      list.appendChild(li);
    });
  }

  // One row per column (name, type, tests) and, under it, its description
  // across the whole width: the panel is too narrow for four columns.
  function fillColumns(columns) {
    var body = $('columns').tBodies[0];
    body.replaceChildren();
    if (!columns.length) {
      var row = el('tr', 'empty');
      var cell = el('td', 'muted', 'No documented columns.');
      cell.colSpan = 3;
      row.appendChild(cell);
      body.appendChild(row);
      return;
    }
    columns.forEach(function (column) {
      var row = el('tr', 'column');
      row.appendChild(el('td', 'column-name', column.name));
      row.appendChild(el('td', 'column-type', column.data_type || ''));
      var tests = el('td', 'column-tests');
      column.tests.forEach(function (test) { tests.appendChild(el('span', 'chip', test)); });
      row.appendChild(tests);
      body.appendChild(row);
      if (column.description) {
        row.classList.add('described');
        var detail = el('tr', 'column-detail');
        var text = el('td', 'column-description', column.description);
        text.colSpan = 3;
        detail.appendChild(text);
        body.appendChild(detail);
      }
    });
  }

  function showNode(index) {
    var node = nodes[index];
    indexView.hidden = true;
    nodeView.hidden = false;
    setText('node-name', node.name);
    var kind = $('node-kind');
    kind.textContent = node.kind;
    kind.className = 'badge ' + kindClass(node.kind);
    var materialization = $('node-materialization');
    materialization.textContent = node.materialization || '';
    materialization.hidden = !node.materialization;
    setText('node-relation', node.relation, 'none');
    setText('node-path', node.path, 'unknown');
    setText('node-description', node.description, 'No description.');
    var tags = $('node-tags');
    tags.replaceChildren();
    node.tags.forEach(function (tag) { tags.appendChild(el('span', 'chip tag', tag)); });
    fillColumns(node.columns);
    $('compiled-sql').textContent = node.compiled_sql || '';
    $('raw-sql').textContent = node.raw_sql || '';
    showTab(node.compiled_sql || !node.raw_sql ? 'compiled-sql' : 'raw-sql');
    fillRelatives('parents', 'parent-count', parents[index]);
    fillRelatives('children', 'child-count', children[index]);
    panel.scrollTop = 0;
  }

  function showIndex() {
    nodeView.hidden = true;
    indexView.hidden = false;
    renderIndex();
  }

  // ---- Selection and the URL hash ----------------------------------------

  var selected = -1;

  function setHash(hash) {
    if (location.hash === hash || (!hash && !location.hash)) return;
    try {
      history.pushState(null, '', hash || location.pathname + location.search);
    } catch (e) {
      // Some browsers refuse history changes on file:// pages; the page still works.
    }
  }

  function select(index, centre, updateHash) {
    if (index < 0 || index >= count) return;
    selected = index;
    highlight(index);
    showNode(index);
    if (centre) centreOn(index);
    if (updateHash) setHash(hashFor(index));
  }

  function deselect(updateHash) {
    selected = -1;
    clearHighlight();
    requestDraw(false);
    showIndex();
    if (updateHash) setHash('');
  }

  function nodeFromHash() {
    var hash = location.hash;
    if (hash.indexOf('#node=') !== 0) return -1;
    var name;
    try { name = decodeURIComponent(hash.slice(6)); } catch (e) { return -1; }
    return indexOf.has(name) ? indexOf.get(name) : -1;
  }

  function followHash() {
    var index = nodeFromHash();
    if (index >= 0) {
      if (index !== selected) select(index, true, false);
    } else if (selected >= 0) {
      deselect(false);
    }
  }

  window.addEventListener('hashchange', followHash);
  window.addEventListener('popstate', followHash);
  $('back').addEventListener('click', function () { deselect(true); });
  tabs.forEach(function (tab) {
    tab.addEventListener('click', function () { showTab(tab.getAttribute('data-tab')); });
  });

  // ---- Search --------------------------------------------------------------

  var search = $('search');
  var searchCount = $('search-count');
  var matches = [];
  var searchQuery = '';

  function runSearch() {
    var query = search.value.trim().toLowerCase();
    if (query === searchQuery) return;
    searchQuery = query;
    matches = [];
    var hits = null;
    if (query) {
      hits = new Uint8Array(count);
      for (var j = 0; j < count; j++) {
        if (lowerNames[j].indexOf(query) >= 0) { matches.push(j); hits[j] = 1; }
      }
    }
    filterIndex(hits);
    searchCount.textContent = query
      ? matches.length + (matches.length === 1 ? ' match' : ' matches')
      : '';
    requestDraw(false);
  }

  // Exact name first, then names starting with the query, then the rest.
  function bestMatch() {
    var query = searchQuery;
    var best = -1, bestRank = 3;
    matches.forEach(function (m) {
      var r = lowerNames[m] === query ? 0 : lowerNames[m].indexOf(query) === 0 ? 1 : 2;
      if (r < bestRank || (r === bestRank && byNodeName(m, best) < 0)) {
        best = m;
        bestRank = r;
      }
    });
    return best;
  }

  search.addEventListener('input', runSearch);
  search.addEventListener('keydown', function (event) {
    if (event.key === 'Enter') {
      event.preventDefault();
      runSearch();
      var best = bestMatch();
      if (best >= 0) select(best, true, true);
    } else if (event.key === 'Escape') {
      search.value = '';
      runSearch();
      search.blur();
    }
  });

  document.addEventListener('keydown', function (event) {
    var typing = event.target instanceof HTMLInputElement;
    if (event.key === '/' && !typing) {
      event.preventDefault();
      search.focus();
      search.select();
    } else if (event.key === 'Escape' && !typing && selected >= 0) {
      deselect(true);
    }
  });

  // ---- For scripts driving the page (the browser tests) ------------------

  // Read-only: where a node is on screen, what is highlighted and matched,
  // and the current view.
  window.jgtDocs = Object.freeze({
    names: function () { return nodes.map(function (n) { return n.name; }); },
    nodeRect: function (name) {
      var n = indexOf.has(name) ? indexOf.get(name) : -1;
      if (n < 0) return null;
      var r = pane.getBoundingClientRect();
      return {
        x: r.left + view.x + bx[n] * view.k, y: r.top + view.y + by[n] * view.k,
        width: bw[n] * view.k, height: bh[n] * view.k
      };
    },
    selected: function () { return selected >= 0 ? nodes[selected].name : null; },
    lineage: function () {
      var out = {};
      litNodes.forEach(function (n) { out[nodes[n].name] = ROLE_NAMES[roles[n]]; });
      return out;
    },
    litEdges: function () { return litEdges.length; },
    edges: function () { return edgeCount; },
    matches: function () { return matches.map(function (n) { return nodes[n].name; }); },
    view: function () { return view.x + ',' + view.y + ',' + view.k; }
  });

  // ---- Start ---------------------------------------------------------------

  buildIndex();
  sizeCanvases();
  fit();
  renderIndex();
  followHash();
  drawNow();
})();
