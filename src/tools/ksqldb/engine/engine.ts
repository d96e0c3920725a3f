/**
 * The engine: a metastore of streams and tables, persistent queries, and record processing.
 * Pure and deterministic: statements and input records in, output records out.
 */
import type {
  ColumnDef,
  CreateAsSelect,
  CreateSource,
  InsertInto,
  InsertValues as InsertValuesStatement,
  Properties,
  Query,
  Statement,
} from '../../../core/ksql';
import { stepRefusal, walkExpr, type PersistentQueryStatement, type UpgradeSource } from '../../../core/ksql';
import { KsqlSyntaxError, parseStatements, unquoteIdentifier } from '../../../core/ksql';
import { AGGREGATES, FatalProcessingError } from './aggregates';
import { KsqlError, KsqlParseError, NotSupportedError, RecordError } from './errors';
import { deterministicEnvironment, testFunctions, type FunctionContext, type UdfDef } from './functions';
import { columnText, keyColumns, schemaText, valueColumns, headerColumns, type Column, type DataSource, type WindowInfo } from './model';
import { planQuery, type PlannedQuery, type QueryOutput, type QueryRuntime } from './query';
import { createSerde, KNOWN_FORMATS, SR_FORMATS, validateFormat, type FormatInfo, type SchemaRegistry, type Serde } from './serde';
import { StateStores } from './state';
import { HEADERS_TYPE, T, canImplicitlyCast, fromDataType, sameType, typeText, type SqlType } from './types';
import { castFn } from './cast';
import { parseInstant } from './time';
import { coerceValueStrict } from './coerce';
import { compile, Scope, type Compiled } from './expr';
import { ksqlText } from './text';
import { statementText } from './statement-text';
import { keyOf, valueToString } from './values';
import { runPullQuery, type MaterializedRow, type PullQueryResult } from './pull';
import { avroColumns } from './avro-schema';
import { protoColumns, selectMessage } from './proto-schema';
import { registeredSchema } from './protobuf';
import { jsonSchemaColumns } from './json-sr';

export interface InputRecord {
  readonly topic: string;
  readonly partition?: number;
  readonly offset?: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers?: readonly { key: string; value: Buffer | null }[];
}

export interface OutputRecord {
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: readonly { key: string; value: Buffer | null }[];
  /** The window of a windowed key (also encoded in `key`). */
  readonly window?: { start: number; end: number; type: 'TUMBLING' | 'HOPPING' | 'SESSION' };
  /** The query that wrote it. */
  readonly queryId: string;
}

export interface StatementResult {
  readonly statement: string;
  readonly kind: Statement['kind'];
  readonly message: string;
  readonly queryId?: string;
  readonly warnings: readonly string[];
  /**
   * INSERT INTO ... VALUES: the record to write to the source's topic. The engine does not
   * process it: the caller writes it (a server produces it to Kafka; in memory, `process(record)`).
   */
  readonly record?: InputRecord;
}

/** A persistent query as the server and runtimes see it. */
export interface QueryInfo {
  readonly id: string;
  /** The sink's name (the stream or table written). */
  readonly sink: string;
  readonly sinkTopic: string;
  /** Names of the sources read, FROM first. */
  readonly sources: readonly string[];
  /** Topics read (distinct, FROM first). */
  readonly sourceTopics: readonly string[];
  readonly statement: string;
  readonly isInsert: boolean;
  /** The query's result schema: key columns, then value columns. */
  readonly columns: readonly Column[];
  readonly window?: WindowInfo;
  /** Every state store of the query is named `<storePrefix>-<suffix>`. */
  readonly storePrefix: string;
  /** The configuration the query was planned with (server config and request overrides). */
  readonly config: Readonly<Record<string, unknown>>;
}

/** A transient (push or pull) query: rows in SELECT order for records of its sources. */
export interface TransientQuery {
  readonly id: string;
  readonly kind: 'STREAM' | 'TABLE';
  /** Output columns, in SELECT order (all value columns). */
  readonly columns: readonly Column[];
  readonly sources: readonly DataSource[];
  readonly sourceTopics: readonly string[];
  readonly warnings: readonly string[];
  /** Feeds one record of a source topic; returns the rows it produced (null: a table row removed). */
  process(rec: InputRecord): TransientRow[];
  /** Processing-log entries recorded for this query since the last call. */
  drainErrors(): ProcessingLogEntry[];
}

interface TransientRow {
  readonly values: readonly unknown[] | null;
  readonly key: readonly unknown[];
  readonly timestamp: number;
  readonly window?: { start: number; end: number };
}

interface ProcessingLogEntry {
  readonly queryId: string;
  readonly topic: string;
  readonly message: string;
}

export interface EngineOptions {
  readonly config?: Readonly<Record<string, unknown>>;
  readonly schemaRegistry?: SchemaRegistry;
  /** Extra functions (the QTT test functions). */
  readonly extraFunctions?: ReadonlyMap<string, UdfDef>;
  /** Topics that exist, with partition counts; CREATE without PARTITIONS needs the topic. */
  readonly topics?: ReadonlyMap<string, number>;
  /** Create missing topics instead of refusing (the QTT framework does). */
  readonly autoCreateTopics?: boolean;
  /**
   * Wall clock (ms since the epoch) for UNIX_TIMESTAMP() and UNIX_DATE().
   * @default - a clock standing at 0 (deterministic); a server passes `systemClock`
   */
  readonly clock?: () => number;
  /**
   * Uniform doubles in [0, 1) for RANDOM() and UUID().
   * @default - a generator seeded with 42 (deterministic); a server passes `systemRandom`
   */
  readonly random?: () => number;
}

/** The real wall clock, for a server to pass as `EngineOptions.clock`. */
export const systemClock = (): number => Date.now();
/** Real randomness, for a server to pass as `EngineOptions.random`. */
export const systemRandom = (): number => Math.random();

interface RunningQuery {
  readonly id: string;
  readonly sink: string;
  readonly sinkTopic: string;
  readonly plan: PlannedQuery;
  readonly runtime: QueryRuntime;
  readonly inputs: {
    topic: string;
    index: number;
    source: DataSource;
    key: Serde;
    value: Serde;
    ts: (rec: InputRecord, key: readonly unknown[] | null, value: readonly unknown[] | null) => number;
    headerColumns: readonly Column[];
  }[];
  readonly keySerde: Serde;
  readonly valueSerde: Serde;
  readonly windowed?: WindowInfo;
  readonly statement: string;
  readonly isInsert: boolean;
  readonly sources: readonly string[];
  readonly storePrefix: string;
  readonly config: Readonly<Record<string, unknown>>;
}

const CREATE_PROPS = new Set([
  'KAFKA_TOPIC',
  'PARTITIONS',
  'REPLICAS',
  'RETENTION_MS',
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
  'WINDOW_TYPE',
  'WINDOW_SIZE',
  'SOURCE_CONNECTOR',
]);
const CAS_PROPS = new Set([...CREATE_PROPS].filter((p) => !p.startsWith('WINDOW_') && p !== 'SOURCE_CONNECTOR'));

export class KsqlEngine {
  private readonly sources = new Map<string, DataSource>();
  /** Sources created AS SELECT → the sources their query read (the DROP constraints). */
  private readonly references = new Map<string, Set<string>>();
  private readonly queries = new Map<string, RunningQuery>();
  /** CTAS sink → the store of its latest rows (one of the writing query's stores). */
  private readonly pullViews = new Map<string, string>();
  private readonly topics: Map<string, number>;
  readonly stores = new StateStores();
  readonly processingLog: ProcessingLogEntry[] = [];
  private queryCounter = 0;
  private readonly config: Record<string, unknown>;
  private readonly functions: FunctionContext;
  private readonly registry: SchemaRegistry | undefined;
  private offsets = new Map<string, number>();
  private readonly autoCreateTopics: boolean;
  private readonly extraFunctions: ReadonlyMap<string, UdfDef> | undefined;

  constructor(opts: EngineOptions = {}) {
    this.config = { ...(opts.config ?? {}) };
    this.registry = opts.schemaRegistry;
    this.topics = new Map(opts.topics ?? []);
    this.autoCreateTopics = opts.autoCreateTopics ?? false;
    const fallback = deterministicEnvironment();
    this.functions = {
      config: this.config,
      extra: opts.extraFunctions,
      env: { now: opts.clock ?? fallback.now, random: opts.random ?? fallback.random },
    };
    this.extraFunctions = opts.extraFunctions;
  }

  /** The QTT test functions (BAD_UDF, WHENCONDITION, WHENRESULT). */
  static testFunctions(): Map<string, UdfDef> {
    return testFunctions();
  }

  getSource(name: string): DataSource | undefined {
    return this.sources.get(name);
  }

  allSources(): DataSource[] {
    return [...this.sources.values()];
  }

  queryIds(): string[] {
    return [...this.queries.keys()];
  }

  topicPartitions(name: string): number | undefined {
    return this.topicOf(name);
  }

