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
}

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
    connectionTimeout: 10_000,
    requestTimeout: 30_000,
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

/**
 * Retries metadata reads that fail while a topic just created or deleted propagates through the
 * cluster (UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE and other retriable errors).
 */
async function retryTransient<T>(fn: () => Promise<T>, signal: AbortSignal | undefined, attempts = 20, delayMs = 300): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await abortable(fn(), signal);
    } catch (err) {
      const e = err as { retriable?: boolean; type?: string };
      const transient = e.retriable === true || e.type === 'UNKNOWN_TOPIC_OR_PARTITION' || e.type === 'LEADER_NOT_AVAILABLE';
      if (!transient || i >= attempts || signal?.aborted) throw err;
      await sleep(delayMs, signal);
    }
  }
}

/**
 * Kafka admin operations streamform needs, over kafkajs. kafkajs requests cannot be cancelled: on
 * abort the operations reject at once and their eventual results are ignored.
 */
export class KafkaAdminClient {
  readonly kafka: Kafka;
  private admin?: Promise<Admin>;
  private readonly signal?: AbortSignal;

  constructor(
    readonly connection: KafkaConnection,
    options: Cancellable = {},
  ) {
    this.kafka = new Kafka(kafkaConfig(connection));
    this.signal = options.signal;
  }

  private client(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      this.admin = admin.connect().then(() => admin);
      this.admin.catch(() => (this.admin = undefined));
    }
    return abortable(this.admin, this.signal);
  }

  /** One admin request, abandoned when the signal aborts. */
  private request<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
    requestCounter.add('kafka');
    return this.client().then((admin) => abortable(fn(admin), this.signal));
  }

  async listTopics(): Promise<string[]> {
    return this.request((admin) => admin.listTopics());
  }

  /**
   * Describes the named topics (or all) with every config entry: two requests whatever the count
   * (one Metadata, one DescribeConfigs). Missing topics are absent from the result.
   */
  async describeTopics(names?: readonly string[]): Promise<Map<string, TopicDescription>> {
    const admin = await this.client();
    const existing = new Set(await this.request((a) => a.listTopics()));
    const wanted = (names ?? [...existing]).filter((n) => existing.has(n));
    const out = new Map<string, TopicDescription>();
    if (wanted.length === 0) return out;
    requestCounter.add('kafka');
    const meta = await retryTransient(() => admin.fetchTopicMetadata({ topics: wanted }), this.signal);
    requestCounter.add('kafka');
    const configs = await retryTransient(
      () =>
        admin.describeConfigs({
          resources: wanted.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
          includeSynonyms: false,
        }),
      this.signal,
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
        await this.request((admin) =>
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
        );
        return;
      } catch (err) {
        // A topic of the same name deleted moments ago is still being removed, or the new topic's
        // leaders are not elected yet: Kafka answers with retriable errors for a while.
        const e = err as { retriable?: boolean; type?: string; message?: string };
        const transient = e.retriable === true || e.type === 'UNKNOWN_TOPIC_OR_PARTITION' || /marked for deletion/i.test(e.message ?? '');
        if (!transient || attempt >= 60 || this.signal?.aborted) throw err;
        await sleep(500, this.signal);
        const now = (await this.describeTopics([t.name]).catch(() => new Map<string, TopicDescription>())).get(t.name);
        if (now && now.partitions === t.partitions) return;
      }
    }
  }

  async deleteTopic(name: string): Promise<void> {
    await this.request((admin) => admin.deleteTopics({ topics: [name], timeout: 30_000 }));
  }

  async createPartitions(name: string, count: number): Promise<void> {
    await this.request((admin) => admin.createPartitions({ topicPartitions: [{ topic: name, count }] }));
  }

  /**
   * Sets the topic's overrides so that `desired` holds and the keys in `release` fall back to their
   * defaults, keeping every other override as it is. (AlterConfigs replaces all overrides of a
   * topic, so the ones streamform does not manage are read first and sent back.)
   */
  async setTopicConfigs(name: string, desired: Readonly<Record<string, string>>, release: readonly string[]): Promise<void> {
    const current = (await this.describeTopics([name])).get(name);
    if (!current) throw new Error(`topic ${name} does not exist`);
    const next: Record<string, string> = {};
    for (const [k, e] of Object.entries(current.configs)) {
      if (e.isOverride && e.value !== null && !release.includes(k)) next[k] = e.value;
    }
    Object.assign(next, desired);
    await this.request((admin) =>
      admin.alterConfigs({
        validateOnly: false,
        resources: [
          { type: ConfigResourceTypes.TOPIC, name, configEntries: Object.entries(next).map(([n, value]) => ({ name: n, value })) },
        ],
      }),
    );
  }

  /** Low and high watermark per partition. */
  async offsets(topic: string): Promise<{ partition: number; low: bigint; high: bigint }[]> {
    requestCounter.add('kafka');
    const admin = await this.client();
    const o = await retryTransient(() => admin.fetchTopicOffsets(topic), this.signal);
    return o.map((p) => ({ partition: p.partition, low: BigInt(p.low), high: BigInt(p.high) }));
  }

  async brokerCount(): Promise<number> {
    return (await this.request((admin) => admin.describeCluster())).brokers.length;
  }

  async close(): Promise<void> {
    const a = this.admin;
    this.admin = undefined;
    if (a) await (await a).disconnect();
  }
}
