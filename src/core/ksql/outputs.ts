/**
 * The columns a statement produces, with names, types and key flags as far as they can be
 * derived without a ksqlDB server (checked against ksqlDB's query-validation tests).
 */
import type { Expr, Query, Relation, Statement } from './ast';
import { ColumnAliasGenerator, outputNameFor, PSEUDO_COLUMNS } from './aliases';
import { formatExpression } from './format';
import { inferType, joinKeys, relationFor, relationsOf, scopeOf, type Scope, type SourceResolver } from './infer';
import { formatType } from './types';
import { queryOf } from './walk';

/** A column a statement produces; `type` is `unknown` when it cannot be derived statically. */
export interface OutputColumn {
  readonly name: string;
  readonly type: string;
  readonly key: boolean;
  readonly headers?: boolean;
}

/** The type text of columns whose type cannot be derived statically. */
export const UNKNOWN_TYPE = 'unknown';

/** Name ksqlDB gives the synthetic key of FULL OUTER joins and joins on two expressions. */
function syntheticKeyName(scope: Scope): string {
  const names = [...scope.columns.values()].flatMap((cols) => (cols ?? []).map((c) => c.name));
  return new ColumnAliasGenerator(names).uniqueName('ROWKEY');
}

/**
 * The columns a statement produces: the declared columns of CREATE STREAM/TABLE, else the query's
 * projection. `*` is expanded when `resolve` knows the source (else one `*` entry of unknown
 * type). Key columns: source keys passed through, GROUP BY / PARTITION BY expressions (in that
 * clause's order), or the join key (one projected expression equivalent to it, left side
 * preferred; the left primary key of foreign-key joins; ROWKEY for synthetic keys). Query
 * outputs list key columns first. Not known statically: window bounds of windowed sources and
 * schemas inferred from Schema Registry (give them through `resolve`).
 */
export function outputColumns(stmt: Statement, resolve: SourceResolver = () => undefined): OutputColumn[] {
  if (stmt.kind === 'createStream' || stmt.kind === 'createTable') {
    return stmt.columns.map((c) => ({
      name: c.name,
      type: c.type,
      key: c.key,
      ...(c.headers ? { headers: true } : {}),
    }));
  }
  const q = queryOf(stmt);
  if (!q) return [];
  const scope = scopeOf(q, resolve);
  const isJoin = q.joins.length > 0;
  const sourceColumnNames = [...scope.columns.values()].flatMap((cols) => (cols ?? []).map((c) => c.name));
  const clashes = (column: string): boolean =>
    isJoin && (PSEUDO_COLUMNS.has(column) || scope.relations.filter((r) => hasColumn(scope, r, column)).length > 1);
  const generator = new ColumnAliasGenerator(sourceColumnNames);
  const rule = keyRule(q, scope);
  const out: { name: string; type: string; rank: number | undefined }[] = [];
  const add = (name: string, type: string, expr: Expr | undefined): void => {
    out.push({ name, type, rank: expr ? rule.rank(expr) : undefined });
  };
  for (const item of q.select) {
    if (item.kind === 'all') {
      for (const c of expandStar(q, scope, item.source, item.loc, rule.synthetic ?? false)) add(c.name, c.type, c.ref);
    } else if (item.kind === 'structAll') {
      const t = inferType(item.base, scope);
      if (t?.kind === 'struct') for (const f of t.fields) add(f.name, formatType(f.type), undefined);
      else add(`${formatExpression(item.base)}->*`, UNKNOWN_TYPE, undefined);
    } else {
      const t = inferType(item.expression, scope);
      add(outputNameFor(item.expression, item.alias, generator, clashes), t ? formatType(t) : UNKNOWN_TYPE, item.expression);
    }
  }
  let keys = out.filter((c) => c.rank !== undefined).sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0));
  if (rule.pick === 'one') keys = keys.slice(0, 1);
  // Like ksqlDB's schemas: key columns first (in key order), then value columns.
  const column = (c: (typeof out)[number]): OutputColumn => ({ name: c.name, type: c.type, key: keys.includes(c) });
  return [...keys.map(column), ...out.filter((c) => !keys.includes(c)).map(column)];
}