  /**
   * Called with each topic name the engine looks up. A server knows only the topics it fetched
   * by name (not every topic of the cluster): it fetches those asked about and runs a sandbox again.
   */
  onTopicLookup?: (name: string) => void;

  private topicOf(name: string): number | undefined {
    if (name) this.onTopicLookup?.(name);
    return this.topics.get(name);
  }

  /** What the cluster says of these topics: their partitions, or undefined when the topic does not exist. */
  learnTopics(facts: ReadonlyMap<string, { readonly partitions: number } | undefined>): void {
    for (const [name, fact] of facts) {
      if (fact === undefined) this.topics.delete(name);
      else this.topics.set(name, fact.partitions);
    }
  }

  // ----------------------------------------------------------------------------------------
  // Driving the engine from a server (one runtime per query, a sandbox per request)

  /** The persistent query with this id. */
  queryInfo(id: string): QueryInfo | undefined {
    const q = this.queries.get(id);
    if (!q) return undefined;
    return {
      id: q.id,
      sink: q.sink,
      sinkTopic: q.sinkTopic,
      sources: q.sources,
      sourceTopics: [...new Set(q.inputs.map((i) => i.topic))],
      statement: q.statement,
      isInsert: q.isInsert,
      columns: q.plan.columns,
      ...(q.windowed ? { window: q.windowed } : {}),
      storePrefix: q.storePrefix,
      config: q.config,
    };
  }

  /** Streams and tables created AS SELECT from a source (what blocks DROP), sorted. */
  dropConstraints(name: string): string[] {
    return [...this.references]
      .filter(([sink, read]) => sink !== name && read.has(name))
      .map(([sink]) => sink)
      .sort();
  }

  /** Names of the state stores of a query (those it has opened so far). */
  queryStoreNames(id: string): string[] {
    const q = this.queries.get(id);
    if (!q) return [];
    return this.stores.names().filter((n) => n.startsWith(`${q.storePrefix}-`));
  }

  /**
   * A copy of the metastore (sources, queries, known topics, configuration, query-id counter)
   * with empty state stores, to validate statements without touching this engine. A sandbox
   * never processes records.
   */
  sandbox(): KsqlEngine {
    const copy = new KsqlEngine({
      config: this.config,
      ...(this.registry ? { schemaRegistry: this.registry } : {}),
      ...(this.extraFunctions ? { extraFunctions: this.extraFunctions } : {}),
      topics: this.topics,
      autoCreateTopics: this.autoCreateTopics,
    });
    for (const [k, v] of this.sources) copy.sources.set(k, v);
    for (const [k, v] of this.queries) copy.queries.set(k, v);
    for (const [k, v] of this.references) copy.references.set(k, new Set(v));
    for (const [k, v] of this.pullViews) copy.pullViews.set(k, v);
    copy.queryCounter = this.queryCounter;
    copy.onTopicLookup = this.onTopicLookup; // a sandbox's sandbox looks topics up for the same caller
    return copy;
  }

  /**
   * A record value of a stream or table, decoded by its value format into column name → value
   * (for tools that show what flows); null for a tombstone.
   */
  decodeValue(sourceName: string, bytes: Buffer | null): Record<string, unknown> | null {
    const src = this.sources.get(sourceName);
    if (!src) throw new KsqlError(`${sourceName} does not exist.`);
    const row = this.serdesOf(src).value.deserialize(bytes, src.topic);
    if (row === null) return null;
    const names = valueColumns(src).map((c) => c.name);
    return Object.fromEntries(names.map((n, i) => [n, row[i]]));
  }

  /** The number the next generated query id gets (`CSAS_X_<n>`). */
  get nextQueryId(): number {
    return this.queryCounter;
  }

  /** Sets the number of the next generated query id (ksqlDB derives it from the command topic). */
  setNextQueryId(n: number): void {
    this.queryCounter = n;
  }

  /** Replaces the topics the engine knows (name → partitions), e.g. with the cluster's. */
  setTopics(topics: ReadonlyMap<string, number>): void {
    this.topics.clear();
    for (const [k, v] of topics) this.topics.set(k, v);
  }

  /**
   * Processes one record of a source topic through one persistent query only: its outputs are
   * returned, not fed on (a runtime writes them to the sink topic, where downstream queries read
   * them). State changes go to `stores`' change log as with `process`.
   */
  processQuery(id: string, rec: InputRecord): OutputRecord[] {
    const q = this.queries.get(id);
    if (!q) throw new KsqlError(`Unknown queryId: ${id}`);
    const offsetKey = `${rec.topic}/${rec.partition ?? 0}`;
    const offset = rec.offset ?? this.offsets.get(offsetKey) ?? 0;
    this.offsets.set(offsetKey, offset + 1);
    const out: OutputRecord[] = [];
    for (const input of q.inputs) {
      if (input.topic !== rec.topic) continue;
      this.pendingOutputs = [];
      this.feed(q, input, rec, offset);
      for (const o of this.pendingOutputs) out.push(o);
      this.pendingOutputs = [];
    }
    return out;
  }

  /**
   * Plans a transient query (`SELECT ... [EMIT CHANGES]`, pull or push) over the metastore: its
   * rows are computed by feeding it records of its source topics. It has its own state stores.
   */
  transientQuery(sql: string, id: string): TransientQuery {
    let statements: Statement[];
    try {
      statements = parseStatements(sql);
    } catch (e) {
      if (e instanceof KsqlSyntaxError) throw new KsqlParseError(e.message);
      throw e;
    }
    if (statements.length !== 1 || statements[0].kind !== 'query') throw new KsqlError('Not a query');
    const query = statements[0].query;
    for (const r of [query.from, ...query.joins.map((j) => j.source)]) {
      if (!this.sources.has(r.name)) {
        throw new KsqlError(`${r.name} does not exist.${this.alternativesHint(r.name)}`);
      }
    }
    this.checkCoPartitioned(query);
    const plan = planQuery(query, {
      sinkName: id,
      functions: this.functions,
      resolve: (n) => this.sources.get(n),
      transient: true,
    });
    const stores = new StateStores();
    stores.logging = false;
    let rows: TransientRow[] = [];
    const runtime = plan.start(stores, `transient_${id}`, (o) => {
      rows.push({ key: o.key, values: o.value, timestamp: o.ts, ...(o.window ? { window: o.window } : {}) });
    });
    const inputs = this.inputsOf(plan);
    const q: RunningQuery = {
      id,
      sink: id,
      sinkTopic: '',
      plan,
      runtime,
      inputs,
      keySerde: inputs[0].key,
      valueSerde: inputs[0].value,
      statement: sql,
      isInsert: false,
      sources: plan.sources.map((x) => x.name),
      storePrefix: `transient_${id}`,
      config: { ...this.config },
    };
    const log = this.processingLog;
    return {
      id,
      kind: plan.kind,
      columns: plan.columns,
      sources: plan.sources,
      sourceTopics: [...new Set(inputs.map((i) => i.topic))],
      warnings: plan.warnings,
      process: (rec) => {
        rows = [];
        for (const input of inputs) {
          if (input.topic !== rec.topic) continue;
          this.feed(q, input, rec, rec.offset ?? 0);
        }
        return rows;
      },
      drainErrors: () => {
        const mine = log.filter((e) => e.queryId === id);
        if (mine.length > 0) {
          const rest = log.filter((e) => e.queryId !== id);
          log.length = 0;
          log.push(...rest);
        }
        return mine;
      },
    };
  }

  // ----------------------------------------------------------------------------------------
  // Statements

  /**
   * Parses and executes statements in order; throws KsqlError on the first refused one.
   * `overrides` (a request's properties) apply to these statements only.
   */
  execute(sql: string, overrides?: Readonly<Record<string, unknown>>): StatementResult[] {
    if (overrides === undefined || Object.keys(overrides).length === 0) return this.executeText(sql);
    const saved = new Map<string, { had: boolean; value: unknown }>();
    for (const [k, v] of Object.entries(overrides)) {
      saved.set(k, { had: k in this.config, value: this.config[k] });
      this.config[k] = v;
    }
    try {
      return this.executeText(sql);
    } finally {
      for (const [k, { had, value }] of saved) {
        if (had) this.config[k] = value;
        else delete this.config[k];
      }
    }
  }

  private executeText(sql: string): StatementResult[] {
    let statements: Statement[];
    try {
      statements = parseStatements(sql);
    } catch (e) {
      if (e instanceof KsqlSyntaxError) {
        if (/^(mismatched|extraneous|missing|no viable|token recognition)/.test(e.detail)) {
          throw new KsqlParseError(
            `Syntax error at or near '${e.token ?? ''}' at line ${e.line}:${e.column}\nline ${e.line}:${e.column}: Syntax Error\n${e.detail}`,
          );
        }
        // KEY / PRIMARY KEY misuse: ksqlDB's TableElements check names the column's position
        const keyMisuse = /^Column (\S+) (is a '(?:PRIMARY KEY|KEY)' column: [\s\S]*)$/.exec(e.detail);
        if (keyMisuse) throw new KsqlParseError(`Line: ${e.line}, Col: ${e.column}: Column \`${keyMisuse[1]}\` ${keyMisuse[2]}`);
        // errors of ksqlDB's AstBuilder report NodeLocation columns (1-based) through
        // ParsingException, which adds one more
        throw new KsqlParseError(`Failed to prepare statement: line ${e.line}:${e.column + 1}: ${e.detail}`);
      }
      throw e;
    }
    return statements.map((s) => this.executeStatement(s));
  }

