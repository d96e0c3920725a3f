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
export interface ProtocolRequest {
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

/**
 * A request the provider encodes and whose answer it decodes itself (kafkajs' connection still
 * frames, sends and matches it): its API, version, body and answer.
 */
function ownRequest(
  api: keyof typeof API,
  version: number,
  body: (e: KafkaEncoder) => void,
  answer: (b: Buffer) => unknown,
): ProtocolRequest {
  const Encoder = require('kafkajs/src/protocol/encoder') as new () => KafkaEncoder;
  return {
    request: {
      apiKey: API[api],
      apiVersion: version,
      apiName: api,
      encode: async () => {
        const e = new Encoder();
        body(e);
        return e;
      },
    },
    response: { decode: async (b) => answer(b), parse: async (d) => d },
  };
}

/** IncrementalAlterConfigs v0 (KIP-339), which kafkajs does not implement. */
function incrementalAlterConfigsV0(changes: readonly WireConfigChange[]): ProtocolRequest {
  const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => KafkaDecoder;
  const SET = 0;
  const DELETE = 1;
  return ownRequest(
    'IncrementalAlterConfigs',
    0,
    (e) => {
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
    },
    (b) => {
      const d = new Decoder(b);
      d.readInt32(); // throttle_time_ms
      return d.readArray((r) => {
        const errorCode = r.readInt16();
        const errorMessage = r.readString();
        r.readInt8(); // resource_type
        return { topic: r.readString() as string, errorCode, errorMessage };
      });
    },
  );
}

/**
 * DescribeConfigs v1 (Kafka 1.1+) of topics, without synonyms. Its answer (about 40 entries per
 * topic, the same names and mostly the same values in every topic) is read straight from the bytes:
 * names and values are interned, and so are the entries, so reading 1,000 topics makes 1,000
 * arrays, not 40,000 entries of five fields each with their strings.
 */
export function describeConfigsV1(topics: readonly string[]): ProtocolRequest {
  return ownRequest(
    'DescribeConfigs',
    1,
    (e) => {
      e.writeInt32(topics.length);
      for (const t of topics) e.writeInt8(TOPIC_RESOURCE).writeString(t).writeInt32(-1); // config_names: null, all of them
      e.writeBoolean(false); // include_synonyms
    },
    decodeDescribeConfigsV1,
  );
}

/**
 * Metadata v4 (Kafka 1.0+, the first version that can ask a broker not to create the topics it
 * is asked about) of the named topics, or of all topics (null); read straight from the bytes.
 */
export function metadataV4(topics: readonly string[] | null): ProtocolRequest {
  return ownRequest(
    'Metadata',
    4,
    (e) => {
      e.writeInt32(topics === null ? -1 : topics.length);
      for (const t of topics ?? []) e.writeString(t);
      e.writeBoolean(false); // allow_auto_topic_creation
    },
    decodeMetadataV4,
  );
}

/** Metadata v4's answer: brokers and cluster skipped, each topic's error and partitions' leaders and replicas. */
export function decodeMetadataV4(buf: Buffer): WireTopicMetadata[] {
  const r = new WireReader(buf, 'Metadata');
  r.int32(); // throttle_time_ms
  const brokers = r.int32();
  for (let i = 0; i < brokers; i++) {
    r.int32(); // node_id
    r.skipString(); // host
    r.int32(); // port
    r.skipString(); // rack
  }
  r.skipString(); // cluster_id
  r.int32(); // controller_id
  const count = r.int32();
  const out: WireTopicMetadata[] = new Array(Math.max(count, 0));
  for (let i = 0; i < count; i++) {
    const errorCode = r.int16();
    const topic = r.string() ?? '';
    r.int8(); // is_internal
    const n = r.int32();
    const partitions: { leader: number; replicas: number[] }[] = new Array(Math.max(n, 0));
    for (let k = 0; k < n; k++) {
      r.int16(); // error_code
      r.int32(); // partition_index
      const leader = r.int32();
      const replicas: number[] = new Array(Math.max(r.int32(), 0));
      for (let j = 0; j < replicas.length; j++) replicas[j] = r.int32();
      const isr = r.int32();
      r.skip(Math.max(isr, 0) * 4);
      partitions[k] = { leader, replicas };
    }
    out[i] = { topic, errorCode, partitions };
  }
  return out;
}

/** A reader of Kafka's big-endian primitives over one answer. */
class WireReader {
  at = 0;
  constructor(
    readonly buf: Buffer,
    private readonly api: string,
  ) {}
  private need(n: number): number {
    if (this.at + n > this.buf.length) throw new Error(`a ${this.api} answer cut short at byte ${this.at}`);
    const at = this.at;
    this.at += n;
    return at;
  }
  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  /** Skips n bytes; returns where they start. */
  skip(n: number): number {
    return this.need(n);
  }
  skipString(): void {
    const n = this.int16();
    if (n > 0) this.need(n);
  }
  /** A nullable string, interned when short (config names and values repeat across topics). */
  string(): string | null {
    const n = this.int16();
    if (n < 0) return null;
    const at = this.need(n);
    return n <= 64 ? interned(this.buf, at, n) : this.buf.toString('utf8', at, at + n);
  }
}

/** Short strings by their bytes: a hash of the bytes, then a byte comparison; cleared when it grows past 20,000. */
const strings = new Map<number, { bytes: Buffer; text: string }[]>();
let stringCount = 0;
function interned(buf: Buffer, at: number, n: number): string {
  let h = 0x811c9dc5 ^ n;
  for (let i = at; i < at + n; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  const bucket = strings.get(h);
  if (bucket) {
    next: for (const c of bucket) {
      if (c.bytes.length !== n) continue;
      for (let j = 0; j < n; j++) if (c.bytes[j] !== buf[at + j]) continue next;
      return c.text;
    }
  }
  if (stringCount >= 20_000) {
    strings.clear();
    entryCache.clear();
    stringCount = 0;
  }
  const text = buf.toString('utf8', at, at + n);
  const entry = { bytes: Buffer.from(buf.subarray(at, at + n)), text };
  if (bucket) bucket.push(entry);
  else strings.set(h, [entry]);
  stringCount++;
  return text;
}

type WireConfigEntry = WireConfigs['entries'][number];
/** Config entries by name, value and source: one object per distinct entry, shared by the topics that have it. */
const entryCache = new Map<string, Map<string | null, WireConfigEntry[]>>();
function entryOf(name: string, value: string | null, source: number): WireConfigEntry {
  let byValue = entryCache.get(name);
  if (!byValue) entryCache.set(name, (byValue = new Map()));
  let bySource = byValue.get(value);
  if (!bySource) byValue.set(value, (bySource = []));
  const slot = source + 1; // -1 (unknown) .. 8
  return (bySource[slot] ??= Object.freeze({ name, value, source }));
}

function sameBytes(buf: Buffer, a: number, b: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (buf[a + i] !== buf[b + i]) return false;
  return true;
}

/** DescribeConfigs v1's answer (throttle_time_ms, then per resource its error, name and entries). */
export function decodeDescribeConfigsV1(buf: Buffer): WireConfigs[] {
  const r = new WireReader(buf, 'DescribeConfigs');
  r.int32(); // throttle_time_ms
  const count = r.int32();
  const out: WireConfigs[] = [];
  const previous: { at: number; length: number; entry: WireConfigEntry }[] = [];
  for (let i = 0; i < count; i++) {
    const errorCode = r.int16();
    const errorMessage = r.string();
    r.int8(); // resource_type
    const topic = r.string() ?? '';
    const n = r.int32();
    const entries: WireConfigEntry[] = new Array(Math.max(n, 0));
    for (let k = 0; k < n; k++) {
      // name, value, read_only, config_source, is_sensitive: when these bytes are those of the
      // previous topic's entry at the same place (the broker lists every topic's configs in the
      // same order), it is the same entry
      const start = r.at;
      const nameLength = r.int16();
      const nameAt = r.skip(Math.max(nameLength, 0));
      const valueLength = r.int16();
      const valueAt = r.skip(Math.max(valueLength, 0));
      r.int8(); // read_only
      const source = r.int8();
      r.int8(); // is_sensitive
      const p = previous[k];
      if (p && p.length === r.at - start && sameBytes(buf, p.at, start, p.length)) entries[k] = p.entry;
      else {
        const name = nameLength < 0 ? '' : interned(buf, nameAt, nameLength);
        const value =
          valueLength < 0
            ? null
            : valueLength <= 64
              ? interned(buf, valueAt, valueLength)
              : buf.toString('utf8', valueAt, valueAt + valueLength);
        entries[k] = entryOf(name, value, source);
        previous[k] = { at: start, length: r.at - start, entry: entries[k] };
      }
      const synonyms = r.int32();
      for (let j = 0; j < synonyms; j++) {
        r.string();
        r.string();
        r.int8();
      }
    }
    out.push({ topic, errorCode, errorMessage, entries });
  }
  return out;
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
    const supported = broker.versions[api];
    if (
      custom &&
      !(supported && supported.minVersion <= request.request.apiVersion && supported.maxVersion >= request.request.apiVersion)
    ) {
      throw new Error(
        `the Kafka broker does not support ${request.request.apiName} version ${request.request.apiVersion} (streamform needs Kafka 2.3 or later)`,
      );
    }
    return (await broker.connectionPool.send(request)) as T;
  }

  async metadata(topics: readonly string[] | null): Promise<WireTopicMetadata[]> {
    if (topics?.length === 0) return [];
    return this.send<WireTopicMetadata[]>(API.Metadata, null, undefined, metadataV4(topics));
  }

  async describeConfigs(topics: readonly string[]): Promise<WireConfigs[]> {
    if (topics.length === 0) return [];
    return this.send<WireConfigs[]>(API.DescribeConfigs, null, undefined, describeConfigsV1(topics));
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
