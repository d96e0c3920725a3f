/** Where progress goes: process.stderr, or a stand-in in tests. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

interface ProgressStats {
  readonly sent: number;
  readonly errors: number;
}

interface ProgressOptions {
  /** Shown at the start of each line, e.g. the pipeline name. */
  readonly label: string;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** Redraw interval on a terminal. @default 250 */
  readonly ttyIntervalMs?: number;
  /** Interval between lines when stderr is not a terminal (logs, CI). @default 5000 */
  readonly lineIntervalMs?: number;
}

/**
 * The producer's progress on stderr: a single line redrawn in place on a terminal, a new line
 * every few seconds otherwise, and a final summary line either way.
 */
export class ProgressDisplay {
  private readonly started: number;
  private lastDraw = -Infinity;
  private lastSent = 0;
  private lastAt: number;
  private recentRate = 0;

  constructor(
    private readonly out: ProgressStream,
    private readonly options: ProgressOptions,
  ) {
    this.started = options.now();
    this.lastAt = this.started;
  }

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  /** Records new totals; draws when the interval has passed. */
  update(stats: ProgressStats): void {
    const now = this.options.now();
    const interval = this.tty ? (this.options.ttyIntervalMs ?? 250) : (this.options.lineIntervalMs ?? 5000);
    if (now - this.lastDraw < interval) return;
    if (now > this.lastAt) this.recentRate = ((stats.sent - this.lastSent) * 1000) / (now - this.lastAt);
    this.lastSent = stats.sent;
    this.lastAt = now;
    this.lastDraw = now;
    this.draw(this.line(stats, now, this.recentRate));
  }

  /** The final line: totals and the average rate. */
  finish(stats: ProgressStats, note?: string): void {
    const now = this.options.now();
    const elapsed = Math.max(now - this.started, 1);
    const line = this.line(stats, now, (stats.sent * 1000) / elapsed, 'average') + (note ? ` · ${note}` : '');
    if (this.tty) this.out.write(`\r\x1b[2K${line}\n`);
    else this.out.write(`${line}\n`);
  }

  private draw(line: string): void {
    if (this.tty) this.out.write(`\r\x1b[2K${line}`);
    else this.out.write(`${line}\n`);
  }

  private line(stats: ProgressStats, now: number, rate: number, rateLabel = ''): string {
    return (
      `${this.options.label}: ${stats.sent.toLocaleString('en-US')} sent · ${rate.toFixed(1)} msg/s${rateLabel ? ` ${rateLabel}` : ''}` +
      ` · ${stats.errors.toLocaleString('en-US')} error${stats.errors === 1 ? '' : 's'} · ${formatElapsed(now - this.started)}`
    );
  }
}

function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