  executeStatement(s: Statement): StatementResult {
    const base = { statement: s.text, kind: s.kind, warnings: [] as string[] };
    switch (s.kind) {
      case 'createStream':
      case 'createTable':
        return { ...base, message: this.createSource(s) };
      case 'createStreamAs':
      case 'createTableAs':
      case 'insertInto': {
        const r = this.createAs(s);
        return { ...base, message: `Created query with ID ${r.id}`, queryId: r.id, warnings: r.warnings };
      }
      case 'dropStream':
      case 'dropTable':
        return { ...base, message: this.drop(s) };
      case 'terminate': {
        if (s.all) this.queries.clear();
        else {
          const id = s.queryId!;
          if (!this.queries.has(id)) throw new KsqlError(`Unknown queryId: ${id}`);
          this.queries.delete(id);
        }
        return { ...base, message: 'Query terminated.' };
      }
      case 'insertValues': {
        const record = this.insertValues(s);
        return { ...base, message: '', record };
      }
      case 'setProperty':
        this.config[s.property] = s.value;
        return { ...base, message: '' };
      case 'unsetProperty':
        delete this.config[s.property];
        return { ...base, message: '' };
      default:
        throw new NotSupportedError(`${s.kind} statements in the engine`);
    }
  }

  private props(p: Properties, allowed: Set<string>): Map<string, string> {
    const unknown = Object.keys(p).filter((k) => !allowed.has(k));
    if (unknown.length > 0) throw new KsqlError(`Invalid config variable(s) in the WITH clause: ${unknown.join(',')}`);
    const m = new Map<string, string>();
    for (const [k, v] of Object.entries(p)) if (v !== null) m.set(k, String(v));
    if (m.has('FORMAT') && (m.has('KEY_FORMAT') || m.has('VALUE_FORMAT'))) {
      const other = m.has('KEY_FORMAT') ? 'KEY_FORMAT' : 'VALUE_FORMAT';
      throw new KsqlError(
        `Cannot supply both '${other}' and 'FORMAT' properties, as 'FORMAT' sets both key and value formats. Either use just 'FORMAT', or use 'KEY_FORMAT' and 'VALUE_FORMAT'.`,
      );
    }
    return m;
  }

  private formatOf(name: string | undefined): string | undefined {
    if (name === undefined) return undefined;
    const f = name.toUpperCase();
    if (!KNOWN_FORMATS.has(f)) throw new KsqlError(`Unknown format: ${f}`);
    return f;
  }

  private delimiter(raw: string | undefined, prop: string): string | undefined {
    if (raw === undefined) return undefined;
    // a blank delimiter (a space or a tab typed as is) is refused: TAB and SPACE are the words for them
    if (raw.trim() === '')
      throw new KsqlError(
        `Failed to prepare statement: Configuration ${prop} is invalid: Delimiter cannot be empty, if you meant to have a tab or space for delimiter, please use the special values 'TAB' or 'SPACE'\nExample valid value: ';'`,
      );
    const up = raw.toUpperCase();
    if (up === 'TAB') return '\t';
    if (up === 'SPACE') return ' ';
    if (raw.length !== 1)
      throw new KsqlError(
        `Failed to prepare statement: Configuration ${prop} is invalid: Invalid delimiter value: '${raw}'. Delimiter must be a single character or TAB,SPACE\nExample valid value: ';'`,
      );
    return raw;
  }

