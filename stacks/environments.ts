import * as path from 'path';
import { StreamformClusterProps } from '../constructs';
import { catalogFromEnvironment, ImageCatalog, LocalKafkaPlatform, PlatformPorts } from '../constructs/platform';

/**
 * Everything that differs between environments, as data. Stacks take one EnvConfig and never ask
 * which environment they are in.
 */
export interface EnvConfig {
  readonly name: EnvName;
  /** Where Terraform state lives. */
  readonly backend: BackendConfig;
  /** The Kafka cluster: broker count, endpoints, topic defaults, protection. */
  readonly cluster: StreamformClusterProps;
  /** The local Docker platform the pipelines run on (dev only). */
  readonly platform?: LocalPlatformConfig;
  /** How Kafka Connect converts Avro values in this environment. */
  readonly avroConverter: ConverterConfig;
  /** Databases the pipelines capture from or write to, by name. */
  readonly databases: Readonly<Record<DatabaseName, DatabaseEndpoint>>;
  /**
   * Sink connectors to systems that do not run on the local platform (Elasticsearch, MongoDB,
   * Snowflake): declared in environments that have them.
   */
  readonly externalSinks?: ExternalSinks;
}

export type DatabaseName = 'ratings' | 'airline' | 'quality';

/** A database as seen from Kafka Connect; `local` ones are created as containers on the platform. */
export interface DatabaseEndpoint {
  readonly host: string;
  readonly port: number;
  readonly local: boolean;
}

/** Where the external sink systems are, as seen from Connect (placeholders resolved by the workers). */
export interface ExternalSinks {
  readonly elasticsearchUrl: string;
  readonly snowflakeUrl: string;
}

export type EnvName = 'dev' | 'staging' | 'prod';
export const ENV_NAMES: readonly EnvName[] = ['dev', 'staging', 'prod'];

export type BackendConfig =
  | { readonly kind: 'local'; readonly dir: string }
  /** OpenTofu's pg backend; the connection string comes from PG_CONN_STR, never from configuration. */
  | { readonly kind: 'pg'; readonly schemaPrefix: string };

/** A platform that streamform runs on the local Docker engine. */
export interface LocalPlatformConfig {
  /** Prefix of the platform's Docker objects; also the Docker network name. */
  readonly name: string;
  readonly ports: Required<PlatformPorts>;
  readonly images: ImageCatalog;
  /** Kafka nodes: 1, or 3 (a KRaft quorum; replication 3, min.insync.replicas 2). @default 1 */
  readonly brokers?: number;
  /** Run the ksqlDB container. @default true */
  readonly ksqldb?: boolean;
}

/** Converter class and settings for Connect (`key.converter`/`value.converter` prefixes are added). */
export interface ConverterConfig {
  readonly converterClass: string;
  readonly settings: Readonly<Record<string, string>>;
}

/**
 * The dev environment: the local Docker platform. Several instances can run side by side on one
 * machine (tests use this): STREAMFORM_DEV_NAME names the instance (default `streamform-dev`),
 * STREAMFORM_DEV_PORT_OFFSET shifts every published port, STREAMFORM_STATE_DIR moves the state,
 * STREAMFORM_KSQLDB_URL points at a ksqlDB when the platform has none. STREAMFORM_DEV_BROKERS=3
 * runs three Kafka nodes (host ports 9092, 9093, 9094 plus the offset) and gives topics replication
 * 3 and min.insync.replicas 2; STREAMFORM_DEV_KSQLDB=false leaves the ksqlDB container out.
 */
