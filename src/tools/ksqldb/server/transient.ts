/**
 * Transient queries: pull queries (`SELECT ... FROM t [WHERE ...]`, the current rows of a
 * materialized table, or every record of a stream so far) and push queries
 * (`SELECT ... EMIT CHANGES`, rows as records arrive). Both run the engine's transient plan
 * (every selected item a value column, in SELECT order) over records of the source topics.
 */
import { randomInt } from 'node:crypto';
import { parseStatements, type Query, type Statement } from '../../../core/ksql';
import type { TransientQuery } from '../engine/engine';
import { KsqlError } from '../engine/errors';
import { SR_FORMATS } from '../engine/serde';
import type { SqlType } from '../engine/types';
import { mergeByTimestamp } from '../runtime/query-runner';
import { schemaIdOf } from '../runtime/schema-registry';
import type { LogRecord, Subscription } from '../runtime/types';
import { KsqlException, StatementError } from './errors';
import type { KsqlHost } from './host';

interface PushQueryHandle {
  readonly id: string;
  readonly sql: string;
  /** Ends the query (and its response). */
  close(): void;
}

/** Open push queries, by id (ids compare case-insensitively, like `QueryId#equals`). */
export class PushQueryRegistry {
  private readonly queries = new Map<string, PushQueryHandle>();

  add(q: PushQueryHandle): void {
    this.queries.set(q.id.toUpperCase(), q);
  }

  get(id: string): PushQueryHandle | undefined {
    return this.queries.get(id.toUpperCase());
  }

  remove(id: string): PushQueryHandle | undefined {
    const q = this.get(id);
    if (q) this.queries.delete(id.toUpperCase());
    return q;
  }

