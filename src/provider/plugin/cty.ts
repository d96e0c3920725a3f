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

export interface DynamicValue {
  msgpack?: Buffer | Uint8Array;
  json?: Buffer | Uint8Array;
}

export class CtyError extends Error {}

/** Decodes a DynamicValue against its type; absent or empty means null. */
export function decodeDynamic(dv: DynamicValue | null | undefined, type: CtyType): CtyValue {
  if (!dv) return null;
  if (dv.msgpack && dv.msgpack.length > 0) return decodeMsgpack(dv.msgpack, type);
  if (dv.json && dv.json.length > 0) return conform(JSON.parse(Buffer.from(dv.json).toString('utf8')), type, '');
  return null;
}

/** Encodes a value as its type (conform's shaping and conversions, applied while writing). */
export function encodeDynamic(value: unknown, type: CtyType): { msgpack: Buffer } {
  const w = writer;
  w.at = 0;
  trail.length = 0;
  writeTyped(w, value, type);
  const out = Buffer.allocUnsafe(w.at);
  w.buf.copy(out, 0, 0, w.at);
  if (w.buf.length > 1 << 20) w.buf = Buffer.allocUnsafe(4096); // one huge value does not hold its buffer
  return { msgpack: out };
}

// ---------------------------------------------------------------------------------------------
// msgpack (github.com/msgpack/msgpack/blob/master/spec.md) in cty's use of it, read and written
// guided by the type: an object's attributes are matched by their bytes and come out in the type's
// order, every attribute present; no intermediate value is built and shaped afterwards. A value
// not of the type's family (a number where a string is expected...) is read generically and
// shaped by conform, so both paths accept and refuse the same values.

/** The path of the value being read or written, for errors (segments pushed and popped, built only to throw). */
const trail: (string | number)[] = [];
function trailPath(): string {
  let path = '';
  for (const seg of trail) path = typeof seg === 'number' ? `${path}[${seg}]` : path ? `${path}.${seg}` : seg;
  return path;
}

/** An object type's attributes, with their names' UTF-8 bytes for matching keys without decoding them. */
interface ObjectLayout {
  readonly names: readonly string[];
  readonly types: readonly CtyType[];
  readonly bytes: readonly Buffer[];
  /** Each name as a msgpack string (header and bytes), as written. */
  readonly encoded: readonly Buffer[];
}
const layouts = new WeakMap<object, ObjectLayout>();
function layoutOf(attrs: Readonly<Record<string, CtyType>>): ObjectLayout {
  let l = layouts.get(attrs);
  if (!l) {
    const names = Object.keys(attrs);
    const bytes = names.map((n) => Buffer.from(n, 'utf8'));
    const encoded = names.map((n) => {
      const w: Writer = { buf: Buffer.allocUnsafe(16), at: 0 };
      writeStr(w, n);
      return Buffer.from(w.buf.subarray(0, w.at));
    });
    l = { names, types: names.map((n) => attrs[n]), bytes, encoded };
    layouts.set(attrs, l);
  }
  return l;
}

interface Reader {
  buf: Buffer;
  at: number;
}

function decodeMsgpack(bytes: Buffer | Uint8Array, type: CtyType): CtyValue {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const r: Reader = { buf, at: 0 };
  trail.length = 0;
  const v = readTyped(r, type);
  if (r.at !== buf.length) throw new CtyError(`value: ${buf.length - r.at} bytes after the msgpack value`);
  return v;
}

function need(r: Reader, n: number): void {
  if (r.at + n > r.buf.length) throw new CtyError(`${trailPath() || 'value'}: msgpack value cut short`);
}

/** The length of a string at the reader (its header consumed), or -1 when the next value is no string. */
function strLength(r: Reader): number {
  const b = r.buf[r.at];
  let n: number;
  if (b >= 0xa0 && b <= 0xbf) {
    r.at += 1;
    n = b & 0x1f;
  } else if (b === 0xd9) {
    need(r, 2);
    n = r.buf[r.at + 1];
    r.at += 2;
  } else if (b === 0xda) {
    need(r, 3);
    n = r.buf.readUInt16BE(r.at + 1);
    r.at += 3;
  } else if (b === 0xdb) {
    need(r, 5);
    n = r.buf.readUInt32BE(r.at + 1);
    r.at += 5;
  } else return -1;
  need(r, n);
  return n;
}

function readStr(r: Reader, n: number): string {
  const { buf, at } = r;
  r.at += n;
  // ASCII (nearly every key and value) through the cheaper latin1 decoding
  for (let i = at; i < at + n; i++) if (buf[i] > 0x7f) return buf.toString('utf8', at, at + n);
  return buf.toString('latin1', at, at + n);
}

