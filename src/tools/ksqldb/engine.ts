/**
 * Statement semantics of the stand-in: ksqlDB's prepare step (AST checks, sanitizer), the
 * injectors (default formats, topic creation/deletion, schema planning), planning (CreateSourceFactory,
 * EngineExecutor#plan, QueryIdUtil, DropSourceFactory, ValidatedCommandFactory) and execution
 * (DdlCommandExec, QueryRegistry). The same functions run against a sandbox while a request is
 * validated and against the live catalog when the command runner executes a command.
 */
import { ParsedStatement, Props, PropValue, Query, SourceType, Statement, TableElement } from './ast';
import { analyzeQuery, formatsString, locPrefix, PrepareFailure, QueryAnalysis, Sanitized, sanitizeQuery } from './analyzer';
import {
  Catalog,
  Column,
  columnToString,
  DataSource,
  Formats,
  keyColumns,
  ksqlTopicToString,
  PersistentQuery,
  PlanStep,
  schemaToString,
  valueColumns,
  WindowInfo,
} from './catalog';
import { KsqlException, ServerError, StandInUnsupported, StatementError } from './errors';
import { formatCreateAs, formatCreateSource, formatDrop, PropLiteral } from './formatter';
import { DeferredPrepareError } from './parser';
import { formatType } from './sql-types';
import { TopicClient } from './topics';

export interface EngineConfig {
  readonly serviceId: string;
  readonly outputTopicPrefix: string;
  readonly defaultKeyFormat: string;
}

/** What a statement runs against: the live catalog, or a sandbox copy while validating. */
export interface Ctx {
  readonly catalog: Catalog;
  readonly topics: TopicClient;
  readonly config: EngineConfig;
  /** next number for generated query ids (SequentialQueryIdGenerator) */
  nextQueryId: number;
  /** request-level streamsProperties, stored as a query's overriddenProperties */
  readonly overrides: Readonly<Record<string, unknown>>;
}

export interface Prepared {
  readonly statement: Statement;
  /** the statement's text as sent (ksqlDB's masked statement text) */
  readonly text: string;
  readonly sanitized?: Sanitized;
  /** sanitized inner statement of EXPLAIN */
  readonly explained?: Prepared;
}

// ============================================================================ WITH properties

const COMMON_PROPS = [
  'KAFKA_TOPIC',
  'PARTITIONS',
  'REPLICAS',
  'RETENTION_MS',
  'CLEANUP_POLICY',
  'TIMESTAMP',
  'TIMESTAMP_FORMAT',
  'KEY_FORMAT',
  'VALUE_FORMAT',
  'FORMAT',
  'WRAP_SINGLE_VALUE',
  'VALUE_AVRO_SCHEMA_FULL_NAME',
  'KEY_SCHEMA_FULL_NAME',
  'VALUE_SCHEMA_FULL_NAME',
  'VALUE_DELIMITER',
  'KEY_DELIMITER',
  'KEY_SCHEMA_ID',
  'VALUE_SCHEMA_ID',
];
const CREATE_PROPS = new Set([...COMMON_PROPS, 'WINDOW_TYPE', 'WINDOW_SIZE', 'SOURCE_CONNECTOR', 'SOURCED_BY_CONNECTOR']);
const CREATE_AS_PROPS = new Set(COMMON_PROPS);
const INSERT_PROPS = new Set(['QUERY_ID']);
const INT_PROPS = new Set(['PARTITIONS', 'REPLICAS', 'KEY_SCHEMA_ID', 'VALUE_SCHEMA_ID']);
const LONG_PROPS = new Set(['RETENTION_MS']);

export const KNOWN_FORMATS = new Set(['JSON', 'JSON_SR', 'AVRO', 'PROTOBUF', 'PROTOBUF_NOSR', 'DELIMITED', 'KAFKA', 'NONE']);
/** formats backed by the Schema Registry (`SerdeFeature.SCHEMA_INFERENCE`) */
export const SR_FORMATS = new Set(['JSON_SR', 'AVRO', 'PROTOBUF']);

type PropMap = Map<string, PropLiteral>;

function propText(v: PropValue): string {
  switch (v.kind) {
    case 'string':
    case 'number':
      return v.value;
    case 'bool':
      return String(v.value);
    case 'null':
      return 'null';
  }
}

/** CreateSourceProperties / CreateSourceAsProperties / InsertIntoProperties validation. */
function validateProps(props: Props, allowed: Set<string>, requireTopic: boolean): PropMap {
  const unknown = [...new Set(props.map((p) => p.key))].filter((k) => !allowed.has(k));
  if (unknown.length) throw new KsqlException(`Invalid config variable(s) in the WITH clause: ${unknown.join(',')}`);
  const map: PropMap = new Map();
  for (const p of props) {
    if (p.value.kind === 'null') continue;
    if (INT_PROPS.has(p.key) || LONG_PROPS.has(p.key)) {
      if (p.value.kind !== 'number' || !/^-?\d+$/.test(p.value.value)) {
        throw new KsqlException(
          `Invalid value ${propText(p.value)} for property ${p.key}: Not a number of type ${INT_PROPS.has(p.key) ? 'INT' : 'LONG'}`,
        );
      }
      map.set(p.key, { kind: 'number', value: p.value.value });
    } else if (p.key === 'WRAP_SINGLE_VALUE') {
      map.set(p.key, p.value.kind === 'bool' ? p.value : { kind: 'bool', value: propText(p.value).toLowerCase() === 'true' });
    } else {
      map.set(p.key, { kind: 'string', value: propText(p.value) });
    }
  }
  if (requireTopic && !map.has('KAFKA_TOPIC')) {
    throw new KsqlException('Missing required property "KAFKA_TOPIC" which has no default value.');
  }
  const message = (other: string): string =>
    `Cannot supply both '${other}' and 'FORMAT' properties, as 'FORMAT' sets both key and value formats. Either use just 'FORMAT', or use 'KEY_FORMAT' and 'VALUE_FORMAT'.`;
  if (map.has('FORMAT')) {
    if (map.has('KEY_FORMAT')) throw new KsqlException(message('KEY_FORMAT'));
    if (map.has('VALUE_FORMAT')) throw new KsqlException(message('VALUE_FORMAT'));
  }
  if (map.has('VALUE_AVRO_SCHEMA_FULL_NAME') && map.has('VALUE_SCHEMA_FULL_NAME')) {
    throw new KsqlException(
      "Cannot supply both 'VALUE_AVRO_SCHEMA_FULL_NAME' and 'VALUE_SCHEMA_FULL_NAME' properties. Please only set 'VALUE_SCHEMA_FULL_NAME'.",
    );
  }
  return map;
}

