/**
 * `streamform lineage`: the graph built from the construct tree of the pipeline stacks, its Mermaid
 * text, the layout (no two boxes overlap) and the HTML page (nothing loaded from the network).
 * Synthesis only; no servers, no browser (test/integration/lineage.test.ts opens the page).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TerraformStack, Testing } from 'cdktf';
import { Column, KsqlFormat, KsqlQuery, KsqlStream, KsqlText, KsqlType, QuerySink, StreamformCluster, Topic } from '../../constructs';
import { parseArgs, UsageError } from '../../src/tools/cli/args';
import { lineageCommand, renderLineage } from '../../src/tools/lineage/command';
import { escapeHtml, renderLineageHtml } from '../../src/tools/lineage/html';
import { layoutLineage, LayoutNode, TEXT, textWidth } from '../../src/tools/lineage/layout';
import { escapeMermaid, toMermaid } from '../../src/tools/lineage/mermaid';
import { LineageGraph, lineageForStack, lineageOf, LINEAGE_KINDS } from '../../src/tools/lineage/model';

const FIXED_ENV = { STREAMFORM_STATE_DIR: '/state', STREAMFORM_IMAGES: 'local' };
const STACKS = ['customer-quality', 'ratings', 'airline-merger'].flatMap((p) => ['dev', 'staging', 'prod'].map((e) => `${p}-${e}`));

const graphs = new Map<string, LineageGraph>();
function lineage(stack: string): LineageGraph {
  if (!graphs.has(stack)) graphs.set(stack, lineageForStack(stack, FIXED_ENV));
  return graphs.get(stack)!;
}

function node(g: LineageGraph, id: string) {
  const n = g.nodes.find((x) => x.id === id);
  if (!n) throw new Error(`no node ${id} in the lineage of ${g.stack}; nodes: ${g.nodes.map((x) => x.id).join(', ')}`);
  return n;
}

function edge(g: LineageGraph, from: string, to: string, label?: string) {
  const e = g.edges.find((x) => x.from === from && x.to === to);
  if (!e)
    throw new Error(
      `no edge ${from} -> ${to} in the lineage of ${g.stack}; edges from ${from}: ${
        g.edges
          .filter((x) => x.from === from)
          .map((x) => x.to)
          .join(', ') || 'none'
      }`,
    );
  if (label !== undefined) expect(e.label).toBe(label);
  return e;
}

/** True when data flows from `from` to `to` along the edges. */
function flows(g: LineageGraph, from: string, to: string): boolean {
  const seen = new Set([from]);
  const todo = [from];
  while (todo.length > 0) {
    const id = todo.pop()!;
    if (id === to) return true;
    for (const e of g.edges) {
      if (e.from === id && !seen.has(e.to)) {
        seen.add(e.to);
        todo.push(e.to);
      }
    }
  }
  return false;
}

