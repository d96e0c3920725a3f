import { Kafka } from 'kafkajs';

/**
 * The Kafka admin requests the provider sends, one request for many topics, with an answer per
 * topic (kafkajs' Admin refreshes the metadata of every topic it has ever touched before each
 * operation, and throws on the first topic error of a batch; these requests do neither).
 *
 * Implemented over kafkajs' connection, version negotiation and request encoders;
 * IncrementalAlterConfigs (not in kafkajs) is encoded here.
 */
export interface KafkaWire {
  /** Metadata of the named topics (all topics when `null`), each with its own error code. */
  metadata(topics: readonly string[] | null): Promise<WireTopicMetadata[]>;
  /** Every config entry of each topic, with its source; a missing topic comes with its error. */
  describeConfigs(topics: readonly string[]): Promise<WireConfigs[]>;
  createTopics(topics: readonly WireNewTopic[]): Promise<WireResult[]>;
  deleteTopics(topics: readonly string[]): Promise<WireResult[]>;
  createPartitions(topics: readonly { topic: string; count: number }[]): Promise<WireResult[]>;
  /** Sets and deletes topic-level overrides, leaving the others as they are. */
  incrementalAlterConfigs(changes: readonly WireConfigChange[]): Promise<WireResult[]>;
  close(): Promise<void>;
}

export interface WireTopicMetadata {
  readonly topic: string;
  readonly errorCode: number;
  readonly partitions: readonly { readonly leader: number; readonly replicas: readonly number[] }[];
}

export interface WireConfigs {
  readonly topic: string;
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly entries: readonly { readonly name: string; readonly value: string | null; readonly source: number }[];
}

export interface WireNewTopic {
  readonly topic: string;
  readonly partitions: number;
  /** -1: the broker default. */
  readonly replicationFactor: number;
  readonly configs: Readonly<Record<string, string>>;
}

export interface WireConfigChange {
  readonly topic: string;
  readonly set: Readonly<Record<string, string>>;
  readonly delete: readonly string[];
}

/** One topic's answer: error code 0 is success. */
export interface WireResult {
  readonly topic: string;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

/** Kafka's error codes the provider acts on. */
export const KafkaErrorCode = {
  NONE: 0,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  LEADER_NOT_AVAILABLE: 5,
  TOPIC_ALREADY_EXISTS: 36,
} as const;

/** Kafka's name and text for an error code (from kafkajs' table), e.g. `TOPIC_ALREADY_EXISTS: Topic with this name already exists`. */
export function kafkaErrorText(code: number, brokerMessage?: string | null): { type: string; message: string; retriable: boolean } {
  const { errorCodes } = require('kafkajs/src/protocol/error') as {
    errorCodes: { type: string; code: number; retriable: boolean; message: string }[];
  };
  const known = errorCodes.find((e) => e.code === code);
  return {
    type: known?.type ?? `KAFKA_ERROR_${code}`,
    message: brokerMessage || known?.message || `Kafka error code ${code}`,
    retriable: known?.retriable ?? false,
  };
}

// kafkajs internals used here (stable within kafkajs 2.x, pinned by package-lock): the Cluster a
// Kafka instance creates for its clients, a Broker's negotiated request lookup, its connection pool.
interface RequestDefinition {
  readonly versions: readonly string[];
  protocol(v: { version: number }): (args: unknown) => ProtocolRequest;
}
interface ProtocolRequest {
  readonly request: { apiKey: number; apiVersion: number; apiName: string; encode(): Promise<unknown> };
  readonly response: { decode(raw: Buffer): Promise<unknown>; parse(data: unknown): Promise<unknown> };
}
interface Broker {
  readonly nodeId: number;
  readonly versions: Record<number, { minVersion: number; maxVersion: number }>;
  lookupRequest(apiKey: number, definition: RequestDefinition): (args: unknown) => ProtocolRequest;
  readonly connectionPool: { send(r: ProtocolRequest): Promise<unknown> };
}
interface Cluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  isConnected(): boolean;
  refreshMetadata(): Promise<void>;
  findControllerBroker(): Promise<Broker>;
}

