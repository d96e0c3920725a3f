/**
 * The environments this project deploys to, as data. The pipeline stacks take one Environment and
 * never ask which one they are in.
 */
import * as path from 'path';
import { LocalBackend, PgBackend, PgBackendConfig, TerraformStack } from 'cdktf';
import { StreamformClusterProps } from 'streamform';
import { catalogFromEnvironment, ImageCatalog, LocalKafkaPlatform, PlatformPorts } from 'streamform/platform';

export interface Environment {
  readonly name: string;
  /** The Kafka cluster: endpoints, topic defaults, protection. */
  readonly cluster: StreamformClusterProps;
  /** The platform on the local Docker engine (dev only). */
  readonly platform?: { readonly name: string; readonly ports: PlatformPorts; readonly images: ImageCatalog };
  /** Where OpenTofu keeps the state of a stack of this environment. */
  backend(stack: TerraformStack, id: string): void;
}

/**
 * dev: Kafka, a Schema Registry, Kafka Connect and ksqlDB on the local Docker engine, state in
 * .streamform/state. STREAMFORM_DEV_NAME names the platform's Docker objects and
 * STREAMFORM_DEV_PORT_OFFSET shifts its host ports, so that two platforms can run side by side.
 */
export function dev(env: NodeJS.ProcessEnv = process.env): Environment {
  const name = env.STREAMFORM_DEV_NAME ?? 'pageviews-dev';
  const offset = Number(env.STREAMFORM_DEV_PORT_OFFSET ?? 0);
  const ports = { kafka: 9092 + offset, schemaRegistry: 8081 + offset, connect: 8083 + offset, ksqldb: 8088 + offset };
  const images = catalogFromEnvironment(env);
  return {
    name: 'dev',
    platform: { name, ports, images },
    cluster: {
      brokers: 1,
      endpoints: LocalKafkaPlatform.hostEndpoints(ports, images),
      topicDefaults: { partitions: 3, replicationFactor: 1 },
    },
    backend: (stack, id) => new LocalBackend(stack, { path: path.join(__dirname, '..', '.streamform', 'state', `${id}.tfstate`) }),
  };
}

/**
 * prod: an existing cluster. Its endpoints and credentials are never written here: the provider
 * reads them when it plans, from STREAMFORM_BOOTSTRAP_SERVERS, STREAMFORM_KAFKA_SECURITY_PROTOCOL,
 * STREAMFORM_KAFKA_SASL_MECHANISM/_USERNAME/_PASSWORD, STREAMFORM_SCHEMA_REGISTRY_URL,
 * STREAMFORM_KSQLDB_URL (and their _USERNAME/_PASSWORD). State lives in PostgreSQL (OpenTofu's pg
 * backend; the connection string comes from PG_CONN_STR). Being production, destroying or replacing
 * data is refused at plan time.
 */
export function prod(): Environment {
  return {
    name: 'prod',
    cluster: { brokers: 3, production: true, topicDefaults: { partitions: 6, replicationFactor: 3, minInsyncReplicas: 2 } },
    // cdktf's types ask for connStr; leaving it out makes OpenTofu read PG_CONN_STR instead
    backend: (stack, id) => new PgBackend(stack, { schemaName: id.replace(/[^A-Za-z0-9_]/g, '_') } as PgBackendConfig),
  };
}