const str = (m: PropMap, k: string): string | undefined => {
  const v = m.get(k);
  return v === undefined ? undefined : String(v.value);
};
const num = (m: PropMap, k: string): number | undefined => {
  const v = m.get(k);
  return v === undefined ? undefined : Number(v.value);
};

function keyFormatOf(m: PropMap): string | undefined {
  return (str(m, 'KEY_FORMAT') ?? str(m, 'FORMAT'))?.toUpperCase();
}
function valueFormatOf(m: PropMap): string | undefined {
  return (str(m, 'VALUE_FORMAT') ?? str(m, 'FORMAT'))?.toUpperCase();
}

// ============================================================================ prepare

function fromDeferred(d: DeferredPrepareError, text: string): StatementError {
  return new StatementError(d.prefixed ? `Failed to prepare statement: ${d.message}` : d.message, d.statementText ?? text);
}

const SYSTEM_COLUMNS = new Set(['ROWTIME', 'ROWPARTITION', 'ROWOFFSET', 'WINDOWSTART', 'WINDOWEND']);

/** ksqlDB's `KsqlEngine#prepare`: AST build checks plus the AstSanitizer. */
export function prepare(ctx: Ctx, parsed: ParsedStatement & { deferred?: DeferredPrepareError }): Prepared {
  const text = parsed.text;
  if (parsed.deferred) throw fromDeferred(parsed.deferred, text);
  if (/\$\{[A-Za-z_][A-Za-z0-9_@]*\}/.test(text)) {
    throw new StandInUnsupported('variable substitution (${...}) is not supported');
  }
  return prepareStatement(ctx, parsed.statement, text);
}

function prepareStatement(ctx: Ctx, statement: Statement, text: string): Prepared {
  const failPrepare = (e: unknown): never => {
    if (e instanceof KsqlException) throw new StatementError(`Failed to prepare statement: ${e.message}`, text);
    throw e;
  };
  const sanitize = (q: Query): Sanitized => {
    try {
      return sanitizeQuery(q, ctx.catalog);
    } catch (e) {
      if (e instanceof PrepareFailure) throw new StatementError(`Exception while preparing statement: ${e.message}`, text);
      throw e;
    }
  };
  switch (statement.kind) {
    case 'createSource': {
      const names = statement.elements?.map((e) => e.name.text) ?? [];
      const dups = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
      if (dups.length) failPrepare(new KsqlException(`Duplicate column names: ${dups.map((d) => '`' + d + '`').join(', ')}`));
      try {
        validateProps(statement.props, CREATE_PROPS, true);
      } catch (e) {
        failPrepare(e);
      }
      checkKeyConstraints(statement.type, statement.elements ?? []);
      return { statement, text };
    }
    case 'createAs':
      try {
        validateProps(statement.props, CREATE_AS_PROPS, false);
      } catch (e) {
        failPrepare(e);
      }
      return { statement, text, sanitized: sanitize(statement.query) };
    case 'insertInto': {
      try {
        validateProps(statement.props, INSERT_PROPS, false);
      } catch (e) {
        failPrepare(e);
      }
      const sanitized = sanitize(statement.query);
      const target = ctx.catalog.getSource(statement.target.text);
      const exception = (msg: string): never => {
        throw new StatementError(`Exception while preparing statement: ${msg}`, text);
      };
      if (!target) exception(`${locPrefix(statement.target.loc)}Source \`${statement.target.text}\` does not exist.`);
      else if (target.type !== 'STREAM') {
        exception(`INSERT INTO can only be used to insert into a stream. ${target.name} is a table.`);
      } else if (target.columns.some((c) => c.ns === 'HEADERS')) {
        exception(`Cannot insert into ${target.name} because it has header columns`);
      }
      return { statement, text, sanitized };
    }
    case 'query':
      return { statement, text, sanitized: sanitize(statement.query) };
    case 'explain':
      if (statement.statement) {
        return { statement, text, explained: prepareStatement(ctx, statement.statement, text) };
      }
      return { statement, text };
    default:
      return { statement, text };
  }
}

/** CreateStream / CreateTable constructors: KEY vs PRIMARY KEY. */
function checkKeyConstraints(type: SourceType, elements: readonly TableElement[]): void {
  const wrong = elements.find((e) => (type === 'STREAM' ? e.constraint === 'PRIMARY KEY' : e.constraint === 'KEY'));
  if (!wrong) return;
  const used = type === 'STREAM' ? "'PRIMARY KEY'" : "'KEY'";
  const use = type === 'STREAM' ? "'KEY' for streams" : "'PRIMARY KEY' for tables";
  throw new StatementError(
    `${locPrefix(wrong.loc)}Column \`${wrong.name.text}\` is a ${used} column: please use ${use}.\n` +
      'Tables have PRIMARY KEYs, which are unique and NON NULL.\nStreams have KEYs, which have no uniqueness or NON NULL constraints.',
    '`' + wrong.name.text + '`',
  );
}

// ============================================================================ injection

/** A statement after the injector chain, with the topics it created (to revert on failure). */
export interface Injected {
  readonly prepared: Prepared;
  /** masked text after injection (re-formatted for CREATE statements) */
  readonly text: string;
  /** final WITH properties (CREATE / CREATE AS) */
  readonly props?: PropMap;
  readonly createdTopics: string[];
  /** DROP ... DELETE TOPIC was applied (the DROP itself runs without it) */
  readonly topicDeleted?: boolean;
}

const CLEANUP_POLICY_PRESENT =
  'Invalid config variable in the WITH clause: CLEANUP_POLICY.\n' +
  'The CLEANUP_POLICY config is automatically inferred based on the type of source (STREAM or TABLE).\n' +
  "Users can't set the CLEANUP_POLICY config manually.";

export async function inject(ctx: Ctx, p: Prepared): Promise<Injected> {
  const s = p.statement;
  switch (s.kind) {
    case 'createSource':
      return injectCreateSource(ctx, p, s);
    case 'createAs':
      return injectCreateAs(ctx, p, s);
    case 'drop':
      return injectDrop(ctx, p, s);
    default:
      return { prepared: p, text: p.text, createdTopics: [] };
  }
}

