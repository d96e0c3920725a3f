/**
 * Kafka topic access for the stand-in, mirroring what ksqlDB's `KafkaTopicClientImpl` does with
 * topics: existence checks, partition/replica description, creation (validating an existing topic
 * like `TopicValidationUtil`) and deletion. Three implementations: a real Kafka cluster via
 * kafkajs, an in-memory registry (same checks, no broker), and a sandbox overlay used while a
 * request is validated (ksqlDB's `SandboxedKafkaTopicClient`: creations and deletions are only
 * recorded).
 */
import { Admin, ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { KsqlException } from './errors';

export interface TopicDescription {
  readonly name: string;
  readonly partitions: number;
  readonly replicas: number;
  /** retention.ms when the topic has one */
  readonly retentionMs?: number;
}

export interface TopicClient {
  describe(name: string): Promise<TopicDescription | undefined>;
  /**
   * Creates a topic, or validates the existing one (partitions, replicas, retention) like ksqlDB.
   * `replicas` -1 means the broker default. Returns true when the topic was created.
   */
  create(name: string, partitions: number, replicas: number, config: Record<string, string>): Promise<boolean>;
  delete(names: string[]): Promise<void>;
  clusterId(): Promise<string>;
  close(): Promise<void>;
}

/** ksqlDB's `TopicValidationUtil#validateTopicProperties`. */
export function validateTopic(existing: TopicDescription, partitions: number, replicas: number, retentionMs?: number): void {
  const badPartitions = existing.partitions !== partitions;
  const badReplicas = replicas !== -1 && existing.replicas < replicas;
  const badRetention = retentionMs !== undefined && existing.retentionMs !== undefined && existing.retentionMs !== retentionMs;
  if (!badPartitions && !badReplicas && !badRetention) return;
  let msg =
    `A Kafka topic with the name '${existing.name}' already exists, with different partition/replica configuration than required. ` +
    `KSQL expects ${partitions} partitions (topic has ${existing.partitions}), ${replicas} replication factor (topic has ${existing.replicas})`;
  if (retentionMs !== undefined && existing.retentionMs !== undefined) {
    msg = msg.replace('partition/replica', 'partition/replica/retention');
    msg += `, and ${retentionMs} retention (topic has ${existing.retentionMs}).`;
  } else {
    msg += '.';
  }
  throw new KsqlException(msg);
}

const retentionOf = (config: Record<string, string>): number | undefined =>
  config['retention.ms'] !== undefined ? Number(config['retention.ms']) : undefined;

export class InMemoryTopicClient implements TopicClient {
  private readonly topics = new Map<string, TopicDescription>();

  constructor(
    private readonly defaultReplicas = 1,
    private readonly id = 'stand-in-cluster',
  ) {}

  /** Test helper: make a topic exist, as if created outside ksqlDB. */
  seed(name: string, partitions: number, replicas = this.defaultReplicas, retentionMs = 604800000): void {
    this.topics.set(name, { name, partitions, replicas, retentionMs });
  }

  names(): string[] {
    return [...this.topics.keys()].sort();
  }

  async describe(name: string): Promise<TopicDescription | undefined> {
    return this.topics.get(name);
  }

  async create(name: string, partitions: number, replicas: number, config: Record<string, string>): Promise<boolean> {
    const existing = this.topics.get(name);
    if (existing) {
      validateTopic(existing, partitions, replicas, retentionOf(config));
      return false;
    }
    this.topics.set(name, {
      name,
      partitions,
      replicas: replicas === -1 ? this.defaultReplicas : replicas,
      retentionMs: retentionOf(config) ?? (config['cleanup.policy'] === 'compact' ? undefined : 604800000),
    });
    return true;
  }

  async delete(names: string[]): Promise<void> {
    for (const n of names) this.topics.delete(n);
  }

  async clusterId(): Promise<string> {
    return this.id;
  }

  async close(): Promise<void> {}
}

export class KafkaTopicClient implements TopicClient {
  private readonly admin: Admin;
  private connected: Promise<void> | undefined;

  constructor(bootstrapServers: string) {
    const kafka = new Kafka({
      clientId: 'ksqldb-stand-in',
      brokers: bootstrapServers.split(',').map((s) => s.trim()),
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      requestTimeout: 10000,
      retry: { retries: 3, initialRetryTime: 200 },
    });
    this.admin = kafka.admin();
  }

  private connect(): Promise<void> {
    this.connected ??= this.admin.connect().catch((e: unknown) => {
      this.connected = undefined; // retry on the next call: Kafka may come up later
      throw e;
    });
    return this.connected;
  }

  async describe(name: string): Promise<TopicDescription | undefined> {
    await this.connect();
    const names = await this.admin.listTopics();
    if (!names.includes(name)) return undefined;
    const meta = await this.admin.fetchTopicMetadata({ topics: [name] });
    const topic = meta.topics.find((t) => t.name === name);
    if (!topic) return undefined;
    const configs = await this.admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms'] }],
      includeSynonyms: false,
    });
    const retention = configs.resources[0]?.configEntries.find((c) => c.configName === 'retention.ms')?.configValue;
    const first = [...topic.partitions].sort((a, b) => a.partitionId - b.partitionId)[0];
    return {
      name,
      partitions: topic.partitions.length,
      replicas: first ? first.replicas.length : 0,
      retentionMs: retention !== undefined ? Number(retention) : undefined,
    };
  }

  async create(name: string, partitions: number, replicas: number, config: Record<string, string>): Promise<boolean> {
    const existing = await this.describe(name);
    if (existing) {
      validateTopic(existing, partitions, replicas, retentionOf(config));
      return false;
    }
    const created = await this.admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: name,
          numPartitions: partitions,
          replicationFactor: replicas,
          configEntries: Object.entries(config).map(([k, v]) => ({ name: k, value: v })),
        },
      ],
    });
    if (!created) {
      // created concurrently: validate like ksqlDB does on TopicExistsException
      const now = await this.describe(name);
      if (now) validateTopic(now, partitions, replicas, retentionOf(config));
    }
    return created;
  }

  async delete(names: string[]): Promise<void> {
    await this.connect();
    await this.admin.deleteTopics({ topics: names });
  }

  async clusterId(): Promise<string> {
    await this.connect();
    return (await this.admin.describeCluster()).clusterId;
  }

  async close(): Promise<void> {
    if (this.connected) await this.connected.then(() => this.admin.disconnect()).catch(() => undefined);
  }
}

/** Records creations/deletions without touching the underlying client. */
export class SandboxTopicClient implements TopicClient {
  private readonly created = new Map<string, TopicDescription>();
  private readonly deleted = new Set<string>();

  constructor(private readonly base: TopicClient) {}

  async describe(name: string): Promise<TopicDescription | undefined> {
    if (this.deleted.has(name)) return undefined;
    return this.created.get(name) ?? (await this.base.describe(name));
  }

  async create(name: string, partitions: number, replicas: number, config: Record<string, string>): Promise<boolean> {
    const existing = await this.describe(name);
    if (existing) {
      validateTopic(existing, partitions, replicas, retentionOf(config));
      return false;
    }
    this.deleted.delete(name);
    this.created.set(name, {
      name,
      partitions,
      replicas: replicas === -1 ? 1 : replicas,
      retentionMs: retentionOf(config),
    });
    return true;
  }

  async delete(names: string[]): Promise<void> {
    for (const n of names) {
      this.created.delete(n);
      this.deleted.add(n);
    }
  }

  async clusterId(): Promise<string> {
    return this.base.clusterId();
  }

  async close(): Promise<void> {}
}