/**
 * A map's or an array's count at the reader (its header consumed), or -1 when the next value is not
 * of that kind: the fix form (`fix` | count below 16), or the 16- and 32-bit forms (writeHeader's).
 */
function headerLength(r: Reader, fix: number, x16: number, x32: number): number {
  const b = r.buf[r.at];
  if ((b & 0xf0) === fix) {
    r.at += 1;
    return b & 0x0f;
  }
  if (b === x16) {
    need(r, 3);
    r.at += 3;
    return r.buf.readUInt16BE(r.at - 2);
  }
  if (b === x32) {
    need(r, 5);
    r.at += 5;
    return r.buf.readUInt32BE(r.at - 4);
  }
  return -1;
}
const mapLength = (r: Reader) => headerLength(r, 0x80, 0xde, 0xdf);
const arrayLength = (r: Reader) => headerLength(r, 0x90, 0xdc, 0xdd);

function readTyped(r: Reader, type: CtyType): CtyValue {
  need(r, 1);
  const b = r.buf[r.at];
  if (b === 0xc0) {
    r.at += 1;
    return null;
  }
  if (type === 'string') {
    const n = strLength(r);
    if (n >= 0) return readStr(r, n);
  } else if (type === 'number') {
    if (b <= 0x7f || b >= 0xe0 || (b >= 0xca && b <= 0xd3)) return readAny(r) as number;
  } else if (type === 'bool') {
    if (b === 0xc2 || b === 0xc3) {
      r.at += 1;
      return b === 0xc3;
    }
  } else {
    const kind = type[0];
    if (kind === 'object') {
      const n = mapLength(r);
      if (n >= 0) return readObject(r, n, layoutOf(type[1]));
    } else if (kind === 'map') {
      const n = mapLength(r);
      if (n >= 0) {
        const out: Record<string, CtyValue> = {};
        for (let i = 0; i < n; i++) {
          const key = readKey(r);
          trail.push(key);
          out[key] = readTyped(r, type[1]);
          trail.pop();
        }
        return out;
      }
    } else {
      const n = arrayLength(r);
      if (n >= 0) {
        const out: CtyValue[] = new Array(n);
        for (let i = 0; i < n; i++) {
          trail.push(i);
          out[i] = readTyped(r, type[1]);
          trail.pop();
        }
        return out;
      }
    }
  }
  // anything else (numbers, booleans, unknowns, values of another family): read, then shaped
  return conform(readAny(r), type, trailPath());
}

function readObject(r: Reader, n: number, l: ObjectLayout): CtyValue {
  const out: Record<string, CtyValue> = {};
  for (let k = 0; k < l.names.length; k++) out[l.names[k]] = null; // every attribute, in the type's order
  for (let i = 0; i < n; i++) {
    need(r, 1);
    const len = strLength(r);
    const idx = len < 0 ? -1 : attributeIndex(r.buf, r.at, len, l);
    if (idx < 0) {
      // not an attribute of the type (conform drops those): skipped, if a key msgpack allows
      const key = len < 0 ? readAny(r) : readStr(r, len);
      if (typeof key !== 'string' && typeof key !== 'number')
        throw new CtyError(`${trailPath() || 'value'}: a map key that is not a string`);
      if (key === '__proto__') throw new CtyError(`${trailPath() || 'value'}: the map key __proto__ is not allowed`);
      readAny(r);
      continue;
    }
    r.at += len;
    trail.push(l.names[idx]);
    out[l.names[idx]] = readTyped(r, l.types[idx]);
    trail.pop();
  }
  return out;
}

function attributeIndex(buf: Buffer, at: number, len: number, l: ObjectLayout): number {
  next: for (let k = 0; k < l.bytes.length; k++) {
    const name = l.bytes[k];
    if (name.length !== len) continue;
    for (let j = 0; j < len; j++) if (buf[at + j] !== name[j]) continue next;
    return k;
  }
  return -1;
}

function readKey(r: Reader): string {
  need(r, 1);
  const n = strLength(r);
  const k = n >= 0 ? readStr(r, n) : readAny(r);
  if (typeof k === 'number') return String(k);
  if (typeof k !== 'string') throw new CtyError(`${trailPath() || 'value'}: a map key that is not a string`);
  if (k === '__proto__') throw new CtyError(`${trailPath() || 'value'}: the map key __proto__ is not allowed`);
  return k;
}

