/**
 * The ratings pipeline (seed 001): website ratings (Avro + Schema Registry) and customers captured
 * from MySQL/MariaDB by Debezium; ksqlDB filters out test channels, joins ratings with customers,
 * finds unhappy platinum customers and keeps windowed aggregates; sinks to Elasticsearch and MongoDB.
 */
import { Construct } from 'constructs';
import {
  Column,
  Compatibility,
  Converters,
  DebeziumMySqlSource,
  Duration,
  ElasticsearchSink,
  KsqlFormat,
  KsqlQuery,
  KsqlStream,
  KsqlTable,
  KsqlType,
  MongoDbSink,
  QuerySink,
  Schema,
  SchemaFormat,
  Topic,
  PipelineTest,
  ksql,
} from '../constructs';
import { LocalMariaDb } from '../constructs/platform';
import { PipelineStack, PipelineStackProps } from './pipeline';

/** The shapes of the pipeline's data, shared with its data generator. */
export const RATINGS = {
  ratingsTopic: 'ratings',
  ratingAvro: {
    type: 'record',
    name: 'Rating',
    namespace: 'io.streamform.ratings',
    fields: [
      { name: 'rating_id', type: 'long' },
      { name: 'user_id', type: 'int' },
      { name: 'stars', type: 'int' },
      { name: 'route_id', type: 'int' },
      { name: 'rating_time', type: 'long' },
      { name: 'channel', type: 'string' },
      { name: 'message', type: 'string' },
    ],
  },
  /** Channels the generator uses; those containing "test" are filtered out by RATINGS_LIVE. */
  channels: ['iOS', 'android', 'web', 'iOS-test', 'web-test'],
  clubStatuses: ['bronze', 'silver', 'gold', 'platinum'],
  database: 'demo',
  customersTable: 'customers',
  /** Debezium's topic prefix; change topics are `<prefix>.<database>.<table>`. */
  cdcPrefix: 'asgard',
  partitions: 3,
  customersDdl: `CREATE TABLE IF NOT EXISTS customers (
  id INT PRIMARY KEY,
  first_name VARCHAR(50),
  last_name VARCHAR(50),
  email VARCHAR(80),
  gender VARCHAR(20),
  club_status VARCHAR(20),
  comments VARCHAR(200),
  create_ts TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  update_ts TIMESTAMP DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
);`,
} as const;

export class RatingsStack extends PipelineStack {
  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const env = this.env;
    const db = env.databases.ratings;
    const cdcPassword = this.secret('ratings_db_cdc_password', 'password of the Debezium user of the ratings database');

    // Ratings arrive from the website as Avro.
    const ratingsTopic = new Topic(this, 'RatingsTopic', {
      topicName: RATINGS.ratingsTopic,
      partitions: RATINGS.partitions,
      retention: Duration.days(7),
    });
    const ratingsSchema = new Schema(this, 'RatingsSchema', {
      topic: ratingsTopic,
      format: SchemaFormat.avro(RATINGS.ratingAvro),
      compatibility: Compatibility.backward(),
    });

    // Customers come from the marketing database by change data capture.
    let database: LocalMariaDb | undefined;
    const platform = this.platform;
    if (db.local && platform) {
      database = new LocalMariaDb(this, 'CustomersDb', {
        platform,
        name: db.host,
        database: RATINGS.database,
        adminPassword: this.secret('ratings_db_admin_password', 'root password of the local ratings database'),
        initSql: [
          RATINGS.customersDdl,
          `CREATE USER IF NOT EXISTS 'debezium'@'%' IDENTIFIED BY '${cdcPassword.value}';`,
          "GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, LOCK TABLES ON *.* TO 'debezium'@'%';",
          'FLUSH PRIVILEGES;',
        ].join('\n'),
      });
    }
    const cdc = new DebeziumMySqlSource(this, 'CustomersCdc', {
      connectorName: 'ratings-customers-cdc',
      flavor: 'mariadb',
      serverId: 5401,
      connection: { host: db.host, port: db.port, user: 'debezium', password: cdcPassword },
      topicPrefix: RATINGS.cdcPrefix,
      tables: [`${RATINGS.database}.${RATINGS.customersTable}`],
      partitions: RATINGS.partitions,
      keyField: 'id',
      valueConverter: this.avroConverter,
      dependsOn: database ? [database.service.container] : [],
    });
    const customersTopic = cdc.topicFor(`${RATINGS.database}.${RATINGS.customersTable}`);
    // The change records' schema, registered before the connector writes and before ksqlDB reads:
    // ksqlDB registers a schema of its own for CREATE TABLE ... (columns) under a subject that does
    // not exist yet, which the converter's schema would then have to be compatible with (it is not:
    // another record name). With the subject there, ksqlDB leaves it as it is.
    const customersChangeSchema = new Schema(this, 'CustomersChangeSchema', {
      topic: customersTopic,
      format: SchemaFormat.avro(CUSTOMER_CHANGE_AVRO),
      compatibility: Compatibility.backward(),
    });
    cdc.connector.resource.node.addDependency(customersChangeSchema.resource);

