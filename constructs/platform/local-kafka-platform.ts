import { network } from '@cdktf/provider-docker';
import { Annotations } from 'cdktf';
import { Construct } from 'constructs';
import { Duration } from 'streamform';
import { clusterId, dockerProviderFor } from '../private/docker';
import { isDockerName, isImageReference, Validator } from '../private/validator';
import { DockerService } from './docker-service';
import { catalogFromEnvironment, hasImage, ImageCatalog, ServiceImage } from './images';

/** Host ports the platform publishes on 127.0.0.1. */
export interface PlatformPorts {
  /**
   * The Kafka broker's port (its EXTERNAL listener). With several brokers, broker n (1, 2, 3)
   * is published on `kafka + n - 1`: 9092, 9093, 9094 by default.
   * @default 9092
   */
  readonly kafka?: number;
  /** The Schema Registry's port. @default 8081 */
  readonly schemaRegistry?: number;
  /** The Kafka Connect REST API's port. @default 8083 */
  readonly connect?: number;
  /** The ksqlDB server's port (published only when the platform runs ksqlDB). @default 8088 */
  readonly ksqldb?: number;
}

/** Properties of a LocalKafkaPlatform. */
export interface LocalKafkaPlatformProps {
  /**
   * Prefix of every Docker object (network, volumes, containers) of the platform.
   * @default - the construct id, lower-cased
   */
  readonly name?: string;
  /** The images the services run (LOCAL_IMAGES, DOCKER_HUB_IMAGES or a catalog of your own). @default - the catalog named by STREAMFORM_IMAGES (`local` when unset) */
  readonly images?: ImageCatalog;
  /** Host ports the services are published on (127.0.0.1 only). @default - 9092, 8081, 8083, 8088 */
  readonly ports?: PlatformPorts;
  /**
   * Run ksqlDB when the image catalog has a ksqlDB image.
   * @default true
   */
  readonly ksqldb?: boolean;
  /**
   * Let the broker create topics on first use (Connect and Debezium rely on it for their own topics).
   * @default true
   */
  readonly autoCreateTopics?: boolean;
  /**
   * How many Kafka nodes run: 1 (a single broker, replication 1) or 3 (a KRaft cluster of three
   * combined broker+controller nodes, a 3-voter quorum; internal topics of Kafka, Connect and
   * ksqlDB get replication 3 and min.insync.replicas 2, the broker defaults too).
   * @default 1
   */
  readonly brokers?: number;
}

/** Where the platform's services answer, seen from the host and from containers on its network. */
export interface PlatformEndpoints {
  /** The Kafka brokers, comma-separated `host:port` (all of them). */
  readonly bootstrapServers: string;
  /** Base URL of the Schema Registry API (Confluent-compatible, also for Apicurio). */
  readonly schemaRegistryUrl: string;
  /** Base URL of the Kafka Connect REST API. */
  readonly connectUrl: string;
  /** Base URL of the ksqlDB server; absent when the platform runs no ksqlDB. */
  readonly ksqldbUrl?: string;
}

const DEFAULT_PORTS: Required<PlatformPorts> = { kafka: 9092, schemaRegistry: 8081, connect: 8083, ksqldb: 8088 };

/** The broker counts a platform can run: one node, or a quorum that survives one node down. */
const BROKER_COUNTS = [1, 3];

/**
 * Kafka Connect's settings for committing source offsets often and on shutdown: a clean stop
 * (docker stop, a platform restart) commits every record already written, so the restarted
 * connector re-emits none; only a kill (no shutdown) can repeat what the last interval produced.
 */
const CONNECT_OFFSET_FLUSH_INTERVAL_MS = 1000;
/** How long Connect's tasks may take to stop (and commit) before the worker gives up on them. */
const CONNECT_TASK_SHUTDOWN_MS = 20_000;
/** `docker stop` grace for Connect: longer than its task shutdown, so Docker never kills it mid-commit. */
const CONNECT_STOP_TIMEOUT_S = 60;

/**
 * A single-node Kafka platform on the local Docker engine: a KRaft broker, a Schema Registry,
 * Kafka Connect and, where an image exists, ksqlDB, on one network, with named volumes for
 * their data, health checks, and ports published on 127.0.0.1 only.
 *
 * @example
 * const platform = new LocalKafkaPlatform(stack, 'Platform', { name: 'sf-dev' });
 * platform.endpoints.bootstrapServers; // 'localhost:9092'
 */
