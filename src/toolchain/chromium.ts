import * as fs from 'fs';
import { note } from './progress';
import { run } from './run';

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags for a headless Chromium on a machine without internet: without the networking flags it
 * stalls on start-up trying to reach Google's services.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function isRootOnLinux(): boolean {
  return process.platform === 'linux' && typeof process.getuid === 'function' && process.getuid() === 0;
}

let installing: Promise<string> | undefined;

/**
 * Makes sure Chromium is at {@link CHROMIUM_PATH} and returns that path. Idempotent: returns at
 * once when it is there. On Linux as root it installs Debian's `chromium` package with apt-get
 * when missing; elsewhere it fails with what to install.
 */
export function ensureChromium(options: { logFile?: string } = {}): Promise<string> {
  if (isExecutable(CHROMIUM_PATH)) return Promise.resolve(CHROMIUM_PATH);
  if (!isRootOnLinux()) {
    return Promise.reject(
      new Error(
        `Chromium is not installed at ${CHROMIUM_PATH}; install Debian's package as root (\`apt-get install -y chromium\`) ` +
          'or run this as root on Linux so streamform installs it',
      ),
    );
  }
  installing ??= install(options.logFile).finally(() => {
    installing = undefined;
  });
  return installing;
}

async function install(logFile: string | undefined): Promise<string> {
  note("installing Debian's chromium package (headless browser for the lineage tests)");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const aptInstall = () => run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { logFile, env });
  try {
    await aptInstall();
  } catch {
    // Stale or missing package lists: refresh them once and try again.
    await run('apt-get', ['update', '-qq'], { logFile, env });
    await aptInstall();
  }
  if (!isExecutable(CHROMIUM_PATH)) {
    throw new Error(`apt-get installed chromium, but ${CHROMIUM_PATH} is not an executable file; check \`dpkg -L chromium\``);
  }
  return CHROMIUM_PATH;
}
