/**
 * Side-by-side benchmark (prints figures; not a test): streamform's provider against
 * Mongey/terraform-provider-kafka (the Go provider most Kafka users run), and OpenTofu's own floor
 * (the same resources as `terraform_data`, a provider that does nothing), with the same OpenTofu on
 * the same local Kafka (the shared test platform). For N topics and each parallelism: apply from
 * nothing, plan with refresh and no change, plan after one config change, destroy. Each cell is the
 * median of the runs (providers interleaved in every round); it prints wall time, the providers'
 * CPU time and peak RSS (sampled from /proc every 20 ms), the provider processes started, and
 * streamform's Kafka requests by kind, with the ratios to the Go provider and to the floor per row
 * (from the unrounded medians). Every measured step starts on a quiet machine (quiet(): under 15%
 * CPU busy for half a second).
 *
 * streamform runs as `streamform deploy/plan/apply` run it: one provider process per OpenTofu
 * command, reattached (TF_REATTACH_PROVIDERS). The Go provider is built by this benchmark from the
 * Go module proxy (github.com/Mongey/terraform-provider-kafka) into the machine cache, and
 * installed from a filesystem mirror of its own.
 *
 * Run: node dist/bench/vs-go-provider.js [--topics 100,300,1000] [--parallelism 10,50] [--runs 3]
 *      [--runs-at-1000 1] [--only streamform,mongey,floor]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run } from '../src/tools/toolchain/run';
import { cacheDir, paths } from '../src/tools/toolchain/paths';
import { toolchainEnv } from '../src/tools/toolchain/setup';
import { startSharedProvider } from '../src/tools/toolchain/shared-provider';
import { deploy } from '../src/tools/testkit/instance';
import { sharedEndpoints, sharedInstance } from '../src/tools/testkit/shared-platform';
import { KafkaAdminClient } from '../src/provider/clients/kafka';

const MONGEY = { module: 'github.com/Mongey/terraform-provider-kafka', version: '0.13.1' };
type Kind = 'streamform' | 'mongey' | 'floor';
type Op = 'apply' | 'plan' | 'plan-change' | 'destroy';
const OPS: readonly Op[] = ['apply', 'plan', 'plan-change', 'destroy'];
const OP_LABEL: Record<Op, string> = {
  apply: 'apply from nothing',
  plan: 'plan, refresh, no change',
  'plan-change': 'plan after one config change',
  destroy: 'destroy',
};

function list(name: string, fallback: string): string[] {
  const i = process.argv.indexOf(`--${name}`);
  return (i > 0 ? process.argv[i + 1] : fallback).split(',');
}
const num = (name: string, fallback: number) => Number(list(name, String(fallback))[0]);

/** Builds the Go provider from the Go module proxy into the machine cache (once). */
async function mongeyBinary(log: string): Promise<string> {
  const bin = path.join(cacheDir(), 'bench', `terraform-provider-kafka_v${MONGEY.version}`);
  if (fs.existsSync(bin)) return bin;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-bench-mongey-'));
  fs.writeFileSync(
    path.join(work, 'go.mod'),
    `module streamform.local/bench/mongey\n\ngo 1.24\n\nrequire ${MONGEY.module} v${MONGEY.version}\n`,
  );
  fs.writeFileSync(path.join(work, 'tools.go'), `//go:build tools\n\npackage tools\n\nimport _ "${MONGEY.module}"\n`);
  console.log(`building ${MONGEY.module}@v${MONGEY.version} from the Go module proxy (once)...`);
  await run('go', ['mod', 'tidy'], { cwd: work, logFile: log });
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  await run('go', ['build', '-o', `${bin}.tmp`, MONGEY.module], { cwd: work, logFile: log, env: { ...process.env, CGO_ENABLED: '0' } });
  fs.renameSync(`${bin}.tmp`, bin);
  fs.rmSync(work, { recursive: true, force: true });
  return bin;
}

