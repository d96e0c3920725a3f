/**
 * PROTOBUF (Schema Registry wire format: magic byte 0, 4-byte schema id, message indexes,
 * protobuf binary) and PROTOBUF_NOSR (plain protobuf binary, schema from the columns).
 *
 * Values go through the semantics of Confluent's ProtobufData as ksqlDB configures it (no
 * wrappers for nullables): a null field is not written, an empty array is not written; on
 * reading, an absent scalar field is its default (0, "", false), an absent repeated field an
 * empty array/map, an absent message field null. Then ksqlDB's ConnectDataTranslator: fields
 * matched by name (exact, then upper-cased), widening INT32 → BIGINT, FLOAT → DOUBLE, numbers
 * and booleans → STRING, otherwise "Cannot deserialize type X as type Y for path: ...".
 */
import { isNum, type ActualFactory } from './avro';
import { KsqlError, RecordError } from './errors';
import { keyColumns, valueColumns, type DataSource } from './model';
import {
  DATE_TYPE,
  DECIMAL_TYPE,
  TIME_TYPE,
  TIMESTAMP_TYPE,
  generateProtoSchema,
  messageAt,
  parseProtoSchema,
  selectMessage,
  type PbField,
  type PbMessage,
  type ProtoSchema,
} from './proto-schema';
import type { SchemaRegistry, Serde, SerdeColumn } from './serde';
import type { SqlType } from './types';
import { Decimal, type Struct } from './values';

// ------------------------------------------------------------------------------------------
// Wire codec over a resolved message model. Message values: field name → value; repeated
// fields arrays; map fields arrays of {key, value}; int64-like values bigint.

type PbObj = Record<string, unknown>;

class Writer {
  private buf = Buffer.allocUnsafe(64);
  private pos = 0;
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  varint(v: bigint | number): void {
    let x = typeof v === 'bigint' ? BigInt.asUintN(64, v) : v >= 0 ? v : BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    if (typeof x === 'number') {
      while (x > 0x7f) {
        this.buf[this.pos++] = (x % 128) | 0x80;
        x = Math.floor(x / 128);
      }
      this.buf[this.pos++] = x;
      return;
    }
    while (x > 0x7fn) {
      this.buf[this.pos++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.pos++] = Number(x);
  }
  tag(n: number, wire: number): void {
    this.varint(n * 8 + wire);
  }
  fixed32(v: number, signed: boolean, float = false): void {
    this.ensure(4);
    if (float) this.buf.writeFloatLE(v, this.pos);
    else if (signed) this.buf.writeInt32LE(v | 0, this.pos);
    else this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }
  fixed64(v: bigint | number, kind: 'double' | 'signed' | 'unsigned'): void {
    this.ensure(8);
    if (kind === 'double') this.buf.writeDoubleLE(v as number, this.pos);
    else if (kind === 'signed') this.buf.writeBigInt64LE(BigInt.asIntN(64, BigInt(v)), this.pos);
    else this.buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)), this.pos);
    this.pos += 8;
  }
  bytes(b: Buffer): void {
    this.varint(b.length);
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }
  raw(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
  }
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

const zigzag32 = (n: number): number => ((n << 1) ^ (n >> 31)) >>> 0;
const zigzag64 = (n: bigint): bigint => BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));

function wireType(f: PbField): number {
  switch (f.type) {
    case 'double':
    case 'fixed64':
    case 'sfixed64':
      return 1;
    case 'float':
    case 'fixed32':
    case 'sfixed32':
      return 5;
    case 'string':
    case 'bytes':
    case 'message':
      return 2;
    default:
      return 0;
  }
}

