/**
 * ksqlDB's rules for the key of a persistent query's result, in one place for the local engine
 * and for the construct library's synth-time checks:
 *
 * - what the key is (`ResultKey`): the source's key columns passed through, the GROUP BY or
 *   PARTITION BY expressions, the column sides of a join's ON clause (left first), or a synthetic
 *   join key (`ROWKEY`, `ROWKEY_1`, … when the criteria are expressions on both sides or the join
 *   is FULL OUTER);
 * - which projected items become key columns (`placeKeys`), with ksqlDB's refusals: a key column
 *   projected more than once, a key missing from the projection.
 *
 * Expressions are compared through a canonical text the caller computes (columns resolved to
 * their source), so `L.ID` and `ID` are the same key when `ID` resolves to `L`.
 */
import type { Expr, Query, Relation } from './ast';
import { ColumnAliasGenerator } from './aliases';
import { childExpressions } from './walk';

/** A statement ksqlDB refuses because of its key; the message is ksqlDB's. */
export class KeyRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyRuleError';
  }
}

/** A key expression: its canonical text (for comparison) and its text in messages. */
interface KeyExpression {
  readonly canon: string;
  readonly text: string;
}

/** The key of a query's result, before projection. */
export type ResultKey =
  /** No re-keying: the source's key columns (none for a keyless stream). */
  | { readonly kind: 'source'; readonly keys: readonly (KeyExpression & { readonly name: string })[] }
  /** GROUP BY: every grouping expression is a key column. */
  | { readonly kind: 'groupBy'; readonly exprs: readonly KeyExpression[] }
  /** PARTITION BY: every expression is a key column (none for PARTITION BY NULL). */
  | { readonly kind: 'partitionBy'; readonly exprs: readonly KeyExpression[] }
  /**
   * A join on columns: one of the viable expressions (the column sides of the criteria, left
   * first) is the key; `names` are the key column names ksqlDB gives each (`<ALIAS>_<COLUMN>`).
   */
  | { readonly kind: 'join'; readonly viable: readonly (KeyExpression & { readonly name: string })[] }
  /** A join whose key no source column holds: the projection must name the synthetic column. */
  | { readonly kind: 'syntheticJoin'; readonly name: string }
  /**
   * A foreign-key table-table join: the left table's primary key columns, each of which the
   * projection must include (`name` the column, `joinedName` as the joined schema names it).
   */
  | {
      readonly kind: 'foreignKey';
      readonly table: string;
      readonly keys: readonly (KeyExpression & { readonly name: string; readonly joinedName: string })[];
    };

/** What deriving a query's key needs to know of its sources; the engine and the analyzer each give one. */
export interface KeyScope {
  /** The relation a column reference reads (the qualified one, or the one having the column). */
  relationOf(ref: { readonly name: string; readonly source?: string }): Relation | undefined;
  /** Key columns of a relation in key order; undefined when its columns are unknown. */
  keyColumns(r: Relation): readonly string[] | undefined;
  /** Whether a relation is a table (its key is a PRIMARY KEY). */
  isTable(r: Relation): boolean;
  /** Every column name of every source (for the synthetic key's name). */
  columnNames(): readonly string[];
  /** Canonical text of an expression, columns resolved to their relation. */
  canon(e: Expr): string;
  /** Text of an expression in messages; `qualified`: columns qualified with their relation. */
  text(e: Expr, qualified: boolean): string;
}

/** The side of a join criterion that reads `left` sources vs the joined source. */
function criteriaSides(on: Expr, left: readonly Relation[], right: Relation, ks: KeyScope): { left: Expr; right: Expr } | undefined {
  if (on.kind !== 'comparison' || on.op !== '=') return undefined;
  const sideOf = (e: Expr): 'L' | 'R' | undefined => {
    const rels = new Set<Relation>();
    let unknown = false;
    const visit = (x: Expr): void => {
      if (x.kind === 'column') {
        const r = ks.relationOf(x);
        if (r) rels.add(r);
        else unknown = true;
      }
      for (const c of childExpressions(x)) visit(c);
    };
    visit(e);
    if (unknown || rels.size !== 1) return undefined;
    const r = [...rels][0];
    return r === right ? 'R' : left.includes(r) ? 'L' : undefined;
  };
  const a = sideOf(on.left);
  const b = sideOf(on.right);
  if (a === 'R' && b !== 'R') return { left: on.right, right: on.left };
  if (b === 'L' && a !== 'L') return { left: on.right, right: on.left };
  return { left: on.left, right: on.right };
}

