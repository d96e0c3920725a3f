import { ITerraformDependable } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { ksqlStream, ksqlTable } from '../../src/gen/providers/streamform';
import { isReservedWord, KsqlSyntaxError, parseStatement } from '../../src/core/ksql';
import { StreamformCluster } from '../cluster';
import { ISchema } from '../schema';
import { ITopic } from '../topic';
import { Validator } from '../validation';
import { Column, ident, KsqlFormat, KsqlType, ksqlNameFromId, stringLiteral } from './types';

/** A column as the analyzers see it. */
export interface SourceColumnInfo {
  readonly name: string;
  readonly type: string;
  readonly key: boolean;
}

/** A ksqlDB stream or table that queries can read: declared here or existing outside the app. */
export interface IKsqlSource extends IConstruct {
  readonly sourceName: string;
  readonly kind: 'STREAM' | 'TABLE';
  /** Columns when known at synth (key columns flagged). */
  readonly columns?: readonly SourceColumnInfo[];
  /** Partitions of the underlying topic when known at synth. */
  readonly partitions?: number;
  /** The topic behind it, when known. */
  readonly topic?: ITopic;
  readonly dependable?: ITerraformDependable;
  /**
   * Terraform address of an attribute that changes when the source is created anew; queries
   * reading the source are re-created with it (`replace_triggered_by`).
   */
  readonly replaceTrigger?: string;
  readonly external: boolean;
}

/** `<type>.<name>.instance_id` of a streamform ksql resource. */
export function instanceTrigger(resource: { terraformResourceType: string; friendlyUniqueId: string }): string {
  return `${resource.terraformResourceType}.${resource.friendlyUniqueId}.instance_id`;
}

/** Marks constructs that are ksqlDB sources (for whole-app checks). */
export const KSQL_SOURCE = Symbol.for('streamform.ksql-source');

export function isKsqlSource(c: unknown): c is IKsqlSource {
  return typeof c === 'object' && c !== null && (c as Record<symbol, unknown>)[KSQL_SOURCE] === true;
}

export interface KsqlSourceProps {
  /** @default - the construct id in upper snake case (`RatingsLive` -> `RATINGS_LIVE`) */
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
  readonly valueFormat: KsqlFormat;
  /** @default KsqlFormat.KAFKA */
  readonly keyFormat?: KsqlFormat;
  /** Column holding the event time. @default - the Kafka record timestamp */
  readonly timestampColumn?: string;
  /** On destroy, also delete the topic (only for topics not managed as Topic constructs). @default false */
  readonly deleteTopicOnDestroy?: boolean;
  /** @default - the cluster's `protect` */
  readonly protect?: boolean;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

abstract class KsqlSourceBase extends Construct implements IKsqlSource {
  readonly [KSQL_SOURCE] = true;
  abstract readonly kind: 'STREAM' | 'TABLE';
  readonly sourceName: string;
  readonly columns: readonly SourceColumnInfo[];
  readonly partitions?: number;
  readonly topic: ITopic;
  readonly external = false;
  /** The statement this construct applies. */
  readonly statement: string;
  abstract readonly dependable: ITerraformDependable;

  protected constructor(scope: Construct, id: string, props: KsqlSourceProps, kind: 'STREAM' | 'TABLE') {
    super(scope, id);
    const v = new Validator(this);
    const name = props.name ?? ksqlNameFromId(id);
    checkName(v, 'name', name);
    let columns = props.columns ? [...props.columns] : undefined;
    if (!columns && props.valueSchema) {
      const derived = columnsFromAvro(props.valueSchema.format.document);
      if (derived) columns = derived;
      else
        v.add(
          'valueSchema',
          props.valueSchema.subject,
          'is not an Avro record schema, so columns cannot be derived from it',
          'list the columns',
        );
    }
    v.check(
      columns !== undefined && columns.length > 0,
      'columns',
      columns,
      'are required',
      'list the columns, or give an Avro valueSchema to derive them from',
    );
    const keyRole = kind === 'TABLE' ? 'primaryKey' : 'key';
    for (const c of columns ?? []) {
      checkName(v, `columns.${c.name}`, c.name);
      if (c.isKey && c.role !== keyRole) {
        v.add(
          `columns.${c.name}`,
          c.role,
          `is a ${c.role === 'key' ? 'KEY' : 'PRIMARY KEY'} column in a ${kind.toLowerCase()}`,
          kind === 'TABLE' ? 'use Column.primaryKey(...) for tables' : 'use Column.key(...) for streams',
        );
      }
    }
    if (kind === 'TABLE') {
      v.check(
        (columns ?? []).some((c) => c.role === 'primaryKey'),
        'columns',
        (columns ?? []).map((c) => c.name),
        'have no PRIMARY KEY column',
        'tables need one: add Column.primaryKey(...)',
      );
    }
    if (props.timestampColumn) {
      v.check(
        (columns ?? []).some((c) => c.name === props.timestampColumn),
        'timestampColumn',
        props.timestampColumn,
        'is not one of the columns',
        'name one of the columns',
      );
    }
    const with_ = [
      `KAFKA_TOPIC=${stringLiteral(props.topic.topicName)}`,
      `KEY_FORMAT=${stringLiteral((props.keyFormat ?? KsqlFormat.KAFKA).name)}`,
      `VALUE_FORMAT=${stringLiteral(props.valueFormat.name)}`,
      ...(props.timestampColumn ? [`TIMESTAMP=${stringLiteral(props.timestampColumn)}`] : []),
    ];
    const statement = `CREATE ${kind} ${ident(name)} (${(columns ?? []).map((c) => c.render()).join(', ')}) WITH (${with_.join(', ')});`;
    checkParses(v, statement);
    v.throwIfAny();
    this.sourceName = name;
    this.columns = (columns ?? []).map((c) => ({ name: c.name, type: KsqlType.of(c.type.text).text, key: c.isKey }));
    this.partitions = props.topic.partitions;
    this.topic = props.topic;
    this.statement = statement;
  }

