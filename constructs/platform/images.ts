/**
 * The one place where container images, their versions and their contracts are named.
 *
 * Two catalogs ship with streamform:
 * - `LOCAL_IMAGES`: images that `scripts/setup.sh` builds on this machine from Debian packages and
 *   Maven Central artifacts (for machines that cannot pull from a container registry);
 * - `DOCKER_HUB_IMAGES`: the upstream images (apache/kafka, confluentinc/cp-*, mariadb, postgres).
 *
 * Both honour the same environment contracts (apache/kafka's `KAFKA_*`, cp-kafka-connect's
 * `CONNECT_*`, the official mariadb/postgres variables), so a stack switches between them by
 * configuration: `STREAMFORM_IMAGES=dockerhub` or an `images` value in the environment's config.
 */
import { Duration } from 'streamform';

/** How to ask a container whether it is healthy (docker `HEALTHCHECK` test, `CMD-SHELL` form). */
export interface HealthProbe {
  /** Shell command run inside the container; exit 0 means healthy. */
  readonly command: string;
  /** Time between probes (whole seconds). @default Duration.seconds(3) */
  readonly interval?: Duration;
  /** Time after the start during which failing probes do not count (whole seconds). @default Duration.minutes(1) */
  readonly startPeriod?: Duration;
}

/** A container image of the catalog and how to probe its health. */
export interface ServiceImage {
  /** Image reference, `repository[:tag]`. */
  readonly ref: string;
  /** `local`: built by the set-up on this machine; `registry`: pulled by Docker. */
  readonly origin: 'local' | 'registry';
  /** How Docker asks the container whether it is healthy (apply waits for it). */
  readonly health: HealthProbe;
}

/** Which REST API dialect and base path the Schema Registry image serves. */
export type SchemaRegistryFlavor = 'apicurio' | 'confluent';

/** A Schema Registry image: its flavor, port and API path. */
export interface SchemaRegistryImage extends ServiceImage {
  /** Which registry the image runs: its REST dialect and its configuration variables. */
  readonly flavor: SchemaRegistryFlavor;
  /** Port the registry listens on inside the container. */
  readonly containerPort: number;
  /** Path under which the Confluent Schema Registry API is served (`/apis/ccompat/v7` for Apicurio). */
  readonly apiPath: string;
}

/** A Kafka Connect image: its plugin path and the connector plugins it carries. */
export interface ConnectImage extends ServiceImage {
  /** Comma-separated plugin path inside the image (CONNECT_PLUGIN_PATH). */
  readonly pluginPath: string;
  /** Connector classes the image is known to carry, checked by the platform tests. */
  readonly plugins: readonly string[];
}

/** The images of the local platform, one per service (see LOCAL_IMAGES, DOCKER_HUB_IMAGES). */
export interface ImageCatalog {
  /** Short name used in messages, e.g. `local` or `dockerhub`. */
  readonly name: string;
  /** The Kafka broker (KRaft, apache/kafka's `KAFKA_*` variables). */
  readonly kafka: ServiceImage;
  /** The Schema Registry (Apicurio or Confluent). */
  readonly schemaRegistry: SchemaRegistryImage;
  /** Kafka Connect with its plugins (cp-kafka-connect's `CONNECT_*` variables). */
  readonly connect: ConnectImage;
  /**
   * ksqlDB server image, or the reason there is none. Confluent's server cannot be built from
   * package registries; the local catalog runs streamform's local ksqlDB instead.
   */
  readonly ksqldb: ServiceImage | { readonly unavailable: string };
  /** MariaDB for LocalMariaDb (the official image's variables). */
  readonly mariadb: ServiceImage;
  /** PostgreSQL for LocalPostgres (the official image's variables). */
  readonly postgres: ServiceImage;
}

