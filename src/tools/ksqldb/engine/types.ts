/**
 * SQL types of the engine (ksqlDB's `SqlType`), converted once from the parser's DataType.
 * `null` stands for the type of an untyped NULL literal.
 */
import type { DataType } from '../../../core/ksql';
import { KsqlError } from './errors';

type PrimitiveBase = 'BOOLEAN' | 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'STRING' | 'TIMESTAMP' | 'DATE' | 'TIME' | 'BYTES';

export interface Field {
  readonly name: string;
  readonly type: SqlType;
}

export type SqlType =
  | { readonly base: PrimitiveBase }
  | { readonly base: 'DECIMAL'; readonly precision: number; readonly scale: number }
  | { readonly base: 'ARRAY'; readonly item: SqlType }
  | { readonly base: 'MAP'; readonly key: SqlType; readonly value: SqlType }
  | { readonly base: 'STRUCT'; readonly fields: readonly Field[] };

/** The type of an expression; null for an untyped NULL literal. */
export type ExprType = SqlType | null;

const P = (base: PrimitiveBase): SqlType => ({ base });
export const T = {
  BOOLEAN: P('BOOLEAN'),
  INTEGER: P('INTEGER'),
  BIGINT: P('BIGINT'),
  DOUBLE: P('DOUBLE'),
  STRING: P('STRING'),
  TIMESTAMP: P('TIMESTAMP'),
  DATE: P('DATE'),
  TIME: P('TIME'),
  BYTES: P('BYTES'),
} as const;

export const decimal = (precision: number, scale: number): SqlType => ({ base: 'DECIMAL', precision, scale });
export const array = (item: SqlType): SqlType => ({ base: 'ARRAY', item });
export const map = (key: SqlType, value: SqlType): SqlType => ({ base: 'MAP', key, value });
export const struct = (fields: readonly Field[]): SqlType => ({ base: 'STRUCT', fields });

/** The headers column type: ARRAY<STRUCT<KEY STRING, VALUE BYTES>>. */
export const HEADERS_TYPE = array(
  struct([
    { name: 'KEY', type: T.STRING },
    { name: 'VALUE', type: T.BYTES },
  ]),
);

/** Converts a parser DataType; custom types are resolved through `custom`. */
export function fromDataType(t: DataType, custom: (name: string) => SqlType | undefined = () => undefined): SqlType {
  switch (t.kind) {
    case 'primitive':
      return P(t.name);
    case 'decimal':
      validateDecimal(t.precision, t.scale);
      return decimal(t.precision, t.scale);
    case 'array':
      return array(fromDataType(t.item, custom));
    case 'map':
      return map(fromDataType(t.key, custom), fromDataType(t.value, custom));
    case 'struct':
      return struct(t.fields.map((f) => ({ name: f.name, type: fromDataType(f.type, custom) })));
    case 'custom': {
      const c = custom(t.name);
      if (!c) throw new KsqlError(`Cannot resolve unknown type: ${t.name}`);
      return c;
    }
  }
}

function validateDecimal(precision: number, scale: number): void {
  if (precision < 1) throw new KsqlError(`DECIMAL precision must be >= 1: DECIMAL(${precision},${scale})`);
  if (scale < 0) throw new KsqlError(`DECIMAL scale must be >= 0: DECIMAL(${precision},${scale})`);
  if (scale > precision) {
    throw new KsqlError(`DECIMAL precision must be >= scale: DECIMAL(${precision},${scale})`);
  }
}

