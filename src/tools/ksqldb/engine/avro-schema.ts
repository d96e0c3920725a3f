/** Avro schemas ↔ ksqlDB columns (ksqlDB's AvroSchemas / connect translation). */
import { NotSupportedError } from './errors';
import type { Column, Namespace } from './model';

export function avroColumns(_schema: string, _ns: Namespace): Column[] {
  throw new NotSupportedError('AVRO schema inference');
}
