/**
 * The engine API a server drives: sandboxes, query ids, one query at a time, transient queries,
 * and DROP's constraints as ksqlDB checks them (EngineContext, then MetaStoreImpl).
 */
import { KsqlEngine } from '../../src/tools/ksqldb/engine/engine';

const PV = "CREATE STREAM PV (ID INT KEY, PAGE STRING, N INT) WITH (kafka_topic='pv', value_format='JSON');";

function intKey(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

const record = (offset: number, id: number, value: object) => ({
  topic: 'pv',
  partition: 0,
  offset,
  key: intKey(id),
  value: Buffer.from(JSON.stringify(value)),
  timestamp: 1000 + offset,
});

function engine(): KsqlEngine {
  const e = new KsqlEngine({ topics: new Map([['pv', 2]]) });
  e.execute(PV);
  return e;
}

describe('engine API for a server', () => {
  test('a sandbox validates without touching the engine; query ids follow setNextQueryId', () => {
    const e = engine();
    e.setNextQueryId(7);
    const sandbox = e.sandbox();
    const [r] = sandbox.execute("CREATE STREAM HOME AS SELECT * FROM PV WHERE PAGE = 'home';");
    expect(r.queryId).toBe('CSAS_HOME_7');
    expect(sandbox.getSource('HOME')).toBeDefined();
    expect(e.getSource('HOME')).toBeUndefined();
    expect(e.queryIds()).toEqual([]);
    expect(sandbox.topicPartitions('HOME')).toBe(2);
    expect(e.topicPartitions('HOME')).toBeUndefined();
    const [live] = e.execute("CREATE STREAM HOME AS SELECT * FROM PV WHERE PAGE = 'home';");
    expect(live.queryId).toBe('CSAS_HOME_7');
    expect(e.nextQueryId).toBe(8);
  });

  test('request overrides apply to one execute call only', () => {
    const e = new KsqlEngine({ topics: new Map([['t', 1]]) });
    e.execute("CREATE STREAM S (V STRING) WITH (kafka_topic='t');", { 'ksql.persistence.default.format.value': 'JSON' });
    expect(e.getSource('S')!.valueFormat.format).toBe('JSON');
    expect(() => e.execute("CREATE STREAM S2 (V STRING) WITH (kafka_topic='t');")).toThrow(/missing the 'VALUE_FORMAT' property/);
  });

  test('processQuery runs one query and does not feed its outputs on; its stores carry its prefix', () => {
    const e = engine();
    const [copy] = e.execute('CREATE STREAM COPY AS SELECT * FROM PV;');
    const [counts] = e.execute('CREATE TABLE COUNTS AS SELECT PAGE, COUNT(*) AS C FROM COPY GROUP BY PAGE;');
    const out = e.processQuery(copy.queryId!, record(0, 1, { PAGE: 'home', N: 1 }));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ topic: 'COPY', queryId: copy.queryId });
    expect(e.stores.drainChangelog()).toEqual([]);
    const info = e.queryInfo(counts.queryId!)!;
    expect(info).toMatchObject({ sink: 'COUNTS', sinkTopic: 'COUNTS', sources: ['COPY'], sourceTopics: ['COPY'], isInsert: false });
    const agg = e.processQuery(counts.queryId!, { ...out[0], offset: 0, partition: 0 });
    expect(agg).toHaveLength(1);
    const log = e.stores.drainChangelog();
    expect(log.length).toBeGreaterThan(0);
    expect(log.every((x) => x.store.startsWith(`${info.storePrefix}-`))).toBe(true);
    expect([...e.queryStoreNames(counts.queryId!)].sort()).toEqual([...new Set(log.map((x) => x.store))].sort());
  });

  test('transient queries: every selected item a value column in SELECT order, no key required', () => {
    const e = engine();
    const t = e.transientQuery('SELECT PAGE, ID, N * 2 AS D FROM PV WHERE N > 1 EMIT CHANGES;', 't1');
    expect(t.columns.map((c) => [c.name, c.ns])).toEqual([
      ['PAGE', 'VALUE'],
      ['ID', 'VALUE'],
      ['D', 'VALUE'],
    ]);
    expect(t.process(record(0, 7, { PAGE: 'home', N: 3 })).map((r) => r.values)).toEqual([['home', 7, 6]]);
    expect(t.process(record(1, 8, { PAGE: 'home', N: 1 }))).toEqual([]);
    const agg = e.transientQuery('SELECT COUNT(*) AS C, PAGE FROM PV GROUP BY PAGE EMIT CHANGES;', 't2');
    agg.process(record(0, 7, { PAGE: 'a', N: 3 }));
    expect(agg.process(record(1, 8, { PAGE: 'a', N: 3 })).map((r) => r.values)).toEqual([[2n, 'a']]);
    expect(e.stores.names()).toEqual([]);
  });

  test('DROP: INSERT queries block it, then sources created from it (ksqlDB order and texts)', () => {
    const e = engine();
    e.execute("CREATE STREAM OTHER (ID INT KEY, PAGE STRING, N INT) WITH (kafka_topic='pv', value_format='JSON');");
    const [ins] = e.execute('INSERT INTO OTHER SELECT * FROM PV;');
    expect(() => e.execute('DROP STREAM PV;')).toThrow(
      `Cannot drop PV.\nThe following queries read from this source: [${ins.queryId}].\nThe following queries write into this source: [].\nYou need to terminate them before dropping PV.`,
    );
    e.execute(`TERMINATE ${ins.queryId};`);
    const [copy] = e.execute('CREATE STREAM COPY AS SELECT * FROM PV;');
    e.execute(`TERMINATE ${copy.queryId};`);
    expect(() => e.execute('DROP STREAM PV;')).toThrow(
      'Cannot drop PV.\nThe following streams and/or tables read from this source: [COPY].\nYou need to drop them before dropping PV.',
    );
    e.execute('DROP STREAM COPY;');
    expect(e.execute('DROP STREAM PV;')[0].message).toBe('Source `PV` (topic: pv) was dropped.');
  });

  test('refusals ksqlDB makes: upgrades that drop columns, joins of unequal partitions, CREATE OR REPLACE SOURCE', () => {
    const e = engine();
    e.execute('CREATE STREAM COPY AS SELECT ID, PAGE, N FROM PV;');
    expect(() => e.execute('CREATE OR REPLACE STREAM COPY AS SELECT ID, PAGE FROM PV;')).toThrow(
      "Cannot upgrade data source: DataSource '`COPY`' has schema = `ID` INTEGER KEY, `PAGE` STRING, `N` INTEGER which is not upgradeable to `ID` INTEGER KEY, `PAGE` STRING. (The following columns are changed, missing or reordered: [`N` INTEGER])",
    );
    e.setTopics(
      new Map([
        ['pv', 2],
        ['t3', 3],
        ['COPY', 2],
      ]),
    );
    e.execute("CREATE TABLE T3 (ID INT PRIMARY KEY, W STRING) WITH (kafka_topic='t3', value_format='JSON');");
    expect(() => e.execute('CREATE STREAM J AS SELECT PV.ID, PAGE, W FROM PV JOIN T3 ON PV.ID = T3.ID;')).toThrow(
      "Can't join `PV` with `T3` since the number of partitions don't match. `PV` partitions = 2; `T3` partitions = 3. Please repartition either one so that the number of partitions match.",
    );
    e.execute("CREATE SOURCE STREAM SRC (V STRING) WITH (kafka_topic='pv', value_format='JSON');");
    expect(() => e.execute("CREATE OR REPLACE STREAM SRC (V STRING, W STRING) WITH (kafka_topic='pv', value_format='JSON');")).toThrow(
      "Cannot add stream 'SRC': CREATE OR REPLACE is not supported on source streams.",
    );
    expect(e.dropConstraints('PV')).toEqual(['COPY']);
  });
});
