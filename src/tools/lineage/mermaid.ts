/** The lineage graph as a Mermaid flowchart (left to right), for Markdown and review comments. */
import { LineageGraph, LineageKind, LINEAGE_KINDS } from './model';

/** Mermaid node shapes by kind: `[open, close]` around the quoted label. */
const SHAPES: Readonly<Record<LineageKind, readonly [string, string]>> = {
  database: ['[(', ')]'], // cylinder
  'source-connector': ['[/', '/]'], // parallelogram
  subject: ['{{', '}}'], // hexagon
  topic: ['[', ']'], // rectangle
  stream: ['([', '])'], // stadium
  table: ['[[', ']]'], // subroutine
  query: ['(', ')'], // rounded
  'sink-connector': ['[\\', '\\]'], // parallelogram leaning the other way
  external: ['>', ']'], // flag
};

/** Fill and stroke by kind, shared with the HTML page. */
export const KIND_COLOURS: Readonly<Record<LineageKind, { fill: string; stroke: string }>> = {
  database: { fill: '#e8eaf6', stroke: '#3949ab' },
  'source-connector': { fill: '#e0f2f1', stroke: '#00897b' },
  subject: { fill: '#fce4ec', stroke: '#c2185b' },
  topic: { fill: '#fff3e0', stroke: '#ef6c00' },
  stream: { fill: '#e3f2fd', stroke: '#1e88e5' },
  table: { fill: '#ede7f6', stroke: '#5e35b1' },
  query: { fill: '#f5f5f5', stroke: '#616161' },
  'sink-connector': { fill: '#e8f5e9', stroke: '#43a047' },
  external: { fill: '#fffde7', stroke: '#9e9d24' },
};

/**
 * Text inside a quoted Mermaid label: Mermaid's entity codes for the characters that would end
 * the label or be read as markup, and one line.
 */
export function escapeMermaid(text: string): string {
  return text
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/\|/g, '#124;')
    .replace(/[\r\n]+/g, ' ');
}

/** `classDef` names cannot contain `-`. */
function className(kind: LineageKind): string {
  return kind.replace(/-/g, '_');
}

/**
 * `flowchart LR` text: one line per node (shape by kind), one line per edge (`a -->|"label"| b`),
 * a class per kind. Mermaid ids are `n0`, `n1`, ... in node order; the lineage ids are comments.
 */
export function toMermaid(graph: LineageGraph): string {
  const ids = new Map(graph.nodes.map((n, i) => [n.id, `n${i}`]));
  const lines = ['flowchart LR', `  %% lineage of ${escapeMermaid(graph.stack)}, by streamform lineage`];
  for (const n of graph.nodes) {
    const [open, close] = SHAPES[n.kind];
    const label = n.kind === 'query' && n.detail ? `${n.label}: ${n.detail}` : n.label;
    lines.push(`  ${ids.get(n.id)}${open}"${escapeMermaid(label)}"${close}`);
  }
  for (const e of graph.edges) {
    const arrow = e.label ? `-->|"${escapeMermaid(e.label)}"|` : '-->';
    lines.push(`  ${ids.get(e.from)} ${arrow} ${ids.get(e.to)}`);
  }
  for (const kind of LINEAGE_KINDS) {
    const members = graph.nodes.filter((n) => n.kind === kind).map((n) => ids.get(n.id)!);
    if (members.length === 0) continue;
    const c = KIND_COLOURS[kind];
    lines.push(`  classDef ${className(kind)} fill:${c.fill},stroke:${c.stroke},color:#212121`);
    lines.push(`  class ${members.join(',')} ${className(kind)}`);
  }
  return lines.join('\n') + '\n';
}
