/** `streamform promote <pipeline> --from <env> --to <env>`. */
import { environment, EnvName, ENV_NAMES } from '../../../stacks/environments';
import { PIPELINES } from '../../../stacks/main';
import { fingerprintOf } from '../../../stacks/fingerprint';
import { gitInfo } from '../gitops/git';
import { EXIT, renderMarkdown } from '../gitops/plan-review';
import { runPipelineTests } from '../ksqldb/test-runner/pipeline';
import { Project, promote, PromotionRefused } from '../gitops/promote';
import { ParsedArgs, stringOption, UsageError } from './args';
import { deployStacks, synth } from './cdktf';
import { prepareEnvironment } from './plan';

/** Environments in promotion order: each one takes only what the previous one ran. */
const PROMOTION_ORDER: readonly EnvName[] = ENV_NAMES;

function checkPath(from: EnvName, to: EnvName): void {
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

export async function promoteCommand(args: ParsedArgs): Promise<void> {
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
  const save = stringOption(args, 'save');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const result = await promote(mainProject, {
      pipeline,
      from: { env: from!, stack: `${pipeline}-${from}` },
      to: { env: to!, stack: `${pipeline}-${to}` },
      fingerprint: fingerprintOf(PIPELINES[pipeline]),
      policy: { protect: environment(to!).cluster.protect ?? false, allowDestructive: args.options['allow-destructive'] === true },
      dryRun: args.options['dry-run'] === true,
      save: save ? { file: save, ...(await gitInfo()) } : undefined,
      log,
      tests: () => runPipelineTests(pipeline, PIPELINES[pipeline], to!),
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
