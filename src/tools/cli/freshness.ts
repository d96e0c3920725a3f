/**
 * bin/streamform runs the compiled dist/: after an edit of src/, stacks/ or constructs/ it would
 * run the previous code. It checks the newest source against the last build first (a cheap walk of
 * modification times) and rebuilds with `tsc -b` when a source is newer, or refuses with the fix.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** The folders compiled into dist/ that the CLI runs. */
const SOURCE_DIRS = ['src', 'stacks', 'constructs'] as const;
/** Touched after each build the CLI runs (tsc -b leaves its outputs alone when no content changed). */
export const BUILD_STAMP = path.join('dist', '.streamform-built');

function newest(dir: string, filter: (file: string) => boolean): { file: string; mtimeMs: number } | undefined {
  let best: { file: string; mtimeMs: number } | undefined;
  const walk = (d: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.isFile() && filter(f)) {
        const m = fs.statSync(f).mtimeMs;
        if (!best || m > best.mtimeMs) best = { file: f, mtimeMs: m };
      }
    }
  };
  walk(dir);
  return best;
}

/** When dist/ was last built: its build info or the CLI's stamp, whichever is newer; undefined without a build. */
function builtAt(root: string): number | undefined {
  const times = [path.join(root, 'dist', '.tsbuildinfo'), path.join(root, BUILD_STAMP)]
    .filter((f) => fs.existsSync(f))
    .map((f) => fs.statSync(f).mtimeMs);
  return times.length > 0 ? Math.max(...times) : undefined;
}

/** The newest TypeScript source edited after the last build, relative to `root`; undefined when dist/ is current. */
export function staleSource(root: string): string | undefined {
  const built = builtAt(root);
  const sources = SOURCE_DIRS.map((d) => newest(path.join(root, d), (f) => f.endsWith('.ts'))).filter(
    (x): x is { file: string; mtimeMs: number } => x !== undefined,
  );
  const latest = sources.sort((a, b) => b.mtimeMs - a.mtimeMs)[0];
  if (!latest) return undefined;
  if (built === undefined || latest.mtimeMs > built) return path.relative(root, latest.file);
  return undefined;
}

/**
 * Makes dist/ current before the CLI loads it: rebuilds with `tsc -b` (its errors shown) when a
 * source is newer, unless STREAMFORM_NO_REBUILD=1, when it refuses with the fix. Returns false
 * when the CLI must not run.
 */
export function ensureFresh(root: string, env: NodeJS.ProcessEnv = process.env, write = (s: string) => process.stderr.write(s)): boolean {
  const stale = staleSource(root);
  if (stale === undefined) return true;
  if (env.STREAMFORM_NO_REBUILD === '1') {
    write(`streamform: ${stale} changed after dist/ was built; rebuild with \`npx tsc -b\` (or \`bash scripts/setup.sh\`) and run again\n`);
    return false;
  }
  write(`streamform: ${stale} changed after dist/ was built; rebuilding with tsc -b …\n`);
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-b'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) {
    write('streamform: the build failed (errors above); fix them and run again (dist/ still holds the previous build)\n');
    return false;
  }
  try {
    fs.writeFileSync(path.join(root, BUILD_STAMP), `${new Date().toISOString()}\n`);
  } catch {
    // a read-only dist/: the next run checks (and finds nothing to rebuild) again
  }
  return true;
}
