/**
 * The machine-wide set-up lock: set-ups of two checkouts (the side-by-side drill sets up two clones
 * at once) must not build into the shared cache at the same time.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LockOwner, withLock } from '../../src/tools/toolchain/lock';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-lock-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('two holders never overlap, and the second waits for the first', async () => {
  const dir = path.join(work, 'serial.lock');
  const events: string[] = [];
  const waits: LockOwner[] = [];
  const holder = (name: string) =>
    withLock(
      dir,
      async () => {
        events.push(`${name} in`);
        await sleep(150);
        events.push(`${name} out`);
      },
      { pollMs: 20, onWait: (o) => waits.push(o) },
    );
  await Promise.all([holder('a'), holder('b')]);
  expect(events).toEqual(['a in', 'a out', 'b in', 'b out']);
  expect(waits.map((w) => w.pid)).toEqual([process.pid]);
  expect(fs.existsSync(dir)).toBe(false);
});

test('the lock is released when the work fails', async () => {
  const dir = path.join(work, 'failing.lock');
  await expect(withLock(dir, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  expect(fs.existsSync(dir)).toBe(false);
  await expect(withLock(dir, async () => 'again')).resolves.toBe('again');
});

test('a lock left by a killed process is taken over', async () => {
  const dir = path.join(work, 'stale.lock');
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'owner.json'), JSON.stringify({ pid: Number(dead), since: 'earlier', cwd: '/elsewhere' }));
  const waits: LockOwner[] = [];
  await expect(withLock(dir, async () => 'taken', { pollMs: 20, timeoutMs: 2_000, onWait: (o) => waits.push(o) })).resolves.toBe('taken');
  expect(waits).toEqual([]);
});

test('a lock held by another live process is waited for, and a timeout names its owner', async () => {
  const dir = path.join(work, 'held.lock');
  fs.mkdirSync(dir);
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  try {
    fs.writeFileSync(path.join(dir, 'owner.json'), JSON.stringify({ pid: child.pid, since: 'now', cwd: '/other/checkout' }));
    const run = withLock(dir, async () => 'never', { pollMs: 20, timeoutMs: 300 });
    await expect(run).rejects.toThrow(`held by pid ${child.pid} (/other/checkout, since now)`);
    expect(fs.existsSync(dir)).toBe(true);
  } finally {
    child.kill();
  }
});
