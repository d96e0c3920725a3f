/**
 * Key and value formats: KAFKA, JSON, DELIMITED, NONE, AVRO (Schema Registry wire format,
 * schemas from a synchronous registry cache). Deserialization errors throw RecordError: the
 * record is skipped, as ksqlDB's processing log does.
 */
import { KsqlError, NotSupportedError, RecordError } from './errors';
import { parseJson, RawNumber } from './json';
import { containsMap, typeText, type SqlType } from './types';
import { Decimal, INT_MAX, INT_MIN, javaDoubleToString, LONG_MAX, LONG_MIN, type Struct } from './values';
import { avroSerde } from './avro';
import { protobufNoSrSerde, protobufSerde } from './protobuf';
import { jsonSrSerde } from './json-sr';

export interface SerdeColumn {
  readonly name: string;
  readonly type: SqlType;
}

export interface FormatInfo {
  readonly format: string;
  /** Format properties: delimiter, schemaId, fullSchemaName. */
  readonly props: Readonly<Record<string, string>>;
}

export interface Serde {
  serialize(values: readonly unknown[] | null, topic: string): Buffer | null;
  deserialize(bytes: Buffer | null, topic: string): unknown[] | null;
}

/** A schema's reference to another registered schema (protobuf imports). */
export interface SchemaReference {
  /** The import name (`event.proto`). */
  readonly name: string;
  readonly subject: string;
  readonly version?: number;
}

/** A registered schema. */
export interface RegisteredSchema {
  readonly schema: string;
  readonly schemaType?: string;
  readonly references?: readonly SchemaReference[];
}

/** The Schema Registry as the core sees it: synchronous lookups in a cache the caller fills. */
export interface SchemaRegistry {
  /** Latest schema registered under a subject. */
  latest(subject: string): (RegisteredSchema & { id: number }) | undefined;
  byId(id: number): RegisteredSchema | undefined;
  /** Registers (or finds) a schema; returns its id. */
  register(subject: string, schema: string, schemaType?: string): number;
}

export const KNOWN_FORMATS = new Set(['JSON', 'JSON_SR', 'AVRO', 'PROTOBUF', 'PROTOBUF_NOSR', 'DELIMITED', 'KAFKA', 'NONE']);
export const SR_FORMATS = new Set(['JSON_SR', 'AVRO', 'PROTOBUF']);

const SUPPORTED_TYPES: Readonly<Record<string, readonly string[]>> = {
  KAFKA: ['INTEGER', 'BIGINT', 'DOUBLE', 'STRING', 'BYTES'],
  DELIMITED: ['BOOLEAN', 'INTEGER', 'BIGINT', 'DOUBLE', 'STRING', 'DECIMAL', 'TIMESTAMP', 'DATE', 'TIME', 'BYTES'],
};

/** Checks that a format can hold the columns (ksqlDB's messages). */
export function validateFormat(info: FormatInfo, columns: readonly SerdeColumn[], isKey: boolean, wrapSingle: boolean | undefined): void {
  const f = info.format;
  const persistence = (): string =>
    `Persistence{columns=[${columns.map((c) => `\`${c.name}\` ${typeText(c.type)}${isKey ? ' KEY' : ''}`).join(', ')}], features=[${wrapSingle === false && !isKey ? 'UNWRAP_SINGLES' : ''}]}`;
  const keyWrap = (reason: string): string =>
    isKey ? `Key format does not support schema.\nformat: ${f}\nschema: ${persistence()}\nreason: ${reason}` : reason;
  if (isKey) {
    for (const c of columns) {
      if (containsMap(c.type)) {
        throw new KsqlError(
          `Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior due to inconsistent serialization. Key column name: \`${c.name}\`. Column type: ${typeText(c.type)}. See https://github.com/confluentinc/ksql/issues/6621 for more.`,
        );
      }
    }
  }
  if (f === 'KAFKA') {
    if (columns.length > 1)
      throw new KsqlError(
        keyWrap(
          `The 'KAFKA' format only supports a single field. Got: [${columns.map((c) => `\`${c.name}\` ${typeText(c.type)}${isKey ? ' KEY' : ''}`).join(', ')}]`,
        ),
      );
  }
  const allowed = SUPPORTED_TYPES[f];
  if (allowed) {
    for (const c of columns) {
      if (!allowed.includes(c.type.base)) {
        // KafkaSerdeFactory names no column; the delimited format does
        const column = f === 'KAFKA' ? '' : `, column: \`${c.name}\``;
        throw new KsqlError(keyWrap(`The '${f}' format does not support type '${c.type.base}'${column}`));
      }
    }
  }
  if (f === 'JSON' || f === 'JSON_SR') {
    const check = (t: SqlType): void => {
      if (t.base === 'MAP') {
        if (t.key.base !== 'STRING') throw new KsqlError('JSON only supports MAP types with STRING keys');
        check(t.value);
      } else if (t.base === 'ARRAY') check(t.item);
      else if (t.base === 'STRUCT') t.fields.forEach((x) => check(x.type));
    };
    columns.forEach((c) => check(c.type));
  }
}

