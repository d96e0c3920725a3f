import { Construct } from 'constructs';
import type { Secret } from 'streamform';
import { isDockerName, Validator } from '../private/validator';
import { DockerService } from './docker-service';
import { ImageCatalog, ServiceImage } from './images';

/** Where a database container joins the local platform. */
export interface PlatformAttachment {
  /** The platform's Docker network (its name). */
  readonly networkName: string;
  /** The platform's image catalog, which names the database images. */
  readonly images: ImageCatalog;
}

/** Properties of a LocalMariaDb or a LocalPostgres. */
export interface LocalDatabaseProps {
  /** The platform whose network the database joins (LocalKafkaPlatform's `name` and `images`). */
  readonly platform: PlatformAttachment;
  /** Container name, also its host name on the platform network. */
  readonly name: string;
  /** The database created on first start. */
  readonly database: string;
  /** Password of the administrator (root / postgres). */
  readonly adminPassword: Secret;
  /** SQL run once on first start, after the database exists (schema, grants, seed rows). @default - none */
  readonly initSql?: string;
  /** Publish the database port on 127.0.0.1 at this port. @default - not published */
  readonly hostPort?: number;
}

function validate(scope: Construct, props: LocalDatabaseProps): void {
  const v = new Validator(scope);
  v.check(
    isDockerName(props.name),
    'name',
    props.name,
    'must start with a letter or digit and use only letters, digits, _ . -',
    'choose a name like "ratings-mariadb"',
  );
  v.check(
    /^[A-Za-z_][A-Za-z0-9_]*$/.test(props.database),
    'database',
    props.database,
    'must be letters, digits and _',
    'choose a name like "demo"',
  );
  if (props.hostPort !== undefined) {
    v.check(
      Number.isInteger(props.hostPort) && props.hostPort >= 1 && props.hostPort <= 65535,
      'hostPort',
      props.hostPort,
      'must be between 1 and 65535',
      'pick a free port',
    );
  }
  v.throwIfAny();
}

/** What differs between the database engines: data, one row per engine. */
interface Engine {
  readonly image: (images: ImageCatalog) => ServiceImage;
  readonly port: number;
  readonly dataPath: string;
  readonly env: (props: LocalDatabaseProps) => Record<string, string>;
  readonly command: readonly string[];
}

const ENGINES: Readonly<Record<LocalDatabaseEngine, Engine>> = {
  mariadb: {
    image: (images) => images.mariadb,
    port: 3306,
    dataPath: '/var/lib/mysql',
    env: (p) => ({ MARIADB_ROOT_PASSWORD: p.adminPassword.value, MARIADB_DATABASE: p.database }),
    command: ['--server-id=184054', '--log-bin=mysql-bin', '--binlog-format=ROW', '--binlog-row-image=FULL', '--expire-logs-days=3'],
  },
  postgres: {
    image: (images) => images.postgres,
    port: 5432,
    dataPath: '/var/lib/postgresql/data',
    env: (p) => ({ POSTGRES_PASSWORD: p.adminPassword.value, POSTGRES_DB: p.database }),
    command: ['-c', 'wal_level=logical', '-c', 'max_replication_slots=10', '-c', 'max_wal_senders=10'],
  },
};

/** The database engines a local database can run. */
export type LocalDatabaseEngine = 'mariadb' | 'postgres';

/**
 * A database container on the local platform network with its data on a named volume: the base
 * of LocalMariaDb and LocalPostgres, and the type to use for either.
 */
export abstract class LocalDatabase extends Construct {
  /** The container, its image and its data volume. */
  readonly service: DockerService;
  /** Host name seen from the platform (Connect). */
  readonly host: string;
  /** Port the database listens on inside the platform network. */
  readonly port: number;
  /** The database created on first start. */
  readonly database: string;
  /** The engine the container runs. */
  readonly engine: LocalDatabaseEngine;

  protected constructor(scope: Construct, id: string, props: LocalDatabaseProps, engine: LocalDatabaseEngine) {
    super(scope, id);
    validate(this, props);
    const e = ENGINES[engine];
    this.engine = engine;
    this.host = props.name;
    this.port = e.port;
    this.database = props.database;
    this.service = new DockerService(this, 'Service', {
      name: props.name,
      image: e.image(props.platform.images),
      networkName: props.platform.networkName,
      env: e.env(props),
      command: e.command,
      ports: props.hostPort ? [{ host: props.hostPort, container: e.port }] : [],
      volumes: [{ name: `${props.name}-data`, path: e.dataPath }],
      uploads: props.initSql ? [{ file: '/docker-entrypoint-initdb.d/10-init.sql', content: props.initSql }] : [],
    });
  }
}

/**
 * MariaDB on the local platform network, configured for Debezium change data capture (row-based
 * binary log with full row images, GTIDs), with its data on a named volume.
 */
export class LocalMariaDb extends LocalDatabase {
  constructor(scope: Construct, id: string, props: LocalDatabaseProps) {
    super(scope, id, props, 'mariadb');
  }
}

/**
 * PostgreSQL on the local platform network with logical replication enabled (for Debezium's
 * pgoutput), with its data on a named volume.
 */
export class LocalPostgres extends LocalDatabase {
  constructor(scope: Construct, id: string, props: LocalDatabaseProps) {
    super(scope, id, props, 'postgres');
  }
}
