/**
 * Interrupts (Ctrl-C, `kill`, a closed terminal) during deploy and destroy, passed on the way
 * OpenTofu expects them.
 *
 * How a signal reaches OpenTofu: `streamform` starts cdktf, and cdktf runs `tofu init`, `tofu
 * apply` and `tofu destroy` in a pseudo-terminal (node-pty: the child calls setsid, so OpenTofu
 * leads a session and process group of its own, with its provider plugins in that group). Left to
 * itself, a Ctrl-C reaches streamform and cdktf but never OpenTofu; cdktf reacts by writing ^C into
 * the pseudo-terminal and exiting at once, which closes the terminal and kills OpenTofu with SIGHUP
 * before it saved its state or released its lock. A `kill` of streamform alone reached nobody:
 * cdktf and OpenTofu went on unseen, until cdktf died writing to the closed pipe.
 *
 * So streamform starts cdktf in a session of its own (no terminal signal reaches it), never
 * signals cdktf, and sends each interrupt to OpenTofu's process group, as a terminal's Ctrl-C
 * would: the first SIGINT makes OpenTofu stop gracefully (it stops the providers, lets the
 * operations in flight end, saves the state, releases the lock); a second makes it abort at once;
 * a third kills what is left. The provider plugins ignore SIGINT (go-plugin's servers and
 * streamform's own provider), as they do under a terminal. SIGTERM and SIGHUP are treated as SIGINT
 * (OpenTofu itself treats SIGTERM as an interrupt too). cdktf sees OpenTofu exit and exits itself;
 * streamform waits for both, then reports what was left (see cdktf.ts).
 */
import { descendants, ownSessionsBelow, ProcessRow, processTable } from '../toolchain/processes';

type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

const SIGNAL_NUMBERS: Readonly<Record<StopSignal, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

type Listener = (count: number, signal: StopSignal) => void;

/** The interrupts this process received, and who wants to hear of them. */
export class Interrupts {
  private readonly received: StopSignal[] = [];
  private readonly listeners = new Set<Listener>();

  /** How many interrupts arrived so far. */
  get count(): number {
    return this.received.length;
  }

  /** The first signal received, if any. */
  get signal(): StopSignal | undefined {
    return this.received[0];
  }

  raise(signal: StopSignal): void {
    this.received.push(signal);
    for (const l of [...this.listeners]) l(this.received.length, signal);
  }

  /** Calls `fn` on every interrupt from now on; returns the unsubscribe function. */
  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Forgets what was received (tests; a process runs one command). */
  reset(): void {
    this.received.length = 0;
  }

  /**
   * Handles SIGINT, SIGTERM and SIGHUP of this process instead of dying on them, telling the user
   * what each interrupt does, from a clean slate. Returns the function that restores the defaults.
   */
  install(write: (text: string) => void = (t) => process.stderr.write(t)): () => void {
    this.reset();
    const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => {
      const handler = () => {
        write(`\n${interruptNotice(this.count + 1, signal)}\n`);
        this.raise(signal);
      };
      process.on(signal, handler);
      return () => process.off(signal, handler);
    });
    return () => handlers.forEach((off) => off());
  }
}

/** What the n-th interrupt does, for the user. */
export function interruptNotice(n: number, signal: StopSignal): string {
  if (n === 1)
    return (
      `streamform: ${signal} received: OpenTofu stops gracefully (it lets the operations in flight end, saves its state ` +
      'and releases the lock); interrupt again to abort it at once'
    );
  if (n === 2) return `streamform: second interrupt (${signal}): OpenTofu aborts now (it exits within 5 s; objects in flight may be left)`;
  return `streamform: interrupt ${n} (${signal}): killing OpenTofu and cdktf`;
}

/** The process-wide interrupts: signals are per process. Installed while the CLI deploys or destroys (cdktf.ts). */
export const interrupts = new Interrupts();

/** A deploy or destroy stopped by an interrupt; the message is the report of what was left. */
export class InterruptedError extends Error {
  constructor(
    message: string,
    readonly signal: StopSignal,
  ) {
    super(message);
    this.name = 'InterruptedError';
  }

  /** 128 + the signal's number, as a shell reports a command killed by it. */
  get exitCode(): number {
    return 128 + SIGNAL_NUMBERS[this.signal];
  }
}

interface SignalTarget {
  /** Reads the process table. */
  readonly table: () => readonly ProcessRow[];
  /** Sends a signal to a process group (negative pid) or process. */
  readonly kill: (pid: number, signal: NodeJS.Signals) => void;
}

const REAL: SignalTarget = {
  table: processTable,
  kill: (pid, signal) => {
    try {
      process.kill(pid, signal);
    } catch {
      // gone meanwhile
    }
  },
};

/**
 * Passes interrupts on to the OpenTofu processes below a cdktf process (see the module comment).
 * Each OpenTofu session gets at most two SIGINTs, one per interrupt, also when it starts after the
 * interrupt (cdktf runs init, then apply); from the third interrupt on, everything below the
 * cdktf process and cdktf itself are killed.
 */
export class TofuSignaller {
  private readonly delivered = new Map<number, number>();
  private readonly unsubscribe: () => void;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly cdktfPid: number,
    private readonly source: Interrupts = interrupts,
    private readonly target: SignalTarget = REAL,
    private readonly pollMs = 200,
  ) {
    this.unsubscribe = source.subscribe(() => this.deliver());
    if (source.count > 0) this.deliver();
  }

  /** The OpenTofu process groups seen (to wait for them). */
  get groups(): number[] {
    return [...this.delivered.keys()];
  }

  /** Sends what is due now; keeps looking for OpenTofu sessions that start later. */
  deliver(): void {
    const n = this.source.count;
    if (n === 0) return;
    const table = this.target.table();
    const groups = ownSessionsBelow(table, this.cdktfPid);
    if (n >= 3) {
      for (const g of groups) this.target.kill(-g, 'SIGKILL');
      for (const p of descendants(table, this.cdktfPid)) this.target.kill(p.pid, 'SIGKILL');
      this.target.kill(this.cdktfPid, 'SIGKILL');
    } else {
      for (const g of groups) {
        for (let sent = this.delivered.get(g) ?? 0; sent < n; sent++) this.target.kill(-g, 'SIGINT');
        this.delivered.set(g, n);
      }
    }
    for (const g of groups) if (!this.delivered.has(g)) this.delivered.set(g, Math.min(n, 2));
    if (!this.timer) {
      this.timer = setInterval(() => this.deliver(), this.pollMs);
      this.timer.unref();
    }
  }

  stop(): void {
    this.unsubscribe();
    if (this.timer) clearInterval(this.timer);
  }
}
