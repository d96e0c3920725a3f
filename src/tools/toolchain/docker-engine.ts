import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir } from './paths';
import { note } from './progress';
import { run, sleep, succeeds, tail } from './run';
import { isRootOnLinux } from './system-packages';

/**
 * True when a Docker engine answers `docker info`.
 */
export function dockerAnswers(): boolean {
  return succeeds('docker', ['info']);
}

/**
 * Makes sure a Docker engine answers. Uses the one that answers; on Linux as root with none,
 * starts dockerd (Debian's docker.io, installed by the set-up's system packages step) in the
 * background. Returns a one-line description of the engine.
 */
export async function ensureDockerEngine(): Promise<string> {
  if (dockerAnswers()) return describe();
  if (!isRootOnLinux()) {
    throw new Error('the Docker engine does not answer (`docker info` fails); start Docker and re-run');
  }
  const daemonLog = path.join(cacheDir(), 'dockerd.log');
  fs.mkdirSync(path.dirname(daemonLog), { recursive: true });
  note(`starting dockerd (log: ${daemonLog})`);
  const out = fs.openSync(daemonLog, 'a');
  const child = spawn('dockerd', [], { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  for (let i = 0; i < 120; i++) {
    if (succeeds('docker', ['info'])) return describe();
    if (child.exitCode !== null) break;
    await sleep(500);
  }
  throw new Error(`dockerd did not start; its log ends with:\n${tail(fs.readFileSync(daemonLog, 'utf8'), 20)}`);
}

async function describe(): Promise<string> {
  const v = (await run('docker', ['version', '--format', '{{.Server.Version}}'])).trim();
  return `Docker engine ${v}`;
}
