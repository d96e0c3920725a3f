/**
 * Runtime values, as Java would hold them in ksqlDB:
 * BOOLEAN boolean, INTEGER number (int32), BIGINT bigint (int64), DOUBLE number, STRING string,
 * DECIMAL Decimal, TIMESTAMP number (epoch ms), DATE number (epoch days), TIME number (ms of day),
 * BYTES Uint8Array, ARRAY unknown[], MAP Map, STRUCT Struct (plain object by field name); SQL NULL is null.
 */
import { RecordError } from './errors';
import type { SqlType } from './types';

export type Struct = { [field: string]: unknown };

const TEN = 10n;
const pow10Cache: bigint[] = [];
function pow10(n: number): bigint {
  if (n < 64) {
    let v = pow10Cache[n];
    if (v === undefined) {
      v = TEN ** BigInt(n);
      pow10Cache[n] = v;
    }
    return v;
  }
  return TEN ** BigInt(n);
}

type Rounding = 'HALF_UP' | 'HALF_EVEN' | 'DOWN' | 'FLOOR' | 'CEILING' | 'UNNECESSARY';

/** java.math.BigDecimal: unscaled value and scale. */
export class Decimal {
  constructor(
    readonly unscaled: bigint,
    readonly scale: number,
  ) {}

  /** Parses `12.30`, `-1E+3`, `.5`; throws RecordError on bad text. */
  static parse(text: string): Decimal {
    const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
    if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) throw new RecordError(`Invalid decimal: ${text}`);
    const frac = m[3] ?? '';
    let scale = frac.length - (m[4] ? Number(m[4]) : 0);
    let unscaled = BigInt((m[2] || '0') + frac);
    if (m[1] === '-') unscaled = -unscaled;
    if (scale < 0 && Number.isFinite(scale)) {
      unscaled *= pow10(-scale);
      scale = 0;
    }
    return new Decimal(unscaled, scale);
  }

  static fromNumber(n: number): Decimal {
    // BigDecimal.valueOf(double): the shortest text of the double
    return Decimal.parse(javaDoubleToString(n).replace('E', 'e'));
  }

  static fromBigInt(n: bigint): Decimal {
    return new Decimal(n, 0);
  }

  /** Number of digits of the unscaled value (BigDecimal#precision). */
  precision(): number {
    const u = this.unscaled < 0n ? -this.unscaled : this.unscaled;
    return u === 0n ? 1 : u.toString().length;
  }

  setScale(scale: number, rounding: Rounding = 'UNNECESSARY'): Decimal {
    if (scale === this.scale) return this;
    if (scale > this.scale) return new Decimal(this.unscaled * pow10(scale - this.scale), scale);
    const div = pow10(this.scale - scale);
    return new Decimal(divRound(this.unscaled, div, rounding), scale);
  }

  /** Rounds to at most `precision` significant digits (MathContext). */
  round(precision: number, rounding: Rounding): Decimal {
    const p = this.precision();
    if (p <= precision) return this;
    return this.setScale(this.scale - (p - precision), rounding);
  }

  toNumber(): number {
    return Number(this.toString());
  }

  /** BigDecimal#toPlainString. */
  toString(): string {
    const neg = this.unscaled < 0n;
    let digits = (neg ? -this.unscaled : this.unscaled).toString();
    if (this.scale <= 0) return (neg ? '-' : '') + digits + '0'.repeat(-this.scale);
    if (digits.length <= this.scale) digits = '0'.repeat(this.scale - digits.length + 1) + digits;
    const i = digits.length - this.scale;
    return (neg ? '-' : '') + digits.slice(0, i) + '.' + digits.slice(i);
  }

  /** BigDecimal#toString (scientific notation when the exponent is small). */
  toJavaString(): string {
    const neg = this.unscaled < 0n;
    const digits = (neg ? -this.unscaled : this.unscaled).toString();
    const adjusted = -this.scale + (digits.length - 1);
    if (this.scale >= 0 && adjusted >= -6) return this.toString();
    let s = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    s += 'E' + (adjusted >= 0 ? '+' : '') + adjusted;
    return (neg ? '-' : '') + s;
  }

  compareTo(o: Decimal): number {
    const s = Math.max(this.scale, o.scale);
    const a = this.setScale(s).unscaled;
    const b = o.setScale(s).unscaled;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** BigDecimal#equals: value and scale. */
  equals(o: Decimal): boolean {
    return this.scale === o.scale && this.unscaled === o.unscaled;
  }

  negate(): Decimal {
    return new Decimal(-this.unscaled, this.scale);
  }
}

/** Integer division with rounding. */
export function divRound(n: bigint, d: bigint, rounding: Rounding): bigint {
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const q = n / d;
  const r = n % d;
  if (r === 0n) return q;
  const neg = n < 0n;
  switch (rounding) {
    case 'DOWN':
      return q;
    case 'FLOOR':
      return neg ? q - 1n : q;
    case 'CEILING':
      return neg ? q : q + 1n;
    case 'UNNECESSARY':
      throw new RecordError('Rounding necessary');
    case 'HALF_UP':
    case 'HALF_EVEN': {
      const twice = (r < 0n ? -r : r) * 2n;
      let up = twice > d;
      if (twice === d) up = rounding === 'HALF_UP' || (q & 1n) !== 0n;
      return up ? (neg ? q - 1n : q + 1n) : q;
    }
  }
}

