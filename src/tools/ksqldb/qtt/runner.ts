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
import { keyColumns, valueColumns, type DataSource } from '../engine/model';
import { Decimal } from '../engine/values';
import { MemorySchemaRegistry } from '../engine/registry';
import { specToAvro, avroToSpec } from '../engine/avro';
import { protobufToSpec, specToProtobuf } from '../engine/protobuf';
import { jsonSchemaOf } from '../engine/json-sr';

export interface CaseResult {
  readonly file: string;
  readonly name: string;
  readonly pass: boolean;
  readonly reason: string;
}

type Spec = unknown;

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

const num = (v: unknown): number => (v instanceof RawNumber ? v.toNumber() : Number(v));

/** Runs every case of one QTT file. */
export function runFile(file: string): CaseResult[] {
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

export function runCase(c: QttCase, format: string | undefined): { pass: boolean; reason: string } {
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
  exactNumbers = String((c.properties ?? {})['use.exact.numeric.comparison'] ?? true) !== 'false';
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

function show(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x instanceof RawNumber ? Number(x.text) : x)) ?? 'undefined';
}

function showActual(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x instanceof JInt || x instanceof JDouble) return x.v;
    if (x instanceof JLong) return x.v.toString();
    if (x instanceof Decimal) return `${x.toString()}d`;
    if (x instanceof JBytes) return x.v.toString('base64');
    return x;
  });
}

function sourceFor(engine: KsqlEngine, topic: string): DataSource | undefined {
  return engine.allSources().find((s) => s.topic === topic);
}

function windowKeyBytes(key: Buffer, start: number, end: number, type: string): Buffer {
  if (type === 'SESSION') {
    const b = Buffer.alloc(16);
    b.writeBigInt64BE(BigInt(end), 0);
    b.writeBigInt64BE(BigInt(start), 8);
    return Buffer.concat([key, b]);
  }
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(start));
  return Buffer.concat([key, b]);
}

// ------------------------------------------------------------------------------------------
// Test-side serialization of specs (ksqlDB's ValueSpec serde suppliers)

function specJson(v: unknown): string {
  if (v instanceof RawNumber) return v.text;
  if (Array.isArray(v)) return '[' + v.map(specJson).join(',') + ']';
  if (v !== null && typeof v === 'object')
    return (
      '{' +
      Object.entries(v as Record<string, unknown>)
        .map(([k, x]) => JSON.stringify(k) + ':' + specJson(x))
        .join(',') +
      '}'
    );
  return JSON.stringify(v);
}

function specToBytes(src: DataSource, isKey: boolean, spec: Spec, registry: MemorySchemaRegistry): Buffer | null {
  if (spec === null) return null;
  const format = isKey ? src.keyFormat.format : src.valueFormat.format;
  const cols = isKey ? keyColumns(src) : valueColumns(src);
  switch (format) {
    case 'JSON':
      return Buffer.from(specJson(spec), 'utf8');
    case 'DELIMITED':
      return Buffer.from(spec instanceof RawNumber ? spec.text : typeof spec === 'string' ? spec : specJson(spec), 'utf8');
    case 'NONE':
      return null;
    case 'KAFKA': {
      if (cols.length === 0) return typeof spec === 'string' ? Buffer.from(spec, 'utf8') : null;
      const t = cols[0].type;
      switch (t.base) {
        case 'INTEGER': {
          const b = Buffer.alloc(4);
          b.writeInt32BE(Number(BigInt.asIntN(32, BigInt(Math.trunc(num(spec))))));
          return b;
        }
        case 'BIGINT': {
          const b = Buffer.alloc(8);
          b.writeBigInt64BE(spec instanceof RawNumber && spec.isIntegral ? BigInt(spec.text) : BigInt(Math.trunc(num(spec))));
          return b;
        }
        case 'DOUBLE': {
          const b = Buffer.alloc(8);
          b.writeDoubleBE(num(spec));
          return b;
        }
        case 'BYTES':
          return Buffer.from(String(spec), 'base64');
        default:
          return Buffer.from(spec instanceof RawNumber ? spec.text : String(spec), 'utf8');
      }
    }
    case 'AVRO':
      return specToAvro(src, isKey, spec, registry);
    case 'PROTOBUF':
    case 'PROTOBUF_NOSR':
      return specToProtobuf(src, isKey, spec, registry);
    case 'JSON_SR': {
      const subject = `${src.topic}-${isKey ? 'key' : 'value'}`;
      const cols = isKey ? keyColumns(src) : valueColumns(src);
      const id =
        registry.latest(subject)?.id ?? registry.register(subject, jsonSchemaOf(cols, isKey ? cols.length === 1 : src.unwrapValue), 'JSON');
      const head = Buffer.alloc(5);
      head.writeInt32BE(id, 1);
      return Buffer.concat([head, Buffer.from(specJson(spec), 'utf8')]);
    }
    default:
      throw new Error(`test serde for ${format} not supported`);
  }
}

// Actual values, typed like the Java objects the test framework's deserializers produce.
class JInt {
  constructor(readonly v: number) {}
}
class JLong {
  constructor(readonly v: bigint) {}
}
class JDouble {
  constructor(readonly v: number) {}
}
class JBytes {
  constructor(readonly v: Buffer) {}
}

