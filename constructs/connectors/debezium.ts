import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { StreamformCluster } from '../cluster';
import { Connector } from '../connector';
import { Secret } from '../secret';
import { Duration } from '../duration';
import { CleanupPolicy, Topic } from '../topic';
import { converterConfig, transformsConfig } from '../private/connect-config';
import { Validator } from '../private/validator';
import { ConverterSpec, Converters } from './common';

/** How a Debezium source reaches its database. */
export interface DatabaseConnection {
  /** Host name as seen from the Connect workers. */
  readonly host: string;
  /** The database's port, e.g. 3306 or 5432. */
  readonly port: number;
  /** The database user Debezium logs in as (with replication rights). */
  readonly user: string;
  /** That user's password. */
  readonly password: Secret;
}

/** What every Debezium source takes. */
export interface DebeziumSourceProps {
  /** The connector's name in Kafka Connect. */
  readonly connectorName: string;
  /** How the connector reaches the database. */
  readonly connection: DatabaseConnection;
  /** Prefix of every topic the connector writes (`<prefix>.<schema or db>.<table>`). */
  readonly topicPrefix: string;
  /** Tables to capture, `schema.table` (PostgreSQL) or `database.table` (MySQL/MariaDB). */
  readonly tables: readonly string[];
  /** Partitions of the change topics (created by streamform before the connector). @default - the cluster default */
  readonly partitions?: number;
  /**
   * Emit only the row after each change (ExtractNewRecordState) instead of Debezium's envelope.
   * @default true
   */
  readonly unwrap?: boolean;
  /** Use this primary-key field alone as the message key (ExtractField$Key). @default - the whole key struct */
  readonly keyField?: string;
  /**
   * Per captured table, the primary-key field to use alone as the message key, for tables whose
   * keys are named differently, e.g. `{ 'streamjet.customers': 'id', 'streamjet.bookings': 'bk_id' }`:
   * one ExtractField$Key per table, applied to that table's topic only (a TopicNameMatches
   * predicate). Names every captured table; not together with `keyField`.
   * @default - `keyField` for every table, else the whole key struct
   */
  readonly keyFields?: Readonly<Record<string, string>>;
  /** How message keys are serialized. @default - JSON without schemas, or String when keyField or keyFields is set */
  readonly keyConverter?: ConverterSpec;
  /** How message values are serialized. @default - JSON without schemas */
  readonly valueConverter?: ConverterSpec;
  /** Debezium's `snapshot.mode`: whether and when to read the existing rows first. @default 'initial' */
  readonly snapshotMode?: string;
  /** Further connector settings, e.g. `{ 'time.precision.mode': 'connect' }`. @default - none */
  readonly extraConfig?: Readonly<Record<string, string>>;
  /** Created before the connector (e.g. the database container). @default - none */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * Base of the Debezium sources: creates one managed topic per captured table (so partitions and
 * replication follow the environment) and the connector writing into them.
 */
export abstract class DebeziumSource extends Construct {
  /** The connector it configures. */
  readonly connector: Connector;
  private readonly topics = new Map<string, Topic>();