/** A CLI configuration with streamform's mirror plus one holding the Go provider. */
function cliConfig(dir: string, mongey: string): string {
  const mirror = path.join(dir, 'mirror');
  for (const host of ['registry.opentofu.org', 'registry.terraform.io']) {
    const d = path.join(mirror, host, 'mongey', 'kafka', MONGEY.version, 'linux_amd64');
    fs.mkdirSync(d, { recursive: true });
    const exe = path.join(d, `terraform-provider-kafka_v${MONGEY.version}`);
    if (!fs.existsSync(exe)) fs.symlinkSync(mongey, exe);
  }
  const file = path.join(dir, 'tofurc');
  fs.writeFileSync(
    file,
    [
      'disable_checkpoint = true',
      'provider_installation {',
      `  filesystem_mirror {\n    path = "${mirror}"\n    include = ["registry.opentofu.org/mongey/kafka", "registry.terraform.io/mongey/kafka"]\n  }`,
      `  filesystem_mirror {\n    path = "${paths.mirror()}"\n    include = ["registry.opentofu.org/streamform/streamform", "registry.terraform.io/streamform/streamform"]\n  }`,
      '}',
      '',
    ].join('\n'),
  );
  return file;
}

/** The configuration of N topics for one provider; `changed` alters one topic's retention. */
function config(kind: Kind, prefix: string, n: number, bootstrap: string, changed: boolean): object {
  const topic = (i: number) => ({
    name: `${prefix}-${i}`,
    partitions: 1,
    config: { 'retention.ms': changed && i === 0 ? '7200000' : '3600000' },
  });
  const ids = Array.from({ length: n }, (_, i) => i);
  if (kind === 'floor') {
    return { resource: { terraform_data: Object.fromEntries(ids.map((i) => [`t${i}`, { input: topic(i) }])) } };
  }
  if (kind === 'mongey') {
    return {
      terraform: { required_providers: { kafka: { source: 'mongey/kafka', version: MONGEY.version } } },
      provider: { kafka: { bootstrap_servers: [bootstrap], tls_enabled: false, skip_tls_verify: true } },
      resource: { kafka_topic: Object.fromEntries(ids.map((i) => [`t${i}`, { ...topic(i), replication_factor: 1 }])) },
    };
  }
  return {
    terraform: { required_providers: { streamform: { source: 'streamform/streamform' } } },
    provider: { streamform: [{ bootstrap_servers: bootstrap }] },
    resource: { streamform_topic: Object.fromEntries(ids.map((i) => [`t${i}`, { ...topic(i), replication_factor: 1 }])) },
  };
}

interface Sample {
  readonly cpuMs: number;
  readonly peakRssMb: number;
  readonly processes: number;
}

/** Samples the providers' processes (/proc) while `fn` runs: CPU time, peak RSS, count. */
async function sampled(match: RegExp, fn: () => Promise<void>): Promise<Sample> {
  const seen = new Map<number, { cpu: number; rss: number }>();
  const tick = 1000 / 100; // USER_HZ
  const page = 4096;
  // processes already running before (the platform's, the shell's) are not looked at again: the
  // sampling then costs ~0.1 ms of CPU, not ~0.6 ms, every 20 ms
  const before = new Set(fs.readdirSync('/proc'));
  const sample = () => {
    for (const p of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(p) || before.has(p)) continue;
      try {
        const cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8');
        if (!match.test(cmd)) continue;
        const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const cpu = (Number(f[11]) + Number(f[12])) * tick;
        const rss = (Number(f[21]) * page) / 1e6;
        const prev = seen.get(Number(p));
        seen.set(Number(p), { cpu: Math.max(cpu, prev?.cpu ?? 0), rss: Math.max(rss, prev?.rss ?? 0) });
      } catch {
        // gone meanwhile
      }
    }
  };
  const timer = setInterval(sample, 20);
  try {
    await fn();
  } finally {
    clearInterval(timer);
    sample();
  }
  const all = [...seen.values()];
  return { cpuMs: all.reduce((s, x) => s + x.cpu, 0), peakRssMb: Math.max(0, ...all.map((x) => x.rss)), processes: all.length };
}

/** The machine's busy and total CPU time so far (/proc/stat, in clock ticks). */
function cpuTicks(): { busy: number; total: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - (f[4] ?? 0), total };
}

/**
 * Waits until the machine is quiet (under QUIET_BUSY of its CPU over half a second; at most
 * QUIET_MAX_MS) before a measured step, so that one step's aftermath (the broker removing a
 * thousand deleted topics' logs a minute after their deletion, a provider process still exiting)
 * is not measured as the next step's cost. Returns how long it waited.
 */
