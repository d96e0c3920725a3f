/** `streamform plan <pipeline> --env <env>`: the real plan of one stack, reviewed for Kafka. */
import * as fs from 'fs';
import { environment, EnvName, ENV_NAMES } from '../../../stacks/environments';
import { PIPELINES } from '../../../stacks/main';
import { exitCode, renderJson, renderMarkdown, renderText, review, Review, runPlan } from '../gitops/plan-review';
import { ParsedArgs, stringOption, UsageError } from './args';
import { stackDir, synth, tofuEnv } from './cdktf';
import { waitForDevKsqldb } from './dev-ksqldb';

export interface StackRef {
  readonly pipeline: string;
  readonly env: EnvName;
  readonly stack: string;
}

/** `ratings --env prod` or `ratings-prod` → the stack. */
function stackRef(args: ParsedArgs, command: string): StackRef {
  const first = args.positionals[1];
  if (!first)
    throw new UsageError(
      `name the pipeline, e.g. \`streamform ${command} ratings --env staging\`; pipelines: ${Object.keys(PIPELINES).join(', ')}`,
    );
  const envOption = stringOption(args, 'env');
  const suffix = ENV_NAMES.find((e) => first.endsWith(`-${e}`));
  const pipeline = suffix && !envOption ? first.slice(0, -suffix.length - 1) : first;
  const env = (envOption ?? suffix ?? 'dev') as EnvName;
  if (!PIPELINES[pipeline]) throw new UsageError(`unknown pipeline '${pipeline}'; choose one of ${Object.keys(PIPELINES).join(', ')}`);
  if (!ENV_NAMES.includes(env)) throw new UsageError(`unknown environment '${env}'; choose one of ${ENV_NAMES.join(', ')}`);
  return { pipeline, env, stack: `${pipeline}-${env}` };
}

/** What OpenTofu needs to reach the stack's state and servers; a clear error when something is missing. */
export async function prepareEnvironment(ref: StackRef, processEnv: NodeJS.ProcessEnv = process.env): Promise<NodeJS.ProcessEnv> {
  const config = environment(ref.env, processEnv);
  if (config.backend.kind === 'pg' && !processEnv.PG_CONN_STR) {
    throw new UsageError(
      `${ref.stack} keeps its state in PostgreSQL: set PG_CONN_STR (e.g. postgres://user:password@host:5432/tfstate?sslmode=require) in the environment; it is never written into configuration`,
    );
  }
  if (config.platform) await waitForDevKsqldb(config.cluster.endpoints!.ksqldbUrl!);
  return tofuEnv(ref.stack, { env: processEnv });
}

/** Synthesizes the app, plans the stack and reviews the plan. */
async function planStack(ref: StackRef, options: { allowDestructive?: boolean; processEnv?: NodeJS.ProcessEnv } = {}): Promise<Review> {
  const processEnv = options.processEnv ?? process.env;
  await synth({ env: processEnv });
  const env = await prepareEnvironment(ref, processEnv);
  const result = await runPlan(stackDir(ref.stack), env);
  const config = environment(ref.env, processEnv);
  return review(
    result,
    { protect: config.cluster.protect ?? false, allowDestructive: options.allowDestructive ?? false },
    { stack: ref.stack, env: ref.env },
  );
}

export async function planCommand(args: ParsedArgs): Promise<void> {
  const ref = stackRef(args, 'plan');
  const format = stringOption(args, 'format', 'markdown')!;
  if (!['markdown', 'json', 'text'].includes(format)) throw new UsageError(`--format must be markdown, json or text, got '${format}'`);
  const r = await planStack(ref, { allowDestructive: args.options['allow-destructive'] === true });
  const text = format === 'json' ? renderJson(r) : format === 'text' ? renderText(r) : renderMarkdown(r);
  const out = stringOption(args, 'out');
  if (out) fs.writeFileSync(out, text);
  else process.stdout.write(text);
  process.exitCode = exitCode(r);
}
