/** Expression text as ksqlDB's ExpressionFormatter prints it in messages: binary operators in parentheses. */
import type { Expr } from '../../../core/ksql';
import { formatExpression } from '../../../core/ksql';

export function ksqlText(e: Expr, qualify: (x: Extract<Expr, { kind: 'column' }>) => string | undefined = () => undefined): string {
  const t = (x: Expr): string => ksqlText(x, qualify);
  switch (e.kind) {
    case 'column': {
      const q = qualify(e) ?? e.source;
      return q !== undefined ? `${q}.${e.name}` : e.name;
    }
    case 'arithmetic':
      return `(${t(e.left)} ${e.op} ${t(e.right)})`;
    case 'comparison':
      return `(${t(e.left)} ${e.op} ${t(e.right)})`;
    case 'logical':
      return `(${t(e.left)} ${e.op} ${t(e.right)})`;
    case 'not':
      return `(NOT ${t(e.operand)})`;
    case 'call':
      return `${e.name}(${e.args.map(t).join(', ')})`;
    case 'dereference':
      return `${t(e.base)}->${e.field}`;
    case 'subscript':
      return `${t(e.base)}[${t(e.index)}]`;
    case 'isNull':
      return `(${t(e.operand)} IS ${e.negated ? 'NOT ' : ''}NULL)`;
    case 'unary':
      return `${e.op}${t(e.operand)}`;
    case 'literal':
      return e.type === 'NULL' ? 'null' : e.type === 'BOOLEAN' ? String(e.value) : formatExpression(e);
    default:
      return formatExpression(e);
  }
}