function writeScalar(w: Writer, f: PbField, v: unknown): void {
  switch (f.type) {
    case 'int32':
    case 'enum':
      w.varint(v as number);
      return;
    case 'uint32':
      w.varint((v as number) >>> 0);
      return;
    case 'sint32':
      w.varint(zigzag32(v as number));
      return;
    case 'int64':
    case 'uint64':
      w.varint(BigInt(v as bigint));
      return;
    case 'sint64':
      w.varint(zigzag64(BigInt.asIntN(64, BigInt(v as bigint))));
      return;
    case 'bool':
      w.varint(v ? 1 : 0);
      return;
    case 'double':
      w.fixed64(v as number, 'double');
      return;
    case 'fixed64':
      w.fixed64(v as bigint, 'unsigned');
      return;
    case 'sfixed64':
      w.fixed64(v as bigint, 'signed');
      return;
    case 'float':
      w.fixed32(v as number, true, true);
      return;
    case 'fixed32':
      w.fixed32(v as number, false);
      return;
    case 'sfixed32':
      w.fixed32(v as number, true);
      return;
    case 'string':
      w.bytes(Buffer.from(v as string, 'utf8'));
      return;
    case 'bytes':
      w.bytes(v as Buffer);
      return;
    case 'message':
      w.bytes(encodeMessage(f.message!, v as PbObj));
      return;
  }
}

function encodeMessage(m: PbMessage, obj: PbObj): Buffer {
  const w = new Writer();
  const fields = [...m.fields].sort((a, b) => a.number - b.number);
  for (const f of fields) {
    const v = obj[f.name];
    if (v === undefined || v === null) continue;
    if (f.repeated) {
      const list = v as unknown[];
      if (list.length === 0) continue;
      const wt = wireType(f);
      if (wt !== 2) {
        const inner = new Writer();
        for (const x of list) writeScalar(inner, f, x);
        w.tag(f.number, 2);
        w.bytes(inner.finish());
      } else {
        for (const x of list) {
          w.tag(f.number, 2);
          writeScalar(w, f, x);
        }
      }
      continue;
    }
    w.tag(f.number, wireType(f));
    writeScalar(w, f, v);
  }
  return w.finish();
}

class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw new RecordError('Protocol message truncated');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new RecordError('Protocol message had a malformed varint');
    }
  }
  varint32(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RecordError('Protocol message truncated');
      const b = this.buf[this.pos++];
      if (i < 5) result += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) return result;
    }
    throw new RecordError('Protocol message had a malformed varint');
  }
  bytes(): Buffer {
    const n = this.varint32();
    if (this.pos + n > this.end) throw new RecordError('Protocol message truncated');
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        return;
      case 2:
        this.bytes();
        return;
      case 5:
        this.pos += 4;
        return;
      default:
        throw new RecordError(`Protocol message contained an invalid tag (wire type ${wire})`);
    }
  }
}

function readScalar(r: Reader, f: PbField): unknown {
  switch (f.type) {
    case 'int32':
    case 'enum':
      return Number(BigInt.asIntN(32, r.varint()));
    case 'uint32':
      return Number(BigInt.asUintN(32, r.varint()));
    case 'sint32': {
      const n = Number(BigInt.asUintN(32, r.varint()));
      return (n >>> 1) ^ -(n & 1);
    }
    case 'int64':
      return BigInt.asIntN(64, r.varint());
    case 'uint64':
      return BigInt.asUintN(64, r.varint());
    case 'sint64': {
      const n = BigInt.asUintN(64, r.varint());
      return BigInt.asIntN(64, (n >> 1n) ^ -(n & 1n));
    }
    case 'bool':
      return r.varint() !== 0n;
    case 'double': {
      const v = r.buf.readDoubleLE(r.pos);
      r.pos += 8;
      return v;
    }
    case 'fixed64': {
      const v = r.buf.readBigUInt64LE(r.pos);
      r.pos += 8;
      return v;
    }
    case 'sfixed64': {
      const v = r.buf.readBigInt64LE(r.pos);
      r.pos += 8;
      return v;
    }
    case 'float': {
      const v = r.buf.readFloatLE(r.pos);
      r.pos += 4;
      return v;
    }
    case 'fixed32': {
      const v = r.buf.readUInt32LE(r.pos);
      r.pos += 4;
      return v;
    }
    case 'sfixed32': {
      const v = r.buf.readInt32LE(r.pos);
      r.pos += 4;
      return v;
    }
    case 'string':
      return r.bytes().toString('utf8');
    case 'bytes':
      return Buffer.from(r.bytes());
    case 'message': {
      const b = r.bytes();
      return decodeMessage(f.message!, b);
    }
  }
}

