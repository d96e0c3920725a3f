/**
 * TERMINATE and DROP of a query's sink on the local ksqlDB server answer once the query is out of
 * the engine; its consumer leaves and its changelog and consumer group are removed after, in the
 * background (a Kafka consumer's fetch in flight ends only after its long-poll). Nothing of the
 * removed query runs after the answer, and a query id used again waits for that clean-up.
 */
import { MemoryRuntime, startKsqlServer, type KsqlServer } from '../../src/tools/ksqldb/server';
import type { SubscribeOptions, Subscription } from '../../src/tools/ksqldb/runtime/types';
import { ksqlOk } from '../support/ksql-rest';

/** Subscriptions whose stop waits until the test lets them go, as a consumer in a long-poll does. */
class SlowStopRuntime extends MemoryRuntime {
  private release: () => void = () => undefined;
  private held = new Promise<void>((r) => (this.release = r));
  stopsPending = 0;

  letStopsFinish(): void {
    this.release();
  }

  override async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const sub = await super.subscribe(options);
    return {
      done: sub.done,
      stop: async () => {
        this.stopsPending++;
        await this.held;
        this.stopsPending--;
        await sub.stop();
      },
    };
  }
}

let server: KsqlServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const ksql = (s: KsqlServer, sql: string) => ksqlOk(s.url, sql, { 'auto.offset.reset': 'earliest' });

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

test('TERMINATE answers before the consumer has left; the removed query processes nothing after it; clean-up follows', async () => {
  const rt = new SlowStopRuntime();
  await rt.createTopic({ name: 'orders', partitions: 1 });
  server = await startKsqlServer({ port: 0, runtime: rt });
  await ksql(server, "CREATE STREAM ORDERS (ID STRING KEY, AMOUNT INT) WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='JSON');");
  const [created] = await ksql(server, 'CREATE TABLE TOTALS AS SELECT ID, SUM(AMOUNT) AS TOTAL FROM ORDERS GROUP BY ID EMIT CHANGES;');
  const queryId = created.commandStatus.queryId as string;
  const changelog = `_confluent-ksql-default_query_${queryId}-changelog`;
  expect((await rt.listTopics()).has(changelog)).toBe(true);
  await rt.produce([{ topic: 'orders', key: Buffer.from('a'), value: json({ AMOUNT: 5 }) }]);
  await waitFor(() => rt.records('TOTALS').length === 1);

  const [terminated] = await ksql(server, `TERMINATE ${queryId};`);
  expect(terminated.commandStatus.status).toBe('SUCCESS');
  // answered while the consumer is still leaving
  expect(rt.stopsPending).toBe(1);
  expect(server.host.engine.queryIds()).not.toContain(queryId);
  // a record arriving now is not processed by the removed query
  await rt.produce([{ topic: 'orders', key: Buffer.from('a'), value: json({ AMOUNT: 7 }) }]);
  await new Promise((r) => setTimeout(r, 50));
  expect(rt.records('TOTALS')).toHaveLength(1);
  // its group and changelog are removed only once it has stopped
  expect(rt.groupIds()).toContain(`_confluent-ksql-default_query_${queryId}`);
  rt.letStopsFinish();
  await server.host.retired();
  expect(rt.stopsPending).toBe(0);
  expect(rt.groupIds()).not.toContain(`_confluent-ksql-default_query_${queryId}`);
  expect((await rt.listTopics()).has(changelog)).toBe(false);
});

test('an INSERT INTO started again under the same QUERY_ID starts after the terminated one is cleaned up', async () => {
  const rt = new SlowStopRuntime();
  await rt.createTopic({ name: 'orders', partitions: 1 });
  await rt.createTopic({ name: 'all', partitions: 1 });
  server = await startKsqlServer({ port: 0, runtime: rt });
  await ksql(server, "CREATE STREAM ORDERS (ID STRING KEY, AMOUNT INT) WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='JSON');");
  await ksql(server, "CREATE STREAM ALL_ORDERS (ID STRING KEY, AMOUNT INT) WITH (KAFKA_TOPIC='all', VALUE_FORMAT='JSON');");
  const insert = "INSERT INTO ALL_ORDERS WITH (QUERY_ID='COPY') SELECT * FROM ORDERS EMIT CHANGES;";
  await ksql(server, insert);
  await ksql(server, 'TERMINATE COPY;');
  expect(rt.stopsPending).toBe(1);
  const again = ksql(server, insert);
  let answered = false;
  void again.then(() => (answered = true));
  await new Promise((r) => setTimeout(r, 100));
  // still waiting for the first COPY to be gone
  expect(answered).toBe(false);
  rt.letStopsFinish();
  const [started] = await again;
  expect(started.commandStatus.status).toBe('SUCCESS');
  expect(server.host.engine.queryIds()).toContain('COPY');
  await rt.produce([{ topic: 'orders', key: Buffer.from('b'), value: json({ AMOUNT: 1 }) }]);
  await waitFor(() => rt.records('all').length === 1);
});

async function waitFor(ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
