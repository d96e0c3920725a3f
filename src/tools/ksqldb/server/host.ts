/**
 * The local ksqlDB node: the engine's metastore, the command topic, and one runner per
 * persistent query, over a runtime (Kafka or the in-memory log).
 *
 * Statements that change the metastore are distributed like ksqlDB does (DistributingExecutor):
 * validated against a sandbox of the live engine, their side effects applied (topics created,
 * schemas registered: TopicCreateInjector, SchemaRegisterInjector), then written to the command
 * topic `_confluent-ksql-<service id>_command_topic` (transactionally, so offsets step by 2) and
 * executed in order by the command runner. At start the command topic is replayed, so the
 * metastore and the query ids come back; then every query resumes from its committed offsets
 * with its state restored from its changelog.
 */
import { backQuote, parseStatements, canonical, type Statement, type Properties, type QueryControl } from '../../../core/ksql';
import { KsqlEngine, type QueryInfo } from '../engine/engine';
import { KsqlError } from '../engine/errors';
import type { DataSource } from '../engine/model';
import { SR_FORMATS } from '../engine/serde';
import { PersistentQueryRunner, type QueryRunnerHost } from '../runtime/query-runner';
import { avroSchemasOf, type SchemaRegistryCache } from '../runtime/schema-registry';
import type { Runtime, TopicDescription, TransactionalWriter } from '../runtime/types';
import { CommandRunner, type CommandOutcome, type QueuedCommand } from './commands';
import { KsqlException, OtherStatementError, withCause } from './errors';