  private formats(
    props: Map<string, string>,
    defaults: { key?: FormatInfo; value?: FormatInfo },
    keyCols: readonly { name: string; type: SqlType }[],
    valueCols: readonly { name: string; type: SqlType }[],
    isCreate: boolean,
    partitionByNull = false,
  ): { keyFormat: FormatInfo; valueFormat: FormatInfo; unwrap: boolean } {
    const fmt = this.formatOf(props.get('FORMAT'));
    let kf = this.formatOf(props.get('KEY_FORMAT')) ?? fmt;
    let vf = this.formatOf(props.get('VALUE_FORMAT')) ?? fmt;
    if (vf === undefined && defaults.value) vf = defaults.value.format;
    if (vf === undefined) vf = this.formatOf(this.config['ksql.persistence.default.format.value'] as string | undefined);
    if (vf === undefined) {
      throw new KsqlError(
        "Statement is missing the 'VALUE_FORMAT' property from the WITH clause. Either provide one or set a default via the 'ksql.persistence.default.format.value' config.",
      );
    }
    const defaultKey = (): string => this.formatOf(this.config['ksql.persistence.default.format.key'] as string | undefined) ?? 'KAFKA';
    if (!isCreate && partitionByNull) {
      // ksqlDB's Analyzer: PARTITION BY NULL gives a keyless stream with the NONE key format
      if (kf !== undefined && kf !== 'NONE') throw new KsqlError('Key format specified for stream without key columns.');
      kf = 'NONE';
    }
    if (kf === undefined) {
      kf = defaults.key?.format ?? defaultKey();
      // an inherited NONE key format gives way to the default when the result has key columns
      if (kf === 'NONE' && keyCols.length > 0) kf = defaultKey();
    }
    if (keyCols.length > 0 && kf === 'NONE')
      throw new KsqlError(
        `The 'NONE' format can only be used when no columns are defined. Got: [${keyCols.map((c) => `\`${c.name}\` ${typeText(c.type)} KEY`).join(', ')}]`,
      );
    const vd = this.delimiter(props.get('VALUE_DELIMITER'), 'VALUE_DELIMITER');
    const kd = this.delimiter(props.get('KEY_DELIMITER'), 'KEY_DELIMITER');
    const valueProps: Record<string, string> = {};
    const keyProps: Record<string, string> = {};
    if (vd !== undefined) {
      if (vf !== 'DELIMITED') throw new KsqlError(`${vf} does not support the following configs: [delimiter]`);
      valueProps.delimiter = vd;
    } else if (vf === 'DELIMITED' && defaults.value?.format === 'DELIMITED' && defaults.value.props.delimiter)
      valueProps.delimiter = defaults.value.props.delimiter;
    if (kd !== undefined) {
      if (kf !== 'DELIMITED') throw new KsqlError(`${kf} does not support the following configs: [delimiter]`);
      keyProps.delimiter = kd;
    }
    if (props.has('VALUE_SCHEMA_ID')) valueProps.schemaId = props.get('VALUE_SCHEMA_ID')!;
    if (props.has('KEY_SCHEMA_ID')) keyProps.schemaId = props.get('KEY_SCHEMA_ID')!;
    const vfn = props.get('VALUE_SCHEMA_FULL_NAME') ?? props.get('VALUE_AVRO_SCHEMA_FULL_NAME');
    if (vfn) valueProps.fullSchemaName = vfn;
    if (props.has('KEY_SCHEMA_FULL_NAME')) keyProps.fullSchemaName = props.get('KEY_SCHEMA_FULL_NAME')!;
    let unwrap = false;
    const wrapProp = props.get('WRAP_SINGLE_VALUE');
    if (wrapProp !== undefined) {
      const wrap = wrapProp.toLowerCase() === 'true';
      if (vf === 'KAFKA' || vf === 'DELIMITED' || vf === 'NONE') {
        if (wrap) throw new KsqlError(`Format '${vf}' does not support 'WRAP_SINGLE_VALUE' set to 'true'.`);
      } else {
        if (valueCols.length !== 1) throw new KsqlError("'WRAP_SINGLE_VALUE' is only valid for single-field value schemas");
        unwrap = !wrap;
      }
    } else if (valueCols.length === 1 && (vf === 'JSON' || vf === 'AVRO' || vf === 'JSON_SR' || vf === 'PROTOBUF')) {
      const dflt = this.config['ksql.persistence.wrap.single.values'];
      if (dflt !== undefined && String(dflt) === 'false') unwrap = true;
    }
    return { keyFormat: { format: kf, props: keyProps }, valueFormat: { format: vf, props: valueProps }, unwrap };
  }

  private createSource(s: CreateSource): string {
    const isStream = s.kind === 'createStream';
    const kind = isStream ? 'stream' : 'table';
    const props = this.props(s.properties, CREATE_PROPS);
    const topic = props.get('KAFKA_TOPIC');
    if (topic === undefined) throw new KsqlError('Missing required property "KAFKA_TOPIC" which has no default value.');
    const existing = this.sources.get(s.name);
    if (existing && s.ifNotExists) return `${isStream ? 'Stream' : 'Table'} already exists`;
    // CreateSourceFactory#throwIfCreateOrReplaceOnSourceStreamOrTable
    if (s.orReplace && (s.isSource || existing?.isSource))
      throw new KsqlError(`Cannot add ${kind} '${s.name}': CREATE OR REPLACE is not supported on source ${kind}s.`);
    if (existing && !s.orReplace)
      throw new KsqlError(`Cannot add ${kind} '${s.name}': A ${existing.kind.toLowerCase()} with the same name already exists`);
    if (s.orReplace && (s.isSource || existing?.isSource))
      throw new KsqlError(`Cannot add ${kind} '${s.name}': CREATE OR REPLACE is not supported on source ${kind}s.`);
    const names = s.columns.map((c) => c.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw new KsqlError(`Duplicate column names: \`${dup}\``);
    for (const c of s.columns) {
      if (['ROWTIME', 'ROWPARTITION', 'ROWOFFSET', 'WINDOWSTART', 'WINDOWEND'].includes(c.name)) {
        throw new KsqlError(`'${c.name}' is a reserved column name. You cannot use it as a name for a column.`);
      }
    }
    let columns: Column[] = s.columns.map((c) => this.columnOf(c));
    if (!isStream && !columns.some((c) => c.ns === 'KEY') && s.columns.length > 0) {
      const fmt = (props.get('KEY_FORMAT') ?? props.get('FORMAT'))?.toUpperCase();
      if (!fmt || !SR_FORMATS.has(fmt)) throw new KsqlError('Tables require a PRIMARY KEY. Please define the PRIMARY KEY.');
    }
    // schema inference from the Schema Registry
    const probe = this.formats(
      props,
      {},
      columns.filter((c) => c.ns === 'KEY'),
      columns.filter((c) => c.ns === 'VALUE').length ? columns.filter((c) => c.ns === 'VALUE') : [{ name: 'x', type: { base: 'STRING' } }],
      true,
    );
    // ksqlDB's DefaultSchemaInjector: schema ids need formats with inference and no elements
    {
      const inferable = (f: string | undefined): boolean => f !== undefined && SR_FORMATS.has(f.toUpperCase());
      const keyFmt = (
        props.get('KEY_FORMAT') ??
        props.get('FORMAT') ??
        String(this.config['ksql.persistence.default.format.key'] ?? 'KAFKA')
      ).toUpperCase();
      const valueFmt = (
        props.get('VALUE_FORMAT') ??
        props.get('FORMAT') ??
        String(this.config['ksql.persistence.default.format.value'] ?? '')
      ).toUpperCase();
      for (const [prop, fmt, isKey] of [
        ['KEY', keyFmt, true],
        ['VALUE', valueFmt, false],
      ] as const) {
        if (!props.has(`${prop}_SCHEMA_ID`)) continue;
        if (!inferable(fmt))
          throw new KsqlError(
            `${prop}_FORMAT should support schema inference when ${prop}_SCHEMA_ID is provided. Current format is ${fmt}.`,
          );
        if (columns.some((c) => (isKey ? c.ns === 'KEY' : c.ns === 'VALUE')))
          throw new KsqlError(`Table elements and ${prop}_SCHEMA_ID cannot both exist for create statement.`);
      }
      if (columns.length === 0 && !inferable(valueFmt) && !inferable(keyFmt)) throw new KsqlError('No columns supplied.');
    }
    if (!columns.some((c) => c.ns === 'VALUE') && SR_FORMATS.has(probe.valueFormat.format)) {
      const inferred = this.inferColumns(topic, false, probe.valueFormat);
      columns = [...columns, ...inferred.columns];
    }
    // the key format as the statement gives it (the probe's is NONE while there are no key columns)
    const keyFormatName =
      this.formatOf(props.get('KEY_FORMAT') ?? props.get('FORMAT')) ??
      this.formatOf(this.config['ksql.persistence.default.format.key'] as string | undefined) ??
      'KAFKA';
    if (!columns.some((c) => c.ns === 'KEY') && SR_FORMATS.has(keyFormatName)) {
      const keyProps: Record<string, string> = {};
      if (props.has('KEY_SCHEMA_ID')) keyProps.schemaId = props.get('KEY_SCHEMA_ID')!;
      if (props.has('KEY_SCHEMA_FULL_NAME')) keyProps.fullSchemaName = props.get('KEY_SCHEMA_FULL_NAME')!;
      const inferred = this.inferColumns(topic, true, { format: keyFormatName, props: keyProps });
      columns = [...inferred.columns, ...columns];
    }
    const keyCols = columns.filter((c) => c.ns === 'KEY');
    const valueCols = columns.filter((c) => c.ns === 'VALUE');
    const f = this.formats(props, {}, keyCols, valueCols, true);
    validateFormat(f.keyFormat, keyCols, true, undefined);
    validateFormat(f.valueFormat, valueCols, false, !f.unwrap);
    if (this.topicOf(topic) === undefined && this.autoCreateTopics) this.topics.set(topic, 1);
    if (!this.topics.has(topic)) {
      const partitions = props.get('PARTITIONS');
      if (partitions === undefined) {
        throw new KsqlError(
          `Topic '${topic}' does not exist. If you want to create a new topic for the stream/table please re-run the statement providing the required 'PARTITIONS' configuration in the WITH clause (and optionally 'REPLICAS'). For example: ${s.text}`,
        );
      }
      this.topics.set(topic, Number(partitions));
    }
    let window: WindowInfo | undefined;
    const wt = props.get('WINDOW_TYPE')?.toUpperCase();
    if (wt !== undefined) {
      if (!['TUMBLING', 'HOPPING', 'SESSION'].includes(wt)) throw new KsqlError(`Invalid value ${wt} for property WINDOW_TYPE`);
      const ws = props.get('WINDOW_SIZE');
      if (wt !== 'SESSION' && ws === undefined)
        throw new KsqlError(
          `${wt} windows require 'WINDOW_SIZE' to be provided in the WITH clause. For example: 'WINDOW_SIZE'='10 SECONDS'`,
        );
      window = { type: wt as WindowInfo['type'], ...(ws !== undefined && wt !== 'SESSION' ? { sizeMs: parseDurationText(ws) } : {}) };
    }
    if (window && !columns.some((c) => c.ns === 'KEY')) throw new KsqlError('Windowed sources require a key column.');
    if (!isStream && !columns.some((c) => c.ns === 'KEY'))
      throw new KsqlError('Tables require a PRIMARY KEY. Please define the PRIMARY KEY.');
    const timestamp = this.timestampOf(props, columns);
    const source: DataSource = {
      name: s.name,
      kind: isStream ? 'STREAM' : 'TABLE',
      columns: [...keyCols, ...valueCols, ...columns.filter((c) => c.ns === 'HEADERS')],
      topic,
      keyFormat: f.keyFormat,
      valueFormat: f.valueFormat,
      unwrapValue: f.unwrap,
      ...(window ? { window } : {}),
      ...(timestamp ? { timestamp } : {}),
      isSource: s.isSource,
      isCas: false,
      sql: s.text,
    };
    if (existing) this.checkUpgrade(existing, source);
    this.registerSchemas(source);
    this.sources.set(s.name, source);
    return isStream ? 'Stream created' : 'Table created';
  }

  private columnOf(c: ColumnDef): Column {
    const type = fromDataType(c.dataType);
    if (c.headers)
      return {
        name: c.name,
        type: c.headerKey !== undefined ? type : HEADERS_TYPE,
        ns: 'HEADERS',
        ...(c.headerKey !== undefined ? { headerKey: c.headerKey } : {}),
      };
    return { name: c.name, type, ns: c.key ? 'KEY' : 'VALUE' };
  }

  private inferColumns(topic: string, isKey: boolean, format: FormatInfo): { columns: Column[]; id: number } {
    if (!this.registry) throw new NotSupportedError('schema inference without a Schema Registry');
    const subject = `${topic}-${isKey ? 'key' : 'value'}`;
    const schemaId = format.props.schemaId;
    const latest = schemaId === undefined ? this.registry.latest(subject) : undefined;
    const id = schemaId !== undefined ? Number(schemaId) : latest?.id;
    const found = id !== undefined ? this.registry.byId(id) : undefined;
    if (!found || id === undefined) {
      throw new KsqlError(
        `Schema for message ${isKey ? 'keys' : 'values'} on topic '${topic}' does not exist in the Schema Registry.Subject: ${subject}\n\nPossible causes include:\n- The topic itself does not exist\n\t-> Use SHOW TOPICS; to check\n- Messages on the topic are not serialized using a format Schema Registry supports\n\t-> Use PRINT '${topic}' FROM BEGINNING; to verify\n- Messages on the topic have not been serialized using a Confluent Schema Registry supported serializer\n\t-> See https://docs.confluent.io/current/schema-registry/docs/serializer-formatter.html\n- The schema is registered on a different instance of the Schema Registry\n\t-> Use the REST API to list available subjects\thttps://docs.confluent.io/current/schema-registry/docs/api.html#get--subjects`,
      );
    }
    const ns = isKey ? 'KEY' : 'VALUE';
    let columns: Column[];
    if (format.format === 'PROTOBUF') {
      const fullName = format.props.fullSchemaName;
      const { message } = selectMessage(registeredSchema(this.registry, id), fullName);
      columns = protoColumns(message, ns);
    } else if (format.format === 'JSON_SR') columns = jsonSchemaColumns(found.schema, ns);
    else if (format.format === 'AVRO') columns = avroColumns(found.schema, ns);
    else throw new NotSupportedError(`schema inference for ${format.format}`);
    // ksqlDB's ConnectKsqlSchemaTranslator upper-cases field names, unless the statement names
    // the schema id (SchemaRegistryTopicSchemaSupplier: ORIGINAL_FIELD_NAME)
    if (schemaId === undefined) columns = columns.map((c) => ({ ...c, name: c.name.toUpperCase(), type: upperFieldNames(c.type) }));
    return { columns, id };
  }

  private registerSchemas(_s: DataSource): void {
    // AVRO schemas are registered by the serde on first use (ksqlDB registers them at creation)
  }

  private timestampOf(props: Map<string, string>, columns: readonly Column[]): { column: string; format?: string } | undefined {
    const raw = props.get('TIMESTAMP');
    if (raw === undefined) return undefined;
    const name = unquoteIdentifier(raw);
    const col = columns.find((c) => c.name === name);
    if (!col) throw new KsqlError(`The TIMESTAMP column set in the WITH clause does not exist in the schema: '${name}'`);
    const format = props.get('TIMESTAMP_FORMAT');
    if (format === undefined && !['BIGINT', 'TIMESTAMP'].includes(col.type.base)) {
      throw new KsqlError(
        `Timestamp column, \`${name}\`, should be LONG(INT64), TIMESTAMP, or a String with a timestamp_format specified.`,
      );
    }
    return { column: name, ...(format !== undefined ? { format } : {}) };
  }

  private checkUpgrade(old: DataSource, next: DataSource): void {
    if (old.isSource || next.isSource)
      throw new KsqlError(`Cannot upgrade data source: DataSource '\`${old.name}\`' is a read-only source`);
    const issues: string[] = [];
    if (old.kind !== next.kind)
      issues.push(
        `DataSource '\`${old.name}\`' has type = ${old.kind === 'STREAM' ? 'KSTREAM' : 'KTABLE'} which is not upgradeable to ${next.kind === 'STREAM' ? 'KSTREAM' : 'KTABLE'}`,
      );
    // the whole KsqlTopic: name, key format (and window), value format
    if (ksqlTopicText(old) !== ksqlTopicText(next))
      issues.push(`DataSource '\`${old.name}\`' has topic = ${ksqlTopicText(old)} which is not upgradeable to ${ksqlTopicText(next)}`);
    // StructuredDataSource#checkSchemas: columns (by namespace and position) the new schema lacks
    const changed = (a: readonly Column[], b: readonly Column[]): Column[] =>
      a.filter((c, i) => b[i] === undefined || columnText(c) !== columnText(b[i]));
    const keyDiff = changed(keyColumns(old), keyColumns(next));
    const valueDiff = changed(valueColumns(old), valueColumns(next));
    const schemaIssue =
      keyDiff.length > 0
        ? `Key columns must be identical. The following key columns are changed, missing or reordered: [${keyDiff.map(columnText).join(', ')}]`
        : valueDiff.length > 0
          ? `The following columns are changed, missing or reordered: [${valueDiff.map(columnText).join(', ')}]`
          : undefined;
    if (schemaIssue !== undefined)
      issues.push(
        `DataSource '\`${old.name}\`' has schema = ${schemaText(old.columns)} which is not upgradeable to ${schemaText(next.columns)}. (${schemaIssue})`,
      );
    if (issues.length) throw new KsqlError(`Cannot upgrade data source: ${issues.join('\n\tAND ')}`);
  }

  /** What ksqlDB's upgrade check compares of a source a query reads (its source step). */
  private upgradeSource(name: string): UpgradeSource | undefined {
    const src = this.sources.get(name);
    if (!src) return undefined;
    return {
      kind: src.kind,
      windowed: src.window !== undefined,
      keyColumns: keyColumns(src).map((c) => c.name),
      topic: src.topic,
      formats: `${src.keyFormat.format}/${src.valueFormat.format}`,
      timestamp: src.timestamp?.column ?? '',
    };
  }

  private createAs(s: CreateAsSelect | InsertInto): { id: string; warnings: readonly string[] } {
    const isInsert = s.kind === 'insertInto';
    const target = isInsert ? this.sources.get(s.name) : undefined;
    if (isInsert && !target) throw new KsqlError(`Line: ${s.loc.line}, Col: ${s.loc.column + 12}: Source \`${s.name}\` does not exist.`);
    if (isInsert && target!.kind !== 'STREAM')
      throw new KsqlError(`INSERT INTO can only be used to insert into a stream. ${s.name} is a table.`);
    if (isInsert && target!.isSource) throw new KsqlError(`Cannot insert into read-only ${target!.kind.toLowerCase()}: ${s.name}`);
    if (isInsert && headerColumns(target!).length > 0) throw new KsqlError(`Cannot insert into ${s.name} because it has header columns`);
    const props = isInsert ? new Map<string, string>() : this.props(s.properties, CAS_PROPS);
    if (isInsert) {
      for (const k of Object.keys(s.properties))
        if (k !== 'QUERY_ID') throw new KsqlError(`Invalid config variable(s) in the WITH clause: ${k}`);
    }
    if (!isInsert) {
      const existing = this.sources.get(s.name);
      if (existing && s.ifNotExists) return { id: '', warnings: [] };
      if (existing && !s.orReplace) {
        throw new KsqlError(
          `Cannot add ${s.kind === 'createStreamAs' ? 'stream' : 'table'} '${s.name}': A ${existing.kind.toLowerCase()} with the same name already exists`,
        );
      }
      if (existing?.isSource) throw new KsqlError(`Cannot insert into read-only ${existing.kind.toLowerCase()}: ${existing.name}`);
    }
    for (const r of [s.query.from, ...s.query.joins.map((j) => j.source)]) {
      if (!this.sources.has(r.name)) {
        throw new KsqlError(`Exception while preparing statement: ${r.name} does not exist.${this.alternativesHint(r.name)}`);
      }
    }
    const plan = planQuery(s.query, { sinkName: s.name, functions: this.functions, resolve: (n) => this.sources.get(n) });
    this.checkCoPartitioned(s.query);
    const sinkKind = isInsert ? 'STREAM' : s.kind === 'createStreamAs' ? 'STREAM' : 'TABLE';
    if (!isInsert && sinkKind !== plan.kind) {
      throw new KsqlError(
        `Invalid result type. Your SELECT query produces a ${plan.kind}. Please use CREATE ${plan.kind} AS SELECT statement instead.`,
      );
    }
    const first = plan.sources[0];
    const keyCols = plan.columns.filter((c) => c.ns === 'KEY');
    const valueCols = plan.columns.filter((c) => c.ns === 'VALUE');
    let sink: DataSource;
    if (isInsert) {
      sink = target!;
      if (plan.kind !== 'STREAM')
        throw new KsqlError(
          `Incompatible data sink and query result. Data sink (${sink.name}) type is KSTREAM but select query result is KTABLE.`,
        );
      const targetCols = sink.columns.filter((c) => c.ns !== 'HEADERS');
      const compatible =
        targetCols.length === plan.columns.length &&
        targetCols.every(
          (c, i) => c.name === plan.columns[i].name && c.ns === plan.columns[i].ns && canImplicitlyCast(plan.columns[i].type, c.type),
        );
      if (!compatible)
        throw new KsqlError(
          `Incompatible schema between results and sink.\nResult schema is ${schemaText(plan.columns)}\nSink schema is ${schemaText(targetCols)}`,
        );
    } else {
      const f = this.formats(props, { key: first.keyFormat, value: first.valueFormat }, keyCols, valueCols, false, plan.partitionByNull);
      try {
        validateFormat(f.keyFormat, keyCols, true, undefined);
        validateFormat(f.valueFormat, valueCols, false, !f.unwrap);
      } catch (e) {
        // ksqlDB's KsqlStatementException: the message, then the statement as it rewrote it
        if (!(e instanceof KsqlError)) throw e;
        const relations = [s.query.from, ...s.query.joins.map((j) => j.source)];
        const qualify = (x: { name: string }): string | undefined =>
          (relations.find((r) => this.sources.get(r.name)?.columns.some((c) => c.name === x.name)) ?? relations[0]).alias;
        throw new KsqlError(`${e.message}\nStatement: ${statementText(s, plan.projection, qualify)}`);
      }
      const topic = props.get('KAFKA_TOPIC') ?? `${(this.config['ksql.output.topic.name.prefix'] as string | undefined) ?? ''}${s.name}`;
      if (this.topicOf(topic) === undefined) this.topics.set(topic, Number(props.get('PARTITIONS') ?? this.topicOf(first.topic) ?? 1));
      const timestamp = this.timestampOf(props, plan.columns);
      sink = {
        name: s.name,
        kind: sinkKind,
        columns: plan.columns,
        topic,
        keyFormat: f.keyFormat,
        valueFormat: f.valueFormat,
        unwrapValue: f.unwrap,
        ...(plan.window ? { window: plan.window } : {}),
        ...(timestamp ? { timestamp } : {}),
        isSource: false,
        isCas: true,
        sql: s.text,
      };
      const existing = this.sources.get(s.name);
      if (existing) {
        // QueryIdUtil#buildId: only the one query writing into the sink can be replaced
        const writers = [...this.queries.values()].filter((q) => q.sink === s.name).map((q) => q.id);
        if (writers.length > 1) {
          throw new KsqlError(
            `REPLACE for sink ${s.name} is not supported because there are multiple queries writing into it: [${writers.join(', ')}]`,
          );
        }
        this.checkUpgrade(existing, sink);
        // QueryRegistryImpl: the old plan's ExecutionStep#validateUpgrade with the new one
        const writer = [...this.queries.values()].find((q) => q.sink === s.name && !q.isInsert);
        const old = writer ? parseStatements(writer.statement)[0] : undefined;
        if (old && (old.kind === 'createStreamAs' || old.kind === 'createTableAs')) {
          const refused = stepRefusal(old, s as PersistentQueryStatement, {
            source: (name) => this.upgradeSource(name),
            aggregateFunctions: [...AGGREGATES.keys()],
          });
          if (refused) throw new KsqlError(refused.message);
        }
      }
    }
    let id: string;
    const queryIdProp = isInsert ? (s.properties.QUERY_ID as string | undefined) : undefined;
    if (queryIdProp !== undefined && queryIdProp !== null) {
      id = String(queryIdProp).toUpperCase();
      if (this.queries.has(id)) throw new KsqlError(`Query ID '${id}' already exists.`);
    } else if (!isInsert && this.sources.get(s.name)?.isCas) {
      const writer = [...this.queries.values()].find((q) => q.sink === s.name && !q.isInsert);
      id = writer?.id ?? `${sinkKind === 'TABLE' ? 'CTAS' : 'CSAS'}_${s.name}_${this.queryCounter++}`;
    } else {
      id = isInsert ? `INSERTQUERY_${this.queryCounter++}` : `${sinkKind === 'TABLE' ? 'CTAS' : 'CSAS'}_${s.name}_${this.queryCounter++}`;
    }
    if (!isInsert) {
      this.sources.set(s.name, sink);
      const read = this.references.get(s.name) ?? new Set<string>();
      for (const x of plan.sources) read.add(x.name);
      this.references.set(s.name, read);
    }
    // INSERT INTO casts result columns implicitly to the sink's types (ksqlDB's SelectionUtil)
    let casts: ((v: unknown) => unknown)[] | undefined;
    if (isInsert) {
      const targetCols = sink.columns.filter((c) => c.ns !== 'HEADERS');
      if (plan.columns.some((c, i) => !sameType(c.type, targetCols[i].type)))
        casts = plan.columns.map((c, i) => castFn(c.type, targetCols[i].type));
    }
    this.startQuery(id, sink, plan, s.text, isInsert, casts);
    return { id, warnings: plan.warnings };
  }

  /**
   * INSERT INTO ... VALUES as ksqlDB's InsertValuesExecutor: the record (serialized key and value,
   * timestamp from ROWTIME or the clock) it would produce to the source's topic, or ksqlDB's
   * refusal. Values are constant expressions coerced to the column types (STRICT coercion);
   * missing columns are null; tables need every primary key column.
   */
  insertValues(s: InsertValuesStatement): InputRecord {
    const source = this.sources.get(s.name);
    if (!source) {
      throw new KsqlError(`Cannot insert values into an unknown stream/table: \`${s.name}\`${this.alternativesHint(s.name)}`);
    }
    if (source.window) throw new KsqlError('Cannot insert values into windowed stream/table!');
    if (source.isSource) throw new KsqlError(`Cannot insert values into read-only ${source.kind.toLowerCase()}: ${source.name}`);
    const headers =
      s.columns.length === 0
        ? headerColumns(source).map((c) => c.name)
        : s.columns.filter((c) => headerColumns(source).some((h) => h.name === c));
    if (headers.length > 0) throw new KsqlError(`Cannot insert into HEADER columns: ${headers.join(', ')}`);
    const failed = (msg: string): never => {
      throw new KsqlError(`Failed to insert values into '${s.name}'. ${msg}`);
    };
    const keys = keyColumns(source);
    const values = valueColumns(source);
    const columns = s.columns.length > 0 ? s.columns : [...keys, ...values].map((c) => c.name);
    if (columns.length !== s.values.length) {
      failed(
        `Expected a value for each column. Expected Columns: [${s.columns.map((c) => `\`${c}\``).join(', ')}]. Got [${s.values.map((v) => ksqlText(v)).join(', ')}]`,
      );
    }
    const pseudo: Column[] = [
      { name: 'ROWTIME', type: T.BIGINT, ns: 'VALUE' },
      { name: 'ROWPARTITION', type: T.INTEGER, ns: 'VALUE' },
      { name: 'ROWOFFSET', type: T.BIGINT, ns: 'VALUE' },
    ];
    const all = [...source.columns, ...pseudo];
    const given = new Map<string, unknown>();
    const noColumns = new Scope([], 'insert value', this.functions);
    columns.forEach((name, i) => {
      const col = all.find((c) => c.name === name);
      if (!col) failed(`Column name \`${name}\` does not exist.`);
      if (name === 'ROWPARTITION' || name === 'ROWOFFSET') failed(`Inserting into column \`${name}\` is not allowed.`);
      const e = s.values[i];
      walkExpr(e, (x) => {
        if (x.kind === 'column') failed(`Unsupported column reference in insert value: ${ksqlText(e)}`);
      });
      let compiled: Compiled;
      let v: unknown;
      try {
        compiled = compile(e, noColumns);
        v = compiled.fn([]);
      } catch (err) {
        if (err instanceof KsqlError || err instanceof RecordError) return failed(err.message);
        throw err;
      }
      const coerced = coerceValueStrict(v, compiled.type, col!.type);
      if (!coerced) {
        const from = compiled.type?.base ?? 'NULL';
        const hint =
          from === 'STRING'
            ? col!.type.base === 'TIMESTAMP'
              ? '. Timestamp format must be yyyy-mm-ddThh:mm:ss[.S]'
              : col!.type.base === 'TIME'
                ? '. Time format must be hh:mm:ss[.S]'
                : col!.type.base === 'DATE'
                  ? '. Date format must be yyyy-mm-dd'
                  : ''
            : '';
        failed(`Expected type ${typeText(col!.type)} for field \`${name}\` but got ${from}(${valueToString(v, compiled.type)})${hint}`);
      }
      given.set(name, coerced!.value);
    });
    if (source.kind === 'TABLE') {
      const missing = keys.filter((k) => !given.has(k.name)).map((k) => k.name);
      if (missing.length > 0) failed(`Value for primary key column(s) ${missing.join(', ')} is required for tables`);
    }
    const rowtime = given.get('ROWTIME');
    const timestamp = rowtime !== undefined && rowtime !== null ? Number(rowtime) : this.functions.env!.now();
    const serdes = this.serdesOf(source);
    const keyValues = keys.map((k) => given.get(k.name) ?? null);
    let key: Buffer | null;
    let value: Buffer | null;
    try {
      key =
        keyValues.length === 0 || (keyValues.length === 1 && keyValues[0] === null) ? null : serdes.key.serialize(keyValues, source.topic);
      value = serdes.value.serialize(
        values.map((c) => given.get(c.name) ?? null),
        source.topic,
      );
    } catch (err) {
      if (err instanceof RecordError || err instanceof KsqlError) return failed(err.message);
      throw err;
    }
    return { topic: source.topic, partition: 0, key, value, timestamp, headers: [] };
  }

  /** JoinNode#ensureMatchingPartitionCounts: both sides of a join read topics with as many partitions. */
  private checkCoPartitioned(q: Query): void {
    if (q.joins.length === 0) return;
    const [l, r] = [q.from, q.joins[0].source];
    const lp = this.topicOf(this.sources.get(l.name)?.topic ?? '');
    const rp = this.topicOf(this.sources.get(r.name)?.topic ?? '');
    if (lp === undefined || rp === undefined || lp === rp) return;
    throw new KsqlError(
      `Can't join \`${l.alias}\` with \`${r.alias}\` since the number of partitions don't match. \`${l.alias}\` partitions = ${lp}; \`${r.alias}\` partitions = ${rp}. Please repartition either one so that the number of partitions match.`,
    );
  }

  private alternativesHint(name: string): string {
    const matches = [...this.sources.keys()].filter((n) => n.toUpperCase() === name.toUpperCase() && n !== name);
    if (matches.length !== 1) return '';
    const only = matches[0];
    return /[a-z]/.test(only)
      ? `\nDid you mean "${only}"? Hint: wrap the source name in double quotes to make it case-sensitive.`
      : `\nDid you mean ${only}? Hint: try removing double quotes from the source name.`;
  }

  private serdesOf(s: DataSource): { key: Serde; value: Serde } {
    const keyCols = keyColumns(s);
    const valueCols = valueColumns(s);
    return {
      key: createSerde(s.keyFormat, keyCols, true, keyCols.length === 1, this.registry, s.topic),
      value: createSerde(s.valueFormat, valueCols, false, s.unwrapValue, this.registry, s.topic),
    };
  }

  private startQuery(
    id: string,
    sink: DataSource,
    plan: PlannedQuery,
    statement: string,
    isInsert: boolean,
    casts?: readonly ((v: unknown) => unknown)[],
  ): void {
    const keyCount = plan.columns.filter((c) => c.ns === 'KEY').length;
    // CSAS/CTAS WITH (TIMESTAMP=...): the output record's time is that column of the result
    let sinkTimestamp: ((o: QueryOutput) => number) | undefined;
    if (!isInsert && sink.timestamp) {
      const extract = timestampExtractor(sink);
      sinkTimestamp = (o) => {
        try {
          const t = extract({ topic: sink.topic, key: null, value: null, timestamp: o.ts }, o.key, o.value);
          return t >= 0 ? t : o.ts;
        } catch {
          return o.ts;
        }
      };
    }
    const prefix = `_confluent-ksql-default_query_${id}`;
    const sinkSerdes = this.serdesOf(sink);
    const windowed = sink.window;
    // the latest row per key of a table, for pull queries
    // the latest row per key of a table written by this query, for pull queries: one of the
    // query's own stores (named with its prefix), so a runtime persists and restores it with them
    const view = !isInsert && sink.kind === 'TABLE' ? this.stores.store(`${prefix}-pull`) : undefined;
    if (view) this.pullViews.set(sink.name, view.name);
    const runtime = plan.start(this.stores, prefix, (o) => {
      if (view) {
        const k = keyOf(o.key) + (o.window ? `@${o.window.start}` : '');
        if (o.value === null) view.delete(k);
        else
          view.put(k, {
            key: [...o.key],
            value: [...o.value],
            ts: o.ts,
            ...(o.window ? { window: o.window } : {}),
          } satisfies MaterializedRow);
      }
      let key: Buffer | null;
      let value: Buffer | null;
      try {
        // a single null key is a null record key; several key columns serialize even when all are null
        if (casts) {
          o = {
            ...o,
            key: o.key.map((v, i) => casts[i](v)),
            value: o.value === null ? null : o.value.map((v, i) => casts[keyCount + i](v)),
          };
        }
        key = o.key.length === 0 || (o.key.length === 1 && o.key[0] === null) ? null : sinkSerdes.key.serialize(o.key, sink.topic);
        if (windowed && o.window) key = windowKey(key, o.window, windowed.type);
        value = sinkSerdes.value.serialize(o.value, sink.topic);
      } catch (e) {
        if (e instanceof RecordError) {
          this.processingLog.push({ queryId: id, topic: sink.topic, message: e.message });
          return;
        }
        throw e;
      }
      this.pendingOutputs.push({
        topic: sink.topic,
        partition: 0,
        key,
        value,
        timestamp: sinkTimestamp ? sinkTimestamp(o) : o.ts,
        headers: [],
        queryId: id,
        ...(windowed && o.window ? { window: { ...o.window, type: windowed.type } } : {}),
      });
    });
    const inputs = this.inputsOf(plan);
    this.queries.set(id, {
      id,
      sink: sink.name,
      sinkTopic: sink.topic,
      plan,
      runtime,
      inputs,
      keySerde: sinkSerdes.key,
      valueSerde: sinkSerdes.value,
      ...(windowed ? { windowed } : {}),
      statement,
      isInsert,
      sources: plan.sources.map((x) => x.name),
      storePrefix: prefix,
      config: { ...this.config },
    });
  }

  private drop(s: Extract<Statement, { kind: 'dropStream' | 'dropTable' }>): string {
    const type = s.kind === 'dropStream' ? 'STREAM' : 'TABLE';
    const source = this.sources.get(s.name);
    if (!source) {
      if (s.ifExists) return `Source \`${s.name}\` does not exist.`;
      throw new KsqlError(`${type === 'STREAM' ? 'Stream' : 'Table'} ${s.name} does not exist.${this.alternativesHint(s.name)}`);
    }
    if (source.kind !== type) throw new KsqlError(`Incompatible data source type is ${source.kind}, but statement was DROP ${type}`);
    if (s.deleteTopic && source.isSource) throw new KsqlError(`Cannot delete topic for read-only source: ${s.name}`);
    // ksqlDB's EngineContext#throwIfInsertQueriesExist: INSERT INTO queries reading or writing it
    const readers = [...this.queries.values()].filter((q) => q.isInsert && q.sources.includes(s.name));
    const writers = [...this.queries.values()].filter((q) => q.sink === s.name && q.isInsert);
    if (readers.length || writers.length) {
      throw new KsqlError(
        `Cannot drop ${s.name}.\nThe following queries read from this source: [${readers
          .map((q) => q.id)
          .sort()
          .join(', ')}].\nThe following queries write into this source: [${writers
          .map((q) => q.id)
          .sort()
          .join(', ')}].\nYou need to terminate them before dropping ${s.name}.`,
      );
    }
    // MetaStoreImpl's drop constraints: streams and tables created AS SELECT from this source
    const referencing = [...this.references].filter(([sink, read]) => sink !== s.name && read.has(s.name)).map(([sink]) => sink);
    if (referencing.length > 0) {
      throw new KsqlError(
        `Cannot drop ${s.name}.\nThe following streams and/or tables read from this source: [${referencing.sort().join(', ')}].\nYou need to drop them before dropping ${s.name}.`,
      );
    }
    for (const q of [...this.queries.values()]) if (q.sink === s.name) this.queries.delete(q.id);
    this.pullViews.delete(s.name);
    this.sources.delete(s.name);
    this.references.delete(s.name);
    return `Source \`${s.name}\` (topic: ${source.topic}) was dropped.`;
  }

  // ----------------------------------------------------------------------------------------
  // Records

  private pendingOutputs: OutputRecord[] = [];

  /**
   * Processes one input record through every query reading its topic; outputs of queries are
   * fed on to queries reading their topics (depth first). Returns every output, in order.
   */
  process(rec: InputRecord): OutputRecord[] {
    const all: OutputRecord[] = [];
    const queue: InputRecord[] = [rec];
    while (queue.length > 0) {
      const r = queue.shift()!;
      const offsetKey = `${r.topic}/${r.partition ?? 0}`;
      const offset = r.offset ?? this.offsets.get(offsetKey) ?? 0;
      this.offsets.set(offsetKey, offset + 1);
      this.materializeSourceTables(r);
      for (const q of this.queries.values()) {
        for (const input of q.inputs) {
          if (input.topic !== r.topic) continue;
          this.pendingOutputs = [];
          this.feed(q, input, r, offset);
          const produced = this.pendingOutputs;
          this.pendingOutputs = [];
          for (const o of produced) {
            all.push(o);
            queue.push({ topic: o.topic, partition: o.partition, key: o.key, value: o.value, timestamp: o.timestamp, headers: o.headers });
          }
        }
      }
    }
    return all;
  }

  /** CREATE SOURCE TABLE keeps its rows for pull queries (ksqlDB materializes source tables). */
  private materializeSourceTables(r: InputRecord): void {
    for (const src of this.sources.values()) {
      if (!src.isSource || src.kind !== 'TABLE' || src.topic !== r.topic) continue;
      let serdes = this.sourceSerdes.get(src.name);
      if (!serdes) {
        serdes = this.serdesOf(src);
        this.sourceSerdes.set(src.name, serdes);
      }
      let key: unknown[] | null;
      let value: unknown[] | null;
      let keyBytes = r.key;
      let window: { start: number; end: number } | undefined;
      try {
        if (src.window && keyBytes) {
          const w = unwindowKey(keyBytes, src.window);
          keyBytes = w.key;
          window = w.window;
        }
        key = serdes.key.deserialize(keyBytes, r.topic);
        value = serdes.value.deserialize(r.value, r.topic);
      } catch (e) {
        if (e instanceof RecordError) continue;
        throw e;
      }
      const view = this.stores.store(viewStoreName(src.name));
      const k = keyOf(key ?? []) + (window ? `@${window.start}` : '');
      if (value === null) view.delete(k);
      else view.put(k, { key: key ?? [], value, ts: r.timestamp, ...(window ? { window } : {}) } satisfies MaterializedRow);
    }
  }

  private readonly sourceSerdes = new Map<string, { key: Serde; value: Serde }>();

  /**
   * Runs a pull query (`SELECT ... FROM table [WHERE ...]`, no EMIT CHANGES) over the latest
   * state of a table written by a persistent query or declared with CREATE SOURCE TABLE.
   */
  pullQuery(sql: string): PullQueryResult {
    let statements: Statement[];
    try {
      statements = parseStatements(sql);
    } catch (e) {
      if (e instanceof KsqlSyntaxError) throw new KsqlParseError(`Failed to prepare statement: ${e.message}`);
      throw e;
    }
    const s = statements[0];
    if (statements.length !== 1 || s.kind !== 'query') throw new KsqlError('A pull query is one SELECT statement.');
    const q = s.query;
    if (q.emit === 'CHANGES') throw new NotSupportedError('push queries in pullQuery (EMIT CHANGES)');
    const table = this.sources.get(q.from.name);
    if (!table) throw new KsqlError(`${q.from.name} does not exist.${this.alternativesHint(q.from.name)}`);
    if (table.kind !== 'TABLE') throw new NotSupportedError('pull queries on streams');
    const materialized = table.isSource || [...this.queries.values()].some((x) => x.sink === table.name && !x.isInsert);
    if (!materialized) {
      throw new KsqlError(
        `The \`${table.name}\` table isn't queryable. To derive a queryable table, you can do 'CREATE TABLE QUERYABLE_${table.name} AS SELECT * FROM ${table.name}'. See https://cnfl.io/queries for more info.\nAdd EMIT CHANGES if you intended to issue a push query.`,
      );
    }
    const rows = [...this.stores.store(this.pullViews.get(table.name) ?? viewStoreName(table.name)).entries()].map(
      ([, v]) => v as MaterializedRow,
    );
    return runPullQuery(q, table, rows, this.functions);
  }

  /** How a query reads each of its sources: topic, serdes, timestamp and header columns. */
  private inputsOf(plan: PlannedQuery): RunningQuery['inputs'] {
    return plan.sources.map((src, index) => {
      const serdes = this.serdesOf(src);
      return {
        topic: src.topic,
        index,
        source: src,
        key: serdes.key,
        value: serdes.value,
        ts: timestampExtractor(src),
        headerColumns: headerColumns(src),
      };
    });
  }

  private feed(q: RunningQuery, input: RunningQuery['inputs'][number], r: InputRecord, offset: number): void {
    let key: unknown[] | null;
    let value: unknown[] | null;
    let keyBytes = r.key;
    let window: { start: number; end: number } | undefined;
    try {
      if (input.source.window && keyBytes) {
        const w = unwindowKey(keyBytes, input.source.window);
        keyBytes = w.key;
        window = w.window;
      }
      key = input.key.deserialize(keyBytes, r.topic);
      value = input.value.deserialize(r.value, r.topic);
    } catch (e) {
      if (e instanceof RecordError) {
        this.processingLog.push({ queryId: q.id, topic: r.topic, message: e.message });
        return;
      }
      throw e;
    }
    const headerCols = input.headerColumns;
    if (value !== null && headerCols.length > 0) {
      const headers = r.headers ?? [];
      value = [
        ...value,
        ...headerCols.map((h) => {
          if (h.headerKey !== undefined) {
            const found = [...headers].reverse().find((x) => x.key === h.headerKey);
            return found ? found.value : null;
          }
          return headers.map((x) => ({ KEY: x.key, VALUE: x.value }));
        }),
      ];
    }
    let ts: number;
    try {
      ts = input.ts(r, key, value);
    } catch (e) {
      if (e instanceof RecordError) {
        this.processingLog.push({ queryId: q.id, topic: r.topic, message: e.message });
        return;
      }
      throw e;
    }
    if (ts < 0) {
      this.processingLog.push({ queryId: q.id, topic: r.topic, message: `Invalid timestamp: ${ts}` });
      return;
    }
    try {
      q.runtime.process(input.index, {
        key,
        value,
        headers: r.headers ?? [],
        ts,
        partition: r.partition ?? 0,
        offset,
        ...(window ? { window } : {}),
      });
    } catch (e) {
      if (e instanceof RecordError) {
        this.processingLog.push({ queryId: q.id, topic: r.topic, message: e.message });
        return;
      }
      if (e instanceof FatalProcessingError) throw e;
      throw e;
    }
  }
}