async function injectCreateSource(ctx: Ctx, p: Prepared, s: Extract<Statement, { kind: 'createSource' }>): Promise<Injected> {
  const props = validateProps(s.props, CREATE_PROPS, true);
  // DefaultFormatInjector
  const keyFormat = keyFormatOf(props);
  const valueFormat = valueFormatOf(props);
  if (!keyFormat || !valueFormat) {
    if (!valueFormat) {
      throw new StatementError(
        "Statement is missing the 'VALUE_FORMAT' property from the WITH clause. Either provide one or set a default via the 'ksql.persistence.default.format.value' config.",
        p.text,
      );
    }
    props.delete('FORMAT');
    props.set('KEY_FORMAT', { kind: 'string', value: keyFormat ?? ctx.config.defaultKeyFormat });
    props.set('VALUE_FORMAT', { kind: 'string', value: valueFormat });
  }
  // DefaultSchemaInjector: columns would be read from the Schema Registry
  const elements = s.elements ?? [];
  const hasKey = elements.some((e) => e.constraint === 'KEY' || e.constraint === 'PRIMARY KEY');
  const hasValue = elements.some((e) => e.constraint === undefined);
  const kf = keyFormatOf(props)!;
  const vf = valueFormatOf(props)!;
  if (props.has('KEY_SCHEMA_ID') || props.has('VALUE_SCHEMA_ID')) {
    throw new StandInUnsupported('KEY_SCHEMA_ID / VALUE_SCHEMA_ID need the Schema Registry, which the stand-in does not have');
  }
  if ((!hasValue && SR_FORMATS.has(vf)) || (!hasKey && SR_FORMATS.has(kf))) {
    throw new StandInUnsupported('column inference from the Schema Registry is not supported; list the columns');
  }
  // TopicCreateInjector
  if (props.has('CLEANUP_POLICY')) throw new KsqlException(CLEANUP_POLICY_PRESENT);
  const cleanup = s.type === 'TABLE' ? 'compact' : 'delete';
  const topic = str(props, 'KAFKA_TOPIC')!;
  const existing = await ctx.topics.describe(topic);
  if (!existing && !props.has('PARTITIONS')) {
    const example = new Map(props);
    example.set('PARTITIONS', { kind: 'number', value: '2' });
    throw new KsqlException(
      `Topic '${topic}' does not exist. If you want to create a new topic for the stream/table please re-run the statement providing the required 'PARTITIONS' configuration in the WITH clause (and optionally 'REPLICAS'). For example: ` +
        formatCreateSource({ ...s, name: s.name.text, props: example }),
    );
  }
  if (cleanup === 'compact' && props.has('RETENTION_MS')) {
    throw new KsqlException('Invalid config variable in the WITH clause: RETENTION_MS. Non-windowed tables do not support retention.');
  }
  const partitions = num(props, 'PARTITIONS') ?? existing!.partitions;
  const replicas = num(props, 'REPLICAS') ?? existing?.replicas ?? -1;
  const retention = num(props, 'RETENTION_MS') ?? existing?.retentionMs ?? 604800000;
  const config: Record<string, string> = { 'cleanup.policy': cleanup };
  if (cleanup !== 'compact') config['retention.ms'] = String(retention);
  const created = await ctx.topics.create(topic, partitions, replicas, config);
  props.set('CLEANUP_POLICY', { kind: 'string', value: cleanup });
  const text = formatCreateSource({ ...s, name: s.name.text, props });
  return { prepared: p, text, props, createdTopics: created ? [topic] : [] };
}

async function injectCreateAs(ctx: Ctx, p: Prepared, s: Extract<Statement, { kind: 'createAs' }>): Promise<Injected> {
  const props = validateProps(s.props, CREATE_AS_PROPS, false);
  if (props.has('KEY_SCHEMA_ID') || props.has('VALUE_SCHEMA_ID')) {
    throw new StandInUnsupported('KEY_SCHEMA_ID / VALUE_SCHEMA_ID need the Schema Registry, which the stand-in does not have');
  }
  if (props.has('CLEANUP_POLICY')) throw new KsqlException(CLEANUP_POLICY_PRESENT);
  const primary = p.sanitized!.sources[0].source;
  const src = await ctx.topics.describe(primary.topic);
  const windowed = s.type === 'TABLE' && s.query.window !== undefined;
  const cleanup = s.type === 'STREAM' ? 'delete' : windowed ? 'compact,delete' : 'compact';
  if (cleanup === 'compact' && props.has('RETENTION_MS')) {
    throw new KsqlException('Invalid config variable in the WITH clause: RETENTION_MS. Non-windowed tables do not support retention.');
  }
  const topic = str(props, 'KAFKA_TOPIC') ?? ctx.config.outputTopicPrefix + s.name.text;
  const partitions = num(props, 'PARTITIONS') ?? src?.partitions;
  if (partitions === undefined) throw new KsqlException(`Cannot determine partitions for creating topic ${topic}`);
  const replicas = num(props, 'REPLICAS') ?? src?.replicas ?? -1;
  let retention = num(props, 'RETENTION_MS') ?? src?.retentionMs ?? 604800000;
  const windowRetention = s.query.window?.retention;
  if (windowed && windowRetention) {
    const ms = durationToMs(windowRetention);
    retention = Math.max(retention, ms);
  }
  const config: Record<string, string> = { 'cleanup.policy': cleanup };
  if (cleanup !== 'compact') config['retention.ms'] = String(retention);
  const created = await ctx.topics.create(topic, partitions, replicas, config);
  const injected: PropMap = new Map(props);
  injected.set('KAFKA_TOPIC', { kind: 'string', value: topic });
  injected.set('PARTITIONS', { kind: 'number', value: String(partitions) });
  injected.set('REPLICAS', { kind: 'number', value: String(replicas) });
  injected.set('RETENTION_MS', { kind: 'number', value: String(retention) });
  injected.set('CLEANUP_POLICY', { kind: 'string', value: cleanup });
  const text = formatCreateAs({ ...s, name: s.name.text, props: injected, query: p.sanitized!.query });
  const result: Injected = { prepared: p, text, props: injected, createdTopics: created ? [topic] : [] };
  // SchemaRegisterInjector: plans the statement in a sandbox to learn the output schema
  const sandbox: Ctx = { ...ctx, catalog: ctx.catalog.clone() };
  try {
    await plan(sandbox, result);
  } catch (e) {
    if (e instanceof StatementError) {
      throw new StatementError(`Could not determine output schema for query due to error: ${e.unloggedMessage()}`, text);
    }
    if (e instanceof KsqlException) {
      throw new StatementError(`Could not determine output schema for query due to error: ${e.message}`, text);
    }
    throw e;
  }
  return result;
}

