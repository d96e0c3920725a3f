/**
 * Expression type checking and compilation: every expression is type-checked once (with
 * ksqlDB's messages) and compiled into a closure over a row array; no AST is interpreted per
 * record. Runtime failures throw RecordError: the caller decides (null column, filtered row).
 */
import type { Expr } from '../../../core/ksql';
import { formatExpression } from '../../../core/ksql';
import { KsqlError, RecordError } from './errors';
import { ksqlText, type Qualifier } from './text';
import { coerceUserList, type CoercedList } from './coerce';
import { resolveFunction, type FunctionContext } from './functions';
import { castFn, checkCast } from './cast';
import {
  T,
  array,
  decimal,
  fromDataType,
  isNumeric,
  map,
  sameType,
  struct,
  toDecimalType,
  typeText,
  widerNumeric,
  type ExprType,
  type SqlType,
} from './types';
import { Decimal, compareValues, divRound, valuesEqual, wrapLong, type Struct } from './values';

export type Row = unknown[];
export type Fn = (row: Row) => unknown;

export interface Compiled {
  readonly type: ExprType;
  readonly fn: Fn;
  /** True when the expression is a constant (literal-only). */
  readonly constant?: boolean;
}

/** A column visible to expressions. */
export interface ScopeColumn {
  readonly name: string;
  /** Alias of the source the column belongs to (joins), if any. */
  readonly source?: string;
  readonly type: SqlType;
  readonly index: number;
}

/** Resolves column references. */
export class Scope {
  private readonly lambdas: Map<string, { index: number; type: SqlType }>;
  constructor(
    readonly columns: readonly ScopeColumn[],
    /** Clause name used in "X column 'Y' cannot be resolved." */
    readonly clause: string,
    readonly functions: FunctionContext,
    lambdas?: Map<string, { index: number; type: SqlType }>,
    /** Known aliases (for qualified references). */
    readonly aliases: readonly string[] = [],
    /** Next free row slot (for lambda parameters). */
    readonly size: number = columns.reduce((m, c) => Math.max(m, c.index + 1), 0),
  ) {
    this.lambdas = lambdas ?? new Map();
  }

  /** How column references print in messages (joins: `ALIAS_NAME`, as ksqlDB's joined schema names them). */
  display: Qualifier | undefined;

  withClause(clause: string): Scope {
    const s = new Scope(this.columns, clause, this.functions, this.lambdas, this.aliases, this.size);
    s.display = this.display;
    return s;
  }

  withLambda(params: { name: string; type: SqlType }[]): Scope {
    const m = new Map(this.lambdas);
    let next = this.size;
    for (const p of params) m.set(p.name, { index: next++, type: p.type });
    const s = new Scope(this.columns, this.clause, this.functions, m, this.aliases, next);
    s.display = this.display;
    return s;
  }

  withDisplay(display: Qualifier | undefined): Scope {
    const s = new Scope(this.columns, this.clause, this.functions, this.lambdas, this.aliases, this.size);
    s.display = display;
    return s;
  }

  lambdaParam(name: string): { index: number; type: SqlType } | undefined {
    return this.lambdas.get(name);
  }

  find(name: string, source?: string): ScopeColumn | undefined {
    if (source !== undefined) {
      return (
        this.columns.find((c) => c.source === source && c.name === name) ??
        this.columns.find((c) => c.source === undefined && c.name === name)
      );
    }
    const found = this.columns.filter((c) => c.name === name);
    if (found.length > 1) {
      const sources = found.map((c) => c.source).filter((s) => s !== undefined);
      if (sources.length > 1)
        throw new KsqlError(`Column '${name}' is ambiguous. Could be any of: ${found.map((c) => `${c.source}.${name}`).join(', ')}`);
    }
    return found[0];
  }
}

/** The display of the scope being compiled (set on every compile call; compilation is synchronous). */
let currentDisplay: Qualifier | undefined;
const exprText = (e: Expr): string => ksqlText(e, currentDisplay);

const CMP_NAMES: Readonly<Record<string, string>> = {
  '=': 'EQUAL',
  '<>': 'NOT_EQUAL',
  '<': 'LESS_THAN',
  '<=': 'LESS_THAN_OR_EQUAL',
  '>': 'GREATER_THAN',
  '>=': 'GREATER_THAN_OR_EQUAL',
  'IS DISTINCT FROM': 'IS_DISTINCT_FROM',
};

