import type { Admin, Kafka, KafkaConfig, SASLOptions } from 'kafkajs';
import { abortable, Cancellable, sleep } from './abort';
import { Batcher } from './batcher';
import { requestCounter } from './request-counter';
import { extraTrust } from './trust';
import {
  KafkaErrorCode,
  kafkaErrorText,
  KafkajsWire,
  KafkaWire,
  WireConfigChange,
  WireConfigs,
  WireNewTopic,
  WireResult,
} from './kafka-wire';

/** How to reach a Kafka cluster. */
export interface KafkaConnection {
  readonly bootstrapServers: readonly string[];
  /** PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL. */
  readonly securityProtocol?: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  readonly sasl?: {
    readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
    readonly username: string;
    readonly password: string;
  };
  /** PEM CA bundle to trust for SSL (system roots when absent). */
  readonly caPem?: string;
  /** Client id sent to brokers. @default streamform */
  readonly clientId?: string;
  /**
   * Bound on one admin operation, kafkajs' own retries included: a listener that does not answer
   * is reported after this long. @default 30000
   */
  readonly timeoutMs?: number;
}

/** How a Kafka cluster is named in messages: `Kafka at host:port[,host:port]`. */
export function kafkaName(c: Pick<KafkaConnection, 'bootstrapServers'>): string {
  return `Kafka at ${c.bootstrapServers.join(',')}`;
}

/** A Kafka admin operation failed; the message names the cluster's bootstrap servers. */
export class KafkaClientError extends Error {
  constructor(
    readonly server: string,
    message: string,
    readonly cause?: unknown,
  ) {
    super(`${server}: ${message}`);
    this.name = 'KafkaClientError';
  }
}

/** The error of kafkajs as a person can act on it: what went wrong, and what to check. */
export function describeKafkaError(err: unknown): string {
  const chain: { name?: string; message?: string; type?: string; code?: string }[] = [];
  for (let e = err as Record<string, unknown> | undefined; e && chain.length < 5;) {
    chain.push(e as (typeof chain)[number]);
    e = (e.originalError ?? e.cause) as Record<string, unknown> | undefined;
  }
  const message = chain
    .map((e) => e.message)
    .filter((m, i, all): m is string => !!m && all.indexOf(m) === i)
    .join(': ');
  const text = chain.map((e) => `${e.name ?? ''} ${e.message ?? ''} ${e.code ?? ''}`).join(' ');
  if (/ECONNREFUSED/.test(text)) return `${message} (nothing listens there: is Kafka running, and is bootstrap_servers right?)`;
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) return `${message} (the host name does not resolve: is bootstrap_servers right?)`;
  if (
    /Closed connection|ECONNRESET|EPIPE|Connection error|Connection timeout|Request .* timed out|Response without match|KafkaJSProtocolError: Unknown|buffer|Invalid/i.test(
      text,
    ) &&
    !chain.some((e) => e.type)
  ) {
    return `${message} (is this a Kafka broker listener? Check bootstrap_servers and kafka_security_protocol)`;
  }
  return message || String(err);
}

const DEFAULT_KAFKA_TIMEOUT_MS = 30_000;

export function kafkaConfig(c: KafkaConnection): KafkaConfig {
  const protocol = c.securityProtocol ?? 'PLAINTEXT';
  const trust = () => {
    const secureContext = extraTrust();
    return secureContext ? { secureContext } : true;
  };
  const ssl = protocol === 'SSL' || protocol === 'SASL_SSL' ? (c.caPem ? { ca: [c.caPem] } : trust()) : false;
  let sasl: SASLOptions | undefined;
  if (protocol.startsWith('SASL')) {
    if (!c.sasl) throw new Error(`security protocol ${protocol} needs SASL credentials (mechanism, username, password)`);
    const mech = c.sasl.mechanism.toLowerCase() as 'plain' | 'scram-sha-256' | 'scram-sha-512';
    sasl = { mechanism: mech, username: c.sasl.username, password: c.sasl.password } as SASLOptions;
  }
  return {
    clientId: c.clientId ?? 'streamform',
    brokers: [...c.bootstrapServers],
    ssl,
    sasl,
    logLevel: 0, // kafkajs' logLevel.NOTHING
    connectionTimeout: Math.min(10_000, c.timeoutMs ?? DEFAULT_KAFKA_TIMEOUT_MS),
    requestTimeout: c.timeoutMs ?? DEFAULT_KAFKA_TIMEOUT_MS,
    retry: { retries: 5, initialRetryTime: 300 },
  };
}

