/**
 * Shared Terraform state in PostgreSQL (OpenTofu's pg backend, as staging and prod use it) under
 * concurrent applies, with the real OpenTofu binary.
 *
 * Starts:
 * - a PostgreSQL container from `streamform/postgres:15` (LOCAL_IMAGES.postgres) published on a free
 *   127.0.0.1 port picked by Docker, with a password generated for this run; removed (with its
 *   volume) at the end, also when a test fails;
 * - the local ksqlDB in-process (over its in-memory log), whose commands take 8 s: an apply that creates
 *   a `streamform_ksql_stream` holds the state lock at least that long.
 *
 * Two Workspaces (two working folders, like two CI jobs) synthesize the same stack, whose backend
 * comes from stacks/backend.ts (`pg` with `schema_name` only); the connection string reaches
 * OpenTofu only as PG_CONN_STR in its process environment (`sslmode=disable`: local container).
 * The tests run in order and build on each other (one state).
 */
import { Client } from 'pg';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { deployStacks } from '../../src/tools/cli/cdktf';
import { ksqlStream } from '../../src/gen/providers/streamform';
import { type KsqlServer, startKsqlServer } from '../../src/tools/ksqldb/server';
import { sharedEndpoints } from '../../src/tools/testkit/shared-platform';
import { address, TofuResult, Workspace } from '../../src/tools/testkit/workspace';
import { startPostgres as startTestPostgres, TestPostgres } from '../support/postgres';

jest.setTimeout(10 * 60_000);

const RUN = Date.now().toString(36);
const CONTAINER = `sf-it-pgstate-${RUN}`;
const STACK = 'pgstate';
const SCHEMA_PREFIX = `sfit_${RUN}`;
/** What stacks/backend.ts makes of the prefix and the stack id. */
const SCHEMA = `${SCHEMA_PREFIX}_${STACK}`;
const KSQL_PREFIX = `PGS_${RUN.toUpperCase()}`;

let pg: TestPostgres;
let password: string;
let port: number;
let connStr: string;
let db: Client;
let ksqldb: KsqlServer;
let wsA: Workspace;
let wsB: Workspace;
/** Addresses of the streams in the configuration, by letter. */
let addrs: Record<string, string> = {};
/** The state's lineage, fixed by the first apply. */
let lineage: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startPostgres(): Promise<void> {
  pg = await startTestPostgres(CONTAINER, 'pg-backend');
  ({ password, port, connStr, db } = pg);
}

/** Both workspaces get the same configuration: one slow ksqlDB stream per letter. */
function synthBoth(letters: readonly string[]): void {
  const next: Record<string, string> = {};
  for (const ws of [wsA, wsB]) {
    ws.synth((stack) => {
      for (const l of letters) {
        const s = new ksqlStream.KsqlStream(stack, `stream_${l.toLowerCase()}`, {
          // ksqlDB creates the topic (PARTITIONS given); the local ksqlDB keeps it in its in-memory log.
          statement: `CREATE STREAM ${KSQL_PREFIX}_${l} (ID STRING KEY, V INT) WITH (KAFKA_TOPIC='pgs-${RUN}-${l.toLowerCase()}', PARTITIONS=1, VALUE_FORMAT='JSON');`,
        });
        next[l] = address(s);
      }
    });
  }
  addrs = next;
}

/** Advisory locks currently granted in the state database, as the 64-bit keys OpenTofu passed. */
async function advisoryLocks(): Promise<bigint[]> {
  const r = await db.query<{ classid: string; objid: string }>(
    "SELECT classid::bigint AS classid, objid::bigint AS objid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
  );
  return r.rows.map((x) => BigInt.asIntN(64, (BigInt(x.classid) << 32n) | BigInt(x.objid)));
}

/** Waits until `pending` (an apply) is seen holding an advisory lock; returns the lock's key. */
async function lockHeldBy(pending: Promise<unknown>): Promise<bigint> {
  let ended = false;
  pending.then(
    () => (ended = true),
    () => (ended = true),
  );
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const locks = await advisoryLocks();
    if (locks.length === 1) return locks[0];
    if (ended) throw new Error('the first apply ended before it was seen holding the state lock');
    await sleep(25);
  }
  throw new Error('no state lock was taken within 60 s');
}

