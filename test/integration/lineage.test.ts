/**
 * `streamform lineage` in a real browser. Starts a headless Chromium (Debian's `chromium`,
 * installed by ensureChromium when missing) and no servers: the page is written by the real CLI
 * function and opened over file:// (the project's global set-up still deploys the shared platform;
 * this suite does not use it). Checks that every node of the ratings model is in the DOM and visible
 * inside the page, that labels fit their boxes, that nothing is fetched and nothing is logged as an
 * error, and writes a full-page screenshot under the OS temp dir (its path is in the test name and
 * printed; it is not part of the repository).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { Page } from 'playwright-core';
import { main } from '../../src/tools/cli/main';
import { layoutLineage } from '../../src/tools/lineage/layout';
import { LineageGraph, lineageEnv, lineageForStack } from '../../src/tools/lineage/model';
import { openChromium, TestBrowser } from '../support/browser';

jest.setTimeout(5 * 60_000);

const SHOT_DIR = path.join(os.tmpdir(), 'streamform-lineage');
const SHOT = path.join(SHOT_DIR, 'lineage-ratings-dev.png');

let work: string;
let browser: TestBrowser;
let page: Page;
let pageFile: string;
let graph: LineageGraph;
const consoleErrors: string[] = [];
const requests: string[] = [];

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-it-'));
  browser = await openChromium('lineage');
  page = browser.page;
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(`page error: ${err.message}`));
  page.on('request', (r) => requests.push(r.url()));
  graph = lineageForStack('ratings-dev', lineageEnv());
}, 10 * 60_000);

afterAll(async () => {
  await browser?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('the CLI writes lineage-ratings-dev.html and prints its path', async () => {
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const cwd = process.cwd();
  let printed: string;
  try {
    process.chdir(work);
    await main(['lineage', 'ratings-dev']);
  } finally {
    process.chdir(cwd);
    printed = out.mock.calls.map((c) => String(c[0])).join('');
    out.mockRestore();
  }
  expect(process.exitCode ?? 0).toBe(0);
  pageFile = path.join(fs.realpathSync(work), 'lineage-ratings-dev.html');
  expect(printed.trim()).toBe(pageFile);
  expect(fs.statSync(pageFile).size).toBeGreaterThan(10_000);
});

test('Chromium shows every node of the ratings model, inside the page, with nothing fetched and no console errors', async () => {
  expect(pageFile).toBeDefined();
  const url = pathToFileURL(pageFile).href;
  await page.goto(url, { waitUntil: 'load' });
  await expect(page.title()).resolves.toBe('Lineage of ratings-dev');

  // Runs in the page (this project compiles without the DOM typings).
  const found = await page.evaluate(() => {
    const window = globalThis as any;
    const document = window.document;
    const doc = document.documentElement;
    const nodes = Array.from(document.querySelectorAll('g[data-node-id]') as ArrayLike<any>).map((g) => {
      const r = g.getBoundingClientRect();
      const rect = g.querySelector('rect').getBoundingClientRect();
      const label = g.querySelector('text.label');
      const labelBox = label.getBoundingClientRect();
      const style = window.getComputedStyle(g);
      return {
        id: String(g.getAttribute('data-node-id')),
        kind: String(g.getAttribute('data-kind')),
        label: String(label.textContent),
        x: Number(r.left + window.scrollX),
        y: Number(r.top + window.scrollY),
        width: Number(r.width),
        height: Number(r.height),
        rectWidth: Number(rect.width),
        labelWidth: Number(labelBox.width),
        visible: Boolean(style.visibility !== 'hidden' && style.display !== 'none' && Number(style.opacity) > 0),
      };
    });
    return { nodes, pageWidth: Number(doc.scrollWidth), pageHeight: Number(doc.scrollHeight) };
  });

  // Exactly the model's nodes, each with its kind and label.
  expect(found.nodes.map((n) => n.id).sort()).toEqual(graph.nodes.map((n) => n.id).sort());
  for (const n of graph.nodes) {
    const dom = found.nodes.find((d) => d.id === n.id)!;
    expect({ id: dom.id, kind: dom.kind, label: dom.label }).toEqual({ id: n.id, kind: n.kind, label: n.label });
    expect(dom.visible).toBe(true);
    expect(dom.width).toBeGreaterThan(0);
    expect(dom.height).toBeGreaterThan(0);
    expect(dom.x).toBeGreaterThanOrEqual(0);
    expect(dom.y).toBeGreaterThanOrEqual(0);
    // the whole pipeline fits the 1600×1000 window: nothing to scroll to
    expect(dom.x + dom.width).toBeLessThanOrEqual(Math.min(found.pageWidth, 1600));
    expect(dom.y + dom.height).toBeLessThanOrEqual(Math.min(found.pageHeight, 1000));
    // The label as rendered by the real font fits in its box.
    expect(dom.labelWidth).toBeLessThanOrEqual(dom.rectWidth - 4);
  }
  for (const n of graph.nodes) await expect(page.locator(`g[data-node-id="${n.id}"]`).isVisible()).resolves.toBe(true);

  // Rendered boxes do not overlap either.
  const rects = found.nodes;
  for (let i = 0; i < rects.length; i++) {
    for (let j = i + 1; j < rects.length; j++) {
      const a = rects[i];
      const b = rects[j];
      const overlap = a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;
      if (overlap) throw new Error(`${a.id} and ${b.id} overlap on the page`);
    }
  }

  // The drawing is the computed layout, fitted to the window (its view box is the whole layout).
  const layout = layoutLineage(graph);
  await expect(page.locator('svg.lineage').getAttribute('viewBox')).resolves.toBe(`0 0 ${layout.width} ${layout.height}`);
  expect(await page.locator('g.edge').count()).toBe(graph.edges.length);
  await expect(page.locator('#summary').textContent()).resolves.toMatch(/^27 nodes and 26 edges: 1 database, 1 source connector/);

  // The hover script runs: hovering RATINGS_LIVE lights up the enrichment that reads it.
  await page.hover('g[data-node-id="stream:RATINGS_LIVE"]');
  await expect(page.locator('svg.lineage').getAttribute('class')).resolves.toContain('focus');
  await expect(
    page.locator('g.edge.on[data-from="stream:RATINGS_LIVE"][data-to="query:RATINGS_WITH_CUSTOMER_DATA"]').count(),
  ).resolves.toBe(1);
  await expect(page.locator('g.node.on[data-node-id="stream:RATINGS_TEST"]').count()).resolves.toBe(0);
  await page.mouse.move(1, 1);
  await expect(page.locator('svg.lineage').getAttribute('class')).resolves.not.toContain('focus');

  // Query boxes say what they produce.
  await expect(page.locator('g[data-node-id="query:RATINGS_LIVE"] text.label').textContent()).resolves.toBe('CSAS → RATINGS_LIVE');

  // Zoom in, then Fit shows the whole graph again.
  const viewBox = () =>
    page
      .locator('svg.lineage')
      .getAttribute('viewBox')
      .then((v) => String(v).split(' ').map(Number));
  await page.click('#zoom-in');
  const zoomed = await viewBox();
  expect(zoomed[2]).toBeLessThan(layout.width * 0.8);
  await page.click('#fit');
  expect(await viewBox()).toEqual([0, 0, layout.width, layout.height]);
  // Dragging pans.
  const canvas = (await page.locator('#canvas').boundingBox())!;
  await page.mouse.move(canvas.x + 20, canvas.y + 20);
  await page.mouse.down();
  await page.mouse.move(canvas.x + 220, canvas.y + 120, { steps: 5 });
  await page.mouse.up();
  const panned = await viewBox();
  expect(panned[0]).toBeLessThan(0);
  expect(panned[2]).toBe(layout.width);
  await page.click('#fit');

  // The search box lights up the matching boxes and Enter zooms to them.
  await page.fill('#search', 'customers');
  const matching = graph.nodes.filter((n) => `${n.label} ${n.detail} ${n.id}`.toLowerCase().includes('customers'));
  expect(matching.length).toBeGreaterThan(1);
  await expect(page.locator('g.node.match').count()).resolves.toBe(matching.length);
  await expect(page.locator('#found').textContent()).resolves.toBe(`${matching.length} matches`);
  await page.press('#search', 'Enter');
  expect((await viewBox())[2]).toBeLessThan(layout.width);
  await page.press('#search', 'Escape');
  await expect(page.locator('g.node.match').count()).resolves.toBe(0);
  await page.click('#fit');

  // The Mermaid text opens.
  await page.click('#mermaid summary');
  await expect(page.locator('#mermaid pre').textContent()).resolves.toMatch(/^flowchart LR\n/);

  expect(consoleErrors).toEqual([]);
  expect(requests.filter((r) => !r.startsWith('file://'))).toEqual([]);
});

test(`a screenshot of the 1600×1000 window showing the whole ratings pipeline is written to ${SHOT}`, async () => {
  expect(pageFile).toBeDefined();
  fs.mkdirSync(SHOT_DIR, { recursive: true });
  fs.rmSync(SHOT, { force: true });
  await page.goto(pathToFileURL(pageFile).href, { waitUntil: 'load' });
  await page.screenshot({ path: SHOT });
  const png = fs.readFileSync(SHOT);
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1600, 1000]);
  // every box is drawn inside the window the screenshot shows
  for (const n of graph.nodes) {
    const b = (await page.locator(`g[data-node-id="${n.id}"] rect`).boundingBox())!;
    expect({ id: n.id, inside: b.x >= 0 && b.y >= 0 && b.x + b.width <= 1600 && b.y + b.height <= 1000 }).toEqual({
      id: n.id,
      inside: true,
    });
  }
  process.stderr.write(`\nlineage screenshot: ${SHOT} (1600x1000)\n`);
});

test('with the platform reachable, topics show their message counts; without, the page says why', async () => {
  const { messageCounts } = await import('../../src/tools/lineage/command');
  const { withMessageCounts } = await import('../../src/tools/lineage/model');
  const { KafkaAdminClient } = await import('../../src/provider/clients/kafka');
  const { sharedEndpoints, sharedInstance } = await import('../../src/tools/testkit/shared-platform');
  const topic = `lineage-counts-${Date.now().toString(36)}`;
  const admin = new KafkaAdminClient({ bootstrapServers: [sharedEndpoints().bootstrapServers] });
  try {
    await admin.createTopic({ name: topic, partitions: 2, replicationFactor: 1, configs: {} });
    const small: LineageGraph = {
      stack: 'x-dev',
      nodes: [{ id: `topic:${topic}`, kind: 'topic', label: topic, detail: '2 partitions' }],
      edges: [],
    };
    const live = await messageCounts('x-dev', small, sharedInstance().env);
    expect(live.counts).toEqual(new Map([[topic, 0n]]));
    expect(live.countsNote).toMatch(/^message counts from Kafka at the dev platform/);
    expect(withMessageCounts(small, new Map([[topic, 1234n]])).nodes[0].detail).toBe('2 partitions · 1,234 messages');
  } finally {
    await admin.deleteTopic(topic).catch(() => undefined);
    await admin.close();
  }
  const down = await messageCounts('ratings-dev', graph, { ...process.env, STREAMFORM_DEV_PORT_OFFSET: '777' }, 1500);
  expect(down.counts).toBeUndefined();
  expect(down.countsNote).toMatch(/^no message counts: Kafka at the dev platform \(.+\) did not answer within 1\.5 s$/);
});
