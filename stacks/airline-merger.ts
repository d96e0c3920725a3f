/**
 * The airline-merger pipeline (seed 002): flight updates, plus bookings and customers of two merged
 * airlines captured from PostgreSQL; each airline's bookings are enriched with its customers and
 * unified into one `bookings` data product, which is redacted for analytics; delayed flights are
 * detected and impacted customers listed for notification; analytics sinks.
 */
import { Construct } from 'constructs';
import {
  Column,
  Compatibility,
  DebeziumPostgresSource,
  Duration,
  JdbcSink,
  KsqlFormat,
  KsqlInsertInto,
  KsqlQuery,
  KsqlStream,
  KsqlTable,
  KsqlType,
  Mask,
  RedactedStream,
  QuerySink,
  Schema,
  SchemaFormat,
  SnowflakeSink,
  Topic,
  CleanupPolicy,
  PipelineTest,
  PipelineTestRecord,
  ksql,
} from '../constructs';
import { LocalPostgres } from '../constructs/platform';
import { PipelineStack, PipelineStackProps } from './pipeline';

/** The shapes of the pipeline's data, shared with its data generator. */
export const AIRLINE = {
  database: 'airline',
  cdcPrefix: 'airline',
  partitions: 3,
  flightUpdatesTopic: 'flight-updates',
  routesTopic: 'routes',
  /** The two airlines keep different schemas: that is the point of the merger. */
  ddl: `CREATE SCHEMA IF NOT EXISTS streamjet;
CREATE TABLE IF NOT EXISTS streamjet.customers (
  id INTEGER PRIMARY KEY, title VARCHAR(10), first_name VARCHAR(50), last_name VARCHAR(50), email VARCHAR(80));
CREATE TABLE IF NOT EXISTS streamjet.bookings (
  bk_id INTEGER PRIMARY KEY, bk_call_sgn VARCHAR(10) NOT NULL, bk_cust_id INTEGER NOT NULL, bk_book_tme BIGINT NOT NULL);
CREATE SCHEMA IF NOT EXISTS skyone;
CREATE TABLE IF NOT EXISTS skyone.passengers (
  passenger_id INTEGER PRIMARY KEY, full_name VARCHAR(100), email_address VARCHAR(80));
CREATE TABLE IF NOT EXISTS skyone.bookings (
  booking_id INTEGER PRIMARY KEY, callsign VARCHAR(10) NOT NULL, passenger_id INTEGER NOT NULL, booked_on BIGINT NOT NULL);
CREATE SCHEMA IF NOT EXISTS analytics;`,
  callsignPrefixes: ['SJT', 'SKY'],
} as const;

const BOOKING_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Booking',
  type: 'object',
  properties: {
    ID: { type: 'string' },
    SOURCE_ID: { type: 'integer' },
    CUSTOMER_NAME: { type: 'string' },
    CUSTOMER_EMAIL: { type: 'string' },
    BOOK_TIME: { type: 'integer' },
  },
  required: ['ID', 'SOURCE_ID'],
};

export class AirlineMergerStack extends PipelineStack {
  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const env = this.env;
    const db = env.databases.airline;
    const cdcPassword = this.secret('airline_db_cdc_password', 'password of the Debezium user of the airline database');
    const P = AIRLINE.partitions;

