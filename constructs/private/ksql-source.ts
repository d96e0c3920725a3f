/** What KsqlStream and KsqlTable share, and how the library recognizes ksqlDB sources. */
import { ITerraformDependable, TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';
import { StreamformCluster } from '../cluster';
import type { IKsqlSource, KsqlSourceProps, SourceColumnInfo } from '../ksql/source';
import { Column, KsqlFormat, KsqlType } from '../ksql/types';
import { checkName, checkParses, ident, ksqlName, ksqlNameFromId, stringLiteral } from './ksql-names';
import { Validator } from './validator';

/** Marks constructs that are ksqlDB sources (for whole-app checks and lineage). */
const KSQL_SOURCE = Symbol.for('streamform.ksql-source');

/**
 * The ksqlDB sources of each app (by its root), in the order they were constructed: whole-app
 * checks look sources up by name for every query, and walking the whole app for each made
 * synthesis quadratic in the app's size.
 */
const SOURCES = new WeakMap<IConstruct, IKsqlSource[]>();

/** Marks `c` as a ksqlDB source that whole-app checks find by its name. */
export function markKsqlSource(c: IKsqlSource): void {
  Object.defineProperty(c, KSQL_SOURCE, { value: true, enumerable: false });
  const root = c.node.root;
  const list = SOURCES.get(root);
  if (list) list.push(c);
  else SOURCES.set(root, [c]);
}

/** `c` is still in its tree (no ancestor removed it with `tryRemoveChild`). */
function attached(c: IConstruct): boolean {
  for (let node = c; node.node.scope; node = node.node.scope) {
    if (node.node.scope.node.tryFindChild(node.node.id) !== node) return false;
  }
  return true;
}

/** The nearest TerraformStack above `c`, if any. */
function stackOf(c: IConstruct): IConstruct | undefined {
  for (let node: IConstruct | undefined = c; node; node = node.node.scope) if (TerraformStack.isStack(node)) return node;
  return undefined;
}

/**
 * Every ksqlDB source of the app of `scope`, by name. A name declared in several stacks (one per
 * environment) resolves to the source in `scope`'s own stack, else to the last one declared.
 */
export function ksqlSourcesByName(scope: IConstruct): ReadonlyMap<string, IKsqlSource> {
  const stack = stackOf(scope);
  const key = stack ?? scope.node.root;
  const version = ksqlSourcesVersion(scope);
  const cached = BY_NAME.get(key);
  if (cached && cached.version === version) return cached.byName;
  const byName = new Map<string, IKsqlSource>();
  const sources = (SOURCES.get(scope.node.root) ?? []).filter(attached);
  for (const s of sources) byName.set(s.sourceName, s);
  if (stack) for (const s of sources) if (stackOf(s) === stack) byName.set(s.sourceName, s);
  BY_NAME.set(key, { version, byName });
  return byName;
}

/** The last lookup of each stack (or stackless app), valid while no source was added. */
const BY_NAME = new WeakMap<IConstruct, { version: number; byName: ReadonlyMap<string, IKsqlSource> }>();

/**
 * How many sources the app of `scope` has declared so far: what is derived from the app's
 * sources (a query's output columns) stays valid while this number does.
 */
export function ksqlSourcesVersion(scope: IConstruct): number {
  return SOURCES.get(scope.node.root)?.length ?? 0;
}

export function isKsqlSource(c: unknown): c is IKsqlSource {
  return typeof c === 'object' && c !== null && (c as Record<symbol, unknown>)[KSQL_SOURCE] === true;
}

/** `<type>.<name>.instance_id` of a streamform ksql resource. */
export function instanceTrigger(resource: { terraformResourceType: string; friendlyUniqueId: string }): string {
  return `${resource.terraformResourceType}.${resource.friendlyUniqueId}.instance_id`;
}

/** A stream or table declared over a topic, validated, before its resource is created. */
interface DeclaredSource {
  readonly sourceName: string;
  readonly columns: readonly SourceColumnInfo[];
  readonly statement: string;
}

/**
 * Validates the props of a KsqlStream or KsqlTable (every problem at once) and builds its
 * CREATE STREAM/TABLE statement.
 */
export function declareSource(scope: IConstruct, id: string, props: KsqlSourceProps, kind: 'STREAM' | 'TABLE'): DeclaredSource {
  const v = new Validator(scope);
  const name = ksqlName(props.name ?? ksqlNameFromId(id));
  checkName(v, 'name', name);
  let columns = props.columns ? [...props.columns] : undefined;
  if (!columns && props.valueSchema) {
    const derived = props.valueSchema.format ? columnsFromAvro(props.valueSchema.format.document) : undefined;
    if (derived) columns = derived;
    else
      v.add(
        'valueSchema',
        props.valueSchema.subject,
        props.valueSchema.format
          ? 'is not an Avro record schema, so columns cannot be derived from it'
          : 'has no known format, so columns cannot be derived from it',
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
  const timestampColumn = props.timestampColumn === undefined ? undefined : ksqlName(props.timestampColumn);
  if (timestampColumn) {
    v.check(
      (columns ?? []).some((c) => c.name === timestampColumn),
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
    ...(timestampColumn ? [`TIMESTAMP=${stringLiteral(timestampColumn)}`] : []),
  ];
  const statement = `CREATE ${kind} ${ident(name)} (${(columns ?? []).map((c) => c.render()).join(', ')}) WITH (${with_.join(', ')});`;
  checkParses(v, statement);
  v.throwIfAny();
  return {
    sourceName: name,
    columns: (columns ?? []).map((c) => ({ name: c.name, type: KsqlType.of(c.type.text).text, key: c.isKey })),
    statement,
  };
}

/** The configuration of the resource of a KsqlStream or KsqlTable. */
export function sourceResourceConfig(scope: IConstruct, props: KsqlSourceProps, statement: string) {
  const cluster = StreamformCluster.of(scope);
  return {
    provider: cluster.provider,
    statement,
    deleteTopic: props.deleteTopicOnDestroy,
    deletionProtection: props.protect ?? cluster.protect,
    dependsOn: [props.topic.dependable, props.valueSchema?.dependable].filter((d): d is ITerraformDependable => d !== undefined),
  };
}

/** ksqlDB columns for an Avro record schema (value columns; ksqlDB upper-cases field names). */
function columnsFromAvro(doc: unknown): Column[] | undefined {
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
