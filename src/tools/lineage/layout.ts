/**
 * A layered left-to-right layout of a lineage graph (the Sugiyama scheme, kept small):
 *
 * 1. cycles are broken by reversing nothing but ignoring the edges a depth-first search finds
 *    going back (a JDBC sink writing the database a CDC connector reads); they are drawn apart;
 * 2. layers by longest path from the sources, with sources pulled right next to what they feed
 *    (a schema subject sits just before its topic);
 * 3. edges spanning several layers get a placeholder in each layer they cross, so they are routed
 *    through reserved room instead of across boxes;
 * 4. order within layers by barycenter sweeps and adjacent swaps, keeping the order with the
 *    fewest crossings;
 * 5. vertical positions: each layer in its order, as close as possible to the mean of its
 *    neighbours (isotonic regression under minimum gaps, so boxes never overlap), swept both ways.
 *
 * Text widths are estimated for the monospace font the page uses.
 */
import { LineageGraph, LineageKind } from './model';

export interface LayoutNode {
  readonly id: string;
  readonly kind: LineageKind;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly layer: number;
  /** The detail line as shown (shortened when long). */
  readonly detailShown: string;
}

export interface LayoutEdge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
  /** SVG path data. */
  readonly path: string;
  /** Centre of the label. */
  readonly labelX: number;
  readonly labelY: number;
  /** True for an edge going back against the flow (a cycle), routed below the drawing. */
  readonly back: boolean;
}

export interface LineageLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly LayoutNode[];
  readonly edges: readonly LayoutEdge[];
}

/** Font sizes and character widths (DejaVu Sans Mono / Menlo / Consolas: 0.6 em per character). */
export const TEXT = { labelSize: 12.5, detailSize: 10.5, edgeSize: 10, charEm: 0.61 } as const;
const NODE_HEIGHT = 44;
const PORT_STEP = 9;
const PORT_MARGIN = 7;
const PAD_X = 12;
const MIN_WIDTH = 96;
const MAX_DETAIL = 44;
const COLUMN_GAP = 92;
const MARGIN = 32;
const GAP_REAL = 22;
const GAP_MIXED = 12;
const GAP_DUMMY = 8;

export function textWidth(text: string, size: number): number {
  return [...text].length * size * TEXT.charEm;
}