  all(): PushQueryHandle[] {
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
function transientQueryId(source: string): string {
  const digits = String(randomInt(1, 10)) + Array.from({ length: 17 }, () => String(randomInt(0, 10))).join('');
  return `transient_${source}_${digits}`;
}

export interface PlannedTransient {
  readonly kind: 'pull' | 'push';
  readonly id: string;
  readonly sql: string;
  readonly query: TransientQuery;
  readonly statement: Statement & { kind: 'query' };
  readonly limit: number | undefined;
  readonly columnNames: string[];
  readonly columnTypes: SqlType[];
}

const PULL_HELP = ' See https://cnfl.io/queries for more info.\nAdd EMIT CHANGES if you intended to issue a push query.';

function pullQueryChecks(q: Query): void {
  const refuse = (m: string): never => {
    throw new KsqlError(m + PULL_HELP);
  };
  if (q.joins.length > 0) refuse("Pull queries don't support JOIN clauses.");
  if (q.window) refuse("Pull queries don't support WINDOW clauses.");
  if (q.groupBy) refuse("Pull queries don't support GROUP BY clauses.");
  if (q.partitionBy) refuse("Pull queries don't support PARTITION BY clauses.");
  if (q.having) refuse("Pull queries don't support HAVING clauses.");
  if (q.emit === 'FINAL') refuse("Pull queries don't support EMIT clauses.");
}

/** Plans a query statement; throws KsqlError (ksqlDB's refusal) when it cannot run. */
export function planTransient(host: KsqlHost, statement: Statement & { kind: 'query' }, sql: string): PlannedTransient {
  const q = statement.query;
  const push = q.emit === 'CHANGES';
  if (!push) pullQueryChecks(q);
  const id = transientQueryId(q.from.alias);
  const query = host.engine.transientQuery(`${statement.text};`, id);
  return {
    kind: push ? 'push' : 'pull',
    id,
    sql,
    query,
    statement,
    limit: q.limit,
    columnNames: query.columns.map((c) => c.name),
    columnTypes: query.columns.map((c) => c.type),
  };
}

/** Parses a `/query-stream` or `/query` body's SQL: exactly one SELECT (PRINT is refused). */
export function parseQuery(sql: string): Statement & { kind: 'query' } {
  const statements = parseStatements(sql);
  if (statements.length !== 1)
    throw new StatementError(`Expected exactly one KSQL statement; found ${statements.length} instead`, sql, true);
  const s = statements[0];
  if (s.kind === 'print') throw new KsqlException('not supported by the local ksqlDB: PRINT');
  if (s.kind !== 'query') throw new StatementError('Neither a query nor a print statement', sql, true);
  return s;
}

async function prefetch(host: KsqlHost, t: TransientQuery, records: readonly LogRecord[]): Promise<void> {
  if (!host.registry || !t.sources.some((s) => SR_FORMATS.has(s.keyFormat.format) || SR_FORMATS.has(s.valueFormat.format))) return;
  const ids: number[] = [];
  for (const r of records) {
    const k = schemaIdOf(r.key);
    const v = schemaIdOf(r.value);
    if (k !== undefined) ids.push(k);
    if (v !== undefined) ids.push(v);
  }
  if (ids.length > 0) await host.registry.prefetchIds(ids);
}

/** The current rows of a table source, or the records of a stream so far. */
async function pullInput(host: KsqlHost, p: PlannedTransient): Promise<LogRecord[]> {
  const src = p.query.sources[0];
  if (src.kind === 'STREAM') return host.runtime.readToEnd(src.topic);
  const writer = host.engine.queryIds().find((id) => {
    const info = host.engine.queryInfo(id)!;
    return info.sink === src.name && !info.isInsert;
  });
  const runner = writer ? host.runner(writer) : undefined;
  if (runner) {
    return [...runner.materialized.values()]
      .sort((a, b) => a.partition - b.partition || Buffer.compare(a.key ?? Buffer.alloc(0), b.key ?? Buffer.alloc(0)))
      .map((r) => ({
        topic: src.topic,
        partition: r.partition,
        offset: r.offset,
        key: r.key,
        value: r.value,
        timestamp: r.timestamp,
        headers: [],
      }));
  }
  if (!src.isSource) {
    throw new KsqlError(
      `The \`${src.name}\` table isn't queryable. To derive a queryable table, you can do 'CREATE TABLE QUERYABLE_${src.name} AS SELECT * FROM ${src.name}'.${PULL_HELP}`,
    );
  }
  // a SOURCE table: its topic read to the end, the latest record of each key
  const latest = new Map<string, LogRecord>();
  for (const r of await host.runtime.readToEnd(src.topic)) {
    const k = `${r.partition}/${r.key?.toString('hex') ?? ''}`;
    if (r.value === null) latest.delete(k);
    else latest.set(k, r);
  }
  return [...latest.values()];
}

/** Runs a pull query to completion. */
export async function runPull(host: KsqlHost, p: PlannedTransient): Promise<(readonly unknown[])[]> {
  const records = await pullInput(host, p);
  await prefetch(host, p.query, records);
  const rows: (readonly unknown[])[] = [];
  for (const r of records) {
    for (const row of p.query.process(r)) {
      if (row.values === null) continue;
      rows.push(row.values);
      if (p.limit !== undefined && rows.length >= p.limit) return rows;
    }
  }
  p.query.drainErrors();
  return rows;
}

/**
 * Starts a push query: `onRows` gets rows as records arrive; `onEnd` is called once when the
 * LIMIT is reached or the query fails. `stop` ends it.
 */
export async function startPush(
  host: KsqlHost,
  p: PlannedTransient,
  properties: Readonly<Record<string, unknown>>,
  onRows: (rows: (readonly unknown[])[]) => void,
  onEnd: (reason: 'limit' | 'error', error?: unknown) => void,
): Promise<{ stop(): Promise<void> }> {
  const reset = String(properties['auto.offset.reset'] ?? properties['ksql.streams.auto.offset.reset'] ?? 'latest').toLowerCase();
  const groupId = `_confluent-ksql-${host.serviceId}transient_${p.id}_${Date.now()}`;
  let emitted = 0;
  let ended = false;
  let sub: Subscription | undefined;
  const end = (reason: 'limit' | 'error', error?: unknown): void => {
    if (ended) return;
    ended = true;
    onEnd(reason, error);
  };
  const topics = await host.runtime.namedTopics(p.query.sourceTopics);
  const missing = p.query.sourceTopics.filter((t) => !topics.has(t));
  if (missing.length > 0) throw new KsqlException(`Topic(s) do not exist: [${missing.join(', ')}]`);
  sub = await host.runtime.subscribe({
    groupId,
    topics: p.query.sourceTopics,
    fromBeginning: reset === 'earliest',
    onBatch: async (batches) => {
      if (ended) return;
      const records = mergeByTimestamp(batches);
      await prefetch(host, p.query, records);
      const rows: (readonly unknown[])[] = [];
      for (const r of records) {
        for (const row of p.query.process(r)) {
          if (row.values === null) continue;
          rows.push(row.values);
          emitted++;
          if (p.limit !== undefined && emitted >= p.limit) break;
        }
        if (p.limit !== undefined && emitted >= p.limit) break;
      }
      p.query.drainErrors();
      if (rows.length > 0) onRows(rows);
      if (p.limit !== undefined && emitted >= p.limit) end('limit');
    },
  });
  sub.done.catch((e: unknown) => end('error', e));
  return {
    stop: async () => {
      ended = true;
      const s = sub;
      sub = undefined;
      if (s) await s.stop().catch(() => undefined);
      await host.runtime.deleteGroups([groupId]).catch(() => undefined);
    },
  };
}
