/**
 * Drift: does the statement ksqlDB stores for a stream, table or query still say what the
 * configured statement says? ksqlDB rewrites the text it stores (identifiers quoted, columns
 * qualified and aliased, defaults such as KAFKA_TOPIC, PARTITIONS, REPLICAS, CLEANUP_POLICY and
 * the formats spelled out, inferred columns written in, `SELECT *` kept as `*`), so both sides are
 * compared in a canonical form, clause by clause, and only real differences are reported.
 */
import type { ColumnDef, Properties, PropertyValue, Query, Statement } from './ast';
import { formatExpression, formatQuery } from './format';
import type { SourceResolver } from './infer';
import { normalizeQuery } from './normalize';
import { formatType, quoteIdentifier } from './types';

/**
 * WITH properties ksqlDB adds to the statement it stores when the statement leaves them out
 * (TopicCreateInjector: KAFKA_TOPIC, PARTITIONS, REPLICAS, RETENTION_MS, CLEANUP_POLICY; the
 * format defaults: KEY_FORMAT, VALUE_FORMAT). Present on the server only, they are no drift.
 */
export const INJECTED_PROPERTIES: ReadonlySet<string> = new Set([
  'KAFKA_TOPIC',
  'PARTITIONS',
  'REPLICAS',
  'RETENTION_MS',
  'CLEANUP_POLICY',
  'KEY_FORMAT',
  'VALUE_FORMAT',
]);

/** Properties whose values are case-insensitive names (formats). */
const CASE_INSENSITIVE = new Set(['KEY_FORMAT', 'VALUE_FORMAT', 'FORMAT', 'WINDOW_TYPE', 'TIMESTAMP']);

/** Properties that are not part of what the object is (the query id is tracked on its own). */
const IGNORED = new Set(['QUERY_ID']);

export interface DriftOptions {
  /** Columns of the sources queries read, so join columns are qualified the way ksqlDB does. */
  readonly resolve?: SourceResolver;
}

/**
 * The differences between the configured statement and the one ksqlDB stores, each a sentence
 * naming the clause or property and both values; empty when they say the same thing. A stream or
 * table configured without columns (columns inferred from the Schema Registry) is not compared on
 * its columns.
 */
export function statementDrift(configured: Statement, stored: Statement, options: DriftOptions = {}): string[] {
  const diffs: string[] = [];
  if (configured.kind !== stored.kind) {
    return [`ksqlDB has ${describeKind(stored)}, the configuration ${describeKind(configured)}`];
  }
  const name = (s: Statement): string | undefined => ('name' in s ? s.name : undefined);
  if (name(configured) !== name(stored)) diffs.push(`name: ksqlDB has ${name(stored)}, the configuration ${name(configured)}`);
  if ((configured.kind === 'createStream' || configured.kind === 'createTable') && stored.kind === configured.kind) {
    if (configured.isSource !== stored.isSource) {
      diffs.push(`SOURCE: ksqlDB has ${stored.isSource ? 'a read-only SOURCE' : 'a writable'} ${noun(stored)}, the configuration not`);
    }
    if (configured.columns.length > 0) {
      const ours = columnsText(configured.columns);
      const theirs = columnsText(stored.columns);
      if (ours !== theirs) diffs.push(`columns: ksqlDB has (${theirs}), the configuration (${ours})`);
    }
  }
  if ('query' in configured && 'query' in stored) diffs.push(...queryDrift(configured.query, stored.query, options));
  if ('properties' in configured && 'properties' in stored) diffs.push(...propertyDrift(configured.properties, stored.properties));
  return diffs;
}

function describeKind(s: Statement): string {
  switch (s.kind) {
    case 'createStream':
      return 'a stream over a topic';
    case 'createTable':
      return 'a table over a topic';
    case 'createStreamAs':
      return 'a CREATE STREAM ... AS SELECT';
    case 'createTableAs':
      return 'a CREATE TABLE ... AS SELECT';
    case 'insertInto':
      return 'an INSERT INTO';
    default:
      return s.kind;
  }
}

function noun(s: Statement): string {
  return s.kind === 'createTable' || s.kind === 'createTableAs' ? 'table' : 'stream';
}

function columnsText(columns: readonly ColumnDef[]): string {
  return columns
    .map((c) => {
      const constraint = c.primaryKey
        ? ' PRIMARY KEY'
        : c.key
          ? ' KEY'
          : c.headerKey !== undefined
            ? ` HEADER('${c.headerKey}')`
            : c.headers
              ? ' HEADERS'
              : '';
      return `${quoteIdentifier(c.name)} ${formatType(c.dataType)}${constraint}`;
    })
    .join(', ');
}

