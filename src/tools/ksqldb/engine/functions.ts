/**
 * Scalar functions (UDFs) with typed overloads and ksqlDB's resolution rules: an exact match
 * wins, else the overload needing the fewest implicit widenings (INT → BIGINT → DECIMAL →
 * DOUBLE); untyped NULL arguments match any parameter. Unless a function says otherwise, a NULL
 * argument gives NULL. A function that throws makes the expression NULL (ksqlDB logs it).
 */
import type { Expr } from '../../../core/ksql';
import { formatExpression } from '../../../core/ksql';
import { KsqlError, RecordError } from './errors';
import type { Compiled, Fn, Row, Scope } from './expr';
import { castFn } from './cast';
import { formatInstant, parseInstant, validZone, DAY } from './time';
import {
  T,
  array,
  canImplicitlyCast,
  decimal,
  isNumeric,
  map,
  sameType,
  typeText,
  widerNumeric,
  type ExprType,
  type SqlType,
} from './types';
import { Decimal, compareValues, divRound, javaDoubleToString, keyOf, valueToString, valuesEqual, wrapLong, type Struct } from './values';
import { AGGREGATES } from './aggregates';

/** Settings functions read (ksqlDB config). */
/** The inputs of the non-deterministic functions: wall clock and randomness. */
export interface Environment {
  /** Current time, milliseconds since the epoch (UNIX_TIMESTAMP(), UNIX_DATE()). */
  readonly now: () => number;
  /** A uniformly distributed double in [0, 1) (RANDOM(), and the bytes of UUID()). */
  readonly random: () => number;
}

