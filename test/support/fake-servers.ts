/**
 * In-memory stand-ins for the servers the provider's resources talk to, implementing the narrow
 * client types of src/provider/provider-clients.ts: no network, no processes. Each keeps the state
 * a test inspects and a log of the calls it received.
 */
import { formatStatement, isUpgradeable, parseStatements, sourcesRead, type Statement } from '../../src/core/ksql';
import { abortable } from '../../src/provider/clients/abort';
import type { ConnectorStatus } from '../../src/provider/clients/connect';
import { KafkaClientError, KafkaTopicError, type NewTopic, type TopicDescription } from '../../src/provider/clients/kafka';
import { KafkaErrorCode } from '../../src/provider/clients/kafka-wire';
import { KsqlError, type KsqlCatalog, type KsqlRunningQuery, type KsqlSourceDescription } from '../../src/provider/clients/ksqldb';
import type { CompatibilityLevel, SchemaInput, SubjectVersion } from '../../src/provider/clients/schema-registry';
import { ProviderClients, type Connect, type KafkaAdmin, type Ksql, type SchemaRegistry } from '../../src/provider/provider-clients';

// ------------------------------------------------------------------------------------- Kafka

interface FakeTopic {
  partitions: number;
  replicationFactor: number;
  overrides: Record<string, string>;
}

/** Broker defaults the fake reports for every topic (not overrides). */
const BROKER_DEFAULTS: Record<string, string> = { 'retention.ms': '604800000', 'cleanup.policy': 'delete' };

export class FakeKafka implements KafkaAdmin {
  readonly topics = new Map<string, FakeTopic>();
  readonly calls: string[] = [];

  async describeTopics(names?: readonly string[]): Promise<Map<string, TopicDescription>> {
    const out = new Map<string, TopicDescription>();
    for (const [name, t] of this.topics) {
      if (names && !names.includes(name)) continue;
      const configs: TopicDescription['configs'] = {
        ...Object.fromEntries(Object.entries(BROKER_DEFAULTS).map(([k, value]) => [k, { value, isOverride: false }])),
        ...Object.fromEntries(Object.entries(t.overrides).map(([k, value]) => [k, { value, isOverride: true }])),
      };
      out.set(name, { name, partitions: t.partitions, replicationFactor: t.replicationFactor, configs, leaderless: 0 });
    }
    return out;
  }

  /** Recorded only: the fake answers every read from its topics as they are. */
  readAhead(names: readonly string[]): void {
    this.calls.push(`readAhead ${names.join(',')}`);
  }

  async createTopic(t: NewTopic): Promise<TopicDescription> {
    this.calls.push(`createTopic ${t.name}`);
    if (this.topics.has(t.name)) {
      // As KafkaAdminClient reports it: the topic's own error code in the CreateTopics answer.
      const cause = new KafkaTopicError(t.name, KafkaErrorCode.TOPIC_ALREADY_EXISTS, null);
      throw new KafkaClientError('Kafka at fake:9092', `create topic ${t.name}: ${cause.message}`, cause);
    }
    this.topics.set(t.name, {
      partitions: t.partitions,
      replicationFactor: t.replicationFactor === -1 ? 3 : t.replicationFactor,
      overrides: { ...t.configs },
    });
    return (await this.describeTopics([t.name])).get(t.name)!;
  }

  async deleteTopic(name: string): Promise<void> {
    this.calls.push(`deleteTopic ${name}`);
    this.topics.delete(name);
  }

  async createPartitions(name: string, count: number): Promise<void> {
    this.calls.push(`createPartitions ${name} ${count}`);
    this.topic(name).partitions = count;
  }

  async setTopicConfigs(name: string, desired: Readonly<Record<string, string>>, release: readonly string[]): Promise<void> {
    this.calls.push(`setTopicConfigs ${name}`);
    const t = this.topic(name);
    for (const k of release) delete t.overrides[k];
    Object.assign(t.overrides, desired);
  }

