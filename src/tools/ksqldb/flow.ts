/**
 * What flows through a deployed pipeline, and whether it is what should flow: the records of
 * the pipeline's source topics (as they are in Kafka) are replayed through the pipeline's own ksql
 * on the engine in memory, which says how many records each derived topic must hold; the derived
 * topics are then counted in Kafka (committed records only) until they hold exactly that many.
 * Used by the main job and `streamform produce` to show data flowing, and by the integration tests
 * to prove nothing was lost or duplicated.
 */
import { TerraformStack } from 'cdktf';
import { Kafka, logLevel } from 'kafkajs';
import { KsqlEngine, type InputRecord, type OutputRecord } from './engine/engine';
import type { RegisteredSchema, SchemaRegistry } from './engine/serde';
import { HttpSchemaRegistryClient, SchemaRegistryCache, schemaIdOf } from './runtime/schema-registry';
import { stackKsql } from './test-runner/stack';

interface FlowEndpoints {
  readonly bootstrapServers: string;
  readonly schemaRegistryUrl?: string;
}

/** One topic of the pipeline: records in Kafka, and for derived topics how many there must be. */
export interface TopicFlow {
  readonly topic: string;
  /** `source`: written from outside ksqlDB (producers, connectors); `derived`: a persistent query's sink. */
  readonly role: 'source' | 'derived';
  /** The streams and tables over it, e.g. `RATINGS_LIVE`. */
  readonly objects: readonly string[];
  /** Committed records in Kafka. */
  readonly actual: number;
  /** Derived topics: the records the pipeline's ksql produces from the source records. */
  readonly expected?: number;
  /**
   * Derived topics downstream of a join whose two inputs are fed by the same records through
   * different queries (e.g. a stream joined with a table aggregated from that stream): what the
   * join finds depends on which query ran first, in ksqlDB as here, so `expected` is what a
   * strictly ordered run gives and the count in Kafka may differ from it.
   */
  readonly timingDependent?: boolean;
}

export interface PipelineFlow {
  readonly topics: readonly TopicFlow[];
  /** See flowConsistent. */
  readonly consistent: boolean;
  /** Derived records decoded, per topic (for summaries such as failures per rule). */
  readonly derivedValues: ReadonlyMap<string, readonly Record<string, unknown>[]>;
}

/**
 * The engine reads schemas synchronously: real ids (found in the records) come from the registry,
 * prefetched; schemas the replay itself registers for its sinks stay in memory under ids no
 * registry hands out, so the replay never writes to the real registry.
 */
class ReplayRegistry implements SchemaRegistry {
  private readonly local = new Map<number, RegisteredSchema & { id: number; subject: string }>();
  private nextId = 1_000_000_000;
  constructor(private readonly real: SchemaRegistryCache | undefined) {}
  latest(subject: string): (RegisteredSchema & { id: number }) | undefined {
    const mine = [...this.local.values()].filter((s) => s.subject === subject).pop();
    return mine ?? this.real?.latest(subject);
  }
  byId(id: number): RegisteredSchema | undefined {
    return this.local.get(id) ?? this.real?.byId(id);
  }
  register(subject: string, schema: string, schemaType = 'AVRO'): number {
    const found = [...this.local.values()].find((s) => s.subject === subject && s.schema === schema);
    if (found) return found.id;
    const id = this.nextId++;
    this.local.set(id, { id, subject, schema, schemaType });
    return id;
  }
}

interface TopicRecords {
  readonly records: InputRecord[];
  readonly count: number;
}

