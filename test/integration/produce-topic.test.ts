/**
 * `streamform produce <topic>` of a user's project against the shared platform's real Kafka and
 * Schema Registry API: an Avro topic (the value serialized with the subject's latest schema in the
 * Confluent wire format, fields matched to the stream's columns case-insensitively) and a DELIMITED
 * one, generated and from a CSV file, read back decoded by `tail`. The project is a folder with a
 * cdktf.json and a synthesized stack pointing at the shared platform (STREAMFORM_PROJECT).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { produceTopicCommand } from '../../src/tools/cli/produce-topic';
import { tailTopic } from '../../src/tools/cli/tail';
import { KafkaAdminClient } from '../../src/provider/clients/kafka';
import { SchemaRegistryClient } from '../../src/provider/clients/schema-registry';
import { sharedEndpoints } from '../../src/tools/testkit/shared-platform';

jest.setTimeout(3 * 60_000);

const e = sharedEndpoints();
const run = Date.now().toString(36);
const topics = { avro: `produce-${run}.orders`, delimited: `produce-${run}.lines` };
const subject = `${topics.avro}-value`;
const connection = { bootstrapServers: [e.bootstrapServers] };
const admin = new KafkaAdminClient(connection);
const sr = new SchemaRegistryClient({ url: e.schemaRegistryUrl });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-produce-topic-'));
const saved = process.env.STREAMFORM_PROJECT;

const ORDER = {
  type: 'record',
  name: 'Order',
  namespace: 'io.streamform.it',
  fields: [
    { name: 'amount', type: 'double' },
    { name: 'qty', type: 'int' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};

beforeAll(async () => {
  const stack = path.join(dir, 'cdktf.out', 'stacks', 'orders-dev');
  fs.mkdirSync(stack, { recursive: true });
  fs.writeFileSync(path.join(dir, 'cdktf.json'), JSON.stringify({ app: 'node dist/main.js', output: 'cdktf.out' }));
  fs.writeFileSync(
    path.join(stack, 'cdk.tf.json'),
    JSON.stringify({
      provider: { streamform: [{ bootstrap_servers: e.bootstrapServers, schema_registry_url: e.schemaRegistryUrl }] },
      resource: {
        streamform_topic: { Orders: { name: topics.avro }, Lines: { name: topics.delimited } },
        streamform_ksql_stream: {
          Orders: {
            statement: `CREATE STREAM ORDERS (ORDER_ID STRING KEY, AMOUNT DOUBLE, QTY INTEGER, NOTE STRING) WITH (KAFKA_TOPIC='${topics.avro}', VALUE_FORMAT='AVRO');`,
          },
          Lines: {
            statement: `CREATE STREAM LINES (ID STRING KEY, CITY STRING, N INTEGER) WITH (KAFKA_TOPIC='${topics.delimited}', VALUE_FORMAT='DELIMITED');`,
          },
        },
      },
    }),
  );
  for (const t of Object.values(topics)) await admin.createTopic({ name: t, partitions: 1, replicationFactor: 1, configs: {} });
  await sr.register(subject, { schema: JSON.stringify(ORDER), schemaType: 'AVRO' });
  process.env.STREAMFORM_PROJECT = dir;
});

afterAll(async () => {
  if (saved === undefined) delete process.env.STREAMFORM_PROJECT;
  else process.env.STREAMFORM_PROJECT = saved;
  for (const t of Object.values(topics)) await admin.deleteTopic(t).catch(() => undefined);
  await sr.deleteSubject(subject).catch(() => undefined);
  await admin.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('Avro: generated records and CSV records, in the wire format of the latest schema, decoded back', async () => {
  await produceTopicCommand({ positionals: ['produce', topics.avro], options: { count: '4', seed: '9' } });
  fs.writeFileSync(path.join(dir, 'orders.csv'), 'order_id,amount,qty,note\no-1,12.5,3,"gift, wrapped"\no-2,1,1,\n');
  await produceTopicCommand({ positionals: ['produce', topics.avro], options: { file: path.join(dir, 'orders.csv') } });

  const t = await tailTopic(connection, sr, { topic: topics.avro, last: 10, timeoutMs: 20_000 });
  expect(t.warnings).toEqual([]);
  expect(t.rows).toHaveLength(6);
  for (const r of t.rows.slice(0, 4)) {
    expect(typeof r.key).toBe('string');
    expect(typeof r.amount).toBe('number');
    expect(Number.isInteger(r.qty)).toBe(true);
  }
  expect(t.rows.slice(4)).toEqual([
    expect.objectContaining({ key: 'o-1', amount: 12.5, qty: 3, note: 'gift, wrapped' }),
    expect.objectContaining({ key: 'o-2', amount: 1, qty: 1, note: null }),
  ]);
});

test('DELIMITED: the value columns in order, the key column as the key', async () => {
  fs.writeFileSync(path.join(dir, 'lines.jsonl'), '{"id":"a","city":"Oslo","n":1}\n{"ID":"b","CITY":"Bergen","N":2}\n');
  await produceTopicCommand({ positionals: ['produce', topics.delimited], options: { file: path.join(dir, 'lines.jsonl') } });
  const t = await tailTopic(connection, sr, { topic: topics.delimited, last: 10, timeoutMs: 20_000 });
  expect(t.rows.map((r) => [r.key, r.value])).toEqual([
    ['a', 'Oslo,1'],
    ['b', 'Bergen,2'],
  ]);
});

test('a topic without a stream declaring its columns needs --file; an Avro topic without a subject is named', async () => {
  await expect(produceTopicCommand({ positionals: ['produce', 'nope'], options: {} })).rejects.toThrow(
    `topic 'nope' is not declared by orders-dev; the topics there: ${[topics.delimited, topics.avro].sort().join(', ')}`,
  );
  await sr.deleteSubject(subject);
  await expect(produceTopicCommand({ positionals: ['produce', topics.avro], options: { count: '1' } })).rejects.toThrow(
    `${topics.avro} is Avro but the registry has no subject ${subject}; deploy the stack that declares its schema first`,
  );
});
