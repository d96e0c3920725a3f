/**
 * The lineage as one self-contained HTML page: inline CSS, inline SVG and a few lines of inline
 * script (hover highlighting); nothing is loaded from anywhere, so it opens offline and can be
 * attached to a review or a ticket as is.
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
.canvas { display: inline-block; background: #fff; border: 1px solid #e0e0e0; border-radius: 6px; }
svg { display: block; }
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
details { margin-top: 16px; }
summary { cursor: pointer; color: #424242; }
pre { background: #fff; border: 1px solid #e0e0e0; border-radius: 6px; padding: 10px 12px; overflow: auto; font-size: 12px; }
.hint { color: #757575; font-size: 12px; margin: 6px 0 0; }
`;

/** Hover a node: it, its upstream and its downstream stay lit. */
const SCRIPT = `
(function () {
  var svg = document.querySelector('svg.lineage');
  if (!svg) return;
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
  svg.querySelectorAll('.node').forEach(function (g) {
    g.addEventListener('mouseenter', function () {
      var id = g.getAttribute('data-node-id');
      var lit = Object.assign(walk(id, true), walk(id, false));
      svg.querySelectorAll('.node').forEach(function (n) { if (lit[n.getAttribute('data-node-id')]) n.classList.add('on'); });
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
    `<svg class="lineage" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" role="img" aria-label="lineage of ${escapeHtml(graph.stack)}">`,
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
      `<g class="node" data-node-id="${escapeHtml(box.id)}" data-kind="${box.kind}">` +
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

export interface LineageHtml {
  readonly html: string;
  readonly layout: LineageLayout;
  readonly mermaid: string;
}

/** The page, with the layout and Mermaid text it was made from. */
export function renderLineageHtml(graph: LineageGraph): LineageHtml {
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
<div class="canvas">
${svgFor(graph, layout)}
</div>
<p class="hint">Data flows left to right. Hover a box to light up what feeds it and what it feeds; its tooltip shows the details and ksqlDB statement. Dashed edges go against the flow (a sink writing where a source reads).</p>
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