const isNullLiteral = (e: Expr): boolean => e.kind === 'literal' && e.type === 'NULL';

/**
 * The key of a query's result, as ksqlDB derives it:
 * - GROUP BY: the grouping expressions; PARTITION BY: its expressions (none for NULL);
 * - joins (the last one decides): FULL OUTER joins and criteria with expressions on both sides
 *   get a synthetic key; a foreign-key table-table join keeps the left table's primary key;
 *   otherwise the column sides of the criteria, left first, extended by earlier joins' keys when
 *   the join is on them;
 * - otherwise the FROM source's key columns.
 */
export function resultKey(q: Query, ks: KeyScope): ResultKey {
  // ksqlDB names grouping expressions as written and partitioning expressions qualified
  if (q.groupBy) return { kind: 'groupBy', exprs: q.groupBy.map((e) => ({ canon: ks.canon(e), text: ks.text(e, false) })) };
  if (q.partitionBy) {
    return {
      kind: 'partitionBy',
      exprs: q.partitionBy.filter((e) => !isNullLiteral(e)).map((e) => ({ canon: ks.canon(e), text: ks.text(e, true) })),
    };
  }
  if (q.joins.length === 0) return sourceKey(q.from, ks);
  let key: ResultKey | undefined;
  q.joins.forEach((j, i) => {
    const left = [q.from, ...q.joins.slice(0, i).map((x) => x.source)];
    const sides = criteriaSides(j.on, left, j.source, ks);
    if (!sides || j.type === 'FULL') {
      key = { kind: 'syntheticJoin', name: syntheticKeyName(ks.columnNames()) };
      return;
    }
    const previous = key?.kind === 'join' ? key.viable : [];
    const onPreviousKey = previous.some((v) => v.canon === ks.canon(sides.left));
    const viable = [sides.left, sides.right].filter((e) => e.kind === 'column');
    if (!onPreviousKey && viable.length === 0) {
      key = { kind: 'syntheticJoin', name: syntheticKeyName(ks.columnNames()) };
      return;
    }
    if (i === 0 && isForeignKeyJoin(q.from, j.source, sides.left, ks)) {
      const r = q.from;
      key = {
        kind: 'foreignKey',
        table: r.alias,
        keys: (ks.keyColumns(r) ?? []).map((name) => {
          const ref: Expr = { kind: 'column', loc: { line: 1, column: 1, offset: 0, end: 0 }, name, source: r.alias };
          return { name, joinedName: `${r.alias}_${name}`, text: name, canon: ks.canon(ref) };
        }),
      };
      return;
    }
    const entry = (e: Expr): KeyExpression & { name: string } => {
      const r = e.kind === 'column' ? ks.relationOf(e) : undefined;
      return { canon: ks.canon(e), text: ks.text(e, true), name: `${r?.alias ?? ''}_${e.kind === 'column' ? e.name : ''}` };
    };
    key = {
      kind: 'join',
      viable: onPreviousKey ? [...previous, ...(sides.right.kind === 'column' ? [entry(sides.right)] : [])] : viable.map(entry),
    };
  });
  return key!;
}

function sourceKey(r: Relation, ks: KeyScope): ResultKey {
  return {
    kind: 'source',
    keys: (ks.keyColumns(r) ?? []).map((name) => {
      const ref: Expr = { kind: 'column', loc: { line: 1, column: 1, offset: 0, end: 0 }, name, source: r.alias };
      return { name, text: name, canon: ks.canon(ref) };
    }),
  };
}

/** A table-table join whose left side is not the whole primary key of the left table. */
function isForeignKeyJoin(left: Relation, right: Relation, leftExpr: Expr, ks: KeyScope): boolean {
  if (!ks.isTable(left) || !ks.isTable(right)) return false;
  const pk = ks.keyColumns(left) ?? [];
  const onLeftKey = pk.length === 1 && leftExpr.kind === 'column' && ks.relationOf(leftExpr) === left && leftExpr.name === pk[0];
  return !onLeftKey;
}

