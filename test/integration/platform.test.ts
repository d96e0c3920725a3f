/**
 * The dev platform stack deployed by the real `cdktf deploy` (OpenTofu + kreuzwerker/docker) to the
 * local Docker engine: Kafka (KRaft), Apicurio Registry (Confluent API), Kafka Connect with Debezium.
 * Starts: containers, a network and volumes prefixed `sf-it-platform`, on ports 29092/28081/28083.
 */
import axios from 'axios';
import { Kafka, logLevel } from 'kafkajs';
import { run } from '../../src/tools/toolchain/run';
import { deploy, destroy, DevInstance, devInstance, dockerObjects, forceCleanup, plan } from '../../src/tools/testkit/instance';

jest.setTimeout(15 * 60_000);

const STACK = 'platform-dev';
let sf: DevInstance;

beforeAll(async () => {
  sf = devInstance('sf-it-platform', 20000);
  await forceCleanup(sf.name);
  await deploy(sf, STACK);
});

afterAll(async () => {
  await forceCleanup(sf.name);
});

function kafka(): Kafka {
  return new Kafka({ brokers: [`localhost:${sf.ports.kafka}`], clientId: 'platform-test', logLevel: logLevel.NOTHING });
}

async function produceAndConsume(topic: string, value: string): Promise<string[]> {
  const k = kafka();
  const admin = k.admin();
  await admin.connect();
  const existing = await admin.listTopics();
  if (!existing.includes(topic)) await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = k.producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ key: 'k', value }] });
  await producer.disconnect();
  return consumeAll(topic);
}

/**
 * Offsets of a topic, retried while partition leadership settles (right after a broker restart
 * Kafka answers NOT_LEADER_OR_FOLLOWER for a moment; kafkajs marks such errors retriable).
 */
async function topicOffsets(k: Kafka, topic: string): Promise<{ high: string; low: string }[]> {
  for (let attempt = 1; ; attempt++) {
    const admin = k.admin();
    await admin.connect();
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (err) {
      if (!(err as { retriable?: boolean }).retriable || attempt >= 30) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      await admin.disconnect();
    }
  }
}

async function consumeAll(topic: string): Promise<string[]> {
  const k = kafka();
  const offsets = await topicOffsets(k, topic);
  const expected = offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  const consumer = k.consumer({ groupId: `platform-test-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumed ${values.length} of ${expected} messages from ${topic}`)), 60_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? '');
        if (values.length >= expected) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return values;
}

const registry = () => `http://localhost:${sf.ports.schemaRegistry}/apis/ccompat/v7`;
const SR_JSON = { 'Content-Type': 'application/vnd.schemaregistry.v1+json' };

test('a message produced through the published port is consumed back', async () => {
  const values = await produceAndConsume('platform-smoke', 'hello streamform');
  expect(values).toContain('hello streamform');
});

test('a schema is registered and read back through the Confluent API', async () => {
  const schema = { type: 'record', name: 'Rating', namespace: 'io.streamform.test', fields: [{ name: 'stars', type: 'int' }] };
  const registered = await axios.post(
    `${registry()}/subjects/ratings-value/versions`,
    { schema: JSON.stringify(schema) },
    { headers: SR_JSON },
  );
  expect(registered.data.id).toEqual(expect.any(Number));
  const latest = await axios.get(`${registry()}/subjects/ratings-value/versions/latest`);
  expect(latest.data).toMatchObject({ subject: 'ratings-value', version: 1, id: registered.data.id });
  expect(JSON.parse(latest.data.schema)).toEqual(schema);
  const config = await axios.get(`${registry()}/config`);
  expect(config.data.compatibilityLevel).toBe('BACKWARD');
});

test('Connect lists the Debezium MySQL, MariaDB, Postgres and JDBC plugins', async () => {
  const plugins = await axios.get<{ class: string }[]>(`http://localhost:${sf.ports.connect}/connector-plugins`);
  const classes = plugins.data.map((p) => p.class);
  expect(classes).toEqual(
    expect.arrayContaining([
      'io.debezium.connector.mysql.MySqlConnector',
      'io.debezium.connector.mariadb.MariaDbConnector',
      'io.debezium.connector.postgresql.PostgresConnector',
      'io.debezium.connector.jdbc.JdbcSinkConnector',
    ]),
  );
});

test('ports are published on 127.0.0.1 only', async () => {
  const out = await run('docker', ['port', `${sf.name}-kafka`]);
  expect(out.trim().split('\n')).toEqual([`9092/tcp -> 127.0.0.1:${sf.ports.kafka}`]);
});

test('a second plan after deploy reports no changes', async () => {
  const result = await plan(sf, STACK);
  expect(result.output).toContain('No changes');
  expect(result.code).toBe(0);
});

test('topics, messages and schemas survive a container restart', async () => {
  await run('docker', ['restart', `${sf.name}-kafka`, `${sf.name}-schema-registry`]);
  await waitHealthy([`${sf.name}-kafka`, `${sf.name}-schema-registry`]);
  expect(await consumeAll('platform-smoke')).toContain('hello streamform');
  const latest = await axios.get(`${registry()}/subjects/ratings-value/versions/latest`);
  expect(latest.data.version).toBe(1);
});

test('cdktf destroy leaves no container, network or volume of the stack behind', async () => {
  expect((await dockerObjects(sf.name)).length).toBeGreaterThan(0);
  await destroy(sf, STACK);
  expect(await dockerObjects(sf.name)).toEqual([]);
});

async function waitHealthy(names: string[]): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const states = await Promise.all(
      names.map(async (n) => (await run('docker', ['inspect', '--format', '{{.State.Health.Status}}', n])).trim()),
    );
    if (states.every((s) => s === 'healthy')) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`${names.join(', ')} did not become healthy within 180 s`);
}
