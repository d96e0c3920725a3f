/**
 * Drift of ksqlDB objects through the streamform provider, driven by real OpenTofu over the local
 * ksqlDB (as in provider-ksql.test.ts): a WHERE changed and a query paused directly on ksqlDB's
 * REST API show in the plan and apply repairs them; a stream whose columns ksqlDB infers from the
 * Schema Registry plans no change, and a new schema version shows as a change of the stream.
 */
import { TerraformStack } from 'cdktf';
import { KafkaAdminClient } from '../../src/provider/clients/kafka';
import { KsqlClient } from '../../src/provider/clients/ksqldb';
import { SchemaRegistryClient } from '../../src/provider/clients/schema-registry';
import { queryStatus } from '../../src/provider/resources/ksql/drift';
import { ksqlQuery, ksqlStream, topic } from '../../src/gen/providers/streamform';
import { type KsqlServer } from '../../src/tools/ksqldb/server';
import { sharedEndpoints, startSharedKsqldb } from '../../src/tools/testkit/shared-platform';
import { address, Workspace } from '../../src/tools/testkit/workspace';

jest.setTimeout(10 * 60_000);

const e = sharedEndpoints();
const run = Date.now().toString(36).toUpperCase();
const P = `KD${run}`;
const T = `kd-${run.toLowerCase()}`;
const names = { ratings: `${P}_RATINGS`, live: `${P}_LIVE`, avro: `${P}_AVRO` };
const avroTopic = `${T}.avro`;
const avroSchema = (extra: boolean) =>
  JSON.stringify({
    type: 'record',
    name: 'Rating',
    namespace: 'io.streamform.test',
    fields: [
      { name: 'rating_id', type: 'long' },
      { name: 'stars', type: 'int' },
      ...(extra ? [{ name: 'channel', type: ['null', 'string'], default: null }] : []),
    ],
  });

let ksqldb: KsqlServer;
let ksql: KsqlClient;
const kafka = new KafkaAdminClient({ bootstrapServers: [e.bootstrapServers] });
const sr = new SchemaRegistryClient({ url: e.schemaRegistryUrl });
let ws: Workspace;
const a: Record<string, string> = {};

const LIVE_WITH = `WITH (KAFKA_TOPIC='${T}.live', PARTITIONS=1, REPLICAS=1)`;

function pipeline(): void {
  ws.synth((stack: TerraformStack) => {
    const ratingsTopic = new topic.Topic(stack, 'ratings_topic', { name: `${T}.ratings`, partitions: 1 });
    const avroTopicResource = new topic.Topic(stack, 'avro_topic', { name: avroTopic, partitions: 1 });
    const stream = new ksqlStream.KsqlStream(stack, 'ratings', {
      statement: `CREATE STREAM ${names.ratings} (USER_ID STRING KEY, STARS INT, CHANNEL STRING) WITH (KAFKA_TOPIC='${T}.ratings', VALUE_FORMAT='JSON');`,
      dependsOn: [ratingsTopic],
    });
    const query = new ksqlQuery.KsqlQuery(stack, 'live', {
      statement: `CREATE STREAM ${names.live} ${LIVE_WITH} AS SELECT * FROM ${names.ratings} WHERE CHANNEL <> 'test' EMIT CHANGES;`,
      dependsOn: [stream],
    });
    // the columns come from the Schema Registry, as seed 001's RATINGS
    const inferred = new ksqlStream.KsqlStream(stack, 'avro', {
      statement: `CREATE STREAM ${names.avro} WITH (KAFKA_TOPIC='${avroTopic}', VALUE_FORMAT='AVRO');`,
      dependsOn: [avroTopicResource],
    });
    a.stream = address(stream);
    a.query = address(query);
    a.avro = address(inferred);
  });
}

beforeAll(async () => {
  ksqldb = await startSharedKsqldb();
  ksql = new KsqlClient({ url: ksqldb.url });
  await sr.register(`${avroTopic}-value`, { schema: avroSchema(false), schemaType: 'AVRO' });
  ws = new Workspace('ksql-drift', { bootstrapServers: e.bootstrapServers, schemaRegistryUrl: e.schemaRegistryUrl, ksqldbUrl: ksqldb.url });
  pipeline();
  await ws.init();
});

