import { Clock, Pacer } from './pacing';
import { ProgressDisplay } from './progress';
import { OutgoingMessage } from './types';

/** Sends batches of messages; the Kafka producer in production, a stand-in in tests. */
export interface MessageSink {
  send(batch: readonly OutgoingMessage[]): Promise<void>;
}

export interface RunOptions {
  /** Messages per second. */
  readonly rate: number;
  /** Stop after this many messages (sent or failed). */
  readonly count?: number;
  /** Stop after this long (ms). Without count and duration: until `signal` aborts or the source ends. */
  readonly durationMs?: number;
  readonly clock: Clock;
  readonly progress?: ProgressDisplay;
  readonly signal?: AbortSignal;
  /** Give up after this many failed sends in a row. @default 5 */
  readonly maxConsecutiveFailures?: number;
  /** Most messages per send. @default 500 */
  readonly maxBatch?: number;
}

export interface RunResult {
  readonly sent: number;
  readonly errors: number;
  readonly elapsedMs: number;
  readonly stoppedBy: 'count' | 'duration' | 'interrupt' | 'exhausted';
  /** The last send error, if any. */
  readonly lastError?: Error;
}

/**
 * Pulls messages from `source` and sends them to `sink` at the configured rate until the count or
 * duration is reached, the signal aborts or the source ends. A failed send counts its messages as
 * errors and the run goes on; several failures in a row end it with the last error.
 */
export async function runProducer(
  source: { next(): OutgoingMessage | undefined },
  sink: MessageSink,
  options: RunOptions,
): Promise<RunResult> {
  const { clock } = options;
  const started = clock.now();
  const deadline = options.durationMs !== undefined ? started + options.durationMs : undefined;
  const pacer = new Pacer({ rate: options.rate, maxBatch: options.maxBatch }, clock);
  const maxFailures = options.maxConsecutiveFailures ?? 5;
  let sent = 0;
  let errors = 0;
  let failuresInARow = 0;
  let lastError: Error | undefined;
  let stoppedBy: RunResult['stoppedBy'] | undefined;
  while (!stoppedBy) {
    const remaining = options.count !== undefined ? options.count - sent - errors : Number.MAX_SAFE_INTEGER;
    if (remaining <= 0) {
      stoppedBy = 'count';
      break;
    }
    const n = await pacer.grant(remaining, deadline, options.signal);
    if (n === 0) {
      stoppedBy = options.signal?.aborted ? 'interrupt' : 'duration';
      break;
    }
    const batch: OutgoingMessage[] = [];
    for (let i = 0; i < n; i++) {
      const m = source.next();
      if (!m) {
        stoppedBy = 'exhausted';
        break;
      }
      batch.push(m);
    }
    if (batch.length > 0) {
      try {
        await sink.send(batch);
        sent += batch.length;
        failuresInARow = 0;
      } catch (err) {
        errors += batch.length;
        failuresInARow++;
        lastError = err instanceof Error ? err : new Error(String(err));
        if (failuresInARow >= maxFailures) {
          options.progress?.finish({ sent, errors }, 'giving up');
          throw new Error(`giving up after ${failuresInARow} failed sends in a row (${sent} sent, ${errors} failed): ${lastError.message}`);
        }
      }
    }
    options.progress?.update({ sent, errors });
    if (options.signal?.aborted && !stoppedBy) stoppedBy = 'interrupt';
  }
  return { sent, errors, elapsedMs: clock.now() - started, stoppedBy, lastError };
}
