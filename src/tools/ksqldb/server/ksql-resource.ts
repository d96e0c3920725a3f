/**
 * `POST /ksql`, following ksqlDB's `KsqlResource#handleKsqlStatements`: wait for a requested
 * command sequence number, check the request's properties, parse the whole request, validate
 * every statement in one sandbox (`RequestValidator`), then execute them in order
 * (`RequestHandler`): listing, describing and explaining locally (after the request's earlier
 * commands ran), SET/UNSET on the request's properties, everything else distributed through the
 * command topic.
 */
import { KsqlSyntaxError, parseStatements, type Statement } from '../../../core/ksql';
import type { KsqlEngine } from '../engine/engine';
import { KsqlError, NotSupportedError } from '../engine/errors';
import type { DataSource } from '../engine/model';
import { formatStats, mergeStats } from '../runtime/metrics';
import { appIdOf } from '../runtime/query-runner';
import type { CommandStatusJson } from './commands';
import {
  commandStatusEntity,
  fieldInfos,
  propertiesEntity,
  queriesEntity,
  queryDescriptionEntity,
  runningQuery,
  sourceDescriptionEntity,
  sourceDescriptionsEntity,
  sourceListEntity,
  terminateQueryEntity,
  topicDescribeWarning,
  topicsEntity,
  warningEntity,
  type Entity,
  type PropertyJson,
  type RunningQueryJson,
} from './entities';
import {
  genericError,
  KsqlException,
  OtherStatementError,
  queryEndpointError,
  RestError,
  ServerError,
  statementError,
  StatementError,
  withCause,
} from './errors';
import { commandIdOf, TopicMismatchError, type KsqlHost } from './host';
import { checkProperties, isHiddenTopic, QUERY_LEVEL_PROPERTIES } from './properties';
import { failedLine, syntaxErrorMessage } from './syntax';
import { planTransient, type PushQueryRegistry } from './transient';

interface KsqlRequestBody {
  readonly ksql: string;
  readonly streamsProperties: Record<string, unknown>;
  readonly commandSequenceNumber?: number;
}

interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
}

interface ResourceDeps {
  readonly host: KsqlHost;
  readonly push: PushQueryRegistry;
  readonly responseTimeoutMs: number;
  /** host:port ksqlDB reports as its own host (KsqlHostInfoEntity) */
  readonly hostInfo: () => string;
  /** Server properties SHOW PROPERTIES lists (name → value). */
  readonly serverProperties: () => Record<string, string>;
  readonly onStatement?: () => void;
  /** Where errors that are not ksqlDB's own refusals are logged, with their stack. */
  readonly log?: (line: string) => void;
}

/** A refusal found while planning: ksqlDB's KsqlStatementException (40001) unless noted. */
function refusal(e: unknown, text: string): unknown {
  if (e instanceof TopicMismatchError) return new OtherStatementError(e.message, text);
  if (e instanceof KsqlError) {
    if (/^Topic '.*' does not exist\. If you want to create a new topic/.test(e.message)) return new KsqlException(e.message);
    return new StatementError(e.message, text);
  }
  return e;
}

const text = (s: Statement): string => `${s.text};`;

const DISTRIBUTED = new Set<Statement['kind']>([
  'createStream',
  'createTable',
  'createStreamAs',
  'createTableAs',
  'insertInto',
  'dropStream',
  'dropTable',
  'terminate',
  'pause',
  'resume',
]);

export class KsqlResource {
  constructor(private readonly deps: ResourceDeps) {}

  private get host(): KsqlHost {
    return this.deps.host;
  }

