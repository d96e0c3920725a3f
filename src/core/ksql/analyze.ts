/**
 * Static analysis of parsed statements: which sources a statement reads and writes, its joins
 * and join keys, its output columns, and whether ksqlDB can replace one statement with another
 * in place (CREATE OR REPLACE) — see notes/ksqldb.md §5.
 */
import type { Expr, JoinType, PersistentQueryStatement, PropertyValue, Query, Relation, Statement, Within } from './ast';
import { formatQuery } from './format';
import { normalizeQuery } from './normalize';
import { joinKeys, scopeOf, type JoinKey, type SourceColumn, type SourceResolver } from './infer';
import { outputColumns, UNKNOWN_TYPE, type OutputColumn } from './outputs';
import { parseType } from './parser';
import { sameType } from './types';
import { queryOf, walkExpr } from './walk';

export type { JoinKey, SourceColumn, SourceResolver } from './infer';
export { outputColumns, queryProblems, UNKNOWN_TYPE, type OutputColumn } from './outputs';
export { KeyRuleError, placeKeys, resultKey, type KeyScope, type ResultKey } from './keys';
export { queryOf } from './walk';

// ---------------------------------------------------------------------------------------------
// Sources and sinks

/** Every stream/table name the statement reads (FROM, then JOINs), in order, without repeats. */
export function sourcesRead(stmt: Statement): string[] {
  const q = queryOf(stmt);
  if (!q) return [];
  return [...new Set([q.from.name, ...q.joins.map((j) => j.source.name)])];
}

