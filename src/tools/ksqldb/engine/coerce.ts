/**
 * Coercion of user-supplied expression lists to a common type (ksqlDB's CoercionUtil, used by
 * `IN (...)`): the first non-null expression drives the type; numbers widen (INTEGER → BIGINT →
 * DECIMAL → DOUBLE); string literals are parsed as numbers or booleans; ARRAY/MAP/STRUCT
 * constructors are coerced element by element (structs to the union of their fields); literals
 * are converted to the common type once, other expressions are CAST.
 */
import type { Expr } from '../../../core/ksql';
import { castFn } from './cast';
import { KsqlError } from './errors';
import { ksqlText } from './text';
import { T, array, decimal, isNumeric, map, sameType, struct, toDecimalType, typeText, type SqlType } from './types';
import { Decimal, INT_MAX, INT_MIN, LONG_MAX, LONG_MIN } from './values';

/** A typed expression: `type` null for the NULL literal; `constant` for literals. */
interface TypedItem {
  readonly type: SqlType | null;
  readonly constant?: boolean;
  readonly fn: (r: unknown[]) => unknown;
}

export interface CoercedList {
  /** The common type; undefined when every item is a NULL literal. */
  readonly type: SqlType | undefined;
  /** Each item converted to the common type. */
  readonly fns: ((r: unknown[]) => unknown)[];
}

class InvalidCoercion extends KsqlError {}

const isLiteral = (e: Expr): boolean => e.kind === 'literal' || (e.kind === 'unary' && e.operand.kind === 'literal');

function coercionFailure(e: Expr, source: SqlType | null, target: SqlType): InvalidCoercion {
  return new InvalidCoercion(
    `operator does not exist: ${typeText(target)} = ${typeText(source)} (${ksqlText(e)})\nHint: You might need to add explicit type casts.`,
  );
}

function invalidSyntax(value: string, target: SqlType): KsqlError {
  return new KsqlError(`invalid input syntax for type ${target.base}: "${value}".`);
}

/** SqlBaseType.canImplicitlyCast. */
function canImplicitlyCast(from: SqlType['base'], to: SqlType['base']): boolean {
  if (from === to) return true;
  const order = ['INTEGER', 'BIGINT', 'DECIMAL', 'DOUBLE'];
  const a = order.indexOf(from);
  const b = order.indexOf(to);
  return a >= 0 && b >= 0 && a < b;
}

/** DecimalUtil.widen. */
function widen(a: SqlType, b: SqlType): SqlType {
  const x = toDecimalType(a);
  const y = toDecimalType(b);
  const scale = Math.max(x.scale, y.scale);
  return decimal(Math.max(x.precision - x.scale, y.precision - y.scale) + scale, scale);
}

/** The SQL type of a number written in a string (CoercionUtil.getStringNumericType). */
function stringNumericType(value: string): SqlType {
  const text = value.trim();
  const d = Decimal.parse(text); // throws on non-numbers
  const dpOrScientific = value.includes('.') || value.includes('e') || value.includes('E');
  if (!dpOrScientific && d.scale === 0) {
    const bi = d.unscaled;
    if (bi > BigInt(INT_MIN) && bi < BigInt(INT_MAX)) return T.INTEGER;
    if (bi > LONG_MIN && bi < LONG_MAX) return T.BIGINT;
  }
  const v = d.scale < 0 ? d.setScale(0) : d;
  const abs = v.unscaled < 0n ? -v.unscaled : v.unscaled;
  const precision = abs < 10n ** BigInt(v.scale) ? v.scale + 1 : v.precision();
  return decimal(precision, v.scale);
}

