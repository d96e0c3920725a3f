/**
 * What the local ksqlDB needs from a log (Kafka, or an in-memory one for tests and quick tries):
 * topics, consumer groups with committed offsets, transactional writes that commit records and
 * consumed offsets together, and read-committed consumption. The server and the query runners
 * are written against this interface only.
 */

export interface Header {
  readonly key: string;
  readonly value: Buffer | null;
}

/** A record as read (committed records only; control markers and aborted records are skipped). */
export interface LogRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: readonly Header[];
}

/** A record to write; without a partition the runtime's default partitioner chooses one. */
export interface ProduceRecord {
  readonly topic: string;
  readonly partition?: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp?: number;
  readonly headers?: readonly Header[];
}

export interface TopicDescription {
  readonly name: string;
  readonly partitions: number;
  readonly replicas: number;
  /** Topic configuration the runtime knows (e.g. retention.ms, cleanup.policy). */
  readonly config: Readonly<Record<string, string>>;
}

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** -1 or absent: the broker's default. */
  readonly replicas?: number;
  readonly config?: Readonly<Record<string, string>>;
}

/** The next offset to read in one partition. */
export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** Where a written record landed. */
export interface WrittenRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** A transactional writer (one per transactional id; creating it fences older writers). */
export interface TransactionalWriter {
  /**
   * Writes the records and commits the consumer group's offsets in one transaction: all or
   * nothing. Rejects (after aborting) when the transaction fails.
   */
  commit(records: readonly ProduceRecord[], offsets?: { groupId: string; offsets: readonly PartitionOffset[] }): Promise<WrittenRecord[]>;
  close(): Promise<void>;
}

export interface SubscribeOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where to start in partitions without a committed offset (auto.offset.reset). */
  readonly fromBeginning: boolean;
  /**
   * Handles records as they arrive: one array per partition (in offset order). Resolving means
   * they are done (the runtime moves on); rejecting stops the subscription (`done` rejects).
   */
  readonly onBatch: (batches: readonly (readonly LogRecord[])[]) => Promise<void>;
  /** Largest number of records per partition in one call (a hint). */
  readonly maxRecordsPerPartition?: number;
}

export interface Subscription {
  /** Stops consuming; waits for a call to `onBatch` in progress. */
  stop(): Promise<void>;
  /** Settles when the subscription ends: rejects when `onBatch` or the consumer failed. */
  readonly done: Promise<void>;
}

export interface Runtime {
  /** e.g. "Kafka localhost:9092" or "in-memory log". */
  readonly description: string;
  readonly bootstrapServers?: string;
  clusterId(): Promise<string>;
  /** Every topic with its partition count and replication factor (SHOW TOPICS; once at start). */
  listTopics(): Promise<Map<string, { partitions: number; replicas: number }>>;
  /**
   * The named topics that exist, with partition count and replication factor: one request about
   * those names, whatever else the cluster holds (what a statement needs to know).
   */
  namedTopics(names: readonly string[]): Promise<Map<string, { partitions: number; replicas: number }>>;
  describeTopic(name: string): Promise<TopicDescription | undefined>;
  /** Creates a topic; resolves false when it existed already. */
  createTopic(spec: TopicSpec): Promise<boolean>;
  deleteTopics(names: readonly string[]): Promise<void>;
  /** Committed offsets of a consumer group in these topics (partitions without one are absent). */
  committedOffsets(groupId: string, topics: readonly string[]): Promise<PartitionOffset[]>;
  /** The end (next offset to be written, read-committed) of each partition of a topic. */
  endOffsets(topic: string): Promise<PartitionOffset[]>;
  deleteGroups(groupIds: readonly string[]): Promise<void>;
  /** Plain (non-transactional) writes, e.g. INSERT VALUES. */
  produce(records: readonly ProduceRecord[]): Promise<WrittenRecord[]>;
  transactionalWriter(transactionalId: string): Promise<TransactionalWriter>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Every committed record of a topic from its beginning to its current end, partition by partition. */
  readToEnd(topic: string): Promise<LogRecord[]>;
  close(): Promise<void>;
}

/** Thrown by a transactional writer that a newer writer with the same id has fenced. */
export class ProducerFencedError extends Error {
  constructor(id: string) {
    super(`Producer with transactional id ${id} has been fenced by a newer instance`);
    this.name = 'ProducerFencedError';
  }
}