const API = { Metadata: 3, CreateTopics: 19, DeleteTopics: 20, DescribeConfigs: 32, CreatePartitions: 37, IncrementalAlterConfigs: 44 };
const TOPIC_RESOURCE = 2;

// Spelled out, not computed from the name: a bundler (the provider's, the local ksqlDB image's) then
// includes them; a computed require() would be resolved at run time, where no node_modules may be.
const DEFINITIONS = {
  metadata: () => require('kafkajs/src/protocol/requests/metadata') as RequestDefinition,
  describeConfigs: () => require('kafkajs/src/protocol/requests/describeConfigs') as RequestDefinition,
  createTopics: () => require('kafkajs/src/protocol/requests/createTopics') as RequestDefinition,
  deleteTopics: () => require('kafkajs/src/protocol/requests/deleteTopics') as RequestDefinition,
  createPartitions: () => require('kafkajs/src/protocol/requests/createPartitions') as RequestDefinition,
};
type RequestName = keyof typeof DEFINITIONS;

function definition(name: RequestName): RequestDefinition {
  return DEFINITIONS[name]();
}

/** The same request with its answer as decoded (no throwing on the first topic error). */
function raw(r: ProtocolRequest): ProtocolRequest {
  return { request: r.request, response: { decode: (b) => r.response.decode(b), parse: async (d) => d } };
}

/** IncrementalAlterConfigs v0 (KIP-339), which kafkajs does not implement. */
function incrementalAlterConfigsV0(changes: readonly WireConfigChange[]): ProtocolRequest {
  const Encoder = require('kafkajs/src/protocol/encoder') as new () => KafkaEncoder;
  const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => KafkaDecoder;
  const SET = 0;
  const DELETE = 1;
  return {
    request: {
      apiKey: API.IncrementalAlterConfigs,
      apiVersion: 0,
      apiName: 'IncrementalAlterConfigs',
      encode: async () => {
        const e = new Encoder();
        e.writeInt32(changes.length);
        for (const c of changes) {
          e.writeInt8(TOPIC_RESOURCE).writeString(c.topic);
          const ops = [
            ...Object.entries(c.set).map(([name, value]) => ({ name, op: SET, value: value as string | null })),
            ...c.delete.map((name) => ({ name, op: DELETE, value: null })),
          ];
          e.writeInt32(ops.length);
          for (const o of ops) e.writeString(o.name).writeInt8(o.op).writeString(o.value);
        }
        e.writeBoolean(false); // validate_only
        return e;
      },
    },
    response: {
      decode: async (b) => {
        const d = new Decoder(b);
        d.readInt32(); // throttle_time_ms
        return d.readArray((r) => {
          const errorCode = r.readInt16();
          const errorMessage = r.readString();
          r.readInt8(); // resource_type
          return { topic: r.readString() as string, errorCode, errorMessage };
        });
      },
      parse: async (d) => d,
    },
  };
}

interface KafkaEncoder {
  writeInt8(v: number): KafkaEncoder;
  writeInt32(v: number): KafkaEncoder;
  writeString(v: string | null): KafkaEncoder;
  writeBoolean(v: boolean): KafkaEncoder;
}
interface KafkaDecoder {
  readInt8(): number;
  readInt16(): number;
  readInt32(): number;
  readString(): string | null;
  readArray<T>(fn: (d: KafkaDecoder) => T): T[];
}

interface Decoded {
  topicMetadata?: { topicErrorCode: number; topic: string; partitionMetadata: { leader: number; replicas: number[] }[] }[];
  resources?: {
    errorCode: number;
    errorMessage: string | null;
    resourceName: string;
    configEntries: { configName: string; configValue: string | null; configSource?: number; isDefault?: boolean }[];
  }[];
  topicErrors?: { topic: string; errorCode: number; errorMessage?: string | null }[];
}

/** The wire over kafkajs: one connection per broker, requests to the cluster's controller. */
export class KafkajsWire implements KafkaWire {
  private cluster?: Promise<Cluster>;

