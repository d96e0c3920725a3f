/**
 * The columns a statement produces, with names, types and key flags as far as they can be
 * derived without a ksqlDB server (checked against ksqlDB's query-validation tests).
 */
import type { Expr, Query, Relation, Statement } from './ast';
import { ColumnAliasGenerator, outputNameFor, PSEUDO_COLUMNS } from './aliases';
import { formatExpression } from './format';
import { inferType, joinKeys, relationFor, relationsOf, scopeOf, type Scope, type SourceResolver } from './infer';
import { KeyRuleError, placeKeys, resultKey, syntheticCanon, type KeyScope, type ProjectedKeyItem } from './keys';
import { formatType } from './types';
import { mapExpr, queryOf, walkExpr } from './walk';

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
  const items = projectedItems(q, scope);
  const key = resultKey(q, keyScopeOf(scope));
  const { positions } = placeKeys(key, items, '', { lenient: true });
  const out = items.map((it, i) => ({ ...it, position: positions[i] }));
  const keys = out.filter((c) => c.position >= 0).sort((a, b) => a.position - b.position);
  // Like ksqlDB's schemas: key columns first (in key order), then value columns.
  const column = (c: (typeof out)[number], key: boolean): OutputColumn => ({ name: c.name, type: c.type, key });
  return [...keys.map((c) => column(c, true)), ...out.filter((c) => c.position < 0).map((c) => column(c, false))];
}

/** One item of a query's projection after `*` expansion: name, type and canonical expression. */
interface ProjectedItem extends ProjectedKeyItem {
  readonly type: string;
  /** The expression, when the item has one (not for `struct->*` fields). */
  readonly expr?: Expr;
}

/** The projection of a query with `*` expanded and ksqlDB's output names. */
function projectedItems(q: Query, scope: Scope): ProjectedItem[] {
  const ks = keyScopeOf(scope);
  const isJoin = q.joins.length > 0;
  const sourceColumnNames = [...scope.columns.values()].flatMap((cols) => (cols ?? []).map((c) => c.name));
  const clashes = (column: string): boolean =>
    isJoin && (PSEUDO_COLUMNS.has(column) || scope.relations.filter((r) => hasColumn(scope, r, column)).length > 1);
  const generator = new ColumnAliasGenerator(sourceColumnNames);
  const synthetic = isJoin && resultKey(q, ks).kind === 'syntheticJoin';
  const out: ProjectedItem[] = [];
  let anonymous = 0;
  const add = (name: string, type: string, expr: Expr | undefined): void => {
    out.push({
      name,
      type,
      canon: expr ? ks.canon(expr) : `\u0000${anonymous++}`,
      ...(expr ? { expr } : {}),
      ...(expr?.kind === 'column' && expr.source === undefined ? { plainColumn: true } : {}),
    });
  };
  for (const item of q.select) {
    if (item.kind === 'all') {
      for (const c of expandStar(q, scope, item.source, item.loc, synthetic)) add(c.name, c.type, c.ref);
    } else if (item.kind === 'structAll') {
      const t = inferType(item.base, scope);
      if (t?.kind === 'struct') for (const f of t.fields) add(f.name, formatType(f.type), undefined);
      else add(`${formatExpression(item.base)}->*`, UNKNOWN_TYPE, undefined);
    } else {
      const t = inferType(item.expression, scope);
      add(outputNameFor(item.expression, item.alias, generator, clashes), t ? formatType(t) : UNKNOWN_TYPE, item.expression);
    }
  }
  return out;
}

/**
 * What ksqlDB refuses in a persistent query (CSAS, CTAS, INSERT INTO) because of its columns
 * and key, with ksqlDB's messages: a column that no source has (`SELECT column 'ROWKEY' cannot be
 * resolved.`), a system column name in the projection, a key column projected twice, a key
 * missing from the projection (source keys,
 * GROUP BY and PARTITION BY expressions, a join's key). Empty when the statement is not a
 * persistent query or the columns of a source it reads are unknown. The local engine applies
 * the same rules (src/core/ksql/keys.ts).
 */
