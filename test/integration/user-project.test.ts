/**
 * streamform as a user gets it: the package packed (`npm pack`), installed from the tarball into an
 * empty folder outside the checkout, `streamform init`, the pipeline test (passing, then failing on
 * a wrong expectation), deployed to a local platform of its own, records produced (generated and
 * from JSON lines and CSV files), read back with `tail`, planned without changes, destroyed. The
 * commands run from the project folder through its node_modules/.bin, with nothing of the checkout
 * in their environment.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync, spawnSync } from 'child_process';
import { Admin, Kafka, logLevel } from 'kafkajs';
import { REPO_ROOT } from '../../src/tools/toolchain/paths';

const NAME = 'sf-it-user';
const OFFSET = 15000;
const KAFKA = `localhost:${9092 + OFFSET}`;

let dir: string;
let app: string;
let tarball: string;

/** The environment of a shell that never saw the checkout: no STREAMFORM_*, TF_* or checkout paths. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('STREAMFORM_') || k.startsWith('TF_') || k === 'TERRAFORM_BINARY_NAME' || k.startsWith('JEST') || k === 'NODE_OPTIONS')
      continue;
    env[k] = v;
  }
  env.PATH = (process.env.PATH ?? '')
    .split(':')
    .filter((p) => !p.startsWith(REPO_ROOT))
    .join(':');
  // the platform of this test, beside the shared one: its own Docker names and ports
  return { ...env, STREAMFORM_DEV_NAME: NAME, STREAMFORM_DEV_PORT_OFFSET: String(OFFSET), CI: '1' };
}

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const spawnOptions = (timeoutMs: number) =>
  ({ cwd: app, env: userEnv(), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }) as const;

function result(r: ReturnType<typeof spawnSync>): Result {
  return { code: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

/** npm in the project folder. */
const npm = (...args: string[]) => result(spawnSync('npm', args, spawnOptions(600_000)));

/** The project's installed CLI (node_modules/.bin/streamform), as `npx streamform` runs it. */
const streamform = (...args: string[]) =>
  result(spawnSync(process.execPath, [path.join(app, 'node_modules', '.bin', 'streamform'), ...args], spawnOptions(900_000)));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withAdmin<T>(f: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Kafka({ brokers: [KAFKA], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await f(admin);
  } finally {
    await admin.disconnect();
  }
}

function ok(r: Result): Result {
  if (r.code !== 0) throw new Error(`exit ${r.code}\n${r.stderr.slice(-4000)}\n${r.stdout.slice(-2000)}`);
  return r;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamform-user-'));
  app = path.join(dir, 'clicks-app');
  fs.mkdirSync(app);
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: REPO_ROOT, stdio: 'ignore' });
  tarball = path.join(
    dir,
    fs.readdirSync(dir).find((f) => f.endsWith('.tgz'))!,
  );
});

afterAll(() => {
  if (app && fs.existsSync(path.join(app, 'node_modules', '.bin', 'streamform'))) {
    streamform('destroy', 'pageviews-dev', 'platform-dev', '--auto-approve');
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the tarball holds the library, the CLI, the provider and the template, and no tests, snapshots or own stacks', () => {
  const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const f of [
    'package/bin/streamform',
    'package/dist/constructs/index.js',
    'package/dist/constructs/platform/index.d.ts',
    'package/dist/src/provider/main.js',
    'package/dist/src/tools/cli/main.js',
    'package/templates/init/main.ts',
    'package/src/tools/toolchain/images/ksqldb/Dockerfile',
  ]) {
    expect(files).toContain(f);
  }
  expect(files.filter((f) => /^package\/(dist\/)?(test|stacks|bench|examples)\//.test(f) || f.includes('__snapshots__'))).toEqual([]);
  const pkg = JSON.parse(execFileSync('tar', ['xzf', tarball, '-O', 'package/package.json'], { encoding: 'utf8' }));
  expect(pkg.private).toBeUndefined();
  expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(['cdktf-cli', 'cdktf', 'constructs']));
  expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining(['.', './platform']));
});

