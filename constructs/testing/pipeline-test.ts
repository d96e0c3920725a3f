import { Construct, IConstruct } from 'constructs';
import { isTopicName } from '../../src/core/rules';
import { IKsqlSource } from '../ksql/source';
import { AvroSchema } from '../schema';
import { ITopic } from '../topic';
import { Validator } from '../private/validator';

/** Where a test record is produced or expected: a topic, the stream or table over it, or a topic name. */
export type TestTopic = ITopic | IKsqlSource | string;

/** A key or value of a test record, as JSON (numbers may be bigints for BIGINT values beyond 2^53). */
export type TestValue = string | number | bigint | boolean | null | readonly TestValue[] | { readonly [field: string]: TestValue };

/** A record produced to an input topic, or expected on an output topic. */
export interface PipelineTestRecord {
  /** The topic it is produced to or expected on. */
  readonly topic: TestTopic;
  /**
   * The message key as the topic's key format holds it: a string or number for KAFKA keys (a
   * Debezium key extracted with `keyField` is the field's value as a string), an object for JSON
   * keys. @default null (no key)
   */
  readonly key?: TestValue;
  /**
   * The message value; null is a tombstone. Field names as the producer writes them: ksqlDB
   * matches JSON and Avro fields to columns case-insensitively.
   */
  readonly value: TestValue;
  /** Epoch ms. Inputs: the record's timestamp. Expected: compared when given. @default - 0 for inputs; any for expected records */
  readonly timestamp?: number;
  /** Expected records of windowed tables: the window, epoch ms (end exclusive). @default - any window */
  readonly window?: { readonly start: number; readonly end: number };
  /**
   * Inputs in Avro: the schema the producer writes the value with, when it is not the schema the
   * stack declares for the topic (a Connect converter registers its own, e.g. Debezium's).
   * @default - the schema registered for the topic
   */
  readonly valueSchema?: AvroSchema;
}

/** Properties of a PipelineTest. */
export interface PipelineTestProps {
  /** What the case shows, for people. @default - none */
  readonly description?: string;
  /**
   * Records produced to the pipeline's topics, in order: the topics its ksqlDB streams and tables
   * read, including those connectors write (the case stands in for the connector).
   */
  readonly inputs: readonly PipelineTestRecord[];
  /**
   * The records the pipeline must write, in order per topic. Every topic named here is compared
   * in full (a record more or less fails the case); topics not named are not checked.
   */
  readonly expected: readonly PipelineTestRecord[];
}

/** A test record with its topic resolved to a name. */
export interface ResolvedTestRecord extends Omit<PipelineTestRecord, 'topic' | 'valueSchema'> {
  /** The topic's name. */
  readonly topic: string;
  /** The Avro schema the producer writes the value with, as text. @default - the schema registered for the topic */
  readonly valueSchema?: string;
}

/** Marks PipelineTest constructs (found by `PipelineTest.casesOf` whatever copy of the library made them). */
const PIPELINE_TEST = Symbol.for('streamform.pipeline-test');

/**
 * A test case declared next to a pipeline: input records and the records the pipeline's ksqlDB
 * statements must write in response. `streamform test <pipeline>` runs every case on the local
 * ksqlDB engine, in memory, against the statements as the stack synthesizes them; promotion
 * refuses a pipeline whose cases fail. Synthesizes nothing: a case is not infrastructure.
 *
 * @example
 * new PipelineTest(this, 'UnhappyPlatinum', {
 *   description: 'a platinum customer rating 1 star lands in UNHAPPY_PLATINUM_CUSTOMERS',
 *   inputs: [
 *     { topic: customersTopic, key: '42', value: { id: 42, first_name: 'Ada', last_name: 'Lovelace', club_status: 'platinum' } },
 *     { topic: ratingsTopic, value: { rating_id: 1, user_id: 42, stars: 1, channel: 'iOS', message: 'cold food' }, timestamp: 1000 },
 *   ],
 *   expected: [{ topic: unhappy, key: 'Ada Lovelace', value: { CLUB_STATUS: 'platinum', STARS: 1, MESSAGE: 'cold food' } }],
 * });
 */
