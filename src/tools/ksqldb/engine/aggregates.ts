/**
 * Aggregate functions (UDAFs). Accumulators are plain JSON-able-ish values kept in state
 * stores; `add`/`undo` return a new accumulator (never mutate the stored one), `merge` joins
 * two session windows. Errors inside an aggregate are fatal (ksqlDB's stream thread dies:
 * "Exception caught in process").
 */
import { KsqlError } from './errors';
import { T, array, isNumeric, typeText, type ExprType, type SqlType } from './types';
import { Decimal, compareValues, keyOf, valuesEqual, wrapLong, type Struct } from './values';

export class FatalProcessingError extends Error {
  constructor(message: string) {
    super(`Exception caught in process. ${message}`);
    this.name = 'FatalProcessingError';
  }
}

export interface AggregateImpl {
  readonly type: SqlType;
  /** Whether the aggregate can undo (table aggregations). */
  readonly undoable: boolean;
  init(): unknown;
  add(acc: unknown, args: readonly unknown[]): unknown;
  undo(acc: unknown, args: readonly unknown[]): unknown;
  merge(a: unknown, b: unknown): unknown;
  result(acc: unknown): unknown;
}

interface AggregateDef {
  /** argTypes of the non-constant argument(s); `literals` the constant extra arguments. */
  resolve(argTypes: readonly ExprType[], literals: readonly unknown[], config: Readonly<Record<string, unknown>>): AggregateImpl;
}

export const AGGREGATES = new Map<string, AggregateDef>();

const badArgs = (name: string, types: readonly ExprType[]): never => {
  throw new KsqlError(
    `Function '${name}' does not accept parameters (${types.map((t) => (t === null ? 'null' : typeText(t))).join(', ')}).`,
  );
};

function numAdd(t: SqlType): (a: unknown, b: unknown) => unknown {
  switch (t.base) {
    case 'INTEGER':
      return (a, b) => ((a as number) + (b as number)) | 0;
    case 'BIGINT':
      return (a, b) => wrapLong((a as bigint) + (b as bigint));
    case 'DOUBLE':
      return (a, b) => (a as number) + (b as number);
    case 'DECIMAL': {
      const { precision, scale } = t;
      return (a, b) => {
        const r = new Decimal((a as Decimal).setScale(scale).unscaled + (b as Decimal).setScale(scale).unscaled, scale);
        if (r.precision() > precision)
          throw new FatalProcessingError(`Numeric field overflow: ${r.toString()} exceeds DECIMAL(${precision}, ${scale})`);
        return r;
      };
    }
    default:
      throw new KsqlError(`not numeric: ${typeText(t)}`);
  }
}
function numNeg(t: SqlType): (a: unknown) => unknown {
  switch (t.base) {
    case 'INTEGER':
      return (a) => -(a as number) | 0;
    case 'BIGINT':
      return (a) => wrapLong(-(a as bigint));
    case 'DECIMAL':
      return (a) => (a as Decimal).negate();
    default:
      return (a) => -(a as number);
  }
}
function zero(t: SqlType): unknown {
  switch (t.base) {
    case 'INTEGER':
    case 'DOUBLE':
      return 0;
    case 'BIGINT':
      return 0n;
    case 'DECIMAL':
      return new Decimal(0n, t.scale);
    default:
      return null;
  }
}

const simple = (impl: Omit<AggregateImpl, 'merge'> & Partial<Pick<AggregateImpl, 'merge'>>): AggregateImpl => ({
  merge: (a) => a,
  ...impl,
});

AGGREGATES.set('COUNT', {
  resolve: (types) => {
    const counting = types.length > 0 && types[0] !== undefined;
    return simple({
      type: T.BIGINT,
      undoable: true,
      init: () => 0n,
      add: (acc, args) => (counting && args[0] == null ? acc : (acc as bigint) + 1n),
      undo: (acc, args) => (counting && args[0] == null ? acc : (acc as bigint) - 1n),
      merge: (a, b) => (a as bigint) + (b as bigint),
      result: (acc) => acc,
    });
  },
});

AGGREGATES.set('SUM', {
  resolve: (types) => {
    const t = types[0];
    if (t === null || t === undefined || !isNumeric(t)) return badArgs('SUM', types);
    const add = numAdd(t);
    const neg = numNeg(t);
    return simple({
      type: t,
      undoable: true,
      init: () => zero(t),
      add: (acc, args) => (args[0] == null ? acc : add(acc, args[0])),
      undo: (acc, args) => (args[0] == null ? acc : add(acc, neg(args[0]))),
      merge: (a, b) => add(a, b),
      result: (acc) => acc,
    });
  },
});