/** Every committed record of the topics, read from the beginning up to the current end. */
async function readTopics(kafka: Kafka, topics: readonly string[]): Promise<Map<string, TopicRecords>> {
  const out = new Map<string, TopicRecords>(topics.map((t) => [t, { records: [], count: 0 }]));
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, Map<number, bigint>>();
  try {
    const existing = new Set(await admin.listTopics());
    for (const t of topics) {
      if (!existing.has(t)) continue;
      const offsets = await admin.fetchTopicOffsets(t);
      ends.set(t, new Map(offsets.map((o) => [o.partition, BigInt(o.high)])));
    }
  } finally {
    await admin.disconnect();
  }
  const pending = new Map<string, Set<number>>();
  for (const [t, parts] of ends) {
    const open = [...parts].filter(([, high]) => high > 0n).map(([p]) => p);
    if (open.length > 0) pending.set(t, new Set(open));
  }
  if (pending.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `streamform-flow-${process.pid}-${Date.now()}`, readUncommitted: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...pending.keys()], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${[...pending.keys()].join(', ')} took over 120 s`)), 120_000);
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const entry = out.get(batch.topic)!;
            const high = ends.get(batch.topic)!.get(batch.partition)!;
            for (const m of batch.messages) {
              if (BigInt(m.offset) >= high) break;
              entry.records.push({
                topic: batch.topic,
                partition: batch.partition,
                offset: Number(m.offset),
                key: m.key,
                value: m.value,
                timestamp: Number(m.timestamp),
                headers: Object.entries(m.headers ?? {}).map(([key, v]) => ({
                  key,
                  value: Buffer.isBuffer(v) ? v : v === undefined ? null : Buffer.from(String(v)),
                })),
              });
              out.set(batch.topic, { records: entry.records, count: entry.records.length });
            }
            // transaction markers take offsets too: the partition is read once the fetch position passes the end
            const next = BigInt(batch.lastOffset()) + 1n;
            if (next >= high || batch.messages.some((m) => BigInt(m.offset) + 1n >= high)) {
              pending.get(batch.topic)?.delete(batch.partition);
              if (pending.get(batch.topic)?.size === 0) pending.delete(batch.topic);
            }
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

function decode(engine: KsqlEngine, topic: string, o: OutputRecord): Record<string, unknown> {
  const src = engine.allSources().find((s) => s.topic === topic);
  if (!src || o.value === null) return {};
  try {
    return engine.decodeValue(src.name, o.value) ?? {};
  } catch {
    return {};
  }
}

/** The topics of a pipeline's ksql: sources (fed from outside ksqlDB), sinks, and the queries reading each. */
interface PipelineTopology {
  readonly sourceTopics: readonly string[];
  readonly sinkTopics: readonly string[];
  /** Topic → the persistent queries reading it. */
  readonly readers: ReadonlyMap<string, readonly string[]>;
  /** Sink topics whose content depends on the relative progress of queries (see `timingDependentTopics`). */
  readonly timingDependent: readonly string[];
}

/**
 * Sink topics whose content depends on the relative progress of queries: downstream of a query
 * that reads two topics with a common upstream topic (the same records reach the join by two
 * paths, one of them through another query).
 */
export function timingDependentTopics(queries: readonly { sourceTopics: readonly string[]; sinkTopic: string }[]): Set<string> {
  const upstream = new Map<string, Set<string>>();
  const ancestors = (topic: string, seen = new Set<string>()): Set<string> => {
    const known = upstream.get(topic);
    if (known) return known;
    const out = new Set<string>([topic]);
    if (seen.has(topic)) return out;
    seen.add(topic);
    for (const q of queries.filter((x) => x.sinkTopic === topic))
      for (const s of q.sourceTopics) for (const a of ancestors(s, seen)) out.add(a);
    upstream.set(topic, out);
    return out;
  };
  const racy = new Set<string>();
  for (const q of queries) {
    const inputs = [...new Set(q.sourceTopics)].map((t) => ancestors(t));
    const shared = inputs.some((a, i) => inputs.slice(i + 1).some((b) => [...a].some((t) => b.has(t))));
    if (shared) racy.add(q.sinkTopic);
  }
  // and everything downstream of them
  for (let grew = true; grew;) {
    grew = false;
    for (const q of queries) {
      if (!racy.has(q.sinkTopic) && q.sourceTopics.some((t) => racy.has(t))) {
        racy.add(q.sinkTopic);
        grew = true;
      }
    }
  }
  return racy;
}

/** The topology of the stack's ksql, from its statements executed on an engine in memory. */
export function pipelineTopology(stack: TerraformStack): PipelineTopology {
  const ksql = stackKsql(stack);
  const engine = new KsqlEngine({ topics: ksql.topics, autoCreateTopics: true, schemaRegistry: new ReplayRegistry(undefined) });
  for (const statement of ksql.statements) engine.execute(statement);
  const infos = engine.queryIds().map((id) => engine.queryInfo(id)!);
  const sinkTopics = [...new Set(infos.map((q) => q.sinkTopic))];
  const sourceTopics = [...new Set(engine.allSources().map((s) => s.topic))].filter((t) => !sinkTopics.includes(t));
  const readers = new Map<string, string[]>();
  for (const q of infos) for (const t of q.sourceTopics) readers.set(t, [...(readers.get(t) ?? []), q.id]);
  return { sourceTopics, sinkTopics, readers, timingDependent: [...timingDependentTopics(infos)] };
}

/**
 * Replays the pipeline's source records through its ksql in memory and counts its topics in
 * Kafka; with `waitMs`, waits until every derived topic holds the expected number (the queries
 * run asynchronously) or the time is up.
 */
export async function pipelineFlow(
  stack: TerraformStack,
  endpoints: FlowEndpoints,
  options: { waitMs?: number } = {},
): Promise<PipelineFlow> {
  const ksql = stackKsql(stack);
  const registryCache = endpoints.schemaRegistryUrl
    ? new SchemaRegistryCache(new HttpSchemaRegistryClient(endpoints.schemaRegistryUrl))
    : undefined;
  const engine = new KsqlEngine({ topics: ksql.topics, autoCreateTopics: true, schemaRegistry: new ReplayRegistry(registryCache) });
  if (registryCache) await registryCache.prefetchSubjects(ksql.schemas.map((s) => s.subject));
  for (const statement of ksql.statements) engine.execute(statement);

  const infos = engine.queryIds().map((id) => engine.queryInfo(id)!);
  const sinkTopics = new Set(infos.map((q) => q.sinkTopic));
  const timing = timingDependentTopics(infos);
  const objectsOf = (topic: string) =>
    engine
      .allSources()
      .filter((s) => s.topic === topic)
      .map((s) => s.name);
  const sourceTopics = [...new Set(engine.allSources().map((s) => s.topic))].filter((t) => !sinkTopics.has(t));

  const kafka = new Kafka({ clientId: 'streamform-flow', brokers: endpoints.bootstrapServers.split(','), logLevel: logLevel.NOTHING });
  const inputs = await readTopics(kafka, sourceTopics);
  const all = [...inputs.values()].flatMap((t) => t.records);
  if (registryCache)
    await registryCache.prefetchIds(
      all.flatMap((r) => [schemaIdOf(r.key), schemaIdOf(r.value)]).filter((id): id is number => id !== undefined),
    );
  // In the order the records were written (their timestamps), as the pipeline's queries met them.
  all.sort((a, b) => a.timestamp - b.timestamp || a.topic.localeCompare(b.topic) || (a.offset ?? 0) - (b.offset ?? 0));
  const expected = new Map<string, number>([...sinkTopics].map((t) => [t, 0]));
  const derivedValues = new Map<string, Record<string, unknown>[]>([...sinkTopics].map((t) => [t, []]));
  for (const r of all) {
    for (const o of engine.process(r)) {
      expected.set(o.topic, (expected.get(o.topic) ?? 0) + 1);
      derivedValues.get(o.topic)?.push(decode(engine, o.topic, o));
    }
  }

  const deadline = Date.now() + (options.waitMs ?? 0);
  let previous = new Map<string, number>();
  for (;;) {
    const derived = await readTopics(kafka, [...sinkTopics]);
    const topics: TopicFlow[] = [
      ...sourceTopics.map((t) => ({ topic: t, role: 'source' as const, objects: objectsOf(t), actual: inputs.get(t)?.count ?? 0 })),
      ...[...sinkTopics].map((t) => ({
        topic: t,
        role: 'derived' as const,
        objects: objectsOf(t),
        actual: derived.get(t)?.count ?? 0,
        expected: expected.get(t) ?? 0,
        ...(timing.has(t) ? { timingDependent: true } : {}),
      })),
    ];
    const consistent = flowConsistent(topics, previous);
    previous = new Map(topics.map((t) => [t.topic, t.actual]));
    if (consistent || Date.now() >= deadline) return { topics, consistent, derivedValues };
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/**
 * Whether the derived topics hold what the pipeline's ksql makes of the source records:
 * - every derived topic expected to hold records holds some (none shows 0 where records are due);
 * - every derived topic holds exactly the expected number, except timing-dependent ones, which
 *   count once settled: holding records, as many as at the previous count (`previous`, topic →
 *   records), so no longer growing;
 * - some derived topic holds records.
 */
export function flowConsistent(topics: readonly TopicFlow[], previous: ReadonlyMap<string, number> = new Map()): boolean {
  const derived = topics.filter((t) => t.role === 'derived');
  const settled = (t: TopicFlow): boolean => t.actual > 0 && (t.expected ?? 0) > 0 && previous.get(t.topic) === t.actual;
  return (
    derived.every((t) => (t.expected ?? 0) === 0 || t.actual > 0) &&
    derived.every((t) => t.actual === t.expected || (t.timingDependent === true && settled(t))) &&
    derived.some((t) => t.actual > 0)
  );
}

/** Derived topics without a record in Kafka, whatever the replay expected of them. */
export function emptyDerivedTopics(flow: PipelineFlow): string[] {
  return flow.topics.filter((t) => t.role === 'derived' && t.actual === 0).map((t) => t.topic);
}

/** The flow as a table: topic, its streams and tables, records in Kafka, records expected. */
export function renderFlow(flow: PipelineFlow): string {
  const rows = flow.topics.map((t) => [
    t.topic,
    t.objects.join(', '),
    t.role,
    String(t.actual),
    t.expected === undefined ? '' : String(t.expected),
    t.expected === undefined ? '' : t.actual === t.expected ? 'ok' : t.timingDependent ? 'timing' : 'DIFFERS',
  ]);
  const head = ['topic', 'ksqlDB objects', 'role', 'records', 'expected', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * Waits until the topics stop growing (for `quietMs`) and at least `readers` of ksqlDB's
 * consumer groups (`_confluent-ksql-…`) have committed offsets at their end: e.g. a database's
 * change records loaded, captured and read by the queries joining them, before records that
 * join against them are produced. Resolves false when `timeoutMs` ran out first.
 */
export async function waitUntilConsumed(
  bootstrapServers: string,
  topics: readonly string[],
  options: { readers: number; timeoutMs?: number; quietMs?: number },
): Promise<boolean> {
  const kafka = new Kafka({ clientId: 'streamform-flow', brokers: bootstrapServers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const quietMs = options.quietMs ?? 3000;
  let lastHighs = '';
  let stableSince = Date.now();
  try {
    while (Date.now() < deadline) {
      const highs = new Map<string, Map<number, string>>();
      for (const t of topics) highs.set(t, new Map((await admin.fetchTopicOffsets(t)).map((o) => [o.partition, o.high])));
      const key = JSON.stringify([...highs].map(([t, p]) => [t, [...p]]));
      if (key !== lastHighs) {
        lastHighs = key;
        stableSince = Date.now();
      }
      const hasData = [...highs.values()].some((p) => [...p.values()].some((h) => h !== '0'));
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith('_confluent-ksql-'));
      let caughtUp = 0;
      let behind = 0;
      for (const groupId of groups) {
        const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
        const reads = committed.filter((t) => t.partitions.some((p) => p.offset !== '-1'));
        if (reads.length === 0) continue;
        const done = reads.every((t) =>
          t.partitions.every((p) => BigInt(p.offset === '-1' ? 0 : p.offset) >= BigInt(highs.get(t.topic)?.get(p.partition) ?? '0')),
        );
        if (done) caughtUp++;
        else behind++;
      }
      if (hasData && Date.now() - stableSince >= quietMs && behind === 0 && caughtUp >= options.readers) return true;
      await new Promise((r) => setTimeout(r, 1000));
    }
    return false;
  } finally {
    await admin.disconnect();
  }
}