  protected resourceConfig(props: KsqlSourceProps) {
    const cluster = StreamformCluster.of(this);
    return {
      provider: cluster.provider,
      statement: this.statement,
      deleteTopic: props.deleteTopicOnDestroy,
      deletionProtection: props.protect ?? cluster.protect,
      dependsOn: [props.topic.dependable, props.valueSchema?.dependable].filter((d): d is ITerraformDependable => d !== undefined),
    };
  }
}

/**
 * A ksqlDB stream over a topic (`streamform_ksql_stream`).
 *
 * @example
 * const ratings = new KsqlStream(this, 'Ratings', { topic, valueFormat: KsqlFormat.AVRO, valueSchema: ratingsSchema });
 */
export class KsqlStream extends KsqlSourceBase {
  /** A stream that exists in ksqlDB but is not declared in this app. */
  static fromName(scope: Construct, id: string, name: string, options: ExternalSourceOptions = {}): IKsqlSource {
    return new ExternalKsqlSource(scope, id, name, 'STREAM', options);
  }
  readonly kind = 'STREAM' as const;
  readonly resource: ksqlStream.KsqlStream;
  constructor(scope: Construct, id: string, props: KsqlSourceProps) {
    super(scope, id, props, 'STREAM');
    this.resource = new ksqlStream.KsqlStream(this, 'Resource', this.resourceConfig(props));
  }
  get dependable(): ITerraformDependable {
    return this.resource;
  }
  get replaceTrigger(): string {
    return instanceTrigger(this.resource);
  }
}

/** A ksqlDB table over a topic (`streamform_ksql_table`). */
export class KsqlTable extends KsqlSourceBase {
  /** A table that exists in ksqlDB but is not declared in this app. */
  static fromName(scope: Construct, id: string, name: string, options: ExternalSourceOptions = {}): IKsqlSource {
    return new ExternalKsqlSource(scope, id, name, 'TABLE', options);
  }
  readonly kind = 'TABLE' as const;
  readonly resource: ksqlTable.KsqlTable;
  constructor(scope: Construct, id: string, props: KsqlSourceProps) {
    super(scope, id, props, 'TABLE');
    this.resource = new ksqlTable.KsqlTable(this, 'Resource', this.resourceConfig(props));
  }
  get dependable(): ITerraformDependable {
    return this.resource;
  }
  get replaceTrigger(): string {
    return instanceTrigger(this.resource);
  }
}

export interface ExternalSourceOptions {
  readonly columns?: readonly SourceColumnInfo[];
  readonly partitions?: number;
}

class ExternalKsqlSource extends Construct implements IKsqlSource {
  readonly [KSQL_SOURCE] = true;
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
  }
}

export function checkName(v: Validator, field: string, name: string): void {
  v.check(
    NAME.test(name),
    field,
    name,
    'must start with a letter or _ and use only letters, digits and _',
    `rename it, e.g. "${ksqlNameFromId(name) || 'MY_STREAM'}"`,
  );
  if (NAME.test(name)) {
    v.check(!isReservedWord(name), field, name, 'is a reserved word in ksqlDB', `choose another name, e.g. "${name.toUpperCase()}_1"`);
  }
}

export function checkParses(v: Validator, statement: string): void {
  try {
    parseStatement(statement);
  } catch (err) {
    if (err instanceof KsqlSyntaxError)
      v.add('statement', statement, `does not parse: ${err.message}`, 'fix the ksqlDB syntax at that position');
    else throw err;
  }
}

/** ksqlDB columns for an Avro record schema (value columns; ksqlDB upper-cases field names). */
export function columnsFromAvro(doc: unknown): Column[] | undefined {
  if (typeof doc !== 'object' || doc === null || (doc as { type?: unknown }).type !== 'record') return undefined;
  const fields = (doc as { fields?: { name: string; type: unknown }[] }).fields;
  if (!Array.isArray(fields)) return undefined;
  return fields.map((f) => Column.value(f.name.toUpperCase(), avroType(f.type)));
}

function avroType(t: unknown): KsqlType {
  if (Array.isArray(t)) {
    const nonNull = t.filter((x) => x !== 'null');
    return nonNull.length === 1 ? avroType(nonNull[0]) : KsqlType.string();
  }
  if (typeof t === 'string') {
    switch (t) {
      case 'string':
        return KsqlType.string();
      case 'int':
        return KsqlType.int();
      case 'long':
        return KsqlType.bigint();
      case 'float':
      case 'double':
        return KsqlType.double();
      case 'boolean':
        return KsqlType.boolean();
      case 'bytes':
        return KsqlType.bytes();
      default:
        return KsqlType.string();
    }
  }
  const o = (t ?? {}) as {
    type?: unknown;
    logicalType?: string;
    items?: unknown;
    values?: unknown;
    fields?: { name: string; type: unknown }[];
    precision?: number;
    scale?: number;
  };
  if (o.logicalType === 'timestamp-millis') return KsqlType.timestamp();
  if (o.logicalType === 'date') return KsqlType.date();
  if (o.logicalType === 'decimal') return KsqlType.decimal(o.precision ?? 10, o.scale ?? 0);
  if (o.type === 'array') return KsqlType.array(avroType(o.items));
  if (o.type === 'map') return KsqlType.map(KsqlType.string(), avroType(o.values));
  if (o.type === 'record')
    return KsqlType.struct(Object.fromEntries((o.fields ?? []).map((f) => [f.name.toUpperCase(), avroType(f.type)])));
  return avroType(o.type);
}