export function devEnvironment(env: NodeJS.ProcessEnv = process.env): EnvConfig {
  const name = env.STREAMFORM_DEV_NAME ?? 'streamform-dev';
  const offset = Number(env.STREAMFORM_DEV_PORT_OFFSET ?? 0);
  if (!Number.isInteger(offset) || offset < 0 || offset > 50000) {
    throw new Error(
      `STREAMFORM_DEV_PORT_OFFSET must be an integer between 0 and 50000, got '${env.STREAMFORM_DEV_PORT_OFFSET}'; unset it to use the default ports`,
    );
  }
  const brokers = Number(env.STREAMFORM_DEV_BROKERS ?? 1);
  if (brokers !== 1 && brokers !== 3) {
    throw new Error(
      `STREAMFORM_DEV_BROKERS must be 1 or 3, got '${env.STREAMFORM_DEV_BROKERS}'; unset it for a single broker, or set 3 for a 3-node KRaft cluster`,
    );
  }
  const ksqldbFlag = env.STREAMFORM_DEV_KSQLDB;
  if (ksqldbFlag !== undefined && ksqldbFlag !== 'true' && ksqldbFlag !== 'false') {
    throw new Error(`STREAMFORM_DEV_KSQLDB must be 'true' or 'false', got '${ksqldbFlag}'; unset it to run the ksqlDB container`);
  }
  const ksqldb = ksqldbFlag !== 'false';
  const images = catalogFromEnvironment(env);
  const ports = { kafka: 9092 + offset, schemaRegistry: 8081 + offset, connect: 8083 + offset, ksqldb: 8088 + offset };
  const host = LocalKafkaPlatform.hostEndpoints(ports, images, ksqldb, brokers);
  const cluster = brokers > 1;
  const sr = images.schemaRegistry;
  return {
    name: 'dev',
    // local state in the project folder, where cdktf runs the app
    backend: { kind: 'local', dir: env.STREAMFORM_STATE_DIR ?? path.join(process.cwd(), '.streamform', 'state', name) },
    platform: { name, ports, images, ...(cluster ? { brokers } : {}), ...(ksqldb ? {} : { ksqldb }) },
    cluster: {
      brokers,
      endpoints: { ...host, ksqldbUrl: env.STREAMFORM_KSQLDB_URL ?? host.ksqldbUrl },
      connectView: {
        bootstrapServers: cluster ? 'kafka-1:19092,kafka-2:19092,kafka-3:19092' : 'kafka:19092',
        schemaRegistryUrl: `http://schema-registry:${sr.containerPort}${sr.apiPath}`,
      },
      topicDefaults: cluster ? { partitions: 3, replicationFactor: 3, minInsyncReplicas: 2 } : { partitions: 3, replicationFactor: 1 },
      protect: false,
    },
    avroConverter:
      sr.flavor === 'apicurio'
        ? {
            // Apicurio's converter, writing the Confluent wire format (magic byte + 4-byte id).
            converterClass: 'io.apicurio.registry.utils.converter.AvroConverter',
            settings: {
              'apicurio.registry.url': `http://schema-registry:${sr.containerPort}/apis/registry/v2`,
              'apicurio.registry.auto-register': 'true',
              'apicurio.registry.find-latest': 'true',
              'apicurio.registry.as-confluent': 'true',
              'apicurio.registry.use-id': 'contentId',
              'apicurio.registry.headers.enabled': 'false',
            },
          }
        : confluentAvro(`http://schema-registry:${sr.containerPort}`),
    databases: {
      ratings: { host: `${name}-ratings-mariadb`, port: 3306, local: true },
      airline: { host: `${name}-airline-postgres`, port: 5432, local: true },
      quality: { host: `${name}-quality-postgres`, port: 5432, local: true },
    },
  };
}

function confluentAvro(registryUrl: string): ConverterConfig {
  return { converterClass: 'io.confluent.connect.avro.AvroConverter', settings: { 'schema.registry.url': registryUrl } };
}

/**
 * An existing cluster (staging, prod): endpoints and credentials come from the environment of the
 * process that plans (STREAMFORM_BOOTSTRAP_SERVERS, STREAMFORM_SCHEMA_REGISTRY_URL, ..., see the
 * provider docs), replication factor 3 and min.insync.replicas 2, state in PostgreSQL.
 */
function existingCluster(name: 'staging' | 'prod', protect: boolean): EnvConfig {
  return {
    name,
    backend: { kind: 'pg', schemaPrefix: `streamform_${name}` },
    cluster: {
      brokers: 3,
      // Connect workers reach Kafka and the registry at addresses of their own network, given to
      // them as worker environment variables (resolved by Connect's EnvVarConfigProvider).
      connectView: { bootstrapServers: '${env:KAFKA_BOOTSTRAP_SERVERS}', schemaRegistryUrl: '${env:SCHEMA_REGISTRY_URL}' },
      topicDefaults: { partitions: 6, replicationFactor: 3, minInsyncReplicas: 2 },
      protect,
    },
    avroConverter: confluentAvro('${env:SCHEMA_REGISTRY_URL}'),
    databases: {
      ratings: { host: '${env:RATINGS_DB_HOST}', port: 3306, local: false },
      airline: { host: '${env:AIRLINE_DB_HOST}', port: 5432, local: false },
      quality: { host: '${env:QUALITY_DB_HOST}', port: 5432, local: false },
    },
    externalSinks: { elasticsearchUrl: '${env:ELASTICSEARCH_URL}', snowflakeUrl: '${env:SNOWFLAKE_URL}' },
  };
}

export function stagingEnvironment(): EnvConfig {
  return existingCluster('staging', false);
}

export function prodEnvironment(): EnvConfig {
  return existingCluster('prod', true);
}

export function environment(name: EnvName, env: NodeJS.ProcessEnv = process.env): EnvConfig {
  switch (name) {
    case 'dev':
      return devEnvironment(env);
    case 'staging':
      return stagingEnvironment();
    case 'prod':
      return prodEnvironment();
  }
}
