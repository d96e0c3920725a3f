/**
 * The actual differences a reviewer needs in a plan review: SQL as a unified diff of the canonical
 * statements, a schema as added/removed/changed fields, configurations old → new with secrets
 * masked.
 */
import { canonical, parseStatement } from '../../core/ksql';
import { SECRET_KEY } from '../../core/rules';

// ------------------------------------------------------------------ SQL

/** Clauses that start a new line in a statement shown for review. */
const CLAUSES = [
  'AS SELECT',
  'SELECT',
  'FROM',
  'LEFT JOIN',
  'RIGHT JOIN',
  'FULL OUTER JOIN',
  'INNER JOIN',
  'JOIN',
  'WINDOW',
  'WHERE',
  'GROUP BY',
  'PARTITION BY',
  'HAVING',
  'EMIT',
  'WITH',
];

/**
 * A statement as lines for a diff: its canonical text (formatting, comments and keyword case do
 * not show as changes), one clause per line. Text ksqlDB's grammar does not parse is shown as given.
 */
export function statementLines(sql: string): string[] {
  let text: string;
  try {
    text = canonical(parseStatement(sql));
  } catch {
    text = sql.replace(/\s+/g, ' ').trim();
  }
  return splitClauses(text);
}

/** Splits at top-level clause keywords (outside quotes and parentheses). */
function splitClauses(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '`' || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ' ' && depth === 0) {
      const rest = text.slice(i + 1);
      const clause = CLAUSES.find((c) => rest.startsWith(`${c} `) || rest === c || rest.startsWith(`${c};`));
      if (clause) {
        lines.push(text.slice(start, i));
        start = i + 1;
        i += clause.length; // its own words (JOIN of LEFT JOIN, SELECT of AS SELECT) start no line
      }
    }
  }
  lines.push(text.slice(start));
  return lines.filter((l) => l.length > 0);
}

/** A unified diff (`-`/`+`/` ` lines, hunks of `context` unchanged lines around changes). */
export function unifiedDiff(before: readonly string[], after: readonly string[], context = 3): string[] {
  // longest common subsequence, fine for statements of tens of lines
  const n = before.length;
  const m = after.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = before[i] === after[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const ops: { op: ' ' | '-' | '+'; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      ops.push({ op: ' ', line: before[i] });
      i++;
      j++;
    } else if (i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      ops.push({ op: '-', line: before[i++] });
    } else {
      ops.push({ op: '+', line: after[j++] });
    }
  }
  if (!ops.some((o) => o.op !== ' ')) return [];
  const keep = ops.map((_, k) => ops.slice(Math.max(0, k - context), k + context + 1).some((x) => x.op !== ' '));
  const out: string[] = [];
  let skipped = false;
  ops.forEach((o, k) => {
    if (keep[k]) {
      if (skipped && out.length > 0) out.push('…');
      out.push(`${o.op}${o.line}`);
      skipped = false;
    } else skipped = true;
  });
  return out;
}

// ------------------------------------------------------------------ schemas

export interface SchemaChanges {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
}

