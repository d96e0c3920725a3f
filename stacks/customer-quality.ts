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
  PipelineTest,
  PipelineTestRecord,
  TestValue,
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
    const notifications = new KsqlQuery(this, 'CustomerNotifications', {
      sink: QuerySink.stream({ topic: { topicName: QUALITY.notificationsTopic }, valueFormat: KsqlFormat.JSON }),
      select: ksql`SELECT REGISTRATION_ID, EMAIL, NAME,
  CONCAT('We could not complete your registration: please check ', DQ_FAILED_RULES) AS MESSAGE
FROM ${quality.invalid} WHERE EMAIL IS NOT NULL EMIT CHANGES`,
    });

    qualityTests(this, topic, quality, notifications);

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

/**
 * The pipeline's test cases (`streamform test customer-quality`): per dimension, a good record
 * reaches the valid stream and a bad one the invalid stream, one failure record per failed rule
 * and the failure count of its rule; then the counts per rule and window. Registrations arrive
 * from 2023-11-14 22:00 UTC on, an hour after they were created.
 */
function qualityTests(scope: Construct, topic: Topic, quality: DataQuality, notifications: KsqlQuery): void {
  const T = 1_699_999_200_000;
  const MINUTE = 60_000;
  const HOUR = 60 * MINUTE;
  type Registration = Record<string, TestValue>;
  const registration = (id: string, overrides: Registration = {}): Registration => ({
    REGISTRATION_ID: id,
    NAME: 'Ada Lovelace',
    ADDRESS: '12 St James Square, London',
    PHONE: '+442071234567',
    JOB: 'analyst',
    EMAIL: `${id}@example.com`,
    DOB: '1990-12-10',
    CREATED_AT: T - HOUR,
    CHANNEL: 'web',
    ...overrides,
  });
  const input = (r: Registration, at: number): PipelineTestRecord => ({ topic, key: r.REGISTRATION_ID, value: r, timestamp: at });
  /** The source's value columns: the registration without its key. */
  const columns = (r: Registration): Registration => Object.fromEntries(Object.entries(r).filter(([k]) => k !== QUALITY.keyField));
  const valid = (r: Registration, at: number): PipelineTestRecord => ({
    topic: quality.valid,
    key: r.REGISTRATION_ID,
    value: columns(r),
    timestamp: at,
  });
  const invalid = (r: Registration, at: number, failed: string[]): PipelineTestRecord => ({
    topic: quality.invalid,
    key: r.REGISTRATION_ID,
    value: { ...columns(r), DQ_FAILED_RULES: failed.join(',') },
    timestamp: at,
  });
  const rule = (name: string) => {
    const found = quality.rules.find((r) => r.name === name);
    if (!found) throw new Error(`${scope.node.path}: no data quality rule ${name}`);
    return found;
  };
  const failure = (r: Registration, at: number, ruleName: string): PipelineTestRecord => ({
    topic: quality.failures,
    key: r.REGISTRATION_ID,
    value: {
      DQ_RECORD_ID: r.REGISTRATION_ID,
      DQ_RULE: ruleName,
      DQ_DIMENSION: rule(ruleName).dimension,
      DQ_DESCRIPTION: rule(ruleName).description,
    },
    timestamp: at,
  });
  const count = (ruleName: string, n: number, minute: number): PipelineTestRecord => {
    const start = T + minute * MINUTE;
    return {
      topic: quality.metrics,
      key: ruleName,
      value: { DQ_DIMENSION: rule(ruleName).dimension, FAILED_RECORDS: n, WINDOW_START: start, WINDOW_END: start + MINUTE },
      window: { start, end: start + MINUTE },
    };
  };
  const notified = (r: Registration, at: number, failed: string): PipelineTestRecord => ({
    topic: notifications,
    key: r.REGISTRATION_ID,
    value: { EMAIL: r.EMAIL, NAME: r.NAME, MESSAGE: `We could not complete your registration: please check ${failed}` },
    timestamp: at,
  });
  /** A good and a bad registration of one dimension: where each lands, and the bad one's failure counted. */
  const dimension = (id: string, ruleName: string, description: string, bad: Registration) => {
    const good = registration(`${id}-good`);
    new PipelineTest(scope, id, {
      description,
      inputs: [input(good, T + 1000), input(bad, T + 2000)],
      expected: [valid(good, T + 1000), invalid(bad, T + 2000, [ruleName]), failure(bad, T + 2000, ruleName), count(ruleName, 1, 0)],
    });
  };

  dimension(
    'Completeness',
    'completeness',
    'a registration without a name fails completeness; a complete one is valid',
    registration('no-name', { NAME: null }),
  );
  dimension(
    'Consistency',
    'plausible_age',
    'a registration of an 8-year-old fails plausible_age (consistency); a 32-year-old is valid',
    registration('too-young', { DOB: '2015-06-01' }),
  );
  dimension(
    'Timeliness',
    'timeliness_created_at',
    'a registration arriving 25 hours after it was created fails timeliness; one arriving after an hour is valid',
    registration('late', { CREATED_AT: T - 25 * HOUR }),
  );

  const good = registration('valid-1');
  const badEmail = registration('bad-email', { EMAIL: 'ada.lovelace.example.com' });
  const badPhone = registration('bad-phone', { PHONE: '020 7123 4567' });
  const badChannel = registration('bad-channel', { CHANNEL: 'fax' });
  new PipelineTest(scope, 'Validity', {
    description:
      'registrations with an email without @, a phone not in E.164 or an unknown channel each fail their validity rule, and are notified; a valid one is not',
    inputs: [input(good, T + 1000), input(badEmail, T + 2000), input(badPhone, T + 3000), input(badChannel, T + 4000)],
    expected: [
      valid(good, T + 1000),
      invalid(badEmail, T + 2000, ['validity_email']),
      invalid(badPhone, T + 3000, ['validity_phone']),
      invalid(badChannel, T + 4000, ['validity_channel']),
      failure(badEmail, T + 2000, 'validity_email'),
      failure(badPhone, T + 3000, 'validity_phone'),
      failure(badChannel, T + 4000, 'validity_channel'),
      count('validity_email', 1, 0),
      count('validity_phone', 1, 0),
      count('validity_channel', 1, 0),
      notified(badEmail, T + 2000, 'validity_email'),
      notified(badPhone, T + 3000, 'validity_phone'),
      notified(badChannel, T + 4000, 'validity_channel'),
    ],
  });

  const first = registration('first', { EMAIL: 'ada@example.com' });
  const second = registration('second', { EMAIL: 'ada@example.com' });
  const other = registration('other', { EMAIL: 'grace@example.com' });
  new PipelineTest(scope, 'Uniqueness', {
    description:
      'a second registration with an email another registration used first fails uniqueness; the first, and one with its own email, are valid',
    inputs: [input(first, T + 1000), input(other, T + 2000), input(second, T + 3000)],
    expected: [
      valid(first, T + 1000),
      valid(other, T + 2000),
      invalid(second, T + 3000, ['uniqueness_email']),
      failure(second, T + 3000, 'uniqueness_email'),
      count('uniqueness_email', 1, 0),
    ],
  });

  const noEmail1 = registration('no-email-1', { EMAIL: null });
  const badEmail1 = registration('bad-email-1', { EMAIL: 'bad-1' });
  const badEmail2 = registration('bad-email-2', { EMAIL: 'bad-2' });
  const badEmail3 = registration('bad-email-3', { EMAIL: 'bad-3' });
  new PipelineTest(scope, 'FailuresCountedPerRule', {
    description: 'failures are counted per rule per minute; a record failing a rule counts once for it',
    inputs: [input(badEmail1, T + 1000), input(noEmail1, T + 2000), input(badEmail2, T + 59_000), input(badEmail3, T + MINUTE + 1000)],
    expected: [count('validity_email', 1, 0), count('completeness', 1, 0), count('validity_email', 2, 0), count('validity_email', 1, 1)],
  });
}