interface HostOptions {
  readonly runtime: Runtime;
  readonly registry: SchemaRegistryCache | undefined;
  readonly serviceId: string;
  /** Server properties (ksql.*, ksql.streams.*, ...). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly log: (line: string) => void;
  readonly commandQueueDelayMs?: number;
  readonly commandExecutionMs?: number;
}

/** What the cluster said of topics, by name: partitions and replicas, or undefined when absent. */
export type TopicFacts = Map<string, { partitions: number; replicas: number } | undefined>;

/** What the command topic holds for one command. */
interface StoredCommand {
  /** The statement the engine executes. */
  readonly statement: string;
  /** The statement as ksqlDB shows it (defaults injected): statementText, DESCRIBE, LIST QUERIES. */
  readonly display: string;
  readonly streamsProperties: Readonly<Record<string, unknown>>;
  /** The number generated query ids get (ksqlDB derives it from the command topic offset). */
  readonly queryNumber: number;
}

/** Side effects done after a command executed (never on replay). */
interface AfterEffects {
  readonly deleteTopic?: { readonly topic: string; readonly subjects: readonly string[] };
}

/** ksqlDB's `TopicValidationUtil#validateTopicProperties`. */
function validateTopic(existing: TopicDescription, partitions: number, replicas: number, retentionMs?: number): void {
  const retention = existing.config['retention.ms'] !== undefined ? Number(existing.config['retention.ms']) : undefined;
  const badPartitions = existing.partitions !== partitions;
  const badReplicas = replicas !== -1 && existing.replicas < replicas;
  const badRetention = retentionMs !== undefined && retention !== undefined && retention !== retentionMs;
  if (!badPartitions && !badReplicas && !badRetention) return;
  let msg =
    `A Kafka topic with the name '${existing.name}' already exists, with different partition/replica configuration than required. ` +
    `KSQL expects ${partitions} partitions (topic has ${existing.partitions}), ${replicas} replication factor (topic has ${existing.replicas})`;
  if (retentionMs !== undefined && retention !== undefined) {
    msg = msg.replace('partition/replica', 'partition/replica/retention');
    msg += `, and ${retentionMs} retention (topic has ${retention}).`;
  } else {
    msg += '.';
  }
  throw new TopicMismatchError(msg);
}

/** A topic that exists with other settings: ksqlDB answers HTTP 500 (Correction 9). */
export class TopicMismatchError extends Error {}

const CLEANUP_POLICY_PRESENT =
  "Invalid config variable in the WITH clause: CLEANUP_POLICY.\nThe CLEANUP_POLICY config is automatically inferred based on the type of source (STREAM or TABLE).\nUsers can't set the CLEANUP_POLICY config manually.";

const num = (p: Properties, k: string): number | undefined => (p[k] === undefined || p[k] === null ? undefined : Number(p[k]));

/** The command's id on the command topic; a created name as `Name#toString()` writes it, always back-quoted. */
export function commandIdOf(s: Statement): string {
  switch (s.kind) {
    case 'createStream':
    case 'createStreamAs':
      return `stream/${backQuote(s.name)}/create`;
    case 'createTable':
    case 'createTableAs':
      return `table/${backQuote(s.name)}/create`;
    case 'insertInto':
      return `stream/${backQuote(s.name)}/create`;
    case 'dropStream':
      return `stream/${s.name}/drop`;
    case 'dropTable':
      return `table/${s.name}/drop`;
    case 'terminate':
    case 'pause':
    case 'resume':
      return `${s.kind}/${s.all ? 'ALL' : s.queryId}/execute`;
    default:
      throw new Error(`no command id for ${s.kind}`);
  }
}

export class KsqlHost implements QueryRunnerHost {
  readonly engine: KsqlEngine;
  readonly runtime: Runtime;
  readonly registry: SchemaRegistryCache | undefined;
  readonly serviceId: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly commands: CommandRunner;
  readonly commandTopic: string;
  readonly runners = new Map<string, PersistentQueryRunner>();
  /**
   * Runners of removed queries still stopping, by query id. A removed query stops in the
   * background: once it is out of the engine and its runner is marked stopping, nothing of it
   * runs again, and waiting for its consumer to leave (its fetch in flight ends after up to
   * 500 ms) made every TERMINATE and DROP of a query's sink wait too.
   */
  private readonly retiring = new Map<string, Promise<void>>();
  /** Statement texts as ksqlDB shows them: by source name, and by query id. */
  readonly sourceStatements = new Map<string, string>();
  readonly queryStatements = new Map<string, string>();
  /** Request properties each query was created with (EXPLAIN's overriddenProperties). */
  readonly queryOverrides = new Map<string, Readonly<Record<string, unknown>>>();
  readonly paused = new Set<string>();
  /** Number of the next generated query id: the offset of the last executed command + 1. */
  nextQueryNumber = 0;
  private commandWriter: TransactionalWriter | undefined;
  private knownTopics = new Map<string, number>();
  private commandLock: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: HostOptions) {
    this.runtime = options.runtime;
    this.registry = options.registry;
    this.serviceId = options.serviceId;
    this.config = options.config;
    this.engine = new KsqlEngine({ config: { ...options.config }, ...(options.registry ? { schemaRegistry: options.registry } : {}) });
    this.commandTopic = `_confluent-ksql-${options.serviceId}_command_topic`;
    this.commands = new CommandRunner({
      queueDelayMs: options.commandQueueDelayMs,
      executionMs: options.commandExecutionMs,
      log: options.log,
    });
  }

  log(line: string): void {
    this.options.log(line);
  }

  // ------------------------------------------------------------------ start and stop

