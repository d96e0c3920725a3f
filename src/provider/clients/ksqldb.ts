import { z } from 'zod';
import { Cancellable, sleep } from './abort';
import { HttpClient, HttpEndpoint, ServerError } from './http';

/**
 * The ksqlDB REST API (`/ksql`, `/status`, `/info`, `/healthcheck`). 503 "not yet ready" (50302)
 * and "shutting down" (50303) are retried with back-off; a command still QUEUED/EXECUTING when the
 * server's response timeout passes is polled on `/status` until it finishes.
 */

const Warning = z.object({ message: z.string() }).loose();

const CommandStatus = z
  .object({
    status: z.enum(['QUEUED', 'PARSING', 'EXECUTING', 'RUNNING', 'TERMINATED', 'SUCCESS', 'ERROR']),
    message: z.string().nullish(),
    queryId: z.string().nullish(),
  })
  .loose();
export type KsqlCommandStatus = z.infer<typeof CommandStatus>;

const CurrentStatus = z
  .object({
    '@type': z.literal('currentStatus'),
    statementText: z.string(),
    commandId: z.string(),
    commandStatus: CommandStatus,
    commandSequenceNumber: z.number().int(),
    warnings: z.array(Warning).optional(),
  })
  .loose();

const SourceInfo = z
  .object({
    type: z.string(),
    name: z.string(),
    topic: z.string(),
    keyFormat: z.string().optional(),
    valueFormat: z.string().optional(),
    isWindowed: z.boolean().optional(),
  })
  .loose();

const RunningQuery = z
  .object({
    queryString: z.string(),
    sinks: z.array(z.string()),
    sinkKafkaTopics: z.array(z.string()).optional(),
    id: z.string(),
    statusCount: z.record(z.string(), z.number()).optional(),
    queryType: z.string().optional(),
    state: z.string().nullish(),
  })
  .loose();
export type KsqlRunningQuery = z.infer<typeof RunningQuery>;

const Field = z
  .object({
    name: z.string(),
    schema: z.object({ type: z.string() }).loose(),
    type: z.string().optional(),
  })
  .loose();

const SourceDescription = z
  .object({
    name: z.string(),
    windowType: z.string().nullish(),
    readQueries: z.array(RunningQuery),
    writeQueries: z.array(RunningQuery),
    fields: z.array(Field),
    type: z.enum(['STREAM', 'TABLE']),
    timestamp: z.string().nullish(),
    keyFormat: z.string().optional(),
    valueFormat: z.string().optional(),
    topic: z.string(),
    partitions: z.number().int().optional(),
    replication: z.number().int().optional(),
    statement: z.string(),
    sourceConstraints: z.array(z.string()).optional(),
  })
  .loose();
export type KsqlSourceDescription = z.infer<typeof SourceDescription>;

const Entity = z.discriminatedUnion('@type', [
  CurrentStatus,
  z.object({ '@type': z.literal('streams'), statementText: z.string(), streams: z.array(SourceInfo) }).loose(),
  z.object({ '@type': z.literal('tables'), statementText: z.string(), tables: z.array(SourceInfo) }).loose(),
  z.object({ '@type': z.literal('queries'), statementText: z.string(), queries: z.array(RunningQuery) }).loose(),
  z.object({ '@type': z.literal('sourceDescription'), statementText: z.string(), sourceDescription: SourceDescription }).loose(),
  z
    .object({ '@type': z.literal('source_descriptions'), statementText: z.string(), sourceDescriptions: z.array(SourceDescription) })
    .loose(),
  z
    .object({
      '@type': z.literal('queryDescription'),
      statementText: z.string(),
      queryDescription: z.object({ id: z.string().nullish() }).loose(),
    })
    .loose(),
  z.object({ '@type': z.literal('warning_entity'), statementText: z.string(), message: z.string() }).loose(),
  z.object({ '@type': z.literal('properties'), statementText: z.string() }).loose(),
  z.object({ '@type': z.literal('query_descriptions'), statementText: z.string() }).loose(),
  z.object({ '@type': z.literal('terminate_query'), statementText: z.string() }).loose(),
]);
export type KsqlEntity = z.infer<typeof Entity>;

const ErrorBody = z
  .object({
    '@type': z.string().optional(),
    error_code: z.number().int(),
    message: z.string(),
    statementText: z.string().optional(),
  })
  .loose();

/**
 * ksqlDB refused a statement (or the request); carries ksqlDB's own message, without the Java
 * stack trace a command that ends in ERROR reports (`ExceptionUtil.stackTraceToString`).
 */
export class KsqlError extends Error {
  /** ksqlDB's message as it came (stack trace included). */
  readonly rawMessage: string;
  readonly ksqlMessage: string;