  private topic(name: string): FakeTopic {
    const t = this.topics.get(name);
    if (!t) throw new Error(`This server does not host this topic-partition: ${name}`);
    return t;
  }
}

// ---------------------------------------------------------------------------- Schema Registry

export class FakeSchemaRegistry implements SchemaRegistry {
  readonly subjects = new Map<string, SubjectVersion[]>();
  readonly levels = new Map<string, CompatibilityLevel>();
  global: CompatibilityLevel = 'BACKWARD';
  /** Reasons to refuse the next compatibility checks with (empty: compatible). */
  incompatible: string[] = [];
  readonly calls: string[] = [];
  private nextId = 1;

  async latest(subject: string): Promise<SubjectVersion | undefined> {
    return this.subjects.get(subject)?.at(-1);
  }

  async register(subject: string, input: SchemaInput): Promise<number> {
    this.calls.push(`register ${subject}`);
    const found = await this.lookup(subject, input);
    if (found) return found.id;
    const versions = this.subjects.get(subject) ?? [];
    const v: SubjectVersion = {
      subject,
      version: versions.length + 1,
      id: this.nextId++,
      schema: input.schema,
      schemaType: input.schemaType === 'AVRO' ? undefined : input.schemaType,
      references: [...(input.references ?? [])],
    };
    this.subjects.set(subject, [...versions, v]);
    return v.id;
  }

  async lookup(subject: string, input: SchemaInput): Promise<SubjectVersion | undefined> {
    return this.subjects.get(subject)?.find((v) => v.schema === input.schema);
  }

  async checkCompatibility(subject: string): Promise<{ isCompatible: boolean; messages: string[] }> {
    this.calls.push(`checkCompatibility ${subject}`);
    if (!this.subjects.has(subject)) return { isCompatible: true, messages: [] };
    return { isCompatible: this.incompatible.length === 0, messages: [...this.incompatible] };
  }

  async explainIncompatibility(): Promise<string[]> {
    return [];
  }

  async deleteSubject(subject: string): Promise<number[]> {
    this.calls.push(`deleteSubject ${subject}`);
    const versions = (this.subjects.get(subject) ?? []).map((v) => v.version);
    this.subjects.delete(subject);
    return versions;
  }

  async subjectCompatibility(subject: string): Promise<CompatibilityLevel | undefined> {
    return this.levels.get(subject);
  }

  async globalCompatibility(): Promise<CompatibilityLevel> {
    return this.global;
  }

  async setSubjectCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    this.calls.push(`setSubjectCompatibility ${subject} ${level}`);
    this.levels.set(subject, level);
  }

  async clearSubjectCompatibility(subject: string): Promise<void> {
    this.calls.push(`clearSubjectCompatibility ${subject}`);
    this.levels.delete(subject);
  }
}

// ------------------------------------------------------------------------------ Kafka Connect

type ListAll = Awaited<ReturnType<Connect['listAll']>>;
type Problems = Awaited<ReturnType<Connect['validate']>>;

export class FakeConnect implements Connect {
  readonly connectors = new Map<string, { config: Record<string, string>; status: ConnectorStatus }>();
  installed = ['io.confluent.connect.jdbc.JdbcSourceConnector'];
  /** What validate answers. */
  problems: Problems = [];
  /** The status a connector gets when its configuration is put. */
  statusOnPut: (name: string) => ConnectorStatus = (name) => running(name);
  /** Values the fake masks in its answers (as Connect deployments hide secrets). */
  masked: string[] = [];
  readonly calls: string[] = [];

  async listAll(): Promise<ListAll> {
    const out: ListAll = new Map();
    for (const [name, c] of this.connectors) out.set(name, { name, config: this.mask(c.config), status: c.status });
    return out;
  }

  async config(name: string): Promise<Record<string, string> | undefined> {
    const c = this.connectors.get(name);
    return c && this.mask(c.config);
  }

  async status(name: string): Promise<ConnectorStatus | undefined> {
    return this.connectors.get(name)?.status;
  }

