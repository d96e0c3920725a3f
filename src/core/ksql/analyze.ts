/**
 * Static analysis of parsed statements: which sources a statement reads and writes, its joins
 * and join keys, its output columns, and whether ksqlDB can replace one statement with another
 * in place (CREATE OR REPLACE) — see notes/ksqldb.md §5.
 */
import type { Expr, JoinType, PersistentQueryStatement, PropertyValue, Relation, Statement, Within } from './ast';
import { formatQuery } from './format';
import { normalizeQuery } from './normalize';
import { joinKeys, scopeOf, type JoinKey, type SourceColumn, type SourceResolver } from './infer';
import { outputColumns, UNKNOWN_TYPE, type OutputColumn } from './outputs';
import { parseType } from './parser';
import { sameType, unquoteIdentifier } from './types';
import { compareUpgradeSteps, upgradeSteps, type StepOptions, type StepRefusal, type UpgradeSource } from './upgrade';
import { queryOf } from './walk';

export type { JoinKey, SourceColumn, SourceResolver } from './infer';
export { outputColumns, queryProblems, UNKNOWN_TYPE, type OutputColumn } from './outputs';
export { KeyRuleError, placeKeys, resultKey, type KeyScope, type ResultKey } from './keys';
export { queryOf } from './walk';
export {
  compareUpgradeSteps,
  stepTypes,
  upgradeSteps,
  type StepOptions,
  type StepRefusal,
  type UpgradeSink,
  type UpgradeSource,
  type UpgradeStep,
} from './upgrade';

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
interface JoinInfo {
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
const AGGREGATE_FUNCTIONS: ReadonlySet<string> = new Set([
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

/** Result of isUpgradeable: `reason` joins every `reasons` entry with `; `; `rules` names ksqlDB's rule behind each. */
type UpgradeCheck =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: string;
      readonly reasons: readonly string[];
      /** ksqlDB's rule that refuses, per reason (e.g. `StreamGroupBy.validateUpgrade`). */
      readonly rules: readonly string[];
      /** The first rule, for messages. */
      readonly rule: string;
    };

/** What isUpgradeable may know beyond the two statements. */
interface UpgradeOptions {
  /** Columns of input sources, to compare the output schemas of CSAS/CTAS. */
  readonly resolve?: SourceResolver;
  /**
   * What the execution steps depend on of each source (stream or table, windowed, key columns,
   * topic); without it sources count as unwindowed streams whose keys come from `resolve`.
   */
  readonly source?: (name: string) => UpgradeSource | undefined;
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

/** One reason an upgrade is refused, and the ksqlDB rule behind it. */
interface Problem {
  readonly text: string;
  readonly rule: string;
}

const SCHEMA_RULE = 'DataSource.canUpgradeTo (schema: key columns identical, value columns only appended)';
const TOPIC_RULE = 'DataSource.canUpgradeTo (topic, formats, timestamp column) and the sink step';
const PARTITIONS_RULE = "TopicValidationUtil (an existing topic's partitions and replicas are never changed)";

/**
 * Whether `newStmt` can replace `oldStmt` in place with CREATE OR REPLACE, following ksqlDB's
 * upgrade rules (the sink's DataSource#canUpgradeTo, then ExecutionStep#validateUpgrade of the
 * query's steps, see ./upgrade.ts); otherwise the resource must be dropped and re-created.
 * Reasons are plain words, each with the ksqlDB rule that refuses.
 */
export function isUpgradeable(oldStmt: Statement, newStmt: Statement, options: UpgradeOptions = {}): UpgradeCheck {
  const problems = upgradeProblems(oldStmt, newStmt, options);
  if (problems.length === 0) return { ok: true };
  const reasons = problems.map((p) => p.text);
  const rules = problems.map((p) => p.rule);
  return { ok: false, reason: reasons.join('; '), reasons, rules, rule: rules[0] };
}

type ReplaceableStatement = Extract<Statement, { kind: 'createStream' | 'createTable' | 'createStreamAs' | 'createTableAs' }>;

const sourceType = (s: ReplaceableStatement): 'stream' | 'table' =>
  s.kind === 'createStream' || s.kind === 'createStreamAs' ? 'stream' : 'table';

function upgradeProblems(oldStmt: Statement, newStmt: Statement, options: UpgradeOptions): Problem[] {
  const replaceable = ['createStream', 'createTable', 'createStreamAs', 'createTableAs'];
  for (const s of [oldStmt, newStmt]) {
    if (s.kind === 'insertInto') {
      return [
        {
          text: 'INSERT INTO queries cannot be replaced in place (ksqlDB refuses an existing QUERY_ID); terminate the query and run the new INSERT INTO',
          rule: 'QueryIdUtil (INSERT INTO queries get a new query id)',
        },
      ];
    }
    if (!replaceable.includes(s.kind)) {
      const words = KIND_WORDS[s.kind] ?? s.text.trim().split(/\s+/).slice(0, 2).join(' ').toUpperCase();
      return [
        { text: `${words} statements cannot be replaced in place; only CREATE STREAM/TABLE statements can`, rule: 'CREATE OR REPLACE' },
      ];
    }
  }
  const o = oldStmt as ReplaceableStatement;
  const n = newStmt as ReplaceableStatement;
  const problems: Problem[] = [];
  const name = n.name;
  const what = sourceType(n);
  if (o.name !== name) {
    problems.push({
      text: `the name changed from ${o.name} to ${name}; a different name is a different ${what}`,
      rule: 'DataSource.canUpgradeTo (name)',
    });
  }
  if (sourceType(o) !== what) {
    problems.push({
      text: `${o.name} changes from a ${sourceType(o)} to a ${what}; ksqlDB cannot change the type of a source`,
      rule: 'DataSource.canUpgradeTo (type)',
    });
  } else if (o.kind !== n.kind) {
    problems.push({
      text: `the statement changes from ${KIND_WORDS[o.kind]} to ${KIND_WORDS[n.kind]}; drop and re-create ${name}`,
      rule: 'CREATE OR REPLACE (a source with columns and a query result are different kinds of source)',
    });
  }
  // A different source altogether: comparing its details would only add noise.
  if (problems.length > 0) return problems;
  if (o.isSource || n.isSource) {
    const why = `${name} is declared with CREATE SOURCE`;
    problems.push({
      text: `CREATE OR REPLACE is not supported on source ${what}s (${why}); drop and re-create it`,
      rule: 'CreateSourceFactory (no CREATE OR REPLACE on SOURCE streams and tables)',
    });
  }
  if (n.ifNotExists) {
    const effect = `ksqlDB would keep the existing ${what} ${name} unchanged`;
    problems.push({ text: `the new statement has IF NOT EXISTS, so ${effect}; remove IF NOT EXISTS`, rule: 'IF NOT EXISTS' });
  }
  problems.push(...propertyProblems(o, n, options));
  if ((o.kind === 'createStream' || o.kind === 'createTable') && (n.kind === 'createStream' || n.kind === 'createTable')) {
    if (o.columns.length > 0 && n.columns.length > 0)
      problems.push(...schemaProblems(o.columns, n.columns).map((text) => ({ text, rule: SCHEMA_RULE })));
  }
  if ((o.kind === 'createStreamAs' || o.kind === 'createTableAs') && (n.kind === 'createStreamAs' || n.kind === 'createTableAs')) {
    problems.push(...persistentQueryProblems(o, n, options));
  }
  return problems;
}

/**
 * PARTITIONS and REPLICAS as a statement sets them (undefined: not set). ksqlDB never changes an
 * existing topic: a statement whose values differ from the topic's is refused ("A Kafka topic
 * with the name '…' already exists, with different partition/replica configuration than required").
 */
export function topicSettings(stmt: Statement): { partitions?: number; replicas?: number } {
  if (!('properties' in stmt) || stmt.kind === 'insertInto' || stmt.kind === 'createConnector') return {};
  const p = stmt.properties as Readonly<Record<string, PropertyValue>>;
  const num = (v: PropertyValue | undefined): number | undefined => (v === undefined || v === null ? undefined : Number(v));
  const partitions = num(p.PARTITIONS);
  const replicas = num(p.REPLICAS);
  return { ...(partitions !== undefined ? { partitions } : {}), ...(replicas !== undefined ? { replicas } : {}) };
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
    TIMESTAMP: text(p.TIMESTAMP) === undefined ? undefined : unquoteIdentifier(String(p.TIMESTAMP)),
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
): Problem[] {
  const a = effectiveProperties(o, options);
  const b = effectiveProperties(n, options);
  const problems: Problem[] = [];
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
    if (a[key] === b[key]) continue;
    if ((a[key] === undefined || b[key] === undefined) && UNKNOWN_WHEN_UNSET.has(key)) continue;
    const label = PROPERTY_WORDS[key] ?? key;
    const from = a[key] === undefined ? 'unset' : `'${a[key]}'`;
    const to = b[key] === undefined ? 'unset' : `'${b[key]}'`;
    const topicSetting = key === 'PARTITIONS' || key === 'REPLICAS';
    const why = topicSetting
      ? 'ksqlDB does not change an existing topic'
      : 'ksqlDB cannot change the topic, formats or timestamp of an existing source';
    problems.push({ text: `${label} (${key}) changed from ${from} to ${to} (${why})`, rule: topicSetting ? PARTITIONS_RULE : TOPIC_RULE });
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

/**
 * CSAS/CTAS: the sink's schema (DataSource#canUpgradeTo: same key columns, value columns only
 * appended), then the query's execution steps (ExecutionStep#validateUpgrade, ./upgrade.ts).
 */
function persistentQueryProblems(o: PersistentQueryStatement, n: PersistentQueryStatement, options: UpgradeOptions): Problem[] {
  const resolve = options.resolve ?? (() => undefined);
  const schema = outputSchemaProblems(o, n, resolve).map((text) => ({ text, rule: SCHEMA_RULE }));
  // ksqlDB checks the sink's schema first; the steps only when it passes.
  if (schema.length > 0) return schema;
  if (o.query.from.name !== n.query.from.name) {
    const step = (options.source?.(o.query.from.name)?.kind ?? 'STREAM') === 'TABLE' ? 'TableSource' : 'StreamSource';
    return [
      {
        text: `the query now reads from ${n.query.from.name} instead of ${o.query.from.name} (the source of a running query cannot change)`,
        rule: `${step}.validateUpgrade`,
      },
    ];
  }
  const refusal = stepRefusal(o, n, options);
  return refusal ? [{ text: `ksqlDB refuses to upgrade the query: ${refusal.message}`, rule: `${refusal.step}.validateUpgrade` }] : [];
}

/** What the step model knows of a source from `resolve`: key columns, and PRIMARY KEY makes a table. */
function sourceFromColumns(resolve: SourceResolver): (name: string) => UpgradeSource | undefined {
  return (name) => {
    const cols = resolve(name);
    if (!cols) return undefined;
    const keys = cols.filter((c) => c.key);
    return { kind: keys.some((c) => c.primaryKey) ? 'TABLE' : 'STREAM', keyColumns: keys.map((c) => c.name) };
  };
}

/**
 * ksqlDB's ExecutionStep#validateUpgrade for two persistent queries writing into the same sink
 * (the sink's topic, formats and timestamp are compared by propertyProblems, so not here).
 */
export function stepRefusal(
  o: PersistentQueryStatement,
  n: PersistentQueryStatement,
  options: UpgradeOptions = {},
): StepRefusal | undefined {
  const source = options.source ?? sourceFromColumns(options.resolve ?? (() => undefined));
  const stepOptions: StepOptions = {
    source,
    aggregates: new Set([...AGGREGATE_FUNCTIONS, ...(options.aggregateFunctions ?? []).map((f) => f.toUpperCase())]),
    tableFunctions: new Set([...TABLE_FUNCTIONS, ...(options.tableFunctions ?? []).map((f) => f.toUpperCase())]),
  };
  const sinkOf = (s: PersistentQueryStatement) => ({ kind: s.kind === 'createStreamAs' ? ('STREAM' as const) : ('TABLE' as const) });
  return compareUpgradeSteps(upgradeSteps(o.query, sinkOf(o), stepOptions), upgradeSteps(n.query, sinkOf(n), stepOptions));
}

/** The output schema of CSAS/CTAS: removed, retyped or reordered columns. */
function outputSchemaProblems(o: PersistentQueryStatement, n: PersistentQueryStatement, resolve: SourceResolver): string[] {
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