/** Compiles an expression in a scope. */
export function compile(e: Expr, scope: Scope): Compiled {
  currentDisplay = scope.display;
  switch (e.kind) {
    case 'literal':
      return literal(e);
    case 'column':
      return column(e, scope);
    case 'dereference': {
      const base = compile(e.base, scope);
      if (base.type === null || base.type.base !== 'STRUCT') {
        // `A.B` parsed as qualified column is handled in column(); here base must be a struct
        throw new KsqlError(`Expected STRUCT type, got: ${typeText(base.type)}`);
      }
      const field = base.type.fields.find((f) => f.name === e.field);
      if (!field) throw new KsqlError(`Could not find field '${e.field}' in '${exprText(e.base)}'.`);
      const bf = base.fn;
      const name = field.name;
      return {
        type: field.type,
        fn: (r) => {
          const s = bf(r) as Struct | null;
          return s == null ? null : (s[name] ?? null);
        },
      };
    }
    case 'subscript':
      return subscript(e, scope);
    case 'call':
      return call(e, scope);
    case 'cast': {
      const inner = compile(e.expr, scope);
      const to = fromDataType(e.type);
      checkCast(inner.type, to, scope.clause);
      const f = castFn(inner.type, to);
      const fi = inner.fn;
      return { type: to, fn: (r) => f(fi(r)) };
    }
    case 'case':
      return caseExpr(e, scope);
    case 'arithmetic':
      return arithmetic(e, scope);
    case 'unary': {
      const x = compile(e.operand, scope);
      if (!isNumeric(x.type)) throw new KsqlError(`Unsupported arithmetic type for unary ${e.op}: ${typeText(x.type)}`);
      if (e.op === '+') return x;
      const f = x.fn;
      const t = x.type as SqlType;
      const neg =
        t.base === 'INTEGER'
          ? (v: unknown) => -(v as number) | 0
          : t.base === 'BIGINT'
            ? (v: unknown) => wrapLong(-(v as bigint))
            : t.base === 'DECIMAL'
              ? (v: unknown) => (v as Decimal).negate()
              : (v: unknown) => -(v as number);
      return {
        type: t,
        fn: (r) => {
          const v = f(r);
          return v == null ? null : neg(v);
        },
      };
    }
    case 'comparison':
      return comparison(e, scope);
    case 'logical': {
      const a = booleanOperand(e.left, scope, e);
      const b = booleanOperand(e.right, scope, e);
      const fa = a.fn;
      const fb = b.fn;
      if (e.op === 'AND') {
        return {
          type: T.BOOLEAN,
          fn: (r) => {
            const x = fa(r);
            if (x === false) return false;
            const y = fb(r);
            if (y === false) return false;
            return x == null || y == null ? null : true;
          },
        };
      }
      return {
        type: T.BOOLEAN,
        fn: (r) => {
          const x = fa(r);
          if (x === true) return true;
          const y = fb(r);
          if (y === true) return true;
          return x == null || y == null ? null : false;
        },
      };
    }
    case 'not': {
      const x = booleanOperand(e.operand, scope, e);
      const f = x.fn;
      return {
        type: T.BOOLEAN,
        fn: (r) => {
          const v = f(r);
          return v == null ? null : !v;
        },
      };
    }
    case 'isNull': {
      const x = compile(e.operand, scope);
      const f = x.fn;
      return e.negated ? { type: T.BOOLEAN, fn: (r) => f(r) != null } : { type: T.BOOLEAN, fn: (r) => f(r) == null };
    }
    case 'like':
      return like(e, scope);
    case 'in':
      return inList(e, scope);
    case 'between':
      return between(e, scope);
    case 'array': {
      // elements coerced to a common type like ksqlDB (CoercionUtil.coerceUserList)
      if (e.items.length === 0)
        throw new KsqlError(
          'Array constructor cannot be empty. Please supply at least one element (see https://github.com/confluentinc/ksql/issues/4239).',
        );
      const coerced = coerceUserList(e.items, (x) => compile(x, scope));
      const itemType = coerced.type;
      if (itemType === undefined)
        throw new KsqlError(
          'Cannot construct an array with all NULL elements (see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a NULL value to the desired type.',
        );
      const fns = coerced.fns;
      return { type: array(itemType), fn: (r) => fns.map((f) => f(r) ?? null) };
    }
    case 'map': {
      if (e.entries.length === 0)
        throw new KsqlError(
          'Map constructor cannot be empty. Please supply at least one key value pair (see https://github.com/confluentinc/ksql/issues/4239).',
        );
      const ck = coerceUserList(
        e.entries.map((x) => x.key),
        (x) => compile(x, scope),
      );
      const cv = coerceUserList(
        e.entries.map((x) => x.value),
        (x) => compile(x, scope),
      );
      const kt = ck.type;
      const vt = cv.type;
      if (kt === undefined)
        throw new KsqlError(
          'Cannot construct a map with all NULL keys (see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a NULL key to the desired type.',
        );
      if (vt === undefined)
        throw new KsqlError(
          'Cannot construct a map with all NULL values (see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a NULL value to the desired type.',
        );
      const kf = ck.fns;
      const vf = cv.fns;
      return {
        type: map(kt, vt),
        fn: (r) => {
          const m = new Map<unknown, unknown>();
          for (let i = 0; i < kf.length; i++) m.set(kf[i](r), vf[i](r));
          return m;
        },
      };
    }
    case 'struct': {
      const fields = e.fields.map((f) => ({ name: f.name, c: compile(f.value, scope) }));
      const type = struct(
        fields.map((f) => {
          if (f.c.type === null)
            throw new KsqlError("Can't infer a type of null. Please explicitly cast it to a required type, e.g. CAST(null AS VARCHAR).");
          return { name: f.name, type: f.c.type };
        }),
      );
      return {
        type,
        fn: (r) => {
          const s: Struct = {};
          for (const f of fields) s[f.name] = f.c.fn(r) ?? null;
          return s;
        },
      };
    }
    case 'lambda':
      throw new KsqlError('Lambda expressions are only allowed as function arguments');
    case 'intervalUnit':
      return { type: T.STRING, fn: () => e.unit, constant: true };
  }
}

