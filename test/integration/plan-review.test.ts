/**
 * Plan review over real OpenTofu plans of a small pipeline built with the public constructs,
 * against the shared test platform's Kafka, Schema Registry (Apicurio) and Connect. Starts: the
 * local ksqlDB in-process (no ksqlDB server can be obtained here).
 */
import { App, LocalBackend, TerraformStack } from 'cdktf';
import * as path from 'path';
import {
  Column,
  Compatibility,
  Connector,
  Duration,
  KsqlFormat,
  KsqlQuery,
  KsqlStream,
  KsqlType,
  QuerySink,
  Schema,
  SchemaFormat,
  StreamformCluster,
  Topic,
  ksql,
} from '../../constructs';
import { EXIT, exitCode, renderMarkdown, review, Review, runPlan } from '../../src/tools/gitops/plan-review';
import { type KsqlServer } from '../../src/tools/ksqldb/server';
import { sharedEndpoints, startSharedKsqldb } from '../../src/tools/testkit/shared-platform';
import { Workspace } from '../../src/tools/testkit/workspace';

jest.setTimeout(10 * 60_000);

const e = sharedEndpoints();
const run = Date.now().toString(36);
const T = `pr-${run}`;
const K = `PR_${run.toUpperCase()}`;
let ksqldb: KsqlServer;
let ws: Workspace;

interface Shape {
  partitions?: number;
  retentionDays?: number;
  filter?: string;
  aggregate?: boolean;
  avroFields?: object[];
  connectorTasks?: string;
  protect?: boolean;
  topicProtect?: boolean;
  allowReplacement?: boolean;
  amountType?: KsqlType;
}

const FIELDS = [{ name: 'id', type: 'string' }];

function synth(shape: Shape = {}): void {
  const app = new App({ outdir: path.join(ws.dir, 'out') });
  const stack = new TerraformStack(app, ws.name);
  new LocalBackend(stack, { path: path.join(ws.dir, 'terraform.tfstate') });
  new StreamformCluster(stack, 'Cluster', {
    brokers: 1,
    protect: shape.protect ?? false,
    endpoints: {
      bootstrapServers: e.bootstrapServers,
      schemaRegistryUrl: e.schemaRegistryUrl,
      connectUrl: e.connectUrl,
      ksqldbUrl: ksqldb.url,
    },
  });
  const orders = new Topic(stack, 'Orders', {
    topicName: `${T}.orders`,
    partitions: shape.partitions ?? 2,
    retention: Duration.days(shape.retentionDays ?? 7),
    allowReplacement: shape.allowReplacement,
    protect: shape.topicProtect,
  });
  new Schema(stack, 'OrdersValue', {
    topic: orders,
    format: SchemaFormat.avro({ type: 'record', name: 'Order', namespace: 'io.streamform.pr', fields: shape.avroFields ?? FIELDS }),
    compatibility: Compatibility.backward(),
  });
  const stream = new KsqlStream(stack, 'OrderStream', {
    name: `${K}_ORDERS`,
    topic: orders,
    valueFormat: KsqlFormat.JSON,
    columns: [Column.key('ID', KsqlType.string()), Column.value('AMOUNT', shape.amountType ?? KsqlType.int())],
  });
  const big = new KsqlQuery(stack, 'BigOrders', {
    sink: shape.aggregate
      ? QuerySink.table({ name: `${K}_BIG`, topic: { topicName: `${T}.big` } })
      : QuerySink.stream({ name: `${K}_BIG`, topic: { topicName: `${T}.big` } }),
    select: shape.aggregate
      ? ksql`SELECT ID, COUNT(*) AS N FROM ${stream} GROUP BY ID EMIT CHANGES`
      : ksql`SELECT * FROM ${stream} WHERE ${shape.filter ?? 'AMOUNT > 100'} EMIT CHANGES`,
  });
  if (!shape.aggregate) {
    new KsqlQuery(stack, 'HugeOrders', {
      sink: QuerySink.stream({ name: `${K}_HUGE`, topic: { topicName: `${T}.huge` } }),
      select: ksql`SELECT * FROM ${big} WHERE AMOUNT > 10000 EMIT CHANGES`,
    });
  }
  new Connector(stack, 'Export', {
    connectorName: `${T}-export`,
    config: {
      'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector',
      'tasks.max': shape.connectorTasks ?? '1',
      file: '/tmp/orders.txt',
      topics: orders.topicName,
    },
    reads: [orders],
  });
  app.synth();
}

async function reviewed(shape: Shape, policy = { protect: false, allowDestructive: false }): Promise<Review> {
  synth(shape);
  return review(await runPlan(path.join(ws.dir, 'out', 'stacks', ws.name), ws.env), policy, {
    stack: ws.name,
    env: policy.protect ? 'prod' : 'dev',
  });
}

function verdicts(r: Review, address: string): string {
  return r.changes
    .filter((c) => c.address.includes(address))
    .flatMap((c) => c.verdicts.map((v) => v.text))
    .join('\n');
}