/** One projected item: its canonical expression and its output name. */
export interface ProjectedKeyItem {
  readonly canon: string;
  readonly name: string;
  /** True when the item is exactly an unqualified reference to a column named `name`. */
  readonly plainColumn?: boolean;
}

/** Where the key columns are in the projection: item index → key position (-1: a value column). */
export interface KeyPlacement {
  readonly positions: readonly number[];
  readonly keyCount: number;
}

const joiner = (items: readonly string[], word: 'and' | 'or'): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${word} ${items[items.length - 1]}`;

const AS_VALUE_HINT =
  'Each key column must only be in the projection once. If you intended to copy the key into the value, then consider using the AS_VALUE function to indicate which key reference should be copied.';

/** ksqlDB's PlanNode.throwKeysNotIncludedError. */
function keysNotIncludedMessage(sink: string, type: string, required: readonly string[], requireAll = true, synthetic = false): string {
  const postfix = requireAll && required.length > 1 ? 's' : '';
  const types = type + (required.length === 1 ? '' : 's');
  const additional1 = synthetic ? 'See https://cnfl.io/2LV7ouS.' : '';
  const additional2 = synthetic
    ? `\n${required[0]} was added as a synthetic key column because the join criteria did not match any source column. This expression must be included in the projection and may be aliased. `
    : '';
  return (
    `Key${postfix} missing from projection (ie, SELECT). ${additional1}\n` +
    `The query used to build \`${sink}\` must include the ${types} ${joiner(required, requireAll ? 'and' : 'or')} in its projection ` +
    `(eg, SELECT ${requireAll ? required.join(', ') : required[0]}...).${additional2}`
  );
}

/** FinalProjectNode: a key column selected under several aliases. */
function keyMoreThanOnceMessage(key: string, aliases: readonly string[]): string {
  return `The projection contains a key column (\`${key}\`) more than once, aliased as: ${joiner([...aliases].sort(), 'and')}.\n${AS_VALUE_HINT}`;
}

