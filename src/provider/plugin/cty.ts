import { Decoder, Encoder, ExtensionCodec } from '@msgpack/msgpack';

/**
 * cty types and values as they cross the plugin protocol (DynamicValue): msgpack with an
 * extension for unknown values, or JSON for raw state. Objects always carry every attribute.
 */
export type CtyType =
  | 'string'
  | 'number'
  | 'bool'
  | readonly ['list', CtyType]
  | readonly ['set', CtyType]
  | readonly ['map', CtyType]
  | readonly ['object', Readonly<Record<string, CtyType>>];

/** A value not known until apply. */
export const UNKNOWN: unique symbol = Symbol('unknown');
export type Unknown = typeof UNKNOWN;

export type CtyValue = null | Unknown | string | number | boolean | CtyValue[] | { [k: string]: CtyValue };

export function isUnknown(v: unknown): v is Unknown {
  return v === UNKNOWN;
}

/** True when the value or anything inside it is unknown. */
export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v !== null && typeof v === 'object') return Object.values(v).some(containsUnknown);
  return false;
}

const codec = new ExtensionCodec();
// Wholly unknown: fixext1 type 0 (cty's encoding).
codec.register({ type: 0, encode: (v) => (v === UNKNOWN ? new Uint8Array([0]) : null), decode: () => UNKNOWN });
// Refined unknown (type 0x0C with a map of refinements): the refinements are not needed here.
codec.register({ type: 12, encode: () => null, decode: () => UNKNOWN });

// One decoder and one encoder for every call (msgpack's decode()/encode() build a new one, with its
// buffers and key cache, per value). Both are synchronous; @msgpack/msgpack 3 clones one entered again.
const decoder = new Decoder({ extensionCodec: codec });
const encoder = new Encoder({ extensionCodec: codec });

export interface DynamicValue {
  msgpack?: Buffer | Uint8Array;
  json?: Buffer | Uint8Array;
}

export class CtyError extends Error {}

/** Decodes a DynamicValue against its type; absent or empty means null. */
export function decodeDynamic(dv: DynamicValue | null | undefined, type: CtyType): CtyValue {
  if (!dv) return null;
  if (dv.msgpack && dv.msgpack.length > 0) return conform(decoder.decode(dv.msgpack), type, '');
  if (dv.json && dv.json.length > 0) return conform(JSON.parse(Buffer.from(dv.json).toString('utf8')), type, '');
  return null;
}

export function encodeDynamic(value: CtyValue, type: CtyType): { msgpack: Buffer } {
  // a view of the encoder's own buffer, copied once before the next call reuses it
  return { msgpack: Buffer.from(encoder.encodeSharedRef(conform(value, type, ''))) };
}

/** The JSON form of a type, as Schema.Attribute.type wants it. */
export function typeJson(type: CtyType): Buffer {
  return Buffer.from(JSON.stringify(type));
}

/** Shapes a decoded value to its type: fills absent object attributes with null, converts numbers. */
export function conform(v: unknown, type: CtyType, path: string): CtyValue {
  if (v === UNKNOWN) return UNKNOWN;
  if (v === null || v === undefined) return null;
  if (type === 'string') {
    if (typeof v === 'string') return v;
    if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw new CtyError(`${path || 'value'}: expected a string, got ${typeof v}`);
  }
  if (type === 'number') {
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
    throw new CtyError(`${path || 'value'}: expected a number, got ${JSON.stringify(v)}`);
  }
  if (type === 'bool') {
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    throw new CtyError(`${path || 'value'}: expected a bool, got ${JSON.stringify(v)}`);
  }
  const [kind, inner] = type;
  if (kind === 'list' || kind === 'set') {
    if (!Array.isArray(v)) throw new CtyError(`${path || 'value'}: expected a ${kind}`);
    return v.map((e, i) => conform(e, inner, `${path}[${i}]`));
  }
  if (typeof v !== 'object' || Array.isArray(v)) throw new CtyError(`${path || 'value'}: expected a ${kind}`);
  const obj = v as Record<string, unknown>;
  if (kind === 'map') {
    const out: Record<string, CtyValue> = {};
    for (const [k, e] of Object.entries(obj)) out[k] = conform(e, inner, `${path}.${k}`);
    return out;
  }
  const out: Record<string, CtyValue> = {};
  for (const [k, t] of Object.entries(inner)) out[k] = conform(obj[k], t, path ? `${path}.${k}` : k);
  return out;
}

/** Deep equality of known values (unknown equals only unknown). */
export function ctyEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => ctyEqual(x, b[i]));
  const ak = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const bk = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => ctyEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