export interface TopicConfigEntry {
  readonly value: string | null;
  /** Set on the topic itself (not inherited from the broker or a default). */
  readonly isOverride: boolean;
}

export interface TopicDescription {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly configs: Readonly<Record<string, TopicConfigEntry>>;
  /** Partitions without a leader (just created, or a broker down). */
  readonly leaderless: number;
}

const TOPIC_OVERRIDE_SOURCE = 1; // DescribeConfigs ConfigSource.TOPIC_CONFIG

/** An entry as topic descriptions hold it: one object per wire entry (which the wire shares between topics). */
const configEntries = new WeakMap<WireConfigs['entries'][number], TopicConfigEntry>();
function configEntryOf(e: WireConfigs['entries'][number]): TopicConfigEntry {
  let c = configEntries.get(e);
  if (!c) configEntries.set(e, (c = Object.freeze({ value: e.value, isOverride: e.source === TOPIC_OVERRIDE_SOURCE })));
  return c;
}

/** Kafka error codes that pass while metadata settles (topic churn, leader elections, rebalances). */
const TRANSIENT_TYPES = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'NOT_CONTROLLER',
  'REBALANCE_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'NOT_COORDINATOR',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
]);

/** True for a Kafka error worth another attempt (kafkajs wraps the broker's error in its retry errors). */
export function isTransientKafkaError(err: unknown): boolean {
  for (let e = err as Record<string, unknown> | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.type === 'string' && TRANSIENT_TYPES.has(e.type)) return true;
    if (typeof e.message === 'string' && /does not host this topic-partition|not the leader|leader not available|rebalanc/i.test(e.message))
      return true;
    e = (e.originalError ?? e.cause) as Record<string, unknown> | undefined;
  }
  return false;
}

/** Back-off between attempts at a transiently failing Kafka operation. */
export interface KafkaRetry {
  /** @default 12 */
  readonly attempts?: number;
  /** First delay; doubles up to 2 s. @default 250 */
  readonly initialDelayMs?: number;
}

/**
 * Retries an operation that fails while the cluster's metadata churns: a topic just created or
 * deleted propagating (UNKNOWN_TOPIC_OR_PARTITION: "This server does not host this
 * topic-partition"), a leader election after a broker restart (NOT_LEADER_OR_FOLLOWER,
 * LEADER_NOT_AVAILABLE), a rebalance. Back-off doubles from 250 ms to 2 s.
 */
export async function retryTransient<T>(fn: () => Promise<T>, signal: AbortSignal | undefined, retry: KafkaRetry = {}): Promise<T> {
  const attempts = retry.attempts ?? 12;
  let delay = retry.initialDelayMs ?? 250;
  for (let i = 1; ; i++) {
    try {
      return await abortable(fn(), signal);
    } catch (err) {
      // Broker error codes Kafka marks retriable; connection errors are not retried here (kafkajs
      // retried them already, and a listener that is not Kafka's will not turn into one).
      const e = err as { retriable?: boolean; type?: unknown };
      const transient = isTransientKafkaError(err) || (e.retriable === true && typeof e.type === 'string');
      if (!transient || i >= attempts || signal?.aborted) throw err;
      await sleep(delay, signal);
      delay = Math.min(delay * 2, 2000);
    }
  }
}

/** A topic to create: replication factor -1 takes the broker default. */
export interface NewTopic {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly configs: Readonly<Record<string, string>>;
}

/** A topic's own error in a batched answer, shaped like kafkajs' errors (type, retriable). */
export class KafkaTopicError extends Error {
  readonly type: string;
  readonly retriable: boolean;
  constructor(
    readonly topic: string,
    readonly code: number,
    brokerMessage: string | null,
  ) {
    const e = kafkaErrorText(code, brokerMessage);
    super(e.message);
    this.name = 'KafkaTopicError';
    this.type = e.type;
    this.retriable = e.retriable;
  }
}

