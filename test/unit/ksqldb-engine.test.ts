/**
 * The local ksqlDB engine core: semantics written from ksqlDB's documentation, and ksqlDB's own
 * query-validation tests (QTT) from /work/shared/ksqldb-qtt when that folder exists.
 */
import * as fs from 'fs';
import { KsqlEngine, type OutputRecord } from '../../src/tools/ksqldb/engine/engine';
import { runPaths } from '../../src/tools/ksqldb/qtt/runner';

const QTT_DIR = '/work/shared/ksqldb-qtt';
/** Pass-rate floor of the engine on the QTT folder (measured: 747 of 747, 100%). */
const QTT_FLOOR = 0.95;

function engineWith(sql: string): KsqlEngine {
  const e = new KsqlEngine({ autoCreateTopics: true });
  e.execute(sql);
  return e;
}

const json = (o: unknown): Buffer => Buffer.from(JSON.stringify(o), 'utf8');
const values = (out: OutputRecord[]): unknown[] => out.map((o) => (o.value === null ? null : JSON.parse(o.value.toString('utf8'))));
const int = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

describe('engine semantics (from the ksqlDB documentation)', () => {
  test('filter and projection: WHERE, CASE, string concatenation, integer division', () => {
    const e = engineWith(`
      CREATE STREAM S (ID INT KEY, NAME STRING, A INT, B INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON');
      CREATE STREAM O AS SELECT ID, NAME + '!' AS SHOUT, A / B AS Q, CASE WHEN A > 5 THEN 'big' ELSE 'small' END AS SZ FROM S WHERE NAME LIKE 'a%';`);
    const out = [
      ...e.process({ topic: 's', key: int(1), value: json({ NAME: 'ann', A: 7, B: 2 }), timestamp: 10 }),
      ...e.process({ topic: 's', key: int(2), value: json({ NAME: 'bob', A: 1, B: 1 }), timestamp: 11 }),
    ];
    expect(values(out)).toEqual([{ SHOUT: 'ann!', Q: 3, SZ: 'big' }]);
    expect(out[0].key).toEqual(int(1));
    expect(out[0].timestamp).toBe(10);
  });

  test('INT arithmetic wraps like Java; division by zero makes the column NULL', () => {
    const e = engineWith(`
      CREATE STREAM S (A INT, B INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON');
      CREATE STREAM O AS SELECT A + 1 AS X, A / B AS Y FROM S;`);
    expect(values(e.process({ topic: 's', key: null, value: json({ A: 2147483647, B: 0 }), timestamp: 0 }))).toEqual([
      { X: -2147483648, Y: null },
    ]);
  });

  test('GROUP BY counts per key and a table source undoes old values', () => {
    const e = engineWith(`
      CREATE TABLE T (ID INT PRIMARY KEY, REGION STRING) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='JSON');
      CREATE TABLE C AS SELECT REGION, COUNT(*) AS N FROM T GROUP BY REGION;`);
    const out = [
      ...e.process({ topic: 't', key: int(1), value: json({ REGION: 'r0' }), timestamp: 0 }),
      ...e.process({ topic: 't', key: int(2), value: json({ REGION: 'r0' }), timestamp: 0 }),
      ...e.process({ topic: 't', key: int(1), value: json({ REGION: 'r1' }), timestamp: 0 }),
    ];
    expect(out.map((o) => [o.key?.toString(), JSON.parse(o.value!.toString()).N])).toEqual([
      ['r0', 1],
      ['r0', 2],
      ['r0', 1],
      ['r1', 1],
    ]);
  });

  test('tumbling windows give windowed keys and drop records later than the grace period', () => {
    const e = engineWith(`
      CREATE STREAM S (ID STRING KEY, V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON');
      CREATE TABLE W AS SELECT ID, SUM(V) AS TOTAL FROM S WINDOW TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 0 SECONDS) GROUP BY ID;`);
    const k = Buffer.from('a');
    const out = [
      ...e.process({ topic: 's', key: k, value: json({ V: 1 }), timestamp: 1000 }),
      ...e.process({ topic: 's', key: k, value: json({ V: 2 }), timestamp: 12000 }),
      ...e.process({ topic: 's', key: k, value: json({ V: 5 }), timestamp: 2000 }),
    ];
    expect(out.map((o) => [o.window?.start, JSON.parse(o.value!.toString()).TOTAL])).toEqual([
      [0, 1],
      [10000, 2],
    ]);
  });

  test('stream-table LEFT JOIN enriches with the latest table row', () => {
    const e = engineWith(`
      CREATE TABLE C (ID STRING PRIMARY KEY, NAME STRING) WITH (KAFKA_TOPIC='c', VALUE_FORMAT='JSON');
      CREATE STREAM R (ID STRING KEY, STARS INT) WITH (KAFKA_TOPIC='r', VALUE_FORMAT='JSON');
      CREATE STREAM E AS SELECT R.ID AS ID, STARS, NAME FROM R LEFT JOIN C ON R.ID = C.ID;`);
    e.process({ topic: 'c', key: Buffer.from('1'), value: json({ NAME: 'ann' }), timestamp: 0 });
    const out = [
      ...e.process({ topic: 'r', key: Buffer.from('1'), value: json({ STARS: 5 }), timestamp: 1 }),
      ...e.process({ topic: 'r', key: Buffer.from('2'), value: json({ STARS: 1 }), timestamp: 2 }),
    ];
    expect(values(out)).toEqual([
      { STARS: 5, NAME: 'ann' },
      { STARS: 1, NAME: null },
    ]);
  });

  test('refusals carry ksqlDB messages', () => {
    const e = engineWith(`CREATE STREAM S (ID INT KEY, NAME STRING) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON');`);
    expect(() => e.execute('CREATE STREAM O AS SELECT NAME FROM S;')).toThrow(/must include the key column ID in its projection/);
    expect(() => e.execute('CREATE STREAM O AS SELECT ID, NAME FROM S WHERE BOB = 1;')).toThrow("WHERE column 'BOB' cannot be resolved.");
    expect(() => e.execute('CREATE STREAM O AS SELECT ID, NAME FROM S EMIT FINAL;')).toThrow(/not supported by the local ksqlDB/);
  });

  test('bad records are skipped and logged; state changes are in the change log', () => {
    const e = engineWith(`
      CREATE STREAM S (ID STRING KEY, V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON');
      CREATE TABLE T AS SELECT ID, COUNT(*) AS N FROM S GROUP BY ID;`);
    expect(e.process({ topic: 's', key: Buffer.from('a'), value: Buffer.from('{not json'), timestamp: 0 })).toEqual([]);
    expect(e.processingLog).toHaveLength(1);
    e.process({ topic: 's', key: Buffer.from('a'), value: json({ V: 1 }), timestamp: 0 });
    expect(e.stores.drainChangelog().length).toBeGreaterThan(0);
  });
});

