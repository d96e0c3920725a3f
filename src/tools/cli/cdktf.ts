import * as fs from 'fs';
import * as path from 'path';
import { removeOrphansOf } from '../toolchain/docker-objects';
import { REPO_ROOT } from '../toolchain/paths';
import { forgetForeignProviderLock } from '../toolchain/providers';
import { run } from '../toolchain/run';
import { toolchainEnv } from '../toolchain/setup';
import { devSecretsEnv, stackVariables } from './dev-secrets';

export interface CdktfOptions {
  /** Environment on top of which the toolchain's variables are set. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Synthesis output folder. @default cdktf.out */
  readonly output?: string;
  /** Append the CLI's output here. */
  readonly logFile?: string;
}

function outdir(opts: CdktfOptions): string {
  return opts.output ?? path.join(REPO_ROOT, 'cdktf.out');
}

function baseEnv(opts: CdktfOptions): NodeJS.ProcessEnv {
  return { ...toolchainEnv(opts.env ?? process.env), CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' };
}

/** Runs the project's cdktf CLI with the toolchain environment (offline mirror, chosen binary). */
export function cdktf(args: readonly string[], opts: CdktfOptions = {}, extraEnv: NodeJS.ProcessEnv = {}): Promise<string> {
  return run(path.join(REPO_ROOT, 'node_modules', '.bin', 'cdktf'), [...args, '--output', outdir(opts)], {
    cwd: REPO_ROOT,
    env: { ...baseEnv(opts), ...extraEnv },
    logFile: opts.logFile,
  });
}

/**
 * Synthesizes the app by running its compiled entry point (what `cdktf synth` runs, without the
 * CLI). A stack folder's lock entry for streamform's provider that records another checkout's
 * provider package is dropped (providers.ts, forgetForeignProviderLock).
 */
export async function synth(opts: CdktfOptions = {}): Promise<string> {
  const out = outdir(opts);
  await run(process.execPath, [path.join(REPO_ROOT, 'dist', 'stacks', 'main.js')], {
    cwd: REPO_ROOT,
    env: { ...baseEnv(opts), CDKTF_OUTDIR: out },
    logFile: opts.logFile,
  });
  const stacks = path.join(out, 'stacks');
  for (const stack of fs.existsSync(stacks) ? fs.readdirSync(stacks) : []) {
    if (forgetForeignProviderLock(path.join(stacks, stack))) {
      process.stderr.write(`${stack}: its lock file recorded another checkout's streamform provider; OpenTofu records this checkout's\n`);
    }
  }
  return out;
}

/**
 * A stack with local state but no state file yet, whose Docker objects exist all the same, is
 * left over from a checkout or run whose state is gone: OpenTofu would fail on the names, so
 * those objects are removed first (they belong to streamform's own dev stacks only).
 */
async function removeOrphans(stack: string, out: string): Promise<void> {
  const json = JSON.parse(fs.readFileSync(path.join(out, 'stacks', stack, 'cdk.tf.json'), 'utf8')) as {
    terraform?: { backend?: { local?: { path?: string } } };
    resource?: Record<string, Record<string, { name?: unknown }>>;
  };
  const statePath = json.terraform?.backend?.local?.path;
  if (!statePath) return;
  const removed = await removeOrphansOf(json, fs.existsSync(statePath));
  if (removed.length > 0)
    process.stderr.write(
      `${stack}: removed ${removed.length} Docker object(s) left by an earlier deployment whose state is gone (${removed.join(', ')})\n`,
    );
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
 */
async function runStacks(verb: 'deploy' | 'destroy', stacks: readonly string[], opts: CdktfOptions): Promise<string> {
  const out = await synth(opts);
  requirePgConnStr(stacks, out, opts.env ?? process.env);
  const outputs: string[] = [];
  for (const stack of stackRunOrder(stacks, manifestDependencies(out), verb)) {
    if (verb === 'deploy') await removeOrphans(stack, out);
    outputs.push(
      await cdktf(
        [verb, stack, '--auto-approve', '--skip-provider-lock', '--skip-synth', '--ignore-missing-stack-dependencies'],
        opts,
        secretsFor([stack], out),
      ),
    );
  }
  return outputs.join('');
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
