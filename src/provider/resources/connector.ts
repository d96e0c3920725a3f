import { z } from 'zod';
import { SECRET_KEY } from '../../core/rules';
import { sleep } from '../clients/abort';
import { ConnectorStatus } from '../clients/connect';
import { ServerError } from '../clients/http';
import { ProviderClients } from '../provider-clients';
import { afterCreate, Diagnostic, DiagnosticError, error, Planned, ResourceDefinition, warning } from '../framework/resource';
import { attr, objectSchema, StateOf } from '../framework/schema';
import { containsUnknown, isUnknown } from '../plugin/cty';

const schema = objectSchema(
  0,
  'A Kafka Connect connector. Its configuration is validated by Connect at plan time; apply waits until it runs.',
  {
    id: attr.computed(z.string(), 'The connector name.'),
    name: attr.required(z.string().min(1).max(255), 'Connector name.', { forceNew: true }),
    config: attr.required(z.record(z.string(), z.string()), 'Connector configuration; must contain `connector.class`.'),
    sensitive_config: attr.optional(
      z.record(z.string(), z.string()),
      'Secret configuration values (passwords, keys), merged into `config` when sent and never shown in plans. ' +
        'Prefer `${env:NAME}` or `${file:path:key}` placeholders resolved by the Connect worker.',
      { sensitive: true },
    ),
    running_timeout_seconds: attr.optional(
      z.number().int().min(0).max(3600),
      'How long apply waits for the connector and its tasks to run. Default 120; 0 does not wait.',
    ),
    connector_state: attr.computed(
      z.string(),
      'The state of the connector and its tasks as Kafka Connect reports them: RUNNING, PAUSED, STOPPED, FAILED (the connector or a task) or UNASSIGNED. A paused, stopped or failed connector shows in the plan; apply resumes it or restarts its failed tasks.',
    ),
  },
);

type Connector = StateOf<(typeof schema)['attributes']>;

/** Words in Connect's validation errors that mean "cannot reach the system", not "bad configuration". */
const UNREACHABLE =
  /unable to connect|could not connect|connection refused|connection attempt failed|socket fail to connect|communications link failure|unknownhost|unknown host|timed out|timeout|no route to host|name or service not known/i;
/** Values Connect deployments use to hide secrets in GET responses. */
const MASKED = /^(\[hidden\]|\*+)$/;

function merged(c: Pick<Connector, 'name' | 'config' | 'sensitive_config'>): Record<string, string> {
  return { ...c.config, ...(c.sensitive_config ?? {}), name: c.name };
}

function stateFrom(prior: Connector, server: Record<string, string>, status?: ConnectorStatus): Connector {
  const config: Record<string, string> = {};
  const sensitive: Record<string, string> = {};
  for (const [k, v] of Object.entries(server)) {
    if (k === 'name') continue;
    if (prior.sensitive_config && k in prior.sensitive_config) {
      // A masked answer says nothing about the value: keep what was configured.
      sensitive[k] = MASKED.test(v) ? prior.sensitive_config[k] : v;
    } else {
      config[k] = v;
    }
  }
  return {
    ...prior,
    id: prior.name,
    config,
    sensitive_config: prior.sensitive_config === null && Object.keys(sensitive).length === 0 ? null : sensitive,
    connector_state: status ? connectorState(status) : prior.connector_state,
  };
}

/** What streamform tracks of a connector's state (see connectorState). */
export type ConnectorState = 'RUNNING' | 'PAUSED' | 'STOPPED' | 'FAILED' | 'UNASSIGNED';

/**
 * One word for the connector and its tasks: FAILED when the connector or any task failed, PAUSED
 * or STOPPED as the connector is, UNASSIGNED while the connector or a task waits for a worker
 * (after a worker or broker restart); RESTARTING is passing and counts as RUNNING.
 */