function shorten(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

interface Vertex {
  readonly id: string;
  readonly dummy: boolean;
  readonly width: number;
  readonly height: number;
  layer: number;
  y: number;
}

export function layoutLineage(graph: LineageGraph): LineageLayout {
  const n = graph.nodes.length;
  const index = new Map(graph.nodes.map((node, i) => [node.id, i]));
  const detailShown = graph.nodes.map((node) => shorten(node.detail, MAX_DETAIL));
  const vertices: Vertex[] = graph.nodes.map((node, i) => ({
    id: node.id,
    dummy: false,
    width: Math.ceil(
      Math.max(MIN_WIDTH, textWidth(node.label, TEXT.labelSize) + 2 * PAD_X, textWidth(detailShown[i], TEXT.detailSize) + 2 * PAD_X),
    ),
    height: NODE_HEIGHT,
    layer: 0,
    y: 0,
  }));

  // Distinct pairs, self-loops left out.
  const pairKey = (a: number, b: number) => `${a}>${b}`;
  const pairs: [number, number][] = [];
  const seenPairs = new Set<string>();
  for (const e of graph.edges) {
    const a = index.get(e.from)!;
    const b = index.get(e.to)!;
    if (a === b || seenPairs.has(pairKey(a, b))) continue;
    seenPairs.add(pairKey(a, b));
    pairs.push([a, b]);
  }
  const out: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of pairs) out[a].push(b);
  // Boxes with many edges on one side grow, so that arrowheads keep PORT_STEP apart.
  const inCount = new Array<number>(n).fill(0);
  for (const [, b] of pairs) inCount[b]++;
  vertices.forEach((v, i) => {
    const ports = Math.max(inCount[i], out[i].length);
    vertices[i] = { ...v, height: Math.max(NODE_HEIGHT, PORT_MARGIN * 2 + PORT_STEP * (ports - 1)) };
  });

  // 1. Back edges by depth-first search in node order.
  const back = new Set<string>();
  const state = new Array<number>(n).fill(0);
  const dfs = (v: number): void => {
    state[v] = 1;
    for (const w of out[v]) {
      if (state[w] === 1) back.add(pairKey(v, w));
      else if (state[w] === 0) dfs(w);
    }
    state[v] = 2;
  };
  for (let v = 0; v < n; v++) if (state[v] === 0) dfs(v);
  const forward = pairs.filter(([a, b]) => !back.has(pairKey(a, b)));
  const preds: number[][] = Array.from({ length: n }, () => []);
  const succs: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of forward) {
    preds[b].push(a);
    succs[a].push(b);
  }

  // 2. Longest-path layers in topological order (Kahn, stable by node order).
  const indegree = preds.map((p) => p.length);
  const topo: number[] = [];
  const ready = indegree.map((d, v) => (d === 0 ? v : -1)).filter((v) => v >= 0);
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const v = ready.shift()!;
    topo.push(v);
    for (const w of succs[v]) if (--indegree[w] === 0) ready.push(w);
  }
  for (const v of topo) vertices[v].layer = preds[v].length === 0 ? 0 : Math.max(...preds[v].map((p) => vertices[p].layer + 1));
  // Shorter edges: a node with more edges out than in moves right up to its nearest successor (a
  // subject next to its topic, a topic next to its stream); schema subjects, annotations rather
  // than data, do not hold their topic back. Moves only go right, so this ends.
  const inWeight = preds.map((ps) => ps.filter((p) => graph.nodes[p].kind !== 'subject').length);
  for (let round = 0, moved = true; moved && round < 100; round++) {
    moved = false;
    for (const v of [...topo].reverse()) {
      if (succs[v].length <= inWeight[v]) continue;
      const hi = Math.min(...succs[v].map((s) => vertices[s].layer)) - 1;
      if (hi > vertices[v].layer) {
        vertices[v].layer = hi;
        moved = true;
      }
    }
  }
  const shift = Math.min(0, ...vertices.map((v) => v.layer));
  for (const v of vertices) v.layer -= shift;

  // 3. Placeholders along long edges; chains from source to target.
  const chains = new Map<string, number[]>();
  const down: number[][] = Array.from({ length: n }, () => []);
  const up: number[][] = Array.from({ length: n }, () => []);
  const link = (a: number, b: number) => {
    down[a].push(b);
    up[b].push(a);
  };
  for (const [a, b] of forward) {
    const chain = [a];
    for (let l = vertices[a].layer + 1; l < vertices[b].layer; l++) {
      const d = vertices.length;
      vertices.push({ id: `~${a}>${b}@${l}`, dummy: true, width: 0, height: 2, layer: l, y: 0 });
      down.push([]);
      up.push([]);
      chain.push(d);
    }
    chain.push(b);
    for (let i = 0; i + 1 < chain.length; i++) link(chain[i], chain[i + 1]);
    chains.set(pairKey(a, b), chain);
  }
  const layerCount = Math.max(0, ...vertices.map((v) => v.layer)) + 1;
  let layers: number[][] = Array.from({ length: layerCount }, () => []);
  for (let v = 0; v < vertices.length; v++) layers[vertices[v].layer].push(v);

  // 4. Order within layers.
  const position = new Array<number>(vertices.length).fill(0);
  const reindex = (ls: number[][]) => ls.forEach((layer) => layer.forEach((v, i) => (position[v] = i)));
  reindex(layers);
  const crossingsBetween = (ls: number[][], l: number): number => {
    const segs: [number, number][] = [];
    for (const v of ls[l]) for (const w of down[v]) segs.push([position[v], position[w]]);
    let c = 0;
    for (let i = 0; i < segs.length; i++) {
      for (let j = i + 1; j < segs.length; j++) {
        if ((segs[i][0] - segs[j][0]) * (segs[i][1] - segs[j][1]) < 0) c++;
      }
    }
    return c;
  };
  const crossings = (ls: number[][]) => {
    let c = 0;
    for (let l = 0; l + 1 < ls.length; l++) c += crossingsBetween(ls, l);
    return c;
  };
  const sortBy = (layer: number[], neighbours: number[][]) => {
    const bary = new Map<number, number>();
    for (const v of layer) {
      const ns = neighbours[v];
      bary.set(v, ns.length === 0 ? position[v] : ns.reduce((s, w) => s + position[w], 0) / ns.length);
    }
    layer.sort((a, b) => bary.get(a)! - bary.get(b)! || position[a] - position[b]);
    layer.forEach((v, i) => (position[v] = i));
  };
  let best = layers.map((l) => [...l]);
  let bestCrossings = crossings(layers);
  for (let iter = 0; iter < 24 && bestCrossings > 0; iter++) {
    if (iter % 2 === 0) for (let l = 1; l < layerCount; l++) sortBy(layers[l], up);
    else for (let l = layerCount - 2; l >= 0; l--) sortBy(layers[l], down);
    // Adjacent swaps that remove crossings.
    for (let improved = true, rounds = 0; improved && rounds < 8; rounds++) {
      improved = false;
      for (let l = 0; l < layerCount; l++) {
        for (let i = 0; i + 1 < layers[l].length; i++) {
          const before = (l > 0 ? crossingsBetween(layers, l - 1) : 0) + (l + 1 < layerCount ? crossingsBetween(layers, l) : 0);
          swap(layers[l], i, position);
          const after = (l > 0 ? crossingsBetween(layers, l - 1) : 0) + (l + 1 < layerCount ? crossingsBetween(layers, l) : 0);
          if (after < before) improved = true;
          else swap(layers[l], i, position);
        }
      }
    }
    const c = crossings(layers);
    if (c < bestCrossings) {
      bestCrossings = c;
      best = layers.map((l) => [...l]);
    }
  }
  layers = best;
  reindex(layers);

  // 5. Columns and vertical positions.
  const columnWidth = layers.map((layer) => Math.max(24, ...layer.map((v) => vertices[v].width)));
  const columnX: number[] = [];
  let x = MARGIN;
  for (let l = 0; l < layerCount; l++) {
    columnX.push(x);
    x += columnWidth[l] + COLUMN_GAP;
  }
  const gap = (a: Vertex, b: Vertex) =>
    (a.height + b.height) / 2 + (a.dummy && b.dummy ? GAP_DUMMY : a.dummy || b.dummy ? GAP_MIXED : GAP_REAL);
  for (const layer of layers) {
    let y = 0;
    layer.forEach((v, i) => {
      if (i > 0) y += gap(vertices[layer[i - 1]], vertices[v]);
      vertices[v].y = y;
    });
    const mid = y / 2;
    for (const v of layer) vertices[v].y -= mid;
  }
  const placeLayer = (layer: number[], neighbours: (v: number) => number[]) => {
    const desired = layer.map((v) => {
      const ns = neighbours(v);
      return ns.length === 0 ? vertices[v].y : ns.reduce((s, w) => s + vertices[w].y, 0) / ns.length;
    });
    const offsets = [0];
    for (let i = 1; i < layer.length; i++) offsets.push(offsets[i - 1] + gap(vertices[layer[i - 1]], vertices[layer[i]]));
    const z = isotonic(desired.map((d, i) => d - offsets[i]));
    layer.forEach((v, i) => (vertices[v].y = z[i] + offsets[i]));
  };
  for (let round = 0; round < 12; round++) {
    for (let l = 1; l < layerCount; l++) placeLayer(layers[l], (v) => up[v]);
    for (let l = layerCount - 2; l >= 0; l--) placeLayer(layers[l], (v) => down[v]);
  }
  for (let round = 0; round < 4; round++) {
    for (let l = 0; l < layerCount; l++) placeLayer(layers[l], (v) => [...up[v], ...down[v]]);
  }
  const top = Math.min(...vertices.map((v) => v.y - v.height / 2));
  for (const v of vertices) v.y += MARGIN - top;

  const boxes = graph.nodes.map((node, i) => {
    const v = vertices[i];
    const l = v.layer;
    return {
      id: node.id,
      kind: node.kind,
      x: Math.round(columnX[l] + (columnWidth[l] - v.width) / 2),
      y: Math.round(v.y - v.height / 2),
      width: v.width,
      height: v.height,
      layer: l,
      detailShown: detailShown[i],
    };
  });
  const contentBottom = Math.max(MARGIN, ...vertices.map((v) => v.y + v.height / 2));

  // Ports: edges leave and enter a box spread along its side, in the order of the other end.
  const portY = (v: number, others: number[], other: number): number => {
    const k = others.length;
    const box = boxes[v];
    if (k <= 1) return box.y + box.height / 2;
    const sorted = [...others].sort((a, b) => vertices[a].y - vertices[b].y || position[a] - position[b]);
    const step = Math.min(PORT_STEP, (box.height - 2 * PORT_MARGIN) / (k - 1));
    return box.y + box.height / 2 + (sorted.indexOf(other) - (k - 1) / 2) * step;
  };

  const placedLabels: { x: number; y: number; w: number; h: number }[] = [];
  const overlaps = (r: { x: number; y: number; w: number; h: number }) =>
    placedLabels.some((p) => Math.abs(p.x - r.x) * 2 < p.w + r.w && Math.abs(p.y - r.y) * 2 < p.h + r.h) ||
    boxes.some((b) => r.x + r.w / 2 > b.x && r.x - r.w / 2 < b.x + b.width && r.y + r.h / 2 > b.y && r.y - r.h / 2 < b.y + b.height);
  const placeLabel = (label: string | undefined, at: (t: number) => [number, number]): [number, number] => {
    if (!label) return at(0.5);
    const w = textWidth(label, TEXT.edgeSize) + 6;
    const h = TEXT.edgeSize + 4;
    for (const t of [0.5, 0.38, 0.62, 0.26, 0.74, 0.15, 0.85]) {
      const [lx, ly] = at(t);
      if (!overlaps({ x: lx, y: ly, w, h })) {
        placedLabels.push({ x: lx, y: ly, w, h });
        return [lx, ly];
      }
    }
    const [lx, ly] = at(0.5);
    placedLabels.push({ x: lx, y: ly, w, h });
    return [lx, ly];
  };

  const edges: LayoutEdge[] = [];
  let lane = 0;
  let bottom = contentBottom;
  for (const e of graph.edges) {
    const a = index.get(e.from)!;
    const b = index.get(e.to)!;
    if (a === b) continue;
    const chain = chains.get(pairKey(a, b));
    if (chain) {
      const first = chain[1];
      const last = chain[chain.length - 2];
      const points: [number, number][] = [[boxes[a].x + boxes[a].width, portY(a, down[a], first)]];
      for (const d of chain.slice(1, -1)) {
        const l = vertices[d].layer;
        points.push([columnX[l], vertices[d].y], [columnX[l] + columnWidth[l], vertices[d].y]);
      }
      points.push([boxes[b].x, portY(b, up[b], last)]);
      let path = `M${fmt(points[0][0])},${fmt(points[0][1])}`;
      for (let i = 1; i < points.length; i++) {
        const [px, py] = points[i - 1];
        const [qx, qy] = points[i];
        if (py === qy && i % 2 === 0) path += ` L${fmt(qx)},${fmt(qy)}`;
        else {
          const dx = (qx - px) / 2;
          path += ` C${fmt(px + dx)},${fmt(py)} ${fmt(qx - dx)},${fmt(qy)} ${fmt(qx)},${fmt(qy)}`;
        }
      }
      const [p0, p1] = [points[0], points[1]];
      const [labelX, labelY] = placeLabel(e.label, (t) => cubicAt(p0, p1, t));
      edges.push({ from: e.from, to: e.to, label: e.label, path, labelX: round1(labelX), labelY: round1(labelY), back: false });
    } else {
      // Against the flow: out to the right, down below everything, left, and in from the left.
      const laneY = contentBottom + 28 + lane * 18;
      const sx = boxes[a].x + boxes[a].width;
      const sy = boxes[a].y + boxes[a].height / 2;
      const tx = boxes[b].x;
      const ty = boxes[b].y + boxes[b].height / 2;
      const outX = columnX[boxes[a].layer] + columnWidth[boxes[a].layer] + 18 + lane * 8;
      const inX = columnX[boxes[b].layer] - 18 - lane * 8;
      const r = 10;
      const path =
        `M${fmt(sx)},${fmt(sy)} H${fmt(outX - r)} Q${fmt(outX)},${fmt(sy)} ${fmt(outX)},${fmt(sy + r)} V${fmt(laneY - r)}` +
        ` Q${fmt(outX)},${fmt(laneY)} ${fmt(outX - r)},${fmt(laneY)} H${fmt(inX + r)} Q${fmt(inX)},${fmt(laneY)} ${fmt(inX)},${fmt(laneY - r)}` +
        ` V${fmt(ty + r)} Q${fmt(inX)},${fmt(ty)} ${fmt(inX + r)},${fmt(ty)} H${fmt(tx)}`;
      const [labelX, labelY] = placeLabel(e.label, (t) => [inX + (outX - inX) * t, laneY]);
      edges.push({ from: e.from, to: e.to, label: e.label, path, labelX: round1(labelX), labelY: round1(labelY), back: true });
      bottom = Math.max(bottom, laneY + 8);
      lane++;
    }
  }

  const width = Math.ceil(x - COLUMN_GAP + MARGIN);
  return { width: Math.max(width, 2 * MARGIN), height: Math.ceil(bottom + MARGIN), nodes: boxes, edges };
}