  async handle(req: KsqlRequestBody): Promise<HttpAnswer> {
    let current = '';
    try {
      if (req.commandSequenceNumber !== undefined && req.commandSequenceNumber >= 0) {
        const ok = await this.host.commands.waitExecuted(req.commandSequenceNumber, this.deps.responseTimeoutMs);
        if (!ok) {
          throw new RestError(
            503,
            genericError(
              50301,
              `Timed out while waiting for a previous command to execute. command sequence number: ${req.commandSequenceNumber}`,
            ),
          );
        }
      }
      checkProperties(req.streamsProperties);
      let statements: Statement[];
      try {
        statements = parseStatements(req.ksql);
      } catch (e) {
        if (e instanceof KsqlSyntaxError) throw new StatementError(syntaxErrorMessage(e), failedLine(req.ksql, e));
        throw e;
      }

      // RequestValidator: the whole request in one sandbox (again when it looked up a topic not fetched yet)
      await this.host.withTopics(async (sandbox) => {
        let validated: Record<string, unknown> = { ...req.streamsProperties };
        for (const s of statements) {
          current = text(s);
          validated = await this.validate(sandbox, s, validated);
        }
      });

      // RequestHandler: execute in order
      const scoped: Record<string, unknown> = { ...req.streamsProperties };
      const entities: Entity[] = [];
      for (const s of statements) {
        current = text(s);
        this.deps.onStatement?.();
        if (s.kind === 'setProperty') {
          scoped[s.property] = s.value;
          continue;
        }
        if (s.kind === 'unsetProperty') {
          delete scoped[s.property];
          continue;
        }
        if (s.kind === 'insertValues') {
          // InsertValuesExecutor: produced directly by the server that got the request; no entity.
          await this.syncWithPrevious(entities);
          const r = this.host.engine.insertValues(s);
          await this.host.runtime.produce([{ topic: r.topic, key: r.key, value: r.value, timestamp: r.timestamp, headers: r.headers }]);
          continue;
        }
        entities.push(await this.execute(s, entities, scoped));
      }
      return { status: 200, body: entities };
    } catch (e) {
      return this.mapError(e, current, req.ksql);
    }
  }

  private mapError(e: unknown, current: string, ksql: string): HttpAnswer {
    if (e instanceof RestError) return { status: e.status, body: e.body };
    if (e instanceof StatementError) return { status: 400, body: statementError(40001, e.message, e.statementText) };
    if (e instanceof OtherStatementError) return { status: 500, body: statementError(50000, e.message, e.statementText) };
    if (e instanceof KsqlException) return { status: 400, body: genericError(40000, e.message) };
    if (e instanceof KsqlError) return { status: 400, body: statementError(40001, e.message, current || ksql) };
    if (e instanceof ServerError) return { status: 500, body: statementError(50000, e.message, ksql) };
    const message = e instanceof Error ? e.message : String(e);
    this.deps.log?.(`statement failed: ${current || ksql}: ${e instanceof Error ? (e.stack ?? message) : message}`);
    return { status: 500, body: statementError(50000, message, ksql) };
  }

  // ------------------------------------------------------------------ validation

  private async validate(sandbox: KsqlEngine, s: Statement, scoped: Record<string, unknown>): Promise<Record<string, unknown>> {
    const t = text(s);
    // ksqlDB's validator infers schemas from the Schema Registry as it is now (a CREATE STREAM
    // without columns, EXPLAIN of one): the cache is filled first, as for execution.
    await this.host.prefetchSchemas(s.kind === 'explain' && s.statement ? s.statement : s, scoped);
    switch (s.kind) {
      case 'query':
      case 'print':
        throw queryEndpointError(t);
      case 'setProperty':
        checkProperties({ [s.property]: s.value });
        return { ...scoped, [s.property]: s.value };
      case 'unsetProperty': {
        const next = { ...scoped };
        delete next[s.property];
        return next;
      }
      case 'list':
        this.checkListable(s, t);
        return scoped;
      case 'describe':
        if (s.target === 'source') this.describedSource(sandbox, s.name!, t);
        else if (s.target === 'function' || s.target === 'connector')
          throw new StatementError(unsupported(`DESCRIBE ${s.target.toUpperCase()}`), t);
        return scoped;
      case 'explain':
        this.explainCheck(sandbox, s, t, scoped);
        return scoped;
      case 'terminate':
        if (!s.all && s.queryId !== undefined && !sandbox.queryInfo(s.queryId) && this.deps.push.get(s.queryId)) return scoped;
        break;
      case 'pause':
      case 'resume':
        if (!s.all && !sandbox.queryInfo(s.queryId!)) throw new StatementError(`Unknown queryId: ${s.queryId}`, t);
        return scoped;
      case 'createConnector':
      case 'dropConnector':
        throw new StatementError(unsupported('connectors (use the platform’s Kafka Connect)'), t);
      default:
        break;
    }
    // statements the engine executes: in the request's sandbox
    try {
      if ((s.kind === 'dropStream' || s.kind === 'dropTable') && s.deleteTopic) {
        const src = sandbox.getSource(s.name);
        if (src?.isSource) throw new KsqlException(`Cannot delete topic for read-only source: ${s.name}`);
        const others = src ? sandbox.allSources().filter((x) => x.name !== s.name && x.topic === src.topic) : [];
        if (others.length > 0) {
          throw new OtherStatementError(
            `Refusing to delete topic. Found other data sources (${others
              .map((x) => x.name)
              .sort()
              .join(', ')}) using topic ${src!.topic}`,
            t,
          );
        }
      }
      sandbox.execute(t, scoped);
    } catch (e) {
      throw refusal(e, t);
    }
    return scoped;
  }

