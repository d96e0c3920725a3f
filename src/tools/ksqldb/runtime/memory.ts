/**
 * An in-memory log with Kafka's semantics as far as the local ksqlDB relies on them: topics of
 * partitions, offsets, consumer groups with committed offsets, transactional writers whose records
 * and offsets commit atomically (a commit marker takes an offset in each partition written, as in
 * Kafka), fencing of older writers with the same transactional id, and consumers that see
 * committed records only. It outlives a server: start a new server on the same log to restart.
 */
import { DefaultPartitioner } from './partitioner';
import {
  ProducerFencedError,
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

/** A record, or a transaction's commit marker (skipped by readers). */
type Entry = LogRecord | { readonly marker: true; readonly offset: number };

interface Topic {
  readonly description: TopicDescription;
  readonly partitions: Entry[][];
}

const isRecord = (e: Entry): e is LogRecord => !('marker' in e);

export class MemoryRuntime implements Runtime {
  readonly description = 'in-memory log';
  private readonly topics = new Map<string, Topic>();
  private readonly groups = new Map<string, Map<string, number>>();
  private readonly epochs = new Map<string, number>();
  private readonly partitioner = new DefaultPartitioner();
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    readonly id = 'in-memory-cluster',
    /** Replication factor of topics created without one. */
    private readonly defaultReplicas = 1,
  ) {}

  async clusterId(): Promise<string> {
    return this.id;
  }

  async listTopics(): Promise<Map<string, { partitions: number; replicas: number }>> {
    return new Map([...this.topics].map(([n, t]) => [n, { partitions: t.description.partitions, replicas: t.description.replicas }]));
  }

  async namedTopics(names: readonly string[]): Promise<Map<string, { partitions: number; replicas: number }>> {
    const out = new Map<string, { partitions: number; replicas: number }>();
    for (const n of names) {
      const t = this.topics.get(n);
      if (t) out.set(n, { partitions: t.description.partitions, replicas: t.description.replicas });
    }
    return out;
  }

  async describeTopic(name: string): Promise<TopicDescription | undefined> {
    return this.topics.get(name)?.description;
  }

  async createTopic(spec: TopicSpec): Promise<boolean> {
    if (this.topics.has(spec.name)) return false;
    if (!(spec.partitions >= 1)) throw new Error(`Number of partitions must be larger than 0, got ${spec.partitions}`);
    const replicas = spec.replicas === undefined || spec.replicas === -1 ? this.defaultReplicas : spec.replicas;
    this.topics.set(spec.name, {
      description: { name: spec.name, partitions: spec.partitions, replicas, config: { ...(spec.config ?? {}) } },
      partitions: Array.from({ length: spec.partitions }, () => []),
    });
    return true;
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    for (const n of names) this.topics.delete(n);
    for (const g of this.groups.values()) for (const k of [...g.keys()]) if (names.includes(k.slice(0, k.lastIndexOf('/')))) g.delete(k);
    this.wake();
  }

  async committedOffsets(groupId: string, topics: readonly string[]): Promise<PartitionOffset[]> {
    const g = this.groups.get(groupId);
    if (!g) return [];
    const out: PartitionOffset[] = [];
    for (const [k, offset] of g) {
      const i = k.lastIndexOf('/');
      const topic = k.slice(0, i);
      if (topics.includes(topic)) out.push({ topic, partition: Number(k.slice(i + 1)), offset });
    }
    return out;
  }

  async endOffsets(topic: string): Promise<PartitionOffset[]> {
    const t = this.topics.get(topic);
    if (!t) return [];
    return t.partitions.map((p, partition) => ({ topic, partition, offset: p.length }));
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    for (const g of groupIds) this.groups.delete(g);
  }

  /** All groups with committed offsets (for tests). */
  groupIds(): string[] {
    return [...this.groups.keys()];
  }

  async produce(records: readonly ProduceRecord[]): Promise<WrittenRecord[]> {
    return this.append(records, false);
  }

  async transactionalWriter(transactionalId: string): Promise<TransactionalWriter> {
    const epoch = (this.epochs.get(transactionalId) ?? 0) + 1;
    this.epochs.set(transactionalId, epoch);
    let closed = false;
    return {
      commit: async (records, offsets) => {
        if (closed) throw new Error(`transactional writer ${transactionalId} is closed`);
        if (this.epochs.get(transactionalId) !== epoch) throw new ProducerFencedError(transactionalId);
        // validate everything first: a transaction is all or nothing
        for (const r of records) this.topicOf(r.topic, r.partition);
        const written = this.append(records, true);
        if (offsets) {
          const g = this.groups.get(offsets.groupId) ?? new Map<string, number>();
          for (const o of offsets.offsets) g.set(`${o.topic}/${o.partition}`, o.offset);
          this.groups.set(offsets.groupId, g);
        }
        return written;
      },
      close: async () => {
        closed = true;
      },
    };
  }

  private topicOf(name: string, partition: number | undefined): Topic {
    const t = this.topics.get(name);
    if (!t) throw new Error(`This server does not host this topic-partition: ${name}`);
    if (partition !== undefined && (partition < 0 || partition >= t.partitions.length)) {
      throw new Error(`Invalid partition ${partition} for topic ${name}`);
    }
    return t;
  }

  private append(records: readonly ProduceRecord[], transactional: boolean): WrittenRecord[] {
    for (const r of records) this.topicOf(r.topic, r.partition);
    const written: WrittenRecord[] = [];
    const touched = new Set<Entry[]>();
    const now = Date.now();
    for (const r of records) {
      const t = this.topics.get(r.topic)!;
      const partition = r.partition ?? this.partitioner.partition(r.key, t.partitions.length);
      const log = t.partitions[partition];
      const offset = log.length;
      log.push({
        topic: r.topic,
        partition,
        offset,
        key: r.key,
        value: r.value,
        timestamp: r.timestamp ?? now,
        headers: r.headers ?? [],
      });
      touched.add(log);
      written.push({ topic: r.topic, partition, offset });
    }
    if (transactional) for (const log of touched) log.push({ marker: true, offset: log.length });
    this.wake();
    return written;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const max = options.maxRecordsPerPartition ?? 500;
    const positions = new Map<string, number>();
    const committed = this.groups.get(options.groupId);
    let stopped = false;
    let stopWake: () => void = () => undefined;
    const stopSignal = new Promise<void>((r) => (stopWake = r));
    const positionOf = (topic: string, partition: number, log: Entry[]): number => {
      const k = `${topic}/${partition}`;
      let p = positions.get(k);
      if (p === undefined) {
        p = committed?.get(k) ?? (options.fromBeginning ? 0 : log.length);
        positions.set(k, p);
      }
      return p;
    };
    // positions of partitions that exist now are fixed at subscription time (latest = end now)
    for (const topic of options.topics) {
      const t = this.topics.get(topic);
      t?.partitions.forEach((log, partition) => positionOf(topic, partition, log));
    }
    const loop = async (): Promise<void> => {
      while (!stopped && !this.closed) {
        const batches: LogRecord[][] = [];
        const next: [string, number][] = [];
        for (const topic of options.topics) {
          const t = this.topics.get(topic);
          if (!t) continue;
          t.partitions.forEach((log, partition) => {
            let p = positionOf(topic, partition, log);
            const batch: LogRecord[] = [];
            while (p < log.length && batch.length < max) {
              const e = log[p++];
              if (isRecord(e)) batch.push(e);
            }
            if (p !== positions.get(`${topic}/${partition}`)) next.push([`${topic}/${partition}`, p]);
            if (batch.length > 0) batches.push(batch);
          });
        }
        if (batches.length > 0) await options.onBatch(batches);
        for (const [k, p] of next) positions.set(k, p);
        if (batches.length === 0 && next.length === 0) await Promise.race([this.changed(), stopSignal]);
        else await new Promise((r) => setImmediate(r));
      }
    };
    const done = loop();
    done.catch(() => undefined);
    return {
      done,
      stop: async () => {
        stopped = true;
        stopWake();
        await done.catch(() => undefined);
      },
    };
  }

  async readToEnd(topic: string): Promise<LogRecord[]> {
    const t = this.topics.get(topic);
    if (!t) return [];
    return t.partitions.flatMap((log) => log.filter(isRecord));
  }

  /** Every record of a topic (for tests). */
  records(topic: string): LogRecord[] {
    return this.topics.get(topic)?.partitions.flatMap((log) => log.filter(isRecord)) ?? [];
  }

  async close(): Promise<void> {
    // the log outlives servers; closing only wakes waiting consumers
    this.wake();
  }
}