/** Decodes a message: present fields only (repeated fields as arrays). */
function decodeMessage(m: PbMessage, buf: Buffer, start = 0, end = buf.length): PbObj {
  const r = new Reader(buf, start, end);
  const out: PbObj = {};
  while (r.pos < r.end) {
    const key = r.varint32();
    const number = Math.floor(key / 8);
    const wire = key & 7;
    const f = m.byNumber.get(number);
    if (!f) {
      r.skip(wire);
      continue;
    }
    if (f.repeated) {
      const list = (out[f.name] as unknown[] | undefined) ?? [];
      out[f.name] = list;
      if (wire === 2 && wireType(f) !== 2) {
        const b = r.bytes();
        const inner = new Reader(b);
        while (inner.pos < inner.end) list.push(readScalar(inner, f));
      } else list.push(readScalar(r, f));
      continue;
    }
    if (f.oneof !== undefined) for (const o of m.fields) if (o.oneof === f.oneof && o !== f) delete out[o.name];
    out[f.name] = readScalar(r, f);
  }
  return out;
}

// ------------------------------------------------------------------------------------------
// Connect-level values: defaults for absent fields, logical types

/** The Connect schema type of a (non-repeated view of a) field. */
function connectType(f: PbField): string {
  switch (f.type) {
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return 'int32';
    case 'int64':
    case 'uint32':
    case 'uint64':
    case 'sint64':
    case 'fixed32':
    case 'fixed64':
    case 'sfixed64':
      return 'int64';
    case 'float':
      return 'float32';
    case 'double':
      return 'float64';
    case 'bool':
      return 'boolean';
    case 'string':
    case 'enum':
      return 'string';
    case 'bytes':
      return 'bytes';
    case 'message':
      switch (f.message!.fullName) {
        case TIMESTAMP_TYPE:
          return 'int64';
        case DATE_TYPE:
        case TIME_TYPE:
          return 'int32';
        case DECIMAL_TYPE:
          return 'bytes';
      }
      return f.message!.isMapEntry ? 'map' : 'struct';
  }
}

function sqlConnectType(t: SqlType): string {
  switch (t.base) {
    case 'BOOLEAN':
      return 'boolean';
    case 'INTEGER':
    case 'DATE':
    case 'TIME':
      return 'int32';
    case 'BIGINT':
    case 'TIMESTAMP':
      return 'int64';
    case 'DOUBLE':
      return 'float64';
    case 'STRING':
      return 'string';
    case 'BYTES':
    case 'DECIMAL':
      return 'bytes';
    case 'ARRAY':
      return 'array';
    case 'MAP':
      return 'map';
    case 'STRUCT':
      return 'struct';
  }
}

const ACCEPTS: Readonly<Record<string, readonly string[]>> = {
  int64: ['int64', 'int32'],
  int32: ['int32'],
  float64: ['float32', 'float64'],
  string: ['int32', 'int64', 'float32', 'float64', 'boolean', 'string'],
};

function defaultOf(f: PbField): unknown {
  switch (f.type) {
    case 'int32':
    case 'sint32':
    case 'sfixed32':
    case 'uint32':
    case 'fixed32':
    case 'float':
    case 'double':
      return 0;
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return 0n;
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    case 'enum':
      return 0;
    case 'message':
      return null;
  }
}

/** A field's value as ProtobufData.toConnectData gives it (absent scalars are defaults). */
function fieldValue(obj: PbObj, f: PbField): unknown {
  const v = obj[f.name];
  if (f.repeated) return v ?? [];
  if (v !== undefined) return v;
  if (f.optional || f.oneof !== undefined) return null;
  return defaultOf(f);
}

const DAY_MS = 86_400_000;

/** A non-repeated pb value → its Connect value (logical types resolved, enums as names). */
function connectValue(f: PbField, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (f.type === 'enum') return f.enumType!.byNumber.get(v as number) ?? String(v);
  if (f.type === 'uint32' || f.type === 'fixed32') return BigInt(v as number);
  if (f.type !== 'message') return v;
  const o = v as PbObj;
  const num = (name: string): number => Number((o[name] as number | bigint | undefined) ?? 0);
  switch (f.message!.fullName) {
    case TIMESTAMP_TYPE:
      return BigInt(num('seconds')) * 1000n + BigInt(Math.floor(num('nanos') / 1_000_000));
    case DATE_TYPE:
      return Math.floor(Date.UTC(num('year'), num('month') - 1, num('day')) / DAY_MS);
    case TIME_TYPE:
      return ((num('hours') * 60 + num('minutes')) * 60 + num('seconds')) * 1000 + Math.floor(num('nanos') / 1_000_000);
    case DECIMAL_TYPE: {
      const b = (o.value as Buffer | undefined) ?? Buffer.alloc(0);
      return new Decimal(bytesToBigInt(b), num('scale'));
    }
  }
  return v;
}