describe('the ratings pipeline in dev', () => {
  const g = lineage('ratings-dev');

  test('has the sources, topics, subject, streams, tables and queries', () => {
    expect(node(g, 'database:streamform-dev-ratings-mariadb/demo')).toMatchObject({
      kind: 'database',
      label: 'MariaDB demo',
      detail: 'container streamform-dev-ratings-mariadb',
    });
    expect(node(g, 'source-connector:ratings-customers-cdc')).toMatchObject({ kind: 'source-connector', detail: 'MariaDbConnector' });
    expect(node(g, 'subject:ratings-value')).toMatchObject({ kind: 'subject', label: 'ratings-value', detail: 'AVRO · value' });
    for (const t of [
      'ratings',
      'asgard.demo.customers',
      'asgard.schema-history',
      'ratings-live',
      'ratings-test',
      'ratings-enriched',
      'unhappy-platinum-customers',
      'ratings-per-customer-per-15minute',
      'ratings-by-club-status',
    ]) {
      expect(node(g, `topic:${t}`)).toMatchObject({ kind: 'topic', label: t });
    }
    for (const s of ['RATINGS', 'RATINGS_LIVE', 'RATINGS_TEST', 'RATINGS_WITH_CUSTOMER_DATA', 'UNHAPPY_PLATINUM_CUSTOMERS']) {
      expect(node(g, `stream:${s}`)).toMatchObject({ kind: 'stream', label: s });
    }
    for (const t of ['CUSTOMERS', 'RATINGS_PER_CUSTOMER_PER_15MINUTE', 'RATINGS_BY_CLUB_STATUS'])
      expect(node(g, `table:${t}`)).toMatchObject({ kind: 'table', label: t });
    expect(node(g, 'query:RATINGS_WITH_CUSTOMER_DATA')).toMatchObject({
      kind: 'query',
      label: 'CSAS → RATINGS_WITH_CUSTOMER_DATA',
      detail: 'LEFT JOIN · WHERE',
    });
    expect(node(g, 'query:RATINGS_PER_CUSTOMER_PER_15MINUTE')).toMatchObject({
      label: 'CTAS → RATINGS_PER_CUSTOMER_PER_15MINUTE',
      detail: 'TUMBLING 15 MINUTES · GROUP BY',
    });
    expect(node(g, 'query:RATINGS_LIVE').statement).toMatch(/^CREATE STREAM RATINGS_LIVE WITH \(KAFKA_TOPIC='ratings-live'/);
    expect(g.nodes.filter((n) => n.kind === 'query')).toHaveLength(6);
    // No sinks to external systems in dev.
    expect(g.nodes.filter((n) => n.kind === 'sink-connector' || n.kind === 'external')).toEqual([]);
  });

  test('connects them the way data flows', () => {
    edge(g, 'database:streamform-dev-ratings-mariadb/demo', 'source-connector:ratings-customers-cdc', 'CDC');
    edge(g, 'source-connector:ratings-customers-cdc', 'topic:asgard.demo.customers', 'writes');
    edge(g, 'source-connector:ratings-customers-cdc', 'topic:asgard.schema-history', 'writes');
    edge(g, 'topic:asgard.demo.customers', 'table:CUSTOMERS', 'feeds');
    edge(g, 'subject:ratings-value', 'topic:ratings', 'value schema');
    edge(g, 'topic:ratings', 'stream:RATINGS', 'feeds');
    edge(g, 'stream:RATINGS', 'query:RATINGS_LIVE', 'FROM');
    edge(g, 'query:RATINGS_LIVE', 'stream:RATINGS_LIVE', 'creates');
    edge(g, 'stream:RATINGS_LIVE', 'topic:ratings-live', 'backed by');
    // The enrichment: RATINGS_LIVE and CUSTOMERS -> RATINGS_WITH_CUSTOMER_DATA.
    edge(g, 'stream:RATINGS_LIVE', 'query:RATINGS_WITH_CUSTOMER_DATA', 'FROM');
    edge(g, 'table:CUSTOMERS', 'query:RATINGS_WITH_CUSTOMER_DATA', 'LEFT JOIN');
    edge(g, 'query:RATINGS_WITH_CUSTOMER_DATA', 'stream:RATINGS_WITH_CUSTOMER_DATA', 'creates');
    edge(g, 'stream:RATINGS_WITH_CUSTOMER_DATA', 'topic:ratings-enriched', 'backed by');
    for (const q of ['UNHAPPY_PLATINUM_CUSTOMERS', 'RATINGS_PER_CUSTOMER_PER_15MINUTE', 'RATINGS_BY_CLUB_STATUS'])
      edge(g, 'stream:RATINGS_WITH_CUSTOMER_DATA', `query:${q}`, 'FROM');
    edge(g, 'query:RATINGS_BY_CLUB_STATUS', 'table:RATINGS_BY_CLUB_STATUS', 'creates');
    edge(g, 'table:RATINGS_BY_CLUB_STATUS', 'topic:ratings-by-club-status', 'backed by');
    expect(flows(g, 'stream:RATINGS_LIVE', 'stream:RATINGS_WITH_CUSTOMER_DATA')).toBe(true);
    expect(flows(g, 'table:CUSTOMERS', 'stream:RATINGS_WITH_CUSTOMER_DATA')).toBe(true);
    expect(flows(g, 'database:streamform-dev-ratings-mariadb/demo', 'topic:unhappy-platinum-customers')).toBe(true);
    // Test ratings do not reach the enrichment.
    expect(flows(g, 'stream:RATINGS_TEST', 'stream:RATINGS_WITH_CUSTOMER_DATA')).toBe(false);
    expect(g.edges.filter((e) => e.to === 'query:RATINGS_WITH_CUSTOMER_DATA')).toHaveLength(2);
  });

  test('is well formed and the same on every build', () => {
    const ids = g.nodes.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const e of g.edges) {
      expect(ids).toContain(e.from);
      expect(ids).toContain(e.to);
    }
    // Ordered by kind.
    const ranks = g.nodes.map((n) => LINEAGE_KINDS.indexOf(n.kind));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(lineageForStack('ratings-dev', FIXED_ENV)).toEqual(g);
  });
});