function swap(layer: number[], i: number, position: number[]): void {
  [layer[i], layer[i + 1]] = [layer[i + 1], layer[i]];
  position[layer[i]] = i;
  position[layer[i + 1]] = i + 1;
}

/** Least-squares non-decreasing fit (pool adjacent violators). */
function isotonic(values: number[]): number[] {
  const blocks: { sum: number; count: number }[] = [];
  for (const v of values) {
    blocks.push({ sum: v, count: 1 });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1];
      const a = blocks[blocks.length - 2];
      if (a.sum / a.count <= b.sum / b.count) break;
      blocks.splice(blocks.length - 2, 2, { sum: a.sum + b.sum, count: a.count + b.count });
    }
  }
  return blocks.flatMap((b) => new Array<number>(b.count).fill(b.sum / b.count));
}

/** A point of the horizontal-tangent cubic from p to q. */
function cubicAt(p: [number, number], q: [number, number], t: number): [number, number] {
  const dx = (q[0] - p[0]) / 2;
  const c1 = [p[0] + dx, p[1]];
  const c2 = [q[0] - dx, q[1]];
  const u = 1 - t;
  const bx = u * u * u * p[0] + 3 * u * u * t * c1[0] + 3 * u * t * t * c2[0] + t * t * t * q[0];
  const by = u * u * u * p[1] + 3 * u * u * t * c1[1] + 3 * u * t * t * c2[1] + t * t * t * q[1];
  return [bx, by];
}

function fmt(n: number): string {
  return String(Math.round(n * 10) / 10);
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