/** One topic's answer as the caller's result: undefined for success, the error otherwise. */
function topicErrors(answers: readonly WireResult[], topics: readonly string[], ok: readonly number[] = []): (undefined | Error)[] {
  const by = new Map(answers.map((a) => [a.topic, a]));
  return topics.map((t) => {
    const a = by.get(t);
    if (!a) return new Error(`Kafka did not answer for topic ${t}`);
    return a.errorCode === KafkaErrorCode.NONE || ok.includes(a.errorCode)
      ? undefined
      : new KafkaTopicError(t, a.errorCode, a.errorMessage);
  });
}

/** Answers for unique names, in the order of `items` (a name asked twice in a batch gets the same answer). */
async function perName<T>(items: readonly string[], run: (unique: string[]) => Promise<Map<string, T | Error>>): Promise<(T | Error)[]> {
  const answers = await run([...new Set(items)]);
  return items.map((n) => answers.get(n) as T | Error);
}

/**
 * Kafka admin operations streamform needs. Topic reads and writes ask Kafka only about the topics
 * of the call, and calls arriving together (OpenTofu's parallel resource operations) share one
 * request per kind: Metadata + DescribeConfigs for reads, CreateTopics, IncrementalAlterConfigs,
 * CreatePartitions, DeleteTopics for writes. Every operation is bounded by the connection's
 * timeout, retries transient metadata errors with back-off, and fails with a KafkaClientError that
 * names the bootstrap servers. Requests cannot be cancelled: on abort the operations reject at once
 * and their eventual results are ignored.
 */
/** How long a read-ahead answer may serve a read (a plan's refresh of thousands of topics takes seconds). */
export const READ_AHEAD_MS = 30_000;
/** Topics per read-ahead request (one Metadata and one DescribeConfigs each; smaller answers keep the peak memory down). */
const READ_AHEAD_CHUNK = 250;

export class KafkaAdminClient {
  readonly kafka: Kafka;
  readonly server: string;
  private admin?: Promise<Admin>;
  private readonly wire: KafkaWire;
  /** The wire, counting each request by kind for the provider's statistics. */
  private readonly requests: KafkaWire;
  private readonly signal?: AbortSignal;
  private readonly timeoutMs: number;
  private readonly retry: KafkaRetry;
  private readonly describer: Batcher<string, TopicDescription | undefined>;
  private readonly creator: Batcher<WireNewTopic, undefined>;
  private readonly deleter: Batcher<string, undefined>;
  private readonly alterer: Batcher<WireConfigChange, undefined>;
  private readonly partitioner: Batcher<{ topic: string; count: number }, undefined>;
  /** Topics described ahead of their reads (readAhead): each answer serves one read, while fresh. */
  private readonly ahead = new Map<string, { readonly at: number; readonly answer: Promise<TopicDescription | undefined | Error> }>();

