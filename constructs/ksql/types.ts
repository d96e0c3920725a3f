/** ksqlDB column types, columns and serialization formats as values (not strings). */
import { ident, ksqlName } from '../private/ksql-names';

/** A ksqlDB column type, e.g. `KsqlType.bigint()` or `KsqlType.array(KsqlType.string())`. */
export class KsqlType {
  /** `STRING` (`VARCHAR`). */
  static string(): KsqlType {
    return new KsqlType('STRING');
  }
  /** `INTEGER`, 32 bits. */
  static int(): KsqlType {
    return new KsqlType('INTEGER');
  }
  /** `BIGINT`, 64 bits (epoch milliseconds, Avro `long`). */
  static bigint(): KsqlType {
    return new KsqlType('BIGINT');
  }
  /** `DOUBLE`. */
  static double(): KsqlType {
    return new KsqlType('DOUBLE');
  }
  /** `BOOLEAN`. */
  static boolean(): KsqlType {
    return new KsqlType('BOOLEAN');
  }
  /** `DECIMAL(precision, scale)`. */
  static decimal(precision: number, scale: number): KsqlType {
    return new KsqlType(`DECIMAL(${precision}, ${scale})`);
  }
  /** `TIMESTAMP` (milliseconds since the epoch, no time zone). */
  static timestamp(): KsqlType {
    return new KsqlType('TIMESTAMP');
  }
  /** `DATE`. */
  static date(): KsqlType {
    return new KsqlType('DATE');
  }
  /** `TIME`. */
  static time(): KsqlType {
    return new KsqlType('TIME');
  }
  /** `BYTES`. */
  static bytes(): KsqlType {
    return new KsqlType('BYTES');
  }
  /** `ARRAY<element>`. */
  static array(element: KsqlType): KsqlType {
    return new KsqlType(`ARRAY<${element.text}>`);
  }
  /** `MAP<key, value>`. */
  static map(key: KsqlType, value: KsqlType): KsqlType {
    return new KsqlType(`MAP<${key.text}, ${value.text}>`);
  }
  /** `STRUCT<NAME type, ...>`, the fields in the given order. */
  static struct(fields: Readonly<Record<string, KsqlType>>): KsqlType {
    return new KsqlType(
      `STRUCT<${Object.entries(fields)
        .map(([n, t]) => `${ident(n)} ${t.text}`)
        .join(', ')}>`,
    );
  }
  /** A type written in ksqlDB syntax, e.g. `DECIMAL(10, 2)`. */
  static of(text: string): KsqlType {
    return new KsqlType(text);
  }
  private constructor(
    /** The type in ksqlDB syntax, e.g. `ARRAY<STRING>`. */
    readonly text: string,
  ) {}
}

/** What a column is in its stream or table: a key (streams), the primary key (tables), a value, or the headers. */
export type ColumnRole = 'key' | 'primaryKey' | 'value' | 'headers';

/** A column of a stream or table. */
export class Column {
  /** A KEY column (streams). */
  static key(name: string, type: KsqlType): Column {
    return new Column(name, type, 'key');
  }
  /** A PRIMARY KEY column (tables). */
  static primaryKey(name: string, type: KsqlType): Column {
    return new Column(name, type, 'primaryKey');
  }
  /** A value column. */
  static value(name: string, type: KsqlType): Column {
    return new Column(name, type, 'value');
  }
  /** The column name as ksqlDB reads it: unquoted names upper-cased, a name in back quotes as written. */
  readonly name: string;
  private constructor(
    name: string,
    /** Its type. */
    readonly type: KsqlType,
    /** Key, primary key, value or headers. */
    readonly role: ColumnRole,
  ) {
    this.name = ksqlName(name);
  }

  /** True for KEY and PRIMARY KEY columns. */
  get isKey(): boolean {
    return this.role === 'key' || this.role === 'primaryKey';
  }

  /** `NAME TYPE [KEY|PRIMARY KEY]`. */
  render(): string {
    const suffix = this.role === 'key' ? ' KEY' : this.role === 'primaryKey' ? ' PRIMARY KEY' : '';
    return `${ident(this.name)} ${this.type.text}${suffix}`;
  }
}

/** Serialization format of keys or values. */
export class KsqlFormat {
  /** JSON without a schema in the registry. */
  static readonly JSON = new KsqlFormat('JSON');
  /** JSON with a JSON Schema in the Schema Registry. */
  static readonly JSON_SR = new KsqlFormat('JSON_SR');
  /** Avro with its schema in the Schema Registry. */
  static readonly AVRO = new KsqlFormat('AVRO');
  /** Protobuf with its schema in the Schema Registry. */
  static readonly PROTOBUF = new KsqlFormat('PROTOBUF');
  /** Kafka's own serializers: one primitive value (strings, numbers); the default for keys. */
  static readonly KAFKA = new KsqlFormat('KAFKA');
  /** Comma-separated values. */
  static readonly DELIMITED = new KsqlFormat('DELIMITED');
  /** No key at all (streams without a key). */
  static readonly NONE = new KsqlFormat('NONE');
  private constructor(
    /** The format's name in a WITH clause, e.g. `AVRO`. */
    readonly name: string,
  ) {}
}
