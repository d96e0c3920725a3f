import { inferredColumnNames, statementDrift, type SourceResolver, type Statement } from '../../../core/ksql';
import { KsqlCatalog, KsqlRunningQuery, KsqlSourceDescription } from '../../clients/ksqldb';
import { ProviderClients } from '../../provider-clients';
import { execute, parseLenient } from './core';

/**
 * Refresh of ksqlDB objects: the stored statement compared with the configured one in canonical
 * form (see core/ksql/drift.ts), the state of persistent queries, and the columns ksqlDB inferred
 * from the Schema Registry compared with the subject's latest version.
 */

/** The columns of every source ksqlDB lists, so join columns are qualified as ksqlDB does. */
export function resolverOf(cat: KsqlCatalog): SourceResolver {
  return (name) =>
    cat.sources.get(name)?.fields.map((f) => ({
      name: f.name,
      type: f.schema.type,
      key: f.type === 'KEY',
      headers: f.type === 'HEADER',
    }));
}

/**
 * How the statement ksqlDB stores differs from the one in state (one sentence per difference);
 * empty when they say the same, or when the server's text cannot be parsed (not drift we can name).
 */
export function driftOf(ours: Statement, serverText: string, cat: KsqlCatalog): string[] {
  const server = parseLenient(serverText);
  if (!server) return [];
  return statementDrift(ours, server, { resolve: resolverOf(cat) });
}

/** What streamform tracks of a persistent query's state: running, paused, or failed. */
export type QueryStatus = 'RUNNING' | 'PAUSED' | 'ERROR';

/**
 * The state of a persistent query from LIST QUERIES: ksqlDB's `statusCount` counts the hosts per
 * KsqlQueryStatus (RUNNING, PAUSED, ERROR, UNRESPONSIVE); `state` is the Kafka Streams state.
 * Transient states (CREATED, REBALANCING, ...) count as running: they are no drift.
 */
export function queryStatus(q: KsqlRunningQuery): QueryStatus {
  const count = q.statusCount ?? {};
  if ((count.ERROR ?? 0) > 0 || q.state === 'ERROR') return 'ERROR';
  if ((count.PAUSED ?? 0) > 0 || q.state === 'PAUSED') return 'PAUSED';
  return 'RUNNING';
}

/** RESUME a paused query (ksqlDB's RESUME statement). */
export async function resume(clients: ProviderClients, queryId: string): Promise<void> {
  await execute(
    clients,
    { kind: 'resume', loc: { line: 1, column: 1, offset: 0, end: 0 }, text: '', all: false, queryId },
    `resume ${queryId}`,
  );
}

/** The value columns ksqlDB has for a source (key and header columns left out), in order. */
export function valueColumns(src: KsqlSourceDescription): string[] {
  return src.fields.filter((f) => f.type !== 'KEY' && f.type !== 'HEADER').map((f) => f.name);
}

/** Schema Registry formats whose value columns ksqlDB can infer. */
const INFERRED_FORMATS = new Set(['AVRO', 'JSON_SR', 'PROTOBUF']);

/** True for a CREATE STREAM/TABLE whose value columns ksqlDB infers from the Schema Registry. */
export function infersValueColumns(stmt: Statement): boolean {
  if (stmt.kind !== 'createStream' && stmt.kind !== 'createTable') return false;
  if (stmt.columns.some((c) => !c.key && !c.headers)) return false;
  if (stmt.properties.VALUE_SCHEMA_ID !== undefined) return false; // a pinned schema does not move
  const format = String(stmt.properties.VALUE_FORMAT ?? stmt.properties.FORMAT ?? '').toUpperCase();
  return INFERRED_FORMATS.has(format);
}

/** The latest value schema of a topic, as the columns ksqlDB would infer from it. */
export interface LatestSchema {
  readonly subject: string;
  readonly version: number;
  readonly id: number;
  readonly columns: string[];
}

/**
 * The columns ksqlDB would infer now from the latest version of the topic's value subject;
 * undefined when the Schema Registry cannot be asked, has no such subject, or the format's
 * columns cannot be told from the schema text (then nothing is reported).
 */
export async function latestInferred(clients: ProviderClients, stmt: Statement, topic: string): Promise<LatestSchema | undefined> {
  if (stmt.kind !== 'createStream' && stmt.kind !== 'createTable') return undefined;
  const format = String(stmt.properties.VALUE_FORMAT ?? stmt.properties.FORMAT ?? '');
  const subject = `${topic}-value`;
  try {
    const latest = await clients.schemaRegistry().latest(subject);
    if (!latest) return undefined;
    const columns = inferredColumnNames(format, latest.schema);
    return columns && { subject, version: latest.version, id: latest.id, columns };
  } catch {
    return undefined;
  }
}
