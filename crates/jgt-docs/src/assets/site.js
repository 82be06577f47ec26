// jgt docs: zoom, pan, search, lineage highlighting and the node panel.
// Reads the graph from #jgt-data; every piece of text it puts on the page
// goes through textContent.
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('jgt-data').textContent);
  var nodes = data.graph.nodes;
  var boxes = data.boxes;
  var count = nodes.length;
  var KINDS = ['seed', 'source', 'model', 'test'];
  var KIND_TITLES = { seed: 'Seeds', source: 'Sources', model: 'Models', test: 'Tests' };
  var MIN_ZOOM = 0.01;
  var MAX_ZOOM = 4;

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

  // Names sort as people read them: model_2 before model_10.
  var collator = new Intl.Collator('en', { numeric: true });
  function byNodeName(a, b) {
    return collator.compare(nodes[a].name, nodes[b].name) || a - b;
  }

  // ---- The graph's structure -------------------------------------------

  var indexOf = new Map();
  var lowerNames = new Array(count);
  var parents = [];
  var children = [];
  for (var i = 0; i < count; i++) {
    indexOf.set(nodes[i].name, i);
    lowerNames[i] = nodes[i].name.toLowerCase();
    parents.push([]);
    children.push([]);
  }
  var seenEdges = new Set();
  data.graph.edges.forEach(function (edge) {
    var from = edge[0], to = edge[1];
    var key = from + ',' + to;
    if (from >= count || to >= count || from === to || seenEdges.has(key)) return;
    seenEdges.add(key);
    parents[to].push(from);
    children[from].push(to);
  });
  parents.forEach(function (list) { list.sort(byNodeName); });
  children.forEach(function (list) { list.sort(byNodeName); });

  // ---- The drawing ------------------------------------------------------

  var pane = $('graph');
  var svg = pane.querySelector('svg');
  var viewport = $('jgt-viewport');
  svg.removeAttribute('viewBox');
  svg.removeAttribute('width');
  svg.removeAttribute('height');

  var nodeEls = new Array(count);
  svg.querySelectorAll('g.node').forEach(function (g) {
    nodeEls[Number(g.getAttribute('data-index'))] = g;
  });
  var outEdges = [];
  for (i = 0; i < count; i++) outEdges.push([]);
  svg.querySelectorAll('path.edge').forEach(function (path) {
    var from = Number(path.getAttribute('data-from'));
    var to = Number(path.getAttribute('data-to'));
    if (from < count && to < count) outEdges[from].push([path, to]);
  });

  // ---- Zoom and pan: one transform on one group -------------------------

  var view = { x: 0, y: 0, k: 1 };
  var frameRequested = false;
  // Whether the view is still the one Fit chose; if so a resize refits.
  var fitted = false;

  function applyView() {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(function () {
      frameRequested = false;
      viewport.setAttribute('transform',
        'translate(' + view.x + ',' + view.y + ') scale(' + view.k + ')');
    });
  }

  function clampZoom(k) { return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, k)); }

  function fit() {
    var r = svg.getBoundingClientRect();
    if (!r.width || !r.height || !data.width || !data.height) return;
    var k = clampZoom(Math.min(r.width / data.width, r.height / data.height, 1.5) * 0.96);
    view.k = k;
    view.x = (r.width - data.width * k) / 2;
    view.y = (r.height - data.height * k) / 2;
    fitted = true;
    applyView();
  }

  function centreOn(index) {
    var r = svg.getBoundingClientRect();
    var b = boxes[index];
    if (!b) return;
    view.k = Math.max(view.k, 0.9);
    fitted = false;
    view.x = r.width / 2 - (b[0] + b[2] / 2) * view.k;
    view.y = r.height / 2 - (b[1] + b[3] / 2) * view.k;
    applyView();
  }

  svg.addEventListener('wheel', function (event) {
    event.preventDefault();
    var r = svg.getBoundingClientRect();
    var mx = event.clientX - r.left, my = event.clientY - r.top;
    var step = event.deltaMode === 1 ? 0.05 : event.deltaMode === 2 ? 1 : 0.0015;
    var k = clampZoom(view.k * Math.exp(-event.deltaY * step));
    view.x = mx - (mx - view.x) * (k / view.k);
    view.y = my - (my - view.y) * (k / view.k);
    view.k = k;
    fitted = false;
    applyView();
  }, { passive: false });

  var drag = null;
  svg.addEventListener('pointerdown', function (event) {
    if (event.button !== 0) return;
    var target = event.target.closest ? event.target.closest('g.node') : null;
    drag = {
      id: event.pointerId, x: event.clientX, y: event.clientY,
      vx: view.x, vy: view.y, moved: false, node: target
    };
  });
  svg.addEventListener('pointermove', function (event) {
    if (!drag || drag.id !== event.pointerId) return;
    var dx = event.clientX - drag.x, dy = event.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) > 4) {
      drag.moved = true;
      svg.classList.add('dragging');
      try { svg.setPointerCapture(event.pointerId); } catch (e) { /* already released */ }
    }
    if (drag.moved) {
      fitted = false;
      view.x = drag.vx + dx;
      view.y = drag.vy + dy;
      applyView();
    }
  });
  function endDrag(event) {
    if (!drag || drag.id !== event.pointerId) return;
    var finished = drag;
    drag = null;
    svg.classList.remove('dragging');
    if (finished.moved || event.type === 'pointercancel') return;
    if (finished.node) {
      select(Number(finished.node.getAttribute('data-index')), false, true);
    } else {
      deselect(true);
    }
  }
  svg.addEventListener('pointerup', endDrag);
  svg.addEventListener('pointercancel', endDrag);
  $('fit').addEventListener('click', fit);
  window.addEventListener('resize', function () { if (fitted) fit(); });

  // ---- Lineage highlighting: classes on the few elements concerned -------

  var lit = [];

  function mark(element, role) {
    if (!element) return;
    element.classList.add('hl', role);
    lit.push(element);
  }

  // Keeping the focus class between two selections spares the browser a
  // restyle of every node.
  function clearHighlight(keepFocus) {
    for (var j = 0; j < lit.length; j++) lit[j].classList.remove('hl', 'up', 'down', 'selected');
    lit = [];
    if (!keepFocus) svg.classList.remove('focus');
  }

  function closure(start, next) {
    var seen = new Set([start]);
    var stack = [start];
    while (stack.length) {
      var v = stack.pop();
      var around = next[v];
      for (var j = 0; j < around.length; j++) {
        if (!seen.has(around[j])) { seen.add(around[j]); stack.push(around[j]); }
      }
    }
    return seen;
  }

  function markEdges(set, role) {
    set.forEach(function (u) {
      outEdges[u].forEach(function (pair) { if (set.has(pair[1])) mark(pair[0], role); });
    });
  }

  function highlight(index) {
    clearHighlight(true);
    var up = closure(index, parents);
    var down = closure(index, children);
    up.forEach(function (v) { if (v !== index) mark(nodeEls[v], 'up'); });
    down.forEach(function (v) { if (v !== index) mark(nodeEls[v], 'down'); });
    markEdges(up, 'up');
    markEdges(down, 'down');
    mark(nodeEls[index], 'selected');
    svg.classList.add('focus');
  }

  // ---- The panel ---------------------------------------------------------

  var indexView = $('index-view');
  var nodeView = $('node-view');
  var panel = $('panel');
  var tabs = Array.prototype.slice.call(document.querySelectorAll('.tabs [role=tab]'));
  var indexItems = new Array(count);

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

  function buildIndex() {
    var groups = new Map();
    for (var j = 0; j < count; j++) {
      var kind = nodes[j].kind;
      if (!groups.has(kind)) groups.set(kind, []);
      groups.get(kind).push(j);
    }
    var order = KINDS.filter(function (k) { return groups.has(k); });
    Array.from(groups.keys()).sort().forEach(function (k) {
      if (order.indexOf(k) < 0) order.push(k);
    });
    var fragment = document.createDocumentFragment();
    order.forEach(function (kind) {
      var members = groups.get(kind).sort(byNodeName);
      var details = el('details', 'group');
      details.open = true;
      var summary = el('summary', null, KIND_TITLES[kind] || kind);
      summary.appendChild(el('span', 'count', String(members.length)));
      details.appendChild(summary);
      var list = el('ul', 'index-list');
      members.forEach(function (m) {
        var li = el('li');
        li.appendChild(nodeLink(m));
        indexItems[m] = li;
        list.appendChild(li);
      });
      details.appendChild(list);
      fragment.appendChild(details);
    });
    if (!count) fragment.appendChild(el('p', 'muted', 'This project has no nodes yet.'));
    $('index').appendChild(fragment);
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
    clearHighlight(false);
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

  function runSearch() {
    for (var j = 0; j < matches.length; j++) {
      if (nodeEls[matches[j]]) nodeEls[matches[j]].classList.remove('match');
    }
    matches = [];
    var query = search.value.trim().toLowerCase();
    for (j = 0; j < count; j++) {
      var hit = !query || lowerNames[j].indexOf(query) >= 0;
      if (query && hit) {
        matches.push(j);
        if (nodeEls[j]) nodeEls[j].classList.add('match');
      }
      if (indexItems[j]) indexItems[j].hidden = !hit;
    }
    svg.classList.toggle('searching', query.length > 0);
    searchCount.textContent = query
      ? matches.length + (matches.length === 1 ? ' match' : ' matches')
      : '';
  }

  // Exact name first, then names starting with the query, then the rest.
  function bestMatch() {
    var query = search.value.trim().toLowerCase();
    var best = -1, bestRank = 3;
    matches.forEach(function (m) {
      var rank = lowerNames[m] === query ? 0 : lowerNames[m].indexOf(query) === 0 ? 1 : 2;
      if (rank < bestRank || (rank === bestRank && byNodeName(m, best) < 0)) {
        best = m;
        bestRank = rank;
      }
    });
    return best;
  }

  search.addEventListener('input', runSearch);
  search.addEventListener('keydown', function (event) {
    if (event.key === 'Enter') {
      event.preventDefault();
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

  // ---- Start ---------------------------------------------------------------

  buildIndex();
  fit();
  viewport.setAttribute('transform',
    'translate(' + view.x + ',' + view.y + ') scale(' + view.k + ')');
  followHash();
})();
