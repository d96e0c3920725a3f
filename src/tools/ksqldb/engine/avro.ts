/** AVRO serde over the Schema Registry wire format (magic byte, schema id, Avro binary). */
import { NotSupportedError } from './errors';
import type { SchemaRegistry, Serde, SerdeColumn } from './serde';

export function avroSerde(
  _columns: readonly SerdeColumn[],
  _unwrapped: boolean,
  _isKey: boolean,
  _registry: SchemaRegistry,
  _props: Readonly<Record<string, string>>,
  _topic: string,
): Serde {
  throw new NotSupportedError('the AVRO format');
}

/** Test-side: a QTT spec to AVRO bytes (not yet supported). */
export function specToAvro(_src: unknown, _isKey: boolean, _spec: unknown, _registry: unknown): Buffer {
  throw new NotSupportedError('the AVRO format');
}

export interface ActualFactory {
  int(n: number): unknown;
  long(n: bigint): unknown;
  double(n: number): unknown;
  bytes(b: Buffer): unknown;
}

/** Test-side: AVRO bytes to spec-like actual values (not yet supported). */
export function avroToSpec(_src: unknown, _isKey: boolean, _bytes: Buffer, _registry: unknown, _f: ActualFactory): unknown {
  throw new NotSupportedError('the AVRO format');
}