// ------------------------------------------------------------------------------------------

function literal(e: Extract<Expr, { kind: 'literal' }>): Compiled {
  switch (e.type) {
    case 'NULL':
      return { type: null, fn: () => null, constant: true };
    case 'BOOLEAN':
      return { type: T.BOOLEAN, fn: () => e.value, constant: true };
    case 'STRING':
      return { type: T.STRING, fn: () => e.value, constant: true };
    case 'INTEGER': {
      const v = Number(e.text);
      return { type: T.INTEGER, fn: () => v, constant: true };
    }
    case 'BIGINT': {
      const v = BigInt(e.text);
      return { type: T.BIGINT, fn: () => v, constant: true };
    }
    case 'DOUBLE': {
      const v = Number(e.text);
      return { type: T.DOUBLE, fn: () => v, constant: true };
    }
    case 'DECIMAL': {
      const d = Decimal.parse(e.text);
      const p = Math.max(d.precision(), d.scale);
      return { type: decimal(p, d.scale), fn: () => d, constant: true };
    }
  }
}

function column(e: Extract<Expr, { kind: 'column' }>, scope: Scope): Compiled {
  if (e.source === undefined) {
    const lp = scope.lambdaParam(e.name);
    if (lp) {
      const i = lp.index;
      return { type: lp.type, fn: (r) => r[i] };
    }
  }
  const c = scope.find(e.name, e.source);
  if (!c) {
    const shown = e.source !== undefined ? `${e.source}.${e.name}` : e.name;
    throw new KsqlError(`${scope.clause} column '${shown}' cannot be resolved.`);
  }
  const i = c.index;
  return { type: c.type, fn: (r) => r[i] };
}