  private checkListable(s: Extract<Statement, { kind: 'list' }>, t: string): void {
    if (['FUNCTIONS', 'CONNECTORS', 'CONNECTOR PLUGINS'].includes(s.target)) throw new StatementError(unsupported(`LIST ${s.target}`), t);
  }

  private describedSource(engine: KsqlEngine, name: string, t: string): DataSource {
    const src = engine.getSource(name);
    if (!src) {
      const alt = engine.allSources().filter((x) => x.name.toUpperCase() === name.toUpperCase() && x.name !== name);
      const hint =
        alt.length === 1
          ? /[a-z]/.test(alt[0].name)
            ? `\nDid you mean "${alt[0].name}"? Hint: wrap the source name in double quotes to make it case-sensitive.`
            : `\nDid you mean ${alt[0].name}? Hint: try removing double quotes from the source name.`
          : '';
      throw new StatementError(`Could not find STREAM/TABLE '${name}' in the Metastore${hint}`, t);
    }
    return src;
  }

  private explainCheck(sandbox: KsqlEngine, s: Extract<Statement, { kind: 'explain' }>, t: string, scoped: Record<string, unknown>): void {
    if (s.queryId !== undefined) {
      if (!this.host.engine.queryInfo(s.queryId) && !this.deps.push.get(s.queryId)) {
        throw new StatementError(`Query with id:${s.queryId} does not exist, use SHOW QUERIES to view the full set of queries.`, t);
      }
      return;
    }
    const inner = s.statement!;
    if (inner.kind === 'query') {
      try {
        planTransient(this.host, inner, text(inner));
      } catch (e) {
        throw refusal(e, t);
      }
      return;
    }
    if (inner.kind !== 'createStreamAs' && inner.kind !== 'createTableAs' && inner.kind !== 'insertInto') {
      throw new StatementError('The provided statement does not run a ksql query', t);
    }
    try {
      sandbox.sandbox().execute(text(inner), scoped);
    } catch (e) {
      throw refusal(e, t);
    }
  }

  // ------------------------------------------------------------------ execution

  /** `DefaultCommandQueueSync#waitFor`: local statements wait for this request's last command. */
  private async syncWithPrevious(entities: Entity[]): Promise<void> {
    const last = [...entities].reverse().find((e) => e['@type'] === 'currentStatus');
    if (!last) return;
    const seq = last.commandSequenceNumber as number;
    if (!(await this.host.commands.waitExecuted(seq, this.deps.responseTimeoutMs))) {
      throw new RestError(
        503,
        genericError(50301, `Timed out while waiting for a previous command to execute. command sequence number: ${seq}`),
      );
    }
  }