/** LogicalPlanner (aggregates): a grouping expression selected more than once. */
function groupKeyMoreThanOnceMessage(aliases: readonly string[]): string {
  return `The projection contains a key column more than once: ${joiner(
    aliases.map((a) => `\`${a}\``),
    'and',
  )}.\n${AS_VALUE_HINT}`;
}

/**
 * Places the key columns of a persistent query's result in its projection, or throws
 * KeyRuleError with ksqlDB's message.
 */
export function placeKeys(
  key: ResultKey,
  items: readonly ProjectedKeyItem[],
  sink: string,
  options: { lenient?: boolean } = {},
): KeyPlacement {
  if (options.lenient) {
    try {
      return placeKeys(key, items, sink);
    } catch (e) {
      if (!(e instanceof KeyRuleError)) throw e;
      return lenientPlacement(key, items);
    }
  }
  switch (key.kind) {
    case 'source': {
      const seen = new Map<string, string[]>();
      const positions = items.map((it) => {
        const k = key.keys.findIndex((x) => x.canon === it.canon);
        if (k >= 0) seen.set(key.keys[k].name, [...(seen.get(key.keys[k].name) ?? []), it.name]);
        return k;
      });
      for (const [name, aliases] of seen) if (aliases.length > 1) throw new KeyRuleError(keyMoreThanOnceMessage(name, aliases));
      if (key.keys.some((k) => !seen.has(k.name)))
        throw new KeyRuleError(
          keysNotIncludedMessage(
            sink,
            'key column',
            key.keys.map((k) => k.name),
          ),
        );
      return { positions, keyCount: key.keys.length };
    }
    case 'groupBy': {
      const found: string[][] = key.exprs.map(() => []);
      const positions = items.map((it) => {
        const k = key.exprs.findIndex((x) => x.canon === it.canon);
        if (k >= 0) found[k].push(it.name);
        return k;
      });
      for (const aliases of found) if (aliases.length > 1) throw new KeyRuleError(groupKeyMoreThanOnceMessage(aliases));
      const missing = key.exprs.filter((_, i) => found[i].length === 0).map((x) => x.text);
      if (missing.length > 0) throw new KeyRuleError(keysNotIncludedMessage(sink, 'grouping expression', missing));
      return { positions, keyCount: key.exprs.length };
    }
    case 'partitionBy': {
      const found: string[][] = key.exprs.map(() => []);
      const positions = items.map((it) => {
        const k = key.exprs.findIndex((x) => x.canon === it.canon);
        if (k >= 0) found[k].push(it.name);
        return k;
      });
      found.forEach((aliases) => {
        if (aliases.length > 1) throw new KeyRuleError(keyMoreThanOnceMessage(aliases[0], aliases));
      });
      if (found.some((f) => f.length === 0))
        throw new KeyRuleError(
          keysNotIncludedMessage(
            sink,
            'partitioning expression',
            key.exprs.map((x) => x.text),
          ),
        );
      return { positions, keyCount: key.exprs.length };
    }
    case 'join': {
      const chosen = key.viable.find((v) => items.some((it) => it.canon === v.canon));
      if (!chosen)
        throw new KeyRuleError(
          keysNotIncludedMessage(
            sink,
            'join expression',
            key.viable.map((v) => v.text),
            false,
          ),
        );
      const aliases: string[] = [];
      const positions = items.map((it) => {
        if (it.canon !== chosen.canon) return -1;
        aliases.push(it.name);
        return 0;
      });
      if (aliases.length > 1) throw new KeyRuleError(keyMoreThanOnceMessage(chosen.name, aliases));
      return { positions, keyCount: 1 };
    }
    case 'foreignKey': {
      const seen = new Map<string, string[]>();
      const positions = items.map((it) => {
        const k = key.keys.findIndex((x) => x.canon === it.canon);
        if (k >= 0) seen.set(key.keys[k].joinedName, [...(seen.get(key.keys[k].joinedName) ?? []), it.name]);
        return k;
      });
      for (const [name, aliases] of seen) if (aliases.length > 1) throw new KeyRuleError(keyMoreThanOnceMessage(name, aliases));
      const missing = key.keys.filter((k) => !seen.has(k.joinedName)).map((k) => `\`${k.name}\``);
      if (missing.length > 0) {
        const word = missing.length === 1 ? 'column' : 'columns';
        throw new KeyRuleError(
          `Primary key ${word} missing in projection. For foreign-key table-table joins, the projection must include all primary key columns from the left input table (\`${key.table}\`). Missing ${word}: ${missing.join(', ')}.`,
        );
      }
      return { positions, keyCount: key.keys.length };
    }
    case 'syntheticJoin': {
      const aliases: string[] = [];
      const positions = items.map((it) => {
        if (!(it.plainColumn && it.canon === syntheticCanon(key.name))) return -1;
        aliases.push(it.name);
        return 0;
      });
      if (aliases.length === 0) throw new KeyRuleError(keysNotIncludedMessage(sink, 'join expression', [key.name], true, true));
      if (aliases.length > 1) throw new KeyRuleError(keyMoreThanOnceMessage(key.name, aliases));
      return { positions, keyCount: 1 };
    }
  }
}

/** Best-effort placement for a projection ksqlDB would refuse (first match of each key). */
function lenientPlacement(key: ResultKey, items: readonly ProjectedKeyItem[]): KeyPlacement {
  const canons: string[] =
    key.kind === 'source' || key.kind === 'foreignKey'
      ? key.keys.map((k) => k.canon)
      : key.kind === 'groupBy' || key.kind === 'partitionBy'
        ? key.exprs.map((k) => k.canon)
        : key.kind === 'syntheticJoin'
          ? [syntheticCanon(key.name)]
          : [key.viable.find((v) => items.some((it) => it.canon === v.canon))?.canon ?? ''];
  const taken = new Set<number>();
  const positions = items.map((it) => {
    const k = canons.indexOf(it.canon);
    if (k < 0 || taken.has(k)) return -1;
    taken.add(k);
    return k;
  });
  return { positions, keyCount: canons.length };
}

/** The canonical text callers give an unqualified reference to the synthetic join key. */
export function syntheticCanon(name: string): string {
  return `synthetic:${name}`;
}

/** The synthetic join key's name: ROWKEY, or ROWKEY_n when a source has such a column. */
export function syntheticKeyName(sourceColumnNames: readonly string[]): string {
  return new ColumnAliasGenerator(sourceColumnNames).uniqueName('ROWKEY');
}
