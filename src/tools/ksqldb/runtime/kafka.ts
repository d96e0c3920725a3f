/**
 * The Kafka runtime (kafkajs): topics through the admin client, read-committed consumers in
 * consumer groups, transactional producers whose records and consumed offsets commit in one
 * transaction (`sendOffsets`), as Kafka Streams does with processing.guarantee=exactly_once_v2.
 *
 * Consumers hand records over in gathered batches: with `partitionsConsumedConcurrently` every
 * partition batch of one fetch reaches `eachBatch` at about the same time; they are collected
 * until the event loop turns and handed to `onBatch` together (one transaction for all of them),
 * so a query reading several partitions or topics can order records across them by timestamp.
 */
import { randomUUID } from 'node:crypto';
import {
  ConfigResourceTypes,
  Kafka,
  logLevel,
  type Admin,
  type Batch,
  type Consumer,
  type IHeaders,
  type KafkaMessage,
  type Message,
  type Producer,
} from 'kafkajs';
import { KafkaErrorCode, KafkajsWire } from '../../../provider/clients/kafka-wire';
import { DefaultPartitioner } from './partitioner';
import {
  ProducerFencedError,
  type Header,
  type LogRecord,
  type PartitionOffset,
  type ProduceRecord,
  type Runtime,
  type SubscribeOptions,
  type Subscription,
  type TopicDescription,
  type TopicSpec,
  type TransactionalWriter,
  type WrittenRecord,
} from './types';

/**
 * Records per produce request: kafkajs groups a request's messages per partition in time
 * quadratic in their number (groupMessagesPerPartition spreads an array per message), so large
 * batches go out in several requests (in order, in the same transaction).
 */
const SEND_CHUNK = 1000;

interface KafkaRuntimeOptions {
  readonly bootstrapServers: string;
  readonly clientId?: string;
  /** Extra consumer settings (e.g. from ksql.streams.* properties). */
  readonly sessionTimeoutMs?: number;
}