  private async execute(s: Statement, entities: Entity[], scoped: Record<string, unknown>): Promise<Entity> {
    const t = text(s);
    if (DISTRIBUTED.has(s.kind)) return this.distributed(s, entities, scoped);
    await this.syncWithPrevious(entities);
    switch (s.kind) {
      case 'list':
        return this.list(s, t, scoped);
      case 'describe':
        if (s.target === 'source') {
          const src = this.describedSource(this.host.engine, s.name!, t);
          const { descriptions, warnings } = await this.sourceDescriptions([src], s.extended);
          return sourceDescriptionEntity(t, descriptions[0], warnings);
        } else {
          return this.describeAll(s.target === 'streams' ? 'STREAM' : 'TABLE', s.extended, t);
        }
      case 'explain':
        return this.explain(s, t, scoped);
      default:
        throw new StatementError(unsupported(`${s.kind} statements`), t);
    }
  }

  private async distributed(s: Statement, entities: Entity[], scoped: Record<string, unknown>): Promise<Entity> {
    const t = text(s);
    const engine = this.host.engine;
    if (
      (s.kind === 'createStream' || s.kind === 'createTable' || s.kind === 'createStreamAs' || s.kind === 'createTableAs') &&
      s.ifNotExists
    ) {
      await this.syncWithPrevious(entities);
      const existing = engine.getSource(s.name);
      if (existing) {
        const kind = s.kind === 'createStream' || s.kind === 'createStreamAs' ? 'stream' : 'table';
        return warningEntity(t, `Cannot add ${kind} \`${s.name}\`: A ${kind} with the same name already exists.`);
      }
    }
    if (s.kind === 'terminate' && !s.all && s.queryId !== undefined && !engine.queryInfo(s.queryId)) {
      await this.syncWithPrevious(entities);
      const push = this.deps.push.remove(s.queryId);
      if (push) {
        push.close();
        return terminateQueryEntity(t, s.queryId);
      }
    }
    let queued;
    try {
      queued = await this.host.distribute(s, scoped, this.deps.responseTimeoutMs);
    } catch (e) {
      const r = refusal(e, t);
      if (r instanceof StatementError) {
        throw new OtherStatementError(withCause('Could not write the statement into the command topic.', r.unloggedMessage()), t);
      }
      throw r;
    }
    const status: CommandStatusJson = await this.host.commands.waitForFinal(queued.queued, this.deps.responseTimeoutMs);
    return commandStatusEntity(queued.display, commandIdOf(s), status, queued.queued.seq, queued.warnings);
  }

  private runningQueries(): RunningQueryJson[] {
    const engine = this.host.engine;
    const persistent = engine.queryIds().map((id) => {
      const info = engine.queryInfo(id)!;
      return runningQuery({
        id,
        statement: this.host.queryStatements.get(id) ?? info.statement,
        sinks: [info.sink],
        sinkTopics: [info.sinkTopic],
        state: this.host.runner(id)?.state ?? 'CREATED',
        type: 'PERSISTENT',
      });
    });
    const push = this.deps.push
      .all()
      .map((q) => runningQuery({ id: q.id, statement: q.sql, sinks: [], sinkTopics: [], state: 'RUNNING', type: 'PUSH' }));
    return [...persistent, ...push];
  }