AGGREGATES.set('SUM_LIST', {
  resolve: (types) => {
    const t = types[0];
    if (t === null || t === undefined || t.base !== 'ARRAY' || !isNumeric(t.item)) return badArgs('SUM_LIST', types);
    const it = t.item;
    const add = numAdd(it);
    const neg = numNeg(it);
    const sum = (list: unknown) => (list as unknown[]).filter((x) => x != null).reduce((a, x) => add(a, x), zero(it));
    return simple({
      type: it,
      undoable: true,
      init: () => zero(it),
      add: (acc, args) => (args[0] == null ? acc : add(acc, sum(args[0]))),
      undo: (acc, args) => (args[0] == null ? acc : add(acc, neg(sum(args[0])))),
      result: (acc) => acc,
    });
  },
});

AGGREGATES.set('AVG', {
  resolve: (types) => {
    const t = types[0];
    if (t === null || t === undefined || !isNumeric(t)) return badArgs('AVG', types);
    const toNum = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : v instanceof Decimal ? v.toNumber() : (v as number));
    return simple({
      type: T.DOUBLE,
      undoable: true,
      init: () => [0, 0],
      add: (acc, args) => (args[0] == null ? acc : [(acc as number[])[0] + toNum(args[0]), (acc as number[])[1] + 1]),
      undo: (acc, args) => (args[0] == null ? acc : [(acc as number[])[0] - toNum(args[0]), (acc as number[])[1] - 1]),
      merge: (a, b) => [(a as number[])[0] + (b as number[])[0], (a as number[])[1] + (b as number[])[1]],
      result: (acc) => ((acc as number[])[1] === 0 ? 0 : (acc as number[])[0] / (acc as number[])[1]),
    });
  },
});

for (const [name, sign] of [
  ['MIN', -1],
  ['MAX', 1],
] as const) {
  AGGREGATES.set(name, {
    resolve: (types) => {
      const t = types[0];
      if (t === null || t === undefined || !(isNumeric(t) || ['STRING', 'TIMESTAMP', 'DATE', 'TIME', 'BYTES', 'BOOLEAN'].includes(t.base)))
        return badArgs(name, types);
      const pick = (a: unknown, b: unknown): unknown => (a == null ? b : b == null ? a : compareValues(b, a) * sign > 0 ? b : a);
      return simple({
        type: t,
        undoable: false,
        init: () => null,
        add: (acc, args) => pick(acc, args[0]),
        undo: (acc) => acc,
        merge: pick,
        result: (acc) => acc,
      });
    },
  });
}

/** LATEST_BY_OFFSET / EARLIEST_BY_OFFSET: (value [, n] [, ignoreNulls]). */
for (const [name, latest] of [
  ['LATEST_BY_OFFSET', true],
  ['EARLIEST_BY_OFFSET', false],
] as const) {
  AGGREGATES.set(name, {
    resolve: (types, literals) => {
      const t = types[0];
      if (t === null || t === undefined) return badArgs(name, types);
      let n: number | undefined;
      let ignoreNulls = true;
      for (const l of literals) {
        if (typeof l === 'boolean') ignoreNulls = l;
        else if (typeof l === 'number') n = l;
        else if (typeof l === 'bigint') n = Number(l);
      }
      if (n !== undefined && n <= 0) throw new KsqlError(`${name} must have a positive n, but was ${n}`);
      // accumulator: list of [seq, value] (seq orders merged sessions)
      type Acc = { seq: number; list: [number, unknown][] };
      let counter = 0;
      const keep = n ?? 1;
      const addOne = (acc: Acc, v: unknown): Acc => {
        if (v == null && ignoreNulls) return acc;
        const entry: [number, unknown] = [++counter, v ?? null];
        if (latest) {
          const list = [...acc.list, entry];
          return { seq: counter, list: list.length > keep ? list.slice(list.length - keep) : list };
        }
        if (acc.list.length >= keep) return acc;
        return { seq: counter, list: [...acc.list, entry] };
      };
      return simple({
        type: n === undefined ? t : array(t),
        undoable: false,
        init: () => ({ seq: 0, list: [] }),
        add: (acc, args) => addOne(acc as Acc, args[0]),
        undo: (acc) => acc,
        merge: (a, b) => {
          const all = [...(a as Acc).list, ...(b as Acc).list].sort((x, y) => x[0] - y[0]);
          const list = latest ? all.slice(Math.max(0, all.length - keep)) : all.slice(0, keep);
          return { seq: Math.max((a as Acc).seq, (b as Acc).seq), list };
        },
        result: (acc) => {
          const list = (acc as Acc).list.map((e) => e[1]);
          if (n === undefined) return list.length === 0 ? null : list[list.length - 1];
          return list;
        },
      });
    },
  });
}

