import * as fs from 'fs';
import * as path from 'path';
import { FoundDockerObject, findDockerObjects, removeDockerObject } from '../toolchain/docker-objects';
import { PACKAGE_ROOT, projectRoot } from '../toolchain/paths';
import { groupRunning } from '../toolchain/processes';
import { forgetForeignProvider } from '../toolchain/providers';
import { CommandError, run, RunOptions, sleep } from '../toolchain/run';
import { shareable, withSharedProvider } from '../toolchain/shared-provider';
import { toolchainEnv } from '../toolchain/setup';
import { UsageError } from './args';
import { devSecretsEnv, stackVariables } from './dev-secrets';
import { InterruptedError, interrupts, TofuSignaller } from './interrupts';
import { declaredObjects, decideLeftovers, describe, InterruptedRun, LeftoverMode, refusalMessage, stateAddresses } from './leftovers';
import { isUserProject, loadUserApp, projectOutdir, readSynthesizedStack, stacksOf, SynthesizedStack, synthUserProject } from './project';
import { addReleaseRecords, UserRelease } from './user-release';
import { ApplyProgress, ProgressEvent } from './tofu-progress';

export interface CdktfOptions {
  /** Environment on top of which the toolchain's variables are set. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Synthesis output folder. @default cdktf.out */
  readonly output?: string;
  /** Append the CLI's output here. */
  readonly logFile?: string;
  /**
   * What a deploy does with objects of a stack that exist outside its state (see leftovers.ts):
   * refuse (default), adopt, replace, replace-delete-data.
   */
  readonly leftovers?: LeftoverMode;
  /** Each resource OpenTofu starts or finishes, as it happens (the CLI shows them). */
  readonly onProgress?: (stack: string, event: ProgressEvent) => void;
  /** What streamform does about leftovers and interrupts. @default a line on stderr */
  readonly onNote?: (text: string) => void;
  /**
   * While deploying or destroying, take over SIGINT, SIGTERM and SIGHUP of this process and pass
   * them on to OpenTofu (interrupts.ts) instead of ending the process: the CLI does. Without it a
   * signal ends this process as usual (library use, tests).
   */
  readonly handleSignals?: boolean;
  /**
   * Called before each stack of a deploy, with its synthesized configuration (the CLI waits there
   * for a local ksqlDB the stack's objects are created in).
   */
  readonly beforeDeploy?: (stack: string, json: SynthesizedStack) => Promise<void>;
  /**
   * Called before each stack of a destroy, with its synthesized configuration; the resource types it
   * returns are forgotten first (`tofu state rm`: their servers are gone for good, nothing is deleted).
   */
  readonly beforeDestroy?: (stack: string, json: SynthesizedStack) => Promise<readonly string[]>;
}

export type { SynthesizedStack } from './project';

/**
 * The synthesis output folder: the option, else STREAMFORM_CDKTF_OUT, else the project's (cdktf.json's
 * `output`, `cdktf.out` by default).
 */
export function outdir(opts: CdktfOptions = {}): string {
  return opts.output ?? projectOutdir(opts.env ?? process.env);
}

/** The cdktf CLI of the streamform package (cdktf-cli, a dependency). */
export function cdktfBin(): string {
  const pkgFile = require.resolve('cdktf-cli/package.json', { paths: [PACKAGE_ROOT] });
  const bin = (JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as { bin: Record<string, string> }).bin.cdktf;
  return path.join(path.dirname(pkgFile), bin);
}

function note(opts: CdktfOptions, text: string): void {
  if (opts.onNote) opts.onNote(text);
  else process.stderr.write(`${text}\n`);
}