const QUIET_BUSY = 0.15;
const QUIET_MAX_MS = 60_000;
async function quiet(): Promise<number> {
  const started = Date.now();
  for (;;) {
    const a = cpuTicks();
    await new Promise((r) => setTimeout(r, 500));
    const b = cpuTicks();
    if ((b.busy - a.busy) / Math.max(1, b.total - a.total) < QUIET_BUSY || Date.now() - started > QUIET_MAX_MS) return Date.now() - started;
  }
}

const PROCESS: Record<Kind, RegExp> = {
  streamform: /dist\/src\/provider\/(launch|main)\.js/,
  mongey: /terraform-provider-kafka/,
  floor: /^$^/, // terraform_data is built into OpenTofu: no provider process
};

interface Cell extends Sample {
  readonly seconds: number;
  readonly requests: Record<string, number>;
}

async function lifecycle(
  kind: Kind,
  n: number,
  parallelism: number,
  env: NodeJS.ProcessEnv,
  bootstrap: string,
  admin: KafkaAdminClient,
): Promise<Record<Op, Cell>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sf-vs-${kind}-`));
  const prefix = `vs-${kind}-${Date.now().toString(36)}`;
  try {
    return await measuredLifecycle(kind, n, parallelism, env, bootstrap, dir, prefix);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    const left = (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}-`));
    await Promise.all(left.map((t) => admin.deleteTopic(t)));
  }
}

