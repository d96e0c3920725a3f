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
import type { Expr } from './ast';
import { ColumnAliasGenerator } from './aliases';

/** A statement ksqlDB refuses because of its key; the message is ksqlDB's. */
export class KeyRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyRuleError';
  }
}

/** A key expression: its canonical text (for comparison) and its text in messages. */
export interface KeyExpression {
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
  | { readonly kind: 'syntheticJoin'; readonly name: string };

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
export function keysNotIncludedMessage(
  sink: string,
  type: string,
  required: readonly string[],
  requireAll = true,
  synthetic = false,
): string {
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
export function keyMoreThanOnceMessage(key: string, aliases: readonly string[]): string {
  return `The projection contains a key column (\`${key}\`) more than once, aliased as: ${joiner([...aliases].sort(), 'and')}.\n${AS_VALUE_HINT}`;
}

/** LogicalPlanner (aggregates): a grouping expression selected more than once. */
export function groupKeyMoreThanOnceMessage(aliases: readonly string[]): string {
  return `The projection contains a key column more than once: ${joiner(
    aliases.map((a) => `\`${a}\``),
    'and',
  )}.\n${AS_VALUE_HINT}`;
}

/**
 * Places the key columns of a persistent query's result in its projection, or throws
 * KeyRuleError with ksqlDB's message.
 */
export function placeKeys(key: ResultKey, items: readonly ProjectedKeyItem[], sink: string): KeyPlacement {
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

/** The canonical text callers give an unqualified reference to the synthetic join key. */
export function syntheticCanon(name: string): string {
  return `synthetic:${name}`;
}

/** The synthetic join key's name: ROWKEY, or ROWKEY_n when a source has such a column. */
export function syntheticKeyName(sourceColumnNames: readonly string[]): string {
  return new ColumnAliasGenerator(sourceColumnNames).uniqueName('ROWKEY');
}

/**
 * The column sides of a join's criteria that can be the result key, left side first (ksqlDB's
 * JoinNode.viableKeyColumns); empty when both sides are expressions (a synthetic key).
 */
export function viableJoinKeys(left: Expr, right: Expr): Expr[] {
  return [left, right].filter((e) => e.kind === 'column');
}
