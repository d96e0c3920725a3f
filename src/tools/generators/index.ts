/**
 * Data generators: `streamform produce <pipeline>` sends realistic test data to a pipeline's topics
 * (and loads its local databases) at a controlled rate, reproducibly for a seed.
 */
import { App } from 'cdktf';
import { Kafka, Partitioners, Producer } from 'kafkajs';
import { AIRLINE } from '../../../stacks/airline-merger';
import { EnvName } from '../../../stacks/environments';
import { PIPELINES } from '../../../stacks/main';
import { RATINGS } from '../../../stacks/ratings';
import { pipelineTopology, waitUntilConsumed } from '../ksqldb/flow';
import { KafkaAdminClient, KafkaConnection, kafkaConfig } from '../../provider/clients/kafka';
import { SchemaRegistryClient } from '../../provider/clients/schema-registry';
import { airlinePipeline } from './airline-merger';
import { customerQualityPipeline, CUSTOMER_QUALITY } from './customer-quality';
import { dockerSqlRunner, SqlRunner } from './databases';
import { clusterAccess, unreachable } from './endpoints';
import { seededFaker } from './faker';
import { Clock, systemClock } from './pacing';
import { ProgressDisplay, ProgressStream } from './progress';
import { ratingsPipeline } from './ratings';
import { MessageSink, runProducer, RunResult } from './runner';
import { OutgoingMessage, PipelineFactory } from './types';

interface PipelineEntry {
  readonly topics: readonly string[];
  readonly factory: PipelineFactory;
  /** Whether the pipeline has deliberately bad records (--bad-ratio). */
  readonly badRecords: boolean;
}

/** The pipelines that have a generator, by the name `produce` takes. */
export const GENERATORS: Readonly<Record<string, PipelineEntry>> = {
  ratings: { topics: [RATINGS.ratingsTopic], factory: (ctx) => ratingsPipeline(ctx), badRecords: false },
  'airline-merger': {
    topics: [AIRLINE.routesTopic, AIRLINE.flightUpdatesTopic],
    factory: (ctx) => airlinePipeline(ctx),
    badRecords: false,
  },
  'customer-quality': { topics: [CUSTOMER_QUALITY.topic], factory: (ctx) => customerQualityPipeline(ctx), badRecords: true },
};

export const GENERATOR_NAMES: readonly string[] = Object.keys(GENERATORS);

/** Sends batches with a kafkajs producer (Java-compatible partitioning of keys, acks=all). */
class KafkaSink implements MessageSink {
  private constructor(private readonly producer: Producer) {}

  static async connect(connection: KafkaConnection): Promise<KafkaSink> {
    const kafka = new Kafka(kafkaConfig({ ...connection, clientId: 'streamform-produce' }));
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    return new KafkaSink(producer);
  }

  async send(batch: readonly OutgoingMessage[]): Promise<void> {
    const byTopic = new Map<string, { key: string | null; value: Buffer | string }[]>();
    for (const m of batch) {
      const list = byTopic.get(m.topic) ?? [];
      list.push({ key: m.key, value: m.value });
      byTopic.set(m.topic, list);
    }
    await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  }

  close(): Promise<void> {
    return this.producer.disconnect();
  }
}

export interface ProduceOptions {
  readonly pipeline: string;
  readonly env: EnvName;
  readonly rate: number;
  readonly count?: number;
  readonly durationMs?: number;
  readonly seed: number;
  readonly badRatio: number;
  readonly signal?: AbortSignal;
  /** Defaults: the process environment, the system clock, docker exec, stderr. */
  readonly processEnv?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  readonly sql?: SqlRunner;
  readonly stderr?: ProgressStream;
  /**
   * On a local platform, before producing: wait until the data the generator loaded into the
   * pipeline's databases has been captured into Kafka and read by the ksqlDB queries that join
   * against it (so records produced next meet it). @default true
   */
  readonly settle?: boolean;
}

