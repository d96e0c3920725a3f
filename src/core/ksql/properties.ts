/**
 * Which `streamsProperties` names ksqlDB accepts. A request whose properties include a name ksqlDB
 * cannot resolve is refused as a whole (HTTP 500, "Not recognizable as ksql, streams, consumer, or
 * producer property"); checking the names before anything is sent turns a typo into a plan error
 * that names the property and the closest known name.
 *
 * The rules are those of ksqlDB's `KsqlConfigResolver#resolve(name, strict = true)` (used by
 * `LocalPropertyParser`/`PropertiesUtil.coerceTypes` for a request's overrides):
 * - `request.ksql.*`: a `KsqlRequestConfig` name;
 * - `ksql.*` (but not `ksql.streams.*`): a `KsqlConfig` name, or any `ksql.functions.*`;
 * - anything else, after stripping `ksql.streams.`: `consumer.<ConsumerConfig>`,
 *   `producer.<ProducerConfig>`, or a plain consumer, producer or Kafka Streams name; else
 *   `topic.<TopicConfig>` (`ksql.streams.topic.*` and `topic.*`).
 */
import {
  CONSUMER_CONFIG_NAMES,
  KSQL_CONFIG_NAMES,
  PRODUCER_CONFIG_NAMES,
  STREAMS_CONFIG_NAMES,
  TOPIC_CONFIG_NAMES,
} from './property-names';

const KSQL = new Set(KSQL_CONFIG_NAMES);
const STREAMS = new Set(STREAMS_CONFIG_NAMES);
const CONSUMER = new Set(CONSUMER_CONFIG_NAMES);
const PRODUCER = new Set(PRODUCER_CONFIG_NAMES);
const TOPIC = new Set(TOPIC_CONFIG_NAMES);

/** `KsqlRequestConfig` (request-scoped settings ksqlDB's own servers send each other). */
const REQUEST = new Set([
  'request.ksql.query.pull.skip.forwarding',
  'request.ksql.internal.request',
  'request.ksql.debug.request',
  'request.ksql.query.pull.partition',
  'request.ksql.query.push.skip.forwarding',
  'request.ksql.query.push.continuation.token',
  'request.ksql.query.push.catchup.consumer.group',
]);

/** `StreamsConfig.InternalConfig` names ksqlDB's resolver lets through. */
const INTERNAL_STREAMS = new Set([
  '__emit.interval.ms.kstreams.outer.join.spurious.results.fix__',
  '__emit.interval.ms.kstreams.windowed.aggregation__',
]);

const KSQL_STREAMS_PREFIX = 'ksql.streams.';

/** The Kafka Streams/consumer/producer part of a name (without `ksql.streams.`). */
function isStreamsLevel(key: string): boolean {
  if (key.startsWith('consumer.') && CONSUMER.has(key.slice('consumer.'.length))) return true;
  if (key.startsWith('producer.') && PRODUCER.has(key.slice('producer.'.length))) return true;
  if (CONSUMER.has(key) || PRODUCER.has(key) || STREAMS.has(key) || INTERNAL_STREAMS.has(key)) return true;
  return key.startsWith('topic.') && TOPIC.has(key.slice('topic.'.length));
}

/** Whether ksqlDB resolves the property name (strictly, as it does for a request's properties). */
export function isKnownProperty(name: string): boolean {
  if (name.startsWith('request.ksql.')) return REQUEST.has(name);
  if (name.startsWith('ksql.') && !name.startsWith(KSQL_STREAMS_PREFIX)) {
    return KSQL.has(name) || name.startsWith('ksql.functions.');
  }
  return isStreamsLevel(name.startsWith(KSQL_STREAMS_PREFIX) ? name.slice(KSQL_STREAMS_PREFIX.length) : name);
}

/** ksqlDB's own message for a name it cannot resolve (`PropertyNotFoundException`). */
export function unrecognizedPropertyMessage(name: string): string {
  return `Not recognizable as ksql, streams, consumer, or producer property: '${name}'`;
}

let candidates: string[] | undefined;

/** Every complete name a user would write (prefixed forms included), for suggestions. */
function allNames(): string[] {
  if (!candidates) {
    const plain = [...new Set([...STREAMS, ...CONSUMER, ...PRODUCER])];
    candidates = [
      ...KSQL,
      ...plain,
      ...plain.map((n) => KSQL_STREAMS_PREFIX + n),
      ...[...CONSUMER].map((n) => `consumer.${n}`),
      ...[...PRODUCER].map((n) => `producer.${n}`),
      ...[...TOPIC].map((n) => `topic.${n}`),
    ];
  }
  return candidates;
}

function distance(a: string, b: string): number {
  // Damerau-Levenshtein (optimal string alignment): a swapped pair of letters is one edit.
  let before = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = new Array<number>(b.length + 1);
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cur[j] = Math.min(cur[j], before[j - 2] + 1);
    }
    before = prev;
    prev = cur;
  }
  return prev[b.length];
}

/** The known property name closest to `name` (a few edits away at most), if any. */
export function closestProperty(name: string): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  const limit = Math.max(2, Math.floor(name.length / 5));
  for (const c of allNames()) {
    if (Math.abs(c.length - lower.length) > limit) continue;
    const d = distance(lower, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= limit ? best : undefined;
}

/** A property name ksqlDB would refuse, with what to write instead. */
export interface PropertyProblem {
  readonly name: string;
  /** ksqlDB's own message for it. */
  readonly message: string;
  /** The closest known name, when one is close. */
  readonly suggestion?: string;
  /** What to do, as one sentence. */
  readonly fix: string;
}

/** The names in `props` ksqlDB would refuse (empty when all are fine). */
export function propertyProblems(props: Readonly<Record<string, unknown>>): PropertyProblem[] {
  const out: PropertyProblem[] = [];
  for (const name of Object.keys(props)) {
    if (isKnownProperty(name)) continue;
    const suggestion = closestProperty(name);
    const fix = suggestion
      ? `did you mean '${suggestion}'?`
      : "use a ksqlDB property (ksql.*), a Kafka Streams property, or a consumer/producer property (optionally prefixed 'consumer.', 'producer.' or 'ksql.streams.')";
    out.push({ name, message: unrecognizedPropertyMessage(name), suggestion, fix });
  }
  return out;
}
