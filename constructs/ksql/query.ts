import { ITerraformDependable } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { ksqlQuery } from '../../src/gen/providers/streamform';
import { joins, KsqlSyntaxError, outputColumns, parseStatement, queryProblems, sourcesRead, Statement } from '../../src/core/ksql';
import { StreamformCluster } from '../cluster';
import { CleanupPolicy, Retention, Topic } from '../topic';
import { Validator } from '../validation';
import { checkName, IKsqlSource, instanceTrigger, isKsqlSource, KSQL_SOURCE, SourceColumnInfo } from './source';
import { ident, KsqlFormat, ksqlNameFromId, stringLiteral } from './types';

/** Query text with typed references: interpolated sources render as their names and become dependencies. */
export class KsqlText {
  constructor(
    readonly text: string,
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

export interface SinkTopicOptions {
  /** @default - the sink name in lower case with `_` as `-` */
  readonly topicName?: string;
  /** @default - the partitions of the query's first source */
  readonly partitions?: number;
  /** @default - the broker default */
  readonly retention?: Retention;
}

export interface SinkOptions {
  /** @default - the construct id in upper snake case */
  readonly name?: string;
  /** The topic ksqlDB writes to; streamform creates it (with the environment's settings) before the query. */
  readonly topic?: SinkTopicOptions;
  /** @default - the source's value format */
  readonly valueFormat?: KsqlFormat;
  /** @default - the source's key format */
  readonly keyFormat?: KsqlFormat;
}

/** Where a persistent query writes. */
export class QuerySink {
  /** CREATE STREAM ... AS SELECT. */
  static stream(options: SinkOptions = {}): QuerySink {
    return new QuerySink('STREAM', options, undefined);
  }
  /** CREATE TABLE ... AS SELECT. */
  static table(options: SinkOptions = {}): QuerySink {
    return new QuerySink('TABLE', options, undefined);
  }
  /** INSERT INTO an existing stream. */
  static insertInto(target: IKsqlSource): QuerySink {
    return new QuerySink('INSERT', {}, target);
  }
  private constructor(
    readonly kind: 'STREAM' | 'TABLE' | 'INSERT',
    readonly options: SinkOptions,
    readonly target: IKsqlSource | undefined,
  ) {}
}

export interface KsqlQueryProps {
  readonly sink: QuerySink;
  /** The SELECT, written with the `ksql` tag so that sources are typed references. */
  readonly select: KsqlText;
  /** Query properties, e.g. `{ 'auto.offset.reset': 'earliest' }`. @default - none */
  readonly properties?: Readonly<Record<string, string>>;
  /** @default - the cluster's `protect` (for CREATE ... AS SELECT sinks) */
  readonly protect?: boolean;
}

/**
 * A persistent ksqlDB query (`streamform_ksql_query`): CREATE STREAM/TABLE ... AS SELECT, whose
 * result is itself a source other queries can read, or INSERT INTO an existing stream. The sink
 * topic of CREATE ... AS SELECT is a Topic construct, created before the query.
 *
 * @example
 * const live = new KsqlQuery(this, 'RatingsLive', {
 *   sink: QuerySink.stream({ topic: { topicName: 'ratings-live' } }),
 *   select: ksql`SELECT * FROM ${ratings} WHERE LCASE(CHANNEL) NOT LIKE '%test%' EMIT CHANGES`,
 * });
 */
export class KsqlQuery extends Construct implements IKsqlSource {
  readonly [KSQL_SOURCE]: boolean;
  readonly resource: ksqlQuery.KsqlQuery;
  readonly sourceName: string;
  readonly kind: 'STREAM' | 'TABLE';
  readonly statement: string;
  readonly sources: readonly IKsqlSource[];
  readonly topic?: Topic;
  readonly partitions?: number;
  readonly external = false;
  readonly isInsert: boolean;
  private readonly parsed?: Statement;

  constructor(scope: Construct, id: string, props: KsqlQueryProps) {
    super(scope, id);
    const cluster = StreamformCluster.of(this);
    const v = new Validator(this);
    const sink = props.sink;
    this.isInsert = sink.kind === 'INSERT';
    this[KSQL_SOURCE] = !this.isInsert;
    this.sources = props.select.sources;
    const name = sink.target?.sourceName ?? sink.options.name ?? ksqlNameFromId(id);
    checkName(v, 'sink.name', name);
    this.sourceName = name;
    this.kind = sink.kind === 'TABLE' ? 'TABLE' : (sink.target?.kind ?? 'STREAM');

    const first = props.select.sources[0];
    this.partitions = sink.options.topic?.partitions ?? (this.isInsert ? sink.target?.partitions : first?.partitions);
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
    if (!this.isInsert) {
      const topicName = topicOptions?.topicName ?? name.toLowerCase().replace(/_/g, '-');
      const inherited = first?.topic?.retentionMs;
      const retention = !retains ? undefined : (topicOptions?.retention ?? (inherited ? Retention.ms(inherited) : undefined));
      this.topic = new Topic(this, 'Topic', {
        topicName,
        partitions: this.partitions,
        retention,
        cleanupPolicy: this.kind === 'TABLE' ? (windowed ? CleanupPolicy.COMPACT_DELETE : CleanupPolicy.COMPACT) : undefined,
        // It follows its source's partitions, so it may be replaced when its source may.
        allowReplacement: first?.topic?.allowReplacement,
        protect: props.protect,
      });
      this.partitions = this.topic.partitions;
      if (topicOptions?.partitions !== undefined && topicOptions.partitions !== first?.partitions)
        overrides.push(`PARTITIONS=${this.topic.partitions}`);
      if (retains && topicOptions?.retention !== undefined && topicOptions.retention.ms !== inherited)
        overrides.push(`RETENTION_MS=${topicOptions.retention.ms}`);
    }

    const select = props.select.text.replace(/;\s*$/, '');
    if (this.isInsert) {
      this.statement = `INSERT INTO ${ident(name)} ${select};`;
    } else {
      const with_ = [`KAFKA_TOPIC=${stringLiteral(this.topic!.topicName)}`, ...overrides];
      if (sink.options.keyFormat) with_.push(`KEY_FORMAT=${stringLiteral(sink.options.keyFormat.name)}`);
      if (sink.options.valueFormat) with_.push(`VALUE_FORMAT=${stringLiteral(sink.options.valueFormat.name)}`);
      this.statement = `CREATE ${this.kind} ${ident(name)} WITH (${with_.join(', ')}) AS ${select};`;
    }
    try {
      this.parsed = parseStatement(this.statement);
    } catch (err) {
      if (!(err instanceof KsqlSyntaxError)) throw err;
      v.add('select', props.select.text, `does not parse: ${err.message}`, 'fix the ksqlDB syntax at that position');
    }
    if (this.isInsert && sink.target?.kind === 'TABLE') {
      v.add(
        'sink',
        sink.target.sourceName,
        'is a table; INSERT INTO only writes into streams',
        'insert into a stream, or use QuerySink.table(...)',
      );
    }
    v.throwIfAny();

    // Whole-app checks run once everything is constructed.
    this.node.addValidation({ validate: () => this.validateAgainstApp() });

    const dependsOn: ITerraformDependable[] = [
      ...props.select.sources.map((s) => s.dependable),
      this.topic?.dependable,
      sink.target?.dependable,
    ].filter((d): d is ITerraformDependable => d !== undefined);
    // A source created anew (replaced) takes the queries reading it along: ksqlDB cannot drop a
    // source that queries still read.
    const triggers = [...props.select.sources.map((s) => s.replaceTrigger), sink.target?.replaceTrigger].filter(
      (t): t is string => t !== undefined,
    );
    this.resource = new ksqlQuery.KsqlQuery(this, 'Resource', {
      provider: cluster.provider,
      statement: this.statement,
      streamsProperties: props.properties ? { ...props.properties } : undefined,
      deletionProtection: this.isInsert ? undefined : (props.protect ?? cluster.protect),
      dependsOn,
      lifecycle: triggers.length > 0 ? { replaceTriggeredBy: [...new Set(triggers)] } : undefined,
    });
  }

  get dependable(): ITerraformDependable {
    return this.resource;
  }

  get replaceTrigger(): string | undefined {
    return this.isInsert ? undefined : instanceTrigger(this.resource);
  }

  /** Output columns, derived from the query and the columns of its sources. */
  get columns(): readonly SourceColumnInfo[] | undefined {
    if (!this.parsed || this.isInsert) return undefined;
    const cols = outputColumns(this.parsed, resolverFor(this.node.root));
    if (cols.some((c) => c.name === '*')) return undefined;
    return cols.map((c) => ({ name: c.name, type: c.type, key: c.key }));
  }

  private validateAgainstApp(): string[] {
    if (!this.parsed) return [];
    const errors: string[] = [];
    const known = sourcesByName(this.node.root);
    for (const name of sourcesRead(this.parsed)) {
      if (!known.has(name)) {
        errors.push(
          `${this.node.path}: select reads ${name}, got a name no stream or table of the app has; declare it (KsqlStream/KsqlTable/KsqlQuery) or, if it exists outside this app, KsqlStream.fromName(this, '${name}', '${name}')`,
        );
      }
    }
    // ksqlDB's column and key rules (the local engine applies the same, src/core/ksql/keys.ts)
    for (const problem of queryProblems(this.parsed, resolverFor(this.node.root))) {
      errors.push(`${this.node.path}: ksqlDB refuses the query, got: ${problem.replace(/\n/g, ' ')}`);
    }
    for (const j of joins(this.parsed, resolverFor(this.node.root))) {
      const left = known.get(j.left[0].name);
      const right = known.get(j.right.name);
      if (left?.partitions !== undefined && right?.partitions !== undefined && left.partitions !== right.partitions) {
        errors.push(
          `${this.node.path}: join inputs ${left.sourceName} (${left.partitions} partitions) and ${right.sourceName} (${right.partitions} partitions) are not co-partitioned, got ${left.partitions} vs ${right.partitions}; give both topics the same partition count, or repartition one side first (PARTITION BY into a topic with ${right.partitions} partitions)`,
        );
      }
      const keys = j.keys;
      if (keys?.left.column && keys.right.column && keys.left.source && keys.right.source) {
        const lt = known.get(keys.left.source)?.columns?.find((c) => c.name === keys.left.column)?.type;
        const rt = known.get(keys.right.source)?.columns?.find((c) => c.name === keys.right.column)?.type;
        if (lt && rt && lt !== 'unknown' && rt !== 'unknown' && lt !== rt) {
          errors.push(
            `${this.node.path}: join keys ${keys.left.source}.${keys.left.column} and ${keys.right.source}.${keys.right.column} have different types, got ${lt} vs ${rt}; CAST one side so both keys have the same type`,
          );
        }
      }
    }
    return errors;
  }
}

/** Every ksqlDB source construct under `root`, by name. */
export function sourcesByName(root: IConstruct): Map<string, IKsqlSource> {
  const out = new Map<string, IKsqlSource>();
  for (const c of root.node.findAll()) if (isKsqlSource(c)) out.set(c.sourceName, c);
  return out;
}

function resolverFor(root: IConstruct) {
  return (name: string) => {
    const s = sourcesByName(root).get(name);
    return s?.columns?.map((c) => ({ name: c.name, type: c.type, key: c.key }));
  };
}