/** The stream/table a statement creates or writes into (CREATE, CSAS, CTAS, INSERT), if any. */
export function sinkOf(stmt: Statement): string | undefined {
  switch (stmt.kind) {
    case 'createStream':
    case 'createTable':
    case 'createStreamAs':
    case 'createTableAs':
    case 'insertInto':
    case 'insertValues':
      return stmt.name;
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Joins

/** A JOIN clause with its sides. */
export interface JoinInfo {
  readonly type: JoinType;
  /** Sources on the left: the FROM source and the sources of earlier joins. */
  readonly left: readonly Relation[];
  /** The source this JOIN adds. */
  readonly right: Relation;
  readonly within?: Within;
  readonly on: Expr;
  /**
   * For an equality `a.x = b.y` that compares the joined source with an earlier one: the key of
   * each side, left = earlier source, right = the joined source (swapped if written the other way).
   */
  readonly keys?: { readonly left: JoinKey; readonly right: JoinKey };
}

/** The joins of a statement's query, with join keys per side; `resolve` places unqualified columns. */
export function joins(stmt: Statement, resolve: SourceResolver = () => undefined): JoinInfo[] {
  const q = queryOf(stmt);
  if (!q) return [];
  const scope = scopeOf(q, resolve);
  return q.joins.map((j, i) => {
    const left = [q.from, ...q.joins.slice(0, i).map((x) => x.source)];
    const info: JoinInfo = { type: j.type, left, right: j.source, on: j.on, ...(j.within ? { within: j.within } : {}) };
    const keys = joinKeys(j.on, left, j.source, scope);
    return keys ? { ...info, keys } : info;
  });
}

// ---------------------------------------------------------------------------------------------
// Upgrades

/** Built-in aggregate functions (UDAFs) of ksqlDB. */
export const AGGREGATE_FUNCTIONS: ReadonlySet<string> = new Set([
  'ATTR',
  'AVG',
  'COLLECT_LIST',
  'COLLECT_SET',
  'CORRELATION',
  'COUNT',
  'COUNT_DISTINCT',
  'EARLIEST_BY_OFFSET',
  'HISTOGRAM',
  'LATEST_BY_OFFSET',
  'MAX',
  'MIN',
  'STDDEV_SAMP',
  'STDDEV_SAMPLE',
  'SUM',
  'SUM_LIST',
  'TOPK',
  'TOPKDISTINCT',
]);

/** Built-in table functions (UDTFs) of ksqlDB. */
export const TABLE_FUNCTIONS: ReadonlySet<string> = new Set(['EXPLODE', 'CUBE_EXPLODE']);

/** Result of isUpgradeable: `reason` joins every `reasons` entry with `; `. */
export type UpgradeCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly reasons: readonly string[] };

/** What isUpgradeable may know beyond the two statements. */
export interface UpgradeOptions {
  /** Columns of input sources, to compare the output schemas of CSAS/CTAS. */
  readonly resolve?: SourceResolver;
  /** Server default key format (`ksql.persistence.default.format.key`). @default 'KAFKA' */
  readonly defaultKeyFormat?: string;
  /**
   * Server default value format (`ksql.persistence.default.format.value`).
   * @default - none: an unset VALUE_FORMAT matches any value format
   */
  readonly defaultValueFormat?: string;
  /** Extra aggregate function names (user UDAFs). */
  readonly aggregateFunctions?: readonly string[];
  /** Extra table function names (user UDTFs). */
  readonly tableFunctions?: readonly string[];
}

const KIND_WORDS: Readonly<Record<string, string>> = {
  createStream: 'CREATE STREAM',
  createTable: 'CREATE TABLE',
  createStreamAs: 'CREATE STREAM AS SELECT',
  createTableAs: 'CREATE TABLE AS SELECT',
  insertInto: 'INSERT INTO',
};

/**
 * Whether `newStmt` can replace `oldStmt` in place with CREATE OR REPLACE, following ksqlDB's
 * upgrade rules; otherwise the resource must be dropped and re-created. Reasons are plain words.
 */
export function isUpgradeable(oldStmt: Statement, newStmt: Statement, options: UpgradeOptions = {}): UpgradeCheck {
  const reasons = upgradeProblems(oldStmt, newStmt, options);
  return reasons.length === 0 ? { ok: true } : { ok: false, reason: reasons.join('; '), reasons };
}

type ReplaceableStatement = Extract<Statement, { kind: 'createStream' | 'createTable' | 'createStreamAs' | 'createTableAs' }>;

const sourceType = (s: ReplaceableStatement): 'stream' | 'table' =>
  s.kind === 'createStream' || s.kind === 'createStreamAs' ? 'stream' : 'table';

function upgradeProblems(oldStmt: Statement, newStmt: Statement, options: UpgradeOptions): string[] {
  const replaceable = ['createStream', 'createTable', 'createStreamAs', 'createTableAs'];
  for (const s of [oldStmt, newStmt]) {
    if (s.kind === 'insertInto') {
      return [
        'INSERT INTO queries cannot be replaced in place (ksqlDB refuses an existing QUERY_ID); terminate the query and run the new INSERT INTO',
      ];
    }
    if (!replaceable.includes(s.kind)) {
      const words = KIND_WORDS[s.kind] ?? s.text.trim().split(/\s+/).slice(0, 2).join(' ').toUpperCase();
      return [`${words} statements cannot be replaced in place; only CREATE STREAM/TABLE statements can`];
    }
  }
  const o = oldStmt as ReplaceableStatement;
  const n = newStmt as ReplaceableStatement;
  const problems: string[] = [];
  const name = n.name;
  const what = sourceType(n);
  if (o.name !== name) problems.push(`the name changed from ${o.name} to ${name}; a different name is a different ${what}`);
  if (sourceType(o) !== what) {
    problems.push(`${o.name} changes from a ${sourceType(o)} to a ${what}; ksqlDB cannot change the type of a source`);
  } else if (o.kind !== n.kind) {
    problems.push(`the statement changes from ${KIND_WORDS[o.kind]} to ${KIND_WORDS[n.kind]}; drop and re-create ${name}`);
  }
  // A different source altogether: comparing its details would only add noise.
  if (problems.length > 0) return problems;
  if (o.isSource || n.isSource) {
    const why = `${name} is declared with CREATE SOURCE`;
    problems.push(`CREATE OR REPLACE is not supported on source ${what}s (${why}); drop and re-create it`);
  }
  if (n.ifNotExists) {
    const effect = `ksqlDB would keep the existing ${what} ${name} unchanged`;
    problems.push(`the new statement has IF NOT EXISTS, so ${effect}; remove IF NOT EXISTS`);
  }
  problems.push(...propertyProblems(o, n, options));
  if ((o.kind === 'createStream' || o.kind === 'createTable') && (n.kind === 'createStream' || n.kind === 'createTable')) {
    if (o.columns.length > 0 && n.columns.length > 0) problems.push(...schemaProblems(o.columns, n.columns));
  }
  if ((o.kind === 'createStreamAs' || o.kind === 'createTableAs') && (n.kind === 'createStreamAs' || n.kind === 'createTableAs')) {
    problems.push(...queryProblems(o, n, options));
  }
  return problems;
}

/** Effective WITH values that are part of the topic, formats or timestamp of a source. */
function effectiveProperties(s: Extract<Statement, { properties: unknown }>, options: UpgradeOptions): Record<string, string> {
  const p = s.properties;
  const text = (v: PropertyValue | undefined): string | undefined => (v === undefined || v === null ? undefined : String(v));
  const format = (v: PropertyValue | undefined): string | undefined => text(v)?.toUpperCase();
  const isQuery = s.kind === 'createStreamAs' || s.kind === 'createTableAs';
  const out: Record<string, string | undefined> = {
    KAFKA_TOPIC: text(p.KAFKA_TOPIC) ?? ('name' in s && isQuery ? s.name : undefined),
    // CSAS/CTAS inherit unspecified formats from their source, so only defaults of plain CREATEs are known.
    KEY_FORMAT: format(p.KEY_FORMAT) ?? format(p.FORMAT) ?? (isQuery ? undefined : (options.defaultKeyFormat ?? 'KAFKA').toUpperCase()),
    VALUE_FORMAT: format(p.VALUE_FORMAT) ?? format(p.FORMAT) ?? (isQuery ? undefined : format(options.defaultValueFormat)),
    TIMESTAMP: text(p.TIMESTAMP) === undefined ? undefined : normalizeColumnName(String(p.TIMESTAMP)),
  };
  for (const k of [
    'TIMESTAMP_FORMAT',
    'KEY_SCHEMA_ID',
    'VALUE_SCHEMA_ID',
    'KEY_SCHEMA_FULL_NAME',
    'VALUE_SCHEMA_FULL_NAME',
    'KEY_DELIMITER',
    'VALUE_DELIMITER',
    'WRAP_SINGLE_VALUE',
    'WINDOW_TYPE',
    'WINDOW_SIZE',
    'PARTITIONS',
    'REPLICAS',
  ]) {
    out[k] = k.startsWith('WINDOW_') ? format(p[k]) : text(p[k]);
  }
  return Object.fromEntries(Object.entries(out).filter((e): e is [string, string] => e[1] !== undefined));
}

/** `TIMESTAMP='ts'` names column TS; a back-quoted value keeps its case. */
function normalizeColumnName(v: string): string {
  const m = /^`(.*)`$/.exec(v);
  return m ? m[1].split('``').join('`') : v.toUpperCase();
}

/** Properties whose unset value depends on the server or the source: unset matches any value. */
const UNKNOWN_WHEN_UNSET = new Set([
  'KEY_FORMAT',
  'VALUE_FORMAT',
  'PARTITIONS',
  'REPLICAS',
  'WRAP_SINGLE_VALUE',
  'KEY_SCHEMA_ID',
  'VALUE_SCHEMA_ID',
  'KEY_SCHEMA_FULL_NAME',
  'VALUE_SCHEMA_FULL_NAME',
]);

const PROPERTY_WORDS: Readonly<Record<string, string>> = {
  KAFKA_TOPIC: 'the Kafka topic',
  KEY_FORMAT: 'the key format',
  VALUE_FORMAT: 'the value format',
  TIMESTAMP: 'the timestamp column',
  PARTITIONS: 'the partition count',
  REPLICAS: 'the replica count',
  WINDOW_TYPE: 'the window type',
  WINDOW_SIZE: 'the window size',
};

function propertyProblems(
  o: Extract<Statement, { properties: unknown }>,
  n: Extract<Statement, { properties: unknown }>,
  options: UpgradeOptions,
): string[] {
  const a = effectiveProperties(o, options);
  const b = effectiveProperties(n, options);
  const problems: string[] = [];
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
    if (a[key] === b[key]) continue;
    if ((a[key] === undefined || b[key] === undefined) && UNKNOWN_WHEN_UNSET.has(key)) continue;
    const label = PROPERTY_WORDS[key] ?? key;
    const from = a[key] === undefined ? 'unset' : `'${a[key]}'`;
    const to = b[key] === undefined ? 'unset' : `'${b[key]}'`;
    const why =
      key === 'PARTITIONS' || key === 'REPLICAS'
        ? 'ksqlDB does not change an existing topic'
        : 'ksqlDB cannot change the topic, formats or timestamp of an existing source';
    problems.push(`${label} (${key}) changed from ${from} to ${to} (${why})`);
  }
  return problems;
}

