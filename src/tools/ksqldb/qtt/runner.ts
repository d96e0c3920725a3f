/**
 * Runner for ksqlDB's query-validation test files (QTT): each case's statements run on the
 * engine core, its input records are serialized in their topic's formats, and the records the
 * engine writes are deserialized and compared the way ksqlDB's test framework compares them
 * (ExpectedRecordComparator: exact decimals, numeric widening, case-insensitive struct fields).
 */
import * as fs from 'fs';
import * as path from 'path';
import { KsqlEngine, unwindowKey, type InputRecord, type OutputRecord } from '../engine/engine';
import { KsqlError } from '../engine/errors';
import { FatalProcessingError } from '../engine/aggregates';
import { parseJson, RawNumber } from '../engine/json';
import type { DataSource } from '../engine/model';
import { MemorySchemaRegistry } from '../engine/registry';
import { matches } from '../records/compare';
import {
  bytesToActual,
  num,
  showActual,
  showSpec as show,
  sourceFor as findSource,
  specToBytes,
  windowKeyBytes,
  type Spec,
} from '../records/serde';

/** The comparator, now shared with the test runner (src/tools/ksqldb/records/). */

interface CaseResult {
  readonly file: string;
  readonly name: string;
  readonly pass: boolean;
  readonly reason: string;
}

interface QttRecord {
  topic: string;
  key?: Spec;
  value?: Spec;
  timestamp?: RawNumber | number;
  window?: { start: RawNumber; end: RawNumber; type: string };
  headers?: { KEY: string; VALUE: string | null }[];
}

interface QttCase {
  name: string;
  format?: string[];
  statements: string[];
  inputs?: QttRecord[];
  outputs?: QttRecord[];
  expectedException?: { type?: string; message?: string };
  properties?: Record<string, unknown>;
  topics?: {
    name: string;
    partitions?: RawNumber;
    format?: string;
    schema?: unknown;
    keyFormat?: string;
    keySchema?: unknown;
    keySchemaId?: RawNumber;
    keySchemaReferences?: SchemaRefNode[];
    valueFormat?: string;
    valueSchema?: unknown;
    valueSchemaId?: RawNumber;
    valueSchemaReferences?: SchemaRefNode[];
  }[];
  enabled?: boolean;
}

interface SchemaRefNode {
  name: string;
  format?: string;
  schema: unknown;
}

/** Runs every case of one QTT file. */
function runFile(file: string): CaseResult[] {
  const text = fs.readFileSync(file, 'utf8');
  const doc = parseJson(text, true, true) as { tests: QttCase[] };
  const base = path.basename(file);
  const out: CaseResult[] = [];
  for (const c of doc.tests) {
    if (c.enabled === false) continue;
    const formats = c.format && c.format.length > 0 ? c.format : [undefined];
    for (const f of formats) {
      const name = f === undefined ? c.name : `${c.name} - ${f}`;
      let result: { pass: boolean; reason: string };
      try {
        result = runCase(c, f);
      } catch (e) {
        result = { pass: false, reason: `runner error: ${(e as Error).message}` };
      }
      out.push({ file: base, name, ...result });
    }
  }
  return out;
}

const substitute = (s: string, f: string | undefined): string => (f === undefined ? s : s.split('{FORMAT}').join(f));

function toPlain(v: unknown): unknown {
  if (v instanceof RawNumber) return v.toNumber();
  if (Array.isArray(v)) return v.map(toPlain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlain(x)]));
  return v;
}

