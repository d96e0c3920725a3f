import { z } from 'zod';
import { Cancellable } from './abort';
import { HttpClient, HttpEndpoint, ServerError } from './http';

/** The Kafka Connect REST API (Apache Kafka 3.9+/4.x, cp-kafka-connect). */

const State = z.enum(['UNASSIGNED', 'RUNNING', 'PAUSED', 'STOPPED', 'FAILED', 'RESTARTING']);

const StatusShape = z
  .object({
    name: z.string(),
    connector: z.object({ state: State, worker_id: z.string().optional(), trace: z.string().optional() }).loose(),
    tasks: z.array(
      z.object({ id: z.number().int(), state: State, worker_id: z.string().optional(), trace: z.string().optional() }).loose(),
    ),
    type: z.string().optional(),
  })
  .loose();
export type ConnectorStatus = z.infer<typeof StatusShape>;

const InfoShape = z
  .object({
    name: z.string(),
    config: z.record(z.string(), z.string()),
    tasks: z.array(z.unknown()),
    type: z.string().optional(),
  })
  .loose();

const ExpandedShape = z.record(z.string(), z.object({ status: StatusShape.optional(), info: InfoShape.optional() }).loose());

export interface ConnectorView {
  readonly name: string;
  readonly config: Record<string, string>;
  readonly status?: ConnectorStatus;
}

const ValidateShape = z
  .object({
    name: z.string(),
    error_count: z.number().int(),
    configs: z.array(
      z
        .object({
          definition: z.object({ name: z.string(), type: z.string().optional(), required: z.boolean().optional() }).loose().optional(),
          value: z.object({ name: z.string(), value: z.string().nullish(), errors: z.array(z.string()) }).loose(),
        })
        .loose(),
    ),
  })
  .loose();

export interface ValidationProblem {
  readonly key: string;
  readonly errors: string[];
}

const PluginShape = z.array(z.object({ class: z.string(), type: z.string(), version: z.string().optional() }).loose());

export class ConnectClient {
  readonly http: HttpClient;

  constructor(
    readonly endpoint: HttpEndpoint,
    options: Cancellable = {},
  ) {
    // 409 is answered while the worker group rebalances: worth another attempt.
    this.http = new HttpClient(
      `Kafka Connect at ${endpoint.url}`,
      'connect',
      endpoint,
      'application/json',
      { retryable: (e) => e.status === undefined || e.status === 503 || e.status === 409 },
      options.signal,
    );
  }

  /** Every connector with its config and status, in one request. */
  async listAll(): Promise<Map<string, ConnectorView>> {
    const res = await this.http.request('get', '/connectors', ExpandedShape, {
      params: new URLSearchParams([
        ['expand', 'status'],
        ['expand', 'info'],
      ]),
    });
    const out = new Map<string, ConnectorView>();
    for (const [name, v] of Object.entries(res)) {
      out.set(name, { name, config: v.info?.config ?? {}, status: v.status });
    }
    return out;
  }

  async config(name: string): Promise<Record<string, string> | undefined> {
    return this.http.maybe('get', `/connectors/${enc(name)}/config`, z.record(z.string(), z.string()));
  }

  async status(name: string): Promise<ConnectorStatus | undefined> {
    return this.http.maybe('get', `/connectors/${enc(name)}/status`, StatusShape);
  }

  /** Creates or replaces the connector's configuration. */
  async put(name: string, config: Record<string, string>): Promise<void> {
    await this.http.request('put', `/connectors/${enc(name)}/config`, InfoShape, { body: config });
  }

  async delete(name: string): Promise<boolean> {
    try {
      await this.http.raw('delete', `/connectors/${enc(name)}`);
      return true;
    } catch (err) {
      if (err instanceof ServerError && err.status === 404) return false;
      throw err;
    }
  }

  /** Stops the connector (STOPPED: no tasks, configuration kept), as needed before resetting offsets. */
  async stop(name: string): Promise<void> {
    await this.http.raw('put', `/connectors/${enc(name)}/stop`);
  }

  /**
   * Deletes the connector's committed source offsets or sink consumer-group offsets (Connect 3.6+;
   * the connector must be STOPPED). Without this a connector created again under the same name
   * resumes from where the old one stopped.
   */
  async resetOffsets(name: string): Promise<void> {
    await this.http.raw('delete', `/connectors/${enc(name)}/offsets`);
  }

  /** Resumes a PAUSED (or STOPPED) connector and its tasks. */
  async resume(name: string): Promise<void> {
    await this.http.raw('put', `/connectors/${enc(name)}/resume`);
  }

  /** Restarts the connector and its FAILED tasks (Connect 3.0+: `includeTasks`, `onlyFailed`). */
  async restart(name: string): Promise<void> {
    await this.http.raw('post', `/connectors/${enc(name)}/restart`, undefined, { includeTasks: 'true', onlyFailed: 'true' });
  }

  async plugins(): Promise<z.infer<typeof PluginShape>> {
    return this.http.request('get', '/connector-plugins', PluginShape);
  }

  /** Asks the worker to validate a configuration; returns the keys with errors (empty when valid). */
  async validate(connectorClass: string, config: Record<string, string>): Promise<ValidationProblem[]> {
    const res = await this.http.request('put', `/connector-plugins/${enc(connectorClass)}/config/validate`, ValidateShape, {
      body: config,
    });
    if (res.error_count === 0) return [];
    return res.configs.filter((c) => c.value.errors.length > 0).map((c) => ({ key: c.value.name, errors: c.value.errors }));
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}
