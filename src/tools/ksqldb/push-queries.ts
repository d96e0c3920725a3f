/**
 * Registry of open push queries (`POST /query-stream`). The stand-in processes no data, so an
 * open push query only holds its response stream open until it is closed by `/close-query`,
 * `TERMINATE <id>`, the client going away, or server shutdown.
 */
export interface PushQuery {
  readonly id: string;
  readonly sql: string;
  /** ends the response stream */
  close(): void;
}

export class PushQueryRegistry {
  private readonly queries = new Map<string, PushQuery>();

  add(q: PushQuery): void {
    this.queries.set(q.id.toUpperCase(), q);
  }

  /** Query ids compare case-insensitively (`QueryId#equals`). */
  get(id: string): PushQuery | undefined {
    return this.queries.get(id.toUpperCase());
  }

  remove(id: string): PushQuery | undefined {
    const q = this.get(id);
    if (q) this.queries.delete(id.toUpperCase());
    return q;
  }

  all(): PushQuery[] {
    return [...this.queries.values()];
  }

  closeAll(): void {
    for (const q of this.all()) {
      this.remove(q.id);
      q.close();
    }
  }
}

/** `transient_<SOURCE>_<random long>`, like `QueryIdUtil#buildId` for transient queries. */
export function transientQueryId(source: string): string {
  const digits = Array.from({ length: 18 }, (_, i) => (i === 0 ? 1 + Math.floor(Math.random() * 9) : Math.floor(Math.random() * 10))).join(
    '',
  );
  return `transient_${source}_${digits}`;
}