AGGREGATES.set('COLLECT_LIST', {
  resolve: (types, _l, config) => {
    const t = types[0];
    if (t === null || t === undefined) return badArgs('COLLECT_LIST', types);
    const limit = Number(config['ksql.functions.collect_list.limit'] ?? 1000);
    return simple({
      type: array(t),
      undoable: true,
      init: () => [],
      add: (acc, args) => ((acc as unknown[]).length >= limit ? acc : [...(acc as unknown[]), args[0] ?? null]),
      undo: (acc, args) => {
        const list = acc as unknown[];
        const i = list.findIndex((x) => (x == null ? args[0] == null : valuesEqual(x, args[0])));
        return i < 0 ? list : [...list.slice(0, i), ...list.slice(i + 1)];
      },
      merge: (a, b) => [...(a as unknown[]), ...(b as unknown[])].slice(0, limit),
      result: (acc) => acc,
    });
  },
});

AGGREGATES.set('COLLECT_SET', {
  resolve: (types, _l, config) => {
    const t = types[0];
    if (t === null || t === undefined) return badArgs('COLLECT_SET', types);
    const limit = Number(config['ksql.functions.collect_set.limit'] ?? 1000);
    const has = (list: unknown[], v: unknown): boolean => list.some((x) => (x == null ? v == null : valuesEqual(x, v)));
    return simple({
      type: array(t),
      undoable: true,
      init: () => [],
      add: (acc, args) => {
        const list = acc as unknown[];
        return list.length >= limit || has(list, args[0] ?? null) ? list : [...list, args[0] ?? null];
      },
      undo: (acc, args) => (acc as unknown[]).filter((x) => !(x == null ? args[0] == null : valuesEqual(x, args[0]))),
      merge: (a, b) => {
        const out = [...(a as unknown[])];
        for (const x of b as unknown[]) if (!has(out, x)) out.push(x);
        return out.slice(0, limit);
      },
      result: (acc) => acc,
    });
  },
});

AGGREGATES.set('COUNT_DISTINCT', {
  resolve: (types) => {
    if (types[0] === undefined) return badArgs('COUNT_DISTINCT', types);
    return simple({
      type: T.BIGINT,
      undoable: false,
      init: () => [],
      add: (acc, args) => {
        if (args[0] == null) return acc;
        const k = keyOf(args[0]);
        return (acc as string[]).includes(k) ? acc : [...(acc as string[]), k];
      },
      undo: (acc) => acc,
      merge: (a, b) => [...new Set([...(a as string[]), ...(b as string[])])],
      result: (acc) => BigInt((acc as string[]).length),
    });
  },
});

for (const [name, distinct] of [
  ['TOPK', false],
  ['TOPKDISTINCT', true],
] as const) {
  AGGREGATES.set(name, {
    resolve: (types, literals) => {
      const t = types[0];
      if (t === null || t === undefined) return badArgs(name, types);
      const k = Number(literals[0] ?? 1);
      if (types.length > 1) {
        // TOPK(sort, other...): structs of the sort column and the others, by the sort column
        const fields = [{ name: 'sort_col', type: t }, ...types.slice(1).map((x, i) => ({ name: `col${i}`, type: x ?? T.STRING }))];
        const topStructs = (list: Struct[]): Struct[] =>
          list
            .filter((x) => x.sort_col != null)
            .sort((a, b) => compareValues(b.sort_col, a.sort_col))
            .slice(0, k);
        return simple({
          type: array({ base: 'STRUCT', fields }),
          undoable: false,
          init: () => [],
          add: (acc, args) => {
            if (args[0] == null) return acc;
            const s: Struct = {};
            fields.forEach((f, i) => (s[f.name] = args[i] ?? null));
            return topStructs([...(acc as Struct[]), s]);
          },
          undo: (acc) => acc,
          merge: (a, b) => topStructs([...(a as Struct[]), ...(b as Struct[])]),
          result: (acc) => acc,
        });
      }
      const top = (list: unknown[]): unknown[] => {
        const sorted = list.filter((x) => x != null).sort((a, b) => compareValues(b, a));
        const out: unknown[] = [];
        for (const x of sorted) {
          if (distinct && out.some((y) => valuesEqual(x, y))) continue;
          out.push(x);
          if (out.length >= k) break;
        }
        return out;
      };
      return simple({
        type: array(t),
        undoable: false,
        init: () => [],
        add: (acc, args) => (args[0] == null ? acc : top([...(acc as unknown[]), args[0]])),
        undo: (acc) => acc,
        merge: (a, b) => top([...(a as unknown[]), ...(b as unknown[])]),
        result: (acc) => acc,
      });
    },
  });
}

