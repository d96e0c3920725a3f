/** `streamform plan <pipeline> --env <env>`: the real plan of one stack, reviewed for Kafka. */
import * as fs from 'fs';
import type { EnvName } from '../../../stacks/environments';
import { gitInfo } from '../gitops/git';
import { EXIT, exitCode, renderJson, renderMarkdown, renderText, review, Review, runPlan } from '../gitops/plan-review';
import { recordPath, saveStackPlan } from '../gitops/saved-plan';
import { ParsedArgs, stringOption, UsageError } from './args';
import { manifestDependencies, requireKnownStacks, requirePgConnStr, stackDir, SynthesizedStack, synth, tofuEnv } from './cdktf';
import { waitForDevKsqldb, waitForLocalKsqldb } from './dev-ksqldb';
import { envOfStack, isUserProject, projectOutdir, readSynthesizedStack } from './project';
import { describeUnreachable, unreachableEndpoints } from './reachability';
import { statusAccess, StatusEndpoints } from './status';

interface StackRef {
  readonly pipeline: string;
  readonly env: EnvName;
  readonly stack: string;
}

/** streamform's own stacks' environments and pipelines (loaded on use: an installed package has none). */
function checkout() {
  const { environment, ENV_NAMES } = require('../../../stacks/environments') as typeof import('../../../stacks/environments');
  const { PIPELINES } = require('../../../stacks/main') as typeof import('../../../stacks/main');
  return { environment, ENV_NAMES, PIPELINES };
}

/** `ratings --env prod` or `ratings-prod` → the stack (in a user's project, checked against its stacks after synthesis). */
function stackRef(args: ParsedArgs, command: string): StackRef {
  const first = args.positionals[1];
  if (isUserProject()) {
    if (!first)
      throw new UsageError(`name the stack, e.g. \`streamform ${command} orders-prod\` or \`streamform ${command} orders --env prod\``);
    const envOption = stringOption(args, 'env');
    const stack = envOption ? `${first}-${envOption}` : first;
    const env = envOption ?? envOfStack(stack) ?? 'dev';
    return { pipeline: stack.endsWith(`-${env}`) ? stack.slice(0, -env.length - 1) : stack, env: env as EnvName, stack };
  }
  const { ENV_NAMES, PIPELINES } = checkout();
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
  if (isUserProject(processEnv)) {
    const out = projectOutdir(processEnv);
    requireKnownStacks([ref.stack], Object.keys(manifestDependencies(out)));
    requirePgConnStr([ref.stack], out, processEnv);
    await waitForLocalKsqldb(readSynthesizedStack(out, ref.stack));
    return tofuEnv(ref.stack, { env: processEnv });
  }
  const config = checkout().environment(ref.env, processEnv);
  if (config.backend.kind === 'pg' && !processEnv.PG_CONN_STR) {
    throw new UsageError(
      `${ref.stack} keeps its state in PostgreSQL: set PG_CONN_STR (e.g. postgres://user:password@host:5432/tfstate?sslmode=require) in the environment; it is never written into configuration`,
    );
  }
  if (config.platform) await waitForDevKsqldb(config.cluster.endpoints!.ksqldbUrl!);
  return tofuEnv(ref.stack, { env: processEnv });
}

export interface PlanOptions {
  readonly allowDestructive?: boolean;
  /** Plan even when an endpoint of the environment does not answer (the review says so). */
  readonly allowUnreachable?: boolean;
  readonly processEnv?: NodeJS.ProcessEnv;
  /** The dev platform's endpoints (for the reachability check of dev). */
  readonly dev?: () => StatusEndpoints;
  readonly log?: (line: string) => void;
}

/**
 * The endpoints of the environment that do not answer. Unless allowed, an error: a plan that could
 * read nothing would say "create everything", and its review would look green.
 */
async function checkReachable(ref: StackRef, options: PlanOptions): Promise<string[]> {
  if (!options.dev && ref.env === 'dev') return [];
  const access = statusAccess(
    ref.env,
    options.dev ?? (() => ({ bootstrapServers: '', schemaRegistryUrl: '', connectUrl: '' })),
    options.processEnv,
  );
  const down = await unreachableEndpoints(access);
  if (down.length === 0) return [];
  if (!options.allowUnreachable) {
    throw new UsageError(
      `${ref.stack}: ${down.length === 1 ? 'an endpoint does not answer' : `${down.length} endpoints do not answer`}, so nothing there can be read and the plan would be wrong:\n${describeUnreachable(down)}\n` +
        'Fix the endpoint settings (STREAMFORM_* variables) or the network; --allow-unreachable plans anyway and says so in the review.',
      1,
    );
  }
  return down.map((d) => `${d.service} at ${d.address}`);
}

/** Whether a user's stack protects its data: its cluster gave its objects deletion_protection (production, prod names, `protect`). */
export function protects(json: SynthesizedStack): boolean {
  return Object.entries(json.resource ?? {}).some(
    ([type, rs]) => type.startsWith('streamform_') && Object.values(rs).some((r) => r.deletion_protection === true),
  );
}

/** Synthesizes the app, plans the stack and reviews the plan. */
async function planStack(ref: StackRef, options: PlanOptions = {}): Promise<Review> {
  const processEnv = options.processEnv ?? process.env;
  const log = options.log ?? (() => undefined);
  log('synthesizing the app …');
  await synth({ env: processEnv });
  const env = await prepareEnvironment(ref, processEnv);
  log(`checking the endpoints of ${ref.env} …`);
  const unreachable = await checkReachable(ref, options);
  log(`planning ${ref.stack} with OpenTofu (refreshing what exists) …`);
  const result = await runPlan(stackDir(ref.stack), env);
  const protect = isUserProject(processEnv)
    ? protects(readSynthesizedStack(projectOutdir(processEnv), ref.stack))
    : (checkout().environment(ref.env, processEnv).cluster.protect ?? false);
  return review(result, { protect, allowDestructive: options.allowDestructive ?? false }, { stack: ref.stack, env: ref.env, unreachable });
}

export async function planCommand(args: ParsedArgs, dev?: () => StatusEndpoints): Promise<void> {
  const save = stringOption(args, 'save');
  const ref = stackRef(args, 'plan');
  const format = stringOption(args, 'format', 'markdown')!;
  if (!['markdown', 'json', 'text'].includes(format)) throw new UsageError(`--format must be markdown, json or text, got '${format}'`);
  const detailed = args.options['detailed-exitcode'] === true;
  const r = await planStack(ref, {
    allowDestructive: args.options['allow-destructive'] === true,
    allowUnreachable: args.options['allow-unreachable'] === true,
    dev,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const text = format === 'json' ? renderJson(r, { detailed }) : format === 'text' ? renderText(r) : renderMarkdown(r);
  const out = stringOption(args, 'out');
  if (out) fs.writeFileSync(out, text);
  else process.stdout.write(text);
  const code = exitCode(r, { detailed });
  if (save && code !== EXIT.error) {
    saveStackPlan(stackDir(ref.stack), save, {
      stack: ref.stack,
      env: ref.env,
      ...(await gitInfo()),
      refused: code === EXIT.refused,
      totals: r.totals,
    });
    process.stderr.write(`saved the plan to ${save} (record: ${recordPath(save)}); apply exactly it with: streamform apply ${save}\n`);
  }
  process.exitCode = code;
}
