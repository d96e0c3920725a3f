/**
 * Promotion of a pipeline from one environment to the next (dev → staging → prod): refused when
 * one of the pipeline's test cases fails on the local ksqlDB engine, or unless the source
 * environment has this checkout's definition (its fingerprint) applied successfully;
 * then the environment-specific differences are shown, the target is planned and reviewed, and
 * applied.
 */
import * as fs from 'fs';
import * as path from 'path';
import { run } from '../toolchain/run';
import type { Release } from '../../../stacks/fingerprint';

/**
 * The release record's resource, `terraform_data.streamform_release`: streamform's stacks add it
 * (stacks/fingerprint.ts, RELEASE_RESOURCE), and the CLI adds it to a user's stacks (user-release.ts).
 * Named here too so that an installed package, which has no stacks/, can read it.
 */
export const RELEASE_RESOURCE = 'streamform_release';
import { EXIT, exitCode, initializedTofu, Policy, review, Review, runPlan } from './plan-review';
import { saveStackPlan } from './saved-plan';
import { PipelineTestRun, reportRun } from '../ksqldb/test-runner/pipeline';
import { reportOf } from '../ksqldb/test-runner/runner';

/** A promotion that must not happen, with the reason and what to do. */
export class PromotionRefused extends Error {
  constructor(
    message: string,
    readonly review?: Review,
  ) {
    super(message);
    this.name = 'PromotionRefused';
  }
}

/** How to synthesize and deploy the stacks of the app the pipeline belongs to. */
export interface Project {
  /** Synthesizes every stack; resolves the output folder. */
  synth(): Promise<string>;
  /** The process environment OpenTofu needs for a stack (credentials, secrets, state access). */
  env(stack: string): Promise<NodeJS.ProcessEnv>;
  deploy(stack: string): Promise<void>;
}

export interface PromotionRequest {
  readonly pipeline: string;
  readonly from: { readonly env: string; readonly stack: string };
  readonly to: { readonly env: string; readonly stack: string };
  /** The fingerprint of the pipeline as this checkout defines it. */
  readonly fingerprint: string;
  readonly policy: Policy;
  /** Plan and review only. */
  readonly dryRun?: boolean;
  /**
   * Plan and review, then keep the plan there for `streamform apply` (nothing is applied): a
   * reviewer approves the plan that will be applied, after seeing it.
   */
  readonly save?: { readonly file: string; readonly commit?: string; readonly cleanTree?: boolean };
  readonly log?: (line: string) => void;
  /**
   * Runs the pipeline's test cases (PipelineTest) as the target environment synthesizes it, first:
   * promotion is refused when one fails. Without it, no test runs.
   */
  readonly tests?: () => PipelineTestRun;
}

interface EnvDifference {
  /** Resource type or block (provider, backend, variable). */
  readonly where: string;
  readonly attribute: string;
  readonly from: string;
  readonly to: string;
  /** How many resources show this same difference. */
  readonly count: number;
}

interface PromotionResult {
  readonly differences: readonly EnvDifference[];
  readonly review: Review;
  readonly applied: boolean;
  /** Where the reviewed plan was saved (with `save`). */
  readonly saved?: string;
}

/**
 * The release record of the last apply of a stack in which every resource applied (its
 * `terraform_data.streamform_release`), if any.
 */
export async function appliedRelease(stackDir: string, env: NodeJS.ProcessEnv): Promise<Release | undefined> {
  const bin = await initializedTofu(stackDir, env);
  let out: string;
  try {
    out = await run(bin, ['show', '-json', '-no-color'], { cwd: stackDir, env });
  } catch {
    return undefined;
  }
  const state = JSON.parse(out || '{}') as {
    values?: { root_module?: { resources?: { address: string; values?: { output?: Record<string, unknown> | null } }[] } };
  };
  const record = state.values?.root_module?.resources?.find((r) => r.address === `terraform_data.${RELEASE_RESOURCE}`)?.values?.output;
  if (!record || typeof record.fingerprint !== 'string') return undefined;
  return {
    fingerprint: record.fingerprint,
    commit: String(record.commit ?? 'unknown'),
    cleanTree: record.clean_tree === true,
    tests: String(record.tests ?? 'not run'),
  };
}