  async put(name: string, config: Record<string, string>): Promise<void> {
    this.calls.push(`put ${name}`);
    this.connectors.set(name, { config: { ...config }, status: this.statusOnPut(name) });
  }

  async delete(name: string): Promise<boolean> {
    this.calls.push(`delete ${name}`);
    return this.connectors.delete(name);
  }

  async stop(name: string): Promise<void> {
    this.calls.push(`stop ${name}`);
    const c = this.connectors.get(name);
    if (c) c.status = { name, connector: { state: 'STOPPED' }, tasks: [] };
  }

  async resetOffsets(name: string): Promise<void> {
    this.calls.push(`resetOffsets ${name}`);
  }

  async resume(name: string): Promise<void> {
    this.calls.push(`resume ${name}`);
    const c = this.connectors.get(name);
    if (c) c.status = running(name, Math.max(1, c.status.tasks.length));
  }

  async restart(name: string): Promise<void> {
    this.calls.push(`restart ${name}`);
    const c = this.connectors.get(name);
    if (c && c.status.connector.state !== 'PAUSED') c.status = running(name, Math.max(1, c.status.tasks.length));
  }

  async plugins(): Promise<Awaited<ReturnType<Connect['plugins']>>> {
    return this.installed.map((c) => ({ class: c, type: 'source' }));
  }

  async validate(connectorClass: string): Promise<Problems> {
    this.calls.push(`validate ${connectorClass}`);
    return this.problems;
  }

  private mask(config: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, this.masked.includes(k) ? '[hidden]' : v]));
  }
}

export function running(name: string, tasks = 1): ConnectorStatus {
  return {
    name,
    connector: { state: 'RUNNING' },
    tasks: Array.from({ length: tasks }, (_, id) => ({ id, state: 'RUNNING' as const })),
  };
}

// ------------------------------------------------------------------------------------ ksqlDB

type CommandResult = Awaited<ReturnType<Ksql['command']>>;
type Entities = Awaited<ReturnType<Ksql['execute']>>;

/**
 * A ksqlDB catalog in memory: CREATE [OR REPLACE] STREAM/TABLE [AS SELECT], INSERT INTO, DROP,
 * TERMINATE and EXPLAIN, with ksqlDB's refusals for the cases the provider meets (a name that
 * exists, a source that does not, a DROP with queries writing, an unknown query id, a CREATE OR
 * REPLACE that is not upgradeable). Stored statement texts are re-formatted, as ksqlDB's are.
 */
export class FakeKsql implements Ksql {
  readonly sources = new Map<string, KsqlSourceDescription>();
  readonly queries = new Map<string, KsqlRunningQuery>();
  /** Every statement text received by command() and execute(), in order. */
  readonly sent: string[] = [];
  /** Refuses statements (also under EXPLAIN) with this message when it returns one. */
  refuse: (stmt: Statement) => string | undefined = () => undefined;
  /** While set, command() hangs until the client's signal aborts. */
  blocking = false;
  private blocked?: () => void;
  /** Resolves when a command starts hanging (blocking is set). */
  readonly hanging = new Promise<void>((resolve) => (this.blocked = resolve));
  private nextQuery = 1;

  constructor(private readonly signal?: AbortSignal) {}

  /** A copy, as a server's answer is. */
  async catalog(): Promise<KsqlCatalog> {
    this.listings++;
    return structuredClone({ sources: this.sources, queries: this.queries });
  }

  /** The names asked one at a time by source(), in order. */
  readonly askedByName: string[] = [];
  /** How many times the whole catalog was listed. */
  listings = 0;

  async source(name: string): Promise<KsqlSourceDescription | undefined> {
    this.askedByName.push(name);
    const found = this.sources.get(name);
    return found ? structuredClone(found) : undefined;
  }

