/**
 * The project the CLI works on: streamform's own checkout (its stacks/), or a user's project, a
 * folder with a `cdktf.json` whose app uses the installed `streamform` package. Commands synthesize
 * a project the way cdktf does (its `app` command, CDKTF_OUTDIR) and build it in memory where they
 * need the construct tree (the pipeline tests, the lineage).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { App, TerraformStack } from 'cdktf';
import { isCheckout, PACKAGE_ROOT, projectRoot } from '../toolchain/paths';
import { CommandError, run, tail } from '../toolchain/run';
import { UsageError } from './args';

interface ProjectConfig {
  /** The app command of cdktf.json, e.g. `npm run --silent build && node dist/main.js`. */
  readonly app: string;
  /** The synthesis output folder, relative to the project. @default cdktf.out */
  readonly output?: string;
}

/** The project's cdktf.json, checked. */
function projectConfig(root: string = projectRoot()): ProjectConfig {
  const file = path.join(root, 'cdktf.json');
  let json: { app?: unknown; output?: unknown };
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof json;
  } catch (err) {
    throw new UsageError(
      `${file} cannot be read as JSON (${err instanceof Error ? err.message : String(err)}); fix it or run \`npx streamform init\``,
    );
  }
  if (typeof json.app !== 'string' || json.app.trim() === '') {
    throw new UsageError(
      `${file}: "app" must be the command that synthesizes your app, e.g. "node dist/main.js"; got ${JSON.stringify(json.app)}`,
    );
  }
  return { app: json.app, ...(typeof json.output === 'string' ? { output: json.output } : {}) };
}

/** Whether the CLI works on a user's project rather than streamform's own checkout (its stacks/). */
export function isUserProject(env: NodeJS.ProcessEnv = process.env): boolean {
  return !isCheckout() || projectRoot(env) !== PACKAGE_ROOT;
}

/**
 * The synthesis output folder: STREAMFORM_CDKTF_OUT, else the project's (cdktf.json's `output`,
 * `cdktf.out` by default).
 */
export function projectOutdir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STREAMFORM_CDKTF_OUT) return path.resolve(env.STREAMFORM_CDKTF_OUT);
  const root = projectRoot(env);
  return path.resolve(root, isUserProject(env) ? (projectConfig(root).output ?? 'cdktf.out') : 'cdktf.out');
}

/** The parts of a synthesized stack (cdk.tf.json) the CLI reads. */
export interface SynthesizedStack {
  readonly terraform?: { backend?: { local?: { path?: string } } };
  readonly provider?: Record<string, Record<string, unknown>[] | undefined>;
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
}

/** A stack as synthesized in `out` (its cdk.tf.json). */
export function readSynthesizedStack(out: string, stack: string): SynthesizedStack {
  return JSON.parse(fs.readFileSync(path.join(out, 'stacks', stack, 'cdk.tf.json'), 'utf8')) as SynthesizedStack;
}

/** The environment a stack id names by its suffix: `orders-prod` → `prod`. */
export function envOfStack(stack: string): string | undefined {
  return /-([A-Za-z0-9_]+)$/.exec(stack)?.[1];
}

/**
 * The synthesized stacks of one environment in `out` (`<pipeline>-<env>`), sorted; an error says how
 * to synthesize when there are none.
 */
export function synthesizedStacksOf(out: string, env: string): string[] {
  const dir = path.join(out, 'stacks');
  const stacks = (fs.existsSync(dir) ? fs.readdirSync(dir) : []).filter((s) => s.endsWith(`-${env}`)).sort();
  if (stacks.length === 0) {
    throw new UsageError(
      `no synthesized stack of environment '${env}' in ${out} (stacks are named <pipeline>-${env}); deploy first (\`streamform deploy <stack>\`) or run \`npx cdktf synth\``,
    );
  }
  return stacks;
}

/** Synthesizes a user's project into `out`: its cdktf.json app command, run in the project folder by sh. */
export async function synthUserProject(out: string, env: NodeJS.ProcessEnv, logFile?: string): Promise<void> {
  const root = projectRoot(env);
  const { app } = projectConfig(root);
  fs.mkdirSync(out, { recursive: true });
  try {
    await run('sh', ['-c', app], { cwd: root, env: { ...env, CDKTF_OUTDIR: out }, logFile });
  } catch (err) {
    throw err instanceof CommandError ? new Error(synthFailure(app, err.output)) : err;
  }
}