    let database: LocalPostgres | undefined;
    const platform = this.platform;
    if (db.local && platform) {
      database = new LocalPostgres(this, 'BookingsDb', {
        platform,
        name: db.host,
        database: AIRLINE.database,
        adminPassword: this.secret('airline_db_admin_password', 'password of the postgres user of the local airline database'),
        initSql: [
          AIRLINE.ddl,
          `CREATE ROLE debezium LOGIN REPLICATION PASSWORD '${cdcPassword.value}';`,
          'GRANT CONNECT, CREATE ON DATABASE airline TO debezium;',
          'GRANT USAGE, CREATE ON SCHEMA streamjet, skyone, analytics TO debezium;',
          'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA streamjet, skyone, analytics TO debezium;',
          'ALTER TABLE streamjet.customers OWNER TO debezium; ALTER TABLE streamjet.bookings OWNER TO debezium;',
          'ALTER TABLE skyone.passengers OWNER TO debezium; ALTER TABLE skyone.bookings OWNER TO debezium;',
        ].join('\n'),
      });
    }
    const connection = { host: db.host, port: db.port, user: 'debezium', password: cdcPassword };
    const common = {
      connection,
      topicPrefix: AIRLINE.cdcPrefix,
      partitions: P,
      extraConfig: { 'time.precision.mode': 'connect', 'decimal.handling.mode': 'double' },
      dropSlotOnStop: db.local,
      dependsOn: database ? [database.service.container] : [],
    };
    // One capture for both airlines: Debezium keys its offsets by topic prefix, so two connectors
    // writing `airline.*` topics would share (and corrupt) one offset record.
    const cdc = new DebeziumPostgresSource(this, 'BookingsCdc', {
      ...common,
      connectorName: 'airline-bookings-cdc',
      database: AIRLINE.database,
      slotName: 'airline_cdc',
      tables: ['streamjet.customers', 'streamjet.bookings', 'skyone.passengers', 'skyone.bookings'],
      // Each table's id alone as its key, as a string: the joins below match CAST(<id> AS STRING)
      // against it (Debezium's own key, the struct {"id": 1} in JSON, never matches).
      keyFields: {
        'streamjet.customers': 'id',
        'streamjet.bookings': 'bk_id',
        'skyone.passengers': 'passenger_id',
        'skyone.bookings': 'booking_id',
      },
    });
    const streamjet = cdc;
    const skyone = cdc;

    // Each airline's bookings, enriched with its own customers. ksqlDB keys each join by the column
    // side of its ON clause (the customers' key), which the projection selects once.
    const sjBookings = new KsqlStream(this, 'StreamJetBookings', {
      topic: streamjet.topicFor('streamjet.bookings'),
      valueFormat: KsqlFormat.JSON,
      columns: [
        Column.key('BOOKING_KEY', KsqlType.string()),
        Column.value('BK_ID', KsqlType.int()),
        Column.value('BK_CALL_SGN', KsqlType.string()),
        Column.value('BK_CUST_ID', KsqlType.int()),
        Column.value('BK_BOOK_TME', KsqlType.bigint()),
      ],
    });
    const sjCustomers = new KsqlTable(this, 'StreamJetCustomers', {
      topic: streamjet.topicFor('streamjet.customers'),
      valueFormat: KsqlFormat.JSON,
      columns: [
        Column.primaryKey('CUSTOMER_KEY', KsqlType.string()),
        Column.value('ID', KsqlType.int()),
        Column.value('TITLE', KsqlType.string()),
        Column.value('FIRST_NAME', KsqlType.string()),
        Column.value('LAST_NAME', KsqlType.string()),
        Column.value('EMAIL', KsqlType.string()),
      ],
    });
    const sjEnriched = new KsqlQuery(this, 'StreamJetBookingsEnriched', {
      sink: QuerySink.stream({ topic: { topicName: 'StreamJet-bookings-enriched' } }),
      select: ksql`SELECT C.CUSTOMER_KEY AS CUSTOMER_KEY, B.BK_ID, B.BK_CALL_SGN, B.BK_BOOK_TME,
  CONCAT(C.TITLE, ' ', C.FIRST_NAME, ' ', C.LAST_NAME) AS BK_CUST_NME,
  C.EMAIL AS BK_CUST_EML
FROM ${sjBookings} B
  INNER JOIN ${sjCustomers} C ON CAST(B.BK_CUST_ID AS STRING) = C.CUSTOMER_KEY
EMIT CHANGES`,
    });
    const soBookings = new KsqlStream(this, 'SkyOneBookings', {
      topic: skyone.topicFor('skyone.bookings'),
      valueFormat: KsqlFormat.JSON,
      columns: [
        Column.key('BOOKING_KEY', KsqlType.string()),
        Column.value('BOOKING_ID', KsqlType.int()),
        Column.value('CALLSIGN', KsqlType.string()),
        Column.value('PASSENGER_ID', KsqlType.int()),
        Column.value('BOOKED_ON', KsqlType.bigint()),
      ],
    });
    const soPassengers = new KsqlTable(this, 'SkyOnePassengers', {
      topic: skyone.topicFor('skyone.passengers'),
      valueFormat: KsqlFormat.JSON,
      columns: [
        Column.primaryKey('PASSENGER_KEY', KsqlType.string()),
        Column.value('PASSENGER_ID', KsqlType.int()),
        Column.value('FULL_NAME', KsqlType.string()),
        Column.value('EMAIL_ADDRESS', KsqlType.string()),
      ],
    });
    const soEnriched = new KsqlQuery(this, 'SkyOneBookingsEnriched', {
      sink: QuerySink.stream({ topic: { topicName: 'SkyOne-bookings-enriched' } }),
      select: ksql`SELECT P.PASSENGER_KEY AS PASSENGER_KEY, B.BOOKING_ID, B.CALLSIGN, B.BOOKED_ON, P.FULL_NAME, P.EMAIL_ADDRESS
FROM ${soBookings} B
  INNER JOIN ${soPassengers} P ON CAST(B.PASSENGER_ID AS STRING) = P.PASSENGER_KEY
EMIT CHANGES`,
    });