/** DefaultSqlValueCoercer.canCoerce (STRICT, or LAX for literals). */
function canCoerce(from: SqlType, to: SqlType, lax: boolean): SqlType | undefined {
  const f = from.base;
  const t = to.base;
  if (lax) {
    if (t === 'STRING' && ['BOOLEAN', 'INTEGER', 'BIGINT', 'DECIMAL', 'DOUBLE', 'TIMESTAMP', 'TIME', 'DATE'].includes(f)) return to;
    if (f === 'STRING' && ['BOOLEAN', 'INTEGER', 'BIGINT', 'DECIMAL', 'DOUBLE'].includes(t)) return to;
  }
  if (isNumeric(from) && isNumeric(to)) {
    if (!canImplicitlyCast(f, t)) return undefined;
    if (t === 'DECIMAL') return widen(from, to);
    return to;
  }
  if (f === 'STRING' && ['STRING', 'TIMESTAMP', 'TIME', 'DATE', 'BYTES'].includes(t)) return to;
  if (f !== t) return undefined;
  switch (from.base) {
    case 'ARRAY': {
      const item = canCoerce(from.item, (to as Extract<SqlType, { base: 'ARRAY' }>).item, lax);
      return item ? array(item) : undefined;
    }
    case 'MAP': {
      const tm = to as Extract<SqlType, { base: 'MAP' }>;
      const k = canCoerce(from.key, tm.key, lax);
      const v = k ? canCoerce(from.value, tm.value, lax) : undefined;
      return k && v ? map(k, v) : undefined;
    }
    case 'STRUCT': {
      const ts = to as Extract<SqlType, { base: 'STRUCT' }>;
      const names = [...new Set([...from.fields.map((x) => x.name), ...ts.fields.map((x) => x.name)])];
      const fields: { name: string; type: SqlType }[] = [];
      for (const name of names) {
        const a = from.fields.find((x) => x.name === name);
        const b = ts.fields.find((x) => x.name === name);
        if (!a) fields.push({ name, type: b!.type });
        else if (!b) fields.push({ name, type: a.type });
        else {
          const c = canCoerce(a.type, b.type, lax);
          if (!c) return undefined;
          fields.push({ name, type: c });
        }
      }
      return struct(fields);
    }
    default:
      return from;
  }
}

/** ksqlDB's SqlBooleans.parseBooleanExact: `true`/`yes`/`false`/`no` or a prefix of one (any case). */
function parseBooleanExact(s: string): boolean | undefined {
  const matches = (word: string): boolean => s.length > 0 && s.toLowerCase() === word.slice(0, Math.min(s.length, word.length));
  if (matches('true') || matches('yes')) return true;
  if (matches('false') || matches('no')) return false;
  return undefined;
}

/** The common type of `exprs` (the order matters) and each converted to it. */
export function coerceUserList(exprs: readonly Expr[], typeOf: (e: Expr) => TypedItem): CoercedList {
  const typed = exprs.map((e) => ({ e, c: typeOf(e) }));
  const common = resolveAll(typed, typeOf);
  if (common === undefined) return { type: undefined, fns: typed.map((x) => x.c.fn) };
  return { type: common, fns: typed.map((x) => convert(x.e, x.c, common)) };
}

function resolveAll(typed: readonly { e: Expr; c: TypedItem }[], typeOf: (e: Expr) => TypedItem): SqlType | undefined {
  let result: SqlType | undefined;
  let first = true;
  for (const x of typed) {
    if (first) {
      first = false;
      result = x.c.type ?? undefined;
      continue;
    }
    result = resolve(x.e, x.c.type, result, typeOf);
  }
  return result;
}

