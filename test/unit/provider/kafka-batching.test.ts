import { KafkaAdminClient, KafkaClientError, KafkaTopicError, READ_AHEAD_MS } from '../../../src/provider/clients/kafka';
import {
  KafkaErrorCode,
  KafkaWire,
  WireConfigChange,
  WireConfigs,
  WireNewTopic,
  WireResult,
  WireTopicMetadata,
} from '../../../src/provider/clients/kafka-wire';

/** A cluster in memory that records each request the admin client sends. */
class FakeWire implements KafkaWire {
  readonly topics = new Map<string, { partitions: number; overrides: Record<string, string> }>();
  readonly requests: { kind: string; topics: string[] | null }[] = [];
  /** Reads in flight now, and the most at once (the two requests of a read go together). */
  private reading = 0;
  maxReading = 0;

  constructor(unrelated = 0) {
    for (let i = 0; i < unrelated; i++) this.topics.set(`other-${i}`, { partitions: 1, overrides: {} });
  }

  count(kind: string): number {
    return this.requests.filter((r) => r.kind === kind).length;
  }

  /** One event-loop turn of network, counting the reads in flight meanwhile. */
  private async read(): Promise<void> {
    this.maxReading = Math.max(this.maxReading, ++this.reading);
    await new Promise((r) => setImmediate(r));
    this.reading--;
  }

  async metadata(topics: readonly string[] | null): Promise<WireTopicMetadata[]> {
    this.requests.push({ kind: 'Metadata', topics: topics && [...topics] });
    await this.read();
    return (topics ?? [...this.topics.keys()]).map((t) => {
      const found = this.topics.get(t);
      return {
        topic: t,
        errorCode: found ? 0 : KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        partitions: found ? Array.from({ length: found.partitions }, () => ({ leader: 1, replicas: [1] })) : [],
      };
    });
  }

  async describeConfigs(topics: readonly string[]): Promise<WireConfigs[]> {
    this.requests.push({ kind: 'DescribeConfigs', topics: [...topics] });
    await this.read();
    return topics.map((t) => {
      const found = this.topics.get(t);
      if (!found) return { topic: t, errorCode: KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: 'no such topic', entries: [] };
      return {
        topic: t,
        errorCode: 0,
        errorMessage: null,
        entries: [
          { name: 'cleanup.policy', value: 'delete', source: 5 },
          ...Object.entries(found.overrides).map(([name, value]) => ({ name, value, source: 1 })),
        ],
      };
    });
  }

  async createTopics(topics: readonly WireNewTopic[]): Promise<WireResult[]> {
    this.requests.push({ kind: 'CreateTopics', topics: topics.map((t) => t.topic) });
    return topics.map((t) => {
      if (this.topics.has(t.topic)) return { topic: t.topic, errorCode: KafkaErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: null };
      this.topics.set(t.topic, { partitions: t.partitions, overrides: { ...t.configs } });
      return { topic: t.topic, errorCode: 0, errorMessage: null };
    });
  }

  async deleteTopics(topics: readonly string[]): Promise<WireResult[]> {
    this.requests.push({ kind: 'DeleteTopics', topics: [...topics] });
    return topics.map((t) => ({
      topic: t,
      errorCode: this.topics.delete(t) ? 0 : KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      errorMessage: null,
    }));
  }

  async createPartitions(topics: readonly { topic: string; count: number }[]): Promise<WireResult[]> {
    this.requests.push({ kind: 'CreatePartitions', topics: topics.map((t) => t.topic) });
    return topics.map((t) => {
      this.topics.get(t.topic)!.partitions = t.count;
      return { topic: t.topic, errorCode: 0, errorMessage: null };
    });
  }

  async incrementalAlterConfigs(changes: readonly WireConfigChange[]): Promise<WireResult[]> {
    this.requests.push({ kind: 'IncrementalAlterConfigs', topics: changes.map((c) => c.topic) });
    return changes.map((c) => {
      const t = this.topics.get(c.topic)!;
      for (const k of c.delete) delete t.overrides[k];
      Object.assign(t.overrides, c.set);
      return { topic: c.topic, errorCode: 0, errorMessage: null };
    });
  }

  async close(): Promise<void> {}
}

const names = (n: number, prefix = 't'): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

function client(wire: FakeWire): KafkaAdminClient {
  return new KafkaAdminClient({ bootstrapServers: ['fake:9092'] }, { wire, retry: { attempts: 2, initialDelayMs: 1 } });
}

