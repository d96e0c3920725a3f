/**
 * `streamform tail <topic> --last N`: the last N messages of a topic across all its partitions,
 * decoded (Confluent wire format via the Schema Registry, JSON, or text) into a table, CSV or JSON
 * for analysis. Reads what is there and stops: it never waits for new data.
 */
import { randomUUID } from 'crypto';
import type * as avro from 'avsc';
import { Kafka } from 'kafkajs';
import { KafkaAdminClient, KafkaConnection, kafkaConfig } from '../../provider/clients/kafka';
import { SchemaRegistryClient } from '../../provider/clients/schema-registry';
import { endpointAccess, parseEnvName, unreachable } from '../generators/endpoints';
import { avroType, parseWireFormat } from '../generators/wire-format';
import { ParsedArgs, stringOption, UsageError } from './args';
import { renderCsv, renderTable } from './table';

/** A message as read, before decoding. */
export interface RawMessage {
  readonly partition: number;
  readonly offset: bigint;
  /** Epoch milliseconds (the record's timestamp). */
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

/** A partition's watermarks: `low` is its first offset, `high` the offset of the next message. */
interface PartitionWatermarks {
  readonly partition: number;
  readonly low: bigint;
  readonly high: bigint;
}

/** The offsets to read on one partition: [start, end). */
interface ReadWindow {
  readonly partition: number;
  readonly start: bigint;
  readonly end: bigint;
}

/** Where to read on each partition for the last `n`: from max(low, high - n) up to high. */
export function readWindows(watermarks: readonly PartitionWatermarks[], n: number): ReadWindow[] {
  const count = BigInt(Math.max(0, Math.floor(n)));
  return watermarks.map((w) => {
    const from = w.high - count;
    return { partition: w.partition, start: from > w.low ? from : w.low, end: w.high };
  });
}

/**
 * The last `n` messages by timestamp among those read: messages outside their partition's window
 * are ignored, ties are broken by partition and offset. Oldest first.
 */
export function selectLast(
  partitions: readonly (PartitionWatermarks & { readonly messages: readonly RawMessage[] })[],
  n: number,
): RawMessage[] {
  const windows = new Map(readWindows(partitions, n).map((w) => [w.partition, w]));
  const inWindow = partitions.flatMap((p) =>
    p.messages.filter((m) => {
      const w = windows.get(p.partition)!;
      return m.partition === p.partition && m.offset >= w.start && m.offset < w.end;
    }),
  );
  const sorted = inWindow.sort(compareMessages);
  return n <= 0 ? [] : sorted.slice(Math.max(0, sorted.length - Math.floor(n)));
}

function compareMessages(a: RawMessage, b: RawMessage): number {
  if (a.timestamp !== b.timestamp) return a.timestamp - b.timestamp;
  if (a.partition !== b.partition) return a.partition - b.partition;
  return a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0;
}

interface ReadResult {
  readonly messages: RawMessage[];
  /** Partitions whose window was not read to its end (time limit). */
  readonly incomplete: number[];
}

interface ReadOptions {
  /** Stop after this long whatever has arrived. @default 30000 */
  readonly timeoutMs?: number;
  /** Stop when nothing new has arrived for this long after the first fetch. @default 5000 */
  readonly idleMs?: number;
}

/**
 * Reads the windows of `topic` with a throw-away consumer group (no offsets committed), seeking
 * each partition to its window's start; returns when every window is read, or at the time limits.
 */
async function readTopicWindows(
  connection: KafkaConnection,
  topic: string,
  windows: readonly ReadWindow[],
  options: ReadOptions = {},
): Promise<ReadResult> {
  const pending = windows.filter((w) => w.start < w.end);
  if (pending.length === 0) return { messages: [], incomplete: [] };
  const byPartition = new Map(windows.map((w) => [w.partition, w]));
  const reached = new Map<number, bigint>();
  const messages: RawMessage[] = [];
  const isDone = () => pending.every((w) => (reached.get(w.partition) ?? -1n) >= w.end - 1n);

  const kafka = new Kafka(kafkaConfig({ ...connection, clientId: 'streamform-tail' }));
  const consumer = kafka.consumer({
    groupId: `streamform-tail-${randomUUID()}`,
    maxWaitTimeInMs: 250,
    allowAutoTopicCreation: false,
    retry: { retries: 3 },
  });
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let crash: Error | undefined;
  let lastProgress = Date.now();
  let fetched = false;
  const advance = (partition: number, offset: bigint) => {
    if (offset > (reached.get(partition) ?? -1n)) {
      reached.set(partition, offset);
      lastProgress = Date.now();
    }
  };
  consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
    // Also fires for batches of control records only (transaction markers), which have no messages.
    advance(e.payload.partition, BigInt(e.payload.lastOffset));
    if (isDone()) finish();
  });
  consumer.on(consumer.events.FETCH, () => {
    if (!fetched) lastProgress = Date.now();
    fetched = true;
  });
  consumer.on(consumer.events.CRASH, (e) => {
    crash = e.payload.error;
    finish();
  });

  const timeoutMs = options.timeoutMs ?? 30_000;
  const idleMs = options.idleMs ?? 5_000;
  const timer = setTimeout(finish, timeoutMs);
  const idle = setInterval(() => {
    if (fetched && Date.now() - lastProgress > idleMs) finish();
  }, 200);
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        const w = byPartition.get(batch.partition);
        for (const m of batch.messages) {
          const offset = BigInt(m.offset);
          if (w && offset >= w.start && offset < w.end) {
            messages.push({
              partition: batch.partition,
              offset,
              timestamp: Number(m.timestamp),
              key: m.key ?? null,
              value: m.value ?? null,
            });
          }
          advance(batch.partition, offset);
        }
        if (isDone()) finish();
      },
    });
    for (const w of windows) consumer.seek({ topic, partition: w.partition, offset: String(w.start < w.end ? w.start : w.end) });
    await finished;
  } finally {
    clearTimeout(timer);
    clearInterval(idle);
    await consumer.disconnect().catch(() => undefined);
  }
  if (crash) throw new Error(`reading ${topic} failed: ${crash.message}`);
  const incomplete = pending.filter((w) => (reached.get(w.partition) ?? -1n) < w.end - 1n).map((w) => w.partition);
  return { messages, incomplete };
}