function bytesToBigInt(b: Buffer): bigint {
  if (b.length === 0) return 0n;
  let u = 0n;
  for (const x of b) u = (u << 8n) | BigInt(x);
  if (b[0] & 0x80) u -= 1n << BigInt(8 * b.length);
  return u;
}

function bigIntToBytes(u: bigint): Buffer {
  const bytes: number[] = [];
  const neg = u < 0n;
  for (;;) {
    bytes.unshift(Number(u & 0xffn));
    u >>= 8n;
    if ((u === 0n && !neg && (bytes[0] & 0x80) === 0) || (u === -1n && neg && (bytes[0] & 0x80) !== 0)) break;
  }
  return Buffer.from(bytes);
}

/** The element view of a repeated field. */
const elementOf = (f: PbField): PbField => ({ ...f, repeated: false });

/** Connect value of a field → SQL value (ksqlDB's ConnectDataTranslator). */
function toSql(f: PbField, v: unknown, t: SqlType, path: string): unknown {
  const ct = f.repeated ? (f.type === 'message' && f.message!.isMapEntry ? 'map' : 'array') : connectType(f);
  const st = sqlConnectType(t);
  const ok = ACCEPTS[st] ? ACCEPTS[st].includes(ct) : ct === st;
  if (!ok) throw new RecordError(`Cannot deserialize type ${ct} as type ${st} for path: ${path}`);
  if (v === null || v === undefined) return null;
  if (ct === 'map') {
    const entry = f.message!;
    const out = new Map<unknown, unknown>();
    const mt = t as Extract<SqlType, { base: 'MAP' }>;
    for (const e of v as PbObj[]) {
      const k = toSql(entry.fields[0], connectValue(entry.fields[0], fieldValue(e, entry.fields[0])), mt.key, `${path}->MAP_KEY`);
      const x = toSql(entry.fields[1], connectValue(entry.fields[1], fieldValue(e, entry.fields[1])), mt.value, `${path}->MAP_VAL`);
      out.set(k, x);
    }
    return out;
  }
  if (ct === 'array') {
    const el = elementOf(f);
    const item = (t as Extract<SqlType, { base: 'ARRAY' }>).item;
    return (v as unknown[]).map((x) => toSql(el, connectValue(el, x), item, `${path}->ARRAY`));
  }
  switch (t.base) {
    case 'BIGINT':
    case 'TIMESTAMP': {
      const n = typeof v === 'bigint' ? v : BigInt(v as number);
      return t.base === 'TIMESTAMP' ? Number(n) : n;
    }
    case 'INTEGER':
    case 'DATE':
    case 'TIME':
      return Number(v) | 0;
    case 'DOUBLE':
      return Number(v);
    case 'STRING':
      if (typeof v === 'number' && f.type === 'float') return javaFloatText(v);
      return String(v);
    case 'BOOLEAN':
      return v;
    case 'BYTES':
      return Buffer.from(v as Buffer);
    case 'DECIMAL':
      if (!(v instanceof Decimal)) throw new RecordError(`Cannot deserialize type bytes as type DECIMAL for path: ${path}`);
      return v.setScale(t.scale, 'HALF_UP');
    case 'STRUCT':
      return structToSql(f.message!, v as PbObj, t.fields, path);
    default:
      return v;
  }
}

function javaFloatText(v: number): string {
  const s = String(Math.fround(v));
  return /[.eE]/.test(s) || !Number.isFinite(v) ? s : `${s}.0`;
}

