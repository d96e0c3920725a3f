import * as path from 'path';
import { REPO_ROOT } from '../toolchain/paths';
import { run } from '../toolchain/run';
import { toolchainEnv } from '../toolchain/setup';

export interface CdktfOptions {
  /** Environment on top of which the toolchain's variables are set. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Synthesis output folder. @default cdktf.out */
  readonly output?: string;
  /** Append the CLI's output here. */
  readonly logFile?: string;
}

/** Runs the project's cdktf CLI with the toolchain environment (offline mirror, chosen binary). */
export function cdktf(args: readonly string[], opts: CdktfOptions = {}): Promise<string> {
  return run(path.join(REPO_ROOT, 'node_modules', '.bin', 'cdktf'), [...args, ...(opts.output ? ['--output', opts.output] : [])], {
    cwd: REPO_ROOT,
    env: { ...toolchainEnv(opts.env ?? process.env), CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
    logFile: opts.logFile,
  });
}

/** `cdktf deploy <stack>`; the mirror holds exact providers, so the registry lock step is skipped. */
export function deployStack(stack: string, opts: CdktfOptions = {}): Promise<string> {
  return cdktf(['deploy', stack, '--auto-approve', '--skip-provider-lock'], opts);
}

export function destroyStack(stack: string, opts: CdktfOptions = {}): Promise<string> {
  return cdktf(['destroy', stack, '--auto-approve', '--skip-provider-lock'], opts);
}
