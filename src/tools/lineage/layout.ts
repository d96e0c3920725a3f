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
 * Before them the boxes are measured; after them the boxes are placed in their columns and the
 * edges routed: forward edges through their placeholders, back edges along lanes below the drawing,
 * labels clear of boxes and other labels where possible. Each step is one function (measure,
 * findBackEdges, assignLayers, insertPlaceholders, orderLayers, placeVertically, placeColumns,
 * placeBoxes, routeEdges); layoutLineage runs them in order, passing what each needs explicitly
 * (Work, Links, Order, Columns).
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

interface LayoutEdge {
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

/** A box (one per node, in node order) or a placeholder along a long edge. */
interface Vertex {
  readonly dummy: boolean;
  readonly width: number;
  readonly height: number;
  /** Column, set by assignLayers (boxes) and insertPlaceholders (placeholders). */
  layer: number;
  /** Vertical centre, set by placeVertically. */
  y: number;
}

/** An edge between two boxes, as their node indices. */
type Pair = readonly [from: number, to: number];

function pairKey(a: number, b: number): string {
  return `${a}>${b}`;
}

/** What the phases share: the graph, and the vertices they lay out. */
interface Work {
  readonly graph: LineageGraph;
  /** Node id -> its index in graph.nodes, which is also its vertex. */
  readonly index: ReadonlyMap<string, number>;
  /** The detail line of each node as shown. */
  readonly detailShown: readonly string[];
  /** The boxes in node order, then the placeholders insertPlaceholders adds. */
  readonly vertices: Vertex[];
  /** Distinct pairs in edge order, self-loops left out. */
  readonly pairs: readonly Pair[];
}

/** Each vertex's neighbours along the forward edges, placeholders included (insertPlaceholders). */
interface Links {
  /** Neighbours one layer to the right. */
  readonly down: readonly (readonly number[])[];
  /** Neighbours one layer to the left. */
  readonly up: readonly (readonly number[])[];
  /** Each forward pair (by pairKey) as the vertices it passes: source box, placeholders, target box. */
  readonly chains: ReadonlyMap<string, readonly number[]>;
}

/** The order within layers (orderLayers). */
interface Order {
  /** Vertices of each layer, top to bottom. */
  readonly layers: readonly (readonly number[])[];
  /** Each vertex's index within its layer. */
  readonly position: readonly number[];
}

/** Where the layers go across the page (placeColumns). */
interface Columns {
  /** Left edge of each layer's column. */
  readonly x: readonly number[];
  /** Width of each layer's column: its widest box, 24 at least. */
  readonly width: readonly number[];
  /** Width of the whole drawing. */
  readonly drawingWidth: number;
}

/** The layout of a graph: the phases in order (see the top of this file). */
export function layoutLineage(graph: LineageGraph): LineageLayout {
  const work = measure(graph);
  const back = findBackEdges(graph.nodes.length, work.pairs);
  const forward = work.pairs.filter(([a, b]) => !back.has(pairKey(a, b)));
  assignLayers(work, forward);
  const links = insertPlaceholders(work.vertices, forward);
  const order = orderLayers(work.vertices, links);
  placeVertically(work.vertices, order.layers, links);
  const columns = placeColumns(work.vertices, order.layers);
  const nodes = placeBoxes(work, columns);
  const { edges, bottom } = routeEdges(work, links, order, columns, nodes);
  return { width: columns.drawingWidth, height: Math.ceil(bottom + MARGIN), nodes, edges };
}

/**
 * Sizes the boxes: wide enough for label and detail (shortened when long), tall enough that the
 * edges on their busier side keep PORT_STEP apart. Edges become distinct pairs of node indices.
 */
function measure(graph: LineageGraph): Work {
  const n = graph.nodes.length;
  const index = new Map(graph.nodes.map((node, i) => [node.id, i]));
  const detailShown = graph.nodes.map((node) => shorten(node.detail, MAX_DETAIL));
  const pairs: Pair[] = [];
  const seenPairs = new Set<string>();
  for (const e of graph.edges) {
    const a = index.get(e.from)!;
    const b = index.get(e.to)!;
    if (a === b || seenPairs.has(pairKey(a, b))) continue;
    seenPairs.add(pairKey(a, b));
    pairs.push([a, b]);
  }
  const inCount = new Array<number>(n).fill(0);
  const outCount = new Array<number>(n).fill(0);
  for (const [a, b] of pairs) {
    outCount[a]++;
    inCount[b]++;
  }
  const vertices: Vertex[] = graph.nodes.map((node, i) => ({
    dummy: false,
    width: Math.ceil(
      Math.max(MIN_WIDTH, textWidth(node.label, TEXT.labelSize) + 2 * PAD_X, textWidth(detailShown[i], TEXT.detailSize) + 2 * PAD_X),
    ),
    height: Math.max(NODE_HEIGHT, PORT_MARGIN * 2 + PORT_STEP * (Math.max(inCount[i], outCount[i]) - 1)),
    layer: 0,
    y: 0,
  }));
  return { graph, index, detailShown, vertices, pairs };
}

/** Phase 1: the pairs (by pairKey) a depth-first search in node order finds going back. */
function findBackEdges(n: number, pairs: readonly Pair[]): Set<string> {
  const out: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of pairs) out[a].push(b);
  const back = new Set<string>();
  // 0: not visited, 1: on the search path, 2: done.
  const state = new Array<number>(n).fill(0);
  const visit = (v: number): void => {
    state[v] = 1;
    for (const w of out[v]) {
      if (state[w] === 1) back.add(pairKey(v, w));
      else if (state[w] === 0) visit(w);
    }
    state[v] = 2;
  };
  for (let v = 0; v < n; v++) if (state[v] === 0) visit(v);
  return back;
}

