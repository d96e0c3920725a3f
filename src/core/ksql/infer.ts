/**
 * Source schemas supplied by the caller, and static typing of expressions against them
 * (ksqlDB's rules for literals, decimal arithmetic and the common built-in functions).
 */
import type { DataType, Expr, Query, Relation } from './ast';
import { parseType } from './parser';
import { sameType } from './types';
import { walkExpr } from './walk';

// ---------------------------------------------------------------------------------------------
// Schemas supplied by the caller

/** A column of an input source as the caller knows it (a ColumnDef qualifies). */
export interface SourceColumn {
  readonly name: string;
  /** ksqlDB type text, e.g. `INTEGER`, `DECIMAL(10, 2)`, ``STRUCT<`A` STRING>``. */
  readonly type: string;
  /** True for KEY and PRIMARY KEY columns. */
  readonly key?: boolean;
  /** True for PRIMARY KEY columns, i.e. the source is a table (used to spot foreign-key joins). */
  readonly primaryKey?: boolean;
  readonly headers?: boolean;
}

/** Gives the columns of a source by name, or undefined when unknown. */
export type SourceResolver = (name: string) => readonly SourceColumn[] | undefined;

/** The sources of one query and their known columns. */
export interface Scope {
  readonly relations: readonly Relation[];
  readonly columns: ReadonlyMap<string, readonly SourceColumn[] | undefined>; // by alias
  readonly windowed: boolean;
}

/** Builds the scope of a query. */
export function scopeOf(q: Query, resolve: SourceResolver): Scope {
  const relations = [q.from, ...q.joins.map((j) => j.source)];
  const columns = new Map<string, readonly SourceColumn[] | undefined>();
  for (const r of relations) columns.set(r.alias, resolve(r.name));
  return { relations, columns, windowed: q.window !== undefined };
}

/** The relation a qualifier names: an alias first, else a source name. */
export function relationFor(scope: Scope, qualifier: string): Relation | undefined {
  return scope.relations.find((r) => r.alias === qualifier) ?? scope.relations.find((r) => r.name === qualifier);
}

/** Relations a column reference may come from: the qualified one, or those having the column. */
export function relationsOf(scope: Scope, ref: { name: string; source?: string }): Relation[] {
  if (ref.source !== undefined) {
    const r = relationFor(scope, ref.source);
    return r ? [r] : [];
  }
  return scope.relations.filter((r) => scope.columns.get(r.alias)?.some((c) => c.name === ref.name));
}

// ---------------------------------------------------------------------------------------------
// Join keys

/** One side of a join condition `ON left = right`. */
export interface JoinKey {
  readonly expression: Expr;
  /** Source name the expression reads, when it reads exactly one source. */
  readonly source?: string;
  /** Alias of that source in the query. */
  readonly alias?: string;
  /** Column name, when the expression is a plain column reference. */
  readonly column?: string;
}

/** Splits `ON a = b` into the key of the earlier sources (left) and of the joined source (right). */
export function joinKeys(
  on: Expr,
  left: readonly Relation[],
  right: Relation,
  scope: Scope,
): { left: JoinKey; right: JoinKey } | undefined {
  if (on.kind !== 'comparison' || on.op !== '=') return undefined;
  const a = keyOf(on.left, scope);
  const b = keyOf(on.right, scope);
  const side = (k: JoinKey): 'left' | 'right' | undefined =>
    k.alias === right.alias ? 'right' : left.some((r) => r.alias === k.alias) ? 'left' : undefined;
  const sa = side(a);
  const sb = side(b);
  if ((sa === 'right' || sb === 'left') && sa !== 'left' && sb !== 'right') return { left: b, right: a };
  // Written order, also when sides are unknown (unqualified columns without schemas).
  if (sa !== 'right' && sb !== 'left') return { left: a, right: b };
  return undefined;
}

