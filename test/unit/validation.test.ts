/**
 * Synth-time validation, rule by rule: each failure names the construct path, the value and the
 * fix, and all failures are reported at once. Synthesis only; no servers.
 */
import { TerraformStack, Testing } from 'cdktf';
import {
  Column,
  Connector,
  KsqlFormat,
  KsqlQuery,
  KsqlStream,
  KsqlTable,
  KsqlType,
  QuerySink,
  Secret,
  StreamformCluster,
  Topic,
  ValidationError,
  ksql,
  KsqlText,
} from '../../constructs';
import { KsqlEngine } from '../../src/tools/ksqldb/engine/engine';
import { DockerService } from '../../constructs/platform/docker-service';
import { LOCAL_IMAGES } from '../../constructs/platform/images';

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
    const err = thrown(() => new Topic(stack(), 'Bad', { topicName: 'ratings/eu' }));
    expect(err.message).toBe(
      'streamform: 1 invalid setting\n' +
        '  - app/Bad: topicName must be 1-249 characters of letters, digits, ".", "_" or "-", and not "." or "..", got \'ratings/eu\'; rename the topic, e.g. "ratings-enriched"',
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
    const err = thrown(() => new Topic(stack(1), 'T', { topicName: 'orders', replicationFactor: 3 }));
    expect(err.message).toContain(
      'app/T: replicationFactor must be between 1 and the 1 broker(s) of this environment, got 3; use at most 1',
    );
  });
});

describe('no secret appears as a literal in synthesized JSON', () => {
  test('a connector password written as a literal is refused at construction, without showing it', () => {
    const err = thrown(
      () =>
        new Connector(stack(), 'Cdc', {
          connectorName: 'cdc',
          config: { 'connector.class': 'x.Y', 'database.password': 'hunter2' },
        }),
    );
    expect(err.message).toContain("app/Cdc: config['database.password'] is a secret written as a literal");
    expect(err.message).toContain('Secret.fromVariable');
    expect(err.message).not.toContain('hunter2');
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
    const err = thrown(() => new Topic(stack(1), 'T', { topicName: '', partitions: 0, replicationFactor: 2 }));
    expect((err as ValidationError).issues.map((i) => i.field)).toEqual(['topicName', 'partitions', 'replicationFactor']);
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