  /** Creates the command topic, replays it, and starts the queries. */
  async start(): Promise<void> {
    const internalReplicas = this.config['ksql.internal.topic.replicas'];
    const replicas = internalReplicas === undefined ? undefined : Number(internalReplicas);
    await this.runtime.createTopic({
      name: this.commandTopic,
      partitions: 1,
      ...(replicas !== undefined ? { replicas } : {}),
      config: { 'retention.ms': '-1', 'cleanup.policy': 'delete' },
    });
    this.commandWriter = await this.runtime.transactionalWriter(`${this.serviceId}`);
    await this.syncTopics();
    const records = await this.runtime.readToEnd(this.commandTopic);
    for (const r of records) {
      if (r.value === null) continue;
      const commandId = r.key?.toString('utf8') ?? '';
      let cmd: StoredCommand;
      try {
        cmd = JSON.parse(r.value.toString('utf8')) as StoredCommand;
      } catch {
        this.log(`command ${r.offset} is not a command of this server; skipped`);
        continue;
      }
      try {
        const outcome = await this.apply(cmd, r.offset, true);
        this.commands.replayed(commandId, r.offset, { status: 'SUCCESS', message: outcome.message, queryId: outcome.queryId });
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        this.log(`replaying command ${r.offset} (${cmd.statement}) failed: ${message}`);
        this.commands.replayed(commandId, r.offset, { status: 'ERROR', message, queryId: null });
      }
    }
    this.log(`replayed ${records.length} command(s) from ${this.commandTopic}`);
    for (const id of this.engine.queryIds()) {
      const runner = new PersistentQueryRunner(this, id);
      this.runners.set(id, runner);
      if (this.paused.has(id)) runner.state = 'PAUSED';
      else void runner.start();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.commands.stop();
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
    await Promise.all(this.retiring.values());
    await this.commandWriter?.close();
  }

  /** Makes the engine know the cluster's topics (name → partitions). */
  async syncTopics(): Promise<Map<string, { partitions: number; replicas: number }>> {
    const topics = await this.runtime.listTopics();
    this.knownTopics = new Map([...topics].map(([n, t]) => [n, t.partitions]));
    this.engine.setTopics(this.knownTopics);
    return topics;
  }

  // ------------------------------------------------------------------ distributing

  private async withCommandLock<T>(f: () => Promise<T>): Promise<T> {
    const previous = this.commandLock;
    let release!: () => void;
    this.commandLock = new Promise<void>((r) => (release = r));
    await previous;
    try {
      return await f();
    } finally {
      release();
    }
  }

  /**
   * Runs `fn` on a sandbox of the live engine that knows what the cluster says of every topic `fn`
   * looks up: fetched by name (one request for those names, whatever else the cluster holds; ksqlDB
   * asks its topic client about one topic at a time too). The engine is synchronous, so `fn` runs
   * again, on a fresh sandbox, when it looked up a topic not fetched yet (twice for most
   * statements); a failure counts only from a run that looked up nothing new.
   */
  async withTopics<T>(fn: (engine: KsqlEngine) => T | Promise<T>): Promise<{ result: T; engine: KsqlEngine; facts: TopicFacts }> {
    const facts: TopicFacts = new Map();
    for (;;) {
      const engine = this.engine.sandbox();
      engine.learnTopics(facts);
      engine.setNextQueryId(this.nextQueryNumber);
      const asked = new Set<string>();
      engine.onTopicLookup = (name) => asked.add(name);
      let outcome: { ok: true; result: T } | { ok: false; error: unknown };
      try {
        outcome = { ok: true, result: await fn(engine) };
      } catch (error) {
        outcome = { ok: false, error };
      }
      engine.onTopicLookup = undefined;
      const unknown = [...asked].filter((n) => !facts.has(n));
      if (unknown.length === 0) {
        if (!outcome.ok) throw outcome.error;
        return { result: outcome.result, engine, facts };
      }
      const found = await this.runtime.namedTopics(unknown);
      for (const n of unknown) facts.set(n, found.get(n));
    }
  }

  /** Fills the Schema Registry cache with what a statement may read (inference, schema ids). */
  async prefetchSchemas(s: Statement, overrides: Readonly<Record<string, unknown>>): Promise<void> {
    const registry = this.registry;
    if (!registry || (s.kind !== 'createStream' && s.kind !== 'createTable')) return;
    const p = s.properties;
    const str = (k: string): string | undefined => (p[k] === undefined || p[k] === null ? undefined : String(p[k]).toUpperCase());
    const cfg = { ...this.config, ...overrides };
    const valueFormat = str('VALUE_FORMAT') ?? str('FORMAT') ?? String(cfg['ksql.persistence.default.format.value'] ?? '').toUpperCase();
    const keyFormat = str('KEY_FORMAT') ?? str('FORMAT') ?? String(cfg['ksql.persistence.default.format.key'] ?? 'KAFKA').toUpperCase();
    const topic = p.KAFKA_TOPIC === undefined || p.KAFKA_TOPIC === null ? undefined : String(p.KAFKA_TOPIC);
    if (topic === undefined || (!SR_FORMATS.has(valueFormat) && !SR_FORMATS.has(keyFormat))) return;
    await registry.prefetchSubjects([`${topic}-key`, `${topic}-value`]);
    const ids = [num(p, 'KEY_SCHEMA_ID'), num(p, 'VALUE_SCHEMA_ID')].filter((x): x is number => x !== undefined);
    if (ids.length > 0) await registry.prefetchIds(ids);
  }

  /**
   * Validates a statement against the live state, applies its side effects, writes it to the
   * command topic and queues it for the command runner (ksqlDB's DistributingExecutor).
   */
  async distribute(
    s: Statement,
    overrides: Readonly<Record<string, unknown>>,
    responseTimeoutMs: number,
  ): Promise<{ queued: QueuedCommand; display: string; warnings: string[] }> {
    return this.withCommandLock(async () => {
      if (!(await this.commands.waitExecuted(this.commands.lastEnqueuedSeq(), responseTimeoutMs))) {
        // DistributingExecutor: the wait is inside its try, so the refusal is the 500 of a statement
        // that could not be written (nothing was written: a client may send it again)
        throw new OtherStatementError(
          withCause(
            'Could not write the statement into the command topic.',
            'Timeout while waiting for command topic consumer to process command topic',
          ),
          `${s.text};`,
        );
      }
      await this.prefetchSchemas(s, overrides);
      const executed = s.kind === 'dropStream' || s.kind === 'dropTable' ? canonical({ ...s, deleteTopic: false }) : `${s.text};`;
      const {
        engine: sandbox,
        result: { before, after, warnings },
      } = await this.withTopics((sandbox) => {
        const before = new Map(sandbox.allSources().map((x) => [x.name, x]));
        let after: AfterEffects = {};
        if (s.kind === 'dropStream' || s.kind === 'dropTable') after = this.dropEffects(s, sandbox);
        this.checkInjectable(s, sandbox);
        const warnings: string[] = [];
        if (s.kind === 'pause' || s.kind === 'resume') {
          if (!s.all && !sandbox.queryInfo(s.queryId!)) throw new KsqlError(`Unknown queryId: ${s.queryId}`);
        } else for (const r of sandbox.execute(executed, overrides)) warnings.push(...r.warnings);
        return { before, after, warnings };
      });
      const display = await this.inject(s, sandbox, before, executed);
      const queryNumber = this.nextQueryNumber;
      const cmd: StoredCommand = { statement: executed, display, streamsProperties: { ...overrides }, queryNumber };
      const commandId = commandIdOf(s);
      const [written] = await this.commandWriter!.commit([
        { topic: this.commandTopic, partition: 0, key: Buffer.from(commandId), value: Buffer.from(JSON.stringify(cmd)) },
      ]);
      const queued = this.commands.enqueue(commandId, written.offset, () => this.apply(cmd, written.offset, false, after));
      return { queued, display, warnings };
    });
  }

  /** Checks ksqlDB's injectors make before planning (topic and retention rules). */
  private checkInjectable(s: Statement, sandbox: KsqlEngine): void {
    if (s.kind !== 'createStream' && s.kind !== 'createTable' && s.kind !== 'createStreamAs' && s.kind !== 'createTableAs') return;
    if (s.ifNotExists && sandbox.getSource(s.name)) return;
    const p = s.properties;
    if (p.CLEANUP_POLICY !== undefined && p.CLEANUP_POLICY !== null) throw new KsqlException(CLEANUP_POLICY_PRESENT);
    const windowedTable = s.kind === 'createTableAs' && s.query.window !== undefined;
    const compacted = s.kind === 'createTable' || (s.kind === 'createTableAs' && !windowedTable);
    if (compacted && p.RETENTION_MS !== undefined && p.RETENTION_MS !== null) {
      throw new KsqlException('Invalid config variable in the WITH clause: RETENTION_MS. Non-windowed tables do not support retention.');
    }
  }

  /** DROP ... DELETE TOPIC: refused while other sources use the topic; deletes topic and subjects after. */
  private dropEffects(s: Extract<Statement, { kind: 'dropStream' | 'dropTable' }>, sandbox: KsqlEngine): AfterEffects {
    const src = sandbox.getSource(s.name);
    if (!s.deleteTopic || !src) return {};
    if (src.isSource) throw new KsqlException(`Cannot delete topic for read-only source: ${s.name}`);
    const others = sandbox
      .allSources()
      .filter((x) => x.name !== s.name && x.topic === src.topic)
      .map((x) => x.name)
      .sort();
    if (others.length > 0) {
      throw new OtherStatementError(
        `Refusing to delete topic. Found other data sources (${others.join(', ')}) using topic ${src.topic}`,
        `${s.text};`,
      );
    }
    const subjects: string[] = [];
    if (SR_FORMATS.has(src.keyFormat.format)) subjects.push(`${src.topic}-key`);
    if (SR_FORMATS.has(src.valueFormat.format)) subjects.push(`${src.topic}-value`);
    return { deleteTopic: { topic: src.topic, subjects } };
  }

  /**
   * ksqlDB's TopicCreateInjector and SchemaRegisterInjector: creates the topic a new source needs
   * (or checks the existing one), registers the schemas of Schema Registry formats, and returns
   * the statement text with the injected properties.
   */
  private async inject(s: Statement, sandbox: KsqlEngine, before: ReadonlyMap<string, DataSource>, executed: string): Promise<string> {
    if (s.kind !== 'createStream' && s.kind !== 'createTable' && s.kind !== 'createStreamAs' && s.kind !== 'createTableAs') return executed;
    const src = sandbox.getSource(s.name);
    if (!src || (s.ifNotExists && before.has(s.name))) return executed;
    const p = s.properties;
    const isCas = s.kind === 'createStreamAs' || s.kind === 'createTableAs';
    // CSAS/CTAS: the WITH clause, else the primary source's topic (TopicCreateInjector#injectForCreateAsSelect),
    // even when the sink's topic exists already (then it must match)
    const primaryTopic = isCas ? sandbox.getSource(s.query.from.name)?.topic : undefined;
    // what the cluster says of the primary source's topic, asked by name (the sink's: describeTopic below)
    const cluster =
      primaryTopic !== undefined
        ? await this.runtime.namedTopics([primaryTopic])
        : new Map<string, { replicas: number; partitions: number }>();
    const partitions = isCas
      ? (num(p, 'PARTITIONS') ??
        (primaryTopic !== undefined ? (cluster.get(primaryTopic)?.partitions ?? sandbox.topicPartitions(primaryTopic)) : undefined) ??
        sandbox.topicPartitions(src.topic) ??
        1)
      : (sandbox.topicPartitions(src.topic) ?? num(p, 'PARTITIONS') ?? 1);
    let replicas = num(p, 'REPLICAS');
    const retention = num(p, 'RETENTION_MS');
    let cleanup = src.kind === 'TABLE' ? 'compact' : 'delete';
    if (s.kind === 'createTableAs' && s.query.window) cleanup = 'compact,delete';
    if (isCas && replicas === undefined) {
      const primary = sandbox.getSource(s.query.from.name);
      replicas = primary ? cluster.get(primary.topic)?.replicas : undefined;
    }
    const existing = await this.runtime.describeTopic(src.topic);
    if (existing) {
      if (isCas || num(p, 'PARTITIONS') !== undefined || replicas !== undefined) {
        validateTopic(existing, isCas ? partitions : (num(p, 'PARTITIONS') ?? existing.partitions), replicas ?? -1, retention);
      }
    } else {
      const config: Record<string, string> = { 'cleanup.policy': cleanup };
      if (retention !== undefined && cleanup !== 'compact') config['retention.ms'] = String(retention);
      await this.runtime.createTopic({ name: src.topic, partitions, ...(replicas !== undefined ? { replicas } : {}), config });
    }
    await this.registerSchemas(s, src);
    const injected: Record<string, string | number | boolean | null> = { ...p };
    if (isCas) {
      injected.KAFKA_TOPIC = src.topic;
      injected.PARTITIONS = partitions;
      if (replicas !== undefined) injected.REPLICAS = replicas;
    } else {
      injected.KEY_FORMAT = src.keyFormat.format;
      injected.VALUE_FORMAT = src.valueFormat.format;
      delete injected.FORMAT;
    }
    injected.CLEANUP_POLICY = cleanup;
    return canonical({ ...s, properties: injected } as Statement);
  }

  /**
   * SchemaRegisterInjector: the schemas of a new source in a Schema Registry format. CREATE
   * STREAM/TABLE with columns registers only under subjects that do not exist yet (ksqlDB's
   * registerIfSchemaExists = false: a producer's schema stays as it is); CREATE ... AS SELECT
   * always registers its sink's schema.
   */
  private async registerSchemas(s: Statement, src: DataSource): Promise<void> {
    const registry = this.registry;
    if (!registry) return;
    const createSource = s.kind === 'createStream' || s.kind === 'createTable';
    if (createSource && s.columns.length === 0) return;
    for (const { subject, schema } of avroSchemasOf(src)) {
      if (createSource && (await registry.client.latest(subject)) !== undefined) continue;
      await registry.registerNow(subject, schema);
    }
  }

  // ------------------------------------------------------------------ executing commands

  /** Executes a command on the live engine and starts/stops the query runners it affects. */
  async apply(cmd: StoredCommand, seq: number, replay: boolean, after: AfterEffects = {}): Promise<CommandOutcome> {
    const [s] = parseStatements(cmd.statement);
    if (s.kind === 'pause' || s.kind === 'resume') return this.applyPauseResume(s, replay);
    if (replay) this.addMissingTopics(s);
    const snapshot = (e: KsqlEngine): Map<string, QueryInfo> => new Map(e.queryIds().map((id) => [id, e.queryInfo(id)!]));
    const before = snapshot(this.engine);
    // find out which queries change before changing anything (their runners stop first); a live
    // command learns the topics it looks up from the cluster first
    const probeOn = (e: KsqlEngine): void => {
      e.setNextQueryId(cmd.queryNumber);
      e.execute(cmd.statement, cmd.streamsProperties);
    };
    let probe: KsqlEngine;
    if (replay) probeOn((probe = this.engine.sandbox()));
    else {
      const probed = await this.withTopics(probeOn);
      probe = probed.engine;
      this.engine.learnTopics(probed.facts);
    }
    const probed = snapshot(probe);
    const removed = [...before.keys()].filter((id) => !probed.has(id));
    // CREATE OR REPLACE stops the sink's query and starts it again even when nothing changed
    // (QueryRegistryImpl: oldQuery.stop(false), then the new query starts): it restarts a failed query.
    const replacing = (s.kind === 'createStreamAs' || s.kind === 'createTableAs') && s.orReplace ? s.name : undefined;
    const replaced = [...before.keys()].filter(
      (id) => probed.has(id) && (probed.get(id)!.statement !== before.get(id)!.statement || before.get(id)!.sink === replacing),
    );
    if (!replay) {
      for (const id of removed) this.retire(id);
      for (const id of replaced) await this.runners.get(id)?.stop();
    }
    this.engine.setNextQueryId(cmd.queryNumber);
    const [result] = this.engine.execute(cmd.statement, cmd.streamsProperties);
    const added = this.engine.queryIds().filter((id) => !before.has(id));
    if (s.kind !== 'terminate') this.nextQueryNumber = seq + 1;
    // texts as ksqlDB shows them
    if (s.kind === 'createStream' || s.kind === 'createTable' || s.kind === 'createStreamAs' || s.kind === 'createTableAs') {
      if (this.engine.getSource(s.name)) this.sourceStatements.set(s.name, cmd.display);
    }
    if (s.kind === 'dropStream' || s.kind === 'dropTable') this.sourceStatements.delete(s.name);
    if (result.queryId) {
      this.queryStatements.set(result.queryId, cmd.display);
      this.queryOverrides.set(result.queryId, cmd.streamsProperties);
    }
    for (const id of removed) {
      this.queryStatements.delete(id);
      this.queryOverrides.delete(id);
      this.paused.delete(id);
      this.wipeStores(before.get(id)!.storePrefix);
    }
    if (!replay) {
      for (const id of [...replaced, ...added]) {
        // a query id used again (an INSERT's QUERY_ID) starts once the removed one's changelog and group are gone
        await this.retiring.get(id);
        let runner = this.runners.get(id);
        if (!runner) this.runners.set(id, (runner = new PersistentQueryRunner(this, id)));
        await runner.start();
      }
      if (after.deleteTopic) {
        await this.runtime.deleteTopics([after.deleteTopic.topic]);
        for (const subject of after.deleteTopic.subjects) await this.registry?.deleteSubject(subject).catch(() => false);
      }
    }
    return { message: result.message, queryId: result.queryId ?? null };
  }

  /**
   * Stops the runner of a removed query (it is marked stopping at once: no batch of it is
   * processed from now on) and then removes what it kept in Kafka, without waiting for either.
   */
  private retire(id: string): void {
    const runner = this.runners.get(id);
    if (!runner) return;
    this.runners.delete(id);
    const done = runner
      .stop()
      .then(() => runner.cleanUp())
      .catch((e: unknown) => this.log(`${id}: stopping: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        if (this.retiring.get(id) === done) this.retiring.delete(id);
      });
    this.retiring.set(id, done);
  }

  /** Settles when every removed query has stopped and its changelog and group are deleted. */
  async retired(): Promise<void> {
    await Promise.all(this.retiring.values());
  }

  /** Empties the stores of a query that is gone (an INSERT's QUERY_ID may be used again). */
  private wipeStores(prefix: string): void {
    const stores = this.engine.stores;
    const was = stores.logging;
    stores.logging = false;
    try {
      for (const name of stores.names().filter((n) => n.startsWith(`${prefix}-`))) {
        const store = stores.store(name);
        for (const k of [...store.entries()].map(([key]) => key)) store.delete(k);
      }
    } finally {
      stores.logging = was;
    }
  }

  /** Replay: sources whose topic is gone still come back (their queries go to ERROR instead). */
  private addMissingTopics(s: Statement): void {
    if (s.kind !== 'createStream' && s.kind !== 'createTable') return;
    const topic = s.properties.KAFKA_TOPIC;
    if (topic === undefined || topic === null || this.engine.topicPartitions(String(topic)) !== undefined) return;
    const topics = new Map(this.knownTopics);
    for (const src of this.engine.allSources()) topics.set(src.topic, this.engine.topicPartitions(src.topic) ?? 1);
    topics.set(String(topic), num(s.properties, 'PARTITIONS') ?? 1);
    this.knownTopics = topics;
    this.engine.setTopics(topics);
  }

  private async applyPauseResume(s: QueryControl, replay: boolean): Promise<CommandOutcome> {
    const ids = s.all ? this.engine.queryIds() : [s.queryId!];
    for (const id of ids) {
      if (!this.engine.queryInfo(id)) throw new KsqlError(`Unknown queryId: ${id}`);
      if (s.kind === 'pause') this.paused.add(id);
      else this.paused.delete(id);
      if (replay) continue;
      const runner = this.runners.get(id);
      if (!runner) continue;
      if (s.kind === 'pause') await runner.pause();
      else await runner.start();
    }
    return { message: s.kind === 'pause' ? 'Query paused.' : 'Query resumed.', queryId: null };
  }

  /** The runner of a query (for LIST QUERIES, EXPLAIN, DESCRIBE and pull queries). */
  runner(id: string): PersistentQueryRunner | undefined {
    return this.runners.get(id);
  }

  isStopped(): boolean {
    return this.stopped;
  }
}
