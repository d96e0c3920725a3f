/**
 * The local ksqlDB server asks the cluster only about the topics a statement looks up: a
 * statement costs the same whatever else the cluster holds (no listing of every topic per
 * statement), and what it learns is what the cluster says now (a topic created or deleted
 * outside a moment ago).
 */
import { KsqlClient } from '../../src/provider/clients/ksqldb';
import { MemoryRuntime, startKsqlServer, type KsqlServer } from '../../src/tools/ksqldb/server';
import { ksqlRequest } from '../support/ksql-rest';

/** The in-memory log, counting the topic lookups the server makes. */
class CountingRuntime extends MemoryRuntime {
  listings = 0;
  named: string[][] = [];

  override async listTopics(): ReturnType<MemoryRuntime['listTopics']> {
    this.listings++;
    return super.listTopics();
  }

  override async namedTopics(names: readonly string[]): ReturnType<MemoryRuntime['namedTopics']> {
    this.named.push([...names]);
    return super.namedTopics(names);
  }

  reset(): void {
    this.listings = 0;
    this.named = [];
  }
}

let server: KsqlServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const ksql = (s: KsqlServer, sql: string) => ksqlRequest(s.url, sql, { 'auto.offset.reset': 'earliest' });

describe('topic lookups of the local ksqlDB server', () => {
  test('statements ask about their own topics only, never list the 2,000 others', async () => {
    const rt = new CountingRuntime();
    for (let i = 0; i < 2000; i++) await rt.createTopic({ name: `unrelated-${i}`, partitions: 1 });
    await rt.createTopic({ name: 'orders', partitions: 3 });
    server = await startKsqlServer({ port: 0, runtime: rt });
    rt.reset();

    for (const sql of [
      "CREATE STREAM ORDERS (ID STRING KEY, AMOUNT INT) WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='JSON');",
      'CREATE STREAM BIG AS SELECT * FROM ORDERS WHERE AMOUNT > 10 EMIT CHANGES;',
    ]) {
      const r = await ksql(server, sql);
      expect(r.status).toBe(200);
    }
    // the query of BIG started: its sink has the source's partitions
    expect((await rt.namedTopics(['BIG'])).get('BIG')).toEqual({ partitions: 3, replicas: 1 });

    expect(rt.listings).toBe(0);
    const asked = new Set(rt.named.flat());
    // the source's and the sink's topics, and the query's changelog topic: nothing else
    expect([...asked].filter((n) => n !== 'orders' && n !== 'BIG' && !n.endsWith('-changelog'))).toEqual([]);
    expect(asked.has('orders') && asked.has('BIG')).toBe(true);
  });

  test('a topic created or deleted outside the server a moment ago is seen as it is now', async () => {
    const rt = new CountingRuntime();
    server = await startKsqlServer({ port: 0, runtime: rt });
    const create = "CREATE STREAM LATE (ID STRING KEY, V INT) WITH (KAFKA_TOPIC='late', VALUE_FORMAT='JSON');";

    const before = await ksql(server, create);
    expect(before.status).toBe(400);
    expect(JSON.stringify(before.body)).toContain("Topic 'late' does not exist");

    await rt.createTopic({ name: 'late', partitions: 2 });
    expect((await ksql(server, create)).status).toBe(200);

    await rt.deleteTopics(['late']);
    const again = await ksql(server, "CREATE STREAM LATE2 (ID STRING KEY, V INT) WITH (KAFKA_TOPIC='late', VALUE_FORMAT='JSON');");
    expect(again.status).toBe(400);
    expect(JSON.stringify(again.body)).toContain("Topic 'late' does not exist");
  });

  test("DESCRIBE STREAMS asks Kafka about all the streams' topics in one request, and DESCRIBE one name about its own", async () => {
    const rt = new CountingRuntime();
    server = await startKsqlServer({ port: 0, runtime: rt });
    for (let i = 0; i < 30; i++) {
      await rt.createTopic({ name: `t${i}`, partitions: 1 + (i % 3) });
      expect(
        (await ksql(server, `CREATE STREAM S${i} (ID STRING KEY, V INT) WITH (KAFKA_TOPIC='t${i}', VALUE_FORMAT='JSON');`)).status,
      ).toBe(200);
    }
    rt.reset();
    const all = await ksql(server, 'DESCRIBE STREAMS;');
    expect(all.status).toBe(200);
    const descriptions = all.body[0].sourceDescriptions as Array<{ name: string; topic: string; partitions: number; replication: number }>;
    expect(descriptions).toHaveLength(30);
    expect(descriptions.find((d) => d.name === 'S7')).toMatchObject({ topic: 't7', partitions: 2, replication: 1 });
    expect(rt.named).toHaveLength(1);
    expect(new Set(rt.named[0])).toEqual(new Set(Array.from({ length: 30 }, (_, i) => `t${i}`)));
    expect(all.body[0].warnings).toEqual([]);

    rt.reset();
    const one = await ksql(server, 'DESCRIBE S8;');
    expect(one.body[0].sourceDescription).toMatchObject({ name: 'S8', topic: 't8', partitions: 3 });
    expect(rt.named).toEqual([['t8']]);
    expect(rt.listings).toBe(0);

    // a stream whose topic was deleted outside: described with ksqlDB's warning, the others as they are
    await rt.deleteTopics(['t9']);
    const after = await ksql(server, 'DESCRIBE STREAMS;');
    expect(after.body[0].warnings).toHaveLength(1);
    expect(after.body[0].sourceDescriptions.find((d: { name: string }) => d.name === 'S9')).toMatchObject({ partitions: 0 });
    expect(after.body[0].sourceDescriptions.find((d: { name: string }) => d.name === 'S10')).toMatchObject({ partitions: 2 });
  });

  test("the provider's client reads one source by name, and undefined for a name ksqlDB has not", async () => {
    const rt = new CountingRuntime();
    await rt.createTopic({ name: 'orders', partitions: 2 });
    server = await startKsqlServer({ port: 0, runtime: rt });
    expect(
      (await ksql(server, "CREATE STREAM ORDERS (ID STRING KEY, V INT) WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='JSON');")).status,
    ).toBe(200);
    expect(
      (await ksql(server, "CREATE STREAM `Mixed` (ID STRING KEY, V INT) WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='JSON');")).status,
    ).toBe(200);
    const client = new KsqlClient({ url: server.url });
    expect(await client.source('ORDERS')).toMatchObject({ name: 'ORDERS', topic: 'orders', partitions: 2 });
    expect(await client.source('Mixed')).toMatchObject({ name: 'Mixed', topic: 'orders' });
    expect(await client.source('MIXED')).toBeUndefined();
    expect(await client.source('NOPE')).toBeUndefined();
  });
});
