/**
 * AVRO over the Schema Registry wire format (magic byte 0, 4-byte schema id, Avro binary).
 * Schemas are generated from columns the way ksqlDB does (record `KsqlDataSourceSchema`,
 * optional fields, decimals as bytes with the decimal logical type, maps with non-string keys
 * as arrays of key/value records) and registered under `<topic>-key|value`.
 */
import * as avro from 'avsc';
import { KsqlError, RecordError } from './errors';
import { keyColumns, valueColumns, type DataSource } from './model';
import type { SchemaRegistry, Serde, SerdeColumn } from './serde';
import type { SqlType } from './types';
import { Decimal, type Struct } from './values';

type AvroSchema = string | { [k: string]: unknown } | AvroSchema[];

const LONG = avro.types.LongType.__with({
  fromBuffer: (b: Buffer) => b.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(n));
    return b;
  },
  fromJSON: (n: unknown) => BigInt(n as number),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

/** `{type: 'long', logicalType: ...}` as plain `long`, so that every long reads and writes as a bigint. */
function bigintLongs(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(bigintLongs);
  if (s !== null && typeof s === 'object') {
    const o = s as Record<string, unknown>;
    if (o.type === 'long') return 'long';
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) {
      if (k === 'fields' && Array.isArray(v)) out[k] = v.map((f: Record<string, unknown>) => ({ ...f, type: bigintLongs(f.type) }));
      else out[k] = k === 'type' || k === 'items' || k === 'values' ? bigintLongs(v) : v;
    }
    return out;
  }
  return s;
}

const typeCache = new Map<string, avro.Type>();
function avroType(schema: string): avro.Type {
  let t = typeCache.get(schema);
  if (!t) {
    t = avro.Type.forSchema(
      bigintLongs(JSON.parse(schema)) as avro.Schema,
      { registry: { long: LONG }, wrapUnions: false } as unknown as avro.ForSchemaOptions,
    );
    typeCache.set(schema, t);
  }
  return t;
}

const NS = 'io.confluent.ksql.avro_schemas';

/** ksqlDB's Avro schema for a SQL type (always optional). */
function schemaOf(t: SqlType, name: string): AvroSchema {
  return ['null', required(t, name)];
}

function required(t: SqlType, name: string): AvroSchema {
  switch (t.base) {
    case 'BOOLEAN':
      return 'boolean';
    case 'INTEGER':
      return 'int';
    case 'BIGINT':
      return 'long';
    case 'DOUBLE':
      return 'double';
    case 'STRING':
      return 'string';
    case 'BYTES':
      return 'bytes';
    case 'DECIMAL':
      return {
        type: 'bytes',
        scale: t.scale,
        precision: t.precision,
        'connect.version': 1,
        'connect.parameters': { scale: String(t.scale), 'connect.decimal.precision': String(t.precision) },
        'connect.name': 'org.apache.kafka.connect.data.Decimal',
        logicalType: 'decimal',
      };
    case 'TIMESTAMP':
      return {
        type: 'long',
        'connect.version': 1,
        'connect.name': 'org.apache.kafka.connect.data.Timestamp',
        logicalType: 'timestamp-millis',
      };
    case 'DATE':
      return { type: 'int', 'connect.version': 1, 'connect.name': 'org.apache.kafka.connect.data.Date', logicalType: 'date' };
    case 'TIME':
      return { type: 'int', 'connect.version': 1, 'connect.name': 'org.apache.kafka.connect.data.Time', logicalType: 'time-millis' };
    case 'ARRAY':
      return { type: 'array', items: schemaOf(t.item, name) };
    case 'MAP':
      if (t.key.base === 'STRING') return { type: 'map', values: schemaOf(t.value, name) };
      return {
        type: 'array',
        items: {
          type: 'record',
          name: `${name}_MapEntry`,
          namespace: NS,
          fields: [
            { name: 'key', type: schemaOf(t.key, name), default: null },
            { name: 'value', type: schemaOf(t.value, name), default: null },
          ],
        },
      };
    case 'STRUCT':
      return {
        type: 'record',
        name,
        namespace: NS,
        fields: t.fields.map((f) => ({ name: f.name, type: schemaOf(f.type, `${name}_${f.name}`), default: null })),
      };
  }
}

/** The schema ksqlDB registers for the key or value columns of a source. */
export function columnsSchema(columns: readonly SerdeColumn[], unwrapped: boolean, fullName?: string): string {
  if (unwrapped && columns.length === 1) return JSON.stringify(schemaOf(columns[0].type, fullName ?? 'KsqlDataSourceSchema'));
  const name = fullName ?? `${NS}.KsqlDataSourceSchema`;
  const short = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : name;
  const ns = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : undefined;
  return JSON.stringify({
    type: 'record',
    name: short,
    ...(ns ? { namespace: ns } : {}),
    fields: columns.map((c) => ({ name: c.name, type: schemaOf(c.type, `${short}_${c.name}`), default: null })),
  });
}

