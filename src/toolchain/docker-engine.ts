import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir } from './paths';
import { note } from './progress';
import { run, sleep, succeeds, tail, which } from './run';

/**
 * Makes sure a Docker engine answers. Uses the one that answers; on Linux as root with none,
 * installs Debian's docker.io when dockerd is missing and starts dockerd in the background.
 * Returns a one-line description of the engine.
 */
export async function ensureDockerEngine(logFile: string): Promise<string> {
  if (!which('docker') && !isRootOnLinux()) {
    throw new Error('no docker client on PATH; install Docker (https://docs.docker.com/engine/install/) and re-run');
  }
  if (which('docker') && succeeds('docker', ['info'])) return describe();
  if (!isRootOnLinux()) {
    throw new Error('the Docker engine does not answer (`docker info` fails); start Docker and re-run');
  }
  if (!which('dockerd')) {
    note("installing Debian's docker.io");
    await run('apt-get', ['update', '-qq'], { logFile });
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'docker.io'], {
      logFile,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
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

function isRootOnLinux(): boolean {
  return process.platform === 'linux' && typeof process.getuid === 'function' && process.getuid() === 0;
}

async function describe(): Promise<string> {
  const v = (await run('docker', ['version', '--format', '{{.Server.Version}}'])).trim();
  return `Docker engine ${v}`;
}
