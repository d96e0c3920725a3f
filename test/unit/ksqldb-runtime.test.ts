/**
 * The local ksqlDB's runtime layer over the in-memory log: Kafka's partitioner, state values
 * through the changelog codec, transactions (atomic records + offsets, fencing), and a persistent
 * query runner that stays exactly once when a transaction fails mid-way.
 */
import { KsqlEngine } from '../../src/tools/ksqldb/engine/engine';
import { Decimal } from '../../src/tools/ksqldb/engine/values';
import { MemoryRuntime } from '../../src/tools/ksqldb/runtime/memory';
import { murmur2, partitionForKey } from '../../src/tools/ksqldb/runtime/partitioner';
import { mergeByTimestamp, PersistentQueryRunner, type QueryRunnerHost } from '../../src/tools/ksqldb/runtime/query-runner';
import { decodeStateValue, encodeStateValue } from '../../src/tools/ksqldb/runtime/state-codec';
import { ProducerFencedError, type LogRecord, type Runtime, type TransactionalWriter } from '../../src/tools/ksqldb/runtime/types';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(f: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('partitioner', () => {
  test("murmur2 gives the Java client's values (Kafka's UtilsTest)", () => {
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from(''))).toBe(275646681);
    expect(partitionForKey(Buffer.from('foobar'), 6)).toBe((-790332482 & 0x7fffffff) % 6);
  });
});

describe('state codec', () => {
  test('round-trips every kind of value the engine stores', () => {
    const v = {
      key: ['a', 1, 2n ** 60n],
      accs: [new Decimal(12345n, 2), new Map([['x', 3n]]), new Set(['p', 'q']), Buffer.from([1, 2, 3]), NaN, -0, Infinity, undefined, null],
      nested: { $o: 'not a tag', list: [[1.5, true]] },
    };
    const back = decodeStateValue(encodeStateValue(v)) as typeof v;
    expect(back.key).toEqual(['a', 1, 2n ** 60n]);
    expect(back.accs[0]).toEqual(new Decimal(12345n, 2));
    expect(back.accs[1]).toEqual(new Map([['x', 3n]]));
    expect(back.accs[2]).toEqual(new Set(['p', 'q']));
    expect(Buffer.isBuffer(back.accs[3])).toBe(true);
    expect(back.accs[4]).toBeNaN();
    expect(Object.is(back.accs[5], -0)).toBe(true);
    expect(back.accs[6]).toBe(Infinity);
    expect(back.accs.length).toBe(9);
    expect(back.accs[7]).toBeUndefined();
    expect(back.nested).toEqual({ $o: 'not a tag', list: [[1.5, true]] });
  });
});

describe('in-memory log', () => {
  test('a transaction commits records and offsets together; a newer writer fences the older one', async () => {
    const rt = new MemoryRuntime();
    await rt.createTopic({ name: 'out', partitions: 1 });
    const w1 = await rt.transactionalWriter('app');
    const written = await w1.commit([{ topic: 'out', key: null, value: Buffer.from('a') }], {
      groupId: 'g',
      offsets: [{ topic: 'in', partition: 0, offset: 5 }],
    });
    expect(written).toEqual([{ topic: 'out', partition: 0, offset: 0 }]);
    // the commit marker takes offset 1, as in Kafka
    expect((await rt.endOffsets('out'))[0].offset).toBe(2);
    expect(await rt.committedOffsets('g', ['in'])).toEqual([{ topic: 'in', partition: 0, offset: 5 }]);
    const w2 = await rt.transactionalWriter('app');
    await expect(w1.commit([{ topic: 'out', key: null, value: Buffer.from('b') }])).rejects.toBeInstanceOf(ProducerFencedError);
    await w2.commit([{ topic: 'out', key: null, value: Buffer.from('c') }]);
    expect(rt.records('out').map((r) => r.value!.toString())).toEqual(['a', 'c']);
    await expect(w2.commit([{ topic: 'missing', key: null, value: null }])).rejects.toThrow(/missing/);
    expect(rt.records('out')).toHaveLength(2);
  });

  test('a subscription starts at committed offsets, else at the end or the beginning', async () => {
    const rt = new MemoryRuntime();
    await rt.createTopic({ name: 't', partitions: 1 });
    await rt.produce([1, 2, 3].map((i) => ({ topic: 't', key: null, value: Buffer.from(String(i)) })));
    const seen: string[] = [];
    const latest = await rt.subscribe({
      groupId: 'a',
      topics: ['t'],
      fromBeginning: false,
      onBatch: async (b) => void seen.push(...b.flat().map((r) => `a${r.value}`)),
    });
    const writer = await rt.transactionalWriter('x');
    await writer.commit([], { groupId: 'b', offsets: [{ topic: 't', partition: 0, offset: 2 }] });
    const committed = await rt.subscribe({
      groupId: 'b',
      topics: ['t'],
      fromBeginning: true,
      onBatch: async (b) => void seen.push(...b.flat().map((r) => `b${r.value}`)),
    });
    await rt.produce([{ topic: 't', key: null, value: Buffer.from('4') }]);
    await until(() => seen.length >= 3);
    await latest.stop();
    await committed.stop();
    expect(seen.sort()).toEqual(['a4', 'b3', 'b4']);
  });

  test('records of several partitions are merged by timestamp, each partition in order', () => {
    const rec = (partition: number, offset: number, timestamp: number): LogRecord => ({
      topic: 't',
      partition,
      offset,
      timestamp,
      key: null,
      value: null,
      headers: [],
    });
    const merged = mergeByTimestamp([
      [rec(0, 0, 5), rec(0, 1, 1), rec(0, 2, 9)],
      [rec(1, 0, 2), rec(1, 1, 6)],
    ]);
    expect(merged.map((r) => `${r.partition}:${r.offset}`)).toEqual(['1:0', '0:0', '0:1', '1:1', '0:2']);
  });
});

