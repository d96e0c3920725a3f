/**
 * Planning and running one persistent query (CSAS, CTAS, INSERT INTO): ksqlDB's logical plan
 * (source → join → filter → aggregate | repartition → final projection → sink) compiled into
 * closures once. State lives in StateStores.
 */
import type { Expr, Join, Query, Relation, SelectItem } from '../../../core/ksql';
import { formatExpression, mapExpr, walkExpr } from '../../../core/ksql';
import { ColumnAliasGenerator, outputNameFor } from '../../../core/ksql/aliases';
import {
  KeyRuleError,
  placeKeys,
  resultKey,
  syntheticCanon,
  type KeyPlacement,
  type KeyScope,
  type ProjectedKeyItem,
  type ResultKey,
} from '../../../core/ksql/keys';
import { AGGREGATES, type AggregateImpl } from './aggregates';
import { KsqlError, NotSupportedError, RecordError } from './errors';
import { compile, Scope, type Compiled, type Fn, type Row, type ScopeColumn } from './expr';
import { functionExists, type FunctionContext } from './functions';
import { keyColumns, type Column, type DataSource, type WindowInfo } from './model';
import type { StateStores } from './state';
import { T, array, sameType, typeText, type SqlType } from './types';
import { keyOf } from './values';
import { ksqlText } from './text';

/** A decoded input record of one source. */
interface SourceRecord {
  readonly key: readonly unknown[] | null;
  readonly value: readonly unknown[] | null;
  readonly headers: readonly { key: string; value: Buffer | null }[];
  readonly ts: number;
  readonly partition: number;
  readonly offset: number;
  readonly window?: { start: number; end: number };
}

/** A record the query writes: key and value columns of the sink schema. */
export interface QueryOutput {
  readonly key: readonly unknown[];
  /** null = tombstone / null value */
  readonly value: readonly unknown[] | null;
  readonly ts: number;
  readonly window?: { start: number; end: number };
}

export interface PlannedQuery {
  readonly kind: 'STREAM' | 'TABLE';
  /** Output schema: key columns then value columns. */
  readonly columns: readonly Column[];
  readonly window?: WindowInfo;
  readonly sources: readonly DataSource[];
  /** Warnings (deprecations) */
  readonly warnings: readonly string[];
  /** The projection as ksqlDB rewrites it (expressions qualified, every item named), for messages. */
  readonly projection: readonly { readonly expr: Expr; readonly name: string }[];
  /** Whether the query re-keys (GROUP BY / PARTITION BY / join). */
  readonly rekeyed: boolean;
  /** PARTITION BY NULL: a keyless result. */
  readonly partitionByNull?: boolean;
  /** Builds the runtime. */
  start(stores: StateStores, storePrefix: string, emit: (o: QueryOutput) => void): QueryRuntime;
}

export interface QueryRuntime {
  /** Feeds one record of sources[index]. */
  process(index: number, rec: SourceRecord): void;
}

const DEFAULT_GRACE_MS = 24 * 3_600_000;

interface Change {
  key: readonly unknown[];
  row: Row | null;
  /** previous row (tables) */
  old?: Row | null;
  ts: number;
  window?: { start: number; end: number };
  /** The record had no key at all (a pass-through projection keeps it null). */
  nullKey?: boolean;
}

type Stage = (c: Change) => void;

interface SourceLayout {
  readonly source: DataSource;
  readonly alias: string;
  readonly keyCount: number;
  readonly width: number;
  readonly rowtime: number;
  readonly windowed: boolean;
  readonly columns: ScopeColumn[];
}

const PSEUDO = ['ROWTIME', 'ROWPARTITION', 'ROWOFFSET'];

function layoutOf(source: DataSource, alias: string, offset: number, qualified: boolean): SourceLayout {
  const cols: ScopeColumn[] = [];
  let i = offset;
  for (const c of source.columns) cols.push({ name: c.name, source: alias, type: c.type, index: i++ });
  const rowtime = i;
  cols.push({ name: 'ROWTIME', source: alias, type: T.BIGINT, index: i++ });
  cols.push({ name: 'ROWPARTITION', source: alias, type: T.INTEGER, index: i++ });
  cols.push({ name: 'ROWOFFSET', source: alias, type: T.BIGINT, index: i++ });
  const windowed = source.window !== undefined;
  if (windowed) {
    cols.push({ name: 'WINDOWSTART', source: alias, type: T.BIGINT, index: i++ });
    cols.push({ name: 'WINDOWEND', source: alias, type: T.BIGINT, index: i++ });
  }
  void qualified;
  return { source, alias, keyCount: keyColumns(source).length, width: i - offset, rowtime: rowtime - offset, windowed, columns: cols };
}

/** Source row: keys, values, headers, ROWTIME, ROWPARTITION, ROWOFFSET, [WINDOWSTART, WINDOWEND]. */
function sourceRow(l: SourceLayout, rec: SourceRecord): Row | null {
  if (rec.value === null) return null;
  const row: Row = [];
  const key = rec.key ?? [];
  for (let i = 0; i < l.keyCount; i++) row.push(key[i] ?? null);
  for (const v of rec.value) row.push(v);
  // headers columns are appended by the engine into `value` (it knows the source layout)
  row.push(BigInt(rec.ts), rec.partition, BigInt(rec.offset));
  if (l.windowed) row.push(rec.window ? BigInt(rec.window.start) : null, rec.window ? BigInt(rec.window.end) : null);
  return row;
}

const LOC = { line: 1, column: 1, offset: 0, end: 0 };

/** ksqlDB's key rules (src/core/ksql/keys.ts), refusals as KsqlError. */
function keyPlacement(key: ResultKey, items: readonly ProjectedKeyItem[], sink: string): KeyPlacement {
  try {
    return placeKeys(key, items, sink);
  } catch (e) {
    if (e instanceof KeyRuleError) throw new KsqlError(e.message);
    throw e;
  }
}

/** Options for planning. */
export interface PlanOptions {
  readonly sinkName: string;
  readonly functions: FunctionContext;
  /** Whether the sink is a table (CTAS) or stream (CSAS/INSERT). */
  readonly resolve: (name: string) => DataSource | undefined;
  /**
   * A transient (push or pull) query: no sink, so no key columns are required; every selected
   * item is a value column in SELECT order (ksqlDB's FinalProjectNode without `into`), and
   * `SELECT *` on a windowed source includes WINDOWSTART and WINDOWEND after the key.
   */
  readonly transient?: boolean;
}

// ------------------------------------------------------------------------------------------

function isAggregateCall(e: Expr): boolean {
  return e.kind === 'call' && AGGREGATES.has(e.name);
}

function containsAggregate(e: Expr): boolean {
  let found = false;
  walkExpr(e, (x) => {
    if (isAggregateCall(x)) found = true;
  });
  return found;
}

/** Canonical text of an expression with column references resolved to slots. */
function canon(e: Expr, scope: Scope): string {
  return formatExpression(
    mapExpr(e, (x) => {
      if (x.kind !== 'column') return x;
      const lp = x.source === undefined ? scope.lambdaParam(x.name) : undefined;
      if (lp) return x;
      try {
        const c = scope.find(x.name, x.source);
        if (c) return { kind: 'column', loc: x.loc, name: `#${c.index}` };
      } catch {
        /* ambiguous: keep */
      }
      return x;
    }),
  );
}

const TIME_PSEUDO = new Set(['ROWTIME', 'WINDOWSTART', 'WINDOWEND']);