function keyOf(expression: Expr, scope: Scope): JoinKey {
  const rels = new Set<Relation>();
  let unknown = false;
  walkExpr(expression, (x) => {
    if (x.kind !== 'column') return;
    const found = relationsOf(scope, x);
    if (found.length === 1) rels.add(found[0]);
    else unknown = true;
  });
  const only = !unknown && rels.size === 1 ? [...rels][0] : undefined;
  return {
    expression,
    ...(only ? { source: only.name, alias: only.alias } : {}),
    ...(expression.kind === 'column' ? { column: expression.name } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Types

/** A primitive type. */
const T = (name: 'BOOLEAN' | 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'STRING' | 'TIMESTAMP' | 'DATE' | 'TIME' | 'BYTES'): DataType => ({
  kind: 'primitive',
  name,
});

const RETURNS: Readonly<Record<string, DataType>> = Object.fromEntries([
  ...['COUNT', 'COUNT_DISTINCT', 'STRINGTOTIMESTAMP', 'UNIX_TIMESTAMP'].map((f) => [f, T('BIGINT')]),
  ...['LEN', 'INSTR', 'ARRAY_LENGTH', 'STRINGTODATE', 'UNIX_DATE', 'FIELD'].map((f) => [f, T('INTEGER')]),
  ...['AVG', 'RANDOM', 'SQRT', 'EXP', 'LN', 'LOG', 'POWER', 'STDDEV_SAMP', 'STDDEV_SAMPLE', 'CORRELATION'].map((f) => [f, T('DOUBLE')]),
  ...['ARRAY_CONTAINS', 'IS_JSON_STRING'].map((f) => [f, T('BOOLEAN')]),
  ...['FROM_UNIXTIME', 'PARSE_TIMESTAMP', 'CONVERT_TZ'].map((f) => [f, T('TIMESTAMP')]),
  ...['PARSE_DATE', 'FROM_DAYS'].map((f) => [f, T('DATE')]),
  ['PARSE_TIME', T('TIME')],
  ...[
    'CONCAT',
    'CONCAT_WS',
    'UCASE',
    'LCASE',
    'TRIM',
    'LTRIM',
    'RTRIM',
    'SUBSTRING',
    'REPLACE',
    'REGEXP_REPLACE',
    'REGEXP_EXTRACT',
    'LPAD',
    'RPAD',
    'INITCAP',
    'MASK',
    'MASK_LEFT',
    'MASK_RIGHT',
    'MASK_KEEP_LEFT',
    'MASK_KEEP_RIGHT',
    'TIMESTAMPTOSTRING',
    'FORMAT_TIMESTAMP',
    'FORMAT_DATE',
    'FORMAT_TIME',
    'DATETOSTRING',
    'EXTRACTJSONFIELD',
    'UUID',
    'CHR',
    'ENCODE',
    'TO_JSON_STRING',
  ].map((f) => [f, T('STRING')]),
]);
/** Functions returning the type of their first argument. */
const SAME_AS_FIRST = new Set([
  'SUM',
  'MIN',
  'MAX',
  'ABS',
  'CEIL',
  'FLOOR',
  'COALESCE',
  'IFNULL',
  'NULLIF',
  'AS_VALUE',
  'TIMESTAMPADD',
  'TIMESTAMPSUB',
]);
/** Functions returning an array of their first argument. */
const ARRAY_OF_FIRST = new Set(['COLLECT_LIST', 'COLLECT_SET', 'TOPK', 'TOPKDISTINCT']);

/** Static type of an expression, or undefined when it depends on information we don't have. */
export function inferType(e: Expr, scope: Scope): DataType | undefined {
  switch (e.kind) {
    case 'literal':
      return literalType(e);
    case 'column':
      return columnType(e, scope);
    case 'dereference': {
      const base = inferType(e.base, scope);
      return base?.kind === 'struct' ? base.fields.find((f) => f.name === e.field)?.type : undefined;
    }
    case 'subscript': {
      const base = inferType(e.base, scope);
      return base?.kind === 'array' ? base.item : base?.kind === 'map' ? base.value : undefined;
    }
    case 'cast':
      return e.type;
    case 'call': {
      const first = e.args[0] ? inferType(e.args[0], scope) : undefined;
      if (e.name === 'LATEST_BY_OFFSET' || e.name === 'EARLIEST_BY_OFFSET') {
        return e.args.length > 1 ? (first ? { kind: 'array', item: first } : undefined) : first;
      }
      if (RETURNS[e.name]) return RETURNS[e.name];
      if (SAME_AS_FIRST.has(e.name)) return first;
      if (ARRAY_OF_FIRST.has(e.name)) return first ? { kind: 'array', item: first } : undefined;
      if (e.name === 'EXPLODE') return first?.kind === 'array' ? first.item : undefined;
      return undefined;
    }
    case 'case':
      for (const x of [...e.whens.map((w) => w.then), ...(e.else ? [e.else] : [])]) {
        const t = inferType(x, scope);
        if (t) return t;
      }
      return undefined;
    case 'arithmetic':
      return arithmeticType(e.op, inferType(e.left, scope), inferType(e.right, scope));
    case 'unary':
      return inferType(e.operand, scope);
    case 'comparison':
    case 'logical':
    case 'not':
    case 'isNull':
    case 'like':
    case 'in':
    case 'between':
      return T('BOOLEAN');
    case 'array': {
      const item = commonType(e.items.map((x) => inferType(x, scope)));
      return item ? { kind: 'array', item } : undefined;
    }
    case 'map': {
      const key = commonType(e.entries.map((x) => inferType(x.key, scope)));
      const value = commonType(e.entries.map((x) => inferType(x.value, scope)));
      return key && value ? { kind: 'map', key, value } : undefined;
    }
    case 'struct': {
      const fields = e.fields.map((f) => ({ name: f.name, type: inferType(f.value, scope) }));
      return fields.every((f) => f.type)
        ? { kind: 'struct', fields: fields.map((f) => ({ name: f.name, type: f.type as DataType })) }
        : undefined;
    }
    case 'lambda':
    case 'intervalUnit':
      return undefined;
  }
}

/** The type all known element types share; undefined when they differ (ksqlDB would coerce). */
function commonType(types: readonly (DataType | undefined)[]): DataType | undefined {
  const known = types.filter((t): t is DataType => t !== undefined);
  return known.length > 0 && known.every((t) => sameType(t, known[0])) ? known[0] : undefined;
}

function literalType(e: Extract<Expr, { kind: 'literal' }>): DataType | undefined {
  switch (e.type) {
    case 'NULL':
      return undefined;
    case 'DECIMAL': {
      const digits = e.text.replace(/^-/, '');
      const [intPart, frac = ''] = digits.split('.');
      const unscaled = (intPart + frac).replace(/^0+/, '');
      const scale = frac.length;
      return { kind: 'decimal', precision: Math.max(unscaled.length, scale, 1), scale };
    }
    default:
      return T(e.type);
  }
}

function columnType(ref: { name: string; source?: string }, scope: Scope): DataType | undefined {
  const rels = relationsOf(scope, ref);
  const col = rels.length > 0 ? scope.columns.get(rels[0].alias)?.find((c) => c.name === ref.name) : undefined;
  if (col) {
    try {
      return parseType(col.type);
    } catch {
      return undefined;
    }
  }
  if (ref.name === 'ROWTIME' || ref.name === 'ROWOFFSET') return T('BIGINT');
  if (ref.name === 'ROWPARTITION') return T('INTEGER');
  if ((ref.name === 'WINDOWSTART' || ref.name === 'WINDOWEND') && scope.windowed) return T('BIGINT');
  return undefined;
}

const NUMERIC_RANK: Readonly<Record<string, number>> = { INTEGER: 1, BIGINT: 2, DOUBLE: 4 };

function arithmeticType(op: string, a: DataType | undefined, b: DataType | undefined): DataType | undefined {
  if (!a || !b) return undefined;
  if (op === '+' && a.kind === 'primitive' && b.kind === 'primitive' && a.name === 'STRING' && b.name === 'STRING') {
    return T('STRING');
  }
  const rank = (t: DataType): number | undefined => (t.kind === 'decimal' ? 3 : t.kind === 'primitive' ? NUMERIC_RANK[t.name] : undefined);
  const ra = rank(a);
  const rb = rank(b);
  if (ra === undefined || rb === undefined) return undefined;
  if (ra === 4 || rb === 4) return T('DOUBLE');
  if (ra === 3 || rb === 3) {
    const da = toDecimal(a);
    const db = toDecimal(b);
    return decimalArithmetic(op, da, db);
  }
  return ra >= rb ? a : b;
}

function toDecimal(t: DataType): { precision: number; scale: number } {
  if (t.kind === 'decimal') return t;
  return t.kind === 'primitive' && t.name === 'BIGINT' ? { precision: 19, scale: 0 } : { precision: 10, scale: 0 };
}

/** Result type of decimal arithmetic (ksqlDB `SqlDecimal#add/multiply/divide/modulus`). */
function decimalArithmetic(op: string, a: { precision: number; scale: number }, b: { precision: number; scale: number }): DataType {
  const dec = (precision: number, scale: number): DataType => ({ kind: 'decimal', precision, scale });
  switch (op) {
    case '*':
      return dec(a.precision + b.precision + 1, a.scale + b.scale);
    case '/': {
      const scale = Math.max(6, a.scale + b.precision + 1);
      return dec(a.precision - a.scale + b.scale + scale, scale);
    }
    case '%': {
      const scale = Math.max(a.scale, b.scale);
      return dec(Math.min(a.precision - a.scale, b.precision - b.scale) + scale, scale);
    }
    default: {
      const scale = Math.max(a.scale, b.scale);
      return dec(scale + Math.max(a.precision - a.scale, b.precision - b.scale) + 1, scale);
    }
  }
}
