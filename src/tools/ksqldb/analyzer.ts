/**
 * Query analysis: resolves the sources of a SELECT, qualifies and aliases its columns (ksqlDB's
 * `AstSanitizer`), validates column references, functions, aggregation, joins and keys, infers the
 * result schema and describes the execution-plan shape (for CREATE OR REPLACE upgrade checks).
 *
 * Messages are ksqlDB's (Analyzer, AggregateAnalyzer, LogicalPlanner, JoinNode, PlanNode, ...).
 * Anything outside the supported subset raises a `[ksqlDB stand-in]` error instead of guessing.
 */
import { Expr, Ident, Loc, Query, SelectItem } from './ast';
import { Catalog, Column, columnToString, DataSource, keyColumns, PlanStep, WindowInfo } from './catalog';
import { joinGrammatically, KsqlException, StandInUnsupported } from './errors';
import { formatExpr, quoteIfNeeded } from './formatter';
import { functionReturnType, isAggregate, isKnownFunction, TABLE_FUNCTIONS, unknownFunction } from './functions';
import { arithmeticType, formatType, SqlType, T, typeEquals } from './sql-types';

/** An error of ksqlDB's prepare step (AstSanitizer): reported as "Exception while preparing statement: ...". */
export class PrepareFailure extends Error {}

export interface ScopeSource {
  readonly alias: string;
  readonly source: DataSource;
}

export interface Sanitized {
  readonly query: Query;
  readonly sources: readonly ScopeSource[];
}

const PSEUDO: readonly Column[] = [
  { name: 'ROWTIME', type: T.BIGINT, ns: 'VALUE' },
  { name: 'ROWPARTITION', type: T.INTEGER, ns: 'VALUE' },
  { name: 'ROWOFFSET', type: T.BIGINT, ns: 'VALUE' },
];
const WINDOW_BOUNDS: readonly Column[] = [
  { name: 'WINDOWSTART', type: T.BIGINT, ns: 'KEY' },
  { name: 'WINDOWEND', type: T.BIGINT, ns: 'KEY' },
];

function visibleColumns(s: DataSource): Column[] {
  return [...s.columns, ...PSEUDO, ...(s.window ? WINDOW_BOUNDS : [])];
}

export function locPrefix(loc: Loc): string {
  return `Line: ${loc.line}, Col: ${loc.col + 1}: `;
}

const ident = (text: string, loc: Loc): Ident => ({ text, quoted: false, loc });

// --------------------------------------------------------------------------- expression walking

/** Applies `f` bottom-up to every sub-expression, keeping lambda parameters in scope. */
function mapExpr(e: Expr, f: (e: Expr, lambdaParams: ReadonlySet<string>) => Expr, params: ReadonlySet<string> = new Set()): Expr {
  const m = (x: Expr): Expr => mapExpr(x, f, params);
  let out: Expr;
  switch (e.k) {
    case 'func':
      out = { ...e, args: e.args.map(m) };
      break;
    case 'arith':
    case 'concat':
    case 'cmp':
    case 'logic':
      out = { ...e, left: m(e.left), right: m(e.right) };
      break;
    case 'distinct':
      out = { ...e, left: m(e.left), right: m(e.right) };
      break;
    case 'neg':
    case 'not':
    case 'isnull':
    case 'tz':
      out = { ...e, expr: m(e.expr) };
      break;
    case 'cast':
      out = { ...e, expr: m(e.expr) };
      break;
    case 'between':
      out = { ...e, expr: m(e.expr), lo: m(e.lo), hi: m(e.hi) };
      break;
    case 'in':
      out = { ...e, expr: m(e.expr), list: e.list.map(m) };
      break;
    case 'like':
      out = { ...e, expr: m(e.expr), pattern: m(e.pattern) };
      break;
    case 'case':
      out = {
        ...e,
        operand: e.operand && m(e.operand),
        whens: e.whens.map((w) => ({ when: m(w.when), then: m(w.then) })),
        else: e.else && m(e.else),
      };
      break;
    case 'array':
      out = { ...e, items: e.items.map(m) };
      break;
    case 'map':
      out = { ...e, entries: e.entries.map((en) => ({ key: m(en.key), value: m(en.value) })) };
      break;
    case 'struct':
      out = { ...e, fields: e.fields.map((fl) => ({ name: fl.name, value: m(fl.value) })) };
      break;
    case 'subscript':
      out = { ...e, base: m(e.base), index: m(e.index) };
      break;
    case 'deref':
      out = { ...e, base: m(e.base) };
      break;
    case 'lambda': {
      const inner = new Set(params);
      for (const p of e.params) inner.add(p.text);
      out = { ...e, body: mapExpr(e.body, f, inner) };
      break;
    }
    default:
      out = e;
  }
  return f(out, params);
}

