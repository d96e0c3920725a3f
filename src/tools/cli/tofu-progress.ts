/**
 * Follows OpenTofu's human-readable apply/destroy output (as cdktf relays it, each line possibly
 * prefixed with the stack's name) to know which resources an interrupted run had started and
 * not finished.
 */

export type ResourceAction = 'create' | 'destroy' | 'update';

export interface ProgressEvent {
  readonly address: string;
  readonly action: ResourceAction;
  readonly done: boolean;
  /** The line without cdktf's stack prefix, for showing. */
  readonly text: string;
}

const ADDRESS = String.raw`((?:module\.[\w-]+\.)*[\w-]+\.[\w-]+(?:\[[^\]]*\])?)(?: \([^)]*\))?`;
const STARTED = new RegExp(`^${ADDRESS}: (Creating|Destroying|Modifying)\\.\\.\\.(?: \\[id=[^\\]]*\\])?$`);
const FINISHED = new RegExp(`^${ADDRESS}: (Creation|Destruction|Modifications) complete after `);
const ACTIONS: Readonly<Record<string, ResourceAction>> = {
  Creating: 'create',
  Creation: 'create',
  Destroying: 'destroy',
  Destruction: 'destroy',
  Modifying: 'update',
  Modifications: 'update',
};

/** One line of output → a resource event, or undefined. `stack` is cdktf's prefix to strip. */
export function parseProgressLine(line: string, stack?: string): ProgressEvent | undefined {
  let text = line.trim();
  if (stack && text.startsWith(`${stack} `)) text = text.slice(stack.length).trim();
  const started = STARTED.exec(text);
  if (started) return { address: started[1], action: ACTIONS[started[2]], done: false, text };
  const finished = FINISHED.exec(text);
  if (finished) return { address: finished[1], action: ACTIONS[finished[2]], done: true, text };
  return undefined;
}

/** How OpenTofu said it reacted to interrupts (views/operation.go: Interrupted, FatalInterrupt). */
type StopReaction = 'graceful' | 'abort';

/** The resources started and finished so far in one OpenTofu run, and how it took interrupts. */
export class ApplyProgress {
  private readonly started = new Map<string, ResourceAction>();
  private readonly finished = new Set<string>();
  private reaction?: StopReaction;

  constructor(private readonly stack?: string) {}

  /** 'graceful' once OpenTofu announced a graceful stop, 'abort' once it gave up on it; else undefined. */
  get stopReaction(): StopReaction | undefined {
    return this.reaction;
  }

  /** Feeds one line; returns the event it was, if any. */
  feed(line: string): ProgressEvent | undefined {
    if (line.includes('Two interrupts received. Exiting immediately')) this.reaction = 'abort';
    else if (line.includes('Gracefully shutting down') && this.reaction === undefined) this.reaction = 'graceful';
    const e = parseProgressLine(line, this.stack);
    if (!e) return undefined;
    if (e.done) this.finished.add(e.address);
    else {
      this.started.set(e.address, e.action);
      this.finished.delete(e.address);
    }
    return e;
  }

  /** Started and not finished (in flight, or failed while in flight). */
  inProgress(): { address: string; action: ResourceAction }[] {
    return [...this.started].filter(([a]) => !this.finished.has(a)).map(([address, action]) => ({ address, action }));
  }

  completed(): string[] {
    return [...this.finished];
  }
}