function subscript(e: Extract<Expr, { kind: 'subscript' }>, scope: Scope): Compiled {
  const base = compile(e.base, scope);
  const index = compile(e.index, scope);
  const bf = base.fn;
  const xf = index.fn;
  if (base.type !== null && base.type.base === 'ARRAY') {
    if (index.type !== null && index.type.base !== 'INTEGER' && index.type.base !== 'BIGINT') {
      throw new KsqlError(`Array index must be INTEGER, got ${typeText(index.type)}`);
    }
    return {
      type: base.type.item,
      fn: (r) => {
        const a = bf(r) as unknown[] | null;
        const i = xf(r);
        if (a == null || i == null) return null;
        let n = Number(i);
        if (n > 0) n -= 1;
        else if (n < 0) n = a.length + n;
        else return null;
        return n >= 0 && n < a.length ? (a[n] ?? null) : null;
      },
    };
  }
  if (base.type !== null && base.type.base === 'MAP') {
    const kt = base.type.key;
    const kf = coerce(index, kt);
    return {
      type: base.type.value,
      fn: (r) => {
        const m = bf(r) as Map<unknown, unknown> | null;
        const k = kf(r);
        if (m == null || k == null) return null;
        const direct = m.get(k);
        if (direct !== undefined) return direct;
        if (typeof k === 'object') for (const [mk, mv] of m) if (valuesEqual(mk, k)) return mv;
        return null;
      },
    };
  }
  throw new KsqlError(`Subscript expression not supported on type ${typeText(base.type)}`);
}

/** Type a set of values share (array items, map entries, case branches); null if all are NULL. */
export function commonType(items: readonly Compiled[], what: string): ExprType {
  let t: ExprType = null;
  for (const x of items) {
    if (x.type === null) continue;
    if (t === null) t = x.type;
    else if (!sameType(t, x.type)) {
      if (isNumeric(t) && isNumeric(x.type)) t = widerNumeric(t, x.type);
      else if (t.base === 'STRING' && x.constant) continue;
      else if (x.type.base === 'STRING' || (t.base === 'STRING' && !x.constant)) {
        throw new KsqlError(`invalid input syntax for type ${typeText(t)}: ${what}`);
      } else throw new KsqlError(`Cannot construct ${what}: all elements must be of the same type: ${typeText(t)} vs ${typeText(x.type)}`);
    }
  }
  return t;
}

/** A closure giving the value of `c` converted to `to` (numeric widening, string literal parsing). */
export function coerce(c: Compiled, to: SqlType): Fn {
  if (c.type === null || sameType(c.type, to)) return c.fn;
  const f = castFn(c.type, to);
  const inner = c.fn;
  return (r) => f(inner(r));
}

function booleanOperand(x: Expr, scope: Scope, parent: Expr): Compiled {
  const c = compile(x, scope);
  if (c.type !== null && c.type.base !== 'BOOLEAN') {
    throw new KsqlError(`Logical expression must have BOOLEAN operands: ${exprText(parent)}; got ${typeText(c.type)} for ${exprText(x)}`);
  }
  return c;
}

function caseExpr(e: Extract<Expr, { kind: 'case' }>, scope: Scope): Compiled {
  const operand = e.operand ? compile(e.operand, scope) : undefined;
  const whens = e.whens.map((w) => {
    if (operand) {
      const v = compile(w.when, scope);
      const cmp = comparator(operand, v, '=', e, w.when);
      const of = operand.fn;
      const vf = v.fn;
      return (r: Row) => {
        const a = of(r);
        const b = vf(r);
        return a != null && b != null && cmp(a, b);
      };
    }
    const c = compile(w.when, scope);
    if (c.type !== null && c.type.base !== 'BOOLEAN') {
      throw new KsqlError(`WHEN operand type should be boolean.\nType for '${exprText(w.when)}' is ${typeText(c.type)}`);
    }
    const f = c.fn;
    return (r: Row) => f(r) === true;
  });
  const thens = e.whens.map((w) => compile(w.then, scope));
  const otherwise = e.else ? compile(e.else, scope) : undefined;
  const all = [...thens, ...(otherwise ? [otherwise] : [])];
  let type: ExprType = null;
  for (let i = 0; i < all.length; i++) {
    const t = all[i].type;
    if (t === null) continue;
    if (type === null) type = t;
    else if (!sameType(type, t)) {
      if (isNumeric(type) && isNumeric(t)) type = widerNumeric(type, t);
      else {
        const which = i < thens.length ? `THEN expression '${exprText(e.whens[i].then)}'` : `ELSE expression '${exprText(e.else!)}'`;
        throw new KsqlError(
          `Invalid Case expression. Type for all 'THEN' clauses should be the same.\nTHEN expression '${exprText(e.whens[0].then)}' has type: ${typeText(type)}.\n${which} has type: ${typeText(t)}.`,
        );
      }
    }
  }
  if (type === null) throw new KsqlError('Invalid Case expression. All case branches have NULL type');
  const resultType: SqlType = type;
  const thenFns = thens.map((x) => coerce(x, resultType));
  const elseFn = otherwise ? coerce(otherwise, resultType) : () => null;
  const n = whens.length;
  return {
    type: resultType,
    fn: (r) => {
      for (let i = 0; i < n; i++) if (whens[i](r)) return thenFns[i](r);
      return elseFn(r);
    },
  };
}