    // One authoritative bookings stream: the data product, written by both airlines' queries.
    const bookingsTopic = new Topic(this, 'BookingsTopic', { topicName: 'bookings', partitions: P, retention: Duration.days(30) });
    new Schema(this, 'BookingsContract', {
      topic: bookingsTopic,
      format: SchemaFormat.jsonSchema(BOOKING_SCHEMA),
      compatibility: Compatibility.backward(),
    });
    const bookings = new KsqlStream(this, 'Bookings', {
      topic: bookingsTopic,
      valueFormat: KsqlFormat.JSON,
      columns: [
        Column.key('CALLSIGN', KsqlType.string()),
        Column.value('ID', KsqlType.string()),
        Column.value('SOURCE_ID', KsqlType.int()),
        Column.value('CUSTOMER_NAME', KsqlType.string()),
        Column.value('CUSTOMER_EMAIL', KsqlType.string()),
        Column.value('BOOK_TIME', KsqlType.bigint()),
      ],
    });
    new KsqlInsertInto(this, 'StreamJetIntoBookings', {
      target: bookings,
      select: ksql`SELECT BK_CALL_SGN AS CALLSIGN, CONCAT('StreamJet-', CAST(BK_ID AS STRING)) AS ID, BK_ID AS SOURCE_ID,
  BK_CUST_NME AS CUSTOMER_NAME, BK_CUST_EML AS CUSTOMER_EMAIL, BK_BOOK_TME AS BOOK_TIME
FROM ${sjEnriched} PARTITION BY BK_CALL_SGN EMIT CHANGES`,
    });
    new KsqlInsertInto(this, 'SkyOneIntoBookings', {
      target: bookings,
      select: ksql`SELECT CALLSIGN, CONCAT('SkyOne-', CAST(BOOKING_ID AS STRING)) AS ID, BOOKING_ID AS SOURCE_ID,
  FULL_NAME AS CUSTOMER_NAME, EMAIL_ADDRESS AS CUSTOMER_EMAIL, BOOKED_ON AS BOOK_TIME
FROM ${soEnriched} PARTITION BY CALLSIGN EMIT CHANGES`,
    });

    // PII redacted for the analytics team.
    const redacted = new RedactedStream(this, 'BookingsRedacted', {
      source: bookings,
      mask: { CUSTOMER_NAME: Mask.redact(), CUSTOMER_EMAIL: Mask.keepRight(12) },
      sink: { topic: { topicName: 'bookings-redacted' }, valueFormat: KsqlFormat.AVRO },
    });