/** A decoded key or value. */
export interface Decoded {
  readonly format: 'avro' | 'json' | 'text' | 'binary' | 'null' | 'undecoded';
  readonly value: unknown;
}

/** Decodes keys and values: Confluent wire format (schema looked up by id), else JSON, else text. */
export class MessageDecoder {
  private readonly avroTypes = new Map<number, Promise<{ type?: avro.Type; schemaType: string } | undefined>>();
  readonly warnings = new Set<string>();

  constructor(private readonly registry?: SchemaRegistryClient) {}

  async decode(data: Buffer | null): Promise<Decoded> {
    if (data === null) return { format: 'null', value: null };
    const wire = parseWireFormat(data);
    if (wire) {
      const decoded = await this.decodeWire(wire.schemaId, wire.payload);
      if (decoded) return decoded;
    }
    return decodePlain(data);
  }

  private async decodeWire(schemaId: number, payload: Buffer): Promise<Decoded | undefined> {
    if (!this.registry) {
      this.warnings.add(
        `values in the Confluent wire format (schema id ${schemaId}) are shown undecoded: no Schema Registry URL (set STREAMFORM_SCHEMA_REGISTRY_URL)`,
      );
      return { format: 'undecoded', value: `<schema id ${schemaId}: ${payload.length} bytes>` };
    }
    let entry = this.avroTypes.get(schemaId);
    if (!entry) {
      entry = this.registry.schemaById(schemaId).then(
        (s) => {
          if (!s) return undefined;
          const schemaType = s.schemaType ?? 'AVRO';
          if (schemaType !== 'AVRO') return { schemaType };
          try {
            return { type: avroType(s.schema), schemaType };
          } catch (err) {
            this.warnings.add(`schema id ${schemaId} is not a usable Avro schema (${(err as Error).message})`);
            return { schemaType };
          }
        },
        (err: Error) => {
          this.warnings.add(
            `schema id ${schemaId} could not be fetched from the Schema Registry (${err.message}); such values are shown undecoded`,
          );
          return { schemaType: 'unavailable' };
        },
      );
      this.avroTypes.set(schemaId, entry);
    }
    const found = await entry;
    // A leading 0 byte without a known schema: not the wire format after all.
    if (!found) return undefined;
    if (found.type) {
      try {
        return { format: 'avro', value: found.type.fromBuffer(payload) };
      } catch {
        return undefined;
      }
    }
    if (found.schemaType === 'unavailable') return { format: 'undecoded', value: `<schema id ${schemaId}: ${payload.length} bytes>` };
    if (found.schemaType === 'JSON') {
      const json = tryJson(payload.toString('utf8'));
      if (json.ok) return { format: 'json', value: json.value };
    }
    this.warnings.add(`schema id ${schemaId} is ${found.schemaType}, which tail does not decode; such values are shown as base64`);
    return { format: 'binary', value: payload.toString('base64') };
  }
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  const t = text.trim();
  if (t === '') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(t) };
  } catch {
    return { ok: false };
  }
}