/** Kafka's CONCURRENT_TRANSACTIONS, as kafkajs reports it (itself or as the cause of its retries). */
function isConcurrentTransactions(e: unknown): boolean {
  for (let c = e as { type?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; c && depth < 5; depth++) {
    if (c.type === 'CONCURRENT_TRANSACTIONS') return true;
    if (typeof c.message === 'string' && /another concurrent operation on the same transaction/.test(c.message)) return true;
    c = c.cause as typeof c;
  }
  return false;
}

function headersOf(h: IHeaders | undefined): Header[] {
  if (!h) return [];
  const out: Header[] = [];
  for (const [key, v] of Object.entries(h)) {
    const values = Array.isArray(v) ? v : [v];
    for (const x of values) out.push({ key, value: x === undefined ? null : Buffer.isBuffer(x) ? x : Buffer.from(String(x)) });
  }
  return out;
}

function kafkaHeaders(h: readonly Header[] | undefined): IHeaders | undefined {
  if (!h || h.length === 0) return undefined;
  const out: Record<string, Buffer[]> = {};
  for (const x of h) (out[x.key] ??= []).push(x.value ?? Buffer.alloc(0));
  const flat: IHeaders = {};
  for (const [k, v] of Object.entries(out)) flat[k] = v.length === 1 ? v[0] : v;
  return flat;
}

function toLogRecord(topic: string, partition: number, m: KafkaMessage): LogRecord {
  return {
    topic,
    partition,
    offset: Number(m.offset),
    key: m.key ?? null,
    value: m.value ?? null,
    timestamp: Number(m.timestamp),
    headers: headersOf(m.headers),
  };
}

/** kafkajs's UNKNOWN_TOPIC_OR_PARTITION, thrown directly or as the cause of a retried request. */
function isUnknownTopic(e: unknown): boolean {
  const unknown = (x: unknown): boolean => (x as { type?: string } | undefined)?.type === 'UNKNOWN_TOPIC_OR_PARTITION';
  return unknown(e) || unknown((e as { cause?: unknown } | undefined)?.cause);
}

export class KafkaRuntime implements Runtime {
  readonly description: string;
  readonly bootstrapServers: string;
  private readonly kafka: Kafka;
  private admin: Admin | undefined;
  private adminConnecting: Promise<Admin> | undefined;
  private plainProducer: Promise<Producer> | undefined;
  private readonly partitioner = new DefaultPartitioner();
  private readonly partitionCounts = new Map<string, { n: number; at: number }>();
  private readonly closers = new Set<() => Promise<void>>();
  /** Raw Metadata requests about named topics (kafkajs' admin would keep every name it was asked about). */
  private wire?: KafkajsWire;

  constructor(private readonly options: KafkaRuntimeOptions) {
    this.bootstrapServers = options.bootstrapServers;
    this.description = `Kafka ${options.bootstrapServers}`;
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'streamform-ksqldb',
      brokers: options.bootstrapServers.split(',').map((s) => s.trim()),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 5000,
      requestTimeout: 30000,
      retry: { retries: 5, initialRetryTime: 200 },
    });
  }

  private async adminClient(): Promise<Admin> {
    if (this.admin) return this.admin;
    this.adminConnecting ??= (async () => {
      const a = this.kafka.admin();
      try {
        await a.connect();
      } catch (e) {
        this.adminConnecting = undefined; // Kafka may come up later: try again next time
        throw e;
      }
      this.admin = a;
      return a;
    })();
    return this.adminConnecting;
  }

  /**
   * Runs an admin operation; when it fails with UNKNOWN_TOPIC_OR_PARTITION, runs it once more on a
   * new admin client. kafkajs keeps every topic it created or looked offsets up for in its client's
   * metadata targets and refreshes them all before a new one: once any of them is deleted by
   * someone else (a destroy of another pipeline), every later createTopics of that client fails
   * with "This server does not host this topic-partition".
   */
  private async withAdmin<T>(op: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = await this.adminClient();
    try {
      return await op(admin);
    } catch (e) {
      if (!isUnknownTopic(e)) throw e;
      if (this.admin === admin) {
        this.admin = undefined;
        this.adminConnecting = undefined;
        await admin.disconnect().catch(() => undefined);
      }
      return op(await this.adminClient());
    }
  }

  async clusterId(): Promise<string> {
    return (await (await this.adminClient()).describeCluster()).clusterId;
  }

  async listTopics(): Promise<Map<string, { partitions: number; replicas: number }>> {
    return this.withAdmin(async (admin) => {
      const meta = await admin.fetchTopicMetadata();
      const out = new Map<string, { partitions: number; replicas: number }>();
      for (const t of meta.topics) {
        const first = [...t.partitions].sort((a, b) => a.partitionId - b.partitionId)[0];
        out.set(t.name, { partitions: t.partitions.length, replicas: first ? first.replicas.length : 0 });
        this.partitionCounts.set(t.name, { n: t.partitions.length, at: Date.now() });
      }
      return out;
    });
  }

  async namedTopics(names: readonly string[]): Promise<Map<string, { partitions: number; replicas: number }>> {
    const out = new Map<string, { partitions: number; replicas: number }>();
    const unique = [...new Set(names)];
    if (unique.length === 0) return out;
    this.wire ??= new KafkajsWire(this.kafka);
    for (let attempt = 1; ; attempt++) {
      const meta = await this.wire.metadata(unique);
      // a topic created a moment ago may have no leader yet (LEADER_NOT_AVAILABLE): asked again
      const pending = meta.filter((m) => m.errorCode === KafkaErrorCode.LEADER_NOT_AVAILABLE);
      if (pending.length > 0 && attempt < 10) {
        await new Promise((r) => setTimeout(r, 100 * attempt));
        continue;
      }
      if (pending.length > 0) throw new Error(`topic ${pending[0].topic} has no leader (Kafka's LEADER_NOT_AVAILABLE)`);
      // any other error (UNKNOWN_TOPIC_OR_PARTITION, an invalid name): not a topic there is
      for (const m of meta) {
        if (m.errorCode !== KafkaErrorCode.NONE) continue;
        out.set(m.topic, { partitions: m.partitions.length, replicas: m.partitions[0]?.replicas.length ?? 0 });
        this.partitionCounts.set(m.topic, { n: m.partitions.length, at: Date.now() });
      }
      return out;
    }
  }

  async describeTopic(name: string): Promise<TopicDescription | undefined> {
    const found = (await this.namedTopics([name])).get(name);
    if (!found) return undefined;
    return this.withAdmin(async (admin) => {
      const configs = await admin.describeConfigs({
        resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms', 'cleanup.policy'] }],
        includeSynonyms: false,
      });
      const config: Record<string, string> = {};
      for (const c of configs.resources[0]?.configEntries ?? []) if (c.configValue !== null) config[c.configName] = c.configValue;
      return { name, partitions: found.partitions, replicas: found.replicas, config };
    });
  }

  async createTopic(spec: TopicSpec): Promise<boolean> {
    const created = await this.withAdmin(async (admin) => {
      // kafkajs' own wait for leaders polls the metadata at its retry interval (~140 ms per create)
      const created = await admin.createTopics({
        waitForLeaders: false,
        topics: [
          {
            topic: spec.name,
            numPartitions: spec.partitions,
            replicationFactor: spec.replicas ?? -1,
            configEntries: Object.entries(spec.config ?? {}).map(([k, v]) => ({ name: k, value: v })),
          },
        ],
      });
      this.partitionCounts.set(spec.name, { n: spec.partitions, at: Date.now() });
      return created;
    });
    await this.leadersOf(spec.name);
    return created;
  }

  /** Waits until every partition of `name` has a leader: Kafka answers a create before its brokers know the topic. */
  private async leadersOf(name: string): Promise<void> {
    this.wire ??= new KafkajsWire(this.kafka);
    for (let attempt = 1; ; attempt++) {
      const [m] = await this.wire.metadata([name]);
      if (m && m.errorCode === KafkaErrorCode.NONE && m.partitions.length > 0 && m.partitions.every((p) => p.leader >= 0)) return;
      if (attempt >= 50) {
        throw new Error(`topic ${name} has no leader for every partition after ${attempt} metadata requests (error code ${m?.errorCode})`);
      }
      await new Promise((r) => setTimeout(r, Math.min(10 * attempt, 200)));
    }
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    const admin = await this.adminClient();
    const existing = await this.namedTopics(names);
    const todo = names.filter((n) => existing.has(n));
    try {
      if (todo.length > 0) await admin.deleteTopics({ topics: todo });
    } catch (e) {
      // kafkajs refreshes the metadata of the topics it just deleted, which fails with
      // UNKNOWN_TOPIC_OR_PARTITION once they are gone: that is success
      if (!isUnknownTopic(e)) throw e;
    }
    for (const n of names) this.partitionCounts.delete(n);
  }

  async committedOffsets(groupId: string, topics: readonly string[]): Promise<PartitionOffset[]> {
    return this.withAdmin(async (admin) => {
      const res = await admin.fetchOffsets({ groupId, topics: [...topics] });
      const out: PartitionOffset[] = [];
      for (const t of res)
        for (const p of t.partitions)
          if (Number(p.offset) >= 0) out.push({ topic: t.topic, partition: p.partition, offset: Number(p.offset) });
      return out;
    });
  }

  async endOffsets(topic: string): Promise<PartitionOffset[]> {
    return this.withAdmin(async (admin) => {
      const res = await admin.fetchTopicOffsets(topic);
      return res.map((p) => ({ topic, partition: p.partition, offset: Number(p.high) }));
    });
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    if (groupIds.length === 0) return;
    const admin = await this.adminClient();
    await admin.deleteGroups([...groupIds]).catch(() => undefined);
  }

  private async partitionsOf(topic: string): Promise<number> {
    const known = this.partitionCounts.get(topic);
    if (known && Date.now() - known.at < 30_000) return known.n;
    return this.withAdmin(async (admin) => {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      const n = meta.topics[0]?.partitions.length ?? 1;
      this.partitionCounts.set(topic, { n, at: Date.now() });
      return n;
    });
  }

  /** kafkajs messages grouped by topic, partitions chosen like Kafka's default partitioner. */
  private async topicMessages(
    records: readonly ProduceRecord[],
  ): Promise<{ topicMessages: { topic: string; messages: Message[] }[]; assigned: { topic: string; partition: number }[] }> {
    const byTopic = new Map<string, Message[]>();
    const assigned: { topic: string; partition: number }[] = [];
    for (const r of records) {
      const partition = r.partition ?? this.partitioner.partition(r.key, await this.partitionsOf(r.topic));
      assigned.push({ topic: r.topic, partition });
      const headers = kafkaHeaders(r.headers);
      const m: Message = {
        key: r.key,
        value: r.value,
        partition,
        ...(r.timestamp !== undefined ? { timestamp: String(r.timestamp) } : {}),
        ...(headers ? { headers } : {}),
      };
      let list = byTopic.get(r.topic);
      if (!list) byTopic.set(r.topic, (list = []));
      list.push(m);
    }
    return { topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })), assigned };
  }

  /** Offsets of written records: kafkajs reports the base offset of each topic-partition. */
  private static written(
    meta: readonly { topicName: string; partition: number; baseOffset?: string }[],
    assigned: readonly { topic: string; partition: number }[],
  ): WrittenRecord[] {
    const next = new Map<string, number>();
    for (const m of meta) next.set(`${m.topicName}/${m.partition}`, Number(m.baseOffset ?? -1));
    return assigned.map((a) => {
      const k = `${a.topic}/${a.partition}`;
      const offset = next.get(k) ?? -1;
      if (offset >= 0) next.set(k, offset + 1);
      return { topic: a.topic, partition: a.partition, offset };
    });
  }

  async produce(records: readonly ProduceRecord[]): Promise<WrittenRecord[]> {
    if (records.length === 0) return [];
    this.plainProducer ??= (async () => {
      const p = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await p.connect();
      this.closers.add(() => p.disconnect());
      return p;
    })();
    const p = await this.plainProducer;
    const written: WrittenRecord[] = [];
    for (let i = 0; i < records.length; i += SEND_CHUNK) {
      const chunk = await this.topicMessages(records.slice(i, i + SEND_CHUNK));
      written.push(...KafkaRuntime.written(await p.sendBatch({ topicMessages: chunk.topicMessages, acks: -1 }), chunk.assigned));
    }
    return written;
  }

  async transactionalWriter(transactionalId: string): Promise<TransactionalWriter> {
    const producer = this.kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 60_000,
    });
    await producer.connect();
    const close = async (): Promise<void> => {
      this.closers.delete(close);
      await producer.disconnect().catch(() => undefined);
    };
    this.closers.add(close);
    // InitProducerId now: fences an older producer with this id and aborts its open transaction
    const first = await producer.transaction();
    await first.abort().catch(() => undefined);
    // One transaction at a time per producer (kafkajs refuses a second while one is open): a commit
    // requested while the previous one is still in flight starts when that one has ended.
    let previous: Promise<unknown> = Promise.resolve();
    const commitOne = async (
      records: Parameters<TransactionalWriter['commit']>[0],
      offsets: Parameters<TransactionalWriter['commit']>[1],
    ) => {
      const tx = await producer.transaction();
      try {
        const written: WrittenRecord[] = [];
        for (let i = 0; i < records.length; i += SEND_CHUNK) {
          const chunk = await this.topicMessages(records.slice(i, i + SEND_CHUNK));
          written.push(...KafkaRuntime.written(await tx.sendBatch({ topicMessages: chunk.topicMessages, acks: -1 }), chunk.assigned));
        }
        if (offsets && offsets.offsets.length > 0) {
          const topics = new Map<string, { partition: number; offset: string }[]>();
          for (const o of offsets.offsets) {
            let list = topics.get(o.topic);
            if (!list) topics.set(o.topic, (list = []));
            list.push({ partition: o.partition, offset: String(o.offset) });
          }
          await tx.sendOffsets({
            consumerGroupId: offsets.groupId,
            topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
          });
        }
        await tx.commit();
        return written;
      } catch (e) {
        if (tx.isActive()) await tx.abort().catch(() => undefined);
        const name = (e as { type?: string; name?: string }).type ?? (e as Error).name;
        if (/FENCED|INVALID_PRODUCER_EPOCH|ProducerFenced/i.test(String(name))) throw new ProducerFencedError(transactionalId);
        throw e;
      }
    };
    // Kafka refuses a transaction's first request while the coordinator is still completing the
    // one before (CONCURRENT_TRANSACTIONS, retriable; e.g. right after the start's abort): the
    // transaction was aborted and wrote nothing, so it is made again after a short wait.
    const commitRetrying = async (
      records: Parameters<TransactionalWriter['commit']>[0],
      offsets: Parameters<TransactionalWriter['commit']>[1],
    ): Promise<WrittenRecord[]> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await commitOne(records, offsets);
        } catch (e) {
          if (attempt >= 8 || !isConcurrentTransactions(e)) throw e;
          await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
        }
      }
    };
    return {
      commit: (records, offsets) => {
        const result = previous.catch(() => undefined).then(() => commitRetrying(records, offsets));
        previous = result;
        return result;
      },
      close,
    };
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const consumer: Consumer = this.kafka.consumer({
      groupId: options.groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
      rebalanceTimeout: 10_000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 500,
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxBytes: 32 * 1024 * 1024,
      retry: { retries: 3, restartOnFailure: async () => false },
    });
    let rejectDone!: (e: unknown) => void;
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve, reject) => {
      resolveDone = resolve;
      rejectDone = reject;
    });
    done.catch(() => undefined);
    let failure: unknown;
    let stopped = false;
    consumer.on(consumer.events.CRASH, (e) => {
      failure ??= e.payload.error;
      rejectDone(e.payload.error);
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning });
    } catch (e) {
      await consumer.disconnect().catch(() => undefined);
      throw e;
    }
    interface Pending {
      readonly batch: Batch;
      readonly resolve: () => void;
      readonly reject: (e: unknown) => void;
    }
    let pending: Pending[] = [];
    let scheduled = false;
    let chain: Promise<void> = Promise.resolve();
    const flush = (): void => {
      scheduled = false;
      const items = pending;
      pending = [];
      chain = chain.then(async () => {
        if (failure !== undefined) {
          for (const i of items) i.reject(failure);
          return;
        }
        try {
          const batches = items
            .map((i) => i.batch.messages.map((m) => toLogRecord(i.batch.topic, i.batch.partition, m)))
            .filter((b) => b.length > 0);
          if (batches.length > 0) await options.onBatch(batches);
          for (const i of items) i.resolve();
        } catch (e) {
          failure = e;
          for (const i of items) i.reject(e);
          rejectDone(e);
        }
      });
    };
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 64,
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        if (failure !== undefined) throw failure;
        if (stopped) throw new Error('subscription stopped');
        await new Promise<void>((resolve, reject) => {
          pending.push({ batch, resolve, reject });
          if (!scheduled) {
            scheduled = true;
            setImmediate(flush);
          }
        });
        resolveOffset(batch.lastOffset());
        await heartbeat();
      },
    });
    const stop = async (): Promise<void> => {
      if (stopped) return;
      stopped = true;
      this.closers.delete(stop);
      await consumer.disconnect().catch(() => undefined);
      await chain.catch(() => undefined);
      resolveDone();
    };
    this.closers.add(stop);
    return { stop, done };
  }

  async readToEnd(topic: string): Promise<LogRecord[]> {
    if (!(await this.namedTopics([topic])).has(topic)) return [];
    const admin = await this.adminClient();
    const ends = await admin.fetchTopicOffsets(topic);
    const target = new Map<number, number>();
    for (const p of ends) if (Number(p.high) > Number(p.low)) target.set(p.partition, Number(p.high) - 1);
    if (target.size === 0) return [];
    const groupId = `_streamform-ksqldb-read-${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 200, maxBytesPerPartition: 8 * 1024 * 1024 });
    const records: LogRecord[][] = [];
    const reached = new Map<number, number>();
    let finish!: () => void;
    const finished = new Promise<void>((r) => (finish = r));
    let lastProgress = Date.now();
    const progress = (partition: number, lastOffset: string): void => {
      lastProgress = Date.now();
      reached.set(partition, Math.max(reached.get(partition) ?? -1, Number(lastOffset)));
      if ([...target].every(([p, t]) => (reached.get(p) ?? -1) >= t)) finish();
    };
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => progress(e.payload.partition, e.payload.lastOffset));
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          records.push(batch.messages.map((m) => toLogRecord(topic, batch.partition, m)));
        },
      });
      const stalled = new Promise<void>((_, reject) => {
        const timer = setInterval(() => {
          if (Date.now() - lastProgress > 60_000) {
            clearInterval(timer);
            reject(new Error(`reading ${topic} made no progress for 60 s`));
          }
        }, 1000);
        void finished.then(() => clearInterval(timer));
      });
      await Promise.race([finished, stalled]);
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    const all = records.flat();
    // stable: partition order, then offset
    all.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
    // records past the target end were read by the time the last partition caught up: keep them
    return all;
  }

  async close(): Promise<void> {
    for (const c of [...this.closers]) await c().catch(() => undefined);
    this.closers.clear();
    if (this.admin) await this.admin.disconnect().catch(() => undefined);
    this.admin = undefined;
    this.adminConnecting = undefined;
    await this.wire?.close().catch(() => undefined);
    this.wire = undefined;
  }
}