    // Operational: delayed flights and the customers they affect.
    const flightUpdatesTopic = new Topic(this, 'FlightUpdatesTopic', {
      topicName: AIRLINE.flightUpdatesTopic,
      partitions: P,
      retention: Duration.days(3),
    });
    const routesTopic = new Topic(this, 'RoutesTopic', {
      topicName: AIRLINE.routesTopic,
      partitions: P,
      cleanupPolicy: CleanupPolicy.COMPACT,
    });
    const flightUpdates = new KsqlStream(this, 'FlightUpdates', {
      topic: flightUpdatesTopic,
      valueFormat: KsqlFormat.JSON,
      columns: [
        Column.key('CALLSIGN', KsqlType.string()),
        Column.value('LATITUDE', KsqlType.double()),
        Column.value('LONGITUDE', KsqlType.double()),
        Column.value('ALTITUDE', KsqlType.double()),
        Column.value('LAST_CONTACT', KsqlType.bigint()),
        Column.value('ESTIMATED_TIME_REMAINING', KsqlType.bigint()),
      ],
    });
    const routes = new KsqlTable(this, 'Routes', {
      topic: routesTopic,
      valueFormat: KsqlFormat.JSON,
      columns: [
        Column.primaryKey('CALLSIGN', KsqlType.string()),
        Column.value('ORIGIN', KsqlType.string()),
        Column.value('DESTINATION', KsqlType.string()),
        Column.value('SCHEDULED_DEPARTURE_TIME', KsqlType.bigint()),
        Column.value('SCHEDULED_ARRIVAL_TIME', KsqlType.bigint()),
      ],
    });
    const impactedFlights = new KsqlQuery(this, 'ImpactedFlights', {
      sink: QuerySink.stream({ topic: { topicName: 'impacted-flights' } }),
      select: ksql`SELECT F.CALLSIGN AS IMPACTED_CALLSIGN,
  F.LAST_CONTACT + F.ESTIMATED_TIME_REMAINING AS DELAYED_FLIGHT_ESTIMATED_ARRIVAL_TIME,
  R.SCHEDULED_ARRIVAL_TIME AS SCHEDULED_ARRIVAL_TIME
FROM ${flightUpdates} F
  INNER JOIN ${routes} R ON F.CALLSIGN = R.CALLSIGN
WHERE F.ESTIMATED_TIME_REMAINING IS NOT NULL AND F.LAST_CONTACT > 0
  AND F.LAST_CONTACT + F.ESTIMATED_TIME_REMAINING > R.SCHEDULED_ARRIVAL_TIME
EMIT CHANGES`,
    });
    const impactedCustomers = new KsqlQuery(this, 'ImpactedCustomers', {
      sink: QuerySink.stream({ topic: { topicName: 'impacted-customers' } }),
      select: ksql`SELECT I.IMPACTED_CALLSIGN AS CALLSIGN, B.CUSTOMER_NAME AS CUSTOMER_NAME, B.CUSTOMER_EMAIL AS CUSTOMER_EMAIL,
  I.DELAYED_FLIGHT_ESTIMATED_ARRIVAL_TIME + 1800 AS NEW_ESTIMATED_DEPARTURE_TIME
FROM ${impactedFlights} I
  INNER JOIN ${bookings} B WITHIN 1 DAY ON I.IMPACTED_CALLSIGN = B.CALLSIGN
EMIT CHANGES`,
    });
    new Schema(this, 'ImpactedCustomersContract', {
      topic: impactedCustomers.topic,
      format: SchemaFormat.jsonSchema({
        title: 'ImpactedCustomer',
        type: 'object',
        properties: {
          CUSTOMER_NAME: { type: 'string' },
          CUSTOMER_EMAIL: { type: 'string' },
          NEW_ESTIMATED_DEPARTURE_TIME: { type: 'integer' },
        },
      }),
    });

    airlineTests(this, {
      streamjetCustomers: sjCustomers,
      streamjetBookings: sjBookings,
      skyonePassengers: soPassengers,
      skyoneBookings: soBookings,
      bookings,
      redacted,
      routes,
      flightUpdates,
      impactedFlights,
      impactedCustomers,
    });

