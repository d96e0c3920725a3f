/**
 * ksql-test-runner's three files: a SQL file of statements, an input file
 * `{"inputs": [{"topic", "key", "value", "timestamp"?, "headers"?}]}` and an output file
 * `{"outputs": [{"topic", "key", "value", "timestamp"?, "window"?}]}`, where a window is
 * `{"start", "end", "type": "time" | "session"}` (epoch ms) and headers are
 * `[{"KEY", "VALUE" (base64)}]`. Numbers are read exactly.
 */
import * as fs from 'fs';
import { parseJson, RawNumber } from '../engine/json';
import type { TestCase, TestRecord } from './runner';

/** A file that is not what ksql-test-runner reads. */
export class TestFileError extends Error {}

function records(file: string, field: 'inputs' | 'outputs'): TestRecord[] {
  let doc: unknown;
  try {
    doc = parseJson(fs.readFileSync(file, 'utf8'), true);
  } catch (e) {
    throw new TestFileError(`File name: ${file} Message: ${(e as Error).message}`);
  }
  const list = (doc as Record<string, unknown> | null)?.[field];
  if (typeof doc !== 'object' || doc === null || !Array.isArray(list))
    throw new TestFileError(`File name: ${file} Message: expected an object with an array field "${field}"`);
  return list.map((r: unknown, i) => {
    const o = r as Record<string, unknown>;
    const where = `File name: ${file} Message: ${field}[${i}]`;
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new TestFileError(`${where} is not an object`);
    if (typeof o.topic !== 'string' || o.topic === '') throw new TestFileError(`${where} has no "topic"`);
    const number = (v: unknown, name: string): RawNumber | undefined => {
      if (v === undefined || v === null) return undefined;
      if (!(v instanceof RawNumber) || !v.isIntegral) throw new TestFileError(`${where}.${name} must be a whole number (epoch ms)`);
      return v;
    };
    const w = o.window as Record<string, unknown> | undefined | null;
    let window: TestRecord['window'];
    if (w !== undefined && w !== null) {
      const start = number(w.start, 'window.start');
      const end = number(w.end, 'window.end');
      if (start === undefined || end === undefined) throw new TestFileError(`${where}.window needs "start" and "end"`);
      window = { start, end, ...(typeof w.type === 'string' ? { type: w.type } : {}) };
    }
    const headers = o.headers;
    if (headers !== undefined && headers !== null) {
      const ok =
        Array.isArray(headers) &&
        headers.every(
          (h: unknown) =>
            typeof h === 'object' &&
            h !== null &&
            typeof (h as Record<string, unknown>).KEY === 'string' &&
            ['string', 'object'].includes(typeof (h as Record<string, unknown>).VALUE),
        );
      if (!ok) throw new TestFileError(`${where}.headers must be [{"KEY": "...", "VALUE": "<base64>" | null}]`);
    }
    const timestamp = number(o.timestamp, 'timestamp');
    return {
      topic: o.topic,
      key: o.key ?? null,
      value: o.value ?? null,
      ...(timestamp !== undefined ? { timestamp } : {}),
      ...(window ? { window } : {}),
      ...(Array.isArray(headers) ? { headers: headers as TestRecord['headers'] } : {}),
    };
  });
}

/** The test case of ksql-test-runner's files; without an input file, no records are produced. */
export function testFromFiles(sqlFile: string, inputFile: string | undefined, outputFile: string): TestCase {
  let sql: string;
  try {
    sql = fs.readFileSync(sqlFile, 'utf8');
  } catch (e) {
    throw new TestFileError(`Could not read the query file: ${sqlFile}. Details: ${(e as Error).message}`);
  }
  return {
    name: 'KSQL_Test',
    statements: [sql],
    inputs: inputFile === undefined ? [] : records(inputFile, 'inputs'),
    outputs: records(outputFile, 'outputs'),
  };
}