export function connectorState(s: ConnectorStatus): ConnectorState {
  const all = [s.connector, ...s.tasks];
  if (all.some((t) => t.state === 'FAILED')) return 'FAILED';
  if (s.connector.state === 'PAUSED' || s.connector.state === 'STOPPED') return s.connector.state;
  if (all.some((t) => t.state === 'UNASSIGNED')) return 'UNASSIGNED';
  return 'RUNNING';
}

/** The connector states apply repairs, and how. */
const REPAIR: Partial<Record<string, string>> = {
  PAUSED: 'apply resumes it (PUT /connectors/{name}/resume); it continues from its committed offsets',
  STOPPED: 'apply resumes it (PUT /connectors/{name}/resume); it continues from its committed offsets',
  FAILED:
    'apply restarts the connector and its failed tasks (POST /connectors/{name}/restart?includeTasks=true&onlyFailed=true); if it fails again, apply reports the error trace',
};

/** The first failure of each connector seen by the last refresh, for the plan's message. */
const failures = new Map<string, string>();

function failedTrace(name: string, seen: Map<string, string>): string {
  const f = seen.get(name);
  return f ? ` (${f})` : '';
}

function rememberFailure(s: ConnectorStatus): void {
  const f = [s.connector, ...s.tasks].find((t) => t.state === 'FAILED');
  if (f) failures.set(s.name, `${'id' in f ? `task ${f.id}` : 'the connector'}: ${firstLines(f.trace, 1) || 'no error trace'}`);
  else failures.delete(s.name);
}

function describeStatus(s: ConnectorStatus | undefined): string {
  if (!s) return 'not known yet';
  return `connector ${s.connector.state}, tasks ${s.tasks.length === 0 ? 'none yet' : s.tasks.map((t) => `${t.id}:${t.state}`).join(' ')}`;
}

function firstLines(trace: string | undefined, n = 3): string {
  return (trace ?? '').split('\n').slice(0, n).join('\n').trim();
}

/**
 * Creates or updates the connector. Connect refuses a source whose database does not answer yet
 * (e.g. a database created by the same apply and still starting): that is retried until the
 * running timeout, any other refusal fails at once.
 */
async function putConfig(clients: ProviderClients, c: Connector, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + (c.running_timeout_seconds ?? 120) * 1000;
  for (;;) {
    try {
      await clients.connect().put(c.name, merged(c));
      return;
    } catch (err) {
      if (signal.aborted) throw err;
      const message = err instanceof Error ? err.message : String(err);
      if (!(err instanceof ServerError && err.status === 400 && UNREACHABLE.test(message)) || Date.now() > deadline) {
        throw new DiagnosticError(
          error(`Kafka Connect refused connector ${c.name}`, err instanceof ServerError ? err.serverMessage : message, ['config']),
        );
      }
      await sleep(2000, signal);
    }
  }
}

async function waitRunning(
  clients: ProviderClients,
  name: string,
  timeoutSeconds: number,
  signal: AbortSignal,
  /** After a restart, FAILED may still be reported for a moment: final only after this long. */
  graceMs = 0,
): Promise<void> {
  if (timeoutSeconds === 0) return;
  const start = Date.now();
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last: ConnectorStatus | undefined;
  for (;;) {
    last = await clients.connect().status(name);
    if (last) {
      const failed = [last.connector, ...last.tasks].find((t) => t.state === 'FAILED');
      if (failed && Date.now() - start >= graceMs) {
        const which = 'id' in failed ? `task ${failed.id}` : 'the connector';
        throw new DiagnosticError(
          error(`Connector ${name} failed`, `${which} is FAILED: ${firstLines(failed.trace) || 'Connect gave no error trace'}`, ['config']),
        );
      }
      if (last.connector.state === 'RUNNING' && last.tasks.length > 0 && last.tasks.every((t) => t.state === 'RUNNING')) return;
    }
    if (Date.now() > deadline) {
      throw new DiagnosticError(
        error(
          `Connector ${name} is not running after ${timeoutSeconds} s`,
          `last status: ${describeStatus(last)}. Raise running_timeout_seconds if it needs longer to start.`,
          ['running_timeout_seconds'],
        ),
      );
    }
    await sleep(1000, signal);
  }
}

