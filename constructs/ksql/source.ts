import { ITerraformDependable } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { ksqlStream, ksqlTable } from '../../src/gen/providers/streamform';
import { declareSource, instanceTrigger, markKsqlSource, sourceResourceConfig } from '../private/ksql-source';
import { ISchema } from '../schema';
import { ITopic } from '../topic';
import { Column, KsqlFormat } from './types';

/** A column of a stream or table as the synth-time checks see it. */
export interface SourceColumnInfo {
  /** The column name as ksqlDB reads it, e.g. `USER_ID`. */
  readonly name: string;
  /** Its type in ksqlDB syntax, e.g. `BIGINT`, or `unknown` when it cannot be derived. */
  readonly type: string;
  /** True for KEY and PRIMARY KEY columns. */
  readonly key: boolean;
}

/** A ksqlDB stream or table that queries can read: declared here or existing outside the app. */
export interface IKsqlSource extends IConstruct {
  /** Its name in ksqlDB, e.g. `RATINGS_LIVE`. */
  readonly sourceName: string;
  /** Whether it is a stream or a table. */
  readonly kind: 'STREAM' | 'TABLE';
  /** Columns when known at synth (key columns flagged). */
  readonly columns?: readonly SourceColumnInfo[];
  /** Partitions of the underlying topic when known at synth. */
  readonly partitions?: number;
  /** The topic behind it, when known. */
  readonly topic?: ITopic;
  /** What creating it depends on; undefined for sources outside the app. */
  readonly dependable?: ITerraformDependable;
  /**
   * Terraform address of an attribute that changes when the source is created anew; queries
   * reading the source are re-created with it (`replace_triggered_by`).
   */
  readonly replaceTrigger?: string;
  /** True when it is not managed by this app. */
  readonly external: boolean;
}

/** Properties of a KsqlStream or a KsqlTable. */
export interface KsqlSourceProps {
  /** Its name in ksqlDB. @default - the construct id in upper snake case (`RatingsLive` -> `RATINGS_LIVE`) */
  readonly name?: string;
  /** The topic it reads. */
  readonly topic: ITopic;
  /**
   * Columns, key columns included.
   * @default - derived from `valueSchema` (Avro) when given; required otherwise
   */
  readonly columns?: readonly Column[];
  /** An Avro value schema to derive the value columns from (and to create after). @default - none */
  readonly valueSchema?: ISchema;
  /** How the topic's message values are serialized. */
  readonly valueFormat: KsqlFormat;
  /** How the topic's message keys are serialized. @default KsqlFormat.KAFKA */
  readonly keyFormat?: KsqlFormat;
  /** Column holding the event time. @default - the Kafka record timestamp */
  readonly timestampColumn?: string;
  /** On destroy, also delete the topic (only for topics not managed as Topic constructs). @default false */
  readonly deleteTopicOnDestroy?: boolean;
  /** Refuse to drop the stream or table. @default - the cluster's `protect` */
  readonly protect?: boolean;
}

/**
 * A ksqlDB stream over a topic (`streamform_ksql_stream`).
 *
 * @example
 * const ratings = new KsqlStream(this, 'Ratings', { topic, valueFormat: KsqlFormat.AVRO, valueSchema: ratingsSchema });
 */
export class KsqlStream extends Construct implements IKsqlSource {
  /** A stream that exists in ksqlDB but is not declared in this app. */
  static fromName(scope: Construct, id: string, name: string, options: ExternalSourceOptions = {}): IKsqlSource {
    return new ExternalKsqlSource(scope, id, name, 'STREAM', options);
  }

  /** The `streamform_ksql_stream` resource. */
  readonly resource: ksqlStream.KsqlStream;
  /** Always `STREAM`. */
  readonly kind = 'STREAM' as const;
  /** Its name in ksqlDB. */
  readonly sourceName: string;
  /** Its columns, key columns flagged. */
  readonly columns: readonly SourceColumnInfo[];
  /** Partitions of its topic, when known at synth. */
  readonly partitions?: number;
  /** The topic it reads. */
  readonly topic: ITopic;
  /** Declared by this app. */
  readonly external = false;
  /** The statement applied. */
  readonly statement: string;

  constructor(scope: Construct, id: string, props: KsqlSourceProps) {
    super(scope, id);
    const declared = declareSource(this, id, props, 'STREAM');
    this.sourceName = declared.sourceName;
    this.columns = declared.columns;
    this.statement = declared.statement;
    this.partitions = props.topic.partitions;
    this.topic = props.topic;
    markKsqlSource(this);
    this.resource = new ksqlStream.KsqlStream(this, 'Resource', sourceResourceConfig(this, props, this.statement));
  }

  /** The resource: queries reading it are created after it. */
  get dependable(): ITerraformDependable {
    return this.resource;
  }

  /** The resource's `instance_id`: queries reading it are re-created when it is. */
  get replaceTrigger(): string {
    return instanceTrigger(this.resource);
  }
}

/** A ksqlDB table over a topic (`streamform_ksql_table`). */
export class KsqlTable extends Construct implements IKsqlSource {
  /** A table that exists in ksqlDB but is not declared in this app. */
  static fromName(scope: Construct, id: string, name: string, options: ExternalSourceOptions = {}): IKsqlSource {
    return new ExternalKsqlSource(scope, id, name, 'TABLE', options);
  }

  /** The `streamform_ksql_table` resource. */
  readonly resource: ksqlTable.KsqlTable;
  /** Always `TABLE`. */
  readonly kind = 'TABLE' as const;
  /** Its name in ksqlDB. */
  readonly sourceName: string;
  /** Its columns, key columns flagged. */
  readonly columns: readonly SourceColumnInfo[];
  /** Partitions of its topic, when known at synth. */
  readonly partitions?: number;
  /** The topic it reads. */
  readonly topic: ITopic;
  /** Declared by this app. */
  readonly external = false;
  /** The statement applied. */
  readonly statement: string;

  constructor(scope: Construct, id: string, props: KsqlSourceProps) {
    super(scope, id);
    const declared = declareSource(this, id, props, 'TABLE');
    this.sourceName = declared.sourceName;
    this.columns = declared.columns;
    this.statement = declared.statement;
    this.partitions = props.topic.partitions;
    this.topic = props.topic;
    markKsqlSource(this);
    this.resource = new ksqlTable.KsqlTable(this, 'Resource', sourceResourceConfig(this, props, this.statement));
  }

  /** The resource: queries reading it are created after it. */
  get dependable(): ITerraformDependable {
    return this.resource;
  }

  /** The resource's `instance_id`: queries reading it are re-created when it is. */
  get replaceTrigger(): string {
    return instanceTrigger(this.resource);
  }
}

/** What this app knows about a stream or table that exists outside it (see `KsqlStream.fromName`). */
export interface ExternalSourceOptions {
  /** Its columns, for the checks of the queries that read it (and DataQuality, RedactedStream). @default - unknown */
  readonly columns?: readonly SourceColumnInfo[];
  /** Partitions of its topic, for the co-partitioning checks of joins. @default - unknown */
  readonly partitions?: number;
}

class ExternalKsqlSource extends Construct implements IKsqlSource {
  readonly external = true;
  readonly dependable = undefined;
  readonly replaceTrigger = undefined;
  readonly columns?: readonly SourceColumnInfo[];
  readonly partitions?: number;
  constructor(
    scope: Construct,
    id: string,
    readonly sourceName: string,
    readonly kind: 'STREAM' | 'TABLE',
    options: ExternalSourceOptions,
  ) {
    super(scope, id);
    this.columns = options.columns;
    this.partitions = options.partitions;
    markKsqlSource(this);
  }
}
