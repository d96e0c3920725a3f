/**
 * Fault drills: the real `bin/streamform` run as a child process against a dev instance of its own
 * (a name prefix `sf-drill-*`, shifted ports, its own state and synthesis folders), signalled like
 * a user would, and checked afterwards against Docker, the state file and OpenTofu.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Kafka, logLevel } from 'kafkajs';
import { stackDir, tofuEnv } from '../../src/tools/cli/cdktf';
import { declaredObjects, stateAddresses } from '../../src/tools/cli/leftovers';
import { DevInstance, devInstance } from '../../src/tools/testkit/instance';
import { REPO_ROOT } from '../../src/tools/toolchain/paths';
import { run } from '../../src/tools/toolchain/run';

/** A dev instance whose CLI runs synthesize into the instance's folder, not the checkout's cdktf.out. */
export function drillInstance(name: string, portOffset: number): DevInstance {
  const inst = devInstance(name, portOffset);
  return { ...inst, env: { ...inst.env, STREAMFORM_CDKTF_OUT: inst.outdir } };
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly ms: number;
}

export interface CliRun {
  readonly child: ChildProcess;
  /** stderr so far. */
  stderr(): string;
  /** Resolves once stderr matches. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void>;
  readonly exited: Promise<CliResult>;
}

/**
 * Starts `node <checkout>/bin/streamform <args>` in the environment given (the instance's, by
 * default), as a user would from a shell.
 */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv, checkout = REPO_ROOT): CliRun {
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(checkout, 'bin', 'streamform'), ...args], {
    cwd: checkout,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (w.pattern.test(err)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout!.on('data', () => undefined);
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    check();
  });
  const exited = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stderr: err, ms: Date.now() - started }));
  });
  return {
    child,
    stderr: () => err,
    exited,
    waitFor: (pattern, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} on stderr within ${timeoutMs} ms:\n${err}`)), timeoutMs);
        waiters.push({
          pattern,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        check();
        void exited.then(() => {
          clearTimeout(timer);
          if (!pattern.test(err)) reject(new Error(`streamform exited before ${pattern} on stderr:\n${err}`));
        });
      }),
  };
}

/** Runs the CLI to its end. */
export function cli(args: readonly string[], env: NodeJS.ProcessEnv, checkout = REPO_ROOT): Promise<CliResult> {
  return startCli(args, env, checkout).exited;
}

/** The instance's state file of a stack (dev keeps local state in STREAMFORM_STATE_DIR). */
export function statePath(inst: DevInstance, stack: string): string {
  return path.join(inst.env.STREAMFORM_STATE_DIR!, `${stack}.tfstate`);
}

export function lockInfo(inst: DevInstance, stack: string): string {
  return path.join(inst.env.STREAMFORM_STATE_DIR!, `.${stack}.tfstate.lock.info`);
}

export function journal(inst: DevInstance, stack: string): string {
  return path.join(inst.env.STREAMFORM_STATE_DIR!, `.${stack}.tfstate.interrupted.json`);
}

export function addressesInState(inst: DevInstance, stack: string): Set<string> {
  const file = statePath(inst, stack);
  return stateAddresses(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
}

/**
 * What is untracked: the stack's declared containers, volumes and networks missing from its state,
 * and the instance's Docker objects (by prefix) that no state of the instance tracks by name.
 */
export async function untracked(inst: DevInstance, stack: string): Promise<string[]> {
  const json = JSON.parse(fs.readFileSync(path.join(stackDir(stack, { output: inst.outdir }), 'cdk.tf.json'), 'utf8'));
  const inState = addressesInState(inst, stack);
  const declared = declaredObjects(json).filter((d) => d.kind !== 'streamform');
  const missing = declared.filter((d) => !inState.has(d.address)).map((d) => `${d.kind} ${d.name} (${d.address})`);
  const tracked = new Set(declared.filter((d) => inState.has(d.address)).map((d) => `${d.kind} ${d.name}`));
  const list = async (args: string[], kind: string) =>
    (await run('docker', args))
      .split('\n')
      .map((s) => s.trim())
      .filter((n) => n.startsWith(inst.name))
      .map((n) => `${kind} ${n}`);
  const existing = [
    ...(await list(['ps', '-a', '--format', '{{.Names}}'], 'container')),
    ...(await list(['volume', 'ls', '--format', '{{.Name}}'], 'volume')),
    ...(await list(['network', 'ls', '--format', '{{.Name}}'], 'network')),
  ];
  return [...missing, ...existing.filter((o) => !tracked.has(o)).map((o) => `${o} (no state tracks it)`)];
}

/** `tofu plan -detailed-exitcode` in the instance's stack folder: 0 no changes, 2 changes. */
export async function planExitCode(inst: DevInstance, stack: string): Promise<{ code: number; output: string }> {
  const opts = { env: inst.env, output: inst.outdir };
  const env = tofuEnv(stack, opts);
  try {
    return {
      code: 0,
      output: await run(env.TERRAFORM_BINARY_NAME!, ['plan', '-detailed-exitcode', '-no-color', '-input=false'], {
        cwd: stackDir(stack, opts),
        env,
      }),
    };
  } catch (err) {
    const e = err as { exitCode?: number; output?: string };
    if (typeof e.exitCode === 'number') return { code: e.exitCode, output: e.output ?? '' };
    throw err;
  }
}

/** Processes still working in a folder (their cwd below it, or naming it in their command line). */
export function processesIn(dir: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (
        stat
          .slice(stat.lastIndexOf(')') + 1)
          .trim()
          .startsWith('Z')
      )
        continue;
      if (cwd.startsWith(dir) || cmd.includes(dir)) found.push(`${pid} ${cmd}`);
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Container ids by name (for "nothing was touched"). */
export async function containerIds(prefix: string): Promise<Record<string, string>> {
  const out = await run('docker', ['ps', '-a', '--format', '{{.Names}} {{.ID}} {{.State}}']);
  return Object.fromEntries(
    out
      .split('\n')
      .map((l) => l.trim().split(' '))
      .filter(([n]) => n?.startsWith(prefix))
      .map(([n, id, state]) => [n, `${id} ${state}`]),
  );
}

export function kafka(inst: DevInstance): Kafka {
  return new Kafka({ brokers: [`localhost:${inst.ports.kafka}`], clientId: 'drill', logLevel: logLevel.NOTHING });
}

/** Messages in a topic (sum of high - low over partitions), retried while the broker settles. */
export async function messageCount(inst: DevInstance, topic: string, timeoutMs = 120_000): Promise<number | 'no such topic'> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const admin = kafka(inst).admin();
    try {
      await admin.connect();
      if (!(await admin.listTopics()).includes(topic)) return 'no such topic';
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((n, o) => n + (Number(o.high) - Number(o.low)), 0);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

export async function produceMessages(inst: DevInstance, topic: string, count: number): Promise<void> {
  const k = kafka(inst);
  const admin = k.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = k.producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `message ${i}` })) });
  await producer.disconnect();
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