  constructor(
    readonly connection: KafkaConnection,
    options: Cancellable & {
      retry?: KafkaRetry;
      wire?: KafkaWire;
      /** How long a call waits for others to share its request. @default 5 */
      batchWindowMs?: number;
    } = {},
  ) {
    // loaded with the first client: a plan without topics never loads kafkajs
    const { Kafka: KafkaClass } = require('kafkajs') as typeof import('kafkajs');
    this.kafka = new KafkaClass(kafkaConfig(connection));
    this.wire = options.wire ?? new KafkajsWire(this.kafka);
    this.signal = options.signal;
    this.retry = options.retry ?? {};
    this.server = kafkaName(connection);
    this.timeoutMs = connection.timeoutMs ?? DEFAULT_KAFKA_TIMEOUT_MS;
    const batch = { windowMs: options.batchWindowMs ?? 5 };
    const wire = (this.requests = this.counted());
    // reads wait for the window too: without it (the reads of one event-loop turn) a 1,000-topic plan
    // sent three times the requests and ran slower (bench/vs-go-provider.ts, 2026-12-02)
    this.describer = new Batcher((names) => perName(names, (unique) => describeNamed(wire, unique)), batch);
    // a write's answer per topic; `ok` lists the error codes that count as done
    const perTopic = <T>(send: (items: T[]) => Promise<WireResult[]>, topic: (item: T) => string, ok: number[] = []) =>
      new Batcher<T, undefined>(async (items) => topicErrors(await send(items), items.map(topic), ok), batch);
    this.creator = perTopic(
      (ts) => wire.createTopics(ts),
      (t) => t.topic,
    );
    this.deleter = perTopic(
      (names) => wire.deleteTopics([...new Set(names)]),
      (n) => n,
      [KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    );
    this.alterer = perTopic(
      (cs) => wire.incrementalAlterConfigs(cs),
      (c) => c.topic,
    );
    this.partitioner = perTopic(
      (ps) => wire.createPartitions(ps),
      (p) => p.topic,
    );
  }

  /** The wire, counting each request by kind (`kafka Metadata`, ...) for the provider's statistics. */
  private counted(): KafkaWire {
    const w = this.wire;
    const count =
      <A extends unknown[], R>(kind: string, fn: (...a: A) => Promise<R>) =>
      (...a: A): Promise<R> => {
        requestCounter.add(`kafka ${kind}`);
        return fn.apply(w, a);
      };
    return {
      metadata: count('Metadata', w.metadata),
      describeConfigs: count('DescribeConfigs', w.describeConfigs),
      createTopics: count('CreateTopics', w.createTopics),
      deleteTopics: count('DeleteTopics', w.deleteTopics),
      createPartitions: count('CreatePartitions', w.createPartitions),
      incrementalAlterConfigs: count('IncrementalAlterConfigs', w.incrementalAlterConfigs),
      close: () => w.close(),
    };
  }

  private client(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      this.admin = admin.connect().then(() => admin);
      this.admin.catch(() => (this.admin = undefined));
    }
    return abortable(this.admin, this.signal);
  }

  /** Drops the admin connection (after a timeout: its socket may be stuck on a silent listener). */
  private reset(): void {
    const a = this.admin;
    this.admin = undefined;
    a?.then((admin) => admin.disconnect()).catch(() => undefined);
  }