interface Timed extends TofuResult {
  readonly start: number;
  readonly end: number;
}

async function timed(f: () => Promise<TofuResult>): Promise<Timed> {
  const start = Date.now();
  const r = await f();
  return { ...r, start, end: Date.now() };
}

interface Race {
  readonly first: Timed;
  readonly second: Timed;
  /** The advisory lock the first apply held when the second one started. */
  readonly lockKey: bigint;
  /** Commands the local ksqlDB executed during the race (each CREATE STREAM is one). */
  readonly commands: number;
}

/**
 * Two applies of the same configuration from the two working folders: the second starts as soon as
 * the first is seen holding the state lock in PostgreSQL (while its 8-s stream creation runs).
 */
async function race(lockTimeout: string): Promise<Race> {
  const before = ksqldb.stats.commands;
  const flags = [`-lock-timeout=${lockTimeout}`];
  const firstP = timed(() => wsA.apply(true, flags));
  const lockKey = await lockHeldBy(firstP);
  const secondP = timed(() => wsB.apply(true, flags));
  const [first, second] = await Promise.all([firstP, secondP]);
  const t = (x: Timed) => `exit ${x.code}, ${x.start - first.start}..${x.end - first.start} ms`;
  const reason = /Error message: (.*)/.exec(second.output)?.[1];
  process.stderr.write(
    `race -lock-timeout=${lockTimeout}: first ${t(first)}; second ${t(second)}${reason ? ` (${reason})` : ''}; lock key ${lockKey}\n`,
  );
  return { first, second, lockKey, commands: ksqldb.stats.commands - before };
}

interface StoredState {
  serial: number;
  lineage: string;
  resources: { type: string; name: string; instances: unknown[] }[];
}

async function stateRows(): Promise<{ id: string; name: string; data: string }[]> {
  return (await db.query<{ id: string; name: string; data: string }>(`SELECT id, name, data FROM ${SCHEMA}.states ORDER BY id`)).rows;
}

/**
 * The state after a race: one row in PostgreSQL; each stream in it once; both working folders read
 * the same serial and lineage as the row holds; plans in both are empty; no lock left behind.
 */
async function expectIntact(letters: readonly string[]): Promise<StoredState> {
  const rows = await stateRows();
  expect(rows.map((r) => r.name)).toEqual(['default']);
  const stored = JSON.parse(rows[0].data) as StoredState;
  const expected = letters.map((l) => addrs[l]).sort();
  expect(stored.resources.map((r) => `${r.type}.${r.name}`).sort()).toEqual(expected);
  for (const r of stored.resources) expect(r.instances).toHaveLength(1);
  for (const ws of [wsA, wsB]) {
    expect((await ws.stateList()).sort()).toEqual(expected);
    const pulled = JSON.parse((await ws.tofu(['state', 'pull'])).output) as StoredState;
    expect({ serial: pulled.serial, lineage: pulled.lineage }).toEqual({ serial: stored.serial, lineage: stored.lineage });
    const plan = await ws.plan();
    expect(plan.output).toContain('No changes.');
    expect(plan.code).toBe(0);
  }
  expect(await advisoryLocks()).toEqual([]);
  return stored;
}