function runCase(c: QttCase, format: string | undefined): { pass: boolean; reason: string } {
  const registry = new MemorySchemaRegistry();
  const topics = new Map<string, number>();
  for (const r of [...(c.inputs ?? []), ...(c.outputs ?? [])]) topics.set(r.topic, topics.get(r.topic) ?? 1);
  const schemaText = (x: unknown): string => (typeof x === 'string' ? x : JSON.stringify(toPlain(x)));
  const registerTopicSchema = (
    subject: string,
    schema: unknown,
    fmt: string,
    id: RawNumber | undefined,
    refs: SchemaRefNode[] = [],
  ): void => {
    // the schemas a schema references are registered under their import names, before the
    // schema when its id is given (ksqlDB's TestExecutor), else after it (only the topic's
    // schema is registered, with its references resolved)
    const registerRefs = (): void => {
      for (const r of refs) registry.register(r.name, schemaText(r.schema), (r.format ?? fmt).toUpperCase());
    };
    if (id !== undefined) registerRefs();
    registry.register(subject, schemaText(schema), fmt, {
      ...(id !== undefined ? { id: num(id) } : {}),
      references: refs.map((r) => ({ name: r.name, subject: r.name, version: 1 })),
    });
    if (id === undefined) registerRefs();
  };
  for (const t of c.topics ?? []) {
    topics.set(t.name, t.partitions !== undefined ? num(t.partitions) : 1);
    const fmt = substitute(t.valueFormat ?? t.format ?? '', format).toUpperCase();
    if (t.keySchema !== undefined && t.keySchema !== null) {
      const kf = substitute(t.keyFormat ?? '', format).toUpperCase();
      registerTopicSchema(`${t.name}-key`, t.keySchema, kf || 'AVRO', t.keySchemaId, t.keySchemaReferences);
    }
    const vs = t.valueSchema ?? t.schema;
    if (vs !== undefined && vs !== null)
      registerTopicSchema(`${t.name}-value`, vs, fmt || 'AVRO', t.valueSchemaId, t.valueSchemaReferences);
  }
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.properties ?? {})) config[k] = v instanceof RawNumber ? v.text : v;
  const engine = new KsqlEngine({
    config,
    schemaRegistry: registry,
    extraFunctions: KsqlEngine.testFunctions(),
    topics,
    autoCreateTopics: true,
  });
  const expected = c.expectedException;
  const matchesExpected = (msg: string): boolean => expected?.message === undefined || msg.includes(expected.message);
  const inserted: InputRecord[] = [];
  {
    const sql = c.statements.map((raw) => substitute(raw, format)).join('\n');
    try {
      for (const r of engine.execute(sql)) if (r.record) inserted.push(r.record);
    } catch (e) {
      if (!(e instanceof KsqlError)) {
        if (expected)
          return matchesExpected((e as Error).message)
            ? { pass: true, reason: 'expected exception' }
            : { pass: false, reason: `unexpected error: ${(e as Error).message}` };
        return { pass: false, reason: `error: ${(e as Error).stack}` };
      }
      if (expected) {
        return matchesExpected(e.message)
          ? { pass: true, reason: 'refused as expected' }
          : { pass: false, reason: `refused with a different message: ${e.message} (expected: ${expected.message})` };
      }
      return { pass: false, reason: `refused: ${e.message}` };
    }
  }
  // inputs
  const produced: OutputRecord[] = [];
  try {
    // INSERT VALUES records land on their topic, and queries reading it process them
    for (const r of inserted) {
      produced.push({ ...r, partition: 0, headers: [], queryId: '' });
      produced.push(...engine.process(r));
    }
    for (const r of c.inputs ?? []) {
      const src = sourceFor(engine, r.topic);
      if (!src) return { pass: false, reason: `no source reads topic ${r.topic}` };
      const key = r.key === undefined ? null : specToBytes(src, true, r.key, registry);
      const value = r.value === undefined ? null : specToBytes(src, false, r.value, registry);
      const headers = (r.headers ?? []).map((h) => ({ key: h.KEY, value: h.VALUE === null ? null : Buffer.from(h.VALUE, 'base64') }));
      const windowedKey =
        src.window && r.window && key !== null ? windowKeyBytes(key, num(r.window.start), num(r.window.end), src.window.type) : key;
      produced.push(
        ...engine.process({
          topic: r.topic,
          key: windowedKey,
          value,
          timestamp: r.timestamp !== undefined ? num(r.timestamp) : 0,
          headers,
        }),
      );
    }
  } catch (e) {
    if (e instanceof FatalProcessingError && expected) {
      return matchesExpected(e.message) ? { pass: true, reason: 'failed in processing as expected' } : { pass: false, reason: e.message };
    }
    if (expected)
      return matchesExpected((e as Error).message)
        ? { pass: true, reason: 'expected exception' }
        : { pass: false, reason: `error: ${(e as Error).message}` };
    return { pass: false, reason: `processing error: ${(e as Error).stack}` };
  }
  if (expected) return { pass: false, reason: `expected exception '${expected.message}' but statements and records were accepted` };
  // outputs, per topic
  const byTopic = new Map<string, QttRecord[]>();
  for (const o of c.outputs ?? []) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), o]);
  for (const [topic, exp] of byTopic) {
    const actual = produced.filter((p) => p.topic === topic);
    const src = sourceFor(engine, topic);
    if (!src) return { pass: false, reason: `no information found for topic ${topic}` };
    if (actual.length !== exp.length) {
      return {
        pass: false,
        reason: `topic ${topic}: expected ${exp.length} records but got ${actual.length}: ${actual.map((a) => describe(src, a, registry)).join('; ')}`,
      };
    }
    for (let i = 0; i < exp.length; i++) {
      const e = exp[i];
      const a = actual[i];
      let ak: unknown;
      let av: unknown;
      try {
        ak = bytesToActual(src, true, src.window && a.key ? unwindowKey(a.key, src.window).key : a.key, registry);
        av = bytesToActual(src, false, a.value, registry);
      } catch (err) {
        return { pass: false, reason: `topic ${topic} record ${i}: cannot deserialize: ${(err as Error).message}` };
      }
      const okKey = matches(ak, e.key ?? null);
      const okValue = matches(av, e.value === undefined ? null : e.value);
      const okTs = e.timestamp === undefined || num(e.timestamp) === a.timestamp;
      const okWindow =
        e.window === undefined || (a.window !== undefined && num(e.window.start) === a.window.start && num(e.window.end) === a.window.end);
      if (!okKey || !okValue || !okTs || !okWindow) {
        return {
          pass: false,
          reason: `topic ${topic} record ${i}: expected <${show(e.key)}, ${show(e.value)}> ts=${e.timestamp ?? '*'}${e.window ? ` window=${num(e.window.start)}-${num(e.window.end)}` : ''} but was ${describe(src, a, registry)}`,
        };
      }
    }
  }
  return { pass: true, reason: '' };
}

function describe(src: DataSource, a: OutputRecord, registry: MemorySchemaRegistry): string {
  let k: string;
  let v: string;
  try {
    k = showActual(bytesToActual(src, true, src.window && a.key ? unwindowKey(a.key, src.window).key : a.key, registry));
    v = showActual(bytesToActual(src, false, a.value, registry));
  } catch {
    k = String(a.key);
    v = String(a.value);
  }
  return `<${k}, ${v}> ts=${a.timestamp}${a.window ? ` window=${a.window.start}-${a.window.end}` : ''}`;
}

function sourceFor(engine: KsqlEngine, topic: string): DataSource | undefined {
  return findSource(engine.allSources(), topic);
}

/** Runs files or directories; returns all results. */
export function runPaths(paths: readonly string[]): CaseResult[] {
  const files: string[] = [];
  for (const p of paths) {
    if (fs.statSync(p).isDirectory()) {
      for (const f of fs.readdirSync(p).sort()) if (f.endsWith('.json')) files.push(path.join(p, f));
    } else files.push(p);
  }
  return files.flatMap((f) => runFile(f));
}