  constructor(
    readonly status: number | undefined,
    readonly errorCode: number | undefined,
    ksqlMessage: string,
    readonly statementText?: string,
  ) {
    const clean = withoutStackTrace(ksqlMessage);
    super(clean);
    this.name = 'KsqlError';
    this.rawMessage = ksqlMessage;
    this.ksqlMessage = clean;
  }

  /** What the error code means and what to do, for the codes a reader cannot guess (empty otherwise). */
  get hint(): string {
    if (this.errorCode === 42801 || this.status === 428) {
      return 'ksqlDB has no Schema Registry configured (error 42801): set ksql.schema.registry.url on the ksqlDB server (KSQL_KSQL_SCHEMA_REGISTRY_URL), or use a format that needs none (JSON, DELIMITED, KAFKA)';
    }
    if (this.errorCode === 40400 || this.status === 404) {
      return 'ksqlDB does not know it (error 40400): if several ksqlDB servers stand behind the URL, point the provider at one of them';
    }
    if (/Not recognizable as ksql, streams, consumer, or producer property/.test(this.ksqlMessage)) {
      return 'check the names in streams_properties';
    }
    return '';
  }
}

const STACK_FRAME = /^\s*(at\s+\S+\(.*\)|at\s+[\w$.<>/]+|\.\.\.\s+\d+\s+(more|common frames omitted))\s*$/;
const EXCEPTION_PREFIX = /^(?:Caused by:\s*|Suppressed:\s*)?(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable)\w*(?::\s*|$)/;

/**
 * A Java stack trace as the message it carries: frames (`at ...`, `... 5 more`) dropped, exception
 * class names removed, causes kept once ("Caused by: X: msg" adds msg when not already said).
 */
export function withoutStackTrace(message: string): string {
  const lines = message.split(/\r?\n/);
  if (!lines.some((l) => STACK_FRAME.test(l))) return message.trim();
  const kept: string[] = [];
  for (const line of lines) {
    if (STACK_FRAME.test(line)) continue;
    const text = line.replace(EXCEPTION_PREFIX, '').trimEnd();
    if (!text.trim()) continue;
    if (kept.some((k) => k.includes(text.trim()))) continue;
    kept.push(text);
  }
  return kept.join('\n').trim() || message.split(/\r?\n/)[0].trim();
}

const Info = z.object({
  KsqlServerInfo: z
    .object({
      version: z.string(),
      kafkaClusterId: z.string().optional(),
      ksqlServiceId: z.string().optional(),
      serverStatus: z.string().optional(),
    })
    .loose(),
});

export interface KsqlCatalog {
  readonly sources: Map<string, KsqlSourceDescription>;
  readonly queries: Map<string, KsqlRunningQuery>;
}

export interface KsqlClientOptions extends Cancellable {
  /** How long to wait for a command to finish (polling /status). @default 120000 */
  readonly commandTimeoutMs?: number;
  /** Delay between /status polls. @default 250 */
  readonly pollIntervalMs?: number;
  /** Attempts for requests answered with 503 or not at all. @default 10 */
  readonly attempts?: number;
}

/** ksqlDB's DistributingExecutor gave up waiting for its command runner: the statement was not written. */
export function commandRunnerBusy(e: { status?: number; serverMessage: string }): boolean {
  // the server wraps long causes at 80 columns ("... process command\n\ttopic")
  return (
    e.status === 500 &&
    e.serverMessage.replace(/\s+/g, ' ').includes('Timeout while waiting for command topic consumer to process command topic')
  );
}

export class KsqlClient {
  readonly http: HttpClient;
  /** Highest command sequence number seen: sent with later requests for read-your-writes. */
  private lastSequence = -1;

  constructor(
    readonly endpoint: HttpEndpoint,
    private readonly options: KsqlClientOptions = {},
  ) {
    this.http = new HttpClient(
      `ksqlDB at ${endpoint.url}`,
      'ksqldb',
      endpoint,
      'application/vnd.ksql.v1+json',
      {
        attempts: options.attempts ?? 10,
        initialDelayMs: 300,
        // 50302 not yet ready, 50303 shutting down: both are answered with HTTP 503. A 500 whose
        // cause is the command runner still busy with earlier commands wrote nothing: sent again.
        retryable: (e) => e.status === undefined || e.status === 503 || commandRunnerBusy(e),
      },
      options.signal,
    );
  }

  async info(): Promise<z.infer<typeof Info>['KsqlServerInfo']> {
    return (await this.http.request('get', '/info', Info)).KsqlServerInfo;
  }