  constructor(private readonly kafka: Kafka) {}

  private connected(): Promise<Cluster> {
    if (!this.cluster) {
      const symbol = Object.getOwnPropertySymbols(this.kafka).find((s) => s.description === 'private:Kafka:createCluster');
      if (!symbol) throw new Error('this kafkajs version does not expose its cluster factory (streamform needs kafkajs 2.x)');
      const create = (this.kafka as unknown as Record<symbol, (o: object) => Cluster>)[symbol];
      const cluster = create({ allowAutoTopicCreation: false });
      this.cluster = cluster.connect().then(() => cluster);
      this.cluster.catch(() => (this.cluster = undefined));
    }
    return this.cluster;
  }

  private async send<T>(api: number, def: RequestName | null, args: unknown, custom?: ProtocolRequest): Promise<T> {
    const cluster = await this.connected();
    let broker: Broker;
    try {
      broker = await cluster.findControllerBroker();
    } catch {
      await cluster.refreshMetadata();
      broker = await cluster.findControllerBroker();
    }
    const request = custom ?? raw(broker.lookupRequest(api, definition(def as RequestName))(args));
    if (custom && !(broker.versions[api]?.maxVersion >= 0)) {
      throw new Error(`the Kafka broker does not support ${request.request.apiName} (Kafka 2.3 or later is needed)`);
    }
    return (await broker.connectionPool.send(request)) as T;
  }

  async metadata(topics: readonly string[] | null): Promise<WireTopicMetadata[]> {
    // kafkajs encodes an empty list as null, which Kafka reads as "all topics".
    if (topics?.length === 0) return [];
    const d = await this.send<Decoded>(API.Metadata, 'metadata', { topics: topics ?? [], allowAutoTopicCreation: false });
    return (d.topicMetadata ?? []).map((t) => ({
      topic: t.topic,
      errorCode: t.topicErrorCode,
      partitions: t.partitionMetadata.map((p) => ({ leader: p.leader, replicas: p.replicas })),
    }));
  }

  async describeConfigs(topics: readonly string[]): Promise<WireConfigs[]> {
    const d = await this.send<Decoded>(API.DescribeConfigs, 'describeConfigs', {
      resources: topics.map((name) => ({ type: TOPIC_RESOURCE, name })),
      includeSynonyms: false,
    });
    return (d.resources ?? []).map((r) => ({
      topic: r.resourceName,
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
      entries: r.configEntries.map((e) => ({ name: e.configName, value: e.configValue, source: e.configSource ?? -1 })),
    }));
  }

  async createTopics(topics: readonly WireNewTopic[]): Promise<WireResult[]> {
    const d = await this.send<Decoded>(API.CreateTopics, 'createTopics', {
      topics: topics.map((t) => ({
        topic: t.topic,
        numPartitions: t.partitions,
        replicationFactor: t.replicationFactor,
        configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
      })),
      timeout: 30_000,
    });
    return results(d);
  }

  async deleteTopics(topics: readonly string[]): Promise<WireResult[]> {
    return results(await this.send<Decoded>(API.DeleteTopics, 'deleteTopics', { topics, timeout: 30_000 }));
  }

  async createPartitions(topics: readonly { topic: string; count: number }[]): Promise<WireResult[]> {
    const topicPartitions = topics.map((t) => ({ topic: t.topic, count: t.count }));
    return results(await this.send<Decoded>(API.CreatePartitions, 'createPartitions', { topicPartitions, timeout: 30_000 }));
  }

  async incrementalAlterConfigs(changes: readonly WireConfigChange[]): Promise<WireResult[]> {
    return this.send<WireResult[]>(API.IncrementalAlterConfigs, null, undefined, incrementalAlterConfigsV0(changes));
  }

  async close(): Promise<void> {
    const c = this.cluster;
    this.cluster = undefined;
    if (c) await (await c).disconnect();
  }
}

function results(d: Decoded): WireResult[] {
  return (d.topicErrors ?? []).map((t) => ({ topic: t.topic, errorCode: t.errorCode, errorMessage: t.errorMessage ?? null }));
}
