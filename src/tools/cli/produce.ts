/** `streamform produce <pipeline>`: test data for a pipeline at a controlled rate. */
import { randomInt } from 'crypto';
import { App } from 'cdktf';
import { environment } from '../../../stacks/environments';
import { PIPELINES } from '../../../stacks/main';
import { GENERATOR_NAMES, GENERATORS, produce, ProduceOptions } from '../generators';
import { parseEnvName } from '../generators/endpoints';
import { pipelineFlow, renderFlow, type PipelineFlow } from '../ksqldb/flow';
import { ParsedArgs, stringOption, UsageError } from './args';

/** The options of `produce` that come from its command line (the rest keep their defaults). */
type ProduceArgs = Pick<ProduceOptions, 'pipeline' | 'env' | 'rate' | 'count' | 'durationMs' | 'seed' | 'badRatio'>;

function numberOption(args: ParsedArgs, name: string, check: (n: number) => boolean, what: string, example: string): number | undefined {
  const raw = stringOption(args, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || !check(n))
    throw new UsageError(`--${name} must be ${what}, got '${raw}'; e.g. ${example}`);
  return n;
}

/** The command line of `produce`, checked; `randomSeed` gives the seed when --seed is absent. */
export function parseProduceArgs(args: ParsedArgs, randomSeed: () => number = () => randomInt(0, 2 ** 31 - 1)): ProduceArgs {
  const pipeline = args.positionals[1];
  if (!pipeline) throw new UsageError(`name the pipeline, e.g. \`streamform produce ratings\`; one of ${GENERATOR_NAMES.join(', ')}`);
  if (!GENERATORS[pipeline]) throw new UsageError(`unknown pipeline '${pipeline}'; choose one of ${GENERATOR_NAMES.join(', ')}`);
  const known = new Set(['env', 'rate', 'count', 'duration', 'seed', 'bad-ratio']);
  const unknown = Object.keys(args.options).filter((o) => !known.has(o));
  if (unknown.length > 0)
    throw new UsageError(`unknown option --${unknown[0]} for produce; the options are ${[...known].map((o) => `--${o}`).join(', ')}`);
  const env = parseEnvName(stringOption(args, 'env'));
  const rate =
    numberOption(args, 'rate', (n) => n > 0 && n <= 1_000_000, 'a number of messages per second above 0 (at most 1000000)', '--rate 50') ??
    10;
  const count = numberOption(
    args,
    'count',
    (n) => Number.isSafeInteger(n) && n >= 1,
    'a whole number of messages of at least 1',
    '--count 1000',
  );
  const duration = numberOption(args, 'duration', (n) => n > 0, 'a number of seconds above 0', '--duration 60');
  if (count !== undefined && duration !== undefined) throw new UsageError('give --count or --duration, not both');
  const seed =
    numberOption(args, 'seed', (n) => Number.isSafeInteger(n) && n >= 0, 'a whole number of at least 0', '--seed 42') ?? randomSeed();
  const badRatio = numberOption(args, 'bad-ratio', (n) => n >= 0 && n <= 1, 'a fraction between 0 and 1', '--bad-ratio 0.2');
  if (badRatio !== undefined && !GENERATORS[pipeline].badRecords) {
    const withBad = GENERATOR_NAMES.filter((n) => GENERATORS[n].badRecords);
    throw new UsageError(`--bad-ratio applies to ${withBad.join(', ')} only; ${pipeline} has no deliberately bad records`);
  }
  return { pipeline, env, rate, count, durationMs: duration !== undefined ? duration * 1000 : undefined, seed, badRatio: badRatio ?? 0.2 };
}

/** The `produce` command: runs until done; Ctrl-C stops it cleanly with a summary. */
export async function produceCommand(args: ParsedArgs): Promise<void> {
  const options = parseProduceArgs(args);
  const abort = new AbortController();
  const onSignal = () => {
    if (abort.signal.aborted) process.exit(130);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await produce({ ...options, signal: abort.signal });
    if (result.sent === 0 && result.errors > 0)
      throw new Error(`no message was sent (${result.errors} failed): ${result.lastError?.message ?? 'unknown error'}`);
    if (!abort.signal.aborted) await showFlow(options.pipeline, options.env);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Counts of one column's values among the records of the topic a stream or table writes, e.g. failures per rule. */
function countsBy(flow: PipelineFlow, object: string, column: string, label: (v: unknown) => string = String): string | undefined {
  const topic = flow.topics.find((t) => t.objects.includes(object))?.topic;
  const values = topic ? flow.derivedValues.get(topic) : undefined;
  if (!values || values.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const v of values) counts.set(label(v[column]), (counts.get(label(v[column])) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

/** What each pipeline's summary line shows after the flow table. */
const HIGHLIGHTS: Readonly<Record<string, (flow: PipelineFlow) => (string | undefined)[]>> = {
  ratings: (f) => [
    ((n) => n && `unhappy platinum customers (ratings below 3 stars): ${n}`)(countsBy(f, 'UNHAPPY_PLATINUM_CUSTOMERS', 'CLUB_STATUS')),
  ],
  'customer-quality': (f) => [
    ((n) => n && `failures per rule: ${n}`)(countsBy(f, 'REGISTRATIONS_FAILURES', 'DQ_RULE')),
    ((n) => n && `failures per dimension: ${n}`)(countsBy(f, 'REGISTRATIONS_FAILURES', 'DQ_DIMENSION')),
  ],
  'airline-merger': (f) => [
    ((n) => n && `unified bookings per airline: ${n}`)(countsBy(f, 'BOOKINGS', 'ID', (v) => String(v).split('-')[0])),
  ],
};

/**
 * After producing into a local platform: what flowed through every stage of the pipeline, each
 * derived topic checked against the pipeline's ksql replayed in memory over the same records.
 */
async function showFlow(pipeline: string, envName: ProduceArgs['env']): Promise<void> {
  const env = environment(envName);
  const e = env.cluster.endpoints;
  const Pipeline = PIPELINES[pipeline];
  if (!env.platform || !e?.bootstrapServers || !Pipeline) return;
  process.stderr.write('checking what flows through the pipeline …\n');
  const flow = await pipelineFlow(
    new Pipeline(new App(), `${pipeline}-${envName}`, { env }),
    { bootstrapServers: e.bootstrapServers, schemaRegistryUrl: e.schemaRegistryUrl },
    { waitMs: 90_000 },
  );
  const lines = [renderFlow(flow), '', ...(HIGHLIGHTS[pipeline]?.(flow) ?? []).filter((l): l is string => !!l)];
  const timing = flow.topics.some((t) => t.timingDependent && t.actual !== t.expected);
  lines.push(
    flow.consistent
      ? `Every derived topic holds exactly what was expected${timing ? ', except the timing-dependent ones' : ''}.`
      : 'Some derived topics differ from what was expected (DIFFERS).',
  );
  if (timing) {
    lines.push(
      'timing: downstream of a join whose inputs carry the same records by two paths (a stream joined with a table aggregated',
      'from it, as uniqueness checks do); what the join finds depends on which query ran first, in ksqlDB as here.',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (!flow.consistent) process.exitCode = 1;
}
