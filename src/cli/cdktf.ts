import * as path from 'path';
import { REPO_ROOT } from '../toolchain/paths';
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

/** Synthesizes the app by running its compiled entry point (what `cdktf synth` runs, without the CLI). */
export async function synth(opts: CdktfOptions = {}): Promise<string> {
  const out = outdir(opts);
  await run(process.execPath, [path.join(REPO_ROOT, 'dist', 'stacks', 'main.js')], {
    cwd: REPO_ROOT,
    env: { ...baseEnv(opts), CDKTF_OUTDIR: out },
    logFile: opts.logFile,
  });
  return out;
}

/** TF_VAR_* for the secrets of dev stacks (generated once per checkout); none for other stacks. */
export function secretsFor(stacks: readonly string[], out: string): Record<string, string> {
  const names = stacks.filter((s) => s.endsWith('-dev')).flatMap((s) => stackVariables(out, s));
  return devSecretsEnv([...new Set(names)]);
}

/**
 * `cdktf deploy` of the given stacks, in dependency order: synthesized first (so dev secrets can be
 * supplied as TF_VAR_*), then deployed without re-synthesis. The mirror holds exact providers, so
 * the registry lock step is skipped.
 */
export async function deployStacks(stacks: readonly string[], opts: CdktfOptions = {}): Promise<string> {
  const out = await synth(opts);
  return cdktf(
    ['deploy', ...stacks, '--auto-approve', '--skip-provider-lock', '--skip-synth', '--ignore-missing-stack-dependencies'],
    opts,
    secretsFor(stacks, out),
  );
}

export async function destroyStacks(stacks: readonly string[], opts: CdktfOptions = {}): Promise<string> {
  const out = await synth(opts);
  return cdktf(
    ['destroy', ...stacks, '--auto-approve', '--skip-provider-lock', '--skip-synth', '--ignore-missing-stack-dependencies'],
    opts,
    secretsFor(stacks, out),
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
