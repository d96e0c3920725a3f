/** Avro schemas → ksqlDB columns (schema inference from the Schema Registry). */
import { NotSupportedError } from './errors';
import type { Column, Namespace } from './model';
import { T, array, decimal, map, struct, type SqlType } from './types';

function toSql(s: unknown): SqlType {
  const schema = Array.isArray(s) ? (s.filter((x) => x !== 'null').length === 1 ? s.filter((x) => x !== 'null')[0] : s) : s;
  if (Array.isArray(schema)) throw new NotSupportedError('Avro unions of several types');
  if (typeof schema === 'string') {
    switch (schema) {
      case 'boolean':
        return T.BOOLEAN;
      case 'int':
        return T.INTEGER;
      case 'long':
        return T.BIGINT;
      case 'float':
      case 'double':
        return T.DOUBLE;
      case 'string':
        return T.STRING;
      case 'bytes':
        return T.BYTES;
      default:
        throw new NotSupportedError(`Avro type ${schema}`);
    }
  }
  const o = schema as {
    type: unknown;
    logicalType?: string;
    precision?: number;
    scale?: number;
    items?: unknown;
    values?: unknown;
    fields?: { name: string; type: unknown }[];
    symbols?: string[];
  };
  if (o.logicalType === 'decimal') return decimal(o.precision ?? 10, o.scale ?? 0);
  if (o.logicalType === 'timestamp-millis') return T.TIMESTAMP;
  if (o.logicalType === 'date') return T.DATE;
  if (o.logicalType === 'time-millis') return T.TIME;
  switch (o.type) {
    case 'array':
      return array(toSql(o.items));
    case 'map':
      return map(T.STRING, toSql(o.values));
    case 'record':
      return struct((o.fields ?? []).map((f) => ({ name: f.name, type: toSql(f.type) })));
    case 'enum':
      return T.STRING;
    default:
      return toSql(o.type);
  }
}

export function avroColumns(schemaText: string, ns: Namespace): Column[] {
  const schema = JSON.parse(schemaText) as unknown;
  const s = Array.isArray(schema) ? schema.filter((x) => x !== 'null')[0] : schema;
  if (typeof s === 'object' && s !== null && (s as { type?: string }).type === 'record') {
    return ((s as { fields: { name: string; type: unknown }[] }).fields ?? []).map((f) => ({ name: f.name, type: toSql(f.type), ns }));
  }
  return [{ name: ns === 'KEY' ? 'ROWKEY' : 'ROWVAL', type: toSql(s), ns }];
}