function forEachExpr(e: Expr, visit: (e: Expr, lambdaParams: ReadonlySet<string>) => void): void {
  mapExpr(e, (x, p) => {
    visit(x, p);
    return x;
  });
}

type ColRef = Extract<Expr, { k: 'col' }>;

function columnRefs(e: Expr): ColRef[] {
  const out: ColRef[] = [];
  forEachExpr(e, (x, params) => {
    if (x.k === 'col' && !(x.qualifier === undefined && params.has(x.name.text))) out.push(x);
  });
  return out;
}

function functionCalls(e: Expr): Array<Extract<Expr, { k: 'func' }>> {
  const out: Array<Extract<Expr, { k: 'func' }>> = [];
  forEachExpr(e, (x) => {
    if (x.k === 'func') out.push(x);
  });
  return out;
}

const sameExpr = (a: Expr, b: Expr): boolean => formatExpr(a) === formatExpr(b);

// --------------------------------------------------------------------------- sanitizing (prepare)

/** ksqlDB's DataSourceExtractor + AstSanitizer: resolve sources, qualify columns, alias select items. */
export function sanitizeQuery(q: Query, catalog: Catalog): Sanitized {
  const relations = [q.from, ...q.joins.map((j) => j.right)];
  const sources: ScopeSource[] = relations.map((r) => {
    const source = catalog.getSource(r.name.text);
    if (!source) throw new PrepareFailure(`${r.name.text} does not exist.${catalog.alternativesHint(r.name.text)}`);
    return { alias: (r.alias ?? r.name).text, source };
  });
  const isJoin = sources.length > 1;
  const sourcesWith = (name: string): ScopeSource[] => sources.filter((s) => visibleColumns(s.source).some((c) => c.name === name));

  const qualify = (e: Expr): Expr =>
    mapExpr(e, (x, params) => {
      if (x.k !== 'col' || x.qualifier !== undefined || params.has(x.name.text)) return x;
      const matching = sourcesWith(x.name.text);
      if (matching.length > 1) {
        const options = matching.map((s) => `${quoteIfNeeded(s.alias)}.${quoteIfNeeded(x.name.text)}`).sort();
        throw new PrepareFailure(
          `${locPrefix(x.loc)}Column '${formatExpr(x)}' is ambiguous. Could be ${joinGrammatically(options, 'or')}.`,
        );
      }
      if (matching.length === 0) return x;
      return { ...x, qualifier: ident(matching[0].alias, x.loc) };
    });

  const used = new Set(sources.flatMap((s) => s.source.columns.map((c) => c.name)));
  let generated = 0;
  const nextGenerated = (): string => {
    for (;;) {
      const name = `KSQL_COL_${generated++}`;
      if (!used.has(name)) return name;
    }
  };

  const select: SelectItem[] = q.select.map((item) => {
    if (item.kind !== 'single') return item;
    const expr = qualify(item.expr);
    if (item.alias) return { ...item, expr };
    let alias: string;
    if (expr.k === 'col') {
      alias =
        expr.qualifier && isJoin && sourcesWith(expr.name.text).length > 1 ? `${expr.qualifier.text}_${expr.name.text}` : expr.name.text;
    } else if (expr.k === 'deref') {
      alias = expr.field.text;
    } else {
      alias = nextGenerated();
    }
    return { ...item, expr, alias: ident(alias, item.loc) };
  });

  const query: Query = {
    ...q,
    select,
    joins: q.joins.map((j) => ({ ...j, on: qualify(j.on) })),
    where: q.where && qualify(q.where),
    groupBy: q.groupBy?.map(qualify),
    partitionBy: q.partitionBy?.map(qualify),
    having: q.having && qualify(q.having),
  };
  return { query, sources };
}

// --------------------------------------------------------------------------- analysis

export interface JoinInfo {
  readonly type: 'INNER' | 'LEFT' | 'RIGHT' | 'OUTER';
  readonly left: ScopeSource;
  readonly right: ScopeSource;
  readonly within: boolean;
  readonly kind: 'STREAM_STREAM' | 'STREAM_TABLE' | 'TABLE_TABLE';
}

export interface QueryAnalysis {
  readonly resultType: 'STREAM' | 'TABLE';
  /** result schema: persistent queries get KEY columns; transient ones list everything as values */
  readonly columns: Column[];
  readonly sources: readonly ScopeSource[];
  readonly window?: WindowInfo;
  /** plan below the sink step */
  readonly plan: PlanStep;
  readonly join?: JoinInfo;
  readonly isAggregate: boolean;
  /** key format without a WITH override: from the (first non-NONE) source key format */
  readonly defaultKeyFormat: string;
  readonly defaultValueFormat: string;
  readonly keyless: boolean;
}

