/**
 * The command runner as a client observes it: every distributed statement is a command whose
 * sequence number is its offset in the command topic (a transactional write, so offsets step by
 * 2: the record and its commit marker). Commands run one at a time, in order; the status store
 * (`GET /status/...`) knows a command once the runner has picked it up (PARSING, EXECUTING, then
 * SUCCESS or ERROR). A request waits up to the response timeout for the final status and
 * otherwise returns the current one (QUEUED while not picked up yet).
 */

export interface CommandStatusJson {
  status: string;
  message: string;
  queryId: string | null;
}

export interface CommandOutcome {
  readonly message: string;
  readonly queryId: string | null;
}

export interface QueuedCommand {
  readonly commandId: string;
  readonly seq: number;
  /** current status as seen by the enqueueing request (CommandStatusFuture) */
  current(): CommandStatusJson;
  /** resolves with the final status (SUCCESS); an execution ERROR is not final (ksqlDB waits) */
  readonly final: Promise<CommandStatusJson>;
}

interface Pending {
  readonly commandId: string;
  readonly seq: number;
  readonly run: () => Promise<CommandOutcome>;
  status: CommandStatusJson;
  resolveFinal: (s: CommandStatusJson) => void;
}

interface RunnerOptions {
  /** time a command waits in the topic before the runner picks it up (status QUEUED); tests */
  readonly queueDelayMs?: number;
  /** time the runner spends executing a command (status EXECUTING); tests */
  readonly executionMs?: number;
  readonly log?: (line: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class CommandRunner {
  private lastSeq = -1;
  private executedSeq = -1;
  private readonly queue: Pending[] = [];
  private readonly statuses = new Map<string, CommandStatusJson>();
  private readonly waiters: Array<{ seq: number; resolve: () => void }> = [];
  private running = false;
  private stopped = false;
  executedCommands = 0;

  constructor(private readonly opts: RunnerOptions = {}) {}

  /** Records a command replayed at start (already executed). */
  replayed(commandId: string, seq: number, status: CommandStatusJson): void {
    this.statuses.set(commandId, status);
    this.lastSeq = Math.max(this.lastSeq, seq);
    this.markExecuted(seq);
  }

  enqueue(commandId: string, seq: number, run: () => Promise<CommandOutcome>): QueuedCommand {
    this.lastSeq = Math.max(this.lastSeq, seq);
    let resolveFinal!: (s: CommandStatusJson) => void;
    const final = new Promise<CommandStatusJson>((r) => (resolveFinal = r));
    const pending: Pending = {
      commandId,
      seq,
      run,
      status: { status: 'QUEUED', message: 'Statement written to command topic', queryId: null },
      resolveFinal,
    };
    this.queue.push(pending);
    void this.drain();
    return { commandId, seq, current: () => pending.status, final };
  }

  /** Seq of the last command written (-1 when none). */
  lastEnqueuedSeq(): number {
    return this.lastSeq;
  }

  lastExecutedSeq(): number {
    return this.executedSeq;
  }

  isExecuted(seq: number): boolean {
    return this.executedSeq >= seq;
  }

  /** Waits until `seq` has been executed; false on timeout. */
  async waitExecuted(seq: number, timeoutMs: number): Promise<boolean> {
    if (this.isExecuted(seq)) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(false);
      }, timeoutMs);
      const waiter = {
        seq,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** `CommandStatusFuture#tryWaitForFinalStatus`: the final status, or the current one after the timeout. */
  async waitForFinal(cmd: QueuedCommand, timeoutMs: number): Promise<CommandStatusJson> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), timeoutMs)));
    const result = await Promise.race([cmd.final, timeout]);
    clearTimeout(timer);
    return result ?? { ...cmd.current() };
  }

  getStatus(commandId: string): CommandStatusJson | undefined {
    return this.statuses.get(commandId);
  }

  allStatuses(): Map<string, CommandStatusJson> {
    return new Map(this.statuses);
  }

  stop(): void {
    this.stopped = true;
  }

  private put(p: Pending, status: CommandStatusJson): void {
    p.status = status;
    this.statuses.set(p.commandId, status);
  }

  private markExecuted(seq: number): void {
    this.executedSeq = Math.max(this.executedSeq, seq);
    for (const w of [...this.waiters]) {
      if (w.seq <= this.executedSeq) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length && !this.stopped) {
        if (this.opts.queueDelayMs) await sleep(this.opts.queueDelayMs);
        const p = this.queue.shift()!;
        this.put(p, { status: 'PARSING', message: 'Parsing statement', queryId: null });
        this.put(p, { status: 'EXECUTING', message: 'Executing statement', queryId: null });
        if (this.opts.executionMs) await sleep(this.opts.executionMs);
        if (this.stopped) break;
        try {
          const outcome = await p.run();
          const done: CommandStatusJson = { status: 'SUCCESS', message: outcome.message, queryId: outcome.queryId };
          this.put(p, done);
          p.resolveFinal(done);
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          this.opts.log?.(`command ${p.commandId} failed: ${message}`);
          this.put(p, { status: 'ERROR', message, queryId: null });
        }
        this.executedCommands++;
        this.markExecuted(p.seq);
      }
    } finally {
      this.running = false;
    }
  }
}
