import * as fs from 'fs';
import { CommandName, debianPackageOf } from './commands';
import { note } from './progress';
import { run, which } from './run';

/** Where Debian puts a command whose package this machine may lack; `which` covers the rest. */
const FIXED_PATHS: Partial<Record<CommandName, string>> = { chromium: '/usr/bin/chromium' };

export function isRootOnLinux(): boolean {
  return process.platform === 'linux' && typeof process.getuid === 'function' && process.getuid() === 0;
}

function present(name: CommandName, env: NodeJS.ProcessEnv): boolean {
  const fixed = FIXED_PATHS[name];
  if (fixed) {
    try {
      fs.accessSync(fixed, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  }
  return which(name, env) !== undefined;
}

/** The Debian packages that would provide the missing ones of `commands`, in table order. */
function missingPackages(commands: readonly CommandName[], env: NodeJS.ProcessEnv = process.env): string[] {
  const packages = commands.filter((c) => !present(c, env)).map((c) => debianPackageOf(c));
  return [...new Set(packages.filter((p): p is string => p !== undefined))];
}

let installing: Promise<string[]> | undefined;

/**
 * Installs the Debian packages of the missing `commands` with one `apt-get update` and one
 * `apt-get install`, as root on Linux. Elsewhere it stops with one message naming exactly what to
 * install. Returns the packages installed (none when everything is there). Concurrent calls share
 * one apt run.
 */
export async function ensureSystemPackages(commands: readonly CommandName[], logFile?: string): Promise<string[]> {
  while (installing) await installing.catch(() => undefined);
  const packages = missingPackages(commands);
  if (packages.length === 0) return [];
  if (!isRootOnLinux()) {
    throw new Error(
      `streamform needs these Debian packages, which are not installed: ${packages.join(' ')}\n` +
        `install them as root and re-run:\n  apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}`,
    );
  }
  installing = (async () => {
    note(`installing Debian packages: ${packages.join(', ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await run('apt-get', ['update', '-qq'], { logFile, env });
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { logFile, env });
    const still = commands.filter((c) => !present(c, process.env));
    if (still.length > 0) {
      throw new Error(
        `apt-get installed ${packages.join(' ')}, but ${still.join(', ')} still cannot be found; check \`dpkg -L <package>\``,
      );
    }
    return packages;
  })();
  try {
    return await installing;
  } finally {
    installing = undefined;
  }
}