function resolve(e: Expr, type: SqlType | null, target: SqlType | undefined, typeOf: (e: Expr) => TypedItem): SqlType | undefined {
  if (target === undefined) return type ?? undefined;
  if (type === null) return target;
  if (e.kind === 'array') {
    if (target.base !== 'ARRAY') throw coercionFailure(e, type, target);
    try {
      return array(resolveStructured(target.item, e.items, typeOf));
    } catch (err) {
      if (err instanceof InvalidCoercion) throw coercionFailure(e, type, target);
      throw err;
    }
  }
  if (e.kind === 'map') {
    if (target.base !== 'MAP') throw coercionFailure(e, type, target);
    try {
      const k = resolveStructured(
        target.key,
        e.entries.map((x) => x.key),
        typeOf,
      );
      const v = resolveStructured(
        target.value,
        e.entries.map((x) => x.value),
        typeOf,
      );
      return map(k, v);
    } catch (err) {
      if (err instanceof InvalidCoercion) throw coercionFailure(e, type, target);
      throw err;
    }
  }
  if (e.kind === 'struct') {
    if (target.base !== 'STRUCT') throw coercionFailure(e, type, target);
    try {
      const names = [...new Set([...e.fields.map((f) => f.name), ...target.fields.map((f) => f.name)])];
      return struct(
        names.map((name) => {
          const src = e.fields.find((f) => f.name === name);
          const tgt = target.fields.find((f) => f.name === name);
          if (!tgt) return { name, type: typeOf(src!.value).type ?? T.STRING };
          if (!src) return { name, type: tgt.type };
          return { name, type: resolve(src.value, typeOf(src.value).type, tgt.type, typeOf) ?? tgt.type };
        }),
      );
    } catch (err) {
      if (err instanceof InvalidCoercion) throw coercionFailure(e, type, target);
      throw err;
    }
  }
  if (e.kind === 'literal' && e.type === 'STRING') {
    const value = String(e.value);
    if (isNumeric(target)) {
      let source: SqlType;
      try {
        source = stringNumericType(value);
      } catch {
        throw invalidSyntax(value, target);
      }
      if (target.base === 'DOUBLE') return T.DOUBLE;
      if (source.base === 'DECIMAL' || target.base === 'DECIMAL') return widen(source, target);
      return canImplicitlyCast(source.base, target.base) ? target : source;
    }
    if (target.base === 'BOOLEAN') {
      if (parseBooleanExact(value.trim()) === undefined) throw invalidSyntax(value, T.BOOLEAN);
      return target;
    }
  }
  const lax = isLiteral(e);
  return canCoerce(type, target, lax) ?? canCoerce(target, type, lax) ?? throwFailure(e, type, target);
}

function throwFailure(e: Expr, source: SqlType, target: SqlType): never {
  throw coercionFailure(e, source, target);
}

/** CoercionUtil.resolveStructuredCommonType: the target type first, then the elements. */
function resolveStructured(target: SqlType, items: readonly Expr[], typeOf: (e: Expr) => TypedItem): SqlType {
  let result: SqlType | undefined = target;
  for (const x of items) result = resolve(x, typeOf(x).type, result, typeOf);
  return result ?? target;
}

function convert(e: Expr, c: TypedItem, common: SqlType): (r: unknown[]) => unknown {
  if (c.type === null || sameType(c.type, common)) return c.fn;
  if (c.constant && isLiteral(e)) {
    // literals are converted once (DefaultSqlValueCoercer.LAX)
    const v = c.fn([]);
    let converted: unknown;
    if (c.type.base === 'STRING' && common.base !== 'STRING') {
      const text = String(v).trim();
      if (common.base === 'BOOLEAN') converted = parseBooleanExact(text) ?? null;
      else converted = castFn(T.STRING, common)(text);
    } else converted = castFn(c.type, common)(v);
    return () => converted;
  }
  const f = castFn(c.type, common);
  const inner = c.fn;
  return (r) => f(inner(r));
}

/**
 * A computed value converted to a column's type as ksqlDB's DefaultSqlValueCoercer.STRICT does
 * (INSERT VALUES): numeric widening, decimals that fit, strings parsed as TIMESTAMP/TIME/DATE/
 * BYTES. Undefined when the value cannot be coerced.
 */
export function coerceValueStrict(value: unknown, from: SqlType | null, to: SqlType): { value: unknown } | undefined {
  if (value === null || value === undefined || from === null) return { value: null };
  if (sameType(from, to)) return { value };
  if (!canCoerce(from, to, false)) return undefined;
  try {
    return { value: castFn(from, to)(value) };
  } catch {
    return undefined;
  }
}
