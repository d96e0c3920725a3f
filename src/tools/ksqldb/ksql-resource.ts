/**
 * `POST /ksql`, following ksqlDB's `KsqlResource#handleKsqlStatements`: wait for a requested
 * command sequence number, parse the whole request, validate every statement in one sandbox
 * (`RequestValidator`), then execute them in order (`RequestHandler`): listing/describing
 * statements locally (after waiting for earlier commands of the same request), everything else
 * through the command topic (`DistributingExecutor`).
 */
import { ParsedStatement, Statement } from './ast';
import { analyzeQuery, PrepareFailure } from './analyzer';
import { Catalog } from './catalog';
import { CommandRunner } from './commands';
import { Ctx, EngineConfig, execute, explainStatement, inject, Injected, plan, prepare, Prepared } from './engine';
import {
  commandStatusEntity,
  Entity,
  propertiesEntity,
  PropertyJson,
  queriesEntity,
  queryDescriptionEntity,
  sourceDescription,
  sourceDescriptionEntity,
  sourceDescriptionsEntity,
  sourceListEntity,
  terminateQueryEntity,
  topicDescribeWarning,
  warningEntity,
} from './entities';
import {
  genericError,
  KsqlException,
  OtherStatementError,
  queryEndpointError,
  RestError,
  ServerError,
  StandInUnsupported,
  statementError,
  StatementError,
  withCause,
} from './errors';
import { DeferredPrepareError, KsqlSyntaxError, parseStatements } from './parser';
import { PushQueryRegistry, transientQueryId } from './push-queries';
import { SandboxTopicClient, TopicClient } from './topics';

export interface LiveState {
  readonly catalog: Catalog;
  readonly topics: TopicClient;
  readonly config: EngineConfig;
  nextQueryId: number;
}

export interface KsqlRequestBody {
  readonly ksql: string;
  readonly streamsProperties: Record<string, unknown>;
  readonly commandSequenceNumber?: number;
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
}

export interface ResourceDeps {
  readonly live: LiveState;
  readonly runner: CommandRunner;
  readonly push: PushQueryRegistry;
  readonly responseTimeoutMs: number;
  /** host:port ksqlDB reports as its own host (KsqlHostInfoEntity) */
  readonly hostInfo: () => string;
  readonly bootstrapServers?: string;
  readonly onStatement?: () => void;
}

/** Parse errors carry the failing source line as statementText (`DefaultKsqlParser#parse`). */
export function parseRequest(sql: string): Array<ParsedStatement & { deferred?: DeferredPrepareError }> {
  try {
    return parseStatements(sql);
  } catch (e) {
    if (e instanceof KsqlSyntaxError) {
      const line = sql.split('\n')[e.line - 1] ?? '';
      throw new StatementError(e.message, line, true);
    }
    throw e;
  }
}

export function commandIdFor(s: Statement): string {
  switch (s.kind) {
    case 'createSource':
    case 'createAs':
      return `${s.type.toLowerCase()}/\`${s.name.text}\`/create`;
    case 'insertInto':
      return `stream/\`${s.target.text}\`/create`;
    case 'drop':
      return `${s.type.toLowerCase()}/${s.name.text}/drop`;
    case 'terminate':
      return `terminate/${s.queryId ?? 'ALL'}/execute`;
    default:
      throw new Error(`no command id for ${s.kind}`);
  }
}

const QUERY_LEVEL_PROPERTIES = new Set([
  'auto.offset.reset',
  'buffered.records.per.partition',
  'cache.max.bytes.buffering',
  'ksql.fail.on.deserialization.error',
  'ksql.functions.format_timestamp.enable',
  'ksql.nested.error.set.null',
  'ksql.query.retry.backoff.max.ms',
  'ksql.query.pull.max.allowed.offset.lag',
  'ksql.query.pull.table.scan.enabled',
  'ksql.timestamp.throw.on.invalid',
  'max.task.idle.ms',
  'task.timeout.ms',
]);

export class KsqlResource {
  /** serializes writers to the command topic (ksqlDB uses one transaction per command) */
  private commandTopicLock: Promise<void> = Promise.resolve();

  constructor(private readonly deps: ResourceDeps) {}

  private async withCommandTopic<T>(f: () => Promise<T>): Promise<T> {
    const previous = this.commandTopicLock;
    let release!: () => void;
    this.commandTopicLock = new Promise<void>((r) => (release = r));
    await previous;
    try {
      return await f();
    } finally {
      release();
    }
  }

  private ctx(overrides: Record<string, unknown>, sandbox: boolean): Ctx {
    const live = this.deps.live;
    return {
      catalog: sandbox ? live.catalog.clone() : live.catalog,
      topics: sandbox ? new SandboxTopicClient(live.topics) : live.topics,
      config: live.config,
      nextQueryId: live.nextQueryId,
      overrides,
    };
  }