test('ratings in prod reads a configured database and sinks to Elasticsearch and MongoDB', () => {
  const g = lineage('ratings-prod');
  expect(node(g, 'database:${env:RATINGS_DB_HOST}/demo')).toMatchObject({ kind: 'database', detail: 'host ${env:RATINGS_DB_HOST}:3306' });
  edge(g, 'database:${env:RATINGS_DB_HOST}/demo', 'source-connector:ratings-customers-cdc', 'CDC');
  expect(node(g, 'sink-connector:ratings-elasticsearch-sink')).toMatchObject({
    kind: 'sink-connector',
    detail: 'ElasticsearchSinkConnector',
  });
  expect(node(g, 'sink-connector:ratings-mongodb-analytics-sink')).toMatchObject({ kind: 'sink-connector', detail: 'MongoSinkConnector' });
  edge(g, 'topic:ratings-enriched', 'sink-connector:ratings-elasticsearch-sink', 'reads');
  edge(g, 'topic:unhappy-platinum-customers', 'sink-connector:ratings-elasticsearch-sink', 'reads');
  edge(g, 'topic:unhappy-platinum-customers', 'sink-connector:ratings-mongodb-analytics-sink', 'reads');
  expect(g.edges.filter((e) => e.to === 'sink-connector:ratings-mongodb-analytics-sink')).toHaveLength(1);
  edge(g, 'sink-connector:ratings-elasticsearch-sink', 'external:elasticsearch:${env:ELASTICSEARCH_URL}', 'indexes');
  edge(g, 'sink-connector:ratings-mongodb-analytics-sink', 'external:mongodb:analytics.ratings', 'writes');
  expect(flows(g, 'topic:ratings', 'external:mongodb:analytics.ratings')).toBe(true);
});

test("airline-merger's two INSERT INTO queries write BOOKINGS, and its JDBC sink writes the database its CDC reads", () => {
  const g = lineage('airline-merger-dev');
  const inserts = g.edges.filter((e) => e.to === 'stream:BOOKINGS' && node(g, e.from).kind === 'query');
  expect(inserts.map((e) => [e.from, e.label])).toEqual([
    ['query:insert:StreamJetIntoBookings', 'inserts'],
    ['query:insert:SkyOneIntoBookings', 'inserts'],
  ]);
  expect(node(g, 'query:insert:StreamJetIntoBookings')).toMatchObject({ label: 'INSERT INTO BOOKINGS', detail: 'PARTITION BY' });
  edge(g, 'stream:STREAM_JET_BOOKINGS_ENRICHED', 'query:insert:StreamJetIntoBookings', 'FROM');
  edge(g, 'stream:SKY_ONE_BOOKINGS_ENRICHED', 'query:insert:SkyOneIntoBookings', 'FROM');
  edge(g, 'topic:bookings', 'stream:BOOKINGS', 'feeds');
  edge(g, 'subject:bookings-value', 'topic:bookings', 'value schema');
  // RedactedStream wraps a KsqlQuery: the same stream/query/topic nodes as any CSAS.
  edge(g, 'stream:BOOKINGS', 'query:BOOKINGS_REDACTED', 'FROM');
  edge(g, 'stream:BOOKINGS_REDACTED', 'topic:bookings-redacted', 'backed by');
  const db = 'database:streamform-dev-airline-postgres/airline';
  expect(node(g, db)).toMatchObject({ label: 'PostgreSQL airline' });
  edge(g, db, 'source-connector:airline-bookings-cdc', 'CDC');
  expect(node(g, 'sink-connector:airline-analytics-bookings-sink').detail).toBe('JdbcSinkConnector → analytics.bookings_redacted');
  edge(g, 'topic:bookings-redacted', 'sink-connector:airline-analytics-bookings-sink', 'reads');
  edge(g, 'sink-connector:airline-analytics-bookings-sink', db, 'insert');
  // A cycle: drawn as one edge going back.
  const layout = layoutLineage(g);
  expect(layout.edges.filter((e) => e.back).map((e) => [e.from, e.to])).toEqual([['sink-connector:airline-analytics-bookings-sink', db]]);
});

