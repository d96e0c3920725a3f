/** CAST semantics (ksqlDB's CastEvaluator): which casts exist and the conversion closures. */
import { KsqlError, RecordError } from './errors';
import { isNumeric, sameType, typeText, type ExprType, type SqlType } from './types';
import { Decimal, INT_MAX, INT_MIN, LONG_MAX, LONG_MIN, valueToString, wrapLong, type Struct } from './values';
import { parseDateText, parseTimeText, parseTimestampText } from './time';

const CLAUSE_WORD: Readonly<Record<string, string>> = {
  SELECT: 'Select',
  WHERE: 'Predicate',
  'GROUP BY': 'Group By',
  'PARTITION BY': 'Partition By',
};

/** Throws ksqlDB's error when `from` cannot be cast to `to`. */
export function checkCast(from: ExprType, to: SqlType, clause = 'SELECT'): void {
  if (!castSupported(from, to)) {
    throw new KsqlError(`Invalid ${CLAUSE_WORD[clause] ?? 'Select'}: Cast of ${typeText(from)} to ${typeText(to)} is not supported`);
  }
}

function castSupported(from: ExprType, to: SqlType): boolean {
  if (from === null || sameType(from, to)) return true;
  if (to.base === 'STRING') return true;
  const f = from.base;
  switch (to.base) {
    case 'BOOLEAN':
      return f === 'STRING';
    case 'INTEGER':
    case 'BIGINT':
    case 'DOUBLE':
    case 'DECIMAL':
      return isNumeric(from) || f === 'STRING';
    case 'TIMESTAMP':
      return f === 'STRING' || f === 'DATE';
    case 'DATE':
      return f === 'STRING' || f === 'TIMESTAMP';
    case 'TIME':
      return f === 'STRING' || f === 'TIMESTAMP';
    case 'BYTES':
      return false;
    case 'ARRAY':
      return from.base === 'ARRAY' && castSupported(from.item, to.item);
    case 'MAP':
      return from.base === 'MAP' && castSupported(from.key, to.key) && castSupported(from.value, to.value);
    case 'STRUCT':
      return (
        from.base === 'STRUCT' &&
        to.fields.every((tf) => {
          const ff = from.fields.find((x) => x.name === tf.name);
          return ff === undefined || castSupported(ff.type, tf.type);
        })
      );
  }
}

type Conv = (v: unknown) => unknown;

const nullSafe =
  (f: Conv): Conv =>
  (v) =>
    v == null ? null : f(v);

/** The conversion from `from` to `to` (null passes through). */
export function castFn(from: ExprType, to: SqlType): Conv {
  if (from === null) return () => null;
  if (sameType(from, to)) return (v) => v ?? null;
  switch (to.base) {
    case 'STRING':
      return nullSafe((v) => valueToString(v, from));
    case 'BOOLEAN':
      return nullSafe((v) => parseBoolean(v as string));
    case 'INTEGER':
      return nullSafe(toInt(from));
    case 'BIGINT':
      return nullSafe(toLong(from));
    case 'DOUBLE':
      return nullSafe(toDoubleFn(from));
    case 'DECIMAL': {
      const { precision, scale } = to;
      const base = toDecimalFn(from);
      return nullSafe((v) => fitDecimal(base(v), precision, scale));
    }
    case 'TIMESTAMP':
      if (from.base === 'STRING') return nullSafe((v) => parseTimestampText(v as string));
      if (from.base === 'DATE') return nullSafe((v) => (v as number) * 86_400_000);
      break;
    case 'DATE':
      if (from.base === 'STRING') return nullSafe((v) => parseDateText(v as string));
      if (from.base === 'TIMESTAMP') return nullSafe((v) => Math.floor((v as number) / 86_400_000));
      break;
    case 'TIME':
      if (from.base === 'STRING') return nullSafe((v) => parseTimeText(v as string));
      if (from.base === 'TIMESTAMP') return nullSafe((v) => (((v as number) % 86_400_000) + 86_400_000) % 86_400_000);
      break;
    case 'ARRAY':
      if (from.base === 'ARRAY') {
        const item = castFn(from.item, to.item);
        return nullSafe((v) => (v as unknown[]).map(item));
      }
      break;
    case 'MAP':
      if (from.base === 'MAP') {
        const kf = castFn(from.key, to.key);
        const vf = castFn(from.value, to.value);
        return nullSafe((v) => {
          const m = new Map<unknown, unknown>();
          for (const [k, x] of v as Map<unknown, unknown>) m.set(kf(k), vf(x));
          return m;
        });
      }
      break;
    case 'STRUCT':
      if (from.base === 'STRUCT') {
        const fields = to.fields.map((tf) => {
          const ff = from.fields.find((x) => x.name === tf.name);
          return { name: tf.name, f: ff ? castFn(ff.type, tf.type) : () => null };
        });
        return nullSafe((v) => {
          const s: Struct = {};
          for (const x of fields) s[x.name] = x.f((v as Struct)[x.name] ?? null);
          return s;
        });
      }
      break;
    default:
      break;
  }
  throw new KsqlError(`Cast of ${typeText(from)} to ${typeText(to)} is not supported`);
}