  async execute(ksql: string): Promise<Entities> {
    this.sent.push(ksql);
    const out: Entities = [];
    for (const stmt of parseStatements(ksql)) {
      if (stmt.kind !== 'explain' || !stmt.statement) throw new KsqlError(400, 40000, `the fake runs only EXPLAIN here, got ${stmt.kind}`);
      // Run it on a copy: EXPLAIN validates without changing anything.
      const copy = this.copy();
      copy.run(stmt.statement);
      out.push({ '@type': 'queryDescription', statementText: ksql, queryDescription: { id: null } });
    }
    return out;
  }

  async command(statement: string, streamsProperties: Record<string, string> = {}): Promise<CommandResult> {
    this.sent.push(statement);
    if (this.blocking) {
      this.blocked?.();
      await abortable(new Promise<never>(() => undefined), this.signal);
    }
    const [stmt] = parseStatements(statement);
    void streamsProperties;
    const queryId = this.run(stmt);
    const status = { status: 'SUCCESS' as const, message: 'done', queryId };
    return {
      entity: { '@type': 'currentStatus', statementText: statement, commandId: 'c', commandStatus: status, commandSequenceNumber: 1 },
      status,
    };
  }

  /** A query whose statement someone replaced outside streamform (as the server stores it). */
  rewriteOutside(queryId: string, text: string): void {
    for (const q of [
      this.queries.get(queryId),
      ...[...this.sources.values()].flatMap((s) => s.writeQueries.filter((w) => w.id === queryId)),
    ]) {
      if (q) q.queryString = text;
    }
  }

  /** A query stopped outside streamform. */
  terminateOutside(queryId: string): void {
    this.run(parseStatements(`TERMINATE ${queryId};`)[0]);
  }

  private copy(): FakeKsql {
    const c = new FakeKsql();
    for (const [k, v] of this.sources) c.sources.set(k, structuredClone(v));
    for (const [k, v] of this.queries) c.queries.set(k, structuredClone(v));
    c.refuse = this.refuse;
    c.nextQuery = this.nextQuery;
    return c;
  }

  /** Executes one statement on the catalog; returns the id of a query it starts. */
  private run(stmt: Statement): string | undefined {
    const refusal = this.refuse(stmt);
    if (refusal) throw new KsqlError(400, 40001, refusal, stmt.text);
    switch (stmt.kind) {
      case 'createStream':
      case 'createTable': {
        const type = stmt.kind === 'createStream' ? 'STREAM' : 'TABLE';
        this.checkReplace(stmt, type);
        const existing = this.sources.get(stmt.name);
        const props = stmt.properties;
        this.sources.set(stmt.name, {
          ...this.described(stmt.name, type, String(props.KAFKA_TOPIC ?? stmt.name), formatStatement({ ...stmt, orReplace: false })),
          fields: stmt.columns.map((c) => ({ name: c.name, schema: { type: c.type } })),
          keyFormat: String(props.KEY_FORMAT ?? props.FORMAT ?? 'KAFKA').toUpperCase(),
          valueFormat: String(props.VALUE_FORMAT ?? props.FORMAT ?? 'JSON').toUpperCase(),
          readQueries: existing?.readQueries ?? [],
        });
        return undefined;
      }
      case 'createStreamAs':
      case 'createTableAs': {
        const type = stmt.kind === 'createStreamAs' ? 'STREAM' : 'TABLE';
        this.checkSources(stmt);
        this.checkReplace(stmt, type);
        const existing = this.sources.get(stmt.name);
        const text = formatStatement({ ...stmt, orReplace: false, ifNotExists: false });
        const id = existing?.writeQueries[0]?.id ?? `C${type === 'STREAM' ? 'S' : 'T'}AS_${stmt.name}_${this.nextQuery++}`;
        const topic = String(stmt.properties.KAFKA_TOPIC ?? stmt.name);
        const query: KsqlRunningQuery = { queryString: text, sinks: [stmt.name], sinkKafkaTopics: [topic], id, state: 'RUNNING' };
        this.queries.set(id, query);
        this.sources.set(stmt.name, { ...this.described(stmt.name, type, topic, text), writeQueries: [query] });
        return id;
      }
      case 'insertInto': {
        this.checkSources(stmt);
        const sink = this.sources.get(stmt.name);
        if (!sink) throw new KsqlError(400, 40001, `${stmt.name} does not exist.`, stmt.text);
        const id = `INSERTQUERY_${this.nextQuery++}`;
        const query: KsqlRunningQuery = {
          queryString: formatStatement(stmt),
          sinks: [stmt.name],
          sinkKafkaTopics: [sink.topic],
          id,
          state: 'RUNNING',
        };
        this.queries.set(id, query);
        sink.writeQueries.push(query);
        return id;
      }
      case 'dropStream':
      case 'dropTable': {
        const src = this.sources.get(stmt.name);
        if (!src) {
          if (stmt.ifExists) return undefined;
          throw new KsqlError(400, 40001, `Source ${stmt.name} does not exist.`, stmt.text);
        }
        const type = stmt.kind === 'dropStream' ? 'STREAM' : 'TABLE';
        if (src.type !== type)
          throw new KsqlError(400, 40001, `Incompatible data source type is ${src.type}, but statement was DROP ${type}`);
        if (src.writeQueries.length > 0) {
          const ids = src.writeQueries.map((q) => q.id).join(', ');
          throw new KsqlError(400, 40001, `Cannot drop ${stmt.name}.\nThe following queries write into this source: [${ids}].`, stmt.text);
        }
        this.sources.delete(stmt.name);
        return undefined;
      }
      case 'terminate': {
        const id = stmt.queryId ?? '';
        if (!this.queries.delete(id)) throw new KsqlError(400, 40001, `Unknown queryId: ${id}`, stmt.text);
        for (const src of this.sources.values()) src.writeQueries = src.writeQueries.filter((q) => q.id !== id);
        return undefined;
      }
      default:
        throw new KsqlError(400, 40000, `the fake does not run ${stmt.kind}`, stmt.text);
    }
  }