describe('Kafka admin requests arriving together are batched', () => {
  test('300 concurrent creates: one CreateTopics, one Metadata and one DescribeConfigs for all of them, whatever the cluster holds', async () => {
    const wire = new FakeWire(1000);
    const admin = client(wire);
    const created = await Promise.all(
      names(300).map((name) => admin.createTopic({ name, partitions: 3, replicationFactor: 1, configs: { 'retention.ms': '1000' } })),
    );
    expect(created.map((d) => [d.partitions, d.configs['retention.ms']])).toEqual(
      names(300).map(() => [3, { value: '1000', isOverride: true }]),
    );
    expect(wire.requests.map((r) => r.kind)).toEqual(['CreateTopics', 'Metadata', 'DescribeConfigs']);
    // Only the topics of the request: the 1,000 unrelated topics are never asked about.
    expect(wire.requests.every((r) => r.topics !== null && r.topics.length === 300)).toBe(true);
  });

  test('concurrent reads share one Metadata and one DescribeConfigs request, sent together, naming only their topics; missing topics are absent', async () => {
    const wire = new FakeWire(500);
    const admin = client(wire);
    const wanted = [...names(40, 'other'), 'missing-1', 'missing-2'];
    const found = await Promise.all(wanted.map((n) => admin.describeTopics([n])));
    expect(found.map((m) => m.size)).toEqual([...names(40).map(() => 1), 0, 0]);
    expect(wire.requests).toEqual([
      { kind: 'Metadata', topics: wanted },
      { kind: 'DescribeConfigs', topics: wanted },
    ]);
    // one round trip: the configs are asked for before the metadata answers
    expect(wire.maxReading).toBe(2);
  });

  test('config changes and partition growth: one IncrementalAlterConfigs and one CreatePartitions for all topics, no read before them, one shared read-back', async () => {
    const wire = new FakeWire(20);
    const admin = client(wire);
    wire.topics.get('other-0')!.overrides = { 'cleanup.policy': 'compact', 'segment.ms': '5' };
    await Promise.all(
      names(20, 'other').flatMap((n) => [admin.setTopicConfigs(n, { 'retention.ms': '7' }, ['segment.ms']), admin.createPartitions(n, 4)]),
    );
    expect(wire.requests.map((r) => r.kind)).toEqual(['IncrementalAlterConfigs', 'CreatePartitions', 'Metadata', 'DescribeConfigs']);
    // The override streamform does not manage is kept, the released one removed.
    expect(wire.topics.get('other-0')).toEqual({ partitions: 4, overrides: { 'cleanup.policy': 'compact', 'retention.ms': '7' } });
  });

  test('concurrent deletes: one DeleteTopics; a topic already gone is fine', async () => {
    const wire = new FakeWire(50);
    const admin = client(wire);
    await Promise.all([...names(50, 'other'), 'gone'].map((n) => admin.deleteTopic(n)));
    expect(wire.requests).toEqual([{ kind: 'DeleteTopics', topics: [...names(50, 'other'), 'gone'] }]);
    expect(wire.topics.size).toBe(0);
  });

  test("one topic's error fails only its own call, naming the topic, the cluster and Kafka's reason", async () => {
    const wire = new FakeWire();
    wire.topics.set('t-1', { partitions: 1, overrides: {} });
    const admin = client(wire);
    const results = await Promise.allSettled(
      names(3).map((name) => admin.createTopic({ name, partitions: 1, replicationFactor: 1, configs: {} })),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const err = (results[1] as PromiseRejectedResult).reason as KafkaClientError;
    expect(err).toBeInstanceOf(KafkaClientError);
    expect(err.message).toBe('Kafka at fake:9092: create topic t-1: Topic with this name already exists');
    expect((err.cause as KafkaTopicError).code).toBe(KafkaErrorCode.TOPIC_ALREADY_EXISTS);
    expect(wire.count('CreateTopics')).toBe(1);
  });

  test('calls further apart than the batching window are separate requests', async () => {
    const wire = new FakeWire();
    const admin = client(wire);
    await admin.createTopic({ name: 'a', partitions: 1, replicationFactor: 1, configs: {} });
    await admin.createTopic({ name: 'b', partitions: 1, replicationFactor: 1, configs: {} });
    expect(wire.requests.filter((r) => r.kind === 'CreateTopics')).toEqual([
      { kind: 'CreateTopics', topics: ['a'] },
      { kind: 'CreateTopics', topics: ['b'] },
    ]);
  });

  test('calls arriving while a request of their kind is in flight wait for it and go together in the next one', async () => {
    const wire = new FakeWire();
    const slow = wire.createTopics.bind(wire);
    wire.createTopics = async (ts) => {
      await new Promise((r) => setTimeout(r, 60));
      return slow(ts);
    };
    const admin = client(wire);
    const first = admin.createTopic({ name: 'first', partitions: 1, replicationFactor: 1, configs: {} });
    await new Promise((r) => setTimeout(r, 20));
    const rest = names(10).map((name) => admin.createTopic({ name, partitions: 1, replicationFactor: 1, configs: {} }));
    await Promise.all([first, ...rest]);
    expect(wire.requests.filter((r) => r.kind === 'CreateTopics').map((r) => r.topics)).toEqual([['first'], names(10)]);
  });

  test('a transient error of one topic (no leader yet) is retried for that topic alone', async () => {
    const wire = new FakeWire();
    wire.topics.set('slow', { partitions: 1, overrides: {} });
    wire.topics.set('fast', { partitions: 1, overrides: {} });
    const real = wire.metadata.bind(wire);
    let first = true;
    wire.metadata = async (topics) =>
      (await real(topics)).map((m) => {
        if (m.topic !== 'slow' || !first) return m;
        first = false;
        return { ...m, errorCode: KafkaErrorCode.LEADER_NOT_AVAILABLE };
      });
    const admin = client(wire);
    const [slow, fast] = await Promise.all([admin.describeTopics(['slow']), admin.describeTopics(['fast'])]);
    expect([slow.has('slow'), fast.has('fast')]).toEqual([true, true]);
    expect(wire.requests.filter((r) => r.kind === 'Metadata').map((r) => r.topics)).toEqual([['slow', 'fast'], ['slow']]);
  });
});

describe('read-ahead: the topics a refresh will read, described before the reads come', () => {
  test('one Metadata and one DescribeConfigs for all named topics; each answers one read; only those topics are asked about', async () => {
    const wire = new FakeWire(500);
    const admin = client(wire);
    const wanted = names(100, 'other');
    admin.readAhead([...wanted, 'missing-1']);
    expect(wire.requests).toEqual([
      { kind: 'Metadata', topics: [...wanted, 'missing-1'] },
      { kind: 'DescribeConfigs', topics: [...wanted, 'missing-1'] },
    ]);
    // the refresh, in waves of 10 as OpenTofu's -parallelism sends them: no request of its own
    for (let i = 0; i < 100; i += 10) {
      const wave = await Promise.all(wanted.slice(i, i + 10).map((n) => admin.describeTopics([n])));
      expect(wave.map((m) => m.size)).toEqual(Array(10).fill(1));
    }
    expect((await admin.describeTopics(['missing-1'])).size).toBe(0);
    expect(wire.requests).toHaveLength(2);
    // an answer serves one read: the next read of the topic asks Kafka
    wire.topics.get('other-0')!.overrides['retention.ms'] = '5';
    expect((await admin.describeTopics(['other-0'])).get('other-0')!.configs['retention.ms']).toEqual({ value: '5', isOverride: true });
    expect(wire.requests.map((r) => r.topics)).toEqual([[...wanted, 'missing-1'], [...wanted, 'missing-1'], ['other-0'], ['other-0']]);
  });

  test('a write drops the topic’s early answer: the read after it sees the change', async () => {
    const wire = new FakeWire(3);
    const admin = client(wire);
    admin.readAhead(['other-0', 'other-1', 'other-2']);
    const timers = jest.spyOn(global, 'setTimeout');
    try {
      await admin.setTopicConfigs('other-1', { 'retention.ms': '7' }, []);
      // its read-back asked Kafka at once: no early (old) answer made it poll again after 50 ms
      expect(timers.mock.calls.filter(([, ms]) => ms === 50)).toEqual([]);
    } finally {
      timers.mockRestore();
    }
    await admin.deleteTopic('other-2');
    expect((await admin.describeTopics(['other-1'])).get('other-1')!.configs['retention.ms'].value).toBe('7');
    expect((await admin.describeTopics(['other-2'])).has('other-2')).toBe(false);
    // other-0 still comes from the early answer: the last read asked only about other-2
    expect((await admin.describeTopics(['other-0'])).has('other-0')).toBe(true);
    expect(wire.requests.filter((r) => r.kind === 'Metadata').map((r) => r.topics)).toEqual([
      ['other-0', 'other-1', 'other-2'],
      ['other-1'], // setTopicConfigs' read-back
      ['other-1'],
      ['other-2'],
    ]);
  });

  test("a later phase's read-ahead drops the earlier answers: its reads ask Kafka", async () => {
    const wire = new FakeWire(2);
    const admin = client(wire);
    admin.readAhead(['other-0', 'other-1']);
    admin.readAhead(['other-1']);
    await admin.describeTopics(['other-0']);
    await admin.describeTopics(['other-1']);
    expect(wire.requests.filter((r) => r.kind === 'Metadata').map((r) => r.topics)).toEqual([
      ['other-0', 'other-1'],
      ['other-1'],
      ['other-0'],
    ]);
  });

  test('a stale or failed early answer is not used: the read asks Kafka', async () => {
    const wire = new FakeWire(2);
    const real = wire.metadata.bind(wire);
    let failures = 1;
    wire.metadata = async (topics) => {
      if (failures-- > 0) {
        wire.requests.push({ kind: 'Metadata', topics: topics && [...topics] });
        throw new Error('broker went away');
      }
      return real(topics);
    };
    const admin = client(wire);
    admin.readAhead(['other-0']);
    expect((await admin.describeTopics(['other-0'])).has('other-0')).toBe(true);
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now');
    try {
      admin.readAhead(['other-1']);
      clock.mockReturnValue(now + READ_AHEAD_MS + 60_000);
      expect((await admin.describeTopics(['other-1'])).has('other-1')).toBe(true);
    } finally {
      clock.mockRestore();
    }
    expect(wire.requests.filter((r) => r.kind === 'Metadata').map((r) => r.topics)).toEqual([
      ['other-0'],
      ['other-0'],
      ['other-1'],
      ['other-1'],
    ]);
  });
});