function timestampExtractor(s: DataSource): (rec: InputRecord, key: readonly unknown[] | null, value: readonly unknown[] | null) => number {
  if (!s.timestamp) return (rec) => rec.timestamp;
  const idx = s.columns.findIndex((c) => c.name === s.timestamp!.column);
  const col = s.columns[idx];
  const keyCount = keyColumns(s).length;
  const format = s.timestamp.format;
  return (rec, key, value) => {
    if (value === null) return rec.timestamp;
    const v = idx < keyCount ? (key?.[idx] ?? null) : value[idx - keyCount];
    if (v === null || v === undefined) return -1;
    if (format !== undefined) return parseInstant(String(v), format);
    if (col.type.base === 'BIGINT') return Number(v);
    return v as number;
  };
}

/** A type with its struct field names upper-cased (schema inference). */
function upperFieldNames(t: SqlType): SqlType {
  switch (t.base) {
    case 'STRUCT':
      return { base: 'STRUCT', fields: t.fields.map((f) => ({ name: f.name.toUpperCase(), type: upperFieldNames(f.type) })) };
    case 'ARRAY':
      return { base: 'ARRAY', item: upperFieldNames(t.item) };
    case 'MAP':
      return { base: 'MAP', key: t.key, value: upperFieldNames(t.value) };
    default:
      return t;
  }
}