    // ksqlDB: clean, enrich, find unhappy VIPs, aggregate.
    const ratings = new KsqlStream(this, 'Ratings', { topic: ratingsTopic, valueSchema: ratingsSchema, valueFormat: KsqlFormat.AVRO });
    const live = new KsqlQuery(this, 'RatingsLive', {
      sink: QuerySink.stream(),
      select: ksql`SELECT * FROM ${ratings} WHERE LCASE(CHANNEL) NOT LIKE '%test%' EMIT CHANGES`,
    });
    const testRatings = new KsqlQuery(this, 'RatingsTest', {
      sink: QuerySink.stream(),
      select: ksql`SELECT * FROM ${ratings} WHERE LCASE(CHANNEL) LIKE '%test%' EMIT CHANGES`,
    });
    const customers = new KsqlTable(this, 'Customers', {
      topic: customersTopic,
      valueFormat: KsqlFormat.AVRO,
      valueSchema: customersChangeSchema,
      columns: [
        Column.primaryKey('CUSTOMER_ID', KsqlType.string()),
        Column.value('ID', KsqlType.int()),
        Column.value('FIRST_NAME', KsqlType.string()),
        Column.value('LAST_NAME', KsqlType.string()),
        Column.value('EMAIL', KsqlType.string()),
        Column.value('GENDER', KsqlType.string()),
        Column.value('CLUB_STATUS', KsqlType.string()),
        Column.value('COMMENTS', KsqlType.string()),
      ],
    });
    const enriched = new KsqlQuery(this, 'RatingsWithCustomerData', {
      sink: QuerySink.stream({ topic: { topicName: 'ratings-enriched' } }),
      // ksqlDB keys a join by the column side of its ON clause (here C.CUSTOMER_ID, as the other side
      // is an expression); the projection must select that key exactly once, and it becomes the key.
      select: ksql`SELECT R.RATING_ID, R.MESSAGE, R.STARS, R.CHANNEL,
       C.CUSTOMER_ID, C.FIRST_NAME + ' ' + C.LAST_NAME AS FULL_NAME,
       C.CLUB_STATUS, C.EMAIL
FROM ${live} R
  LEFT JOIN ${customers} C ON CAST(R.USER_ID AS STRING) = C.CUSTOMER_ID
WHERE C.FIRST_NAME IS NOT NULL
EMIT CHANGES`,
      properties: { 'auto.offset.reset': 'earliest' },
    });
    const unhappy = new KsqlQuery(this, 'UnhappyPlatinumCustomers', {
      sink: QuerySink.stream(),
      select: ksql`SELECT FULL_NAME, CLUB_STATUS, EMAIL, STARS, MESSAGE
FROM ${enriched}
WHERE STARS < 3 AND CLUB_STATUS = 'platinum'
PARTITION BY FULL_NAME`,
      properties: { 'auto.offset.reset': 'earliest' },
    });
    const perCustomer = new KsqlQuery(this, 'RatingsPerCustomerPer15Minute', {
      sink: QuerySink.table({ name: 'RATINGS_PER_CUSTOMER_PER_15MINUTE' }),
      select: ksql`SELECT FULL_NAME, COUNT(*) AS RATINGS_COUNT, COLLECT_LIST(STARS) AS RATINGS
FROM ${enriched} WINDOW TUMBLING (SIZE 15 MINUTES)
GROUP BY FULL_NAME EMIT CHANGES`,
      properties: { 'auto.offset.reset': 'earliest' },
    });
    const byClubStatus = new KsqlQuery(this, 'RatingsByClubStatus', {
      sink: QuerySink.table(),
      select: ksql`SELECT CLUB_STATUS, COUNT(*) AS RATING_COUNT
FROM ${enriched} WINDOW TUMBLING (SIZE 1 MINUTES)
GROUP BY CLUB_STATUS EMIT CHANGES`,
      properties: { 'auto.offset.reset': 'earliest' },
    });

    ratingsTests(this, { ratingsTopic, customersTopic, live, testRatings, enriched, unhappy, perCustomer, byClubStatus });

    // Sinks to systems that exist in the shared environments only.
    const sinks = env.externalSinks;
    if (sinks) {
      new ElasticsearchSink(this, 'ElasticRatings', {
        connectorName: 'ratings-elasticsearch-sink',
        topics: [enriched.topic, unhappy.topic],
        connectionUrl: sinks.elasticsearchUrl,
        timestampField: 'EXTRACT_TS',
        keyConverter: Converters.string(),
      });
      new MongoDbSink(this, 'MongoAnalytics', {
        connectorName: 'ratings-mongodb-analytics-sink',
        topics: [unhappy.topic],
        connectionUri: this.secret('ratings_mongodb_uri', 'MongoDB connection URI of the analytics database'),
        database: 'analytics',
        collection: 'ratings',
      });
    }
  }
}

