/**
 * Canonical text of statements and expressions: keywords and unquoted names upper case, single
 * spaces, no comments, WITH properties sorted by name, and ksqlDB's defaults spelled out (EMIT
 * CHANGES on persistent queries, INNER JOIN, plural time units, output aliases and column
 * qualifiers as ksqlDB stores them — see normalize.ts). Two statements that differ only in
 * formatting give the same text; literals keep their case. The text parses back to itself.
 */
import type { Duration, Expr, Join, Properties, PropertyValue, Query, Relation, SelectItem, Statement, WindowSpec } from './ast';
import type { SourceResolver } from './infer';
import { normalizeQuery } from './normalize';
import { parseStatement, type ParseOptions } from './parser';
import { formatType, quoteIdentifier } from './types';

/** Options for canonical text. */
export interface CanonicalOptions {
  /** Columns of the sources queries read: lets join columns be qualified and named exactly. */
  readonly resolve?: SourceResolver;
}

/** The canonical text of a statement, ending with `;`. */
export function canonical(stmt: Statement, options: CanonicalOptions = {}): string {
  const normalized: QueryText = (q, persistent) => formatQuery(normalizeQuery(q, options.resolve), persistent);
  return `${statementText(stmt, normalized)};`;
}

/**
 * The text of a statement in the canonical layout with its query as written (not normalized, like
 * formatQuery), ending with `;`: how a statement node built or edited by a program is sent to
 * ksqlDB. For a statement without a query it is the canonical text.
 */
export function formatStatement(stmt: Statement): string {
  return `${statementText(stmt, formatQuery)};`;
}

/** True when two statements (texts are parsed first) have the same canonical text. */
export function equivalent(a: Statement | string, b: Statement | string, options: ParseOptions & CanonicalOptions = {}): boolean {
  const toStatement = (s: Statement | string): Statement => (typeof s === 'string' ? parseStatement(s, options) : s);
  return canonical(toStatement(a), options) === canonical(toStatement(b), options);
}

/** The canonical text of an expression. */
export function formatExpression(e: Expr): string {
  return expr(e, 0);
}

/** The text of a query as written (not normalized); `persistent` spells out the implied EMIT CHANGES. */
export function formatQuery(q: Query, persistent = false): string {
  const parts = [`SELECT ${q.select.map(selectItem).join(', ')}`, `FROM ${relation(q.from)}`];
  for (const j of q.joins) parts.push(join(j));
  if (q.window) parts.push(`WINDOW ${windowSpec(q.window)}`);
  if (q.where) parts.push(`WHERE ${expr(q.where, 0)}`);
  if (q.groupBy) parts.push(`GROUP BY ${q.groupBy.map((e) => expr(e, VALUE)).join(', ')}`);
  if (q.partitionBy) parts.push(`PARTITION BY ${q.partitionBy.map((e) => expr(e, VALUE)).join(', ')}`);
  if (q.having) parts.push(`HAVING ${expr(q.having, 0)}`);
  const emit = q.emit ?? (persistent ? 'CHANGES' : undefined);
  if (emit) parts.push(`EMIT ${emit}`);
  if (q.limit !== undefined) parts.push(`LIMIT ${q.limit}`);
  return parts.join(' ');
}

const id = quoteIdentifier;
const str = (s: string): string => `'${s.split("'").join("''")}'`;

/** How the query of a CREATE ... AS SELECT or a SELECT statement is written. */
type QueryText = (q: Query, persistent: boolean) => string;