test("customer-quality's data quality rules: one INSERT INTO FAILURES per rule, metrics to Elasticsearch in prod", () => {
  const g = lineage('customer-quality-prod');
  const inserts = g.edges.filter((e) => e.to === 'stream:REGISTRATIONS_FAILURES' && e.label === 'inserts');
  expect(inserts).toHaveLength(7);
  for (const e of inserts) edge(g, 'stream:REGISTRATIONS_CHECKED', e.from, 'FROM');
  edge(g, 'table:REGISTRATIONS_UNIQUENESS_EMAIL_FIRST_SEEN', 'query:REGISTRATIONS_UNIQUENESS_EMAIL_LOOKUP', 'LEFT JOIN');
  edge(g, 'topic:registrations-valid', 'sink-connector:quality-mdm-sink', 'reads');
  edge(g, 'sink-connector:quality-mdm-sink', 'database:${env:QUALITY_DB_HOST}/quality', 'upsert');
  expect(flows(g, 'topic:custchannel', 'external:elasticsearch:${env:ELASTICSEARCH_URL}')).toBe(true);
});

describe('a stack built by hand', () => {
  function stack(): TerraformStack {
    const s = new TerraformStack(Testing.app(), 'by-hand');
    new StreamformCluster(s, 'Cluster', { brokers: 1 });
    new KsqlStream(s, 'Orders', {
      topic: Topic.fromTopicName(s, 'OrdersTopic', 'orders', { partitions: 2 }),
      valueFormat: KsqlFormat.JSON,
      columns: [Column.key('ID', KsqlType.string()), Column.value('AMOUNT', KsqlType.double())],
    });
    KsqlStream.fromName(s, 'Refunds', 'REFUNDS');
    // Query text without typed references: the sources come from the statement.
    new KsqlQuery(s, 'BigOrders', {
      sink: QuerySink.stream({ topic: { topicName: 'big-orders' } }),
      select: new KsqlText(
        'SELECT O.ID, O.AMOUNT FROM ORDERS O JOIN REFUNDS R WITHIN 1 HOUR ON O.ID = R.ID WHERE O.AMOUNT > 100 EMIT CHANGES',
        [],
      ),
    });
    return s;
  }

  test('reads sources from the statement when the query has no typed references, and marks external ones', () => {
    const g = lineageOf(stack());
    expect(g.stack).toBe('by-hand');
    expect(node(g, 'topic:orders')).toMatchObject({ kind: 'topic', detail: 'external · 2 partitions' });
    expect(node(g, 'stream:REFUNDS')).toMatchObject({ kind: 'stream', detail: 'STREAM outside this app' });
    edge(g, 'topic:orders', 'stream:ORDERS', 'feeds');
    edge(g, 'stream:ORDERS', 'query:BIG_ORDERS', 'FROM');
    edge(g, 'stream:REFUNDS', 'query:BIG_ORDERS', 'JOIN');
    edge(g, 'query:BIG_ORDERS', 'stream:BIG_ORDERS', 'creates');
    edge(g, 'stream:BIG_ORDERS', 'topic:big-orders', 'backed by');
    expect(node(g, 'query:BIG_ORDERS').detail).toBe('JOIN · WHERE');
  });
});

test('an unknown stack is refused with the list of stacks', () => {
  expect(() => lineageForStack('ratings', FIXED_ENV)).toThrow(
    /unknown stack 'ratings'; the stacks are platform-dev, .*ratings-dev.*airline-merger-prod; did you mean 'ratings-dev'\?/,
  );
  expect(() => lineageForStack('nope', FIXED_ENV)).toThrow(/unknown stack 'nope'; .*name one of them, e.g. ratings-dev/);
});

