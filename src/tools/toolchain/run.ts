import { ChildProcess, spawn, spawnSync, SpawnOptions } from 'child_process';
import * as fs from 'fs';

/** A command that exited non-zero, with the tail of its output so the cause is visible. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(`command failed (exit ${exitCode}): ${command}\n${tail(output, 40)}`);
  }
}

export function tail(text: string, lines: number): string {
  const all = text.trimEnd().split('\n');
  return all.slice(Math.max(0, all.length - lines)).join('\n');
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Append stdout and stderr to this file instead of keeping them in memory only. */
  readonly logFile?: string;
  /** Data written to the command's stdin. */
  readonly input?: string | Buffer;
  /**
   * Start the command in its own session and process group (setsid), so a Ctrl-C at the terminal
   * reaches only streamform, which decides how to pass it on (see cli/interrupts.ts).
   */
  readonly detached?: boolean;
  /** Called once the command has started (e.g. to signal it later). */
  readonly onSpawn?: (child: ChildProcess) => void;
  /** Called with each complete line of output (stdout and stderr), as it arrives. */
  readonly onLine?: (line: string) => void;
}

/** Runs a command to completion; resolves with stdout, rejects with a CommandError. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const spawnOpts: SpawnOptions = {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: opts.detached ?? false,
    };
    const child = spawn(cmd, args as string[], spawnOpts);
    opts.onSpawn?.(child);
    const out: Buffer[] = [];
    const both: Buffer[] = [];
    const log = opts.logFile ? fs.createWriteStream(opts.logFile, { flags: 'a' }) : undefined;
    log?.write(`\n$ ${[cmd, ...args].join(' ')}\n`);
    const outLines = opts.onLine ? lineSplitter(opts.onLine) : undefined;
    const errLines = opts.onLine ? lineSplitter(opts.onLine) : undefined;
    child.stdout!.on('data', (d: Buffer) => {
      out.push(d);
      both.push(d);
      log?.write(d);
      outLines?.push(d);
    });
    child.stderr!.on('data', (d: Buffer) => {
      both.push(d);
      log?.write(d);
      errLines?.push(d);
    });
    child.on('error', (err) => {
      log?.end();
      reject(new CommandError([cmd, ...args].join(' '), null, String(err)));
    });
    child.on('close', (code) => {
      outLines?.end();
      errLines?.end();
      log?.end();
      if (code === 0) resolve(Buffer.concat(out).toString());
      else reject(new CommandError([cmd, ...args].join(' '), code, Buffer.concat(both).toString()));
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin!.end();
  });
}

/** Feeds chunks of output, calls `onLine` for every complete line (and the rest at the end). */
function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer | string): void; end(): void } {
  let rest = '';
  return {
    push(chunk) {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) onLine(p.replace(/\r$/, ''));
    },
    end() {
      if (rest !== '') onLine(rest);
      rest = '';
    },
  };
}

/** True when the command runs and exits 0 (synchronous, for quick probes). */
export function succeeds(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): boolean {
  const r = spawnSync(cmd, args as string[], { stdio: 'ignore', env: env ?? process.env, timeout: 30_000 });
  return r.status === 0;
}

/** Absolute path of an executable on PATH, or undefined. */
export function which(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(':')) {
    if (!dir) continue;
    const candidate = `${dir}/${name}`;
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