/**
 * A connector paused, stopped or failed outside streamform: the plan shows its state becoming
 * RUNNING and says what apply does. One not yet assigned to a worker (after a worker or broker
 * restart) is a warning only: Connect assigns it when the group settles.
 */
function planState(prior: Connector, planned: Planned<Connector>, diagnostics: Diagnostic[]): void {
  const state = prior.connector_state;
  const configChanged =
    !containsUnknown(planned.config) &&
    !containsUnknown(planned.sensitive_config) &&
    JSON.stringify(merged(prior)) !== JSON.stringify(merged(planned as Connector));
  const repair = state ? REPAIR[state] : undefined;
  if (repair) {
    planned.connector_state = 'RUNNING';
    diagnostics.push(
      warning(
        `Connector ${prior.name} is ${state}`,
        `Kafka Connect reports connector ${prior.name} as ${state}${state === 'FAILED' ? failedTrace(prior.name, failures) : ' (changed outside streamform)'}; ${repair}.`,
      ),
    );
    return;
  }
  if (state === 'UNASSIGNED') {
    diagnostics.push(
      warning(
        `Connector ${prior.name} is not yet assigned to a worker`,
        `Kafka Connect reports connector ${prior.name} (or one of its tasks) as UNASSIGNED: no worker runs it yet, as after a Connect or Kafka restart while the worker group rebalances. It is not running; plan again in a minute. If it stays UNASSIGNED, check that the Connect workers are up and can reach Kafka.`,
      ),
    );
  }
  if (configChanged) planned.connector_state = 'RUNNING';
}

/** Resumes a paused or stopped connector, restarts a failed one (state read now, not from the plan). */
async function repair(clients: ProviderClients, name: string): Promise<boolean> {
  const connect = clients.connect();
  const status = await connect.status(name);
  if (!status) return false;
  const state = connectorState(status);
  if (state === 'PAUSED' || state === 'STOPPED') await connect.resume(name);
  else if (state === 'FAILED') await connect.restart(name);
  else return false;
  return true;
}