    // Analytics: redacted bookings into the analytics schema of the bookings database.
    new JdbcSink(this, 'AnalyticsBookings', {
      connectorName: 'airline-analytics-bookings-sink',
      topics: [redacted.topic],
      connectionUrl: `jdbc:postgresql://${db.host}:${db.port}/${AIRLINE.database}`,
      user: 'debezium',
      password: cdcPassword,
      insertMode: 'insert',
      primaryKeyMode: 'none',
      tableNameFormat: 'analytics.bookings_redacted',
      valueConverter: this.avroConverter,
      dependsOn: database ? [database.service.container] : [],
    });
    if (env.externalSinks) {
      new SnowflakeSink(this, 'AnalyticsFlightData', {
        connectorName: 'airline-analytics-flight-data-snowflake-sink',
        topics: [flightUpdatesTopic],
        url: env.externalSinks.snowflakeUrl,
        user: 'analytics',
        privateKey: this.secret('airline_snowflake_private_key', 'private key of the Snowflake analytics user'),
        database: 'ANALYTICS',
        schema: 'FLIGHT_DATA',
      });
    }
  }
}

interface AirlineParts {
  readonly streamjetCustomers: KsqlTable;
  readonly streamjetBookings: KsqlStream;
  readonly skyonePassengers: KsqlTable;
  readonly skyoneBookings: KsqlStream;
  readonly bookings: KsqlStream;
  readonly redacted: RedactedStream;
  readonly routes: KsqlTable;
  readonly flightUpdates: KsqlStream;
  readonly impactedFlights: KsqlQuery;
  readonly impactedCustomers: KsqlQuery;
}

/**
 * The pipeline's test cases (`streamform test airline-merger`). The change topics are fed as the
 * CDC connector writes them: Debezium's row after the change in JSON without schemas (lower-case
 * column names), keyed by the row's id as a string (keyFields). Booking times are epoch ms,
 * flight times epoch seconds, as the generator writes them; bookings on 2023-11-14 from 22:00 UTC.
 */