/** A runtime whose transactions fail when told to (after writing nothing). */
class FlakyRuntime extends MemoryRuntime {
  failNext = 0;
  override async transactionalWriter(id: string): Promise<TransactionalWriter> {
    const inner = await super.transactionalWriter(id);
    return {
      commit: async (records, offsets) => {
        if (this.failNext > 0) {
          this.failNext--;
          throw new Error('broker went away');
        }
        return inner.commit(records, offsets);
      },
      close: () => inner.close(),
    };
  }
}

describe('persistent query runner', () => {
  function host(runtime: Runtime, engine: KsqlEngine): QueryRunnerHost {
    return { engine, runtime, registry: undefined, serviceId: 'test_', config: { 'auto.offset.reset': 'earliest' }, log: () => undefined };
  }

  test('a failed transaction is retried from the committed state: every count exactly once', async () => {
    const rt = new FlakyRuntime();
    await rt.createTopic({ name: 'pv', partitions: 2 });
    await rt.createTopic({ name: 'COUNTS', partitions: 2 });
    const engine = new KsqlEngine({ topics: new Map([['pv', 2]]) });
    engine.execute("CREATE STREAM PV (ID INT KEY, PAGE STRING) WITH (kafka_topic='pv', value_format='JSON');");
    const [r] = engine.execute('CREATE TABLE COUNTS AS SELECT PAGE, COUNT(*) AS N FROM PV GROUP BY PAGE;');
    const runner = new PersistentQueryRunner(host(rt, engine), r.queryId!);
    const produce = (n: number, page: string) =>
      rt.produce([{ topic: 'pv', key: null, value: Buffer.from(JSON.stringify({ PAGE: page })), timestamp: n }]);
    await runner.start();
    for (let i = 1; i <= 3; i++) await produce(i, 'a');
    await until(() => rt.records('COUNTS').length === 3);
    rt.failNext = 1;
    await produce(4, 'a');
    await until(() => runner.state === 'ERROR');
    expect(runner.errors[0].errorMessage).toBe('broker went away');
    await produce(5, 'a');
    // restarted after the back-off: state restored from the changelog, offsets from the group
    await until(() => rt.records('COUNTS').length === 5, 5000);
    expect(runner.state).toBe('RUNNING');
    expect(rt.records('COUNTS').map((x) => x.value!.toString())).toEqual(['{"N":1}', '{"N":2}', '{"N":3}', '{"N":4}', '{"N":5}']);
    expect(rt.records(runner.changelogTopic).length).toBeGreaterThan(0);
    expect([...runner.materialized.values()].map((m) => m.value.toString())).toEqual(['{"N":5}']);
    await runner.stop();
  });
});