export const connectorResource: ResourceDefinition<(typeof schema)['attributes'], ProviderClients> = {
  typeName: 'streamform_connector',
  schema,

  validate(config, diagnostics) {
    const c = config.config;
    if (c === null || isUnknown(c)) return;
    if (!isUnknown(c['connector.class']) && !c['connector.class']) {
      diagnostics.push(
        error(
          'Missing connector.class',
          'config must name the connector plugin, e.g. "connector.class" = "io.debezium.connector.mysql.MySqlConnector"',
          ['config'],
        ),
      );
    }
    const s = config.sensitive_config;
    for (const key of Object.keys(c)) {
      if (s && !isUnknown(s) && key in s) {
        diagnostics.push(
          error(`Key ${key} is set twice`, `${key} appears in both config and sensitive_config; keep it in sensitive_config only`, [
            'config',
            key,
          ]),
        );
      } else if (SECRET_KEY.test(key) && typeof c[key] === 'string' && !/^\$\{[a-z]+:/.test(c[key] as string) && c[key] !== '') {
        diagnostics.push(
          warning(
            `${key} looks like a secret`,
            `move ${key} to sensitive_config or use a \${env:NAME} placeholder, so it is not shown in plans and state diffs`,
            ['config', key],
          ),
        );
      }
    }
  },

  async plan({ prior, planned, diagnostics, clients }) {
    if (!isUnknown(planned.name)) planned.id = planned.name;
    if (prior === null) planned.connector_state = 'RUNNING';
    else planState(prior, planned, diagnostics);
    if (!clients || containsUnknown(planned.config) || containsUnknown(planned.sensitive_config) || isUnknown(planned.name)) return;
    const p = planned as Connector;
    if (prior && JSON.stringify(merged(prior)) === JSON.stringify(merged(p))) return;
    const cls = p.config['connector.class'];
    if (!cls) return;
    const connect = clients.connect();
    let installed: string[];
    try {
      installed = (await clients.snapshot('connect-plugins', () => connect.plugins())).map((x) => x.class);
    } catch (err) {
      diagnostics.push(warning(`Could not validate connector ${p.name}`, (err as Error).message, ['config']));
      return;
    }
    if (!installed.includes(cls)) {
      diagnostics.push(
        warning(
          `Plugin ${cls} is not installed on Kafka Connect`,
          `the configuration of connector ${p.name} cannot be validated, and the connector cannot start until the plugin is installed (installed: ${installed.join(', ') || 'none'})`,
          ['config', 'connector.class'],
        ),
      );
      return;
    }
    const problems = await connect.validate(cls, merged(p));
    for (const problem of problems) {
      const where = p.sensitive_config && problem.key in p.sensitive_config ? 'sensitive_config' : 'config';
      const unreachable = problem.errors.every((e) => UNREACHABLE.test(e));
      const d: Diagnostic = (unreachable ? warning : error)(
        unreachable ? `Connector ${p.name} cannot reach its system yet` : `Invalid connector configuration: ${problem.key}`,
        `Kafka Connect says of ${problem.key}: ${problem.errors.join('; ')}` +
          (unreachable ? ' (checked again when the connector starts)' : ''),
        where === 'config' && problem.key in p.config ? ['config', problem.key] : [where],
      );
      diagnostics.push(d);
    }
  },

  async read(state, { clients }) {
    const all = await clients.snapshot('connectors', () => clients.connect().listAll());
    const c = all.get(state.name);
    if (c?.status) rememberFailure(c.status);
    return c ? stateFrom(state, c.config, c.status) : null;
  },

  async create(planned, { clients, signal }) {
    const p = planned as Connector;
    await putConfig(clients, p, signal);
    clients.invalidate('connectors');
    const created = { ...p, id: p.name, connector_state: 'RUNNING' };
    await afterCreate(created, `Connector ${p.name} was created but does not run`, () =>
      waitRunning(clients, p.name, p.running_timeout_seconds ?? 120, signal),
    );
    return created;
  },

  async update(prior, planned, { clients, signal }) {
    const p = planned as Connector;
    if (JSON.stringify(merged(prior)) !== JSON.stringify(merged(p))) await putConfig(clients, p, signal);
    const restarted = await repair(clients, p.name);
    clients.invalidate('connectors');
    await waitRunning(clients, p.name, p.running_timeout_seconds ?? 120, signal, restarted ? 10_000 : 0);
    return { ...p, id: p.name, connector_state: isUnknown(planned.connector_state) ? 'RUNNING' : p.connector_state };
  },

  async delete(prior, { clients, log, signal }) {
    const connect = clients.connect();
    if (await connect.status(prior.name)) {
      // Offsets outlive a deleted connector; reset them so that a connector created again under
      // this name starts afresh instead of resuming a position that may no longer exist.
      try {
        await connect.stop(prior.name);
        const deadline = Date.now() + 30_000;
        while ((await connect.status(prior.name))?.connector.state !== 'STOPPED' && Date.now() < deadline) {
          await sleep(500, signal);
        }
        await connect.resetOffsets(prior.name);
      } catch (err) {
        if (signal.aborted) throw err;
        log.warn('could not reset connector offsets', { connector: prior.name, error: err instanceof Error ? err.message : String(err) });
      }
      await connect.delete(prior.name);
    }
    clients.invalidate('connectors');
    const deadline = Date.now() + 60_000;
    while ((await connect.status(prior.name)) && Date.now() < deadline) await sleep(500, signal);
  },

  async importState(id, { clients }) {
    const config = await clients.connect().config(id);
    if (!config) throw new DiagnosticError(error(`Cannot import connector ${id}`, `Kafka Connect has no connector named ${id}`));
    const rest = Object.fromEntries(Object.entries(config).filter(([k]) => k !== 'name'));
    return { id, name: id, config: rest, sensitive_config: null, running_timeout_seconds: null, connector_state: null };
  },
};
