/**
 * JSON_SR: JSON with the Schema Registry wire format (magic byte 0, 4-byte schema id, JSON text).
 * Schemas are JSON Schemas as Connect's JsonSchemaData writes them (`connect.type`,
 * `connect.index`, optional fields as `oneOf: [null, ...]`, decimals as numbers titled
 * `org.apache.kafka.connect.data.Decimal`); ksqlDB infers columns from registered ones.
 */
import { KsqlError, RecordError } from './errors';
import type { Column, Namespace } from './model';
import type { SchemaRegistry, Serde, SerdeColumn } from './serde';
import { T, array, decimal, map, struct, type SqlType } from './types';

type JsonSchema = Record<string, unknown>;

const LOGICAL = {
  DECIMAL: 'org.apache.kafka.connect.data.Decimal',
  TIMESTAMP: 'org.apache.kafka.connect.data.Timestamp',
  DATE: 'org.apache.kafka.connect.data.Date',
  TIME: 'org.apache.kafka.connect.data.Time',
};

function typeSchema(t: SqlType): JsonSchema {
  switch (t.base) {
    case 'BOOLEAN':
      return { type: 'boolean', 'connect.type': 'boolean' };
    case 'INTEGER':
      return { type: 'integer', 'connect.type': 'int32' };
    case 'BIGINT':
      return { type: 'integer', 'connect.type': 'int64' };
    case 'DOUBLE':
      return { type: 'number', 'connect.type': 'float64' };
    case 'STRING':
      return { type: 'string', 'connect.type': 'string' };
    case 'BYTES':
      return { type: 'string', 'connect.type': 'bytes' };
    case 'DECIMAL':
      return {
        type: 'number',
        title: LOGICAL.DECIMAL,
        'connect.version': 1,
        'connect.type': 'bytes',
        'connect.parameters': { scale: String(t.scale), 'connect.decimal.precision': String(t.precision) },
      };
    case 'TIMESTAMP':
      return { type: 'integer', title: LOGICAL.TIMESTAMP, 'connect.version': 1, 'connect.type': 'int64' };
    case 'DATE':
      return { type: 'integer', title: LOGICAL.DATE, 'connect.version': 1, 'connect.type': 'int32' };
    case 'TIME':
      return { type: 'integer', title: LOGICAL.TIME, 'connect.version': 1, 'connect.type': 'int32' };
    case 'ARRAY':
      return { type: 'array', items: optional(t.item) };
    case 'MAP':
      return { type: 'object', additionalProperties: optional(t.value), 'connect.type': 'map' };
    case 'STRUCT':
      return objectSchema(t.fields);
  }
}

const optional = (t: SqlType): JsonSchema => ({ oneOf: [{ type: 'null' }, typeSchema(t)] });

function objectSchema(fields: readonly SerdeColumn[]): JsonSchema {
  const properties: Record<string, unknown> = {};
  fields.forEach((f, i) => (properties[f.name] = { 'connect.index': i, ...optional(f.type) }));
  return { type: 'object', properties };
}

/** The JSON Schema ksqlDB registers for key or value columns; `single`: one unwrapped column. */
export function jsonSchemaOf(columns: readonly SerdeColumn[], single: boolean): string {
  return JSON.stringify(single && columns.length === 1 ? optional(columns[0].type) : objectSchema(columns));
}

/** A JSON Schema's SQL type (Connect's JsonSchemaData.toConnectSchema, then ksqlDB's types). */
function sqlTypeOf(s: JsonSchema): SqlType {
  if (Array.isArray(s.oneOf) || Array.isArray(s.anyOf)) {
    const options = ((s.oneOf ?? s.anyOf) as JsonSchema[]).filter((o) => o.type !== 'null');
    if (options.length !== 1) throw new KsqlError('JSON schemas with unions of several types are not supported');
    return sqlTypeOf(options[0]);
  }
  const connect = s['connect.type'] as string | undefined;
  switch (s.title) {
    case LOGICAL.DECIMAL: {
      const params = (s['connect.parameters'] ?? {}) as Record<string, string>;
      return decimal(Number(params['connect.decimal.precision'] ?? 64), Number(params.scale ?? 0));
    }
    case LOGICAL.TIMESTAMP:
      return T.TIMESTAMP;
    case LOGICAL.DATE:
      return T.DATE;
    case LOGICAL.TIME:
      return T.TIME;
  }
  const type = Array.isArray(s.type) ? (s.type as string[]).find((x) => x !== 'null') : (s.type as string | undefined);
  switch (type) {
    case 'boolean':
      return T.BOOLEAN;
    case 'integer':
      return connect === 'int8' || connect === 'int16' || connect === 'int32' ? T.INTEGER : T.BIGINT;
    case 'number':
      return T.DOUBLE;
    case 'string':
      return connect === 'bytes' ? T.BYTES : T.STRING;
    case 'array':
      return array(sqlTypeOf((s.items ?? {}) as JsonSchema));
    case 'object': {
      if (s.properties && typeof s.properties === 'object') return struct(fieldsOf(s));
      return map(T.STRING, sqlTypeOf((s.additionalProperties ?? { type: 'string' }) as JsonSchema));
    }
    default:
      throw new KsqlError(`Unsupported JSON schema type: ${String(type)}`);
  }
}

function fieldsOf(s: JsonSchema): { name: string; type: SqlType }[] {
  const props = Object.entries(s.properties as Record<string, JsonSchema>);
  props.sort((a, b) => Number(a[1]['connect.index'] ?? 0) - Number(b[1]['connect.index'] ?? 0));
  return props.map(([name, p]) => ({ name, type: sqlTypeOf(p) }));
}

/** Columns of a registered JSON Schema (schema inference). */
export function jsonSchemaColumns(text: string, ns: Namespace): Column[] {
  const s = JSON.parse(text) as JsonSchema;
  // keys are inferred unwrapped: an object key schema is one STRUCT column
  if (ns !== 'KEY' && s.type === 'object' && s.properties && typeof s.properties === 'object')
    return fieldsOf(s).map((f) => ({ ...f, ns }));
  return [{ name: ns === 'KEY' ? 'ROWKEY' : 'ROWVAL', type: sqlTypeOf(s), ns }];
}

/** JSON_SR: the JSON serde behind the Schema Registry header. */
export function jsonSrSerde(
  json: Serde,
  columns: readonly SerdeColumn[],
  single: boolean,
  isKey: boolean,
  registry: SchemaRegistry,
  props: Readonly<Record<string, string>>,
  topic: string,
): Serde {
  if (columns.length === 0) return { serialize: () => null, deserialize: () => [] };
  let header: Buffer | undefined;
  const headerFor = (): Buffer => {
    if (!header) {
      const id =
        props.schemaId !== undefined
          ? Number(props.schemaId)
          : registry.register(`${topic}-${isKey ? 'key' : 'value'}`, jsonSchemaOf(columns, single), 'JSON');
      header = Buffer.alloc(5);
      header.writeInt32BE(id, 1);
    }
    return header;
  };
  return {
    serialize(values, t) {
      const body = json.serialize(values, t);
      return body === null ? null : Buffer.concat([headerFor(), body]);
    },
    deserialize(bytes, t) {
      if (bytes === null) return null;
      if (bytes.length < 5 || bytes[0] !== 0) throw new RecordError('Unknown magic byte!');
      return json.deserialize(bytes.subarray(5), t);
    },
  };
}
