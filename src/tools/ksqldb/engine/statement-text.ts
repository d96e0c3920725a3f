/**
 * The text of a persistent query as ksqlDB's SqlFormatter prints the rewritten statement in the
 * `Statement: ...` part of KsqlStatementException messages: one select item per line with its
 * alias, columns qualified with their source alias, `FROM SOURCE ALIAS`, EMIT CHANGES.
 */
import type { CreateAsSelect, Expr, InsertInto, Properties, Query } from '../../../core/ksql';
import { quoteIdentifier } from '../../../core/ksql';
import { ksqlText, type Qualifier } from './text';

function propertyText(props: Properties): string {
  const entries = Object.entries(props);
  if (entries.length === 0) return '';
  const value = (v: unknown): string => (typeof v === 'string' ? `'${v.split("'").join("''")}'` : String(v));
  return ` WITH (${entries.map(([k, v]) => `${k}=${value(v)}`).join(', ')})`;
}

function durationText(d: { value: number; unit: string }): string {
  return `${d.value} ${d.unit}`;
}

/** The rewritten statement; `qualify` names a column's source alias. */
export function statementText(
  s: CreateAsSelect | InsertInto,
  projection: readonly { readonly expr: Expr; readonly name: string }[],
  qualify: (x: Extract<Expr, { kind: 'column' }>) => string | undefined,
): string {
  const q: Query = s.query;
  const qualified: Qualifier = (x) => {
    const alias = x.source ?? qualify(x);
    return alias === undefined ? undefined : `${quoteIdentifier(alias)}.${quoteIdentifier(x.name)}`;
  };
  const t = (e: Expr): string => {
    // COUNT(*) is a call without arguments
    if (e.kind === 'call' && e.name === 'COUNT' && e.args.length === 0) return 'COUNT(*)';
    return ksqlText(e, qualified);
  };
  const head =
    s.kind === 'insertInto'
      ? `INSERT INTO ${quoteIdentifier(s.name)}`
      : `CREATE ${s.orReplace ? 'OR REPLACE ' : ''}${s.kind === 'createStreamAs' ? 'STREAM' : 'TABLE'} ${s.ifNotExists ? 'IF NOT EXISTS ' : ''}${quoteIdentifier(s.name)}${propertyText(s.properties)} AS`;
  const lines = [`${head} SELECT`];
  lines.push(projection.map((p) => `  ${t(p.expr)} ${quoteIdentifier(p.name)}`).join(',\n'));
  lines.push(`FROM ${quoteIdentifier(q.from.name)} ${quoteIdentifier(q.from.alias)}`);
  for (const j of q.joins) {
    const type = j.type === 'INNER' ? 'INNER' : j.type === 'LEFT' ? 'LEFT OUTER' : j.type === 'RIGHT' ? 'RIGHT OUTER' : 'FULL OUTER';
    const within = j.within
      ? ` WITHIN ${j.within.before.millis === j.within.after.millis ? durationText(j.within.before) : `(${durationText(j.within.before)}, ${durationText(j.within.after)})`}`
      : '';
    lines.push(`${type} JOIN ${quoteIdentifier(j.source.name)} ${quoteIdentifier(j.source.alias)}${within} ON ${t(j.on)}`);
  }
  if (q.window) {
    const w = q.window;
    const args =
      w.type === 'SESSION'
        ? [durationText(w.size)]
        : [`SIZE ${durationText(w.size)}`, ...(w.advance ? [`ADVANCE BY ${durationText(w.advance)}`] : [])];
    if (w.retention) args.push(`RETENTION ${durationText(w.retention)}`);
    if (w.grace) args.push(`GRACE PERIOD ${durationText(w.grace)}`);
    lines.push(`WINDOW ${w.type} ( ${args.join(' , ')} )`);
  }
  if (q.where) lines.push(`WHERE ${t(q.where)}`);
  if (q.groupBy) lines.push(`GROUP BY ${q.groupBy.map(t).join(', ')}`);
  if (q.partitionBy) lines.push(`PARTITION BY ${q.partitionBy.map(t).join(', ')}`);
  if (q.having) lines.push(`HAVING ${t(q.having)}`);
  lines.push('EMIT CHANGES');
  return lines.join('\n');
}
