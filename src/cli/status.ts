import { ConnectClient } from '../clients/connect';
import { KafkaAdminClient } from '../clients/kafka';
import { SchemaRegistryClient } from '../clients/schema-registry';
import { renderTable } from './table';

export interface StatusEndpoints {
  readonly bootstrapServers: string;
  readonly schemaRegistryUrl: string;
  readonly connectUrl: string;
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
    out.push(`Kafka at ${e.bootstrapServers}: ${brokers} broker(s), ${topics.length} topic(s)`, renderTable(['topic', 'partitions', 'replicas', 'messages'], rows), '');
  } finally {
    await kafka.close();
  }
  const subjects = (await sr.listSubjects()).sort();
  const srows: (string | number)[][] = [];
  for (const s of subjects) {
    const v = await sr.latest(s);
    if (v) srows.push([s, v.version, v.id, v.schemaType ?? 'AVRO']);
  }
  out.push(`Schema Registry at ${e.schemaRegistryUrl}: ${subjects.length} subject(s)`, renderTable(['subject', 'version', 'id', 'type'], srows), '');
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
    renderTable(['plugin', 'type', 'version'], plugins.map((p) => [p.class, p.type, p.version ?? ''])),
  );
  return out.join('\n');
}