// ------------------------------------------------------------------------------------------
// values ↔ Avro objects

function decimalToBytes(d: Decimal): Buffer {
  let u = d.unscaled;
  const bytes: number[] = [];
  const neg = u < 0n;
  for (;;) {
    bytes.unshift(Number(u & 0xffn));
    u >>= 8n;
    if ((u === 0n && !neg && (bytes[0] & 0x80) === 0) || (u === -1n && neg && (bytes[0] & 0x80) !== 0)) break;
  }
  return Buffer.from(bytes);
}

function bytesToDecimal(b: Buffer, scale: number): Decimal {
  let u = 0n;
  for (const x of b) u = (u << 8n) | BigInt(x);
  if (b.length > 0 && b[0] & 0x80) u -= 1n << BigInt(8 * b.length);
  return new Decimal(u, scale);
}

/** Strips the optional union of a field schema. */
function nonNull(s: unknown): unknown {
  if (Array.isArray(s)) {
    const nn = s.filter((x) => x !== 'null');
    return nn.length === 1 ? nn[0] : nn;
  }
  return s;
}

function toAvro(v: unknown, t: SqlType): unknown {
  if (v === null || v === undefined) return null;
  switch (t.base) {
    case 'DECIMAL':
      return decimalToBytes((v as Decimal).setScale(t.scale, 'HALF_UP'));
    case 'TIMESTAMP':
      return BigInt(v as number);
    case 'BYTES':
      return Buffer.from(v as Uint8Array);
    case 'ARRAY':
      return (v as unknown[]).map((x) => toAvro(x, t.item));
    case 'MAP':
      if (t.key.base === 'STRING') {
        const o: Record<string, unknown> = {};
        for (const [k, x] of v as Map<unknown, unknown>) o[String(k)] = toAvro(x, t.value);
        return o;
      }
      return [...(v as Map<unknown, unknown>)].map(([k, x]) => ({ key: toAvro(k, t.key), value: toAvro(x, t.value) }));
    case 'STRUCT': {
      const o: Record<string, unknown> = {};
      for (const f of t.fields) o[f.name] = toAvro((v as Struct)[f.name], f.type);
      return o;
    }
    default:
      return v;
  }
}

/** An Avro value read with the writer's schema, converted to a SQL value. */
function fromAvro(v: unknown, t: SqlType, schema: unknown): unknown {
  if (v === null || v === undefined) return null;
  const s = nonNull(schema) as
    { type?: string; scale?: number; items?: unknown; values?: unknown; fields?: { name: string; type: unknown }[] } | string;
  switch (t.base) {
    case 'INTEGER':
      return typeof v === 'bigint' ? Number(BigInt.asIntN(32, v)) : Number(v) | 0;
    case 'BIGINT':
      return typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
    case 'DOUBLE':
      return typeof v === 'bigint' ? Number(v) : Number(v);
    case 'TIMESTAMP':
    case 'DATE':
    case 'TIME':
      return Number(v);
    case 'STRING':
      return typeof v === 'string' ? v : String(v);
    case 'BOOLEAN':
      return v;
    case 'BYTES':
      return Buffer.from(v as Uint8Array);
    case 'DECIMAL': {
      const scale = typeof s === 'object' && s.scale !== undefined ? s.scale : t.scale;
      const d = Buffer.isBuffer(v) ? bytesToDecimal(v, scale) : Decimal.parse(String(v));
      return d.setScale(t.scale, 'HALF_UP');
    }
    case 'ARRAY':
      return (v as unknown[]).map((x) => fromAvro(x, t.item, typeof s === 'object' ? s.items : undefined));
    case 'MAP': {
      const m = new Map<unknown, unknown>();
      if (Array.isArray(v)) {
        for (const e of v as { key: unknown; value: unknown }[])
          m.set(fromAvro(e.key, t.key, undefined), fromAvro(e.value, t.value, undefined));
      } else {
        for (const [k, x] of Object.entries(v as Record<string, unknown>))
          m.set(fromAvro(k, t.key, 'string'), fromAvro(x, t.value, typeof s === 'object' ? s.values : undefined));
      }
      return m;
    }
    case 'STRUCT': {
      const o = v as Record<string, unknown>;
      const fields = typeof s === 'object' ? (s.fields ?? []) : [];
      const out: Struct = {};
      for (const f of t.fields) {
        const wf = fields.find((x) => x.name === f.name) ?? fields.find((x) => x.name.toUpperCase() === f.name.toUpperCase());
        out[f.name] = wf ? fromAvro(o[wf.name], f.type, wf.type) : null;
      }
      return out;
    }
  }
}

// ------------------------------------------------------------------------------------------

