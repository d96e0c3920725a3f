/**
 * The lineage as one self-contained HTML page: inline CSS, inline SVG and a little inline script
 * (the whole graph fitted to the window; zoom with the wheel or the buttons, pan by dragging;
 * a search box that lights up and zooms to matching boxes; hover highlighting); nothing is loaded
 * from anywhere, so it opens offline and can be attached to a review or a ticket as is.
 */
import { layoutLineage, LineageLayout, TEXT, textWidth } from './layout';
import { toMermaid, KIND_COLOURS } from './mermaid';
import { countsByKind, KIND_NAMES, LineageGraph, LineageKind, LINEAGE_KINDS } from './model';

/** Text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Corner radius by kind (streams are pills, topics and tables square-ish, queries rounded). */
function radius(kind: LineageKind, height: number): number {
  switch (kind) {
    case 'stream':
      return height / 2;
    case 'query':
      return 10;
    case 'database':
    case 'external':
      return 12;
    case 'topic':
    case 'table':
      return 2;
    default:
      return 6;
  }
}

function plural(count: number, kind: LineageKind): string {
  return `${count} ${count === 1 ? KIND_NAMES[kind].one : KIND_NAMES[kind].many}`;
}

/** `26 nodes and 25 edges: 1 database, 1 source connector, ...`. */
function summaryText(graph: LineageGraph): string {
  const parts = countsByKind(graph).map((c) => plural(c.count, c.kind));
  return `${graph.nodes.length} nodes and ${graph.edges.length} edges: ${parts.join(', ')}`;
}

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 20px 24px 32px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #212121; background: #fafafa; }
h1 { font-size: 20px; margin: 0 0 4px; font-weight: 600; }
h1 code { font-size: 19px; }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.summary { margin: 0 0 12px; color: #424242; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 14px; margin: 0 0 14px; padding: 0; list-style: none; font-size: 13px; }
.legend li { display: flex; align-items: center; gap: 6px; }
.legend .swatch { display: inline-block; width: 22px; height: 14px; border: 1.5px solid; border-radius: 3px; }
.legend .count { color: #757575; }
.toolbar { display: flex; align-items: center; gap: 8px; margin: 0 0 8px; font-size: 13px; }
.toolbar input { font: inherit; padding: 4px 8px; width: 260px; border: 1px solid #bdbdbd; border-radius: 4px; }
.toolbar button { font: inherit; padding: 3px 10px; border: 1px solid #bdbdbd; border-radius: 4px; background: #fff; cursor: pointer; }
.toolbar .found { color: #757575; }
.toolbar .counts { margin-left: auto; color: #757575; }
.canvas { position: relative; width: 100%; height: calc(100vh - 190px); min-height: 360px; background: #fff; border: 1px solid #e0e0e0; border-radius: 6px; overflow: hidden; cursor: grab; touch-action: none; }
.canvas.dragging { cursor: grabbing; }
svg { display: block; }
svg.lineage { width: 100%; height: 100%; }
svg text { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
.node rect { stroke-width: 1.6; }
.node .label { font-size: ${TEXT.labelSize}px; font-weight: 600; fill: #212121; }
.node .detail { font-size: ${TEXT.detailSize}px; fill: #616161; }
.node { cursor: default; }
.edge path { fill: none; stroke: #9e9e9e; stroke-width: 1.4; }
.edge.back path { stroke-dasharray: 5 4; }
.edge text { font-size: ${TEXT.edgeSize}px; fill: #616161; }
.edge .label-bg { fill: #fff; fill-opacity: 0.92; }
svg.focus .node, svg.focus .edge { opacity: 0.22; }
svg.focus .node.on, svg.focus .edge.on { opacity: 1; }
svg.focus .edge.on path { stroke: #37474f; stroke-width: 2; }
svg.searching .node:not(.match) { opacity: 0.18; }
svg.searching .edge { opacity: 0.18; }
svg .node.match rect { stroke: #d81b60; stroke-width: 3; }
details { margin-top: 16px; }
summary { cursor: pointer; color: #424242; }
pre { background: #fff; border: 1px solid #e0e0e0; border-radius: 6px; padding: 10px 12px; overflow: auto; font-size: 12px; }
.hint { color: #757575; font-size: 12px; margin: 6px 0 0; }
`;

/**
 * Hover a node: it, its upstream and its downstream stay lit. The view box starts as the whole
 * graph (fitted to the window by the browser); the wheel zooms around the pointer, dragging pans,
 * Fit returns to the whole graph; the search box lights up matching boxes and zooms to them.
 */
const SCRIPT = `
(function () {
  var svg = document.querySelector('svg.lineage');
  if (!svg) return;
  var canvas = svg.parentNode;
  var full = svg.viewBox.baseVal;
  var whole = { x: full.x, y: full.y, w: full.width, h: full.height };
  var view = { x: whole.x, y: whole.y, w: whole.w, h: whole.h };
  function apply() { svg.setAttribute('viewBox', view.x + ' ' + view.y + ' ' + view.w + ' ' + view.h); }
  function fit(box) {
    var pad = 24;
    view = { x: box.x - pad, y: box.y - pad, w: box.w + 2 * pad, h: box.h + 2 * pad };
    apply();
  }
  // the point of the graph under a point of the screen (the browser letterboxes the view box)
  function toGraph(clientX, clientY) {
    var p = svg.createSVGPoint(); p.x = clientX; p.y = clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  }
  function zoom(factor, clientX, clientY) {
    var at = toGraph(clientX, clientY);
    var w = Math.min(whole.w * 4, Math.max(whole.w / 40, view.w * factor));
    var f = w / view.w;
    view = { x: at.x - (at.x - view.x) * f, y: at.y - (at.y - view.y) * f, w: view.w * f, h: view.h * f };
    apply();
  }
  canvas.addEventListener('wheel', function (e) { e.preventDefault(); zoom(e.deltaY > 0 ? 1.15 : 1 / 1.15, e.clientX, e.clientY); }, { passive: false });
  var drag = null;
  canvas.addEventListener('pointerdown', function (e) {
    drag = { at: toGraph(e.clientX, e.clientY) }; canvas.classList.add('dragging'); canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener('pointermove', function (e) {
    if (!drag) return;
    var now = toGraph(e.clientX, e.clientY);
    view.x -= now.x - drag.at.x; view.y -= now.y - drag.at.y; apply();
  });
  function endDrag() { drag = null; canvas.classList.remove('dragging'); }
  canvas.addEventListener('pointerup', endDrag);
  canvas.addEventListener('pointercancel', endDrag);
  function centre() { var r = canvas.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; }
  document.getElementById('zoom-in').addEventListener('click', function () { var c = centre(); zoom(1 / 1.4, c[0], c[1]); });
  document.getElementById('zoom-out').addEventListener('click', function () { var c = centre(); zoom(1.4, c[0], c[1]); });
  document.getElementById('fit').addEventListener('click', function () { view = { x: whole.x, y: whole.y, w: whole.w, h: whole.h }; apply(); });

  var search = document.getElementById('search');
  var found = document.getElementById('found');
  var nodes = Array.prototype.slice.call(svg.querySelectorAll('.node'));
  function matches() {
    var q = search.value.trim().toLowerCase();
    nodes.forEach(function (n) { n.classList.remove('match'); });
    if (!q) { svg.classList.remove('searching'); found.textContent = ''; return []; }
    var hit = nodes.filter(function (n) { return (n.getAttribute('data-search') || '').indexOf(q) >= 0; });
    hit.forEach(function (n) { n.classList.add('match'); });
    svg.classList.add('searching');
    found.textContent = hit.length + (hit.length === 1 ? ' match' : ' matches');
    return hit;
  }
  function zoomTo(hit) {
    if (!hit.length) return;
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    hit.forEach(function (n) { var b = n.getBBox(); x0 = Math.min(x0, b.x); y0 = Math.min(y0, b.y); x1 = Math.max(x1, b.x + b.width); y1 = Math.max(y1, b.y + b.height); });
    var w = Math.max(x1 - x0, whole.w / 6), h = Math.max(y1 - y0, whole.h / 6);
    fit({ x: (x0 + x1) / 2 - w / 2, y: (y0 + y1) / 2 - h / 2, w: w, h: h });
  }
  search.addEventListener('input', function () { matches(); });
  search.addEventListener('keydown', function (e) { if (e.key === 'Enter') zoomTo(matches()); if (e.key === 'Escape') { search.value = ''; matches(); } });

  var edges = Array.prototype.slice.call(svg.querySelectorAll('.edge'));
  function walk(start, forward) {
    var seen = {}; seen[start] = true; var todo = [start];
    while (todo.length) {
      var id = todo.pop();
      edges.forEach(function (e) {
        var a = forward ? e.getAttribute('data-from') : e.getAttribute('data-to');
        var b = forward ? e.getAttribute('data-to') : e.getAttribute('data-from');
        if (a === id) { e.classList.add('on'); if (!seen[b]) { seen[b] = true; todo.push(b); } }
      });
    }
    return seen;
  }
  nodes.forEach(function (g) {
    g.addEventListener('mouseenter', function () {
      if (drag) return;
      var id = g.getAttribute('data-node-id');
      var lit = Object.assign(walk(id, true), walk(id, false));
      nodes.forEach(function (n) { if (lit[n.getAttribute('data-node-id')]) n.classList.add('on'); });
      svg.classList.add('focus');
    });
    g.addEventListener('mouseleave', function () {
      svg.classList.remove('focus');
      svg.querySelectorAll('.on').forEach(function (n) { n.classList.remove('on'); });
    });
  });
})();
`;

const LABEL_H = TEXT.edgeSize + 4;
const labelW = (label: string) => textWidth(label, TEXT.edgeSize) + 6;
const round1 = (n: number) => Math.round(n * 10) / 10;

function svgFor(graph: LineageGraph, layout: LineageLayout): string {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const out: string[] = [];
  out.push(
    `<svg class="lineage" viewBox="0 0 ${layout.width} ${layout.height}" preserveAspectRatio="xMidYMid meet" role="img" aria-label="lineage of ${escapeHtml(graph.stack)}">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9.5" refY="5" markerWidth="9" markerHeight="8" markerUnits="userSpaceOnUse" orient="auto-start-reverse">' +
      '<path d="M0,0 L10,5 L0,10 z" fill="#757575"/></marker></defs>',
    '<g class="edges">',
  );
  for (const e of layout.edges) {
    out.push(
      `<g class="edge${e.back ? ' back' : ''}" data-from="${escapeHtml(e.from)}" data-to="${escapeHtml(e.to)}">` +
        `<path d="${e.path}" marker-end="url(#arrow)"/>` +
        (e.label
          ? `<rect class="label-bg" x="${round1(e.labelX - labelW(e.label) / 2)}" y="${round1(e.labelY - LABEL_H / 2)}" width="${round1(labelW(e.label))}" height="${LABEL_H}" rx="3"/>` +
            `<text x="${e.labelX}" y="${e.labelY}" text-anchor="middle" dominant-baseline="central">${escapeHtml(e.label)}</text>`
          : '') +
        '</g>',
    );
  }
  out.push('</g>', '<g class="nodes">');
  for (const box of layout.nodes) {
    const node = byId.get(box.id)!;
    const c = KIND_COLOURS[box.kind];
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const tooltip = [`${KIND_NAMES[box.kind].one}: ${node.label}`, node.detail, node.statement].filter((t) => t).join('\n');
    const hasDetail = box.detailShown !== '';
    out.push(
      `<g class="node" data-node-id="${escapeHtml(box.id)}" data-kind="${box.kind}" data-search="${escapeHtml([node.label, node.detail, node.id].join(' ').toLowerCase())}">` +
        `<title>${escapeHtml(tooltip)}</title>` +
        `<rect x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}" rx="${radius(box.kind, box.height)}" fill="${c.fill}" stroke="${c.stroke}"/>` +
        `<text class="label" x="${cx}" y="${cy - (hasDetail ? 7.5 : 0)}" text-anchor="middle" dominant-baseline="central">${escapeHtml(node.label)}</text>` +
        (hasDetail
          ? `<text class="detail" x="${cx}" y="${cy + 8}" text-anchor="middle" dominant-baseline="central">${escapeHtml(box.detailShown)}</text>`
          : '') +
        '</g>',
    );
  }
  out.push('</g>', '</svg>');
  return out.join('\n');
}

interface LineageHtml {
  readonly html: string;
  readonly layout: LineageLayout;
  readonly mermaid: string;
}

interface LineagePageOptions {
  /** Where the topics' message counts came from, or why there are none (shown above the graph). */
  readonly countsNote?: string;
}

/** The page, with the layout and Mermaid text it was made from. */
export function renderLineageHtml(graph: LineageGraph, options: LineagePageOptions = {}): LineageHtml {
  const layout = layoutLineage(graph);
  const mermaid = toMermaid(graph);
  const counts = new Map(countsByKind(graph).map((c) => [c.kind, c.count]));
  const legend = LINEAGE_KINDS.map((kind) => {
    const c = KIND_COLOURS[kind];
    return (
      `<li data-kind="${kind}"><span class="swatch" style="background:${c.fill};border-color:${c.stroke}"></span>` +
      `${escapeHtml(KIND_NAMES[kind].one)} <span class="count">${counts.get(kind) ?? 0}</span></li>`
    );
  }).join('\n');
  const title = `Lineage of ${graph.stack}`;
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="streamform lineage">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>Lineage of <code>${escapeHtml(graph.stack)}</code></h1>
<p class="summary" id="summary">${escapeHtml(summaryText(graph))}</p>
<ul class="legend" id="legend">
${legend}
</ul>
<div class="toolbar">
<input id="search" type="search" placeholder="search boxes (Enter zooms to them)" aria-label="search boxes" autocomplete="off">
<span class="found" id="found"></span>
<button id="zoom-in" type="button" title="zoom in">+</button>
<button id="zoom-out" type="button" title="zoom out">−</button>
<button id="fit" type="button" title="the whole graph">Fit</button>
<span class="counts" id="counts">${escapeHtml(options.countsNote ?? '')}</span>
</div>
<div class="canvas" id="canvas">
${svgFor(graph, layout)}
</div>
<p class="hint">Data flows left to right. The whole graph fits the window: the wheel or +/− zoom, dragging pans, Fit shows everything again. Hover a box to light up what feeds it and what it feeds; its tooltip shows the details and ksqlDB statement. Dashed edges go against the flow (a sink writing where a source reads).</p>
<details id="mermaid">
<summary>Mermaid text</summary>
<pre><code>${escapeHtml(mermaid)}</code></pre>
</details>
<script>${SCRIPT}</script>
</body>
</html>
`;
  return { html, layout, mermaid };
}
