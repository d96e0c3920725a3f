/**
 * The local ksqlDB server: ksqlDB's REST protocol (`/ksql`, `/status`, `/info`, `/healthcheck`,
 * `/query-stream`, `/query`, `/close-query`, `/chc/*`) with ksqlDB's status codes, JSON shapes and
 * messages, over the engine (`../engine`, the repository's one ksql parser) and a runtime:
 * Kafka and a Schema Registry (`--bootstrap-servers`, `--schema-registry`), or an in-memory log
 * when no bootstrap servers are given. Persistent queries consume and produce for real, exactly
 * once (see `../runtime/query-runner.ts`); statements persist in the command topic.
 *
 * Statement texts ksqlDB re-formats (statementText of commands, DESCRIBE `statement`, LIST
 * QUERIES `queryString`) follow ksqlDB's injected form (defaults spelled out) but are not
 * byte-exact; clients must not depend on their exact bytes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KsqlSyntaxError } from '../../../core/ksql';
import { KsqlError } from '../engine/errors';
import { typeText } from '../engine/types';
import { KafkaRuntime } from '../runtime/kafka';
import { MemoryRuntime } from '../runtime/memory';
import {
  HttpSchemaRegistryClient,
  MemorySchemaRegistryClient,
  SchemaRegistryCache,
  type SchemaRegistryClient,
} from '../runtime/schema-registry';
import type { Runtime } from '../runtime/types';
import { genericError, KsqlException, NOT_READY, SHUTTING_DOWN, statementError, StatementError } from './errors';
import { KsqlHost } from './host';
import { KsqlResource } from './ksql-resource';
import { failedLine, syntaxErrorMessage } from './syntax';
import { parseQuery, planTransient, PushQueryRegistry, runPull, startPush, type PlannedTransient } from './transient';
import { restRow } from './values';

export { MemoryRuntime } from '../runtime/memory';
export { KafkaRuntime } from '../runtime/kafka';
export { MemorySchemaRegistryClient, HttpSchemaRegistryClient } from '../runtime/schema-registry';
export type { Runtime } from '../runtime/types';

export const DELIMITED = 'application/vnd.ksqlapi.delimited.v1';
const KSQL_V1_JSON = 'application/vnd.ksql.v1+json';

export interface KsqlServerOptions {
  /** 0 (default) = a random free port */
  readonly port?: number;
  /** interface to bind (default 127.0.0.1) */
  readonly host?: string;
  /** the log to run over; default: Kafka when `bootstrapServers` is given, else a new in-memory log */
  readonly runtime?: Runtime;
  /** Kafka bootstrap servers (host:port[,host:port]) */
  readonly bootstrapServers?: string;
  /** @deprecated the stand-in's option; use `bootstrapServers` */
  readonly kafka?: { readonly bootstrapServers: string };
  /** Schema Registry URL (Confluent API); the in-memory runtime has an in-memory registry by default */
  readonly schemaRegistryUrl?: string;
  readonly schemaRegistry?: SchemaRegistryClient;
  /** ksql.service.id (default "default_") */
  readonly serviceId?: string;
  /** server properties (ksql.*, ksql.streams.*, ...) */
  readonly properties?: Readonly<Record<string, string>>;
  /** version reported by /info (default "0.29.0") */
  readonly version?: string;
  /** ksql.server.command.response.timeout.ms (default 5000) */
  readonly commandResponseTimeoutMs?: number;
  /** tests: answer 503 for this long after start */
  readonly readyAfterMs?: number;
  /** tests: time the command runner spends executing each command (status EXECUTING) */
  readonly commandExecutionMs?: number;
  /** tests: time a command waits before the command runner picks it up (status QUEUED) */
  readonly commandQueueDelayMs?: number;
  /** resolve only once the server serves (default true); false resolves once it listens */
  readonly waitUntilReady?: boolean;
  /** How long to wait for the log (Kafka) to answer at start (default 120 s) */
  readonly startTimeoutMs?: number;
  /** tests: on close, delete this service id's internal topics and consumer groups */
  readonly cleanUpOnClose?: boolean;
  readonly log?: (line: string) => void;
}

