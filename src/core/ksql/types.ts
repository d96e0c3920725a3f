/** SQL type and identifier text helpers shared by the parser, analyzer and formatter. */
import type { DataType, PrimitiveTypeName } from './ast';
import { RESERVED_WORDS } from './lexer';

const PRIMITIVES: Readonly<Record<string, PrimitiveTypeName>> = {
  BOOLEAN: 'BOOLEAN',
  INT: 'INTEGER',
  INTEGER: 'INTEGER',
  BIGINT: 'BIGINT',
  DOUBLE: 'DOUBLE',
  VARCHAR: 'STRING',
  STRING: 'STRING',
  TIMESTAMP: 'TIMESTAMP',
  DATE: 'DATE',
  TIME: 'TIME',
  BYTES: 'BYTES',
};

/** The primitive type a base type name denotes (INT → INTEGER, VARCHAR → STRING), if any. */
export function primitiveType(name: string): PrimitiveTypeName | undefined {
  return PRIMITIVES[name.toUpperCase()];
}

/**
 * ksqlDB's text for a type (`SqlType#toString`): `INTEGER`, `DECIMAL(10, 2)`, `ARRAY<STRING>`,
 * `MAP<STRING, BIGINT>`, ``STRUCT<`F1` INTEGER>`` (struct field names always back-quoted).
 */
export function formatType(t: DataType): string {
  switch (t.kind) {
    case 'primitive':
      return t.name;
    case 'decimal':
      return `DECIMAL(${t.precision}, ${t.scale})`;
    case 'array':
      return `ARRAY<${formatType(t.item)}>`;
    case 'map':
      return `MAP<${formatType(t.key)}, ${formatType(t.value)}>`;
    case 'struct':
      return t.fields.length === 0
        ? 'STRUCT< >'
        : `STRUCT<${t.fields.map((f) => `${backQuote(f.name)} ${formatType(f.type)}`).join(', ')}>`;
    case 'custom':
      return quoteIdentifier(t.name);
  }
}

/** Structural equality of two types. */
export function sameType(a: DataType, b: DataType): boolean {
  return formatType(a) === formatType(b);
}

/** Wraps a name in back-quotes, doubling any back-quote inside. */
export function backQuote(name: string): string {
  return '`' + name.split('`').join('``') + '`';
}

/** A name as it must be written to read back identically: bare when possible, else back-quoted. */
export function quoteIdentifier(name: string): string {
  return /^[A-Z_][A-Z0-9_@]*$/.test(name) && !RESERVED_WORDS.has(name) ? name : backQuote(name);
}

/**
 * A name as ksqlDB reads it back, the inverse of quoteIdentifier: a back-quoted name keeps its case
 * (`` `trip_id` `` is trip_id, doubled back-quotes undone), any other is upper-cased (`trip_id` and
 * `TIMESTAMP='trip_id'` name TRIP_ID).
 */
export function unquoteIdentifier(text: string): string {
  const quoted = /^`(.*)`$/.exec(text);
  return quoted ? quoted[1].split('``').join('`') : text.toUpperCase();
}
