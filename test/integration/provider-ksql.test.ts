/**
 * ksqlDB streams, tables and queries through the streamform provider, driven by real OpenTofu.
 * Starts: the local ksqlDB in-process (src/tools/ksqldb; no ksqlDB server can be obtained here)
 * over the shared test platform's Kafka and Schema Registry, on its own service id.
 */
import { TerraformStack } from 'cdktf';
import { KafkaAdminClient } from '../../src/provider/clients/kafka';
import { KsqlClient } from '../../src/provider/clients/ksqldb';
import { ksqlQuery, ksqlStream, ksqlTable, topic } from '../../src/gen/providers/streamform';
import { type KsqlServer } from '../../src/tools/ksqldb/server';
import { sharedEndpoints, startSharedKsqldb } from '../../src/tools/testkit/shared-platform';
import { address, Workspace } from '../../src/tools/testkit/workspace';

jest.setTimeout(10 * 60_000);

const e = sharedEndpoints();
const run = Date.now().toString(36).toUpperCase();
const P = `KQ${run}`;
const T = `kq-${run.toLowerCase()}`;
let ksqldb: KsqlServer;
let ksql: KsqlClient;
const kafka = new KafkaAdminClient({ bootstrapServers: [e.bootstrapServers] });

beforeAll(async () => {
  ksqldb = await startSharedKsqldb();
  ksql = new KsqlClient({ url: ksqldb.url });
});

afterAll(async () => {
  await ksqldb?.close();
  await kafka.close();
});

interface Spec {
  filter?: string;
  extraColumn?: boolean;
  aggregate?: boolean;
  bad?: boolean;
}

const names = { ratings: `${P}_RATINGS`, live: `${P}_RATINGS_LIVE`, customers: `${P}_CUSTOMERS` };

function pipeline(ws: Workspace, spec: Spec = {}): Record<string, string> {
  const a: Record<string, string> = {};
  ws.synth((stack: TerraformStack) => {
    const ratingsTopic = new topic.Topic(stack, 'ratings_topic', { name: `${T}.ratings`, partitions: 2 });
    const customersTopic = new topic.Topic(stack, 'customers_topic', { name: `${T}.customers`, partitions: 2 });
    const stream = new ksqlStream.KsqlStream(stack, 'ratings', {
      statement: `CREATE STREAM ${names.ratings} (USER_ID STRING KEY, STARS INT, CHANNEL STRING${spec.extraColumn ? ', MESSAGE STRING' : ''})
  WITH (KAFKA_TOPIC='${T}.ratings', VALUE_FORMAT='JSON');`,
      dependsOn: [ratingsTopic],
    });
    const table = new ksqlTable.KsqlTable(stack, 'customers', {
      statement: `CREATE TABLE ${names.customers} (ID STRING PRIMARY KEY, NAME STRING) WITH (KAFKA_TOPIC='${T}.customers', VALUE_FORMAT='JSON');`,
      dependsOn: [customersTopic],
    });
    const select = spec.aggregate
      ? `SELECT USER_ID, COUNT(*) AS N FROM ${names.ratings} GROUP BY USER_ID EMIT CHANGES`
      : `SELECT * FROM ${names.ratings} WHERE ${spec.filter ?? "CHANNEL <> 'test'"} EMIT CHANGES`;
    const kind = spec.aggregate ? 'TABLE' : 'STREAM';
    const query = new ksqlQuery.KsqlQuery(stack, 'live', {
      statement: spec.bad
        ? `CREATE STREAM ${names.live} AS SELECT NO_SUCH_FUNCTION(STARS) FROM ${names.ratings} EMIT CHANGES;`
        : `CREATE ${kind} ${names.live} WITH (KAFKA_TOPIC='${T}.live', PARTITIONS=2, REPLICAS=1) AS ${select};`,
      dependsOn: [stream],
    });
    a.stream = address(stream);
    a.table = address(table);
    a.query = address(query);
  });
  return a;
}

