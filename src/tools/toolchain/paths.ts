import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Root of the streamform package: this checkout, or `node_modules/streamform` of a user's project
 * (the folder holding the package.json named streamform). Its own files (dist/, the image recipes)
 * are read from here.
 */
export const PACKAGE_ROOT = findPackageRoot(__dirname);
/** The same folder (the name most of the code and the tests know it by). */
export const REPO_ROOT = PACKAGE_ROOT;

function findPackageRoot(from: string): string {
  // compiled: <root>/dist/src/tools/toolchain; source: <root>/src/tools/toolchain
  let dir = from;
  for (let i = 0; i < 8; i++) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file) && (JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string }).name === 'streamform') return dir;
    dir = path.dirname(dir);
  }
  throw new Error(`cannot find the streamform package above ${from}`);
}

/**
 * Whether streamform runs from its own checkout (it has a cdktf.json, which is never packed) rather
 * than from a package installed in a user's project.
 */
export function isCheckout(): boolean {
  return fs.existsSync(path.join(PACKAGE_ROOT, 'cdktf.json'));
}

/**
 * The project the commands work on: STREAMFORM_PROJECT when set; else, in streamform's own checkout,
 * the checkout; else the nearest folder holding a cdktf.json from the current directory up (a
 * user's project with streamform installed).
 */
export function projectRoot(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  if (env.STREAMFORM_PROJECT) return path.resolve(env.STREAMFORM_PROJECT);
  if (isCheckout()) return PACKAGE_ROOT;
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'cdktf.json'))) return dir;
    if (dir === path.dirname(dir)) break;
  }
  throw new ProjectNotFoundError(
    `no cdktf.json in ${cwd} or a folder above it: run streamform in your project's folder, or create a project with \`npx streamform init <dir>\``,
  );
}

/** No project around the current directory. */
class ProjectNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProjectNotFoundError';
  }
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

/**
 * Per-project, git-ignored state: provider mirror, plugin cache, CLI config, environment file, logs
 * (`.streamform` of the checkout, or of the user's project).
 */
export function stateDir(): string {
  return path.join(projectRoot(), '.streamform');
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