/** The fingerprint of the last complete apply of a stack, if any. */
export async function appliedFingerprint(stackDir: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return (await appliedRelease(stackDir, env))?.fingerprint;
}

/** Why the release recorded in the source environment may not be promoted, or undefined. */
export function releaseProblem(
  req: Pick<PromotionRequest, 'pipeline' | 'from' | 'fingerprint'>,
  release: Release | undefined,
): string | undefined {
  const { pipeline, from } = req;
  if (!release) {
    return `${pipeline} has no successful apply in ${from.env} (no release record ${RELEASE_RESOURCE} in the state of ${from.stack}: it is written only when every resource applied); deploy ${from.stack} first`;
  }
  const at = `${release.commit === 'unknown' ? 'an unknown commit' : `commit ${release.commit.slice(0, 12)}`}${release.cleanTree ? '' : ' with uncommitted changes'}`;
  if (release.fingerprint !== req.fingerprint) {
    return (
      `${from.env} runs ${pipeline} ${release.fingerprint} (applied from ${at}), but this checkout defines ${req.fingerprint}: what would reach the next environment was never applied in ${from.env}. ` +
      `Deploy ${from.stack} first, or check out the commit that was applied there.`
    );
  }
  if (!release.cleanTree || release.commit === 'unknown') {
    return `${from.env} runs ${pipeline} ${release.fingerprint}, but it was applied from ${at}: what ran is no commit. Commit, deploy ${from.stack} with streamform again, then promote.`;
  }
  if (!release.tests.startsWith('passed') && release.tests !== 'none declared') {
    return `${from.env} runs ${pipeline} ${release.fingerprint} (${at}), but its test cases ${release.tests === 'not run' ? 'were not run' : `did not pass (${release.tests})`} when it was applied. Deploy ${from.stack} with streamform (it runs them) once they pass.`;
  }
  return undefined;
}

/** The parts of a synthesized stack (cdk.tf.json) that promotion compares. */
export interface StackJson {
  readonly resource?: Record<string, Record<string, ResourceJson>>;
  readonly [key: string]: unknown;
}
type ResourceJson = Record<string, unknown> & { readonly '//'?: { readonly metadata?: { readonly path?: string } } };

function stackJson(outdir: string, stack: string): StackJson {
  return JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8')) as StackJson;
}

function show(v: unknown): string {
  if (v === undefined) return '(unset)';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function flatten(v: unknown, prefix: string, out: Map<string, unknown>): void {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) if (k !== '//') flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, v);
  }
}

/**
 * What differs between two environments' syntheses of one pipeline, grouped: resources are
 * matched by construct path, and each attribute difference is counted once per kind of change.
 */
function envDifferences(from: StackJson, to: StackJson): EnvDifference[] {
  const groups = new Map<string, EnvDifference>();
  const add = (where: string, attribute: string, a: unknown, b: unknown) => {
    const key = JSON.stringify([where, attribute, a, b]);
    const g = groups.get(key);
    groups.set(key, g ? { ...g, count: g.count + 1 } : { where, attribute, from: show(a), to: show(b), count: 1 });
  };
  const byPath = (json: StackJson) => {
    const m = new Map<string, { type: string; attrs: Map<string, unknown> }>();
    for (const [type, instances] of Object.entries(json.resource ?? {})) {
      for (const [id, config] of Object.entries(instances)) {
        const p = String(config['//']?.metadata?.path ?? id)
          .split('/')
          .slice(1)
          .join('/');
        const attrs = new Map<string, unknown>();
        flatten(config, '', attrs);
        attrs.delete('depends_on');
        m.set(p, { type, attrs });
      }
    }
    return m;
  };
  const a = byPath(from);
  const b = byPath(to);
  for (const p of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(p);
    const y = b.get(p);
    if (!x || !y) {
      add((x ?? y)!.type, '(resource)', x ? 'present' : undefined, y ? 'present' : undefined);
      continue;
    }
    for (const k of new Set([...x.attrs.keys(), ...y.attrs.keys()])) {
      if (JSON.stringify(x.attrs.get(k)) !== JSON.stringify(y.attrs.get(k))) add(x.type, k, x.attrs.get(k), y.attrs.get(k));
    }
  }
  for (const block of ['provider', 'terraform', 'variable'] as const) {
    const fx = new Map<string, unknown>();
    const fy = new Map<string, unknown>();
    flatten(from[block] ?? {}, '', fx);
    flatten(to[block] ?? {}, '', fy);
    for (const k of new Set([...fx.keys(), ...fy.keys()])) {
      if (JSON.stringify(fx.get(k)) !== JSON.stringify(fy.get(k))) add(block, k, fx.get(k), fy.get(k));
    }
  }
  return [...groups.values()].sort((p, q) => p.where.localeCompare(q.where) || p.attribute.localeCompare(q.attribute));
}

