/**
 * Fault drill: two checkouts of streamform on one machine deploying and planning side by side.
 * Each is a `git clone` of this repository's HEAD into a temporary folder, set up like a fresh
 * checkout (its own dist/, .streamform/ mirror, plugin cache, CLI config and dev state; node_modules
 * linked read-only from this checkout to save the install). Each clone's compiled provider is
 * instrumented to append, when OpenTofu starts it, where its code lives and where OpenTofu ran it.
 * A machine-wide TF_PLUGIN_CACHE_DIR is set for both, as a user might have it: neither may use it.
 * Starts: two dev platforms (prefixes `sf-drill-ca` and `sf-drill-cb`, ports shifted by 14000 and
 * 14500) and their ksqlDB stand-ins (started by `streamform plan`), all removed at the end. Never
 * touches the shared test platform.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { forceCleanup } from '../../src/tools/testkit/instance';
import { REPO_ROOT } from '../../src/tools/toolchain/paths';
import { run } from '../../src/tools/toolchain/run';
import { cli, seconds } from '../support/drill';

jest.setTimeout(30 * 60_000);

interface Checkout {
  readonly label: string;
  readonly root: string;
  readonly name: string;
  readonly env: NodeJS.ProcessEnv;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-drill-checkouts-'));
const machineCache = path.join(work, 'machine-wide-plugin-cache');
const providerLog = path.join(work, 'provider-runs.jsonl');

/** The caller's environment without this checkout's toolchain settings: each clone uses its own. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) {
    if (k.startsWith('STREAMFORM_') || ['TF_CLI_CONFIG_FILE', 'TERRAFORM_BINARY_NAME', 'TF_PLUGIN_CACHE_DIR', 'TF_DATA_DIR'].includes(k))
      delete env[k];
  }
  return { ...env, CI: '1', NO_COLOR: '1', TF_PLUGIN_CACHE_DIR: machineCache, STREAMFORM_DRILL_PROVIDER_LOG: providerLog };
}

function checkout(label: string, name: string, offset: number): Checkout {
  const root = path.join(work, label);
  return { label, root, name, env: { ...baseEnv(), STREAMFORM_DEV_NAME: name, STREAMFORM_DEV_PORT_OFFSET: String(offset) } };
}

const A = checkout('a', 'sf-drill-ca', 14000);
const B = checkout('b', 'sf-drill-cb', 14500);

/** Clone, build, set up; then make the compiled provider say where it runs. */
async function setUp(c: Checkout): Promise<number> {
  const started = Date.now();
  await run('git', ['clone', '--quiet', REPO_ROOT, c.root]);
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(c.root, 'node_modules'));
  await run(process.execPath, [path.join(c.root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], { cwd: c.root });
  await run(process.execPath, [path.join(c.root, 'dist', 'src', 'tools', 'toolchain', 'setup.js')], { cwd: c.root, env: c.env });
  const main = path.join(c.root, 'dist', 'src', 'provider', 'main.js');
  const lines = fs.readFileSync(main, 'utf8').split('\n');
  const at = lines[0].includes('use strict') ? 1 : 0;
  lines.splice(
    at,
    0,
    "require('fs').appendFileSync(process.env.STREAMFORM_DRILL_PROVIDER_LOG || '/dev/null', JSON.stringify({ code: __dirname, cwd: process.cwd() }) + '\\n');",
  );
  fs.writeFileSync(main, lines.join('\n'));
  return Date.now() - started;
}

function providerRuns(): { code: string; cwd: string }[] {
  if (!fs.existsSync(providerLog)) return [];
  return fs
    .readFileSync(providerLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { code: string; cwd: string });
}

const inside = (root: string, p: string) => p === root || p.startsWith(`${root}${path.sep}`);

beforeAll(async () => {
  fs.mkdirSync(machineCache, { recursive: true });
  await Promise.all([forceCleanup(A.name), forceCleanup(B.name)]);
  const [ta, tb] = await Promise.all([setUp(A), setUp(B)]);
  process.stderr.write(`\n[drill] two checkouts cloned and set up in ${seconds(Math.max(ta, tb))} (in parallel)\n`);
});

afterAll(async () => {
  await Promise.all([A, B].map((c) => cli(['destroy', 'platform-dev', '--auto-approve'], c.env, c.root).catch(() => undefined)));
  await Promise.all([forceCleanup(A.name), forceCleanup(B.name)]);
  fs.rmSync(work, { recursive: true, force: true });
});

