/**
 * The command topic and command runner, as far as a client can observe them: every distributed
 * statement becomes a command with a sequence number (offsets step by 2, as transactional
 * commits leave a marker record), the runner executes commands one at a time, and the status
 * store (`GET /status/...`) only knows a command once the runner has started it
 * (PARSING, EXECUTING, then SUCCESS or ERROR). The request waits up to the response timeout for
 * the final status and otherwise returns the current one (QUEUED while not yet picked up).
 */
import { CommandStatusJson } from './entities';
import { StatementError } from './errors';

export interface CommandOutcome {
  readonly message: string;
  readonly queryId: string | null;
}

export interface QueuedCommand {
  readonly commandId: string;
  readonly seq: number;
  /** current status as seen by the enqueueing request (CommandStatusFuture) */
  current(): CommandStatusJson;
  /** resolves with the final status (SUCCESS); an execution ERROR is not final */
  readonly final: Promise<CommandStatusJson>;
}

interface Pending {
  readonly commandId: string;
  readonly seq: number;
  readonly isPlan: boolean;
  readonly run: () => CommandOutcome;
  status: CommandStatusJson;
  resolveFinal: (s: CommandStatusJson) => void;
}

export interface RunnerOptions {
  /** time a command waits in the topic before the runner picks it up (status QUEUED) */
  readonly queueDelayMs: number;
  /** time the runner spends executing a command (status EXECUTING) */
  readonly executionMs: number;
  /** called after a plan command (CREATE/CSAS/CTAS/INSERT/DROP) ran: the query-id generator moves on */
  readonly onPlanExecuted: (seq: number) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class CommandRunner {
  private lastSeq = -2;
  private executedSeq = -1;
  private readonly queue: Pending[] = [];
  private readonly statuses = new Map<string, CommandStatusJson>();
  private readonly waiters: Array<{ seq: number; resolve: () => void }> = [];
  private running = false;
  private stopped = false;
  executedCommands = 0;

  constructor(private readonly opts: RunnerOptions) {}

  enqueue(commandId: string, isPlan: boolean, run: () => CommandOutcome): QueuedCommand {
    this.lastSeq += 2;
    let resolveFinal!: (s: CommandStatusJson) => void;
    const final = new Promise<CommandStatusJson>((r) => (resolveFinal = r));
    const pending: Pending = {
      commandId,
      seq: this.lastSeq,
      isPlan,
      run,
      status: { status: 'QUEUED', message: 'Statement written to command topic', queryId: null },
      resolveFinal,
    };
    this.queue.push(pending);
    void this.drain();
    return { commandId, seq: pending.seq, current: () => pending.status, final };
  }

  /** Seq of the last command written (-2 when none). */
  lastEnqueuedSeq(): number {
    return this.lastSeq;
  }

  /** True once the command with this seq (and all before it) has been executed. */
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

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length && !this.stopped) {
        if (this.opts.queueDelayMs > 0) await sleep(this.opts.queueDelayMs);
        const p = this.queue.shift()!;
        this.put(p, { status: 'PARSING', message: 'Parsing statement', queryId: null });
        this.put(p, { status: 'EXECUTING', message: 'Executing statement', queryId: null });
        if (this.opts.executionMs > 0) await sleep(this.opts.executionMs);
        if (this.stopped) break;
        try {
          const outcome = p.run();
          const done: CommandStatusJson = { status: 'SUCCESS', message: outcome.message, queryId: outcome.queryId };
          this.put(p, done);
          p.resolveFinal(done);
        } catch (e) {
          const message = e instanceof StatementError ? e.message : e instanceof Error ? e.message : String(e);
          this.put(p, { status: 'ERROR', message, queryId: null });
        }
        this.executedCommands++;
        this.executedSeq = p.seq;
        if (p.isPlan) this.opts.onPlanExecuted(p.seq);
        for (const w of [...this.waiters]) {
          if (w.seq <= this.executedSeq) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve();
          }
        }
      }
    } finally {
      this.running = false;
    }
  }
}