test('install, init, test, deploy, produce, tail, plan, destroy in a project of its own', async () => {
  ok(npm('init', '-y'));
  ok(npm('install', '--no-audit', '--no-fund', '--loglevel=error', tarball));
  expect(fs.realpathSync(path.join(app, 'node_modules', 'streamform')).startsWith(REPO_ROOT)).toBe(false);

  const init = ok(streamform('init'));
  expect(init.stderr).toContain('wrote main.ts, environments.ts, pageviews.ts, cdktf.json, tsconfig.json, .gitignore');
  for (const f of ['cdktf.json', 'tsconfig.json', 'main.ts', 'environments.ts', '.gitignore', '.github/workflows/streamform.yml']) {
    expect(fs.existsSync(path.join(app, f))).toBe(true);
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8'));
  expect(pkg.scripts.test).toBe('streamform test pageviews');
  expect(pkg.dependencies.streamform).toContain('.tgz');

  // the project is a git repository, as a user's is: promotion needs its commit
  const git = (...args: string[]) => ok(result(spawnSync('git', args, spawnOptions(60_000))));
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'init');

  // the pipeline's test case passes, and fails when its expectation is wrong
  const passed = ok(streamform('test', 'pageviews'));
  expect(passed.stdout).toContain('PASS KeepsLongViews');
  const testedSource = fs.readFileSync(path.join(app, 'pageviews.ts'), 'utf8');
  fs.writeFileSync(
    path.join(app, 'pageviews.ts'),
    testedSource.replace("PAGE: '/home', DURATION_MS: 45000", "PAGE: '/home', DURATION_MS: 45001"),
  );
  const failed = streamform('test', 'pageviews');
  expect(failed.code).toBe(1);
  expect(failed.stdout).toContain('FAIL KeepsLongViews');
  fs.writeFileSync(path.join(app, 'pageviews.ts'), testedSource);

  // an unknown stack is named with the project's stacks
  const unknown = streamform('deploy', 'pageview-dev');
  expect(unknown.code).not.toBe(0);
  expect(unknown.stderr).toContain("no stack 'pageview-dev' in this project; its stacks are pageviews-dev, pageviews-prod, platform-dev");

  // deploy: the first run sets up the project's provider mirror, never asking a registry
  ok(streamform('deploy', 'platform-dev'));

  // a partly failed apply (a topic of the stack exists outside it), then destroy: what exists is
  // removed, what the stack did not create is left alone
  await withAdmin((admin) => admin.createTopics({ topics: [{ topic: 'long-pageviews', numPartitions: 1 }] }));
  const partial = streamform('deploy', 'pageviews-dev');
  expect(partial.code).toBe(1);
  expect(partial.stderr).toContain('Topic long-pageviews already exists');
  const afterPartial = ok(streamform('destroy', 'pageviews-dev', '--auto-approve'));
  expect(afterPartial.stderr).toMatch(/pageviews-dev: 0 created, 0 changed, [1-9]\d* destroyed/);
  expect(await withAdmin((admin) => admin.listTopics())).toContain('long-pageviews');
  expect(await withAdmin((admin) => admin.listTopics())).not.toContain('pageviews');
  await withAdmin((admin) => admin.deleteTopics({ topics: ['long-pageviews'] }));
  for (let i = 0; i < 20 && (await withAdmin((admin) => admin.listTopics())).includes('long-pageviews'); i++) await sleep(1000);

  ok(streamform('deploy', 'pageviews-dev'));
  const version = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).version as string;
  const launcher = fs.readFileSync(
    path.join(
      app,
      '.streamform',
      'providers',
      'registry.terraform.io',
      'streamform',
      'streamform',
      version,
      'linux_amd64',
      `terraform-provider-streamform_v${version}`,
    ),
    'utf8',
  );
  expect(launcher).toContain(path.join(app, 'node_modules', 'streamform', 'dist', 'src', 'provider', 'launch.js'));
  expect(launcher).not.toContain(REPO_ROOT + '/');
  expect(fs.readFileSync(path.join(app, '.streamform', 'terraformrc'), 'utf8')).toContain('filesystem_mirror');

  // produce: generated records, then records from files (JSON lines and CSV)
  const generated = ok(streamform('produce', 'pageviews', '--count', '20', '--seed', '3'));
  expect(generated.stderr).toContain(`sent 20 record(s) to pageviews on pageviews-dev's cluster (${KAFKA})`);
  fs.writeFileSync(
    path.join(app, 'views.jsonl'),
    [
      '{"view_id":"file-1","user_id":"u1","page":"/file","duration_ms":61000}',
      '{"view_id":"file-2","user_id":"u2","page":"/file","duration_ms":5}',
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(app, 'views.csv'), 'view_id,user_id,page,duration_ms\ncsv-1,u3,"/c,s,v",31000\n');
  expect(ok(streamform('produce', 'pageviews', '--file', 'views.jsonl')).stderr).toContain('sent 2 record(s) to pageviews');
  expect(ok(streamform('produce', 'pageviews', '--file', 'views.csv')).stderr).toContain('sent 1 record(s) to pageviews');
  const notDeclared = streamform('produce', 'nope');
  expect(notDeclared.stderr).toContain(
    "topic 'nope' is not declared by pageviews-dev, platform-dev; the topics there: long-pageviews, pageviews, views-per-page",
  );

  // the query kept the long views: read back with tail (waiting for the query to get there)
  let rows: { key: string; PAGE: string; DURATION_MS: number }[] = [];
  for (let i = 0; i < 30; i++) {
    rows = JSON.parse(ok(streamform('tail', 'long-pageviews', '--last', '100', '--format', 'json', '--timeout', '10')).stdout);
    if (rows.some((r) => r.key === 'csv-1') && rows.some((r) => r.key === 'file-1')) break;
    await sleep(2000);
  }
  expect(rows.find((r) => r.key === 'file-1')).toMatchObject({ PAGE: '/file', DURATION_MS: 61000 });
  expect(rows.find((r) => r.key === 'csv-1')).toMatchObject({ PAGE: '/c,s,v', DURATION_MS: 31000 });
  expect(rows.some((r) => r.key === 'file-2')).toBe(false);
  expect(rows.every((r) => r.DURATION_MS >= 30000)).toBe(true);

  // promotion dev → prod: dev runs this commit's definition with its tests passed; the plan of prod
  // then needs prod's state (PG_CONN_STR), which this machine has not
  const promotion = streamform('promote', 'pageviews', '--from', 'dev', '--to', 'prod', '--dry-run');
  expect(promotion.stderr).toContain('pageviews: 1 of 1 test case(s) pass on the local ksqlDB engine (pageviews-prod).');
  expect(promotion.stderr).toMatch(
    /dev runs pageviews [0-9a-f]{16}, the definition of this checkout \(commit [0-9a-f]{12}, tests passed \(1\)\)/,
  );
  expect(promotion.stderr).toContain('PG_CONN_STR is not set, but pageviews-prod');
  expect(promotion.code).toBe(1);
  // a change dev has not run is not promoted
  const source = fs.readFileSync(path.join(app, 'pageviews.ts'), 'utf8');
  fs.writeFileSync(path.join(app, 'pageviews.ts'), source.replace('Duration.days(7)', 'Duration.days(8)'));
  const unapplied = streamform('promote', 'pageviews', '--from', 'dev', '--to', 'prod', '--dry-run');
  expect(unapplied.code).toBe(1);
  expect(unapplied.stderr).toMatch(
    /promotion refused: dev runs pageviews [0-9a-f]{16} \(applied from commit [0-9a-f]{12}\), but this checkout defines [0-9a-f]{16}/,
  );
  fs.writeFileSync(path.join(app, 'pageviews.ts'), source);

  // the plan of what was deployed: no changes
  const plan = streamform('plan', 'pageviews-dev', '--format', 'text', '--detailed-exitcode');
  expect(plan.code).toBe(0);
  expect(plan.stdout).toContain('No changes.');

  // the platform destroyed before the pipeline: the pipeline's destroy stops, naming the servers and
  // the ways out; --forget-unreachable forgets the objects that went with the platform
  ok(streamform('destroy', 'platform-dev', '--auto-approve'));
  const stuck = streamform('destroy', 'pageviews-dev', '--auto-approve');
  expect(stuck.code).toBe(1);
  expect(stuck.stderr).toContain('pageviews-dev: its objects cannot be deleted while their servers do not answer');
  expect(stuck.stderr).toContain(`Kafka at ${KAFKA}`);
  expect(stuck.stderr).toContain('`streamform destroy pageviews-dev --forget-unreachable`');
  const forgotten = ok(streamform('destroy', 'pageviews-dev', '--auto-approve', '--forget-unreachable'));
  expect(forgotten.stderr).toContain('pageviews-dev: forgot 6 object(s) on servers that do not answer (nothing deleted)');
  expect(fs.readFileSync(path.join(app, '.streamform', 'state', 'pageviews-dev.tfstate'), 'utf8')).not.toContain('streamform_topic');
  const left = execFileSync('docker', ['ps', '-a', '--format', '{{.Names}}'], { encoding: 'utf8' })
    .split('\n')
    .filter((n) => n.startsWith(NAME));
  expect(left).toEqual([]);
}, 1_500_000);