/** OpenTofu's lock failure, with the pg backend's reason and the refused request's lock info. */
function expectLockError(r: Timed, reason: string): void {
  expect(r.code).toBe(1);
  expect(r.output).toContain('Error: Error acquiring the state lock');
  expect(r.output).toContain(`Error message: ${reason}`);
  expect(r.output).toMatch(
    /Lock Info:\n\s+ID:\s+[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\n\s+Path:.*\n\s+Operation: OperationTypeApply\n\s+Who:\s+\S+@\S+\n\s+Version:\s+\d+\.\d+\.\d+\n\s+Created:/,
  );
  expect(r.output).toMatch(/OpenTofu acquires a state lock to protect the state from being written\s+by multiple users at the same time/);
  // PostgreSQL advisory locks carry no payload: the info shown is the refused apply's own request
  // (created after it started), not the holder's.
  const created = /Created:\s+(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d{1,3})?\d* \+0000 UTC/.exec(r.output);
  expect(created).not.toBeNull();
  const at = Date.parse(`${created![1]}T${created![2]}${created![3] ?? ''}Z`);
  expect(at).toBeGreaterThanOrEqual(r.start - 1000);
  expect(at).toBeLessThanOrEqual(r.end + 1000);
  expect(r.output).not.toContain('Apply complete!');
}

beforeAll(async () => {
  await startPostgres();
  ksqldb = await startKsqlServer({ port: 0, commandExecutionMs: 8000, commandResponseTimeoutMs: 20000 });
  const endpoints = { bootstrapServers: sharedEndpoints().bootstrapServers, ksqldbUrl: ksqldb.url };
  const backend = { kind: 'pg', schemaPrefix: SCHEMA_PREFIX, connStr } as const;
  wsA = new Workspace(STACK, endpoints, { backend });
  wsB = new Workspace(STACK, endpoints, { backend });
  synthBoth(['A']);
});

afterAll(async () => {
  await pg?.stop();
  await ksqldb?.close();
  wsA?.cleanup();
  wsB?.cleanup();
});

describe('OpenTofu pg backend, shared by two working folders', () => {
  test('init creates the schema and the states table in PostgreSQL; the default workspace has no row until its first write', async () => {
    await wsA.init();
    await wsB.init();
    const schemata = await db.query('SELECT schema_name FROM information_schema.schemata WHERE schema_name = $1', [SCHEMA]);
    expect(schemata.rowCount).toBe(1);
    const columns = await db.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'states' ORDER BY ordinal_position",
      [SCHEMA],
    );
    expect(columns.rows.map((c) => c.column_name)).toEqual(['id', 'name', 'data']);
    // OpenTofu lists `default` without a row and so writes no empty sentinel state for it at init.
    expect(await stateRows()).toEqual([]);
    for (const ws of [wsA, wsB]) {
      const list = await ws.tofu(['state', 'list'], true);
      expect(list.code).toBe(1);
      expect(list.output).toContain('No state file was found');
      expect((await ws.tofu(['workspace', 'list'])).output).toMatch(/^\* default$/m);
    }
  });

  test('-lock-timeout=0s, first apply of a new state: one creates the state row, the other is refused (creation lock)', async () => {
    const r = await race('0s');
    expect(r.first.code).toBe(0);
    expect(r.first.output).toContain('Apply complete! Resources: 1 added, 0 changed, 0 destroyed.');
    // The second started while the first held the lock and gave up before the first finished.
    expect(r.second.start).toBeLessThan(r.first.end);
    expect(r.second.end).toBeLessThan(r.first.end);
    expectLockError(r.second, 'Already locked for workspace creation: default');
    expect(r.commands).toBe(1);
    const stored = await expectIntact(['A']);
    // The lock held was not a row lock: no row existed yet.
    expect((await stateRows()).map((x) => BigInt(x.id))).not.toContain(r.lockKey);
    lineage = stored.lineage;
    expect(stored.serial).toBeGreaterThanOrEqual(1);
  });

  test('-lock-timeout=0s on an existing state: exactly one apply succeeds, the other fails with the lock message; the state is intact', async () => {
    const serialBefore = JSON.parse((await stateRows())[0].data).serial as number;
    synthBoth(['A', 'B']);
    const r = await race('0s');
    expect([r.first.code, r.second.code].sort()).toEqual([0, 1]);
    expect(r.first.code).toBe(0);
    expect(r.first.output).toContain('Apply complete! Resources: 1 added, 0 changed, 0 destroyed.');
    expect(r.second.start).toBeLessThan(r.first.end);
    expect(r.second.end).toBeLessThan(r.first.end);
    expectLockError(r.second, 'Workspace is already locked: default');
    // The lock held is the advisory lock on the state's row id.
    expect(r.lockKey).toBe(BigInt((await stateRows())[0].id));
    expect(r.commands).toBe(1);
    const stored = await expectIntact(['A', 'B']);
    expect(stored.lineage).toBe(lineage);
    expect(stored.serial).toBeGreaterThan(serialBefore);
  });

  test('-lock-timeout=60s: the second apply waits for the lock, then finds the change made and applies nothing', async () => {
    const serialBefore = JSON.parse((await stateRows())[0].data).serial as number;
    synthBoth(['A', 'B', 'C']);
    const r = await race('60s');
    expect(r.first.code).toBe(0);
    expect(r.first.output).toContain('Apply complete! Resources: 1 added, 0 changed, 0 destroyed.');
    expect(r.second.code).toBe(0);
    expect(r.second.output).toContain('Acquiring state lock. This may take a few moments...');
    expect(r.second.output).toContain(`${addrs.C}: Refreshing state...`);
    expect(r.second.output).toContain('No changes. Your infrastructure matches the configuration.');
    expect(r.second.output).toContain('Apply complete! Resources: 0 added, 0 changed, 0 destroyed.');
    expect(r.second.output).not.toContain('Error acquiring the state lock');
    // Ordering: the second started while the first held the lock, and finished after it, having
    // waited at least as long as the first's stream creation (8 s in the local ksqlDB here).
    expect(r.second.start).toBeLessThan(r.first.end);
    expect(r.second.end).toBeGreaterThanOrEqual(r.first.end);
    expect(r.second.end - r.second.start).toBeGreaterThanOrEqual(7000);
    expect(r.lockKey).toBe(BigInt((await stateRows())[0].id));
    // Only one CREATE STREAM reached ksqlDB.
    expect(r.commands).toBe(1);
    const stored = await expectIntact(['A', 'B', 'C']);
    expect(stored.lineage).toBe(lineage);
    expect(stored.serial).toBeGreaterThan(serialBefore);
  });
});