const durationToMs = (d: { value: number; unit: string }): number => {
  const u = d.unit.replace(/S$/, '');
  const f: Record<string, number> = { MILLISECOND: 1, SECOND: 1000, MINUTE: 60000, HOUR: 3600000, DAY: 86400000 };
  return d.value * (f[u] ?? 1);
};

async function injectDrop(ctx: Ctx, p: Prepared, s: Extract<Statement, { kind: 'drop' }>): Promise<Injected> {
  if (!s.deleteTopic) return { prepared: p, text: p.text, createdTopics: [] };
  const source = ctx.catalog.getSource(s.name.text);
  if (source) {
    if (source.isSource) throw new KsqlException(`Cannot delete topic for read-only source: ${source.name}`);
    const others = ctx.catalog
      .allSources()
      .filter((o) => o.topic === source.topic && o.name !== source.name)
      .map((o) => o.name)
      .sort();
    if (others.length) {
      throw new ServerError(`Refusing to delete topic. Found other data sources (${others.join(', ')}) using topic ${source.topic}`);
    }
    await ctx.topics.delete([source.topic]);
    // The Schema Registry subjects <topic>-key / <topic>-value would be deleted here for
    // AVRO/PROTOBUF/JSON_SR; the stand-in never registered any, which ksqlDB treats as
    // "subject not found" and ignores.
  } else if (!s.ifExists) {
    throw new KsqlException(`Could not find source to delete topic for: ConfiguredStatement{statement=${p.text}}`);
  }
  const withoutDelete: Statement = { ...s, deleteTopic: false };
  return {
    prepared: { ...p, statement: withoutDelete },
    text: formatDrop(s.type, s.ifExists, s.name.text, false),
    createdTopics: [],
    topicDeleted: true,
  };
}

// ============================================================================ planning

export type Plan =
  | { readonly kind: 'createSource'; readonly source: DataSource; readonly orReplace: boolean; readonly text: string }
  | {
      readonly kind: 'createAs';
      readonly sink: DataSource;
      readonly query: PersistentQuery;
      readonly orReplace: boolean;
      readonly text: string;
    }
  | { readonly kind: 'insert'; readonly query: PersistentQuery; readonly text: string }
  | { readonly kind: 'drop'; readonly name: string; readonly text: string }
  | { readonly kind: 'terminate'; readonly queryId?: string; readonly text: string };

/** Runs `f`, turning plain KsqlExceptions into statement errors for `text` (EngineExecutor#plan). */
async function asStatementError<T>(text: string, f: () => Promise<T> | T): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof KsqlException) throw new StatementError(e.message, text);
    throw e;
  }
}

export async function plan(ctx: Ctx, inj: Injected): Promise<Plan> {
  const s = inj.prepared.statement;
  const text = inj.text;
  switch (s.kind) {
    case 'createSource':
      return asStatementError(text, () => planCreateSource(ctx, s, inj));
    case 'createAs':
      return asStatementError(text, () => planCreateAs(ctx, s, inj));
    case 'insertInto':
      return asStatementError(text, () => planInsert(ctx, s, inj));
    case 'drop':
      return asStatementError(text, () => planDrop(ctx, s, text));
    case 'terminate': {
      if (s.queryId !== undefined && !s.queryId.toLowerCase().includes('transient')) {
        const q = ctx.catalog.getQuery(s.queryId);
        if (!q) throw new StatementError(`Unknown queryId: ${s.queryId}`, text);
        if (q.type === 'CREATE_SOURCE') {
          throw new StatementError(`Cannot terminate query '${s.queryId}' because it is linked to a source table.`, text);
        }
      }
      return { kind: 'terminate', queryId: s.queryId, text };
    }
    default:
      throw new Error(`not an executable statement: ${s.kind}`);
  }
}

function buildFormats(keyFormat: string, valueFormat: string, props: PropMap): Formats {
  for (const f of [keyFormat, valueFormat]) {
    if (!KNOWN_FORMATS.has(f)) throw new KsqlException(`Unknown format: ${f}`);
  }
  const keyProps: Record<string, string> = {};
  const valueProps: Record<string, string> = {};
  const vd = str(props, 'VALUE_DELIMITER');
  const kd = str(props, 'KEY_DELIMITER');
  if (vd !== undefined) valueProps.delimiter = vd;
  if (kd !== undefined) keyProps.delimiter = kd;
  const fullName = str(props, 'VALUE_SCHEMA_FULL_NAME') ?? str(props, 'VALUE_AVRO_SCHEMA_FULL_NAME');
  if (fullName !== undefined) valueProps.fullSchemaName = fullName;
  const keyFullName = str(props, 'KEY_SCHEMA_FULL_NAME');
  if (keyFullName !== undefined) keyProps.fullSchemaName = keyFullName;
  return { keyFormat, valueFormat, keyProps, valueProps };
}

/** Serde checks of `CreateSourceFactory#validateSerdesCanHandleSchemas` for the simple formats. */
function validateSerdes(columns: readonly Column[], formats: Formats): void {
  const check = (target: 'Key' | 'Value', format: string, cols: Column[]): void => {
    let reason: string | undefined;
    if (format === 'KAFKA') {
      if (cols.length > 1) reason = `The 'KAFKA' format only supports a single field. Got: [${cols.map(simpleColumn).join(', ')}]`;
      else if (cols.length === 1 && !['INTEGER', 'BIGINT', 'DOUBLE', 'STRING', 'BYTES'].includes(cols[0].type.base)) {
        reason = `The 'KAFKA' format does not support type '${cols[0].type.base}'`;
      }
    } else if (format === 'NONE' && cols.length > 0) {
      reason = `The 'NONE' format can only be used when no columns are defined. Got: [${cols.map(simpleColumn).join(', ')}]`;
    } else if (format === 'DELIMITED') {
      const complex = cols.find((c) => ['ARRAY', 'MAP', 'STRUCT'].includes(c.type.base));
      if (complex) reason = `The 'DELIMITED' format does not support type '${complex.type.base}', column: \`${complex.name}\``;
    }
    if (reason) {
      throw new KsqlException(
        `${target} format does not support schema.\nformat: ${format}\nschema: Persistence{columns=[${cols.map(simpleColumn).join(', ')}], features=[]}\nreason: ${reason}`,
      );
    }
  };
  check('Key', formats.keyFormat, keyColumns(columns));
  check('Value', formats.valueFormat, valueColumns(columns));
}