/** Key columns must be identical; value (and header) columns may only be appended. */
function schemaProblems(oldCols: readonly SourceColumn[], newCols: readonly SourceColumn[]): string[] {
  const problems: string[] = [];
  const keysA = oldCols.filter((c) => c.key);
  const keysB = newCols.filter((c) => c.key);
  const keyText = (cols: readonly SourceColumn[]): string => cols.map((c) => `${c.name} ${c.type}`).join(', ') || 'none';
  if (keyText(keysA) !== keyText(keysB)) {
    problems.push(`key columns changed from (${keyText(keysA)}) to (${keyText(keysB)}) (key columns must stay identical)`);
  }
  for (const [label, pick] of [
    ['value', (c: SourceColumn) => !c.key && !c.headers],
    ['header', (c: SourceColumn) => !!c.headers],
  ] as const) {
    const a = oldCols.filter(pick);
    const b = newCols.filter(pick);
    const kept = a.filter((col) => b.some((c) => c.name === col.name));
    for (const col of a) {
      const now = b.find((c) => c.name === col.name);
      if (!now) problems.push(`${label} column ${col.name} was removed (ksqlDB only allows appending columns)`);
      else if (!sameTypeText(now.type, col.type)) {
        problems.push(`${label} column ${col.name} changed type from ${col.type} to ${now.type} (ksqlDB only allows appending columns)`);
      }
    }
    const keptNow = b.filter((c) => kept.some((k) => k.name === c.name));
    const names = (cols: readonly SourceColumn[]): string => cols.map((c) => c.name).join(', ');
    if (names(kept) !== names(keptNow)) {
      problems.push(
        `${label} columns were reordered from (${names(kept)}) to (${names(keptNow)}) (ksqlDB only allows appending columns at the end)`,
      );
    }
    const lastKept = Math.max(-1, ...keptNow.map((c) => b.indexOf(c)));
    for (const col of b.slice(0, lastKept + 1)) {
      if (!a.some((c) => c.name === col.name)) {
        problems.push(`new ${label} column ${col.name} was inserted before existing columns (add new columns at the end)`);
      }
    }
  }
  return problems;
}

