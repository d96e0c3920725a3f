/**
 * ksqlDB's ExpectedRecordComparator: an expected spec (numbers exact as RawNumber) against an
 * actual value read by `bytesToActual`: exact decimals, numeric widening, case-insensitive
 * struct fields. Shared by the QTT runner and the test runner.
 */
import { RawNumber } from '../engine/json';
import { Decimal } from '../engine/values';
import { JBytes, JDouble, JInt, JLong } from './serde';

function intValue(e: RawNumber): number {
  if (e.isIntegral) return Number(BigInt.asIntN(32, BigInt(e.text)));
  return Math.trunc(e.toNumber()) | 0;
}
function longValue(e: RawNumber): bigint {
  if (e.isIntegral) return BigInt.asIntN(64, BigInt(e.text));
  return BigInt(Math.trunc(e.toNumber()));
}

/**
 * A number given as a JavaScript value rather than as test-file text, which cannot tell `2` from
 * `2.0`: it matches an actual number of the same value, whatever its type or scale.
 */
export class NumberValue extends RawNumber {}

function sameNumber(actual: unknown, expected: NumberValue): boolean {
  if (actual instanceof JInt || actual instanceof JLong) return expected.isIntegral && BigInt(expected.text) === BigInt(actual.v);
  if (actual instanceof JDouble) return Math.abs(expected.toNumber() - actual.v) < 0.000001;
  if (actual instanceof Decimal) {
    try {
      return Decimal.parse(expected.text).compareTo(actual) === 0;
    } catch {
      return false;
    }
  }
  return false;
}

export function matches(actual: unknown, expected: unknown): boolean {
  if (expected === null || expected === undefined) return actual === null || actual === undefined;
  if (expected instanceof NumberValue) return sameNumber(actual, expected);
  if (expected instanceof RawNumber) {
    if (actual instanceof JInt) return intValue(expected) === actual.v;
    if (actual instanceof JLong) return longValue(expected) === actual.v;
    if (actual instanceof JDouble) return Math.abs(expected.toNumber() - actual.v) < 0.000001;
    if (actual instanceof Decimal) {
      if (expected.isIntegral) {
        if (actual.scale > 0) return false;
        return BigInt(expected.text) === actual.setScale(0).unscaled;
      }
      try {
        return Decimal.parse(expected.text).equals(actual);
      } catch {
        return false;
      }
    }
    return false;
  }
  if (typeof expected === 'string') {
    if (typeof actual === 'string') return actual === expected;
    if (actual instanceof Decimal) {
      try {
        return Decimal.parse(expected).equals(actual);
      } catch {
        return false;
      }
    }
    if (actual instanceof JBytes) return actual.v.toString('base64') === expected;
    return false;
  }
  if (typeof expected === 'boolean') return actual === expected;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return false;
    return expected.every((x, i) => matches(actual[i], x));
  }
  if (typeof expected === 'object') {
    if (
      actual === null ||
      typeof actual !== 'object' ||
      Array.isArray(actual) ||
      actual instanceof JInt ||
      actual instanceof JLong ||
      actual instanceof JDouble ||
      actual instanceof Decimal ||
      actual instanceof JBytes
    ) {
      return false;
    }
    const a = actual as Record<string, unknown>;
    const entries = Object.entries(expected as Record<string, unknown>);
    if (Object.keys(a).length !== entries.length) return false;
    for (const [k, x] of entries) {
      let v = a[k];
      if (v === undefined || v === null) v = a[k.toUpperCase()];
      if (!matches(v ?? null, x)) return false;
    }
    return true;
  }
  return false;
}
