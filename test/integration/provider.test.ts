/**
 * The streamform provider driven by real OpenTofu against the shared platform's real Kafka,
 * Schema Registry API (Apicurio ccompat) and Kafka Connect. Starts nothing itself beyond the
 * shared platform (see src/tools/testkit/shared-platform.ts); objects are prefixed `prov-<run>`.
 */
import { TerraformStack } from 'cdktf';
import { ConnectClient } from '../../src/provider/clients/connect';
import { KafkaAdminClient } from '../../src/provider/clients/kafka';
import { SchemaRegistryClient } from '../../src/provider/clients/schema-registry';
import { connector, schema, topic } from '../../src/gen/providers/streamform';
import { sharedEndpoints } from '../../src/tools/testkit/shared-platform';
import { address, Workspace } from '../../src/tools/testkit/workspace';

jest.setTimeout(10 * 60_000);

const e = sharedEndpoints();
const run = Date.now().toString(36);
const P = `prov-${run}`;
const kafka = new KafkaAdminClient({ bootstrapServers: [e.bootstrapServers] });
const sr = new SchemaRegistryClient({ url: e.schemaRegistryUrl });
const connect = new ConnectClient({ url: e.connectUrl });

const avro = (fields: object[]) => JSON.stringify({ type: 'record', name: 'Order', namespace: 'io.streamform.test', fields });
const V1 = avro([{ name: 'id', type: 'string' }]);
const V2 = avro([
  { name: 'id', type: 'string' },
  { name: 'amount', type: 'double', default: 0 },
]);

interface Pipeline {
  partitions?: number;
  retention?: string;
  schemaText?: string;
  connectorConfig?: Record<string, string>;
  allowReplacement?: boolean;
  protect?: boolean;
}

/** A topic, its value schema and a file source connector writing to the topic. */
function pipeline(ws: Workspace, p: Pipeline = {}): { topic: string; subject: string; connector: string; addresses: string[] } {
  const names = { topic: `${P}.orders`, subject: `${P}.orders-value`, connector: `${P}-orders-source` };
  const addresses: string[] = [];
  ws.synth((stack: TerraformStack) => {
    const t = new topic.Topic(stack, 'orders', {
      name: names.topic,
      partitions: p.partitions ?? 3,
      config: { 'retention.ms': p.retention ?? '3600000', 'cleanup.policy': 'delete' },
      allowReplacement: p.allowReplacement,
      deletionProtection: p.protect,
    });
    const s = new schema.Schema(stack, 'orders_value', { subject: names.subject, schema: p.schemaText ?? V1, compatibility: 'BACKWARD' });
    const c = new connector.Connector(stack, 'orders_source', {
      name: names.connector,
      config: p.connectorConfig ?? {
        'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector',
        'tasks.max': '1',
        file: '/etc/hostname',
        topic: t.name,
      },
      dependsOn: [s],
    });
    addresses.push(address(t), address(s), address(c));
  });
  return { ...names, addresses };
}

afterAll(async () => {
  await kafka.close();
});