function parseBoolean(s: string): boolean {
  const l = s.trim().toLowerCase();
  if (l === 'true' || l === 't' || l === 'yes' || l === 'y') return true;
  if (l === 'false' || l === 'f' || l === 'no' || l === 'n') return false;
  throw new RecordError(`invalid input syntax for type BOOLEAN: "${s}"`);
}

/** Java (int) of a double: truncation with saturation. */
function doubleToInt(d: number): number {
  if (Number.isNaN(d)) return 0;
  if (d >= INT_MAX) return INT_MAX;
  if (d <= INT_MIN) return INT_MIN;
  return Math.trunc(d);
}

function doubleToLong(d: number): bigint {
  if (Number.isNaN(d)) return 0n;
  if (d >= 9.223372036854776e18) return LONG_MAX;
  if (d <= -9.223372036854776e18) return LONG_MIN;
  return BigInt(Math.trunc(d));
}

function parseIntText(s: string): number {
  const t = s.trim();
  if (!/^[+-]?\d+$/.test(t)) throw new RecordError(`For input string: "${s}"`);
  const n = Number(t);
  if (n < INT_MIN || n > INT_MAX) throw new RecordError(`For input string: "${s}"`);
  return n;
}

function parseLongText(s: string): bigint {
  const t = s.trim();
  if (!/^[+-]?\d+$/.test(t)) throw new RecordError(`For input string: "${s}"`);
  const n = BigInt(t);
  if (n < LONG_MIN || n > LONG_MAX) throw new RecordError(`For input string: "${s}"`);
  return n;
}

function parseDoubleText(s: string): number {
  const t = s.trim();
  if (t === '' || !/^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)[dDfF]?$/.test(t))
    throw new RecordError(`For input string: "${s}"`);
  return Number(t.replace(/[dDfF]$/, ''));
}

function toInt(from: SqlType): Conv {
  switch (from.base) {
    case 'BIGINT':
      return (v) => Number(BigInt.asIntN(32, v as bigint));
    case 'DOUBLE':
      return (v) => doubleToInt(v as number);
    case 'DECIMAL':
      return (v) => Number(BigInt.asIntN(32, (v as Decimal).setScale(0, 'DOWN').unscaled));
    case 'STRING':
      return (v) => parseIntText(v as string);
    default:
      return (v) => v;
  }
}

function toLong(from: SqlType): Conv {
  switch (from.base) {
    case 'INTEGER':
      return (v) => BigInt(v as number);
    case 'DOUBLE':
      return (v) => doubleToLong(v as number);
    case 'DECIMAL':
      return (v) => wrapLong((v as Decimal).setScale(0, 'DOWN').unscaled);
    case 'STRING':
      return (v) => parseLongText(v as string);
    default:
      return (v) => v;
  }
}

function toDoubleFn(from: SqlType): Conv {
  switch (from.base) {
    case 'INTEGER':
      return (v) => v;
    case 'BIGINT':
      return (v) => Number(v as bigint);
    case 'DECIMAL':
      return (v) => (v as Decimal).toNumber();
    case 'STRING':
      return (v) => parseDoubleText(v as string);
    default:
      return (v) => v;
  }
}

function toDecimalFn(from: SqlType): (v: unknown) => Decimal {
  switch (from.base) {
    case 'INTEGER':
      return (v) => new Decimal(BigInt(v as number), 0);
    case 'BIGINT':
      return (v) => new Decimal(v as bigint, 0);
    case 'DOUBLE':
      return (v) => {
        const d = v as number;
        if (!Number.isFinite(d)) throw new RecordError(`Cannot convert ${d} to DECIMAL`);
        return Decimal.fromNumber(d);
      };
    case 'DECIMAL':
      return (v) => v as Decimal;
    case 'STRING':
      return (v) => Decimal.parse(v as string);
    default:
      return () => {
        throw new RecordError(`Cannot cast ${from.base} to DECIMAL`);
      };
  }
}

/** Rounds to the scale (HALF_UP) and checks the precision (ksqlDB: overflow is an error). */
function fitDecimal(d: Decimal, precision: number, scale: number): Decimal {
  const r = d.setScale(scale, 'HALF_UP');
  if (r.precision() > precision && r.unscaled !== 0n) {
    throw new RecordError(
      `Numeric field overflow: A field with precision ${precision} and scale ${scale} must round to an absolute value less than 10^${precision - scale}. Got ${d.toString()}`,
    );
  }
  return r;
}
