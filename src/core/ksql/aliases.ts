/**
 * Output column naming of SELECT items, after ksqlDB's `AstSanitizer#visitSingleColumn` and
 * `ColumnNames#columnAliasGenerator`:
 * - an explicit alias wins;
 * - a column reference keeps its column name, except in a join when the name exists in more than
 *   one source (pseudo columns always do): then `<ALIAS>_<NAME>`;
 * - `a->b` is named after the field (`B`, then `B_1`, ... skipping names taken by source columns);
 * - anything else is `KSQL_COL_<n>`, n counting generated names only and skipping numbers that
 *   source columns named `KSQL_COL_<n>` already use.
 */
import type { Expr } from './ast';

const GENERATED_PREFIX = 'KSQL_COL';

/** Pseudo columns every source has (`SystemColumns#isPseudoColumn`). */
export const PSEUDO_COLUMNS: ReadonlySet<string> = new Set(['ROWTIME', 'ROWPARTITION', 'ROWOFFSET']);

interface Generator {
  readonly prefix: string;
  readonly used: Set<number>;
  next: number;
}

/** Splits `NAME_12` into `NAME` and 12 (`ColumnNames.NUMBERED_COLUMN_PATTERN`). */
function splitNumbered(name: string): { base: string; number: number } {
  const m = /^(.*?)(?:_(\d+))?$/s.exec(name);
  return { base: m?.[1] ?? '', number: m?.[2] === undefined ? 0 : Number(m[2]) };
}

/** Generates unique column aliases the way ksqlDB does for one query. */
export class ColumnAliasGenerator {
  private readonly generators = new Map<string, Generator>();

  /** `sourceColumns`: every column name of every source the query reads (may be empty). */
  constructor(sourceColumns: Iterable<string>) {
    for (const name of sourceColumns) {
      const { base, number } = splitNumbered(name);
      this.generator(base).used.add(number);
    }
    this.generator(GENERATED_PREFIX);
  }

  /** The next `KSQL_COL_n`. */
  nextKsqlColAlias(): string {
    return this.take(this.generator(GENERATED_PREFIX));
  }

  /** `prefix`, or `prefix_n` when source columns use it (e.g. the synthetic join key ROWKEY). */
  uniqueName(prefix: string): string {
    return this.take(this.generator(prefix));
  }

  /** A unique alias for an unaliased, non-column expression. */
  uniqueAliasFor(expr: Expr): string {
    if (expr.kind === 'dereference') return this.take(this.generator(splitNumbered(expr.field).base));
    return this.nextKsqlColAlias();
  }

  private generator(prefix: string): Generator {
    let g = this.generators.get(prefix);
    if (!g) {
      g = { prefix, used: new Set(), next: 0 };
      this.generators.set(prefix, g);
    }
    return g;
  }

  private take(g: Generator): string {
    let idx = g.next++;
    while (g.used.has(idx)) idx = g.next++;
    return idx === 0 && g.prefix !== GENERATED_PREFIX ? g.prefix : `${g.prefix}_${idx}`;
  }
}

/**
 * The output name of one SELECT expression. `clashes(name)` tells whether a column name exists in
 * more than one source of a join (return false for non-joins).
 */
export function outputNameFor(
  expr: Expr,
  alias: string | undefined,
  generator: ColumnAliasGenerator,
  clashes: (column: string) => boolean,
): string {
  if (alias !== undefined) return alias;
  if (expr.kind === 'column') {
    return expr.source !== undefined && clashes(expr.name) ? `${expr.source}_${expr.name}` : expr.name;
  }
  return generator.uniqueAliasFor(expr);
}