function airlineTests(scope: Construct, p: AirlineParts): void {
  const T = 1_699_999_200_000;
  const S = T / 1000;
  const HOUR = 3_600_000;
  const streamjetCustomer = (id: number, title: string, first: string, last: string): PipelineTestRecord => ({
    topic: p.streamjetCustomers,
    key: String(id),
    value: { id, title, first_name: first, last_name: last, email: `${first}.${last}@example.com`.toLowerCase() },
    timestamp: T,
  });
  const skyonePassenger = (id: number, name: string, email: string): PipelineTestRecord => ({
    topic: p.skyonePassengers,
    key: String(id),
    value: { passenger_id: id, full_name: name, email_address: email },
    timestamp: T,
  });
  const streamjetBooking = (id: number, callsign: string, customer: number, at: number): PipelineTestRecord => ({
    topic: p.streamjetBookings,
    key: String(id),
    value: { bk_id: id, bk_call_sgn: callsign, bk_cust_id: customer, bk_book_tme: at },
    timestamp: at,
  });
  const skyoneBooking = (id: number, callsign: string, passenger: number, at: number): PipelineTestRecord => ({
    topic: p.skyoneBookings,
    key: String(id),
    value: { booking_id: id, callsign, passenger_id: passenger, booked_on: at },
    timestamp: at,
  });
  const booking = (callsign: string, id: string, sourceId: number, name: string, email: string, at: number): PipelineTestRecord => ({
    topic: p.bookings,
    key: callsign,
    value: { ID: id, SOURCE_ID: sourceId, CUSTOMER_NAME: name, CUSTOMER_EMAIL: email, BOOK_TIME: at },
    timestamp: at,
  });

  const jane = streamjetCustomer(1, 'Ms', 'Jane', 'Doe');
  const tom = skyonePassenger(7, 'Tom Hardy', 'tom.hardy@example.com');
  const bookingInputs = [
    jane,
    tom,
    streamjetBooking(100, 'SJT123', 1, T + 1000),
    skyoneBooking(200, 'SKY456', 7, T + 2000),
    streamjetBooking(101, 'SJT123', 2, T + 3000),
    skyoneBooking(201, 'SKY456', 8, T + 4000),
  ];
  new PipelineTest(scope, 'BothAirlinesInBookings', {
    description:
      "both airlines' bookings, each enriched with its own airline's customer, land in the one bookings product under one schema, " +
      'keyed by callsign; bookings of unknown customers do not',
    inputs: bookingInputs,
    expected: [
      booking('SJT123', 'StreamJet-100', 100, 'Ms Jane Doe', 'jane.doe@example.com', T + 1000),
      booking('SKY456', 'SkyOne-200', 200, 'Tom Hardy', 'tom.hardy@example.com', T + 2000),
    ],
  });
  new PipelineTest(scope, 'NoPiiInRedactedBookings', {
    description: 'the bookings product as analytics gets it (bookings-redacted): names replaced, email addresses masked but the domain',
    inputs: bookingInputs,
    expected: [
      {
        topic: p.redacted,
        key: 'SJT123',
        value: { ID: 'StreamJet-100', SOURCE_ID: 100, CUSTOMER_NAME: '*****', CUSTOMER_EMAIL: 'xxxx-xxx@example.com', BOOK_TIME: T + 1000 },
        timestamp: T + 1000,
      },
      {
        topic: p.redacted,
        key: 'SKY456',
        value: { ID: 'SkyOne-200', SOURCE_ID: 200, CUSTOMER_NAME: '*****', CUSTOMER_EMAIL: 'xxx-xxxxx@example.com', BOOK_TIME: T + 2000 },
        timestamp: T + 2000,
      },
    ],
  });

  const route = (callsign: string, origin: string, destination: string, departs: number, arrives: number): PipelineTestRecord => ({
    topic: p.routes,
    key: callsign,
    value: {
      ORIGIN: origin,
      DESTINATION: destination,
      SCHEDULED_DEPARTURE_TIME: departs,
      SCHEDULED_ARRIVAL_TIME: arrives,
    },
    timestamp: T,
  });
  const update = (callsign: string, at: number, lastContact: number, remaining: number | null): PipelineTestRecord => ({
    topic: p.flightUpdates,
    key: callsign,
    value: { LATITUDE: 51.47, LONGITUDE: -0.4543, ALTITUDE: 10_500.5, LAST_CONTACT: lastContact, ESTIMATED_TIME_REMAINING: remaining },
    timestamp: at,
  });
  // SJT123 is due at S + 8 h and now expected 40 minutes late; SKY456 is early.
  const sjtArrival = S + 8 * 3600;
  const sjtEstimate = sjtArrival + 40 * 60;
  const john = streamjetCustomer(3, 'Mr', 'John', 'Smith');
  new PipelineTest(scope, 'DelayedFlightsFindImpactedCustomers', {
    description:
      'a flight whose last contact plus estimated time remaining passes its scheduled arrival is impacted, and every customer booked on it ' +
      'within a day is listed with a new estimated time half an hour later; flights on time, without contact or estimate are not',
    inputs: [
      route('SJT123', 'LHR', 'JFK', S + 3600, sjtArrival),
      route('SKY456', 'CDG', 'FRA', S + 3600, S + 5 * 3600),
      jane,
      john,
      tom,
      streamjetBooking(100, 'SJT123', 1, T + 1000),
      streamjetBooking(102, 'SJT123', 3, T + 2000),
      skyoneBooking(200, 'SKY456', 7, T + 3000),
      update('SJT123', T + HOUR, 0, 30_000),
      update('SJT123', T + HOUR + 1000, S + 3600, null),
      update('SKY456', T + 2 * HOUR, S + 2 * 3600, 3 * 3600 - 600),
      update('SJT123', T + 2 * HOUR, S + 2 * 3600, sjtEstimate - (S + 2 * 3600)),
    ],
    expected: [
      {
        topic: p.impactedFlights,
        key: 'SJT123',
        value: { DELAYED_FLIGHT_ESTIMATED_ARRIVAL_TIME: sjtEstimate, SCHEDULED_ARRIVAL_TIME: sjtArrival },
        timestamp: T + 2 * HOUR,
      },
      ...[jane, john].map((c) => {
        const v = c.value as { title: string; first_name: string; last_name: string; email: string };
        return {
          topic: p.impactedCustomers,
          key: 'SJT123',
          value: {
            CUSTOMER_NAME: `${v.title} ${v.first_name} ${v.last_name}`,
            CUSTOMER_EMAIL: v.email,
            NEW_ESTIMATED_DEPARTURE_TIME: sjtEstimate + 1800,
          },
          timestamp: T + 2 * HOUR,
        };
      }),
    ],
  });
}
