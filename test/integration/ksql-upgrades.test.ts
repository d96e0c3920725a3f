/**
 * Query upgrades through the provider, driven by real OpenTofu against the local ksqlDB over the
 * shared platform's Kafka: an aggregation whose WHERE changes is upgraded in place (same query
 * id, its counts continue); a sink's PARTITIONS change fails the plan with the fix until
 * delete_topic is true, then plans a replacement with its reason and applies without
 * "already exists" errors.
 */
import { TerraformStack } from 'cdktf';
import { Kafka, Partitioners, Producer } from 'kafkajs';
import { KafkaAdminClient, kafkaConfig } from '../../src/provider/clients/kafka';
import { KsqlClient } from '../../src/provider/clients/ksqldb';
import { ksqlQuery, ksqlStream, topic } from '../../src/gen/providers/streamform';
import { type KsqlServer } from '../../src/tools/ksqldb/server';
import { sharedEndpoints, startSharedKsqldb } from '../../src/tools/testkit/shared-platform';
import { address, Workspace } from '../../src/tools/testkit/workspace';

jest.setTimeout(10 * 60_000);

const e = sharedEndpoints();
const run = Date.now().toString(36).toUpperCase();
const P = `KU${run}`;
const T = `ku-${run.toLowerCase()}`;
const names = { views: `${P}_VIEWS`, counts: `${P}_COUNTS`, big: `${P}_BIG` };
let ksqldb: KsqlServer;
let ksql: KsqlClient;
const admin = new KafkaAdminClient({ bootstrapServers: [e.bootstrapServers] });
const kafka = new Kafka(kafkaConfig({ bootstrapServers: [e.bootstrapServers], clientId: 'ksql-upgrades-it' }));
let producer: Producer;

/** A phrase in OpenTofu's output, which wraps long diagnostics at any space. */
const phrase = (words: string): RegExp =>
  new RegExp(
    words
      .split(' ')
      .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('\\s+'),
  );

interface Spec {
  /** WHERE of the aggregation. */
  where: string;
  /** PARTITIONS of BIG's sink. */
  partitions: number;
  deleteTopic?: boolean;
}

function pipeline(ws: Workspace, spec: Spec): Record<string, string> {
  const a: Record<string, string> = {};
  ws.synth((stack: TerraformStack) => {
    const viewsTopic = new topic.Topic(stack, 'views_topic', { name: `${T}.views`, partitions: 1 });
    const stream = new ksqlStream.KsqlStream(stack, 'views', {
      statement: `CREATE STREAM ${names.views} (USER_ID STRING KEY, PAGE STRING, N INT) WITH (KAFKA_TOPIC='${T}.views', VALUE_FORMAT='JSON');`,
      dependsOn: [viewsTopic],
    });
    const counts = new ksqlQuery.KsqlQuery(stack, 'counts', {
      statement: `CREATE TABLE ${names.counts} WITH (KAFKA_TOPIC='${T}.counts') AS SELECT USER_ID, COUNT(*) AS VIEWS FROM ${names.views} WHERE ${spec.where} GROUP BY USER_ID EMIT CHANGES;`,
      deleteTopic: true,
      dependsOn: [stream],
    });
    const big = new ksqlQuery.KsqlQuery(stack, 'big', {
      statement: `CREATE STREAM ${names.big} WITH (KAFKA_TOPIC='${T}.big', PARTITIONS=${spec.partitions}) AS SELECT * FROM ${names.views} WHERE N > 5 EMIT CHANGES;`,
      deleteTopic: spec.deleteTopic ?? false,
      dependsOn: [stream],
    });
    a.counts = address(counts);
    a.big = address(big);
  });
  return a;
}

async function view(user: string, n: number): Promise<void> {
  await producer.send({ topic: `${T}.views`, acks: -1, messages: [{ key: user, value: JSON.stringify({ PAGE: 'home', N: n }) }] });
}

/** VIEWS of `user` in the COUNTS table (pull query), or undefined when it has no row. */
async function countOf(user: string): Promise<number | undefined> {
  const res = await fetch(`${ksqldb.url}/query`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/vnd.ksql.v1+json', Accept: 'application/vnd.ksql.v1+json' },
    body: JSON.stringify({ ksql: `SELECT VIEWS FROM ${names.counts} WHERE USER_ID = '${user}';` }),
  });
  const body = (await res.json()) as { row?: { columns: unknown[] } }[];
  const rows = body.filter((x) => x.row).map((x) => x.row!.columns[0] as number);
  return rows.at(-1);
}

