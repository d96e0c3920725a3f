/**
 * `streamform tail` against the shared platform's real Kafka and Schema Registry API (Apicurio
 * ccompat). Starts nothing itself beyond the shared platform (see src/tools/testkit/shared-platform.ts);
 * its topics and subjects are named `tail-<run>.*` and deleted afterwards.
 */
import { Kafka, Message, Partitioners, Producer } from 'kafkajs';
import { main } from '../../src/tools/cli/main';
import { renderTail, tailTopic } from '../../src/tools/cli/tail';
import { KafkaAdminClient, kafkaConfig } from '../../src/provider/clients/kafka';
import { SchemaRegistryClient } from '../../src/provider/clients/schema-registry';
import { avroType, avroWireEncoder } from '../../src/tools/generators/wire-format';
import { SHARED_NAME, SHARED_OFFSET, sharedEndpoints } from '../../src/tools/testkit/shared-platform';

jest.setTimeout(3 * 60_000);

const e = sharedEndpoints();
const run = Date.now().toString(36);
const P = `tail-${run}`;
const connection = { bootstrapServers: [e.bootstrapServers] };
const admin = new KafkaAdminClient(connection);
const sr = new SchemaRegistryClient({ url: e.schemaRegistryUrl });
const kafka = new Kafka(kafkaConfig({ ...connection, clientId: 'tail-it' }));
let producer: Producer;

const topics = { json: `${P}.json`, avro: `${P}.avro`, empty: `${P}.empty` };
const subject = `${topics.avro}-value`;
const base = Date.now() - 10 * 60_000;

const V1 = {
  type: 'record',
  name: 'Reading',
  namespace: 'io.streamform.it',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'sensor', type: 'string' },
    { name: 'value', type: 'double' },
  ],
};
const V2 = { ...V1, fields: [...V1.fields, { name: 'note', type: ['null', 'string'], default: null }] };

async function send(topic: string, messages: Message[]): Promise<void> {
  await producer.send({ topic, acks: -1, messages });
}

beforeAll(async () => {
  for (const t of Object.values(topics)) await admin.createTopic({ name: t, partitions: 3, replicationFactor: 1, configs: {} });
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();

  // JSON: partition 0 old, partition 1 in the middle, partition 2 old at first and newest at the end,
  // its very last message plain text.
  const json: Message[] = [];
  for (let i = 0; i < 10; i++)
    json.push({ partition: 0, key: `p0-${i}`, value: JSON.stringify({ SEQ: `p0-${i}`, N: i }), timestamp: String(base + 1000 + i) });
  for (let i = 0; i < 10; i++)
    json.push({ partition: 1, key: `p1-${i}`, value: JSON.stringify({ SEQ: `p1-${i}`, N: i }), timestamp: String(base + 5000 + i) });
  for (let i = 0; i < 5; i++)
    json.push({ partition: 2, key: `p2-${i}`, value: JSON.stringify({ SEQ: `p2-${i}`, N: i }), timestamp: String(base + 3000 + i) });
  for (let i = 5; i < 9; i++)
    json.push({ partition: 2, key: `p2-${i}`, value: JSON.stringify({ SEQ: `p2-${i}`, N: i }), timestamp: String(base + 9000 + i) });
  json.push({ partition: 2, key: 'p2-9', value: 'plain text, at the end', timestamp: String(base + 9500) });
  await send(topics.json, json);

  // Avro in the wire format, with two versions of the schema.
  const id1 = await sr.register(subject, { schemaType: 'AVRO', schema: JSON.stringify(V1) });
  const id2 = await sr.register(subject, { schemaType: 'AVRO', schema: JSON.stringify(V2) });
  expect(id2).not.toBe(id1);
  const enc1 = avroWireEncoder(avroType(V1), id1);
  const enc2 = avroWireEncoder(avroType(V2), id2);
  await send(topics.avro, [
    { partition: 0, key: 's-1', value: enc1({ id: 1, sensor: 'a', value: 1.5 }), timestamp: String(base + 100) },
    { partition: 1, key: 's-2', value: enc1({ id: 2, sensor: 'b', value: 2.5 }), timestamp: String(base + 200) },
    { partition: 2, key: 's-3', value: enc1({ id: 3, sensor: 'c', value: 3.5 }), timestamp: String(base + 300) },
    { partition: 0, key: 's-4', value: enc2({ id: 4, sensor: 'd', value: 4.5, note: 'calibrated' }), timestamp: String(base + 400) },
    { partition: 1, key: 's-5', value: enc2({ id: 5, sensor: 'e', value: 5.5, note: null }), timestamp: String(base + 500) },
    { partition: 1, key: 's-6', value: enc1({ id: 6, sensor: 'f', value: 6.5 }), timestamp: String(base + 600) },
  ]);
});

afterAll(async () => {
  await producer?.disconnect().catch(() => undefined);
  for (const t of Object.values(topics)) await admin.deleteTopic(t).catch(() => undefined);
  await sr.deleteSubject(subject).catch(() => undefined);
  await admin.close();
});

