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

// What the resources use of each server: the clients in ./clients implement it, tests pass fakes.
export type KafkaAdmin = Pick<
  KafkaAdminClient,
  'describeTopics' | 'readAhead' | 'createTopic' | 'deleteTopic' | 'createPartitions' | 'setTopicConfigs'
>;
export type SchemaRegistry = Pick<
  SchemaRegistryClient,
  | 'latest'
  | 'register'
  | 'lookup'
  | 'checkCompatibility'
  | 'explainIncompatibility'
  | 'deleteSubject'
  | 'subjectCompatibility'
  | 'globalCompatibility'
  | 'setSubjectCompatibility'
  | 'clearSubjectCompatibility'
>;
export type Connect = Pick<
  ConnectClient,
  'listAll' | 'config' | 'status' | 'put' | 'delete' | 'stop' | 'resume' | 'restart' | 'resetOffsets' | 'plugins' | 'validate'
>;
export type Ksql = Pick<KsqlClient, 'execute' | 'command' | 'catalog' | 'source'>;

interface ServerClients {
  readonly kafka: KafkaAdmin;
  readonly schemaRegistry: SchemaRegistry;
  readonly connect: Connect;
  readonly ksqldb: Ksql;
}

/** How to make the client of each server; called on first use. */
export type ClientFactories = { readonly [K in keyof ServerClients]: () => ServerClients[K] };

/**
 * One client per server, created on first use (a plan that touches only topics never contacts
 * Connect), plus per-process snapshots that make refreshes O(1) requests per kind: the first
 * read of a kind lists every object of that kind once; any write of that kind drops the snapshot.
 */
export class ProviderClients {
  private readonly made: { -readonly [K in keyof ServerClients]?: ServerClients[K] } = {};
  private readonly snapshots = new Map<string, Promise<unknown>>();

  constructor(private readonly factories: Partial<ClientFactories>) {}

  kafka(): KafkaAdmin {
    return this.client('kafka');
  }

  schemaRegistry(): SchemaRegistry {
    return this.client('schemaRegistry');
  }

  connect(): Connect {
    return this.client('connect');
  }

  ksqldb(): Ksql {
    return this.client('ksqldb');
  }

  private client<K extends keyof ServerClients>(kind: K): ServerClients[K] {
    const made = this.made[kind];
    if (made) return made;
    const factory = this.factories[kind];
    if (!factory) throw new Error(`the provider has no ${kind} client`);
    return (this.made[kind] = factory());
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

  /** The snapshot of `kind` when one is held (loaded or loading, not invalidated since); never loads one. */
  held<T>(kind: string): Promise<T> | undefined {
    return this.snapshots.get(kind) as Promise<T> | undefined;
  }

  invalidate(kind: string): void {
    this.snapshots.delete(kind);
  }
}

/** The clients of the configured servers; their requests, retries and polls give up when `signal` aborts. */
export function clientsFor(endpoints: ProviderEndpoints, signal: AbortSignal): ProviderClients {
  const { kafka, schemaRegistry, connect, ksqldb } = endpoints;
  return new ProviderClients({
    kafka: () => kafkaClient(kafka ?? missing('bootstrap_servers', 'STREAMFORM_BOOTSTRAP_SERVERS', 'Kafka'), signal),
    schemaRegistry: () =>
      new SchemaRegistryClient(schemaRegistry ?? missing('schema_registry_url', 'STREAMFORM_SCHEMA_REGISTRY_URL', 'the Schema Registry'), {
        signal,
      }),
    connect: () => new ConnectClient(connect ?? missing('connect_url', 'STREAMFORM_CONNECT_URL', 'Kafka Connect'), { signal }),
    ksqldb: () => new KsqlClient(ksqldb ?? missing('ksqldb_url', 'STREAMFORM_KSQLDB_URL', 'ksqlDB'), { signal }),
  });
}

/**
 * One Kafka admin client (its connections and batches) per cluster and process: a provider process
 * OpenTofu reattaches to is configured again for every phase of a run, with the same endpoints.
 */
const kafkaClients = new WeakMap<AbortSignal, Map<string, KafkaAdminClient>>();

function kafkaClient(connection: KafkaConnection, signal: AbortSignal): KafkaAdminClient {
  let bySignal = kafkaClients.get(signal);
  if (!bySignal) kafkaClients.set(signal, (bySignal = new Map()));
  const key = JSON.stringify(connection);
  let client = bySignal.get(key);
  if (!client) bySignal.set(key, (client = new KafkaAdminClient(connection, { signal })));
  return client;
}

function missing(attribute: string, env: string, what: string): never {
  throw new Error(`the provider does not know where ${what} is: set ${attribute} in the provider block or ${env} in the environment`);
}
