/**
 * Runs ksqlDB statements against example records in memory, on the local engine, the way
 * ksqlDB's `ksql-test-runner` does: the statements are executed, the input records serialized in
 * the formats of the streams and tables reading their topics and processed in order, and the
 * records written to every topic named by an expected record are compared with the expected
 * ones, in order (ksqlDB's ExpectedRecordComparator; a timestamp or window left out of an
 * expected record is not compared). Topics no expected record names are not checked.
 */
import { FatalProcessingError } from '../engine/aggregates';
import { KsqlEngine, unwindowKey, type OutputRecord } from '../engine/engine';
import { KsqlError } from '../engine/errors';
import { RawNumber } from '../engine/json';
import type { DataSource } from '../engine/model';
import { MemorySchemaRegistry } from '../engine/registry';
import { matches, NumberValue } from '../records/compare';
import { bytesToActual, num, sourceFor, specToBytes, valueText, windowKeyBytes, type Spec } from '../records/serde';

/** An input or expected record: key and value as JSON values (numbers exact as RawNumber). */
export interface TestRecord {
  readonly topic: string;
  /** @default null */
  readonly key?: Spec;
  /** null (or left out) is a tombstone. */
  readonly value?: Spec;
  /** Epoch ms. Inputs default to 0; expected records without one match any timestamp. */
  readonly timestamp?: number | RawNumber;
  /** Headers, values in base64 (inputs). */
  readonly headers?: readonly { readonly KEY: string; readonly VALUE: string | null }[];
  /** The window of a windowed key; expected records without one match any window. */
  readonly window?: { readonly start: number | RawNumber; readonly end: number | RawNumber; readonly type?: string };
  /**
   * Inputs only: the Avro schema the producer writes the value with (e.g. what a Connect converter
   * registers), registered under `<topic>-value` before this record is serialized.
   */
  readonly valueSchema?: string;
}

export interface TestCase {
  readonly name: string;
  /** Statements (a statement may hold several, as a file does), executed in order. */
  readonly statements: readonly string[];
  readonly inputs: readonly TestRecord[];
  readonly outputs: readonly TestRecord[];
  /** Schemas registered before the statements run. */
  readonly schemas?: readonly { readonly subject: string; readonly schema: string; readonly schemaType?: string }[];
  /** Topics that exist, with partitions; others are created on use (as ksql-test-runner's simulated cluster does). */
  readonly topics?: ReadonlyMap<string, number>;
  /** ksqlDB configuration (`ksql.*` properties). */
  readonly config?: Readonly<Record<string, unknown>>;
}

export interface TestResult {
  readonly name: string;
  readonly pass: boolean;
  /** Why it failed, in ksql-test-runner's words; '' when it passed. */
  readonly message: string;
  /** Expected against actual records of each checked topic that differs ('' when none does). */
  readonly diff: string;
  /** Records the engine skipped (cannot be deserialized, bad timestamps, ...), as its processing log has them. */
  readonly processingLog: readonly string[];
}

interface Actual {
  readonly record: OutputRecord;
  readonly key: unknown;
  readonly value: unknown;
  readonly text: string;
}

const fail = (name: string, message: string, extra: Partial<TestResult> = {}): TestResult => ({
  name,
  pass: false,
  message,
  diff: '',
  processingLog: [],
  ...extra,
});

/** Runs one test case on a fresh engine. */
export function runTest(c: TestCase): TestResult {
  const registry = new MemorySchemaRegistry();
  for (const s of c.schemas ?? []) registry.register(s.subject, s.schema, s.schemaType ?? 'AVRO');
  const engine = new KsqlEngine({
    config: c.config,
    schemaRegistry: registry,
    topics: c.topics,
    autoCreateTopics: true,
  });
  for (const statement of c.statements) {
    try {
      engine.execute(statement);
    } catch (e) {
      if (e instanceof KsqlError) return fail(c.name, `statement refused: ${e.message}\n  ${firstLine(statement)}`);
      throw e;
    }
  }
  const log = (): string[] => engine.processingLog.map((l) => `${l.queryId} (${l.topic}): ${l.message}`);
  const produced: OutputRecord[] = [];
  for (const [i, r] of c.inputs.entries()) {
    const src = sourceFor(engine.allSources(), r.topic);
    if (!src) return fail(c.name, `input ${i}: no stream or table reads topic ${r.topic}`);
    try {
      if (r.valueSchema !== undefined) registry.register(`${r.topic}-value`, r.valueSchema, 'AVRO');
      const key = r.key === undefined ? null : specToBytes(src, true, r.key, registry);
      const value = r.value === undefined ? null : specToBytes(src, false, r.value, registry);
      const keyBytes =
        src.window && r.window && key !== null ? windowKeyBytes(key, num(r.window.start), num(r.window.end), src.window.type) : key;
      produced.push(
        ...engine.process({
          topic: r.topic,
          key: keyBytes,
          value,
          timestamp: r.timestamp !== undefined ? num(r.timestamp) : 0,
          headers: (r.headers ?? []).map((h) => ({ key: h.KEY, value: h.VALUE === null ? null : Buffer.from(h.VALUE, 'base64') })),
        }),
      );
    } catch (e) {
      // A fatal processing error stops ksqlDB's query; anything else is a record the test cannot produce.
      const what = e instanceof FatalProcessingError ? 'the query failed' : 'cannot produce the record';
      return fail(c.name, `input ${i} (topic ${r.topic}): ${what}: ${(e as Error).message}`, { processingLog: log() });
    }
  }
  const topics = [...new Set(c.outputs.map((o) => o.topic))];
  let message = '';
  const diffs: string[] = [];
  for (const topic of topics) {
    const expected = c.outputs.filter((o) => o.topic === topic);
    const src = sourceFor(engine.allSources(), topic);
    if (!src) {
      message ||= `no stream or table writes topic ${topic}`;
      continue;
    }
    let actual: Actual[];
    try {
      actual = produced.filter((p) => p.topic === topic).map((p) => actualOf(src, p, registry));
    } catch (e) {
      message ||= `Topic '${topic}': cannot deserialize a record: ${(e as Error).message}`;
      continue;
    }
    const problem = compareTopic(topic, expected, actual);
    if (problem) {
      message ||= problem;
      diffs.push(diffTopic(topic, expected, actual));
    }
  }
  return { name: c.name, pass: message === '', message, diff: diffs.join('\n'), processingLog: log() };
}