function renderDifferences(diffs: readonly EnvDifference[]): string {
  if (diffs.length === 0) return '  (none)';
  return diffs.map((d) => `  ${d.where} ${d.attribute}: ${d.from} → ${d.to}${d.count > 1 ? ` (${d.count}×)` : ''}`).join('\n');
}

/** Runs the pipeline's test cases; refuses the promotion, naming the failed cases, when one fails. */
function checkTests(req: PromotionRequest, log: (line: string) => void): void {
  if (!req.tests) return;
  const run = req.tests();
  if (run.results.length === 0) {
    log(`${req.pipeline} declares no test cases (PipelineTest): nothing to run on the local ksqlDB engine.`);
    return;
  }
  if (run.failed.length > 0) {
    log(reportRun(run, reportOf).trimEnd());
    throw new PromotionRefused(
      `${run.failed.length} of ${run.results.length} test case(s) of ${req.pipeline} fail on the local ksqlDB engine: ${run.failed.join(', ')}. ` +
        `Fix the pipeline or the cases; \`streamform test ${req.pipeline} --env ${req.to.env}\` shows each failure.`,
    );
  }
  log(`${req.pipeline}: ${run.results.length} of ${run.results.length} test case(s) pass on the local ksqlDB engine (${run.stack}).`);
}

export async function promote(project: Project, req: PromotionRequest): Promise<PromotionResult> {
  const log = req.log ?? (() => undefined);
  checkTests(req, log);
  const outdir = await project.synth();
  const fromDir = path.join(outdir, 'stacks', req.from.stack);
  const release = await appliedRelease(fromDir, await project.env(req.from.stack));
  const problem = releaseProblem(req, release);
  if (problem) throw new PromotionRefused(problem);
  log(
    `${req.from.env} runs ${req.pipeline} ${release!.fingerprint}, the definition of this checkout (commit ${release!.commit.slice(0, 12)}, tests ${release!.tests}).`,
  );
  const differences = envDifferences(stackJson(outdir, req.from.stack), stackJson(outdir, req.to.stack));
  log(`Differences between ${req.from.env} and ${req.to.env} (environment settings, not the pipeline):\n${renderDifferences(differences)}`);
  const toDir = path.join(outdir, 'stacks', req.to.stack);
  const toEnv = await project.env(req.to.stack);
  const r = review(await runPlan(toDir, toEnv), req.policy, { stack: req.to.stack, env: req.to.env });
  const code = exitCode(r);
  if (code !== 0) {
    throw new PromotionRefused(
      code === EXIT.refused
        ? `${req.to.env} forbids changes of this plan (see the review)`
        : `the plan of ${req.to.stack} failed (see the review)`,
      r,
    );
  }
  if (req.save) {
    saveStackPlan(toDir, req.save.file, {
      stack: req.to.stack,
      env: req.to.env,
      commit: req.save.commit,
      cleanTree: req.save.cleanTree,
      refused: false,
      totals: r.totals,
    });
    log(`saved the reviewed plan of ${req.to.stack} to ${req.save.file}; apply exactly it with: streamform apply ${req.save.file}`);
    return { differences, review: r, applied: false, saved: req.save.file };
  }
  if (req.dryRun) return { differences, review: r, applied: false };
  await project.deploy(req.to.stack);
  const now = await appliedFingerprint(toDir, toEnv);
  if (now !== req.fingerprint)
    throw new PromotionRefused(`${req.to.stack} was deployed but its release record holds ${now ?? 'nothing'}, not ${req.fingerprint}`);
  log(`${req.to.env} now runs ${req.pipeline} ${req.fingerprint}.`);
  return { differences, review: r, applied: true };
}