  protected constructor(
    scope: Construct,
    id: string,
    props: DebeziumSourceProps,
    connectorClass: string,
    /** Connector-specific settings and extra topics, built as children of this construct. */
    specific: (self: Construct) => { readonly config: Record<string, string>; readonly topics: readonly Topic[] },
  ) {
    super(scope, id);
    const v = new Validator(this);
    v.check(
      /^[A-Za-z0-9_.-]+$/.test(props.topicPrefix),
      'topicPrefix',
      props.topicPrefix,
      'must be letters, digits, ".", "_" or "-"',
      'use e.g. "asgard"',
    );
    v.check(props.tables.length > 0, 'tables', props.tables, 'must name at least one table', 'list tables as "schema.table"');
    for (const t of props.tables)
      v.check(/^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$/.test(t), 'tables', t, 'must be "schema.table"', 'e.g. "demo.customers"');
    const keyFields = props.keyFields;
    if (keyFields !== undefined) {
      v.check(
        props.keyField === undefined,
        'keyFields',
        keyFields,
        'cannot be given together with keyField',
        'give keyField when every table has the same key field, keyFields otherwise',
      );
      for (const t of props.tables.filter((x) => !(x in keyFields)))
        v.add(`keyFields.${t}`, undefined, 'is missing: every captured table needs its key field', `add '${t}': '<primary-key column>'`);
      for (const [t, field] of Object.entries(keyFields)) {
        v.check(props.tables.includes(t), `keyFields.${t}`, t, 'is not a captured table', `capture it in tables, or remove it`);
        v.check(/^[A-Za-z_][A-Za-z0-9_]*$/.test(field), `keyFields.${t}`, field, 'must be a column name', "e.g. 'id'");
      }
    }
    v.throwIfAny();
    for (const table of props.tables) {
      const topicName = `${props.topicPrefix}.${table}`;
      this.topics.set(table, new Topic(this, `Topic-${table}`, { topicName, partitions: props.partitions }));
    }
    const extra = specific(this);
    const unwrap = props.unwrap ?? true;
    const transforms: { name: string; type: string; settings: Record<string, string> }[] = [
      ...(unwrap
        ? [{ name: 'unwrap', type: 'io.debezium.transforms.ExtractNewRecordState', settings: { 'drop.tombstones': 'false' } }]
        : []),
      ...(props.keyField
        ? [{ name: 'extractkey', type: 'org.apache.kafka.connect.transforms.ExtractField$Key', settings: { field: props.keyField } }]
        : []),
      ...Object.entries(keyFields ?? {}).map(([table, field]) => ({
        name: `extractkey_${table.replace('.', '_')}`,
        type: 'org.apache.kafka.connect.transforms.ExtractField$Key',
        settings: { field, predicate: `is_${table.replace('.', '_')}` },
      })),
    ];
    // The predicates selecting each table's topic for its key transform.
    const predicates = Object.keys(keyFields ?? {}).map((table) => ({
      name: `is_${table.replace('.', '_')}`,
      pattern: `${props.topicPrefix}.${table}`.replace(/[.]/g, '\\.'),
    }));
    this.connector = new Connector(this, 'Connector', {
      connectorName: props.connectorName,
      config: {
        'connector.class': connectorClass,
        'tasks.max': '1',
        'topic.prefix': props.topicPrefix,
        'database.hostname': props.connection.host,
        'database.port': String(props.connection.port),
        'database.user': props.connection.user,
        'table.include.list': props.tables.join(','),
        'snapshot.mode': props.snapshotMode ?? 'initial',
        ...extra.config,
        ...(props.extraConfig ?? {}),
        ...transformsConfig(transforms),
        ...(predicates.length > 0 ? { predicates: predicates.map((p) => p.name).join(',') } : {}),
        ...Object.fromEntries(
          predicates.flatMap((p) => [
            [`predicates.${p.name}.type`, 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches'],
            [`predicates.${p.name}.pattern`, p.pattern],
          ]),
        ),
        ...converterConfig('key', props.keyConverter ?? (props.keyField || keyFields ? Converters.string() : Converters.json())),
        ...converterConfig('value', props.valueConverter ?? Converters.json()),
      },
      secrets: { 'database.password': props.connection.password },
      writes: [...this.topics.values(), ...extra.topics],
      dependsOn: props.dependsOn,
      runningTimeout: Duration.minutes(3),
    });
  }

  /** The change topic of a captured table. */
  topicFor(table: string): Topic {
    const t = this.topics.get(table);
    if (!t) throw new Error(`${this.node.path}: ${table} is not captured by this connector; add it to tables`);
    return t;
  }
}

/** Properties of a DebeziumMySqlSource. */
export interface DebeziumMySqlSourceProps extends DebeziumSourceProps {
  /** MariaDB needs Debezium's MariaDB connector; MySQL its MySQL connector. */
  readonly flavor: 'mariadb' | 'mysql';
  /** Unique id of this replication client among the database's replicas. */
  readonly serverId: number;
  /** Databases to capture. @default - the databases of `tables` */
  readonly databases?: readonly string[];
}

/**
 * Debezium change data capture from MySQL or MariaDB (row-based binary log). Creates the schema
 * history topic (one partition, kept forever) and one change topic per table.
 */
export class DebeziumMySqlSource extends DebeziumSource {
  constructor(scope: Construct, id: string, props: DebeziumMySqlSourceProps) {
    const databases = props.databases ?? [...new Set(props.tables.map((t) => t.split('.')[0]))];
    super(
      scope,
      id,
      props,
      props.flavor === 'mariadb' ? 'io.debezium.connector.mariadb.MariaDbConnector' : 'io.debezium.connector.mysql.MySqlConnector',
      (self) => {
        const bootstrap = StreamformCluster.of(self).connectView.bootstrapServers;
        if (!bootstrap) {
          throw new Error(
            `${self.node.path}: the cluster has no connectView.bootstrapServers; Debezium's schema history needs the Kafka address as seen from Connect`,
          );
        }
        const history = new Topic(self, 'SchemaHistory', {
          topicName: `${props.topicPrefix}.schema-history`,
          partitions: 1,
          retainForever: true,
          cleanupPolicy: CleanupPolicy.DELETE,
        });
        return {
          config: {
            'database.server.id': String(props.serverId),
            'database.include.list': databases.join(','),
            'include.schema.changes': 'false',
            'schema.history.internal.kafka.bootstrap.servers': bootstrap,
            'schema.history.internal.kafka.topic': history.topicName,
          },
          topics: [history],
        };
      },
    );
  }
}

/** Properties of a DebeziumPostgresSource. */
export interface DebeziumPostgresSourceProps extends DebeziumSourceProps {
  /** The database to capture from (`database.dbname`). */
  readonly database: string;
  /** Logical replication slot name (unique per connector). */
  readonly slotName: string;
  /** The publication listing the captured tables (created by the connector, filtered to `tables`). @default - `<slotName>_publication` */
  readonly publicationName?: string;
  /**
   * Drop the replication slot when the connector stops, so a removed connector leaves no slot
   * holding WAL behind. For development databases: a restarted connector then snapshots again.
   * @default false
   */
  readonly dropSlotOnStop?: boolean;
}

/** Debezium change data capture from PostgreSQL (pgoutput, filtered publication). */
export class DebeziumPostgresSource extends DebeziumSource {
  constructor(scope: Construct, id: string, props: DebeziumPostgresSourceProps) {
    super(scope, id, props, 'io.debezium.connector.postgresql.PostgresConnector', () => ({
      config: {
        'database.dbname': props.database,
        'plugin.name': 'pgoutput',
        'slot.name': props.slotName,
        'publication.name': props.publicationName ?? `${props.slotName}_publication`,
        'publication.autocreate.mode': 'filtered',
        ...(props.dropSlotOnStop ? { 'slot.drop.on.stop': 'true' } : {}),
      },
      topics: [],
    }));
  }
}