function hasColumn(scope: Scope, r: Relation, column: string): boolean {
  return !!scope.columns.get(r.alias)?.some((c) => c.name === column);
}

interface StarColumn {
  readonly name: string;
  readonly type: string;
  /** The reference the column stands for, for key detection; absent for generated keys. */
  readonly ref?: Expr;
}

/** `*` or `alias.*`: keys then values of each source, prefixed `<ALIAS>_` in joins. */
function expandStar(q: Query, scope: Scope, source: string | undefined, loc: Expr['loc'], syntheticKey: boolean): StarColumn[] {
  const isJoin = q.joins.length > 0;
  const rels = source !== undefined ? scope.relations.filter((r) => r === relationFor(scope, source)) : scope.relations;
  const out: StarColumn[] = [];
  if (source === undefined && isJoin && syntheticKey) {
    const first = joinKeys(q.joins[0].on, [q.from], q.joins[0].source, scope);
    const t = first ? inferType(first.left.expression, scope) : undefined;
    const name = syntheticKeyName(scope);
    out.push({ name, type: t ? formatType(t) : UNKNOWN_TYPE, ref: columnRef(name, undefined, loc) });
  }
  for (const r of rels) {
    const cols = scope.columns.get(r.alias);
    if (!cols) {
      out.push({ name: source !== undefined ? `${source}.*` : '*', type: UNKNOWN_TYPE });
      continue;
    }
    if (!isJoin && q.partitionBy) {
      out.push(...repartitionedStar(q.partitionBy, scope, r, loc));
      continue;
    }
    for (const c of [...cols.filter((c) => c.key), ...cols.filter((c) => !c.key)]) {
      out.push({ name: isJoin ? `${r.alias}_${c.name}` : c.name, type: c.type, ref: columnRef(c.name, r.alias, loc) });
    }
  }
  return out;
}

/**
 * `SELECT * ... PARTITION BY e`: the partition expressions become the key (named like select items,
 * `KSQL_COL_n` for expressions), the old key columns move to the end of the values.
 */
function repartitionedStar(partitionBy: readonly Expr[], scope: Scope, r: Relation, loc: Expr['loc']): StarColumn[] {
  const cols = scope.columns.get(r.alias) ?? [];
  const generator = new ColumnAliasGenerator(cols.map((c) => c.name));
  const out: StarColumn[] = [];
  const moved = new Set<string>();
  for (const e of partitionBy) {
    if (e.kind === 'literal' && e.type === 'NULL') continue;
    if (e.kind === 'column') moved.add(e.name);
    const t = inferType(e, scope);
    out.push({
      name: outputNameFor(e, undefined, generator, () => false),
      type: t ? formatType(t) : UNKNOWN_TYPE,
      ref: e,
    });
  }
  const values = [...cols.filter((c) => !c.key), ...cols.filter((c) => c.key)].filter((c) => !moved.has(c.name));
  for (const c of values) out.push({ name: c.name, type: c.type, ref: columnRef(c.name, r.alias, loc) });
  return out;
}

function columnRef(name: string, source: string | undefined, loc: Expr['loc']): Expr {
  return { kind: 'column', loc, name, ...(source !== undefined ? { source } : {}) };
}

/**
 * Which projected expressions become key columns: with `pick: 'all'` every expression with a
 * rank is a key (ordered by rank); with `pick: 'one'` only the best-ranked, earliest one is.
 */
interface KeyRule {
  readonly pick: 'all' | 'one';
  /** True when a join has a synthetic key, which `SELECT *` includes. */
  readonly synthetic?: boolean;
  rank(e: Expr): number | undefined;
}

