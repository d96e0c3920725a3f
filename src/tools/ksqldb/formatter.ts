/**
 * Re-formatting of statements and expressions in the style of ksqlDB's `SqlFormatter` /
 * `ExpressionFormatter`: keywords and types upper-case, identifiers back-quoted only when needed
 * (`IdentifierUtil#needsQuotes`), WITH properties in alphabetical order, binary expressions in
 * parentheses, `FROM S S`, `EMIT CHANGES`. It is "reasonable", not byte-exact.
 */
import { Expr, Ident, Query, SelectItem, TableElement, WindowExpr, WithinExpr } from './ast';
import { KEYWORDS, isReserved } from './lexer';
import { formatType, SqlType } from './sql-types';

/** `IdentifierUtil#needsQuotes`: not a plain identifier, a reserved word, or not upper-case. */
export function needsQuotes(name: string): boolean {
  if (name !== name.toUpperCase()) return true;
  if (!/^[A-Z_][A-Z0-9_@]*$/.test(name)) return true;
  return isReserved(name) && KEYWORDS.has(name);
}

export function quoteIfNeeded(name: string): string {
  return needsQuotes(name) ? '`' + name.replace(/`/g, '``') + '`' : name;
}

export function formatSqlType(t: SqlType): string {
  return formatType(t, quoteIfNeeded);
}

function stringLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export function formatExpr(e: Expr): string {
  switch (e.k) {
    case 'lit':
      switch (e.lt) {
        case 'null':
          return 'null';
        case 'bool':
          return e.value ? 'true' : 'false';
        case 'string':
          return stringLiteral(e.value);
        default:
          return e.value;
      }
    case 'col':
      return e.qualifier ? `${quoteIfNeeded(e.qualifier.text)}.${quoteIfNeeded(e.name.text)}` : quoteIfNeeded(e.name.text);
    case 'func':
      return `${e.name.text}(${e.star ? '*' : e.args.map(formatExpr).join(', ')})`;
    case 'arith':
      return `(${formatExpr(e.left)} ${e.op} ${formatExpr(e.right)})`;
    case 'concat':
      return `CONCAT(${formatExpr(e.left)}, ${formatExpr(e.right)})`;
    case 'neg':
      return `${e.op}${formatExpr(e.expr)}`;
    case 'cmp':
      return `(${formatExpr(e.left)} ${e.op} ${formatExpr(e.right)})`;
    case 'logic':
      return `(${formatExpr(e.left)} ${e.op} ${formatExpr(e.right)})`;
    case 'not':
      return `(NOT ${formatExpr(e.expr)})`;
    case 'between':
      return `(${formatExpr(e.expr)}${e.not ? ' NOT' : ''} BETWEEN ${formatExpr(e.lo)} AND ${formatExpr(e.hi)})`;
    case 'in':
      return `(${formatExpr(e.expr)}${e.not ? ' NOT' : ''} IN (${e.list.map(formatExpr).join(', ')}))`;
    case 'like':
      return `(${formatExpr(e.expr)}${e.not ? ' NOT' : ''} LIKE ${formatExpr(e.pattern)}${e.escape !== undefined ? ` ESCAPE ${stringLiteral(e.escape)}` : ''})`;
    case 'isnull':
      return `(${formatExpr(e.expr)} IS ${e.not ? 'NOT ' : ''}NULL)`;
    case 'distinct':
      return `(${formatExpr(e.left)} IS ${e.not ? 'NOT ' : ''}DISTINCT FROM ${formatExpr(e.right)})`;
    case 'case': {
      const parts = ['(CASE'];
      if (e.operand) parts.push(formatExpr(e.operand));
      for (const w of e.whens) parts.push(`WHEN ${formatExpr(w.when)} THEN ${formatExpr(w.then)}`);
      if (e.else) parts.push(`ELSE ${formatExpr(e.else)}`);
      parts.push('END)');
      return parts.join(' ');
    }
    case 'cast':
      return `CAST(${formatExpr(e.expr)} AS ${formatSqlType(e.type)})`;
    case 'array':
      return `ARRAY[${e.items.map(formatExpr).join(', ')}]`;
    case 'map':
      return `MAP(${e.entries.map((en) => `${formatExpr(en.key)}:=${formatExpr(en.value)}`).join(', ')})`;
    case 'struct':
      return `STRUCT(${e.fields.map((f) => `${quoteIfNeeded(f.name.text)}:=${formatExpr(f.value)}`).join(', ')})`;
    case 'subscript':
      return `${formatExpr(e.base)}[${formatExpr(e.index)}]`;
    case 'deref':
      return `${formatExpr(e.base)}->${quoteIfNeeded(e.field.text)}`;
    case 'lambda':
      return e.params.length === 1
        ? `${e.params[0].text} => ${formatExpr(e.body)}`
        : `(${e.params.map((p) => p.text).join(', ')}) => ${formatExpr(e.body)}`;
    case 'unit':
      return e.unit;
    case 'typed':
      return `${e.typeName} ${stringLiteral(e.value)}`;
    case 'tz':
      return `${formatExpr(e.expr)} AT TIME ZONE ${stringLiteral(e.zone)}`;
  }
}

function duration(d: { value: number; unit: string }): string {
  return `${d.value} ${d.unit}`;
}

function formatWindow(w: WindowExpr): string {
  const extra: string[] = [];
  if (w.retention) extra.push(`RETENTION ${duration(w.retention)}`);
  if (w.grace) extra.push(`GRACE PERIOD ${duration(w.grace)}`);
  const tail = extra.length ? `, ${extra.join(', ')}` : '';
  switch (w.type) {
    case 'TUMBLING':
      return ` TUMBLING ( SIZE ${duration(w.size)}${tail} ) `;
    case 'HOPPING':
      return ` HOPPING ( SIZE ${duration(w.size)} , ADVANCE BY ${duration(w.advance!)}${tail} ) `;
    case 'SESSION':
      return ` SESSION ( ${duration(w.size)}${tail} ) `;
  }
}

function formatWithin(w: WithinExpr): string {
  const grace = w.grace ? ` GRACE PERIOD ${duration(w.grace)}` : '';
  return w.twoSided ? ` WITHIN (${duration(w.before)}, ${duration(w.after)})${grace}` : ` WITHIN ${duration(w.before)}${grace}`;
}

function formatSelectItem(item: SelectItem): string {
  switch (item.kind) {
    case 'all':
      return item.qualifier ? `${quoteIfNeeded(item.qualifier.text)}.*` : '*';
    case 'structAll':
      return `${formatExpr(item.base)}->*`;
    case 'single':
      return item.alias ? `${formatExpr(item.expr)} ${quoteIfNeeded(item.alias.text)}` : formatExpr(item.expr);
  }
}

const JOIN_WORDS: Record<string, string> = { INNER: 'INNER', LEFT: 'LEFT OUTER', RIGHT: 'RIGHT OUTER', OUTER: 'FULL OUTER' };

export function formatQuery(q: Query): string {
  const lines: string[] = [];
  lines.push(q.select.length > 1 ? `SELECT\n  ${q.select.map(formatSelectItem).join(',\n  ')}` : `SELECT ${formatSelectItem(q.select[0])}`);
  const rel = (r: { name: Ident; alias?: Ident }): string => `${quoteIfNeeded(r.name.text)} ${quoteIfNeeded((r.alias ?? r.name).text)}`;
  let from = `FROM ${rel(q.from)}`;
  for (const j of q.joins) {
    from += `\n${JOIN_WORDS[j.type]} JOIN ${rel(j.right)}${j.within ? formatWithin(j.within) : ''} ON (${formatExpr(j.on)})`;
  }
  lines.push(from);
  if (q.window) lines.push(`WINDOW${formatWindow(q.window)}`);
  if (q.where) lines.push(`WHERE ${formatExpr(q.where)}`);
  if (q.groupBy) lines.push(`GROUP BY ${q.groupBy.map(formatExpr).join(', ')}`);
  if (q.partitionBy) lines.push(`PARTITION BY ${q.partitionBy.map(formatExpr).join(', ')}`);
  if (q.having) lines.push(`HAVING ${formatExpr(q.having)}`);
  if (q.emit) lines.push(`EMIT ${q.emit}`);
  if (q.limit !== undefined) lines.push(`LIMIT ${q.limit}`);
  return lines.join('\n');
}

export type PropLiteral = { kind: 'string'; value: string } | { kind: 'number'; value: string } | { kind: 'bool'; value: boolean };

/** WITH clause with properties sorted by name, values as literals. */
export function formatProps(props: ReadonlyMap<string, PropLiteral>): string {
  const entries = [...props.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return '';
  const lit = (v: PropLiteral): string => (v.kind === 'string' ? stringLiteral(v.value) : String(v.value));
  return ` WITH (${entries.map(([k, v]) => `${k}=${lit(v)}`).join(', ')})`;
}

function formatElement(el: TableElement): string {
  const c = el.constraint;
  const suffix =
    c === undefined
      ? ''
      : c === 'KEY'
        ? ' KEY'
        : c === 'PRIMARY KEY'
          ? ' PRIMARY KEY'
          : c === 'HEADERS'
            ? ' HEADERS'
            : ` HEADER('${c.header}')`;
  return `${quoteIfNeeded(el.name.text)} ${formatSqlType(el.type)}${suffix}`;
}

export function formatCreateSource(s: {
  type: string;
  orReplace: boolean;
  isSource: boolean;
  ifNotExists: boolean;
  name: string;
  elements?: readonly TableElement[];
  props: ReadonlyMap<string, PropLiteral>;
}): string {
  let out = `CREATE ${s.orReplace ? 'OR REPLACE ' : ''}${s.isSource ? 'SOURCE ' : ''}${s.type} ${s.ifNotExists ? 'IF NOT EXISTS ' : ''}${quoteIfNeeded(s.name)}`;
  if (s.elements && s.elements.length) out += ` (${s.elements.map(formatElement).join(', ')})`;
  return out + formatProps(s.props) + ';';
}

export function formatCreateAs(s: {
  type: string;
  orReplace: boolean;
  ifNotExists: boolean;
  name: string;
  props: ReadonlyMap<string, PropLiteral>;
  query: Query;
}): string {
  return (
    `CREATE ${s.orReplace ? 'OR REPLACE ' : ''}${s.type} ${s.ifNotExists ? 'IF NOT EXISTS ' : ''}${quoteIfNeeded(s.name)}` +
    `${formatProps(s.props)} AS ${formatQuery(s.query)};`
  );
}

export function formatDrop(type: string, ifExists: boolean, name: string, deleteTopic: boolean): string {
  return `DROP ${type} ${ifExists ? 'IF EXISTS ' : ''}${quoteIfNeeded(name)}${deleteTopic ? ' DELETE TOPIC' : ''};`;
}