/** A deterministic environment: the clock stands at `nowMs`, randomness is a seeded generator. */
export function deterministicEnvironment(nowMs = 0, seed = 42): Environment {
  let state = seed >>> 0;
  return {
    now: () => nowMs,
    // mulberry32: a small, well-distributed 32-bit generator
    random: () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

export interface FunctionContext {
  readonly config: Readonly<Record<string, unknown>>;
  /** Extra functions (tests, user code). */
  readonly extra?: ReadonlyMap<string, UdfDef>;
  /** Clock and randomness; deterministic when not given. */
  readonly env?: Environment;
}

const DEFAULT_ENV = deterministicEnvironment();

type CompileFn = (e: Expr, scope: Scope) => Compiled;

/** A parameter type: a concrete type, or a family. */
type Param = SqlType | 'ANY' | 'ARRAY' | 'MAP' | 'DECIMAL' | 'NUMBER' | 'STRUCT' | 'INTLIKE';

interface Overload {
  readonly params: readonly Param[];
  /** The last parameter repeats. */
  readonly variadic?: boolean;
  readonly returns: SqlType | ((args: readonly ExprType[]) => SqlType);
  readonly impl: (...args: unknown[]) => unknown;
  /** Called even when an argument is NULL. */
  readonly nullable?: boolean;
  /** An implementation that reads the engine's environment (clock, randomness); replaces `impl`. */
  readonly withEnv?: (env: Environment) => (...args: unknown[]) => unknown;
}

export interface UdfDef {
  readonly name: string;
  readonly overloads?: readonly Overload[];
  /** Full control over typing and compilation (lambdas, generic types). */
  readonly custom?: (e: Extract<Expr, { kind: 'call' }>, scope: Scope, compile: CompileFn) => Compiled;
}

const REGISTRY = new Map<string, UdfDef>();

function def(name: string, overloads: Overload[]): void {
  REGISTRY.set(name, { name, overloads });
}
function custom(name: string, f: NonNullable<UdfDef['custom']>): void {
  REGISTRY.set(name, { name, custom: f });
}
const o = (params: Param[], returns: Overload['returns'], impl: Overload['impl'], extra: Partial<Overload> = {}): Overload => ({
  params,
  returns,
  impl,
  ...extra,
});

export function functionExists(name: string, ctx: FunctionContext): boolean {
  return REGISTRY.has(name) || AGGREGATES.has(name) || (ctx.extra?.has(name) ?? false) || name === 'EXPLODE' || name === 'CUBE_EXPLODE';
}

// ------------------------------------------------------------------------------------------
// Resolution

function paramMatches(p: Param, t: ExprType): number {
  if (t === null) return 0;
  if (typeof p === 'string') {
    switch (p) {
      case 'ANY':
        return 0;
      case 'ARRAY':
        return t.base === 'ARRAY' ? 0 : -1;
      case 'MAP':
        return t.base === 'MAP' ? 0 : -1;
      case 'STRUCT':
        return t.base === 'STRUCT' ? 0 : -1;
      case 'DECIMAL':
        return t.base === 'DECIMAL' ? 0 : t.base === 'INTEGER' || t.base === 'BIGINT' ? 2 : -1;
      case 'NUMBER':
        return isNumeric(t) ? 0 : -1;
      case 'INTLIKE':
        return t.base === 'INTEGER' || t.base === 'BIGINT' ? 0 : -1;
    }
  }
  if (sameType(p, t)) return 0;
  if (p.base === 'DECIMAL' && t.base === 'DECIMAL') return 0;
  if (canImplicitlyCast(t, p)) {
    const order: Record<string, number> = { INTEGER: 1, BIGINT: 2, DECIMAL: 3, DOUBLE: 4 };
    return order[p.base] !== undefined && order[t.base] !== undefined ? order[p.base] - order[t.base] : 1;
  }
  return -1;
}

function paramType(p: Param, t: ExprType): SqlType | null {
  if (typeof p !== 'string') return p;
  if (p === 'DECIMAL' && t !== null && t.base !== 'DECIMAL') return t.base === 'INTEGER' ? decimal(10, 0) : decimal(19, 0);
  return t;
}

function argText(t: ExprType): string {
  return t === null ? 'null' : typeText(t);
}

/** Compiles a call to a scalar function (aggregates are replaced before this runs). */
export function resolveFunction(e: Extract<Expr, { kind: 'call' }>, scope: Scope, compile: CompileFn): Compiled {
  const name = e.name;
  const udf = scope.functions.extra?.get(name) ?? REGISTRY.get(name);
  if (!udf) {
    if (AGGREGATES.has(name)) throw new KsqlError(`Aggregate functions can not be used here: ${formatExpression(e)}`);
    if (name === 'EXPLODE' || name === 'CUBE_EXPLODE')
      throw new KsqlError(`Table functions can only be used in a SELECT clause: ${formatExpression(e)}`);
    throw new KsqlError(`Can't find any functions with the name '${name}'`);
  }
  if (udf.custom) return udf.custom(e, scope, compile);
  const args = e.args.map((a) => compile(a, scope));
  const types = args.map((a) => a.type);
  let best: Overload | undefined;
  let bestCost = Infinity;
  for (const ov of udf.overloads ?? []) {
    const n = ov.params.length;
    if (ov.variadic ? types.length < n - 1 : types.length !== n) continue;
    let cost = 0;
    for (let i = 0; i < types.length; i++) {
      const p = ov.params[Math.min(i, n - 1)];
      const c = paramMatches(p, types[i]);
      if (c < 0) {
        cost = -1;
        break;
      }
      cost += c;
    }
    if (cost >= 0 && cost < bestCost) {
      best = ov;
      bestCost = cost;
    }
  }
  if (!best) {
    throw new KsqlError(`Function '${name}' does not accept parameters (${types.map(argText).join(', ')}).`);
  }
  const ov = best;
  const n = ov.params.length;
  const fns: Fn[] = args.map((a, i) => {
    const pt = paramType(ov.params[Math.min(i, n - 1)], a.type);
    if (pt === null || a.type === null || sameType(pt, a.type) || (pt.base === 'DECIMAL' && a.type.base === 'DECIMAL')) return a.fn;
    const conv = castFn(a.type, pt);
    const f = a.fn;
    return (r: Row) => conv(f(r));
  });
  const returns = typeof ov.returns === 'function' ? ov.returns(types) : ov.returns;
  const rawImpl = ov.withEnv ? ov.withEnv(scope.functions.env ?? DEFAULT_ENV) : ov.impl;
  // a UDF that fails gives NULL (ksqlDB logs the error), so IFNULL/COALESCE around it still apply
  const impl = (...a: unknown[]): unknown => {
    try {
      return rawImpl(...a);
    } catch (e) {
      if (e instanceof RecordError) return null;
      throw e;
    }
  };
  const nullable = ov.nullable ?? false;
  const count = fns.length;
  if (count === 1) {
    const f0 = fns[0];
    return {
      type: returns,
      fn: nullable
        ? (r) => impl(f0(r)) ?? null
        : (r) => {
            const a = f0(r);
            return a == null ? null : (impl(a) ?? null);
          },
    };
  }
  if (count === 2 && !ov.variadic) {
    const [f0, f1] = fns;
    return {
      type: returns,
      fn: nullable
        ? (r) => impl(f0(r), f1(r)) ?? null
        : (r) => {
            const a = f0(r);
            if (a == null) return null;
            const b = f1(r);
            return b == null ? null : (impl(a, b) ?? null);
          },
    };
  }
  return {
    type: returns,
    fn: (r) => {
      const vals = new Array(count);
      for (let i = 0; i < count; i++) {
        const v = fns[i](r);
        if (v == null && !nullable) return null;
        vals[i] = v ?? null;
      }
      return ov.variadic ? impl(...packVariadic(vals, n)) : (impl(...vals) ?? null);
    },
  };
}

function packVariadic(vals: unknown[], n: number): unknown[] {
  return [...vals.slice(0, n - 1), vals.slice(n - 1)];
}

// ------------------------------------------------------------------------------------------
// Helpers

const str = (v: unknown): string => v as string;
const int = (v: unknown): number => v as number;
const first = (ts: readonly ExprType[]): SqlType => ts.find((t) => t !== null) ?? T.STRING;

function javaSubstring(s: string, pos: number, len?: number, legacy = false): string | null {
  if (legacy) {
    const start = pos;
    const end = len === undefined ? s.length : len;
    return s.substring(start, end);
  }
  const cps = Array.from(s);
  let start: number;
  if (pos > 0) start = pos - 1;
  else if (pos < 0) start = cps.length + pos;
  else start = 0;
  start = Math.max(0, Math.min(start, cps.length));
  const end = len === undefined ? cps.length : Math.max(start, Math.min(cps.length, start + Math.max(0, len)));
  return cps.slice(start, end).join('');
}

function javaRegex(pattern: string): RegExp {
  // Java inline flags (?i) are the common case
  let flags = 'u';
  let p = pattern;
  const m = /^\(\?([imsx]+)\)/.exec(p);
  if (m) {
    if (m[1].includes('i')) flags += 'i';
    if (m[1].includes('s')) flags += 's';
    if (m[1].includes('m')) flags += 'm';
    p = p.slice(m[0].length);
  }
  try {
    return new RegExp(p, flags);
  } catch {
    try {
      return new RegExp(p, flags.replace('u', ''));
    } catch (err) {
      // Java's PatternSyntaxException inside a UDF: the UDF gives NULL, the record goes on
      throw new RecordError(`Invalid regular expression '${pattern}': ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

const regexCache = new Map<string, RegExp>();
function regex(p: string, global = false): RegExp {
  const k = (global ? 'g' : '') + p;
  let r = regexCache.get(k);
  if (!r) {
    const base = javaRegex(p);
    r = global ? new RegExp(base.source, base.flags + 'g') : base;
    regexCache.set(k, r);
  }
  r.lastIndex = 0;
  return r;
}

function javaReplacement(rep: string): string {
  // Java uses $1 and \$; JS uses $1 and $$
  return rep.replace(/\\\$/g, '$$$$');
}

function initcap(s: string): string {
  return s
    .split(' ')
    .map((w) => (w.length === 0 ? w : w[0].toUpperCase() + w.slice(1).toLowerCase()))
    .join(' ');
}

function mask(s: string, upper = 'X', lower = 'x', digit = 'n', other: string | null = '-'): string {
  let out = '';
  for (const ch of s) {
    if (/[A-Z]/.test(ch)) out += upper ?? ch;
    else if (/[a-z]/.test(ch)) out += lower ?? ch;
    else if (/[0-9]/.test(ch)) out += digit ?? ch;
    else out += other ?? ch;
  }
  return out;
}

function maskArgs(args: unknown[]): [string, string, string, string | null] {
  const m = (v: unknown, d: string | null): string | null => (v === undefined ? d : (v as string | null));
  return [m(args[0], 'X') as string, m(args[1], 'x') as string, m(args[2], 'n') as string, m(args[3], '-')];
}

function pad(s: string, len: number, padding: string, left: boolean): string | null {
  if (len < 0 || (padding === '' && s.length < len)) return null;
  if (s.length >= len) return s.slice(0, len);
  let p = '';
  while (p.length < len - s.length) p += padding;
  p = p.slice(0, len - s.length);
  return left ? p + s : s + p;
}

function toJsonText(v: unknown, t: ExprType): string {
  if (v === null || v === undefined) return 'null';
  if (t === null) return JSON.stringify(v);
  switch (t.base) {
    case 'STRING':
      return JSON.stringify(v);
    case 'BIGINT':
    case 'INTEGER':
    case 'BOOLEAN':
      return String(v);
    case 'DOUBLE':
      return javaDoubleToString(v as number);
    case 'DECIMAL':
      return (v as Decimal).toString();
    case 'TIMESTAMP':
    case 'DATE':
    case 'TIME':
      return JSON.stringify(valueToString(v, t));
    case 'BYTES':
      return JSON.stringify(Buffer.from(v as Uint8Array).toString('base64'));
    case 'ARRAY':
      return '[' + (v as unknown[]).map((x) => toJsonText(x, t.item)).join(',') + ']';
    case 'MAP':
      return (
        '{' + [...(v as Map<unknown, unknown>)].map(([k, x]) => JSON.stringify(String(k)) + ':' + toJsonText(x, t.value)).join(',') + '}'
      );
    case 'STRUCT':
      return '{' + t.fields.map((f) => JSON.stringify(f.name) + ':' + toJsonText((v as Struct)[f.name], f.type)).join(',') + '}';
  }
}

/** A JSON path like `$.a.b[0]` applied to JSON text (EXTRACTJSONFIELD). */
function extractJsonField(text: string, path: string): string | null {
  let node: unknown;
  try {
    node = JSON.parse(text);
  } catch {
    return null;
  }
  const parts = path.replace(/^\$/, '').match(/\.([^.[\]]+)|\[(\d+)\]|\["([^"]+)"\]|\['([^']+)'\]/g) ?? [];
  for (const p of parts) {
    if (node === null || node === undefined) return null;
    if (p.startsWith('.')) node = (node as Record<string, unknown>)[p.slice(1)];
    else if (/^\[\d+\]$/.test(p)) node = Array.isArray(node) ? node[Number(p.slice(1, -1))] : undefined;
    else node = (node as Record<string, unknown>)[p.slice(2, -2)];
  }
  if (node === undefined || node === null) return null;
  return typeof node === 'string' ? node : JSON.stringify(node);
}

function round(v: unknown, t: SqlType, places = 0): unknown {
  if (t.base === 'DOUBLE') {
    const d = v as number;
    const f = 10 ** places;
    // Math.round semantics of BigDecimal HALF_UP on the double's decimal text
    const dec = Decimal.fromNumber(d).setScale(places, 'HALF_UP');
    void f;
    return places === 0 ? BigInt(dec.unscaled) : dec.toNumber();
  }
  if (t.base === 'DECIMAL') {
    const d = v as Decimal;
    const r = d.setScale(Math.max(0, places), 'HALF_UP');
    if (places < 0) {
      const p = 10n ** BigInt(-places);
      return new Decimal(divRound(d.setScale(0, 'HALF_UP').unscaled, p, 'HALF_UP') * p, 0).setScale(d.scale > 0 ? 0 : 0);
    }
    return r.setScale(t.scale > places ? t.scale : r.scale).setScale(Math.min(t.scale, Math.max(places, 0)), 'HALF_UP');
  }
  return v;
}

// ------------------------------------------------------------------------------------------
// String functions

const S = T.STRING;
const I = T.INTEGER;
const L = T.BIGINT;
const D = T.DOUBLE;
const B = T.BOOLEAN;

def('LCASE', [o([S], S, (s) => str(s).toLowerCase())]);
def('UCASE', [o([S], S, (s) => str(s).toUpperCase())]);
def('TRIM', [o([S], S, (s) => str(s).trim())]);
def('LTRIM', [o([S], S, (s) => str(s).replace(/^\s+/, ''))]);
def('RTRIM', [o([S], S, (s) => str(s).replace(/\s+$/, ''))]);
def('LEN', [o([S], I, (s) => Array.from(str(s)).length), o([T.BYTES], I, (b) => (b as Uint8Array).length)]);
def('REVERSE', [o([S], S, (s) => Array.from(str(s)).reverse().join(''))]);
def('INITCAP', [o([S], S, (s) => initcap(str(s)))]);
def('CONCAT', [
  o([S], S, (...xs) => (xs[0] as unknown[]).filter((x) => x != null).join(''), { variadic: true, nullable: true }),
  o([T.BYTES], T.BYTES, (...xs) => Buffer.concat((xs[0] as Uint8Array[]).filter((x) => x != null)), { variadic: true, nullable: true }),
]);
def('CONCAT_WS', [
  o([S, S], S, (sep, xs) => (sep == null ? null : (xs as unknown[]).filter((x) => x != null).join(str(sep))), {
    variadic: true,
    nullable: true,
  }),
  o(
    [T.BYTES, T.BYTES],
    T.BYTES,
    (sep, xs) => {
      if (sep == null) return null;
      const parts = (xs as (Uint8Array | null)[]).filter((x): x is Uint8Array => x != null);
      const out: Buffer[] = [];
      parts.forEach((p, i) => {
        if (i > 0) out.push(Buffer.from(sep as Uint8Array));
        out.push(Buffer.from(p));
      });
      return Buffer.concat(out);
    },
    { variadic: true, nullable: true },
  ),
]);
def('REPLACE', [o([S, S, S], S, (s, a, b) => str(s).split(str(a)).join(str(b)))]);
def('INSTR', [
  o([S, S], I, (s, sub) => str(s).indexOf(str(sub)) + 1),
  o([S, S, I], I, (s, sub, pos) => instr(str(s), str(sub), int(pos), 1)),
  o([S, S, I, I], I, (s, sub, pos, occ) => instr(str(s), str(sub), int(pos), int(occ))),
]);
function instr(s: string, sub: string, pos: number, occ: number): number {
  if (pos === 0 || occ <= 0) return 0;
  if (pos > 0) {
    let from = pos - 1;
    for (let k = 0; k < occ; k++) {
      const i = s.indexOf(sub, from);
      if (i < 0) return 0;
      if (k === occ - 1) return i + 1;
      from = i + 1;
    }
    return 0;
  }
  let from = s.length + pos;
  for (let k = 0; k < occ; k++) {
    if (from < 0) return 0;
    const i = s.lastIndexOf(sub, from);
    if (i < 0) return 0;
    if (k === occ - 1) return i + 1;
    from = i - 1;
  }
  return 0;
}
custom('SUBSTRING', (e, scope, compile) => {
  const args = e.args.map((a) => compile(a, scope));
  const legacy = String(scope.functions.config['ksql.functions.substring.legacy.args'] ?? 'false') === 'true';
  const types = args.map((a) => a.type);
  const okPos = (t: ExprType): boolean => t === null || t.base === 'INTEGER' || t.base === 'BIGINT';
  const isBytes = types[0]?.base === 'BYTES';
  if (
    args.length < 2 ||
    args.length > 3 ||
    !(types[0] === null || types[0].base === 'STRING' || isBytes) ||
    !okPos(types[1]) ||
    (args.length === 3 && !okPos(types[2]))
  ) {
    throw new KsqlError(`Function 'SUBSTRING' does not accept parameters (${types.map(argText).join(', ')}).`);
  }
  const [fs, fp, fl] = args.map((a) => a.fn);
  return {
    type: isBytes ? T.BYTES : S,
    fn: (r) => {
      const s = fs(r);
      const p = fp(r);
      const l = fl ? fl(r) : undefined;
      if (s == null || p == null || l === null) return null;
      if (isBytes) {
        const b = Buffer.from(s as Uint8Array);
        const text = b.toString('latin1');
        const out = javaSubstring(text, Number(p), l === undefined ? undefined : Number(l));
        return out === null ? null : Buffer.from(out, 'latin1');
      }
      return javaSubstring(s as string, Number(p), l === undefined ? undefined : Number(l), legacy);
    },
  };
});
def('LPAD', [o([S, I, S], S, (s, n, p) => pad(str(s), int(n), str(p), true))]);
def('RPAD', [o([S, I, S], S, (s, n, p) => pad(str(s), int(n), str(p), false))]);
def('SPLIT', [
  // an empty delimiter splits into characters (Java's Pattern("").split: "" gives [""])
  o([S, S], array(S), (s, d) => (str(d) === '' ? (str(s) === '' ? [''] : Array.from(str(s))) : str(s).split(str(d)))),
  o([T.BYTES, T.BYTES], array(T.BYTES), (s, d) => splitBytes(Buffer.from(s as Uint8Array), Buffer.from(d as Uint8Array))),
]);
function splitBytes(b: Buffer, d: Buffer): Buffer[] {
  if (d.length === 0) return b.length === 0 ? [Buffer.alloc(0)] : [...b].map((x) => Buffer.from([x]));
  const out: Buffer[] = [];
  let from = 0;
  for (let i = b.indexOf(d, from); i >= 0; i = b.indexOf(d, from)) {
    out.push(b.subarray(from, i));
    from = i + d.length;
  }
  out.push(b.subarray(from));
  return out;
}
def('SPLIT_TO_MAP', [
  o([S, S, S], map(S, S), (s, ed, kd) => {
    const m = new Map<string, string>();
    for (const entry of str(s).split(str(ed))) {
      const i = entry.indexOf(str(kd));
      if (i >= 0) m.set(entry.slice(0, i), entry.slice(i + str(kd).length));
    }
    return m;
  }),
]);
// REGEXP_EXTRACT(pattern, input[, group]): the pattern comes first
def('REGEXP_EXTRACT', [
  o([S, S], S, (p, s) => regex(str(p)).exec(str(s))?.[0] ?? null),
  o([S, S, I], S, (p, s, g) => regex(str(p)).exec(str(s))?.[int(g)] ?? null),
]);
def('REGEXP_EXTRACT_ALL', [
  o([S, S], array(S), (p, s) => [...str(s).matchAll(regex(str(p), true))].map((m) => m[0])),
  o([S, S, I], array(S), (p, s, g) => [...str(s).matchAll(regex(str(p), true))].map((m) => m[int(g)] ?? null)),
]);
def('REGEXP_REPLACE', [o([S, S, S], S, (s, p, rep) => str(s).replace(regex(str(p), true), javaReplacement(str(rep))))]);
def('REGEXP_SPLIT_TO_ARRAY', [
  o([S, S], array(S), (s, p) => {
    const text = str(s);
    const re = regex(str(p), true);
    if (str(p) === '' || new RegExp(`^(?:${re.source})$`, re.flags.replace('g', '')).test('')) {
      // a pattern matching the empty string: Java's Pattern.split (trailing empty strings dropped)
      const parts = text.split(new RegExp(re.source.replace(/\((?!\?)/g, '(?:'), re.flags));
      while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
      return parts;
    }
    // Guava's Splitter.on(pattern): every piece between matches, groups are not part of the result
    const out: string[] = [];
    let from = 0;
    for (const m of text.matchAll(re)) {
      out.push(text.slice(from, m.index));
      from = m.index + m[0].length;
    }
    out.push(text.slice(from));
    return out;
  }),
]);
def('MASK', [o([S], S, (s) => mask(str(s))), o([S, S, S, S, S], S, (s, ...r) => mask(str(s), ...maskArgs(r)), { nullable: true })]);
for (const [name, left, keep] of [
  ['MASK_LEFT', true, false],
  ['MASK_RIGHT', false, false],
  ['MASK_KEEP_LEFT', true, true],
  ['MASK_KEEP_RIGHT', false, true],
] as const) {
  const apply = (s: string, n: number, m: (x: string) => string): string => {
    if (n < 0) throw new RecordError(`function ${name} requires a non-negative number of characters to mask or keep`);
    const k = Math.min(n, s.length);
    if (left && !keep) return m(s.slice(0, k)) + s.slice(k);
    if (!left && !keep) return s.slice(0, s.length - k) + m(s.slice(s.length - k));
    if (left && keep) return s.slice(0, k) + m(s.slice(k));
    return m(s.slice(0, s.length - k)) + s.slice(s.length - k);
  };
  def(name, [
    o([S, I], S, (s, n) => apply(str(s), int(n), (x) => mask(x))),
    o([S, I, S, S, S, S], S, (s, n, ...r) => (s == null || n == null ? null : apply(str(s), int(n), (x) => mask(x, ...maskArgs(r)))), {
      nullable: true,
    }),
  ]);
}
def('CHR', [
  o([I], S, (n) => (int(n) < 0 || int(n) > 0x10ffff ? null : String.fromCodePoint(int(n)))),
  // `\uXXXX` escapes (a surrogate pair for characters beyond the BMP)
  o([S], S, (s) => {
    const m = /^(?:\\u[0-9a-fA-F]{4})+$/.exec(str(s));
    if (!m) return null;
    const units = str(s)
      .split('\\u')
      .slice(1)
      .map((h) => parseInt(h, 16));
    return units.length > 2 ? null : String.fromCharCode(...units);
  }),
]);
def('ENCODE', [
  o([S, S, S], S, (s, from, to) => {
    const enc = (x: string): BufferEncoding | undefined =>
      ({ hex: 'hex', utf8: 'utf8', ascii: 'ascii', base64: 'base64' })[x.toLowerCase()] as BufferEncoding | undefined;
    const f = enc(str(from));
    const t = enc(str(to));
    if (!f || !t) throw new RecordError(`Supported input and output encodings are: hex, utf8, ascii and base64`);
    return Buffer.from(str(s), f).toString(t);
  }),
]);
const BYTE_ENCODINGS: Readonly<Record<string, BufferEncoding>> = { hex: 'hex', utf8: 'utf8', ascii: 'ascii', base64: 'base64' };
def('TO_BYTES', [
  o([S, S], T.BYTES, (s, enc) => {
    const e = BYTE_ENCODINGS[str(enc).toLowerCase()];
    if (!e) throw new RecordError(`Supported encoding types are: hex, utf8, ascii and base64`);
    if (e === 'hex' && !/^([0-9a-fA-F]{2})*$/.test(str(s))) throw new RecordError('Invalid hex string');
    return Buffer.from(str(s), e);
  }),
]);
def('FROM_BYTES', [
  o([T.BYTES, S], S, (b, enc) => {
    const e = BYTE_ENCODINGS[str(enc).toLowerCase()];
    if (!e) throw new RecordError(`Supported encoding types are: hex, utf8, ascii and base64`);
    return Buffer.from(b as Uint8Array).toString(e);
  }),
]);
def('UUID', [
  o([], S, () => null, {
    // a version 4 UUID from the environment's randomness
    withEnv: (env) => () => {
      const b: number[] = [];
      for (let i = 0; i < 16; i++) b.push(Math.floor(env.random() * 256) & 0xff);
      b[6] = (b[6] & 0x0f) | 0x40;
      b[8] = (b[8] & 0x3f) | 0x80;
      const h = b.map((x) => x.toString(16).padStart(2, '0')).join('');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
  }),
]);
// URL functions (java.net.URI, URLEncoder/URLDecoder in UTF-8)
interface UriParts {
  scheme: string | null;
  authority: string | null;
  path: string;
  query: string | null;
  fragment: string | null;
}
function parseUri(text: string): UriParts {
  const m = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(text);
  if (!m || /\s/.test(text)) throw new RecordError(`Illegal character in URI: ${text}`);
  return { scheme: m[1] ?? null, authority: m[2] ?? null, path: m[3], query: m[4] ?? null, fragment: m[5] ?? null };
}
const uriDecode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};
function hostPort(authority: string | null): { host: string | null; port: number | null } {
  if (authority === null) return { host: null, port: null };
  const hp = authority.slice(authority.lastIndexOf('@') + 1);
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hp);
  if (!m) return { host: null, port: null };
  return { host: m[1] === '' ? null : m[1], port: m[2] ? Number(m[2]) : null };
}
def('URL_EXTRACT_PROTOCOL', [o([S], S, (u) => parseUri(str(u)).scheme)]);
def('URL_EXTRACT_HOST', [o([S], S, (u) => hostPort(parseUri(str(u)).authority).host)]);
def('URL_EXTRACT_PORT', [o([S], I, (u) => hostPort(parseUri(str(u)).authority).port)]);
def('URL_EXTRACT_PATH', [o([S], S, (u) => uriDecode(parseUri(str(u)).path))]);
def('URL_EXTRACT_QUERY', [o([S], S, (u) => ((q) => (q === null ? null : uriDecode(q)))(parseUri(str(u)).query))]);
def('URL_EXTRACT_FRAGMENT', [o([S], S, (u) => ((f) => (f === null ? null : uriDecode(f)))(parseUri(str(u)).fragment))]);
def('URL_EXTRACT_PARAMETER', [
  o([S, S], S, (u, name) => {
    const q = parseUri(str(u)).query;
    if (q === null) return null;
    for (const part of q.split('&')) {
      const i = part.indexOf('=');
      const k = i < 0 ? part : part.slice(0, i);
      if (k === str(name)) return i < 0 ? null : part.slice(i + 1);
    }
    return null;
  }),
]);
def('URL_ENCODE_PARAM', [
  o([S], S, (s) =>
    Array.from(Buffer.from(str(s), 'utf8'))
      .map((b) => {
        const c = String.fromCharCode(b);
        if (/[A-Za-z0-9.*_-]/.test(c)) return c;
        if (c === ' ') return '+';
        return '%' + b.toString(16).toUpperCase().padStart(2, '0');
      })
      .join(''),
  ),
]);
def('URL_DECODE_PARAM', [
  o([S], S, (s) => {
    try {
      return decodeURIComponent(str(s).replace(/\+/g, ' '));
    } catch {
      throw new RecordError(`URLDecoder: Illegal hex characters in escape (%) pattern: ${str(s)}`);
    }
  }),
]);
def('EXTRACTJSONFIELD', [o([S, S], S, (s, p) => extractJsonField(str(s), str(p)))]);
def('IS_JSON_STRING', [
  o(
    [S],
    B,
    (s) => {
      if (s == null) return false;
      try {
        JSON.parse(str(s));
        return true;
      } catch {
        return false;
      }
    },
    { nullable: true },
  ),
]);
def('JSON_ARRAY_LENGTH', [
  o([S], I, (s) => {
    try {
      const v = JSON.parse(str(s));
      return Array.isArray(v) ? v.length : null;
    } catch {
      return null;
    }
  }),
]);
def('JSON_KEYS', [
  o([S], array(S), (s) => {
    try {
      const v = JSON.parse(str(s));
      return v && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : null;
    } catch {
      return null;
    }
  }),
]);
custom('TO_JSON_STRING', (e, scope, compile) => {
  if (e.args.length !== 1)
    throw new KsqlError(
      `Function 'TO_JSON_STRING' does not accept parameters (${e.args.map((a) => argText(compile(a, scope).type)).join(', ')}).`,
    );
  const a = compile(e.args[0], scope);
  const t = a.type;
  const f = a.fn;
  return { type: S, fn: (r) => toJsonText(f(r), t) };
});

// ------------------------------------------------------------------------------------------
// Null handling

custom('COALESCE', (e, scope, compile) => {
  const args = e.args.map((a) => compile(a, scope));
  if (args.length === 0) throw new KsqlError("Function 'COALESCE' does not accept parameters ().");
  const t = args.find((a) => a.type !== null)?.type ?? null;
  if (t === null) return { type: null, fn: () => null };
  for (const a of args) {
    if (a.type !== null && !sameType(a.type, t) && !(isNumeric(a.type) && isNumeric(t) && canImplicitlyCast(a.type, t))) {
      throw new KsqlError(`Function 'COALESCE' does not accept parameters (${args.map((x) => argText(x.type)).join(', ')}).`);
    }
  }
  const fns = args.map((a) =>
    a.type === null || sameType(a.type, t)
      ? a.fn
      : (
          (c) => (r: Row) =>
            c(a.fn(r))
        )(castFn(a.type, t)),
  );
  return {
    type: t,
    fn: (r) => {
      for (const f of fns) {
        const v = f(r);
        if (v != null) return v;
      }
      return null;
    },
  };
});
custom('IFNULL', (e, scope, compile) => {
  const args = e.args.map((a) => compile(a, scope));
  const types = args.map((a) => a.type);
  if (args.length !== 2) throw new KsqlError(`Function 'IFNULL' does not accept parameters (${types.map(argText).join(', ')}).`);
  const t = types[0] ?? types[1];
  if (
    types[0] !== null &&
    types[1] !== null &&
    !sameType(types[0], types[1]) &&
    !(isNumeric(types[0]) && isNumeric(types[1]) && canImplicitlyCast(types[1], types[0]))
  ) {
    throw new KsqlError(`Function 'IFNULL' does not accept parameters (${types.map(argText).join(', ')}).`);
  }
  const [fa, fb0] = args.map((a) => a.fn);
  const fb =
    t !== null && types[1] !== null && !sameType(t, types[1])
      ? (
          (c) => (r: Row) =>
            c(fb0(r))
        )(castFn(types[1], t))
      : fb0;
  return { type: t, fn: (r) => fa(r) ?? fb(r) ?? null };
});
custom('NULLIF', (e, scope, compile) => {
  const args = e.args.map((a) => compile(a, scope));
  if (args.length !== 2)
    throw new KsqlError(`Function 'NULLIF' does not accept parameters (${args.map((a) => argText(a.type)).join(', ')}).`);
  const [fa, fb] = args.map((a) => a.fn);
  return {
    type: args[0].type,
    fn: (r) => {
      const a = fa(r);
      if (a == null) return null;
      const b = fb(r);
      return b != null && valuesEqual(a, b) ? null : a;
    },
  };
});
custom('AS_VALUE', (e, scope, compile) => {
  if (e.args.length !== 1) throw new KsqlError(`Function 'AS_VALUE' does not accept parameters.`);
  return compile(e.args[0], scope);
});

// ------------------------------------------------------------------------------------------
// Math

def('ABS', [
  o([I], I, (x) => Math.abs(int(x)) | 0),
  o([L], L, (x) => wrapLong((x as bigint) < 0n ? -(x as bigint) : (x as bigint))),
  o([D], D, (x) => Math.abs(x as number)),
  o(['DECIMAL'], first, (x) => ((x as Decimal).unscaled < 0n ? (x as Decimal).negate() : x)),
]);
for (const [name, mode] of [
  ['CEIL', 'CEILING'],
  ['FLOOR', 'FLOOR'],
] as const) {
  def(name, [
    o([I], I, (x) => x),
    o([L], L, (x) => x),
    o([D], D, (x) => (mode === 'CEILING' ? Math.ceil(x as number) : Math.floor(x as number))),
    o(
      ['DECIMAL'],
      (ts) => {
        const t = first(ts) as { precision: number; scale: number };
        return decimal(Math.max(1, t.precision - t.scale + (t.scale > 0 ? 1 : 0)), 0);
      },
      (x) => (x as Decimal).setScale(0, mode),
    ),
  ]);
}
def('ROUND', [
  o([I], I, (x) => x),
  o([L], L, (x) => x),
  o([D], L, (x) => {
    const d = x as number;
    return BigInt(Math.floor(d + 0.5));
  }),
  o([D, I], D, (x, n) =>
    Decimal.fromNumber(x as number)
      .setScale(int(n), 'HALF_UP')
      .toNumber(),
  ),
  o(
    ['DECIMAL'],
    (ts) => {
      const t = first(ts) as { precision: number; scale: number };
      return decimal(Math.max(1, t.precision - t.scale + 1), 0);
    },
    (x) => (x as Decimal).setScale(0, 'HALF_UP'),
  ),
  o(
    ['DECIMAL', I],
    (ts) => first(ts),
    (x, n) => {
      const d = x as Decimal;
      return d.setScale(Math.min(int(n), d.scale), 'HALF_UP').setScale(d.scale);
    },
  ),
]);
void round;
def('SQRT', [o([D], D, (x) => Math.sqrt(x as number))]);
def('EXP', [o([D], D, (x) => Math.exp(x as number))]);
def('LN', [o([D], D, (x) => Math.log(x as number))]);
// LOG(x) is the natural logarithm; LOG(base, x) divides
def('LOG', [o([D], D, (x) => Math.log(x as number)), o([D, D], D, (b, x) => Math.log(x as number) / Math.log(b as number))]);
def('POWER', [o([D, D], D, (b, x) => Math.pow(b as number, x as number))]);
def('CBRT', [o([D], D, (x) => Math.cbrt(x as number))]);
def('SIGN', [
  o([I], I, (x) => Math.sign(int(x))),
  o([L], I, (x) => ((x as bigint) > 0n ? 1 : (x as bigint) < 0n ? -1 : 0)),
  o([D], I, (x) => Math.sign(x as number)),
  o(['DECIMAL'], I, (x) => ((x as Decimal).unscaled > 0n ? 1 : (x as Decimal).unscaled < 0n ? -1 : 0)),
]);
def('RANDOM', [o([], D, () => null, { withEnv: (env) => () => env.random() })]);
def('PI', [o([], D, () => Math.PI)]);
for (const [name, f] of [
  ['SIN', Math.sin],
  ['COS', Math.cos],
  ['TAN', Math.tan],
  ['ASIN', Math.asin],
  ['ACOS', Math.acos],
  ['ATAN', Math.atan],
  ['SINH', Math.sinh],
  ['COSH', Math.cosh],
  ['TANH', Math.tanh],
  ['DEGREES', (x: number) => (x * 180) / Math.PI],
  ['RADIANS', (x: number) => (x * Math.PI) / 180],
  ['COT', (x: number) => 1 / Math.tan(x)],
] as const) {
  def(name, [o([D], D, (x) => f(x as number))]);
}
// GEO_DISTANCE(lat1, lon1, lat2, lon2[, unit]): the haversine distance in km (or miles)
const geoDistance = (lat1: number, lon1: number, lat2: number, lon2: number, unit: string | null): number => {
  if ([lat1, lat2].some((x) => x < -90 || x > 90))
    throw new RecordError('valid latitude values for GeoDistance function are in the range of -90 to 90 decimal degrees');
  if ([lon1, lon2].some((x) => x < -180 || x > 180))
    throw new RecordError('valid longitude values for GeoDistance function are in the range of -180 to +180 decimal degrees');
  const u = (unit ?? '').trim().toLowerCase();
  let radius = 6371;
  if (['mi', 'mile', 'miles'].includes(u)) radius = 3959;
  else if (u !== '' && !['km', 'kilometer', 'kilometers', 'kilometre', 'kilometres'].includes(u))
    throw new RecordError(
      `GeoDistance function units parameter must be one of mi, mile, miles, km, kilometer, kilometers, kilometre or kilometres. Values are case-insensitive.`,
    );
  // java.lang.Math.toRadians multiplies by the constant PI / 180
  const rad = (d: number): number => d * (Math.PI / 180);
  const hav = (x: number): number => Math.pow(Math.sin(x / 2), 2);
  const a = hav(rad(lat2 - lat1)) + hav(rad(lon2 - lon1)) * Math.cos(rad(lat1)) * Math.cos(rad(lat2));
  return 2 * Math.asin(Math.sqrt(a)) * radius;
};
def('GEO_DISTANCE', [
  o([D, D, D, D], D, (a, b, c, d) => geoDistance(a as number, b as number, c as number, d as number, null)),
  o(
    [D, D, D, D, S],
    D,
    (a, b, c, d, u) =>
      [a, b, c, d].some((x) => x == null)
        ? null
        : geoDistance(a as number, b as number, c as number, d as number, (u as string | null) ?? null),
    { nullable: true },
  ),
]);
def('ATAN2', [o([D, D], D, (y, x) => Math.atan2(y as number, x as number))]);
for (const [name, pick] of [
  ['GREATEST', 1],
  ['LEAST', -1],
] as const) {
  custom(name, (e, scope, compile) => {
    const args = e.args.map((a) => compile(a, scope));
    let t: ExprType = null;
    for (const a of args) {
      if (a.type === null) continue;
      if (t === null) t = a.type;
      else if (isNumeric(t) && isNumeric(a.type)) t = widerNumeric(t, a.type);
      else if (!sameType(t, a.type))
        throw new KsqlError(`Function '${name}' does not accept parameters (${args.map((x) => argText(x.type)).join(', ')}).`);
    }
    if (t === null) return { type: null, fn: () => null };
    const target = t;
    const fns = args.map((a) =>
      a.type === null || sameType(a.type, target)
        ? a.fn
        : (
            (c) => (r: Row) =>
              c(a.fn(r))
          )(castFn(a.type, target)),
    );
    return {
      type: target,
      fn: (r) => {
        let best: unknown = null;
        for (const f of fns) {
          const v = f(r);
          if (v == null) continue;
          if (best === null || compareValues(v, best) * pick > 0) best = v;
        }
        return best;
      },
    };
  });
}

// ------------------------------------------------------------------------------------------
// Dates and times

const TS = T.TIMESTAMP;
def('UNIX_TIMESTAMP', [
  o([], L, () => null, { withEnv: (env) => () => BigInt(Math.trunc(env.now())) }),
  o([TS], L, (t) => BigInt(t as number)),
]);
def('UNIX_DATE', [o([], I, () => null, { withEnv: (env) => () => Math.floor(env.now() / 86_400_000) }), o([T.DATE], I, (d) => d)]);
def('TIMESTAMPTOSTRING', [
  o([L, S], S, (t, p) => formatInstant(Number(t), str(p))),
  o([L, S, S], S, (t, p, z) => formatInstant(Number(t), str(p), str(z))),
]);
def('STRINGTOTIMESTAMP', [
  o([S, S], L, (s, p) => BigInt(parseInstant(str(s), str(p)))),
  o([S, S, S], L, (s, p, z) => BigInt(parseInstant(str(s), str(p), str(z)))),
]);
def('PARSE_TIMESTAMP', [
  o([S, S], TS, (s, p) => parseInstant(str(s), str(p))),
  o([S, S, S], TS, (s, p, z) => parseInstant(str(s), str(p), str(z))),
]);
def('FORMAT_TIMESTAMP', [
  o([TS, S], S, (t, p) => formatInstant(t as number, str(p))),
  o([TS, S, S], S, (t, p, z) => formatInstant(t as number, str(p), str(z))),
]);
// PARSE_DATE uses java.text.SimpleDateFormat, which ignores text after the pattern
def('PARSE_DATE', [o([S, S], T.DATE, (s, p) => Math.floor(parseInstant(str(s), str(p), 'UTC', { ignoreTrailing: true }) / DAY))]);
def('FORMAT_DATE', [o([T.DATE, S], S, (d, p) => formatInstant(int(d) * DAY, str(p)))]);
def('PARSE_TIME', [o([S, S], T.TIME, (s, p) => ((parseInstant(str(s), str(p)) % DAY) + DAY) % DAY)]);
def('FORMAT_TIME', [o([T.TIME, S], S, (t, p) => formatInstant(int(t), str(p)))]);
def('DATETOSTRING', [o([I, S], S, (d, p) => formatInstant(int(d) * DAY, str(p)))]);
def('STRINGTODATE', [o([S, S], I, (s, p) => Math.floor(parseInstant(str(s), str(p)) / DAY))]);
def('FROM_UNIXTIME', [o([L], TS, (t) => Number(t))]);
def('FROM_DAYS', [o([I], T.DATE, (d) => d)]);
def('CONVERT_TZ', [
  o([TS, S, S], TS, (t, from, to) => {
    if (!validZone(str(from)) || !validZone(str(to))) throw new RecordError('Unknown time zone');
    const ms = t as number;
    return ms - formatOffsetMs(str(from), ms) + formatOffsetMs(str(to), ms);
  }),
]);
function formatOffsetMs(zone: string, ms: number): number {
  const off = parseInstant('1970-01-01T00:00:00', "yyyy-MM-dd'T'HH:mm:ss", zone);
  void off;
  return -parseInstant(formatInstant(ms, "yyyy-MM-dd'T'HH:mm:ss.SSS"), "yyyy-MM-dd'T'HH:mm:ss.SSS", zone) + ms;
}
const UNIT_MS: Readonly<Record<string, number>> = { MILLISECONDS: 1, SECONDS: 1000, MINUTES: 60_000, HOURS: 3_600_000, DAYS: 86_400_000 };
custom('TIMESTAMPADD', (e, scope, compile) => timeAdd(e, scope, compile, 1));
custom('TIMESTAMPSUB', (e, scope, compile) => timeAdd(e, scope, compile, -1));
custom('DATEADD', (e, scope, compile) => timeAdd(e, scope, compile, 1));
custom('DATESUB', (e, scope, compile) => timeAdd(e, scope, compile, -1));
custom('TIMEADD', (e, scope, compile) => timeAdd(e, scope, compile, 1));
custom('TIMESUB', (e, scope, compile) => timeAdd(e, scope, compile, -1));
function timeAdd(e: Extract<Expr, { kind: 'call' }>, scope: Scope, compile: CompileFn, sign: number): Compiled {
  if (e.args.length !== 3 || e.args[0].kind !== 'intervalUnit') throw new KsqlError(`Function '${e.name}' does not accept parameters.`);
  const unit = UNIT_MS[e.args[0].unit];
  const n = compile(e.args[1], scope);
  const t = compile(e.args[2], scope);
  const fn = n.fn;
  const ft = t.fn;
  const isDate = t.type?.base === 'DATE';
  const isTime = t.type?.base === 'TIME';
  return {
    type: t.type ?? TS,
    fn: (r) => {
      const a = fn(r);
      const b = ft(r);
      if (a == null || b == null) return null;
      const delta = Number(a) * unit * sign;
      if (isDate) return Math.floor(((b as number) * DAY + delta) / DAY);
      if (isTime) return ((((b as number) + delta) % DAY) + DAY) % DAY;
      return (b as number) + delta;
    },
  };
}

// ------------------------------------------------------------------------------------------
// Arrays and maps

const itemOf = (t: ExprType): SqlType => (t !== null && t.base === 'ARRAY' ? t.item : T.STRING);
def('ARRAY_LENGTH', [o(['ARRAY'], I, (a) => (a as unknown[]).length)]);
def('ARRAY_CONTAINS', [
  o(['ARRAY', 'ANY'], B, (a, v) => (a == null ? false : (a as unknown[]).some((x) => (x == null ? v == null : valuesEqual(x, v)))), {
    nullable: true,
  }),
]);
def('ARRAY_DISTINCT', [
  o(
    ['ARRAY'],
    (ts) => first(ts),
    (a) => {
      const seen = new Set<string>();
      return (a as unknown[]).filter((x) => {
        const k = keyOf(x);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    },
  ),
]);
def('ARRAY_MAX', [
  o(
    ['ARRAY'],
    (ts) => itemOf(ts[0]),
    (a) => (a as unknown[]).filter((x) => x != null).reduce<unknown>((m, x) => (m === null || compareValues(x, m) > 0 ? x : m), null),
  ),
]);
def('ARRAY_MIN', [
  o(
    ['ARRAY'],
    (ts) => itemOf(ts[0]),
    (a) => (a as unknown[]).filter((x) => x != null).reduce<unknown>((m, x) => (m === null || compareValues(x, m) < 0 ? x : m), null),
  ),
]);
def('ARRAY_SORT', [
  o(
    ['ARRAY'],
    (ts) => first(ts),
    (a) => sortArray(a as unknown[], 'ASC'),
  ),
  o(
    ['ARRAY', S],
    (ts) => first(ts),
    (a, d) => sortArray(a as unknown[], str(d).toUpperCase()),
  ),
]);
function sortArray(a: unknown[], dir: string): unknown[] {
  const nn = a.filter((x) => x != null).sort(compareValues);
  if (dir === 'DESC') nn.reverse();
  return [...nn, ...a.filter((x) => x == null)];
}
def('ARRAY_JOIN', [
  o(['ARRAY'], S, (a) => (a as unknown[]).map((x) => (x == null ? 'null' : String(valueToString(x, null)))).join(',')),
  o(
    ['ARRAY', S],
    S,
    (a, d) =>
      a == null ? null : (a as unknown[]).map((x) => (x == null ? 'null' : String(valueToString(x, null)))).join(d == null ? '' : str(d)),
    { nullable: true },
  ),
]);
def('ARRAY_REMOVE', [
  o(
    ['ARRAY', 'ANY'],
    (ts) => first(ts),
    (a, v) => (a == null ? null : (a as unknown[]).filter((x) => !(x == null ? v == null : valuesEqual(x, v)))),
    { nullable: true },
  ),
]);
def('ARRAY_CONCAT', [
  o(
    ['ARRAY', 'ARRAY'],
    (ts) => first(ts),
    (a, b) => (a == null && b == null ? null : [...((a as unknown[] | null) ?? []), ...((b as unknown[] | null) ?? [])]),
    { nullable: true },
  ),
]);
// SLICE(array, from, to): 1-based, both ends included; out of range gives null
def('SLICE', [
  o(
    ['ARRAY', I, I],
    (ts) => first(ts),
    (a, from, to) => {
      if (a == null) return null;
      const list = a as unknown[];
      const start = from == null ? 0 : (from as number) - 1;
      const end = to == null ? list.length : (to as number);
      if (start < 0 || end > list.length || start > end) return null;
      return list.slice(start, end);
    },
    { nullable: true },
  ),
]);
def('MAP_UNION', [
  o(
    ['MAP', 'MAP'],
    (ts) => first(ts),
    (a, b) => {
      if (a == null && b == null) return null;
      const m = new Map<unknown, unknown>();
      for (const x of [a, b]) if (x != null) for (const [k, v] of x as Map<unknown, unknown>) m.set(k, v);
      return m;
    },
    { nullable: true },
  ),
]);
def('ARRAY_UNION', [
  o(
    ['ARRAY', 'ARRAY'],
    (ts) => first(ts),
    (a, b) => distinct([...(a as unknown[]), ...(b as unknown[])]),
  ),
]);
def('ARRAY_INTERSECT', [
  o(
    ['ARRAY', 'ARRAY'],
    (ts) => first(ts),
    (a, b) => distinct((a as unknown[]).filter((x) => (b as unknown[]).some((y) => valuesEqual(x, y)))),
  ),
]);
def('ARRAY_EXCEPT', [
  o(
    ['ARRAY', 'ARRAY'],
    (ts) => first(ts),
    (a, b) => distinct((a as unknown[]).filter((x) => !(b as unknown[]).some((y) => valuesEqual(x, y)))),
  ),
]);
function distinct(a: unknown[]): unknown[] {
  const seen = new Set<string>();
  return a.filter((x) => {
    const k = keyOf(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
def('MAP_KEYS', [
  o(
    ['MAP'],
    (ts) => array((ts[0] as { key: SqlType }).key),
    (m) => [...(m as Map<unknown, unknown>).keys()],
  ),
]);
def('MAP_VALUES', [
  o(
    ['MAP'],
    (ts) => array((ts[0] as { value: SqlType }).value),
    (m) => [...(m as Map<unknown, unknown>).values()],
  ),
]);
def('AS_MAP', [
  o(
    ['ARRAY', 'ARRAY'],
    (ts) => map(itemOf(ts[0]), itemOf(ts[1])),
    (k, v) => {
      const m = new Map();
      (k as unknown[]).forEach((x, i) => m.set(x, (v as unknown[])[i] ?? null));
      return m;
    },
  ),
]);
def('ELT', [o([I, S], S, (n, xs) => (xs as unknown[])[int(n) - 1] ?? null, { variadic: true, nullable: true })]);
def('FIELD', [o([S, S], I, (s, xs) => (s == null ? 0 : (xs as unknown[]).indexOf(s) + 1), { variadic: true, nullable: true })]);
def('GENERATE_SERIES', [
  o([I, I], array(I), (a, b) => series(int(a), int(b), int(a) <= int(b) ? 1 : -1)),
  o([I, I, I], array(I), (a, b, s) => series(int(a), int(b), int(s))),
  o([L, L], array(L), (a, b) => seriesL(a as bigint, b as bigint, (a as bigint) <= (b as bigint) ? 1n : -1n)),
  o([L, L, I], array(L), (a, b, s) => seriesL(a as bigint, b as bigint, BigInt(int(s)))),
]);
function series(a: number, b: number, s: number): number[] {
  if (s === 0) throw new RecordError('GENERATE_SERIES step cannot be zero');
  const out: number[] = [];
  for (let i = a; s > 0 ? i <= b : i >= b; i += s) out.push(i);
  return out;
}
function seriesL(a: bigint, b: bigint, s: bigint): bigint[] {
  if (s === 0n) throw new RecordError('GENERATE_SERIES step cannot be zero');
  const out: bigint[] = [];
  for (let i = a; s > 0n ? i <= b : i >= b; i += s) out.push(i);
  return out;
}
def('ENTRIES', [
  o(
    ['MAP', B],
    (ts) =>
      array({
        base: 'STRUCT',
        fields: [
          { name: 'K', type: (ts[0] as { key: SqlType }).key },
          { name: 'V', type: (ts[0] as { value: SqlType }).value },
        ],
      }),
    (m, sorted) => {
      const es = [...(m as Map<unknown, unknown>)].map(([K, V]) => ({ K, V }));
      if (sorted) es.sort((x, y) => compareValues(x.K, y.K));
      return es;
    },
  ),
]);
custom('TRANSFORM', (e, scope, compile) => {
  const [src, lam] = e.args;
  const a = compile(src, scope);
  if (lam?.kind !== 'lambda' || a.type === null) throw new KsqlError(`Function 'TRANSFORM' does not accept parameters.`);
  if (a.type.base === 'ARRAY') {
    if (lam.params.length !== 1) throw new KsqlError(`Function 'TRANSFORM' does not accept parameters.`);
    const inner = scope.withLambda([{ name: lam.params[0], type: a.type.item }]);
    const body = compile(lam.body, inner);
    const slot = inner.size - 1;
    const fa = a.fn;
    const fb = body.fn;
    return {
      type: array(body.type ?? T.STRING),
      fn: (r) => {
        const arr = fa(r) as unknown[] | null;
        if (arr == null) return null;
        const rr = r.slice();
        return arr.map((x) => {
          rr[slot] = x;
          return fb(rr) ?? null;
        });
      },
    };
  }
  if (a.type.base === 'MAP' && e.args.length === 3 && e.args[2].kind === 'lambda') {
    const kl = lam;
    const vl = e.args[2];
    const params = [
      { name: kl.params[0], type: a.type.key },
      { name: kl.params[1], type: a.type.value },
    ];
    const s1 = scope.withLambda(params);
    const kb = compile(kl.body, s1);
    const s2 = scope.withLambda([
      { name: vl.params[0], type: a.type.key },
      { name: vl.params[1], type: a.type.value },
    ]);
    const vb = compile(vl.body, s2);
    const base = s1.size - 2;
    const fa = a.fn;
    return {
      type: map(kb.type ?? T.STRING, vb.type ?? T.STRING),
      fn: (r) => {
        const m = fa(r) as Map<unknown, unknown> | null;
        if (m == null) return null;
        const rr = r.slice();
        const out = new Map();
        for (const [k, v] of m) {
          rr[base] = k;
          rr[base + 1] = v;
          out.set(kb.fn(rr), vb.fn(rr));
        }
        return out;
      },
    };
  }
  throw new KsqlError(`Function 'TRANSFORM' does not accept parameters.`);
});
custom('FILTER', (e, scope, compile) => {
  const [src, lam] = e.args;
  const a = compile(src, scope);
  if (lam?.kind !== 'lambda' || a.type === null) throw new KsqlError(`Function 'FILTER' does not accept parameters.`);
  if (a.type.base === 'ARRAY') {
    const inner = scope.withLambda([{ name: lam.params[0], type: a.type.item }]);
    const body = compile(lam.body, inner);
    const slot = inner.size - 1;
    const fa = a.fn;
    return {
      type: a.type,
      fn: (r) => {
        const arr = fa(r) as unknown[] | null;
        if (arr == null) return null;
        const rr = r.slice();
        return arr.filter((x) => {
          rr[slot] = x;
          return body.fn(rr) === true;
        });
      },
    };
  }
  if (a.type.base === 'MAP') {
    const inner = scope.withLambda([
      { name: lam.params[0], type: a.type.key },
      { name: lam.params[1], type: a.type.value },
    ]);
    const body = compile(lam.body, inner);
    const base = inner.size - 2;
    const fa = a.fn;
    return {
      type: a.type,
      fn: (r) => {
        const m = fa(r) as Map<unknown, unknown> | null;
        if (m == null) return null;
        const rr = r.slice();
        const out = new Map();
        for (const [k, v] of m) {
          rr[base] = k;
          rr[base + 1] = v;
          if (body.fn(rr) === true) out.set(k, v);
        }
        return out;
      },
    };
  }
  throw new KsqlError(`Function 'FILTER' does not accept parameters.`);
});
custom('REDUCE', (e, scope, compile) => {
  const [src, init, lam] = e.args;
  const a = compile(src, scope);
  const s0 = compile(init, scope);
  if (lam?.kind !== 'lambda' || a.type === null || s0.type === null) throw new KsqlError(`Function 'REDUCE' does not accept parameters.`);
  const st = s0.type;
  if (a.type.base === 'ARRAY') {
    const inner = scope.withLambda([
      { name: lam.params[0], type: st },
      { name: lam.params[1], type: a.type.item },
    ]);
    const body = compile(lam.body, inner);
    const base = inner.size - 2;
    return {
      type: st,
      fn: (r) => {
        const arr = a.fn(r) as unknown[] | null;
        let acc = s0.fn(r);
        if (arr == null || acc == null) return acc ?? null;
        const rr = r.slice();
        for (const x of arr) {
          rr[base] = acc;
          rr[base + 1] = x;
          acc = body.fn(rr);
        }
        return acc ?? null;
      },
    };
  }
  if (a.type.base === 'MAP') {
    const inner = scope.withLambda([
      { name: lam.params[0], type: st },
      { name: lam.params[1], type: a.type.key },
      { name: lam.params[2], type: a.type.value },
    ]);
    const body = compile(lam.body, inner);
    const base = inner.size - 3;
    return {
      type: st,
      fn: (r) => {
        const m = a.fn(r) as Map<unknown, unknown> | null;
        let acc = s0.fn(r);
        if (m == null || acc == null) return acc ?? null;
        const rr = r.slice();
        for (const [k, v] of m) {
          rr[base] = acc;
          rr[base + 1] = k;
          rr[base + 2] = v;
          acc = body.fn(rr);
        }
        return acc ?? null;
      },
    };
  }
  throw new KsqlError(`Function 'REDUCE' does not accept parameters.`);
});

/** The test functions of ksqlDB's QTT registry (BAD_UDF, WHENCONDITION, WHENRESULT). */
export function testFunctions(): Map<string, UdfDef> {
  let calls = 0;
  const m = new Map<string, UdfDef>();
  m.set('BAD_UDF', {
    name: 'BAD_UDF',
    overloads: [
      o([I], S, () => {
        throw new RecordError('boom!');
      }),
      o([B], I, (b) => {
        if (b) throw new RecordError('You asked me to throw...');
        return 0;
      }),
      o([S], S, (s) => (calls++ % 2 === 0 ? null : s), { nullable: true }),
    ],
  });
  m.set('WHENCONDITION', {
    name: 'WHENCONDITION',
    overloads: [
      o([B, B], B, (v, ev) => {
        if (!ev) throw new KsqlError('When condition in case is not running lazily!');
        return v;
      }),
    ],
  });
  m.set('WHENRESULT', {
    name: 'WHENRESULT',
    overloads: [
      o([I, B], I, (v, ev) => {
        if (!ev) throw new KsqlError('Then expression in case is not running lazily!');
        return v;
      }),
    ],
  });
  return m;
}
