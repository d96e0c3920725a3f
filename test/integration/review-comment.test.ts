/**
 * The plan review as a reviewer sees it in a pull request: the Markdown `streamform plan` writes,
 * rendered by a GitHub-flavoured Markdown renderer (marked, GFM) into a page styled like a GitHub
 * comment, in headless Chromium (Debian's `chromium`, installed by ensureChromium when missing) at
 * 1600×1000. Starts no servers; the review comes from a plan shaped as `tofu show -json` writes it.
 * Checks what must be visible without scrolling or clicking (the totals, the data loss, the SQL
 * diff) and that OpenTofu's own plan stays collapsed; writes the screenshot under the OS temp dir.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Page } from 'playwright-core';
import { renderMarkdown, review } from '../../src/tools/gitops/plan-review';
import { openChromium, TestBrowser } from '../support/browser';
import { planChange as change } from '../support/plan-json';

// marked 4 (GitHub-flavoured Markdown; its CommonJS build, as jest loads tests)
const { marked } = require('marked') as { marked: { parse(markdown: string, options?: { gfm?: boolean }): string } };

jest.setTimeout(5 * 60_000);

const SHOT = path.join(os.tmpdir(), 'streamform-review', 'review-ratings-staging.png');
const Q = (where: string) =>
  `CREATE STREAM UNHAPPY_PLATINUM_CUSTOMERS WITH (KAFKA_TOPIC='unhappy-platinum-customers') AS SELECT R.CUSTOMER_ID, R.STARS, C.CLUB_STATUS FROM RATINGS_WITH_CUSTOMER_DATA R WHERE ${where} EMIT CHANGES;`;
const topic = (name: string, partitions = 3) => ({ name, partitions, replication_factor: 3, config: { 'retention.ms': '604800000' } });

const markdown = renderMarkdown(
  review(
    {
      ok: true,
      diagnostics: [],
      plan: {
        resource_changes: [
          ...['ratings-enriched', 'ratings-by-club-status', 'ratings-live'].map((t) =>
            change('streamform_topic', t.replace(/-/g, '_'), ['create'], null, topic(t)),
          ),
          change(
            'streamform_ksql_query',
            'Unhappy',
            ['update'],
            { statement: Q("STARS < 3 AND CLUB_STATUS = 'platinum'") },
            { statement: Q("STARS < 2 AND CLUB_STATUS = 'platinum'") },
          ),
          change('streamform_topic', 'Legacy', ['delete', 'create'], topic('ratings-legacy'), topic('ratings-archive'), {
            replace_paths: [['name']],
          }),
          change(
            'streamform_connector',
            'Cdc',
            ['update'],
            {
              name: 'ratings-cdc',
              config: { 'connector.class': 'io.debezium.connector.mysql.MySqlConnector', 'tasks.max': '1' },
              sensitive_config: { 'database.password': 'hunter-old' },
            },
            {
              name: 'ratings-cdc',
              config: { 'connector.class': 'io.debezium.connector.mysql.MySqlConnector', 'tasks.max': '2' },
              sensitive_config: { 'database.password': 'hunter-new' },
            },
          ),
        ],
      },
      text: 'OpenTofu used the selected providers to generate the following execution plan.\n  # streamform_topic.Legacy must be replaced\n…',
    },
    { protect: false, allowDestructive: false },
    { stack: 'ratings-staging', env: 'staging' },
  ),
);

/** A page styled like a GitHub comment (system font, code blocks, tables, details). */
const page = (body: string) => `<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body { margin: 0; background: #f6f8fa; font: 14px/1.5 -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: #1f2328; }
.comment { width: 900px; margin: 16px auto; background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 16px 24px; }
h2, h3 { margin: 16px 0 8px; border-bottom: 1px solid #d8dee4; padding-bottom: 4px; }
code, pre { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; background: #f6f8fa; border-radius: 6px; }
pre { padding: 8px 12px; overflow: auto; }
table { border-collapse: collapse; } th, td { border: 1px solid #d0d7de; padding: 4px 12px; }
ul { padding-left: 24px; margin: 4px 0; }
</style></head><body><div class="comment">${body}</div></body></html>`;

let browser: TestBrowser;
let tab: Page;

beforeAll(async () => {
  browser = await openChromium('review');
  tab = browser.page;
}, 10 * 60_000);

afterAll(async () => {
  await browser?.close();
});

test('rendered as GitHub renders it, the totals, the data loss and the SQL diff are on the first screen; the raw plan is collapsed', async () => {
  const html = marked.parse(markdown, { gfm: true });
  await tab.setContent(page(html), { waitUntil: 'load' });
  const visible = async (text: string) => {
    const box = await tab.getByText(text, { exact: false }).first().boundingBox();
    return box !== null && box.y >= 0 && box.y + box.height <= 1000;
  };
  expect(await visible('Plan: 3 to add, 2 to change, 1 to replace, 0 to destroy; 1 loses data.')).toBe(true);
  expect(await visible('all messages of ratings-legacy are lost')).toBe(true);
  // the diff is a rendered code block whose lines are the old and new WHERE
  const diff = await tab.locator('pre code.language-diff').first().textContent();
  expect(diff).toMatch(/^-WHERE .*3.*$/m);
  expect(diff).toMatch(/^\+WHERE .*2.*$/m);
  expect(await visible('+WHERE')).toBe(true);
  // a summary table, secrets masked, OpenTofu's plan folded away
  await expect(tab.locator('table th').allTextContents()).resolves.toEqual(['kind', 'create', 'update', 'replace', 'delete']);
  expect(await tab.textContent('body')).toContain('database.password: (secret) → (secret)');
  expect(await tab.textContent('body')).not.toContain('hunter');
  await expect(tab.locator('details pre').isVisible()).resolves.toBe(false);
  fs.mkdirSync(path.dirname(SHOT), { recursive: true });
  await tab.screenshot({ path: SHOT });
  const png = fs.readFileSync(SHOT);
  expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1600, 1000]);
  process.stderr.write(`\nreview screenshot: ${SHOT}\n`);
});