const simpleColumn = (c: Column): string => `\`${c.name}\` ${formatType(c.type)}`;

function timestampOf(props: PropMap, columns: readonly Column[]): DataSource['timestamp'] {
  const raw = str(props, 'TIMESTAMP');
  if (raw === undefined) return undefined;
  const name = /^`.*`$|^".*"$/.test(raw) ? raw.slice(1, -1) : raw.toUpperCase();
  const format = str(props, 'TIMESTAMP_FORMAT');
  const col = columns.find((c) => c.name === name);
  if (!col) throw new KsqlException(`The TIMESTAMP column set in the WITH clause does not exist in the schema: '${name}'`);
  if (col.type.base === 'STRING') {
    if (format === undefined) {
      throw new KsqlException('A String timestamp field has been specified without also specifying the timestamp_format');
    }
  } else if (format !== undefined) {
    throw new KsqlException("'TIMESTAMP_FORMAT' set in the WITH clause can only be used when the timestamp column is of type STRING.");
  } else if (col.type.base !== 'BIGINT' && col.type.base !== 'TIMESTAMP') {
    throw new KsqlException(
      `Timestamp column, \`${name}\`, should be LONG(INT64), TIMESTAMP, or a String with a timestamp_format specified.`,
    );
  }
  return { column: name, format };
}

function windowOf(props: PropMap): WindowInfo | undefined {
  const type = str(props, 'WINDOW_TYPE')?.toUpperCase();
  if (!type) return undefined;
  if (type !== 'TUMBLING' && type !== 'HOPPING' && type !== 'SESSION') {
    throw new KsqlException(`Invalid value ${type} for property WINDOW_TYPE: String must be one of: SESSION, HOPPING, TUMBLING`);
  }
  const size = str(props, 'WINDOW_SIZE');
  let sizeMs: number | undefined;
  if (size !== undefined) {
    const m = /^\s*(\d+)\s+([A-Za-z]+)\s*$/.exec(size);
    if (!m) throw new KsqlException(`Invalid duration: '${size}'. e.g. '10 SECONDS'`);
    sizeMs = durationToMs({ value: Number(m[1]), unit: m[2].toUpperCase() });
  }
  if (type !== 'SESSION' && sizeMs === undefined) {
    throw new KsqlException(
      `${type} windows require 'WINDOW_SIZE' to be provided in the WITH clause. For example: 'WINDOW_SIZE'='10 SECONDS'`,
    );
  }
  if (type === 'SESSION' && sizeMs !== undefined) {
    throw new KsqlException(`'WINDOW_SIZE' should not be set for SESSION windows.`);
  }
  return { type, sizeMs };
}

async function planCreateSource(ctx: Ctx, s: Extract<Statement, { kind: 'createSource' }>, inj: Injected): Promise<Plan> {
  if (s.isSource && s.type === 'TABLE') {
    throw new StandInUnsupported('CREATE SOURCE TABLE (materialized by a CST_ query) is not supported');
  }
  const props = inj.props!;
  const topic = str(props, 'KAFKA_TOPIC')!;
  if (!(await ctx.topics.describe(topic))) throw new KsqlException(`Kafka topic does not exist: ${topic}`);
  const elements = s.elements ?? [];
  if (elements.length === 0) throw new KsqlException('The statement does not define any columns.');
  const system = elements.find((e) => SYSTEM_COLUMNS.has(e.name.text));
  if (system) {
    throw new KsqlException(`'${system.name.text}' is a reserved column name. You cannot use it as a name for a column.`);
  }
  const columns: Column[] = [
    ...elements
      .filter((e) => e.constraint === 'KEY' || e.constraint === 'PRIMARY KEY')
      .map((e) => ({ name: e.name.text, type: e.type, ns: 'KEY' as const })),
    ...elements.filter((e) => e.constraint === undefined).map((e) => ({ name: e.name.text, type: e.type, ns: 'VALUE' as const })),
    ...elements
      .filter((e) => e.constraint === 'HEADERS' || (typeof e.constraint === 'object' && e.constraint !== null))
      .map((e) => ({
        name: e.name.text,
        type: e.type,
        ns: 'HEADERS' as const,
        headerKey: typeof e.constraint === 'object' ? e.constraint.header : undefined,
      })),
  ];
  const timestamp = timestampOf(props, columns);
  const existing = ctx.catalog.getSource(s.name.text);
  const lower = s.type.toLowerCase();
  if (existing && !s.orReplace && !s.ifNotExists) {
    throw new KsqlException(`Cannot add ${lower} '${s.name.text}': A ${existing.type.toLowerCase()} with the same name already exists`);
  }
  if (s.type === 'TABLE' && keyColumns(columns).length === 0) {
    throw new KsqlException('Tables require a PRIMARY KEY. Please define the PRIMARY KEY.');
  }
  if (s.orReplace && (s.isSource || existing?.isSource)) {
    throw new KsqlException(`Cannot add ${lower} '${s.name.text}': CREATE OR REPLACE is not supported on source ${lower}s.`);
  }
  const formats = buildFormats(keyFormatOf(props)!, valueFormatOf(props)!, props);
  validateSerdes(columns, formats);
  const source: DataSource = {
    name: s.name.text,
    type: s.type,
    columns,
    topic,
    formats,
    window: windowOf(props),
    timestamp,
    sql: inj.text,
    isSource: s.isSource,
    casTarget: false,
  };
  return { kind: 'createSource', source, orReplace: s.orReplace, text: inj.text };
}

