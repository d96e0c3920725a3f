/**
 * Properties: which request properties ksqlDB recognizes, which topics it hides from SHOW
 * TOPICS, and cp-ksqldb-server's environment contract (`KSQL_*` variables as server properties).
 */
import { ServerError } from './errors';

/** Kafka Streams, consumer and producer configuration names (those ksqlDB's resolver knows). */
const KAFKA_PROPERTIES = new Set([
  // streams
  'acceptable.recovery.lag',
  'application.id',
  'application.server',
  'auto.offset.reset',
  'bootstrap.servers',
  'buffered.records.per.partition',
  'built.in.metrics.version',
  'cache.max.bytes.buffering',
  'client.id',
  'commit.interval.ms',
  'connections.max.idle.ms',
  'default.deserialization.exception.handler',
  'default.key.serde',
  'default.production.exception.handler',
  'default.timestamp.extractor',
  'default.value.serde',
  'max.task.idle.ms',
  'max.warmup.replicas',
  'metadata.max.age.ms',
  'metric.reporters',
  'metrics.num.samples',
  'metrics.recording.level',
  'metrics.sample.window.ms',
  'num.standby.replicas',
  'num.stream.threads',
  'poll.ms',
  'probing.rebalance.interval.ms',
  'processing.guarantee',
  'rack.aware.assignment.tags',
  'receive.buffer.bytes',
  'reconnect.backoff.max.ms',
  'reconnect.backoff.ms',
  'replication.factor',
  'request.timeout.ms',
  'retries',
  'retry.backoff.ms',
  'rocksdb.config.setter',
  'security.protocol',
  'send.buffer.bytes',
  'state.cleanup.delay.ms',
  'state.dir',
  'statestore.cache.max.bytes',
  'task.timeout.ms',
  'topology.optimization',
  'upgrade.from',
  'window.size.ms',
  'windowstore.changelog.additional.retention.ms',
  // consumer
  'allow.auto.create.topics',
  'auto.commit.interval.ms',
  'check.crcs',
  'client.rack',
  'default.api.timeout.ms',
  'enable.auto.commit',
  'exclude.internal.topics',
  'fetch.max.bytes',
  'fetch.max.wait.ms',
  'fetch.min.bytes',
  'group.id',
  'group.instance.id',
  'heartbeat.interval.ms',
  'interceptor.classes',
  'isolation.level',
  'key.deserializer',
  'max.partition.fetch.bytes',
  'max.poll.interval.ms',
  'max.poll.records',
  'partition.assignment.strategy',
  'session.timeout.ms',
  'value.deserializer',
  // producer
  'acks',
  'batch.size',
  'buffer.memory',
  'compression.type',
  'delivery.timeout.ms',
  'enable.idempotence',
  'key.serializer',
  'linger.ms',
  'max.block.ms',
  'max.in.flight.requests.per.connection',
  'max.request.size',
  'partitioner.class',
  'transaction.timeout.ms',
  'transactional.id',
  'value.serializer',
]);

const PREFIXES = ['consumer.', 'producer.', 'main.consumer.', 'restore.consumer.', 'global.consumer.', 'admin.', 'topic.'];

/** ksqlDB's `KsqlConfigResolver` (strict): ksql.*, or a streams/consumer/producer config. */
export function isRecognizedProperty(name: string): boolean {
  if (name.startsWith('ksql.')) return true;
  if (KAFKA_PROPERTIES.has(name)) return true;
  const prefix = PREFIXES.find((p) => name.startsWith(p));
  return prefix !== undefined && (prefix === 'topic.' || KAFKA_PROPERTIES.has(name.slice(prefix.length)));
}

/** `ConfigOverrideValidator#validateAll`: an unknown name is a server error (HTTP 500). */
export function checkProperties(props: Readonly<Record<string, unknown>>): void {
  for (const name of Object.keys(props)) {
    if (!isRecognizedProperty(name)) {
      throw new ServerError(`Not recognizable as ksql, streams, consumer, or producer property: '${name}'`);
    }
  }
}

/** Properties a request may set for a query (`PropertiesList` level QUERY). */
export const QUERY_LEVEL_PROPERTIES = new Set([
  'auto.offset.reset',
  'buffered.records.per.partition',
  'cache.max.bytes.buffering',
  'ksql.fail.on.deserialization.error',
  'ksql.functions.format_timestamp.enable',
  'ksql.nested.error.set.null',
  'ksql.query.retry.backoff.max.ms',
  'ksql.query.pull.max.allowed.offset.lag',
  'ksql.query.pull.table.scan.enabled',
  'ksql.timestamp.throw.on.invalid',
  'max.task.idle.ms',
  'task.timeout.ms',
]);

const DEFAULT_HIDDEN =
  '_confluent.*,__confluent.*,_schemas,__consumer_offsets,__transaction_state,connect-configs,connect-offsets,connect-status,connect-statuses';

/** `ReservedInternalTopics#removeHiddenTopics` with `ksql.hidden.topics`. */
export function isHiddenTopic(name: string, config: Readonly<Record<string, unknown>>): boolean {
  const patterns = String(config['ksql.hidden.topics'] ?? DEFAULT_HIDDEN)
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  return patterns.some((p) => {
    try {
      return new RegExp(`^(?:${p})$`).test(name);
    } catch {
      return p === name;
    }
  });
}

/**
 * cp-ksqldb-server's environment contract: every `KSQL_<NAME>` variable (except the JVM ones)
 * is the property `<name>` lower-cased with `___` → `-`, `__` → `_`, `_` → `.`
 * (`KSQL_KSQL_SERVICE_ID` → `ksql.service.id`, `KSQL_LISTENERS` → `listeners`).
 */
export function propertiesFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  const excluded = new Set([
    'KSQL_CLASSPATH',
    'KSQL_HEAP_OPTS',
    'KSQL_JMX_OPTS',
    'KSQL_JVM_PERFORMANCE_OPTS',
    'KSQL_LOG4J_OPTS',
    'KSQL_OPTS',
  ]);
  for (const [k, v] of Object.entries(env)) {
    if (!k.startsWith('KSQL_') || v === undefined || excluded.has(k) || k.endsWith('_OPTS')) continue;
    const raw = k.slice('KSQL_'.length).toLowerCase();
    const name = raw
      .split('___')
      .map((dash) =>
        dash
          .split('__')
          .map((part) => part.split('_').join('.'))
          .join('_'),
      )
      .join('-');
    out[name] = v;
  }
  return out;
}