  private async list(s: Extract<Statement, { kind: 'list' }>, t: string, scoped: Record<string, unknown>): Promise<Entity> {
    const engine = this.host.engine;
    switch (s.target) {
      case 'STREAMS':
      case 'TABLES': {
        const kind = s.target === 'STREAMS' ? 'STREAM' : 'TABLE';
        if (s.extended) return this.describeAll(kind, true, t);
        return sourceListEntity(
          t,
          kind,
          engine.allSources().map((x) => ({
            kind: x.kind,
            name: x.name,
            topic: x.topic,
            keyFormat: x.keyFormat.format,
            valueFormat: x.valueFormat.format,
            windowed: x.window !== undefined,
          })),
        );
      }
      case 'QUERIES':
        if (s.extended) {
          const descriptions = engine.queryIds().map((id) => (this.queryDescription(id, t).queryDescription as Entity) ?? {});
          return { '@type': 'query_descriptions', statementText: t, queryDescriptions: descriptions, warnings: [] };
        }
        return queriesEntity(t, this.runningQueries());
      case 'TOPICS': {
        const topics = await this.host.runtime.listTopics();
        const names = [...topics.keys()].filter((n) => s.all || !isHiddenTopic(n, this.host.config)).sort();
        const consumers = new Map<string, number>();
        if (s.extended) {
          for (const id of engine.queryIds())
            for (const topic of engine.queryInfo(id)!.sourceTopics) consumers.set(topic, (consumers.get(topic) ?? 0) + 1);
        }
        return topicsEntity(
          t,
          names.map((name) => ({
            name,
            partitions: topics.get(name)!.partitions,
            replicas: topics.get(name)!.replicas,
            consumers: consumers.get(name) ?? 0,
            groups: consumers.get(name) ?? 0,
          })),
          s.extended,
        );
      }
      case 'PROPERTIES':
        return this.properties(t, scoped);
      case 'TYPES':
        return { '@type': 'type_list', statementText: t, types: {}, warnings: [] };
      case 'VARIABLES':
        return { '@type': 'variables', statementText: t, variables: [], warnings: [] };
      default:
        throw new StatementError(unsupported(`LIST ${s.target}`), t);
    }
  }

  /** DESCRIBE STREAMS/TABLES (and SHOW ... EXTENDED): every source of the kind, described. */
  private async describeAll(kind: 'STREAM' | 'TABLE', extended: boolean, t: string): Promise<Entity> {
    const { descriptions, warnings } = await this.sourceDescriptions(
      this.host.engine.allSources().filter((x) => x.kind === kind),
      extended,
    );
    return sourceDescriptionsEntity(t, descriptions, warnings);
  }

  /**
   * The descriptions of `sources`: their topics' partitions and replicas asked of Kafka in one
   * request for all (not one per source: DESCRIBE STREAMS grew with the cluster's round trips),
   * the queries listed once.
   */
  private async sourceDescriptions(
    sources: readonly DataSource[],
    extended: boolean,
  ): Promise<{ descriptions: Entity[]; warnings: Array<{ message: string }> }> {
    let topics: Map<string, { partitions: number; replicas: number }> | undefined;
    try {
      topics = sources.length > 0 ? await this.host.runtime.namedTopics(sources.map((src) => src.topic)) : new Map();
    } catch {
      topics = undefined;
    }
    const engine = this.host.engine;
    const infos = engine.queryIds().map((id) => engine.queryInfo(id)!);
    const byId = new Map(this.runningQueries().map((q) => [q.id, q]));
    const descriptions: Entity[] = [];
    const warnings: Array<{ message: string }> = [];
    for (const src of sources) {
      const d = await this.sourceDescription(src, extended, topics?.get(src.topic), infos, byId);
      descriptions.push(d.description);
      warnings.push(...d.warnings);
    }
    return { descriptions, warnings };
  }

