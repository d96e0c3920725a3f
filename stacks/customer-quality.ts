/**
 * The customer-quality pipeline (seed 000): customer registrations streamed into Kafka and checked
 * in motion for completeness, consistency, timeliness, validity and uniqueness. Valid records feed
 * an MDM store and an analytics sandbox; failures go back to customers as notifications; quality
 * metrics (failures per rule per minute) feed a dashboard.
 */
import { Construct } from 'constructs';
import {
  Check,
  Column,
  Compatibility,
  DataQuality,
  Duration,
  ElasticsearchSink,
  JdbcSink,
  KsqlFormat,
  KsqlQuery,
  KsqlStream,
  KsqlType,
  QuerySink,
  Rule,
  Schema,
  SchemaFormat,
  Topic,
  ksql,
} from '../constructs';
import { LocalPostgres } from '../constructs/platform';
import { PipelineStack, PipelineStackProps } from './pipeline';

/** The shapes of the pipeline's data and its quality rules, shared with its data generator. */
export const QUALITY = {
  notificationsTopic: 'customer-notifications',
  partitions: 3,
  database: 'quality',
  ddl: 'CREATE SCHEMA IF NOT EXISTS mdm;\nCREATE SCHEMA IF NOT EXISTS sandbox;',
  topic: 'custchannel',
  /** The message key holds this field. */
  keyField: 'REGISTRATION_ID',
  /** The JSON value's fields with their ksqlDB types. */
  fields: [
    { name: 'REGISTRATION_ID', type: 'STRING' },
    { name: 'NAME', type: 'STRING' },
    { name: 'ADDRESS', type: 'STRING' },
    { name: 'PHONE', type: 'STRING' },
    { name: 'JOB', type: 'STRING' },
    { name: 'EMAIL', type: 'STRING' },
    { name: 'DOB', type: 'STRING' },
    { name: 'CREATED_AT', type: 'BIGINT' },
    { name: 'CHANNEL', type: 'STRING' },
  ],
  /** DOB is a date string in this java.time / ksqlDB pattern. */
  dobFormat: 'yyyy-MM-dd',
  /** CREATED_AT holds epoch milliseconds. */
  createdAtUnit: 'epoch-ms',
  channels: ['web', 'mobile', 'store'],
  /** Fields every good record has and incomplete ones lack (absent or null). */
  requiredFields: ['NAME', 'EMAIL', 'PHONE', 'DOB'],
  /** What good records satisfy (valid in JavaScript and Java regular expressions). */
  emailPattern: '^[^@\\s]+@[^@\\s]+\\.[A-Za-z]{2,}$',
  phonePattern: '^\\+[1-9][0-9]{7,14}$',
  /** Plausible ages at registration, in years. */
  plausibleAge: { min: 16, max: 120 },
} as const;

/** Whole years in milliseconds (365.25 days each). */
function yearsMs(years: number): number {
  return Math.round(years * 365.25 * 24 * 3600 * 1000);
}

const REGISTRATION_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Registration',
  type: 'object',
  properties: {
    REGISTRATION_ID: { type: 'string' },
    NAME: { type: ['string', 'null'] },
    ADDRESS: { type: ['string', 'null'] },
    PHONE: { type: ['string', 'null'] },
    JOB: { type: ['string', 'null'] },
    EMAIL: { type: ['string', 'null'] },
    DOB: { type: ['string', 'null'], description: 'yyyy-MM-dd' },
    CREATED_AT: { type: 'integer', description: 'epoch milliseconds' },
    CHANNEL: { type: 'string' },
  },
  required: ['REGISTRATION_ID', 'CREATED_AT'],
};

export class CustomerQualityStack extends PipelineStack {
  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const env = this.env;
    const db = env.databases.quality;
    const sinkPassword = this.secret('quality_db_sink_password', 'password of the sink user of the quality database');

    const topic = new Topic(this, 'RegistrationsTopic', {
      topicName: QUALITY.topic,
      partitions: QUALITY.partitions,
      retention: Duration.days(7),
    });
    new Schema(this, 'RegistrationContract', {
      topic,
      format: SchemaFormat.jsonSchema(REGISTRATION_SCHEMA),
      compatibility: Compatibility.backward(),
    });
    const registrations = new KsqlStream(this, 'Registrations', {
      topic,
      valueFormat: KsqlFormat.JSON,
      columns: QUALITY.fields.map((f) =>
        f.name === QUALITY.keyField ? Column.key(f.name, KsqlType.of(f.type)) : Column.value(f.name, KsqlType.of(f.type)),
      ),
    });