/** Message → values of `columns` (fields matched by exact name, then upper-cased name). */
function structToSql(m: PbMessage, obj: PbObj, columns: readonly SerdeColumn[], path: string): Struct {
  const out: Struct = {};
  for (const c of columns) out[c.name] = null;
  const byName = new Map(columns.map((c) => [c.name, c]));
  const seenOneofs = new Set<string>();
  for (const f of m.fields) {
    if (f.oneof !== undefined && !f.optional) {
      if (seenOneofs.has(f.oneof)) continue;
      seenOneofs.add(f.oneof);
      const col = byName.get(f.oneof) ?? byName.get(f.oneof.toUpperCase());
      if (!col) continue;
      if (col.type.base !== 'STRUCT')
        throw new RecordError(`Cannot deserialize type struct as type ${sqlConnectType(col.type)} for path: ${path}->${col.name}`);
      const members = m.fields.filter((x) => x.oneof === f.oneof);
      const set = members.find((x) => obj[x.name] !== undefined);
      if (!set) continue;
      const union: Struct = {};
      for (const x of col.type.fields) union[x.name] = null;
      const target = col.type.fields.find((x) => x.name === set.name) ?? col.type.fields.find((x) => x.name === set.name.toUpperCase());
      if (target) union[target.name] = toSql(set, connectValue(set, obj[set.name]), target.type, `${path}->${col.name}->${target.name}`);
      out[col.name] = union;
      continue;
    }
    const col = byName.get(f.name) ?? byName.get(f.name.toUpperCase());
    if (!col) continue;
    const raw = fieldValue(obj, f);
    const v = f.repeated ? raw : connectValue(f, raw);
    out[col.name] = toSql(f, v, col.type, `${path}->${col.name}`);
  }
  return out;
}

// ------------------------------------------------------------------------------------------
// SQL values → pb values (ProtobufData.fromConnectData)

function fromSql(f: PbField, v: unknown, t: SqlType | undefined): unknown {
  if (v === null || v === undefined) return undefined;
  if (f.repeated) {
    if (f.type === 'message' && f.message!.isMapEntry) {
      const entry = f.message!;
      const mt = t?.base === 'MAP' ? t : undefined;
      const out: PbObj[] = [];
      for (const [k, x] of v as Map<unknown, unknown>) {
        const e: PbObj = {};
        const kk = fromSql(entry.fields[0], k, mt?.key);
        const vv = fromSql(entry.fields[1], x, mt?.value);
        if (kk !== undefined) e.key = kk;
        if (vv !== undefined) e.value = vv;
        out.push(e);
      }
      return out;
    }
    const list = v as unknown[];
    if (list.length === 0) return undefined;
    const el = elementOf(f);
    const item = t?.base === 'ARRAY' ? t.item : undefined;
    return list.map((x) => {
      const y = fromSql(el, x, item);
      if (y === undefined) throw new RecordError('Error serializing Protobuf message: null element in a repeated field');
      return y;
    });
  }
  const n = (): number => (typeof v === 'bigint' ? Number(BigInt.asIntN(32, v)) : v instanceof Decimal ? Number(v.toString()) : Number(v));
  const big = (): bigint => (typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v))));
  switch (f.type) {
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return n() | 0;
    case 'uint32':
    case 'fixed32':
      return Number(BigInt.asIntN(32, big())) >>> 0;
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return BigInt.asIntN(64, big());
    case 'uint64':
    case 'fixed64':
      return BigInt.asUintN(64, big());
    case 'float':
    case 'double':
      return n();
    case 'bool':
      return v === true;
    case 'string':
      return typeof v === 'string' ? v : String(v);
    case 'bytes':
      return Buffer.from(v as Uint8Array);
    case 'enum': {
      if (typeof v === 'number') return v;
      const e = f.enumType!.byName.get(String(v));
      if (e === undefined) throw new RecordError(`Error serializing Protobuf message: unknown enum value ${String(v)}`);
      return e;
    }
    case 'message':
      switch (f.message!.fullName) {
        case TIMESTAMP_TYPE: {
          const ms = Number(v);
          const seconds = Math.floor(ms / 1000);
          return { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
        }
        case DATE_TYPE: {
          const d = new Date(Number(v) * DAY_MS);
          return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
        }
        case TIME_TYPE: {
          const ms = Number(v);
          if (ms < 0 || ms > DAY_MS) throw new RecordError('Time values must use number of millis greater than 0 and less than 86400000');
          return {
            hours: Math.floor(ms / 3_600_000),
            minutes: Math.floor(ms / 60_000) % 60,
            seconds: Math.floor(ms / 1000) % 60,
            nanos: (ms % 1000) * 1_000_000,
          };
        }
        case DECIMAL_TYPE: {
          const d = v instanceof Decimal ? v : Decimal.parse(String(v));
          return { value: bigIntToBytes(d.unscaled), precision: d.precision(), scale: d.scale };
        }
      }
      return structFromSql(f.message!, v as Struct, t?.base === 'STRUCT' ? t.fields : undefined);
  }
}

