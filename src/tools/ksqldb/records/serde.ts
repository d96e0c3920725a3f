/**
 * Test-side records, shared by the QTT runner and the test runner: record specs (JSON values as
 * ksqlDB's test files write them, numbers exact as RawNumber) serialized into a source's key or
 * value format, and the engine's output bytes read back into values typed like the Java objects
 * ksqlDB's test framework deserializes (int, long, double, BigDecimal, bytes) for comparison.
 */
import { avroToSpec, specToAvro } from '../engine/avro';
import { parseJson, RawNumber } from '../engine/json';
import { jsonSchemaOf } from '../engine/json-sr';
import { protobufToSpec, specToProtobuf } from '../engine/protobuf';
import { keyColumns, valueColumns, type DataSource } from '../engine/model';
import type { SchemaRegistry } from '../engine/serde';
import { Decimal } from '../engine/values';

/** A key or value as a test file writes it. */
export type Spec = unknown;

export const num = (v: unknown): number => (v instanceof RawNumber ? v.toNumber() : Number(v));

/** The first source of the engine's metastore reading or writing a topic. */
export function sourceFor(sources: readonly DataSource[], topic: string): DataSource | undefined {
  return sources.find((s) => s.topic === topic);
}

/** A windowed key in Kafka Streams' layout: key, then start (8 bytes), or end and start for sessions. */
export function windowKeyBytes(key: Buffer, start: number, end: number, type: string): Buffer {
  if (type === 'SESSION') {
    const b = Buffer.alloc(16);
    b.writeBigInt64BE(BigInt(end), 0);
    b.writeBigInt64BE(BigInt(start), 8);
    return Buffer.concat([key, b]);
  }
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(start));
  return Buffer.concat([key, b]);
}

// ------------------------------------------------------------------------------------------
// Specs to bytes (ksqlDB's ValueSpec serde suppliers)

function specJson(v: unknown): string {
  if (v instanceof RawNumber) return v.text;
  if (Array.isArray(v)) return '[' + v.map(specJson).join(',') + ']';
  if (v !== null && typeof v === 'object')
    return (
      '{' +
      Object.entries(v as Record<string, unknown>)
        .map(([k, x]) => JSON.stringify(k) + ':' + specJson(x))
        .join(',') +
      '}'
    );
  return JSON.stringify(v);
}

/** A key or value spec serialized in the source's key or value format. */
export function specToBytes(src: DataSource, isKey: boolean, spec: Spec, registry: SchemaRegistry): Buffer | null {
  if (spec === null) return null;
  const format = isKey ? src.keyFormat.format : src.valueFormat.format;
  const cols = isKey ? keyColumns(src) : valueColumns(src);
  switch (format) {
    case 'JSON':
      return Buffer.from(specJson(spec), 'utf8');
    case 'DELIMITED':
      return Buffer.from(spec instanceof RawNumber ? spec.text : typeof spec === 'string' ? spec : specJson(spec), 'utf8');
    case 'NONE':
      return null;
    case 'KAFKA': {
      if (cols.length === 0) return typeof spec === 'string' ? Buffer.from(spec, 'utf8') : null;
      const t = cols[0].type;
      switch (t.base) {
        case 'INTEGER': {
          const b = Buffer.alloc(4);
          b.writeInt32BE(Number(BigInt.asIntN(32, BigInt(Math.trunc(num(spec))))));
          return b;
        }
        case 'BIGINT': {
          const b = Buffer.alloc(8);
          b.writeBigInt64BE(spec instanceof RawNumber && spec.isIntegral ? BigInt(spec.text) : BigInt(Math.trunc(num(spec))));
          return b;
        }
        case 'DOUBLE': {
          const b = Buffer.alloc(8);
          b.writeDoubleBE(num(spec));
          return b;
        }
        case 'BYTES':
          return Buffer.from(String(spec), 'base64');
        default:
          return Buffer.from(spec instanceof RawNumber ? spec.text : String(spec), 'utf8');
      }
    }
    case 'AVRO':
      return specToAvro(src, isKey, spec, registry);
    case 'PROTOBUF':
    case 'PROTOBUF_NOSR':
      return specToProtobuf(src, isKey, spec, registry);
    case 'JSON_SR': {
      const subject = `${src.topic}-${isKey ? 'key' : 'value'}`;
      const id =
        registry.latest(subject)?.id ?? registry.register(subject, jsonSchemaOf(cols, isKey ? cols.length === 1 : src.unwrapValue), 'JSON');
      const head = Buffer.alloc(5);
      head.writeInt32BE(id, 1);
      return Buffer.concat([head, Buffer.from(specJson(spec), 'utf8')]);
    }
    default:
      throw new Error(`test serde for ${format} not supported`);
  }
}

