/** Converter class and settings for one side (key or value) of a connector. */
export interface ConverterSpec {
  /** The converter's class, e.g. `io.confluent.connect.avro.AvroConverter`. */
  readonly converterClass: string;
  /** Settings without the `key.converter.` / `value.converter.` prefix. @default - none */
  readonly settings?: Readonly<Record<string, string>>;
}

/** The converters of Kafka Connect itself; others (Avro, Protobuf) are given as a ConverterSpec. */
export class Converters {
  /** Plain strings. */
  static string(): ConverterSpec {
    return { converterClass: 'org.apache.kafka.connect.storage.StringConverter' };
  }
  /** JSON; with `schemas` the Connect envelope `{schema, payload}` (JDBC sinks need it). */
  static json(schemas = false): ConverterSpec {
    return { converterClass: 'org.apache.kafka.connect.json.JsonConverter', settings: { 'schemas.enable': String(schemas) } };
  }
  private constructor() {}
}
