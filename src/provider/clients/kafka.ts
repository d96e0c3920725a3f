import { Admin, ConfigResourceTypes, Kafka, KafkaConfig, logLevel, SASLOptions } from 'kafkajs';
import { abortable, Cancellable, sleep } from './abort';
import { requestCounter } from './http';

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
  const ssl = protocol === 'SSL' || protocol === 'SASL_SSL' ? (c.caPem ? { ca: [c.caPem] } : true) : false;
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
    logLevel: logLevel.NOTHING,
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
}

const TOPIC_OVERRIDE_SOURCE = 1; // DescribeConfigs ConfigSource.TOPIC_CONFIG

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

/**
 * Kafka admin operations streamform needs, over kafkajs. kafkajs requests cannot be cancelled: on
 * abort the operations reject at once and their eventual results are ignored. Every operation is
 * bounded by the connection's timeout (kafkajs' retries included), retries transient metadata
 * errors with back-off, and fails with a KafkaClientError that names the bootstrap servers.
 */
export class KafkaAdminClient {
  readonly kafka: Kafka;
  readonly server: string;
  private admin?: Promise<Admin>;
  private readonly signal?: AbortSignal;
  private readonly timeoutMs: number;

  constructor(
    readonly connection: KafkaConnection,
    options: Cancellable & { retry?: KafkaRetry } = {},
  ) {
    this.kafka = new Kafka(kafkaConfig(connection));
    this.signal = options.signal;
    this.retry = options.retry ?? {};
    this.server = kafkaName(connection);
    this.timeoutMs = connection.timeoutMs ?? DEFAULT_KAFKA_TIMEOUT_MS;
  }

  private readonly retry: KafkaRetry;

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
   * One admin operation: connects when needed, retries transient errors, gives up after the
   * timeout, and names the cluster in its error.
   */
  private async request<T>(fn: (admin: Admin) => Promise<T>, what: string): Promise<T> {
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
    const work = retryTransient(
      async () => {
        requestCounter.add('kafka');
        return fn(await this.client());
      },
      this.signal,
      this.retry,
    );
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

  async listTopics(): Promise<string[]> {
    return this.request((admin) => admin.listTopics(), 'list topics');
  }

  /**
   * Describes the named topics (or all) with every config entry: two requests whatever the count
   * (one Metadata, one DescribeConfigs). Missing topics are absent from the result.
   */
  async describeTopics(names?: readonly string[]): Promise<Map<string, TopicDescription>> {
    const existing = new Set(await this.listTopics());
    const wanted = (names ?? [...existing]).filter((n) => existing.has(n));
    const out = new Map<string, TopicDescription>();
    if (wanted.length === 0) return out;
    const meta = await this.request((admin) => admin.fetchTopicMetadata({ topics: wanted }), 'describe topics');
    const configs = await this.request(
      (admin) =>
        admin.describeConfigs({
          resources: wanted.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
          includeSynonyms: false,
        }),
      'describe topic configs',
    );
    const byName = new Map(configs.resources.map((r) => [r.resourceName, r]));
    for (const t of meta.topics) {
      const entries: Record<string, TopicConfigEntry> = {};
      for (const e of byName.get(t.name)?.configEntries ?? []) {
        const source = (e as unknown as { configSource?: number }).configSource;
        entries[e.configName] = { value: e.configValue, isOverride: source === TOPIC_OVERRIDE_SOURCE };
      }
      out.set(t.name, {
        name: t.name,
        partitions: t.partitions.length,
        replicationFactor: t.partitions[0]?.replicas.length ?? 0,
        configs: entries,
      });
    }
    return out;
  }

  async createTopic(t: { name: string; partitions: number; replicationFactor: number; configs: Record<string, string> }): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.request(
          (admin) =>
            admin.createTopics({
              waitForLeaders: true,
              topics: [
                {
                  topic: t.name,
                  numPartitions: t.partitions,
                  replicationFactor: t.replicationFactor,
                  configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
                },
              ],
            }),
          `create topic ${t.name}`,
        );
        return;
      } catch (err) {
        // A topic of the same name deleted moments ago is still being removed, or the new topic's
        // leaders are not elected yet: Kafka answers with retriable errors for a while.
        const cause = err instanceof KafkaClientError ? err.cause : err;
        const e = (cause ?? {}) as { retriable?: boolean; message?: string };
        const transient = e.retriable === true || isTransientKafkaError(cause) || /marked for deletion/i.test(describeKafkaError(cause));
        if (!cause || !transient || attempt >= 60 || this.signal?.aborted) throw err;
        await sleep(500, this.signal);
        const now = (await this.describeTopics([t.name]).catch(() => new Map<string, TopicDescription>())).get(t.name);
        if (now && now.partitions === t.partitions) return;
      }
    }
  }

  /** Deletes the topic; one already gone (e.g. deleted while metadata churned) is fine. */
  async deleteTopic(name: string): Promise<void> {
    try {
      await this.request((admin) => admin.deleteTopics({ topics: [name], timeout: 30_000 }), `delete topic ${name}`);
    } catch (err) {
      if (err instanceof KafkaClientError && isTransientKafkaError(err.cause) && !(await this.listTopics()).includes(name)) return;
      throw err;
    }
  }

  async createPartitions(name: string, count: number): Promise<void> {
    await this.request((admin) => admin.createPartitions({ topicPartitions: [{ topic: name, count }] }), `add partitions to topic ${name}`);
  }

  /**
   * Sets the topic's overrides so that `desired` holds and the keys in `release` fall back to their
   * defaults, keeping every other override as it is. (AlterConfigs replaces all overrides of a
   * topic, so the ones streamform does not manage are read first and sent back.)
   */
  async setTopicConfigs(name: string, desired: Readonly<Record<string, string>>, release: readonly string[]): Promise<void> {
    const current = (await this.describeTopics([name])).get(name);
    if (!current) throw new KafkaClientError(this.server, `topic ${name} does not exist`);
    const next: Record<string, string> = {};
    for (const [k, e] of Object.entries(current.configs)) {
      if (e.isOverride && e.value !== null && !release.includes(k)) next[k] = e.value;
    }
    Object.assign(next, desired);
    await this.request(
      (admin) =>
        admin.alterConfigs({
          validateOnly: false,
          resources: [
            { type: ConfigResourceTypes.TOPIC, name, configEntries: Object.entries(next).map(([n, value]) => ({ name: n, value })) },
          ],
        }),
      `set the configs of topic ${name}`,
    );
  }

  /** Low and high watermark per partition. */
  async offsets(topic: string): Promise<{ partition: number; low: bigint; high: bigint }[]> {
    const o = await this.request((admin) => admin.fetchTopicOffsets(topic), `read the offsets of topic ${topic}`);
    return o.map((p) => ({ partition: p.partition, low: BigInt(p.low), high: BigInt(p.high) }));
  }

  /** The messages a topic holds now: the sum over its partitions of high minus low watermark. */
  async messageCount(topic: string): Promise<bigint> {
    return (await this.offsets(topic)).reduce((sum, p) => sum + (p.high - p.low), 0n);
  }

  async brokerCount(): Promise<number> {
    return (await this.request((admin) => admin.describeCluster(), 'describe the cluster')).brokers.length;
  }

  async close(): Promise<void> {
    const a = this.admin;
    this.admin = undefined;
    if (a) await (await a).disconnect();
  }
}