/**
 * Phase 2: each box's layer, by longest path from the sources along the forward pairs, then
 * nodes with more edges out than in pulled right next to their nearest successor.
 */
function assignLayers(work: Work, forward: readonly Pair[]): void {
  const { graph, vertices } = work;
  const n = graph.nodes.length;
  const preds: number[][] = Array.from({ length: n }, () => []);
  const succs: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of forward) {
    preds[b].push(a);
    succs[a].push(b);
  }
  // Topological order (Kahn, stable by node order).
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
}

/**
 * Phase 3: a placeholder vertex in each layer a forward pair crosses, appended to `vertices`, and
 * the links from vertex to vertex along the resulting chains.
 */
function insertPlaceholders(vertices: Vertex[], forward: readonly Pair[]): Links {
  const n = vertices.length;
  const chains = new Map<string, number[]>();
  const down: number[][] = Array.from({ length: n }, () => []);
  const up: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of forward) {
    const chain = [a];
    for (let l = vertices[a].layer + 1; l < vertices[b].layer; l++) {
      chain.push(vertices.length);
      vertices.push({ dummy: true, width: 0, height: 2, layer: l, y: 0 });
      down.push([]);
      up.push([]);
    }
    chain.push(b);
    for (let i = 0; i + 1 < chain.length; i++) {
      down[chain[i]].push(chain[i + 1]);
      up[chain[i + 1]].push(chain[i]);
    }
    chains.set(pairKey(a, b), chain);
  }
  return { down, up, chains };
}

/**
 * Phase 4: the order within each layer. Barycenter sweeps, alternately left to right and right to
 * left, each followed by adjacent swaps that remove crossings; the order with the fewest crossings
 * seen is kept.
 */
function orderLayers(vertices: readonly Vertex[], { down, up }: Links): Order {
  const layerCount = Math.max(0, ...vertices.map((v) => v.layer)) + 1;
  const layers: number[][] = Array.from({ length: layerCount }, () => []);
  for (let v = 0; v < vertices.length; v++) layers[vertices[v].layer].push(v);
  const position = new Array<number>(vertices.length).fill(0);
  reindex(layers, position);
  // Crossings between layer l and the layers next to it.
  const around = (l: number) =>
    (l > 0 ? crossingsBetween(layers, l - 1, down, position) : 0) + (l + 1 < layerCount ? crossingsBetween(layers, l, down, position) : 0);
  let best = layers.map((l) => [...l]);
  let bestCrossings = crossings(layers, down, position);
  for (let iter = 0; iter < 24 && bestCrossings > 0; iter++) {
    if (iter % 2 === 0) for (let l = 1; l < layerCount; l++) sortByBarycenter(layers[l], up, position);
    else for (let l = layerCount - 2; l >= 0; l--) sortByBarycenter(layers[l], down, position);
    // Adjacent swaps that remove crossings.
    for (let improved = true, rounds = 0; improved && rounds < 8; rounds++) {
      improved = false;
      for (let l = 0; l < layerCount; l++) {
        for (let i = 0; i + 1 < layers[l].length; i++) {
          const before = around(l);
          swap(layers[l], i, position);
          if (around(l) < before) improved = true;
          else swap(layers[l], i, position);
        }
      }
    }
    const c = crossings(layers, down, position);
    if (c < bestCrossings) {
      bestCrossings = c;
      best = layers.map((l) => [...l]);
    }
  }
  reindex(best, position);
  return { layers: best, position };
}