/** The clauses of a normalized persistent query, each as canonical text, in statement order. */
function clauses(q: Query): [string, string][] {
  const list = (es: readonly Parameters<typeof formatExpression>[0][] | undefined): string =>
    es ? es.map(formatExpression).join(', ') : '(none)';
  const bare: Query = { loc: q.loc, select: q.select, from: q.from, joins: [] };
  const selectFrom = formatQuery(bare);
  return [
    ['SELECT', selectFrom.slice('SELECT '.length, selectFrom.lastIndexOf(' FROM '))],
    ['FROM', selectFrom.slice(selectFrom.lastIndexOf(' FROM ') + ' FROM '.length)],
    ['JOIN', q.joins.length ? formatQuery({ ...bare, joins: q.joins }).slice(selectFrom.length + 1) : '(none)'],
    ['WINDOW', q.window ? formatQuery({ ...bare, window: q.window }).slice(selectFrom.length + ' WINDOW '.length) : '(none)'],
    ['WHERE', q.where ? formatExpression(q.where) : '(none)'],
    ['GROUP BY', list(q.groupBy)],
    ['PARTITION BY', list(q.partitionBy)],
    ['HAVING', q.having ? formatExpression(q.having) : '(none)'],
    ['EMIT', q.emit ?? 'CHANGES'],
  ];
}

function queryDrift(configured: Query, stored: Query, options: DriftOptions): string[] {
  const ours = normalizeQuery(configured, options.resolve);
  const theirs = normalizeQuery(stored, options.resolve);
  if (formatQuery(ours, true) === formatQuery(theirs, true)) return [];
  const theirClauses = new Map(clauses(theirs));
  const diffs = clauses(ours)
    .filter(([clause, text]) => theirClauses.get(clause) !== text)
    .map(([clause, text]) => `${clause}: ksqlDB has ${theirClauses.get(clause)}, the configuration ${text}`);
  return diffs.length ? diffs : [`query: ksqlDB has ${formatQuery(theirs, true)}, the configuration ${formatQuery(ours, true)}`];
}

/** Property values by upper-case name, FORMAT spelled out as KEY_FORMAT and VALUE_FORMAT, values as text. */
function normalizedProperties(props: Properties): Map<string, string> {
  const out = new Map<string, string>();
  const text = (k: string, v: PropertyValue): string => {
    const s = v === null ? 'NULL' : String(v);
    return CASE_INSENSITIVE.has(k) ? s.toUpperCase() : s;
  };
  for (const [key, value] of Object.entries(props)) {
    const k = key.toUpperCase();
    if (IGNORED.has(k)) continue;
    if (k === 'FORMAT') {
      if (!('KEY_FORMAT' in props)) out.set('KEY_FORMAT', text(k, value));
      if (!('VALUE_FORMAT' in props)) out.set('VALUE_FORMAT', text(k, value));
      continue;
    }
    out.set(k, text(k, value));
  }
  return out;
}

function propertyDrift(configured: Properties, stored: Properties): string[] {
  const ours = normalizedProperties(configured);
  const theirs = normalizedProperties(stored);
  const diffs: string[] = [];
  for (const k of [...new Set([...ours.keys(), ...theirs.keys()])].sort()) {
    const a = ours.get(k);
    const b = theirs.get(k);
    if (a === b) continue;
    if (a === undefined) {
      if (!INJECTED_PROPERTIES.has(k)) diffs.push(`${k}: ksqlDB has ${b}, the configuration does not set it`);
    } else {
      diffs.push(`${k}: ksqlDB has ${b ?? '(not set)'}, the configuration ${a}`);
    }
  }
  return diffs;
}

// ---------------------------------------------------------------------------------------------
// Columns inferred from the Schema Registry

/**
 * The value columns ksqlDB infers from a registered schema (the top-level fields of an AVRO
 * record or of a JSON_SR object, upper-cased as ksqlDB's ConnectKsqlSchemaTranslator does when no
 * schema id is named), in order; undefined when they cannot be told from the schema text alone
 * (PROTOBUF, a schema that is not a record/object, text that does not parse).
 */
export function inferredColumnNames(format: string, schema: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(schema);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const o = parsed as Record<string, unknown>;
  switch (format.toUpperCase()) {
    case 'AVRO':
      if (o.type !== 'record' || !Array.isArray(o.fields)) return undefined;
      return (o.fields as unknown[]).map((f) => String((f as { name?: unknown }).name).toUpperCase());
    case 'JSON_SR':
      if (typeof o.properties !== 'object' || o.properties === null) return undefined;
      return Object.keys(o.properties).map((k) => k.toUpperCase());
    default:
      return undefined;
  }
}