function statementText(s: Statement, query: QueryText): string {
  switch (s.kind) {
    case 'createStream':
    case 'createTable': {
      const cols = s.columns.map((c) => {
        const constraint = c.primaryKey
          ? ' PRIMARY KEY'
          : c.key
            ? ' KEY'
            : c.headerKey !== undefined
              ? ` HEADER(${str(c.headerKey)})`
              : c.headers
                ? ' HEADERS'
                : '';
        return `${id(c.name)} ${formatType(c.dataType)}${constraint}`;
      });
      return [
        'CREATE',
        s.orReplace && 'OR REPLACE',
        s.isSource && 'SOURCE',
        s.kind === 'createStream' ? 'STREAM' : 'TABLE',
        s.ifNotExists && 'IF NOT EXISTS',
        id(s.name) + (cols.length ? ` (${cols.join(', ')})` : ''),
        withClause(s.properties),
      ]
        .filter(Boolean)
        .join(' ');
    }
    case 'createStreamAs':
    case 'createTableAs':
      return [
        'CREATE',
        s.orReplace && 'OR REPLACE',
        s.kind === 'createStreamAs' ? 'STREAM' : 'TABLE',
        s.ifNotExists && 'IF NOT EXISTS',
        id(s.name),
        withClause(s.properties),
        'AS',
        query(s.query, true),
      ]
        .filter(Boolean)
        .join(' ');
    case 'insertInto':
      return ['INSERT INTO', id(s.name), withClause(s.properties), formatQuery(s.query, true)].filter(Boolean).join(' ');
    case 'dropStream':
    case 'dropTable':
      return ['DROP', s.kind === 'dropStream' ? 'STREAM' : 'TABLE', s.ifExists && 'IF EXISTS', id(s.name), s.deleteTopic && 'DELETE TOPIC']
        .filter(Boolean)
        .join(' ');
    case 'terminate':
    case 'pause':
    case 'resume':
      return `${s.kind.toUpperCase()} ${s.all ? 'ALL' : id(s.queryId ?? '')}`;
    case 'query':
      return query(s.query, false);
    case 'insertValues': {
      const cols = s.columns.length ? ` (${s.columns.map(id).join(', ')})` : '';
      return `INSERT INTO ${id(s.name)}${cols} VALUES (${s.values.map((v) => expr(v, VALUE)).join(', ')})`;
    }
    case 'createConnector':
      return [`CREATE ${s.connectorType} CONNECTOR`, s.ifNotExists && 'IF NOT EXISTS', id(s.name), withClause(s.properties)]
        .filter(Boolean)
        .join(' ');
    case 'dropConnector':
      return ['DROP CONNECTOR', s.ifExists && 'IF EXISTS', id(s.name)].filter(Boolean).join(' ');
    case 'list':
      return ['LIST', s.all && 'ALL', s.scope, s.target, s.extended && 'EXTENDED'].filter(Boolean).join(' ');
    case 'describe': {
      const target =
        s.target === 'source'
          ? id(s.name ?? '')
          : s.target === 'streams' || s.target === 'tables'
            ? s.target.toUpperCase()
            : `${s.target.toUpperCase()} ${id(s.name ?? '')}`;
      return ['DESCRIBE', target, s.extended && 'EXTENDED'].filter(Boolean).join(' ');
    }
    case 'print':
      return [
        `PRINT ${str(s.topic)}`,
        s.fromBeginning && 'FROM BEGINNING',
        s.interval !== undefined && `INTERVAL ${s.interval}`,
        s.limit !== undefined && `LIMIT ${s.limit}`,
      ]
        .filter(Boolean)
        .join(' ');
    case 'setProperty':
      return `SET ${str(s.property)}=${str(s.value)}`;
    case 'unsetProperty':
      return `UNSET ${str(s.property)}`;
    case 'explain':
      return `EXPLAIN ${s.statement ? statementText(s.statement, query) : id(s.queryId ?? '')}`;
  }
}

function withClause(props: Properties): string {
  const keys = Object.keys(props).sort();
  if (keys.length === 0) return '';
  const key = (k: string): string => (id(k) === k ? k : str(k));
  return `WITH (${keys.map((k) => `${key(k)}=${propertyValue(props[k])}`).join(', ')})`;
}

function propertyValue(v: PropertyValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'string') return str(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  return String(v);
}

function selectItem(item: SelectItem): string {
  switch (item.kind) {
    case 'all':
      return item.source !== undefined ? `${id(item.source)}.*` : '*';
    case 'structAll':
      return `${expr(item.base, PRIMARY)}->*`;
    case 'expression':
      return expr(item.expression, 0) + (item.alias !== undefined ? ` AS ${id(item.alias)}` : '');
  }
}

function relation(r: Relation): string {
  return r.alias === r.name ? id(r.name) : `${id(r.name)} ${id(r.alias)}`;
}

const JOIN_WORDS = { INNER: 'INNER JOIN', LEFT: 'LEFT JOIN', RIGHT: 'RIGHT JOIN', FULL: 'FULL OUTER JOIN' } as const;

function join(j: Join): string {
  const parts = [JOIN_WORDS[j.type], relation(j.source)];
  if (j.within) {
    const { before, after, grace } = j.within;
    const same = before.value === after.value && before.unit === after.unit;
    parts.push(same ? `WITHIN ${duration(before)}` : `WITHIN (${duration(before)}, ${duration(after)})`);
    if (grace) parts.push(`GRACE PERIOD ${duration(grace)}`);
  }
  parts.push(`ON ${expr(j.on, 0)}`);
  return parts.join(' ');
}

function duration(d: Duration): string {
  return `${d.value} ${d.unit}`;
}

function windowSpec(w: WindowSpec): string {
  const args =
    w.type === 'SESSION' ? [duration(w.size)] : [`SIZE ${duration(w.size)}`, ...(w.advance ? [`ADVANCE BY ${duration(w.advance)}`] : [])];
  if (w.retention) args.push(`RETENTION ${duration(w.retention)}`);
  if (w.grace) args.push(`GRACE PERIOD ${duration(w.grace)}`);
  return `${w.type} (${args.join(', ')})`;
}