export class LocalKafkaPlatform extends Construct {
  /** Prefix of its Docker objects, and the name of its network. */
  readonly name: string;
  /** The images it runs. */
  readonly images: ImageCatalog;
  /** The platform's Docker network. */
  readonly network: network.Network;
  /** The KRaft broker (the first one when there are several). */
  readonly kafka: DockerService;
  /** Every Kafka node, in node id order (one unless `brokers` is 3). */
  readonly kafkaBrokers: readonly DockerService[];
  /** The Schema Registry. */
  readonly schemaRegistry: DockerService;
  /** Kafka Connect. */
  readonly connect: DockerService;
  /** ksqlDB, when the catalog has an image and `ksqldb` is not false. */
  readonly ksqldb?: DockerService;
  /** Seen from the host. */
  readonly endpoints: PlatformEndpoints;
  /** Seen from containers on the platform network. */
  readonly internalEndpoints: PlatformEndpoints;
  /** Why ksqlDB is not part of the platform, when it is not. */
  readonly ksqldbNote?: string;

  constructor(scope: Construct, id: string, props: LocalKafkaPlatformProps = {}) {
    super(scope, id);
    this.name = props.name ?? id.toLowerCase();
    this.images = props.images ?? catalogFromEnvironment();
    const ports = { ...DEFAULT_PORTS, ...props.ports };
    const ksqlImage = this.images.ksqldb;
    const withKsql = (props.ksqldb ?? true) && hasImage(ksqlImage);
    const brokers = props.brokers ?? 1;
    validate(this, this.name, this.images, ports, withKsql, brokers);

    const provider = dockerProviderFor(this);
    const n = (service: string) => `${this.name}-${service}`;
    this.network = new network.Network(this, 'Network', { provider, name: this.name, driver: 'bridge' });
    const networkName = this.network.name;

    const sr = this.images.schemaRegistry;
    const cluster = brokers > 1;
    // One node keeps the names it always had (container `<name>-kafka`, alias `kafka`); with three
    // each node is `<name>-kafka-<id>` with the alias `kafka-<id>`, and all answer to `kafka` too.
    const nodes = Array.from({ length: brokers }, (_, i) => i + 1);
    const host = (id: number) => (cluster ? `kafka-${id}` : 'kafka');
    this.internalEndpoints = {
      bootstrapServers: nodes.map((id) => `${host(id)}:19092`).join(','),
      schemaRegistryUrl: `http://schema-registry:${sr.containerPort}${sr.apiPath}`,
      connectUrl: 'http://connect:8083',
      ksqldbUrl: withKsql ? 'http://ksqldb:8088' : undefined,
    };
    this.endpoints = LocalKafkaPlatform.hostEndpoints(ports, this.images, withKsql, brokers);
    const replication = cluster ? '3' : '1';
    const minIsr = cluster ? '2' : '1';

    this.kafkaBrokers = nodes.map(
      (id) =>
        new DockerService(this, cluster ? `Kafka${id}` : 'Kafka', {
          name: n(cluster ? `kafka-${id}` : 'kafka'),
          image: this.images.kafka,
          networkName,
          aliases: cluster ? [host(id), 'kafka'] : ['kafka'],
          env: {
            CLUSTER_ID: clusterId(this.name),
            KAFKA_NODE_ID: String(id),
            KAFKA_PROCESS_ROLES: 'broker,controller',
            KAFKA_LISTENERS: 'INTERNAL://:19092,EXTERNAL://:9092,CONTROLLER://:9093',
            KAFKA_ADVERTISED_LISTENERS: `INTERNAL://${host(id)}:19092,EXTERNAL://localhost:${ports.kafka + id - 1}`,
            KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
            KAFKA_INTER_BROKER_LISTENER_NAME: 'INTERNAL',
            KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
            KAFKA_CONTROLLER_QUORUM_VOTERS: nodes.map((v) => `${v}@${host(v)}:9093`).join(','),
            KAFKA_LOG_DIRS: '/var/lib/kafka/data',
            KAFKA_AUTO_CREATE_TOPICS_ENABLE: String(props.autoCreateTopics ?? true),
            KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: replication,
            KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: replication,
            KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: minIsr,
            KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: replication,
            KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: minIsr,
            // Topics created without settings (auto-created, Connect's, ksqlDB's) are replicated too.
            ...(cluster ? { KAFKA_DEFAULT_REPLICATION_FACTOR: replication, KAFKA_MIN_INSYNC_REPLICAS: minIsr } : {}),
            KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
            KAFKA_HEAP_OPTS: '-Xmx512m -Xms256m',
          },
          ports: [{ host: ports.kafka + id - 1, container: 9092 }],
          volumes: [{ name: n(cluster ? `kafka-${id}-data` : 'kafka-data'), path: '/var/lib/kafka/data' }],
        }),
    );
    this.kafka = this.kafkaBrokers[0];
    const kafkaContainers = this.kafkaBrokers.map((b) => b.container);

    this.schemaRegistry = new DockerService(this, 'SchemaRegistry', {
      name: n('schema-registry'),
      image: sr,
      networkName,
      aliases: ['schema-registry'],
      ...schemaRegistryConfig(sr.flavor, n('schema-registry-data'), this.internalEndpoints.bootstrapServers, cluster),
      ports: [{ host: ports.schemaRegistry, container: sr.containerPort }],
      dependsOn: kafkaContainers,
    });

    this.connect = new DockerService(this, 'Connect', {
      name: n('connect'),
      image: this.images.connect,
      networkName,
      aliases: ['connect'],
      env: {
        CONNECT_BOOTSTRAP_SERVERS: this.internalEndpoints.bootstrapServers,
        CONNECT_GROUP_ID: n('connect'),
        CONNECT_CONFIG_STORAGE_TOPIC: '_connect-configs',
        CONNECT_OFFSET_STORAGE_TOPIC: '_connect-offsets',
        CONNECT_STATUS_STORAGE_TOPIC: '_connect-status',
        CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR: replication,
        CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR: replication,
        CONNECT_STATUS_STORAGE_REPLICATION_FACTOR: replication,
        CONNECT_KEY_CONVERTER: 'org.apache.kafka.connect.json.JsonConverter',
        CONNECT_VALUE_CONVERTER: 'org.apache.kafka.connect.json.JsonConverter',
        CONNECT_REST_ADVERTISED_HOST_NAME: 'connect',
        CONNECT_LISTENERS: 'http://0.0.0.0:8083',
        CONNECT_PLUGIN_PATH: this.images.connect.pluginPath,
        CONNECT_OFFSET_FLUSH_INTERVAL_MS: String(CONNECT_OFFSET_FLUSH_INTERVAL_MS),
        CONNECT_TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS: String(CONNECT_TASK_SHUTDOWN_MS),
        // Secrets in connector configs can be given as ${env:NAME} or ${file:path:key}.
        CONNECT_CONFIG_PROVIDERS: 'env,file',
        CONNECT_CONFIG_PROVIDERS_ENV_CLASS: 'org.apache.kafka.common.config.provider.EnvVarConfigProvider',
        CONNECT_CONFIG_PROVIDERS_FILE_CLASS: 'org.apache.kafka.common.config.provider.FileConfigProvider',
        KAFKA_HEAP_OPTS: '-Xmx768m -Xms256m',
      },
      ports: [{ host: ports.connect, container: 8083 }],
      stopTimeout: Duration.seconds(CONNECT_STOP_TIMEOUT_S),
      dependsOn: kafkaContainers,
    });

    if (withKsql && hasImage(ksqlImage)) {
      this.ksqldb = new DockerService(this, 'Ksqldb', {
        name: n('ksqldb'),
        image: ksqlImage,
        networkName,
        aliases: ['ksqldb'],
        env: {
          KSQL_BOOTSTRAP_SERVERS: this.internalEndpoints.bootstrapServers,
          KSQL_LISTENERS: 'http://0.0.0.0:8088',
          KSQL_KSQL_SERVICE_ID: `${this.name}_`,
          KSQL_KSQL_SCHEMA_REGISTRY_URL: this.internalEndpoints.schemaRegistryUrl,
          KSQL_KSQL_LOGGING_PROCESSING_STREAM_AUTO_CREATE: 'true',
          KSQL_KSQL_LOGGING_PROCESSING_TOPIC_AUTO_CREATE: 'true',
          KSQL_KSQL_INTERNAL_TOPIC_REPLICAS: replication,
          KSQL_KSQL_STREAMS_REPLICATION_FACTOR: replication,
          ...(cluster ? { KSQL_KSQL_INTERNAL_TOPIC_MIN_INSYNC_REPLICAS: minIsr, KSQL_KSQL_STREAMS_PRODUCER_ACKS: 'all' } : {}),
        },
        ports: [{ host: ports.ksqldb, container: 8088 }],
        dependsOn: [...kafkaContainers, this.schemaRegistry.container],
      });
    } else {
      this.ksqldbNote = hasImage(ksqlImage) ? 'ksqlDB disabled by the ksqldb property' : ksqlImage.unavailable;
      Annotations.of(this).addInfo(`ksqlDB is not part of this platform: ${this.ksqldbNote}`);
    }
  }

