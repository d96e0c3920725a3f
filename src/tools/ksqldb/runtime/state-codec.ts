/**
 * Bytes for state-store values (what goes to a query's changelog topic) and back: a tagged JSON
 * that round-trips every value the engine keeps in its stores — rows of SQL values (BIGINT as
 * bigint, DECIMAL as Decimal, BYTES as Buffer, MAP as Map), aggregate accumulators (arrays,
 * objects, Sets, Maps), numbers including NaN, infinities and -0, and undefined.
 */
import { Decimal } from '../engine/values';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function enc(v: unknown): Json {
  if (v === null) return null;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      if (Number.isFinite(v) && !Object.is(v, -0)) return v;
      return { $n: Object.is(v, -0) ? '-0' : String(v) };
    case 'bigint':
      return { $b: v.toString() };
    case 'undefined':
      return { $u: 1 };
    case 'object':
      break;
    default:
      throw new Error(`cannot store a ${typeof v} in a state store`);
  }
  if (Array.isArray(v)) return v.map(enc);
  if (Buffer.isBuffer(v)) return { $x: v.toString('base64') };
  if (v instanceof Decimal) return { $d: [v.unscaled.toString(), v.scale] };
  if (v instanceof Map) return { $m: [...v.entries()].map(([k, x]) => [enc(k), enc(x)]) };
  if (v instanceof Set) return { $s: [...v].map(enc) };
  if (v instanceof Uint8Array) return { $x: Buffer.from(v).toString('base64') };
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    throw new Error(`cannot store an instance of ${(v as object).constructor?.name ?? 'an unknown class'} in a state store`);
  }
  const o: { [k: string]: Json } = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) o[k] = enc(x);
  return { $o: o };
}

function dec(j: Json): unknown {
  if (j === null || typeof j !== 'object') return j;
  if (Array.isArray(j)) return j.map(dec);
  if ('$o' in j) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(j.$o as { [k: string]: Json })) o[k] = dec(x);
    return o;
  }
  if ('$b' in j) return BigInt(j.$b as string);
  if ('$n' in j) return j.$n === '-0' ? -0 : Number(j.$n);
  if ('$u' in j) return undefined;
  if ('$x' in j) return Buffer.from(j.$x as string, 'base64');
  if ('$d' in j) {
    const [u, s] = j.$d as [string, number];
    return new Decimal(BigInt(u), s);
  }
  if ('$m' in j) return new Map((j.$m as [Json, Json][]).map(([k, x]) => [dec(k), dec(x)]));
  if ('$s' in j) return new Set((j.$s as Json[]).map(dec));
  throw new Error(`unknown state value tag in ${JSON.stringify(j).slice(0, 80)}`);
}

export function encodeStateValue(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(enc(v)), 'utf8');
}

export function decodeStateValue(b: Buffer): unknown {
  return dec(JSON.parse(b.toString('utf8')) as Json);
}

/** Changelog record key: the store (without the query's prefix) and the store key. */
export function encodeStateKey(store: string, key: string): Buffer {
  return Buffer.from(JSON.stringify([store, key]), 'utf8');
}

export function decodeStateKey(b: Buffer): { store: string; key: string } {
  const [store, key] = JSON.parse(b.toString('utf8')) as [string, string];
  return { store, key };
}
