/** Traversal helpers for expression trees. */
import type { Expr, Query, Statement } from './ast';

/** The query a statement runs (CSAS, CTAS, INSERT INTO, SELECT, EXPLAIN of those), if any. */
export function queryOf(stmt: Statement): Query | undefined {
  switch (stmt.kind) {
    case 'createStreamAs':
    case 'createTableAs':
    case 'insertInto':
    case 'query':
      return stmt.query;
    case 'explain':
      return stmt.statement ? queryOf(stmt.statement) : undefined;
    default:
      return undefined;
  }
}

/** Every top-level expression of a query, in clause order. */
export function queryExpressions(query: Query): Expr[] {
  const out: Expr[] = [];
  for (const item of query.select) {
    if (item.kind === 'expression') out.push(item.expression);
    else if (item.kind === 'structAll') out.push(item.base);
  }
  for (const j of query.joins) out.push(j.on);
  if (query.where) out.push(query.where);
  out.push(...(query.groupBy ?? []), ...(query.partitionBy ?? []));
  if (query.having) out.push(query.having);
  return out;
}

/** Calls `visit` on `e` and every sub-expression, parents first. */
export function walkExpr(e: Expr, visit: (x: Expr) => void): void {
  visit(e);
  for (const child of childExpressions(e)) walkExpr(child, visit);
}

/** The direct sub-expressions of `e`. */
export function childExpressions(e: Expr): Expr[] {
  switch (e.kind) {
    case 'literal':
    case 'column':
    case 'intervalUnit':
      return [];
    case 'dereference':
      return [e.base];
    case 'subscript':
      return [e.base, e.index];
    case 'call':
      return [...e.args];
    case 'lambda':
      return [e.body];
    case 'cast':
      return [e.expr];
    case 'case':
      return [...(e.operand ? [e.operand] : []), ...e.whens.flatMap((w) => [w.when, w.then]), ...(e.else ? [e.else] : [])];
    case 'arithmetic':
    case 'comparison':
    case 'logical':
      return [e.left, e.right];
    case 'unary':
    case 'not':
    case 'isNull':
      return [e.operand];
    case 'like':
      return [e.value, e.pattern];
    case 'in':
      return [e.value, ...e.list];
    case 'between':
      return [e.value, e.low, e.high];
    case 'array':
      return [...e.items];
    case 'map':
      return e.entries.flatMap((x) => [x.key, x.value]);
    case 'struct':
      return e.fields.map((f) => f.value);
  }
}

/** Rebuilds `e` bottom-up: children are mapped first, then `f` is applied to the rebuilt node. */
export function mapExpr(e: Expr, f: (x: Expr) => Expr): Expr {
  const m = (x: Expr): Expr => mapExpr(x, f);
  switch (e.kind) {
    case 'literal':
    case 'column':
    case 'intervalUnit':
      return f(e);
    case 'dereference':
      return f({ ...e, base: m(e.base) });
    case 'subscript':
      return f({ ...e, base: m(e.base), index: m(e.index) });
    case 'call':
      return f({ ...e, args: e.args.map(m) });
    case 'lambda':
      return f({ ...e, body: m(e.body) });
    case 'cast':
      return f({ ...e, expr: m(e.expr) });
    case 'case':
      return f({
        ...e,
        ...(e.operand ? { operand: m(e.operand) } : {}),
        whens: e.whens.map((w) => ({ when: m(w.when), then: m(w.then) })),
        ...(e.else ? { else: m(e.else) } : {}),
      });
    case 'arithmetic':
    case 'comparison':
    case 'logical':
      return f({ ...e, left: m(e.left), right: m(e.right) } as Expr);
    case 'unary':
    case 'not':
    case 'isNull':
      return f({ ...e, operand: m(e.operand) } as Expr);
    case 'like':
      return f({ ...e, value: m(e.value), pattern: m(e.pattern) });
    case 'in':
      return f({ ...e, value: m(e.value), list: e.list.map(m) });
    case 'between':
      return f({ ...e, value: m(e.value), low: m(e.low), high: m(e.high) });
    case 'array':
      return f({ ...e, items: e.items.map(m) });
    case 'map':
      return f({ ...e, entries: e.entries.map((x) => ({ key: m(x.key), value: m(x.value) })) });
    case 'struct':
      return f({ ...e, fields: e.fields.map((x) => ({ name: x.name, value: m(x.value) })) });
  }
}