export function avroSerde(
  columns: readonly SerdeColumn[],
  unwrapped: boolean,
  isKey: boolean,
  registry: SchemaRegistry,
  props: Readonly<Record<string, string>>,
  topic: string,
): Serde {
  if (columns.length === 0) return { serialize: () => null, deserialize: () => [] };
  const single = isKey ? columns.length === 1 : unwrapped;
  const subject = `${topic}-${isKey ? 'key' : 'value'}`;
  let writer: { id: number; type: avro.Type; schema: unknown } | undefined;
  const writerFor = (): { id: number; type: avro.Type; schema: unknown } => {
    if (!writer) {
      let id: number;
      let text: string;
      if (props.schemaId !== undefined) {
        id = Number(props.schemaId);
        const found = registry.byId(id);
        if (!found) throw new KsqlError(`Schema with id ${id} not found`);
        text = found.schema;
      } else {
        text = columnsSchema(columns, single, props.fullSchemaName);
        id = registry.register(subject, text, 'AVRO');
      }
      writer = { id, type: avroType(text), schema: JSON.parse(text) };
    }
    return writer;
  };
  const readers = new Map<number, { type: avro.Type; schema: unknown }>();
  return {
    serialize(values) {
      if (values === null) return null;
      const w = writerFor();
      let obj: unknown;
      if (single) obj = toAvro(values[0], columns[0].type);
      else {
        const o: Record<string, unknown> = {};
        const fields = ((nonNull(w.schema) as { fields?: { name: string }[] }).fields ?? []).map((f) => f.name);
        columns.forEach((c, i) => {
          const name = fields.find((f) => f === c.name) ?? fields.find((f) => f.toUpperCase() === c.name.toUpperCase()) ?? c.name;
          o[name] = toAvro(values[i], c.type);
        });
        obj = o;
      }
      let body: Buffer;
      try {
        body = w.type.toBuffer(obj);
      } catch (e) {
        throw new RecordError(`Error serializing Avro message: ${(e as Error).message}`);
      }
      const head = Buffer.alloc(5);
      head.writeInt32BE(w.id, 1);
      return Buffer.concat([head, body]);
    },
    deserialize(bytes) {
      if (bytes === null) return null;
      if (bytes.length < 5 || bytes[0] !== 0) throw new RecordError('Unknown magic byte!');
      const id = bytes.readInt32BE(1);
      let r = readers.get(id);
      if (!r) {
        const found = registry.byId(id);
        if (!found) throw new RecordError(`Schema not found; error code: 40403 (id ${id})`);
        r = { type: avroType(found.schema), schema: JSON.parse(found.schema) };
        readers.set(id, r);
      }
      let obj: unknown;
      try {
        obj = r.type.fromBuffer(bytes.subarray(5));
      } catch (e) {
        throw new RecordError(`Error deserializing Avro message for id ${id}: ${(e as Error).message}`);
      }
      if (single) {
        const s = nonNull(r.schema) as { type?: string; fields?: { name: string; type: unknown }[] };
        if (typeof s === 'object' && s.type === 'record' && columns[0].type.base !== 'STRUCT' && s.fields) {
          // a record written for a single column: take its only field
          const f = s.fields[0];
          return [fromAvro((obj as Record<string, unknown>)[f.name], columns[0].type, f.type)];
        }
        return [fromAvro(obj, columns[0].type, r.schema)];
      }
      if (obj === null) return null;
      const s = nonNull(r.schema) as { fields?: { name: string; type: unknown }[] };
      const fields = s.fields ?? [];
      return columns.map((c) => {
        const f = fields.find((x) => x.name === c.name) ?? fields.find((x) => x.name.toUpperCase() === c.name.toUpperCase());
        return f ? fromAvro((obj as Record<string, unknown>)[f.name], c.type, f.type) : null;
      });
    },
  };
}

// ------------------------------------------------------------------------------------------
// Test side (QTT runner): specs ↔ Avro

export interface ActualFactory {
  int(n: number): unknown;
  long(n: bigint): unknown;
  double(n: number): unknown;
  bytes(b: Buffer): unknown;
}

/** A number as the QTT spec reader keeps it: its text and its value. */
interface NumberLike {
  text: string;
  toNumber(): number;
}
export const isNum = (v: unknown): v is NumberLike =>
  typeof v === 'object' && v !== null && 'text' in v && typeof (v as NumberLike).toNumber === 'function';

