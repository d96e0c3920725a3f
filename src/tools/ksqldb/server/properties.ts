/**
 * Properties: which request properties ksqlDB recognizes, which topics it hides from SHOW
 * TOPICS, and cp-ksqldb-server's environment contract (`KSQL_*` variables as server properties).
 */
import { isKnownProperty, unrecognizedPropertyMessage } from '../../../core/ksql';
import { ServerError } from './errors';

/** ksqlDB's strict `KsqlConfigResolver` (shared with the provider's plan-time check). */
export function isRecognizedProperty(name: string): boolean {
  return isKnownProperty(name);
}

/** `PropertiesUtil.coerceTypes` of the request's overrides: an unknown name is a server error (HTTP 500). */
export function checkProperties(props: Readonly<Record<string, unknown>>): void {
  for (const name of Object.keys(props)) {
    if (!isKnownProperty(name)) throw new ServerError(unrecognizedPropertyMessage(name));
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