/**
 * A change record of `demo.customers` as the CDC connector writes it: Debezium's row after the
 * change (ExtractNewRecordState), in Avro with the schema the Connect converter registers for it
 * (`<prefix>.<database>.<table>.Value`; MariaDB TIMESTAMP columns as ZonedTimestamp strings).
 */
const CUSTOMER_CHANGE_AVRO = {
  type: 'record',
  name: 'Value',
  namespace: `${RATINGS.cdcPrefix}.${RATINGS.database}.${RATINGS.customersTable}`,
  fields: [
    { name: 'id', type: 'int' },
    ...['first_name', 'last_name', 'email', 'gender', 'club_status', 'comments'].map((name) => ({
      name,
      type: ['null', 'string'],
      default: null,
    })),
    ...['create_ts', 'update_ts'].map((name) => ({
      name,
      type: ['null', { type: 'string', 'connect.version': 1, 'connect.name': 'io.debezium.time.ZonedTimestamp' }],
      default: null,
    })),
  ],
  'connect.name': `${RATINGS.cdcPrefix}.${RATINGS.database}.${RATINGS.customersTable}.Value`,
} as const;

interface RatingsParts {
  readonly ratingsTopic: Topic;
  readonly customersTopic: Topic;
  readonly live: KsqlQuery;
  readonly testRatings: KsqlQuery;
  readonly enriched: KsqlQuery;
  readonly unhappy: KsqlQuery;
  readonly perCustomer: KsqlQuery;
  readonly byClubStatus: KsqlQuery;
}

