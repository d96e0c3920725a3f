import * as avro from 'avsc';

/**
 * The Confluent wire format of Schema Registry serializers: magic byte 0, the schema id as a
 * 4-byte big-endian integer, then the serialized data (Avro binary for Avro).
 */
const MAGIC_BYTE = 0;
const WIRE_HEADER_BYTES = 5;

export function encodeWireFormat(schemaId: number, payload: Buffer): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0x7fffffff)
    throw new Error(`schema id must be an integer between 0 and 2^31-1, got ${schemaId}`);
  const header = Buffer.alloc(WIRE_HEADER_BYTES);
  header.writeUInt8(MAGIC_BYTE, 0);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, payload]);
}

/** The schema id and payload of a wire-format message, or undefined when it cannot be one. */
export function parseWireFormat(data: Buffer): { schemaId: number; payload: Buffer } | undefined {
  if (data.length < WIRE_HEADER_BYTES || data[0] !== MAGIC_BYTE) return undefined;
  const schemaId = data.readInt32BE(1);
  if (schemaId < 0) return undefined;
  return { schemaId, payload: data.subarray(WIRE_HEADER_BYTES) };
}

/** An Avro type for a schema given as JSON (object or text). */
export function avroType(schema: unknown): avro.Type {
  const parsed = typeof schema === 'string' ? (JSON.parse(schema) as unknown) : schema;
  return avro.Type.forSchema(parsed as avro.Schema);
}

/** Encodes values of `type` as Avro in the wire format with `schemaId`. */
export function avroWireEncoder(type: avro.Type, schemaId: number): (value: unknown) => Buffer {
  return (value) => encodeWireFormat(schemaId, type.toBuffer(value));
}