// Binding strength, weakest first; a child weaker than its context is parenthesized.
const OR = 1;
const AND = 2;
const NOT = 3;
const PREDICATE = 4;
const VALUE = 5; // the grammar's valueExpression
const ADD = 6;
const MUL = 7;
const UNARY = 8;
const PRIMARY = 9;

function precedence(e: Expr): number {
  switch (e.kind) {
    case 'logical':
      return e.op === 'OR' ? OR : AND;
    case 'not':
      return NOT;
    case 'comparison':
    case 'isNull':
    case 'like':
    case 'in':
    case 'between':
      return PREDICATE;
    case 'arithmetic':
      return e.op === '+' || e.op === '-' ? ADD : MUL;
    case 'unary':
      return UNARY;
    case 'lambda':
      return 0;
    default:
      return PRIMARY;
  }
}

function expr(e: Expr, context: number): string {
  const text = exprText(e);
  return precedence(e) < context ? `(${text})` : text;
}

function exprText(e: Expr): string {
  switch (e.kind) {
    case 'literal':
      return e.text;
    case 'column':
      return e.source !== undefined ? `${id(e.source)}.${id(e.name)}` : id(e.name);
    case 'dereference':
      return `${expr(e.base, PRIMARY)}->${id(e.field)}`;
    case 'subscript':
      return `${expr(e.base, PRIMARY)}[${expr(e.index, VALUE)}]`;
    case 'call':
      // ksqlDB does not distinguish `f(*)` from `f()`; its formatter writes `COUNT(*)`.
      if (e.args.length === 0) return `${id(e.name)}(${e.name === 'COUNT' ? '*' : ''})`;
      return `${id(e.name)}(${e.args.map((a) => expr(a, 0)).join(', ')})`;
    case 'lambda': {
      const params = e.params.length === 1 ? id(e.params[0]) : `(${e.params.map(id).join(', ')})`;
      return `${params} => ${expr(e.body, 0)}`;
    }
    case 'intervalUnit':
      return e.unit;
    case 'cast':
      return `CAST(${expr(e.expr, 0)} AS ${formatType(e.type)})`;
    case 'case': {
      const parts = ['CASE'];
      if (e.operand) parts.push(expr(e.operand, VALUE));
      for (const w of e.whens) parts.push(`WHEN ${expr(w.when, 0)} THEN ${expr(w.then, 0)}`);
      if (e.else) parts.push(`ELSE ${expr(e.else, 0)}`);
      parts.push('END');
      return parts.join(' ');
    }
    case 'arithmetic': {
      const level = precedence(e);
      return `${expr(e.left, level)} ${e.op} ${expr(e.right, level + 1)}`;
    }
    case 'unary': {
      // `-(1)` and `-(-x)` must not print as the literal -1 or the comment `--x`.
      const o = e.operand;
      const wrap = o.kind === 'unary' || (o.kind === 'literal' && /^[-\d.]/.test(o.text));
      return `${e.op}${wrap ? `(${exprText(o)})` : expr(o, UNARY)}`;
    }
    case 'comparison':
      return `${expr(e.left, VALUE)} ${e.op} ${expr(e.right, VALUE)}`;
    case 'logical': {
      const level = precedence(e);
      return `${expr(e.left, level)} ${e.op} ${expr(e.right, level + 1)}`;
    }
    case 'not':
      return `NOT ${expr(e.operand, NOT)}`;
    case 'isNull':
      return `${expr(e.operand, VALUE)} IS ${e.negated ? 'NOT ' : ''}NULL`;
    case 'like': {
      const escape = e.escape !== undefined ? ` ESCAPE ${str(e.escape)}` : '';
      return `${expr(e.value, VALUE)} LIKE ${expr(e.pattern, VALUE)}${escape}`;
    }
    case 'in':
      return `${expr(e.value, VALUE)} IN (${e.list.map((x) => expr(x, 0)).join(', ')})`;
    case 'between':
      return `${expr(e.value, VALUE)} BETWEEN ${expr(e.low, VALUE)} AND ${expr(e.high, VALUE)}`;
    case 'array':
      return `ARRAY[${e.items.map((x) => expr(x, 0)).join(', ')}]`;
    case 'map':
      return `MAP(${e.entries.map((x) => `${expr(x.key, 0)}:=${expr(x.value, 0)}`).join(', ')})`;
    case 'struct':
      return `STRUCT(${e.fields.map((f) => `${id(f.name)}:=${expr(f.value, 0)}`).join(', ')})`;
  }
}