export class PipelineTest extends Construct {
  /** The test cases declared under a scope (e.g. a stack), in the order they were declared. */
  static casesOf(scope: IConstruct): PipelineTest[] {
    return scope.node.findAll().filter((c): c is PipelineTest => (c as unknown as Record<symbol, unknown>)[PIPELINE_TEST] === true);
  }

  /** What the case shows, for people. */
  readonly description?: string;
  /** The records produced, in order, their topics resolved to names. */
  readonly inputs: readonly ResolvedTestRecord[];
  /** The records expected, in order per topic, their topics resolved to names. */
  readonly expected: readonly ResolvedTestRecord[];

  constructor(scope: Construct, id: string, props: PipelineTestProps) {
    super(scope, id);
    Object.defineProperty(this, PIPELINE_TEST, { value: true, enumerable: false });
    const v = new Validator(this);
    v.check(props.inputs.length > 0, 'inputs', props.inputs, 'are empty', 'give at least one record to produce');
    v.check(
      props.expected.length > 0,
      'expected',
      props.expected,
      'are empty, so nothing would be checked',
      'give the records the pipeline must write (topics not named are not checked)',
    );
    const resolve = (r: PipelineTestRecord, field: string): ResolvedTestRecord => {
      const topic = topicName(r.topic);
      v.check(
        topic !== undefined && isTopicName(topic),
        `${field}.topic`,
        topic ?? (r.topic as IConstruct).node?.path,
        topic === undefined ? 'has no topic (an INSERT INTO query writes into its target)' : 'is not a valid topic name',
        'give a Topic, a stream or table with a topic, or the topic name',
      );
      if (r.timestamp !== undefined)
        v.check(
          Number.isSafeInteger(r.timestamp) && r.timestamp >= 0,
          `${field}.timestamp`,
          r.timestamp,
          'must be epoch ms',
          'e.g. 1700000000000',
        );
      if (r.window !== undefined) {
        const { start, end } = r.window;
        v.check(
          Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start < end,
          `${field}.window`,
          r.window,
          'must have whole epoch ms with start before end',
          'e.g. { start: 0, end: 60000 } for a 1-minute window',
        );
      }
      for (const [part, value] of [
        ['key', r.key],
        ['value', r.value],
      ] as const) {
        const bad = nonJson(value);
        if (bad !== undefined)
          v.add(`${field}.${part}${bad}`, typeof value, 'is not a JSON value', 'use strings, numbers, booleans, null, arrays and objects');
      }
      const { valueSchema, topic: _topic, ...rest } = r;
      return {
        ...rest,
        topic: topic ?? '',
        ...(valueSchema !== undefined ? { valueSchema: typeof valueSchema === 'string' ? valueSchema : JSON.stringify(valueSchema) } : {}),
      };
    };
    this.description = props.description;
    this.inputs = props.inputs.map((r, i) => resolve(r, `inputs[${i}]`));
    this.expected = props.expected.map((r, i) => resolve(r, `expected[${i}]`));
    v.throwIfAny();
  }
}

function topicName(t: TestTopic): string | undefined {
  if (typeof t === 'string') return t;
  const topic = (t as Partial<ITopic>).topicName;
  return typeof topic === 'string' ? topic : (t as IKsqlSource).topic?.topicName;
}

/** The path (e.g. `.FIELD[0]`) of the first part of a value that is not JSON, '' for the value itself. */
function nonJson(v: unknown, at = ''): string | undefined {
  if (v === undefined) return undefined;
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint') return undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : at;
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) {
      const bad = x === undefined ? `${at}[${i}]` : nonJson(x, `${at}[${i}]`);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v)) {
      const bad = nonJson(x, `${at}.${k}`);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  return at;
}
