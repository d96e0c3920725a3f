/**
 * The local ksqlDB server processing data over the in-memory log: request batches, persistent
 * queries writing their sinks, pull and push queries, Schema Registry formats, query states, and
 * a restart that resumes every query exactly where it committed.
 */
import * as http from 'node:http';
import {
  MemoryRuntime,
  MemorySchemaRegistryClient,
  startKsqlServer,
  type KsqlServer,
  type KsqlServerOptions,
} from '../../src/tools/ksqldb/server';
import { ksqlOk, ksqlRequest } from '../support/ksql-rest';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(f: () => T | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

let servers: KsqlServer[] = [];
async function server(opts: KsqlServerOptions = {}): Promise<KsqlServer> {
  const s = await startKsqlServer({ port: 0, ...opts });
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

const ksql = (s: KsqlServer, sql: string, props: Record<string, unknown> = {}) => ksqlRequest(s.url, sql, props);
const ok = (s: KsqlServer, sql: string, props: Record<string, unknown> = {}) => ksqlOk(s.url, sql, props);

const EARLIEST = { 'auto.offset.reset': 'earliest' };
const intKey = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const values = (rt: MemoryRuntime, topic: string): string[] =>
  rt.records(topic).map((r) => (r.value === null ? 'null' : r.value.toString()));

async function produce(rt: MemoryRuntime, topic: string, rows: [number, object][], ts = 1000): Promise<void> {
  await rt.produce(rows.map(([k, v], i) => ({ topic, key: intKey(k), value: Buffer.from(JSON.stringify(v)), timestamp: ts + i })));
}

const PV = "CREATE STREAM PV (ID INT KEY, PAGE STRING, MS INT) WITH (kafka_topic='pv', value_format='JSON', partitions=2);";

describe('local ksqlDB over the in-memory log', () => {
  test('SET/UNSET scope the rest of the request and answer no entity; the query keeps its properties', async () => {
    const s = await server();
    const body = await ok(
      s,
      `SET 'auto.offset.reset'='earliest'; ${PV} CREATE STREAM HOME AS SELECT * FROM PV WHERE PAGE = 'home'; UNSET 'auto.offset.reset'; LIST STREAMS;`,
    );
    expect(body.map((e) => e['@type'])).toEqual(['currentStatus', 'currentStatus', 'streams']);
    expect(body[1].commandStatus).toEqual({ status: 'SUCCESS', message: 'Created query with ID CSAS_HOME_1', queryId: 'CSAS_HOME_1' });
    const [explain] = await ok(s, 'EXPLAIN CSAS_HOME_1;');
    expect(explain.queryDescription).toMatchObject({
      id: 'CSAS_HOME_1',
      overriddenProperties: { 'auto.offset.reset': 'earliest' },
      consumerGroupId: '_confluent-ksql-default_query_CSAS_HOME_1',
      queryType: 'PERSISTENT',
      state: 'RUNNING',
    });
    const bad = await ksql(s, 'LIST STREAMS;', { 'no.such.property': 1 });
    expect(bad.status).toBe(500);
    expect(bad.body.message).toBe("Not recognizable as ksql, streams, consumer, or producer property: 'no.such.property'");
  });

  test('a CSAS and a CTAS write their sinks; DESCRIBE EXTENDED counts; SHOW TOPICS hides internal topics', async () => {
    const rt = new MemoryRuntime();
    const s = await server({ runtime: rt });
    await ok(
      s,
      `${PV} CREATE STREAM HOME AS SELECT ID, PAGE FROM PV WHERE PAGE = 'home'; CREATE TABLE PAGES AS SELECT PAGE, COUNT(*) AS N FROM PV GROUP BY PAGE;`,
      EARLIEST,
    );
    await produce(rt, 'pv', [
      [1, { PAGE: 'home', MS: 1 }],
      [2, { PAGE: 'cart', MS: 2 }],
      [3, { PAGE: 'home', MS: 3 }],
    ]);
    await until(() => rt.records('PAGES').length === 3);
    expect(values(rt, 'HOME')).toEqual(['{"PAGE":"home"}', '{"PAGE":"home"}']);
    expect(rt.records('HOME').map((r) => r.key!.readInt32BE())).toEqual(expect.arrayContaining([1, 3]));
    expect(rt.records('PAGES').map((r) => `${r.key}=${r.value}`)).toEqual(expect.arrayContaining(['home={"N":2}', 'cart={"N":1}']));
    const [home, pages, topics, all] = await ok(s, 'DESCRIBE HOME EXTENDED; DESCRIBE PAGES; SHOW TOPICS; LIST ALL TOPICS;');
    expect(home.sourceDescription.statistics).toMatch(/total-messages:\s+2 /);
    expect(home.sourceDescription).toMatchObject({ extended: true, partitions: 2, replication: 1, topic: 'HOME' });
    expect(pages.sourceDescription.writeQueries.map((q: any) => [q.id, q.state])).toEqual([['CTAS_PAGES_3', 'RUNNING']]);
    expect(pages.sourceDescription.statement).toMatch(
      /^CREATE TABLE PAGES WITH \(CLEANUP_POLICY='compact', KAFKA_TOPIC='PAGES', PARTITIONS=2/,
    );
    expect(topics.topics.map((t: any) => t.name)).toEqual(['HOME', 'PAGES', 'pv']);
    expect(topics.topics[2]).toEqual({ name: 'pv', replicaInfo: [1, 1] });
    expect(all.topics.map((t: any) => t.name)).toEqual(
      expect.arrayContaining(['_confluent-ksql-default__command_topic', '_confluent-ksql-default_query_CTAS_PAGES_3-changelog']),
    );
    const [source] = await ok(s, 'DESCRIBE PV EXTENDED;');
    const offsets = source.sourceDescription.queryOffsetSummaries.find((x: any) => x.groupId.endsWith('CSAS_HOME_1'));
    expect(offsets.topicSummaries[0].offsets.reduce((n: number, o: any) => n + o.consumerOffset, 0)).toBe(3);
  });

  test('INSERT INTO ... VALUES produces the record to the source topic (no entity) and queries read it; refusals are 400', async () => {
    const rt = new MemoryRuntime();
    const s = await server({ runtime: rt });
    await ok(s, `${PV} CREATE STREAM HOME AS SELECT ID, PAGE FROM PV WHERE PAGE = 'home';`, EARLIEST);
    const answer = await ok(
      s,
      "INSERT INTO PV (ID, PAGE, MS) VALUES (7, 'home', 70); INSERT INTO PV (ID, PAGE, MS) VALUES (8, 'cart', 80);",
    );
    expect(answer).toEqual([]);
    expect(values(rt, 'pv').sort()).toEqual(['{"PAGE":"cart","MS":80}', '{"PAGE":"home","MS":70}']);
    await until(() => rt.records('HOME').length === 1);
    expect(rt.records('HOME')[0].key!.readInt32BE()).toBe(7);
    const refused = await ksql(s, 'INSERT INTO NOPE (ID) VALUES (1);');
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/Cannot insert values into an unknown stream\/table: `NOPE`/);
    expect(values(rt, 'pv')).toHaveLength(2);
  });

  test('pull queries: key lookups and scans of a CTAS table, a stream so far; a plain table is not queryable', async () => {
    const rt = new MemoryRuntime();
    const s = await server({ runtime: rt });
    await ok(s, `${PV} CREATE TABLE PAGES AS SELECT PAGE, COUNT(*) AS N, SUM(MS) AS T FROM PV GROUP BY PAGE;`, EARLIEST);
    await ok(s, "CREATE TABLE USERS (ID INT PRIMARY KEY, NAME STRING) WITH (kafka_topic='users', value_format='JSON', partitions=1);");
    await produce(rt, 'pv', [
      [1, { PAGE: 'home', MS: 10 }],
      [2, { PAGE: 'cart', MS: 5 }],
      [3, { PAGE: 'home', MS: 7 }],
    ]);
    await until(() => rt.records('PAGES').length === 3);
    const pull = async (sql: string): Promise<{ status: number; lines: any[] }> => {
      const res = await fetch(`${s.url}/query-stream`, { method: 'POST', body: JSON.stringify({ sql }) });
      const text = await res.text();
      return {
        status: res.status,
        lines: text
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l)),
      };
    };
    const lookup = await pull("SELECT * FROM PAGES WHERE PAGE = 'home';");
    expect(lookup.lines[0]).toMatchObject({ columnNames: ['PAGE', 'N', 'T'], columnTypes: ['STRING', 'BIGINT', 'INTEGER'] });
    expect(lookup.lines.slice(1)).toEqual([['home', 2, 17]]);
    const scan = await pull('SELECT PAGE, T FROM PAGES WHERE N >= 1;');
    expect(scan.lines.slice(1).sort()).toEqual([
      ['cart', 5],
      ['home', 17],
    ]);
    const stream = await pull('SELECT ID, PAGE FROM PV WHERE MS > 6;');
    expect(stream.lines.slice(1).sort()).toEqual([
      [1, 'home'],
      [3, 'home'],
    ]);
    const plain = await pull('SELECT * FROM USERS;');
    expect(plain.status).toBe(400);
    expect(plain.lines[0].message).toBe(
      "The `USERS` table isn't queryable. To derive a queryable table, you can do 'CREATE TABLE QUERYABLE_USERS AS SELECT * FROM USERS'. See https://cnfl.io/queries for more info.\nAdd EMIT CHANGES if you intended to issue a push query.",
    );
    const legacy = await fetch(`${s.url}/query`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/vnd.ksql.v1+json' },
      body: JSON.stringify({ ksql: "SELECT N FROM PAGES WHERE PAGE = 'cart';", streamsProperties: {} }),
    });
    const rows = (await legacy.json()) as any[];
    expect(rows[0].header.schema).toBe('`N` BIGINT');
    expect(rows[1]).toEqual({ row: { columns: [1] } });
  });

  test('push queries stream rows as records arrive, end at LIMIT, and are listed while open', async () => {
    const rt = new MemoryRuntime();
    const s = await server({ runtime: rt });
    await ok(s, PV);
    const lines: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const req = http.request(`${s.url}/query-stream`, { method: 'POST' }, (res) => {
        let buf = '';
        res.on('data', (c: Buffer) => {
          buf += c.toString();
          const parts = buf.split('\n');
          buf = parts.pop()!;
          lines.push(...parts);
        });
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end(JSON.stringify({ sql: "SELECT PAGE, ID FROM PV WHERE PAGE <> 'x' EMIT CHANGES LIMIT 2;", properties: {} }));
    });
    await until(() => lines.length === 1);
    const header = JSON.parse(lines[0]);
    const [queries] = await ok(s, 'LIST QUERIES;');
    expect(queries.queries).toEqual([expect.objectContaining({ id: header.queryId, queryType: 'PUSH', state: 'RUNNING' })]);
    await produce(rt, 'pv', [
      [1, { PAGE: 'x', MS: 1 }],
      [2, { PAGE: 'home', MS: 2 }],
    ]);
    await until(() => lines.length === 2);
    await produce(rt, 'pv', [
      [3, { PAGE: 'cart', MS: 3 }],
      [4, { PAGE: 'more', MS: 4 }],
    ]);
    await done;
    expect(lines.slice(1).map((l) => JSON.parse(l))).toEqual([
      ['home', 2],
      ['cart', 3],
    ]);
    const [after] = await ok(s, 'LIST QUERIES;');
    expect(after.queries).toEqual([]);
  });

  test('AVRO: CREATE and CSAS register <topic>-value; records round-trip; DROP ... DELETE TOPIC removes topic and subjects', async () => {
    const rt = new MemoryRuntime();
    const registry = new MemorySchemaRegistryClient();
    let s = await server({ runtime: rt, schemaRegistry: registry });
    await ok(
      s,
      "CREATE STREAM ORDERS (ID INT KEY, AMOUNT DOUBLE, ITEM STRING) WITH (kafka_topic='orders', value_format='AVRO', partitions=1); CREATE STREAM BIG WITH (value_format='AVRO') AS SELECT ID, ITEM, AMOUNT * 2 AS DOUBLED FROM ORDERS WHERE AMOUNT > 10;",
      EARLIEST,
    );
    expect((await registry.subjects()).sort()).toEqual(['BIG-value', 'orders-value']);
    const schema = await registry.latest('orders-value');
    // write two records with the registered schema (the wire format: magic byte, id, Avro body)
    const avro = await import('avsc');
    const type = avro.Type.forSchema(JSON.parse(schema!.schema));
    const wire = (v: object): Buffer => {
      const head = Buffer.alloc(5);
      head.writeInt32BE(schema!.id, 1);
      return Buffer.concat([head, type.toBuffer(v)]);
    };
    await rt.produce([
      { topic: 'orders', key: intKey(1), value: wire({ AMOUNT: 5, ITEM: 'pen' }) },
      { topic: 'orders', key: intKey(2), value: wire({ AMOUNT: 50, ITEM: 'desk' }) },
    ]);
    await until(() => rt.records('BIG').length === 1);
    const out = rt.records('BIG')[0].value!;
    const bigSchema = await registry.latest('BIG-value');
    expect(out.readInt32BE(1)).toBe(bigSchema!.id);
    expect(avro.Type.forSchema(JSON.parse(bigSchema!.schema)).fromBuffer(out.subarray(5))).toEqual({ ITEM: 'desk', DOUBLED: 100 });
    // after a restart the sink's schema id is known again before the first record
    await s.close();
    servers = [];
    s = await server({ runtime: rt, schemaRegistry: registry });
    await rt.produce([{ topic: 'orders', key: intKey(3), value: wire({ AMOUNT: 70, ITEM: 'lamp' }) }]);
    await until(() => rt.records('BIG').length === 2);
    expect(rt.records('BIG')[1].value!.readInt32BE(1)).toBe(bigSchema!.id);
    const [dropped] = await ok(s, 'DROP STREAM BIG DELETE TOPIC;');
    expect(dropped.statementText).toBe('DROP STREAM BIG;');
    expect(dropped.commandStatus.message).toBe('Source `BIG` (topic: BIG) was dropped.');
    expect(await rt.describeTopic('BIG')).toBeUndefined();
    expect(await registry.subjects()).toEqual(['orders-value']);
    expect(rt.groupIds()).not.toContain('_confluent-ksql-default_query_CSAS_BIG_1');
  });

  test("AVRO: CREATE STREAM with columns leaves a producer's schema as it is (ksqlDB registers only where the subject is new)", async () => {
    const rt = new MemoryRuntime();
    const registry = new MemorySchemaRegistryClient();
    const producerSchema = JSON.stringify({
      type: 'record',
      name: 'Rating',
      namespace: 'io.example',
      fields: [{ name: 'stars', type: 'int' }],
    });
    const id = await registry.register('ratings-value', producerSchema, 'AVRO');
    const s = await server({ runtime: rt, schemaRegistry: registry });
    await ok(s, "CREATE STREAM RATINGS (STARS INT) WITH (kafka_topic='ratings', value_format='AVRO', partitions=1);");
    expect(await registry.latest('ratings-value')).toMatchObject({ id, schema: producerSchema });
    await ok(s, "CREATE STREAM OTHER (N INT) WITH (kafka_topic='other', value_format='AVRO', partitions=1);");
    expect((await registry.latest('other-value'))?.schema).toContain('KsqlDataSourceSchema');
  });

  test('PAUSE and RESUME a query; a query whose source topic is gone is in ERROR after a restart', async () => {
    const rt = new MemoryRuntime();
    let s = await server({ runtime: rt });
    await ok(s, `${PV} CREATE STREAM COPY AS SELECT * FROM PV;`, EARLIEST);
    const [paused] = await ok(s, 'PAUSE CSAS_COPY_1;');
    expect(paused).toMatchObject({
      commandId: 'pause/CSAS_COPY_1/execute',
      commandStatus: { status: 'SUCCESS', message: 'Query paused.' },
    });
    await produce(rt, 'pv', [[1, { PAGE: 'a', MS: 1 }]]);
    await sleep(100);
    expect(rt.records('COPY')).toHaveLength(0);
    const [q] = await ok(s, 'LIST QUERIES;');
    expect(q.queries[0]).toMatchObject({ id: 'CSAS_COPY_1', state: 'PAUSED', statusCount: { PAUSED: 1 } });
    await ok(s, 'RESUME CSAS_COPY_1;');
    await until(() => rt.records('COPY').length === 1);
    await s.close();
    servers = [];
    await rt.deleteTopics(['pv']);
    s = await server({ runtime: rt });
    const [after] = await ok(s, 'LIST QUERIES;');
    expect(after.queries[0]).toMatchObject({ id: 'CSAS_COPY_1', state: 'ERROR' });
    const [explain] = await ok(s, 'EXPLAIN CSAS_COPY_1;');
    expect(explain.queryDescription.queryErrors[0]).toMatchObject({
      type: 'USER',
      errorMessage: expect.stringContaining('MissingSourceTopicException: One or more source topics were missing during rebalance: [pv]'),
    });
  });

  test('warnings of a statement (a stream-stream join without GRACE PERIOD) are in its entity', async () => {
    const s = await server();
    await ok(s, `${PV} CREATE STREAM CLICKS (ID INT KEY, SEEN STRING) WITH (kafka_topic='clicks', value_format='JSON', partitions=2);`);
    const [joined] = await ok(s, 'CREATE STREAM J AS SELECT PV.ID, PAGE, SEEN FROM PV JOIN CLICKS WITHIN 1 MINUTE ON PV.ID = CLICKS.ID;');
    expect(joined.warnings).toEqual([
      { message: expect.stringMatching(/^DEPRECATION NOTICE: Stream-stream joins statements without a GRACE PERIOD/) },
    ]);
  });

  test('records that cannot be deserialized are skipped and counted, or put the query in ERROR when asked', async () => {
    const rt = new MemoryRuntime();
    const s = await server({ runtime: rt });
    await ok(s, `${PV} CREATE STREAM LAX AS SELECT * FROM PV;`, EARLIEST);
    await ok(s, 'CREATE STREAM STRICT AS SELECT * FROM PV;', { ...EARLIEST, 'ksql.fail.on.deserialization.error': 'true' });
    await rt.produce([
      { topic: 'pv', key: intKey(1), value: Buffer.from('not json') },
      { topic: 'pv', key: intKey(2), value: Buffer.from('{"PAGE":"home","MS":1}') },
    ]);
    await until(() => rt.records('LAX').length === 1);
    let queries: any;
    for (let i = 0; i < 100 && queries?.queries.find((x: any) => x.id === 'CSAS_STRICT_3').state !== 'ERROR'; i++) {
      if (i > 0) await sleep(20);
      [queries] = await ok(s, 'LIST QUERIES;');
    }
    expect(queries.queries.map((q: any) => [q.id, q.state])).toEqual([
      ['CSAS_LAX_1', 'RUNNING'],
      ['CSAS_STRICT_3', 'ERROR'],
    ]);
    const [explain] = await ok(s, 'EXPLAIN CSAS_STRICT_3;');
    expect(explain.queryDescription.queryErrors[0]).toMatchObject({
      type: 'USER',
      errorMessage: expect.stringMatching(/^Failed to deserialize data for topic pv: /),
    });
    const [lax] = await ok(s, 'DESCRIBE LAX EXTENDED;');
    expect(lax.sourceDescription.errorStats).toMatch(/consumer-failed-messages:\s+1 /);
    expect(rt.records('STRICT')).toHaveLength(0);
  });

  test('a restart replays the command topic and resumes every query from what it committed', async () => {
    const rt = new MemoryRuntime();
    const registry = new MemorySchemaRegistryClient();
    let s = await server({ runtime: rt, schemaRegistry: registry, serviceId: 'svc_' });
    await ok(
      s,
      `${PV} CREATE STREAM HOME AS SELECT * FROM PV WHERE PAGE = 'home'; CREATE TABLE PAGES AS SELECT PAGE, COUNT(*) AS N FROM PV GROUP BY PAGE; CREATE TABLE WINDOWED AS SELECT PAGE, COUNT(*) AS N FROM PV WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY PAGE;`,
      EARLIEST,
    );
    await produce(rt, 'pv', [
      [1, { PAGE: 'home', MS: 1 }],
      [2, { PAGE: 'home', MS: 2 }],
    ]);
    await until(() => rt.records('PAGES').length === 2 && rt.records('WINDOWED').length === 2);
    const [before] = await ok(s, 'LIST QUERIES;');
    await s.close();
    servers = [];
    await produce(
      rt,
      'pv',
      [
        [3, { PAGE: 'home', MS: 3 }],
        [4, { PAGE: 'cart', MS: 4 }],
      ],
      2000,
    );
    s = await server({ runtime: rt, schemaRegistry: registry, serviceId: 'svc_' });
    const [after] = await ok(s, 'LIST QUERIES;');
    expect(after.queries.map((q: any) => q.id)).toEqual(before.queries.map((q: any) => q.id));
    expect(after.queries.map((q: any) => q.id)).toEqual(['CSAS_HOME_1', 'CTAS_PAGES_3', 'CTAS_WINDOWED_5']);
    await until(() => rt.records('PAGES').length === 4 && rt.records('WINDOWED').length === 4);
    expect(values(rt, 'HOME')).toHaveLength(3);
    expect(rt.records('PAGES').map((r) => `${r.key}=${r.value}`)).toEqual(['home={"N":1}', 'home={"N":2}', 'home={"N":3}', 'cart={"N":1}']);
    expect(values(rt, 'WINDOWED')).toEqual(['{"N":1}', '{"N":2}', '{"N":3}', '{"N":1}']);
    const next = await ok(s, "CREATE STREAM CART AS SELECT * FROM PV WHERE PAGE = 'cart';");
    // ids keep following the command topic's offsets
    expect(next[0].commandStatus.queryId).toBe('CSAS_CART_7');
  });
});
