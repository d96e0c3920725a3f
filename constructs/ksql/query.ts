import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { ksqlQuery } from '../../src/gen/providers/streamform';
import { outputColumns, sourcesRead, Statement } from '../../src/core/ksql';
import { StreamformCluster } from '../cluster';
import { Duration } from '../duration';
import { CleanupPolicy, Topic, TopicProps } from '../topic';
import { checkName, ident, ksqlName, ksqlNameFromId, stringLiteral } from '../private/ksql-names';
import { appProblems, checkQueryProperties, columnsResolver, parseChecked, QUERY_DEFAULTS, selectText } from '../private/ksql-query';
import { instanceTrigger, ksqlSourcesVersion, markKsqlSource } from '../private/ksql-source';
import { Validator } from '../private/validator';
import { registerWriter } from '../private/app-graph';
import { IKsqlSource, SourceColumnInfo } from './source';
import { KsqlFormat } from './types';

/** Query text with typed references: interpolated sources render as their names and become dependencies. */
export class KsqlText {
  constructor(
    /** The query text, sources rendered as their names. */
    readonly text: string,
    /** The sources referenced, which the query depends on. */
    readonly sources: readonly IKsqlSource[],
  ) {}
}

/**
 * A tagged template for ksqlDB query text:
 * `ksql\`SELECT * FROM ${ratings} WHERE STARS < 3\``. Interpolated sources are rendered as their
 * names and recorded, so the query depends on them; strings and numbers are inserted as written.
 */
export function ksql(strings: TemplateStringsArray, ...values: (IKsqlSource | string | number)[]): KsqlText {
  const sources: IKsqlSource[] = [];
  let text = strings[0];
  values.forEach((v, i) => {
    if (typeof v === 'string' || typeof v === 'number') text += String(v);
    else {
      sources.push(v);
      text += ident(v.sourceName);
    }
    text += strings[i + 1];
  });
  return new KsqlText(text.trim(), sources);
}

/** The topic a query's stream or table is written to. */
export interface SinkTopicOptions {
  /** The Kafka topic name. @default - the sink name in lower case with `_` as `-` */
  readonly topicName?: string;
  /** Number of partitions. @default - the partitions of the query's first source */
  readonly partitions?: number;
  /** How long the topic keeps each message (streams and windowed tables). @default - the retention of the query's first source's topic when this app sets it, else the broker default */
  readonly retention?: Duration;
}

/** Name, topic and formats of the stream or table a query creates. */
export interface SinkOptions {
  /** Its name in ksqlDB. @default - the construct id in upper snake case */
  readonly name?: string;
  /** The topic ksqlDB writes to; streamform creates it (with the environment's settings) before the query. @default - a topic named after the sink, with the partitions and retention of the query's first source */
  readonly topic?: SinkTopicOptions;
  /** How message values are serialized. @default - the source's value format */
  readonly valueFormat?: KsqlFormat;
  /** How message keys are serialized. @default - the source's key format */
  readonly keyFormat?: KsqlFormat;
}

/** Where a persistent query writes: a new stream or a new table, with its own topic. */
export class QuerySink {
  /** CREATE STREAM ... AS SELECT. */
  static stream(options: SinkOptions = {}): QuerySink {
    return new QuerySink('STREAM', options);
  }
  /** CREATE TABLE ... AS SELECT. */
  static table(options: SinkOptions = {}): QuerySink {
    return new QuerySink('TABLE', options);
  }
  private constructor(
    /** What the query creates. */
    readonly kind: 'STREAM' | 'TABLE',
    /** Name, topic and formats of what it creates. */
    readonly options: SinkOptions,
  ) {}
}