function sameTypeText(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return sameType(parseType(a), parseType(b));
  } catch {
    return false;
  }
}

/** Query shape (Source → Filter/Select → Sink) and output schema of CSAS/CTAS. */
function queryProblems(o: PersistentQueryStatement, n: PersistentQueryStatement, options: UpgradeOptions): string[] {
  const problems: string[] = [];
  const aggregates = new Set([...AGGREGATE_FUNCTIONS, ...(options.aggregateFunctions ?? []).map((f) => f.toUpperCase())]);
  const tableFns = new Set([...TABLE_FUNCTIONS, ...(options.tableFunctions ?? []).map((f) => f.toUpperCase())]);
  const shape = (q: Query, which: string): void => {
    const say = (what: string): void => {
      problems.push(`the ${which} query ${what}; ksqlDB can only replace queries that read one source and filter or project it`);
    };
    if (q.joins.length > 0) say('has a JOIN');
    if (q.window) say(`has a ${q.window.type} window`);
    if (q.groupBy) say('has GROUP BY');
    if (q.partitionBy) say('has PARTITION BY');
    if (q.having) say('has HAVING');
    const calls = new Set<string>();
    for (const item of q.select) {
      if (item.kind === 'expression') walkExpr(item.expression, (x) => x.kind === 'call' && calls.add(x.name));
    }
    for (const f of calls) {
      if (aggregates.has(f)) say(`uses the aggregate function ${f}`);
      if (tableFns.has(f)) say(`uses the table function ${f}`);
    }
  };
  shape(o.query, 'current');
  shape(n.query, 'new');
  if (o.query.from.name !== n.query.from.name) {
    problems.push(
      `the query now reads from ${n.query.from.name} instead of ${o.query.from.name} (the source of a running query cannot change)`,
    );
  }
  if (problems.length > 0) return problems;

  const resolve = options.resolve ?? (() => undefined);
  const oldCols = outputColumns(o, resolve);
  const newCols = outputColumns(n, resolve);
  if ([...oldCols, ...newCols].some((c) => c.name.endsWith('*'))) {
    // `SELECT *` without a known source schema: ksqlDB expands it when the statement runs.
    return formatQuery(normalizeQuery(o.query)) === formatQuery(normalizeQuery(n.query)) ? [] : starProblems(oldCols, newCols);
  }
  const typed = (cols: OutputColumn[]): SourceColumn[] => cols.map((c) => ({ name: c.name, type: c.type, key: c.key }));
  const known = (c: SourceColumn): boolean => c.type !== UNKNOWN_TYPE;
  // Unknown types cannot be compared: treat them as equal so that only names and order count.
  const pairUp = (a: SourceColumn[], b: SourceColumn[]): SourceColumn[] =>
    b.map((c) => {
      const old = a.find((x) => x.name === c.name);
      return old && (!known(old) || !known(c)) ? { ...c, type: old.type } : c;
    });
  const a = typed(oldCols);
  return schemaProblems(a, pairUp(a, typed(newCols)));
}

function starProblems(oldCols: OutputColumn[], newCols: OutputColumn[]): string[] {
  const names = (cols: OutputColumn[]): string => cols.map((c) => c.name).join(', ');
  const prefix = newCols.slice(0, oldCols.length);
  return names(prefix) === names(oldCols)
    ? []
    : [`the projection changed from (${names(oldCols)}) to (${names(newCols)}) (ksqlDB only allows appending columns)`];
}