/** The store holding a table's latest rows (pull queries). */
/** The store of a source table's latest rows (CREATE SOURCE TABLE), for pull queries. */
const viewStoreName = (table: string): string => `_pull_${table}`;

/** Kafka Streams windowed key bytes: key + start (8 bytes) [+ end for sessions]. */
function windowKey(key: Buffer | null, w: { start: number; end: number }, type: string): Buffer {
  const k = key ?? Buffer.alloc(0);
  if (type === 'SESSION') {
    const b = Buffer.alloc(16);
    b.writeBigInt64BE(BigInt(w.end), 0);
    b.writeBigInt64BE(BigInt(w.start), 8);
    return Buffer.concat([k, b]);
  }
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(w.start));
  return Buffer.concat([k, b]);
}

function unwindowKey(key: Buffer, w: WindowInfo): { key: Buffer; window: { start: number; end: number } } {
  if (w.type === 'SESSION') {
    if (key.length < 16) throw new RecordError('Windowed key too short');
    const end = Number(key.readBigInt64BE(key.length - 16));
    const start = Number(key.readBigInt64BE(key.length - 8));
    return { key: key.subarray(0, key.length - 16), window: { start, end } };
  }
  if (key.length < 8) throw new RecordError('Windowed key too short');
  const start = Number(key.readBigInt64BE(key.length - 8));
  return { key: key.subarray(0, key.length - 8), window: { start, end: start + (w.sizeMs ?? 0) } };
}