function keyRule(q: Query, scope: Scope): KeyRule {
  // Structural comparison without positions, with column qualifiers resolved to their relation.
  const norm = (e: Expr): string =>
    JSON.stringify(e, (key: string, value: unknown) => {
      if (key === 'loc') return undefined;
      const v = value as Expr | undefined;
      if (v && typeof v === 'object' && v.kind === 'column') {
        const rel = relationsOf(scope, v)[0];
        return { kind: 'column', name: v.name, source: rel?.alias ?? v.source };
      }
      return value;
    });
  const positionIn = (list: readonly string[]) => (e: Expr) => {
    const i = list.indexOf(norm(e));
    return i < 0 ? undefined : i;
  };
  const grouping = q.groupBy ?? q.partitionBy;
  if (grouping) {
    return {
      pick: 'all',
      rank: positionIn(grouping.filter((e) => !(e.kind === 'literal' && e.type === 'NULL')).map(norm)),
    };
  }
  if (q.joins.length > 0) return joinKeyRule(q, scope, norm);
  return {
    pick: 'all',
    rank: (e) => {
      if (e.kind !== 'column') return undefined;
      const rel = relationsOf(scope, e)[0];
      const keyCols = (rel && scope.columns.get(rel.alias)?.filter((c) => c.key)) || [];
      const i = keyCols.findIndex((c) => c.name === e.name);
      return i < 0 ? undefined : i;
    },
  };
}

type JoinKeySet = { readonly synthetic: true } | { readonly synthetic: false; readonly refs: string[]; readonly all: boolean };

/**
 * The key of a join query, decided by the last join as in ksqlDB: a synthetic key for FULL OUTER
 * joins and for joins of two expressions that re-key; the left primary key for a foreign-key
 * join (table-table, not on the whole left key); else the equivalence set of the join
 * expressions, extended by earlier joins when the join is on their key (left side first).
 */
function joinKeySet(q: Query, scope: Scope, norm: (e: Expr) => string): JoinKeySet {
  let set: JoinKeySet = { synthetic: true };
  q.joins.forEach((j, i) => {
    const keys = joinKeys(j.on, [q.from, ...q.joins.slice(0, i).map((x) => x.source)], j.source, scope);
    if (!keys || j.type === 'FULL') {
      set = { synthetic: true };
      return;
    }
    const left = norm(keys.left.expression);
    const right = norm(keys.right.expression);
    const previous = i > 0 && !set.synthetic ? set.refs : [];
    const onPreviousKey = previous.includes(left);
    if (!onPreviousKey && keys.left.expression.kind !== 'column' && keys.right.expression.kind !== 'column') {
      set = { synthetic: true };
    } else if (i === 0 && isForeignKeyJoin(q, scope, keys)) {
      const pk = (scope.columns.get(q.from.alias) ?? []).filter((c) => c.primaryKey);
      set = { synthetic: false, refs: pk.map((c) => norm(columnRef(c.name, q.from.alias, j.loc))), all: pk.length > 1 };
    } else {
      set = { synthetic: false, refs: onPreviousKey ? [...previous, right] : [left, right], all: false };
    }
  });
  return set;
}

/** A table-table join whose left expression is not the whole primary key of the left table. */
function isForeignKeyJoin(q: Query, scope: Scope, keys: NonNullable<ReturnType<typeof joinKeys>>): boolean {
  const isTable = (r: Relation): boolean => !!scope.columns.get(r.alias)?.some((c) => c.primaryKey);
  const leftPk = (scope.columns.get(q.from.alias) ?? []).filter((c) => c.primaryKey);
  const onLeftKey = leftPk.length === 1 && keys.left.alias === q.from.alias && keys.left.column === leftPk[0].name;
  return isTable(q.from) && isTable(q.joins[0].source) && !onLeftKey;
}

/** Key rule of a join query (see joinKeySet). */
function joinKeyRule(q: Query, scope: Scope, norm: (e: Expr) => string): KeyRule {
  const set = joinKeySet(q, scope, norm);
  if (set.synthetic) {
    const name = syntheticKeyName(scope);
    const rank = (e: Expr): number | undefined => (e.kind === 'column' && e.name === name && e.source === undefined ? 0 : undefined);
    return { pick: 'one', synthetic: true, rank };
  }
  return { pick: set.all ? 'all' : 'one', rank: (e) => ((i) => (i < 0 ? undefined : i))(set.refs.indexOf(norm(e))) };
}