// ------------------------------------------------------------------------------------------
// Arithmetic

function decimalResultType(op: string, a: { precision: number; scale: number }, b: { precision: number; scale: number }): SqlType {
  let precision: number;
  let scale: number;
  switch (op) {
    case '*':
      precision = a.precision + b.precision + 1;
      scale = a.scale + b.scale;
      break;
    case '/':
      scale = Math.max(6, a.scale + b.precision + 1);
      precision = a.precision - a.scale + b.scale + scale;
      break;
    case '%':
      scale = Math.max(a.scale, b.scale);
      precision = Math.min(a.precision - a.scale, b.precision - b.scale) + scale;
      break;
    default:
      scale = Math.max(a.scale, b.scale);
      precision = scale + Math.max(a.precision - a.scale, b.precision - b.scale) + 1;
  }
  if (precision > 38) {
    // ksqlDB caps at 38 digits, shrinking the scale but keeping at least 6
    const intDigits = precision - scale;
    const minScale = Math.min(scale, 6);
    scale = Math.max(38 - intDigits, minScale);
    precision = 38;
  }
  return decimal(precision, scale);
}

function arithmetic(e: Extract<Expr, { kind: 'arithmetic' }>, scope: Scope): Compiled {
  const a = compile(e.left, scope);
  const b = compile(e.right, scope);
  const op = e.op;
  if (
    op === '+' &&
    (a.type?.base === 'STRING' || b.type?.base === 'STRING') &&
    (a.type === null || a.type.base === 'STRING') &&
    (b.type === null || b.type.base === 'STRING')
  ) {
    const fa = a.fn;
    const fb = b.fn;
    return {
      type: T.STRING,
      fn: (r) => {
        const x = fa(r);
        const y = fb(r);
        return x == null || y == null ? null : (x as string) + (y as string);
      },
    };
  }
  const ta = a.type;
  const tb = b.type;
  const bad = (): never => {
    throw new KsqlError(
      `Error processing expression: ${exprText(e)}. Unsupported arithmetic types. ${ta === null ? 'null' : ta.base} ${tb === null ? 'null' : tb.base}`,
    );
  };
  if ((ta !== null && !isNumeric(ta)) || (tb !== null && !isNumeric(tb))) {
    // TIMESTAMP/DATE/TIME arithmetic is not in ksqlDB's binary operators
    bad();
  }
  if (ta === null && tb === null) bad();
  const t: SqlType = ta === null ? (tb as SqlType) : tb === null ? ta : resultNumeric(op, ta, tb);
  const fa = ta === null ? a.fn : coerce(a, t.base === 'DECIMAL' ? decimalOf(ta) : t);
  const fb = tb === null ? b.fn : coerce(b, t.base === 'DECIMAL' ? decimalOf(tb) : t);
  const f = arithmeticFn(op, t);
  return {
    type: t,
    fn: (r) => {
      const x = fa(r);
      if (x == null) return null;
      const y = fb(r);
      if (y == null) return null;
      return f(x, y);
    },
  };
}

const decimalOf = (t: SqlType): SqlType => (t.base === 'DECIMAL' || t.base === 'DOUBLE' ? t : decimal(toDecimalType(t).precision, 0));

function resultNumeric(op: string, a: SqlType, b: SqlType): SqlType {
  if (a.base === 'DOUBLE' || b.base === 'DOUBLE') return T.DOUBLE;
  if (a.base === 'DECIMAL' || b.base === 'DECIMAL') return decimalResultType(op, toDecimalType(a), toDecimalType(b));
  if (a.base === 'BIGINT' || b.base === 'BIGINT') return T.BIGINT;
  return T.INTEGER;
}

