/**
 * The PostgreSQL roles of docs/ci.md, run as written there against a real PostgreSQL: each role
 * can do what its CI jobs do and nothing more. The apply role of staging applies; the plan roles
 * plan but cannot write; prod's plan role reads staging's state (promotion); without the
 * PG_SKIP_* settings a role that may not create fails OpenTofu's init (why the workflows set them).
 *
 * Starts: a PostgreSQL container (test/support/postgres.ts), removed at the end.
 */
import { TerraformOutput } from 'cdktf';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from '../../src/tools/toolchain/paths';
import { sharedEndpoints } from '../../src/tools/testkit/shared-platform';
import { Workspace } from '../../src/tools/testkit/workspace';
import { startPostgres, TestPostgres } from '../support/postgres';

jest.setTimeout(10 * 60_000);

const RUN = Date.now().toString(36);
const STACK = `roles_${RUN}`;
const SKIP = { PG_SKIP_SCHEMA_CREATION: 'true', PG_SKIP_TABLE_CREATION: 'true', PG_SKIP_INDEX_CREATION: 'true' };
let pg: TestPostgres;
const passwords: Record<string, string> = {};
let staging: Workspace;

/** The SQL block of docs/ci.md after `<!-- pg-roles:<name> -->`. */
function docBlock(name: string): string {
  const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'ci.md'), 'utf8');
  const m = new RegExp(`<!-- pg-roles:${name} -->\\n\`\`\`sql\\n([\\s\\S]*?)\`\`\``).exec(doc);
  if (!m) throw new Error(`docs/ci.md has no pg-roles:${name} block`);
  return m[1];
}

/** The stack block for one environment and stack, as an administrator fills it in. */
const stackSql = (env: string, stack: string) =>
  docBlock('stack')
    .replace(/streamform_ENV_STACK/g, `streamform_${env}_${stack}`)
    .replace(/streamform_ENV_plan/g, `streamform_${env}_plan`)
    .replace(/streamform_ENV\b/g, `streamform_${env}`);

/** OpenTofu in the staging workspace as `role` (with or without the PG_SKIP_* settings). */
function as(role: string, args: string[], skip = true) {
  const env = { ...staging.env, PG_CONN_STR: pg.connStrOf(role, passwords[role]), ...(skip ? SKIP : {}) };
  return staging.tofu(args, true, env);
}

beforeAll(async () => {
  pg = await startPostgres(`sf-it-pgroles-${RUN}`, 'pg-roles');
  let sql = docBlock('database');
  for (const m of sql.matchAll(/CREATE ROLE (\w+) LOGIN PASSWORD '([^']+)'/g)) {
    passwords[m[1]] = randomBytes(12).toString('hex');
    sql = sql.replace(`'${m[2]}'`, `'${passwords[m[1]]}'`);
  }
  expect(Object.keys(passwords).sort()).toEqual([
    'streamform_prod',
    'streamform_prod_plan',
    'streamform_staging',
    'streamform_staging_plan',
  ]);
  await pg.db.query(sql);
  await pg.db.query(stackSql('staging', STACK));
  await pg.db.query(stackSql('prod', STACK));
  staging = new Workspace(
    STACK,
    { bootstrapServers: sharedEndpoints().bootstrapServers },
    { backend: { kind: 'pg', schemaPrefix: 'streamform_staging' } },
  );
  staging.synth((stack) => {
    new TerraformOutput(stack, 'streamform_fingerprint', { value: 'fp-1' });
  });
});

afterAll(async () => {
  staging?.cleanup();
  await pg?.stop();
});

test("staging's apply role initializes and applies; its state is in the pre-created table", async () => {
  expect((await as('streamform_staging', ['init', '-input=false', '-no-color'])).code).toBe(0);
  const applied = await as('streamform_staging', ['apply', '-auto-approve', '-input=false', '-no-color']);
  expect({ code: applied.code, output: applied.code === 0 ? '' : applied.output }).toEqual({ code: 0, output: '' });
  const rows = await pg.db.query(`SELECT name FROM streamform_staging_${STACK}.states`);
  expect(rows.rows.map((r: { name: string }) => r.name)).toEqual(['default']);
});

test("staging's plan role plans (with locking) but cannot write the state", async () => {
  const plan = await as('streamform_staging_plan', ['plan', '-detailed-exitcode', '-input=false', '-no-color']);
  expect({ code: plan.code, output: plan.code === 0 ? '' : plan.output }).toEqual({ code: 0, output: '' });
  staging.synth((stack) => {
    new TerraformOutput(stack, 'streamform_fingerprint', { value: 'fp-2' });
  });
  const write = await as('streamform_staging_plan', ['apply', '-auto-approve', '-input=false', '-no-color']);
  expect(write.code).toBe(1);
  expect(write.output).toMatch(/permission denied for table states/);
});

test("prod's plan role reads staging's state (promotion's check) and cannot write it; prod's apply role cannot read it", async () => {
  const read = await as('streamform_prod_plan', ['output', '-json']);
  expect(read.code).toBe(0);
  expect(JSON.parse(read.output).streamform_fingerprint.value).toBe('fp-1');
  const write = await as('streamform_prod_plan', ['apply', '-auto-approve', '-input=false', '-no-color']);
  expect(write.code).toBe(1);
  expect(write.output).toMatch(/permission denied for table states/);
  const other = await as('streamform_prod', ['output', '-json']);
  expect(other.code).toBe(1);
  expect(other.output).toMatch(/permission denied for schema streamform_staging_/);
});

test('without the PG_SKIP_* settings, a role that may not create fails init on the shared sequence', async () => {
  const init = await as('streamform_staging_plan', ['init', '-reconfigure', '-input=false', '-no-color'], false);
  expect(init.code).toBe(1);
  expect(init.output).toMatch(/permission denied for schema public/);
});