/** `2018`, `2018-01-01T00:00:00.001`, `2019-01-01T00:00:00+0445`: ksqlDB's partial timestamp text. */
function partialTimestamp(text: string): number | undefined {
  const m =
    /^\s*(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?\s*$/.exec(
      text,
    );
  if (!m) return undefined;
  const n = (i: number, d: number): number => (m[i] === undefined ? d : Number(m[i]));
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'));
  let t = Date.UTC(n(1, 1970), n(2, 1) - 1, n(3, 1), n(4, 0), n(5, 0), n(6, 0), ms);
  if (m[8] && m[8] !== 'Z') {
    const z = /([+-])(\d{2}):?(\d{2})/.exec(m[8])!;
    t -= (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000;
  }
  return t;
}

/**
 * ksqlDB's StatementRewriteForMagicPseudoTimestamp: in WHERE, a string compared with ROWTIME,
 * WINDOWSTART or WINDOWEND is a timestamp (partial ones allowed), replaced by its epoch millis.
 */
function magicTimestamps(e: Expr): Expr {
  const isTime = (x: Expr): boolean => x.kind === 'column' && TIME_PSEUDO.has(x.name);
  const asMillis = (x: Expr): Expr => {
    if (x.kind !== 'literal' || x.type !== 'STRING') return x;
    const t = partialTimestamp(String(x.value));
    if (t === undefined) throw new KsqlError(`Failed to parse timestamp '${String(x.value)}'`);
    return { kind: 'literal', loc: x.loc, type: 'BIGINT', value: t, text: String(t) };
  };
  return mapExpr(e, (x) => {
    if (x.kind === 'comparison' && (isTime(x.left) || isTime(x.right)))
      return { ...x, left: isTime(x.right) ? asMillis(x.left) : x.left, right: isTime(x.left) ? asMillis(x.right) : x.right };
    if (x.kind === 'between' && isTime(x.value)) return { ...x, low: asMillis(x.low), high: asMillis(x.high) };
    return x;
  });
}

/** Formats an expression with columns qualified by their source alias (ksqlDB's messages). */
function qualifiedText(e: Expr, scope: Scope): string {
  return formatExpression(
    mapExpr(e, (x) => {
      if (x.kind !== 'column' || x.source !== undefined) return x;
      const c = scope.find(x.name);
      return c && c.source ? { ...x, source: c.source } : x;
    }),
  );
}

/** The engine's view of a query's sources for the key rules of src/core/ksql/keys.ts. */
function engineKeyScope(relations: readonly Relation[], layouts: readonly SourceLayout[], scope: Scope): KeyScope {
  const byQualifier = (q: string): Relation | undefined => relations.find((r) => r.alias === q) ?? relations.find((r) => r.name === q);
  const normalize = (e: Expr): Expr =>
    mapExpr(e, (x) => (x.kind === 'column' && x.source !== undefined ? { ...x, source: byQualifier(x.source)?.alias ?? x.source } : x));
  const layoutOf = (r: Relation): SourceLayout | undefined => layouts.find((l) => l.alias === r.alias);
  return {
    relationOf: (ref) => {
      try {
        const c = scope.find(ref.name, ref.source === undefined ? undefined : (byQualifier(ref.source)?.alias ?? ref.source));
        return c?.source !== undefined ? relations.find((r) => r.alias === c.source) : undefined;
      } catch {
        return undefined;
      }
    },
    keyColumns: (r) => {
      const l = layoutOf(r);
      return l ? keyColumns(l.source).map((c) => c.name) : undefined;
    },
    isTable: (r) => layoutOf(r)?.source.kind === 'TABLE',
    columnNames: () => layouts.flatMap((l) => l.source.columns.map((c) => c.name)),
    canon: (e) => canon(normalize(e), scope),
    text: (e, qualified) => (qualified ? qualifiedText(normalize(e), scope) : formatExpression(e)),
  };
}

/** The synthetic join key's name, if the key is one. */
const synthetic = (key: ResultKey): string | undefined => (key.kind === 'syntheticJoin' ? key.name : undefined);

interface SelectSpec {
  readonly expr: Expr;
  readonly name: string;
}

/** Expands `*`, `alias.*`, `struct->*` and names every item (ksqlDB's AstSanitizer). */
function expandSelect(
  items: readonly SelectItem[],
  layouts: readonly SourceLayout[],
  isJoin: boolean,
  scope: Scope,
  synthetic?: string,
  transient = false,
): SelectSpec[] {
  const allNames = layouts.flatMap((l) => l.source.columns.map((c) => c.name));
  const generator = new ColumnAliasGenerator(allNames);
  const clashes = (name: string): boolean =>
    PSEUDO.includes(name) || layouts.filter((l) => l.source.columns.some((c) => c.name === name)).length > 1;
  const out: SelectSpec[] = [];
  const loc = items[0]?.loc ?? { line: 1, column: 1, offset: 0, end: 0 };
  for (const item of items) {
    if (item.kind === 'all') {
      // a join's synthetic key comes first in `*`
      if (synthetic !== undefined && item.source === undefined)
        out.push({ expr: { kind: 'column', loc, name: synthetic }, name: synthetic });
      const rels = item.source === undefined ? layouts : layouts.filter((l) => l.alias === item.source || l.source.name === item.source);
      for (const l of rels) {
        const cols = [...l.source.columns.filter((c) => c.ns === 'KEY'), ...l.source.columns.filter((c) => c.ns !== 'KEY')];
        const keyCount = cols.filter((c) => c.ns === 'KEY').length;
        cols.forEach((c, i) => {
          // a transient SELECT * over a windowed source shows the window bounds after the key
          if (transient && !isJoin && l.source.window && i === keyCount) {
            for (const b of ['WINDOWSTART', 'WINDOWEND']) out.push({ expr: { kind: 'column', loc, name: b, source: l.alias }, name: b });
          }
          // a single source's star expands to unqualified references (ksqlDB's messages show `ID`)
          out.push({
            expr: isJoin ? { kind: 'column', loc, name: c.name, source: l.alias } : { kind: 'column', loc, name: c.name },
            name: isJoin ? `${l.alias}_${c.name}` : c.name,
          });
        });
      }
    } else if (item.kind === 'structAll') {
      const base = compile(item.base, scope);
      if (base.type === null || base.type.base !== 'STRUCT')
        throw new KsqlError(`Expected STRUCT type for ->*, got ${typeText(base.type)}`);
      for (const f of base.type.fields) out.push({ expr: { kind: 'dereference', loc, base: item.base, field: f.name }, name: f.name });
    } else {
      const e = item.expression;
      // ksqlDB qualifies the columns of a join before naming: `ID` → `L_ID` when L and R have ID
      let named = e;
      if (isJoin && e.kind === 'column' && e.source === undefined) {
        const c = scope.find(e.name);
        if (c?.source !== undefined) named = { ...e, source: c.source };
      }
      out.push({ expr: e, name: outputNameFor(named, item.alias, generator, (n) => isJoin && clashes(n)) });
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------

export function planQuery(q: Query, opts: PlanOptions): PlannedQuery {
  const fctx = opts.functions;
  const warnings: string[] = [];
  const relations = [q.from, ...q.joins.map((j) => j.source)];
  const sources = relations.map((r) => {
    const s = opts.resolve(r.name);
    if (!s) throw new KsqlError(`${r.name} does not exist.`);
    return s;
  });
  if (q.emit === 'FINAL') throw new NotSupportedError('EMIT FINAL');
  const layouts: SourceLayout[] = [];
  let offset = 0;
  relations.forEach((r, i) => {
    const l = layoutOf(sources[i], r.alias, offset, relations.length > 1);
    layouts.push(l);
    offset += l.width;
  });
  const isJoin = q.joins.length > 0;
  const allCols = layouts.flatMap((l) => l.columns);
  // ksqlDB's key of the result (src/core/ksql/keys.ts), seen through the engine's scope
  const baseScope = new Scope(
    allCols,
    'SELECT',
    fctx,
    undefined,
    relations.map((r) => r.alias),
  );
  const key = resultKey(q, engineKeyScope(relations, layouts, baseScope));
  // a synthetic join key is a column of the joined rows, after the sources' columns
  let synthetic: string | undefined;
  if (key.kind === 'syntheticJoin') {
    synthetic = key.name;
    const on = q.joins[q.joins.length - 1].on;
    const side = on.kind === 'comparison' ? on.left : on;
    let type: SqlType = T.STRING;
    try {
      type = compile(side, baseScope.withClause('JOIN ON')).type ?? T.STRING;
    } catch {
      /* refused with ksqlDB's message when the join is planned */
    }
    allCols.push({ name: synthetic, type, index: offset });
  }
  const plainScope =
    key.kind === 'syntheticJoin'
      ? new Scope(
          allCols,
          'SELECT',
          fctx,
          undefined,
          relations.map((r) => r.alias),
        )
      : baseScope;
  // after a join, ksqlDB's expressions read the joined schema: columns print as ALIAS_NAME
  const inputScope = isJoin
    ? plainScope.withDisplay((x) => {
        try {
          const c = plainScope.find(x.name, x.source);
          return c?.source !== undefined ? `${c.source}_${c.name}` : undefined;
        } catch {
          return undefined;
        }
      })
    : plainScope;
  // qualifiers may use the source name too
  const qualifierMap = new Map<string, string>();
  relations.forEach((r) => {
    qualifierMap.set(r.alias, r.alias);
    if (!qualifierMap.has(r.name)) qualifierMap.set(r.name, r.alias);
  });
  const requalify = (e: Expr): Expr =>
    mapExpr(e, (x) =>
      x.kind === 'column' && x.source !== undefined && qualifierMap.has(x.source) ? { ...x, source: qualifierMap.get(x.source) } : x,
    );

  // -------------------------------------------------------------- join
  let join: JoinPlan | undefined;
  if (isJoin) join = planJoins(q.joins, layouts, plainScope, requalify, warnings, synthetic !== undefined);

  // -------------------------------------------------------------- where
  let where: Fn | undefined;
  if (q.where) {
    const w = magicTimestamps(requalify(q.where));
    if (containsAggregate(w)) throw new KsqlError('WHERE clause does not support aggregate functions; use HAVING instead');
    let c: Compiled;
    try {
      c = compile(w, inputScope.withClause('WHERE'));
    } catch (e) {
      if (e instanceof KsqlError && !/cannot be resolved|^Invalid Predicate|not supported by the local/.test(e.message))
        throw new KsqlError(`Error in WHERE expression: ${e.message}`);
      throw e;
    }
    if (c.type !== null && c.type.base !== 'BOOLEAN') {
      throw new KsqlError(
        `Type error in WHERE expression: Should evaluate to boolean but is ${ksqlText(w, inputScope.display)} (${typeText(c.type)}) instead.`,
      );
    }
    const f = c.fn;
    where = (r) => {
      try {
        return f(r) === true;
      } catch (err) {
        if (err instanceof RecordError) return false;
        throw err;
      }
    };
  }

  const selectItems = q.select.map((s) =>
    s.kind === 'expression'
      ? { ...s, expression: requalify(s.expression) }
      : s.kind === 'structAll'
        ? { ...s, base: requalify(s.base) }
        : s,
  );
  const specs = expandSelect(selectItems, layouts, isJoin, inputScope, synthetic, opts.transient === true);
  // ksqlDB's Analyzer: a persistent query's columns may not take system column names
  for (const sp of opts.transient ? [] : specs) {
    if (['ROWTIME', 'ROWPARTITION', 'ROWOFFSET', 'WINDOWSTART', 'WINDOWEND'].includes(sp.name))
      throw new KsqlError(`Reserved column name in select: \`${sp.name}\`. Please remove or alias the column.`);
  }
  const hasAggregates = specs.some((s) => containsAggregate(s.expr)) || (q.having !== undefined && containsAggregate(q.having));
  if (q.window && !q.groupBy) {
    if (!hasAggregates) throw new KsqlError('WINDOW clause requires a GROUP BY clause.');
  }

  if (q.groupBy || hasAggregates) {
    return planAggregate(q, opts, sources, layouts, inputScope, specs, requalify, join, where, warnings, key);
  }
  if (q.having) throw new KsqlError('HAVING clause requires a GROUP BY clause.');
  if (q.window) throw new KsqlError('WINDOW clause requires a GROUP BY clause.');
  if (q.partitionBy) {
    if (sources[0].kind === 'TABLE' && !isJoin)
      throw new KsqlError(`Invalid use of PARTITION BY clause: tables cannot be partitioned. Use GROUP BY instead.`);
    return planRepartition(q, opts, sources, layouts, inputScope, specs, requalify, join, where, warnings, key);
  }
  return planProjection(opts, sources, layouts, inputScope, specs, join, where, warnings, key);
}

// ------------------------------------------------------------------------------------------
// Projection

interface ProjectionPlan {
  readonly columns: Column[];
  /** row → key values */
  readonly key: (r: Row) => unknown[];
  /** row → value values */
  readonly value: (r: Row) => unknown[];
}

function compileSelect(specs: readonly SelectSpec[], scope: Scope): { spec: SelectSpec; c: Compiled }[] {
  return specs.map((spec) => {
    const c = compile(spec.expr, scope);
    if (c.type === null)
      throw new KsqlError("Can't infer a type of null. Please explicitly cast it to a required type, e.g. CAST(null AS VARCHAR).");
    return { spec, c };
  });
}

function safe(f: Fn): Fn {
  return (r) => {
    try {
      return f(r) ?? null;
    } catch (e) {
      if (e instanceof RecordError) return null;
      throw e;
    }
  };
}

/**
 * Splits the compiled select into key and value columns: `isKey(i)` gives the key position of
 * select item i (or -1). Checks ksqlDB's key rules.
 */
function buildProjection(compiled: { spec: SelectSpec; c: Compiled }[], keyPositions: readonly number[], keyCount: number): ProjectionPlan {
  const keyCols: Column[] = new Array(keyCount);
  const keyFns: Fn[] = new Array(keyCount);
  const valueCols: Column[] = [];
  const valueFns: Fn[] = [];
  compiled.forEach(({ spec, c }, i) => {
    const kp = keyPositions[i];
    if (kp >= 0) {
      keyCols[kp] = { name: spec.name, type: c.type as SqlType, ns: 'KEY' };
      keyFns[kp] = safe(c.fn);
    } else {
      valueCols.push({ name: spec.name, type: c.type as SqlType, ns: 'VALUE' });
      valueFns.push(safe(c.fn));
    }
  });
  if (valueCols.length === 0) throw new KsqlError('The projection contains no value columns.');
  const seen = new Map<string, string>();
  for (const c of [...keyCols, ...valueCols]) {
    if (!c) continue;
    const prev = seen.get(c.name);
    if (prev !== undefined) {
      throw new KsqlError(`Duplicate ${c.ns === 'KEY' ? 'key' : 'value'} columns found in schema: \`${c.name}\` ${typeText(c.type)}`);
    }
    seen.set(c.name, c.ns);
  }
  const nk = keyFns.length;
  const nv = valueFns.length;
  return {
    columns: [...keyCols, ...valueCols],
    key: (r) => {
      const k = new Array(nk);
      for (let i = 0; i < nk; i++) k[i] = keyFns[i](r);
      return k;
    },
    value: (r) => {
      const v = new Array(nv);
      for (let i = 0; i < nv; i++) v[i] = valueFns[i](r);
      return v;
    },
  };
}

function planProjection(
  opts: PlanOptions,
  sources: DataSource[],
  layouts: SourceLayout[],
  scope: Scope,
  specs: SelectSpec[],
  join: JoinPlan | undefined,
  where: Fn | undefined,
  warnings: string[],
  key: ResultKey,
): PlannedQuery {
  // table functions (EXPLODE, CUBE_EXPLODE): each becomes a column of the row, one row per value
  const udtfs = planTableFunctions(specs, scope);
  if (udtfs && !join && sources[0].kind === 'TABLE') throw new KsqlError('Table source is not supported with table functions');
  if (udtfs) {
    specs = udtfs.specs;
    scope = udtfs.scope;
  }
  const compiled = compileSelect(specs, scope);
  const items = specs.map((sp) => ({
    canon:
      sp.expr.kind === 'column' && sp.expr.name === synthetic(key) && sp.expr.source === undefined
        ? syntheticCanon(sp.expr.name)
        : canon(sp.expr, scope),
    name: sp.name,
    plainColumn: sp.expr.kind === 'column' && sp.expr.source === undefined,
  }));
  // a transient query (pull/push SELECT) has no key: every item is a value column
  const { positions: keyPositions, keyCount } = opts.transient
    ? { positions: specs.map(() => -1), keyCount: 0 }
    : keyPlacement(key, items, opts.sinkName);
  const proj = buildProjection(compiled, keyPositions, keyCount);
  const kind: 'STREAM' | 'TABLE' = join ? join.resultKind : sources[0].kind;
  return {
    kind,
    columns: proj.columns,
    window: join ? (sources.every((x) => x.window) ? sources[0].window : undefined) : sources[0].window,
    sources,
    warnings,
    projection: specs,
    rekeyed: join !== undefined,
    start(stores, prefix, emit) {
      const sink: Stage = (c) => {
        if (c.row === null) {
          emit({ key: c.key, value: null, ts: c.ts, ...(c.window ? { window: c.window } : {}) });
          return;
        }
        const w = c.window ? { window: c.window } : {};
        if (udtfs) {
          for (const row of udtfs.expand(c.row)) {
            const key = c.nullKey ? [] : join ? c.key : proj.key(row);
            emit({ key, value: proj.value(row), ts: c.ts, ...w });
          }
          return;
        }
        // a join's result is keyed by its join key, also where the projected side is missing
        // (outer joins): the record key, not the projected column's value
        const key = c.nullKey ? [] : join ? c.key : proj.key(c.row);
        emit({ key, value: proj.value(c.row), ts: c.ts, ...w });
      };
      const projectNull: Stage = (c) => {
        if (c.row === null) {
          // a null value keeps its key
          sink(c);
          return;
        }
        sink(c);
      };
      const filtered = filterStage(where, kind, projectNull);
      return buildInput(join, layouts, stores, prefix, filtered, kind);
    },
  };
}

const TABLE_FUNCTIONS = new Set(['EXPLODE', 'CUBE_EXPLODE']);

/** UDAFs whose intermediate state is a STRUCT, ARRAY or MAP (not storable as DELIMITED). */
const COMPLEX_INTERMEDIATE = new Set([
  'AVG',
  'STDDEV_SAMP',
  'STDDEV_SAMPLE',
  'CORRELATION',
  'TOPK',
  'TOPKDISTINCT',
  'COLLECT_LIST',
  'COLLECT_SET',
  'HISTOGRAM',
  'LATEST_BY_OFFSET',
  'EARLIEST_BY_OFFSET',
]);

/**
 * The table functions of a projection: each distinct call becomes a slot of the row (after the
 * scope's columns); `expand` gives one row per value, the longest function deciding the count
 * and shorter ones giving null (ksqlDB's KudtfFlatMapper).
 */
function planTableFunctions(
  specs: readonly SelectSpec[],
  scope: Scope,
): { specs: SelectSpec[]; scope: Scope; expand: (row: Row) => Row[] } | undefined {
  const calls: { canon: string; name: string; arg: Fn; slot: number }[] = [];
  const slotCols: ScopeColumn[] = [];
  const base = scope.size;
  const rewrite = (e: Expr): Expr =>
    mapExpr(e, (x) => {
      if (x.kind !== 'call' || !TABLE_FUNCTIONS.has(x.name)) return x;
      const k = canon(x, scope);
      let call = calls.find((c) => c.canon === k);
      if (!call) {
        if (x.args.length !== 1)
          throw new KsqlError(`Function '${x.name.toLowerCase()}' does not accept parameters (${x.args.length} arguments).`);
        const arg = compile(x.args[0], scope);
        if (arg.type === null || arg.type.base !== 'ARRAY')
          throw new KsqlError(`Function '${x.name.toLowerCase()}' does not accept parameters (${typeText(arg.type)}).`);
        const slot = base + calls.length;
        const type = x.name === 'EXPLODE' ? arg.type.item : array(arg.type.item);
        slotCols.push({ name: `§U${calls.length}`, type, index: slot });
        call = { canon: k, name: x.name, arg: safe(arg.fn), slot };
        calls.push(call);
      }
      return { kind: 'column', loc: x.loc, name: `§U${calls.indexOf(call)}` };
    });
  const rewritten = specs.map((sp) => ({ ...sp, expr: rewrite(sp.expr) }));
  if (calls.length === 0) return undefined;
  const extended = new Scope([...scope.columns, ...slotCols], scope.clause, scope.functions, undefined, scope.aliases);
  extended.display = scope.display;
  const cube = (items: unknown[]): unknown[][] => {
    let out: unknown[][] = [[]];
    for (const v of items)
      out = out.flatMap((prefix) =>
        v === null
          ? [[...prefix, null]]
          : [
              [...prefix, null],
              [...prefix, v],
            ],
      );
    return out;
  };
  return {
    specs: rewritten,
    scope: extended,
    expand(row) {
      const values = calls.map((c) => {
        const v = c.arg(row) as unknown[] | null;
        if (v == null) return [];
        return c.name === 'EXPLODE' ? v : cube(v);
      });
      const n = Math.max(0, ...values.map((v) => v.length));
      const rows: Row[] = [];
      for (let i = 0; i < n; i++) {
        const r = pad([...row], base);
        calls.forEach((c, k) => (r[c.slot] = i < values[k].length ? values[k][i] : null));
        rows.push(r);
      }
      return rows;
    },
  };
}

function filterStage(where: Fn | undefined, kind: 'STREAM' | 'TABLE', next: Stage): Stage {
  if (!where) return next;
  if (kind === 'STREAM') {
    return (c) => {
      if (c.row !== null && where(c.row)) next(c);
    };
  }
  return (c) => {
    const n = c.row !== null && where(c.row) ? c.row : null;
    const o = c.old != null && where(c.old) ? c.old : null;
    if (n === null && o === null) return;
    next({ ...c, row: n, old: o });
  };
}

/** Builds the entry point: per-source records to changes (materializing tables, joining). */
function buildInput(
  join: JoinPlan | undefined,
  layouts: SourceLayout[],
  stores: StateStores,
  prefix: string,
  next: Stage,
  _kind: string,
): QueryRuntime {
  if (join) return join.start(stores, prefix, next);
  const l = layouts[0];
  if (l.source.kind === 'TABLE') {
    const store = stores.store(`${prefix}-source`);
    return {
      process(_i, rec) {
        const row = sourceRow(l, rec);
        const key = (rec.key ?? []).slice(0, l.keyCount);
        const k = keyOf(key) + (rec.window ? `@${rec.window.start}` : '');
        const old = (store.get<Row>(k) ?? null) as Row | null;
        if (row === null) {
          if (old === null) {
            next({ key, row: null, old: null, ts: rec.ts, ...(rec.window ? { window: rec.window } : {}) });
            return;
          }
          store.delete(k);
        } else store.put(k, row);
        next({ key, row, old, ts: rec.ts, ...(rec.window ? { window: rec.window } : {}) });
      },
    };
  }
  return {
    process(_i, rec) {
      const row = sourceRow(l, rec);
      next({
        key: (rec.key ?? []).slice(0, l.keyCount),
        row,
        ts: rec.ts,
        ...(rec.window ? { window: rec.window } : {}),
        ...(rec.key === null ? { nullKey: true } : {}),
      });
    },
  };
}

// ------------------------------------------------------------------------------------------
// Repartition (PARTITION BY)

function planRepartition(
  q: Query,
  opts: PlanOptions,
  sources: DataSource[],
  layouts: SourceLayout[],
  scope: Scope,
  specs: SelectSpec[],
  requalify: (e: Expr) => Expr,
  join: JoinPlan | undefined,
  where: Fn | undefined,
  warnings: string[],
  key: ResultKey,
): PlannedQuery {
  const partitionBy = (q.partitionBy ?? []).map(requalify);
  if (partitionBy.length === 0) throw new KsqlError('PARTITION BY requires at least one expression');
  const isNull = (e: Expr): boolean => e.kind === 'literal' && e.type === 'NULL';
  if (partitionBy.length > 1 && partitionBy.some(isNull)) throw new KsqlError('Cannot PARTITION BY multiple columns including NULL');
  const pbScope = scope.withClause('PARTITION BY');
  const keyExprs = partitionBy.filter((e) => !isNull(e));
  const compiledKeys = keyExprs.map((e) => {
    if (containsAggregate(e)) throw new KsqlError('PARTITION BY does not support aggregate functions');
    try {
      return compile(e, pbScope);
    } catch (err) {
      if (err instanceof KsqlError && /column '(.*)' cannot be resolved/.test(err.message)) {
        const m = /column '(.*)' cannot be resolved/.exec(err.message)!;
        throw new KsqlError(
          `PARTITION BY column '${m[1]}' cannot be resolved. '${m[1]}' must be a column in the source schema since PARTITION BY is applied on the input.`,
        );
      }
      throw err;
    }
  });
  // SELECT * with PARTITION BY: the new key replaces the star's key columns
  const hasStar = q.select.some((s) => s.kind === 'all');
  let finalSpecs = specs;
  if (hasStar && !join) {
    const l = layouts[0];
    const oldKeys = keyColumns(l.source).map((k) => k.name);
    const names = new ColumnAliasGenerator(l.source.columns.map((c) => c.name));
    const keySpecs: SelectSpec[] = keyExprs.map((e) => ({
      expr: e,
      name: e.kind === 'column' ? e.name : names.uniqueAliasFor(e),
    }));
    const movedKeyNames = new Set(keyExprs.filter((e) => e.kind === 'column').map((e) => (e as { name: string }).name));
    const starred = specs.filter(
      (s) => !(s.expr.kind === 'column' && movedKeyNames.has(s.expr.name) && q.select.some((x) => x.kind === 'all')),
    );
    // old key columns go after the value columns
    const values = starred.filter((s) => !(s.expr.kind === 'column' && oldKeys.includes(s.expr.name)));
    const oldKeySpecs = starred.filter((s) => s.expr.kind === 'column' && oldKeys.includes(s.expr.name));
    finalSpecs = [...keySpecs, ...values, ...oldKeySpecs];
  } else if (join && q.select.length === 1 && q.select[0].kind === 'all' && q.select[0].source === undefined) {
    // SELECT * over a repartitioned join reads the join's intermediate schema: per source its
    // value columns, ROWTIME, ROWPARTITION, ROWOFFSET, then its key columns, named ALIAS_NAME
    const col = (name: string, source: string): Expr => ({ kind: 'column', loc: LOC, name, source });
    const names = new ColumnAliasGenerator(layouts.flatMap((l) => l.columns.map((c) => `${l.alias}_${c.name}`)));
    const moved = new Set(keyExprs.filter((e) => e.kind === 'column').map((e) => canon(e, scope)));
    const keySpecs: SelectSpec[] = keyExprs.map((e) => {
      if (e.kind !== 'column') return { expr: e, name: names.uniqueAliasFor(e) };
      const c = scope.find(e.name, e.source);
      return { expr: e, name: `${c?.source ?? ''}_${e.name}` };
    });
    const values: SelectSpec[] = [];
    for (const l of layouts) {
      const ordered = [
        ...l.source.columns.filter((c) => c.ns !== 'KEY').map((c) => c.name),
        ...PSEUDO,
        ...keyColumns(l.source).map((c) => c.name),
      ];
      for (const name of ordered) {
        const expr = col(name, l.alias);
        if (!moved.has(canon(expr, scope))) values.push({ expr, name: `${l.alias}_${name}` });
      }
    }
    finalSpecs = [...keySpecs, ...values];
  }
  const compiled = compileSelect(finalSpecs, scope);
  const proj = opts.transient
    ? buildProjection(
        compiled,
        finalSpecs.map(() => -1),
        0,
      )
    : buildProjection(
        compiled,
        keyPlacement(
          key,
          finalSpecs.map((sp) => ({ canon: canon(sp.expr, scope), name: sp.name })),
          opts.sinkName,
        ).positions,
        keyExprs.length,
      );
  const keyFns = compiledKeys.map((c) => safe(c.fn));
  // a record with a null value keeps the partitioning expressions that depend on key columns
  // only (evaluated on the key); the others are null (ksqlDB's PartitionByParamsFactory)
  const src = layouts[0];
  const keyOnly = keyExprs.map((e) => {
    if (join) return false;
    let only = true;
    walkExpr(e, (x) => {
      if (x.kind !== 'column' || (x.source === undefined && scope.lambdaParam(x.name))) return;
      const c = scope.find(x.name, x.source);
      if (!c || c.source !== src.alias || c.index >= src.keyCount) only = false;
    });
    return only;
  });
  return {
    kind: 'STREAM',
    columns: proj.columns,
    sources,
    warnings,
    projection: finalSpecs,
    rekeyed: true,
    partitionByNull: keyExprs.length === 0,
    start(stores, prefix, emit) {
      const sink: Stage = (c) => {
        if (c.row === null) {
          const keyRow: Row = new Array(src.width).fill(null);
          for (let i = 0; i < src.keyCount; i++) keyRow[i] = c.key[i] ?? null;
          emit({ key: keyFns.map((f, i) => (keyOnly[i] ? f(keyRow) : null)), value: null, ts: c.ts });
          return;
        }
        emit({ key: keyFns.map((f) => f(c.row as Row)), value: proj.value(c.row), ts: c.ts });
      };
      return buildInput(join, layouts, stores, prefix, filterStage(where, 'STREAM', sink), 'STREAM');
    },
  };
}

// ------------------------------------------------------------------------------------------
// Aggregation (GROUP BY)

function planAggregate(
  q: Query,
  opts: PlanOptions,
  sources: DataSource[],
  layouts: SourceLayout[],
  scope: Scope,
  specs: SelectSpec[],
  requalify: (e: Expr) => Expr,
  join: JoinPlan | undefined,
  where: Fn | undefined,
  warnings: string[],
  key: ResultKey,
): PlannedQuery {
  const inputKind = join ? join.resultKind : sources[0].kind;
  for (const sp of specs)
    walkExpr(sp.expr, (x) => {
      if (x.kind === 'call' && TABLE_FUNCTIONS.has(x.name)) throw new KsqlError('Table functions cannot be used with aggregations.');
    });
  if (q.partitionBy) throw new KsqlError('PARTITION BY and GROUP BY in the same query is not supported');
  if (!q.groupBy) {
    const nonAgg = specs.filter((s) => !containsAggregate(s.expr) && !(s.expr.kind === 'literal'));
    if (nonAgg.length > 0) {
      throw new KsqlError(
        `Non-aggregate SELECT expression(s) not part of GROUP BY: ${nonAgg.map((s) => ksqlText({ ...s.expr, ...(s.expr.kind === 'column' ? { source: undefined } : {}) } as Expr)).join(', ')}\nEither add the column(s) to the GROUP BY or remove them from the SELECT.`,
      );
    }
    const aggs: string[] = [];
    for (const s of specs)
      walkExpr(s.expr, (x) => isAggregateCall(x) && aggs.push(x.kind === 'call' && x.star ? `${x.name}(ROWTIME)` : ksqlText(x)));
    throw new KsqlError(
      `CREATE TABLE AS SELECT statement does not support aggregate function [${aggs.join(', ')}] without a GROUP BY clause.`,
    );
  }
  const kafkaSources = sources.filter((s) => s.valueFormat.format === 'KAFKA').map((s) => s.name);
  if (kafkaSources.length > 0) {
    throw new KsqlError(
      `Source(s) ${kafkaSources.join(', ')} are using the 'KAFKA' value format. This format does not yet support GROUP BY.`,
    );
  }
  const groupBy = q.groupBy.map(requalify);
  const gbScope = scope.withClause('GROUP BY');
  const groupCanon: string[] = [];
  const groupFns: Fn[] = [];
  const groupTypes: SqlType[] = [];
  for (const g of groupBy) {
    walkExpr(g, (x) => {
      if (isAggregateCall(x))
        throw new KsqlError(`GROUP BY does not support aggregate functions: ${(x as { name: string }).name} is an aggregate function.`);
    });
    const c = compile(g, gbScope);
    const k = canon(g, scope);
    if (groupCanon.includes(k)) throw new KsqlError(`Duplicate GROUP BY expression: ${qualifiedText(g, scope)}`);
    groupCanon.push(k);
    groupFns.push(safe(c.fn));
    if (c.type === null)
      throw new KsqlError("Can't infer a type of null. Please explicitly cast it to a required type, e.g. CAST(null AS VARCHAR).");
    groupTypes.push(c.type);
  }
  for (const e of [...specs.map((s) => s.expr), ...(q.having ? [q.having] : [])]) {
    walkExpr(e, (x) => {
      if (x.kind === 'call' && !functionExists(x.name, opts.functions))
        throw new KsqlError(`Can't find any functions with the name '${x.name}'`);
    });
  }
  if (!specs.some((s) => containsAggregate(s.expr)) && !(q.having && containsAggregate(q.having))) {
    throw new KsqlError('GROUP BY requires aggregate functions in either the SELECT or HAVING clause.');
  }

  // aggregate calls, with their argument closures
  interface AggCall {
    canon: string;
    name: string;
    args: Fn[];
    impl: AggregateImpl;
    text: string;
  }
  const aggCalls: AggCall[] = [];
  const windowed = q.window !== undefined;
  if (windowed && join) {
    // a join's schema has no window bounds: ksqlDB cannot resolve them over a windowed join
    for (const sp of specs)
      walkExpr(sp.expr, (x) => {
        if (x.kind === 'column' && (x.name === 'WINDOWSTART' || x.name === 'WINDOWEND'))
          throw new KsqlError(`SELECT column '${x.name}' cannot be resolved.`);
      });
  }
  const aggSlot = (call: Extract<Expr, { kind: 'call' }>): number => {
    for (const a of call.args) {
      walkExpr(a, (x) => {
        if (isAggregateCall(x)) throw new KsqlError(`Aggregate functions can not be nested: ${ksqlText(call)}`);
      });
    }
    const k = canon(call, scope);
    const existing = aggCalls.findIndex((a) => a.canon === k);
    if (existing >= 0) return existing;
    const def = AGGREGATES.get(call.name)!;
    const compiledArgs = call.args.map((a) => compile(a, scope));
    // the leading arguments are columns (TOPK(col, other..., k) takes several); the trailing
    // constants are the UDAF's parameters (n, ignoreNulls, k)
    let split = compiledArgs.length;
    while (split > 1 && compiledArgs[split - 1].constant) split--;
    const colArgs = compiledArgs.slice(0, split);
    const literals = compiledArgs.slice(split).map((c) => c.fn([]));
    if (call.name === 'COUNT' && call.star) colArgs.length = 0;
    const impl = def.resolve(
      colArgs.map((c) => c.type),
      literals,
      opts.functions.config,
    );
    if (inputKind === 'TABLE' && !impl.undoable) {
      throw new KsqlError(
        `The aggregation functions LATEST_BY_OFFSET, MIN and MAX cannot be applied to a table source, only to a stream source.`,
      );
    }
    // the aggregation's state is stored in the source's value format (ksqlDB's MaterializationUtil)
    if (sources[0].valueFormat.format === 'DELIMITED' && COMPLEX_INTERMEDIATE.has(call.name))
      throw new KsqlError(
        'One of the functions used in the statement has an intermediate type that the value format can not handle. Please remove the function or change the format.\nConsider up-voting https://github.com/confluentinc/ksql/issues/3950, which will resolve this limitation',
      );
    aggCalls.push({ canon: k, name: call.name, args: colArgs.map((c) => safe(c.fn)), impl, text: ksqlText(call, scope.display) });
    return aggCalls.length - 1;
  };

  // post-aggregation row: [group keys..., aggregate results..., WINDOWSTART, WINDOWEND, ROWTIME]
  const nKeys = groupBy.length;
  const rewrite = (e: Expr, clause: string): Expr => rewriteForAggregate(e, scope, groupCanon, (call) => aggSlot(call), clause);
  const offenders: string[] = [];
  const rewrittenSelect = specs.map((s) => {
    try {
      return { ...s, expr: rewrite(s.expr, 'SELECT') };
    } catch (e) {
      if (e instanceof KsqlError && e.message.startsWith('Non-aggregate SELECT')) {
        offenders.push(ksqlText(s.expr, () => undefined));
        return s;
      }
      throw e;
    }
  });
  if (offenders.length > 0) {
    throw new KsqlError(
      `Non-aggregate SELECT expression(s) not part of GROUP BY: ${offenders.join(', ')}\nEither add the column(s) to the GROUP BY or remove them from the SELECT.`,
    );
  }
  const rewrittenHaving = q.having ? rewrite(requalify(q.having), 'HAVING') : undefined;
  const nAggs = aggCalls.length;
  const postCols: ScopeColumn[] = [
    ...groupTypes.map((t, i) => ({ name: `§K${i}`, type: t, index: i })),
    ...aggCalls.map((a, i) => ({ name: `§A${i}`, type: a.impl.type, index: nKeys + i })),
  ];
  if (windowed) {
    postCols.push({ name: 'WINDOWSTART', type: T.BIGINT, index: nKeys + nAggs });
    postCols.push({ name: 'WINDOWEND', type: T.BIGINT, index: nKeys + nAggs + 1 });
  }
  const postScope = new Scope(postCols, 'SELECT', opts.functions);
  const compiled = rewrittenSelect.map((s) => {
    const c = compile(s.expr, postScope);
    if (c.type === null)
      throw new KsqlError("Can't infer a type of null. Please explicitly cast it to a required type, e.g. CAST(null AS VARCHAR).");
    return { spec: s, c };
  });
  // key columns: select items that are exactly a group key reference
  const valueCount = opts.transient
    ? rewrittenSelect.length
    : rewrittenSelect.filter((sp) => !(sp.expr.kind === 'column' && sp.expr.name.startsWith('§K'))).length;
  if (valueCount === 0) throw new KsqlError('The projection contains no value columns.');
  // items that are exactly a grouping expression (rewritten to its slot §Ki) are key columns;
  // a transient query (pull/push SELECT) has no key: every item is a value column
  const groupKeys = key.kind === 'groupBy' ? key.exprs : [];
  const proj = opts.transient
    ? buildProjection(
        compiled,
        rewrittenSelect.map(() => -1),
        0,
      )
    : buildProjection(
        compiled,
        keyPlacement(
          key,
          rewrittenSelect.map((sp, i) => ({
            canon:
              sp.expr.kind === 'column' && sp.expr.name.startsWith('§K')
                ? (groupKeys[Number(sp.expr.name.slice(2))]?.canon ?? '')
                : `\u0000${i}`,
            name: sp.name,
          })),
          opts.sinkName,
        ).positions,
        nKeys,
      );
  let having: Fn | undefined;
  if (rewrittenHaving) {
    let c: Compiled;
    try {
      c = compile(rewrittenHaving, postScope.withClause('HAVING'));
    } catch (e) {
      if (e instanceof KsqlError)
        throw new KsqlError(
          `Error in HAVING expression: ${e.message.replace(/§K(\d+)/g, (_m, i) => formatExpression(groupBy[Number(i)])).replace(/`?§A(\d+)`?/g, (_m, i) => aggCalls[Number(i)].text)}`,
        );
      throw e;
    }
    if (c.type !== null && c.type.base !== 'BOOLEAN')
      throw new KsqlError(`Type error in HAVING expression: Should evaluate to boolean but is ${typeText(c.type)} instead.`);
    const f = c.fn;
    having = (r) => {
      try {
        return f(r) === true;
      } catch (e) {
        if (e instanceof RecordError) return false;
        throw e;
      }
    };
  }
  const win = q.window;
  const windowInfo: WindowInfo | undefined = win
    ? { type: win.type, ...(win.type !== 'SESSION' ? { sizeMs: win.size.millis } : {}) }
    : undefined;
  const grace = win?.grace?.millis ?? DEFAULT_GRACE_MS;

  return {
    kind: 'TABLE',
    columns: proj.columns,
    window: windowInfo,
    sources,
    warnings,
    projection: specs,
    rekeyed: true,
    start(stores, prefix, emit) {
      const store = stores.store(`${prefix}-Aggregate-Materialize`);
      let streamTime = -Infinity;
      interface AggState {
        key: unknown[];
        accs: unknown[];
        ts: number;
        window?: { start: number; end: number };
        /** whether the last result passed HAVING */
        passed?: boolean;
      }
      const resultRow = (s: AggState): Row => {
        const r: Row = [...s.key];
        for (let i = 0; i < nAggs; i++) r.push(aggCalls[i].impl.result(s.accs[i]));
        if (windowed) r.push(BigInt(s.window?.start ?? 0), BigInt(s.window?.end ?? 0));
        return r;
      };
      const output = (s: AggState, tombstone = false): void => {
        const w = s.window ? { window: s.window } : {};
        if (tombstone) {
          emit({ key: s.key, value: null, ts: s.ts, ...w });
          return;
        }
        const row = resultRow(s);
        if (having && !having(row)) {
          const before = s.passed;
          s.passed = false;
          if (before) emit({ key: s.key, value: null, ts: s.ts, ...w });
          return;
        }
        s.passed = true;
        emit({ key: s.key, value: proj.value(row), ts: s.ts, ...w });
      };
      const argsOf = (row: Row, a: AggCall): unknown[] => a.args.map((f) => f(row));
      const apply = (s: AggState, row: Row, undo: boolean): AggState => ({
        ...s,
        accs: aggCalls.map((a, i) => {
          try {
            return undo ? a.impl.undo(s.accs[i], argsOf(row, a)) : a.impl.add(s.accs[i], argsOf(row, a));
          } catch (e) {
            if (e instanceof RecordError) return s.accs[i];
            throw e;
          }
        }),
      });
      const fresh = (key: unknown[], ts: number, window?: { start: number; end: number }): AggState => ({
        key,
        accs: aggCalls.map((a) => a.impl.init()),
        ts,
        ...(window ? { window } : {}),
      });
      const groupKey = (row: Row): unknown[] | null => {
        const k = groupFns.map((f) => f(row));
        // ksqlDB drops rows whose (single) grouping key is null
        if (k.some((x) => x === null)) return null;
        return k;
      };
      const stateKey = (key: unknown[], w?: { start: number }): string => keyOf(key) + (w ? `@${w.start}` : '');

      let stage: Stage;
      if (!win) {
        stage = (c) => {
          if (inputKind === 'TABLE') {
            const ok = c.old ? groupKey(c.old) : null;
            const nk = c.row ? groupKey(c.row) : null;
            if (ok && nk && stateKey(ok) === stateKey(nk)) {
              const sk = stateKey(nk);
              const s = store.get<AggState>(sk) ?? fresh(nk, c.ts);
              const next = { ...apply(apply(s, c.old as Row, true), c.row as Row, false), ts: c.ts };
              store.put(sk, next);
              output(next);
              return;
            }
            if (c.old) {
              const k = groupKey(c.old);
              if (k) {
                const sk = stateKey(k);
                const s = store.get<AggState>(sk);
                if (s) {
                  const next = { ...apply(s, c.old, true), ts: c.ts };
                  store.put(sk, next);
                  output(next);
                }
              }
            }
            if (c.row) {
              const k = groupKey(c.row);
              if (k) {
                const sk = stateKey(k);
                const s = store.get<AggState>(sk) ?? fresh(k, c.ts);
                const next = { ...apply(s, c.row, false), ts: c.ts };
                store.put(sk, next);
                output(next);
              }
            }
            return;
          }
          if (c.row === null) return;
          const k = groupKey(c.row);
          if (!k) return;
          const sk = stateKey(k);
          const s = store.get<AggState>(sk);
          const base = s ?? fresh(k, c.ts);
          const next = { ...apply(base, c.row, false), ts: s ? Math.max(s.ts, c.ts) : c.ts };
          store.put(sk, next);
          output(next);
        };
      } else if (win.type === 'SESSION') {
        const gap = win.size.millis;
        stage = (c) => {
          if (c.row === null) return;
          const k = groupKey(c.row);
          if (!k) return;
          const ts = c.ts;
          streamTime = Math.max(streamTime, ts);
          if (ts + gap + grace <= streamTime - 0 && ts < streamTime - grace - gap) {
            // late: the session would already be closed
            if (streamTime - grace > ts + gap) return;
          }
          const prefixKey = keyOf(k) + '@';
          const overlapping: [string, AggState][] = [];
          for (const [sk, v] of store.entries()) {
            if (!sk.startsWith(prefixKey)) continue;
            const s = v as AggState;
            if (s.window!.end + gap >= ts && s.window!.start - gap <= ts) overlapping.push([sk, s]);
          }
          overlapping.sort((a, b) => a[1].window!.start - b[1].window!.start);
          let merged: AggState = fresh(k, ts, { start: ts, end: ts });
          for (const [sk, s] of overlapping) {
            merged = {
              key: k,
              accs: aggCalls.map((a, i) => a.impl.merge(s.accs[i], merged.accs[i])),
              ts: Math.max(merged.ts, s.ts),
              window: { start: Math.min(merged.window!.start, s.window!.start), end: Math.max(merged.window!.end, s.window!.end) },
            };
            store.delete(sk);
            output(s, true);
          }
          const next = { ...apply(merged, c.row, false), ts: Math.max(merged.ts, ts) };
          store.put(stateKey(k, next.window), next);
          output(next);
        };
      } else {
        const size = win.size.millis;
        const advance = win.type === 'HOPPING' ? win.advance!.millis : size;
        stage = (c) => {
          if (c.row === null) return;
          const k = groupKey(c.row);
          if (!k) return;
          const ts = c.ts;
          streamTime = Math.max(streamTime, ts);
          const first = Math.max(0, Math.floor((ts - size + advance) / advance) * advance);
          for (let start = first; start <= ts; start += advance) {
            const end = start + size;
            if (end <= streamTime - grace) continue;
            const w = { start, end };
            const sk = stateKey(k, w);
            const s = store.get<AggState>(sk);
            const base = s ?? fresh(k, ts, w);
            const next = { ...apply(base, c.row, false), ts: s ? Math.max(s.ts, ts) : ts };
            store.put(sk, next);
            output(next);
          }
        };
      }
      return buildInput(join, layouts, stores, prefix, filterStage(where, inputKind, stage), inputKind);
    },
  };
}

/** Replaces grouping expressions by key slots and aggregate calls by aggregate slots; checks leftovers. */
function rewriteForAggregate(
  e: Expr,
  scope: Scope,
  groupCanon: string[],
  aggSlot: (c: Extract<Expr, { kind: 'call' }>) => number,
  clause: string,
): Expr {
  const bad: string[] = [];
  const visit = (x: Expr): Expr => {
    const k = canon(x, scope);
    const gi = groupCanon.indexOf(k);
    if (gi >= 0) return { kind: 'column', loc: x.loc, name: `§K${gi}` };
    if (isAggregateCall(x)) return { kind: 'column', loc: x.loc, name: `§A${aggSlot(x as Extract<Expr, { kind: 'call' }>)}` };
    if (x.kind === 'column') {
      if (x.name === 'WINDOWSTART' || x.name === 'WINDOWEND') return x;
      bad.push(ksqlText({ ...x, source: undefined }));
      return x;
    }
    return rebuild(x, visit);
  };
  const out = visit(e);
  if (bad.length > 0) {
    if (clause === 'HAVING') throw new KsqlError(`Non-aggregate HAVING expression not part of GROUP BY: ${bad.join(', ')}`);
    throw new KsqlError(
      `Non-aggregate SELECT expression(s) not part of GROUP BY: ${formatExpression(e)}\nEither add the column(s) to the GROUP BY or remove them from the SELECT.`,
    );
  }
  return out;
}

/** Rebuilds a node with children mapped by `f` (top-down). */
function rebuild(x: Expr, f: (e: Expr) => Expr): Expr {
  switch (x.kind) {
    case 'literal':
    case 'column':
    case 'intervalUnit':
      return x;
    case 'dereference':
      return { ...x, base: f(x.base) };
    case 'subscript':
      return { ...x, base: f(x.base), index: f(x.index) };
    case 'call':
      return { ...x, args: x.args.map(f) };
    case 'lambda':
      return x;
    case 'cast':
      return { ...x, expr: f(x.expr) };
    case 'case':
      return {
        ...x,
        ...(x.operand ? { operand: f(x.operand) } : {}),
        whens: x.whens.map((w) => ({ when: f(w.when), then: f(w.then) })),
        ...(x.else ? { else: f(x.else) } : {}),
      };
    case 'arithmetic':
    case 'comparison':
    case 'logical':
      return { ...x, left: f(x.left), right: f(x.right) } as Expr;
    case 'unary':
    case 'not':
    case 'isNull':
      return { ...x, operand: f(x.operand) } as Expr;
    case 'like':
      return { ...x, value: f(x.value), pattern: f(x.pattern) };
    case 'in':
      return { ...x, value: f(x.value), list: x.list.map(f) };
    case 'between':
      return { ...x, value: f(x.value), low: f(x.low), high: f(x.high) };
    case 'array':
      return { ...x, items: x.items.map(f) };
    case 'map':
      return { ...x, entries: x.entries.map((en) => ({ key: f(en.key), value: f(en.value) })) };
    case 'struct':
      return { ...x, fields: x.fields.map((fl) => ({ name: fl.name, value: f(fl.value) })) };
  }
}

// ------------------------------------------------------------------------------------------
// Joins

interface JoinPlan {
  readonly resultKind: 'STREAM' | 'TABLE';
  start(stores: StateStores, prefix: string, next: Stage): QueryRuntime;
}

/** One join of a (left-deep) chain: the joined rows so far on the left, one source on the right. */
interface JoinNode {
  /** A change of the left side (a source's record, or the previous join's result). */
  left(c: Change): void;
  /** A record of the right source. */
  right(rec: SourceRecord): void;
}

/**
 * Plans the joins of a query as ksqlDB's left-deep chain: ((A ⋈ B) ⋈ C) ...; each join is
 * checked like ksqlDB (join order and types, WITHIN, equality criteria with one source per side,
 * table keys) and keyed by its left criteria expression (a repartition, in Kafka Streams).
 */
function planJoins(
  joins: readonly Join[],
  layouts: SourceLayout[],
  scope: Scope,
  requalify: (e: Expr) => Expr,
  warnings: string[],
  synthetic: boolean,
): JoinPlan {
  const names = layouts.map((l) => l.source.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) {
    if (layouts.length === 2) throw new KsqlError(`Can not join '${dup}' to '${dup}': self joins are not yet supported.`);
    throw new KsqlError(`N-way joins do not support multiple occurrences of the same source. Source: '${dup}'`);
  }
  const nodes: ((stores: StateStores, prefix: string, next: Stage) => JoinNode)[] = [];
  let leftKind: 'STREAM' | 'TABLE' = layouts[0].source.kind;
  joins.forEach((j, i) => {
    const plan = planJoin(j, layouts.slice(0, i + 1), layouts[i + 1], leftKind, scope, requalify, warnings, i);
    nodes.push(plan.start);
    leftKind = plan.resultKind;
  });
  const kafka = layouts.filter((l) => l.source.valueFormat.format === 'KAFKA').map((l) => l.alias);
  if (kafka.length > 0)
    throw new KsqlError(`Source(s) ${kafka.join(', ')} are using the 'KAFKA' value format. This format does not yet support JOIN.`);
  const first = layouts[0];
  const totalWidth = layouts.reduce((n, l) => n + l.width, 0);
  return {
    resultKind: leftKind,
    start(stores, prefix, downstream) {
      // a synthetic key (ROWKEY) is the join key, appended to the joined rows
      const last: Stage = synthetic
        ? (c) =>
            downstream({
              ...c,
              row: c.row === null ? null : pad([...c.row], totalWidth).concat([c.key[0] ?? null]),
              ...(c.old ? { old: pad([...c.old], totalWidth).concat([c.key[0] ?? null]) } : {}),
            })
        : downstream;
      const built: JoinNode[] = new Array(nodes.length);
      for (let i = nodes.length - 1; i >= 0; i--) {
        const next: Stage = i === nodes.length - 1 ? last : (c) => built[i + 1].left(c);
        built[i] = nodes[i](stores, i === 0 ? prefix : `${prefix}-join${i}`, next);
      }
      // the leftmost source feeds the first join as changes (tables keep their previous rows)
      const sourceStore = first.source.kind === 'TABLE' ? stores.store(`${prefix}-left-source`) : undefined;
      return {
        process(i, rec) {
          if (i > 0) {
            built[i - 1].right(rec);
            return;
          }
          const row = sourceRow(first, rec);
          const key = (rec.key ?? []).slice(0, first.keyCount);
          const w = rec.window ? { window: rec.window } : {};
          if (!sourceStore) {
            built[0].left({ key, row, ts: rec.ts, ...w });
            return;
          }
          const k = keyOf(key) + (rec.window ? `@${rec.window.start}` : '');
          const old = (sourceStore.get<Row>(k) ?? null) as Row | null;
          if (row === null) sourceStore.delete(k);
          else sourceStore.put(k, row);
          built[0].left({ key, row, old, ts: rec.ts, ...w });
        },
      };
    },
  };
}

/** The window part of a join's store key: windowed sources join only rows of the same window. */
const windowSuffix = (w: { start: number; end: number } | undefined, session: boolean): string =>
  w === undefined ? '' : session ? `@${w.start}-${w.end}` : `@${w.start}`;

const pad = (row: Row, width: number): Row => {
  while (row.length < width) row.push(null);
  return row;
};

function planJoin(
  j: Join,
  lefts: SourceLayout[],
  right: SourceLayout,
  lk: 'STREAM' | 'TABLE',
  scope: Scope,
  requalify: (e: Expr) => Expr,
  warnings: string[],
  index: number,
): { resultKind: 'STREAM' | 'TABLE'; start: (stores: StateStores, prefix: string, next: Stage) => JoinNode } {
  const left = lefts[0];
  const leftAliases = new Set(lefts.map((l) => l.alias));
  const rk = right.source.kind;
  const on = requalify(j.on);
  const onText = qualifiedText(on, scope);
  const onExpressionText = ksqlText(on, (x) => {
    if (x.source !== undefined) return undefined;
    const c = scope.find(x.name);
    return c?.source !== undefined ? `${c.source}.${x.name}` : undefined;
  });
  if (on.kind === 'logical' && on.op === 'AND')
    throw new KsqlError(`Invalid join condition: joins on multiple conditions are not yet supported. Got ${onExpressionText}.`);
  if (on.kind !== 'comparison' || on.op !== '=') {
    throw new KsqlError(`Unsupported join expression: ${onText}. Only equality joins between sources are supported.`);
  }
  const sideOf = (e: Expr): 'L' | 'R' | 'BAD' => {
    const sides = new Set<string>();
    walkExpr(e, (x) => {
      if (x.kind !== 'column') return;
      const c = scope.find(x.name, x.source);
      if (!c) throw new KsqlError(`JOIN ON column '${x.source ? x.source + '.' : ''}${x.name}' cannot be resolved.`);
      sides.add(c.source !== undefined && leftAliases.has(c.source) ? 'L' : c.source === right.alias ? 'R' : 'X');
    });
    return sides.size === 1 ? ([...sides][0] as 'L' | 'R') : 'BAD';
  };
  let le = on.left;
  let re = on.right;
  for (const e of [le, re]) {
    if (sideOf(e) === 'BAD') {
      throw new KsqlError(
        `Invalid comparison expression '${ksqlText(e)}' in join '${onExpressionText}'. Each side of the join comparision must contain references from exactly one source.`,
      );
    }
  }
  const aliasOf = (e: Expr): string => {
    let alias = '';
    walkExpr(e, (x) => {
      if (x.kind === 'column' && alias === '') alias = scope.find(x.name, x.source)?.source ?? '';
    });
    return alias;
  };
  if (aliasOf(le) === aliasOf(re))
    throw new KsqlError(
      `Each side of the join must reference exactly one source and not the same source. Left side references \`${aliasOf(le)}\` and right references \`${aliasOf(re)}\``,
    );
  if (sideOf(le) === 'R') [le, re] = [re, le];
  if (sideOf(le) !== 'L' || sideOf(re) !== 'R')
    throw new KsqlError(
      `A join criteria is expected to reference the source (\`${right.alias}\`) in the FROM clause, instead the right source references \`${aliasOf(re)}\` and the left source references \`${aliasOf(le)}\``,
    );
  const lc = compile(le, scope.withClause('JOIN ON'));
  const rc = compile(re, scope.withClause('JOIN ON'));
  if (!sameType(lc.type, rc.type)) {
    throw new KsqlError(
      `Invalid join condition: types don't match. Got ${qualifiedText(le, scope)}{${typeText(lc.type)}} = ${qualifiedText(re, scope)}{${typeText(rc.type)}}.`,
    );
  }
  const typeWord =
    j.type === 'INNER' ? '[INNER]' : j.type === 'LEFT' ? 'LEFT [OUTER]' : j.type === 'RIGHT' ? 'RIGHT [OUTER]' : '[FULL] OUTER';
  const got = `Got ${left.alias} ${typeWord} JOIN ${right.alias}.`;
  if (lk === 'TABLE' && rk === 'STREAM')
    throw new KsqlError(`Invalid join order: table-stream joins are not supported; only stream-table joins. ${got}`);
  if (lk === 'STREAM' && rk === 'TABLE' && j.type === 'FULL')
    throw new KsqlError(`Invalid join type: full-outer join not supported for stream-table join. ${got}`);
  if (lk === 'STREAM' && rk === 'TABLE' && j.type === 'RIGHT')
    throw new KsqlError(`Invalid join type: right-outer join not supported for stream-table join. ${got}`);
  if (lk === 'STREAM' && rk === 'STREAM' && !j.within)
    throw new KsqlError(
      'Stream-Stream joins must have a WITHIN clause specified. None was provided. To learn about how to specify a WITHIN clause with a stream-stream join, please visit: https://docs.confluent.io/current/ksql/docs/syntax-reference.html#create-stream-as-select',
    );
  if (lk === 'TABLE' && rk === 'TABLE' && j.within)
    throw new KsqlError(
      'A window definition was provided for a Table-Table join. These joins are not windowed. Please drop the window definition (i.e. the WITHIN clause) and try to execute your Table-Table join again.',
    );
  if (lk === 'STREAM' && rk === 'TABLE' && j.within)
    throw new KsqlError(
      'A window definition was provided for a Stream-Table join. These joins are not windowed. Please drop the window definition (i.e. the WITHIN clause) and try to execute your Stream-Table join again.',
    );
  // ksqlDB's Analyzer: windowed sources join only windowed sources of a compatible kind
  const lw = left.source.window?.type;
  const rw = right.source.window?.type;
  if ((lw === undefined) !== (rw === undefined))
    throw new KsqlError(
      `Can not join windowed source to non-windowed source.\n\`${left.alias}\` is ${lw ?? 'not'} windowed\n\`${right.alias}\` is ${rw ?? 'not'} windowed`,
    );
  if (lw !== undefined && rw !== undefined && (lw === 'SESSION') !== (rw === 'SESSION'))
    throw new KsqlError(
      `Incompatible windowed sources.\nLeft source: ${lw}\nRight source: ${rw}\nSession windowed sources can only be joined to other session windowed sources, and may still not result in expected behaviour as session bounds must be an exact match for the join to work\nHopping and tumbling windowed sources can only be joined to other hopping and tumbling windowed sources`,
    );
  const isRightKey = (e: Expr, l: SourceLayout): boolean => {
    if (e.kind !== 'column') return false;
    const c = scope.find(e.name, e.source);
    const keys = keyColumns(l.source);
    return keys.length === 1 && c !== undefined && c.name === keys[0].name && c.source === l.alias;
  };
  // the left side of a table-table join is keyed on a source table's key (a chain on one key)
  const isLeftKey = (e: Expr): boolean => lefts.some((l) => l.source.kind === 'TABLE' && isRightKey(e, l));
  if (rk === 'TABLE' && !isRightKey(re, right)) {
    if (lk === 'STREAM')
      throw new KsqlError(`Invalid join condition: stream-table joins require to join on the table's primary key. Got ${onText}.`);
    throw new KsqlError(
      `Invalid join condition: table-table joins require to join on the primary key of the right input table. Got ${onText}.`,
    );
  }
  // a table-table join on a left expression other than its key: a foreign-key join
  const foreignKey = lk === 'TABLE' && rk === 'TABLE' && !isLeftKey(le);
  if (foreignKey && lefts.length > 1)
    throw new KsqlError(`Invalid join condition: foreign-key table-table joins are not supported as part of n-way joins. Got ${onText}.`);
  if (foreignKey && j.type === 'RIGHT') throw new KsqlError('RIGHT OUTER JOIN on a foreign key is not supported');
  if (foreignKey && j.type === 'FULL') throw new KsqlError('FULL OUTER JOIN on a foreign key is not supported');
  if (lw !== undefined && (!isRightKey(le, left) || !isRightKey(re, right)))
    throw new KsqlError(
      'Implicit repartitioning of windowed sources is not supported. See https://github.com/confluentinc/ksql/issues/4385.',
    );
  if (lk === 'STREAM' && rk === 'STREAM' && j.within && j.within.grace === undefined) {
    warnings.push(
      'DEPRECATION NOTICE: Stream-stream joins statements without a GRACE PERIOD will not be accepted in a future ksqlDB version.\nPlease use the GRACE PERIOD clause as specified in https://docs.ksqldb.io/en/latest/developer-guide/ksqldb-reference/select-push-query/',
    );
  }
  const resultKind: 'STREAM' | 'TABLE' = lk === 'TABLE' && rk === 'TABLE' ? 'TABLE' : 'STREAM';
  const lf = safe(lc.fn);
  const rf = safe(rc.fn);
  const rightWidth = right.width;
  const leftWidth = lefts.reduce((n, l) => n + l.width, 0);
  void index;

  return {
    resultKind,
    start(stores, prefix, next): JoinNode {
      const nullRight: Row = new Array(rightWidth).fill(null);
      const nullLeft: Row = new Array(leftWidth).fill(null);
      const leftRow = (r: Row): Row => (r.length >= leftWidth ? r : pad([...r], leftWidth));
      const session = lw === 'SESSION';
      if (lk === 'STREAM' && rk === 'TABLE') {
        const table = stores.store(`${prefix}-right-table`);
        return {
          right(rec) {
            const row = sourceRow(right, rec);
            const k = keyOf((rec.key ?? [])[0] ?? null) + windowSuffix(rec.window, session);
            if (row === null) table.delete(k);
            else table.put(k, row);
          },
          left(c) {
            if (c.row === null) return;
            const row = leftRow(c.row);
            const key = lf(row);
            if (key === null) return;
            const r = table.get<Row>(keyOf(key) + windowSuffix(c.window, session));
            if (!r && j.type !== 'LEFT') return;
            next({ key: [key], row: [...row, ...(r ?? nullRight)], ts: c.ts, ...(c.window ? { window: c.window } : {}) });
          },
        };
      }
      if (foreignKey) {
        // left rows by their primary key, right rows by theirs, an index foreign key → left keys
        const ls = stores.store(`${prefix}-fk-left`);
        const rs = stores.store(`${prefix}-right-table`);
        const index = stores.store(`${prefix}-fk-index`);
        const results = stores.store(`${prefix}-join-results`);
        interface LeftEntry {
          key: unknown[];
          row: Row;
          fk: string | null;
        }
        const unindex = (fk: string | null, lk: string): void => {
          if (fk === null) return;
          const list = (index.get<string[]>(fk) ?? []).filter((x) => x !== lk);
          if (list.length === 0) index.delete(fk);
          else index.put(fk, list);
        };
        const update = (lk: string, key: unknown[], ts: number, deleted = false): void => {
          const e = ls.get<LeftEntry>(lk);
          const r = e && e.fk !== null ? rs.get<Row>(e.fk) : undefined;
          const result = e ? (r ? [...e.row, ...r] : j.type === 'LEFT' ? [...e.row, ...nullRight] : null) : null;
          const old = (results.get<Row>(lk) ?? null) as Row | null;
          // Kafka Streams' foreign-key join forwards a left deletion even when nothing had joined
          if (result === null && old === null && !deleted) return;
          if (result === null) results.delete(lk);
          else results.put(lk, result);
          next({ key, row: result, old, ts });
        };
        return {
          right(rec) {
            const row = sourceRow(right, rec);
            const fk = keyOf((rec.key ?? [])[0] ?? null);
            if (row === null) rs.delete(fk);
            else rs.put(fk, row);
            for (const lk of index.get<string[]>(fk) ?? []) update(lk, ls.get<LeftEntry>(lk)!.key, rec.ts);
          },
          left(c) {
            const key = [...c.key];
            const lk = keyOf(key);
            const previous = ls.get<LeftEntry>(lk);
            if (c.row === null) {
              if (previous) {
                unindex(previous.fk, lk);
                ls.delete(lk);
              }
              update(lk, key, c.ts, previous !== undefined);
              return;
            }
            const row = leftRow(c.row);
            const fkValue = lf(row);
            const fk = fkValue === null ? null : keyOf(fkValue);
            if (previous && previous.fk !== fk) unindex(previous.fk, lk);
            ls.put(lk, { key, row, fk } satisfies LeftEntry);
            if (fk !== null && (!previous || previous.fk !== fk)) index.put(fk, [...(index.get<string[]>(fk) ?? []), lk]);
            update(lk, key, c.ts);
          },
        };
      }
      if (lk === 'TABLE' && rk === 'TABLE') {
        const ls = stores.store(`${prefix}-left-table`);
        const rs = stores.store(`${prefix}-right-table`);
        const results = stores.store(`${prefix}-join-results`);
        const combine = (l: Row | undefined, r: Row | undefined): Row | null => {
          if (l && r) return [...l, ...r];
          if (l && !r && (j.type === 'LEFT' || j.type === 'FULL')) return [...l, ...nullRight];
          if (!l && r && (j.type === 'RIGHT' || j.type === 'FULL')) return [...nullLeft, ...r];
          return null;
        };
        const update = (keyVal: unknown, ts: number, w?: { start: number; end: number }): void => {
          const k = keyOf(keyVal) + windowSuffix(w, session);
          const result = combine(ls.get<Row>(k), rs.get<Row>(k));
          const old = (results.get<Row>(k) ?? null) as Row | null;
          if (result === null && old === null) return;
          if (result === null) results.delete(k);
          else results.put(k, result);
          next({ key: [keyVal], row: result, old, ts, ...(w ? { window: w } : {}) });
        };
        return {
          right(rec) {
            const row = sourceRow(right, rec);
            const keyVal = (rec.key ?? [])[0] ?? null;
            const k = keyOf(keyVal) + windowSuffix(rec.window, session);
            if (row === null) rs.delete(k);
            else rs.put(k, row);
            update(keyVal, rec.ts, rec.window);
          },
          left(c) {
            const ws = windowSuffix(c.window, session);
            const newKey = c.row === null ? null : lf(leftRow(c.row));
            const oldKey = c.old ? lf(leftRow(c.old)) : c.row === null ? (c.key[0] ?? null) : null;
            if (oldKey !== null && (newKey === null || keyOf(oldKey) !== keyOf(newKey))) {
              ls.delete(keyOf(oldKey) + ws);
              update(oldKey, c.ts, c.window);
            }
            if (newKey !== null) {
              ls.put(keyOf(newKey) + ws, leftRow(c.row!));
              update(newKey, c.ts, c.window);
            }
          },
        };
      }
      // stream-stream
      const within = j.within!;
      const before = within.before.millis;
      const after = within.after.millis;
      const grace = within.grace?.millis;
      const lbuf = stores.store(`${prefix}-KSTREAM-JOINTHIS-store`);
      const rbuf = stores.store(`${prefix}-KSTREAM-JOINOTHER-store`);
      const pending = stores.store(`${prefix}-KSTREAM-OUTERSHARED-store`);
      let seq = 0;
      let streamTime = -Infinity;
      interface Buffered {
        row: Row;
        ts: number;
        key: unknown;
        side: 0 | 1;
        matched: boolean;
      }
      const flushPending = (): void => {
        if (grace === undefined) return;
        const expired: [string, Buffered][] = [];
        for (const [k, v] of pending.entries()) {
          const b = v as Buffered;
          const closes = b.side === 0 ? b.ts + after + grace : b.ts + before + grace;
          if (closes < streamTime) expired.push([k, b]);
        }
        expired.sort((a, b) => a[1].ts - b[1].ts);
        for (const [k, b] of expired) {
          pending.delete(k);
          next({ key: [b.key], row: b.side === 0 ? [...b.row, ...nullRight] : [...nullLeft, ...b.row], ts: b.ts });
        }
      };
      const arrive = (isLeft: boolean, row: Row, ts: number, w: { start: number; end: number } | undefined): void => {
        const key = isLeft ? lf(row) : rf([...nullLeft, ...row]);
        if (key === null) return;
        streamTime = Math.max(streamTime, ts);
        const kk = keyOf(key) + windowSuffix(w, session);
        const own = isLeft ? lbuf : rbuf;
        const other = isLeft ? rbuf : lbuf;
        const id = `${kk}#${String(++seq).padStart(12, '0')}`;
        let matched = false;
        for (const [ok, v] of other.entries()) {
          if (!ok.startsWith(kk + '#')) continue;
          const b = v as Buffered;
          const inWindow = isLeft ? b.ts >= ts - before && b.ts <= ts + after : ts >= b.ts - before && ts <= b.ts + after;
          if (!inWindow) continue;
          matched = true;
          if (pending.get(ok)) pending.delete(ok);
          const out = isLeft ? [...row, ...b.row] : [...b.row, ...row];
          next({ key: [key], row: out, ts: Math.max(ts, b.ts) });
        }
        // Kafka Streams' window stores keep records for before + after + grace: an older record
        // is not stored (it joins with nothing that arrives later)
        if (ts >= streamTime - (before + after + (grace ?? DEFAULT_GRACE_MS))) own.put(id, { row, ts, key, side: isLeft ? 0 : 1, matched });
        const outer = (isLeft && (j.type === 'LEFT' || j.type === 'FULL')) || (!isLeft && (j.type === 'RIGHT' || j.type === 'FULL'));
        if (!matched && outer) {
          // an unmatched record whose window already closed is emitted at once
          const timeTo = ts + (isLeft ? after : before);
          if (grace === undefined || timeTo < streamTime)
            next({ key: [key], row: isLeft ? [...row, ...nullRight] : [...nullLeft, ...row], ts });
          else pending.put(id, { row, ts, key, side: isLeft ? 0 : 1, matched: false });
        }
        flushPending();
      };
      return {
        left(c) {
          if (c.row !== null) arrive(true, leftRow(c.row), c.ts, c.window);
        },
        right(rec) {
          const row = sourceRow(right, rec);
          if (row !== null) arrive(false, row, rec.ts, rec.window);
        },
      };
    },
  };
}
