/**
 * Expression text as ksqlDB's ExpressionFormatter prints it in messages (`Expression#toString`):
 * binary operators, predicates and CASE in parentheses, `true`/`null` in lower case, DOUBLE
 * literals in scientific notation, identifiers back-quoted when they need it, `MAP('a':=1)`,
 * `STRUCT(A:=1)`, `ARRAY[1, 2]`.
 */
import type { Expr } from '../../../core/ksql';
import { formatType, quoteIdentifier } from '../../../core/ksql';

export type Qualifier = (x: Extract<Expr, { kind: 'column' }>) => string | undefined;

/** ICU's scientific notation with unlimited precision (`1.5E0`, `1.2345E4`, `1E-7`). */
function scientific(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return Object.is(v, -0) ? '-0E0' : '0E0';
  const [mantissa, exp] = v.toExponential().split('e');
  return `${mantissa}E${Number(exp)}`;
}

export function ksqlText(e: Expr, qualify: Qualifier = () => undefined): string {
  const t = (x: Expr): string => ksqlText(x, qualify);
  switch (e.kind) {
    case 'column': {
      const q = qualify(e);
      if (q !== undefined) return q;
      return e.source !== undefined ? `${quoteIdentifier(e.source)}.${quoteIdentifier(e.name)}` : quoteIdentifier(e.name);
    }
    case 'literal':
      switch (e.type) {
        case 'NULL':
          return 'null';
        case 'BOOLEAN':
          return String(e.value);
        case 'STRING':
          return `'${String(e.value).split("'").join("''")}'`;
        case 'DOUBLE':
          return scientific(Number(e.text));
        default:
          return e.text;
      }
    case 'arithmetic':
    case 'comparison':
    case 'logical':
      return `(${t(e.left)} ${e.op} ${t(e.right)})`;
    case 'not':
      return `(NOT ${t(e.operand)})`;
    case 'unary': {
      const v = t(e.operand);
      return e.op === '-' ? `-${v.startsWith('-') ? ' ' : ''}${v}` : `+${v}`;
    }
    case 'call':
      return `${quoteIdentifier(e.name)}(${e.args.map(t).join(', ')})`;
    case 'dereference':
      return `${t(e.base)}->${quoteIdentifier(e.field)}`;
    case 'subscript':
      return `${t(e.base)}[${t(e.index)}]`;
    case 'isNull':
      return `(${t(e.operand)} IS ${e.negated ? 'NOT ' : ''}NULL)`;
    case 'like':
      return `(${t(e.value)} LIKE ${t(e.pattern)}${e.escape !== undefined ? ` ESCAPE '${e.escape}'` : ''})`;
    case 'in':
      return `(${t(e.value)} IN (${e.list.map(t).join(', ')}))`;
    case 'between':
      return `(${t(e.value)} BETWEEN ${t(e.low)} AND ${t(e.high)})`;
    case 'cast':
      return `CAST(${t(e.expr)} AS ${formatType(e.type)})`;
    case 'case': {
      const parts = ['CASE'];
      if (e.operand) parts.push(t(e.operand));
      for (const w of e.whens) parts.push(`WHEN ${t(w.when)} THEN ${t(w.then)}`);
      if (e.else) parts.push('ELSE', t(e.else));
      parts.push('END');
      return `(${parts.join(' ')})`;
    }
    case 'array':
      return `ARRAY[${e.items.map(t).join(', ')}]`;
    case 'map':
      return `MAP(${e.entries.map((x) => `${t(x.key)}:=${t(x.value)}`).join(', ')})`;
    case 'struct':
      return `STRUCT(${e.fields.map((f) => `${quoteIdentifier(f.name)}:=${t(f.value)}`).join(', ')})`;
    case 'lambda':
      return `(${e.params.join(', ')}) => ${t(e.body)}`;
    case 'intervalUnit':
      return e.unit;
  }
}