// ------------------------------------------------------------------------------------------
// Bytes to actual values, typed like the Java objects the test framework's deserializers produce

export class JInt {
  constructor(readonly v: number) {}
}
export class JLong {
  constructor(readonly v: bigint) {}
}
export class JDouble {
  constructor(readonly v: number) {}
}
export class JBytes {
  constructor(readonly v: Buffer) {}
}

const actualFactory = {
  int: (n: number): unknown => new JInt(n),
  long: (n: bigint): unknown => new JLong(n),
  double: (n: number): unknown => new JDouble(n),
  bytes: (b: Buffer): unknown => new JBytes(b),
};

function jsonActual(v: unknown): unknown {
  if (v instanceof RawNumber) {
    if (v.isIntegral) {
      const b = BigInt(v.text);
      if (b >= -2147483648n && b <= 2147483647n) return new JInt(Number(b));
      return new JLong(b);
    }
    try {
      return Decimal.parse(v.text);
    } catch {
      return new JDouble(v.toNumber());
    }
  }
  if (Array.isArray(v)) return v.map(jsonActual);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonActual(x)]));
  return v;
}

/** Key or value bytes read in the source's format (windowed keys without their window). */
export function bytesToActual(src: DataSource, isKey: boolean, bytes: Buffer | null, registry: SchemaRegistry): unknown {
  const format = isKey ? src.keyFormat.format : src.valueFormat.format;
  const cols = isKey ? keyColumns(src) : valueColumns(src);
  if (bytes === null) return null;
  switch (format) {
    case 'JSON':
      return jsonActual(parseJson(bytes.toString('utf8'), true));
    case 'DELIMITED':
      return bytes.toString('utf8');
    case 'NONE':
      return null;
    case 'KAFKA': {
      if (cols.length === 0) return bytes.toString('utf8');
      const t = cols[0].type;
      switch (t.base) {
        case 'INTEGER':
          return new JInt(bytes.readInt32BE(0));
        case 'BIGINT':
          return new JLong(bytes.readBigInt64BE(0));
        case 'DOUBLE':
          return new JDouble(bytes.readDoubleBE(0));
        case 'BYTES':
          return new JBytes(bytes);
        default:
          return bytes.toString('utf8');
      }
    }
    case 'PROTOBUF':
    case 'PROTOBUF_NOSR':
      return protobufToSpec(src, isKey, bytes, registry, actualFactory);
    case 'JSON_SR':
      return jsonActual(parseJson(bytes.subarray(5).toString('utf8'), true));
    case 'AVRO':
      return avroToSpec(src, isKey, bytes, registry, actualFactory);
    default:
      throw new Error(`test serde for ${format} not supported`);
  }
}

/** An expected spec as text (numbers as written). */
export function showSpec(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x instanceof RawNumber ? Number(x.text) : x)) ?? 'undefined';
}

/** An actual value as text (longs as strings, decimals with a `d`, bytes in base64). */
export function showActual(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x instanceof JInt || x instanceof JDouble) return x.v;
    if (x instanceof JLong) return x.v.toString();
    if (x instanceof Decimal) return `${x.toString()}d`;
    if (x instanceof JBytes) return x.v.toString('base64');
    return x;
  });
}

/**
 * An expected spec or actual value as JSON-like text for people: numbers as written or read
 * (`4.0`, longs in full, decimals exact), bytes in base64.
 */
export function valueText(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v instanceof RawNumber) return v.text;
  if (v instanceof JInt || v instanceof JLong) return v.v.toString();
  if (v instanceof JDouble) return Number.isInteger(v.v) ? v.v.toFixed(1) : String(v.v);
  if (v instanceof Decimal) return v.toString();
  if (v instanceof JBytes) return JSON.stringify(v.v.toString('base64'));
  if (Buffer.isBuffer(v)) return JSON.stringify(v.toString('base64'));
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map(valueText).join(', ')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${valueText(k)}: ${valueText(x)}`).join(', ')}}`;
  if (typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${JSON.stringify(k)}: ${valueText(x)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(v);
}