  private described(name: string, type: 'STREAM' | 'TABLE', topic: string, statement: string): KsqlSourceDescription {
    return {
      name,
      type,
      topic,
      statement,
      readQueries: [],
      writeQueries: this.sources.get(name)?.writeQueries ?? [],
      fields: [],
      keyFormat: 'KAFKA',
      valueFormat: 'JSON',
    };
  }

  private checkSources(stmt: Statement): void {
    for (const s of sourcesRead(stmt)) {
      if (!this.sources.has(s)) throw new KsqlError(400, 40001, `${s} does not exist.`, stmt.text);
    }
  }

  private checkReplace(stmt: Extract<Statement, { orReplace: boolean }>, type: 'STREAM' | 'TABLE'): void {
    const existing = this.sources.get(stmt.name);
    if (!existing) return;
    if (!stmt.orReplace) {
      if (stmt.ifNotExists) return;
      throw new KsqlError(
        400,
        40001,
        `Cannot add ${type.toLowerCase()} '${stmt.name}': A ${existing.type.toLowerCase()} with the same name already exists`,
        stmt.text,
      );
    }
    const stored = parseStatements(existing.writeQueries[0]?.queryString ?? existing.statement)[0];
    const check = isUpgradeable(stored, { ...stmt, orReplace: false });
    if (!check.ok) throw new KsqlError(400, 40001, `Cannot upgrade data source: ${check.reason}`, stmt.text);
  }
}

/** Provider clients over fakes; a server without a fake fails like an unconfigured endpoint. */
export function fakeClients(fakes: { kafka?: FakeKafka; schemaRegistry?: FakeSchemaRegistry; connect?: FakeConnect; ksqldb?: FakeKsql }) {
  return new ProviderClients({
    kafka: fakes.kafka && (() => fakes.kafka!),
    schemaRegistry: fakes.schemaRegistry && (() => fakes.schemaRegistry!),
    connect: fakes.connect && (() => fakes.connect!),
    ksqldb: fakes.ksqldb && (() => fakes.ksqldb!),
  });
}