describe('engine operations for a server', () => {
  test('clock and randomness are inputs: deterministic by default, injected when given', () => {
    const sql = `
      CREATE STREAM S (ID INT KEY, V INT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON');
      CREATE STREAM O AS SELECT ID, UUID() AS U, RANDOM() AS R, UNIX_TIMESTAMP() AS T, UNIX_DATE() AS D FROM S;`;
    const run = (opts: ConstructorParameters<typeof KsqlEngine>[0]): unknown[] => {
      const e = new KsqlEngine({ autoCreateTopics: true, ...opts });
      e.execute(sql);
      return values(e.process({ topic: 's', key: int(1), value: json({ V: 1 }), timestamp: 0 }));
    };
    // the same default run twice gives the same values
    expect(run({})).toEqual(run({}));
    const [out] = run({ clock: () => 3 * 86_400_000 + 5, random: () => 0.5 }) as { U: string; R: number; T: number; D: number }[];
    expect(out).toEqual({ U: '80808080-8080-4080-8080-808080808080', R: 0.5, T: 3 * 86_400_000 + 5, D: 3 });
    expect(out.U).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test('INSERT INTO ... VALUES gives the record for the topic, with ksqlDB refusals', () => {
    const e = new KsqlEngine({ autoCreateTopics: true, clock: () => 1234 });
    e.execute(`
      CREATE STREAM S (ID INT KEY, V BIGINT, D DECIMAL(4, 2)) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON');
      CREATE TABLE T (ID INT PRIMARY KEY, NAME STRING) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='JSON');
      CREATE STREAM O AS SELECT * FROM S;`);
    const [r] = e.execute(`INSERT INTO S (ID, V, D) VALUES (1, 2, 1.5);`);
    expect(r.record).toMatchObject({ topic: 's', key: int(1), timestamp: 1234 });
    expect(JSON.parse(r.record!.value!.toString('utf8'))).toEqual({ V: 2, D: 1.5 });
    // the engine does not process it: the caller writes it to the topic
    expect(values(e.process(r.record!))).toEqual([{ V: 2, D: 1.5 }]);
    expect(e.execute(`INSERT INTO S (ROWTIME, ID) VALUES (99, 3);`)[0].record?.timestamp).toBe(99);
    expect(() => e.execute(`INSERT INTO S (ID, V) VALUES (1, 'x');`)).toThrow(
      "Failed to insert values into 'S'. Expected type BIGINT for field `V` but got STRING(x)",
    );
    expect(() => e.execute(`INSERT INTO S (ID, V) VALUES (1, V);`)).toThrow('Unsupported column reference in insert value: V');
    expect(() => e.execute(`INSERT INTO T (NAME) VALUES ('a');`)).toThrow('Value for primary key column(s) ID is required for tables');
    expect(() => e.execute(`INSERT INTO X (ID) VALUES (1);`)).toThrow('Cannot insert values into an unknown stream/table: `X`');
  });

  test('pull queries read the latest rows of queryable tables', () => {
    const e = engineWith(`
      CREATE STREAM S (ID INT KEY, K STRING, V BIGINT) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON');
      CREATE TABLE C AS SELECT K, COUNT(*) AS N, SUM(V) AS T FROM S GROUP BY K;
      CREATE TABLE PLAIN (ID INT PRIMARY KEY, NAME STRING) WITH (KAFKA_TOPIC='p', VALUE_FORMAT='JSON');`);
    for (const [id, v] of [
      [1, { K: 'a', V: 1 }],
      [2, { K: 'b', V: 5 }],
      [3, { K: 'a', V: 2 }],
    ] as const)
      e.process({ topic: 's', key: int(id), value: json(v), timestamp: 0 });
    const r = e.pullQuery(`SELECT * FROM C WHERE K = 'a';`);
    expect(r.columns.map((c) => c.name)).toEqual(['K', 'N', 'T']);
    expect(r.rows).toEqual([['a', 2n, 3n]]);
    expect(e.pullQuery(`SELECT K, N * 2 AS D FROM C WHERE N > 1;`).rows).toEqual([['a', 4n]]);
    expect(() => e.pullQuery('SELECT * FROM PLAIN;')).toThrow("The `PLAIN` table isn't queryable.");
  });
});

describe("ksqlDB's query-validation tests", () => {
  const present = fs.existsSync(QTT_DIR);
  (present ? test : test.skip)(
    `pass rate on ${QTT_DIR} is at least ${QTT_FLOOR}`,
    () => {
      const results = runPaths([QTT_DIR]);
      const rate = results.filter((r) => r.pass).length / results.length;
      expect(results.length).toBeGreaterThan(500);
      expect(rate).toBeGreaterThanOrEqual(QTT_FLOOR);
    },
    120_000,
  );
  if (!present) test(`skipped: ${QTT_DIR} is absent`, () => expect(present).toBe(false));
});