afterAll(async () => {
  try {
    if (ws) {
      pipeline();
      await ws.destroy(true);
    }
    await sr.deleteSubject(`${avroTopic}-value`).catch(() => undefined);
  } finally {
    await ksqldb?.close();
    await kafka.close();
  }
});

test('apply, then plan twice: no changes (the schema-inferred AVRO stream included)', async () => {
  await ws.apply();
  const cat = await ksql.catalog();
  expect(cat.sources.get(names.avro)!.fields.map((f) => f.name)).toEqual(['RATING_ID', 'STARS']);
  expect(await ws.stateOf(a.avro)).toMatchObject({ inferred_columns: ['RATING_ID', 'STARS'] });
  expect(await ws.stateOf(a.query)).toMatchObject({ query_state: 'RUNNING' });
  expect((await ws.plan()).code).toBe(0);
  expect((await ws.plan()).code).toBe(0);
});

test('a WHERE changed outside streamform (CREATE OR REPLACE on the REST API) shows in the plan; apply repairs it', async () => {
  const queryId = (await ws.stateOf(a.query))!.query_id as string;
  await ksql.command(`CREATE OR REPLACE STREAM ${names.live} ${LIVE_WITH} AS SELECT * FROM ${names.ratings} WHERE STARS > 4 EMIT CHANGES;`);
  expect((await ksql.catalog()).queries.get(queryId)!.queryString).toMatch(/STARS > 4/);
  const plan = await ws.plan();
  expect(plan.code).toBe(2);
  expect(plan.output).toContain(`# ${a.query} will be updated in-place`);
  expect(plan.output).toMatch(/STARS > 4/);
  expect(plan.output).toContain('0 to add, 1 to change, 0 to destroy');
  await ws.apply();
  const q = (await ksql.catalog()).queries.get(queryId)!;
  expect(q.queryString).toMatch(/CHANNEL <> 'test'/);
  expect(q.queryString).not.toMatch(/STARS > 4/);
  expect((await ws.plan()).code).toBe(0);
});

test('a query paused outside streamform (PAUSE on the REST API) shows in the plan; apply resumes it', async () => {
  const queryId = (await ws.stateOf(a.query))!.query_id as string;
  await ksql.command(`PAUSE ${queryId};`);
  expect(queryStatus((await ksql.catalog()).queries.get(queryId)!)).toBe('PAUSED');
  const plan = await ws.plan();
  expect(plan.code).toBe(2);
  expect(plan.output).toMatch(/query_state\s+= "PAUSED" -> "RUNNING"/);
  expect(plan.output).toContain(`The query of ${names.live} is paused`);
  await ws.apply();
  expect(queryStatus((await ksql.catalog()).queries.get(queryId)!)).toBe('RUNNING');
  expect(await ws.stateOf(a.query)).toMatchObject({ query_id: queryId, query_state: 'RUNNING' });
  expect((await ws.plan()).code).toBe(0);
});

test('a new compatible schema version of the AVRO stream shows as a change of the stream; apply makes ksqlDB pick up its columns', async () => {
  await sr.register(`${avroTopic}-value`, { schema: avroSchema(true), schemaType: 'AVRO' });
  const plan = await ws.plan();
  expect(plan.code).toBe(2);
  expect(plan.output).toContain(`# ${a.avro} will be updated in-place`);
  expect(plan.output).toContain(`A new schema version changes the columns of ${names.avro}`);
  expect(plan.output.replace(/\s+/g, ' ')).toContain('picks up the new columns (CHANNEL)');
  expect(plan.output).toContain('0 to add, 1 to change, 0 to destroy');
  await ws.apply();
  expect((await ksql.catalog()).sources.get(names.avro)!.fields.map((f) => f.name)).toEqual(['RATING_ID', 'STARS', 'CHANNEL']);
  expect(await ws.stateOf(a.avro)).toMatchObject({ inferred_columns: ['RATING_ID', 'STARS', 'CHANNEL'] });
  expect((await ws.plan()).code).toBe(0);
});