  async handle(req: KsqlRequestBody): Promise<HttpAnswer> {
    let current = '';
    try {
      if (req.commandSequenceNumber !== undefined && req.commandSequenceNumber >= 0) {
        const ok = await this.deps.runner.waitExecuted(req.commandSequenceNumber, this.deps.responseTimeoutMs);
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
      const parsed = parseRequest(req.ksql);
      const overrides = req.streamsProperties;

      // RequestValidator: the whole batch in one sandbox
      const sandbox = this.ctx(overrides, true);
      for (const ps of parsed) {
        current = ps.text;
        const p = prepare(sandbox, ps);
        await this.validate(sandbox, p);
      }

      // RequestHandler: execute in order
      const entities: Entity[] = [];
      for (const ps of parsed) {
        current = ps.text;
        this.deps.onStatement?.();
        const p = prepare(this.ctx(overrides, false), ps);
        const entity = await this.executeStatement(p, entities, overrides);
        if (entity) entities.push(entity);
      }
      return { status: 200, body: entities };
    } catch (e) {
      return this.mapError(e, current, req.ksql);
    }
  }

  private mapError(e: unknown, current: string, ksql: string): HttpAnswer {
    if (e instanceof RestError) return { status: e.status, body: e.body };
    if (e instanceof StatementError) return { status: 400, body: statementError(40001, e.message, e.statementText) };
    if (e instanceof StandInUnsupported) return { status: 500, body: statementError(50000, e.message, current || ksql) };
    if (e instanceof OtherStatementError) return { status: 500, body: statementError(50000, e.message, e.statementText) };
    if (e instanceof PrepareFailure) {
      return { status: 400, body: statementError(40001, `Exception while preparing statement: ${e.message}`, current) };
    }
    if (e instanceof KsqlException) return { status: 400, body: genericError(40000, e.message) };
    if (e instanceof ServerError) return { status: 500, body: statementError(50000, e.message, ksql) };
    const message = e instanceof Error ? e.message : String(e);
    return { status: 500, body: statementError(50000, message, ksql) };
  }

  // ------------------------------------------------------------------ validation

  private async validate(ctx: Ctx, p: Prepared): Promise<void> {
    const s = p.statement;
    switch (s.kind) {
      case 'query':
      case 'print':
        throw queryEndpointError(p.text);
      case 'listSources':
      case 'describeSources':
      case 'listQueries':
        if (s.extended) throw this.extendedUnsupported();
        return;
      case 'listProperties':
        return;
      case 'describe':
        await this.describe(ctx, p);
        return;
      case 'explain':
        await this.explain(ctx, p);
        return;
      case 'createSource':
      case 'createAs':
      case 'insertInto':
      case 'drop':
      case 'terminate': {
        const inj = await inject(ctx, p);
        execute(ctx, await plan(ctx, inj));
        return;
      }
      case 'unsupported':
        throw new StandInUnsupported(`${s.what} statements are not supported`);
    }
  }

  private extendedUnsupported(): StandInUnsupported {
    return new StandInUnsupported(
      'EXTENDED listings/descriptions are not supported: the stand-in runs no queries, so it has no runtime statistics or consumer offsets',
    );
  }

  // ------------------------------------------------------------------ execution

  /** `DefaultCommandQueueSync#waitFor`: local statements wait for this request's last command. */
  private async syncWithPrevious(entities: Entity[]): Promise<void> {
    const last = [...entities].reverse().find((e) => e['@type'] === 'currentStatus');
    if (!last) return;
    const seq = last.commandSequenceNumber as number;
    if (!(await this.deps.runner.waitExecuted(seq, this.deps.responseTimeoutMs))) {
      throw new RestError(
        503,
        genericError(50301, `Timed out while waiting for a previous command to execute. command sequence number: ${seq}`),
      );
    }
  }

  private async executeStatement(p: Prepared, entities: Entity[], overrides: Record<string, unknown>): Promise<Entity | undefined> {
    const s = p.statement;
    const live = this.deps.live;
    const ctx = this.ctx(overrides, false);
    switch (s.kind) {
      case 'listProperties':
        return this.properties(p, overrides);
      case 'listSources':
        await this.syncWithPrevious(entities);
        return sourceListEntity(p.text, s.type, live.catalog.allSources());
      case 'describeSources': {
        await this.syncWithPrevious(entities);
        const warnings: Array<{ message: string }> = [];
        const descriptions: Record<string, unknown>[] = [];
        for (const src of live.catalog.allSources().filter((x) => x.type === s.type)) {
          const topic = await live.topics.describe(src.topic);
          if (!topic) warnings.push(topicDescribeWarning(src.topic));
          descriptions.push(sourceDescription(src, live.catalog, topic));
        }
        return sourceDescriptionsEntity(p.text, descriptions, warnings);
      }
      case 'listQueries':
        await this.syncWithPrevious(entities);
        return queriesEntity(
          p.text,
          live.catalog.allQueries(),
          this.deps.push.all().map((q) => ({ id: q.id, sql: q.sql })),
        );
      case 'describe':
        await this.syncWithPrevious(entities);
        return this.describe(ctx, p);
      case 'explain':
        await this.syncWithPrevious(entities);
        return this.explain(ctx, p);
      case 'terminate': {
        await this.syncWithPrevious(entities);
        if (s.queryId !== undefined && !live.catalog.getQuery(s.queryId)) {
          const pushQuery = this.deps.push.remove(s.queryId);
          if (!pushQuery) throw new KsqlException(`Failed to terminate query with query ID: '${s.queryId}'`);
          pushQuery.close();
          return terminateQueryEntity(p.text, s.queryId);
        }
        return this.distribute(ctx, p);
      }
      case 'createSource':
      case 'createAs':
      case 'insertInto':
      case 'drop':
        return this.distribute(ctx, p);
      default:
        throw new StandInUnsupported(`statement not supported: ${p.text}`);
    }
  }

  /** `DistributingExecutor#execute`. */
  private async distribute(ctx: Ctx, p: Prepared): Promise<Entity> {
    const inj = await inject(ctx, p);
    try {
      return await this.executeInjected(ctx, p, inj);
    } catch (e) {
      if (inj.createdTopics.length) await ctx.topics.delete(inj.createdTopics).catch(() => undefined);
      throw e;
    }
  }

  private async executeInjected(ctx: Ctx, p: Prepared, inj: Injected): Promise<Entity> {
    const s = p.statement;
    const live = this.deps.live;
    if (s.kind === 'insertInto') {
      const target = live.catalog.getSource(s.target.text);
      if (!target) throw new KsqlException(`Cannot insert into an unknown stream/table: \`${s.target.text}\``);
      if (target.columns.some((c) => c.ns === 'HEADERS')) {
        throw new KsqlException(`Cannot insert into ${s.target.text} because it has header columns`);
      }
    }
    if ((s.kind === 'createSource' || s.kind === 'createAs') && s.ifNotExists && live.catalog.getSource(s.name.text)) {
      const t = s.type.toLowerCase();
      return warningEntity(p.text, `Cannot add ${t} \`${s.name.text}\`: A ${t} with the same name already exists.`);
    }
    const runner = this.deps.runner;
    try {
      const commandId = commandIdFor(s);
      const queued = await this.withCommandTopic(async () => {
        // CommandStore#waitForCommandConsumer: earlier commands must have been executed
        if (!(await runner.waitExecuted(runner.lastEnqueuedSeq(), this.deps.responseTimeoutMs))) {
          throw new KsqlException('Timeout while waiting for command topic consumer to process command topic');
        }
        // ValidatedCommandFactory: plan (and check) the command against a sandbox of the live engine
        const sandbox = this.ctx(ctx.overrides as Record<string, unknown>, true);
        const planned = await plan(sandbox, inj);
        execute(sandbox, planned);
        return runner.enqueue(commandId, planned.kind !== 'terminate', () =>
          execute(
            { catalog: live.catalog, topics: live.topics, config: live.config, nextQueryId: live.nextQueryId, overrides: ctx.overrides },
            planned,
          ),
        );
      });
      const status = await runner.waitForFinal(queued, this.deps.responseTimeoutMs);
      return commandStatusEntity(inj.text, commandId, status, queued.seq);
    } catch (e) {
      if (e instanceof StandInUnsupported) throw e;
      const cause = e instanceof StatementError ? e.unloggedMessage() : e instanceof Error ? e.message : String(e);
      throw new OtherStatementError(withCause('Could not write the statement into the command topic.', cause), p.text);
    }
  }

  // ------------------------------------------------------------------ custom executors

  private async describe(ctx: Ctx, p: Prepared): Promise<Entity> {
    const s = p.statement;
    if (s.kind !== 'describe') throw new Error('not DESCRIBE');
    if (s.extended) throw this.extendedUnsupported();
    const src = ctx.catalog.getSource(s.name.text);
    if (!src) {
      throw new StatementError(
        `Could not find STREAM/TABLE '${s.name.text}' in the Metastore${ctx.catalog.alternativesHint(s.name.text)}`,
        p.text,
      );
    }
    const topic = await ctx.topics.describe(src.topic);
    return sourceDescriptionEntity(p.text, sourceDescription(src, ctx.catalog, topic), topic ? [] : [topicDescribeWarning(src.topic)]);
  }

  private async explain(ctx: Ctx, p: Prepared): Promise<Entity> {
    const s = p.statement;
    if (s.kind !== 'explain') throw new Error('not EXPLAIN');
    const serviceId = ctx.config.serviceId;
    if (s.queryId !== undefined) {
      const q = ctx.catalog.getQuery(s.queryId);
      if (!q) {
        throw new StatementError(`Query with id:${s.queryId} does not exist, use SHOW QUERIES to view the full set of queries.`, p.text);
      }
      return queryDescriptionEntity(p.text, {
        id: q.id,
        statementText: q.statement,
        windowType: q.windowType ?? null,
        columns: q.columns,
        sources: q.sources,
        sinks: [q.sink],
        overridden: q.overridden,
        hostStatus: { [this.deps.hostInfo()]: 'RUNNING' },
        queryType: 'PERSISTENT',
        consumerGroupId: `_confluent-ksql-${serviceId}query_${q.id}`,
        state: 'RUNNING',
      });
    }
    const inner = p.explained!;
    const innerText = p.text.substring('EXPLAIN '.length);
    const asExplainError = (e: unknown): never => {
      if (e instanceof StatementError) throw new StatementError(e.message, p.text);
      if (e instanceof KsqlException) throw new StatementError(e.message, p.text);
      throw e;
    };
    switch (inner.statement.kind) {
      case 'query': {
        if (inner.statement.query.emit !== 'CHANGES') {
          throw new StandInUnsupported('EXPLAIN of a pull query is not supported: the stand-in holds no data');
        }
        let analysis;
        try {
          analysis = analyzeQuery(inner.sanitized!, {});
        } catch (e) {
          return asExplainError(e);
        }
        const id = transientQueryId(inner.sanitized!.sources[0].alias);
        return queryDescriptionEntity(p.text, {
          id,
          statementText: innerText,
          windowType: analysis.window?.type ?? null,
          columns: analysis.columns,
          sources: [...new Set(analysis.sources.map((x) => x.source.name))],
          sinks: [],
          overridden: ctx.overrides,
          hostStatus: {},
          queryType: 'PUSH',
          consumerGroupId: `_confluent-ksql-${serviceId}transient_${id}_${Date.now()}`,
          state: null,
        });
      }
      case 'createAs':
      case 'insertInto': {
        let q;
        try {
          q = await explainStatement(ctx, inner);
        } catch (e) {
          return asExplainError(e);
        }
        return queryDescriptionEntity(p.text, {
          id: q.id,
          statementText: innerText,
          windowType: q.windowType ?? null,
          columns: q.columns,
          sources: q.sources,
          sinks: [q.sink],
          overridden: q.overridden,
          hostStatus: {},
          queryType: 'PERSISTENT',
          consumerGroupId: `_confluent-ksql-${serviceId}query_${q.id}`,
          state: null,
        });
      }
      default:
        throw new StatementError('The provided statement does not run a ksql query', p.text);
    }
  }

  /**
   * SHOW PROPERTIES. ksqlDB lists its whole configuration; the stand-in lists the properties it
   * actually applies (service id, default key format, output topic prefix, CREATE OR REPLACE,
   * bootstrap servers in Kafka mode) plus the request's overrides.
   */
  private properties(p: Prepared, overrides: Record<string, unknown>): Entity {
    const base: Record<string, string> = {
      'ksql.service.id': this.deps.live.config.serviceId,
      'ksql.persistence.default.format.key': this.deps.live.config.defaultKeyFormat,
      'ksql.output.topic.name.prefix': this.deps.live.config.outputTopicPrefix,
      'ksql.create.or.replace.enabled': 'true',
    };
    if (this.deps.bootstrapServers) base['ksql.streams.bootstrap.servers'] = this.deps.bootstrapServers;
    const defaults: Record<string, string> = {
      'ksql.service.id': 'default_',
      'ksql.persistence.default.format.key': 'KAFKA',
      'ksql.output.topic.name.prefix': '',
      'ksql.create.or.replace.enabled': 'true',
    };
    const merged: Record<string, string> = { ...base };
    for (const [k, v] of Object.entries(overrides)) merged[k] = String(v);
    const props: PropertyJson[] = Object.entries(merged).map(([name, value]) => ({
      name,
      scope: 'KSQL',
      value,
      editable: QUERY_LEVEL_PROPERTIES.has(name),
      level: QUERY_LEVEL_PROPERTIES.has(name) ? 'QUERY' : 'SERVER',
    }));
    const overwritten = Object.keys(merged).filter((k) => base[k] !== merged[k]);
    const defaultProps = Object.keys(merged).filter((k) => defaults[k] !== undefined && defaults[k] === merged[k]);
    return propertiesEntity(p.text, props, overwritten, defaultProps);
  }
}
