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
  ElasticsearchSink,
  KsqlFormat,
  KsqlQuery,
  KsqlStream,
  KsqlTable,
  KsqlType,
  LocalMariaDb,
  MongoDbSink,
  QuerySink,
  Retention,
  Schema,
  SchemaFormat,
  Topic,
  ksql,
} from '../constructs';
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
      retention: Retention.days(7),
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

    // ksqlDB: clean, enrich, find unhappy VIPs, aggregate.
    const ratings = new KsqlStream(this, 'Ratings', { topic: ratingsTopic, valueSchema: ratingsSchema, valueFormat: KsqlFormat.AVRO });
    const live = new KsqlQuery(this, 'RatingsLive', {
      sink: QuerySink.stream(),
      select: ksql`SELECT * FROM ${ratings} WHERE LCASE(CHANNEL) NOT LIKE '%test%' EMIT CHANGES`,
    });
    new KsqlQuery(this, 'RatingsTest', {
      sink: QuerySink.stream(),
      select: ksql`SELECT * FROM ${ratings} WHERE LCASE(CHANNEL) LIKE '%test%' EMIT CHANGES`,
    });
    const customers = new KsqlTable(this, 'Customers', {
      topic: customersTopic,
      valueFormat: KsqlFormat.AVRO,
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
    new KsqlQuery(this, 'RatingsPerCustomerPer15Minute', {
      sink: QuerySink.table({ name: 'RATINGS_PER_CUSTOMER_PER_15MINUTE' }),
      select: ksql`SELECT FULL_NAME, COUNT(*) AS RATINGS_COUNT, COLLECT_LIST(STARS) AS RATINGS
FROM ${enriched} WINDOW TUMBLING (SIZE 15 MINUTES)
GROUP BY FULL_NAME EMIT CHANGES`,
      properties: { 'auto.offset.reset': 'earliest' },
    });
    new KsqlQuery(this, 'RatingsByClubStatus', {
      sink: QuerySink.table(),
      select: ksql`SELECT CLUB_STATUS, COUNT(*) AS RATING_COUNT
FROM ${enriched} WINDOW TUMBLING (SIZE 1 MINUTES)
GROUP BY CLUB_STATUS EMIT CHANGES`,
      properties: { 'auto.offset.reset': 'earliest' },
    });

    // Sinks to systems that exist in the shared environments only.
    const sinks = env.externalSinks;
    if (sinks) {
      new ElasticsearchSink(this, 'ElasticRatings', {
        connectorName: 'ratings-elasticsearch-sink',
        topics: [enriched.topic!, unhappy.topic!],
        connectionUrl: sinks.elasticsearchUrl,
        timestampField: 'EXTRACT_TS',
        keyConverter: Converters.string(),
      });
      new MongoDbSink(this, 'MongoAnalytics', {
        connectorName: 'ratings-mongodb-analytics-sink',
        topics: [unhappy.topic!],
        connectionUri: this.secret('ratings_mongodb_uri', 'MongoDB connection URI of the analytics database'),
        database: 'analytics',
        collection: 'ratings',
      });
    }
  }
}