function arithmeticFn(op: string, t: SqlType): (x: unknown, y: unknown) => unknown {
  switch (t.base) {
    case 'INTEGER':
      switch (op) {
        case '+':
          return (x, y) => ((x as number) + (y as number)) | 0;
        case '-':
          return (x, y) => ((x as number) - (y as number)) | 0;
        case '*':
          return (x, y) => Math.imul(x as number, y as number);
        case '/':
          return (x, y) => {
            if (y === 0) throw new RecordError('/ by zero');
            return ((x as number) / (y as number)) | 0;
          };
        default:
          return (x, y) => {
            if (y === 0) throw new RecordError('/ by zero');
            return ((x as number) % (y as number)) | 0;
          };
      }
    case 'BIGINT':
      switch (op) {
        case '+':
          return (x, y) => wrapLong((x as bigint) + (y as bigint));
        case '-':
          return (x, y) => wrapLong((x as bigint) - (y as bigint));
        case '*':
          return (x, y) => wrapLong((x as bigint) * (y as bigint));
        case '/':
          return (x, y) => {
            if (y === 0n) throw new RecordError('/ by zero');
            return wrapLong((x as bigint) / (y as bigint));
          };
        default:
          return (x, y) => {
            if (y === 0n) throw new RecordError('/ by zero');
            return (x as bigint) % (y as bigint);
          };
      }
    case 'DOUBLE':
      switch (op) {
        case '+':
          return (x, y) => (x as number) + (y as number);
        case '-':
          return (x, y) => (x as number) - (y as number);
        case '*':
          return (x, y) => (x as number) * (y as number);
        case '/':
          return (x, y) => (x as number) / (y as number);
        default:
          return (x, y) => (x as number) % (y as number);
      }
    case 'DECIMAL': {
      const { precision, scale } = t;
      return (x, y) => decimalArith(op, x as Decimal, y as Decimal, precision, scale);
    }
    default:
      throw new KsqlError(`Unsupported arithmetic type ${typeText(t)}`);
  }
}

function decimalArith(op: string, a: Decimal, b: Decimal, precision: number, scale: number): Decimal {
  let r: Decimal;
  switch (op) {
    case '+':
    case '-': {
      const s = Math.max(a.scale, b.scale);
      const x = a.setScale(s).unscaled;
      const y = b.setScale(s).unscaled;
      r = new Decimal(op === '+' ? x + y : x - y, s);
      break;
    }
    case '*':
      r = new Decimal(a.unscaled * b.unscaled, a.scale + b.scale);
      break;
    case '/': {
      if (b.unscaled === 0n) throw new RecordError('Division by zero');
      // a / b at the result scale, rounded HALF_UP
      const num = a.unscaled * 10n ** BigInt(Math.max(0, scale - a.scale + b.scale));
      const den = b.unscaled * 10n ** BigInt(Math.max(0, a.scale - b.scale - scale));
      return checkPrecision(new Decimal(divRound(num, den, 'HALF_UP'), scale), precision);
    }
    default: {
      if (b.unscaled === 0n) throw new RecordError('Division by zero');
      const s = Math.max(a.scale, b.scale);
      r = new Decimal(a.setScale(s).unscaled % b.setScale(s).unscaled, s);
    }
  }
  return checkPrecision(r.setScale(scale, 'HALF_UP'), precision);
}

function checkPrecision(d: Decimal, precision: number): Decimal {
  if (d.precision() - d.scale > precision - d.scale)
    throw new RecordError(`Numeric field overflow: ${d.toString()} does not fit DECIMAL(${precision}, ${d.scale})`);
  return d;
}

// ------------------------------------------------------------------------------------------
// Comparisons

type Cmp = (a: unknown, b: unknown) => boolean;