function structFromSql(m: PbMessage, s: Struct, fields: readonly SerdeColumn[] | undefined): PbObj {
  const out: PbObj = {};
  const keys = Object.keys(s);
  for (const f of m.fields) {
    const key = f.name in s ? f.name : keys.find((k) => k.toUpperCase() === f.name.toUpperCase());
    if (key === undefined) continue;
    const t = fields?.find((x) => x.name === key)?.type;
    const v = fromSql(f, s[key], t);
    if (v !== undefined) out[f.name] = v;
  }
  return out;
}

// ------------------------------------------------------------------------------------------
// Serdes

const schemaCache = new Map<string, ProtoSchema>();

/** Parses (cached) a registered schema, resolving its references through the registry. */
export function registeredSchema(registry: SchemaRegistry, id: number): ProtoSchema {
  const found = registry.byId(id);
  if (!found) throw new RecordError(`Schema not found; error code: 40403 (id ${id})`);
  const refs = found.references ?? [];
  const key = `${id}\u0000${found.schema}`;
  let s = schemaCache.get(key);
  if (!s) {
    s = parseProtoSchema(found.schema, (name) => {
      const ref = refs.find((r) => r.name === name);
      return ref ? (registry.latest(ref.subject)?.schema ?? undefined) : undefined;
    });
    schemaCache.set(key, s);
  }
  return s;
}

function parsedText(text: string): ProtoSchema {
  let s = schemaCache.get(text);
  if (!s) {
    s = parseProtoSchema(text);
    schemaCache.set(text, s);
  }
  return s;
}

function writeIndexes(indexes: readonly number[]): Buffer {
  if (indexes.length === 1 && indexes[0] === 0) return Buffer.from([0]);
  const w = new Writer();
  w.varint(zigzag32(indexes.length));
  for (const i of indexes) w.varint(zigzag32(i));
  return w.finish();
}

function readIndexes(r: Reader): number[] {
  const unzig = (n: number): number => (n >>> 1) ^ -(n & 1);
  const count = unzig(r.varint32());
  if (count === 0) return [0];
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(unzig(r.varint32()));
  return out;
}

/** Row values of `columns` → a message value; `single` = one unwrapped column. */
function rowToMessage(m: PbMessage, columns: readonly SerdeColumn[], values: readonly unknown[], single: boolean): PbObj {
  if (single) {
    const c = columns[0];
    if (c.type.base === 'STRUCT') return structFromSql(m, values[0] as Struct, c.type.fields);
    const v = m.fields[0] ? fromSql(m.fields[0], values[0], c.type) : undefined;
    return v === undefined ? {} : { [m.fields[0].name]: v };
  }
  const s: Struct = {};
  columns.forEach((c, i) => (s[c.name] = values[i]));
  return structFromSql(m, s, columns);
}

function messageToRow(m: PbMessage, obj: PbObj, columns: readonly SerdeColumn[], single: boolean): unknown[] {
  if (single) {
    const c = columns[0];
    if (c.type.base === 'STRUCT') return [structToSql(m, obj, c.type.fields, '')];
    const f = m.fields[0];
    if (!f) return [null];
    const raw = fieldValue(obj, f);
    return [toSql(f, f.repeated ? raw : connectValue(f, raw), c.type, '')];
  }
  const s = structToSql(m, obj, columns, '');
  return columns.map((c) => s[c.name]);
}

