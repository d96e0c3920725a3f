/**
 * Command-line and environment options of the local ksqlDB server (`main.ts`, the container's
 * `node ksqldb.js --from-env`, and `streamform ksqldb`).
 */
import type { KsqlServerOptions } from './index';
import { propertiesFromEnv } from './properties';

export const USAGE = `Options:
  --port <n>                  listen port (default 8088)
  --host <address>            interface to bind (default 127.0.0.1; 0.0.0.0 in a container)
  --bootstrap-servers <h:p>   Kafka; without it the server runs over an in-memory log
  --schema-registry <url>     Schema Registry (Confluent API, e.g. http://localhost:8081/apis/ccompat/v7)
  --service-id <id>           ksql.service.id (default default_)
  --from-env                  read cp-ksqldb-server's KSQL_* environment (KSQL_LISTENERS,
                              KSQL_BOOTSTRAP_SERVERS, KSQL_KSQL_SERVICE_ID,
                              KSQL_KSQL_SCHEMA_REGISTRY_URL, other KSQL_* as server properties)
  --property <name=value>     a server property (repeatable), e.g. ksql.streams.auto.offset.reset=earliest
  --command-response-timeout-ms <n>   ksql.server.command.response.timeout.ms (default 5000)`;

export class OptionsError extends Error {}

/** Parses the server's options; `env` is read only with --from-env. */
export function parseServerArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): KsqlServerOptions & { port: number } {
  const known = new Set([
    '--port',
    '--host',
    '--bootstrap-servers',
    '--bootstrap',
    '--schema-registry',
    '--service-id',
    '--from-env',
    '--property',
    '--version',
    '--command-response-timeout-ms',
    '--ready-after-ms',
    '--command-execution-ms',
    '--command-queue-delay-ms',
  ]);
  const flags = new Set(['--from-env']);
  const values = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [name, inline] =
      a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (!known.has(name)) throw new OptionsError(`unknown option ${a}`);
    if (flags.has(name)) {
      values.set(name, ['true']);
      continue;
    }
    const v = inline ?? argv[++i];
    if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new OptionsError(`${name} needs a value`);
    values.set(name, [...(values.get(name) ?? []), v]);
  }
  const one = (name: string): string | undefined => values.get(name)?.at(-1);
  const int = (name: string, v: string | undefined = one(name)): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new OptionsError(`${name} must be a non-negative integer, got ${v}`);
    return n;
  };

  const properties: Record<string, string> = {};
  let port: number | undefined;
  let host: string | undefined;
  let bootstrap: string | undefined;
  let schemaRegistry: string | undefined;
  if (values.has('--from-env')) {
    Object.assign(properties, propertiesFromEnv(env));
    const listener = properties.listeners?.split(',')[0]?.trim();
    if (listener) {
      const m = /^(https?):\/\/([^:/]*|\[[^\]]*\]):(\d+)$/.exec(listener);
      if (!m) throw new OptionsError(`KSQL_LISTENERS must look like http://0.0.0.0:8088, got ${listener}`);
      if (m[1] !== 'http') throw new OptionsError('only http listeners are supported by the local ksqlDB');
      host = m[2] || '0.0.0.0';
      port = Number(m[3]);
    }
    bootstrap = properties['bootstrap.servers'] ?? properties['ksql.streams.bootstrap.servers'];
    schemaRegistry = properties['ksql.schema.registry.url'];
  }
  for (const p of values.get('--property') ?? []) {
    const i = p.indexOf('=');
    if (i <= 0) throw new OptionsError(`--property needs name=value, got ${p}`);
    properties[p.slice(0, i)] = p.slice(i + 1);
  }
  port = int('--port') ?? port ?? 8088;
  host = one('--host') ?? host ?? '127.0.0.1';
  bootstrap = one('--bootstrap-servers') ?? one('--bootstrap') ?? bootstrap;
  schemaRegistry = one('--schema-registry') ?? schemaRegistry;
  const serviceId = one('--service-id') ?? properties['ksql.service.id'];
  const timeout =
    int('--command-response-timeout-ms') ??
    int('ksql.server.command.response.timeout.ms', properties['ksql.server.command.response.timeout.ms']);
  return {
    port,
    host,
    ...(bootstrap ? { bootstrapServers: bootstrap } : {}),
    ...(schemaRegistry ? { schemaRegistryUrl: schemaRegistry } : {}),
    ...(serviceId ? { serviceId } : {}),
    properties,
    ...(one('--version') ? { version: one('--version') } : {}),
    ...(timeout !== undefined ? { commandResponseTimeoutMs: timeout } : {}),
    ...(int('--ready-after-ms') !== undefined ? { readyAfterMs: int('--ready-after-ms') } : {}),
    ...(int('--command-execution-ms') !== undefined ? { commandExecutionMs: int('--command-execution-ms') } : {}),
    ...(int('--command-queue-delay-ms') !== undefined ? { commandQueueDelayMs: int('--command-queue-delay-ms') } : {}),
  };
}