export interface AnalyzeOptions {
  /** sink name for persistent queries (CREATE AS / INSERT INTO); undefined = transient */
  readonly sinkName?: string;
}

interface Scope {
  readonly sources: readonly ScopeSource[];
  readonly windowBoundsVisible: boolean;
}

function lookupColumn(scope: Scope, ref: ColRef): Column | undefined {
  const name = ref.name.text;
  if (scope.windowBoundsVisible && (name === 'WINDOWSTART' || name === 'WINDOWEND')) {
    if (!ref.qualifier || scope.sources.some((s) => s.alias === ref.qualifier!.text)) return { name, type: T.BIGINT, ns: 'VALUE' };
  }
  const candidates = ref.qualifier ? scope.sources.filter((s) => s.alias === ref.qualifier!.text) : scope.sources;
  for (const s of candidates) {
    const c = visibleColumns(s.source).find((col) => col.name === name);
    if (c) return c;
  }
  return undefined;
}

function validateColumns(scope: Scope, exprs: readonly Expr[], clause: string): void {
  for (const e of exprs) {
    for (const ref of columnRefs(e)) {
      if (!lookupColumn(scope, ref)) {
        throw new KsqlException(`${locPrefix(ref.loc)}${clause} column '${formatExpr(ref)}' cannot be resolved.`);
      }
    }
  }
}

function decimalLiteralType(text: string): SqlType {
  const unsigned = text.replace(/^-/, '');
  const [intPart, frac = ''] = unsigned.split('.');
  const digits = (intPart.replace(/^0+/, '') + frac).length || 1;
  return T.decimal(Math.max(digits, frac.length), frac.length);
}

function inferType(e: Expr, scope: Scope): SqlType | undefined {
  const cannot = (): never => {
    throw new StandInUnsupported(`cannot infer the type of expression ${formatExpr(e)}`);
  };
  switch (e.k) {
    case 'lit':
      switch (e.lt) {
        case 'null':
          return undefined;
        case 'bool':
          return T.BOOLEAN;
        case 'string':
          return T.STRING;
        case 'int':
          return T.INTEGER;
        case 'long':
          return T.BIGINT;
        case 'double':
          return T.DOUBLE;
        case 'decimal':
          return decimalLiteralType(e.value);
      }
      break;
    case 'col': {
      const c = lookupColumn(scope, e);
      return c ? c.type : cannot();
    }
    case 'func':
      if (e.star) {
        if (e.name.text !== 'COUNT') throw isKnownFunction(e.name.text) ? cannot() : unknownFunction(e.name.text);
        return T.BIGINT;
      }
      return functionReturnType(
        e.name.text,
        e.args.map((a) => inferType(a, scope)),
      );
    case 'arith': {
      const l = inferType(e.left, scope);
      const r = inferType(e.right, scope);
      if (!l || !r) return l ?? r ?? cannot();
      return arithmeticType(e.op, l, r) ?? cannot();
    }
    case 'concat':
      return T.STRING;
    case 'neg':
      return inferType(e.expr, scope);
    case 'cmp':
    case 'logic':
    case 'not':
    case 'between':
    case 'in':
    case 'like':
    case 'isnull':
    case 'distinct':
      return T.BOOLEAN;
    case 'case': {
      for (const w of e.whens) {
        const t = inferType(w.then, scope);
        if (t) return t;
      }
      return e.else ? inferType(e.else, scope) : undefined;
    }
    case 'cast':
      return e.type;
    case 'array': {
      const item = e.items.map((i) => inferType(i, scope)).find((t) => t !== undefined);
      return item ? T.array(item) : cannot();
    }
    case 'map': {
      const k = e.entries.map((en) => inferType(en.key, scope)).find((t) => t !== undefined);
      const v = e.entries.map((en) => inferType(en.value, scope)).find((t) => t !== undefined);
      return k && v ? T.map(k, v) : cannot();
    }
    case 'struct':
      return {
        base: 'STRUCT',
        fields: e.fields.map((f) => ({ name: f.name.text, type: inferType(f.value, scope) ?? cannot() })),
      };
    case 'subscript': {
      const b = inferType(e.base, scope);
      if (b?.base === 'ARRAY') return b.item;
      if (b?.base === 'MAP') return b.value;
      return cannot();
    }
    case 'deref': {
      const b = inferType(e.base, scope);
      if (b?.base === 'STRUCT') {
        const f = b.fields.find((x) => x.name === e.field.text);
        if (f) return f.type;
      }
      return cannot();
    }
    default:
      return cannot();
  }
  return cannot();
}