function sinkStep(resultType: SourceType, sink: DataSource, below: PlanStep): PlanStep {
  return {
    cls: resultType === 'STREAM' ? 'StreamSink' : 'TableSink',
    sources: [below],
    match: { formats: formatsString(sink), topicName: sink.topic, timestampColumn: sink.timestamp?.column ?? 'Optional.empty' },
  };
}

/** Partition-count check and WITHIN checks of the physical join plan (JoinNode). */
async function checkJoinPhysical(ctx: Ctx, a: QueryAnalysis): Promise<void> {
  const j = a.join;
  if (!j) return;
  const partitions = async (src: DataSource): Promise<number> => {
    const d = await ctx.topics.describe(src.topic);
    if (!d) throw new KsqlException(`Failed to Describe Kafka Topic(s): [${src.topic}]`);
    return d.partitions;
  };
  const lp = await partitions(j.left.source);
  const rp = await partitions(j.right.source);
  if (lp !== rp) {
    const l = '`' + j.left.alias + '`';
    const r = '`' + j.right.alias + '`';
    throw new KsqlException(
      `Can't join ${l} with ${r} since the number of partitions don't match. ${l} partitions = ${lp}; ${r} partitions = ${rp}. Please repartition either one so that the number of partitions match.`,
    );
  }
  if (j.kind === 'STREAM_STREAM' && !j.within) {
    throw new KsqlException(
      'Stream-Stream joins must have a WITHIN clause specified. None was provided. To learn about how to specify a WITHIN clause with a stream-stream join, please visit: https://docs.confluent.io/current/ksql/docs/syntax-reference.html#create-stream-as-select',
    );
  }
  if (j.kind === 'STREAM_TABLE' && j.within) {
    throw new KsqlException(
      'A window definition was provided for a Stream-Table join. These joins are not windowed. Please drop the window definition (ie. the WITHIN clause) and try to execute your join again.',
    );
  }
  if (j.kind === 'TABLE_TABLE' && j.within) {
    throw new KsqlException(
      'A window definition was provided for a Table-Table join. These joins are not windowed. Please drop the window definition (i.e. the WITHIN clause) and try to execute your Table-Table join again.',
    );
  }
  if (j.kind === 'STREAM_TABLE' && j.type !== 'INNER' && j.type !== 'LEFT') {
    throw new KsqlException(`Invalid join type encountered: ${j.type}`);
  }
}

async function planCreateAs(ctx: Ctx, s: Extract<Statement, { kind: 'createAs' }>, inj: Injected): Promise<Plan> {
  const sanitized = inj.prepared.sanitized!;
  const props = inj.props ?? validateProps(s.props, CREATE_AS_PROPS, false);
  const a = analyzeQuery(sanitized, { sinkName: s.name.text });
  // QueryIdUtil#buildId
  const writers = ctx.catalog.queriesWithSink(s.name.text);
  let queryId: string;
  if (writers.length > 1) {
    throw new KsqlException(
      `REPLACE for sink \`${s.name.text}\` is not supported because there are multiple queries writing into it: [${writers.map((w) => w.id).join(', ')}]`,
    );
  } else if (writers.length === 1) {
    queryId = writers[0].id;
  } else {
    queryId = `${a.resultType === 'TABLE' ? 'CTAS' : 'CSAS'}_${s.name.text.toUpperCase()}_${ctx.nextQueryId++}`;
  }
  await checkJoinPhysical(ctx, a);
  // EngineExecutor#maybeCreateSinkDdl
  const existing = ctx.catalog.getSource(s.name.text);
  if (existing && !s.ifNotExists && !s.orReplace) {
    throw new KsqlException(
      `Cannot add ${a.resultType.toLowerCase()} '${s.name.text}': A ${existing.type.toLowerCase()} with the same name already exists`,
    );
  }
  // EngineExecutor#validateResultType
  if (s.type === 'STREAM' && a.resultType === 'TABLE') {
    throw new StatementError(
      'Invalid result type. Your SELECT query produces a TABLE. Please use CREATE TABLE AS SELECT statement instead.',
      inj.text,
      true,
    );
  }
  if (s.type === 'TABLE' && a.resultType === 'STREAM') {
    throw new StatementError(
      'Invalid result type. Your SELECT query produces a STREAM. Please use CREATE STREAM AS SELECT statement instead.',
      inj.text,
      true,
    );
  }
  const formats = buildFormats(keyFormatOf(props) ?? a.defaultKeyFormat, valueFormatOf(props) ?? a.defaultValueFormat, props);
  validateSerdes(a.columns, formats);
  const sink: DataSource = {
    name: s.name.text,
    type: a.resultType,
    columns: a.columns,
    topic: str(props, 'KAFKA_TOPIC') ?? ctx.config.outputTopicPrefix + s.name.text,
    formats,
    window: a.window,
    timestamp: timestampOf(props, a.columns),
    sql: inj.text,
    isSource: false,
    casTarget: true,
  };
  const query: PersistentQuery = {
    id: queryId,
    type: 'CREATE_AS',
    sink: sink.name,
    sinkTopic: sink.topic,
    sources: [...new Set(a.sources.map((x) => x.source.name))],
    statement: inj.text,
    columns: a.columns,
    plan: sinkStep(a.resultType, sink, a.plan),
    windowType: a.window?.type,
    overridden: ctx.overrides,
  };
  return { kind: 'createAs', sink, query, orReplace: s.orReplace, text: inj.text };
}