/** Versions of what the local images are built from. */
export const VERSIONS = {
  kafka: '4.1.1',
  debezium: '3.5.0.Final',
  apicurio: '3.3.3',
  /** Apicurio's Connect converter; 2.6 is the newest whose jars all resolve from Maven Central. */
  apicurioConverter: '2.6.13.Final',
  mariadb: '10.11',
  postgres: '15',
  debian: 'bookworm',
  /** Debian suite of the Java images: Apicurio Registry 3 needs Java 21 (trixie's openjdk-21). */
  debianJava: 'trixie',
  /** The ksqlDB version whose language and REST protocol the local ksqlDB serves (Confluent Platform 7.9). */
  ksqldb: '0.29.0',
  /**
   * The kreuzwerker/docker provider the platform stacks require. @cdktf/provider-docker 12.0.3
   * was generated from 3.6.2, which cannot be built here; its bindings are used with 4.6 (the
   * set-up builds it: src/tools/toolchain/versions.ts).
   */
  dockerProviderConstraint: '~> 4.6',
} as const;

/** The Debezium connector classes the local Connect image carries. */
export const DEBEZIUM_PLUGINS = [
  'io.debezium.connector.mysql.MySqlConnector',
  'io.debezium.connector.mariadb.MariaDbConnector',
  'io.debezium.connector.postgresql.PostgresConnector',
  'io.debezium.connector.jdbc.JdbcSinkConnector',
] as const;

/**
 * A Kafka liveness probe that needs nothing but bash: it sends an ApiVersions v0 request over
 * /dev/tcp and checks that the broker answers with error code 0. Cheaper than starting a JVM.
 */
export const KAFKA_API_VERSIONS_PROBE =
  'bash -c \'exec 3<>/dev/tcp/127.0.0.1/19092 && printf "\\\\x00\\\\x00\\\\x00\\\\x0e\\\\x00\\\\x12\\\\x00\\\\x00\\\\x00\\\\x00\\\\x00\\\\x01\\\\x00\\\\x04sfhc" >&3 && ' +
  'r=$(timeout 5 head -c 10 <&3 | od -An -tx1 | tr -d " \\\\n") && [ "${r:16:4}" = 0000 ]\'';

/** Images that `scripts/setup.sh` builds on this machine from Debian packages and Maven Central (no ksqlDB). */
export const LOCAL_IMAGES: ImageCatalog = {
  name: 'local',
  kafka: {
    ref: `streamform/kafka:${VERSIONS.kafka}`,
    origin: 'local',
    health: { command: KAFKA_API_VERSIONS_PROBE, interval: Duration.seconds(2), startPeriod: Duration.minutes(1) },
  },
  schemaRegistry: {
    ref: `streamform/apicurio-registry:${VERSIONS.apicurio}`,
    origin: 'local',
    flavor: 'apicurio',
    containerPort: 8080,
    apiPath: '/apis/ccompat/v7',
    health: {
      command: 'curl -fsS http://127.0.0.1:9000/health/ready >/dev/null',
      interval: Duration.seconds(2),
      startPeriod: Duration.minutes(2),
    },
  },
  connect: {
    ref: `streamform/kafka-connect:${VERSIONS.kafka}-debezium-${VERSIONS.debezium}`,
    origin: 'local',
    pluginPath: '/opt/connect/plugins',
    plugins: DEBEZIUM_PLUGINS,
    health: {
      command: 'curl -fsS http://127.0.0.1:8083/health >/dev/null',
      interval: Duration.seconds(2),
      startPeriod: Duration.minutes(3),
    },
  },
  ksqldb: {
    // streamform's local ksqlDB (src/tools/ksqldb): ksqlDB's language and REST protocol, checked
    // against ksqlDB's own query-validation tests; Confluent's server cannot be built here
    ref: `streamform/ksqldb:${VERSIONS.ksqldb}-local`,
    origin: 'local',
    health: {
      command: 'curl -fsS http://127.0.0.1:8088/healthcheck | grep -q \'"isHealthy":true\'',
      interval: Duration.seconds(2),
      startPeriod: Duration.minutes(2),
    },
  },
  mariadb: {
    ref: `streamform/mariadb:${VERSIONS.mariadb}`,
    origin: 'local',
    health: { command: 'mariadb-admin ping -h 127.0.0.1 --silent', interval: Duration.seconds(2), startPeriod: Duration.minutes(1) },
  },
  postgres: {
    ref: `streamform/postgres:${VERSIONS.postgres}`,
    origin: 'local',
    health: {
      command: 'pg_isready -h 127.0.0.1 -U "${POSTGRES_USER:-postgres}"',
      interval: Duration.seconds(2),
      startPeriod: Duration.minutes(1),
    },
  },
};