function checkFunctions(exprs: readonly Expr[]): void {
  for (const e of exprs) {
    for (const f of functionCalls(e)) {
      if (!isKnownFunction(f.name.text)) throw unknownFunction(f.name.text);
      if (TABLE_FUNCTIONS.has(f.name.text)) {
        throw new StandInUnsupported(`table functions (${f.name.text}) are not supported`);
      }
      if (f.args.some((a) => a.k === 'lambda')) {
        throw new StandInUnsupported(`lambda functions (${f.name.text}) are not supported`);
      }
    }
  }
}

/** Column references of `e` outside aggregate calls. */
function nonAggregateRefs(e: Expr): ColRef[] {
  if (e.k === 'func' && isAggregate(e.name.text)) return [];
  if (e.k === 'col') return [e];
  const out: ColRef[] = [];
  const children: Expr[] = [];
  switch (e.k) {
    case 'func':
    case 'array':
      children.push(...(e.k === 'func' ? e.args : e.items));
      break;
    case 'arith':
    case 'concat':
    case 'cmp':
    case 'logic':
    case 'distinct':
      children.push(e.left, e.right);
      break;
    case 'neg':
    case 'not':
    case 'isnull':
    case 'cast':
    case 'tz':
      children.push(e.expr);
      break;
    case 'between':
      children.push(e.expr, e.lo, e.hi);
      break;
    case 'in':
      children.push(e.expr, ...e.list);
      break;
    case 'like':
      children.push(e.expr, e.pattern);
      break;
    case 'case':
      if (e.operand) children.push(e.operand);
      for (const w of e.whens) children.push(w.when, w.then);
      if (e.else) children.push(e.else);
      break;
    case 'map':
      for (const en of e.entries) children.push(en.key, en.value);
      break;
    case 'struct':
      for (const f of e.fields) children.push(f.value);
      break;
    case 'subscript':
      children.push(e.base, e.index);
      break;
    case 'deref':
      children.push(e.base);
      break;
    default:
      break;
  }
  for (const c of children) out.push(...nonAggregateRefs(c));
  return out;
}

interface Projected {
  readonly expr: Expr;
  readonly alias: string;
}

const durationMs = (d: { value: number; unit: string }): number => {
  const u = d.unit.replace(/S$/, '');
  const f: Record<string, number> = { MILLISECOND: 1, SECOND: 1000, MINUTE: 60000, HOUR: 3600000, DAY: 86400000 };
  return d.value * (f[u] ?? 1);
};

export function formatsString(s: DataSource): string {
  return `Formats{keyFormat=${s.formats.keyFormat}, valueFormat=${s.formats.valueFormat}}`;
}

function sourceStep(ss: ScopeSource): PlanStep {
  const s = ss.source;
  const cls = `${s.window ? 'Windowed' : ''}${s.type === 'STREAM' ? 'Stream' : 'Table'}Source`;
  return {
    cls,
    sources: [],
    match: { topicName: s.topic, formats: formatsString(s), timestampColumn: s.timestamp?.column ?? 'Optional.empty' },
  };
}

const step = (cls: string, source: PlanStep | PlanStep[]): PlanStep => ({
  cls,
  sources: Array.isArray(source) ? source : [source],
  match: {},
});

function keysMissing(sinkName: string, type: string, required: string[], requireAll: boolean, synthetic: boolean): KsqlException {
  const keyPostfix = requireAll && required.length > 1 ? 's' : '';
  const types = type + (required.length === 1 ? '' : 's');
  const joined = joinGrammatically(required, requireAll ? 'and' : 'or');
  const additional1 = synthetic ? 'See https://cnfl.io/2LV7ouS.' : '';
  const additional2 = synthetic
    ? `\n${required[0]} was added as a synthetic key column because the join criteria did not match any source column. This expression must be included in the projection and may be aliased. `
    : '';
  return new KsqlException(
    `Key${keyPostfix} missing from projection (ie, SELECT). ${additional1}\n` +
      `The query used to build ${'`' + sinkName + '`'} must include the ${types} ${joined} in its projection (eg, SELECT ${
        requireAll ? required.join(', ') : required[0]
      }...).${additional2}`,
  );
}