function decodePlain(data: Buffer): Decoded {
  const text = data.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(data)) return { format: 'binary', value: data.toString('base64') };
  const json = tryJson(text);
  return json.ok ? { format: 'json', value: json.value } : { format: 'text', value: text };
}

/** Values for output: Buffers as base64, BigInts as strings, nested values kept. */
function plain(v: unknown): unknown {
  if (v === null || v === undefined) return v ?? null;
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, plain(x)]));
  return v;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

const FIXED_COLUMNS = ['partition', 'offset', 'timestamp', 'key'] as const;

/** Rows for output: fixed columns, then the union of the values' top-level fields, or `value`. */
interface TailTable {
  readonly headers: string[];
  /** One object per message with the columns it has (absent fields are left out). */
  readonly rows: Record<string, unknown>[];
}

export function tailTable(messages: readonly { raw: RawMessage; key: Decoded; value: Decoded }[]): TailTable {
  const fields: string[] = [];
  const seen = new Set<string>();
  let plainValues = false;
  const column = (field: string) => ((FIXED_COLUMNS as readonly string[]).includes(field) || field === 'value' ? `value.${field}` : field);
  const rows = messages.map(({ raw, key, value }) => {
    const offset = raw.offset <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(raw.offset) : raw.offset.toString();
    const k = plain(key.value);
    const row: Record<string, unknown> = {
      partition: raw.partition,
      offset,
      timestamp: Number.isFinite(raw.timestamp) ? new Date(raw.timestamp).toISOString() : String(raw.timestamp),
      key: k === null || typeof k !== 'object' ? k : JSON.stringify(k),
    };
    const v = plain(value.value);
    if (isRecord(v)) {
      for (const [f, x] of Object.entries(v)) {
        const c = column(f);
        if (!seen.has(c)) {
          seen.add(c);
          fields.push(c);
        }
        row[c] = x;
      }
    } else {
      plainValues = true;
      row.value = v;
    }
    return row;
  });
  return { headers: [...FIXED_COLUMNS, ...fields, ...(plainValues ? ['value'] : [])], rows };
}

type TailFormat = 'table' | 'csv' | 'json';
const TAIL_FORMATS: readonly TailFormat[] = ['table', 'csv', 'json'];

export function renderTail(t: TailTable, format: TailFormat): string {
  if (format === 'json') return JSON.stringify(t.rows, null, 2);
  const cell = (v: unknown): string => {
    if (v === undefined) return '';
    if (v === null) return format === 'csv' ? '' : 'null';
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    return format === 'table' ? s.replace(/\r?\n/g, '\\n') : s;
  };
  const rows = t.rows.map((r) => t.headers.map((h) => cell(r[h])));
  return format === 'csv' ? renderCsv(t.headers, rows) : renderTable(t.headers, rows);
}