beforeAll(async () => {
  ksqldb = await startSharedKsqldb();
  ws = new Workspace('plan-review', { bootstrapServers: e.bootstrapServers });
  synth();
  await ws.init();
});

afterAll(async () => {
  synth({ protect: false });
  await ws.destroy(true);
  await ksqldb?.close();
});

test('create: every object with what it is', async () => {
  const r = await reviewed({});
  expect(r.ok).toBe(true);
  expect(r.summary).toEqual({
    connector: { create: 1 },
    'ksql query': { create: 2 },
    'ksql stream': { create: 1 },
    schema: { create: 1 },
    topic: { create: 3 },
  });
  expect(verdicts(r, 'Orders_')).toContain('new topic: 2 partitions, replication factor 1');
  expect(exitCode(r)).toBe(0);
  const md = renderMarkdown(r);
  expect(md).toContain('| topic | 3 | 0 | 0 | 0 |');
  await ws.apply();
});

test('in-place change: partitions remap keys, configs listed, queries replaced in place, connectors restart', async () => {
  const r = await reviewed({ partitions: 4, retentionDays: 3, filter: 'AMOUNT > 500', connectorTasks: '2' });
  expect(r.ok).toBe(true);
  expect(r.changes.map((c) => c.action)).not.toContain('replace');
  const topic = verdicts(r, 'topic.Orders_');
  expect(topic).toContain('partitions 2 → 4: the key-to-partition mapping changes');
  const orders = r.changes.find((c) => c.type === 'streamform_topic' && c.name === `${T}.orders`)!;
  expect(orders.configDiff).toContain('retention.ms: 604800000 → 259200000');
  expect(verdicts(r, 'BigOrders')).toContain('CREATE OR REPLACE in place: the query keeps its id');
  // the reviewer sees the WHERE clause change as a unified diff of the canonical statements
  const big = r.changes.find((c) => c.type === 'streamform_ksql_query' && c.address.includes('BigOrders'))!;
  expect(big.sqlDiff!.filter((l) => /^[-+]/.test(l))).toEqual([
    expect.stringMatching(/^-WHERE .*100/),
    expect.stringMatching(/^\+WHERE .*500/),
  ]);
  const md = renderMarkdown(r);
  expect(md).toMatch(/```diff\n(?:.*\n)*? {2}-WHERE .*100\n {2}\+WHERE .*500\n/);
  expect(md.split('\n').find((l) => l.startsWith('**Plan:'))).toBe(
    `**Plan: 0 to add, ${r.totals.update} to change, 0 to replace, 0 to destroy.**`,
  );
  expect(verdicts(r, 'Export')).toContain('configuration changed (tasks.max): the connector and its tasks restart');
  expect(r.changes.find((c) => c.kind === 'connector')!.configDiff).toEqual(['tasks.max: 1 → 2']);
  await ws.apply();
});

test('replacement: a query that must be re-created reprocesses, with the queries downstream', async () => {
  const r = await reviewed({ partitions: 4, retentionDays: 3, aggregate: true, connectorTasks: '2' });
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(r.ok).toBe(true);
  const big = r.changes.find((c) => c.address.includes('BigOrders') && c.type === 'streamform_ksql_query')!;
  expect(big.action).toBe('replace');
  expect(big.verdicts.map((v) => v.text).join('\n')).toContain(
    'terminated and started again under a new query id, reading its input from the earliest retained offset',
  );
  expect(r.diagnostics.map((d) => d.summary)).toContain(`ksqlDB cannot change ${K}_BIG in place`);
  // the verdict names the ksqlDB rule that refuses the upgrade, and the rendered review carries it
  const why = r.diagnostics.find((d) => d.summary === `ksqlDB cannot change ${K}_BIG in place`)!;
  expect(why.detail).toMatch(/ksqlDB rule: \w+/);
  expect(renderMarkdown(r)).toMatch(/ksqlDB rule: \w+/);

  // A replaced source takes the queries reading it along, and the review names them.
  const typed = await reviewed({
    partitions: 4,
    retentionDays: 3,
    filter: 'AMOUNT > 500',
    connectorTasks: '2',
    amountType: KsqlType.bigint(),
  });
  expect(typed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const stream = typed.changes.find((c) => c.type === 'streamform_ksql_stream')!;
  expect(stream.action).toBe('replace');
  const downstream = stream.verdicts.find((v) => v.text.startsWith('downstream affected'))!.text;
  expect(downstream).toContain('streamform_ksql_query.BigOrders_');
  expect(downstream).toContain('streamform_ksql_query.HugeOrders_');
  expect(typed.changes.filter((c) => c.type === 'streamform_ksql_query').map((c) => c.action)).toEqual(['replace', 'replace']);
});

test('replacement of a topic says data loss', async () => {
  const r = await reviewed({ partitions: 1, retentionDays: 3, filter: 'AMOUNT > 500', connectorTasks: '2', allowReplacement: true });
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(r.ok).toBe(true);
  const topic = r.changes.find((c) => c.type === 'streamform_topic' && c.name === `${T}.orders`)!;
  expect(topic.action).toBe('replace');
  expect(topic.verdicts[0]).toEqual({
    level: 'danger',
    text: `topic ${T}.orders replaced (deleted and created again, because of partitions): data loss, all its messages are lost`,
  });
  // data loss comes first in the review
  expect(r.changes[0].verdicts.some((v) => v.level === 'danger')).toBe(true);
  // The queries' sink topics follow their source's partitions, so they are replaced with it.
  expect(
    r.changes
      .filter((c) => c.type === 'streamform_topic' && c.action === 'replace')
      .map((c) => c.name)
      .sort(),
  ).toEqual([`${T}.big`, `${T}.huge`, `${T}.orders`]);
});

test("an incompatible schema fails the review with the registry's reason", async () => {
  const r = await reviewed({
    partitions: 4,
    retentionDays: 3,
    filter: 'AMOUNT > 500',
    connectorTasks: '2',
    avroFields: [...FIELDS, { name: 'total', type: 'double' }],
  });
  expect(r.ok).toBe(false);
  expect(exitCode(r)).toBe(1);
  const md = renderMarkdown(r);
  expect(md).toContain('**The plan failed.**');
  expect(md).toContain(`Incompatible schema change for subject ${T}.orders-value`);
  expect(md).toMatch(/total at \/fields\/1/);
});

test('in prod, destroying protected data is blocked', async () => {
  const base = { partitions: 4, retentionDays: 3, filter: 'AMOUNT > 500', connectorTasks: '2', protect: true };
  synth(base);
  await ws.apply();
  // The provider refuses to plan the destruction of protected objects.
  const destroy = review(
    await runPlan(path.join(ws.dir, 'out', 'stacks', ws.name), ws.env, ['-destroy']),
    { protect: true, allowDestructive: false },
    { stack: ws.name, env: 'prod' },
  );
  expect(exitCode(destroy)).toBe(1);
  expect(renderMarkdown(destroy)).toMatch(/is protected/);
  expect(destroy.diagnostics.every((d) => d.severity !== 'error' || /is protected$/.test(d.summary))).toBe(true);
  synth({ ...base, protect: false });
  await ws.apply();
});

test('in prod, an object someone left unprotected is still caught by the environment policy', async () => {
  const lone = new Workspace('plan-review-policy', { bootstrapServers: e.bootstrapServers });
  const build = (partitions: number) => {
    const app = new App({ outdir: path.join(lone.dir, 'out') });
    const stack = new TerraformStack(app, lone.name);
    new LocalBackend(stack, { path: path.join(lone.dir, 'terraform.tfstate') });
    new StreamformCluster(stack, 'Cluster', { brokers: 1, protect: true, endpoints: { bootstrapServers: e.bootstrapServers } });
    new Topic(stack, 'Audit', { topicName: `${T}.audit`, partitions, allowReplacement: true, protect: false });
    app.synth();
  };
  build(2);
  await lone.init();
  await lone.apply();
  build(1);
  const dir = path.join(lone.dir, 'out', 'stacks', lone.name);
  const refused = review(await runPlan(dir, lone.env), { protect: true, allowDestructive: false }, { stack: lone.name, env: 'prod' });
  expect(refused.ok).toBe(true);
  expect(refused.forbidden.map((c) => c.name)).toEqual([`${T}.audit`]);
  expect(exitCode(refused)).toBe(EXIT.refused);
  expect(renderMarkdown(refused)).toContain('### 🛑 Forbidden in prod');
  const allowed = review(await runPlan(dir, lone.env), { protect: true, allowDestructive: true }, { stack: lone.name, env: 'prod' });
  expect(exitCode(allowed)).toBe(0);
  await lone.destroy(true);
});

test('a topic rename names the old topic as the one whose messages are lost', async () => {
  const ren = new Workspace('plan-review-rename', { bootstrapServers: e.bootstrapServers });
  const build = (name: string) => {
    const app = new App({ outdir: path.join(ren.dir, 'out') });
    const stack = new TerraformStack(app, ren.name);
    new LocalBackend(stack, { path: path.join(ren.dir, 'terraform.tfstate') });
    new StreamformCluster(stack, 'Cluster', { brokers: 1, endpoints: { bootstrapServers: e.bootstrapServers } });
    new Topic(stack, 'Events', { topicName: name, partitions: 1, allowReplacement: true });
    app.synth();
  };
  build(`${T}.events`);
  await ren.init();
  await ren.apply();
  build(`${T}.events-v2`);
  const r = review(
    await runPlan(path.join(ren.dir, 'out', 'stacks', ren.name), ren.env),
    { protect: false, allowDestructive: false },
    {
      stack: ren.name,
      env: 'dev',
    },
  );
  const c = r.changes.find((x) => x.type === 'streamform_topic')!;
  expect(c).toMatchObject({ action: 'replace', name: `${T}.events`, newName: `${T}.events-v2` });
  expect(c.verdicts[0].text).toContain(`all messages of ${T}.events are lost`);
  expect(renderMarkdown(r)).toContain(`**replace** topic \`${T}.events\` → \`${T}.events-v2\``);
  expect(r.totals).toMatchObject({ replace: 1, dataLoss: 1 });
  await ren.destroy(true);
});
