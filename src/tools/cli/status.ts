import { ConnectClient } from '../../provider/clients/connect';
import { KafkaAdminClient } from '../../provider/clients/kafka';
import { KsqlClient } from '../../provider/clients/ksqldb';
import { SchemaRegistryClient } from '../../provider/clients/schema-registry';
import { EnvName } from '../../../stacks/environments';
import { HttpEndpoint } from '../../provider/clients/http';
import { KafkaConnection } from '../../provider/clients/kafka';
import { endpointsOf, ProviderConfig, providerSchema, withEnvironment } from '../../provider/provider';
import { clusterAccess, endpointAccess, parseEnvName } from '../generators/endpoints';
import { isUserProject } from './project';
import { ParsedArgs, stringOption, UsageError } from './args';
import { renderTable } from './table';

export interface StatusEndpoints {
  readonly bootstrapServers: string;
  readonly schemaRegistryUrl: string;
  readonly connectUrl: string;
  readonly ksqldbUrl?: string;
  /** Printed next to ksqlDB, e.g. that it is streamform's local ksqlDB. */
  readonly ksqldbNote?: string;
}

/** How `status` reaches each service of an environment (credentials included for staging and prod). */
export interface StatusAccess {
  readonly kafka: KafkaConnection;
  readonly schemaRegistry?: HttpEndpoint;
  readonly connect?: HttpEndpoint;
  readonly ksqldb?: HttpEndpoint;
  readonly ksqldbNote?: string;
}

/** What runs and flows on an environment, as data (`status --format json`). */
interface StatusSnapshot {
  readonly kafka: {
    readonly bootstrapServers: string;
    readonly brokers: number;
    readonly topics: { name: string; partitions: number; replicas: number; messages: string }[];
  };
  readonly schemaRegistry?: { url: string; subjects: { subject: string; version: number; id: number; type: string }[] };
  readonly connect?: {
    url: string;
    connectors: { name: string; class: string; state: string; tasks: string[] }[];
    plugins: { class: string; type: string; version: string }[];
  };
  readonly ksqldb?: {
    url: string;
    note?: string;
    error?: string;
    sources?: { name: string; kind: string; topic: string; format: string; writtenBy: string[] }[];
    queries?: { id: string; state: string; sinks: string[] }[];
  };
}

/** Reads the snapshot; a ksqlDB that does not answer is reported in it, the other services must answer. */
async function statusSnapshot(a: StatusAccess): Promise<StatusSnapshot> {
  const kafka = new KafkaAdminClient(a.kafka);
  let k: StatusSnapshot['kafka'];
  try {
    const brokers = await kafka.brokerCount();
    const described = [...(await kafka.describeTopics()).values()]
      .filter((t) => !t.name.startsWith('__'))
      .sort((x, y) => x.name.localeCompare(y.name));
    const topics: StatusSnapshot['kafka']['topics'] = [];
    for (const t of described) {
      const messages = await kafka.messageCount(t.name);
      topics.push({ name: t.name, partitions: t.partitions, replicas: t.replicationFactor, messages: messages.toString() });
    }
    k = { bootstrapServers: a.kafka.bootstrapServers.join(','), brokers, topics };
  } finally {
    await kafka.close();
  }
  let schemaRegistry: StatusSnapshot['schemaRegistry'];
  if (a.schemaRegistry) {
    const sr = new SchemaRegistryClient(a.schemaRegistry);
    const subjects = [];
    for (const s of (await sr.listSubjects()).sort()) {
      const v = await sr.latest(s);
      if (v) subjects.push({ subject: s, version: v.version, id: v.id, type: v.schemaType ?? 'AVRO' });
    }
    schemaRegistry = { url: a.schemaRegistry.url, subjects };
  }
  let connect: StatusSnapshot['connect'];
  if (a.connect) {
    const client = new ConnectClient(a.connect);
    const connectors = [...(await client.listAll()).values()].sort((x, y) => x.name.localeCompare(y.name));
    connect = {
      url: a.connect.url,
      connectors: connectors.map((c) => ({
        name: c.name,
        class: (c.config['connector.class'] ?? '').split('.').pop() ?? '',
        state: c.status?.connector.state ?? '?',
        tasks: (c.status?.tasks ?? []).map((t) => `${t.id}:${t.state}`),
      })),
      plugins: (await client.plugins()).map((p) => ({ class: p.class, type: p.type, version: p.version ?? '' })),
    };
  }
  let ksqldb: StatusSnapshot['ksqldb'];
  if (a.ksqldb) {
    ksqldb = await ksqlSnapshot(a.ksqldb).catch((err: unknown) => ({
      url: a.ksqldb!.url,
      error: err instanceof Error ? err.message : String(err),
    }));
    ksqldb = { ...ksqldb, note: a.ksqldbNote };
  }
  return { kafka: k, schemaRegistry, connect, ksqldb };
}

