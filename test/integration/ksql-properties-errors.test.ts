/**
 * Issue 11, items 3 and 6, through real OpenTofu and the local ksqlDB (in-process, over the shared
 * test platform's Kafka and Schema Registry): a misspelt streams property fails the plan naming
 * the resource and the property; a query terminated outside streamform plans the truthful restart
 * text; destroying a stream that a query outside the configuration reads names that query as the
 * blocker, with the fix, and leaves it running.
 */
import { TerraformStack } from 'cdktf';
import { ksqlQuery, ksqlStream, topic } from '../../src/gen/providers/streamform';
import { KsqlClient } from '../../src/provider/clients/ksqldb';
import { type KsqlServer } from '../../src/tools/ksqldb/server';
import { sharedEndpoints, startSharedKsqldb } from '../../src/tools/testkit/shared-platform';
import { address, Workspace } from '../../src/tools/testkit/workspace';

jest.setTimeout(10 * 60_000);

const e = sharedEndpoints();
const run = Date.now().toString(36).toUpperCase();
const P = `KP${run}`;
const T = `kp-${run.toLowerCase()}`;
const names = { events: `${P}_EVENTS`, live: `${P}_LIVE`, foreign: `${P}_FOREIGN` };
let ksqldb: KsqlServer;
let ksql: KsqlClient;
let ws: Workspace;
let a: Record<string, string>;

function config(properties: Record<string, string>): void {
  a = {};
  ws.synth((stack: TerraformStack) => {
    const t = new topic.Topic(stack, 'events_topic', { name: `${T}.events`, partitions: 1 });
    const stream = new ksqlStream.KsqlStream(stack, 'events', {
      statement: `CREATE STREAM ${names.events} (ID STRING KEY, V INT) WITH (KAFKA_TOPIC='${T}.events', VALUE_FORMAT='JSON');`,
      dependsOn: [t],
    });
    const query = new ksqlQuery.KsqlQuery(stack, 'live', {
      statement: `CREATE STREAM ${names.live} WITH (KAFKA_TOPIC='${T}.live', PARTITIONS=1, REPLICAS=1) AS SELECT * FROM ${names.events} WHERE V > 0 EMIT CHANGES;`,
      streamsProperties: properties,
      dependsOn: [stream],
    });
    a.stream = address(stream);
    a.query = address(query);
  });
}

beforeAll(async () => {
  ksqldb = await startSharedKsqldb();
  ksql = new KsqlClient({ url: ksqldb.url });
  ws = new Workspace('ksql-props', { bootstrapServers: e.bootstrapServers, ksqldbUrl: ksqldb.url });
  config({ 'auto.offset.reset': 'earliest' });
  await ws.init();
});

afterAll(async () => {
  try {
    const cat = await ksql.catalog();
    for (const q of cat.queries.values()) if (q.sinks.includes(names.foreign)) await ksql.command(`TERMINATE ${q.id};`);
    if (cat.sources.has(names.foreign)) await ksql.command(`DROP STREAM ${names.foreign};`);
    config({ 'auto.offset.reset': 'earliest' });
    await ws.destroy(true);
  } finally {
    await ksqldb?.close();
  }
});

test('a misspelt streams property fails the plan, naming the resource, the property and the closest name', async () => {
  config({ 'auto.offest.reset': 'earliest' });
  const plan = await ws.plan();
  const text = plan.output.replace(/\s+/g, ' ');
  expect(plan.code).toBe(1);
  expect(text).toContain("Unknown ksqlDB property 'auto.offest.reset'");
  expect(text).toContain(`with ${a.query}`);
  expect(text).toContain("did you mean 'auto.offset.reset'?");
  // Nothing reached ksqlDB.
  expect([...(await ksql.catalog()).sources.keys()].filter((n) => n.startsWith(P))).toEqual([]);
});

test('the local ksqlDB itself refuses the misspelt name the way ksqlDB does (HTTP 500)', async () => {
  const err = await ksql.execute('LIST STREAMS;', { 'auto.offest.reset': 'earliest' }).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(err).toMatchObject({
    status: 500,
    ksqlMessage: "Not recognizable as ksql, streams, consumer, or producer property: 'auto.offest.reset'",
  });
});

test('a query terminated outside streamform plans its restart under a new id from the configured offset reset', async () => {
  config({ 'auto.offset.reset': 'earliest' });
  await ws.apply();
  const queryId = (await ws.stateOf(a.query))!.query_id as string;
  expect(queryId).toMatch(/^CSAS_/);
  await ksql.command(`TERMINATE ${queryId};`);
  const plan = await ws.plan();
  const text = plan.output.replace(/\s+/g, ' ');
  expect(plan.code).toBe(2);
  expect(text).toContain(`The query of ${names.live} is not running`);
  expect(text).toContain('ksqlDB deleted its consumer group with it');
  expect(text).toContain('as a new query under a new query id');
  expect(text).toContain('auto.offset.reset=earliest');
  expect(text).not.toContain('resumes from its committed offsets');
  await ws.apply();
  const restarted = (await ws.stateOf(a.query))!.query_id as string;
  expect(restarted).not.toBe(queryId);
  expect((await ksql.catalog()).queries.has(restarted)).toBe(true);
  expect((await ws.plan()).code).toBe(0);
});

test('destroy with a query outside the configuration reading the stream names it as the blocker, and leaves it running', async () => {
  const { status } = await ksql.command(`CREATE STREAM ${names.foreign} AS SELECT * FROM ${names.events} EMIT CHANGES;`);
  const foreign = status!.queryId!;
  const destroy = await ws.destroy(true);
  expect(destroy.code).toBe(1);
  const out = destroy.output.replace(/\s+/g, ' ');
  expect(out).toContain(`Cannot drop ${names.events}: other queries use it`);
  expect(out).toContain(`Queries reading ${names.events}: ${foreign} (`);
  expect(out).toContain(`TERMINATE ${foreign};`);
  // OpenTofu gives no "with <address>" for a destroy; the error follows the resource's own progress line.
  expect(out).toContain(`${a.stream}: Destroying... [id=${names.events}] Error: Cannot drop ${names.events}: other queries use it`);
  const cat = await ksql.catalog();
  expect(cat.queries.has(foreign)).toBe(true);
  expect(cat.sources.has(names.events)).toBe(true);
  // The configuration's own query went first, as OpenTofu destroys dependents before the stream.
  expect(cat.sources.has(names.live)).toBe(false);
});