/** The pipeline's test cases (`streamform test ratings`), on the hour of 2023-11-14 22:00 UTC. */
function ratingsTests(scope: Construct, p: RatingsParts): void {
  const T = 1_699_999_200_000;
  const MINUTE = 60_000;
  const customer = (id: number, first: string, last: string, clubStatus: string, at: number) => ({
    topic: p.customersTopic,
    key: String(id),
    value: {
      id,
      first_name: first,
      last_name: last,
      email: `${first}.${last}@example.com`.toLowerCase(),
      gender: 'Female',
      club_status: clubStatus,
      comments: 'loyal customer',
      create_ts: '2023-11-01T08:00:00Z',
      update_ts: new Date(at).toISOString().replace('.000Z', 'Z'),
    },
    timestamp: at,
    valueSchema: CUSTOMER_CHANGE_AVRO,
  });
  let ratingId = 1000;
  const rating = (userId: number, stars: number, channel: string, message: string, at: number) => ({
    topic: p.ratingsTopic,
    key: String(userId),
    value: { rating_id: ++ratingId, user_id: userId, stars, route_id: 7, rating_time: at, channel, message },
    timestamp: at,
  });
  const live = (r: ReturnType<typeof rating>) => ({
    topic: p.live,
    value: Object.fromEntries(Object.entries(r.value).map(([k, v]) => [k.toUpperCase(), v])),
    timestamp: r.timestamp,
  });
  const enriched = (
    r: ReturnType<typeof rating>,
    c: ReturnType<typeof customer>,
  ): { topic: KsqlQuery; key: string; value: Record<string, string | number>; timestamp: number } => ({
    topic: p.enriched,
    key: c.key,
    value: {
      RATING_ID: r.value.rating_id,
      MESSAGE: r.value.message,
      STARS: r.value.stars,
      CHANNEL: r.value.channel,
      FULL_NAME: `${c.value.first_name} ${c.value.last_name}`,
      CLUB_STATUS: c.value.club_status,
      EMAIL: c.value.email,
    },
    timestamp: r.timestamp,
  });

  const ios = rating(1, 4, 'iOS', 'your team here rocks!', T + 1_000);
  const webTest = rating(1, 1, 'web-test', 'test rating, please ignore', T + 2_000);
  const androidTest = rating(2, 5, 'Android-TEST', 'smoke test', T + 3_000);
  const web = rating(2, 3, 'web', 'meh', T + 4_000);
  new PipelineTest(scope, 'TestChannelsFilteredOut', {
    description: 'ratings from channels containing "test" (any case) go to RATINGS_TEST only; the others to RATINGS_LIVE',
    inputs: [ios, webTest, androidTest, web],
    expected: [live(ios), live(web), { ...live(webTest), topic: p.testRatings }, { ...live(androidTest), topic: p.testRatings }],
  });

  const rica = customer(1, 'Rica', 'Blaylock', 'gold', T);
  const ricaPlatinum = customer(1, 'Rica', 'Blaylock', 'platinum', T + 3 * MINUTE);
  const bobby = customer(2, 'Bobby', 'Ellis', 'silver', T);
  const r1 = rating(1, 4, 'iOS', 'great flight, on time and comfortable', T + MINUTE);
  const stranger = rating(99, 2, 'web', 'who am I?', T + MINUTE + 1);
  const r2 = rating(2, 5, 'android', 'thank you for the friendly crew', T + 2 * MINUTE);
  const r3 = rating(1, 3, 'web', 'average experience', T + 4 * MINUTE);
  const r4 = rating(2, 4, 'iOS', 'deleted, then rated', T + 6 * MINUTE);
  new PipelineTest(scope, 'EnrichedWithCustomers', {
    description:
      'ratings are joined with the customer as Debezium captured them last (changes apply, a deleted customer no longer matches); ' +
      'ratings of unknown customers are dropped',
    inputs: [
      rica,
      bobby,
      r1,
      stranger,
      r2,
      ricaPlatinum,
      r3,
      { topic: p.customersTopic, key: '2', value: null, timestamp: T + 5 * MINUTE },
      r4,
    ],
    expected: [enriched(r1, rica), enriched(r2, bobby), enriched(r3, ricaPlatinum)],
  });

  const ada = customer(3, 'Ada', 'Lovelace', 'platinum', T);
  const grace = customer(4, 'Grace', 'Hopper', 'gold', T);
  const angry = rating(3, 1, 'iOS', 'worst. flight. ever. #neveragain', T + MINUTE);
  const happy = rating(3, 5, 'web', 'Exceeded all my expectations. Thank you!', T + 2 * MINUTE);
  const goldAngry = rating(4, 2, 'android', 'the food was cold', T + 3 * MINUTE);
  const testAngry = rating(3, 1, 'iOS-test', 'testing the unhappy path', T + 4 * MINUTE);
  const twoStars = rating(3, 2, 'android', 'thank you for the lovely 3 hour delay', T + 5 * MINUTE);
  const unhappy = (r: ReturnType<typeof rating>) => ({
    topic: p.unhappy,
    key: 'Ada Lovelace',
    value: { CLUB_STATUS: 'platinum', EMAIL: 'ada.lovelace@example.com', STARS: r.value.stars, MESSAGE: r.value.message },
    timestamp: r.timestamp,
  });
  new PipelineTest(scope, 'UnhappyPlatinum', {
    description:
      'a platinum customer rating below 3 stars lands in UNHAPPY_PLATINUM_CUSTOMERS, keyed by name; good ratings, other club statuses and test channels do not',
    inputs: [ada, grace, angry, happy, goldAngry, testAngry, twoStars],
    expected: [unhappy(angry), unhappy(twoStars)],
  });

  const lin = customer(5, 'Lin', 'Chen', 'gold', T);
  const sam = customer(6, 'Sam', 'Okafor', 'gold', T);
  const at = (minutes: number, seconds = 0) => T + minutes * MINUTE + seconds * 1000;
  const q1 = rating(5, 4, 'iOS', 'a', at(0, 10));
  const q2 = rating(6, 2, 'web', 'b', at(0, 50));
  const q3 = rating(5, 2, 'android', 'c', at(14, 59));
  const q4 = rating(5, 5, 'web', 'd', at(15, 0));
  const window15 = (start: number) => ({ start, end: start + 15 * MINUTE });
  const window1 = (start: number) => ({ start, end: start + MINUTE });
  new PipelineTest(scope, 'WindowedCounts', {
    description:
      'ratings are counted (with their stars) per customer per 15-minute window and per club status per minute, each rating updating its window',
    inputs: [lin, sam, q1, q2, q3, q4],
    expected: [
      { topic: p.perCustomer, key: 'Lin Chen', value: { RATINGS_COUNT: 1, RATINGS: [4] }, window: window15(T) },
      { topic: p.perCustomer, key: 'Sam Okafor', value: { RATINGS_COUNT: 1, RATINGS: [2] }, window: window15(T) },
      { topic: p.perCustomer, key: 'Lin Chen', value: { RATINGS_COUNT: 2, RATINGS: [4, 2] }, window: window15(T) },
      { topic: p.perCustomer, key: 'Lin Chen', value: { RATINGS_COUNT: 1, RATINGS: [5] }, window: window15(at(15)) },
      { topic: p.byClubStatus, key: 'gold', value: { RATING_COUNT: 1 }, window: window1(T) },
      { topic: p.byClubStatus, key: 'gold', value: { RATING_COUNT: 2 }, window: window1(T) },
      { topic: p.byClubStatus, key: 'gold', value: { RATING_COUNT: 1 }, window: window1(at(14)) },
      { topic: p.byClubStatus, key: 'gold', value: { RATING_COUNT: 1 }, window: window1(at(15)) },
    ],
  });
}