const actualFactory = {
  int: (n: number): unknown => new JInt(n),
  long: (n: bigint): unknown => new JLong(n),
  double: (n: number): unknown => new JDouble(n),
  bytes: (b: Buffer): unknown => new JBytes(b),
};

/**
 * The test framework reads JSON floats as BigDecimal (exact comparison) unless a case sets
 * `use.exact.numeric.comparison` to false: then as doubles, compared within 1e-6.
 */
let exactNumbers = true;

function jsonActual(v: unknown): unknown {
  if (v instanceof RawNumber) {
    if (!exactNumbers && !v.isIntegral) return new JDouble(v.toNumber());
    if (v.isIntegral) {
      const b = BigInt(v.text);
      if (b >= -2147483648n && b <= 2147483647n) return new JInt(Number(b));
      return new JLong(b);
    }
    try {
      return Decimal.parse(v.text);
    } catch {
      return new JDouble(v.toNumber());
    }
  }
  if (Array.isArray(v)) return v.map(jsonActual);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonActual(x)]));
  return v;
}

function bytesToActual(src: DataSource, isKey: boolean, bytes: Buffer | null, registry: MemorySchemaRegistry): unknown {
  const format = isKey ? src.keyFormat.format : src.valueFormat.format;
  const cols = isKey ? keyColumns(src) : valueColumns(src);
  if (bytes === null) return null;
  switch (format) {
    case 'JSON':
      return jsonActual(parseJson(bytes.toString('utf8'), true));
    case 'DELIMITED':
      return bytes.toString('utf8');
    case 'NONE':
      return null;
    case 'KAFKA': {
      if (cols.length === 0) return bytes.toString('utf8');
      const t = cols[0].type;
      switch (t.base) {
        case 'INTEGER':
          return new JInt(bytes.readInt32BE(0));
        case 'BIGINT':
          return new JLong(bytes.readBigInt64BE(0));
        case 'DOUBLE':
          return new JDouble(bytes.readDoubleBE(0));
        case 'BYTES':
          return new JBytes(bytes);
        default:
          return bytes.toString('utf8');
      }
    }
    case 'PROTOBUF':
    case 'PROTOBUF_NOSR':
      return protobufToSpec(src, isKey, bytes, registry, actualFactory);
    case 'JSON_SR':
      return jsonActual(parseJson(bytes.subarray(5).toString('utf8'), true));
    case 'AVRO':
      return avroToSpec(src, isKey, bytes, registry, {
        int: (n) => new JInt(n),
        long: (n) => new JLong(n),
        double: (n) => new JDouble(n),
        bytes: (b) => new JBytes(b),
      });
    default:
      throw new Error(`test serde for ${format} not supported`);
  }
}

// ------------------------------------------------------------------------------------------
// ExpectedRecordComparator

function intValue(e: RawNumber): number {
  if (e.isIntegral) return Number(BigInt.asIntN(32, BigInt(e.text)));
  return Math.trunc(e.toNumber()) | 0;
}
function longValue(e: RawNumber): bigint {
  if (e.isIntegral) return BigInt.asIntN(64, BigInt(e.text));
  return BigInt(Math.trunc(e.toNumber()));
}

export function matches(actual: unknown, expected: unknown): boolean {
  if (expected === null || expected === undefined) return actual === null || actual === undefined;
  if (expected instanceof RawNumber) {
    if (actual instanceof JInt) return intValue(expected) === actual.v;
    if (actual instanceof JLong) return longValue(expected) === actual.v;
    if (actual instanceof JDouble) return Math.abs(expected.toNumber() - actual.v) < 0.000001;
    if (actual instanceof Decimal) {
      if (expected.isIntegral) {
        if (actual.scale > 0) return false;
        return BigInt(expected.text) === actual.setScale(0).unscaled;
      }
      try {
        return Decimal.parse(expected.text).equals(actual);
      } catch {
        return false;
      }
    }
    return false;
  }
  if (typeof expected === 'string') {
    if (typeof actual === 'string') return actual === expected;
    if (actual instanceof Decimal) {
      try {
        return Decimal.parse(expected).equals(actual);
      } catch {
        return false;
      }
    }
    if (actual instanceof JBytes) return actual.v.toString('base64') === expected;
    return false;
  }
  if (typeof expected === 'boolean') return actual === expected;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return false;
    return expected.every((x, i) => matches(actual[i], x));
  }
  if (typeof expected === 'object') {
    if (
      actual === null ||
      typeof actual !== 'object' ||
      Array.isArray(actual) ||
      actual instanceof JInt ||
      actual instanceof JLong ||
      actual instanceof JDouble ||
      actual instanceof Decimal ||
      actual instanceof JBytes
    ) {
      return false;
    }
    const a = actual as Record<string, unknown>;
    const entries = Object.entries(expected as Record<string, unknown>);
    if (Object.keys(a).length !== entries.length) return false;
    for (const [k, x] of entries) {
      let v = a[k];
      if (v === undefined || v === null) v = a[k.toUpperCase()];
      if (!matches(v ?? null, x)) return false;
    }
    return true;
  }
  return false;
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
