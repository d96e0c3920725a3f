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
import { BrowserContext, chromium, Page } from 'playwright-core';
import { main } from '../../src/tools/cli/main';
import { layoutLineage } from '../../src/tools/lineage/layout';
import { LineageGraph, lineageEnv, lineageForStack } from '../../src/tools/lineage/model';
import { CHROMIUM_ARGS, ensureChromium } from '../../src/tools/toolchain/chromium';

jest.setTimeout(5 * 60_000);

const SHOT_DIR = path.join(os.tmpdir(), 'streamform-lineage');
const SHOT = path.join(SHOT_DIR, 'lineage-ratings-dev.png');

let work: string;
let userDataDir: string;
let context: BrowserContext;
let page: Page;
let pageFile: string;
let graph: LineageGraph;
const consoleErrors: string[] = [];
const requests: string[] = [];

beforeAll(async () => {
  const executablePath = await ensureChromium();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-it-'));
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport: { width: 1600, height: 1000 },
  });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(`page error: ${err.message}`));
  page.on('request', (r) => requests.push(r.url()));
  graph = lineageForStack('ratings-dev', lineageEnv());
}, 10 * 60_000);

afterAll(async () => {
  await context?.close();
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
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
    expect(dom.x + dom.width).toBeLessThanOrEqual(found.pageWidth);
    expect(dom.y + dom.height).toBeLessThanOrEqual(found.pageHeight);
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

  // The drawing is the computed layout, at its size.
  const layout = layoutLineage(graph);
  const svg = await page.locator('svg.lineage').boundingBox();
  expect(svg).toMatchObject({ width: layout.width, height: layout.height });
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

  // The Mermaid text opens.
  await page.click('#mermaid summary');
  await expect(page.locator('#mermaid pre').textContent()).resolves.toMatch(/^flowchart LR\n/);

  expect(consoleErrors).toEqual([]);
  expect(requests.filter((r) => !r.startsWith('file://'))).toEqual([]);
});

test(`a full-page screenshot is written to ${SHOT}`, async () => {
  expect(pageFile).toBeDefined();
  fs.mkdirSync(SHOT_DIR, { recursive: true });
  fs.rmSync(SHOT, { force: true });
  await page.goto(pathToFileURL(pageFile).href, { waitUntil: 'load' });
  await page.screenshot({ path: SHOT, fullPage: true });
  const png = fs.readFileSync(SHOT);
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  // The whole drawing is in it, not just the viewport.
  expect(width).toBeGreaterThanOrEqual(layoutLineage(graph).width);
  expect(height).toBeGreaterThanOrEqual(layoutLineage(graph).height);
  process.stderr.write(`\nlineage screenshot: ${SHOT} (${width}x${height})\n`);
});