/** PROTOBUF over the Schema Registry. */
export function protobufSerde(
  columns: readonly SerdeColumn[],
  single: boolean,
  isKey: boolean,
  registry: SchemaRegistry,
  props: Readonly<Record<string, string>>,
  topic: string,
): Serde {
  if (columns.length === 0) return { serialize: () => null, deserialize: () => [] };
  const subject = `${topic}-${isKey ? 'key' : 'value'}`;
  let writer: { id: number; message: PbMessage; header: Buffer } | undefined;
  const writerFor = (): { id: number; message: PbMessage; header: Buffer } => {
    if (!writer) {
      let id: number;
      let schema: ProtoSchema;
      let fullName: string | undefined = props.fullSchemaName;
      if (props.schemaId !== undefined) {
        id = Number(props.schemaId);
        schema = registeredSchema(registry, id);
      } else {
        const text = generateProtoSchema(columns, single, fullName);
        id = registry.register(subject, text, 'PROTOBUF');
        schema = parsedText(text);
        fullName = undefined;
      }
      const { message, indexes } = selectMessage(schema, fullName);
      const head = Buffer.alloc(5);
      head.writeInt32BE(id, 1);
      writer = { id, message, header: Buffer.concat([head, writeIndexes(indexes)]) };
    }
    return writer;
  };
  return {
    serialize(values) {
      if (values === null) return null;
      const w = writerFor();
      let body: Buffer;
      try {
        body = encodeMessage(w.message, rowToMessage(w.message, columns, values, single));
      } catch (e) {
        if (e instanceof RecordError) throw e;
        throw new RecordError(`Error serializing Protobuf message: ${(e as Error).message}`);
      }
      return Buffer.concat([w.header, body]);
    },
    deserialize(bytes) {
      if (bytes === null) return null;
      if (bytes.length < 5 || bytes[0] !== 0) throw new RecordError('Unknown magic byte!');
      const id = bytes.readInt32BE(1);
      let schema: ProtoSchema;
      try {
        schema = registeredSchema(registry, id);
      } catch (e) {
        if (e instanceof KsqlError) throw new RecordError(e.message);
        throw e;
      }
      const r = new Reader(bytes, 5);
      const m = messageAt(schema, readIndexes(r));
      return messageToRow(m, decodeMessage(m, bytes, r.pos), columns, single);
    },
  };
}

/** PROTOBUF_NOSR: plain protobuf binary with the schema generated from the columns. */
export function protobufNoSrSerde(columns: readonly SerdeColumn[], single: boolean): Serde {
  if (columns.length === 0) return { serialize: () => null, deserialize: () => [] };
  const m = selectMessage(parsedText(generateProtoSchema(columns, single))).message;
  return {
    serialize(values) {
      if (values === null) return null;
      return encodeMessage(m, rowToMessage(m, columns, values, single));
    },
    deserialize(bytes) {
      if (bytes === null) return null;
      return messageToRow(m, decodeMessage(m, bytes), columns, single);
    },
  };
}

// ------------------------------------------------------------------------------------------
// Test side (QTT runner): specs ↔ protobuf, as ksqlDB's ValueSpecProtobuf(NoSR)SerdeSupplier

const specText = (v: unknown): string => (isNum(v) ? v.text : String(v));

function specToPb(f: PbField, spec: unknown): unknown {
  if (spec === null || spec === undefined) return undefined;
  if (f.repeated) {
    if (f.type === 'message' && f.message!.isMapEntry) {
      const entry = f.message!;
      return Object.entries(spec as Record<string, unknown>).map(([k, x]) => {
        const e: PbObj = {};
        const kk = specToPb(entry.fields[0], k);
        const vv = specToPb(entry.fields[1], x);
        if (kk !== undefined) e.key = kk;
        if (vv !== undefined) e.value = vv;
        return e;
      });
    }
    const list = spec as unknown[];
    if (list.length === 0) return undefined;
    const el = elementOf(f);
    return list.map((x) => specToPb(el, x));
  }
  switch (f.type) {
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return Number(specText(spec)) | 0;
    case 'uint32':
    case 'fixed32':
      return Number(BigInt.asIntN(32, BigInt(specText(spec)))) >>> 0;
    case 'int64':
    case 'sint64':
    case 'sfixed64':
    case 'uint64':
    case 'fixed64':
      return BigInt(specText(spec));
    case 'float':
    case 'double':
      return Number(specText(spec));
    case 'bool':
      return String(spec) === 'true';
    case 'string':
      return specText(spec);
    case 'bytes':
      return Buffer.from(String(spec), 'base64');
    case 'enum':
      return f.enumType!.byName.get(String(spec)) ?? 0;
    case 'message': {
      const name = f.message!.fullName;
      if (name === TIMESTAMP_TYPE || name === DATE_TYPE || name === TIME_TYPE) return fromSql(f, Number(specText(spec)), undefined);
      if (name === DECIMAL_TYPE) return fromSql(f, Decimal.parse(specText(spec)), undefined);
      const m = f.message!;
      const src = spec as Record<string, unknown>;
      const out: PbObj = {};
      for (const [k, x] of Object.entries(src)) {
        const field = m.fields.find((y) => y.name.toUpperCase() === k.toUpperCase());
        if (!field) continue;
        const v = specToPb(field, x);
        if (v !== undefined) out[field.name] = v;
      }
      return out;
    }
  }
}

