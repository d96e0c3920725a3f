/**
 * Rewrites a query the way ksqlDB's `AstSanitizer` does before it stores the statement text, so
 * that a statement and the server's stored copy compare equal: column references are qualified
 * with their source alias (single-source queries: qualifiers dropped instead) and every SELECT
 * expression gets its output name as an explicit alias.
 *
 * Without source schemas, join columns cannot be placed and their clash-dependent names are not
 * known, so those stay as written; generated names (`KSQL_COL_n`) assume the sources have no
 * columns named like that.
 */
import type { Expr, Query, SelectItem } from './ast';
import { ColumnAliasGenerator, outputNameFor, PSEUDO_COLUMNS } from './aliases';
import { relationFor, relationsOf, scopeOf, type SourceResolver } from './infer';
import { mapExpr } from './walk';

/** The query with normalized column qualifiers and explicit output aliases. */
export function normalizeQuery(q: Query, resolve: SourceResolver = () => undefined): Query {
  const scope = scopeOf(q, resolve);
  const single = q.joins.length === 0;
  const schemasKnown = scope.relations.every((r) => scope.columns.get(r.alias) !== undefined);
  const qualify = (e: Expr): Expr =>
    mapExpr(e, (x) => {
      if (x.kind !== 'column') return x;
      if (single) return { kind: 'column', loc: x.loc, name: x.name };
      const rels = relationsOf(scope, x);
      return rels.length === 1 ? { ...x, source: rels[0].alias } : x;
    });
  const sourceColumns = [...scope.columns.values()].flatMap((cols) => (cols ?? []).map((c) => c.name));
  const generator = new ColumnAliasGenerator(sourceColumns);
  const clashes = (column: string): boolean =>
    !single &&
    (PSEUDO_COLUMNS.has(column) || scope.relations.filter((r) => scope.columns.get(r.alias)?.some((c) => c.name === column)).length > 1);
  const select = q.select.map((item): SelectItem => {
    if (item.kind === 'all') {
      if (single) return { kind: 'all', loc: item.loc }; // `T.*` is `*` when T is the only source
      const rel = item.source !== undefined ? relationFor(scope, item.source) : undefined;
      return rel ? { ...item, source: rel.alias } : item;
    }
    if (item.kind === 'structAll') return { ...item, base: qualify(item.base) };
    const expression = qualify(item.expression);
    const certain = item.alias !== undefined || expression.kind !== 'column' || single || schemasKnown;
    const name = outputNameFor(expression, item.alias, generator, clashes);
    return { ...item, expression, outputName: name, ...(certain ? { alias: name } : {}) };
  });
  return {
    ...q,
    select,
    joins: q.joins.map((j) => ({ ...j, on: qualify(j.on) })),
    ...(q.where ? { where: qualify(q.where) } : {}),
    ...(q.groupBy ? { groupBy: q.groupBy.map(qualify) } : {}),
    ...(q.partitionBy ? { partitionBy: q.partitionBy.map(qualify) } : {}),
    ...(q.having ? { having: qualify(q.having) } : {}),
  };
}