function baseEnv(opts: CdktfOptions): NodeJS.ProcessEnv {
  return { ...toolchainEnv(opts.env ?? process.env), CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' };
}

/** Runs the project's cdktf CLI with the toolchain environment (offline mirror, chosen binary). */
export function cdktf(
  args: readonly string[],
  opts: CdktfOptions = {},
  extraEnv: NodeJS.ProcessEnv = {},
  spawning: Pick<RunOptions, 'detached' | 'onSpawn' | 'onLine'> = {},
): Promise<string> {
  return run(cdktfBin(), [...args, '--output', outdir(opts)], {
    cwd: projectRoot(opts.env ?? process.env),
    env: { ...baseEnv(opts), ...extraEnv },
    logFile: opts.logFile,
    ...spawning,
  });
}

/**
 * Synthesizes the app by running its compiled entry point (what `cdktf synth` runs, without the
 * CLI). A stack folder set up with another checkout's streamform provider is made to install this
 * checkout's (providers.ts, forgetForeignProvider).
 */
export async function synth(opts: CdktfOptions = {}): Promise<string> {
  const out = outdir(opts);
  if (isUserProject(opts.env ?? process.env)) {
    await synthUserProject(out, baseEnv(opts), opts.logFile);
    addReleaseRecords(out, await userReleaseContext(baseEnv(opts)));
  } else {
    const release = JSON.stringify(await releaseContext(opts.env ?? process.env));
    await run(process.execPath, [path.join(PACKAGE_ROOT, 'dist', 'stacks', 'main.js')], {
      cwd: PACKAGE_ROOT,
      env: { ...baseEnv(opts), CDKTF_OUTDIR: out, STREAMFORM_RELEASE: release },
      logFile: opts.logFile,
    });
  }
  const stacks = path.join(out, 'stacks');
  for (const stack of fs.existsSync(stacks) ? fs.readdirSync(stacks) : []) {
    if (forgetForeignProvider(path.join(stacks, stack))) {
      note(opts, `${stack}: it was set up with another streamform installation's provider; OpenTofu installs this one's`);
    }
  }
  return out;
}

/**
 * What the release record of each pipeline stack holds besides its fingerprint (stacks/main.ts):
 * the checkout's commit, whether its tree is clean, and the result of each pipeline's test cases on
 * the local ksqlDB engine as each environment synthesizes it (about 2 s for all of them).
 */
async function releaseContext(
  processEnv: NodeJS.ProcessEnv,
): Promise<{ commit?: string; cleanTree?: boolean; tests: Record<string, string> }> {
  const [{ gitInfo }, { runPipelineTests, runSummary, notRunSummary }, { PIPELINES }, { ENV_NAMES }] = await Promise.all([
    import('../gitops/git'),
    import('../ksqldb/test-runner/pipeline'),
    import('../../../stacks/main'),
    import('../../../stacks/environments'),
  ]);
  const tests: Record<string, string> = {};
  for (const [pipeline, Pipeline] of Object.entries(PIPELINES)) {
    for (const env of ENV_NAMES) {
      try {
        tests[`${pipeline}-${env}`] = runSummary(runPipelineTests(pipeline, Pipeline, env, processEnv));
      } catch (err) {
        tests[`${pipeline}-${env}`] = notRunSummary(err);
      }
    }
  }
  return { ...(await gitInfo()), tests };
}

/**
 * The release record's context of a user's project: its commit and clean tree, and each stack's test
 * cases on the local ksqlDB engine (the app built in memory from what the synthesis just compiled).
 */
async function userReleaseContext(env: NodeJS.ProcessEnv): Promise<UserRelease> {
  const [{ gitInfo }, { runStackTests, runSummary, notRunSummary }] = await Promise.all([
    import('../gitops/git'),
    import('../ksqldb/test-runner/pipeline'),
  ]);
  const tests: Record<string, string> = {};
  try {
    for (const [name, stack] of stacksOf(await loadUserApp(env, { build: false }))) tests[name] = runSummary(runStackTests(stack));
  } catch (err) {
    return { ...(await gitInfo(projectRoot(env))), tests: {}, notRun: notRunSummary(err) };
  }
  return { ...(await gitInfo(projectRoot(env))), tests };
}

/** TF_VAR_* for the secrets of dev stacks (generated once per checkout); none for other stacks. */
function secretsFor(stacks: readonly string[], out: string): Record<string, string> {
  const names = stacks.filter((s) => s.endsWith('-dev')).flatMap((s) => stackVariables(out, s));
  return devSecretsEnv([...new Set(names)]);
}

/**
 * The order in which to run the given stacks: every stack after the stacks it depends on (deploy)
 * or before them (destroy), by the dependencies in the synthesized manifest; stacks unrelated to
 * each other keep the order they were given in. Unknown names are left to cdktf to report.
 */
export function stackRunOrder(
  stacks: readonly string[],
  dependencies: Readonly<Record<string, readonly string[]>>,
  verb: 'deploy' | 'destroy',
): string[] {
  const wanted = [...new Set(stacks)];
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (stack: string): void => {
    if (ordered.includes(stack)) return;
    if (visiting.has(stack))
      throw new Error(
        `stacks ${[...visiting].join(' → ')} → ${stack} depend on each other in a cycle; remove one of the stack.addDependency() calls`,
      );
    visiting.add(stack);
    for (const dep of dependencies[stack] ?? []) if (wanted.includes(dep)) visit(dep);
    visiting.delete(stack);
    ordered.push(stack);
  };
  wanted.forEach(visit);
  return verb === 'deploy' ? ordered : ordered.reverse();
}

/** Stacks named on the command line that the app does not synthesize: an error listing the app's stacks. */
export function requireKnownStacks(wanted: readonly string[], known: readonly string[]): void {
  const unknown = wanted.filter((s) => !known.includes(s));
  if (unknown.length === 0) return;
  throw new UsageError(
    `no stack ${unknown.map((s) => `'${s}'`).join(', ')} in this project; its stacks are ${known.join(', ') || 'none (the app synthesized nothing)'}`,
  );
}

export function manifestDependencies(out: string): Record<string, readonly string[]> {
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as {
    stacks?: Record<string, { dependencies?: string[] }>;
  };
  return Object.fromEntries(Object.entries(manifest.stacks ?? {}).map(([name, s]) => [name, s.dependencies ?? []]));
}

/**
 * Runs `cdktf <verb>` once per stack, one after the other in dependency order. cdktf 0.21's own
 * multi-stack scheduling is not used: with --ignore-missing-stack-dependencies (needed to deploy
 * a pipeline without re-deploying its platform) it starts all stacks of a deploy at once,
 * whatever their dependencies, and a destroy of several stacks re-launches the running one in a
 * busy loop until the process runs out of pseudo-terminals.
 *
 * Before each deploy, objects of the stack found outside its state are settled (settleLeftovers);
 * interrupts are passed on to OpenTofu and reported (interrupts.ts, reportInterrupted).
 */
async function runStacks(verb: 'deploy' | 'destroy', stacks: readonly string[], opts: CdktfOptions): Promise<string> {
  const uninstall = opts.handleSignals ? interrupts.install() : undefined;
  try {
    return await runStacksHandled(verb, stacks, opts);
  } finally {
    uninstall?.();
  }
}

async function runStacksHandled(verb: 'deploy' | 'destroy', stacks: readonly string[], opts: CdktfOptions): Promise<string> {
  let out: string;
  try {
    out = await synth(opts);
  } catch (err) {
    if (interrupts.signal) throw new InterruptedError(`${verb} interrupted during synthesis: nothing was changed`, interrupts.signal);
    throw err;
  }
  const dependencies = manifestDependencies(out);
  requireKnownStacks(stacks, Object.keys(dependencies));
  requirePgConnStr(stacks, out, opts.env ?? process.env);
  const outputs: string[] = [];
  const order = stackRunOrder(stacks, dependencies, verb);
  for (const [i, stack] of order.entries()) {
    if (interrupts.signal) {
      throw new InterruptedError(
        `${verb} interrupted${i > 0 ? ` after ${order.slice(0, i).join(', ')}` : ''}: not started ${order.slice(i).join(', ')}`,
        interrupts.signal,
      );
    }
    const target = stackRun(stack, out, opts);
    if (verb === 'deploy') await opts.beforeDeploy?.(stack, target.json);
    if (verb === 'destroy') await forgetResources(target, (await opts.beforeDestroy?.(stack, target.json)) ?? [], opts);
    if (verb === 'deploy') await settleLeftovers(target, opts);
    // one provider process for the stack's whole run (OpenTofu reattaches to it in every phase)
    const logFile = opts.logFile ?? undefined;
    outputs.push(
      await withSharedProvider(target.json, target.env, (reattach) => runStack(verb, target, opts, order.slice(i + 1), reattach), logFile),
    );
    await restoreProviderLock(target);
  }
  return outputs.join('');
}

/** One synthesized stack, as the steps around cdktf need it. */
interface StackRun {
  readonly stack: string;
  /** The stack's folder in the synthesis output (OpenTofu's working directory). */
  readonly dir: string;
  readonly json: SynthesizedStack;
  /** The state file, when the stack keeps local state. */
  readonly statePath?: string;
  /** TF_VAR_* of the stack's dev secrets. */
  readonly secrets: Record<string, string>;
  /** OpenTofu's environment for this stack (toolchain and dev secrets). */
  readonly env: NodeJS.ProcessEnv;
  /** Where an interrupted run is recorded for the next deploy (next to the local state). */
  readonly journalPath: string;
}

function stackRun(stack: string, out: string, opts: CdktfOptions): StackRun {
  const dir = path.join(out, 'stacks', stack);
  const json = readSynthesizedStack(out, stack);
  const local = json.terraform?.backend?.local?.path;
  const statePath = local === undefined ? undefined : path.resolve(dir, local);
  const journalPath = statePath
    ? path.join(path.dirname(statePath), `.${path.basename(statePath)}.interrupted.json`)
    : path.join(dir, '.streamform-interrupted.json');
  const secrets = secretsFor([stack], out);
  return { stack, dir, json, statePath, secrets, env: { ...baseEnv(opts), ...secrets }, journalPath };
}

function tofu(target: StackRun, args: readonly string[], extra: Pick<RunOptions, 'detached'> = {}): Promise<string> {
  return run(target.env.TERRAFORM_BINARY_NAME!, [...args], { cwd: target.dir, env: target.env, ...extra });
}

/**
 * cdktf's `tofu init` under TF_REATTACH_PROVIDERS leaves the reattached streamform provider out of
 * the stack's dependency lock file (OpenTofu does not install it), and a later plain `tofu plan`
 * there fails with "Inconsistent dependency lock file". A plain init puts it back (from the mirror).
 */
async function restoreProviderLock(target: StackRun): Promise<void> {
  if (!shareable(target.json, target.env)) return;
  const lock = path.join(target.dir, '.terraform.lock.hcl');
  if (fs.existsSync(lock) && fs.readFileSync(lock, 'utf8').includes('/streamform/streamform"')) return;
  await tofu(target, ['init', '-input=false', '-no-color']);
}

/**
 * Drops the state entries of a stack's resources of the given types (`tofu state rm`), so that a
 * destroy does not try to read or delete them on servers that are gone; nothing is deleted anywhere.
 */
async function forgetResources(target: StackRun, types: readonly string[], opts: CdktfOptions): Promise<void> {
  if (types.length === 0) return;
  const addresses = [...(await stateOf(target))].filter((a) => types.some((t) => a.startsWith(`${t}.`)));
  if (addresses.length === 0) return;
  await tofu(target, ['init', '-input=false', '-no-color']);
  await tofu(target, ['state', 'rm', '-no-color', ...addresses]);
  note(
    opts,
    `${target.stack}: forgot ${addresses.length} object(s) on servers that do not answer (nothing deleted): ${addresses.join(', ')}`,
  );
}

/** The addresses in the stack's state: the local file read directly, else `tofu state list`. */
async function stateOf(target: StackRun): Promise<Set<string>> {
  if (target.statePath) return stateAddresses(fs.existsSync(target.statePath) ? fs.readFileSync(target.statePath, 'utf8') : '');
  await tofu(target, ['init', '-input=false', '-no-color']);
  return new Set(
    (await tofu(target, ['state', 'list']))
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
  );
}

function readJournal(target: StackRun): (InterruptedRun & { stack: string }) | undefined {
  let saved: Partial<InterruptedRun> & { stack?: string };
  try {
    saved = JSON.parse(fs.readFileSync(target.journalPath, 'utf8')) as Partial<InterruptedRun>;
  } catch {
    return undefined;
  }
  return {
    stack: saved.stack ?? target.stack,
    verb: saved.verb ?? 'deploy',
    signal: saved.signal ?? 'unknown',
    startedAt: saved.startedAt ?? new Date(0).toISOString(),
    endedAt: saved.endedAt ?? new Date(0).toISOString(),
    inProgress: saved.inProgress ?? [],
    untracked: saved.untracked ?? [],
  };
}

/**
 * Before a deploy: the stack's objects that exist outside its state (leftovers.ts decides). Refuses
 * with their names unless an option says what to do; adopts (`tofu import`) what an interrupted run
 * of this checkout created; removes only what --replace (containers) or --replace --delete-data
 * (volumes too) asks for.
 */
async function settleLeftovers(target: StackRun, opts: CdktfOptions): Promise<void> {
  const mode = opts.leftovers ?? 'refuse';
  const declared = declaredObjects(target.json);
  const interrupted = readJournal(target);
  // streamform objects are only looked for when asked to or after an interrupted run; Docker
  // objects always (cheap, and the ones OpenTofu would otherwise fail on)
  if (!declared.some((d) => d.kind !== 'streamform') && !interrupted && mode === 'refuse') return;
  const inState = await stateOf(target);
  const missing = declared.filter((d) => !inState.has(d.address));
  const wanted = missing.flatMap((d) => (d.kind === 'streamform' ? [] : [{ kind: d.kind, name: d.name }]));
  const docker = wanted.length > 0 ? await findDockerObjects(wanted) : [];
  const decision = decideLeftovers({ declared, inState, docker, interrupted, mode });
  if (decision.refuse.length > 0) {
    const stateNote = !target.statePath
      ? 'remote state'
      : !fs.existsSync(target.statePath) || inState.size === 0
        ? `no state in ${target.statePath}`
        : `${inState.size} resource(s) in ${target.statePath}`;
    throw new LeftoversError(refusalMessage(target.stack, decision.refuse, stateNote));
  }
  if (interrupted) {
    note(
      opts,
      `${target.stack}: the last ${interrupted.verb} of this stack was interrupted (${interrupted.signal} at ${interrupted.endedAt})`,
    );
  }
  for (const r of decision.remove) {
    await removeDockerObject(r.kind, r.name);
    note(
      opts,
      `${target.stack}: removed ${r.kind} ${r.name} (${r.kind === 'volume' ? '--delete-data: its data is gone' : '--replace: created anew'})`,
    );
  }
  if (decision.adopt.length === 0 && decision.tryImport.length === 0) return;
  await tofu(target, ['init', '-input=false', '-no-color']);
  for (const a of decision.adopt) {
    stopIfInterrupted('adopting leftovers');
    await tofu(target, ['import', '-input=false', '-no-color', a.address, a.importId], { detached: true });
    note(opts, `${target.stack}: adopted ${a.what} as ${a.address} (${a.why})`);
  }
  for (const t of decision.tryImport) {
    stopIfInterrupted('adopting leftovers');
    try {
      await tofu(target, ['import', '-input=false', '-no-color', t.address, t.importId], { detached: true });
      note(opts, `${target.stack}: adopted ${t.importId} as ${t.address}`);
    } catch (err) {
      if (!(err instanceof CommandError) || !NOT_FOUND_ON_IMPORT.test(err.output)) throw err;
    }
  }
}

/** What streamform's importers say when the server has no such object (it is then created by the apply). */
const NOT_FOUND_ON_IMPORT = /(?:no|has no) (?:topic|subject|connector|stream or table) named|Cannot import non-existent remote object/;

function stopIfInterrupted(during: string): void {
  if (interrupts.signal)
    throw new InterruptedError(`interrupted while ${during}: what was imported so far is in the state`, interrupts.signal);
}

/** A deploy refused because objects of a stack exist outside its state. */
class LeftoversError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LeftoversError';
  }
}