async function measuredLifecycle(
  kind: Kind,
  n: number,
  parallelism: number,
  env: NodeJS.ProcessEnv,
  bootstrap: string,
  dir: string,
  prefix: string,
): Promise<Record<Op, Cell>> {
  const write = (changed: boolean) =>
    fs.writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify(config(kind, prefix, n, bootstrap, changed)));
  write(false);
  const stats = path.join(dir, 'stats.jsonl');
  const tofuEnv: NodeJS.ProcessEnv = { ...env, STREAMFORM_PROVIDER_STATS: stats };
  const tofu = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    run(tofuEnv.TERRAFORM_BINARY_NAME!, args, { cwd: dir, env: { ...tofuEnv, ...extra }, logFile: path.join(dir, 'tofu.log') }).catch(
      (e: unknown) => {
        const out = (e as { output?: string; exitCode?: number }).output ?? String(e);
        if ((e as { exitCode?: number }).exitCode === 2 && args[0] === 'plan') return out; // -detailed-exitcode: changes
        const reason = out.split('\n').find((l) => l.startsWith('Error:')) ?? out.slice(-300);
        throw new Error(`${kind}: tofu ${args.join(' ')} failed: ${reason}`);
      },
    );
  await tofu(['init', '-input=false', '-no-color']);
  const out = {} as Record<Op, Cell>;
  const p = `-parallelism=${parallelism}`;
  const step = async (op: Op, args: string[]) => {
    fs.writeFileSync(stats, '');
    const waited = await quiet();
    if (waited > 1000) console.error(`    ${kind} ${op}: waited ${(waited / 1000).toFixed(1)} s for a quiet machine`);
    const started = Date.now();
    const s = await sampled(PROCESS[kind], async () => {
      if (kind !== 'streamform') {
        await tofu(args);
        return;
      }
      // as `streamform deploy/plan/apply` run it: one provider process for the command
      const provider = await startSharedProvider(tofuEnv);
      try {
        await tofu(args, provider.env);
      } finally {
        await provider.stop();
      }
    });
    const requests: Record<string, number> = {};
    for (const line of fs.readFileSync(stats, 'utf8').split('\n').filter(Boolean)) {
      for (const [k, v] of Object.entries((JSON.parse(line) as { requests: Record<string, number> }).requests))
        requests[k] = (requests[k] ?? 0) + v;
    }
    out[op] = { ...s, seconds: (Date.now() - started) / 1000, requests };
  };
  await step('apply', ['apply', '-auto-approve', '-input=false', '-no-color', p]);
  await step('plan', ['plan', '-input=false', '-no-color', '-detailed-exitcode', p]);
  write(true);
  await step('plan-change', ['plan', '-input=false', '-no-color', '-detailed-exitcode', p]);
  write(false);
  await step('destroy', ['destroy', '-auto-approve', '-input=false', '-no-color', p]);
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const sizes = list('topics', '100,300,1000').map(Number);
  const pars = list('parallelism', '10,50').map(Number);
  const runs = num('runs', 3);
  const runsAt1000 = num('runs-at-1000', runs);
  const kinds = list('only', 'streamform,mongey,floor') as Kind[];
  const log = path.join(os.tmpdir(), 'sf-bench-vs.log');
  const e = sharedEndpoints();
  await deploy(sharedInstance(), 'platform-dev');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-bench-vs-'));
  const env: NodeJS.ProcessEnv = { ...toolchainEnv(), TF_IN_AUTOMATION: '1', NO_COLOR: '1' };
  if (kinds.includes('mongey')) env.TF_CLI_CONFIG_FILE = cliConfig(dir, await mongeyBinary(log));
  const admin = new KafkaAdminClient({ bootstrapServers: [e.bootstrapServers] });
  console.log(
    `OpenTofu ${(await run(env.TERRAFORM_BINARY_NAME!, ['version'], { env })).split('\n')[0]}, Kafka at ${e.bootstrapServers} (${(await admin.listTopics()).length} topics present)`,
  );
  const rows: string[] = [];
  const header = `| N | par | operation | ${kinds.map((k) => `${k} s`).join(' | ')} | streamform / mongey | streamform / floor | streamform CPU s | mongey CPU s | streamform peak RSS MB | mongey peak RSS MB | processes (sf / mongey) | streamform Kafka requests |`;
  rows.push(header, header.replace(/[^|]+/g, '---'));
  for (const n of sizes) {
    for (const par of pars) {
      const cells: Record<Kind, Record<Op, Cell>[]> = { streamform: [], mongey: [], floor: [] };
      const failures: Record<Kind, number> = { streamform: 0, mongey: 0, floor: 0 };
      const r = n >= 1000 ? runsAt1000 : runs;
      for (let i = 0; i < r; i++) {
        const order = [...kinds.slice(i % kinds.length), ...kinds.slice(0, i % kinds.length)];
        for (const k of order) {
          const started = Date.now();
          try {
            cells[k].push(await lifecycle(k, n, par, env, e.bootstrapServers, admin));
            console.error(`  N=${n} par=${par} run ${i + 1}/${r} ${k}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
          } catch (err) {
            // a failed run is reported and left out of the medians; its topics are removed
            failures[k] += 1;
            console.error(`  N=${n} par=${par} run ${i + 1}/${r} ${k}: FAILED ${(err as Error).message}`);
          }
        }
      }
      for (const op of OPS) {
        const m = (k: Kind, f: (c: Cell) => number) => (cells[k].length ? median(cells[k].map((c) => f(c[op]))) : NaN);
        const secs = kinds.map((k) => m(k, (c) => c.seconds).toFixed(1));
        const ratio = (k: Kind) => {
          const r = m('streamform', (c) => c.seconds) / m(k, (c) => c.seconds);
          return isNaN(r) ? '–' : `${r.toFixed(2)}×`;
        };
        const req = cells.streamform.length
          ? Object.entries(cells.streamform[0][op].requests)
              .map(([k, v]) => `${k.replace(/^kafka /, '')} ${v}`)
              .join(', ')
          : '';
        rows.push(
          `| ${n} | ${par} | ${OP_LABEL[op]} | ${secs.join(' | ')} | ${ratio('mongey')} | ${ratio('floor')} | ${(m('streamform', (c) => c.cpuMs) / 1000).toFixed(1)} | ${(m('mongey', (c) => c.cpuMs) / 1000).toFixed(1)} | ${m('streamform', (c) => c.peakRssMb).toFixed(0)} | ${m('mongey', (c) => c.peakRssMb).toFixed(0)} | ${m('streamform', (c) => c.processes)} / ${m('mongey', (c) => c.processes)} | ${req} |`,
        );
      }
      const failed = kinds.filter((k) => failures[k] > 0).map((k) => `${k} ${failures[k]} of ${r}`);
      if (failed.length > 0) rows.push(`failed runs (left out of the medians): ${failed.join(', ')}`);
      console.log(rows.join('\n'));
      rows.length = 2;
    }
  }
  await admin.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