  /** Where a platform with these ports and images answers on the host (no synthesis needed). */
  static hostEndpoints(ports: PlatformPorts, images: ImageCatalog, withKsql = hasImage(images.ksqldb), brokers = 1): PlatformEndpoints {
    const p = { ...DEFAULT_PORTS, ...ports };
    return {
      bootstrapServers: Array.from({ length: brokers }, (_, i) => `localhost:${p.kafka + i}`).join(','),
      schemaRegistryUrl: `http://localhost:${p.schemaRegistry}${images.schemaRegistry.apiPath}`,
      connectUrl: `http://localhost:${p.connect}`,
      ksqldbUrl: withKsql ? `http://localhost:${p.ksqldb}` : undefined,
    };
  }
}

function schemaRegistryConfig(
  flavor: ImageCatalog['schemaRegistry']['flavor'],
  volumeName: string,
  bootstrap: string,
  cluster: boolean,
): { env: Record<string, string>; volumes?: { name: string; path: string }[] } {
  if (flavor === 'apicurio') {
    return {
      env: {
        // File-backed H2 on a named volume: schemas survive a restart.
        APICURIO_DATASOURCE_URL: 'jdbc:h2:file:/var/lib/apicurio/registry;DB_CLOSE_ON_EXIT=FALSE',
        // Confluent Schema Registry's default; Apicurio's own default is NONE.
        APICURIO_RULES_GLOBAL_COMPATIBILITY: 'BACKWARD',
        JAVA_OPTS: '-Xmx384m -Xms128m',
      },
      volumes: [{ name: volumeName, path: '/var/lib/apicurio' }],
    };
  }
  // Confluent Schema Registry keeps its schemas in the `_schemas` topic, i.e. in Kafka's volume.
  return {
    env: {
      SCHEMA_REGISTRY_HOST_NAME: 'schema-registry',
      SCHEMA_REGISTRY_LISTENERS: 'http://0.0.0.0:8081',
      SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: bootstrap
        .split(',')
        .map((b) => `PLAINTEXT://${b}`)
        .join(','),
      // `_schemas`: replication 3 is the registry's own default; a single broker needs 1.
      ...(cluster ? { SCHEMA_REGISTRY_KAFKASTORE_TOPIC_REPLICATION_FACTOR: '3' } : {}),
    },
  };
}

