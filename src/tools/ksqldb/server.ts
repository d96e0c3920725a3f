/**
 * ksqlDB REST stand-in for tests.
 *
 * It answers ksqlDB's REST protocol (`/ksql`, `/status`, `/info`, `/healthcheck`, `/query-stream`,
 * `/close-query`, `/chc/*`) with ksqlDB's status codes, JSON shapes and messages, taken from the
 * ksqlDB source (see /work/notes/ksqldb.md). It keeps ONLY the catalog: data sources, persistent
 * queries and Kafka topics (a real cluster through kafkajs, or an in-memory registry). It
 * processes no data: no query ever reads or writes a record, push queries stream a header and
 * then nothing, pull queries are refused.
 *
 * Whatever real ksqlDB would do that cannot be done here is answered with an explicit error
 * (HTTP 500, message starting with `[ksqlDB stand-in]`), never with a faked success: pull
 * queries, PRINT, EXTENDED descriptions, Schema Registry inference, variables, connectors, types,
 * the legacy /query endpoint, /ksql/terminate, .... One known divergence: for AVRO / PROTOBUF /
 * JSON_SR sources with explicit columns ksqlDB would also register the schema in the Schema
 * Registry; the stand-in has none and accepts the statement without that side effect.
 *
 * Re-formatted statement texts (statementText, DESCRIBE `statement`, LIST QUERIES `queryString`)
 * follow ksqlDB's style but are not byte-exact; tests must not depend on their exact bytes.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Catalog } from './catalog';
import { CommandRunner } from './commands';
import { Ctx } from './engine';
import { genericError, NOT_READY, SHUTTING_DOWN, STAND_IN } from './errors';
import { KsqlResource, LiveState } from './ksql-resource';
import { PushQueryRegistry } from './push-queries';
import { DELIMITED, KSQL_V1_JSON, planQueryStream, startStream } from './query-stream';
import { InMemoryTopicClient, KafkaTopicClient, TopicClient } from './topics';

export interface KsqlStandInOptions {
  /** 0 (default) = a random free port; the server binds 127.0.0.1 */
  readonly port?: number;
  /** answer 503 50302 on every route (except /chc/*) for this long after start */
  readonly readyAfterMs?: number;
  /** time the command runner spends executing each command (status EXECUTING) */
  readonly commandExecutionMs?: number;
  /** time a command waits before the command runner picks it up (status QUEUED) */
  readonly commandQueueDelayMs?: number;
  /** ksql.server.command.response.timeout.ms (default 5000) */
  readonly commandResponseTimeoutMs?: number;
  /** use a real Kafka cluster for topics; otherwise an in-memory registry */
  readonly kafka?: { readonly bootstrapServers: string };
  /** ksql.service.id (default "default_") */
  readonly serviceId?: string;
  /** version reported by /info (default "0.29.0") */
  readonly version?: string;
}

export interface StandInStats {
  /** every HTTP request received */
  requests: number;
  /** requests answered 503 because the server was not ready */
  notReady: number;
  /** POST /ksql requests */
  ksqlRequests: number;
  /** statements executed by /ksql (after validation) */
  statements: number;
  /** commands executed by the command runner */
  readonly commands: number;
  /** push queries started on /query-stream */
  queryStreams: number;
}

export interface KsqlStandIn {
  readonly url: string;
  readonly port: number;
  readonly stats: StandInStats;
  /** the topic registry (an `InMemoryTopicClient` unless `kafka` was given) */
  readonly topics: TopicClient;
  /** false: answer 503 50302 "not yet ready"; true: serve */
  setReady(ready: boolean): void;
  close(): Promise<void>;
}

type State = 'INITIALIZING' | 'READY' | 'TERMINATING';

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