/** The cluster did not answer. */
class KafkaUnreachableError extends Error {
  constructor(
    connection: KafkaConnection,
    readonly reason: unknown,
  ) {
    super(`cannot reach Kafka at ${connection.bootstrapServers.join(',')}: ${reason instanceof Error ? reason.message : String(reason)}`);
    this.name = 'KafkaUnreachableError';
  }
}

interface TailOptions extends ReadOptions {
  readonly topic: string;
  readonly last: number;
}

interface TailResult extends TailTable {
  readonly warnings: string[];
}

/** Reads, selects and decodes the last N messages of a topic. */
export async function tailTopic(
  connection: KafkaConnection,
  registry: SchemaRegistryClient | undefined,
  options: TailOptions,
): Promise<TailResult> {
  const admin = new KafkaAdminClient({ ...connection, clientId: 'streamform-tail' });
  let watermarks: PartitionWatermarks[];
  try {
    const topics = await admin.listTopics().catch((err: unknown) => Promise.reject(new KafkaUnreachableError(connection, err)));
    if (!topics.includes(options.topic)) {
      throw new UsageError(
        `topic '${options.topic}' does not exist on ${connection.bootstrapServers.join(',')}; \`streamform status\` lists the topics`,
      );
    }
    watermarks = await admin.offsets(options.topic);
  } finally {
    await admin.close().catch(() => undefined);
  }
  const windows = readWindows(watermarks, options.last);
  const read = await readTopicWindows(connection, options.topic, windows, options);
  const byPartition = watermarks.map((w) => ({ ...w, messages: read.messages.filter((m) => m.partition === w.partition) }));
  const chosen = selectLast(byPartition, options.last);
  const decoder = new MessageDecoder(registry);
  const decoded = [];
  for (const raw of chosen) decoded.push({ raw, key: await decoder.decode(raw.key), value: await decoder.decode(raw.value) });
  const warnings = [...decoder.warnings];
  if (read.incomplete.length > 0) {
    warnings.unshift(
      `partition(s) ${read.incomplete.join(', ')} were not read to their end within the time limit; the result may miss messages`,
    );
  }
  return { ...tailTable(decoded), warnings };
}

function positiveInt(args: ParsedArgs, name: string, fallback: number, example: string): number {
  const raw = stringOption(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`--${name} must be a whole number of at least 1, got '${raw}'; e.g. ${example}`);
  }
  return n;
}

/** The `tail` command. */
export async function tailCommand(args: ParsedArgs): Promise<void> {
  const topic = args.positionals[1];
  if (!topic) throw new UsageError('name the topic, e.g. `streamform tail ratings --last 100`');
  const known = ['last', 'format', 'env', 'timeout'];
  const unknown = Object.keys(args.options).filter((o) => !known.includes(o));
  if (unknown.length > 0)
    throw new UsageError(`unknown option --${unknown[0]} for tail; the options are ${known.map((o) => `--${o}`).join(', ')}`);
  const last = positiveInt(args, 'last', 20, '--last 100');
  const timeoutS = positiveInt(args, 'timeout', 30, '--timeout 60');
  const format = (stringOption(args, 'format', 'table') ?? 'table') as TailFormat;
  if (!TAIL_FORMATS.includes(format)) throw new UsageError(`unknown --format '${format}'; use one of ${TAIL_FORMATS.join(', ')}`);
  const access = endpointAccess(parseEnvName(stringOption(args, 'env')));
  const registry = access.schemaRegistry ? new SchemaRegistryClient(access.schemaRegistry) : undefined;
  const result = await tailTopic(access.kafka, registry, { topic, last, timeoutMs: timeoutS * 1000 }).catch((err: unknown) =>
    Promise.reject(err instanceof KafkaUnreachableError ? unreachable(access, err.reason) : err),
  );
  for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
  process.stderr.write(`${result.rows.length} message(s) from ${topic}\n`);
  process.stdout.write(renderTail(result, format) + '\n');
}