/** Whether two types can be compared with `op`; the comparison closure over non-null values. */
function comparator(a: Compiled, b: Compiled, op: string, e: Expr, right?: Expr): Cmp {
  const ta = a.type;
  const tb = b.type;
  const fail = (): never => {
    const l = e.kind === 'comparison' ? e.left : ((e as { operand?: Expr }).operand ?? e);
    const rr = e.kind === 'comparison' ? e.right : (right ?? e);
    throw new KsqlError(
      `Cannot compare ${exprText(l)} (${typeText(ta)}) to ${exprText(rr)} (${typeText(tb)}) with ${CMP_NAMES[op] ?? op}.`,
    );
  };
  const ordering = (cmp: (x: unknown, y: unknown) => number): Cmp => {
    switch (op) {
      case '=':
        return (x, y) => cmp(x, y) === 0;
      case '<>':
      case 'IS DISTINCT FROM':
        return (x, y) => cmp(x, y) !== 0;
      case '<':
        return (x, y) => cmp(x, y) < 0;
      case '<=':
        return (x, y) => cmp(x, y) <= 0;
      case '>':
        return (x, y) => cmp(x, y) > 0;
      default:
        return (x, y) => cmp(x, y) >= 0;
    }
  };
  if (ta === null || tb === null) return ordering(compareValues);
  if (isNumeric(ta) && isNumeric(tb)) {
    if (sameType(ta, tb) || (ta.base === tb.base && ta.base === 'DECIMAL')) return ordering(compareValues);
    const w = widerNumeric(ta, tb);
    const ca = coerceValue(ta, w);
    const cb = coerceValue(tb, w);
    return ordering((x, y) => compareValues(ca(x), cb(y)));
  }
  const temporal = (t: SqlType): boolean => t.base === 'TIMESTAMP' || t.base === 'DATE' || t.base === 'TIME';
  if (ta.base === tb.base) {
    if (ta.base === 'ARRAY' || ta.base === 'MAP' || ta.base === 'STRUCT') {
      if (op !== '=' && op !== '<>' && op !== 'IS DISTINCT FROM') fail();
      if (!sameType(ta, tb)) fail();
      return op === '=' ? (x, y) => valuesEqual(x, y) : (x, y) => !valuesEqual(x, y);
    }
    if (ta.base === 'BOOLEAN' && op !== '=' && op !== '<>' && op !== 'IS DISTINCT FROM') fail();
    return ordering(compareValues);
  }
  // TIMESTAMP/DATE/TIME against STRING: the string is parsed
  if (temporal(ta) && tb.base === 'STRING') {
    const p = castFn(T.STRING, ta);
    return ordering((x, y) => compareValues(x, p(y)));
  }
  if (ta.base === 'STRING' && temporal(tb)) {
    const p = castFn(T.STRING, tb);
    return ordering((x, y) => compareValues(p(x), y));
  }
  if (temporal(ta) && temporal(tb)) {
    if (ta.base === 'TIME' || tb.base === 'TIME') fail();
    const toMs = (t: SqlType) => (t.base === 'DATE' ? (v: unknown) => (v as number) * 86_400_000 : (v: unknown) => v as number);
    const fa = toMs(ta);
    const fb = toMs(tb);
    return ordering((x, y) => compareValues(fa(x), fb(y)));
  }
  return fail();
}

function coerceValue(from: SqlType, to: SqlType): (v: unknown) => unknown {
  if (sameType(from, to)) return (v) => v;
  return castFn(from, to);
}

function comparison(e: Extract<Expr, { kind: 'comparison' }>, scope: Scope): Compiled {
  const a = compile(e.left, scope);
  const b = compile(e.right, scope);
  if (a.type === null && b.type === null && e.op !== 'IS DISTINCT FROM') {
    throw new KsqlError(`Comparison with NULL not supported: ${formatExpression(e.left)} ${e.op} ${formatExpression(e.right)}`);
  }
  const cmp = comparator(a, b, e.op, e);
  const fa = a.fn;
  const fb = b.fn;
  if (e.op === 'IS DISTINCT FROM') {
    return {
      type: T.BOOLEAN,
      fn: (r) => {
        const x = fa(r);
        const y = fb(r);
        if (x == null || y == null) return (x == null) !== (y == null);
        return cmp(x, y);
      },
    };
  }
  return {
    type: T.BOOLEAN,
    fn: (r) => {
      const x = fa(r);
      if (x == null) return false;
      const y = fb(r);
      if (y == null) return false;
      return cmp(x, y);
    },
  };
}