export function createSerde(
  info: FormatInfo,
  columns: readonly SerdeColumn[],
  isKey: boolean,
  unwrapped: boolean,
  registry: SchemaRegistry | undefined,
  topic = '',
): Serde {
  switch (info.format) {
    case 'NONE':
      return { serialize: () => null, deserialize: () => [] };
    case 'KAFKA':
      return kafkaSerde(columns, isKey);
    case 'JSON':
      return jsonSerde(columns, unwrapped);
    case 'DELIMITED':
      return delimitedSerde(columns, info.props.delimiter ?? ',');
    case 'AVRO':
      if (!registry) throw new NotSupportedError('AVRO without a Schema Registry');
      return avroSerde(columns, unwrapped, isKey, registry, info.props, topic);
    case 'PROTOBUF':
      if (!registry) throw new NotSupportedError('PROTOBUF without a Schema Registry');
      // PROTOBUF has no UNWRAP_SINGLES: keys and values are always messages
      return protobufSerde(columns, false, isKey, registry, info.props, topic);
    case 'PROTOBUF_NOSR':
      return protobufNoSrSerde(columns, unwrapped);
    case 'JSON_SR':
      if (!registry) throw new NotSupportedError('JSON_SR without a Schema Registry');
      return jsonSrSerde(jsonSerde(columns, unwrapped), columns, unwrapped, isKey, registry, info.props, topic);
    default:
      throw new NotSupportedError(`the ${info.format} format`);
  }
}

// ------------------------------------------------------------------------------------------
// KAFKA

function kafkaSerde(columns: readonly SerdeColumn[], isKey: boolean): Serde {
  if (columns.length === 0) return { serialize: () => null, deserialize: () => [] };
  const t = columns[0].type;
  const what = isKey ? 'key' : 'value';
  switch (t.base) {
    case 'INTEGER':
      return {
        serialize: (v) => {
          if (v === null || v[0] == null) return null;
          const b = Buffer.alloc(4);
          b.writeInt32BE(v[0] as number);
          return b;
        },
        deserialize: (b) => {
          if (b === null) return null;
          if (b.length !== 4) throw new RecordError(`Size of data received by IntegerDeserializer is not 4 (${what})`);
          return [b.readInt32BE(0)];
        },
      };
    case 'BIGINT':
      return {
        serialize: (v) => {
          if (v === null || v[0] == null) return null;
          const b = Buffer.alloc(8);
          b.writeBigInt64BE(v[0] as bigint);
          return b;
        },
        deserialize: (b) => {
          if (b === null) return null;
          if (b.length !== 8) throw new RecordError(`Size of data received by LongDeserializer is not 8 (${what})`);
          return [b.readBigInt64BE(0)];
        },
      };
    case 'DOUBLE':
      return {
        serialize: (v) => {
          if (v === null || v[0] == null) return null;
          const b = Buffer.alloc(8);
          b.writeDoubleBE(v[0] as number);
          return b;
        },
        deserialize: (b) => {
          if (b === null) return null;
          if (b.length !== 8) throw new RecordError(`Size of data received by Deserializer is not 8 (${what})`);
          return [b.readDoubleBE(0)];
        },
      };
    case 'STRING':
      return {
        serialize: (v) => (v === null || v[0] == null ? null : Buffer.from(v[0] as string, 'utf8')),
        deserialize: (b) => (b === null ? null : [b.toString('utf8')]),
      };
    case 'BYTES':
      return {
        serialize: (v) => (v === null || v[0] == null ? null : Buffer.from(v[0] as Uint8Array)),
        deserialize: (b) => (b === null ? null : [Buffer.from(b)]),
      };
    default:
      throw new KsqlError(`The 'KAFKA' format does not support type '${t.base}'`);
  }
}

// ------------------------------------------------------------------------------------------
// JSON