/** Properties of a KsqlQuery. */
export interface KsqlQueryProps {
  /** What the query creates: `QuerySink.stream(...)` or `QuerySink.table(...)`. */
  readonly sink: QuerySink;
  /** The SELECT, written with the `ksql` tag so that sources are typed references. */
  readonly select: KsqlText;
  /**
   * Query properties, e.g. `{ 'ksql.streams.num.stream.threads': '2' }`; given ones override the default.
   * @default - `{ 'auto.offset.reset': 'earliest' }`: the query reads its sources from their first
   * record. (ksqlDB's own default, latest, skips every record that arrives between the statement and
   * the moment its consumers start, which for a pipeline deployed before its data is data lost.)
   */
  readonly properties?: Readonly<Record<string, string>>;
  /** Refuse to drop the stream or table (and delete its topic). @default - the cluster's `protect` */
  readonly protect?: boolean;
}

/**
 * A persistent ksqlDB query that creates a stream or a table (`streamform_ksql_query`:
 * CREATE STREAM/TABLE ... AS SELECT), whose result is itself a source other queries can read. Its
 * sink topic is a Topic construct, `topic`, created before the query. To write into a stream that
 * exists already, use KsqlInsertInto.
 *
 * @example
 * const live = new KsqlQuery(this, 'RatingsLive', {
 *   sink: QuerySink.stream({ topic: { topicName: 'ratings-live' } }),
 *   select: ksql`SELECT * FROM ${ratings} WHERE LCASE(CHANNEL) NOT LIKE '%test%' EMIT CHANGES`,
 * });
 */
export class KsqlQuery extends Construct implements IKsqlSource {
  /** The `streamform_ksql_query` resource. */
  readonly resource: ksqlQuery.KsqlQuery;
  /** The name of the stream or table it creates. */
  readonly sourceName: string;
  /** Whether it creates a stream or a table. */
  readonly kind: 'STREAM' | 'TABLE';
  /** The statement applied: CREATE STREAM/TABLE ... AS SELECT. */
  readonly statement: string;
  /** The sources the SELECT reads (its typed references). */
  readonly sources: readonly IKsqlSource[];
  /** The topic of the stream or table it creates, created before the query. */
  readonly topic: Topic;
  /** Partitions of that topic. */
  readonly partitions: number;
  /** Declared by this app. */
  readonly external = false;
  private readonly parsed?: Statement;
  /** Set while the columns are derived: a cycle of queries reads back to itself (reported at synth). */
  private derivingColumns = false;
  private derivedColumns?: { version: number; columns: readonly SourceColumnInfo[] | undefined };