interface KsqlServerStats {
  requests: number;
  notReady: number;
  ksqlRequests: number;
  statements: number;
  readonly commands: number;
  queryStreams: number;
}

export interface KsqlServer {
  readonly url: string;
  readonly port: number;
  readonly stats: KsqlServerStats;
  readonly runtime: Runtime;
  readonly schemaRegistry: SchemaRegistryClient | undefined;
  readonly host: KsqlHost;
  /** Settles when the server serves (or failed to start). */
  readonly ready: Promise<void>;
  /** false: answer 503 50302 "not yet ready"; true: serve */
  setReady(ready: boolean): void;
  /** Stops serving and the queries; an in-memory log passed in `runtime` outlives the server. */
  close(): Promise<void>;
}

type State = 'INITIALIZING' | 'READY' | 'TERMINATING' | 'FAILED';

const OLD_API = [KSQL_V1_JSON, 'application/json'];
const QUERY_STREAM_TYPES = [DELIMITED, 'application/json', KSQL_V1_JSON, 'application/vnd.ksql.v1+protobuf'];

/** Vert.x `produces` matching: no Accept header, or one entry matching a produced type. */
function negotiate(req: IncomingMessage, produced: string[]): string | undefined {
  const accept = req.headers.accept;
  if (!accept) return produced[0];
  const wanted = accept
    .split(',')
    .map((p) => {
      const [type, ...params] = p.trim().split(';');
      const q = params.map((x) => x.trim()).find((x) => x.startsWith('q='));
      return { type: type.trim().toLowerCase(), q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((w) => w.type && w.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const w of wanted) {
    const hit = produced.find((p) => {
      if (w.type === '*/*') return true;
      if (w.type.endsWith('/*')) return p.startsWith(w.type.slice(0, -1));
      return p === w.type;
    });
    if (hit) return hit;
  }
  return undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

class InvalidJson extends Error {}

/** Jackson-like deserialization: "Invalid JSON in request: <reason>". */
function parseJsonObject(text: string): Record<string, unknown> {
  if (text.trim() === '') throw new InvalidJson('No content to map due to end-of-input');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new InvalidJson((e as Error).message);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new InvalidJson('Cannot deserialize value from a non-object JSON value');
  }
  return v as Record<string, unknown>;
}

function objectField(o: Record<string, unknown>, name: string): Record<string, unknown> {
  const v = o[name];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw new InvalidJson(`Cannot deserialize value of type \`java.util.Map\` from ${typeof v} (property "${name}")`);
  return v as Record<string, unknown>;
}

const SERVER_ERROR_TEXT =
  'The server encountered an internal error when processing the query. Please consult the server logs for more information.';

export async function startKsqlServer(opts: KsqlServerOptions = {}): Promise<KsqlServer> {
  const log = opts.log ?? (() => undefined);
  const responseTimeoutMs = opts.commandResponseTimeoutMs ?? Number(opts.properties?.['ksql.server.command.response.timeout.ms'] ?? 5000);
  const bootstrap = opts.bootstrapServers ?? opts.kafka?.bootstrapServers;
  const ownRuntime = opts.runtime === undefined;
  const runtime: Runtime = opts.runtime ?? (bootstrap ? new KafkaRuntime({ bootstrapServers: bootstrap }) : new MemoryRuntime());
  const registryClient: SchemaRegistryClient | undefined =
    opts.schemaRegistry ??
    (opts.schemaRegistryUrl
      ? new HttpSchemaRegistryClient(opts.schemaRegistryUrl)
      : runtime instanceof MemoryRuntime
        ? new MemorySchemaRegistryClient()
        : undefined);
  const registry = registryClient ? new SchemaRegistryCache(registryClient) : undefined;
  const serviceId = opts.serviceId ?? opts.properties?.['ksql.service.id'] ?? 'default_';
  const version = opts.version ?? '0.29.0';
  const properties: Record<string, string> = { ...(opts.properties ?? {}) };
  const host = new KsqlHost({
    runtime,
    registry,
    serviceId,
    config: properties,
    log,
    commandQueueDelayMs: opts.commandQueueDelayMs,
    commandExecutionMs: opts.commandExecutionMs,
  });
  const push = new PushQueryRegistry();
  const counters = { requests: 0, notReady: 0, ksqlRequests: 0, statements: 0, queryStreams: 0 };
  const stats: KsqlServerStats = Object.defineProperties(counters, {
    commands: { get: () => host.commands.executedCommands, enumerable: true },
  }) as KsqlServerStats;

  let state: State = 'INITIALIZING';
  let readyTimer: NodeJS.Timeout | undefined;
  let closing = false;
  /** Waits for the log (Kafka may still be starting), then replays the command topic. */
  const hostStarted = (async () => {
    const deadline = Date.now() + (opts.startTimeoutMs ?? 120_000);
    for (let attempt = 1; ; attempt++) {
      try {
        await runtime.clusterId();
        break;
      } catch (e) {
        if (closing || Date.now() > deadline) throw e;
        log(`waiting for ${runtime.description} (${e instanceof Error ? e.message : String(e)})`);
        await new Promise((r) => setTimeout(r, Math.min(5000, 250 * attempt)));
      }
    }
    await host.start();
  })();
  const ready = (async () => {
    try {
      await hostStarted;
    } catch (e) {
      state = 'FAILED';
      log(`ksqlDB failed to start: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
    if (opts.readyAfterMs && opts.readyAfterMs > 0) {
      await new Promise<void>((r) => (readyTimer = setTimeout(r, opts.readyAfterMs)));
    }
    if (state === 'INITIALIZING') state = 'READY';
  })();
  ready.catch(() => undefined);

  let port = 0;
  const bindHost = opts.host ?? '127.0.0.1';
  const hostInfo = (): string => `${bindHost === '0.0.0.0' ? 'localhost' : bindHost}:${port}`;
  const serverProperties = (): Record<string, string> => ({
    'ksql.service.id': serviceId,
    'ksql.persistence.default.format.key': 'KAFKA',
    'ksql.output.topic.name.prefix': '',
    'ksql.create.or.replace.enabled': 'true',
    'ksql.streams.auto.offset.reset': 'latest',
    'ksql.streams.processing.guarantee': 'exactly_once_v2',
    ...(runtime.bootstrapServers ? { 'ksql.streams.bootstrap.servers': runtime.bootstrapServers } : {}),
    ...(opts.schemaRegistryUrl ? { 'ksql.schema.registry.url': opts.schemaRegistryUrl } : {}),
    ...Object.fromEntries(Object.entries(properties).filter(([k]) => k !== 'listeners')),
  });
  const resource = new KsqlResource({
    host,
    push,
    responseTimeoutMs,
    log,
    hostInfo,
    serverProperties,
    onStatement: () => counters.statements++,
  });
  let clusterId: string | undefined;

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  /** ksqlDB's FailureHandler writes the error JSON without a Content-Type header. */
  const failure = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status);
    res.end(JSON.stringify(body));
  };
  const notFound = (res: ServerResponse): void => {
    res.writeHead(404);
    res.end('Not Found');
  };
  const unsupportedRoute = (res: ServerResponse, method: string, path: string): void => {
    json(res, 500, genericError(50000, `not supported by the local ksqlDB: ${method} ${path}`));
  };

  /** Plans a transient query for /query-stream and /query, or answers the error. */
  const planQueryRequest = (res: ServerResponse, sql: string): PlannedTransient | undefined => {
    try {
      return planTransient(host, parseQuery(sql), sql);
    } catch (e) {
      if (e instanceof KsqlSyntaxError) {
        failure(res, 400, statementError(40001, syntaxErrorMessage(e), failedLine(sql, e)));
      } else if (e instanceof StatementError) {
        failure(res, 400, statementError(40001, e.unloggedMessage(), e.statementText));
      } else if (e instanceof KsqlError) {
        failure(res, 400, statementError(40001, e.message, sql));
      } else if (e instanceof KsqlException) {
        failure(res, 400, genericError(40000, e.message));
      } else {
        log(`query failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        failure(res, 500, genericError(50000, SERVER_ERROR_TEXT));
      }
      return undefined;
    }
  };

  const queryStream = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const contentType = negotiate(req, QUERY_STREAM_TYPES);
    if (!contentType) return notFound(res);
    let args: { sql: string; properties: Record<string, unknown> };
    try {
      const body = parseJsonObject(await readBody(req));
      if (typeof body.sql !== 'string') throw new InvalidJson("Missing required creator property 'sql' (index 0)");
      args = { sql: body.sql, properties: objectField(body, 'properties') };
    } catch (e) {
      if (e instanceof InvalidJson) return failure(res, 400, genericError(40000, `Invalid JSON in request: ${e.message}`));
      throw e;
    }
    if (contentType !== DELIMITED && contentType !== 'application/json') {
      return failure(res, 500, genericError(50000, `not supported by the local ksqlDB: /query-stream responses of type ${contentType}`));
    }
    const planned = planQueryRequest(res, args.sql);
    if (!planned) return;
    counters.queryStreams++;
    const asJson = contentType === 'application/json';
    const header = JSON.stringify({
      queryId: planned.id,
      columnNames: planned.columnNames,
      columnTypes: planned.query.columns.map((c) => typeText(c.type)),
    });
    if (planned.kind === 'pull') {
      let rows;
      try {
        rows = await runPull(host, planned);
      } catch (e) {
        if (e instanceof KsqlError) return failure(res, 400, statementError(40001, e.message, args.sql));
        throw e;
      }
      res.writeHead(200, { 'Content-Type': asJson ? 'application/json' : DELIMITED });
      const lines = rows.map((r) => restRow(r, planned.columnTypes));
      res.end(asJson ? `[${[header, ...lines].join(',')}]` : [header, ...lines].map((l) => l + '\n').join(''));
      return;
    }
    res.writeHead(200, { 'Content-Type': asJson ? 'application/json' : DELIMITED, 'Transfer-Encoding': 'chunked' });
    res.write(asJson ? '[' + header : header + '\n');
    let closed = false;
    let handle: { stop(): Promise<void> } | undefined;
    const finish = (): void => {
      if (closed) return;
      closed = true;
      push.remove(planned.id);
      void handle?.stop();
      if (!res.writableEnded) {
        if (asJson) res.write(']');
        res.end();
      }
    };
    push.add({ id: planned.id, sql: args.sql, close: finish });
    res.on('close', finish);
    try {
      handle = await startPush(
        host,
        planned,
        args.properties,
        (rows) => {
          if (closed) return;
          for (const r of rows) res.write(asJson ? ',' + restRow(r, planned.columnTypes) : restRow(r, planned.columnTypes) + '\n');
        },
        () => finish(),
      );
      if (closed) void handle.stop();
    } catch (e) {
      log(`push query ${planned.id} failed: ${e instanceof Error ? e.message : String(e)}`);
      finish();
    }
  };

  /** The legacy `/query` endpoint: a JSON array of StreamedRow objects. */
  const legacyQuery = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let body: Record<string, unknown>;
    try {
      body = parseJsonObject(await readBody(req));
      if (typeof body.ksql !== 'string') throw new InvalidJson("Missing required creator property 'ksql'");
    } catch (e) {
      if (e instanceof InvalidJson) return failure(res, 400, genericError(40000, `Invalid JSON in request: ${e.message}`));
      throw e;
    }
    const sql = body.ksql as string;
    const props = objectField(body, 'streamsProperties');
    const planned = planQueryRequest(res, sql);
    if (!planned) return;
    counters.queryStreams++;
    const schema = planned.query.columns.map((c) => `\`${c.name}\` ${typeText(c.type)}`).join(', ');
    const header = JSON.stringify({ header: { queryId: planned.id, schema } });
    const row = (r: readonly unknown[]): string => `{"row":{"columns":${restRow(r, planned.columnTypes)}}}`;
    if (planned.kind === 'pull') {
      let rows;
      try {
        rows = await runPull(host, planned);
      } catch (e) {
        if (e instanceof KsqlError) return failure(res, 400, statementError(40001, e.message, sql));
        throw e;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('[' + [header, ...rows.map(row)].join(',\n') + ']');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.write('[' + header + ',\n');
    let closed = false;
    let handle: { stop(): Promise<void> } | undefined;
    const finish = (message?: string): void => {
      if (closed) return;
      closed = true;
      push.remove(planned.id);
      void handle?.stop();
      if (!res.writableEnded) {
        if (message) res.write(JSON.stringify({ finalMessage: message }));
        res.end(']\n');
      }
    };
    push.add({ id: planned.id, sql, close: () => finish() });
    res.on('close', () => finish());
    try {
      handle = await startPush(
        host,
        planned,
        props,
        (rows) => {
          if (!closed) for (const r of rows) res.write(row(r) + ',\n');
        },
        (reason) => finish(reason === 'limit' ? 'Limit Reached' : undefined),
      );
      if (closed) void handle.stop();
    } catch (e) {
      log(`push query ${planned.id} failed: ${e instanceof Error ? e.message : String(e)}`);
      finish();
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    counters.requests++;
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://ksqldb').pathname;

    if (method === 'GET' && (path === '/chc/ready' || path === '/chc/live')) {
      json(res, 200, {});
      return;
    }
    if (state !== 'READY') {
      counters.notReady++;
      failure(res, 503, state === 'TERMINATING' ? SHUTTING_DOWN : NOT_READY);
      return;
    }

    // ---------------------------------------------------------------- new API
    if (method === 'POST' && path === '/query-stream') return queryStream(req, res);
    if (method === 'POST' && path === '/close-query') {
      let queryId: unknown;
      try {
        queryId = parseJsonObject(await readBody(req)).queryId;
        if (typeof queryId !== 'string') throw new InvalidJson("Missing required creator property 'queryId' (index 0)");
      } catch (e) {
        if (e instanceof InvalidJson) return failure(res, 400, genericError(40000, `Invalid JSON in request: ${e.message}`));
        throw e;
      }
      const q = push.remove(queryId as string);
      if (!q) return failure(res, 400, genericError(40000, `No query with id ${queryId}`));
      q.close();
      res.writeHead(200);
      res.end();
      return;
    }
    if (method === 'POST' && path === '/inserts-stream') {
      return negotiate(req, [DELIMITED, 'application/json']) ? unsupportedRoute(res, method, path) : notFound(res);
    }

    // ---------------------------------------------------------------- old API
    if (method === 'GET' && path === '/') {
      res.writeHead(307, { location: '/info' });
      res.end();
      return;
    }
    const oldApi = (m: string, p: string | RegExp): boolean =>
      method === m && (typeof p === 'string' ? path === p : p.test(path)) && negotiate(req, OLD_API) !== undefined;

    if (oldApi('POST', '/ksql')) {
      counters.ksqlRequests++;
      let body: Record<string, unknown>;
      try {
        body = parseJsonObject(await readBody(req));
        if (body.ksql !== undefined && body.ksql !== null && typeof body.ksql !== 'string') {
          throw new InvalidJson('Cannot deserialize value of type `java.lang.String` from a non-string value (property "ksql")');
        }
        if (
          body.commandSequenceNumber !== undefined &&
          body.commandSequenceNumber !== null &&
          typeof body.commandSequenceNumber !== 'number'
        ) {
          throw new InvalidJson('Cannot deserialize value of type `java.lang.Long` (property "commandSequenceNumber")');
        }
      } catch (e) {
        if (e instanceof InvalidJson) return failure(res, 400, genericError(40000, `Invalid JSON in request: ${e.message}`));
        throw e;
      }
      let streamsProperties: Record<string, unknown>;
      try {
        streamsProperties = objectField(body, 'streamsProperties');
      } catch (e) {
        return failure(res, 400, genericError(40000, `Invalid JSON in request: ${(e as Error).message}`));
      }
      const answer = await resource.handle({
        ksql: (body.ksql as string | undefined) ?? '',
        streamsProperties,
        commandSequenceNumber: typeof body.commandSequenceNumber === 'number' ? body.commandSequenceNumber : undefined,
      });
      return json(res, answer.status, answer.body);
    }
    if (oldApi('POST', '/query')) return legacyQuery(req, res);
    if (oldApi('GET', '/info')) {
      try {
        clusterId ??= await runtime.clusterId();
      } catch (e) {
        return json(res, 500, genericError(50000, (e as Error).message));
      }
      return json(res, 200, {
        KsqlServerInfo: { version, kafkaClusterId: clusterId, ksqlServiceId: serviceId, serverStatus: 'RUNNING' },
      });
    }
    if (oldApi('GET', '/healthcheck')) {
      let kafkaHealthy = true;
      try {
        await runtime.clusterId();
      } catch {
        kafkaHealthy = false;
      }
      return json(res, 200, {
        isHealthy: kafkaHealthy,
        details: { metastore: { isHealthy: true }, kafka: { isHealthy: kafkaHealthy }, commandRunner: { isHealthy: true } },
        serverState: 'READY',
      });
    }
    const statusMatch = /^\/status\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(path);
    if (statusMatch && oldApi('GET', /^\/status\//)) {
      const [type, entity, action] = statusMatch.slice(1).map((x) => decodeURIComponent(x));
      const types = ['TOPIC', 'STREAM', 'TABLE', 'CLUSTER', 'PAUSE', 'RESUME', 'TERMINATE', 'TYPE'];
      const actions = ['CREATE', 'DROP', 'EXECUTE', 'TERMINATE', 'ALTER'];
      if (!types.includes(type.toUpperCase())) {
        return json(res, 500, genericError(50000, `No enum constant io.confluent.ksql.rest.entity.CommandId.Type.${type.toUpperCase()}`));
      }
      if (!actions.includes(action.toUpperCase())) {
        return json(
          res,
          500,
          genericError(50000, `No enum constant io.confluent.ksql.rest.entity.CommandId.Action.${action.toUpperCase()}`),
        );
      }
      const status = host.commands.getStatus(`${type.toLowerCase()}/${entity}/${action.toLowerCase()}`);
      if (!status) return json(res, 404, genericError(40400, 'Command not found'));
      return json(res, 200, status);
    }
    if (oldApi('GET', '/status')) {
      const all: Record<string, string> = {};
      for (const [id, s] of host.commands.allStatuses()) all[id] = s.status;
      return json(res, 200, { commandStatuses: all });
    }
    if (
      oldApi('POST', '/ksql/terminate') ||
      oldApi('POST', '/heartbeat') ||
      oldApi('GET', '/clusterStatus') ||
      oldApi('POST', '/lag') ||
      oldApi('GET', '/v1/metadata') ||
      oldApi('GET', '/v1/metadata/id') ||
      oldApi('GET', '/ws/query') ||
      oldApi('GET', /^\/is_valid_property\/[^/]+$/)
    ) {
      return unsupportedRoute(res, method, path);
    }
    return notFound(res);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      log(`request failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      if (!res.headersSent) json(res, 500, genericError(50000, e instanceof Error ? e.message : String(e)));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, bindHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const urlHost = bindHost === '0.0.0.0' || bindHost === '::' ? '127.0.0.1' : bindHost;

  const closeAll = async (): Promise<void> => {
    closing = true;
    if (readyTimer) clearTimeout(readyTimer);
    state = 'TERMINATING';
    push.closeAll();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await hostStarted.catch(() => undefined);
    await host.stop().catch(() => undefined);
    if (opts.cleanUpOnClose) {
      const prefix = `_confluent-ksql-${serviceId}`;
      const groups = host.engine.queryIds().map((id) => `${prefix}query_${id}`);
      await runtime.deleteGroups(groups).catch(() => undefined);
      const topics = await runtime.listTopics().catch(() => new Map<string, unknown>());
      await runtime.deleteTopics([...topics.keys()].filter((t) => t.startsWith(prefix))).catch(() => undefined);
    }
    if (ownRuntime) await runtime.close();
  };

  if (opts.waitUntilReady ?? !(opts.readyAfterMs !== undefined && opts.readyAfterMs > 0)) {
    try {
      await ready;
    } catch (e) {
      await closeAll();
      throw e;
    }
  }

  return {
    url: `http://${urlHost}:${port}`,
    port,
    stats,
    runtime,
    schemaRegistry: registryClient,
    host,
    ready,
    setReady(r: boolean): void {
      if (readyTimer) clearTimeout(readyTimer);
      readyTimer = undefined;
      if (state === 'FAILED' || state === 'TERMINATING') return;
      state = r ? 'READY' : 'INITIALIZING';
    },
    close: closeAll,
  };
}