describe('ksqlDB objects', () => {
  let ws: Workspace;
  let a: Record<string, string>;

  beforeAll(async () => {
    ws = new Workspace('ksql', { bootstrapServers: e.bootstrapServers, ksqldbUrl: ksqldb.url });
    a = pipeline(ws);
    await ws.init();
  });

  afterAll(async () => {
    pipeline(ws);
    await ws.destroy(true);
  });

  test('init, plan, apply; a second plan reports no changes', async () => {
    await ws.apply();
    const cat = await ksql.catalog();
    expect([...cat.sources.keys()]).toEqual(expect.arrayContaining([names.ratings, names.customers, names.live]));
    const live = cat.sources.get(names.live)!;
    expect(live.writeQueries).toHaveLength(1);
    expect(await ws.stateOf(a.query)).toMatchObject({ name: names.live, query_id: live.writeQueries[0].id, topic: `${T}.live` });
    expect((await ws.plan()).code).toBe(0);
  });

  test('whitespace, comments and keyword case are no change', async () => {
    pipeline(ws, { filter: "channel   <>   'test' -- a comment" });
    expect((await ws.plan()).code).toBe(0);
  });

  test('a changed filter is applied in place with CREATE OR REPLACE, keeping the query id', async () => {
    const before = (await ws.stateOf(a.query))!.query_id;
    pipeline(ws, { filter: 'STARS > 2' });
    const plan = await ws.plan();
    expect(plan.output).toContain('1 to change, 0 to destroy');
    await ws.apply();
    const after = await ws.stateOf(a.query);
    expect(after!.query_id).toBe(before);
    const q = (await ksql.catalog()).queries.get(before as string)!;
    expect(q.queryString).toMatch(/STARS > 2/);
  });

  test('a change ksqlDB cannot make in place shows a replacement and says why', async () => {
    pipeline(ws, { filter: 'STARS > 2', aggregate: true });
    const plan = await ws.plan();
    expect(plan.output).toMatch(/forces replacement/);
    expect(plan.output).toContain(`ksqlDB cannot change ${names.live} in place`);
    expect(plan.output).toContain('1 to add, 0 to change, 1 to destroy');
    pipeline(ws, { filter: 'STARS > 2' });
  });

  test('appending a column to a stream is an in-place CREATE OR REPLACE', async () => {
    pipeline(ws, { filter: 'STARS > 2', extraColumn: true });
    const plan = await ws.plan();
    expect(plan.output).toContain(`# ${a.stream} will be updated in-place`);
    await ws.apply();
    const fields = (await ksql.catalog()).sources.get(names.ratings)!.fields.map((f) => f.name);
    expect(fields).toContain('MESSAGE');
    expect((await ws.plan()).code).toBe(0);
  });

  test('a terminated query and a dropped table appear in the next plan, and apply repairs them', async () => {
    const queryId = (await ws.stateOf(a.query))!.query_id as string;
    await ksql.command(`TERMINATE ${queryId};`);
    await ksql.command(`DROP TABLE ${names.customers};`);
    const plan = await ws.plan();
    expect(plan.code).toBe(2);
    expect(plan.output).toContain(`The query of ${names.live} is not running`);
    expect(plan.output).toContain(`# ${a.table} will be created`);
    await ws.apply();
    const cat = await ksql.catalog();
    expect(cat.sources.has(names.customers)).toBe(true);
    expect(cat.sources.get(names.live)!.writeQueries).toHaveLength(1);
    expect((await ws.plan()).code).toBe(0);
  });

  test('a statement changed outside streamform appears in the next plan', async () => {
    await ksql.command(
      `CREATE OR REPLACE TABLE ${names.customers} (ID STRING PRIMARY KEY, NAME STRING, TIER STRING) WITH (KAFKA_TOPIC='${T}.customers', VALUE_FORMAT='JSON');`,
    );
    const plan = await ws.plan();
    expect(plan.code).toBe(2);
    expect(plan.output).toContain(`# ${a.table} must be replaced`);
    await ws.apply();
    expect((await ksql.catalog()).sources.get(names.customers)!.fields.map((f) => f.name)).toEqual(['ID', 'NAME']);
  });

  test("a statement ksqlDB refuses fails with ksqlDB's message and the resource address", async () => {
    pipeline(ws, { bad: true });
    const plan = await ws.plan();
    const text = plan.output.replace(/\s+/g, ' ');
    expect(plan.code).toBe(1);
    expect(text).toContain(`with ${a.query}`);
    expect(text).toMatch(/Can't find any functions with the name 'NO_SUCH_FUNCTION'/);
    pipeline(ws, { filter: 'STARS > 2', extraColumn: true });
  });

  test('destroy terminates queries before dropping, and keeps topics unless asked', async () => {
    await ws.destroy();
    const cat = await ksql.catalog();
    expect([...cat.sources.keys()].filter((n) => n.startsWith(P))).toEqual([]);
    expect([...cat.queries.values()].filter((q) => q.sinks.some((s) => s.startsWith(P)))).toEqual([]);
  });
});

describe('import and protocol behaviour', () => {
  test('import adopts an existing stream', async () => {
    const ws = new Workspace('ksql-import', { bootstrapServers: e.bootstrapServers, ksqldbUrl: ksqldb.url });
    const name = `${P}_LEGACY`;
    await kafka.createTopic({ name: `${T}.legacy`, partitions: 1, replicationFactor: 1, configs: {} });
    await ksql.command(`CREATE STREAM ${name} (ID STRING KEY, V INT) WITH (KAFKA_TOPIC='${T}.legacy', VALUE_FORMAT='JSON');`);
    ws.synth((stack) => {
      new ksqlStream.KsqlStream(stack, 'legacy', {
        statement: `create stream ${name.toLowerCase()} (id string key, v int) with (kafka_topic='${T}.legacy', value_format='json');`,
      }).importFrom(name);
    });
    await ws.init();
    const plan = await ws.plan();
    expect(plan.output).toContain('1 to import, 0 to add, 0 to change, 0 to destroy');
    await ws.apply();
    expect((await ws.plan()).code).toBe(0);
    await ws.destroy();
    expect((await ksql.catalog()).sources.has(name)).toBe(false);
    expect((await kafka.describeTopics([`${T}.legacy`])).has(`${T}.legacy`)).toBe(true);
  });

  test('a server that answers 503 while starting and commands that outlast its wait are retried and polled', async () => {
    const slow = await startSharedKsqldb({
      readyAfterMs: 3000,
      commandExecutionMs: 1500,
      commandResponseTimeoutMs: 200,
    });
    try {
      const ws = new Workspace('ksql-slow', { bootstrapServers: e.bootstrapServers, ksqldbUrl: slow.url });
      const name = `${P}_SLOW`;
      ws.synth((stack) => {
        const t = new topic.Topic(stack, 'slow_topic', { name: `${T}.slow`, partitions: 1 });
        new ksqlStream.KsqlStream(stack, 'slow', {
          statement: `CREATE STREAM ${name} (ID STRING KEY) WITH (KAFKA_TOPIC='${T}.slow', VALUE_FORMAT='JSON');`,
          dependsOn: [t],
        });
      });
      await ws.init();
      await ws.apply();
      expect((await new KsqlClient({ url: slow.url }).catalog()).sources.has(name)).toBe(true);
      await ws.destroy();
    } finally {
      await slow.close();
    }
  });
});