describe('topic, schema and connector', () => {
  const ws = new Workspace('provider', {
    bootstrapServers: e.bootstrapServers,
    schemaRegistryUrl: e.schemaRegistryUrl,
    connectUrl: e.connectUrl,
  });
  let names: ReturnType<typeof pipeline>;

  beforeAll(async () => {
    names = pipeline(ws);
    await ws.init();
  });

  afterAll(async () => {
    pipeline(ws, { protect: false });
    await ws.destroy(true);
  });

  test('init, plan, apply; a second plan reports no changes', async () => {
    const first = await ws.plan();
    expect(first.code).toBe(2);
    expect(first.output).toContain('Plan: 3 to add, 0 to change, 0 to destroy.');
    await ws.apply();
    const topics = await kafka.describeTopics([names.topic]);
    expect(topics.get(names.topic)).toMatchObject({ partitions: 3 });
    expect(topics.get(names.topic)!.configs['retention.ms'].value).toBe('3600000');
    expect((await sr.latest(names.subject))?.version).toBe(1);
    expect((await connect.status(names.connector))?.connector.state).toBe('RUNNING');
    const second = await ws.plan();
    expect(second.output).toContain('No changes.');
    expect(second.code).toBe(0);
  });

  test('a topic config changed out of band appears in the next plan and apply repairs it', async () => {
    await kafka.setTopicConfigs(names.topic, { 'retention.ms': '1000' }, []);
    const drift = await ws.plan();
    expect(drift.code).toBe(2);
    expect(drift.output).toMatch(/"retention\.ms"\s+= "1000" -> "3600000"/);
    await ws.apply();
    expect((await kafka.describeTopics([names.topic])).get(names.topic)!.configs['retention.ms'].value).toBe('3600000');
    expect((await ws.plan()).code).toBe(0);
  });

  test('a deleted subject and a deleted connector appear in the next plan and apply repairs them', async () => {
    await sr.deleteSubject(names.subject, true);
    await connect.delete(names.connector);
    const drift = await ws.plan();
    expect(drift.code).toBe(2);
    expect(drift.output).toContain('Plan: 2 to add, 0 to change, 0 to destroy.');
    await ws.apply();
    expect(await sr.latest(names.subject)).toBeDefined();
    expect((await connect.status(names.connector))?.connector.state).toBe('RUNNING');
    expect((await ws.plan()).code).toBe(0);
  });

  test('partitions grow in place', async () => {
    pipeline(ws, { partitions: 5 });
    const plan = await ws.plan();
    expect(plan.output).toContain('~ partitions');
    expect(plan.output).toContain('0 to add, 1 to change, 0 to destroy');
    await ws.apply();
    expect((await kafka.describeTopics([names.topic])).get(names.topic)!.partitions).toBe(5);
  });

  test('fewer partitions: the topic keeps its count with a warning and the fix, unless replacement is allowed', async () => {
    pipeline(ws, { partitions: 2 });
    const kept = await ws.plan();
    expect(kept.code).toBe(0);
    expect(kept.output).toContain(`Topic ${names.topic} has 5 partitions, the configuration asks for 2`);
    expect(kept.output.replace(/\s+/g, ' ')).toContain('Kafka cannot remove partitions: the topic keeps 5');
    pipeline(ws, { partitions: 2, allowReplacement: true });
    const replace = await ws.plan();
    expect(replace.code).toBe(2);
    expect(replace.output).toMatch(/partitions\s+= 5 -> 2 # forces replacement/);
    await ws.apply();
    expect((await kafka.describeTopics([names.topic])).get(names.topic)!.partitions).toBe(2);
  });

  test('an incompatible schema change fails at plan with the registry reason and nothing is applied', async () => {
    pipeline(ws, {
      partitions: 2,
      allowReplacement: true,
      schemaText: avro([
        { name: 'id', type: 'string' },
        { name: 'amount', type: 'double' },
      ]),
    });
    const plan = await ws.plan();
    expect(plan.code).toBe(1);
    expect(plan.output).toContain(`Incompatible schema change for subject ${names.subject}`);
    expect(plan.output).toContain('amount');
    const apply = await ws.apply(true);
    expect(apply.code).toBe(1);
    expect(await sr.versions(names.subject)).toEqual([1]);
  });

  test('a compatible schema change registers a new version; whitespace alone is no change', async () => {
    pipeline(ws, { partitions: 2, allowReplacement: true, schemaText: V2 });
    await ws.apply();
    expect((await sr.latest(names.subject))?.version).toBe(2);
    pipeline(ws, { partitions: 2, allowReplacement: true, schemaText: JSON.stringify(JSON.parse(V2), null, 4) });
    expect((await ws.plan()).code).toBe(0);
  });

  test("a connector with a bad config fails at plan with Connect's message", async () => {
    pipeline(ws, {
      partitions: 2,
      allowReplacement: true,
      schemaText: V2,
      connectorConfig: {
        'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector',
        'tasks.max': 'many',
        file: '/etc/hostname',
        topic: names.topic,
      },
    });
    const plan = await ws.plan();
    expect(plan.code).toBe(1);
    expect(plan.output).toContain('Invalid connector configuration: tasks.max');
    expect(plan.output).toMatch(/Invalid value many for configuration\s+tasks\.max/);
  });

  test('deletion protection blocks destroy at plan time', async () => {
    pipeline(ws, { partitions: 2, allowReplacement: true, schemaText: V2, protect: true });
    await ws.apply();
    const destroy = await ws.tofu(['plan', '-destroy', '-no-color', '-input=false'], true);
    expect(destroy.code).toBe(1);
    expect(destroy.output).toContain(`Topic ${names.topic} is protected`);
    pipeline(ws, { partitions: 2, allowReplacement: true, schemaText: V2, protect: false });
    await ws.apply();
  });

  test('destroy removes everything', async () => {
    const out = await ws.destroy();
    expect(out.output).toContain('Destroy complete! Resources: 3 destroyed.');
    // The connector depends on the schema and writes to the topic: it must go first.
    const order = [...out.output.matchAll(/(\S+): Destroying\.\.\./g)].map((m) => m[1]);
    expect(order.indexOf(names.addresses[2])).toBeLessThan(order.indexOf(names.addresses[0]));
    expect((await kafka.describeTopics([names.topic])).has(names.topic)).toBe(false);
    expect(await sr.latest(names.subject)).toBeUndefined();
    expect(await connect.status(names.connector)).toBeUndefined();
  });
});

describe('import', () => {
  const ws = new Workspace('import', {
    bootstrapServers: e.bootstrapServers,
    schemaRegistryUrl: e.schemaRegistryUrl,
    connectUrl: e.connectUrl,
  });
  const t = `${P}.legacy`;
  const s = `${P}.legacy-value`;
  const c = `${P}-legacy-source`;

  afterAll(async () => {
    await ws.destroy(true);
  });

  test('adopts an existing topic, subject and connector without changing them', async () => {
    await kafka.createTopic({ name: t, partitions: 4, replicationFactor: 1, configs: { 'retention.ms': '7200000' } });
    await sr.register(s, { schemaType: 'AVRO', schema: V1 });
    const cfg = {
      'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector',
      'tasks.max': '1',
      file: '/etc/hostname',
      topic: t,
    };
    await connect.put(c, cfg);
    ws.synth((stack) => {
      new topic.Topic(stack, 'legacy', { name: t, partitions: 4, config: { 'retention.ms': '7200000' } }).importFrom(t);
      new schema.Schema(stack, 'legacy_value', { subject: s, schema: JSON.stringify(JSON.parse(V1), null, 2) }).importFrom(s);
      new connector.Connector(stack, 'legacy_source', { name: c, config: cfg }).importFrom(c);
    });
    await ws.init();
    const plan = await ws.plan();
    expect(plan.output).toContain('Plan: 3 to import, 0 to add, 0 to change, 0 to destroy.');
    await ws.apply();
    expect(await ws.stateList()).toHaveLength(3);
    expect((await ws.plan()).code).toBe(0);
    expect((await kafka.describeTopics([t])).get(t)!.partitions).toBe(4);
  });
});
