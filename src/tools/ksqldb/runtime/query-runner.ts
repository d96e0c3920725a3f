/**
 * Runs one persistent query over a runtime, exactly once:
 *
 *   consume (read-committed, consumer group `_confluent-ksql-<service id>query_<id>`)
 *   → process (the engine, this query only) → in ONE transaction: the sink records, the state
 *   changes (to the compacted changelog topic `<group>-changelog`) and the consumed offsets.
 *
 * A batch either commits all three or none. When anything fails (processing, the transaction, a
 * fenced producer) the in-memory state may be ahead of what was committed, so the runner starts
 * over like Kafka Streams does with a corrupted task: it wipes the query's stores, restores them
 * from the changelog, and resumes from the committed offsets. A server restart does the same.
 * Creating the transactional writer first fences an older instance and aborts its open
 * transaction, so nothing half-written is ever read.
 */
import type { KsqlEngine, OutputRecord, QueryInfo } from '../engine/engine';
import { SR_FORMATS } from '../engine/serde';
import { TopicMetrics } from './metrics';
import { partitionForKey } from './partitioner';
import { avroSchemasOf, SchemaNotCachedError, schemaIdOf, type SchemaRegistryCache } from './schema-registry';
import { decodeStateKey, decodeStateValue, encodeStateKey, encodeStateValue } from './state-codec';
import type { LogRecord, PartitionOffset, ProduceRecord, Runtime, Subscription, TransactionalWriter } from './types';

export interface QueryRunnerHost {
  readonly engine: KsqlEngine;
  readonly runtime: Runtime;
  readonly registry: SchemaRegistryCache | undefined;
  readonly serviceId: string;
  /** Server configuration (defaults for query properties). */
  readonly config: Readonly<Record<string, unknown>>;
  log(line: string): void;
}

/** ksqlDB's KafkaStreams states as LIST QUERIES shows them. */
export type QueryState = 'CREATED' | 'RUNNING' | 'REBALANCING' | 'PAUSED' | 'ERROR' | 'NOT_RUNNING' | 'PENDING_SHUTDOWN';

interface QueryErrorInfo {
  readonly timestamp: number;
  readonly errorMessage: string;
  readonly type: 'UNKNOWN' | 'USER' | 'SYSTEM';
}

/** A row of a materialized table (the CTAS sink), for pull queries. */
export interface MaterializedRow {
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly timestamp: number;
  readonly partition: number;
  readonly offset: number;
}

export const appIdOf = (serviceId: string, queryId: string): string => `_confluent-ksql-${serviceId}query_${queryId}`;
const changelogTopicOf = (serviceId: string, queryId: string): string => `${appIdOf(serviceId, queryId)}-changelog`;

/** Kafka Streams' order across partitions: the head with the smallest timestamp goes first. */
export function mergeByTimestamp(batches: readonly (readonly LogRecord[])[]): LogRecord[] {
  if (batches.length === 1) return [...batches[0]];
  const idx = batches.map(() => 0);
  const out: LogRecord[] = [];
  const total = batches.reduce((n, b) => n + b.length, 0);
  while (out.length < total) {
    let best = -1;
    for (let i = 0; i < batches.length; i++) {
      if (idx[i] >= batches[i].length) continue;
      if (best < 0 || batches[i][idx[i]].timestamp < batches[best][idx[best]].timestamp) best = i;
    }
    out.push(batches[best][idx[best]++]);
  }
  return out;
}

const RETRY_INITIAL_MS = 1000;
/** Records processed per transaction (a larger fetch is split). */
const RECORDS_PER_TRANSACTION = 5000;
const RETRY_MAX_MS = 30_000;

export class PersistentQueryRunner {
  state: QueryState = 'CREATED';
  readonly errors: QueryErrorInfo[] = [];
  readonly metrics = new TopicMetrics();
  /** Rows of the sink table by key (CTAS only): what pull queries read. */
  readonly materialized = new Map<string, MaterializedRow>();
  readonly appId: string;
  readonly changelogTopic: string;
  private subscription: Subscription | undefined;
  private writer: TransactionalWriter | undefined;
  /** The stores may hold uncommitted changes: restore them before running again. */
  private dirty = true;
  /** Transactions of this run, chained: each commits after the one before. */
  private commits: Promise<void> = Promise.resolve();
  private uncommitted = 0;
  /** Incremented on every start: commits of an earlier run no longer count. */
  private generation = 0;
  private stopping = false;
  private paused = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryDelay = RETRY_INITIAL_MS;
  private starting: Promise<void> | undefined;
  private failing = false;
  private readonly readsSchemaRegistry: boolean;
  private readonly materializes: boolean;
  private sinkPartitions: number | undefined;

