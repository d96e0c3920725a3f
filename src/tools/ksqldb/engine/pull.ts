/**
 * Pull queries (`SELECT ... FROM table [WHERE ...]` without EMIT CHANGES) over a table's
 * materialized state: the latest row per key of a table a persistent query writes (CTAS), or of
 * a `CREATE SOURCE TABLE`. The WHERE clause may test key and value columns (ksqlDB allows table
 * scans by default); `*` gives the key columns, the window bounds of windowed tables, then the
 * value columns.
 */
import type { Query } from '../../../core/ksql';
import { KsqlError, NotSupportedError, RecordError } from './errors';
import { compile, Scope, type Compiled, type ScopeColumn } from './expr';
import type { FunctionContext } from './functions';
import { keyColumns, valueColumns, type DataSource } from './model';
import { ColumnAliasGenerator } from '../../../core/ksql/aliases';
import { T, type SqlType } from './types';

/** One row of a table's materialized state. */
export interface MaterializedRow {
  readonly key: readonly unknown[];
  readonly value: readonly unknown[];
  readonly ts: number;
  readonly window?: { readonly start: number; readonly end: number };
}

export interface PullQueryResult {
  readonly columns: readonly { readonly name: string; readonly type: SqlType }[];
  readonly rows: readonly (readonly unknown[])[];
}

/** Evaluates a pull query over the rows of `table`. */
export function runPullQuery(q: Query, table: DataSource, rows: Iterable<MaterializedRow>, functions: FunctionContext): PullQueryResult {
  if (q.joins.length > 0) throw new NotSupportedError('pull queries with joins');
  if (q.groupBy || q.partitionBy || q.window || q.having) {
    throw new KsqlError("Pull queries don't support GROUP BY, PARTITION BY, WINDOW or HAVING clauses.");
  }
  const keys = keyColumns(table);
  const values = valueColumns(table);
  const windowed = table.window !== undefined;
  // row layout: keys, values, ROWTIME, [WINDOWSTART, WINDOWEND]
  const cols: ScopeColumn[] = [];
  let i = 0;
  for (const c of [...keys, ...values]) cols.push({ name: c.name, source: q.from.alias, type: c.type, index: i++ });
  cols.push({ name: 'ROWTIME', source: q.from.alias, type: T.BIGINT, index: i++ });
  if (windowed) {
    cols.push({ name: 'WINDOWSTART', source: q.from.alias, type: T.BIGINT, index: i++ });
    cols.push({ name: 'WINDOWEND', source: q.from.alias, type: T.BIGINT, index: i++ });
  }
  const scope = new Scope(cols, 'SELECT', functions, undefined, [q.from.alias, q.from.name]);
  let where: Compiled | undefined;
  if (q.where) {
    where = compile(q.where, scope.withClause('WHERE'));
    if (where.type !== null && where.type.base !== 'BOOLEAN')
      throw new KsqlError('Type error in WHERE expression: Should evaluate to boolean');
  }
  const out: { name: string; c: Compiled }[] = [];
  const names = new ColumnAliasGenerator(cols.map((c) => c.name));
  for (const item of q.select) {
    if (item.kind === 'all') {
      const star = [...keys, ...(windowed ? cols.filter((c) => c.name === 'WINDOWSTART' || c.name === 'WINDOWEND') : []), ...values];
      for (const c of star) out.push({ name: c.name, c: compile({ kind: 'column', loc: item.loc, name: c.name }, scope) });
    } else if (item.kind === 'structAll') {
      const base = compile(item.base, scope);
      if (base.type?.base !== 'STRUCT') throw new KsqlError('Expected STRUCT type for ->*');
      for (const f of base.type.fields)
        out.push({ name: f.name, c: compile({ kind: 'dereference', loc: item.loc, base: item.base, field: f.name }, scope) });
    } else {
      const e = item.expression;
      const name = item.alias ?? (e.kind === 'column' ? e.name : names.uniqueAliasFor(e));
      out.push({ name, c: compile(e, scope) });
    }
  }
  const result: unknown[][] = [];
  for (const r of rows) {
    const row: unknown[] = [...r.key, ...r.value, BigInt(r.ts)];
    if (windowed) row.push(r.window ? BigInt(r.window.start) : null, r.window ? BigInt(r.window.end) : null);
    try {
      if (where && where.fn(row) !== true) continue;
    } catch (e) {
      if (e instanceof RecordError) continue;
      throw e;
    }
    result.push(
      out.map((o) => {
        try {
          return o.c.fn(row) ?? null;
        } catch (e) {
          if (e instanceof RecordError) return null;
          throw e;
        }
      }),
    );
    if (q.limit !== undefined && result.length >= q.limit) break;
  }
  return { columns: out.map((o) => ({ name: o.name, type: o.c.type ?? T.STRING })), rows: result };
}