/** Fields of a schema text by path (`a.b`) → a short description of type and default. */
function schemaFields(type: string, text: string): Map<string, string> | undefined {
  const fields = new Map<string, string>();
  if (type === 'PROTOBUF') {
    const message: string[] = [];
    for (const raw of text.split('\n')) {
      const line = raw.replace(/\/\/.*$/, '').trim();
      const open = /^message\s+(\w+)\s*\{/.exec(line);
      if (open) message.push(open[1]);
      const field = /^(?:(optional|repeated|required)\s+)?([\w.]+(?:<[^>]+>)?)\s+(\w+)\s*=\s*(\d+)/.exec(line);
      if (field && message.length > 0) {
        fields.set(`${message.join('.')}.${field[3]}`, `${field[1] ? `${field[1]} ` : ''}${field[2]} = ${field[4]}`);
      }
      if (line.endsWith('}') && !open) message.pop();
    }
    return fields;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (type === 'JSON') {
    const walk = (node: unknown, prefix: string) => {
      const props = (node as { properties?: Record<string, unknown> } | null)?.properties;
      if (!props || typeof props !== 'object') return;
      const required = new Set(((node as { required?: string[] }).required ?? []) as string[]);
      for (const [name, sub] of Object.entries(props)) {
        const s = (sub ?? {}) as Record<string, unknown>;
        const t = JSON.stringify(s.type ?? s.$ref ?? s.enum ?? 'any');
        fields.set(`${prefix}${name}`, `${t}${required.has(name) ? ' required' : ''}`);
        walk(sub, `${prefix}${name}.`);
      }
    };
    walk(doc, '');
    return fields;
  }
  // AVRO
  const walk = (node: unknown, prefix: string) => {
    const rec = node as { type?: unknown; fields?: { name: string; type: unknown; default?: unknown }[] } | null;
    if (!rec || typeof rec !== 'object') return;
    if (Array.isArray(rec)) {
      for (const branch of rec as unknown[]) walk(branch, prefix);
      return;
    }
    if (rec.type === 'record' && Array.isArray(rec.fields)) {
      for (const f of rec.fields) {
        const shown = avroTypeName(f.type);
        fields.set(`${prefix}${f.name}`, `${shown}${'default' in f ? ` default ${JSON.stringify(f.default)}` : ''}`);
        walk(f.type, `${prefix}${f.name}.`);
      }
    } else if (rec.type === 'array' || rec.type === 'map') {
      walk((rec as { items?: unknown; values?: unknown }).items ?? (rec as { values?: unknown }).values, prefix);
    }
  };
  walk(doc, '');
  return fields;
}

function avroTypeName(t: unknown): string {
  if (Array.isArray(t)) return `[${t.map(avroTypeName).join(', ')}]`;
  if (typeof t === 'string') return t;
  const o = t as { type?: string; name?: string; items?: unknown; values?: unknown; symbols?: string[] };
  if (o.type === 'array') return `array<${avroTypeName(o.items)}>`;
  if (o.type === 'map') return `map<${avroTypeName(o.values)}>`;
  if (o.type === 'enum') return `enum ${o.name ?? ''} {${(o.symbols ?? []).join(', ')}}`;
  if (o.type === 'record') return `record ${o.name ?? ''}`;
  return JSON.stringify(t);
}

/** Added, removed and changed fields between two versions of a schema (undefined: not comparable). */
export function schemaChanges(type: string, before: string, after: string): SchemaChanges | undefined {
  const a = schemaFields(type, before);
  const b = schemaFields(type, after);
  if (!a || !b) return undefined;
  const added = [...b.keys()].filter((k) => !a.has(k)).map((k) => `${k}: ${b.get(k)}`);
  const removed = [...a.keys()].filter((k) => !b.has(k)).map((k) => `${k}: ${a.get(k)}`);
  const changed = [...a.keys()].filter((k) => b.has(k) && a.get(k) !== b.get(k)).map((k) => `${k}: ${a.get(k)} → ${b.get(k)}`);
  return { added, removed, changed };
}

// ------------------------------------------------------------------ configurations

const MASK = '(secret)';

/** `key: old → new` for every changed key; secret values (by key, or listed as sensitive) never shown. */
export function configChanges(
  before: Readonly<Record<string, unknown>> | undefined | null,
  after: Readonly<Record<string, unknown>> | undefined | null,
  sensitive: ReadonlySet<string> = new Set(),
): string[] {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])].sort();
  const out: string[] = [];
  for (const k of keys) {
    const old = before?.[k];
    const now = after?.[k];
    if (JSON.stringify(old) === JSON.stringify(now)) continue;
    const secret = sensitive.has(k) || SECRET_KEY.test(k);
    const show = (v: unknown) =>
      v === undefined || v === null ? '(unset)' : secret ? MASK : typeof v === 'string' ? v : JSON.stringify(v);
    out.push(`${k}: ${show(old)} → ${show(now)}`);
  }
  return out;
}