/** Output of an apply that failed on objects existing outside the state. */
const ALREADY_EXISTS = /already exists|is already in use/;

/**
 * One `cdktf <verb>` of one stack, interrupts passed on to OpenTofu. After an interrupt, waits for
 * OpenTofu to end, releases a lock it left, records the run for the next deploy and throws the
 * report of what was left.
 */
async function runStack(
  verb: 'deploy' | 'destroy',
  target: StackRun,
  opts: CdktfOptions,
  rest: readonly string[],
  reattach: Record<string, string> = {},
): Promise<string> {
  const progress = new ApplyProgress(target.stack);
  let signaller: TofuSignaller | undefined;
  const startedAt = new Date();
  let output = '';
  let failure: unknown;
  try {
    output = await cdktf(
      [verb, target.stack, '--auto-approve', '--skip-provider-lock', '--skip-synth', '--ignore-missing-stack-dependencies'],
      opts,
      { ...target.secrets, ...reattach },
      {
        detached: true,
        onSpawn: (child) => {
          if (child.pid) signaller = new TofuSignaller(child.pid);
        },
        onLine: (line) => {
          const event = progress.feed(line);
          if (event) opts.onProgress?.(target.stack, event);
        },
      },
    );
  } catch (err) {
    failure = err;
  } finally {
    signaller?.stop();
  }
  if (interrupts.signal) {
    const report = await reportInterrupted(verb, target, {
      startedAt,
      endedAt: new Date(),
      progress,
      groups: signaller?.groups ?? [],
      rest,
    });
    throw new InterruptedError(report, interrupts.signal);
  }
  if (failure !== undefined) {
    if (verb === 'deploy' && failure instanceof CommandError && ALREADY_EXISTS.test(failure.output)) {
      failure.message +=
        `\n${target.stack}: objects of this stack exist outside its state. Deploy again with --adopt to import them ` +
        '(or --replace; `streamform help` explains both).';
    }
    throw failure;
  }
  fs.rmSync(target.journalPath, { force: true });
  return output;
}