/**
 * What a failed synthesis says, without the stack trace: the constructs' validation errors (each
 * names the construct path, the value and the fix), else the compiler's errors, else the output's end.
 */
export function synthFailure(app: string, output: string): string {
  const lines = output.split('\n');
  const start = lines.findIndex((l) => l.includes('Validation failed with the following errors:'));
  if (start >= 0) {
    const end = lines.findIndex((l, i) => i > start && (l.startsWith('If you wish to ignore') || /^\s+at /.test(l)));
    const errors = lines.slice(start + 1, end < 0 ? undefined : end).filter((l) => l.trim() !== '');
    return `the app does not synthesize (${app}): its constructs reported\n${errors.join('\n')}`;
  }
  const compiler = lines.filter((l) => /error TS\d+:/.test(l));
  if (compiler.length > 0) return `the app does not compile (${app}):\n${compiler.join('\n')}`;
  return `the app failed (${app}):\n${tail(output, 30)}`;
}

/**
 * The compiled file an app command runs, `node <file>.js` at its end (after a build step such as
 * `npm run build &&`): what is loaded to build the app in memory.
 */
export function appEntry(app: string): string | undefined {
  const m = /(?:^|&&|;)\s*node\s+(?:--[\w-]+(?:=\S+)?\s+)*([^\s;&|]+\.c?js)\s*$/.exec(app.trim());
  return m?.[1];
}

/**
 * A user's app built in memory: its build step run (the part of the app command before
 * `node <file>`; `build: false` when the app was just synthesized), then its entry file loaded with cdktf's App.synth() held back, so the stacks are
 * there to inspect and nothing is written.
 */
export async function loadUserApp(env: NodeJS.ProcessEnv = process.env, options: { build?: boolean } = {}): Promise<App> {
  const root = projectRoot(env);
  const { app } = projectConfig(root);
  const entry = appEntry(app);
  if (!entry) {
    throw new UsageError(
      `cdktf.json's app is '${app}'; streamform builds the app in memory for this command and needs it to end with \`node <file>.js\` ` +
        '(e.g. "npm run --silent build && node dist/main.js"), as `streamform init` writes it',
    );
  }
  const build = app
    .trim()
    .slice(0, app.trim().lastIndexOf('node'))
    .replace(/(&&|;)\s*$/, '')
    .trim();
  if (build && options.build !== false) await run('sh', ['-c', build], { cwd: root, env });
  const cdktfPath = require.resolve('cdktf', { paths: [root] });
  const cdktf = require(cdktfPath) as typeof import('cdktf');
  const apps: App[] = [];
  const original = cdktf.App.prototype.synth;
  cdktf.App.prototype.synth = function (this: App) {
    apps.push(this);
  };
  try {
    const file = path.resolve(root, entry);
    delete require.cache[file];
    require(file);
  } finally {
    cdktf.App.prototype.synth = original;
  }
  if (apps.length === 0) throw new UsageError(`${entry} created no cdktf App that calls app.synth(); it is the app cdktf.json runs`);
  return apps[apps.length - 1];
}

/** The stacks of an app, by id. */
export function stacksOf(app: App): Map<string, TerraformStack> {
  const found = new Map<string, TerraformStack>();
  for (const child of app.node.children) {
    if (isStack(child)) found.set(child.node.id, child as TerraformStack);
  }
  return found;
}

function isStack(c: unknown): boolean {
  // TerraformStack.isStack, without importing a cdktf other than the project's
  const sym = Symbol.for('cdktf/TerraformStack');
  return typeof c === 'object' && c !== null && sym in c;
}

/** The stack named on the command line: `name` itself, or `<name>-<env>`; an error lists the app's stacks. */
export function pickStack(stacks: ReadonlyMap<string, TerraformStack>, name: string, env: string | undefined): TerraformStack {
  const candidates = env ? [`${name}-${env}`, name] : [name, `${name}-dev`];
  for (const c of candidates) {
    const s = stacks.get(c);
    if (s) return s;
  }
  throw new UsageError(`no stack '${candidates.join("' or '")}' in this project; its stacks: ${[...stacks.keys()].join(', ') || 'none'}`);
}
