import { ConnectClient } from './clients/connect';
import { HttpEndpoint } from './clients/http';
import { KafkaAdminClient, KafkaConnection } from './clients/kafka';
import { KsqlClient } from './clients/ksqldb';
import { SchemaRegistryClient } from './clients/schema-registry';

/** Where the provider's servers are, after provider configuration and environment fallbacks. */
export interface ProviderEndpoints {
  readonly kafka?: KafkaConnection;
  readonly schemaRegistry?: HttpEndpoint;
  readonly connect?: HttpEndpoint;
  readonly ksqldb?: HttpEndpoint;
}

/**
 * One client per server, created on first use (a plan that touches only topics never contacts
 * Connect), plus per-process snapshots that make refreshes O(1) requests per kind: the first
 * read of a kind lists every object of that kind once; any write of that kind drops the snapshot.
 */
export class ProviderClients {
  private kafkaClient?: KafkaAdminClient;
  private srClient?: SchemaRegistryClient;
  private connectClient?: ConnectClient;
  private ksqlClient?: KsqlClient;
  private readonly snapshots = new Map<string, Promise<unknown>>();

  constructor(readonly endpoints: ProviderEndpoints) {}

  kafka(): KafkaAdminClient {
    if (!this.endpoints.kafka) throw missing('bootstrap_servers', 'STREAMFORM_BOOTSTRAP_SERVERS', 'Kafka');
    return (this.kafkaClient ??= new KafkaAdminClient(this.endpoints.kafka));
  }

  schemaRegistry(): SchemaRegistryClient {
    if (!this.endpoints.schemaRegistry) throw missing('schema_registry_url', 'STREAMFORM_SCHEMA_REGISTRY_URL', 'the Schema Registry');
    return (this.srClient ??= new SchemaRegistryClient(this.endpoints.schemaRegistry));
  }

  connect(): ConnectClient {
    if (!this.endpoints.connect) throw missing('connect_url', 'STREAMFORM_CONNECT_URL', 'Kafka Connect');
    return (this.connectClient ??= new ConnectClient(this.endpoints.connect));
  }

  ksqldb(): KsqlClient {
    if (!this.endpoints.ksqldb) throw missing('ksqldb_url', 'STREAMFORM_KSQLDB_URL', 'ksqlDB');
    return (this.ksqlClient ??= new KsqlClient(this.endpoints.ksqldb));
  }

  /** The snapshot of `kind`, loading it once per provider process (until invalidated). */
  snapshot<T>(kind: string, load: () => Promise<T>): Promise<T> {
    let s = this.snapshots.get(kind) as Promise<T> | undefined;
    if (!s) {
      s = load();
      this.snapshots.set(kind, s);
      s.catch(() => this.snapshots.delete(kind));
    }
    return s;
  }

  invalidate(kind: string): void {
    this.snapshots.delete(kind);
  }

  async close(): Promise<void> {
    await this.kafkaClient?.close().catch(() => undefined);
  }
}

function missing(attribute: string, env: string, what: string): Error {
  return new Error(`the provider does not know where ${what} is: set ${attribute} in the provider block or ${env} in the environment`);
}
