/** `streamform produce <pipeline>`: test data for a pipeline at a controlled rate. */
import { randomInt } from 'crypto';
import { GENERATOR_NAMES, GENERATORS, produce, ProduceOptions } from '../generators';
import { parseEnvName } from '../generators/endpoints';
import { ParsedArgs, stringOption, UsageError } from './args';

/** The options of `produce` that come from its command line (the rest keep their defaults). */
export type ProduceArgs = Pick<ProduceOptions, 'pipeline' | 'env' | 'rate' | 'count' | 'durationMs' | 'seed' | 'badRatio'>;

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
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