  /**
   * One operation: retries transient errors, gives up after the timeout, and names the cluster in
   * its error.
   */
  private async request<T>(fn: () => Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.reset();
        reject(
          new KafkaClientError(
            this.server,
            `${what}: no answer within ${this.timeoutMs / 1000} s (is this a Kafka broker listener, and is it up? raise the provider's request_timeout_seconds if the cluster is only slow)`,
          ),
        );
      }, this.timeoutMs);
    });
    const work = retryTransient(fn, this.signal, this.retry);
    work.catch(() => undefined);
    try {
      return await Promise.race([work, timeout]);
    } catch (err) {
      if (err instanceof KafkaClientError || this.signal?.aborted) throw err;
      throw new KafkaClientError(this.server, `${what}: ${describeKafkaError(err)}`, err);
    } finally {
      clearTimeout(timer);
    }
  }

  /** An operation of kafkajs' Admin (offsets, cluster description: the tools' reads). */
  private adminRequest<T>(fn: (admin: Admin) => Promise<T>, what: string): Promise<T> {
    return this.request(async () => {
      requestCounter.add('kafka admin');
      return fn(await this.client());
    }, what);
  }

  /** Every topic name of the cluster (one Metadata request for all topics). */
  async listTopics(): Promise<string[]> {
    return this.request(async () => (await this.requests.metadata(null)).map((t) => t.topic), 'list topics');
  }

  /**
   * Describes the named topics with every config entry; missing topics are absent from the
   * result. Concurrent calls share one Metadata and one DescribeConfigs request for their topics.
   * Without names, describes every topic of the cluster.
   */
  async describeTopics(names?: readonly string[]): Promise<Map<string, TopicDescription>> {
    const out = new Map<string, TopicDescription>();
    if (!names) {
      const all = await this.listTopics();
      const found = await this.request(() => describeNamed(this.requests, all), 'describe topics');
      for (const [n, d] of found) if (d && !(d instanceof Error)) out.set(n, d);
      return out;
    }
    const found = await Promise.all(
      [...new Set(names)].map(async (n) => {
        const early = await this.takeAhead(n);
        return early !== false ? early : this.request(() => this.describer.add(n), `describe topic ${n}`);
      }),
    );
    for (const d of found) if (d) out.set(d.name, d);
    return out;
  }

  /**
   * Describes these topics now, in batched requests, for reads expected soon: OpenTofu validates
   * every resource before its refresh reads any, so the provider knows the topics a plan will read
   * before the first read arrives (framework/resource.ts readAhead). The next describeTopics of
   * each of them within READ_AHEAD_MS takes that answer instead of asking Kafka; a write to the
   * topic drops it, and a failed or late one is asked again. Only the named topics are asked about.
   * Answers held from an earlier call are dropped: each call is a new phase of OpenTofu's run (a
   * ConfigureProvider), and its reads must not see an earlier phase's answers.
   */
  readAhead(names: readonly string[]): void {
    this.ahead.clear();
    const fresh = [...new Set(names)];
    for (let i = 0; i < fresh.length; i += READ_AHEAD_CHUNK) {
      const chunk = fresh.slice(i, i + READ_AHEAD_CHUNK);
      const answers = describeNamed(this.requests, chunk);
      answers.catch(() => undefined); // the reads that take them ask again
      const at = Date.now();
      for (const n of chunk) {
        this.ahead.set(n, {
          at,
          answer: answers.then(
            (m) => m.get(n),
            (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
          ),
        });
      }
    }
  }

  /** The read-ahead answer for `name` (once), or false when there is none, it failed or is stale. */
  private async takeAhead(name: string): Promise<TopicDescription | undefined | false> {
    const held = this.ahead.get(name);
    if (!held) return false;
    this.ahead.delete(name);
    if (Date.now() - held.at > READ_AHEAD_MS) return false;
    const answer = await held.answer;
    return answer instanceof Error ? false : answer;
  }

  /**
   * Creates the topic and waits until every partition has a leader; fails with TOPIC_ALREADY_EXISTS
   * (a KafkaTopicError) when the name is taken. Concurrent creates share one CreateTopics request.
   */
  async createTopic(t: NewTopic): Promise<TopicDescription> {
    this.ahead.delete(t.name);
    const spec: WireNewTopic = { topic: t.name, partitions: t.partitions, replicationFactor: t.replicationFactor, configs: t.configs };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.request(() => this.creator.add(spec), `create topic ${t.name}`);
        break;
      } catch (err) {
        const cause = err instanceof KafkaClientError ? err.cause : err;
        const exists = cause instanceof KafkaTopicError && cause.code === KafkaErrorCode.TOPIC_ALREADY_EXISTS;
        // A topic of the same name deleted moments ago is still being removed (ZooKeeper clusters).
        const deleting = /marked for deletion/i.test(describeKafkaError(cause));
        if (exists && !deleting) {
          // An earlier attempt of ours that timed out may have created it after all.
          const now = attempt > 1 ? (await this.describeTopics([t.name])).get(t.name) : undefined;
          if (now && now.partitions === t.partitions) break;
          throw err;
        }
        if (!deleting || attempt >= 60 || this.signal?.aborted) throw err;
        await sleep(500, this.signal);
      }
    }
    return this.waitForLeaders(t.name, t.partitions);
  }

  /** The topic's description once it is visible with `partitions` partitions, each with a leader. */
  private waitForLeaders(name: string, partitions: number): Promise<TopicDescription> {
    return this.waitUntil(
      name,
      `topic ${name} was created, but its ${partitions} partitions do not all show with a leader`,
      (d) => d.partitions >= partitions && d.leaderless === 0,
    );
  }

  /** Deletes the topic; one already gone is fine. Concurrent deletes share one DeleteTopics request. */
  async deleteTopic(name: string): Promise<void> {
    this.ahead.delete(name);
    await this.request(() => this.deleter.add(name), `delete topic ${name}`);
  }

  /** Grows the topic to `count` partitions and waits until the cluster's metadata shows them. */
  async createPartitions(name: string, count: number): Promise<void> {
    this.ahead.delete(name);
    await this.request(() => this.partitioner.add({ topic: name, count }), `add partitions to topic ${name}`);
    await this.waitUntil(name, `topic ${name} does not show ${count} partitions`, (d) => d.partitions >= count);
  }

  /**
   * Reads the topic until `done` holds: a change Kafka's controller accepted reaches the brokers'
   * metadata a moment later, and a read-back in between would record the old value in state.
   */
  private async waitUntil(name: string, what: string, done: (d: TopicDescription) => boolean): Promise<TopicDescription> {
    const deadline = Date.now() + this.timeoutMs;
    for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
      const d = (await this.describeTopics([name])).get(name);
      if (d && done(d)) return d;
      if (Date.now() > deadline) throw new KafkaClientError(this.server, `${what} after ${this.timeoutMs / 1000} s`);
      await sleep(delay, this.signal);
    }
  }

  /**
   * Sets the `desired` overrides and removes those in `release` (they fall back to their defaults),
   * keeping every other override of the topic as it is (IncrementalAlterConfigs).
   */
  async setTopicConfigs(name: string, desired: Readonly<Record<string, string>>, release: readonly string[]): Promise<void> {
    this.ahead.delete(name);
    await this.request(() => this.alterer.add({ topic: name, set: desired, delete: release }), `set the configs of topic ${name}`);
    await this.waitUntil(
      name,
      `the new configs of topic ${name} do not show`,
      (d) => Object.entries(desired).every(([k, v]) => d.configs[k]?.value === v) && release.every((k) => !d.configs[k]?.isOverride),
    );
  }

  /** Low and high watermark per partition. */
  async offsets(topic: string): Promise<{ partition: number; low: bigint; high: bigint }[]> {
    const o = await this.adminRequest((admin) => admin.fetchTopicOffsets(topic), `read the offsets of topic ${topic}`);
    return o.map((p) => ({ partition: p.partition, low: BigInt(p.low), high: BigInt(p.high) }));
  }

  /** The messages a topic holds now: the sum over its partitions of high minus low watermark. */
  async messageCount(topic: string): Promise<bigint> {
    return (await this.offsets(topic)).reduce((sum, p) => sum + (p.high - p.low), 0n);
  }

  async brokerCount(): Promise<number> {
    return (await this.adminRequest((admin) => admin.describeCluster(), 'describe the cluster')).brokers.length;
  }

  async close(): Promise<void> {
    const a = this.admin;
    this.admin = undefined;
    await this.wire.close();
    if (a) await (await a).disconnect();
  }
}