/** The snapshot as the tables `status` prints. */
function renderStatus(s: StatusSnapshot): string {
  const out: string[] = [
    `Kafka at ${s.kafka.bootstrapServers}: ${s.kafka.brokers} broker(s), ${s.kafka.topics.length} topic(s)`,
    renderTable(
      ['topic', 'partitions', 'replicas', 'messages'],
      s.kafka.topics.map((t) => [t.name, t.partitions, t.replicas, t.messages]),
    ),
  ];
  if (s.schemaRegistry) {
    out.push(
      '',
      `Schema Registry at ${s.schemaRegistry.url}: ${s.schemaRegistry.subjects.length} subject(s)`,
      renderTable(
        ['subject', 'version', 'id', 'type'],
        s.schemaRegistry.subjects.map((x) => [x.subject, x.version, x.id, x.type]),
      ),
    );
  }
  if (s.connect) {
    out.push(
      '',
      `Kafka Connect at ${s.connect.url}: ${s.connect.plugins.length} connector plugin(s), ${s.connect.connectors.length} connector(s)`,
      renderTable(
        ['connector', 'class', 'state', 'tasks'],
        s.connect.connectors.map((c) => [c.name, c.class, c.state, c.tasks.join(' ')]),
      ),
      renderTable(
        ['plugin', 'type', 'version'],
        s.connect.plugins.map((p) => [p.class, p.type, p.version]),
      ),
    );
  }
  const q = s.ksqldb;
  if (q) {
    const at = `ksqlDB at ${q.url}${q.note ? ` (${q.note})` : ''}`;
    if (q.error !== undefined) out.push('', `${at}: not answering (${q.error})`);
    else {
      const sources = q.sources ?? [];
      const queries = q.queries ?? [];
      out.push(
        '',
        `${at}: ${sources.length} stream(s)/table(s), ${queries.length} persistent quer${queries.length === 1 ? 'y' : 'ies'}`,
        renderTable(
          ['name', 'kind', 'topic', 'format', 'written by'],
          sources.map((x) => [x.name, x.kind, x.topic, x.format, x.writtenBy.join(' ')]),
        ),
        renderTable(
          ['query', 'state', 'sinks'],
          queries.map((x) => [x.id, x.state, x.sinks.join(' ')]),
        ),
      );
    }
  }
  return out.join('\n');
}

/** A readable snapshot of what runs and flows on a platform: topics, schemas, connectors. */
export async function platformStatus(e: StatusEndpoints): Promise<string> {
  return renderStatus(
    await statusSnapshot({
      kafka: { bootstrapServers: e.bootstrapServers.split(',') },
      schemaRegistry: { url: e.schemaRegistryUrl },
      connect: { url: e.connectUrl },
      ksqldb: e.ksqldbUrl ? { url: e.ksqldbUrl } : undefined,
      ksqldbNote: e.ksqldbNote,
    }),
  );
}

/** How `status --env <env>` reaches the environment: the dev platform's endpoints, else the provider's STREAMFORM_* variables. */
export function statusAccess(env: EnvName, dev: () => StatusEndpoints, processEnv: NodeJS.ProcessEnv = process.env): StatusAccess {
  if (isUserProject(processEnv)) {
    const a = endpointAccess(env, processEnv);
    return { kafka: a.kafka, schemaRegistry: a.schemaRegistry, connect: a.connect, ksqldb: a.ksqldb };
  }
  if (env === 'dev') {
    const e = dev();
    return {
      kafka: { bootstrapServers: e.bootstrapServers.split(',') },
      schemaRegistry: { url: e.schemaRegistryUrl },
      connect: { url: e.connectUrl },
      ksqldb: e.ksqldbUrl ? { url: e.ksqldbUrl } : undefined,
      ksqldbNote: e.ksqldbNote,
    };
  }
  const access = clusterAccess(env, processEnv);
  const blank = Object.fromEntries(Object.keys(providerSchema.attributes).map((k) => [k, null])) as unknown as ProviderConfig;
  const e = endpointsOf(withEnvironment(blank, processEnv));
  return { kafka: access.kafka, schemaRegistry: e.schemaRegistry, connect: e.connect, ksqldb: e.ksqldb };
}

/** `streamform status [--env <env>] [--format table|json]`. */
export async function statusCommand(args: ParsedArgs, dev: () => StatusEndpoints): Promise<string> {
  const format = stringOption(args, 'format', 'table');
  if (format !== 'table' && format !== 'json') throw new UsageError(`--format must be table or json, got '${format}'`, 2);
  const env = parseEnvName(stringOption(args, 'env'));
  const snapshot = await statusSnapshot(statusAccess(env, dev));
  return format === 'json' ? JSON.stringify({ env, ...snapshot }, null, 2) : renderStatus(snapshot);
}

/** Streams, tables and persistent queries of a ksqlDB server. */
async function ksqlSnapshot(endpoint: HttpEndpoint): Promise<NonNullable<StatusSnapshot['ksqldb']>> {
  const cat = await new KsqlClient(endpoint, { attempts: 2 }).catalog();
  return {
    url: endpoint.url,
    sources: [...cat.sources.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((s) => ({
        name: s.name,
        kind: s.type,
        topic: s.topic,
        format: s.valueFormat ?? '',
        writtenBy: s.writeQueries.map((q) => q.id),
      })),
    queries: [...cat.queries.values()]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((q) => ({ id: q.id, state: q.state ?? '', sinks: q.sinks })),
  };
}