function reindex(layers: readonly (readonly number[])[], position: number[]): void {
  layers.forEach((layer) => layer.forEach((v, i) => (position[v] = i)));
}

/** Crossings between the links from layer l to layer l + 1. */
function crossingsBetween(
  layers: readonly (readonly number[])[],
  l: number,
  down: readonly (readonly number[])[],
  position: readonly number[],
): number {
  const segs: [number, number][] = [];
  for (const v of layers[l]) for (const w of down[v]) segs.push([position[v], position[w]]);
  let c = 0;
  for (let i = 0; i < segs.length; i++) {
    for (let j = i + 1; j < segs.length; j++) {
      if ((segs[i][0] - segs[j][0]) * (segs[i][1] - segs[j][1]) < 0) c++;
    }
  }
  return c;
}

function crossings(layers: readonly (readonly number[])[], down: readonly (readonly number[])[], position: readonly number[]): number {
  let c = 0;
  for (let l = 0; l + 1 < layers.length; l++) c += crossingsBetween(layers, l, down, position);
  return c;
}

/** Sorts a layer by the mean position of each vertex's neighbours (ties and loners keep their place). */
function sortByBarycenter(layer: number[], neighbours: readonly (readonly number[])[], position: number[]): void {
  const bary = new Map<number, number>();
  for (const v of layer) {
    const ns = neighbours[v];
    bary.set(v, ns.length === 0 ? position[v] : ns.reduce((s, w) => s + position[w], 0) / ns.length);
  }
  layer.sort((a, b) => bary.get(a)! - bary.get(b)! || position[a] - position[b]);
  layer.forEach((v, i) => (position[v] = i));
}

function swap(layer: number[], i: number, position: number[]): void {
  [layer[i], layer[i + 1]] = [layer[i + 1], layer[i]];
  position[layer[i]] = i;
  position[layer[i + 1]] = i + 1;
}

/**
 * Phase 5: each vertex's y. Layers start stacked around 0; then each is placed as close as
 * possible to the mean of its neighbours without breaking the minimum gaps, swept right and left,
 * then against both sides at once; finally everything moves down to leave MARGIN at the top.
 */
function placeVertically(vertices: Vertex[], layers: readonly (readonly number[])[], { down, up }: Links): void {
  const layerCount = layers.length;
  for (const layer of layers) {
    let y = 0;
    layer.forEach((v, i) => {
      if (i > 0) y += gap(vertices[layer[i - 1]], vertices[v]);
      vertices[v].y = y;
    });
    const mid = y / 2;
    for (const v of layer) vertices[v].y -= mid;
  }
  for (let round = 0; round < 12; round++) {
    for (let l = 1; l < layerCount; l++) placeLayer(vertices, layers[l], (v) => up[v]);
    for (let l = layerCount - 2; l >= 0; l--) placeLayer(vertices, layers[l], (v) => down[v]);
  }
  for (let round = 0; round < 4; round++) {
    for (let l = 0; l < layerCount; l++) placeLayer(vertices, layers[l], (v) => [...up[v], ...down[v]]);
  }
  const top = Math.min(...vertices.map((v) => v.y - v.height / 2));
  for (const v of vertices) v.y += MARGIN - top;
}

/** Least distance between the centres of two vertices next to each other in a layer. */
function gap(a: Vertex, b: Vertex): number {
  return (a.height + b.height) / 2 + (a.dummy && b.dummy ? GAP_DUMMY : a.dummy || b.dummy ? GAP_MIXED : GAP_REAL);
}

