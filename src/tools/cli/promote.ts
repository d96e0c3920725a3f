/** `streamform promote <pipeline> --from <env> --to <env>`. */
import type { EnvName } from '../../../stacks/environments';
import { gitInfo } from '../gitops/git';
import { EXIT, renderMarkdown } from '../gitops/plan-review';
import { runPipelineTests, runStackTests } from '../ksqldb/test-runner/pipeline';
import { Project, promote, PromotionRefused, PromotionRequest } from '../gitops/promote';
import { ParsedArgs, stringOption, UsageError } from './args';
import { deployStacks, manifestDependencies, requireKnownStacks, synth } from './cdktf';
import { prepareEnvironment, protects } from './plan';
import { isUserProject, loadUserApp, pickStack, readSynthesizedStack, stacksOf } from './project';
import { appFingerprint } from './user-release';

/** streamform's own stacks (loaded on use: an installed package has none). */
function checkout() {
  const { environment, ENV_NAMES } = require('../../../stacks/environments') as typeof import('../../../stacks/environments');
  const { PIPELINES } = require('../../../stacks/main') as typeof import('../../../stacks/main');
  const { fingerprintOf } = require('../../../stacks/fingerprint') as typeof import('../../../stacks/fingerprint');
  return { environment, ENV_NAMES, PIPELINES, fingerprintOf };
}

function checkPath(from: EnvName, to: EnvName): void {
  const PROMOTION_ORDER: readonly EnvName[] = checkout().ENV_NAMES; // each takes only what the previous one ran
  const i = PROMOTION_ORDER.indexOf(from);
  const j = PROMOTION_ORDER.indexOf(to);
  if (j !== i + 1) {
    const next = PROMOTION_ORDER[i + 1];
    throw new UsageError(
      `promotion goes ${PROMOTION_ORDER.join(' → ')} one step at a time, got ${from} → ${to}${next ? `; promote to ${next} first` : ''}`,
    );
  }
}

const mainProject: Project = {
  synth: () => synth(),
  env: (stack) => {
    const [pipeline, env] = [stack.slice(0, stack.lastIndexOf('-')), stack.slice(stack.lastIndexOf('-') + 1) as EnvName];
    return prepareEnvironment({ pipeline, env, stack });
  },
  deploy: async (stack) => {
    await deployStacks([stack]);
  },
};

/**
 * The request in a user's project: `<pipeline>-<from>` and `<pipeline>-<to>` must be stacks of the
 * app (environments in any order the project uses); the fingerprint covers the app as synthesized
 * now, and the release records of the source say whether it runs that.
 */
async function userRequest(args: ParsedArgs): Promise<{ project: Project; request: Omit<PromotionRequest, 'dryRun' | 'save' | 'log'> }> {
  const pipeline = args.positionals[1];
  const from = stringOption(args, 'from');
  const to = stringOption(args, 'to');
  if (!pipeline || !from || !to || from === to)
    throw new UsageError('name the pipeline and two environments, e.g. `streamform promote orders --from dev --to prod`');
  const out = await synth();
  requireKnownStacks([`${pipeline}-${from}`, `${pipeline}-${to}`], Object.keys(manifestDependencies(out)));
  const target = readSynthesizedStack(out, `${pipeline}-${to}`);
  const project: Project = {
    synth: () => Promise.resolve(out),
    env: (stack) => prepareEnvironment({ pipeline, env: stack.slice(pipeline.length + 1) as EnvName, stack }),
    deploy: async (stack) => {
      await deployStacks([stack]);
    },
  };
  const app = await loadUserApp(process.env, { build: false });
  return {
    project,
    request: {
      pipeline,
      from: { env: from, stack: `${pipeline}-${from}` },
      to: { env: to, stack: `${pipeline}-${to}` },
      fingerprint: appFingerprint(out),
      policy: { protect: protects(target), allowDestructive: args.options['allow-destructive'] === true },
      tests: () => runStackTests(pickStack(stacksOf(app), `${pipeline}-${to}`, undefined)),
    },
  };
}

/** The request in streamform's checkout: its pipelines, dev → staging → prod one step at a time. */
function checkoutRequest(args: ParsedArgs): { project: Project; request: Omit<PromotionRequest, 'dryRun' | 'save' | 'log'> } {
  const { environment, ENV_NAMES, PIPELINES, fingerprintOf } = checkout();
  const pipeline = args.positionals[1];
  if (!pipeline || !PIPELINES[pipeline]) {
    throw new UsageError(
      `name the pipeline, one of ${Object.keys(PIPELINES).join(', ')}, e.g. \`streamform promote ratings --from dev --to staging\``,
    );
  }
  const from = stringOption(args, 'from') as EnvName | undefined;
  const to = stringOption(args, 'to') as EnvName | undefined;
  for (const [flag, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!value || !ENV_NAMES.includes(value))
      throw new UsageError(`--${flag} must be one of ${ENV_NAMES.join(', ')}, got '${value ?? ''}'`);
  }
  checkPath(from!, to!);
  return {
    project: mainProject,
    request: {
      pipeline,
      from: { env: from!, stack: `${pipeline}-${from}` },
      to: { env: to!, stack: `${pipeline}-${to}` },
      fingerprint: fingerprintOf(PIPELINES[pipeline]),
      policy: { protect: environment(to!).cluster.protect ?? false, allowDestructive: args.options['allow-destructive'] === true },
      tests: () => runPipelineTests(pipeline, PIPELINES[pipeline], to!),
    },
  };
}

export async function promoteCommand(args: ParsedArgs): Promise<void> {
  const { project, request } = isUserProject() ? await userRequest(args) : checkoutRequest(args);
  const save = stringOption(args, 'save');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const result = await promote(project, {
      ...request,
      dryRun: args.options['dry-run'] === true,
      save: save ? { file: save, ...(await gitInfo()) } : undefined,
      log,
    });
    process.stdout.write(renderMarkdown(result.review));
    if (!result.applied && !result.saved) log('dry run: nothing applied');
  } catch (err) {
    if (err instanceof PromotionRefused) {
      if (err.review) process.stdout.write(renderMarkdown(err.review));
      throw new UsageError(`promotion refused: ${err.message}`, err.review && err.review.forbidden.length > 0 ? EXIT.refused : EXIT.error);
    }
    throw err;
  }
}
