/**
 * The test runner (`streamform test --sql-file ... --input-file ... --output-file ...`):
 * ksql-test-runner's file formats, its verdicts, and a diff of expected against actual records.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { testFromFiles, TestFileError } from '../../src/tools/ksqldb/test-runner/files';
import { reportOf, runTest, specOf, TestCase } from '../../src/tools/ksqldb/test-runner/runner';

const SQL = `CREATE STREAM ORDERS (ORDERID INT KEY, ORDERUNITS DOUBLE) WITH (KAFKA_TOPIC='test_topic', VALUE_FORMAT='JSON');
CREATE STREAM S1 AS SELECT ORDERID, ORDERUNITS, CASE WHEN ORDERUNITS < 2.0 THEN 'small' WHEN ORDERUNITS < 4.0 THEN 'medium' ELSE 'large' END AS CASE_RESULT FROM ORDERS EMIT CHANGES;
CREATE TABLE T1 AS SELECT ORDERID, COUNT(*) AS C FROM ORDERS WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY ORDERID EMIT CHANGES;`;

const INPUTS = {
  inputs: [
    { topic: 'test_topic', timestamp: 0, key: 1, value: { ORDERUNITS: 2.5 } },
    { topic: 'test_topic', timestamp: 0, key: 2, value: { ORDERUNITS: 4.5 } },
    { topic: 'test_topic', timestamp: 1500, key: 1, value: { ORDERUNITS: 1.5 } },
  ],
};

const OUTPUTS = {
  outputs: [
    { topic: 'S1', timestamp: 0, key: 1, value: { ORDERUNITS: 2.5, CASE_RESULT: 'medium' } },
    { topic: 'S1', timestamp: 0, key: 2, value: { ORDERUNITS: 4.5, CASE_RESULT: 'large' } },
    { topic: 'S1', timestamp: 1500, key: 1, value: { ORDERUNITS: 1.5, CASE_RESULT: 'small' } },
    { topic: 'T1', key: 1, value: { C: 1 }, window: { start: 0, end: 1000, type: 'time' } },
    { topic: 'T1', key: 2, value: { C: 1 }, window: { start: 0, end: 1000, type: 'time' } },
    { topic: 'T1', key: 1, value: { C: 1 }, window: { start: 1000, end: 2000, type: 'time' } },
  ],
};

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamform-test-runner-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function files(sql: string, inputs: unknown, outputs: unknown): [string, string, string] {
  const names: [string, string, string] = [path.join(dir, 's.sql'), path.join(dir, 'i.json'), path.join(dir, 'o.json')];
  fs.writeFileSync(names[0], sql);
  fs.writeFileSync(names[1], typeof inputs === 'string' ? inputs : JSON.stringify(inputs));
  fs.writeFileSync(names[2], typeof outputs === 'string' ? outputs : JSON.stringify(outputs));
  return names;
}

test("ksql-test-runner's three files: statements, inputs and expected outputs (windowed too) pass", () => {
  const [s, i, o] = files(SQL, INPUTS, OUTPUTS);
  const result = runTest(testFromFiles(s, i, o));
  expect(result).toMatchObject({ name: 'KSQL_Test', pass: true, message: '', diff: '' });
  expect(reportOf(result)).toBe('\t >>> Test passed!\n');
});

test('a wrong value fails with ksql-test-runner’s message and a diff of the topic', () => {
  const outputs = { outputs: OUTPUTS.outputs.map((r, n) => (n === 1 ? { ...r, value: { ORDERUNITS: 4.5, CASE_RESULT: 'huge' } } : r)) };
  const [s, i, o] = files(SQL, INPUTS, outputs);
  const result = runTest(testFromFiles(s, i, o));
  expect(result.pass).toBe(false);
  expect(result.message).toBe(
    `Topic 'S1', message 1: Expected <2, {"ORDERUNITS": 4.5, "CASE_RESULT": "huge"}> with timestamp=0 but was <2, {"ORDERUNITS": 4.5, "CASE_RESULT": "large"}> with timestamp=0`,
  );
  expect(result.diff).toBe(
    [
      '--- expected S1',
      '+++ actual S1',
      '  <1, {"ORDERUNITS": 2.5, "CASE_RESULT": "medium"}> with timestamp=0',
      '- <2, {"ORDERUNITS": 4.5, "CASE_RESULT": "huge"}> with timestamp=0',
      '+ <2, {"ORDERUNITS": 4.5, "CASE_RESULT": "large"}> with timestamp=0',
      '  <1, {"ORDERUNITS": 1.5, "CASE_RESULT": "small"}> with timestamp=1500',
    ].join('\n'),
  );
  expect(reportOf(result)).toMatch(/^\t>>>>> Test failed: Topic 'S1', message 1: .*\n--- expected S1\n/);
});

test('missing and extra records: the count differs, the diff shows which', () => {
  const outputs = {
    outputs: [
      ...OUTPUTS.outputs.filter((r) => r.topic === 'T1').slice(0, 2),
      { topic: 'T1', key: 1, value: { C: 2 }, window: { start: 0, end: 1000 } },
    ],
  };
  const [s, i, o] = files(SQL, INPUTS, outputs);
  const result = runTest(testFromFiles(s, i, o));
  expect(result.message).toMatch(/^Topic 'T1', message 2: Expected <1, \{"C": 2\}> with timestamp=\(any\) window=\[0, 1000\) but was /);
  expect(result.diff.split('\n').slice(4)).toEqual([
    '- <1, {"C": 2}> with timestamp=(any) window=[0, 1000)',
    '+ <1, {"C": 1}> with timestamp=1500 window=[1000, 2000)',
  ]);
  const fewer = files(SQL, INPUTS, { outputs: OUTPUTS.outputs.slice(0, 2) });
  expect(runTest(testFromFiles(...fewer)).message).toBe(
    [
      'Topic S1. Expected <2> records but it was <3>',
      'Actual records: ',
      '<1, {"ORDERUNITS": 2.5, "CASE_RESULT": "medium"}> with timestamp=0',
      '<2, {"ORDERUNITS": 4.5, "CASE_RESULT": "large"}> with timestamp=0',
      '<1, {"ORDERUNITS": 1.5, "CASE_RESULT": "small"}> with timestamp=1500',
    ].join('\n'),
  );
});

test('numbers: a file’s `2` and `2.0` differ as in ksqlDB’s comparator; a JavaScript number matches by value', () => {
  const sql = "CREATE STREAM A (K INT KEY, D DOUBLE) WITH (KAFKA_TOPIC='a', VALUE_FORMAT='JSON'); CREATE STREAM B AS SELECT * FROM A;";
  const input = '{"inputs": [{"topic": "a", "key": 1, "value": {"D": 2}}]}';
  expect(runTest(testFromFiles(...files(sql, input, '{"outputs": [{"topic": "B", "key": 1, "value": {"D": 2.0}}]}'))).pass).toBe(true);
  expect(runTest(testFromFiles(...files(sql, input, '{"outputs": [{"topic": "B", "key": 1, "value": {"D": 2}}]}'))).message).toBe(
    `Topic 'B', message 0: Expected <1, {"D": 2}> with timestamp=(any) but was <1, {"D": 2.0}> with timestamp=0`,
  );
  const c = testFromFiles(...files(sql, input, '{"outputs": []}'));
  expect(runTest({ ...c, outputs: [{ topic: 'B', key: specOf(1), value: specOf({ D: 2 }) }] }).pass).toBe(true);
  expect(runTest({ ...c, outputs: [{ topic: 'B', key: specOf(1), value: specOf({ D: 2.5 }) }] }).pass).toBe(false);
});

test('a timestamp or window left out of an expected record matches any; a given one must match', () => {
  const noTimes = { outputs: OUTPUTS.outputs.map(({ topic, key, value }) => ({ topic, key, value })) };
  expect(runTest(testFromFiles(...files(SQL, INPUTS, noTimes))).pass).toBe(true);
  const wrongTime = { outputs: OUTPUTS.outputs.map((r, n) => (n === 2 ? { ...r, timestamp: 1 } : r)) };
  expect(runTest(testFromFiles(...files(SQL, INPUTS, wrongTime))).message).toMatch(/^Topic 'S1', message 2: .* but was .*timestamp=1500$/);
});

test('refused statements, unread input topics and malformed files are reported', () => {
  expect(runTest(testFromFiles(...files('CREATE STREAM X AS SELECT * FROM NOPE;', INPUTS, OUTPUTS))).message).toMatch(
    /^statement refused: .*NOPE does not exist/,
  );
  const stray = { inputs: [{ topic: 'elsewhere', key: 1, value: {} }] };
  expect(runTest(testFromFiles(...files(SQL, stray, OUTPUTS))).message).toBe('input 0: no stream or table reads topic elsewhere');
  expect(() => testFromFiles(...files(SQL, '{"inputs": [', OUTPUTS))).toThrow(TestFileError);
  expect(() => testFromFiles(...files(SQL, { records: [] }, OUTPUTS))).toThrow(/expected an object with an array field "inputs"/);
  expect(() => testFromFiles(...files(SQL, { inputs: [{ key: 1 }] }, OUTPUTS))).toThrow(/inputs\[0\] has no "topic"/);
  expect(() => testFromFiles(...files(SQL, INPUTS, { outputs: [{ topic: 'S1', timestamp: 1.5 }] }))).toThrow(/whole number/);
});

test('Avro: inputs written with a producer’s own schema (as a Connect converter registers it) are read by column name', () => {
  const debezium = {
    type: 'record',
    name: 'Value',
    namespace: 'db.shop.customers',
    fields: [
      { name: 'id', type: 'int' },
      { name: 'first_name', type: ['null', 'string'], default: null },
      { name: 'update_ts', type: { type: 'string', 'connect.name': 'io.debezium.time.ZonedTimestamp' } },
    ],
    'connect.name': 'db.shop.customers.Value',
  };
  const c: TestCase = {
    name: 'avro',
    statements: [
      "CREATE TABLE CUSTOMERS (CUSTOMER_ID STRING PRIMARY KEY, ID INT, FIRST_NAME STRING) WITH (KAFKA_TOPIC='db.shop.customers', VALUE_FORMAT='AVRO');",
      'CREATE TABLE NAMES AS SELECT CUSTOMER_ID, UCASE(FIRST_NAME) AS NAME FROM CUSTOMERS EMIT CHANGES;',
    ],
    inputs: [
      {
        topic: 'db.shop.customers',
        key: '7',
        value: specOf({ id: 7, first_name: 'Ada', update_ts: '2024-01-01T00:00:00Z' }),
        timestamp: 5,
        valueSchema: JSON.stringify(debezium),
      },
      { topic: 'db.shop.customers', key: '7', value: null, timestamp: 6 },
    ],
    outputs: [
      { topic: 'NAMES', key: '7', value: specOf({ NAME: 'ADA' }), timestamp: 5 },
      { topic: 'NAMES', key: '7', value: null, timestamp: 6 },
    ],
  };
  expect(runTest(c)).toMatchObject({ pass: true, message: '' });
});