/** Double.toString of Java. */
export function javaDoubleToString(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'Infinity';
  if (d === -Infinity) return '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(d);
    return s.includes('.') ? s : s + '.0';
  }
  // Java prints at least two significant digits: the closest two-digit mantissa (4.9E-324, 1.0E10)
  const shortest = d.toExponential();
  const [mant, exp] = (/^-?\d(e|$)/.test(shortest) ? d.toExponential(1) : shortest).split('e');
  return `${mant}E${Number(exp)}`;
}

export const INT_MIN = -2147483648;
export const INT_MAX = 2147483647;
export const LONG_MIN = -(2n ** 63n);
export const LONG_MAX = 2n ** 63n - 1n;

export const wrapLong = (n: bigint): bigint => BigInt.asIntN(64, n);

// ------------------------------------------------------------------------------------------
// Dates and times (UTC)

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `Timestamp#toString`-like ISO text used by CAST(ts AS STRING): 2020-01-01T00:00:00.000. */
export function timestampToString(ms: number): string {
  const d = new Date(ms);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`
  );
}

export function dateToString(days: number): string {
  const d = new Date(days * 86_400_000);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

function timeToString(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const frac = ms % 1000;
  return `${pad(h)}:${pad(m)}:${pad(s)}${frac ? '.' + pad(frac, 3) : ''}`;
}

// ------------------------------------------------------------------------------------------
// Equality, ordering, hashing

/** Deep equality of two non-null values of the same SQL type (Java equals). */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (a instanceof Decimal) return b instanceof Decimal && a.compareTo(b) === 0;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valuesEqual(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Uint8Array) return b instanceof Uint8Array && Buffer.compare(a, b) === 0;
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) {
      let found = false;
      for (const [k2, v2] of b) {
        if (valuesEqual(k, k2)) {
          found = valuesEqual(v, v2);
          break;
        }
      }
      if (!found) return false;
    }
    return true;
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!valuesEqual((a as Struct)[k], (b as Struct)[k])) return false;
  return true;
}

/** Compares two non-null comparable values (numbers, bigints, decimals, strings, booleans). */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Decimal && b instanceof Decimal) return a.compareTo(b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  // mixed numerics
  return toDouble(a) - toDouble(b);
}

function toDouble(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Decimal) return v.toNumber();
  throw new RecordError(`not a number: ${String(v)}`);
}

/** A canonical text of a value, usable as a Map key (type-tagged, deterministic). */
export function keyOf(v: unknown): string {
  if (v === null || v === undefined) return 'n';
  switch (typeof v) {
    case 'string':
      return 's' + JSON.stringify(v);
    case 'number':
      return 'd' + String(v);
    case 'bigint':
      return 'l' + v.toString();
    case 'boolean':
      return v ? 't' : 'f';
  }
  if (v instanceof Decimal) return 'D' + v.toString();
  if (v instanceof Uint8Array) return 'b' + Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return '[' + v.map(keyOf).join(',') + ']';
  if (v instanceof Map) return '{' + [...v.entries()].map(([k, x]) => keyOf(k) + ':' + keyOf(x)).join(',') + '}';
  return (
    '(' +
    Object.entries(v as Struct)
      .map(([k, x]) => JSON.stringify(k) + ':' + keyOf(x))
      .join(',') +
    ')'
  );
}

/** Value to text the way ksqlDB's CAST(x AS STRING) and string concatenation show it. */
export function valueToString(v: unknown, t: SqlType | null): string | null {
  if (v === null || v === undefined) return null;
  if (t) {
    switch (t.base) {
      case 'DOUBLE':
        return javaDoubleToString(v as number);
      case 'TIMESTAMP':
        return timestampToString(v as number);
      case 'DATE':
        return dateToString(v as number);
      case 'TIME':
        return timeToString(v as number);
      case 'DECIMAL':
        return (v as Decimal).toString();
      default:
        break;
    }
  }
  return displayValue(v, t);
}

/** Java's `toString()` of a value as used inside collections (Struct/List/Map text). */
function displayValue(v: unknown, t: SqlType | null): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return t && t.base === 'DOUBLE' ? javaDoubleToString(v) : String(v);
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Decimal) return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) {
    const it = t && t.base === 'ARRAY' ? t.item : null;
    return '[' + v.map((x) => displayValue(x, it)).join(', ') + ']';
  }
  if (v instanceof Map) {
    const kt = t && t.base === 'MAP' ? t.key : null;
    const vt = t && t.base === 'MAP' ? t.value : null;
    return '{' + [...v.entries()].map(([k, x]) => `${displayValue(k, kt)}=${displayValue(x, vt)}`).join(', ') + '}';
  }
  const fields = t && t.base === 'STRUCT' ? t.fields : Object.keys(v as object).map((name) => ({ name, type: null }));
  return (
    'Struct{' +
    fields
      .filter((f) => (v as Struct)[f.name] != null)
      .map((f) => `${f.name}=${displayValue((v as Struct)[f.name], f.type)}`)
      .join(',') +
    '}'
  );
}