export function queryProblems(stmt: Statement, resolve: SourceResolver = () => undefined): string[] {
  if (stmt.kind !== 'createStreamAs' && stmt.kind !== 'createTableAs' && stmt.kind !== 'insertInto') return [];
  const q = stmt.query;
  const scope = scopeOf(q, resolve);
  if (scope.relations.some((r) => scope.columns.get(r.alias) === undefined)) return [];
  const ks = keyScopeOf(scope);
  const key = resultKey(q, ks);
  const unresolved = unresolvedColumn(q, scope, key.kind === 'syntheticJoin' ? key.name : undefined);
  if (unresolved) return [unresolved];
  const items = projectedItems(q, scope);
  const reserved = items.find((it) => SYSTEM_COLUMNS.has(it.name));
  if (reserved) return [`Reserved column name in select: \`${reserved.name}\`. Please remove or alias the column.`];
  try {
    placeKeys(key, items, stmt.name);
  } catch (e) {
    if (e instanceof KeyRuleError) return [e.message];
    throw e;
  }
  return [];
}

const WINDOW_BOUNDS = new Set(['WINDOWSTART', 'WINDOWEND']);
/** Names a persistent query's columns may not take (ksqlDB's SystemColumns). */
const SYSTEM_COLUMNS = new Set([...PSEUDO_COLUMNS, ...WINDOW_BOUNDS]);

/** The first column reference no source has, in the order ksqlDB's engine meets them. */
function unresolvedColumn(q: Query, scope: Scope, syntheticKey: string | undefined): string | undefined {
  const clauses: [string, readonly Expr[]][] = [
    ['JOIN ON', q.joins.map((j) => j.on)],
    ['WHERE', q.where ? [q.where] : []],
    ['SELECT', q.select.flatMap((s) => (s.kind === 'expression' ? [s.expression] : s.kind === 'structAll' ? [s.base] : []))],
    ['GROUP BY', q.groupBy ?? []],
    ['PARTITION BY', q.partitionBy ?? []],
    ['HAVING', q.having ? [q.having] : []],
  ];
  for (const [clause, exprs] of clauses) {
    for (const e of exprs) {
      const lambdas = new Set<string>();
      walkExpr(e, (x) => {
        if (x.kind === 'lambda') x.params.forEach((p) => lambdas.add(p));
      });
      let bad: string | undefined;
      walkExpr(e, (x) => {
        if (bad !== undefined || x.kind !== 'column') return;
        if (x.source === undefined && lambdas.has(x.name)) return;
        if (PSEUDO_COLUMNS.has(x.name) || WINDOW_BOUNDS.has(x.name)) return;
        if (x.source === undefined && x.name === syntheticKey && clause !== 'JOIN ON') return;
        if (x.source !== undefined) {
          const r = relationFor(scope, x.source);
          if (r && scope.columns.get(r.alias)?.some((c) => c.name === x.name)) return;
          // `A.B` may also be the struct field B of a column A
          if (scope.relations.some((rel) => scope.columns.get(rel.alias)?.some((c) => c.name === x.source))) return;
          bad = `${x.source}.${x.name}`;
          return;
        }
        if (relationsOf(scope, x).length === 0) bad = x.name;
      });
      if (bad !== undefined) return `${clause} column '${bad}' cannot be resolved.`;
    }
  }
  return undefined;
}

/** The analyzer's view of a query's sources for the key rules (src/core/ksql/keys.ts). */
function keyScopeOf(scope: Scope): KeyScope {
  const relationOf = (ref: { name: string; source?: string }): Relation | undefined => relationsOf(scope, ref)[0];
  const qualify = (e: Expr): Expr =>
    mapExpr(e, (x) => {
      if (x.kind !== 'column') return x;
      const r = relationOf(x);
      return r ? { ...x, source: r.alias } : x;
    });
  return {
    relationOf,
    keyColumns: (r) =>
      scope.columns
        .get(r.alias)
        ?.filter((c) => c.key)
        .map((c) => c.name),
    isTable: (r) => !!scope.columns.get(r.alias)?.some((c) => c.primaryKey),
    columnNames: () => [...scope.columns.values()].flatMap((cols) => (cols ?? []).map((c) => c.name)),
    canon: (e) => {
      if (e.kind === 'column' && e.source === undefined && !relationOf(e)) return syntheticCanon(e.name);
      // structural comparison without positions, with column qualifiers resolved to their relation
      return JSON.stringify(e, (key: string, value: unknown) => {
        if (key === 'loc') return undefined;
        const v = value as Expr | undefined;
        if (v && typeof v === 'object' && v.kind === 'column') {
          const rel = relationOf(v);
          return { kind: 'column', name: v.name, source: rel?.alias ?? v.source };
        }
        return value;
      });
    },
    text: (e, qualified) => formatExpression(qualified ? qualify(e) : e),
  };
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
