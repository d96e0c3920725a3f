/**
 * The provider against a Kafka broker that requires SASL authentication (SASL_PLAINTEXT, PLAIN):
 * credentials from the provider block and, for the password, from the environment only.
 * Starts: a Kafka container (`streamform/kafka` from the image catalog) with a SASL listener on a
 * free 127.0.0.1 port, removed at the end.
 */
import { App, LocalBackend, TerraformStack } from 'cdktf';
import * as net from 'net';
import * as path from 'path';
import { LOCAL_IMAGES } from '../../constructs/platform';
import { KafkaAdminClient } from '../../src/provider/clients/kafka';
import { provider, topic } from '../../src/gen/providers/streamform';
import { run } from '../../src/tools/toolchain/run';
import { Workspace } from '../../src/tools/testkit/workspace';

jest.setTimeout(6 * 60_000);

const NAME = `sf-it-sasl-${process.pid}`;
const PASSWORD = `pw-${Date.now().toString(36)}`;
let port: number;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

beforeAll(async () => {
  port = await freePort();
  await run('docker', [
    'run',
    '-d',
    '--name',
    NAME,
    '-p',
    `127.0.0.1:${port}:9092`,
    '-e',
    'KAFKA_NODE_ID=1',
    '-e',
    'KAFKA_PROCESS_ROLES=broker,controller',
    '-e',
    'CLUSTER_ID=c2FzbC10ZXN0LWNsdXN0ZXI',
    '-e',
    'KAFKA_LISTENERS=INTERNAL://:19092,SASL://:9092,CONTROLLER://:9093',
    '-e',
    `KAFKA_ADVERTISED_LISTENERS=INTERNAL://localhost:19092,SASL://localhost:${port}`,
    '-e',
    'KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=INTERNAL:PLAINTEXT,SASL:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
    '-e',
    'KAFKA_INTER_BROKER_LISTENER_NAME=INTERNAL',
    '-e',
    'KAFKA_CONTROLLER_LISTENER_NAMES=CONTROLLER',
    '-e',
    'KAFKA_CONTROLLER_QUORUM_VOTERS=1@localhost:9093',
    '-e',
    'KAFKA_SASL_ENABLED_MECHANISMS=PLAIN',
    '-e',
    `KAFKA_LISTENER_NAME_SASL_PLAIN_SASL_JAAS_CONFIG=org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="${PASSWORD}";`,
    '-e',
    'KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=1',
    '-e',
    'KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR=1',
    '-e',
    'KAFKA_TRANSACTION_STATE_LOG_MIN_ISR=1',
    LOCAL_IMAGES.kafka.ref,
  ]);
  const admin = new KafkaAdminClient({
    bootstrapServers: [`localhost:${port}`],
    securityProtocol: 'SASL_PLAINTEXT',
    sasl: { mechanism: 'PLAIN', username: 'alice', password: PASSWORD },
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await admin.listTopics();
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  await admin.close();
});

afterAll(async () => {
  await run('docker', ['rm', '-f', '-v', NAME]).catch(() => undefined);
});

function synth(ws: Workspace): void {
  const app = new App({ outdir: path.join(ws.dir, 'out') });
  const stack = new TerraformStack(app, ws.name);
  new LocalBackend(stack, { path: path.join(ws.dir, 'terraform.tfstate') });
  const p = new provider.StreamformProvider(stack, 'streamform', {
    bootstrapServers: `localhost:${port}`,
    kafkaSecurityProtocol: 'SASL_PLAINTEXT',
    kafkaSaslMechanism: 'PLAIN',
    kafkaSaslUsername: 'alice',
  });
  new topic.Topic(stack, 'secured', { provider: p, name: 'secured-orders', partitions: 2, config: { 'retention.ms': '60000' } });
  app.synth();
}

test('topics are managed through a SASL listener, the password coming from the environment only', async () => {
  const ws = new Workspace('sasl', { bootstrapServers: '' });
  synth(ws);
  const json = require(path.join(ws.dir, 'out', 'stacks', ws.name, 'cdk.tf.json'));
  expect(JSON.stringify(json)).not.toContain(PASSWORD);
  await ws.init();
  ws.env.STREAMFORM_KAFKA_SASL_PASSWORD = PASSWORD;
  await ws.apply();
  expect((await ws.plan()).code).toBe(0);
  const admin = new KafkaAdminClient({
    bootstrapServers: [`localhost:${port}`],
    securityProtocol: 'SASL_PLAINTEXT',
    sasl: { mechanism: 'PLAIN', username: 'alice', password: PASSWORD },
  });
  try {
    expect((await admin.describeTopics(['secured-orders'])).get('secured-orders')?.partitions).toBe(2);
  } finally {
    await admin.close();
  }

  ws.env.STREAMFORM_KAFKA_SASL_PASSWORD = 'wrong';
  const refused = await ws.plan();
  expect(refused.code).toBe(1);
  expect(refused.output.replace(/\s+/g, ' ')).toMatch(/SASL PLAIN authentication failed|Authentication failed/i);
  expect(refused.output).not.toContain(PASSWORD);

  ws.env.STREAMFORM_KAFKA_SASL_PASSWORD = PASSWORD;
  await ws.destroy();
});