async function planInsert(ctx: Ctx, s: Extract<Statement, { kind: 'insertInto' }>, inj: Injected): Promise<Plan> {
  const sanitized = inj.prepared.sanitized!;
  const props = validateProps(s.props, INSERT_PROPS, false);
  const target = ctx.catalog.getSource(s.target.text);
  if (!target) throw new KsqlException(`Cannot insert into an unknown stream/table: \`${s.target.text}\``);
  const a = analyzeQuery(sanitized, { sinkName: target.name });
  let queryId: string;
  const withId = str(props, 'QUERY_ID');
  if (withId !== undefined) {
    queryId = withId.toUpperCase();
    const reserved = ['INSERTQUERY_', 'CTAS_', 'CSAS_', 'CST_'];
    if (reserved.some((r) => queryId.startsWith(r))) {
      throw new KsqlException(`Query IDs must not start with a reserved query ID prefix (${reserved.join(', ')}). Got '${queryId}'.`);
    }
    if (!/^[A-Za-z0-9_]+$/.test(queryId)) {
      throw new KsqlException(`Query IDs may contain only alphanumeric characters and '_'. Got: '${queryId}'`);
    }
    if (ctx.catalog.getQuery(queryId)) throw new KsqlException(`Query ID '${queryId}' already exists.`);
  } else {
    queryId = `INSERTQUERY_${ctx.nextQueryId++}`;
  }
  await checkJoinPhysical(ctx, a);
  const kType = (t: SourceType): string => (t === 'STREAM' ? 'KSTREAM' : 'KTABLE');
  if (target.type !== a.resultType) {
    throw new KsqlException(
      `Incompatible data sink and query result. Data sink (${target.name}) type is ${kType(target.type)} but select query result is ${kType(a.resultType)}.`,
    );
  }
  const compatible =
    a.columns.length === target.columns.filter((c) => c.ns !== 'HEADERS').length &&
    a.columns.every((c, i) => {
      const t = target.columns[i];
      return t.name === c.name && t.ns === c.ns && formatType(t.type) === formatType(c.type);
    });
  if (!compatible) {
    throw new KsqlException(
      `Incompatible schema between results and sink.\nResult schema is ${schemaToString(a.columns)}\nSink schema is ${schemaToString(target.columns)}`,
    );
  }
  const query: PersistentQuery = {
    id: queryId,
    type: 'INSERT',
    sink: target.name,
    sinkTopic: target.topic,
    sources: [...new Set(a.sources.map((x) => x.source.name))],
    statement: inj.text,
    columns: target.columns,
    plan: sinkStep(target.type, target, a.plan),
    windowType: target.window?.type,
    overridden: ctx.overrides,
  };
  return { kind: 'insert', query, text: inj.text };
}

function planDrop(ctx: Ctx, s: Extract<Statement, { kind: 'drop' }>, text: string): Plan {
  const source = ctx.catalog.getSource(s.name.text);
  if (!source) {
    if (!s.ifExists) {
      const type = s.type === 'STREAM' ? 'Stream' : 'Table';
      throw new KsqlException(`${type} ${s.name.text} does not exist.${ctx.catalog.alternativesHint(s.name.text, s.type)}`);
    }
  } else if (source.type !== s.type) {
    throw new KsqlException(
      `Incompatible data source type is ${source.type.toLowerCase()}, but statement was DROP ${s.type.toLowerCase()}`,
    );
  } else if (source.isSource && s.deleteTopic) {
    throw new KsqlException(`Cannot delete topic for read-only source: ${s.name.text}`);
  }
  return { kind: 'drop', name: s.name.text, text };
}

// ============================================================================ execution

export interface ExecResult {
  readonly message: string;
  readonly queryId: string | null;
}

/** `StructuredDataSource#canUpgradeTo`. */
function upgradeIssues(old: DataSource, next: DataSource): string | undefined {
  const issues: string[] = [];
  const name = '`' + old.name + '`';
  const prop = (p: string, a: string, b: string): void => {
    if (a !== b) issues.push(`DataSource '${name}' has ${p} = ${a} which is not upgradeable to ${b}`);
  };
  const kType = (t: SourceType): string => (t === 'STREAM' ? 'KSTREAM' : 'KTABLE');
  prop('type', kType(old.type), kType(next.type));
  prop('topic', ksqlTopicToString(old), ksqlTopicToString(next));
  const ts = (d: DataSource): string =>
    d.timestamp
      ? `Optional[TimestampColumn{column=\`${d.timestamp.column}\`, format=${d.timestamp.format === undefined ? 'Optional.empty' : `Optional[${d.timestamp.format}]`}}]`
      : 'Optional.empty';
  prop('timestampColumn', ts(old), ts(next));
  const indexed = (cols: readonly Column[]): string[] => {
    const counters: Record<string, number> = {};
    return cols.map((c) => `${columnToString(c)}#${(counters[c.ns] = (counters[c.ns] ?? -1) + 1)}`);
  };
  const diff = (a: readonly Column[], b: readonly Column[]): Column[] => {
    const bi = new Set(indexed(b));
    const ai = indexed(a);
    return a.filter((_, i) => !bi.has(ai[i]));
  };
  const keyDiff = diff(keyColumns(old.columns), keyColumns(next.columns));
  let schemaIssue: string | undefined;
  if (keyDiff.length) {
    schemaIssue = `Key columns must be identical. The following key columns are changed, missing or reordered: [${keyDiff.map(columnToString).join(', ')}]`;
  } else {
    const all = diff(old.columns, next.columns);
    if (all.length) schemaIssue = `The following columns are changed, missing or reordered: [${all.map(columnToString).join(', ')}]`;
  }
  if (schemaIssue) {
    issues.push(
      `DataSource '${name}' has schema = ${schemaToString(old.columns)} which is not upgradeable to ${schemaToString(next.columns)}. (${schemaIssue})`,
    );
  }
  return issues.length ? issues.join('\n\tAND ') : undefined;
}

const PASSIVE = new Set(['StreamFilter', 'StreamSelect', 'TableFilter', 'TableSelect']);
const SINKS = new Set(['StreamSink', 'TableSink']);
const SOURCES = new Set(['StreamSource', 'TableSource']);
const PLAN_PACKAGE = 'io.confluent.ksql.execution.plan.';

function stepType(s: PlanStep): 'PASSIVE' | 'ENFORCING' {
  if (PASSIVE.has(s.cls)) return 'PASSIVE';
  if (SINKS.has(s.cls) || SOURCES.has(s.cls)) return 'ENFORCING';
  throw new KsqlException(`Upgrades not yet supported for ${s.cls}`);
}

function mustMatch(a: PlanStep, b: PlanStep, props: string[]): void {
  for (const p of props) {
    const av = p === 'class' ? `class ${PLAN_PACKAGE}${a.cls}` : a.match[p];
    const bv = p === 'class' ? `class ${PLAN_PACKAGE}${b.cls}` : b.match[p];
    if (av !== bv) {
      throw new KsqlException(
        `Query is not upgradeable. Plan step of type ${a.cls} must have matching ${p}. Values differ: ${av} vs. ${bv}`,
      );
    }
  }
}

