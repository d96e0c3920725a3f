import { ConnectClient } from '../../provider/clients/connect';
import { KafkaAdminClient } from '../../provider/clients/kafka';
import { KsqlClient } from '../../provider/clients/ksqldb';
import { SchemaRegistryClient } from '../../provider/clients/schema-registry';
import { renderTable } from './table';

export interface StatusEndpoints {
  readonly bootstrapServers: string;
  readonly schemaRegistryUrl: string;
  readonly connectUrl: string;
  readonly ksqldbUrl?: string;
  /** Printed next to ksqlDB, e.g. that it is streamform's local ksqlDB. */
  readonly ksqldbNote?: string;
}

/** A readable snapshot of what runs and flows on a platform: topics, schemas, connectors. */
export async function platformStatus(e: StatusEndpoints): Promise<string> {
  const kafka = new KafkaAdminClient({ bootstrapServers: e.bootstrapServers.split(',') });
  const sr = new SchemaRegistryClient({ url: e.schemaRegistryUrl });
  const connect = new ConnectClient({ url: e.connectUrl });
  const out: string[] = [];
  try {
    const brokers = await kafka.brokerCount();
    const topics = [...(await kafka.describeTopics()).values()]
      .filter((t) => !t.name.startsWith('__'))
      .sort((a, b) => a.name.localeCompare(b.name));
    const rows: (string | number)[][] = [];
    for (const t of topics) {
      const offsets = await kafka.offsets(t.name);
      const messages = offsets.reduce((n, o) => n + (o.high - o.low), 0n);
      rows.push([t.name, t.partitions, t.replicationFactor, messages.toString()]);
    }
    out.push(
      `Kafka at ${e.bootstrapServers}: ${brokers} broker(s), ${topics.length} topic(s)`,
      renderTable(['topic', 'partitions', 'replicas', 'messages'], rows),
      '',
    );
  } finally {
    await kafka.close();
  }
  const subjects = (await sr.listSubjects()).sort();
  const srows: (string | number)[][] = [];
  for (const s of subjects) {
    const v = await sr.latest(s);
    if (v) srows.push([s, v.version, v.id, v.schemaType ?? 'AVRO']);
  }
  out.push(
    `Schema Registry at ${e.schemaRegistryUrl}: ${subjects.length} subject(s)`,
    renderTable(['subject', 'version', 'id', 'type'], srows),
    '',
  );
  const connectors = [...(await connect.listAll()).values()].sort((a, b) => a.name.localeCompare(b.name));
  const plugins = await connect.plugins();
  out.push(
    `Kafka Connect at ${e.connectUrl}: ${plugins.length} connector plugin(s), ${connectors.length} connector(s)`,
    renderTable(
      ['connector', 'class', 'state', 'tasks'],
      connectors.map((c) => [
        c.name,
        (c.config['connector.class'] ?? '').split('.').pop() ?? '',
        c.status?.connector.state ?? '?',
        (c.status?.tasks ?? []).map((t) => `${t.id}:${t.state}`).join(' '),
      ]),
    ),
    renderTable(
      ['plugin', 'type', 'version'],
      plugins.map((p) => [p.class, p.type, p.version ?? '']),
    ),
  );
  if (e.ksqldbUrl) {
    out.push(
      '',
      await ksqlStatus(e.ksqldbUrl, e.ksqldbNote).catch(
        (err: unknown) => `ksqlDB at ${e.ksqldbUrl}: not answering (${err instanceof Error ? err.message : String(err)})`,
      ),
    );
  }
  return out.join('\n');
}

/** Streams, tables and persistent queries of a ksqlDB server. */
async function ksqlStatus(url: string, note?: string): Promise<string> {
  const cat = await new KsqlClient({ url }, { attempts: 2 }).catalog();
  const sources = [...cat.sources.values()].sort((a, b) => a.name.localeCompare(b.name));
  const queries = [...cat.queries.values()].sort((a, b) => a.id.localeCompare(b.id));
  return [
    `ksqlDB at ${url}${note ? ` (${note})` : ''}: ${sources.length} stream(s)/table(s), ${queries.length} persistent quer${queries.length === 1 ? 'y' : 'ies'}`,
    renderTable(
      ['name', 'kind', 'topic', 'format', 'written by'],
      sources.map((s) => [s.name, s.type, s.topic, s.valueFormat ?? '', s.writeQueries.map((q) => q.id).join(' ')]),
    ),
    renderTable(
      ['query', 'state', 'sinks'],
      queries.map((q) => [q.id, q.state ?? '', q.sinks.join(' ')]),
    ),
  ].join('\n');
}
