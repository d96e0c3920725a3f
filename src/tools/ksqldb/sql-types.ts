/**
 * ksqlDB SQL types as the stand-in models them: the primitive types of `SqlPrimitiveType`,
 * DECIMAL(p, s), ARRAY, MAP and STRUCT. Formatting follows `SqlType#toString` (e.g. `INTEGER`,
 * `DECIMAL(4, 2)`, `MAP<STRING, BIGINT>`, ``STRUCT<`F1` INTEGER>``), and `schemaInfo` follows the
 * REST `SchemaInfo` entity built by `EntityUtil`.
 */

export type PrimitiveBase = 'BOOLEAN' | 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'STRING' | 'TIME' | 'DATE' | 'TIMESTAMP' | 'BYTES';

export type SqlType =
  | { readonly base: PrimitiveBase }
  | { readonly base: 'DECIMAL'; readonly precision: number; readonly scale: number }
  | { readonly base: 'ARRAY'; readonly item: SqlType }
  | { readonly base: 'MAP'; readonly key: SqlType; readonly value: SqlType }
  | { readonly base: 'STRUCT'; readonly fields: ReadonlyArray<{ readonly name: string; readonly type: SqlType }> };

export const T = {
  BOOLEAN: { base: 'BOOLEAN' } as SqlType,
  INTEGER: { base: 'INTEGER' } as SqlType,
  BIGINT: { base: 'BIGINT' } as SqlType,
  DOUBLE: { base: 'DOUBLE' } as SqlType,
  STRING: { base: 'STRING' } as SqlType,
  TIME: { base: 'TIME' } as SqlType,
  DATE: { base: 'DATE' } as SqlType,
  TIMESTAMP: { base: 'TIMESTAMP' } as SqlType,
  BYTES: { base: 'BYTES' } as SqlType,
  decimal: (precision: number, scale: number): SqlType => ({ base: 'DECIMAL', precision, scale }),
  array: (item: SqlType): SqlType => ({ base: 'ARRAY', item }),
  map: (key: SqlType, value: SqlType): SqlType => ({ base: 'MAP', key, value }),
};

/** Base type names accepted by `SqlTypeParser` (aliases INT and VARCHAR included). */
const BASE_NAMES: Record<string, PrimitiveBase> = {
  BOOLEAN: 'BOOLEAN',
  INT: 'INTEGER',
  INTEGER: 'INTEGER',
  BIGINT: 'BIGINT',
  DOUBLE: 'DOUBLE',
  VARCHAR: 'STRING',
  STRING: 'STRING',
  TIME: 'TIME',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
  BYTES: 'BYTES',
};

export function primitiveByName(name: string): SqlType | undefined {
  const base = BASE_NAMES[name.toUpperCase()];
  return base ? { base } : undefined;
}

/** `FormatOptions.none()` quotes every struct field name; `needsQuotes` quotes only when needed. */
export function formatType(t: SqlType, quote: (name: string) => string = (n) => '`' + n + '`'): string {
  switch (t.base) {
    case 'DECIMAL':
      return `DECIMAL(${t.precision}, ${t.scale})`;
    case 'ARRAY':
      return `ARRAY<${formatType(t.item, quote)}>`;
    case 'MAP':
      return `MAP<${formatType(t.key, quote)}, ${formatType(t.value, quote)}>`;
    case 'STRUCT':
      return t.fields.length === 0
        ? 'STRUCT< >'
        : `STRUCT<${t.fields.map((f) => `${quote(f.name)} ${formatType(f.type, quote)}`).join(', ')}>`;
    default:
      return t.base;
  }
}

export function typeEquals(a: SqlType, b: SqlType): boolean {
  return formatType(a) === formatType(b);
}

export function isNumeric(t: SqlType): boolean {
  return t.base === 'INTEGER' || t.base === 'BIGINT' || t.base === 'DOUBLE' || t.base === 'DECIMAL';
}

export interface SchemaInfoJson {
  type: string;
  fields: Array<{ name: string; schema: SchemaInfoJson }> | null;
  memberSchema: SchemaInfoJson | null;
  parameters?: { precision: number; scale: number };
}

/** REST `SchemaInfo` (`EntityUtil#schemaInfo`): map key types are not shown. */
export function schemaInfo(t: SqlType): SchemaInfoJson {
  switch (t.base) {
    case 'ARRAY':
      return { type: 'ARRAY', fields: null, memberSchema: schemaInfo(t.item) };
    case 'MAP':
      return { type: 'MAP', fields: null, memberSchema: schemaInfo(t.value) };
    case 'STRUCT':
      return {
        type: 'STRUCT',
        fields: t.fields.map((f) => ({ name: f.name, schema: schemaInfo(f.type) })),
        memberSchema: null,
      };
    case 'DECIMAL':
      return { type: 'DECIMAL', fields: null, memberSchema: null, parameters: { precision: t.precision, scale: t.scale } };
    default:
      return { type: t.base, fields: null, memberSchema: null };
  }
}

/** Numeric widening order used for arithmetic result types. */
const NUMERIC_RANK: Record<string, number> = { INTEGER: 1, BIGINT: 2, DECIMAL: 3, DOUBLE: 4 };

export function decimalOf(t: SqlType): { precision: number; scale: number } | undefined {
  switch (t.base) {
    case 'DECIMAL':
      return { precision: t.precision, scale: t.scale };
    case 'INTEGER':
      return { precision: 10, scale: 0 };
    case 'BIGINT':
      return { precision: 19, scale: 0 };
    default:
      return undefined;
  }
}

/**
 * Result type of `a <op> b` for numeric operands, following ksqlDB's widening
 * (INTEGER < BIGINT < DECIMAL < DOUBLE) and its decimal precision rules (`DecimalUtil`).
 */
export function arithmeticType(op: string, a: SqlType, b: SqlType): SqlType | undefined {
  // `+` on two strings concatenates (ExpressionTypeManager#visitArithmeticBinary).
  if (op === '+' && a.base === 'STRING' && b.base === 'STRING') return T.STRING;
  if (!isNumeric(a) || !isNumeric(b)) return undefined;
  const rank = Math.max(NUMERIC_RANK[a.base], NUMERIC_RANK[b.base]);
  if (rank === 4) return T.DOUBLE;
  if (rank < 3) return rank === 2 ? T.BIGINT : T.INTEGER;
  const da = decimalOf(a)!;
  const db = decimalOf(b)!;
  const cap = (p: number, s: number): SqlType => T.decimal(Math.min(p, 38), Math.min(s, 38));
  switch (op) {
    case '+':
    case '-': {
      const scale = Math.max(da.scale, db.scale);
      return cap(Math.max(da.precision - da.scale, db.precision - db.scale) + scale + 1, scale);
    }
    case '*':
      return cap(da.precision + db.precision + 1, da.scale + db.scale);
    case '/': {
      const scale = Math.max(6, da.scale + db.precision + 1);
      return cap(da.precision - da.scale + db.scale + scale, scale);
    }
    default: {
      const scale = Math.max(da.scale, db.scale);
      return cap(Math.min(da.precision - da.scale, db.precision - db.scale) + scale, scale);
    }
  }
}