  /** Runs statements (separated by `;`) as one request; resolves one entity per statement. */
  async execute(ksql: string, streamsProperties: Record<string, string> = {}): Promise<KsqlEntity[]> {
    const body: Record<string, unknown> = { ksql, streamsProperties };
    if (this.lastSequence >= 0) body.commandSequenceNumber = this.lastSequence;
    let data: unknown;
    try {
      data = await this.http.raw('post', '/ksql', body);
    } catch (err) {
      throw toKsqlError(err);
    }
    const entities = z.array(Entity).safeParse(data);
    if (!entities.success) {
      throw new KsqlError(
        200,
        undefined,
        `ksqlDB answered with an unexpected body (${z.prettifyError(entities.error).replace(/\n/g, '; ')})`,
      );
    }
    for (const e of entities.data) {
      if (e['@type'] === 'currentStatus') this.lastSequence = Math.max(this.lastSequence, e.commandSequenceNumber);
    }
    return entities.data;
  }

  /**
   * Runs one command statement and waits until it has executed: SUCCESS resolves with the final
   * status; ERROR rejects with ksqlDB's message.
   */
  async command(
    statement: string,
    streamsProperties: Record<string, string> = {},
  ): Promise<{ entity: KsqlEntity; status?: KsqlCommandStatus }> {
    const [entity] = await this.execute(statement, streamsProperties);
    if (!entity) throw new KsqlError(200, undefined, 'ksqlDB answered with no result for the statement');
    if (entity['@type'] !== 'currentStatus') return { entity };
    const status = await this.waitFor(entity.commandId, entity.commandStatus, statement);
    return { entity, status };
  }

  private async waitFor(commandId: string, initial: KsqlCommandStatus, statement?: string): Promise<KsqlCommandStatus> {
    const deadline = Date.now() + (this.options.commandTimeoutMs ?? 120_000);
    let status = initial;
    while (status.status !== 'SUCCESS' && status.status !== 'ERROR' && status.status !== 'TERMINATED') {
      if (Date.now() > deadline) {
        throw new KsqlError(
          undefined,
          undefined,
          `command ${commandId} did not finish in time (last status ${status.status}: ${status.message ?? ''})`,
        );
      }
      await sleep(this.options.pollIntervalMs ?? 250, this.options.signal);
      const path = `/status/${commandId.split('/').map(encodeURIComponent).join('/')}`;
      try {
        status = await this.http.request('get', path, CommandStatus);
      } catch (err) {
        // 40400 "Command not found": this server never saw the command (e.g. another server behind the URL).
        const e = toKsqlError(err);
        if (e instanceof KsqlError) throw new KsqlError(e.status, e.errorCode, `command ${commandId}: ${e.ksqlMessage}`, statement);
        throw e;
      }
    }
    if (status.status === 'ERROR') {
      throw new KsqlError(200, undefined, status.message ?? `command ${commandId} failed`, statement);
    }
    return status;
  }

  /**
   * One stream or table, by its exact name (one `DESCRIBE`); undefined when ksqlDB has none of
   * that name ("Could not find STREAM/TABLE ... in the Metastore").
   */
  async source(name: string): Promise<KsqlSourceDescription | undefined> {
    try {
      const [entity] = await this.execute(`DESCRIBE \`${name.replace(/`/g, '``')}\`;`);
      if (entity?.['@type'] === 'sourceDescription') return entity.sourceDescription;
      throw new KsqlError(200, undefined, `ksqlDB answered DESCRIBE ${name} with ${entity ? entity['@type'] : 'nothing'}`);
    } catch (err) {
      if (err instanceof KsqlError && /^Could not find STREAM\/TABLE '.*' in the Metastore/.test(err.ksqlMessage)) return undefined;
      throw err;
    }
  }

  /** Every stream, table and persistent query, in one request. */
  async catalog(): Promise<KsqlCatalog> {
    const entities = await this.execute('DESCRIBE STREAMS; DESCRIBE TABLES; LIST QUERIES;');
    const sources = new Map<string, KsqlSourceDescription>();
    const queries = new Map<string, KsqlRunningQuery>();
    for (const e of entities) {
      if (e['@type'] === 'source_descriptions') for (const d of e.sourceDescriptions) sources.set(d.name, d);
      if (e['@type'] === 'queries') for (const q of e.queries) queries.set(q.id, q);
    }
    return { sources, queries };
  }
}

function toKsqlError(err: unknown): unknown {
  if (!(err instanceof ServerError)) return err;
  const body = ErrorBody.safeParse(err.body);
  if (body.success) return new KsqlError(err.status, body.data.error_code, body.data.message, body.data.statementText);
  // No answer, or an answer that is not ksqlDB's (a proxy's 502 page, another service on the
  // port): not a refusal of the statement. The ServerError names the server and its URL.
  return err;
}