/** Any msgpack value, as @msgpack/msgpack would give it (maps as objects, bin as bytes, cty's unknowns as UNKNOWN). */
function readAny(r: Reader): unknown {
  need(r, 1);
  const chars = strLength(r);
  if (chars >= 0) return readStr(r, chars);
  const pairs = mapLength(r);
  if (pairs >= 0) {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < pairs; i++) {
      const k = readKey(r);
      out[k] = readAny(r);
    }
    return out;
  }
  const items = arrayLength(r);
  if (items >= 0) {
    const out: unknown[] = new Array(items);
    for (let i = 0; i < items; i++) out[i] = readAny(r);
    return out;
  }
  const { buf } = r;
  const b = buf[r.at++];
  if (b <= 0x7f) return b;
  if (b >= 0xe0) return b - 0x100;
  const sized = (bytes: number) => {
    need(r, bytes);
    r.at += bytes;
    return r.at - bytes;
  };
  switch (b) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xc4:
    case 0xc5:
    case 0xc6: {
      const lenAt = sized(b === 0xc4 ? 1 : b === 0xc5 ? 2 : 4);
      const n = b === 0xc4 ? buf[lenAt] : b === 0xc5 ? buf.readUInt16BE(lenAt) : buf.readUInt32BE(lenAt);
      const at = sized(n);
      return new Uint8Array(buf.subarray(at, at + n));
    }
    case 0xca:
      return buf.readFloatBE(sized(4));
    case 0xcb:
      return buf.readDoubleBE(sized(8));
    case 0xcc:
      return buf[sized(1)];
    case 0xcd:
      return buf.readUInt16BE(sized(2));
    case 0xce:
      return buf.readUInt32BE(sized(4));
    case 0xcf:
      return Number(buf.readBigUInt64BE(sized(8)));
    case 0xd0:
      return buf.readInt8(sized(1));
    case 0xd1:
      return buf.readInt16BE(sized(2));
    case 0xd2:
      return buf.readInt32BE(sized(4));
    case 0xd3:
      return Number(buf.readBigInt64BE(sized(8)));
    default: {
      // extensions: fixext 1-16, ext 8/16/32
      let n: number;
      if (b >= 0xd4 && b <= 0xd8) n = 1 << (b - 0xd4);
      else if (b === 0xc7) n = buf[sized(1)];
      else if (b === 0xc8) n = buf.readUInt16BE(sized(2));
      else if (b === 0xc9) n = buf.readUInt32BE(sized(4));
      else throw new CtyError(`${trailPath() || 'value'}: 0x${b.toString(16)} is not a msgpack value`);
      const extType = buf.readInt8(sized(1));
      sized(n);
      // cty: 0 wholly unknown; 0x0C unknown with refinements (not needed here)
      if (extType === 0 || extType === 12) return UNKNOWN;
      throw new CtyError(`${trailPath() || 'value'}: msgpack extension type ${extType} is not a cty value`);
    }
  }
}

interface Writer {
  buf: Buffer;
  at: number;
}
const writer: Writer = { buf: Buffer.allocUnsafe(4096), at: 0 };

function room(w: Writer, n: number): void {
  if (w.at + n <= w.buf.length) return;
  const next = Buffer.allocUnsafe(Math.max(w.buf.length * 2, w.at + n));
  w.buf.copy(next, 0, 0, w.at);
  w.buf = next;
}

function writeHeader(w: Writer, n: number, fix: number, x16: number, x32: number): void {
  room(w, 5);
  if (n < 16) w.buf[w.at++] = fix | n;
  else if (n < 0x10000) {
    w.buf[w.at] = x16;
    w.buf.writeUInt16BE(n, w.at + 1);
    w.at += 3;
  } else {
    w.buf[w.at] = x32;
    w.buf.writeUInt32BE(n, w.at + 1);
    w.at += 5;
  }
}

function writeStr(w: Writer, s: string): void {
  const len = s.length;
  room(w, 5 + len);
  if (len < 32) {
    // ASCII fits its header and bytes at once; anything else is written by Buffer
    const start = w.at;
    let at = start + 1;
    let i = 0;
    for (; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) break;
      w.buf[at++] = c;
    }
    if (i === len) {
      w.buf[start] = 0xa0 | len;
      w.at = at;
      return;
    }
  }
  const n = Buffer.byteLength(s, 'utf8');
  room(w, 5 + n);
  if (n < 32) w.buf[w.at++] = 0xa0 | n;
  else if (n < 0x100) {
    w.buf[w.at++] = 0xd9;
    w.buf[w.at++] = n;
  } else if (n < 0x10000) {
    w.buf[w.at] = 0xda;
    w.buf.writeUInt16BE(n, w.at + 1);
    w.at += 3;
  } else {
    w.buf[w.at] = 0xdb;
    w.buf.writeUInt32BE(n, w.at + 1);
    w.at += 5;
  }
  w.at += w.buf.write(s, w.at, n, 'utf8');
}