/**
 * The topics a pipeline's ksql reads that the generator does not write (change records of its
 * databases): waits until they stop growing and every ksqlDB query reading them is at their end.
 */
async function settleCapturedData(
  pipeline: string,
  access: ReturnType<typeof clusterAccess>,
  entry: PipelineEntry,
  log: (l: string) => void,
): Promise<void> {
  const Pipeline = PIPELINES[pipeline];
  if (!Pipeline) return;
  const topology = pipelineTopology(new Pipeline(new App(), `${pipeline}-${access.env.name}`, { env: access.env }));
  const captured = topology.sourceTopics.filter((t) => !entry.topics.includes(t));
  if (captured.length === 0) return;
  const readers = new Set(captured.flatMap((t) => topology.readers.get(t) ?? [])).size;
  log(
    `waiting until ${captured.join(', ')} hold the loaded rows and ${readers} ksqlDB quer${readers === 1 ? 'y has' : 'ies have'} read them …`,
  );
  const ok = await waitUntilConsumed(access.kafka.bootstrapServers.join(','), captured, { readers, timeoutMs: 90_000 });
  if (!ok) log(`  (not settled after 90 s; producing anyway: early records may not find their matches)`);
}

/** Prepares the pipeline's generator (databases, schemas) and produces at the rate until done. */
export async function produce(options: ProduceOptions): Promise<RunResult> {
  const entry = GENERATORS[options.pipeline];
  if (!entry) throw new Error(`no generator for pipeline '${options.pipeline}'; choose one of ${GENERATOR_NAMES.join(', ')}`);
  const stderr = options.stderr ?? process.stderr;
  const clock = options.clock ?? systemClock;
  const log = (line: string) => stderr.write(`${line}\n`);
  const access = clusterAccess(options.env, options.processEnv);

  const admin = new KafkaAdminClient({ ...access.kafka, clientId: 'streamform-produce' });
  try {
    const existing = new Set(await admin.listTopics().catch((err: unknown) => Promise.reject(unreachable(access, err))));
    const missing = entry.topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      throw new Error(
        `topic${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist on ${access.origin}; ` +
          `deploy the pipeline first: streamform deploy ${options.pipeline}-${options.env}`,
      );
    }
  } finally {
    await admin.close().catch(() => undefined);
  }

  log(`${options.pipeline} → ${entry.topics.join(', ')} on ${access.origin}, seed ${options.seed}`);
  const generator = await entry.factory({
    env: access.env,
    faker: seededFaker(options.seed),
    now: () => clock.now(),
    badRatio: options.badRatio,
    registry: access.schemaRegistry ? new SchemaRegistryClient(access.schemaRegistry) : undefined,
    sql: options.sql ?? dockerSqlRunner,
    log,
  });
  if (access.env.platform && options.settle !== false) await settleCapturedData(options.pipeline, access, entry, log);
  const until =
    options.count !== undefined
      ? `${options.count} messages`
      : options.durationMs !== undefined
        ? `${options.durationMs / 1000} s`
        : 'interrupted (Ctrl-C; --count or --duration stop by themselves)';
  log(`producing at ${options.rate} msg/s until ${until}`);

  const sink = await KafkaSink.connect(access.kafka);
  const progress = new ProgressDisplay(stderr, { label: options.pipeline, now: () => clock.now() });
  try {
    const result = await runProducer(generator, sink, {
      rate: options.rate,
      count: options.count,
      durationMs: options.durationMs,
      clock,
      progress,
      signal: options.signal,
    });
    const why = {
      count: 'count reached',
      duration: 'duration over',
      interrupt: 'interrupted',
      exhausted: 'the generator has no more data',
    }[result.stoppedBy];
    progress.finish({ sent: result.sent, errors: result.errors }, why);
    if (result.lastError) log(`last send error: ${result.lastError.message}`);
    return result;
  } finally {
    await sink.close().catch(() => undefined);
  }
}
