/** ksqlDB column types, columns and serialization formats as values (not strings). */
import { ident } from '../private/ksql-names';

export class KsqlType {
  static string(): KsqlType {
    return new KsqlType('STRING');
  }
  static int(): KsqlType {
    return new KsqlType('INTEGER');
  }
  static bigint(): KsqlType {
    return new KsqlType('BIGINT');
  }
  static double(): KsqlType {
    return new KsqlType('DOUBLE');
  }
  static boolean(): KsqlType {
    return new KsqlType('BOOLEAN');
  }
  static decimal(precision: number, scale: number): KsqlType {
    return new KsqlType(`DECIMAL(${precision}, ${scale})`);
  }
  static timestamp(): KsqlType {
    return new KsqlType('TIMESTAMP');
  }
  static date(): KsqlType {
    return new KsqlType('DATE');
  }
  static time(): KsqlType {
    return new KsqlType('TIME');
  }
  static bytes(): KsqlType {
    return new KsqlType('BYTES');
  }
  static array(element: KsqlType): KsqlType {
    return new KsqlType(`ARRAY<${element.text}>`);
  }
  static map(key: KsqlType, value: KsqlType): KsqlType {
    return new KsqlType(`MAP<${key.text}, ${value.text}>`);
  }
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
  private constructor(readonly text: string) {}
}

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
  static value(name: string, type: KsqlType): Column {
    return new Column(name, type, 'value');
  }
  private constructor(
    readonly name: string,
    readonly type: KsqlType,
    readonly role: ColumnRole,
  ) {}

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
  static readonly JSON = new KsqlFormat('JSON');
  /** JSON with a JSON Schema in the Schema Registry. */
  static readonly JSON_SR = new KsqlFormat('JSON_SR');
  static readonly AVRO = new KsqlFormat('AVRO');
  static readonly PROTOBUF = new KsqlFormat('PROTOBUF');
  static readonly KAFKA = new KsqlFormat('KAFKA');
  static readonly DELIMITED = new KsqlFormat('DELIMITED');
  static readonly NONE = new KsqlFormat('NONE');
  private constructor(readonly name: string) {}
}
