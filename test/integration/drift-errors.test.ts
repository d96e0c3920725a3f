/**
 * Drift of connectors and topics made outside streamform, through real OpenTofu against the
 * shared platform's Kafka and Kafka Connect (as provider.test.ts): a connector paused on Connect's
 * REST API shows in the plan and apply resumes it; a topic config set outside shows as a warning
 * naming it and its value; partitions added outside are adopted with a warning and the stack still
 * applies. Objects are prefixed `drift-<run>`.
 */
import { TerraformStack } from 'cdktf';
import { ConnectClient } from '../../src/provider/clients/connect';
import { KafkaAdminClient } from '../../src/provider/clients/kafka';
import { connector, topic } from '../../src/gen/providers/streamform';
import { sharedEndpoints } from '../../src/tools/testkit/shared-platform';
import { address, Workspace } from '../../src/tools/testkit/workspace';

jest.setTimeout(10 * 60_000);

const e = sharedEndpoints();
const run = Date.now().toString(36);
const P = `drift-${run}`;
const names = { topic: `${P}.events`, connector: `${P}-events-source` };
const kafka = new KafkaAdminClient({ bootstrapServers: [e.bootstrapServers] });
const connect = new ConnectClient({ url: e.connectUrl });
const a: Record<string, string> = {};
let ws: Workspace;

function pipeline(retention = '3600000', exclusiveConfigs?: boolean): void {
  ws.synth((stack: TerraformStack) => {
    const t = new topic.Topic(stack, 'events', {
      name: names.topic,
      partitions: 3,
      config: { 'retention.ms': retention },
      exclusiveConfigs,
    });
    const c = new connector.Connector(stack, 'events_source', {
      name: names.connector,
      config: {
        'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector',
        'tasks.max': '1',
        file: '/etc/hostname',
        topic: t.name,
      },
    });
    a.topic = address(t);
    a.connector = address(c);
  });
}

/** The plan's text with line breaks and the box drawing of diagnostics folded into single spaces. */
const flat = (s: string) => s.replace(/[│╷╵]/g, ' ').replace(/\s+/g, ' ');

async function connectorState(): Promise<string | undefined> {
  return (await connect.status(names.connector))?.connector.state;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  ws = new Workspace('drift-errors', { bootstrapServers: e.bootstrapServers, connectUrl: e.connectUrl });
  pipeline();
  await ws.init();
});

afterAll(async () => {
  try {
    if (ws) {
      pipeline();
      await ws.destroy(true);
    }
  } finally {
    await kafka.close();
  }
});

test('apply, then plan: no changes, the connector recorded as RUNNING', async () => {
  await ws.apply();
  expect(await ws.stateOf(a.connector)).toMatchObject({ connector_state: 'RUNNING' });
  expect(await ws.stateOf(a.topic)).toMatchObject({ partitions: 3, unmanaged_configs: null });
  expect((await ws.plan()).code).toBe(0);
});

test('a connector paused outside streamform (PUT /pause) shows in the plan; apply resumes it', async () => {
  await connect.http.raw('put', `/connectors/${encodeURIComponent(names.connector)}/pause`);
  await until('the connector is PAUSED', async () => (await connectorState()) === 'PAUSED');
  const plan = await ws.plan();
  expect(plan.code).toBe(2);
  expect(plan.output).toContain(`# ${a.connector} will be updated in-place`);
  expect(plan.output).toMatch(/connector_state\s+= "PAUSED" -> "RUNNING"/);
  expect(flat(plan.output)).toContain(`Connector ${names.connector} is PAUSED`);
  expect(flat(plan.output)).toContain('apply resumes it');
  expect(plan.output).toContain('0 to add, 1 to change, 0 to destroy');
  await ws.apply();
  expect(await connectorState()).toBe('RUNNING');
  expect(await ws.stateOf(a.connector)).toMatchObject({ connector_state: 'RUNNING' });
  expect((await ws.plan()).code).toBe(0);
});

test('a topic config set outside streamform shows as a warning naming it and its value; it is kept', async () => {
  await kafka.setTopicConfigs(names.topic, { 'max.message.bytes': '2000000' }, []);
  const plan = await ws.plan();
  expect(plan.code).toBe(0);
  expect(flat(plan.output)).toContain(`Topic ${names.topic} has configs set outside streamform: max.message.bytes=2000000`);
  expect(flat(plan.output)).toContain('set exclusive_configs = true to have apply remove them');
  await ws.apply();
  expect(await ws.stateOf(a.topic)).toMatchObject({ unmanaged_configs: { 'max.message.bytes': '2000000' } });
  expect((await kafka.describeTopics([names.topic])).get(names.topic)!.configs['max.message.bytes'].value).toBe('2000000');
});

test('partitions raised outside (3 → 5) are adopted with a warning, and a change in the same stack still applies', async () => {
  await kafka.createPartitions(names.topic, 5);
  await until('the topic has 5 partitions', async () => (await kafka.describeTopics([names.topic])).get(names.topic)?.partitions === 5);
  const plan = await ws.plan();
  expect(plan.code).toBe(0);
  expect(flat(plan.output)).toContain(`Topic ${names.topic} has 5 partitions, the configuration asks for 3`);
  expect(flat(plan.output)).toContain('Kafka cannot remove partitions');
  expect(flat(plan.output)).toContain('Raise partitions to 5 in the configuration');
  expect(plan.output).not.toMatch(/Error:/);

  pipeline('7200000');
  const change = await ws.plan();
  expect(change.code).toBe(2);
  expect(change.output).toMatch(/"retention\.ms"\s+= "3600000" -> "7200000"/);
  expect(change.output).not.toMatch(/partitions\s+= 5 -> 3/);
  await ws.apply();
  const t = (await kafka.describeTopics([names.topic])).get(names.topic)!;
  expect(t.partitions).toBe(5);
  expect(t.configs['retention.ms'].value).toBe('7200000');
  expect(await ws.stateOf(a.topic)).toMatchObject({ partitions: 5 });
});

test('with exclusive_configs = true, apply removes the config set outside streamform', async () => {
  pipeline('7200000', true);
  const plan = await ws.plan();
  expect(plan.code).toBe(2);
  expect(flat(plan.output)).toContain('exclusive_configs is true, so apply removes max.message.bytes=2000000');
  await ws.apply();
  expect((await kafka.describeTopics([names.topic])).get(names.topic)!.configs['max.message.bytes'].isOverride).toBe(false);
  expect(await ws.stateOf(a.topic)).toMatchObject({ unmanaged_configs: null, partitions: 5 });
  expect((await ws.plan()).code).toBe(0);
});