/** One layer as close as possible to the mean y of each vertex's neighbours (isotonic regression). */
function placeLayer(vertices: Vertex[], layer: readonly number[], neighbours: (v: number) => readonly number[]): void {
  const desired = layer.map((v) => {
    const ns = neighbours(v);
    return ns.length === 0 ? vertices[v].y : ns.reduce((s, w) => s + vertices[w].y, 0) / ns.length;
  });
  const offsets = [0];
  for (let i = 1; i < layer.length; i++) offsets.push(offsets[i - 1] + gap(vertices[layer[i - 1]], vertices[layer[i]]));
  const z = isotonic(desired.map((d, i) => d - offsets[i]));
  layer.forEach((v, i) => (vertices[v].y = z[i] + offsets[i]));
}

/** The columns: one per layer, as wide as its widest box, COLUMN_GAP apart. */
function placeColumns(vertices: readonly Vertex[], layers: readonly (readonly number[])[]): Columns {
  const width = layers.map((layer) => Math.max(24, ...layer.map((v) => vertices[v].width)));
  const x: number[] = [];
  let next = MARGIN;
  for (let l = 0; l < layers.length; l++) {
    x.push(next);
    next += width[l] + COLUMN_GAP;
  }
  return { x, width, drawingWidth: Math.max(Math.ceil(next - COLUMN_GAP + MARGIN), 2 * MARGIN) };
}

/** The boxes as drawn: centred in their column, at whole pixels. */
function placeBoxes({ graph, vertices, detailShown }: Work, columns: Columns): LayoutNode[] {
  return graph.nodes.map((node, i) => {
    const v = vertices[i];
    const l = v.layer;
    return {
      id: node.id,
      kind: node.kind,
      x: Math.round(columns.x[l] + (columns.width[l] - v.width) / 2),
      y: Math.round(v.y - v.height / 2),
      width: v.width,
      height: v.height,
      layer: l,
      detailShown: detailShown[i],
    };
  });
}

/** A label's room: centre and size. */
interface LabelRect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/**
 * The edges as drawn, in graph order (self-loops left out): forward edges as curves through their
 * placeholders, from and to ports spread along the sides of the boxes; back edges out to the right,
 * along a lane of their own below the drawing and in from the left. Labels go where they overlap
 * no box and no label placed before. `bottom` is the lowest point drawn.
 */
function routeEdges(
  work: Work,
  links: Links,
  order: Order,
  columns: Columns,
  boxes: readonly LayoutNode[],
): { edges: LayoutEdge[]; bottom: number } {
  const { graph, index, vertices } = work;
  const contentBottom = Math.max(MARGIN, ...vertices.map((v) => v.y + v.height / 2));
  const placedLabels: LabelRect[] = [];
  const edges: LayoutEdge[] = [];
  let lane = 0;
  let bottom = contentBottom;
  for (const e of graph.edges) {
    const a = index.get(e.from)!;
    const b = index.get(e.to)!;
    if (a === b) continue;
    const chain = links.chains.get(pairKey(a, b));
    if (chain) {
      const points = forwardPoints(chain, work, links, order, columns, boxes);
      const [p0, p1] = [points[0], points[1]];
      const [labelX, labelY] = placeLabel(placedLabels, boxes, e.label, (t) => cubicAt(p0, p1, t));
      const path = curveThrough(points);
      edges.push({ from: e.from, to: e.to, label: e.label, path, labelX: round1(labelX), labelY: round1(labelY), back: false });
    } else {
      const laneY = contentBottom + 28 + lane * 18;
      const { path, outX, inX } = backPath(boxes[a], boxes[b], columns, lane, laneY);
      const [labelX, labelY] = placeLabel(placedLabels, boxes, e.label, (t) => [inX + (outX - inX) * t, laneY]);
      edges.push({ from: e.from, to: e.to, label: e.label, path, labelX: round1(labelX), labelY: round1(labelY), back: true });
      bottom = Math.max(bottom, laneY + 8);
      lane++;
    }
  }
  return { edges, bottom };
}

/**
 * The points a forward edge passes: its port on the source box, each placeholder's column entered
 * and left at the placeholder's height, its port on the target box.
 */