  constructor(
    private readonly host: QueryRunnerHost,
    readonly id: string,
  ) {
    this.appId = appIdOf(host.serviceId, id);
    this.changelogTopic = changelogTopicOf(host.serviceId, id);
    const info = this.info();
    const sources = info.sources.map((n) => host.engine.getSource(n)).filter((s) => s !== undefined);
    this.readsSchemaRegistry = sources.some((s) => SR_FORMATS.has(s.keyFormat.format) || SR_FORMATS.has(s.valueFormat.format));
    this.materializes = !info.isInsert && host.engine.getSource(info.sink)?.kind === 'TABLE';
  }

  info(): QueryInfo {
    const info = this.host.engine.queryInfo(this.id);
    if (!info) throw new Error(`query ${this.id} is not in the engine`);
    return info;
  }

  /** The query's property (request overrides, then the server's configuration). */
  private property(name: string): unknown {
    const cfg = this.info().config;
    return cfg[name] ?? cfg[`ksql.streams.${name}`] ?? this.host.config[name] ?? this.host.config[`ksql.streams.${name}`];
  }

  private get fromBeginning(): boolean {
    return String(this.property('auto.offset.reset') ?? 'latest').toLowerCase() === 'earliest';
  }

  /** Starts (or restarts) consuming; failures put the query in ERROR and retry with back-off. */
  start(): Promise<void> {
    this.stopping = false;
    this.paused = false;
    this.starting ??= this.doStart().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async doStart(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    try {
      const info = this.info();
      const { runtime, engine } = this.host;
      // asked by name: a start costs the same whatever else the cluster holds
      const topics = await runtime.namedTopics([...info.sourceTopics, info.sinkTopic, this.changelogTopic]);
      const missing = info.sourceTopics.filter((t) => !topics.has(t));
      if (missing.length > 0) {
        throw new UserError(
          `org.apache.kafka.streams.errors.MissingSourceTopicException: One or more source topics were missing during rebalance: [${missing.join(', ')}]`,
        );
      }
      if (!topics.has(info.sinkTopic)) {
        throw new UserError(
          `org.apache.kafka.common.errors.UnknownTopicOrPartitionException: Topic ${info.sinkTopic} not present in metadata.`,
        );
      }
      this.sinkPartitions = topics.get(info.sinkTopic)!.partitions;
      // the sink's schemas, so that the engine's serdes find their ids (also after a restart)
      const sink = engine.getSource(info.sink);
      if (this.host.registry && sink)
        for (const { subject, schema } of avroSchemasOf(sink)) await this.host.registry.registerNow(subject, schema);
      // fence an older instance (and abort its open transaction) before reading anything it wrote
      this.writer ??= await runtime.transactionalWriter(this.appId);
      if (engine.queryStoreNames(this.id).length > 0) {
        if (!topics.has(this.changelogTopic)) {
          const replicas = this.host.config['ksql.streams.replication.factor'] ?? this.host.config['ksql.internal.topic.replicas'];
          await runtime.createTopic({
            name: this.changelogTopic,
            partitions: 1,
            ...(replicas !== undefined ? { replicas: Number(replicas) } : {}),
            config: { 'cleanup.policy': 'compact' },
          });
        }
        if (this.dirty) await this.restore(info);
      }
      this.dirty = false;
      if (this.materializes) await this.rebuildMaterialization(info);
      if (this.stopping) return;
      this.generation++;
      this.commits = Promise.resolve();
      this.uncommitted = 0;
      this.subscription = await runtime.subscribe({
        groupId: this.appId,
        topics: info.sourceTopics,
        fromBeginning: this.fromBeginning,
        onBatch: (b) => this.onBatch(b),
      });
      const sub = this.subscription;
      sub.done.catch((e: unknown) => {
        if (this.subscription === sub && !this.stopping) void this.fail(e);
      });
      this.state = 'RUNNING';
      this.retryDelay = RETRY_INITIAL_MS;
    } catch (e) {
      await this.fail(e);
    }
  }

  /** Replays the changelog into the query's (wiped) stores. */
  private async restore(info: QueryInfo): Promise<void> {
    const { engine, runtime } = this.host;
    const stores = engine.stores;
    const was = stores.logging;
    stores.logging = false;
    try {
      for (const name of engine.queryStoreNames(this.id)) {
        const store = stores.store(name);
        for (const k of [...store.entries()].map(([key]) => key)) store.delete(k);
      }
    } finally {
      stores.logging = was;
    }
    const records = await runtime.readToEnd(this.changelogTopic);
    const entries = records.map((r) => {
      const { store, key } = decodeStateKey(r.key!);
      return { store: `${info.storePrefix}-${store}`, key, value: r.value === null ? undefined : decodeStateValue(r.value) };
    });
    stores.restore(entries);
    this.host.log(`${this.id}: restored ${entries.length} state change(s) from ${this.changelogTopic}`);
  }

  private async rebuildMaterialization(info: QueryInfo): Promise<void> {
    this.materialized.clear();
    for (const r of await this.host.runtime.readToEnd(info.sinkTopic)) this.materialize(r.key, r.value, r.timestamp, r.partition, r.offset);
  }

  private materialize(key: Buffer | null, value: Buffer | null, timestamp: number, partition: number, offset: number): void {
    const k = key === null ? '' : key.toString('hex');
    if (value === null) this.materialized.delete(k);
    else this.materialized.set(k, { key, value, timestamp, partition, offset });
  }

  private async onBatch(batches: readonly (readonly LogRecord[])[]): Promise<void> {
    if (this.stopping) throw new Error(`query ${this.id} is stopping`);
    const registry = this.host.registry;
    const records = mergeByTimestamp(batches);
    if (registry && this.readsSchemaRegistry) {
      const ids: number[] = [];
      for (const r of records) {
        const k = schemaIdOf(r.key);
        const v = schemaIdOf(r.value);
        if (k !== undefined) ids.push(k);
        if (v !== undefined) ids.push(v);
      }
      if (ids.length > 0) await registry.prefetchIds(ids);
    }
    // A large fetch becomes several transactions, so that processing one overlaps committing the
    // one before (each commits the offsets of the records it holds: a prefix of every partition).
    for (let i = 0; i < records.length; i += RECORDS_PER_TRANSACTION) {
      if (this.stopping) throw new Error(`query ${this.id} is stopping`);
      const chunk = records.length <= RECORDS_PER_TRANSACTION ? records : records.slice(i, i + RECORDS_PER_TRANSACTION);
      const consumed =
        i === 0
          ? batches
              .filter((b) => b.length > 0)
              .map((b) => ({
                topic: b[0].topic,
                n: b.length,
                bytes: b.reduce((n, r) => n + (r.value?.length ?? 0) + (r.key?.length ?? 0), 0),
              }))
          : [];
      await this.processAndCommit(chunk, consumed);
    }
  }

  /** Processes records and queues their transaction; resolves once the transaction before it committed. */
  private async processAndCommit(
    records: readonly LogRecord[],
    consumed: readonly { topic: string; n: number; bytes: number }[],
  ): Promise<void> {
    const { engine } = this.host;
    // --- synchronous from here to the drain: no other query can run in between
    const leftover = engine.stores.drainChangelog();
    if (leftover.length > 0) this.host.log(`${this.id}: discarded ${leftover.length} state change(s) of unknown origin`);
    this.dirty = true;
    const outputs: OutputRecord[] = [];
    for (const r of records) {
      for (const o of engine.processQuery(this.id, r)) outputs.push(o);
    }
    const changes = engine.stores.drainChangelog();
    const logged = this.drainProcessingLog();
    // --- end of the synchronous part
    const info = this.info();
    const now = Date.now();
    for (const c of consumed) this.metrics.consumed(c.topic, c.n, c.bytes, now);
    if (logged.length > 0) {
      this.metrics.failed(info.sinkTopic, logged.length, now);
      for (const l of logged) this.host.log(`${this.id}: ${l.topic}: ${l.message}`);
      if (String(this.property('ksql.fail.on.deserialization.error') ?? 'false') === 'true') {
        throw new UserError(`Failed to deserialize data for topic ${logged[0].topic}: ${logged[0].message}`);
      }
    }
    const out: ProduceRecord[] = outputs.map((o) => ({
      topic: o.topic,
      ...(o.key !== null ? { partition: this.partitionOf(o) } : {}),
      key: o.key,
      value: o.value,
      timestamp: o.timestamp,
      headers: o.headers,
    }));
    if (changes.length > 0) {
      const last = new Map<string, (typeof changes)[number]>();
      for (const c of changes) last.set(`${c.store}\n${c.key}`, c);
      const prefix = `${info.storePrefix}-`;
      for (const c of last.values()) {
        const store = c.store.startsWith(prefix) ? c.store.slice(prefix.length) : c.store;
        out.push({
          topic: this.changelogTopic,
          partition: 0,
          key: encodeStateKey(store, c.key),
          value: c.value === undefined ? null : encodeStateValue(c.value),
        });
      }
    }
    const offsets = new Map<string, PartitionOffset>();
    for (const r of records) offsets.set(`${r.topic}/${r.partition}`, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
    // Commit after the transaction before it: the next records are processed while this one
    // commits. A failed commit fails the query (its state is restored, consumption resumes from
    // the committed offsets), so nothing processed ahead of a commit is ever lost.
    const writer = this.writer!;
    const generation = this.generation;
    const previous = this.commits;
    this.uncommitted++;
    const commit = previous.then(async () => {
      const written = await writer.commit(out, { groupId: this.appId, offsets: [...offsets.values()] });
      if (generation !== this.generation) return;
      if (--this.uncommitted === 0) this.dirty = false;
      this.metrics.produced(info.sinkTopic, outputs.length);
      if (this.materializes) {
        for (let i = 0; i < outputs.length; i++) {
          const o = outputs[i];
          this.materialize(o.key, o.value, o.timestamp, written[i]?.partition ?? 0, written[i]?.offset ?? -1);
        }
      }
    });
    this.commits = commit;
    commit.catch((e: unknown) => {
      if (generation === this.generation && !this.stopping) void this.fail(e);
    });
    // at most one transaction waits behind the one in flight
    await previous;
  }

  /** The sink partition Kafka Streams would choose: the key's hash (a windowed key's inner key). */
  private partitionOf(o: OutputRecord): number {
    const n = this.sinkPartitions ?? this.host.engine.topicPartitions(o.topic) ?? 1;
    if (n <= 1 || o.key === null) return 0;
    let key = o.key;
    if (o.window) key = key.subarray(0, key.length - (o.window.type === 'SESSION' ? 16 : 8));
    return partitionForKey(key, n);
  }

  private drainProcessingLog(): { topic: string; message: string }[] {
    const log = this.host.engine.processingLog;
    if (log.length === 0) return [];
    const mine = log.filter((e) => e.queryId === this.id);
    if (mine.length === 0) return [];
    const rest = log.filter((e) => e.queryId !== this.id);
    log.length = 0;
    log.push(...rest);
    return mine;
  }

  private async fail(e: unknown): Promise<void> {
    if (this.failing) return;
    this.failing = true;
    try {
      await this.failOnce(e);
    } finally {
      this.failing = false;
    }
  }

  private async failOnce(e: unknown): Promise<void> {
    const sub = this.subscription;
    this.subscription = undefined;
    this.generation++;
    this.dirty = true;
    if (sub) await sub.stop().catch(() => undefined);
    await this.commits.catch(() => undefined);
    if (this.stopping) return;
    const registry = this.host.registry;
    if (e instanceof SchemaNotCachedError && registry?.hasPending()) {
      try {
        await registry.registerPending();
        this.schedule(0);
        return;
      } catch (re) {
        e = re;
      }
    }
    const message = e instanceof Error ? e.message : String(e);
    this.state = 'ERROR';
    this.errors.push({ timestamp: Date.now(), errorMessage: message, type: e instanceof UserError ? 'USER' : 'UNKNOWN' });
    if (this.errors.length > 10) this.errors.splice(0, this.errors.length - 10);
    this.host.log(`${this.id}: ERROR ${message}; retrying in ${this.retryDelay} ms`);
    // a fenced or broken writer is replaced on restart
    if (this.writer) {
      await this.writer.close().catch(() => undefined);
      this.writer = undefined;
    }
    this.schedule(this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
  }

  private schedule(ms: number): void {
    if (this.stopping || this.paused) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.stopping && !this.paused) void this.start();
    }, ms);
    this.retryTimer.unref?.();
  }

  /** Stops consuming (waits for a batch in progress). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await this.starting?.catch(() => undefined);
    const sub = this.subscription;
    this.subscription = undefined;
    if (sub) await sub.stop().catch(() => undefined);
    await this.commits.catch(() => {
      this.dirty = true;
    });
    if (this.writer) await this.writer.close().catch(() => undefined);
    this.writer = undefined;
    this.state = this.paused ? 'PAUSED' : 'NOT_RUNNING';
  }

  async pause(): Promise<void> {
    this.paused = true;
    await this.stop();
    this.paused = true;
    this.state = 'PAUSED';
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Removes what the query kept in Kafka: its changelog topic and its consumer group. */
  async cleanUp(): Promise<void> {
    await this.host.runtime.deleteTopics([this.changelogTopic]).catch(() => undefined);
    await this.host.runtime.deleteGroups([this.appId]).catch(() => undefined);
  }
}

/** An error of the user's making (ksqlDB's QueryError type USER), e.g. a missing topic. */
class UserError extends Error {}