    const quality = new DataQuality(this, 'RegistrationQuality', {
      source: registrations,
      idColumn: 'REGISTRATION_ID',
      namePrefix: 'REGISTRATIONS',
      metricsWindow: Duration.minutes(1),
      // Avro: the sinks need records with schemas.
      valueFormat: KsqlFormat.AVRO,
      rules: [
        Rule.completeness([...QUALITY.requiredFields]),
        Rule.validity('EMAIL', Check.matches(QUALITY.emailPattern)),
        Rule.validity('PHONE', Check.matches(QUALITY.phonePattern)),
        Rule.validity('CHANNEL', Check.oneOf([...QUALITY.channels])),
        Rule.consistency(
          'plausible_age',
          `DOB IS NULL OR (STRINGTOTIMESTAMP(DOB, '${QUALITY.dobFormat}') <= CREATED_AT - ${yearsMs(QUALITY.plausibleAge.min)}` +
            ` AND STRINGTOTIMESTAMP(DOB, '${QUALITY.dobFormat}') >= CREATED_AT - ${yearsMs(QUALITY.plausibleAge.max)})`,
          {
            description: `age at registration between ${QUALITY.plausibleAge.min} and ${QUALITY.plausibleAge.max} years (a missing DOB is completeness's concern)`,
          },
        ),
        Rule.timeliness('CREATED_AT', Duration.hours(24)),
        Rule.uniqueness('EMAIL'),
      ],
    });

    // Failures go back to the customer.
    new KsqlQuery(this, 'CustomerNotifications', {
      sink: QuerySink.stream({ topic: { topicName: QUALITY.notificationsTopic }, valueFormat: KsqlFormat.JSON }),
      select: ksql`SELECT REGISTRATION_ID, EMAIL, NAME,
  CONCAT('We could not complete your registration: please check ', DQ_FAILED_RULES) AS MESSAGE
FROM ${quality.invalid} WHERE EMAIL IS NOT NULL EMIT CHANGES`,
    });

    // Valid records feed MDM (upsert by registration) and the analytics sandbox (every record).
    let database: LocalPostgres | undefined;
    const platform = this.platform;
    if (db.local && platform) {
      database = new LocalPostgres(this, 'QualityDb', {
        platform,
        name: db.host,
        database: QUALITY.database,
        adminPassword: this.secret('quality_db_admin_password', 'password of the postgres user of the local quality database'),
        initSql: [
          QUALITY.ddl,
          `CREATE ROLE streamform_sink LOGIN PASSWORD '${sinkPassword.value}';`,
          'GRANT USAGE, CREATE ON SCHEMA mdm, sandbox TO streamform_sink;',
        ].join('\n'),
      });
    }
    const jdbcUrl = `jdbc:postgresql://${db.host}:${db.port}/${QUALITY.database}`;
    const dependsOn = database ? [database.service.container] : [];
    new JdbcSink(this, 'Mdm', {
      connectorName: 'quality-mdm-sink',
      topics: [quality.valid.topic],
      connectionUrl: jdbcUrl,
      user: 'streamform_sink',
      password: sinkPassword,
      insertMode: 'upsert',
      primaryKeyMode: 'record_key',
      primaryKeyFields: ['REGISTRATION_ID'],
      tableNameFormat: 'mdm.customers',
      valueConverter: this.avroConverter,
      dependsOn,
    });
    new JdbcSink(this, 'Sandbox', {
      connectorName: 'quality-sandbox-sink',
      topics: [quality.valid.topic],
      connectionUrl: jdbcUrl,
      user: 'streamform_sink',
      password: sinkPassword,
      insertMode: 'insert',
      primaryKeyMode: 'none',
      tableNameFormat: 'sandbox.registrations',
      valueConverter: this.avroConverter,
      dependsOn,
    });

    if (env.externalSinks) {
      new ElasticsearchSink(this, 'QualityDashboard', {
        connectorName: 'quality-metrics-elasticsearch-sink',
        topics: [quality.metrics.topic],
        connectionUrl: env.externalSinks.elasticsearchUrl,
        useRecordKey: true,
      });
    }
  }
}