/** A number as @msgpack/msgpack writes one: a safe integer in its smallest form, anything else as float64. */
function writeNumber(w: Writer, v: number): void {
  room(w, 9);
  const { buf } = w;
  if (Number.isSafeInteger(v)) {
    if (v >= 0) {
      if (v < 0x80) buf[w.at++] = v;
      else if (v < 0x100) {
        buf[w.at++] = 0xcc;
        buf[w.at++] = v;
      } else if (v < 0x10000) {
        buf[w.at] = 0xcd;
        buf.writeUInt16BE(v, w.at + 1);
        w.at += 3;
      } else if (v < 0x100000000) {
        buf[w.at] = 0xce;
        buf.writeUInt32BE(v, w.at + 1);
        w.at += 5;
      } else {
        buf[w.at] = 0xcf;
        buf.writeBigUInt64BE(BigInt(v), w.at + 1);
        w.at += 9;
      }
    } else if (v >= -0x20) buf[w.at++] = v + 0x100;
    else if (v >= -0x80) {
      buf[w.at] = 0xd0;
      buf.writeInt8(v, w.at + 1);
      w.at += 2;
    } else if (v >= -0x8000) {
      buf[w.at] = 0xd1;
      buf.writeInt16BE(v, w.at + 1);
      w.at += 3;
    } else if (v >= -0x80000000) {
      buf[w.at] = 0xd2;
      buf.writeInt32BE(v, w.at + 1);
      w.at += 5;
    } else {
      buf[w.at] = 0xd3;
      buf.writeBigInt64BE(BigInt(v), w.at + 1);
      w.at += 9;
    }
    return;
  }
  buf[w.at] = 0xcb;
  buf.writeDoubleBE(v, w.at + 1);
  w.at += 9;
}

function writeTyped(w: Writer, v: unknown, type: CtyType): void {
  if (v === UNKNOWN) {
    // wholly unknown: fixext 1, type 0 (cty's encoding)
    room(w, 3);
    w.buf[w.at++] = 0xd4;
    w.buf[w.at++] = 0;
    w.buf[w.at++] = 0;
    return;
  }
  if (v === null || v === undefined) {
    room(w, 1);
    w.buf[w.at++] = 0xc0;
    return;
  }
  if (type === 'string') {
    if (typeof v === 'string') return writeStr(w, v);
    return writeStr(w, conform(v, type, trailPath()) as string);
  }
  if (type === 'number') {
    if (typeof v === 'number') return writeNumber(w, v);
    return writeNumber(w, conform(v, type, trailPath()) as number);
  }
  if (type === 'bool') {
    const t = typeof v === 'boolean' ? v : (conform(v, type, trailPath()) as boolean);
    room(w, 1);
    w.buf[w.at++] = t ? 0xc3 : 0xc2;
    return;
  }
  const [kind, inner] = type;
  if (kind === 'list' || kind === 'set') {
    if (!Array.isArray(v)) throw new CtyError(`${trailPath() || 'value'}: expected a ${kind}`);
    writeHeader(w, v.length, 0x90, 0xdc, 0xdd);
    for (let i = 0; i < v.length; i++) {
      trail.push(i);
      writeTyped(w, v[i], inner);
      trail.pop();
    }
    return;
  }
  if (typeof v !== 'object' || Array.isArray(v)) throw new CtyError(`${trailPath() || 'value'}: expected a ${kind}`);
  const obj = v as Record<string, unknown>;
  if (kind === 'map') {
    // an own __proto__ key (from JSON.parse) is dropped, as conform's copy dropped it
    const keys = Object.keys(obj);
    const dropped = Object.prototype.hasOwnProperty.call(obj, '__proto__') ? 1 : 0;
    writeHeader(w, keys.length - dropped, 0x80, 0xde, 0xdf);
    for (const k of keys) {
      if (k === '__proto__') continue;
      writeStr(w, k);
      trail.push(k);
      writeTyped(w, obj[k], inner);
      trail.pop();
    }
    return;
  }
  const l = layoutOf(inner);
  writeHeader(w, l.names.length, 0x80, 0xde, 0xdf);
  for (let k = 0; k < l.names.length; k++) {
    const name = l.names[k];
    const key = l.encoded[k];
    room(w, key.length);
    for (let j = 0; j < key.length; j++) w.buf[w.at + j] = key[j];
    w.at += key.length;
    trail.push(name);
    writeTyped(w, obj[name], l.types[k]);
    trail.pop();
  }
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