function between(e: Extract<Expr, { kind: 'between' }>, scope: Scope): Compiled {
  const v = compile(e.value, scope);
  const lo = compile(e.low, scope);
  const hi = compile(e.high, scope);
  const check = (c: Compiled): void => {
    if (v.type !== null && c.type !== null) {
      const ok = (isNumeric(v.type) && isNumeric(c.type)) || v.type.base === c.type.base;
      if (!ok)
        throw new KsqlError(
          `Cannot compare ${exprText(e.value)} (${typeText(v.type)}) to ${exprText(c === lo ? e.low : e.high)} (${typeText(c.type)}) with BETWEEN.`,
        );
    }
  };
  check(lo);
  check(hi);
  const c1 = comparator(v, lo, '>=', { ...e, kind: 'comparison', op: '>=', left: e.value, right: e.low } as Expr);
  const c2 = comparator(v, hi, '<=', { ...e, kind: 'comparison', op: '<=', left: e.value, right: e.high } as Expr);
  const fv = v.fn;
  const fl = lo.fn;
  const fh = hi.fn;
  return {
    type: T.BOOLEAN,
    fn: (r) => {
      const x = fv(r);
      const l = fl(r);
      const h = fh(r);
      if (x == null || l == null || h == null) return false;
      return c1(x, l) && c2(x, h);
    },
  };
}

function likeRegex(pattern: string, escape: string | undefined): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (escape !== undefined && ch === escape && i + 1 < pattern.length) {
      out += pattern[++i].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else if (ch === '%') out += '[\\s\\S]*';
    else if (ch === '_') out += '[\\s\\S]';
    else out += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp('^' + out + '$');
}

function like(e: Extract<Expr, { kind: 'like' }>, scope: Scope): Compiled {
  const v = compile(e.value, scope);
  const p = compile(e.pattern, scope);
  if (v.type !== null && v.type.base !== 'STRING') throw new KsqlError(`Operator LIKE is not supported for type ${typeText(v.type)}`);
  if (p.type !== null && p.type.base !== 'STRING')
    throw new KsqlError(`Operator LIKE is not supported for pattern type ${typeText(p.type)}`);
  if (e.escape !== undefined && e.escape.length !== 1)
    throw new KsqlError(`Escape character must be a single character, got: '${e.escape}'`);
  const fv = v.fn;
  const fp = p.fn;
  const esc = e.escape;
  if (p.constant) {
    const pat = fp([]) as string | null;
    if (pat == null) return { type: T.BOOLEAN, fn: () => false };
    const re = likeRegex(pat, esc);
    return {
      type: T.BOOLEAN,
      fn: (r) => {
        const x = fv(r);
        return x == null ? false : re.test(x as string);
      },
    };
  }
  const cache = new Map<string, RegExp>();
  return {
    type: T.BOOLEAN,
    fn: (r) => {
      const x = fv(r);
      const pat = fp(r);
      if (x == null || pat == null) return false;
      let re = cache.get(pat as string);
      if (!re) {
        re = likeRegex(pat as string, esc);
        cache.set(pat as string, re);
      }
      return re.test(x as string);
    },
  };
}

function inList(e: Extract<Expr, { kind: 'in' }>, scope: Scope): Compiled {
  // ksqlDB's InListEvaluator.preprocess: NULL literals never match and are dropped; the value
  // and the list are coerced to a common type (CoercionUtil.coerceUserList)
  const exprs = [e.value, ...e.list.filter((x) => !(x.kind === 'literal' && x.type === 'NULL'))];
  const compiled = new Map<Expr, Compiled>(exprs.map((x) => [x, compile(x, scope)]));
  let coerced: CoercedList;
  try {
    coerced = coerceUserList(exprs, (x) => compiled.get(x) ?? compile(x, scope));
  } catch (err) {
    if (err instanceof KsqlError) throw new KsqlError(`Invalid Predicate: ${err.message}`);
    throw err;
  }
  const [vf, ...fns] = coerced.fns;
  const n = fns.length;
  return {
    type: T.BOOLEAN,
    fn: (r) => {
      const x = vf(r);
      if (x == null) return false;
      for (let i = 0; i < n; i++) {
        const y = fns[i](r);
        if (y != null && valuesEqual(x, y)) return true;
      }
      return false;
    },
  };
}

// ------------------------------------------------------------------------------------------
// Function calls

function call(e: Extract<Expr, { kind: 'call' }>, scope: Scope): Compiled {
  return resolveFunction(e, scope, (x, s) => compile(x, s));
}
