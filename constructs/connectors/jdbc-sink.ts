import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { Connector } from '../connector';
import { Secret } from '../secret';
import { ITopic } from '../topic';
import { converterConfig, transformsConfig } from '../private/connect-config';
import { Validator } from '../private/validator';
import { ConverterSpec, Converters } from './common';

/** Properties of a JdbcSink. */
export interface JdbcSinkProps {
  /** The connector's name in Kafka Connect. */
  readonly connectorName: string;
  /** The topics to write into tables; the connector is created after them. */
  readonly topics: readonly ITopic[];
  /** The database's JDBC URL as seen from Connect, e.g. `jdbc:postgresql://analytics-db:5432/analytics`. */
  readonly connectionUrl: string;
  /** The database user the connector writes as. */
  readonly user: string;
  /** That user's password. */
  readonly password: Secret;
  /** `insert`, `upsert` (needs a primary key) or `update`. @default 'upsert' */
  readonly insertMode?: 'insert' | 'upsert' | 'update';
  /** Where the primary key comes from. @default 'record_key' */
  readonly primaryKeyMode?: 'none' | 'kafka' | 'record_key' | 'record_value';
  /** Primary key fields (for record_value). @default - all key fields */
  readonly primaryKeyFields?: readonly string[];
  /** Table name pattern. @default '${topic}' with dots and dashes as _ */
  readonly tableNameFormat?: string;
  /** Create and alter tables to fit the records. @default true */
  readonly evolveSchema?: boolean;
  /** Records need a schema: JSON with the Connect envelope by default. @default Converters.json(true) */
  readonly valueConverter?: ConverterSpec;
  /** How message keys are read. @default Converters.string() */
  readonly keyConverter?: ConverterSpec;
  /** Other things to create first (e.g. the database container). @default - none */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/** Debezium's JDBC sink: writes topics into tables of a relational database (upsert by key). */
export class JdbcSink extends Construct {
  /** The connector it configures. */
  readonly connector: Connector;

  constructor(scope: Construct, id: string, props: JdbcSinkProps) {
    super(scope, id);
    const v = new Validator(this);
    v.check(
      /^jdbc:[a-z0-9]+:/.test(props.connectionUrl),
      'connectionUrl',
      props.connectionUrl,
      'is not a JDBC URL',
      'use e.g. jdbc:postgresql://host:5432/db',
    );
    v.check(props.topics.length > 0, 'topics', [], 'must name at least one topic', 'pass the topics to write');
    if ((props.insertMode ?? 'upsert') === 'upsert') {
      v.check(
        (props.primaryKeyMode ?? 'record_key') !== 'none',
        'primaryKeyMode',
        'none',
        'cannot be none with insertMode upsert',
        "use 'record_key' or 'record_value'",
      );
    }
    v.throwIfAny();
    const keyConverter = props.keyConverter ?? Converters.string();
    // A primitive key (a string, as ksqlDB writes KAFKA-format keys) is not a Struct: Debezium's
    // JDBC sink fails every record of a record_key upsert on it (ClassCastException). Kafka
    // Connect's HoistField$Key wraps it into a one-field Struct named after the key column.
    const primitiveKey = keyConverter.converterClass === Converters.string().converterClass;
    const hoistKey =
      (props.primaryKeyMode ?? 'record_key') === 'record_key' && primitiveKey && props.primaryKeyFields?.length === 1
        ? [
            {
              name: 'keyStruct',
              type: 'org.apache.kafka.connect.transforms.HoistField$Key',
              settings: { field: props.primaryKeyFields[0] },
            },
          ]
        : [];
    this.connector = new Connector(this, 'Connector', {
      connectorName: props.connectorName,
      config: {
        'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
        'tasks.max': '1',
        topics: props.topics.map((t) => t.topicName).join(','),
        'connection.url': props.connectionUrl,
        'connection.username': props.user,
        'insert.mode': props.insertMode ?? 'upsert',
        'primary.key.mode': props.primaryKeyMode ?? 'record_key',
        ...(props.primaryKeyFields ? { 'primary.key.fields': props.primaryKeyFields.join(',') } : {}),
        'schema.evolution': (props.evolveSchema ?? true) ? 'basic' : 'none',
        'collection.name.format': props.tableNameFormat ?? '${topic}',
        'delete.enabled': 'false',
        ...converterConfig('key', keyConverter),
        ...converterConfig('value', props.valueConverter ?? Converters.json(true)),
        ...transformsConfig(hoistKey),
      },
      secrets: { 'connection.password': props.password },
      reads: props.topics,
      dependsOn: props.dependsOn,
    });
  }
}
