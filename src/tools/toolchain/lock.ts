import * as fs from 'fs';
import * as path from 'path';

/**
 * A lock shared by every process of the machine that writes the same folder: set-ups of two
 * checkouts (or a test drill that sets up two clones side by side) share the machine-wide build
 * cache and the Docker image tags, and must not build into the same context folder at once. The
 * lock is a directory (mkdir is atomic) holding the owner's pid; a lock whose owner is gone (the
 * process was killed) is taken over.
 */
export interface LockOwner {
  readonly pid: number;
  readonly since: string;
  readonly cwd: string;
}

interface LockOptions {
  /** Called once when the lock is held by another live process and we start waiting. */
  readonly onWait?: (owner: LockOwner) => void;
  /** Poll interval in ms (default 500). */
  readonly pollMs?: number;
  /** Give up after this many ms (default: wait as long as the owner lives). */
  readonly timeoutMs?: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(dir: string): LockOwner | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'owner.json'), 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

/**
 * Removes a lock left by a dead process. Renamed away first (atomic), so of two waiters only one
 * removes it; a waiter that renamed a lock just taken by a live process puts it back.
 */
function takeOver(dir: string, deadPid: number): void {
  const aside = `${dir}.stale-${process.pid}-${Date.now()}`;
  try {
    fs.renameSync(dir, aside);
  } catch {
    return; // someone else moved it
  }
  const moved = readOwner(aside);
  if (moved !== undefined && moved.pid !== deadPid && alive(moved.pid)) {
    try {
      fs.renameSync(aside, dir);
      return;
    } catch {
      // its owner's release already ran, or another lock exists now: nothing to restore
    }
  }
  fs.rmSync(aside, { recursive: true, force: true });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` holding the lock `dir`; waits while another live process holds it. */
export async function withLock<T>(dir: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const release = await acquire(dir, options);
  try {
    return await fn();
  } finally {
    release();
  }
}

async function acquire(dir: string, options: LockOptions): Promise<() => void> {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const started = Date.now();
  let waited = false;
  let ownerless = 0;
  for (;;) {
    try {
      fs.mkdirSync(dir);
      const me: LockOwner = { pid: process.pid, since: new Date().toISOString(), cwd: process.cwd() };
      fs.writeFileSync(path.join(dir, 'owner.json'), JSON.stringify(me));
      const release = () => {
        process.removeListener('exit', release);
        if (readOwner(dir)?.pid === process.pid) fs.rmSync(dir, { recursive: true, force: true });
      };
      process.on('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = readOwner(dir);
    if (owner === undefined) {
      // created but its owner file not written yet, or left by a process killed in between
      if (++ownerless * (options.pollMs ?? 500) > 5_000) fs.rmSync(dir, { recursive: true, force: true });
    } else if (!alive(owner.pid)) {
      takeOver(dir, owner.pid);
      continue;
    } else {
      ownerless = 0;
      if (!waited) options.onWait?.(owner);
      waited = true;
    }
    if (options.timeoutMs !== undefined && Date.now() - started > options.timeoutMs) {
      throw new Error(
        `the lock ${dir} is still held${owner ? ` by pid ${owner.pid} (${owner.cwd}, since ${owner.since})` : ''} after ${options.timeoutMs} ms`,
      );
    }
    await sleep(options.pollMs ?? 500);
  }
}