  /** `SourceDescriptionFactory#create`, with this server's counters when EXTENDED. */
  private async sourceDescription(
    src: DataSource,
    extended: boolean,
    topic: { partitions: number; replicas: number } | undefined,
    infos: ReadonlyArray<NonNullable<ReturnType<KsqlEngine['queryInfo']>>>,
    byId: ReadonlyMap<string, RunningQueryJson>,
  ): Promise<{ description: Entity; warnings: Array<{ message: string }> }> {
    const host = this.host;
    const engine = host.engine;
    const readers = infos.filter((q) => q.sources.includes(src.name));
    const writers = infos.filter((q) => q.sink === src.name);
    const warnings = topic ? [] : [topicDescribeWarning(src.topic)];
    let statistics = '';
    let errorStats = '';
    const offsetSummaries: Entity[] = [];
    if (extended) {
      const runners = [...readers, ...writers].map((q) => host.runner(q.id)).filter((r) => r !== undefined);
      statistics = formatStats(mergeStats(runners.map((r) => r.metrics.stats(src.topic, false))), 'last-message');
      errorStats = formatStats(mergeStats(runners.map((r) => r.metrics.stats(src.topic, true))), 'last-failed');
      const ends = topic ? await host.runtime.endOffsets(src.topic) : [];
      for (const q of readers) {
        const groupId = appIdOf(host.serviceId, q.id);
        const committed = await host.runtime.committedOffsets(groupId, [src.topic]).catch(() => []);
        offsetSummaries.push({
          groupId,
          topicSummaries: [
            {
              kafkaTopic: src.topic,
              offsets: ends.map((e) => ({
                partition: e.partition,
                logStartOffset: 0,
                logEndOffset: e.offset,
                consumerOffset: committed.find((c) => c.partition === e.partition)?.offset ?? 0,
              })),
            },
          ],
        });
      }
    }
    return {
      description: {
        name: src.name,
        windowType: src.window?.type ?? null,
        readQueries: readers.map((q) => byId.get(q.id)!),
        writeQueries: writers.map((q) => byId.get(q.id)!),
        fields: fieldInfos(src.columns),
        type: src.kind,
        timestamp: src.timestamp?.column ?? '',
        statistics,
        errorStats,
        extended,
        keyFormat: src.keyFormat.format,
        valueFormat: src.valueFormat.format,
        topic: src.topic,
        partitions: topic?.partitions ?? 0,
        replication: topic?.replicas ?? 0,
        statement: host.sourceStatements.get(src.name) ?? `${src.sql};`,
        queryOffsetSummaries: offsetSummaries,
        sourceConstraints: engine.dropConstraints(src.name),
        clusterStatistics: [],
        clusterErrorStats: [],
      },
      warnings,
    };
  }

  private topologyText(id: string): { topology: string; executionPlan: string } {
    const info = this.host.engine.queryInfo(id)!;
    const stores = this.host.engine.queryStoreNames(id).map((n) => n.slice(info.storePrefix.length + 1));
    const topology =
      `Local ksqlDB query ${id}: consume [${info.sourceTopics.join(', ')}] (group ${appIdOf(this.host.serviceId, id)}, read_committed)` +
      ` -> process${stores.length ? ` (state stores: ${stores.join(', ')}; changelog ${appIdOf(this.host.serviceId, id)}-changelog)` : ''}` +
      ` -> produce [${info.sinkTopic}], one transaction per batch with the consumed offsets`;
    return { topology, executionPlan: `${info.sources.join(', ')} -> ${info.sink}` };
  }

  private queryDescription(id: string, t: string): Entity {
    const host = this.host;
    const info = host.engine.queryInfo(id)!;
    const runner = host.runner(id);
    const { topology, executionPlan } = this.topologyText(id);
    return queryDescriptionEntity(t, {
      id,
      statementText: host.queryStatements.get(id) ?? info.statement,
      windowType: info.window?.type ?? null,
      columns: info.columns,
      sources: info.sources,
      sinks: [info.sink],
      topology,
      executionPlan,
      overridden: host.queryOverrides.get(id) ?? {},
      hostStatus: { [this.deps.hostInfo()]: runner?.state ?? 'CREATED' },
      queryType: 'PERSISTENT',
      queryErrors: runner?.errors ?? [],
      consumerGroupId: appIdOf(host.serviceId, id),
      state: runner?.state ?? 'CREATED',
    });
  }