/** ksqlDB's `SqlType#toString`. */
export function typeText(t: ExprType): string {
  if (t === null) return 'NULL';
  switch (t.base) {
    case 'DECIMAL':
      return `DECIMAL(${t.precision}, ${t.scale})`;
    case 'ARRAY':
      return `ARRAY<${typeText(t.item)}>`;
    case 'MAP':
      return `MAP<${typeText(t.key)}, ${typeText(t.value)}>`;
    case 'STRUCT':
      return t.fields.length === 0 ? 'STRUCT< >' : `STRUCT<${t.fields.map((f) => `\`${f.name}\` ${typeText(f.type)}`).join(', ')}>`;
    default:
      return t.base;
  }
}

export function sameType(a: ExprType, b: ExprType): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  if (a.base !== b.base) return false;
  switch (a.base) {
    case 'DECIMAL':
      return a.precision === (b as typeof a).precision && a.scale === (b as typeof a).scale;
    case 'ARRAY':
      return sameType(a.item, (b as typeof a).item);
    case 'MAP':
      return sameType(a.key, (b as typeof a).key) && sameType(a.value, (b as typeof a).value);
    case 'STRUCT': {
      const bf = (b as typeof a).fields;
      return a.fields.length === bf.length && a.fields.every((f, i) => f.name === bf[i].name && sameType(f.type, bf[i].type));
    }
    default:
      return true;
  }
}

export const isNumeric = (t: ExprType): boolean =>
  t !== null && (t.base === 'INTEGER' || t.base === 'BIGINT' || t.base === 'DOUBLE' || t.base === 'DECIMAL');

const NUMERIC_ORDER: Readonly<Record<string, number>> = { INTEGER: 1, BIGINT: 2, DECIMAL: 3, DOUBLE: 4 };

/** Decimal precision/scale needed to hold an integer type (`DecimalUtil#toSqlDecimal`). */
export function toDecimalType(t: SqlType): { precision: number; scale: number } {
  if (t.base === 'DECIMAL') return t;
  if (t.base === 'INTEGER') return { precision: 10, scale: 0 };
  if (t.base === 'BIGINT') return { precision: 19, scale: 0 };
  throw new KsqlError(`Cannot convert ${typeText(t)} to DECIMAL`);
}

/** Widened numeric type of two numeric types (INTEGER < BIGINT < DECIMAL < DOUBLE). */
export function widerNumeric(a: SqlType, b: SqlType): SqlType {
  const ra = NUMERIC_ORDER[a.base];
  const rb = NUMERIC_ORDER[b.base];
  if (ra === 3 && rb === 3) {
    const x = a as { precision: number; scale: number };
    const y = b as { precision: number; scale: number };
    const scale = Math.max(x.scale, y.scale);
    return decimal(Math.max(x.precision - x.scale, y.precision - y.scale) + scale, scale);
  }
  if (ra === 3 && rb < 3) return widerNumeric(a, decimalOf(b));
  if (rb === 3 && ra < 3) return widerNumeric(decimalOf(a), b);
  return ra >= rb ? a : b;
}

const decimalOf = (t: SqlType): SqlType => {
  const d = toDecimalType(t);
  return decimal(d.precision, d.scale);
};

/** True if a value of type `from` may be implicitly widened to `to` (function argument coercion). */
export function canImplicitlyCast(from: ExprType, to: SqlType): boolean {
  if (from === null) return true;
  if (sameType(from, to)) return true;
  if (from.base === 'INTEGER') return to.base === 'BIGINT' || to.base === 'DECIMAL' || to.base === 'DOUBLE';
  if (from.base === 'BIGINT') return to.base === 'DECIMAL' || to.base === 'DOUBLE';
  if (from.base === 'DECIMAL') {
    if (to.base === 'DOUBLE') return true;
    if (to.base === 'DECIMAL') return to.precision - to.scale >= from.precision - from.scale && to.scale >= from.scale;
    return false;
  }
  if (from.base === 'ARRAY' && to.base === 'ARRAY') return canImplicitlyCast(from.item, to.item);
  if (from.base === 'MAP' && to.base === 'MAP') return canImplicitlyCast(from.key, to.key) && canImplicitlyCast(from.value, to.value);
  if (from.base === 'STRUCT' && to.base === 'STRUCT') {
    return from.fields.every((f) => {
      const t = to.fields.find((x) => x.name === f.name);
      return t !== undefined && canImplicitlyCast(f.type, t.type);
    });
  }
  return false;
}

/** True when a type (or a nested type) is a MAP: such types cannot be keys. */
export function containsMap(t: SqlType): boolean {
  switch (t.base) {
    case 'MAP':
      return true;
    case 'ARRAY':
      return containsMap(t.item);
    case 'STRUCT':
      return t.fields.some((f) => containsMap(f.type));
    default:
      return false;
  }
}