describe('Mermaid', () => {
  test('is a left-to-right flowchart with one line per node and per edge', () => {
    const g = lineage('ratings-dev');
    const text = toMermaid(g);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('flowchart LR');
    const edgeLines = lines.filter((l) => l.includes('-->'));
    expect(edgeLines).toHaveLength(g.edges.length);
    for (const l of edgeLines) expect(l).toMatch(/^ {2}n\d+ -->\|"[^"\n]+"\| n\d+$/);
    const nodeLines = lines.filter((l) => /^ {2}n\d+[[({>]/.test(l));
    expect(nodeLines).toHaveLength(g.nodes.length);
    const i = (id: string) => g.nodes.findIndex((n) => n.id === id);
    expect(lines).toContain(`  n${i('stream:RATINGS_LIVE')} -->|"FROM"| n${i('query:RATINGS_WITH_CUSTOMER_DATA')}`);
    expect(lines).toContain(`  n${i('database:streamform-dev-ratings-mariadb/demo')}[("MariaDB demo")]`);
    expect(lines).toContain(`  n${i('topic:ratings')}["ratings"]`);
    expect(lines).toContain(`  n${i('stream:RATINGS')}(["RATINGS"])`);
    expect(lines).toContain(`  n${i('table:CUSTOMERS')}[["CUSTOMERS"]]`);
    expect(lines).toContain(`  n${i('subject:ratings-value')}{{"ratings-value"}}`);
    expect(lines.filter((l) => l.startsWith('  classDef '))).toHaveLength(new Set(g.nodes.map((n) => n.kind)).size);
  });

  test('escapes what would end a label or be read as markup', () => {
    expect(escapeMermaid('a "b" <c> #d | e\nf')).toBe('a #quot;b#quot; #lt;c#gt; #35;d #124; e f');
  });
});

/** Pairs of boxes that overlap (touching edges allowed). */
function overlapping(nodes: readonly LayoutNode[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const a = nodes[i];
      const b = nodes[j];
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) out.push(`${a.id} and ${b.id}`);
    }
  }
  return out;
}

describe('layout', () => {
  test.each(STACKS)('%s: no two boxes overlap, all inside the drawing, data flows left to right', (stack) => {
    const g = lineage(stack);
    const layout = layoutLineage(g);
    expect(layout.nodes).toHaveLength(g.nodes.length);
    expect(overlapping(layout.nodes)).toEqual([]);
    for (const n of layout.nodes) {
      expect(n.width).toBeGreaterThan(0);
      expect(n.x).toBeGreaterThanOrEqual(0);
      expect(n.y).toBeGreaterThanOrEqual(0);
      expect(n.x + n.width).toBeLessThanOrEqual(layout.width);
      expect(n.y + n.height).toBeLessThanOrEqual(layout.height);
    }
    const box = new Map(layout.nodes.map((n) => [n.id, n]));
    for (const e of layout.edges.filter((x) => !x.back)) expect(box.get(e.from)!.x + box.get(e.from)!.width).toBeLessThan(box.get(e.to)!.x);
    expect(layout.edges).toHaveLength(g.edges.length);
  });

  test('the overlap check finds overlapping boxes', () => {
    const n = (id: string, x: number, y: number): LayoutNode => ({
      id,
      kind: 'topic',
      x,
      y,
      width: 100,
      height: 40,
      layer: 0,
      detailShown: '',
    });
    expect(overlapping([n('a', 0, 0), n('b', 50, 20), n('c', 0, 40)])).toEqual(['a and b', 'b and c']);
  });

  test('the ratings subject sits just before its topic, and every box is wide enough for its label', () => {
    const layout = layoutLineage(lineage('ratings-dev'));
    const box = new Map(layout.nodes.map((n) => [n.id, n]));
    expect(box.get('subject:ratings-value')!.layer).toBe(box.get('topic:ratings')!.layer - 1);
    const g = lineage('ratings-dev');
    for (const n of layout.nodes) {
      const label = g.nodes.find((x) => x.id === n.id)!.label;
      expect(n.width).toBeGreaterThanOrEqual(Math.max(textWidth(label, TEXT.labelSize), textWidth(n.detailShown, TEXT.detailSize)) + 16);
    }
  });
});

describe('HTML page', () => {
  const g = lineage('ratings-dev');
  const { html, layout, mermaid } = renderLineageHtml(g);

  test('loads nothing: no http(s) src or href, no external stylesheet, script or font', () => {
    const refs = [...html.matchAll(/\b(?:src|href|xlink:href)\s*=\s*["']?([^"'\s>]*)/gi)].map((m) => m[1]);
    expect(refs.filter((r) => /^(https?:)?\/\//i.test(r))).toEqual([]);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<script\b[^>]*\bsrc\b/i);
    expect(html).not.toMatch(/@import|@font-face|url\(\s*["']?(https?:)?\/\//i);
    // The scan itself finds such references.
    expect(
      [...'<img src="https://x/y.png"><a href=//cdn>'.matchAll(/\b(?:src|href|xlink:href)\s*=\s*["']?([^"'\s>]*)/gi)].map((m) => m[1]),
    ).toEqual(['https://x/y.png', '//cdn']);
  });

  test('has a title, a summary, a legend, one <g> per node and the Mermaid text', () => {
    expect(html).toContain('<title>Lineage of ratings-dev</title>');
    expect(html).toContain(
      '27 nodes and 26 edges: 1 database, 1 source connector, 2 schema subjects, 9 topics, 5 streams, 3 tables, 6 queries',
    );
    for (const n of g.nodes) {
      expect(html).toContain(
        `<g class="node" data-node-id="${escapeHtml(n.id)}" data-kind="${n.kind}" data-search="${escapeHtml(`${n.label} ${n.detail} ${n.id}`.toLowerCase())}">`,
      );
    }
    expect(html.match(/data-node-id="/g)).toHaveLength(g.nodes.length);
    expect(html.match(/<g class="edge( back)?" data-from=/g)).toHaveLength(g.edges.length);
    expect(html.match(/marker-end="url\(#arrow\)"/g)).toHaveLength(g.edges.length);
    for (const k of LINEAGE_KINDS) expect(html).toContain(`<li data-kind="${k}">`);
    expect(html).toContain(`<details id="mermaid">`);
    expect(html).toContain(escapeHtml(mermaid));
    // fitted to the window: the view box is the whole layout, the size the window's
    expect(html).toContain(`<svg class="lineage" viewBox="0 0 ${layout.width} ${layout.height}" preserveAspectRatio="xMidYMid meet"`);
    for (const id of ['search', 'zoom-in', 'zoom-out', 'fit', 'counts']) expect(html).toContain(`id="${id}"`);
  });

  test('escapes labels', () => {
    expect(escapeHtml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
    const prod = renderLineageHtml(lineage('ratings-prod')).html;
    expect(prod).toContain('data-node-id="external:elasticsearch:${env:ELASTICSEARCH_URL}"');
  });
});

describe('the command', () => {
  let dir: string;
  let out: jest.SpyInstance;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-unit-'));
    out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    out.mockRestore();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('writes lineage-<stack>.html in the given directory and returns its path', () => {
    const r = renderLineage('ratings-dev', { cwd: dir, env: FIXED_ENV });
    expect(r.path).toBe(path.join(dir, 'lineage-ratings-dev.html'));
    expect(fs.readFileSync(r.path!, 'utf8')).toBe(renderLineageHtml(lineage('ratings-dev')).html);
    const custom = renderLineage('ratings-dev', { cwd: dir, out: 'sub/page.html', env: FIXED_ENV });
    expect(custom.path).toBe(path.join(dir, 'sub', 'page.html'));
  });

  test('--format mermaid prints the flowchart', async () => {
    await lineageCommand(parseArgs(['lineage', 'ratings-dev', '--format', 'mermaid']));
    const printed = out.mock.calls.map((c) => String(c[0])).join('');
    expect(printed.startsWith('flowchart LR\n')).toBe(true);
    expect(printed).toContain('"RATINGS_WITH_CUSTOMER_DATA"');
  });

  test.each([
    [['lineage'], /name a stack, e.g. `streamform lineage ratings-dev`/],
    [['lineage', 'ratings-dev', 'airline-merger-dev'], /lineage takes one stack/],
    [['lineage', 'ratings-dev', '--format', 'svg'], /--format must be html or mermaid, got 'svg'/],
    [['lineage', 'ratings-dev', '--colour', 'red'], /unknown option --colour for lineage/],
    [['lineage', 'ratings-dev', '--format', 'mermaid', '--out', 'x.html'], /--out writes the HTML page/],
    [['lineage', 'ratings'], /unknown stack 'ratings'.*did you mean 'ratings-dev'/],
  ])('%j is refused', async (argv, message) => {
    const run = lineageCommand(parseArgs(argv));
    await expect(run).rejects.toThrow(message);
    await expect(run).rejects.toBeInstanceOf(UsageError);
  });
});