function firstLine(s: string): string {
  const line = s.trim().split('\n')[0];
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

function actualOf(src: DataSource, r: OutputRecord, registry: MemorySchemaRegistry): Actual {
  const key = bytesToActual(src, true, src.window && r.key ? unwindowKey(r.key, src.window).key : r.key, registry);
  const value = bytesToActual(src, false, r.value, registry);
  const window = r.window ? ` window=[${r.window.start}, ${r.window.end})` : '';
  return { record: r, key, value, text: `<${valueText(key)}, ${valueText(value)}> with timestamp=${r.timestamp}${window}` };
}

function expectedText(e: TestRecord): string {
  const window = e.window ? ` window=[${num(e.window.start)}, ${num(e.window.end)})` : '';
  return `<${valueText(e.key ?? null)}, ${valueText(e.value ?? null)}> with timestamp=${e.timestamp === undefined ? '(any)' : num(e.timestamp)}${window}`;
}

function recordMatches(e: TestRecord, a: Actual): boolean {
  return (
    matches(a.key, e.key ?? null) &&
    matches(a.value, e.value ?? null) &&
    (e.timestamp === undefined || num(e.timestamp) === a.record.timestamp) &&
    (e.window === undefined ||
      (a.record.window !== undefined && num(e.window.start) === a.record.window.start && num(e.window.end) === a.record.window.end))
  );
}

/** The first difference, in ksql-test-runner's words; undefined when the records match. */
function compareTopic(topic: string, expected: readonly TestRecord[], actual: readonly Actual[]): string | undefined {
  if (actual.length !== expected.length) {
    return `Topic ${topic}. Expected <${expected.length}> records but it was <${actual.length}>\nActual records: \n${actual.map((a) => a.text).join('\n')}`;
  }
  for (let i = 0; i < expected.length; i++) {
    if (!recordMatches(expected[i], actual[i]))
      return `Topic '${topic}', message ${i}: Expected ${expectedText(expected[i])} but was ${actual[i].text}`;
  }
  return undefined;
}

/** A line diff of expected (-) against actual (+) records, common ones unmarked (longest common subsequence). */
function diffTopic(topic: string, expected: readonly TestRecord[], actual: readonly Actual[]): string {
  const n = expected.length;
  const m = actual.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i][j] = recordMatches(expected[i], actual[j]) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const lines = [`--- expected ${topic}`, `+++ actual ${topic}`];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && recordMatches(expected[i], actual[j])) {
      lines.push(`  ${actual[j].text}`);
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      lines.push(`- ${expectedText(expected[i++])}`);
    } else {
      lines.push(`+ ${actual[j++].text}`);
    }
  }
  return lines.join('\n');
}

// ------------------------------------------------------------------------------------------
// Reports

/** ksql-test-runner's verdict line, then the diff and the processing log of a failed test. */
export function reportOf(r: TestResult): string {
  if (r.pass) return '\t >>> Test passed!\n';
  const parts = [`\t>>>>> Test failed: ${r.message}`];
  if (r.diff) parts.push(r.diff);
  if (r.processingLog.length > 0) parts.push(`processing log:\n${r.processingLog.map((l) => `  ${l}`).join('\n')}`);
  return parts.join('\n') + '\n';
}

/**
 * Plain JavaScript values as specs: numbers and bigints become NumberValues, which match actual
 * numbers by value (JavaScript has no `2.0` to tell a DOUBLE from an INT by).
 */
export function specOf(v: unknown): Spec {
  if (typeof v === 'number' || typeof v === 'bigint') return new NumberValue(String(v));
  if (Array.isArray(v)) return v.map(specOf);
  if (v !== null && typeof v === 'object' && !(v instanceof RawNumber))
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => [k, specOf(x)]),
    );
  return v;
}