function forwardPoints(
  chain: readonly number[],
  { vertices }: Work,
  { down, up }: Links,
  { position }: Order,
  columns: Columns,
  boxes: readonly LayoutNode[],
): [number, number][] {
  const a = chain[0];
  const b = chain[chain.length - 1];
  const points: [number, number][] = [[boxes[a].x + boxes[a].width, portY(boxes[a], vertices, position, down[a], chain[1])]];
  for (const d of chain.slice(1, -1)) {
    const l = vertices[d].layer;
    points.push([columns.x[l], vertices[d].y], [columns.x[l] + columns.width[l], vertices[d].y]);
  }
  points.push([boxes[b].x, portY(boxes[b], vertices, position, up[b], chain[chain.length - 2])]);
  return points;
}

/**
 * Where an edge to or from `other` meets the side of `box`: the side's edges are spread along it
 * in the order of their other ends.
 */
function portY(
  box: LayoutNode,
  vertices: readonly Vertex[],
  position: readonly number[],
  others: readonly number[],
  other: number,
): number {
  const k = others.length;
  if (k <= 1) return box.y + box.height / 2;
  const sorted = [...others].sort((a, b) => vertices[a].y - vertices[b].y || position[a] - position[b]);
  const step = Math.min(PORT_STEP, (box.height - 2 * PORT_MARGIN) / (k - 1));
  return box.y + box.height / 2 + (sorted.indexOf(other) - (k - 1) / 2) * step;
}

/** SVG path data through the points: straight across a placeholder's column, curves between columns. */
function curveThrough(points: readonly (readonly [number, number])[]): string {
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
  return path;
}

/**
 * SVG path data of an edge against the flow: out to the right of the source's column, down to its
 * lane, left, and up into the target from the left of the target's column. Lanes step apart so
 * that back edges do not run over each other.
 */
function backPath(
  from: LayoutNode,
  to: LayoutNode,
  columns: Columns,
  lane: number,
  laneY: number,
): { path: string; outX: number; inX: number } {
  const sx = from.x + from.width;
  const sy = from.y + from.height / 2;
  const tx = to.x;
  const ty = to.y + to.height / 2;
  const outX = columns.x[from.layer] + columns.width[from.layer] + 18 + lane * 8;
  const inX = columns.x[to.layer] - 18 - lane * 8;
  const r = 10;
  const path =
    `M${fmt(sx)},${fmt(sy)} H${fmt(outX - r)} Q${fmt(outX)},${fmt(sy)} ${fmt(outX)},${fmt(sy + r)} V${fmt(laneY - r)}` +
    ` Q${fmt(outX)},${fmt(laneY)} ${fmt(outX - r)},${fmt(laneY)} H${fmt(inX + r)} Q${fmt(inX)},${fmt(laneY)} ${fmt(inX)},${fmt(laneY - r)}` +
    ` V${fmt(ty + r)} Q${fmt(inX)},${fmt(ty)} ${fmt(inX + r)},${fmt(ty)} H${fmt(tx)}`;
  return { path, outX, inX };
}

/**
 * The centre of an edge's label: the first of a few points along the edge (`at`, from 0 to 1)
 * where it overlaps no box and no label placed before, else the middle. Records the room taken in
 * `placed`. An edge without a label gets its middle, and takes no room.
 */
function placeLabel(
  placed: LabelRect[],
  boxes: readonly LayoutNode[],
  label: string | undefined,
  at: (t: number) => [number, number],
): [number, number] {
  if (!label) return at(0.5);
  const w = textWidth(label, TEXT.edgeSize) + 6;
  const h = TEXT.edgeSize + 4;
  const overlaps = (r: LabelRect) =>
    placed.some((p) => Math.abs(p.x - r.x) * 2 < p.w + r.w && Math.abs(p.y - r.y) * 2 < p.h + r.h) ||
    boxes.some((b) => r.x + r.w / 2 > b.x && r.x - r.w / 2 < b.x + b.width && r.y + r.h / 2 > b.y && r.y - r.h / 2 < b.y + b.height);
  for (const t of [0.5, 0.38, 0.62, 0.26, 0.74, 0.15, 0.85]) {
    const [lx, ly] = at(t);
    if (!overlaps({ x: lx, y: ly, w, h })) {
      placed.push({ x: lx, y: ly, w, h });
      return [lx, ly];
    }
  }
  const [lx, ly] = at(0.5);
  placed.push({ x: lx, y: ly, w, h });
  return [lx, ly];
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