/** The upstream images on Docker Hub (apache/kafka, confluentinc/cp-*, mariadb, postgres). */
export const DOCKER_HUB_IMAGES: ImageCatalog = {
  name: 'dockerhub',
  kafka: {
    ref: `apache/kafka:${VERSIONS.kafka}`,
    origin: 'registry',
    health: { command: KAFKA_API_VERSIONS_PROBE, interval: Duration.seconds(2), startPeriod: Duration.minutes(1) },
  },
  schemaRegistry: {
    ref: 'confluentinc/cp-schema-registry:8.1.0',
    origin: 'registry',
    flavor: 'confluent',
    containerPort: 8081,
    apiPath: '',
    health: {
      command: 'curl -fsS http://127.0.0.1:8081/subjects >/dev/null',
      interval: Duration.seconds(2),
      startPeriod: Duration.minutes(2),
    },
  },
  connect: {
    // cp-kafka-connect carries no Debezium plugins; build `FROM confluentinc/cp-kafka-connect` with
    // `confluent-hub install debezium/debezium-connector-mysql` (and postgres, jdbc) and name that image here.
    ref: 'confluentinc/cp-kafka-connect:8.1.0',
    origin: 'registry',
    pluginPath: '/usr/share/java,/usr/share/confluent-hub-components',
    plugins: [],
    health: { command: 'curl -fsS http://127.0.0.1:8083/ >/dev/null', interval: Duration.seconds(2), startPeriod: Duration.minutes(3) },
  },
  ksqldb: {
    ref: 'confluentinc/cp-ksqldb-server:7.9.0',
    origin: 'registry',
    health: {
      command: 'curl -fsS http://127.0.0.1:8088/healthcheck | grep -q \'"isHealthy":true\'',
      interval: Duration.seconds(3),
      startPeriod: Duration.minutes(3),
    },
  },
  mariadb: {
    ref: `mariadb:${VERSIONS.mariadb}`,
    origin: 'registry',
    health: { command: 'mariadb-admin ping -h 127.0.0.1 --silent', interval: Duration.seconds(2), startPeriod: Duration.minutes(1) },
  },
  postgres: {
    ref: `postgres:${VERSIONS.postgres}`,
    origin: 'registry',
    health: {
      command: 'pg_isready -h 127.0.0.1 -U "${POSTGRES_USER:-postgres}"',
      interval: Duration.seconds(2),
      startPeriod: Duration.minutes(1),
    },
  },
};

/** The catalogs by the name STREAMFORM_IMAGES selects them with. */
export const IMAGE_CATALOGS: Readonly<Record<string, ImageCatalog>> = {
  local: LOCAL_IMAGES,
  dockerhub: DOCKER_HUB_IMAGES,
};

/**
 * The catalog named by `STREAMFORM_IMAGES` (`local` when unset).
 * @throws an Error naming the variable, the value and the allowed names.
 */
export function catalogFromEnvironment(env: NodeJS.ProcessEnv = process.env): ImageCatalog {
  const name = env.STREAMFORM_IMAGES ?? 'local';
  const catalog = IMAGE_CATALOGS[name];
  if (!catalog) {
    throw new Error(
      `STREAMFORM_IMAGES must be one of ${Object.keys(IMAGE_CATALOGS).join(', ')}, got '${name}'; ` +
        'unset it to use the images built on this machine',
    );
  }
  return catalog;
}

/** Whether a catalog slot holds an image (the ksqlDB slot may hold the reason there is none). */
export function hasImage(slot: ImageCatalog['ksqldb']): slot is ServiceImage {
  return 'ref' in slot;
}
