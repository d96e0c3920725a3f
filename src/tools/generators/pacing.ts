/** Time as the generators see it: injected so that tests run without real sleeping. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` (early when `signal` aborts). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

interface PacerOptions {
  /** Messages per second; must be > 0. */
  readonly rate: number;
  /** Most messages granted at once (one produce request). @default 500 */
  readonly maxBatch?: number;
  /**
   * When sending falls behind the schedule by more than this, the backlog is forgotten instead of
   * sent in a burst. @default 1000
   */
  readonly maxBacklogMs?: number;
}

/**
 * Paces messages at a fixed rate. Message i (counting from 0) is due at origin + i * 1000 / rate;
 * `grant` waits until the next message is due and then grants every message due by now (at least
 * one), so high rates go out in batches and low rates one at a time, with no drift.
 */
export class Pacer {
  readonly rate: number;
  readonly maxBatch: number;
  readonly maxBacklogMs: number;
  private origin: number;
  private granted = 0;

  constructor(
    options: PacerOptions,
    private readonly clock: Clock,
  ) {
    if (!(options.rate > 0) || !Number.isFinite(options.rate)) throw new Error(`rate must be a positive number, got ${options.rate}`);
    this.rate = options.rate;
    this.maxBatch = Math.max(1, Math.floor(options.maxBatch ?? 500));
    this.maxBacklogMs = options.maxBacklogMs ?? 1000;
    this.origin = clock.now();
  }

  /** When message `i` is due (ms since the epoch). */
  dueAt(i: number): number {
    return this.origin + (i * 1000) / this.rate;
  }

  /** Messages granted so far. */
  get count(): number {
    return this.granted;
  }

  /**
   * Waits until the next message is due and returns how many may be sent now: at least 1, at
   * most `limit` and maxBatch. Returns 0 without waiting when the next message would be due at or
   * after `deadline`, or when `signal` aborts.
   */
  async grant(limit: number, deadline?: number, signal?: AbortSignal): Promise<number> {
    if (limit < 1 || signal?.aborted) return 0;
    const next = this.dueAt(this.granted);
    if (deadline !== undefined && next >= deadline) return 0;
    let now = this.clock.now();
    // Timers may fire a little early by the wall clock: sleep until the message is really due.
    while (next > now) {
      await this.clock.sleep(Math.max(1, Math.ceil(next - now)), signal);
      if (signal?.aborted) return 0;
      now = this.clock.now();
    }
    // Every message whose due time has come: indices granted .. floor((now - origin) * rate / 1000).
    let due = Math.floor(((now - this.origin) * this.rate) / 1000) - this.granted + 1;
    const cap = Math.max(1, Math.ceil((this.maxBacklogMs * this.rate) / 1000));
    if (due > cap) {
      // Fallen behind (slow sends, a stall): keep at most maxBacklogMs of backlog, forget the rest.
      this.origin += ((due - cap) * 1000) / this.rate;
      due = cap;
    }
    if (deadline !== undefined) due = Math.min(due, Math.ceil(((deadline - this.origin) * this.rate) / 1000) - this.granted);
    if (due < 1) return 0;
    const n = Math.min(due, limit, this.maxBatch);
    this.granted += n;
    return n;
  }
}