export { unwindowKey };

/** `10 SECONDS` etc. */
function parseDurationText(text: string): number {
  const m = /^\s*(\d+)\s+([A-Za-z]+)\s*$/.exec(text);
  const units: Record<string, number> = {
    MILLISECOND: 1,
    MILLISECONDS: 1,
    SECOND: 1000,
    SECONDS: 1000,
    MINUTE: 60_000,
    MINUTES: 60_000,
    HOUR: 3_600_000,
    HOURS: 3_600_000,
    DAY: 86_400_000,
    DAYS: 86_400_000,
  };
  if (!m) throw new KsqlError(`Configuration WINDOW_SIZE is invalid: Invalid duration: '${text}'. Expected format: <number> <unit>`);
  const unit = units[m[2].toUpperCase()];
  if (unit === undefined)
    throw new KsqlError(`Configuration WINDOW_SIZE is invalid: Invalid duration: '${text}'. Unknown time unit: '${m[2].toUpperCase()}'`);
  return Number(m[1]) * unit;
}

/**
 * ksqlDB's KsqlTopic#toString, as far as the upgrade check compares it: the topic name, the key
 * format (with its window) and the value format (format properties and serde features left out).
 */
function ksqlTopicText(s: DataSource): string {
  const window = s.window ? `Optional[WindowInfo{type=${s.window.type}}]` : 'Optional.empty';
  return (
    `KsqlTopic{kafkaTopicName='${s.topic}', keyFormat=KeyFormat{format=FormatInfo{format=${s.keyFormat.format}}, window=${window}}, ` +
    `valueFormat=ValueFormat{format=FormatInfo{format=${s.valueFormat.format}}}}`
  );
}
