/**
 * Synth-time validation, rule by rule: each failure names the construct path, the value and the
 * fix, and all failures are reported at once. Synthesis only; no servers.
 */
import { TerraformStack, Testing } from 'cdktf';
import {
  Column,
  Connector,
  Duration,
  KsqlFormat,
  KsqlInsertInto,
  KsqlQuery,
  KsqlStream,
  KsqlTable,
  KsqlType,
  QuerySink,
  Schema,
  SchemaFormat,
  Secret,
  StreamformCluster,
  Topic,
  TopicProps,
  ValidationError,
  ksql,
  KsqlText,
} from '../../constructs';
import { DockerService, LOCAL_IMAGES } from '../../constructs/platform';
import { KsqlEngine } from '../../src/tools/ksqldb/engine/engine';

function stack(brokers = 1): TerraformStack {
  const s = new TerraformStack(Testing.app(), 'app');
  new StreamformCluster(s, 'Cluster', { brokers, endpoints: { bootstrapServers: 'localhost:9092' } });
  return s;
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

/** Errors of whole-app validations (run by synthesis with validation on). */
function synthErrors(s: TerraformStack): string {
  return thrown(() => Testing.synth(s, true)).message;
}

function ratings(s: TerraformStack, partitions = 3): KsqlStream {
  const topic = new Topic(s, 'RatingsTopic', { topicName: 'ratings', partitions });
  return new KsqlStream(s, 'Ratings', {
    topic,
    valueFormat: KsqlFormat.JSON,
    columns: [Column.key('USER_ID', KsqlType.string()), Column.value('STARS', KsqlType.int()), Column.value('CHANNEL', KsqlType.string())],
  });
}

function customers(s: TerraformStack, partitions = 3, keyType = KsqlType.string()): KsqlTable {
  const topic = new Topic(s, 'CustomersTopic', { topicName: 'customers', partitions });
  return new KsqlTable(s, 'Customers', {
    topic,
    valueFormat: KsqlFormat.JSON,
    columns: [Column.primaryKey('ID', keyType), Column.value('NAME', KsqlType.string())],
  });
}

describe('ksql statements parse', () => {
  test('a query whose select does not parse fails with ksqlDB-style position, the text and the fix', () => {
    const s = stack();
    const r = ratings(s);
    const err = thrown(() => new KsqlQuery(s, 'Broken', { sink: QuerySink.stream(), select: ksql`SELECT * FORM ${r}` }));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toContain('app/Broken: select does not parse: line 1:');
    expect(err.message).toContain("got 'SELECT * FORM RATINGS'");
    expect(err.message).toContain('fix the ksqlDB syntax at that position');
  });
});

describe('every source a statement reads exists in the app or is declared external', () => {
  test('an undeclared source is reported with the way to declare it', () => {
    const s = stack();
    ratings(s);
    new KsqlQuery(s, 'Orphan', { sink: QuerySink.stream(), select: ksql`SELECT * FROM MISSING_STREAM EMIT CHANGES` });
    const message = synthErrors(s);
    expect(message).toContain('app/Orphan: select reads MISSING_STREAM');
    expect(message).toContain("KsqlStream.fromName(this, 'MISSING_STREAM', 'MISSING_STREAM')");
  });

  test('a source declared external is accepted', () => {
    const s = stack();
    KsqlStream.fromName(s, 'Legacy', 'LEGACY_EVENTS', { partitions: 3 });
    new KsqlQuery(s, 'FromLegacy', { sink: QuerySink.stream(), select: ksql`SELECT * FROM LEGACY_EVENTS EMIT CHANGES` });
    expect(() => Testing.synth(s, true)).not.toThrow();
  });
});

describe('join inputs are co-partitioned with matching key types', () => {
  test('different partition counts fail with both counts and the fix', () => {
    const s = stack();
    const r = ratings(s, 6);
    const c = customers(s, 2);
    new KsqlQuery(s, 'Enriched', {
      sink: QuerySink.stream(),
      select: ksql`SELECT * FROM ${r} R JOIN ${c} C ON R.USER_ID = C.ID EMIT CHANGES`,
    });
    const message = synthErrors(s);
    expect(message).toContain(
      'app/Enriched: join inputs RATINGS (6 partitions) and CUSTOMERS (2 partitions) are not co-partitioned, got 6 vs 2',
    );
    expect(message).toContain('give both topics the same partition count');
  });

  test('join keys of different types fail with both types and the fix', () => {
    const s = stack();
    const r = ratings(s);
    const c = customers(s, 3, KsqlType.bigint());
    new KsqlQuery(s, 'Enriched', {
      sink: QuerySink.stream(),
      select: ksql`SELECT * FROM ${r} R JOIN ${c} C ON R.USER_ID = C.ID EMIT CHANGES`,
    });
    const message = synthErrors(s);
    expect(message).toContain('join keys RATINGS.USER_ID and CUSTOMERS.ID have different types, got STRING vs BIGINT; CAST one side');
  });

  test('co-partitioned inputs with matching keys synthesize', () => {
    const s = stack();
    const r = ratings(s);
    const c = customers(s);
    new KsqlQuery(s, 'Enriched', {
      sink: QuerySink.stream(),
      select: ksql`SELECT * FROM ${r} R JOIN ${c} C ON R.USER_ID = C.ID EMIT CHANGES`,
    });
    expect(() => Testing.synth(s, true)).not.toThrow();
  });
});

describe("whole-app checks resolve a source name in the query's own stack first", () => {
  function envStack(app: ReturnType<typeof Testing.app>, id: string, ratingsPartitions: number): TerraformStack {
    const s = new TerraformStack(app, id);
    new StreamformCluster(s, 'Cluster', { brokers: 1, endpoints: { bootstrapServers: 'localhost:9092' } });
    const r = ratings(s, ratingsPartitions);
    const c = customers(s, 3);
    new KsqlQuery(s, 'Enriched', {
      sink: QuerySink.stream(),
      select: ksql`SELECT * FROM ${r} R JOIN ${c} C ON R.USER_ID = C.ID EMIT CHANGES`,
    });
    return s;
  }

  test("a stack declared later with the same names neither hides nor borrows the first stack's sources", () => {
    const app = Testing.app();
    const dev = envStack(app, 'dev', 3);
    const prod = envStack(app, 'prod', 6);
    // dev's inputs are co-partitioned (3 and 3); prod's are not (6 and 3). Each stack is judged by its own.
    expect(() => Testing.synth(dev, true)).not.toThrow();
    expect(synthErrors(prod)).toContain(
      'prod/Enriched: join inputs RATINGS (6 partitions) and CUSTOMERS (3 partitions) are not co-partitioned',
    );
  });

  test("a query's columns follow a source declared after they were first asked", () => {
    const s = stack();
    const q = new KsqlQuery(s, 'Copy', { sink: QuerySink.stream(), select: ksql`SELECT ID, AMOUNT FROM LATER_TOO EMIT CHANGES` });
    expect(q.columns).toEqual([
      { name: 'ID', type: 'unknown', key: false },
      { name: 'AMOUNT', type: 'unknown', key: false },
    ]);
    const topic = new Topic(s, 'LaterTooTopic', { topicName: 'later-too', partitions: 1 });
    new KsqlStream(s, 'LaterToo', {
      topic,
      valueFormat: KsqlFormat.JSON,
      columns: [Column.key('ID', KsqlType.bigint()), Column.value('AMOUNT', KsqlType.decimal(10, 2))],
    });
    expect(q.columns).toEqual([
      { name: 'ID', type: 'BIGINT', key: true },
      { name: 'AMOUNT', type: 'DECIMAL(10, 2)', key: false },
    ]);
  });
});

describe('INSERT INTO writes into an existing stream', () => {
  test('the query depends on its sources and its target and is re-created with them', () => {
    const s = stack();
    const r = ratings(s);
    const all = new KsqlStream(s, 'AllRatings', {
      topic: new Topic(s, 'AllTopic', { topicName: 'all-ratings' }),
      valueFormat: KsqlFormat.JSON,
      columns: [Column.key('USER_ID', KsqlType.string()), Column.value('STARS', KsqlType.int())],
    });
    const insert = new KsqlInsertInto(s, 'Copy', { target: all, select: ksql`SELECT USER_ID, STARS FROM ${r} EMIT CHANGES` });
    expect(insert.statement).toBe('INSERT INTO ALL_RATINGS SELECT USER_ID, STARS FROM RATINGS EMIT CHANGES;');
    const query = Object.values<any>(JSON.parse(Testing.synth(s, true)).resource.streamform_ksql_query)[0];
    expect(query.depends_on).toEqual([
      expect.stringMatching(/^streamform_ksql_stream\.Ratings_/),
      expect.stringMatching(/^streamform_ksql_stream\.AllRatings_/),
    ]);
    expect(query.lifecycle.replace_triggered_by).toHaveLength(2);
    expect(query.deletion_protection).toBeUndefined();
  });

  test('a table as target, and an undeclared source, are reported with the fix', () => {
    const s = stack();
    const err = thrown(() => new KsqlInsertInto(s, 'Into', { target: customers(s), select: ksql`SELECT * FROM X EMIT CHANGES` }));
    expect(err.message).toContain(
      "app/Into: target is a table; INSERT INTO only writes into streams, got 'CUSTOMERS'; insert into a stream, or create a table with KsqlQuery and QuerySink.table(...)",
    );
    const external = KsqlStream.fromName(s, 'Legacy', 'LEGACY_EVENTS');
    new KsqlInsertInto(s, 'IntoLegacy', { target: external, select: ksql`SELECT * FROM NOPE EMIT CHANGES` });
    expect(synthErrors(s)).toContain('app/IntoLegacy: select reads NOPE, got a name no stream or table of the app has');
  });
});

describe('things that exist outside the app are imported with fromXxx', () => {
  test('Schema.fromSubject: referenced by name and version, never depended on; an Avro format gives stream columns', () => {
    const s = stack();
    const money = Schema.fromSubject(s, 'Money', 'shared-money-value', {
      format: SchemaFormat.avro({ type: 'record', name: 'Money', fields: [{ name: 'amount', type: 'long' }] }),
    });
    expect([money.external, money.dependable]).toEqual([true, undefined]);
    const topic = new Topic(s, 'Payments', { topicName: 'payments' });
    new Schema(s, 'PaymentsValue', {
      topic,
      format: SchemaFormat.avro({ type: 'record', name: 'Payment', fields: [{ name: 'money', type: 'Money' }] }),
      references: [{ name: 'Money', schema: money, version: 3 }],
    });
    const stream = new KsqlStream(s, 'Amounts', { topic, valueFormat: KsqlFormat.AVRO, valueSchema: money });
    expect(stream.columns).toEqual([{ name: 'AMOUNT', type: 'BIGINT', key: false }]);
    const json = JSON.parse(Testing.synth(s, true));
    const schema = Object.values<any>(json.resource.streamform_schema)[0];
    expect(schema.references).toEqual([{ name: 'Money', subject: 'shared-money-value', version: 3 }]);
    expect(schema.depends_on).toEqual([expect.stringMatching(/^streamform_topic\.Payments_/)]);
  });

  test('a stream cannot derive columns from an external subject of unknown format', () => {
    const s = stack();
    const err = thrown(
      () =>
        new KsqlStream(s, 'Amounts', {
          topic: Topic.fromTopicName(s, 'Payments', 'payments'),
          valueFormat: KsqlFormat.AVRO,
          valueSchema: Schema.fromSubject(s, 'Money', 'shared-money-value'),
        }),
    );
    expect(err.message).toContain(
      "app/Amounts: valueSchema has no known format, so columns cannot be derived from it, got 'shared-money-value'; list the columns",
    );
  });

  test('Connector.fromName and KsqlTable.fromName return the interfaces, marked external', () => {
    const s = stack();
    const orders = Topic.fromTopicName(s, 'Orders', 'orders', { partitions: 6 });
    const cdc = Connector.fromName(s, 'OrdersCdc', 'orders-cdc', {
      connectorClass: 'io.debezium.connector.postgresql.PostgresConnector',
      writes: [orders],
    });
    expect([cdc.connectorName, cdc.external, cdc.dependable, cdc.writes, cdc.reads]).toEqual(['orders-cdc', true, undefined, [orders], []]);
    const customers = KsqlTable.fromName(s, 'Customers', 'CUSTOMERS', { partitions: 6 });
    expect([customers.kind, customers.external, customers.partitions]).toEqual(['TABLE', true, 6]);
  });
});

describe("persistent queries follow ksqlDB's column and key rules, like the local engine", () => {
  /** Runs the constructs' statements on the local engine; returns its refusal, if any. */
  function engineRefusal(statements: readonly string[]): string | undefined {
    const engine = new KsqlEngine({ autoCreateTopics: true });
    try {
      for (const sql of statements) engine.execute(sql);
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  }

  const cases: [string, string, string | undefined][] = [
    ['a stream-table join selecting ROWKEY', 'SELECT ROWKEY AS K, R.STARS, C.NAME', "SELECT column 'ROWKEY' cannot be resolved."],
    [
      'a stream-table join without its join key',
      'SELECT R.STARS, C.NAME',
      'The query used to build `ENRICHED` must include the join expressions R.USER_ID or C.ID in its projection (eg, SELECT R.USER_ID...).',
    ],
    [
      'a join key projected twice',
      'SELECT R.USER_ID AS A, R.USER_ID AS B, C.NAME',
      'The projection contains a key column (`R_USER_ID`) more than once, aliased as: A and B.',
    ],
    ['a stream-table join projecting its key', 'SELECT R.USER_ID, R.STARS, C.NAME', undefined],
    ['a stream-table join projecting the table side of the key', 'SELECT C.ID, R.STARS, C.NAME', undefined],
  ];

  test.each(cases)('%s: the construct and the engine agree', (_name, projection, refusal) => {
    const s = stack();
    const r = ratings(s);
    const c = customers(s);
    const q = new KsqlQuery(s, 'Enriched', {
      sink: QuerySink.stream(),
      select: new KsqlText(`${projection} FROM ${r.sourceName} R JOIN ${c.sourceName} C ON R.USER_ID = C.ID EMIT CHANGES`, [r, c]),
    });
    const engine = engineRefusal([r.statement, c.statement, q.statement]);
    if (refusal === undefined) {
      expect(() => Testing.synth(s, true)).not.toThrow();
      expect(engine).toBeUndefined();
    } else {
      const message = synthErrors(s);
      expect(message).toContain('app/Enriched: ksqlDB refuses the query, got: ');
      expect(message).toContain(refusal);
      expect(engine).toContain(refusal);
    }
  });

  test('key columns of a single source and GROUP BY expressions', () => {
    const s = stack();
    const r = ratings(s);
    const missingKey = new KsqlQuery(s, 'Stars', { sink: QuerySink.stream(), select: ksql`SELECT STARS FROM ${r} EMIT CHANGES` });
    const grouped = new KsqlQuery(s, 'PerChannel', {
      sink: QuerySink.table(),
      select: ksql`SELECT COUNT(*) AS N FROM ${r} GROUP BY CHANNEL EMIT CHANGES`,
    });
    const message = synthErrors(s);
    const keyColumn = 'The query used to build `STARS` must include the key column USER_ID in its projection (eg, SELECT USER_ID...).';
    const grouping =
      'The query used to build `PER_CHANNEL` must include the grouping expression CHANNEL in its projection (eg, SELECT CHANNEL...).';
    expect(message).toContain(keyColumn);
    expect(message).toContain(grouping);
    expect(engineRefusal([r.statement, missingKey.statement])).toContain(keyColumn);
    expect(engineRefusal([r.statement, grouped.statement])).toContain(grouping);
  });
});

describe('names are unique and legal', () => {
  test('an illegal topic name', () => {
    const s = stack();
    new Topic(s, 'Bad', { topicName: 'ratings/eu' });
    expect(synthErrors(s)).toContain(
      'app/Bad: topicName must be 1-249 characters of letters, digits, ".", "_" or "-", and not "." or "..", got \'ratings/eu\'; rename the topic, e.g. "ratings-enriched"',
    );
  });

  test('a ksqlDB name that is a reserved word', () => {
    const s = stack();
    const topic = new Topic(s, 'T', { topicName: 't' });
    const err = thrown(
      () => new KsqlStream(s, 'S', { name: 'SELECT', topic, valueFormat: KsqlFormat.JSON, columns: [Column.value('A', KsqlType.int())] }),
    );
    expect(err.message).toContain("app/S: name is a reserved word in ksqlDB, got 'SELECT'; choose another name");
  });

  test('two topics with one name', () => {
    const s = stack();
    new Topic(s, 'A', { topicName: 'orders' });
    new Topic(s, 'B', { topicName: 'orders' });
    expect(synthErrors(s)).toContain('app/B/Resource: topic orders is declared twice, got it also at app/A/Resource');
  });
});

describe('replication factor fits the environment', () => {
  test('more replicas than brokers fails with the broker count', () => {
    const s = stack(1);
    new Topic(s, 'T', { topicName: 'orders', replicationFactor: 3 });
    const message = synthErrors(s);
    expect(message).toContain(
      "app/T: replicationFactor must be between 1 and the 1 broker(s) of this environment, got 3; use at most 1, or leave it unset to get the environment's default",
    );
    // reported once, not by the construct and again by the whole-app rule
    expect(message.split('replicationFactor must be').length - 1).toBe(1);
  });
});

describe('time values are Durations the destination can hold', () => {
  function topicConfig(props: Omit<TopicProps, 'topicName'>): Record<string, string> | undefined {
    const s = stack();
    new Topic(s, 'T', { topicName: 'orders', ...props });
    return Object.values<any>(JSON.parse(Testing.synth(s)).resource.streamform_topic)[0].config;
  }

  test('retention is written as retention.ms; retainForever as -1', () => {
    expect(topicConfig({ retention: Duration.days(7) })).toEqual({ 'retention.ms': '604800000' });
    expect(topicConfig({ retention: Duration.hours(36) })).toEqual({ 'retention.ms': '129600000' });
    expect(topicConfig({ retainForever: true })).toEqual({ 'retention.ms': '-1' });
    expect(topicConfig({})).toBeUndefined();
  });

  test('a zero retention, and retention with retainForever, are refused with the fix', () => {
    const zero = stack();
    new Topic(zero, 'T', { topicName: 'orders', retention: Duration.days(0) });
    expect(synthErrors(zero)).toContain("app/T: retention must be a positive length of time, got '0 days'; give e.g. Duration.days(7)");
    const both = stack();
    new Topic(both, 'T', { topicName: 'orders', retention: Duration.days(1), retainForever: true });
    expect(synthErrors(both)).toContain(
      "app/T: retention is given with retainForever, got '1 day'; give one of retention and retainForever",
    );
  });

  test("a sink topic copies its source's retention; an explicit one is written into the statement", () => {
    const s = stack();
    const source = new KsqlStream(s, 'Orders', {
      topic: new Topic(s, 'OrdersTopic', { topicName: 'orders', retainForever: true }),
      valueFormat: KsqlFormat.JSON,
      columns: [Column.value('AMOUNT', KsqlType.int())],
    });
    const copy = new KsqlQuery(s, 'Copy', { sink: QuerySink.stream(), select: ksql`SELECT * FROM ${source} EMIT CHANGES` });
    const week = new KsqlQuery(s, 'Week', {
      sink: QuerySink.stream({ topic: { retention: Duration.days(7) } }),
      select: ksql`SELECT * FROM ${source} EMIT CHANGES`,
    });
    expect([copy.topic.retentionMs, week.topic.retentionMs]).toEqual(['-1', '604800000']);
    expect(copy.statement).not.toContain('RETENTION_MS');
    expect(week.statement).toContain('RETENTION_MS=604800000');
  });

  test("a connector's running timeout is whole seconds", () => {
    const connector = (runningTimeout: Duration) => (s: TerraformStack) =>
      new Connector(s, 'C', { connectorName: 'c', config: { 'connector.class': 'x.Y' }, runningTimeout });
    const s = stack();
    connector(Duration.minutes(3))(s);
    expect(Object.values<any>(JSON.parse(Testing.synth(s)).resource.streamform_connector)[0].running_timeout_seconds).toBe(180);
    const bad = stack();
    connector(Duration.millis(1500))(bad);
    expect(synthErrors(bad)).toContain("app/C: runningTimeout must be a whole number of seconds, got '1500 milliseconds'");
  });
});

describe('no secret appears as a literal in synthesized JSON', () => {
  test('a connector password written as a literal is refused at synth, once, without showing it', () => {
    const s = stack();
    new Connector(s, 'Cdc', {
      connectorName: 'cdc',
      config: { 'connector.class': 'x.Y', 'database.password': 'hunter2' },
    });
    const message = synthErrors(s);
    expect(message).toContain("app/Cdc: config['database.password'] is a secret written as a literal");
    expect(message).toContain('Secret.fromVariable');
    expect(message).not.toContain('hunter2');
    // the construct's report, not also the stack-wide scan's
    expect(message.split('database.password').length - 1).toBe(1);
  });

  test('a literal secret anywhere in a resource (a container environment) fails the synth', () => {
    const s = stack();
    new DockerService(s, 'Db', {
      name: 'db',
      image: LOCAL_IMAGES.mariadb,
      networkName: 'net',
      env: { MARIADB_ROOT_PASSWORD: 'hunter2' },
    });
    const message = synthErrors(s);
    expect(message).toContain('app/Db/Container: env[0] (MARIADB_ROOT_PASSWORD) holds a secret as a literal');
  });

  test('secrets through variables and Connect placeholders pass', () => {
    const s = stack();
    new Connector(s, 'Cdc', {
      connectorName: 'cdc',
      config: { 'connector.class': 'x.Y' },
      secrets: { 'database.password': Secret.fromVariable(s, 'db_password'), 'api.key': Secret.connectEnv('API_KEY') },
    });
    const json = JSON.parse(Testing.synth(s, true));
    const connector = Object.values<any>(json.resource.streamform_connector)[0];
    expect(connector.sensitive_config).toEqual({ 'database.password': '${var.db_password}', 'api.key': '$${env:API_KEY}' });
    expect(json.variable.db_password).toMatchObject({ sensitive: true, type: 'string' });
  });
});

describe('all errors are reported at once', () => {
  test('several problems of one construct come in one error', () => {
    const s = stack(1);
    new Topic(s, 'T', { topicName: '', partitions: 0, replicationFactor: 2 });
    const lines = synthErrors(s)
      .split('\n')
      .filter((l) => l.includes('app/T:'));
    expect(lines.map((l) => /app\/T: (\w+)/.exec(l)?.[1]).sort()).toEqual(['partitions', 'replicationFactor', 'topicName']);
  });

  test('three bad topics are all reported, with every other problem of the app, in one synth error', () => {
    const s = stack(1);
    new Topic(s, 'A', { topicName: 'a/b' });
    new Topic(s, 'B', { topicName: 'b', partitions: 0 });
    new Topic(s, 'C', { topicName: 'c', replicationFactor: 3 });
    new KsqlQuery(s, 'Q', { sink: QuerySink.stream(), select: ksql`SELECT * FROM NOPE EMIT CHANGES` });
    const message = synthErrors(s);
    expect(message).toContain('app/A: topicName must be 1-249 characters');
    expect(message).toContain('app/B: partitions must be a whole number from 1 to');
    expect(message).toContain('app/C: replicationFactor must be between 1 and the 1 broker(s)');
    expect(message).toContain('app/Q: select reads NOPE');
  });

  test('problems of several constructs come in one synth error', () => {
    const s = stack();
    ratings(s);
    new KsqlQuery(s, 'A', { sink: QuerySink.stream(), select: ksql`SELECT * FROM NOPE_A EMIT CHANGES` });
    new KsqlQuery(s, 'B', { sink: QuerySink.stream(), select: ksql`SELECT * FROM NOPE_B EMIT CHANGES` });
    const message = synthErrors(s);
    expect(message).toContain('select reads NOPE_A');
    expect(message).toContain('select reads NOPE_B');
  });
});

describe("users' environments: provider secrets and production defaults", () => {
  test('a password set on the provider config (a literal, or process.env read at synth) is refused at synth with the fix', () => {
    const s = stack();
    const cluster = StreamformCluster.of(new Topic(s, 'T', { topicName: 't' }));
    process.env.SF_TEST_KAFKA_PASSWORD = 'hunter2';
    cluster.provider.kafkaSaslPassword = process.env.SF_TEST_KAFKA_PASSWORD;
    cluster.provider.kafkaSaslUsername = 'alice';
    const message = synthErrors(s);
    expect(message).toContain(
      "app/Cluster/Provider: kafka_sasl_password holds a secret as a literal, got a plain value (a value read from process.env at synth is one too: it is written into cdk.tf.json); leave it unset and give the provider STREAMFORM_KAFKA_SASL_PASSWORD in OpenTofu's environment, or a Terraform variable (TF_VAR_...) reference",
    );
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('kafka_sasl_username');
    // a variable reference is no literal
    cluster.provider.kafkaSaslPassword = Secret.fromVariable(s, 'kafka_password').value;
    expect(() => Testing.synth(s, true)).not.toThrow();
  });

  test('a prod stack, or a cluster marked production, protects by default; protect: false still wins', () => {
    const protectOf = (id: string, props: { production?: boolean; protect?: boolean } = {}) =>
      new StreamformCluster(new TerraformStack(Testing.app(), id), 'Cluster', { brokers: 1, ...props }).protect;
    expect(['orders-prod', 'prod', 'orders_production', 'citibike-dev', 'product-catalog-dev'].map((id) => protectOf(id))).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(protectOf('orders-live', { production: true })).toBe(true);
    expect(protectOf('orders-prod', { protect: false })).toBe(false);
  });
});

describe('names follow ksqlDB: unquoted is upper case', () => {
  test('lower-case column and stream names are upper-cased, so unquoted references in queries resolve; back quotes keep the case', () => {
    const s = stack();
    const topic = new Topic(s, 'T', { topicName: 'trips' });
    const trips = new KsqlStream(s, 'Trips', {
      name: 'trips',
      topic,
      valueFormat: KsqlFormat.JSON,
      timestampColumn: 'started_at',
      columns: [
        Column.value('trip_id', KsqlType.string()),
        Column.value('duration', KsqlType.int()),
        Column.value('started_at', KsqlType.bigint()),
        Column.value('`rider_type`', KsqlType.string()),
      ],
    });
    expect(trips.statement).toBe(
      "CREATE STREAM TRIPS (TRIP_ID STRING, DURATION INTEGER, STARTED_AT BIGINT, `rider_type` STRING) WITH (KAFKA_TOPIC='trips', KEY_FORMAT='KAFKA', VALUE_FORMAT='JSON', TIMESTAMP='STARTED_AT');",
    );
    new KsqlQuery(s, 'Long', {
      sink: QuerySink.stream({ name: 'long_trips' }),
      select: ksql`SELECT trip_id, Duration FROM ${trips} WHERE duration > 600 EMIT CHANGES`,
    });
    expect(() => Testing.synth(s, true)).not.toThrow();
    // an unknown column still fails at synth, naming it
    new KsqlQuery(s, 'Bad', {
      sink: QuerySink.stream({ name: 'bad_trips' }),
      select: ksql`SELECT trip_id, bike_id FROM ${trips} EMIT CHANGES`,
    });
    expect(synthErrors(s)).toContain("app/Bad: ksqlDB refuses the query, got: SELECT column 'BIKE_ID' cannot be resolved.");
  });
});