function pbToActual(f: PbField, v: unknown, af: ActualFactory): unknown {
  if (f.repeated) {
    if (f.type === 'message' && f.message!.isMapEntry) {
      const entry = f.message!;
      const o: Record<string, unknown> = {};
      for (const e of v as PbObj[]) {
        o[String(connectValue(entry.fields[0], fieldValue(e, entry.fields[0])))] = pbToActual(
          entry.fields[1],
          fieldValue(e, entry.fields[1]),
          af,
        );
      }
      return o;
    }
    const el = elementOf(f);
    return (v as unknown[]).map((x) => pbToActual(el, x, af));
  }
  const c = connectValue(f, v);
  if (c === null || c === undefined) return null;
  switch (connectType(f)) {
    case 'int32':
      return af.int(c as number);
    case 'int64':
      return af.long(BigInt(c as number | bigint));
    case 'float32':
    case 'float64':
      return af.double(c as number);
    case 'bytes':
      return c instanceof Decimal ? c : af.bytes(c as Buffer);
    case 'struct': {
      const m = f.message!;
      const o: Record<string, unknown> = {};
      for (const x of m.fields) o[x.name] = pbToActual(x, fieldValue(c as PbObj, x), af);
      return o;
    }
    default:
      return c;
  }
}

function testMessage(src: DataSource, isKey: boolean, registry: SchemaRegistry): { id?: number; message: PbMessage; indexes: number[] } {
  const cols = isKey ? keyColumns(src) : valueColumns(src);
  const format = isKey ? src.keyFormat : src.valueFormat;
  if (format.format === 'PROTOBUF_NOSR') {
    return { message: selectMessage(parsedText(generateProtoSchema(cols, false))).message, indexes: [0] };
  }
  const subject = `${src.topic}-${isKey ? 'key' : 'value'}`;
  let found = registry.latest(subject);
  if (!found) {
    const text = generateProtoSchema(cols, false, format.props.fullSchemaName);
    registry.register(subject, text, 'PROTOBUF');
    found = registry.latest(subject)!;
  }
  const schema = registeredSchema(registry, found.id);
  const fullName = format.props.fullSchemaName;
  const sel = selectMessage(schema, fullName && !fullName.startsWith('ConnectDefault') ? fullName : undefined);
  return { id: found.id, ...sel };
}

export function specToProtobuf(src: DataSource, isKey: boolean, spec: unknown, registry: SchemaRegistry): Buffer {
  const { id, message, indexes } = testMessage(src, isKey, registry);
  const body = encodeMessage(
    message,
    specToPb({ name: '', number: 0, type: 'message', message, repeated: false, optional: false, params: {} }, spec) as PbObj,
  );
  if (id === undefined) return body;
  const head = Buffer.alloc(5);
  head.writeInt32BE(id, 1);
  return Buffer.concat([head, writeIndexes(indexes), body]);
}

export function protobufToSpec(src: DataSource, isKey: boolean, bytes: Buffer, registry: SchemaRegistry, af: ActualFactory): unknown {
  const format = isKey ? src.keyFormat : src.valueFormat;
  let m: PbMessage;
  let start = 0;
  if (format.format === 'PROTOBUF_NOSR') m = testMessage(src, isKey, registry).message;
  else {
    const schema = registeredSchema(registry, bytes.readInt32BE(1));
    const r = new Reader(bytes, 5);
    m = messageAt(schema, readIndexes(r));
    start = r.pos;
  }
  const obj = decodeMessage(m, bytes, start);
  return pbToActual({ name: '', number: 0, type: 'message', message: m, repeated: false, optional: false, params: {} }, obj, af);
}