function specToAvroValue(spec: unknown, schema: unknown): unknown {
  if (spec === null || spec === undefined) return null;
  const s = nonNull(schema) as
    | { type?: string; logicalType?: string; scale?: number; items?: unknown; values?: unknown; fields?: { name: string; type: unknown }[] }
    | string;
  const type = typeof s === 'string' ? s : s.type;
  const logical = typeof s === 'object' ? s.logicalType : undefined;
  switch (type) {
    case 'int':
      return isNum(spec) ? Math.trunc(spec.toNumber()) : Number(spec);
    case 'long':
      return isNum(spec) ? BigInt(/[.eE]/.test(spec.text) ? Math.trunc(spec.toNumber()) : spec.text) : BigInt(spec as number);
    case 'double':
    case 'float':
      return isNum(spec) ? spec.toNumber() : Number(spec);
    case 'boolean':
      return spec;
    case 'string':
      return isNum(spec) ? spec.text : String(spec);
    case 'bytes':
      if (logical === 'decimal') {
        const d = Decimal.parse(isNum(spec) ? spec.text : String(spec)).setScale((s as { scale?: number }).scale ?? 0, 'HALF_UP');
        return decimalToBytes(d);
      }
      return Buffer.from(String(spec), 'base64');
    case 'array':
      return (spec as unknown[]).map((x) => specToAvroValue(x, (s as { items: unknown }).items));
    case 'map': {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(spec as Record<string, unknown>)) o[k] = specToAvroValue(x, (s as { values: unknown }).values);
      return o;
    }
    case 'record': {
      const o: Record<string, unknown> = {};
      const src = spec as Record<string, unknown>;
      for (const f of (s as { fields: { name: string; type: unknown }[] }).fields) {
        const key = Object.keys(src).find((k) => k === f.name) ?? Object.keys(src).find((k) => k.toUpperCase() === f.name.toUpperCase());
        o[f.name] = key === undefined ? null : specToAvroValue(src[key], f.type);
      }
      return o;
    }
    case 'enum':
      return String(spec);
    default:
      return spec;
  }
}

function sourceSchema(src: DataSource, isKey: boolean, registry: SchemaRegistry): { id: number; schema: string } {
  const subject = `${src.topic}-${isKey ? 'key' : 'value'}`;
  const found = registry.latest(subject);
  if (found) return found;
  const cols = isKey ? keyColumns(src) : valueColumns(src);
  const text = columnsSchema(cols, isKey ? cols.length === 1 : src.unwrapValue);
  return { id: registry.register(subject, text, 'AVRO'), schema: text };
}

export function specToAvro(src: DataSource, isKey: boolean, spec: unknown, registry: SchemaRegistry): Buffer {
  const { id, schema } = sourceSchema(src, isKey, registry);
  const obj = specToAvroValue(spec, JSON.parse(schema));
  const head = Buffer.alloc(5);
  head.writeInt32BE(id, 1);
  return Buffer.concat([head, avroType(schema).toBuffer(obj)]);
}

function avroToActual(v: unknown, schema: unknown, f: ActualFactory): unknown {
  if (v === null || v === undefined) return null;
  const s = nonNull(schema) as
    | { type?: string; logicalType?: string; scale?: number; items?: unknown; values?: unknown; fields?: { name: string; type: unknown }[] }
    | string;
  const type = typeof s === 'string' ? s : s.type;
  switch (type) {
    case 'int':
      return f.int(Number(v));
    case 'long':
      return f.long(BigInt(v as bigint));
    case 'double':
    case 'float':
      return f.double(Number(v));
    case 'bytes':
      if (typeof s === 'object' && s.logicalType === 'decimal') return bytesToDecimal(v as Buffer, s.scale ?? 0);
      return f.bytes(v as Buffer);
    case 'array': {
      const items = (s as { items: unknown }).items;
      const itemType = nonNull(items) as { type?: string; name?: string; fields?: { name: string }[] };
      if (typeof itemType === 'object' && itemType.type === 'record' && itemType.name?.endsWith('_MapEntry')) {
        const o: Record<string, unknown> = {};
        for (const e of v as { key: unknown; value: unknown }[])
          o[String(e.key)] = avroToActual(e.value, (itemType.fields as { name: string; type: unknown }[])[1].type, f);
        return o;
      }
      return (v as unknown[]).map((x) => avroToActual(x, items, f));
    }
    case 'map': {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) o[k] = avroToActual(x, (s as { values: unknown }).values, f);
      return o;
    }
    case 'record': {
      const o: Record<string, unknown> = {};
      for (const fl of (s as { fields: { name: string; type: unknown }[] }).fields)
        o[fl.name] = avroToActual((v as Record<string, unknown>)[fl.name], fl.type, f);
      return o;
    }
    default:
      return v;
  }
}

export function avroToSpec(src: DataSource, isKey: boolean, bytes: Buffer, registry: SchemaRegistry, f: ActualFactory): unknown {
  void src;
  void isKey;
  const id = bytes.readInt32BE(1);
  const found = registry.byId(id);
  if (!found) throw new Error(`schema ${id} not found`);
  const v = avroType(found.schema).fromBuffer(bytes.subarray(5));
  return avroToActual(v, JSON.parse(found.schema), f);
}
