import { Construct } from 'constructs';
import { Secret } from '../secret';
import { Validator, isDockerName } from '../validation';
import { DockerService } from './docker-service';
import { ImageCatalog } from './images';

/** Where a database container joins the local platform. */
export interface PlatformAttachment {
  /** The platform's Docker network (its name). */
  readonly networkName: string;
  readonly images: ImageCatalog;
}

export interface DatabaseUser {
  readonly name: string;
  readonly password: Secret;
}

export interface LocalDatabaseProps {
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
  v.check(isDockerName(props.name), 'name', props.name, 'must start with a letter or digit and use only letters, digits, _ . -', 'choose a name like "ratings-mariadb"');
  v.check(/^[A-Za-z_][A-Za-z0-9_]*$/.test(props.database), 'database', props.database, 'must be letters, digits and _', 'choose a name like "demo"');
  if (props.hostPort !== undefined) {
    v.check(Number.isInteger(props.hostPort) && props.hostPort >= 1 && props.hostPort <= 65535, 'hostPort', props.hostPort, 'must be between 1 and 65535', 'pick a free port');
  }
  v.throwIfAny();
}

/**
 * MariaDB on the local platform network, configured for Debezium change data capture (row-based
 * binary log with full row images, GTIDs), with its data on a named volume.
 */
export class LocalMariaDb extends Construct {
  readonly service: DockerService;
  /** Host name and port seen from the platform (Connect). */
  readonly host: string;
  readonly port = 3306;
  readonly database: string;

  constructor(scope: Construct, id: string, props: LocalDatabaseProps) {
    super(scope, id);
    validate(this, props);
    this.host = props.name;
    this.database = props.database;
    this.service = new DockerService(this, 'Service', {
      name: props.name,
      image: props.platform.images.mariadb,
      networkName: props.platform.networkName,
      env: { MARIADB_ROOT_PASSWORD: props.adminPassword.value, MARIADB_DATABASE: props.database },
      command: ['--server-id=184054', '--log-bin=mysql-bin', '--binlog-format=ROW', '--binlog-row-image=FULL', '--expire-logs-days=3'],
      ports: props.hostPort ? [{ host: props.hostPort, container: 3306 }] : [],
      volumes: [{ name: `${props.name}-data`, path: '/var/lib/mysql' }],
      uploads: props.initSql ? [{ file: '/docker-entrypoint-initdb.d/10-init.sql', content: props.initSql }] : [],
    });
  }
}

/**
 * PostgreSQL on the local platform network with logical replication enabled (for Debezium's
 * pgoutput), with its data on a named volume.
 */
export class LocalPostgres extends Construct {
  readonly service: DockerService;
  readonly host: string;
  readonly port = 5432;
  readonly database: string;

  constructor(scope: Construct, id: string, props: LocalDatabaseProps) {
    super(scope, id);
    validate(this, props);
    this.host = props.name;
    this.database = props.database;
    this.service = new DockerService(this, 'Service', {
      name: props.name,
      image: props.platform.images.postgres,
      networkName: props.platform.networkName,
      env: { POSTGRES_PASSWORD: props.adminPassword.value, POSTGRES_DB: props.database },
      command: ['-c', 'wal_level=logical', '-c', 'max_replication_slots=10', '-c', 'max_wal_senders=10'],
      ports: props.hostPort ? [{ host: props.hostPort, container: 5432 }] : [],
      volumes: [{ name: `${props.name}-data`, path: '/var/lib/postgresql/data' }],
      uploads: props.initSql ? [{ file: '/docker-entrypoint-initdb.d/10-init.sql', content: props.initSql }] : [],
    });
  }
}