/** JSON text of a typed value (Jackson as ksqlDB configures it). */
function jsonText(v: unknown, t: SqlType): string {
  if (v === null || v === undefined) return 'null';
  switch (t.base) {
    case 'STRING':
      return JSON.stringify(v);
    case 'INTEGER':
    case 'BIGINT':
    case 'BOOLEAN':
    case 'TIMESTAMP':
    case 'DATE':
    case 'TIME':
      return String(v);
    case 'DOUBLE': {
      const d = v as number;
      if (!Number.isFinite(d)) return JSON.stringify(javaDoubleToString(d));
      return javaDoubleToString(d);
    }
    case 'DECIMAL':
      return (v as Decimal).toString();
    case 'BYTES':
      return JSON.stringify(Buffer.from(v as Uint8Array).toString('base64'));
    case 'ARRAY':
      return '[' + (v as unknown[]).map((x) => jsonText(x, t.item)).join(',') + ']';
    case 'MAP': {
      const parts: string[] = [];
      for (const [k, x] of v as Map<unknown, unknown>) parts.push(JSON.stringify(String(k)) + ':' + jsonText(x, t.value));
      return '{' + parts.join(',') + '}';
    }
    case 'STRUCT':
      return '{' + t.fields.map((f) => JSON.stringify(f.name) + ':' + jsonText((v as Struct)[f.name], f.type)).join(',') + '}';
  }
}

const typeName = (n: unknown): string =>
  n === null
    ? 'NULL'
    : Array.isArray(n)
      ? 'ARRAY'
      : n instanceof RawNumber || typeof n === 'number'
        ? 'NUMBER'
        : typeof n === 'object'
          ? 'OBJECT'
          : typeof n === 'string'
            ? 'STRING'
            : 'BOOLEAN';

function coerceFail(node: unknown, t: SqlType): never {
  throw new RecordError(`Can't convert type. sourceType: ${typeName(node)}, requiredType: ${typeText(t)}`);
}

/** A parsed JSON node converted to a typed value (ksqlDB's JSON deserializer coercions). */
function fromJsonNode(node: unknown, t: SqlType): unknown {
  if (node === null || node === undefined) return null;
  switch (t.base) {
    case 'STRING':
      if (typeof node === 'string') return node;
      if (node instanceof RawNumber) return node.text;
      if (typeof node === 'number' || typeof node === 'boolean') return String(node);
      return jsonOut(node);
    case 'INTEGER': {
      if (typeof node === 'number') return node | 0;
      if (node instanceof RawNumber) {
        const n = node.isIntegral ? Number(BigInt.asIntN(32, BigInt(node.text))) : Math.trunc(node.toNumber()) | 0;
        return n;
      }
      if (typeof node === 'string') {
        const s = node.trim();
        if (!/^[+-]?\d+$/.test(s) || Number(s) < INT_MIN || Number(s) > INT_MAX) throw new RecordError(`For input string: "${node}"`);
        return Number(s);
      }
      return coerceFail(node, t);
    }
    case 'BIGINT': {
      if (typeof node === 'number') return BigInt(Math.trunc(node));
      if (node instanceof RawNumber) return node.isIntegral ? BigInt.asIntN(64, BigInt(node.text)) : BigInt(Math.trunc(node.toNumber()));
      if (typeof node === 'string') {
        const s = node.trim();
        if (!/^[+-]?\d+$/.test(s)) throw new RecordError(`For input string: "${node}"`);
        const b = BigInt(s);
        if (b < LONG_MIN || b > LONG_MAX) throw new RecordError(`For input string: "${node}"`);
        return b;
      }
      return coerceFail(node, t);
    }
    case 'DOUBLE':
      if (typeof node === 'number') return node;
      if (node instanceof RawNumber) return node.toNumber();
      if (typeof node === 'string') {
        const n = Number(node.trim());
        if (node.trim() === '' || Number.isNaN(n)) throw new RecordError(`For input string: "${node}"`);
        return n;
      }
      return coerceFail(node, t);
    case 'DECIMAL': {
      let d: Decimal;
      if (typeof node === 'number') d = Decimal.parse(String(node));
      else if (node instanceof RawNumber || typeof node === 'string') d = Decimal.parse(String(node));
      else return coerceFail(node, t);
      const r = d.setScale(t.scale, 'HALF_UP');
      if (r.precision() > t.precision && r.unscaled !== 0n)
        throw new RecordError(`Cannot fit decimal '${d.toString()}' into DECIMAL(${t.precision}, ${t.scale})`);
      return r;
    }
    case 'BOOLEAN':
      if (typeof node === 'boolean') return node;
      if (typeof node === 'string') {
        const l = node.toLowerCase();
        if (l === 'true') return true;
        if (l === 'false') return false;
      }
      return coerceFail(node, t);
    case 'TIMESTAMP':
    case 'TIME':
      if (typeof node === 'number') return node;
      if (node instanceof RawNumber && node.isIntegral) return Number(node.text);
      return coerceFail(node, t);
    case 'DATE':
      if (typeof node === 'number') return node;
      return coerceFail(node, t);
    case 'BYTES':
      if (typeof node === 'string') return Buffer.from(node, 'base64');
      return coerceFail(node, t);
    case 'ARRAY':
      if (!Array.isArray(node)) return coerceFail(node, t);
      return node.map((x) => fromJsonNode(x, t.item));
    case 'MAP': {
      if (typeof node !== 'object' || Array.isArray(node) || node instanceof RawNumber) return coerceFail(node, t);
      const m = new Map<unknown, unknown>();
      for (const [k, x] of Object.entries(node as Record<string, unknown>)) m.set(fromJsonNode(k, t.key), fromJsonNode(x, t.value));
      return m;
    }
    case 'STRUCT': {
      if (typeof node !== 'object' || Array.isArray(node) || node instanceof RawNumber) return coerceFail(node, t);
      return structFromObject(node as Record<string, unknown>, t.fields);
    }
  }
}

