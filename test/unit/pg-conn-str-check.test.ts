/**
 * The early PG_CONN_STR check of `streamform deploy`/`destroy` (src/tools/cli/cdktf.ts): stacks whose
 * state lives in OpenTofu's pg backend fail before OpenTofu runs when the variable is unset.
 * Synthesized folders are written by hand; the staging stacks' own backend block is checked through
 * a real synthesis. No servers. (test/integration/pg-backend.test.ts checks deployStacks end to end.)
 */
import { Testing } from 'cdktf';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { requirePgConnStr } from '../../src/tools/cli/cdktf';
import { environment } from '../../stacks/environments';
import { PIPELINES } from '../../stacks/main';

let out: string;

function stack(id: string, backend: Record<string, unknown>): void {
  const dir = path.join(out, 'stacks', id);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify({ terraform: { backend } }));
}

function realStack(id: string, pipeline: string, env: 'staging' | 'prod'): void {
  const Stack = PIPELINES[pipeline];
  const s = new Stack(Testing.app(), id, { env: environment(env, {}) });
  const dir = path.join(out, 'stacks', id);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'cdk.tf.json'), Testing.synth(s, false));
}

beforeEach(() => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-pgcheck-'));
  stack('ratings-dev', { local: { path: '/state/ratings-dev.tfstate' } });
  realStack('ratings-staging', 'ratings', 'staging');
  realStack('airline-merger-prod', 'airline-merger', 'prod');
});

afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

test('a pg-backed stack without PG_CONN_STR fails, naming the variable, the stack, its schema and how to set it', () => {
  expect(() => requirePgConnStr(['ratings-staging'], out, {})).toThrow(
    /^PG_CONN_STR is not set, but ratings-staging \(schema streamform_staging_ratings_staging\) keeps Terraform state in PostgreSQL \(OpenTofu pg backend\)\. Set it in the environment of this command, e\.g\. export PG_CONN_STR='postgres:\/\/USER:PASSWORD@HOST:5432\/DATABASE\?sslmode=require'/,
  );
});

test('every pg-backed stack of the command is named; local ones are not', () => {
  let message = '';
  try {
    requirePgConnStr(['ratings-dev', 'ratings-staging', 'airline-merger-prod'], out, { PATH: '/usr/bin' });
  } catch (err) {
    message = (err as Error).message;
  }
  expect(message).toContain(
    'ratings-staging (schema streamform_staging_ratings_staging), airline-merger-prod (schema streamform_prod_airline_merger_prod) keep Terraform state',
  );
  expect(message).not.toContain('ratings-dev');
  expect(message).toContain('never read from configuration');
});

test('empty or blank PG_CONN_STR counts as unset', () => {
  expect(() => requirePgConnStr(['ratings-staging'], out, { PG_CONN_STR: '' })).toThrow(/PG_CONN_STR is not set/);
  expect(() => requirePgConnStr(['ratings-staging'], out, { PG_CONN_STR: '  ' })).toThrow(/PG_CONN_STR is not set/);
});

test('passes when PG_CONN_STR is set, for local-state stacks, and for stacks that were not synthesized', () => {
  const connStr = 'postgres://ci@example.invalid/tfstate?sslmode=require'; // no password: not a secret
  expect(() => requirePgConnStr(['ratings-staging', 'airline-merger-prod'], out, { PG_CONN_STR: connStr })).not.toThrow();
  expect(() => requirePgConnStr(['ratings-dev'], out, {})).not.toThrow();
  expect(() => requirePgConnStr(['no-such-stack'], out, {})).not.toThrow();
});

test('a pg backend block that carries its own conn_str needs no variable (streamform never writes one)', () => {
  stack('hand-written', { pg: { conn_str: 'postgres://example.invalid/db', schema_name: 'x' } });
  expect(() => requirePgConnStr(['hand-written'], out, {})).not.toThrow();
  stack('default-schema', { pg: {} });
  expect(() => requirePgConnStr(['default-schema'], out, {})).toThrow(/default-schema \(schema terraform_remote_state\)/);
});

test("the staging and prod stacks' backend block holds only schema_name", () => {
  for (const id of ['ratings-staging', 'airline-merger-prod']) {
    const json = JSON.parse(fs.readFileSync(path.join(out, 'stacks', id, 'cdk.tf.json'), 'utf8'));
    expect(Object.keys(json.terraform.backend)).toEqual(['pg']);
    expect(Object.keys(json.terraform.backend.pg)).toEqual(['schema_name']);
  }
});
