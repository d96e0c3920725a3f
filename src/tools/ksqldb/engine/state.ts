/**
 * Operator state: named key → value stores with a change log. The runtime persists the log
 * (e.g. to changelog topics) and restores a store with `restore`; the core never does I/O.
 */

interface ChangelogEntry {
  readonly store: string;
  readonly key: string;
  /** undefined = deleted */
  readonly value: unknown;
}

export class StateStores {
  private readonly stores = new Map<string, KeyValueStore>();
  private log: ChangelogEntry[] = [];
  /** Set false to stop recording (e.g. while restoring). */
  logging = true;

  store(name: string): KeyValueStore {
    let s = this.stores.get(name);
    if (!s) {
      s = new KeyValueStore(name, this);
      this.stores.set(name, s);
    }
    return s;
  }

  names(): string[] {
    return [...this.stores.keys()];
  }

  /** @internal */
  record(e: ChangelogEntry): void {
    if (this.logging) this.log.push(e);
  }

  /** Returns and clears the change log recorded since the last drain. */
  drainChangelog(): ChangelogEntry[] {
    const out = this.log;
    this.log = [];
    return out;
  }

  /** Replays change-log entries into the stores (restore after restart). */
  restore(entries: readonly ChangelogEntry[]): void {
    const was = this.logging;
    this.logging = false;
    for (const e of entries) {
      if (e.value === undefined) this.store(e.store).delete(e.key);
      else this.store(e.store).put(e.key, e.value);
    }
    this.logging = was;
  }
}

class KeyValueStore {
  private readonly data = new Map<string, unknown>();
  constructor(
    readonly name: string,
    private readonly owner: StateStores,
  ) {}

  get<T = unknown>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  put(key: string, value: unknown): void {
    this.data.set(key, value);
    this.owner.record({ store: this.name, key, value });
  }

  delete(key: string): void {
    if (!this.data.has(key)) return;
    this.data.delete(key);
    this.owner.record({ store: this.name, key, value: undefined });
  }

  entries(): IterableIterator<[string, unknown]> {
    return this.data.entries();
  }

  get size(): number {
    return this.data.size;
  }
}
