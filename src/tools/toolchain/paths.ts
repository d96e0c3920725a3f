import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** Root of this checkout (the folder holding package.json). */
export const REPO_ROOT = findRepoRoot(__dirname);

function findRepoRoot(from: string): string {
  // compiled: <root>/dist/src/tools/toolchain; source: <root>/src/tools/toolchain
  let dir = from;
  for (let i = 0; i < 8; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'cdktf.json'))) {
      return dir;
    }
    dir = path.dirname(dir);
  }
  throw new Error(`cannot find the streamform checkout above ${from}`);
}

/**
 * Machine-wide build cache, shared by every checkout so a fresh clone on the same machine does not
 * rebuild. It holds only what is named by its version or content (OpenTofu and the docker provider
 * by version, Maven downloads, root filesystems), never streamform's own provider, whose code is
 * the checkout's: that lives in the checkout's mirror and plugin cache (`paths`). Override with
 * STREAMFORM_CACHE.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STREAMFORM_CACHE) return path.resolve(env.STREAMFORM_CACHE);
  const base = env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.join(base, 'streamform');
}

/** Per-checkout, git-ignored state: provider mirror, plugin cache, CLI config, environment file, logs. */
export function stateDir(): string {
  return path.join(REPO_ROOT, '.streamform');
}

export const paths = {
  mirror: () => path.join(stateDir(), 'providers'),
  cliConfig: () => path.join(stateDir(), 'terraformrc'),
  envFile: () => path.join(stateDir(), 'env.sh'),
  envJson: () => path.join(stateDir(), 'env.json'),
  bin: () => path.join(stateDir(), 'bin'),
  logs: () => path.join(stateDir(), 'logs'),
  /**
   * OpenTofu's provider plugin cache (TF_PLUGIN_CACHE_DIR), per checkout: every checkout has a
   * streamform provider 0.1.0 running its own code, so a cache shared by checkouts (cdktf's default
   * is ~/.terraform.d/plugin-cache) would hand one checkout's provider to another's plans.
   */
  pluginCache: () => path.join(stateDir(), 'plugin-cache'),
};