function structFromObject(o: Record<string, unknown>, fields: readonly SerdeColumn[]): Struct {
  const s: Struct = {};
  let upper: Map<string, unknown> | undefined;
  for (const f of fields) {
    let v = o[f.name];
    if (v === undefined) {
      if (!upper) {
        upper = new Map();
        for (const [k, x] of Object.entries(o)) upper.set(k.toUpperCase(), x);
      }
      v = upper.get(f.name.toUpperCase());
    }
    s[f.name] = fromJsonNode(v ?? null, f.type);
  }
  return s;
}

function jsonOut(node: unknown): string {
  if (node instanceof RawNumber) return node.text;
  if (Array.isArray(node)) return '[' + node.map(jsonOut).join(',') + ']';
  if (node !== null && typeof node === 'object') {
    return (
      '{' +
      Object.entries(node as Record<string, unknown>)
        .map(([k, v]) => JSON.stringify(k) + ':' + jsonOut(v))
        .join(',') +
      '}'
    );
  }
  return JSON.stringify(node);
}

function jsonSerde(columns: readonly SerdeColumn[], unwrapped: boolean): Serde {
  if (columns.length === 0) return { serialize: () => null, deserialize: () => [] };
  if (unwrapped) {
    const t = columns[0].type;
    return {
      serialize: (v) => (v === null ? null : Buffer.from(jsonText(v[0], t), 'utf8')),
      deserialize: (b) => {
        if (b === null) return null;
        const node = parseJsonBytes(b);
        if (node === null) return null;
        return [fromJsonNode(node, t)];
      },
    };
  }
  return {
    serialize: (v) => {
      if (v === null) return null;
      let out = '{';
      for (let i = 0; i < columns.length; i++) {
        if (i > 0) out += ',';
        out += JSON.stringify(columns[i].name) + ':' + jsonText(v[i], columns[i].type);
      }
      return Buffer.from(out + '}', 'utf8');
    },
    deserialize: (b) => {
      if (b === null) return null;
      const node = parseJsonBytes(b);
      if (node === null) return null;
      if (typeof node !== 'object' || Array.isArray(node) || node instanceof RawNumber) {
        throw new RecordError(`Can't convert type. sourceType: ${typeName(node)}, requiredType: STRUCT`);
      }
      const s = structFromObject(node as Record<string, unknown>, columns);
      return columns.map((c) => s[c.name]);
    },
  };
}

function parseJsonBytes(b: Buffer): unknown {
  let text = b.toString('utf8');
  // JSON_SR-style magic byte prefix is tolerated by ksqlDB's JSON deserializer
  if (b.length > 5 && b[0] === 0 && text[5] === '{') text = text.slice(5);
  try {
    return parseJson(text);
  } catch (e) {
    throw new RecordError(`Failed to deserialize JSON: ${(e as Error).message}`);
  }
}

// ------------------------------------------------------------------------------------------
// DELIMITED