export async function startKsqlStandIn(opts: KsqlStandInOptions = {}): Promise<KsqlStandIn> {
  const responseTimeoutMs = opts.commandResponseTimeoutMs ?? 5000;
  const topics: TopicClient = opts.kafka ? new KafkaTopicClient(opts.kafka.bootstrapServers) : new InMemoryTopicClient();
  const serviceId = opts.serviceId ?? 'default_';
  const version = opts.version ?? '0.29.0';
  const live: LiveState = {
    catalog: new Catalog(),
    topics,
    config: { serviceId, outputTopicPrefix: '', defaultKeyFormat: 'KAFKA' },
    nextQueryId: 0,
  };
  const runner = new CommandRunner({
    queueDelayMs: opts.commandQueueDelayMs ?? 0,
    executionMs: opts.commandExecutionMs ?? 0,
    onPlanExecuted: (seq) => {
      live.nextQueryId = seq + 1;
    },
  });
  const push = new PushQueryRegistry();
  const counters = { requests: 0, notReady: 0, ksqlRequests: 0, statements: 0, queryStreams: 0 };
  const stats: StandInStats = Object.defineProperties(counters, {
    commands: { get: () => runner.executedCommands, enumerable: true },
  }) as StandInStats;

  let state: State = opts.readyAfterMs && opts.readyAfterMs > 0 ? 'INITIALIZING' : 'READY';
  let readyTimer: NodeJS.Timeout | undefined;
  if (state === 'INITIALIZING') {
    readyTimer = setTimeout(() => {
      if (state === 'INITIALIZING') state = 'READY';
    }, opts.readyAfterMs);
  }

  let port = 0;
  const hostInfo = (): string => `127.0.0.1:${port}`;
  const resource = new KsqlResource({
    live,
    runner,
    push,
    responseTimeoutMs,
    hostInfo,
    bootstrapServers: opts.kafka?.bootstrapServers,
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
    json(res, 500, genericError(50000, `${STAND_IN} ${method} ${path} is not supported by the stand-in`));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    counters.requests++;
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname;

    if (method === 'GET' && (path === '/chc/ready' || path === '/chc/live')) {
      json(res, 200, {});
      return;
    }
    if (state !== 'READY') {
      counters.notReady++;
      failure(res, 503, state === 'INITIALIZING' ? NOT_READY : SHUTTING_DOWN);
      return;
    }

    // ---------------------------------------------------------------- new API
    if (method === 'POST' && path === '/query-stream') {
      const contentType = negotiate(req, QUERY_STREAM_TYPES);
      if (!contentType) return notFound(res);
      let args;
      try {
        const body = parseJsonObject(await readBody(req));
        if (typeof body.sql !== 'string') throw new InvalidJson("Missing required creator property 'sql' (index 0)");
        args = { sql: body.sql, properties: objectField(body, 'properties') };
      } catch (e) {
        if (e instanceof InvalidJson) return failure(res, 400, genericError(40000, `Invalid JSON in request: ${e.message}`));
        throw e;
      }
      const ctx: Ctx = { catalog: live.catalog, topics, config: live.config, nextQueryId: live.nextQueryId, overrides: args.properties };
      const outcome = planQueryStream(ctx, args, contentType);
      if (outcome.kind === 'error') return failure(res, outcome.answer.status, outcome.answer.body);
      counters.queryStreams++;
      startStream(res, outcome, contentType, push);
      return;
    }
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
    if (oldApi('GET', '/info')) {
      try {
        clusterId ??= await topics.clusterId();
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
        await topics.clusterId();
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
      const status = runner.getStatus(`${type.toLowerCase()}/${entity}/${action.toLowerCase()}`);
      if (!status) return json(res, 404, genericError(40400, 'Command not found'));
      return json(res, 200, status);
    }
    if (oldApi('GET', '/status')) {
      const all: Record<string, string> = {};
      for (const [id, s] of runner.allStatuses()) all[id] = s.status;
      return json(res, 200, { commandStatuses: all });
    }
    if (
      oldApi('POST', '/ksql/terminate') ||
      oldApi('POST', '/query') ||
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
      if (!res.headersSent) json(res, 500, genericError(50000, e instanceof Error ? e.message : String(e)));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats,
    topics,
    setReady(ready: boolean): void {
      if (readyTimer) clearTimeout(readyTimer);
      readyTimer = undefined;
      state = ready ? 'READY' : 'INITIALIZING';
    },
    async close(): Promise<void> {
      if (readyTimer) clearTimeout(readyTimer);
      state = 'TERMINATING';
      runner.stop();
      push.closeAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await topics.close();
    },
  };
}

export { InMemoryTopicClient } from './topics';
