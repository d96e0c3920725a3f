/**
 * Planning and running one persistent query (CSAS, CTAS, INSERT INTO): ksqlDB's logical plan
 * (source → join → filter → aggregate | repartition → final projection → sink) compiled into
 * closures once. State lives in StateStores.
 */
import type { Expr, Join, Query, SelectItem } from '../../../core/ksql';
import { formatExpression, mapExpr, walkExpr } from '../../../core/ksql';
import { ColumnAliasGenerator } from '../../../core/ksql/aliases';
import { AGGREGATES, type AggregateImpl } from './aggregates';
import { KsqlError, NotSupportedError, RecordError } from './errors';
import { compile, Scope, type Compiled, type Fn, type Row, type ScopeColumn } from './expr';
import { functionExists, type FunctionContext } from './functions';
import { keyColumns, type Column, type DataSource, type WindowInfo } from './model';
import type { StateStores } from './state';
import { T, sameType, typeText, type SqlType } from './types';
import { keyOf } from './values';
import { ksqlText } from './text';

/** A decoded input record of one source. */
export interface SourceRecord {
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
  /** Whether the query re-keys (GROUP BY / PARTITION BY / join). */
  readonly rekeyed: boolean;
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

const joiner = (items: readonly string[], word: string): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${word} ${items[items.length - 1]}`;

function keysNotIncluded(sink: string, type: string, required: string[], requireAll = true): never {
  const postfix = requireAll && required.length > 1 ? 's' : '';
  const types = type + (required.length === 1 ? '' : 's');
  throw new KsqlError(
    `Key${postfix} missing from projection (ie, SELECT).\nThe query used to build \`${sink}\` must include the ${types} ${joiner(required, requireAll ? 'and' : 'or')} in its projection (eg, SELECT ${requireAll ? required.join(', ') : required[0]}...).`,
  );
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
      const rels = item.source === undefined ? layouts : layouts.filter((l) => l.alias === item.source || l.source.name === item.source);
      for (const l of rels) {
        const cols = [...l.source.columns.filter((c) => c.ns === 'KEY'), ...l.source.columns.filter((c) => c.ns !== 'KEY')];
        const keyCount = cols.filter((c) => c.ns === 'KEY').length;
        cols.forEach((c, i) => {
          if (transient && !isJoin && l.source.window && i === keyCount) {
            for (const b of ['WINDOWSTART', 'WINDOWEND']) out.push({ expr: { kind: 'column', loc, name: b, source: l.alias }, name: b });
          }
          out.push({ expr: { kind: 'column', loc, name: c.name, source: l.alias }, name: isJoin ? `${l.alias}_${c.name}` : c.name });
        });
      }
    } else if (item.kind === 'structAll') {
      const base = compile(item.base, scope);
      if (base.type === null || base.type.base !== 'STRUCT')
        throw new KsqlError(`Expected STRUCT type for ->*, got ${typeText(base.type)}`);
      for (const f of base.type.fields) out.push({ expr: { kind: 'dereference', loc, base: item.base, field: f.name }, name: f.name });
    } else {
      let name: string;
      const e = item.expression;
      if (item.alias !== undefined) name = item.alias;
      else if (e.kind === 'column') {
        let qualifier = e.source;
        if (isJoin && qualifier === undefined) {
          const c = scope.find(e.name);
          qualifier = c?.source;
        }
        name = isJoin && qualifier !== undefined && clashes(e.name) ? `${qualifier}_${e.name}` : e.name;
      } else name = generator.uniqueAliasFor(e);
      out.push({ expr: e, name });
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
  if (q.joins.length > 1) throw new NotSupportedError('joins of more than two sources');
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
  const inputScope = new Scope(
    allCols,
    'SELECT',
    fctx,
    undefined,
    relations.map((r) => r.alias),
  );
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
  if (isJoin) join = planJoin(q.joins[0], layouts, inputScope, requalify, warnings);

  // -------------------------------------------------------------- where
  let where: Fn | undefined;
  if (q.where) {
    const w = requalify(q.where);
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
        `Type error in WHERE expression: Should evaluate to boolean but is ${formatExpression(w)} (${typeText(c.type)}) instead.`,
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
  const specs = expandSelect(selectItems, layouts, isJoin, inputScope, opts.transient === true);
  const hasAggregates = specs.some((s) => containsAggregate(s.expr)) || (q.having !== undefined && containsAggregate(q.having));
  if (q.window && !q.groupBy) {
    if (!hasAggregates) throw new KsqlError('WINDOW clause requires a GROUP BY clause.');
  }

  if (q.groupBy || hasAggregates) {
    return planAggregate(q, opts, sources, layouts, inputScope, specs, requalify, join, where, warnings);
  }
  if (q.having) throw new KsqlError('HAVING clause requires a GROUP BY clause.');
  if (q.window) throw new KsqlError('WINDOW clause requires a GROUP BY clause.');
  if (q.partitionBy) {
    if (sources[0].kind === 'TABLE' && !isJoin)
      throw new KsqlError(`Invalid use of PARTITION BY clause: tables cannot be partitioned. Use GROUP BY instead.`);
    return planRepartition(q, opts, sources, layouts, inputScope, specs, requalify, join, where, warnings);
  }
  return planProjection(opts, sources, layouts, inputScope, specs, join, where, warnings);
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
function buildProjection(compiled: { spec: SelectSpec; c: Compiled }[], keyPositions: number[], keyCount: number): ProjectionPlan {
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
): PlannedQuery {
  const compiled = compileSelect(specs, scope);
  let keyPositions: number[];
  let keyCount: number;
  if (opts.transient) {
    keyPositions = specs.map(() => -1);
    keyCount = 0;
  } else if (join) {
    ({ keyPositions, keyCount } = join.keyInProjection(specs, scope, opts.sinkName));
  } else {
    const l = layouts[0];
    const keys = keyColumns(l.source);
    keyCount = keys.length;
    const seen = new Map<string, string[]>();
    keyPositions = specs.map((s) => {
      if (s.expr.kind !== 'column') return -1;
      const c = scope.find(s.expr.name, s.expr.source);
      const ki = c ? keys.findIndex((k) => k.name === c.name && c.index === l.columns.find((x) => x.name === k.name)?.index) : -1;
      if (ki >= 0) seen.set(keys[ki].name, [...(seen.get(keys[ki].name) ?? []), s.name]);
      return ki;
    });
    for (const [k, names] of seen) {
      if (names.length > 1) {
        throw new KsqlError(
          `The projection contains a key column (\`${k}\`) more than once, aliased as: ${joiner([...names].sort(), 'and')}.\nEach key column must only be in the projection once. If you intended to copy the key into the value, then consider using the AS_VALUE function to indicate which key reference should be copied.`,
        );
      }
    }
    const missing = keys.filter((k) => !seen.has(k.name)).map((k) => k.name);
    if (missing.length > 0) keysNotIncluded(opts.sinkName, 'key column', missing);
  }
  const proj = buildProjection(compiled, keyPositions, keyCount);
  const kind: 'STREAM' | 'TABLE' = join ? join.resultKind : sources[0].kind;
  return {
    kind,
    columns: proj.columns,
    window: join ? undefined : sources[0].window,
    sources,
    warnings,
    rekeyed: join !== undefined,
    start(stores, prefix, emit) {
      const sink: Stage = (c) => {
        if (c.row === null) {
          emit({ key: c.key, value: null, ts: c.ts, ...(c.window ? { window: c.window } : {}) });
          return;
        }
        emit({ key: proj.key(c.row), value: proj.value(c.row), ts: c.ts, ...(c.window ? { window: c.window } : {}) });
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
      next({ key: (rec.key ?? []).slice(0, l.keyCount), row, ts: rec.ts, ...(rec.window ? { window: rec.window } : {}) });
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
  const keyCanon = keyExprs.map((e) => canon(e, scope));
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
  }
  const compiled = compileSelect(finalSpecs, scope);
  const found: string[][] = keyExprs.map(() => []);
  const keyPositions = finalSpecs.map((s) => {
    const i = keyCanon.indexOf(canon(s.expr, scope));
    if (i >= 0) found[i].push(s.name);
    return i;
  });
  found.forEach((names, i) => {
    if (names.length > 1 && !opts.transient) {
      throw new KsqlError(
        `The projection contains a key column (\`${names[0]}\`) more than once, aliased as: ${joiner([...names].sort(), 'and')}.\nEach key column must only be in the projection once. If you intended to copy the key into the value, then consider using the AS_VALUE function to indicate which key reference should be copied.`,
      );
    }
    void i;
  });
  const missing = keyExprs.filter((_, i) => found[i].length === 0).map((e) => qualifiedText(e, scope));
  if (missing.length > 0 && !opts.transient) keysNotIncluded(opts.sinkName, 'partitioning expression', missing);
  const proj = opts.transient
    ? buildProjection(
        compiled,
        finalSpecs.map(() => -1),
        0,
      )
    : buildProjection(compiled, keyPositions, keyExprs.length);
  const keyFns = compiledKeys.map((c) => safe(c.fn));
  return {
    kind: 'STREAM',
    columns: proj.columns,
    sources,
    warnings,
    rekeyed: true,
    start(stores, prefix, emit) {
      const sink: Stage = (c) => {
        if (c.row === null) {
          emit({ key: keyFns.map(() => null), value: null, ts: c.ts });
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
): PlannedQuery {
  const inputKind = join ? join.resultKind : sources[0].kind;
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
    // the first argument is the column; further arguments are literals (n, ignoreNulls, k)
    const colArgs = compiledArgs.length > 0 ? [compiledArgs[0]] : [];
    const literals = compiledArgs.slice(1).map((c) => {
      if (!c.constant) throw new KsqlError(`Parameter ${formatExpression(call)} must be a literal`);
      return c.fn([]);
    });
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
    aggCalls.push({ canon: k, name: call.name, args: colArgs.map((c) => safe(c.fn)), impl, text: formatExpression(call) });
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
  const found: string[][] = groupBy.map(() => []);
  const keyPositions = rewrittenSelect.map((s) => {
    if (s.expr.kind === 'column' && s.expr.name.startsWith('§K')) {
      const i = Number(s.expr.name.slice(2));
      found[i].push(s.name);
      return i;
    }
    return -1;
  });
  found.forEach((names) => {
    if (names.length > 1 && !opts.transient) {
      throw new KsqlError(
        `The projection contains a key column more than once: ${joiner(
          names.map((n) => `\`${n}\``),
          'and',
        )}.\nEach key column must only be in the projection once. If you intended to copy the key into the value, then consider using the AS_VALUE function to indicate which key reference should be copied.`,
      );
    }
  });
  const valueCount = opts.transient ? keyPositions.length : keyPositions.filter((p) => p < 0).length;
  if (valueCount === 0) throw new KsqlError('The projection contains no value columns.');
  const missing = groupBy.filter((_, i) => found[i].length === 0).map((g) => formatExpression(g));
  if (missing.length > 0 && !opts.transient) keysNotIncluded(opts.sinkName, 'grouping expression', missing);
  const proj = opts.transient
    ? buildProjection(
        compiled,
        keyPositions.map(() => -1),
        0,
      )
    : buildProjection(compiled, keyPositions, nKeys);
  let having: Fn | undefined;
  if (rewrittenHaving) {
    let c: Compiled;
    try {
      c = compile(rewrittenHaving, postScope.withClause('HAVING'));
    } catch (e) {
      if (e instanceof KsqlError)
        throw new KsqlError(
          `Error in HAVING expression: ${e.message.replace(/§K(\d+)/g, (_m, i) => formatExpression(groupBy[Number(i)])).replace(/§A(\d+)/g, (_m, i) => aggCalls[Number(i)].text)}`,
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
  keyInProjection(specs: readonly SelectSpec[], scope: Scope, sink: string): { keyPositions: number[]; keyCount: number };
  start(stores: StateStores, prefix: string, next: Stage): QueryRuntime;
}

function planJoin(j: Join, layouts: SourceLayout[], scope: Scope, requalify: (e: Expr) => Expr, warnings: string[]): JoinPlan {
  const [left, right] = layouts;
  const lk = left.source.kind;
  const rk = right.source.kind;
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
  const on = requalify(j.on);
  const onText = qualifiedText(on, scope);
  if (on.kind !== 'comparison' || on.op !== '=') {
    throw new KsqlError(`Unsupported join expression: ${onText}. Only equality joins between sources are supported.`);
  }
  const sideOf = (e: Expr): 'L' | 'R' | 'BAD' => {
    const sides = new Set<string>();
    walkExpr(e, (x) => {
      if (x.kind !== 'column') return;
      const c = scope.find(x.name, x.source);
      if (!c) throw new KsqlError(`JOIN ON column '${x.source ? x.source + '.' : ''}${x.name}' cannot be resolved.`);
      sides.add(c.source === left.alias ? 'L' : 'R');
    });
    return sides.size === 1 ? ([...sides][0] as 'L' | 'R') : 'BAD';
  };
  let le = on.left;
  let re = on.right;
  for (const e of [le, re]) {
    if (sideOf(e) === 'BAD') {
      throw new KsqlError(
        `Invalid comparison expression '${formatExpression(e)}' in join '${onText}'. Each side of the join comparision must contain references from exactly one source.`,
      );
    }
  }
  if (sideOf(le) === 'R') [le, re] = [re, le];
  if (sideOf(le) !== 'L' || sideOf(re) !== 'R')
    throw new KsqlError(
      `Each side of the join must reference exactly one source and not the same source. Left side references ${left.alias} and right references ${left.alias}`,
    );
  const lc = compile(le, scope.withClause('JOIN ON'));
  const rc = compile(re, scope.withClause('JOIN ON'));
  if (!sameType(lc.type, rc.type)) {
    throw new KsqlError(
      `Invalid join condition: types don't match. Got ${qualifiedText(le, scope)}{${typeText(lc.type)}} = ${qualifiedText(re, scope)}{${typeText(rc.type)}}.`,
    );
  }
  const isRightKey = (e: Expr, l: SourceLayout): boolean => {
    if (e.kind !== 'column') return false;
    const c = scope.find(e.name, e.source);
    const keys = keyColumns(l.source);
    return keys.length === 1 && c !== undefined && c.name === keys[0].name && c.source === l.alias;
  };
  if (rk === 'TABLE' && !isRightKey(re, right)) {
    if (lk === 'STREAM')
      throw new KsqlError(`Invalid join condition: stream-table joins require to join on the table's primary key. Got ${onText}.`);
    throw new NotSupportedError('foreign-key table-table joins');
  }
  if (lk === 'TABLE' && !isRightKey(le, left)) throw new NotSupportedError('foreign-key table-table joins');
  if (lk === 'STREAM' && rk === 'STREAM' && j.within && j.within.grace === undefined) {
    warnings.push(
      'DEPRECATION NOTICE: Stream-stream joins statements without a GRACE PERIOD will not be accepted in a future ksqlDB version.\nPlease use the GRACE PERIOD clause as specified in https://docs.ksqldb.io/en/latest/developer-guide/ksqldb-reference/select-push-query/',
    );
  }
  const resultKind: 'STREAM' | 'TABLE' = lk === 'TABLE' && rk === 'TABLE' ? 'TABLE' : 'STREAM';
  // viable key columns: the column sides of the criteria (left first)
  const viable = [le, re].filter((e) => e.kind === 'column');
  const viableCanon = viable.map((e) => canon(e, scope));
  const lf = safe(lc.fn);
  const rf = safe(rc.fn);
  const rightWidth = right.width;
  const leftWidth = left.width;

  return {
    resultKind,
    keyInProjection(specs, sc, sink) {
      if (viable.length === 0) throw new NotSupportedError('joins on expressions on both sides (synthetic ROWKEY)');
      let chosen = -1;
      for (let v = 0; v < viable.length && chosen < 0; v++) {
        if (specs.some((s) => canon(s.expr, sc) === viableCanon[v])) chosen = v;
      }
      if (chosen < 0)
        keysNotIncluded(
          sink,
          'join expression',
          viable.map((e) => qualifiedText(e, sc)),
          false,
        );
      const names: string[] = [];
      const keyPositions = specs.map((s) => {
        const hit = canon(s.expr, sc) === viableCanon[chosen];
        if (hit) names.push(s.name);
        return hit ? 0 : -1;
      });
      if (names.length > 1) {
        throw new KsqlError(
          `The projection contains a key column (\`${names[0]}\`) more than once, aliased as: ${joiner([...names].sort(), 'and')}.\nEach key column must only be in the projection once. If you intended to copy the key into the value, then consider using the AS_VALUE function to indicate which key reference should be copied.`,
        );
      }
      return { keyPositions, keyCount: 1 };
    },
    start(stores, prefix, next) {
      const nullRight: Row = new Array(rightWidth).fill(null);
      const nullLeft: Row = new Array(leftWidth).fill(null);
      if (lk === 'STREAM' && rk === 'TABLE') {
        const table = stores.store(`${prefix}-right-table`);
        return {
          process(i, rec) {
            if (i === 1) {
              const row = sourceRow(right, rec);
              const k = keyOf((rec.key ?? [])[0] ?? null);
              if (row === null) table.delete(k);
              else table.put(k, row);
              return;
            }
            const row = sourceRow(left, rec);
            if (row === null) return;
            const key = lf([...row, ...nullRight]);
            if (key === null) return;
            const r = table.get<Row>(keyOf(key));
            if (!r && j.type !== 'LEFT') return;
            next({ key: [key], row: [...row, ...(r ?? nullRight)], ts: rec.ts });
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
        return {
          process(i, rec) {
            const isLeft = i === 0;
            const lay = isLeft ? left : right;
            const row = sourceRow(lay, rec);
            const keyVal = (rec.key ?? [])[0] ?? null;
            const k = keyOf(keyVal);
            const st = isLeft ? ls : rs;
            if (row === null) st.delete(k);
            else st.put(k, row);
            const result = combine(ls.get<Row>(k), rs.get<Row>(k));
            const old = (results.get<Row>(k) ?? null) as Row | null;
            if (result === null && old === null) return;
            if (result === null) results.delete(k);
            else results.put(k, result);
            next({ key: [keyVal], row: result, old, ts: rec.ts });
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
      return {
        process(i, rec) {
          const isLeft = i === 0;
          const lay = isLeft ? left : right;
          const row = sourceRow(lay, rec);
          if (row === null) return;
          const key = isLeft ? lf([...row, ...nullRight]) : rf([...nullLeft, ...row]);
          if (key === null) return;
          const ts = rec.ts;
          streamTime = Math.max(streamTime, ts);
          const kk = keyOf(key);
          const own = isLeft ? lbuf : rbuf;
          const other = isLeft ? rbuf : lbuf;
          // drop records older than the window + grace allows
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
          own.put(id, { row, ts, key, side: isLeft ? 0 : 1, matched });
          const outer = (isLeft && (j.type === 'LEFT' || j.type === 'FULL')) || (!isLeft && (j.type === 'RIGHT' || j.type === 'FULL'));
          if (!matched && outer) {
            if (grace === undefined) next({ key: [key], row: isLeft ? [...row, ...nullRight] : [...nullLeft, ...row], ts });
            else pending.put(id, { row, ts, key, side: isLeft ? 0 : 1, matched: false });
          }
          flushPending();
        },
      };
    },
  };
}