  private async explain(s: Extract<Statement, { kind: 'explain' }>, t: string, scoped: Record<string, unknown>): Promise<Entity> {
    const host = this.host;
    if (s.queryId !== undefined) {
      if (host.engine.queryInfo(s.queryId)) return this.queryDescription(s.queryId, t);
      const push = this.deps.push.get(s.queryId);
      if (!push)
        throw new StatementError(`Query with id:${s.queryId} does not exist, use SHOW QUERIES to view the full set of queries.`, t);
      const planned = planTransient(host, parseStatements(push.sql)[0] as Statement & { kind: 'query' }, push.sql);
      return queryDescriptionEntity(t, {
        id: push.id,
        statementText: push.sql,
        windowType: null,
        columns: planned.query.columns,
        sources: planned.query.sources.map((x) => x.name),
        sinks: [],
        topology: `Local ksqlDB push query: consume [${planned.query.sourceTopics.join(', ')}]`,
        executionPlan: planned.query.sources.map((x) => x.name).join(', '),
        overridden: scoped,
        hostStatus: { [this.deps.hostInfo()]: 'RUNNING' },
        queryType: 'PUSH',
        queryErrors: [],
        consumerGroupId: `_confluent-ksql-${host.serviceId}transient_${push.id}`,
        state: 'RUNNING',
      });
    }
    const inner = s.statement!;
    const innerText = t.replace(/^\s*EXPLAIN\s+/i, '');
    if (inner.kind === 'query') {
      let planned;
      try {
        planned = planTransient(host, inner, text(inner));
      } catch (e) {
        throw refusal(e, t);
      }
      return queryDescriptionEntity(t, {
        id: planned.id,
        statementText: innerText,
        windowType: planned.query.sources[0]?.window?.type ?? null,
        columns: planned.query.columns,
        sources: [...new Set(planned.query.sources.map((x) => x.name))],
        sinks: [],
        topology: `Local ksqlDB ${planned.kind} query: consume [${planned.query.sourceTopics.join(', ')}]`,
        executionPlan: planned.query.sources.map((x) => x.name).join(', '),
        overridden: scoped,
        hostStatus: {},
        queryType: 'PUSH',
        queryErrors: [],
        consumerGroupId: `_confluent-ksql-${host.serviceId}transient_${planned.id}_${Date.now()}`,
        state: null,
      });
    }
    let id: string | undefined;
    let sandbox: KsqlEngine;
    try {
      ({ result: id, engine: sandbox } = await host.withTopics((e) => e.execute(text(inner), scoped)[0].queryId));
    } catch (e) {
      throw refusal(e, t);
    }
    if (!id) throw new StatementError('The provided statement does not run a ksql query', t);
    const info = sandbox.queryInfo(id)!;
    return queryDescriptionEntity(t, {
      id,
      statementText: innerText,
      windowType: info.window?.type ?? null,
      columns: info.columns,
      sources: info.sources,
      sinks: [info.sink],
      topology: `Local ksqlDB query ${id}: consume [${info.sourceTopics.join(', ')}] -> produce [${info.sinkTopic}]`,
      executionPlan: `${info.sources.join(', ')} -> ${info.sink}`,
      overridden: scoped,
      hostStatus: {},
      queryType: 'PERSISTENT',
      queryErrors: [],
      consumerGroupId: appIdOf(host.serviceId, id),
      state: null,
    });
  }

  /** SHOW PROPERTIES: the server's properties plus the request's overrides. */
  private properties(t: string, overrides: Record<string, unknown>): Entity {
    const base = this.deps.serverProperties();
    const defaults: Record<string, string> = {
      'ksql.service.id': 'default_',
      'ksql.persistence.default.format.key': 'KAFKA',
      'ksql.output.topic.name.prefix': '',
      'ksql.create.or.replace.enabled': 'true',
      'ksql.streams.auto.offset.reset': 'latest',
      'ksql.streams.processing.guarantee': 'exactly_once_v2',
    };
    const merged: Record<string, string> = { ...base };
    for (const [k, v] of Object.entries(overrides)) merged[k] = String(v);
    const props: PropertyJson[] = Object.entries(merged)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => ({
        name,
        scope: name.startsWith('ksql.streams.') || !name.startsWith('ksql.') ? 'STREAMS' : 'KSQL',
        value,
        editable: QUERY_LEVEL_PROPERTIES.has(name),
        level: QUERY_LEVEL_PROPERTIES.has(name) ? 'QUERY' : 'SERVER',
      }));
    const overwritten = Object.keys(merged).filter((k) => base[k] !== merged[k]);
    const defaultProps = Object.keys(merged).filter((k) => defaults[k] !== undefined && defaults[k] === merged[k]);
    return propertiesEntity(t, props, overwritten, defaultProps);
  }
}

function unsupported(what: string): string {
  return new NotSupportedError(what).message;
}
