import { parseStatement, sinkOf } from '../../../core/ksql';
import type { KsqlRunningQuery, KsqlSourceDescription } from '../../clients/ksqldb';
import { Diagnostic, warning } from '../../framework/resource';

/**
 * What the plan and destroy say about the persistent queries around a stream or table, in
 * ksqlDB's own terms: a terminated query restarts as a new query (ksqlDB deletes its consumer
 * group on TERMINATE, so nothing of its progress is kept); a sink several queries write into
 * cannot be replaced in place (`QueryIdUtil`: "REPLACE for sink … is not supported because there
 * are multiple queries writing into it"); DROP refuses while other queries read or write the
 * source (`EngineContext#throwIfInsertQueriesExist`), and streamform stops only its own queries.
 */

/** The auto.offset.reset a query runs with: its own property (plain or ksql.streams.), or unset. */
export function offsetReset(props: Readonly<Record<string, string>> | null | undefined): string | undefined {
  const value = props?.['auto.offset.reset'] ?? props?.['ksql.streams.auto.offset.reset'];
  return typeof value === 'string' ? value.toLowerCase() : undefined;
}

/**
 * Where a query started afresh (a new query id: no committed offsets) reads its input from, as the
 * offset reset it runs with says: `from the earliest retained offset (...)`.
 */
export function readsFrom(props: Readonly<Record<string, string>> | null | undefined): string {
  const reset = offsetReset(props);
  return reset === 'earliest'
    ? 'from the earliest retained offset (auto.offset.reset=earliest): it reprocesses all retained input, so its sink receives those results again'
    : reset === 'latest'
      ? 'from the latest offset (auto.offset.reset=latest): records that arrived while it was stopped are not processed'
      : reset !== undefined
        ? `as auto.offset.reset=${reset} says`
        : 'from the offset the server\'s auto.offset.reset gives (ksqlDB\'s default is latest: records that arrived while it was stopped are not processed; set streams_properties {"auto.offset.reset" = "earliest"} to reprocess them)';
}

/** What a replaced query does: terminated, started again under a new query id, reading its input from its offset reset. */
export function restartedQuery(props: Readonly<Record<string, string>> | null | undefined): string {
  return `The query is terminated and started again under a new query id, reading its input ${readsFrom(props)}; queries reading its output see the new results.`;
}

/** The plan's warning for a query terminated outside streamform (apply starts it again). */
export function restartWarning(name: string, props: Readonly<Record<string, string>> | null | undefined): Diagnostic {
  return warning(
    `The query of ${name} is not running`,
    `it was terminated outside streamform, and ksqlDB deleted its consumer group with it (its committed offsets are gone). ` +
      `Apply starts it again (CREATE OR REPLACE) as a new query under a new query id, reading its input ${readsFrom(props)}.`,
  );
}

/** Whether the running query is the CREATE STREAM/TABLE ... AS SELECT of `sink` (ksqlDB's DROP ends that one itself). */
function isCreateAsOf(q: KsqlRunningQuery, sink: string): boolean {
  try {
    const stmt = parseStatement(q.queryString);
    return (stmt.kind === 'createStreamAs' || stmt.kind === 'createTableAs') && sinkOf(stmt) === sink;
  } catch {
    // A text this parser does not read: ksqlDB's reserved id prefixes tell (QUERY_ID cannot use them).
    return /^C[ST]AS_/.test(q.id) && q.sinks.includes(sink);
  }
}

/** The queries writing into `src` other than `own` (e.g. an INSERT INTO outside this configuration). */
export function otherWriters(src: KsqlSourceDescription, own: string | null | undefined): KsqlRunningQuery[] {
  return src.writeQueries.filter((q) => q.id !== own && !isCreateAsOf(q, src.name));
}

/** The reason a query whose sink has other writers is replaced rather than changed in place. */
export function severalWritersReason(name: string, others: readonly KsqlRunningQuery[]): string {
  const ids = others.map((q) => q.id).join(', ');
  return (
    `${others.length === 1 ? 'another query writes' : 'other queries write'} into ${name} (${ids}), and ksqlDB cannot ` +
    `CREATE OR REPLACE a sink that several queries write into. Dropping ${name} for the replacement needs ${ids} ` +
    `terminated first (TERMINATE ${others[0].id};), or, if ${others.length === 1 ? 'it belongs' : 'they belong'} to this configuration, replaced along with ${name}`
  );
}

function describe(q: KsqlRunningQuery): string {
  const text = q.queryString.replace(/\s+/g, ' ').trim();
  return `${q.id} (${text.length > 120 ? `${text.slice(0, 117)}...` : text})`;
}

/**
 * The queries that keep ksqlDB from dropping `src`, other than those this resource owns (its own
 * query, and the sink's own CREATE ... AS SELECT query, which the DROP ends itself); undefined
 * when there are none. The message names them and the fix.
 */
export function dropBlockers(src: KsqlSourceDescription, owned: readonly string[], noun: string): string | undefined {
  const mine = new Set(owned);
  const foreign = (qs: readonly KsqlRunningQuery[]) => qs.filter((q) => !mine.has(q.id) && !isCreateAsOf(q, src.name));
  const writers = foreign(src.writeQueries);
  const readers = foreign(src.readQueries).filter((q) => !writers.some((w) => w.id === q.id));
  if (writers.length === 0 && readers.length === 0) return undefined;
  const all = [...readers, ...writers];
  const lines = [
    `ksqlDB refuses to drop ${noun} ${src.name} while other queries use it, and streamform terminates only the queries it manages.`,
    ...(readers.length ? [`Queries reading ${src.name}: ${readers.map(describe).join('; ')}.`] : []),
    ...(writers.length ? [`Queries writing into ${src.name}: ${writers.map(describe).join('; ')}.`] : []),
    `Fix: terminate them in ksqlDB (${all.map((q) => `TERMINATE ${q.id};`).join(' ')}) and run this again; or, if they belong ` +
      `to this configuration, make their resources depend on this one (or name its instance_id in their replace_triggered_by) so they are destroyed first.`,
  ];
  return lines.join('\n');
}