export function analyzeQuery(s: Sanitized, opts: AnalyzeOptions): QueryAnalysis {
  const q = s.query;
  const persistent = opts.sinkName !== undefined;
  if (s.sources.length > 2) {
    throw new StandInUnsupported('joins of more than two sources are not supported');
  }
  const isJoin = s.sources.length === 2;
  const baseScope: Scope = { sources: s.sources, windowBoundsVisible: false };
  const outScope: Scope = { sources: s.sources, windowBoundsVisible: q.window !== undefined };

  // ---- join criteria (validated first: the analyzer processes the FROM clause first)
  let join: JoinInfo | undefined;
  let leftJoinExpr: Expr | undefined;
  let rightJoinExpr: Expr | undefined;
  if (isJoin) {
    const j = q.joins[0];
    validateColumns(baseScope, [j.on], 'JOIN ON');
    if (j.on.k !== 'cmp' || j.on.op !== '=') {
      throw new StandInUnsupported(`join criteria other than an equality are not supported: ${formatExpr(j.on)}`);
    }
    const sideOf = (e: Expr): string | undefined => {
      const aliases = new Set(columnRefs(e).map((r) => r.qualifier?.text));
      return aliases.size === 1 ? [...aliases][0] : undefined;
    };
    const [left, right] = s.sources;
    const l = sideOf(j.on.left);
    const r = sideOf(j.on.right);
    for (const [side, expr] of [
      [l, j.on.left],
      [r, j.on.right],
    ] as const) {
      if (side === undefined) {
        throw new KsqlException(
          `Invalid comparison expression '${formatExpr(expr)}' in join '${formatExpr(j.on)}'. Each side of the join comparision must contain references from exactly one source.`,
        );
      }
    }
    if (l === r) {
      throw new StandInUnsupported(`join criteria that do not compare the two sources are not supported: ${formatExpr(j.on)}`);
    }
    const flipped = l === right.alias;
    leftJoinExpr = flipped ? j.on.right : j.on.left;
    rightJoinExpr = flipped ? j.on.left : j.on.right;
    const kind = left.source.type === 'STREAM' ? (right.source.type === 'STREAM' ? 'STREAM_STREAM' : 'STREAM_TABLE') : 'TABLE_TABLE';
    join = { type: j.type, left, right, within: j.within !== undefined, kind };
  }

  // ---- column validation in ksqlDB's clause order
  if (q.where) validateColumns(baseScope, [q.where], 'WHERE');
  if (q.groupBy) validateColumns(baseScope, q.groupBy, 'GROUP BY');
  if (q.partitionBy) validateColumns(baseScope, q.partitionBy, 'PARTITION BY');
  if (q.having) validateColumns(outScope, [q.having], 'HAVING');

  // ---- expand the projection
  const projected: Projected[] = [];
  const syntheticKey = isJoin && (join!.type === 'OUTER' || leftJoinExpr!.k !== 'col' || rightJoinExpr!.k !== 'col');
  let syntheticKeyName: string | undefined;
  if (syntheticKey) {
    const names = new Set(s.sources.flatMap((x) => x.source.columns.map((c) => c.name)));
    syntheticKeyName = 'ROWKEY';
    for (let i = 1; names.has(syntheticKeyName); i++) syntheticKeyName = `ROWKEY_${i}`;
  }
  for (const item of q.select) {
    if (item.kind === 'structAll') throw new StandInUnsupported('struct field expansion (->*) is not supported');
    if (item.kind === 'single') {
      projected.push({ expr: item.expr, alias: item.alias!.text });
      continue;
    }
    const targets = item.qualifier ? s.sources.filter((x) => x.alias === item.qualifier!.text) : s.sources;
    if (item.qualifier && targets.length === 0) {
      throw new KsqlException(`${locPrefix(item.loc)}'${item.qualifier.text}' is not a valid stream/table name or alias.`);
    }
    if (syntheticKeyName && !item.qualifier) {
      projected.push({ expr: { k: 'col', name: ident(syntheticKeyName, item.loc), loc: item.loc }, alias: syntheticKeyName });
    }
    for (const t of targets) {
      const cols = [...t.source.columns, ...(!persistent && t.source.window ? WINDOW_BOUNDS : [])];
      for (const c of cols) {
        projected.push({
          expr: { k: 'col', qualifier: ident(t.alias, item.loc), name: ident(c.name, item.loc), loc: item.loc },
          alias: isJoin ? `${t.alias}_${c.name}` : c.name,
        });
      }
    }
  }
  const selectScope = outScope;
  for (const p of projected) {
    for (const ref of columnRefs(p.expr)) {
      if (syntheticKeyName && !ref.qualifier && ref.name.text === syntheticKeyName) continue;
      if (!lookupColumn(selectScope, ref)) {
        throw new KsqlException(`${locPrefix(ref.loc)}SELECT column '${formatExpr(ref)}' cannot be resolved.`);
      }
    }
  }

  // ---- functions
  checkFunctions([
    ...projected.map((p) => p.expr),
    ...(q.where ? [q.where] : []),
    ...(q.groupBy ?? []),
    ...(q.partitionBy ?? []),
    ...(q.having ? [q.having] : []),
  ]);

  // ---- aggregation
  const aggregateCalls = [...projected.map((p) => p.expr), ...(q.having ? [q.having] : [])].flatMap((e) =>
    functionCalls(e).filter((f) => isAggregate(f.name.text)),
  );
  const isAggregateQuery = q.groupBy !== undefined || aggregateCalls.length > 0;
  if (q.groupBy && aggregateCalls.length === 0) {
    throw new KsqlException('GROUP BY requires aggregate functions in either the SELECT or HAVING clause.');
  }
  if (q.groupBy) {
    const groupBy = q.groupBy;
    const inGroupBy = (e: Expr): boolean => groupBy.some((g) => sameExpr(g, e));
    const unmatched: string[] = [];
    for (const p of projected) {
      if (inGroupBy(p.expr)) continue;
      for (const ref of nonAggregateRefs(p.expr)) {
        if (ref.name.text === 'WINDOWSTART' || ref.name.text === 'WINDOWEND') continue;
        if (!inGroupBy(ref)) unmatched.push(formatExpr(ref));
      }
    }
    if (unmatched.length) {
      throw new KsqlException(
        `Non-aggregate SELECT expression(s) not part of GROUP BY: ${unmatched.join(', ')}\nEither add the column(s) to the GROUP BY or remove them from the SELECT.`,
      );
    }
    if (q.having) {
      const havingOnly = nonAggregateRefs(q.having)
        .filter((r) => !inGroupBy(r))
        .map(formatExpr);
      if (havingOnly.length) {
        throw new KsqlException(
          `Non-aggregate HAVING expression not part of GROUP BY: ${havingOnly.join(', ')}\nConsider switching the HAVING clause to a WHERE clause before the GROUP BY.`,
        );
      }
    }
  }
  if (q.window && !isAggregateQuery) {
    throw new KsqlException(`${locPrefix(q.window.loc)}WINDOW clause requires a GROUP BY clause.`);
  }
  if (q.emit === 'FINAL' && !(q.groupBy && q.window)) {
    throw new KsqlException('EMIT FINAL is only supported for windowed aggregations.');
  }
  if (isAggregateQuery && isJoin) {
    throw new StandInUnsupported('aggregations over joins are not supported');
  }
  if (q.partitionBy && (isJoin || isAggregateQuery)) {
    throw new StandInUnsupported('PARTITION BY combined with joins or aggregations is not supported');
  }
  if (q.partitionBy && s.sources[0].source.type === 'TABLE') {
    throw new StandInUnsupported('PARTITION BY on a table is not supported');
  }

  // ---- join verification (LogicalPlanner#verifyJoin)
  if (join) {
    const on = q.joins[0].on as Extract<Expr, { k: 'cmp' }>;
    const flippedText = `${formatExpr(on.left)} = ${formatExpr(on.right)}`;
    const names = `${join.left.source.name} ${join.type} ${join.right.source.name}`;
    const isKeyOf = (e: Expr, ss: ScopeSource): boolean => {
      const keys = keyColumns(ss.source.columns);
      return e.k === 'col' && keys.length === 1 && keys[0].name === e.name.text;
    };
    if (join.left.source.type === 'STREAM') {
      if (join.right.source.type === 'TABLE') {
        if (join.type === 'OUTER') {
          throw new KsqlException(`Invalid join type: full-outer join not supported for stream-table join. Got ${names}.`);
        }
        if (!isKeyOf(rightJoinExpr!, join.right)) {
          throw new KsqlException(
            `Invalid join condition: stream-table joins require to join on the table's primary key. Got ${flippedText}.`,
          );
        }
      }
    } else {
      if (join.right.source.type === 'STREAM') {
        throw new KsqlException(`Invalid join order: table-stream joins are not supported; only stream-table joins. Got ${names}.`);
      }
      if (!isKeyOf(rightJoinExpr!, join.right)) {
        throw new KsqlException(
          `Invalid join condition: table-table joins require to join on the primary key of the right input table. Got ${flippedText}.`,
        );
      }
      if (!isKeyOf(leftJoinExpr!, join.left)) {
        throw new StandInUnsupported('foreign-key table-table joins are not supported');
      }
      const lt = keyColumns(join.left.source.columns)[0].type;
      const rt = keyColumns(join.right.source.columns)[0].type;
      if (!typeEquals(lt, rt)) {
        const flipped = on.left !== leftJoinExpr;
        const [a, at, b, bt] = flipped ? [rightJoinExpr!, rt, leftJoinExpr!, lt] : [leftJoinExpr!, lt, rightJoinExpr!, rt];
        throw new KsqlException(
          `Invalid join condition: types don't match. Got ${formatExpr(a)}{${formatType(at)}} = ${formatExpr(b)}{${formatType(bt)}}.`,
        );
      }
    }
  }

  // ---- types of the projection
  const typeOf = (e: Expr): SqlType => {
    if (syntheticKeyName && e.k === 'col' && !e.qualifier && e.name.text === syntheticKeyName) {
      return inferType(leftJoinExpr!, baseScope) ?? T.STRING;
    }
    const t = inferType(e, outScope);
    if (!t) throw new StandInUnsupported(`cannot infer the type of expression ${formatExpr(e)} (NULL)`);
    return t;
  };

  // ---- keys
  const left = s.sources[0];
  const resultType: 'STREAM' | 'TABLE' = isAggregateQuery
    ? 'TABLE'
    : join
      ? join.kind === 'TABLE_TABLE'
        ? 'TABLE'
        : 'STREAM'
      : left.source.type;
  let keyExprs: Expr[] = [];
  let keyless = false;
  const sink = opts.sinkName ?? '';
  if (isAggregateQuery) {
    if (!q.groupBy) {
      if (persistent) {
        const fns = [...new Set(aggregateCalls.map((f) => f.name.text))];
        throw new KsqlException(
          `CREATE TABLE AS SELECT statement does not support aggregate function [${fns.join(', ')}] without a GROUP BY clause.`,
        );
      }
      throw new StandInUnsupported('aggregations without GROUP BY are not supported');
    }
    keyExprs = q.groupBy;
    if (persistent) {
      const missing = q.groupBy.filter((g) => !projected.some((p) => sameExpr(p.expr, g)));
      if (missing.length) throw keysMissing(sink, 'grouping expression', missing.map(formatExpr), true, false);
    }
  } else if (q.partitionBy) {
    if (q.partitionBy.length === 1 && q.partitionBy[0].k === 'lit' && q.partitionBy[0].lt === 'null') {
      keyless = true;
    } else {
      keyExprs = q.partitionBy;
      if (persistent) {
        const missing = q.partitionBy.filter((g) => !projected.some((p) => sameExpr(p.expr, g)));
        if (missing.length) throw keysMissing(sink, 'partitioning expression', q.partitionBy.map(formatExpr), true, false);
      }
    }
  } else if (join) {
    const viable: Expr[] = syntheticKeyName
      ? [{ k: 'col', name: ident(syntheticKeyName, q.loc), loc: q.loc }]
      : [leftJoinExpr!, rightJoinExpr!];
    const chosen = projected.find((p) => viable.some((v) => sameExpr(v, p.expr)));
    if (!chosen) {
      if (persistent) throw keysMissing(sink, 'join expression', viable.map(formatExpr), false, syntheticKeyName !== undefined);
      keyExprs = [viable[0]];
    } else {
      keyExprs = [chosen.expr];
    }
  } else {
    const keys = keyColumns(left.source.columns);
    keyExprs = keys.map((k) => ({ k: 'col', qualifier: ident(left.alias, q.loc), name: ident(k.name, q.loc), loc: q.loc }) as Expr);
    if (persistent) {
      const missing = keyExprs.filter((k) => !projected.some((p) => sameExpr(p.expr, k)));
      if (missing.length) {
        throw keysMissing(
          sink,
          'key column',
          keys.map((k) => quoteIfNeeded(k.name)),
          true,
          false,
        );
      }
    }
  }

  // ---- result columns
  const columns: Column[] = [];
  if (persistent) {
    const keyCols: Column[] = [];
    const valueCols: Column[] = [];
    const usedKeyProjections = new Set<Projected>();
    for (const k of keyExprs) {
      const matches = projected.filter((p) => sameExpr(p.expr, k));
      if (matches.length > 1 && k.k === 'col') {
        const aliases = matches.map((m) => m.alias).sort();
        throw new KsqlException(
          `The projection contains a key column (${'`' + k.name.text + '`'}) more than once, aliased as: ${joinGrammatically(aliases, 'and')}.\n` +
            'Each key column must only be in the projection once. If you intended to copy the key into the value, then consider using the AS_VALUE function to indicate which key reference should be copied.',
        );
      }
      const m = matches[0];
      if (m && !usedKeyProjections.has(m)) {
        usedKeyProjections.add(m);
        keyCols.push({ name: m.alias, type: typeOf(m.expr), ns: 'KEY' });
      }
    }
    for (const p of projected) {
      if (usedKeyProjections.has(p)) continue;
      if (p.expr.k === 'col' && (p.expr.name.text === 'WINDOWSTART' || p.expr.name.text === 'WINDOWEND') && p.alias === p.expr.name.text) {
        continue; // window bounds are dropped from persistent projections unless aliased
      }
      valueCols.push({ name: p.alias, type: typeOf(p.expr), ns: 'VALUE' });
    }
    for (const [ns, cols] of [
      ['key', keyCols],
      ['value', valueCols],
    ] as const) {
      const seen = new Set<string>();
      for (const c of cols) {
        if (seen.has(c.name)) throw new KsqlException(`Duplicate ${ns} columns found in schema: ${columnToString({ ...c, ns: 'VALUE' })}`);
        seen.add(c.name);
      }
    }
    if (valueCols.length === 0) throw new KsqlException('The projection contains no value columns.');
    columns.push(...keyCols, ...valueCols);
  } else {
    for (const p of projected) columns.push({ name: p.alias, type: typeOf(p.expr), ns: 'VALUE' });
  }

  // ---- window of the result
  let window: WindowInfo | undefined;
  if (q.window) {
    window = { type: q.window.type, sizeMs: q.window.type === 'SESSION' ? undefined : durationMs(q.window.size) };
  } else if (!isAggregateQuery && !join) {
    window = left.source.window;
  }

  // ---- plan shape
  const prefix = (t: string): string => (t === 'STREAM' ? 'Stream' : 'Table');
  let plan: PlanStep;
  if (join) {
    const side = (ss: ScopeSource, e: Expr): PlanStep => {
      const src = sourceStep(ss);
      const keys = keyColumns(ss.source.columns);
      const onKey = e.k === 'col' && keys.length === 1 && keys[0].name === e.name.text;
      return ss.source.type === 'STREAM' && !onKey ? step('StreamSelectKey', src) : src;
    };
    const joinCls =
      join.kind === 'STREAM_STREAM' ? 'StreamStreamJoin' : join.kind === 'STREAM_TABLE' ? 'StreamTableJoin' : 'TableTableJoin';
    plan = step(joinCls, [side(join.left, leftJoinExpr!), side(join.right, rightJoinExpr!)]);
    if (q.where) plan = step(`${prefix(resultType)}Filter`, plan);
    plan = step(`${prefix(resultType)}Select`, plan);
  } else if (isAggregateQuery) {
    const st = left.source.type;
    plan = sourceStep(left);
    if (q.where) plan = step(`${prefix(st)}Filter`, plan);
    plan = step(`${prefix(st)}Select`, plan);
    const byKey =
      st === 'STREAM' &&
      keyExprs.length === keyColumns(left.source.columns).length &&
      keyExprs.every((k, i) => k.k === 'col' && keyColumns(left.source.columns)[i].name === k.name.text);
    plan = step(st === 'STREAM' ? (byKey ? 'StreamGroupByKey' : 'StreamGroupBy') : 'TableGroupBy', plan);
    plan = step(st === 'STREAM' ? (q.window ? 'StreamWindowedAggregate' : 'StreamAggregate') : 'TableAggregate', plan);
    if (q.having) plan = step('TableFilter', plan);
    plan = step('TableSelect', plan);
    if (q.emit === 'FINAL') plan = step('TableSuppress', plan);
  } else {
    const st = left.source.type;
    plan = sourceStep(left);
    if (q.where) plan = step(`${prefix(st)}Filter`, plan);
    if (q.partitionBy) plan = step('StreamSelectKey', plan);
    plan = step(`${prefix(st)}Select`, plan);
  }

  // ---- default formats (KeyFormat: first non-NONE source key format)
  const keySource = s.sources.find((x) => x.source.formats.keyFormat !== 'NONE') ?? left;
  return {
    resultType,
    columns,
    sources: s.sources,
    window,
    plan,
    join,
    isAggregate: isAggregateQuery,
    defaultKeyFormat: keyless ? 'NONE' : keySource.source.formats.keyFormat,
    defaultValueFormat: left.source.formats.valueFormat,
    keyless,
  };
}

/** Column names and SQL type strings of a transient query's result (for /query-stream headers). */
export function resultHeader(a: QueryAnalysis): { columnNames: string[]; columnTypes: string[] } {
  return { columnNames: a.columns.map((c) => c.name), columnTypes: a.columns.map((c) => formatType(c.type)) };
}