describe('the connection string stays out of configuration', () => {
  test('the backend block has only schema_name, and nothing in either working folder holds the password or the address', () => {
    for (const ws of [wsA, wsB]) {
      const config = JSON.parse(fs.readFileSync(ws.configFile, 'utf8'));
      expect(config.terraform.backend).toEqual({ pg: { schema_name: SCHEMA } });
      // Everything synthesized and everything OpenTofu wrote (.terraform, logs), providers aside.
      const files: string[] = [];
      const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
          const p = path.join(dir, e.name);
          if (e.isDirectory() && e.name !== 'providers') walk(p);
          else if (e.isFile()) files.push(p);
        }
      };
      walk(ws.dir);
      expect(files).toEqual(
        expect.arrayContaining([ws.configFile, path.join(ws.dir, 'out', 'stacks', STACK, '.terraform', 'terraform.tfstate')]),
      );
      for (const f of files) {
        const text = fs.readFileSync(f, 'utf8');
        expect({
          file: f,
          password: text.includes(password),
          address: text.includes(`127.0.0.1:${port}`),
          connStr: /postgres(ql)?:\/\//.test(text),
        }).toEqual({
          file: f,
          password: false,
          address: false,
          connStr: false,
        });
      }
    }
  });

  test('without PG_CONN_STR OpenTofu cannot reach the state: it fails and the state database is untouched', async () => {
    const before = await stateRows();
    const env = { ...wsA.env };
    delete env.PG_CONN_STR;
    const r = await wsA.tofu(['plan', '-input=false', '-no-color', '-lock-timeout=0s'], true, env);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/Error: /);
    expect(r.output).not.toContain(String(port));
    process.stderr.write(`OpenTofu without PG_CONN_STR said: ${r.output.trim().split('\n').filter(Boolean).join(' | ')}\n`);
    expect(await stateRows()).toEqual(before);
  });

  test('streamform deploy of a pg-backed stack without PG_CONN_STR fails before OpenTofu runs, naming the variable', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-pgcheck-out-'));
    const logFile = path.join(out, 'deploy.log');
    const env = { ...process.env };
    delete env.PG_CONN_STR;
    try {
      await expect(deployStacks(['ratings-staging'], { env, output: out, logFile })).rejects.toThrow(
        /^PG_CONN_STR is not set, but ratings-staging \(schema streamform_staging_ratings_staging\) keeps Terraform state in PostgreSQL \(OpenTofu pg backend\)\. Set it in the environment of this command, e\.g\. export PG_CONN_STR=/,
      );
      // Synthesized, but cdktf (and so OpenTofu) never started.
      expect(fs.existsSync(path.join(out, 'stacks', 'ratings-staging', 'cdk.tf.json'))).toBe(true);
      expect(fs.readFileSync(logFile, 'utf8')).not.toMatch(/cdktf deploy/);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