function delimitedSerde(columns: readonly SerdeColumn[], delimiter: string): Serde {
  const types = columns.map((c) => c.type);
  const d = delimiter;
  const toText = (v: unknown, t: SqlType, first: boolean): string => {
    if (v === null || v === undefined) return '';
    let s: string;
    switch (t.base) {
      case 'DOUBLE':
        s = javaDoubleToString(v as number);
        break;
      case 'DECIMAL':
        s = (v as Decimal).toString();
        break;
      case 'BYTES':
        s = Buffer.from(v as Uint8Array).toString('base64');
        break;
      default:
        s = String(v);
    }
    return needsQuotes(s, d, first) ? '"' + s.split('"').join('""') + '"' : s;
  };
  return {
    serialize: (v) => {
      if (v === null) return null;
      if (columns.length === 0) return null;
      return Buffer.from(types.map((t, i) => toText(v[i], t, i === 0)).join(d), 'utf8');
    },
    deserialize: (b) => {
      if (b === null) return null;
      if (columns.length === 0) return [];
      const fields = splitCsv(b.toString('utf8'), d);
      if (fields.length !== columns.length) {
        throw new RecordError(`Unexpected field count, csvFields:${fields.length} schemaFields:${columns.length}`);
      }
      return fields.map((f, i) => (f === null || f === '' ? null : fromDelimited(f, types[i])));
    },
  };
}

/**
 * Apache Commons CSV's QuoteMode.MINIMAL as ksqlDB's delimited serializer prints: the first
 * field of a record is quoted unless it starts with a letter or digit; any field starting with a
 * character up to '#', containing the delimiter, a quote or a line break, or ending in
 * whitespace is quoted; an empty first field is quoted.
 */
function needsQuotes(s: string, d: string, first: boolean): boolean {
  if (s.length === 0) return first;
  const c = s.charCodeAt(0);
  const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  if (first && !alnum) return true;
  if (c <= 35) return true;
  if (s.includes(d) || s.includes('"') || s.includes('\n') || s.includes('\r')) return true;
  return s.charCodeAt(s.length - 1) <= 32;
}

/** The fields of one delimited (CSV) line: RFC 4180 quotes, `""` inside them. */
export function splitCsv(line: string, d: string): (string | null)[] {
  const out: (string | null)[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (line[i] === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= n) throw new RecordError('Unterminated quoted field');
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            s += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += line[i++];
      }
      out.push(s);
      if (i >= n) return out;
      if (line.startsWith(d, i)) i += d.length;
      else throw new RecordError('Invalid delimited quoting');
      continue;
    }
    const j = line.indexOf(d, i);
    if (j < 0) {
      out.push(line.slice(i));
      return out;
    }
    out.push(line.slice(i, j));
    i = j + d.length;
  }
}

function fromDelimited(s: string, t: SqlType): unknown {
  switch (t.base) {
    case 'STRING':
      return s;
    case 'INTEGER': {
      const x = s.trim();
      if (!/^[+-]?\d+$/.test(x) || Number(x) < INT_MIN || Number(x) > INT_MAX) throw new RecordError(`For input string: "${s}"`);
      return Number(x);
    }
    case 'BIGINT': {
      const x = s.trim();
      if (!/^[+-]?\d+$/.test(x)) throw new RecordError(`For input string: "${s}"`);
      return BigInt.asIntN(64, BigInt(x));
    }
    case 'DOUBLE': {
      const n = Number(s.trim());
      if (Number.isNaN(n)) throw new RecordError(`For input string: "${s}"`);
      return n;
    }
    case 'BOOLEAN': {
      const l = s.trim().toLowerCase();
      if (l === 'true') return true;
      if (l === 'false') return false;
      throw new RecordError(`Invalid boolean: ${s}`);
    }
    case 'DECIMAL': {
      const d = Decimal.parse(s);
      const r = d.setScale(t.scale, 'HALF_UP');
      if (r.precision() > t.precision && r.unscaled !== 0n)
        throw new RecordError(`Cannot fit decimal '${s}' into DECIMAL(${t.precision}, ${t.scale})`);
      return r;
    }
    case 'TIMESTAMP':
    case 'TIME':
    case 'DATE': {
      const x = s.trim();
      if (!/^[+-]?\d+$/.test(x)) throw new RecordError(`For input string: "${s}"`);
      return Number(x);
    }
    case 'BYTES':
      return Buffer.from(s, 'base64');
    default:
      throw new RecordError(`The 'DELIMITED' format does not support type '${t.base}'`);
  }
}