/** `ExecutionStep#validateUpgrade`, dispatched on `self`'s step class like the Java code. */
function validateUpgrade(self: PlanStep, to: PlanStep, depth = 0): void {
  if (depth > 50) throw new StandInUnsupported('query plan too deep to validate the upgrade');
  if (SINKS.has(self.cls)) {
    mustMatch(self, to, ['class', 'formats', 'topicName', 'timestampColumn']);
    validateUpgrade(self.sources[0], to.sources[0], depth + 1);
    return;
  }
  if (SOURCES.has(self.cls)) {
    let source = to;
    let guard = 0;
    while (source.cls !== self.cls) {
      if (to.sources.length === 0) {
        throw new KsqlException(
          `Query is not upgradeable. The root source node of the upgrade tree must be ${self.cls}, but was class ${PLAN_PACKAGE}${source.cls}`,
        );
      } else if (to.sources.length > 1) {
        throw new KsqlException('Query is not upgradeable. Cannot change a non-join source into a join source.');
      } else if (stepType(to) !== 'PASSIVE') {
        throw new KsqlException(
          `Query is not upgradeable. Cannot add a class ${PLAN_PACKAGE}${to.cls} step that is not in the original query plan.`,
        );
      }
      source = to.sources[0];
      if (++guard > 50) throw new StandInUnsupported('query plan shape not supported by the upgrade check');
    }
    mustMatch(self, source, ['class', 'topicName', 'formats', 'timestampColumn']);
    return;
  }
  if (stepType(self) === 'PASSIVE') {
    validateUpgrade(to, self.sources[0], depth + 1);
    return;
  }
  throw new Error('ENFORCING steps must implement validateUpgrade');
}

/** Stores a source like `MetaStoreImpl#putSource`. */
function putSource(catalog: Catalog, source: DataSource, allowReplace: boolean, references: string[] = []): void {
  const existing = catalog.getSource(source.name);
  if (existing && !allowReplace) {
    throw new KsqlException(
      `Cannot add ${source.type.toLowerCase()} '${source.name}': A ${existing.type.toLowerCase()} with the same name already exists`,
    );
  }
  if (existing) {
    const issues = upgradeIssues(existing, source);
    if (issues) throw new KsqlException(`Cannot upgrade data source: ${issues}`);
  }
  catalog.putSource(source, references);
}

/** Executes a plan (DdlCommandExec / EngineExecutor#execute / query registry). */
export function execute(ctx: Ctx, p: Plan): ExecResult {
  try {
    return executeUnwrapped(ctx, p);
  } catch (e) {
    if (e instanceof KsqlException) throw new StatementError(e.message, p.text);
    throw e;
  }
}

function executeUnwrapped(ctx: Ctx, p: Plan): ExecResult {
  const catalog = ctx.catalog;
  switch (p.kind) {
    case 'createSource': {
      const existing = catalog.getSource(p.source.name);
      if (existing && !p.orReplace) {
        const t = p.source.type.toLowerCase();
        return {
          message: `Cannot add ${t} \`${p.source.name}\`: A ${existing.type.toLowerCase()} with the same name already exists.`,
          queryId: null,
        };
      }
      putSource(catalog, p.source, p.orReplace);
      return { message: p.source.type === 'STREAM' ? 'Stream created' : 'Table created', queryId: null };
    }
    case 'createAs': {
      const existing = catalog.getSource(p.sink.name);
      if (existing?.isSource) {
        throw new KsqlException(`Cannot insert into read-only ${existing.type.toLowerCase()}: ${existing.name}`);
      }
      if (existing && !p.orReplace) {
        const t = p.sink.type.toLowerCase();
        return {
          message: `Cannot add ${t} \`${p.sink.name}\`: A ${existing.type.toLowerCase()} with the same name already exists.`,
          queryId: null,
        };
      }
      putSource(catalog, p.sink, p.orReplace, [...p.query.sources]);
      const old = catalog.getQuery(p.query.id);
      if (old) validateUpgrade(old.plan, p.query.plan);
      catalog.putQuery(p.query);
      return { message: `Created query with ID ${p.query.id}`, queryId: p.query.id };
    }
    case 'insert': {
      const sink = catalog.getSource(p.query.sink);
      if (sink?.isSource) throw new KsqlException(`Cannot insert into read-only ${sink.type.toLowerCase()}: ${sink.name}`);
      catalog.putQuery(p.query);
      return { message: `Created query with ID ${p.query.id}`, queryId: p.query.id };
    }
    case 'drop': {
      const { readers, writers } = catalog.insertQueries(p.name);
      if (readers.length || writers.length) {
        throw new KsqlException(
          `Cannot drop ${p.name}.\nThe following queries read from this source: [${readers.join(', ')}].\n` +
            `The following queries write into this source: [${writers.join(', ')}].\nYou need to terminate them before dropping ${p.name}.`,
        );
      }
      const source = catalog.getSource(p.name);
      if (!source) return { message: `Source \`${p.name}\` does not exist.`, queryId: null };
      const refs = catalog.constraintsOf(p.name);
      if (refs.length) {
        throw new KsqlException(
          `Cannot drop ${p.name}.\nThe following streams and/or tables read from this source: [${refs.join(', ')}].\nYou need to drop them before dropping ${p.name}.`,
        );
      }
      catalog.deleteSource(p.name);
      const own = catalog.createAsQuery(p.name);
      if (own) catalog.removeQuery(own.id);
      return { message: `Source \`${p.name}\` (topic: ${source.topic}) was dropped.`, queryId: null };
    }
    case 'terminate': {
      if (p.queryId === undefined) {
        for (const q of catalog.allQueries()) catalog.removeQuery(q.id);
      } else {
        catalog.removeQuery(p.queryId);
      }
      return { message: 'Query terminated.', queryId: null };
    }
  }
}

/** A CREATE AS / INSERT statement run in a sandbox only (EXPLAIN <statement>): no injectors. */
export async function explainStatement(ctx: Ctx, p: Prepared): Promise<PersistentQuery> {
  const sandbox: Ctx = { ...ctx, catalog: ctx.catalog.clone() };
  const inj: Injected = { prepared: p, text: p.text.replace(/^EXPLAIN\s+/i, ''), createdTopics: [] };
  const planned = await plan(sandbox, inj);
  execute(sandbox, planned);
  if (planned.kind === 'createAs' || planned.kind === 'insert') return planned.query;
  throw new KsqlException('The provided statement does not run a ksql query');
}
