/**
 * The lineage layout pinned byte for byte: the full output for the dev stacks and for a small graph
 * with cycles and a long edge, and a hash of the output for every stack. A change to the layout
 * shows up here; update the snapshots only when the drawing is meant to change.
 */
import { createHash } from 'crypto';
import { layoutLineage } from '../../src/tools/lineage/layout';
import { LineageGraph, lineageForStack } from '../../src/tools/lineage/model';

const FIXED_ENV = { STREAMFORM_STATE_DIR: '/state', STREAMFORM_IMAGES: 'local' };
const STACKS = ['customer-quality', 'ratings', 'airline-merger'].flatMap((p) => ['dev', 'staging', 'prod'].map((e) => `${p}-${e}`));

/**
 * Eight boxes in node order (as the model orders them, by kind): two cycles (the sink writes the
 * database the CDC reads; the output stream feeds the connector), an edge spanning four layers
 * (topic to sink), two edges between one pair, a self-loop, an edge without a label, a subject to
 * pull right, a detail long enough to be shortened, and a box with nothing attached.
 */
const SMALL: LineageGraph = {
  stack: 'small',
  nodes: [
    { id: 'database:db', kind: 'database', label: 'PostgreSQL db', detail: 'container db' },
    {
      id: 'source-connector:cdc',
      kind: 'source-connector',
      label: 'cdc',
      detail: 'PostgresConnector with a detail line long enough to be shortened',
    },
    { id: 'subject:t-value', kind: 'subject', label: 't-value', detail: 'AVRO · value' },
    { id: 'topic:t', kind: 'topic', label: 't', detail: '3 partitions' },
    { id: 'stream:S', kind: 'stream', label: 'S', detail: 'stream · 2 columns' },
    { id: 'stream:OUT', kind: 'stream', label: 'OUT', detail: '' },
    { id: 'query:OUT', kind: 'query', label: 'CSAS', detail: 'JOIN · WHERE' },
    { id: 'sink-connector:sink', kind: 'sink-connector', label: 'sink', detail: 'JdbcSinkConnector → db.out' },
    { id: 'external:alone', kind: 'external', label: 'nothing attached', detail: '' },
  ],
  edges: [
    { from: 'database:db', to: 'source-connector:cdc', label: 'CDC' },
    { from: 'source-connector:cdc', to: 'topic:t', label: 'writes' },
    { from: 'subject:t-value', to: 'topic:t', label: 'value schema' },
    { from: 'topic:t', to: 'stream:S', label: 'feeds' },
    { from: 'topic:t', to: 'sink-connector:sink', label: 'reads' },
    { from: 'stream:S', to: 'stream:S', label: 'itself' },
    { from: 'stream:S', to: 'query:OUT', label: 'FROM' },
    { from: 'stream:S', to: 'query:OUT', label: 'JOIN' },
    { from: 'stream:OUT', to: 'source-connector:cdc' },
    { from: 'stream:OUT', to: 'sink-connector:sink', label: 'reads' },
    { from: 'query:OUT', to: 'stream:OUT', label: 'creates' },
    { from: 'sink-connector:sink', to: 'database:db', label: 'insert' },
  ],
};

/**
 * A graph from a fixed seed (mulberry32): `n` boxes, `m` edges between random pairs (some against
 * the node order, so some cycles), labels of random length; dense enough that the ordering sweeps
 * and the placeholder gaps matter.
 */
function randomGraph(seed: number, n: number, m: number): LineageGraph {
  let a = seed;
  const random = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (k: number) => Math.floor(random() * k);
  const kinds = ['database', 'subject', 'topic', 'stream', 'table', 'query'] as const;
  const nodes = Array.from({ length: n }, (_, i) => ({
    id: `n${i}`,
    kind: kinds[Math.floor((i * kinds.length) / n)],
    label: `node ${i}`.padEnd(6 + pick(20), 'x'),
    detail: 'd'.repeat(pick(60)),
  }));
  const edges = Array.from({ length: m }, () => {
    const from = pick(n);
    const to = random() < 0.85 ? from + 1 + pick(Math.max(1, n - from - 1)) : pick(n);
    return { from: `n${from}`, to: `n${Math.min(to, n - 1)}`, label: random() < 0.8 ? 'e'.repeat(1 + pick(12)) : undefined };
  });
  return { stack: `random-${seed}`, nodes, edges };
}

function sha256(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

describe('the layout, pinned', () => {
  test.each(['ratings-dev', 'customer-quality-dev', 'airline-merger-dev'])('%s', (stack) => {
    expect(layoutLineage(lineageForStack(stack, FIXED_ENV))).toMatchSnapshot();
  });

  test('a small graph with cycles, a long edge, a self-loop and two edges between one pair', () => {
    const layout = layoutLineage(SMALL);
    // What the snapshot is meant to cover.
    expect(layout.edges.filter((e) => e.back).map((e) => [e.from, e.to])).toEqual([
      ['stream:OUT', 'source-connector:cdc'],
      ['sink-connector:sink', 'database:db'],
    ]);
    const box = new Map(layout.nodes.map((n) => [n.id, n]));
    expect(box.get('sink-connector:sink')!.layer - box.get('topic:t')!.layer).toBeGreaterThan(2);
    expect(box.get('source-connector:cdc')!.detailShown).toMatch(/…$/);
    expect(layout).toMatchSnapshot();
  });

  test('an empty graph and a single box', () => {
    expect(layoutLineage({ stack: 'empty', nodes: [], edges: [] })).toEqual({ width: 88, height: 64, nodes: [], edges: [] });
    const one = layoutLineage({ stack: 'one', nodes: [{ id: 'topic:x', kind: 'topic', label: 'x', detail: '' }], edges: [] });
    expect(one).toEqual({
      width: 160,
      height: 108,
      nodes: [{ id: 'topic:x', kind: 'topic', x: 32, y: 32, width: 96, height: 44, layer: 0, detailShown: '' }],
      edges: [],
    });
  });

  test('graphs from fixed seeds, by hash', () => {
    const graphs = [randomGraph(1, 12, 20), randomGraph(2, 20, 40), randomGraph(3, 30, 70), randomGraph(4, 40, 60)];
    expect(Object.fromEntries(graphs.map((g) => [g.stack, sha256(layoutLineage(g))]))).toMatchSnapshot();
  });

  test('every stack, by hash', () => {
    expect(Object.fromEntries(STACKS.map((s) => [s, sha256(layoutLineage(lineageForStack(s, FIXED_ENV)))]))).toMatchSnapshot();
  });
});