/** Waits until the count of `user` is `expected` (or fails with the last value seen). */
async function expectCount(user: string, expected: number): Promise<void> {
  let last: number | undefined;
  for (let i = 0; i < 120; i++) {
    last = await countOf(user);
    if (last === expected) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(last).toBe(expected);
}

beforeAll(async () => {
  ksqldb = await startSharedKsqldb();
  ksql = new KsqlClient({ url: ksqldb.url });
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect().catch(() => undefined);
  await ksqldb?.close();
  await admin.close();
});

describe('query upgrades ksqlDB can and cannot make', () => {
  let ws: Workspace;
  let a: Record<string, string>;

  beforeAll(async () => {
    ws = new Workspace('ksqlup', { bootstrapServers: e.bootstrapServers, ksqldbUrl: ksqldb.url });
    a = pipeline(ws, { where: 'N > 1', partitions: 1 });
    await ws.init();
  });

  afterAll(async () => {
    pipeline(ws, { where: 'N > 0', partitions: 2, deleteTopic: true });
    await ws.destroy(true);
  });

  test("an aggregation's WHERE change is applied in place: same query id, the counts continue", async () => {
    await ws.apply();
    const before = (await ws.stateOf(a.counts))!.query_id as string;
    expect(before).toMatch(/^CTAS_/);
    await view('u1', 1); // filtered out
    await view('u1', 5);
    await view('u1', 5);
    await expectCount('u1', 2);

    pipeline(ws, { where: 'N > 0', partitions: 1 });
    const plan = await ws.plan();
    expect(plan.code).toBe(2);
    expect(plan.output).toContain('0 to add, 1 to change, 0 to destroy');
    expect(plan.output).not.toMatch(/forces replacement/);
    await ws.apply();
    expect((await ws.stateOf(a.counts))!.query_id).toBe(before);
    const q = (await ksql.catalog()).queries.get(before);
    expect(q?.queryString).toMatch(/N > 0/);

    // The new WHERE lets N=1 through. Continuing from its state and offsets the count is 2 + 2 = 4;
    // restarted without state it would be 5 (all input again), with state but re-reading the input 7.
    await view('u1', 1);
    await view('u1', 1);
    await expectCount('u1', 4);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await countOf('u1')).toBe(4);
  });

  test('a PARTITIONS change on a sink: the plan fails with the fix, then replaces the topic once delete_topic is true', async () => {
    expect((await admin.describeTopics([`${T}.big`])).get(`${T}.big`)?.partitions).toBe(1);
    pipeline(ws, { where: 'N > 0', partitions: 2 });
    const refused = await ws.plan();
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(phrase(`ksqlDB cannot change the topic of ${names.big}`));
    expect(refused.output).toMatch(phrase('has 1 partitions and the statement needs 2'));
    expect(refused.output).toMatch(phrase('set delete_topic = true on'));

    // delete_topic alone is an in-place change
    pipeline(ws, { where: 'N > 0', partitions: 1, deleteTopic: true });
    expect((await ws.plan()).output).toContain('0 to add, 1 to change, 0 to destroy');
    await ws.apply();

    pipeline(ws, { where: 'N > 0', partitions: 2, deleteTopic: true });
    const plan = await ws.plan();
    expect(plan.code).toBe(2);
    expect(plan.output).toMatch(/forces replacement/);
    expect(plan.output).toMatch(/TopicValidationUtil/);
    expect(plan.output).toMatch(phrase('has 1 partitions and the statement needs 2'));
    const applied = await ws.apply();
    // (the plan's warning quotes ksqlDB's refusal with '…' for the topic name; a real one would name it)
    expect(applied.output).not.toMatch(/Error:/);
    expect(applied.output).not.toMatch(phrase(`name '${T}.big' already exists`));
    expect((await admin.describeTopics([`${T}.big`])).get(`${T}.big`)?.partitions).toBe(2);
    const state = await ws.stateOf(a.big);
    const big = (await ksql.catalog()).sources.get(names.big)!;
    expect(big.writeQueries.map((w) => w.id)).toEqual([state!.query_id]);
    expect((await ws.plan()).code).toBe(0);
  });
});