describe('tail', () => {
  test('the last N by timestamp across partitions, JSON and text decoded, in table, CSV and JSON', async () => {
    const started = Date.now();
    const t = await tailTopic(connection, sr, { topic: topics.json, last: 7 });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(t.warnings).toEqual([]);
    expect(t.headers).toEqual(['partition', 'offset', 'timestamp', 'key', 'SEQ', 'N', 'value']);
    expect(t.rows.map((r) => `${r.partition}:${r.offset}:${r.key}`)).toEqual([
      '1:8:p1-8',
      '1:9:p1-9',
      '2:5:p2-5',
      '2:6:p2-6',
      '2:7:p2-7',
      '2:8:p2-8',
      '2:9:p2-9',
    ]);
    expect(t.rows[0]).toEqual({ partition: 1, offset: 8, timestamp: new Date(base + 5008).toISOString(), key: 'p1-8', SEQ: 'p1-8', N: 8 });
    expect(t.rows[6]).toEqual({
      partition: 2,
      offset: 9,
      timestamp: new Date(base + 9500).toISOString(),
      key: 'p2-9',
      value: 'plain text, at the end',
    });

    const csv = renderTail(t, 'csv').split('\n');
    expect(csv).toHaveLength(8);
    expect(csv[0]).toBe('partition,offset,timestamp,key,SEQ,N,value');
    expect(csv[1]).toBe(`1,8,${new Date(base + 5008).toISOString()},p1-8,p1-8,8,`);
    expect(csv[7]).toBe(`2,9,${new Date(base + 9500).toISOString()},p2-9,,,"plain text, at the end"`);

    const json = JSON.parse(renderTail(t, 'json')) as Record<string, unknown>[];
    expect(json.map((r) => r.SEQ ?? r.value)).toEqual(['p1-8', 'p1-9', 'p2-5', 'p2-6', 'p2-7', 'p2-8', 'plain text, at the end']);

    const table = renderTail(t, 'table').split('\n');
    expect(table).toHaveLength(9);
    expect(table[0]).toMatch(/^partition\s+offset\s+timestamp\s+key\s+SEQ\s+N\s+value$/);
    expect(table[2]).toMatch(/^1\s+8\s+\S+Z\s+p1-8\s+p1-8\s+8$/);
  });

  test('fewer messages than N: all of them, oldest first, without waiting for more', async () => {
    const started = Date.now();
    const t = await tailTopic(connection, sr, { topic: topics.json, last: 1000 });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(t.rows).toHaveLength(30);
    expect(t.rows[0]).toMatchObject({ partition: 0, offset: 0, key: 'p0-0' });
    const times = t.rows.map((r) => Date.parse(r.timestamp as string));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  test('Avro in the Confluent wire format is decoded with the schema of each id', async () => {
    const t = await tailTopic(connection, sr, { topic: topics.avro, last: 4 });
    expect(t.warnings).toEqual([]);
    expect(t.headers).toEqual(['partition', 'offset', 'timestamp', 'key', 'id', 'sensor', 'value.value', 'note']);
    expect(t.rows).toEqual([
      { partition: 2, offset: 0, timestamp: new Date(base + 300).toISOString(), key: 's-3', id: 3, sensor: 'c', 'value.value': 3.5 },
      {
        partition: 0,
        offset: 1,
        timestamp: new Date(base + 400).toISOString(),
        key: 's-4',
        id: 4,
        sensor: 'd',
        'value.value': 4.5,
        note: 'calibrated',
      },
      {
        partition: 1,
        offset: 1,
        timestamp: new Date(base + 500).toISOString(),
        key: 's-5',
        id: 5,
        sensor: 'e',
        'value.value': 5.5,
        note: null,
      },
      { partition: 1, offset: 2, timestamp: new Date(base + 600).toISOString(), key: 's-6', id: 6, sensor: 'f', 'value.value': 6.5 },
    ]);
    expect(renderTail(t, 'csv').split('\n')[2]).toBe(`0,1,${new Date(base + 400).toISOString()},s-4,4,d,4.5,calibrated`);
  });

  test('an empty topic gives no rows promptly', async () => {
    const started = Date.now();
    const t = await tailTopic(connection, sr, { topic: topics.empty, last: 10 });
    expect(t.rows).toEqual([]);
    expect(t.headers).toEqual(['partition', 'offset', 'timestamp', 'key']);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('a missing topic is a clear error', async () => {
    await expect(tailTopic(connection, sr, { topic: `${P}.missing`, last: 5 })).rejects.toThrow(
      `topic '${P}.missing' does not exist on ${e.bootstrapServers}`,
    );
  });

  test('the command: streamform tail <topic> --last N --format csv on the dev environment', async () => {
    const saved = { name: process.env.STREAMFORM_DEV_NAME, offset: process.env.STREAMFORM_DEV_PORT_OFFSET };
    process.env.STREAMFORM_DEV_NAME = SHARED_NAME;
    process.env.STREAMFORM_DEV_PORT_OFFSET = String(SHARED_OFFSET);
    const out: string[] = [];
    const err: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => out.push(String(s)) > 0);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => err.push(String(s)) > 0);
    try {
      await main(['tail', topics.json, '--last', '2', '--format', 'csv']);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
      process.env.STREAMFORM_DEV_NAME = saved.name;
      process.env.STREAMFORM_DEV_PORT_OFFSET = saved.offset;
      if (saved.name === undefined) delete process.env.STREAMFORM_DEV_NAME;
      if (saved.offset === undefined) delete process.env.STREAMFORM_DEV_PORT_OFFSET;
    }
    expect(process.exitCode ?? 0).toBe(0);
    expect(err.join('')).toContain(`2 message(s) from ${topics.json}`);
    expect(out.join('').trim().split('\n')).toEqual([
      'partition,offset,timestamp,key,SEQ,N,value',
      `2,8,${new Date(base + 9008).toISOString()},p2-8,p2-8,8,`,
      `2,9,${new Date(base + 9500).toISOString()},p2-9,,,"plain text, at the end"`,
    ]);
  });
});