/**
 * Metadata and configs of the named topics: one Metadata request and one DescribeConfigs request,
 * sent together (a read costs one round trip, not two; a missing topic's config answer is an error
 * that is ignored). A missing topic maps to undefined, another topic error to that error.
 */
async function describeNamed(wire: KafkaWire, names: readonly string[]): Promise<Map<string, TopicDescription | undefined | Error>> {
  const out = new Map<string, TopicDescription | undefined | Error>();
  if (names.length === 0) return out;
  const [meta, configAnswers] = await Promise.all([wire.metadata(names), wire.describeConfigs(names)]);
  const found = new Map(meta.map((m) => [m.topic, m]));
  const existing: string[] = [];
  for (const n of names) {
    const m = found.get(n);
    if (!m || m.errorCode === KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION) out.set(n, undefined);
    else if (m.errorCode !== KafkaErrorCode.NONE) out.set(n, new KafkaTopicError(n, m.errorCode, null));
    else existing.push(n);
  }
  const configs = new Map(configAnswers.map((c) => [c.topic, c]));
  for (const n of existing) {
    const m = found.get(n)!;
    const c = configs.get(n);
    if (!c || c.errorCode === KafkaErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
      out.set(n, undefined); // deleted between the two requests
      continue;
    }
    if (c.errorCode !== KafkaErrorCode.NONE) {
      out.set(n, new KafkaTopicError(n, c.errorCode, c.errorMessage));
      continue;
    }
    const entries: Record<string, TopicConfigEntry> = {};
    for (const e of c.entries) entries[e.name] = configEntryOf(e);
    out.set(n, {
      name: n,
      partitions: m.partitions.length,
      replicationFactor: m.partitions[0]?.replicas.length ?? 0,
      configs: entries,
      leaderless: m.partitions.filter((p) => p.leader < 0).length,
    });
  }
  return out;
}