test('two checkouts deploy their platforms side by side, each with its own state', async () => {
  const [ra, rb] = await Promise.all([A, B].map((c) => cli(['deploy', 'platform-dev'], c.env, c.root)));
  process.stderr.write(`[drill] side-by-side deploys: a ${seconds(ra.ms)}, b ${seconds(rb.ms)}\n`);
  expect({ code: ra.code, err: ra.code === 0 ? '' : ra.stderr }).toEqual({ code: 0, err: '' });
  expect({ code: rb.code, err: rb.code === 0 ? '' : rb.stderr }).toEqual({ code: 0, err: '' });
  for (const [c, other] of [
    [A, B],
    [B, A],
  ]) {
    const state = fs.readFileSync(path.join(c.root, '.streamform', 'state', c.name, 'platform-dev.tfstate'), 'utf8');
    expect(state).toContain(`"${c.name}-kafka"`);
    expect(state).not.toContain(other.name);
    expect(fs.existsSync(path.join(c.root, '.streamform', 'state', other.name))).toBe(false);
  }
});

test("two checkouts plan side by side: each plan runs its own checkout's provider, never the other's, and no shared cache is used", async () => {
  const [ra, rb] = await Promise.all([A, B].map((c) => cli(['plan', 'ratings', '--env', 'dev', '--format', 'json'], c.env, c.root)));
  process.stderr.write(`[drill] side-by-side plans: a ${seconds(ra.ms)}, b ${seconds(rb.ms)}\n`);
  expect({ code: ra.code, err: ra.code === 0 ? '' : ra.stderr }).toEqual({ code: 0, err: '' });
  expect({ code: rb.code, err: rb.code === 0 ? '' : rb.stderr }).toEqual({ code: 0, err: '' });

  const runs = providerRuns();
  const of = (c: Checkout) => runs.filter((r) => inside(c.root, r.cwd));
  expect(of(A).length).toBeGreaterThan(0);
  expect(of(B).length).toBeGreaterThan(0);
  // every provider OpenTofu started in a checkout's stack folder is that checkout's code
  for (const c of [A, B]) for (const r of of(c)) expect(r.code).toBe(path.join(c.root, 'dist', 'src', 'provider'));
  expect(runs.length).toBe(of(A).length + of(B).length);

  for (const c of [A, B]) {
    const installed = path.join(
      c.root,
      'cdktf.out',
      'stacks',
      'ratings-dev',
      '.terraform',
      'providers',
      'registry.terraform.io',
      'streamform',
      'streamform',
      '0.1.0',
      'linux_amd64',
    );
    expect(fs.realpathSync(installed)).toBe(
      path.join(c.root, '.streamform', 'providers', 'registry.terraform.io', 'streamform', 'streamform', '0.1.0', 'linux_amd64'),
    );
  }
  // the machine-wide plugin cache in the callers' environment was not used by either
  expect(fs.readdirSync(machineCache)).toEqual([]);
});

test("a stack folder set up with the other checkout's provider (what the shared cache left behind) plans with its own", async () => {
  const stackOf = (c: Checkout) => path.join(c.root, 'cdktf.out', 'stacks', 'ratings-dev');
  const pkg = (c: Checkout) =>
    path.join(c.root, '.streamform', 'providers', 'registry.terraform.io', 'streamform', 'streamform', '0.1.0', 'linux_amd64');
  const installed = path.join(
    stackOf(B),
    '.terraform',
    'providers',
    'registry.terraform.io',
    'streamform',
    'streamform',
    '0.1.0',
    'linux_amd64',
  );
  // as before this change: B's lock recorded A's launcher and B's .terraform linked to A's mirror
  fs.copyFileSync(path.join(stackOf(A), '.terraform.lock.hcl'), path.join(stackOf(B), '.terraform.lock.hcl'));
  fs.rmSync(installed, { recursive: true, force: true });
  fs.symlinkSync(pkg(A), installed);
  const before = providerRuns().length;

  const r = await cli(['plan', 'ratings', '--env', 'dev', '--format', 'json'], B.env, B.root);
  expect({ code: r.code, err: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, err: '' });
  expect(r.stderr).toContain("ratings-dev: it was set up with another streamform installation's provider; OpenTofu installs this one's");
  const latest = providerRuns().slice(before);
  expect(latest.length).toBeGreaterThan(0);
  for (const run of latest) expect(run.code).toBe(path.join(B.root, 'dist', 'src', 'provider'));
  expect(fs.realpathSync(installed)).toBe(pkg(B));
  expect(fs.readFileSync(path.join(stackOf(B), '.terraform.lock.hcl'), 'utf8')).not.toEqual(
    fs.readFileSync(path.join(stackOf(A), '.terraform.lock.hcl'), 'utf8'),
  );
});
