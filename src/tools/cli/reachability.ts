/**
 * Before a plan: does every endpoint of the environment answer? A plan against a cluster nobody can
 * reach would only say "create everything" (nothing could be read), and a green review of it is
 * worse than no review. `streamform plan` fails on an unreachable endpoint unless
 * `--allow-unreachable`.
 */
import { ConnectClient } from '../../provider/clients/connect';
import { KafkaAdminClient } from '../../provider/clients/kafka';
import { KsqlClient } from '../../provider/clients/ksqldb';
import { SchemaRegistryClient } from '../../provider/clients/schema-registry';
import { StatusAccess } from './status';

export interface Unreachable {
  readonly service: 'Kafka' | 'Schema Registry' | 'Kafka Connect' | 'ksqlDB';
  readonly address: string;
  readonly error: string;
}

/** Probes every endpoint of `access` at once, each bounded by `timeoutMs`; lists those that did not answer. */
export async function unreachableEndpoints(access: StatusAccess, timeoutMs = 10_000): Promise<Unreachable[]> {
  const probes: Promise<Unreachable | undefined>[] = [];
  const probe = (service: Unreachable['service'], address: string, call: () => Promise<unknown>) =>
    probes.push(
      call().then(
        () => undefined,
        (err: unknown) => ({ service, address, error: err instanceof Error ? err.message : String(err) }),
      ),
    );
  probe('Kafka', access.kafka.bootstrapServers.join(','), async () => {
    const admin = new KafkaAdminClient({ ...access.kafka, timeoutMs });
    try {
      await admin.brokerCount();
    } finally {
      await admin.close().catch(() => undefined);
    }
  });
  if (access.schemaRegistry) {
    const e = { ...access.schemaRegistry, timeoutMs };
    probe('Schema Registry', e.url, () => new SchemaRegistryClient(e).listSubjects());
  }
  if (access.connect) {
    const e = { ...access.connect, timeoutMs };
    probe('Kafka Connect', e.url, () => new ConnectClient(e).plugins());
  }
  if (access.ksqldb) {
    const e = { ...access.ksqldb, timeoutMs };
    probe('ksqlDB', e.url, () => new KsqlClient(e, { attempts: 1 }).info());
  }
  return (await Promise.all(probes)).filter((u): u is Unreachable => u !== undefined);
}

/** One line per endpoint that did not answer. */
export function describeUnreachable(list: readonly Unreachable[]): string {
  // the clients' errors name the service and its address already
  return list.map((u) => `  - ${u.error.startsWith(`${u.service} at `) ? u.error : `${u.service} at ${u.address}: ${u.error}`}`).join('\n');
}