/**
 * After an interrupted cdktf run: waits for its OpenTofu processes, releases a lock they left on a
 * local state, records the run (the next deploy adopts what it created outside the state) and
 * describes what was left.
 */
async function reportInterrupted(
  verb: 'deploy' | 'destroy',
  target: StackRun,
  run: { startedAt: Date; endedAt: Date; progress: ApplyProgress; groups: readonly number[]; rest: readonly string[] },
): Promise<string> {
  const signal = interrupts.signal!;
  const deadline = Date.now() + 30_000;
  while (run.groups.some((g) => groupRunning(g)) && Date.now() < deadline) await sleep(200);
  const stillRunning = run.groups.filter((g) => groupRunning(g));
  const inProgress = run.progress.inProgress();
  const lines: string[] = [];
  const reaction = run.progress.stopReaction;
  const how =
    interrupts.count >= 3 && run.groups.length > 0
      ? 'OpenTofu and cdktf were killed'
      : reaction === 'abort'
        ? 'OpenTofu aborted (it saved the state it had when the first interrupt came)'
        : reaction === 'graceful'
          ? 'OpenTofu stopped gracefully and saved its state'
          : run.groups.length === 0 && inProgress.length === 0
            ? 'OpenTofu was not applying anything'
            : 'OpenTofu ended without stopping gracefully (killed or crashed): objects it was creating may be outside the state';
  lines.push(`${target.stack}: ${verb} interrupted (${signal}); ${how}.`);

  let inState: Set<string> | undefined;
  try {
    inState = await stateOf(target);
  } catch (err) {
    lines.push(`  the state could not be read: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  const declared = declaredObjects(target.json);
  const total = Object.values(target.json.resource ?? {}).reduce((n, r) => n + Object.keys(r).length, 0);
  if (inState) lines.push(`  in the state: ${inState.size} of ${total} resources${tainted(target)}`);
  lines.push(
    inProgress.length === 0
      ? '  in flight when it stopped: nothing'
      : `  in flight when it stopped: ${inProgress.map((p) => `${p.address} (${p.action})`).join(', ')}`,
  );
  let outside: FoundDockerObject[] = [];
  if (inState) {
    const wanted = declared.flatMap((d) => (d.kind === 'streamform' || inState!.has(d.address) ? [] : [{ kind: d.kind, name: d.name }]));
    outside = wanted.length > 0 ? await findDockerObjects(wanted).catch(() => []) : [];
    if (outside.length > 0) lines.push(`  outside the state: ${outside.map(describe).join(', ')} (the next deploy adopts them)`);
  }
  lines.push(`  state lock: ${releaseStaleLock(target, run.startedAt, stillRunning)}`);
  if (run.rest.length > 0) lines.push(`  not started: ${run.rest.join(', ')}`);

  // a run interrupted again: the earlier window's start is kept, so its objects stay adoptable
  const previous = verb === 'deploy' ? readJournal(target) : undefined;
  const record: InterruptedRun & { stack: string } = {
    stack: target.stack,
    verb,
    signal,
    startedAt: previous && previous.startedAt < run.startedAt.toISOString() ? previous.startedAt : run.startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    inProgress: [...new Set([...(previous?.inProgress ?? []), ...inProgress.map((p) => p.address)])],
    untracked: [
      ...(previous?.untracked ?? []).filter((u) => !outside.some((o) => o.kind === u.kind && o.name === u.name)),
      ...outside.map((o) => ({ kind: o.kind, name: o.name, importId: o.importId })),
    ],
  };
  fs.mkdirSync(path.dirname(target.journalPath), { recursive: true });
  fs.writeFileSync(target.journalPath, JSON.stringify(record, null, 2) + '\n');
  lines.push(
    verb === 'destroy'
      ? 'Destroy again to continue.'
      : outside.length > 0
        ? 'Deploy again to continue: it adopts the objects outside the state and applies the rest.'
        : 'Deploy again to continue where it stopped.',
  );
  return lines.join('\n');
}

function tainted(target: StackRun): string {
  if (!target.statePath || !fs.existsSync(target.statePath)) return '';
  const text = fs.readFileSync(target.statePath, 'utf8');
  const n = (text.match(/"status": "tainted"/g) ?? []).length;
  return n === 0 ? '' : ` (${n} tainted: the next deploy re-creates ${n === 1 ? 'it' : 'them'})`;
}

/**
 * The lock OpenTofu keeps next to a local state (`.<state>.lock.info`; the lock itself is an
 * advisory lock of the OpenTofu process, gone with it). Removed when it is this run's and no
 * OpenTofu of the run still runs; a pg backend's lock is a session lock, released with the connection.
 */
function releaseStaleLock(target: StackRun, startedAt: Date, stillRunning: readonly number[]): string {
  if (!target.statePath) return 'remote backend (its lock ends with the OpenTofu session)';
  const info = path.join(path.dirname(target.statePath), `.${path.basename(target.statePath)}.lock.info`);
  if (!fs.existsSync(info)) return 'none left';
  if (stillRunning.length > 0) return `held by OpenTofu still running (process group ${stillRunning.join(', ')}): ${info}`;
  let created = 0;
  try {
    created = Date.parse((JSON.parse(fs.readFileSync(info, 'utf8')) as { Created?: string }).Created ?? '');
  } catch {
    // unreadable: treat as this run's only if it is newer than the run's start
    created = fs.statSync(info).mtimeMs;
  }
  if (!(created >= startedAt.getTime() - 2000)) return `a lock from an earlier run remains: ${info}`;
  fs.rmSync(info, { force: true });
  return `released (the lock the stopped OpenTofu left, ${info})`;
}

/**
 * `cdktf deploy` of the given stacks, in dependency order: synthesized first (so dev secrets can be
 * supplied as TF_VAR_*), then deployed without re-synthesis. The mirror holds exact providers, so
 * the registry lock step is skipped.
 */
export function deployStacks(stacks: readonly string[], opts: CdktfOptions = {}): Promise<string> {
  return runStacks('deploy', stacks, opts);
}

/** `cdktf destroy` of the given stacks, dependants first. */
export function destroyStacks(stacks: readonly string[], opts: CdktfOptions = {}): Promise<string> {
  return runStacks('destroy', stacks, opts);
}

/**
 * Fails early when a synthesized stack keeps its state in OpenTofu's pg backend without a
 * connection string in its configuration (streamform never writes one) and PG_CONN_STR is unset:
 * OpenTofu would otherwise fall back to libpq's defaults (127.0.0.1:5432) and fail with a bare
 * connection error naming neither the variable nor the stack.
 */
export function requirePgConnStr(stacks: readonly string[], out: string, env: NodeJS.ProcessEnv): void {
  if ((env.PG_CONN_STR ?? '').trim() !== '') return;
  const needing = stacks.flatMap((stack) => {
    const file = path.join(out, 'stacks', stack, 'cdk.tf.json');
    if (!fs.existsSync(file)) return [];
    const pg = (
      JSON.parse(fs.readFileSync(file, 'utf8')) as { terraform?: { backend?: { pg?: { schema_name?: string; conn_str?: string } } } }
    ).terraform?.backend?.pg;
    return pg && !pg.conn_str ? [`${stack} (schema ${pg.schema_name ?? 'terraform_remote_state'})`] : [];
  });
  if (needing.length === 0) return;
  throw new Error(
    `PG_CONN_STR is not set, but ${needing.join(', ')} keep${needing.length === 1 ? 's' : ''} Terraform state in PostgreSQL (OpenTofu pg backend). ` +
      `Set it in the environment of this command, e.g. export PG_CONN_STR='postgres://USER:PASSWORD@HOST:5432/DATABASE?sslmode=require' ` +
      `(in CI: the PG_CONN_STR secret of the GitHub environment, see docs/ci.md); it is never read from configuration.`,
  );
}

/** Deploy/destroy of one stack (kept for callers that deal with one). */
export const deployStack = (stack: string, opts: CdktfOptions = {}) => deployStacks([stack], opts);
export const destroyStack = (stack: string, opts: CdktfOptions = {}) => destroyStacks([stack], opts);

/** The environment to run OpenTofu by hand in a synthesized stack's folder (toolchain + secrets). */
export function tofuEnv(stack: string, opts: CdktfOptions = {}): NodeJS.ProcessEnv {
  return { ...baseEnv(opts), ...secretsFor([stack], outdir(opts)) };
}

export function stackDir(stack: string, opts: CdktfOptions = {}): string {
  return path.join(outdir(opts), 'stacks', stack);
}