  constructor(scope: Construct, id: string, props: KsqlQueryProps) {
    super(scope, id);
    const cluster = StreamformCluster.of(this);
    const v = new Validator(this);
    const sink = props.sink;
    this.sources = props.select.sources;
    const name = ksqlName(sink.options.name ?? ksqlNameFromId(id));
    checkName(v, 'sink.name', name);
    this.sourceName = name;
    this.kind = sink.kind;
    markKsqlSource(this);

    const first = props.select.sources[0];
    // The sink topic is created by streamform (with the environment's settings) before the query.
    // ksqlDB accepts an existing sink topic when its partitions, replicas and retention are what
    // the statement asks for; unless told otherwise it asks for those of its first source's topic.
    // So the sink topic copies the source's, and the statement names only explicit overrides: an
    // upstream change then flows into the sink topic without touching the query.
    const windowed = /\bWINDOW\s+(TUMBLING|HOPPING|SESSION)\b/i.test(props.select.text);
    // Non-windowed tables are compacted and take no retention (ksqlDB refuses RETENTION_MS for them).
    const retains = this.kind === 'STREAM' || windowed;
    const topicOptions = sink.options.topic;
    const overrides: string[] = [];
    const topicName = topicOptions?.topicName ?? name.toLowerCase().replace(/_/g, '-');
    const inherited = first?.topic?.retentionMs;
    const retention: Pick<TopicProps, 'retention' | 'retainForever' | 'config'> = !retains
      ? {}
      : topicOptions?.retention
        ? { retention: topicOptions.retention }
        : retentionFromMs(inherited);
    this.topic = new Topic(this, 'Topic', {
      topicName,
      partitions: topicOptions?.partitions ?? first?.partitions,
      ...retention,
      cleanupPolicy: this.kind === 'TABLE' ? (windowed ? CleanupPolicy.COMPACT_DELETE : CleanupPolicy.COMPACT) : undefined,
      // It follows its source's partitions, so it may be replaced when its source may.
      allowReplacement: first?.topic?.allowReplacement,
      protect: props.protect,
    });
    this.partitions = this.topic.partitions;
    if (topicOptions?.partitions !== undefined && topicOptions.partitions !== first?.partitions)
      overrides.push(`PARTITIONS=${this.topic.partitions}`);
    if (retains && topicOptions?.retention !== undefined && String(topicOptions.retention.toMilliseconds()) !== inherited)
      overrides.push(`RETENTION_MS=${topicOptions.retention.toMilliseconds()}`);

    const with_ = [`KAFKA_TOPIC=${stringLiteral(this.topic.topicName)}`, ...overrides];
    if (sink.options.keyFormat) with_.push(`KEY_FORMAT=${stringLiteral(sink.options.keyFormat.name)}`);
    if (sink.options.valueFormat) with_.push(`VALUE_FORMAT=${stringLiteral(sink.options.valueFormat.name)}`);
    this.statement = `CREATE ${this.kind} ${ident(name)} WITH (${with_.join(', ')}) AS ${selectText(props.select)};`;
    this.parsed = parseChecked(v, this.statement, props.select);
    checkQueryProperties(v, props.properties);
    v.throwIfAny();

    // Whole-app checks run once everything is constructed.
    this.node.addValidation({ validate: () => appProblems(this, this.parsed) });
    registerWriter(this, name, `CREATE ${this.kind} ... AS SELECT:`, () => (this.parsed ? sourcesRead(this.parsed) : []));

    const dependsOn: ITerraformDependable[] = [...props.select.sources.map((s) => s.dependable), this.topic.dependable].filter(
      (d): d is ITerraformDependable => d !== undefined,
    );
    // A source created anew (replaced) takes the queries reading it along: ksqlDB cannot drop a
    // source that queries still read.
    const triggers = props.select.sources.map((s) => s.replaceTrigger).filter((t): t is string => t !== undefined);
    this.resource = new ksqlQuery.KsqlQuery(this, 'Resource', {
      provider: cluster.provider,
      statement: this.statement,
      streamsProperties: { ...QUERY_DEFAULTS, ...props.properties },
      deletionProtection: props.protect ?? cluster.protect,
      dependsOn,
      lifecycle: triggers.length > 0 ? { replaceTriggeredBy: [...new Set(triggers)] } : undefined,
    });
  }

  /** The query resource: queries reading its result are created after it. */
  get dependable(): ITerraformDependable {
    return this.resource;
  }

  /** The resource's `instance_id`: queries reading its result are re-created when it is. */
  get replaceTrigger(): string {
    return instanceTrigger(this.resource);
  }

  /** Output columns, derived from the query and the columns of its sources. */
  get columns(): readonly SourceColumnInfo[] | undefined {
    if (!this.parsed || this.derivingColumns) return undefined;
    // Derived again only when the app declared more sources since (a chain of queries asks its
    // upstream queries' columns at every check; unremembered, that repeated the whole chain).
    const version = ksqlSourcesVersion(this);
    if (this.derivedColumns?.version === version) return this.derivedColumns.columns;
    this.derivingColumns = true;
    let cols;
    try {
      cols = outputColumns(this.parsed, columnsResolver(this));
    } finally {
      this.derivingColumns = false;
    }
    const columns = cols.some((c) => c.name === '*') ? undefined : cols.map((c) => ({ name: c.name, type: c.type, key: c.key }));
    this.derivedColumns = { version, columns };
    return columns;
  }
}

/** A `retention.ms` value as topic props: -1 is for ever, a whole number a Duration, anything else (a token) as written. */
function retentionFromMs(ms: string | undefined): Pick<TopicProps, 'retention' | 'retainForever' | 'config'> {
  if (ms === undefined) return {};
  if (ms === '-1') return { retainForever: true };
  if (/^[1-9][0-9]*$/.test(ms)) return { retention: Duration.millis(Number(ms)) };
  return { config: { 'retention.ms': ms } };
}