function validate(
  scope: Construct,
  name: string,
  images: ImageCatalog,
  ports: Required<PlatformPorts>,
  withKsql: boolean,
  brokers: number,
): void {
  const v = new Validator(scope);
  v.check(
    BROKER_COUNTS.includes(brokers),
    'brokers',
    brokers,
    'must be 1 (a single broker) or 3 (a KRaft quorum of three broker+controller nodes: replication 3, min.insync.replicas 2)',
    'use brokers: 1 for a single-node platform or brokers: 3 for one that keeps serving with a broker down',
  );
  v.check(
    isDockerName(name),
    'name',
    name,
    'must start with a letter or digit and use only letters, digits, _ . -',
    'choose a name like "sf-dev"',
  );

  const services: [keyof ImageCatalog, ServiceImage | { unavailable: string }][] = [
    ['kafka', images.kafka],
    ['schemaRegistry', images.schemaRegistry],
    ['connect', images.connect],
    ['ksqldb', images.ksqldb],
  ];
  for (const [key, img] of services) {
    if (!('ref' in img)) continue;
    if (img.ref === undefined || img.ref === '') {
      v.add(
        `images.${key}.ref`,
        img.ref,
        'is required',
        `name the ${key} image, e.g. '${key === 'kafka' ? 'apache/kafka:4.1.1' : 'repository:tag'}'`,
      );
    } else {
      v.check(
        isImageReference(img.ref),
        `images.${key}.ref`,
        img.ref,
        'is not a valid image reference',
        'use [registry/]repository[:tag] with a lower-case repository, e.g. apache/kafka:4.1.1',
      );
    }
  }

  const used = new Map<number, string>();
  const brokerPorts = BROKER_COUNTS.includes(brokers) ? brokers : 1;
  const publish: [string, number][] = [
    ['kafka', ports.kafka],
    // broker n on kafka + n - 1
    ...Array.from({ length: brokerPorts - 1 }, (_, i): [string, number] => [`kafka + ${i + 1} (broker ${i + 2})`, ports.kafka + i + 1]),
    ['schemaRegistry', ports.schemaRegistry],
    ['connect', ports.connect],
  ];
  if (withKsql) publish.push(['ksqldb', ports.ksqldb]);
  for (const [key, port] of publish) {
    const field = `ports.${key}`;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      const example = key in DEFAULT_PORTS ? DEFAULT_PORTS[key as keyof PlatformPorts] : DEFAULT_PORTS.kafka;
      v.add(field, port, 'must be an integer between 1 and 65535', `pick a free host port, e.g. ${example}`);
      continue;
    }
    const other = used.get(port);
    if (other) {
      v.add(field, port, `is already used by ports.${other}`, 'every service needs its own host port: choose another one');
    } else {
      used.set(port, key);
    }
  }
  v.throwIfAny();
}