// ATTR(x): the value when every row has the same one (NULL counts as a value), else NULL
AGGREGATES.set('ATTR', {
  resolve: (types) => {
    const t = types[0];
    if (t === null || t === undefined) return badArgs('ATTR', types);
    type Counts = [string, unknown, number][];
    const change = (acc: Counts, v: unknown, by: number): Counts => {
      const k = keyOf(v ?? null);
      const out: Counts = [];
      let found = false;
      for (const [key, value, n] of acc) {
        if (key !== k) out.push([key, value, n]);
        else {
          found = true;
          if (n + by > 0) out.push([key, value, n + by]);
        }
      }
      if (!found && by > 0) out.push([k, v ?? null, by]);
      return out;
    };
    return simple({
      type: t,
      undoable: true,
      init: () => [],
      add: (acc, args) => change(acc as Counts, args[0], 1),
      undo: (acc, args) => change(acc as Counts, args[0], -1),
      merge: (a, b) => (b as Counts).reduce((acc, [, v, n]) => change(acc, v, n), a as Counts),
      result: (acc) => ((acc as Counts).length === 1 ? (acc as Counts)[0][1] : null),
    });
  },
});

AGGREGATES.set('HISTOGRAM', {
  resolve: (types) => {
    const t = types[0];
    if (t === null || t === undefined || t.base !== 'STRING') return badArgs('HISTOGRAM', types);
    return simple({
      type: { base: 'MAP', key: T.STRING, value: T.BIGINT },
      undoable: true,
      init: () => [],
      add: (acc, args) => {
        if (args[0] == null) return acc;
        const m = new Map(acc as [string, bigint][]);
        m.set(args[0] as string, (m.get(args[0] as string) ?? 0n) + 1n);
        return [...m];
      },
      undo: (acc, args) => {
        if (args[0] == null) return acc;
        const m = new Map(acc as [string, bigint][]);
        const n = (m.get(args[0] as string) ?? 0n) - 1n;
        if (n <= 0n) m.delete(args[0] as string);
        else m.set(args[0] as string, n);
        return [...m];
      },
      result: (acc) => new Map(acc as [string, bigint][]),
    });
  },
});

/**
 * STDDEV_SAMP and STDDEV_SAMPLE as ksqlDB computes them (Youngs-Cramer: count, typed sum, M2;
 * INTEGER sums wrap like Java ints, BIGINT like longs). ksqlDB's STDDEV_SAMP gives M2 / (n - 1)
 * (the sample variance); STDDEV_SAMPLE its square root.
 */
for (const [name, root] of [
  ['STDDEV_SAMP', false],
  ['STDDEV_SAMPLE', true],
] as const) {
  AGGREGATES.set(name, {
    resolve: (types) => {
      const t = types[0];
      if (t === null || t === undefined || !['INTEGER', 'BIGINT', 'DOUBLE'].includes(t.base)) return badArgs(name, types);
      type Acc = [bigint, number | bigint, number];
      const long = t.base === 'BIGINT';
      const int = t.base === 'INTEGER';
      const addSum = (sum: number | bigint, x: unknown): number | bigint =>
        long ? wrapLong((sum as bigint) + (x as bigint)) : int ? ((sum as number) + (x as number)) | 0 : (sum as number) + (x as number);
      const subSum = (sum: number | bigint, x: unknown): number | bigint =>
        long ? wrapLong((sum as bigint) - (x as bigint)) : int ? ((sum as number) - (x as number)) | 0 : (sum as number) - (x as number);
      // newValue * (count + 1) - (sum + newValue)
      const delta = (count: bigint, sum: number | bigint, x: unknown): number => {
        if (long) return Number(wrapLong((x as bigint) * (count + 1n) - (addSum(sum, x) as bigint)));
        if (int) return Number(wrapLong(BigInt(x as number) * (count + 1n) - BigInt(addSum(sum, x) as number)));
        return (x as number) * Number(count + 1n) - ((sum as number) + (x as number));
      };
      return simple({
        type: T.DOUBLE,
        undoable: true,
        init: (): Acc => [0n, long ? 0n : 0, 0],
        add: (acc, args) => {
          const x = args[0];
          if (x == null) return acc;
          const [count, sum, m2] = acc as Acc;
          const n = count + 1n;
          const d = count > 0n ? delta(count, sum, x) : 0;
          const newM2 = count > 0n ? (d * d) / (Number(n) * Number(n - 1n)) : 0;
          return [n, addSum(sum, x), newM2 + m2];
        },
        undo: (acc, args) => {
          const x = args[0];
          if (x == null) return acc;
          const [count, sum, m2] = acc as Acc;
          const n = count - 1n;
          const d = n > 0n ? delta(count, sum, x) : 0;
          const removed = n > 0n ? (d * d) / (Number(n) * Number(n + 1n)) : 0;
          return [n, subSum(sum, x), m2 - removed];
        },
        result: (acc) => {
          const [count, , m2] = acc as Acc;
          if (count < 2n) return 0;
          const variance = m2 / Number(count - 1n);
          return root ? Math.sqrt(variance) : variance;
        },
      });
    },
  });
}
