/**
 * Issue 11, items 3, 6 and 7: query properties checked against the names ksqlDB knows (core,
 * provider, constructs and the local server); truthful plan text around queries (a terminated
 * query restarts under a new id, a sink with several writers is replaced, destroy stops only the
 * queries it manages and names the others); ksqlDB's errors with the statement and without the
 * Java stack trace.
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import { TerraformStack, Testing } from 'cdktf';
import {
  Column,
  KsqlFormat,
  KsqlInsertInto,
  KsqlQuery,
  KsqlStream,
  KsqlType,
  QuerySink,
  StreamformCluster,
  Topic,
  ksql,
} from '../../constructs';
import { closestProperty, isKnownProperty, propertyProblems } from '../../src/core/ksql';
import { KsqlClient, KsqlError, withoutStackTrace } from '../../src/provider/clients/ksqldb';
import { DiagnosticError } from '../../src/provider/framework/resource';
import { UNKNOWN } from '../../src/provider/plugin/cty';
import { ksqlQueryResource } from '../../src/provider/resources/ksql/query';
import { ksqlStreamResource } from '../../src/provider/resources/ksql/source';
import { checkProperties } from '../../src/tools/ksqldb/server/properties';
import { ServerError } from '../../src/tools/ksqldb/server/errors';
import { fakeClients, FakeKsql } from '../support/fake-servers';
import { Driver, texts } from '../support/provider-driver';

const RATINGS = "CREATE STREAM RATINGS (USER_ID STRING KEY, STARS INT, CHANNEL STRING) WITH (KAFKA_TOPIC='ratings', VALUE_FORMAT='JSON');";
const live = (where: string) => `CREATE STREAM LIVE WITH (KAFKA_TOPIC='live') AS SELECT * FROM RATINGS WHERE ${where} EMIT CHANGES;`;

/** The message apply failed with (the framework turns it into OpenTofu's diagnostic). */
async function failure(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error('expected apply to fail');
  return err.message;
}

async function setup() {
  const ksqlDb = new FakeKsql();
  await ksqlDb.command(RATINGS);
  const query = () => new Driver(ksqlQueryResource, fakeClients({ ksqldb: ksqlDb }));
  const stream = () => new Driver(ksqlStreamResource, fakeClients({ ksqldb: ksqlDb }));
  return { ksqlDb, query, stream };
}

// ------------------------------------------------------------------------------ item 3: properties

describe("property names ksqlDB's strict resolver knows", () => {
  test.each([
    'auto.offset.reset',
    'ksql.streams.auto.offset.reset',
    'cache.max.bytes.buffering',
    'ksql.streams.num.stream.threads',
    'consumer.max.poll.records',
    'producer.acks',
    'ksql.streams.producer.linger.ms',
    'ksql.fail.on.deserialization.error',
    'ksql.query.pull.table.scan.enabled',
    'ksql.functions.collect_list.limit',
    'ksql.streams.topic.min.insync.replicas',
    'processing.guarantee',
    'ssl.truststore.location',
  ])('%s is known', (name) => expect(isKnownProperty(name)).toBe(true));

  test.each([
    'auto.offest.reset',
    'ksql.no.such.setting',
    'ksql.streams.no.such.setting',
    'consumer.acks', // a producer setting under the consumer prefix
    'producer.max.poll.records',
    'topic.no.such',
    'main.consumer.max.poll.records', // Kafka Streams has it; ksqlDB's strict resolver does not
    'AUTO.OFFSET.RESET',
  ])('%s is refused', (name) => expect(isKnownProperty(name)).toBe(false));

  test('the closest known name is suggested for a typo, none for something far from every name', () => {
    expect(closestProperty('auto.offest.reset')).toBe('auto.offset.reset');
    expect(closestProperty('ksql.streams.num.stream.thread')).toBe('ksql.streams.num.stream.threads');
    expect(closestProperty('comit.interval.ms')).toBe('commit.interval.ms');
    expect(closestProperty('completely.unrelated.words.here')).toBeUndefined();
    expect(propertyProblems({ 'auto.offset.reset': 'earliest', 'auto.offest.reset': 'earliest' })).toEqual([
      {
        name: 'auto.offest.reset',
        message: "Not recognizable as ksql, streams, consumer, or producer property: 'auto.offest.reset'",
        suggestion: 'auto.offset.reset',
        fix: "did you mean 'auto.offset.reset'?",
      },
    ]);
  });

  test('the local ksqlDB refuses an unknown name as a server error with ksqlDB message', () => {
    expect(() => checkProperties({ 'auto.offset.reset': 'earliest', 'consumer.max.poll.records': '10' })).not.toThrow();
    let err: unknown;
    try {
      checkProperties({ 'ksql.no.such.setting': 'x' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ServerError);
    expect((err as Error).message).toBe("Not recognizable as ksql, streams, consumer, or producer property: 'ksql.no.such.setting'");
  });
});

describe('streamform_ksql_query checks streams_properties before anything is sent', () => {
  test('a misspelt name fails validation naming the property, ksqlDB message and the closest name', async () => {
    const { ksqlDb, query } = await setup();
    const diagnostics = query().validate({ statement: live('STARS > 2'), streams_properties: { 'auto.offest.reset': 'earliest' } });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: 'ERROR', path: ['streams_properties', 'auto.offest.reset'] });
    expect(texts(diagnostics)[0]).toBe(
      "Unknown ksqlDB property 'auto.offest.reset': streams_properties has 'auto.offest.reset', a name ksqlDB does not know: it would refuse the query at apply with \"Not recognizable as ksql, streams, consumer, or producer property: 'auto.offest.reset'\". Fix: did you mean 'auto.offset.reset'?",
    );
    expect(ksqlDb.sent).toEqual([RATINGS]);
  });

  test('known names (plain and prefixed) pass, and an unknown map is not judged', async () => {
    const { query } = await setup();
    expect(
      query().validate({
        statement: live('STARS > 2'),
        streams_properties: { 'auto.offset.reset': 'earliest', 'ksql.streams.producer.linger.ms': '5', 'consumer.fetch.min.bytes': '1' },
      }),
    ).toEqual([]);
    expect(query().validate({ statement: live('STARS > 2'), streams_properties: UNKNOWN as never })).toEqual([]);
  });
});

describe('KsqlQuery and KsqlInsertInto check their properties at synth', () => {
  function stack() {
    const s = new TerraformStack(Testing.app(), 'app');
    new StreamformCluster(s, 'Cluster', { brokers: 1, endpoints: { bootstrapServers: 'localhost:9092' } });
    const ratings = new KsqlStream(s, 'Ratings', {
      topic: new Topic(s, 'RatingsTopic', { topicName: 'ratings', partitions: 1 }),
      valueFormat: KsqlFormat.JSON,
      columns: [Column.key('USER_ID', KsqlType.string()), Column.value('STARS', KsqlType.int())],
    });
    return { s, ratings };
  }

  test('a misspelt property names the construct path, the name and the closest known name', () => {
    const { s, ratings } = stack();
    expect(
      () =>
        new KsqlQuery(s, 'Live', {
          sink: QuerySink.stream(),
          select: ksql`SELECT * FROM ${ratings} EMIT CHANGES`,
          properties: { 'auto.offest.reset': 'latest' },
        }),
    ).toThrow(
      "app/Live: properties['auto.offest.reset'] is not a property ksqlDB knows (it would refuse the query: Not recognizable as ksql, streams, consumer, or producer property: 'auto.offest.reset'), got 'auto.offest.reset'; did you mean 'auto.offset.reset'?",
    );
    expect(
      () =>
        new KsqlInsertInto(s, 'Copy', {
          target: ratings,
          select: ksql`SELECT * FROM ${ratings} EMIT CHANGES`,
          properties: { 'ksql.streams.num.stream.thread': '2' },
        }),
    ).toThrow(/app\/Copy: properties\['ksql\.streams\.num\.stream\.thread'\] .*did you mean 'ksql\.streams\.num\.stream\.threads'\?/);
  });

  test('known properties synthesize, with the default offset reset', () => {
    const { s, ratings } = stack();
    new KsqlQuery(s, 'Live', {
      sink: QuerySink.stream(),
      select: ksql`SELECT * FROM ${ratings} EMIT CHANGES`,
      properties: { 'ksql.streams.num.stream.threads': '2' },
    });
    const q = Object.values<any>(JSON.parse(Testing.synth(s, true)).resource.streamform_ksql_query)[0];
    expect(q.streams_properties).toEqual({ 'auto.offset.reset': 'earliest', 'ksql.streams.num.stream.threads': '2' });
  });
});

// --------------------------------------------------------------------------- item 6: plan text

describe('truthful plan text', () => {
  test('a query terminated outside streamform restarts under a new id from the configured offset reset', async () => {
    const { ksqlDb, query } = await setup();
    const config = { statement: live('STARS > 2'), streams_properties: { 'auto.offset.reset': 'earliest' } };
    const { state } = await query().applyConfig(null, config);
    ksqlDb.terminateOutside(state!.query_id!);
    const refreshed = (await query().read(state!))!;
    const plan = await query().plan(refreshed, config);
    expect(plan.errors).toEqual([]);
    expect(plan.planned!.query_id).toBe(UNKNOWN);
    const [text] = texts(plan.warnings);
    expect(text).toMatch(/^The query of LIVE is not running: /);
    expect(text).toContain('ksqlDB deleted its consumer group');
    expect(text).toContain('as a new query under a new query id');
    expect(text).toContain('from the earliest retained offset (auto.offset.reset=earliest)');
    expect(text).not.toMatch(/resumes from its committed offsets/);

    const latest = await query().plan(refreshed, { ...config, streams_properties: { 'ksql.streams.auto.offset.reset': 'latest' } });
    expect(texts(latest.warnings)[0]).toContain('records that arrived while it was stopped are not processed');
    const unset = await query().plan(refreshed, { statement: config.statement });
    expect(texts(unset.warnings)[0]).toContain("from the offset the server's auto.offset.reset gives (ksqlDB's default is latest");

    const { state: restarted } = await query().applyConfig(refreshed, config);
    expect(restarted!.query_id).not.toBe(state!.query_id);
    expect(ksqlDb.queries.has(restarted!.query_id!)).toBe(true);
  });

  test('a sink another query writes into plans a replacement with the reason, not an error', async () => {
    const { ksqlDb, query } = await setup();
    const { state } = await query().applyConfig(null, { statement: live('STARS > 2') });
    await ksqlDb.command('INSERT INTO LIVE SELECT * FROM RATINGS WHERE STARS < 2 EMIT CHANGES;');
    // ksqlDB's own answer to the CREATE OR REPLACE (QueryIdUtil), should the plan ask it.
    ksqlDb.refuse = (s) =>
      s.kind === 'createStreamAs' && s.orReplace
        ? 'REPLACE for sink LIVE is not supported because there are multiple queries writing into it: [CSAS_LIVE_1, INSERTQUERY_2]'
        : undefined;
    const plan = await query().plan(state, { statement: live('STARS > 3') });
    expect(plan.errors).toEqual([]);
    expect(plan.requiresReplace).toEqual(['statement']);
    const [text] = texts(plan.warnings);
    expect(text).toMatch(/^ksqlDB cannot change LIVE in place: another query writes into LIVE \(INSERTQUERY_2\)/);
    expect(text).toContain('TERMINATE INSERTQUERY_2;');
  });

  test("destroying a query's sink terminates its own query, and names another writer as a blocker with the fix", async () => {
    const { ksqlDb, query } = await setup();
    const { state } = await query().applyConfig(null, { statement: live('STARS > 2') });
    await ksqlDb.command('INSERT INTO LIVE SELECT * FROM RATINGS WHERE STARS < 2 EMIT CHANGES;');
    const text = await failure(query().applyPlan(state, await query().plan(state, null)));
    expect(text).toMatch(/^Cannot drop LIVE: other queries use it: /);
    expect(text).toContain('Queries writing into LIVE: INSERTQUERY_2 (INSERT INTO LIVE SELECT * FROM RATINGS WHERE STARS < 2');
    expect(text).toContain('Fix: terminate them in ksqlDB (TERMINATE INSERTQUERY_2;)');
    // The foreign query still runs; nothing was dropped.
    expect(ksqlDb.queries.has('INSERTQUERY_2')).toBe(true);
    expect(ksqlDb.sources.has('LIVE')).toBe(true);

    await ksqlDb.command('TERMINATE INSERTQUERY_2;');
    await query().applyPlan(state, await query().plan(state, null));
    expect(ksqlDb.sources.has('LIVE')).toBe(false);
    expect(ksqlDb.sent.slice(-2)).toEqual(['TERMINATE CSAS_LIVE_1;', 'DROP STREAM IF EXISTS LIVE;']);
  });

  test('destroying a stream that a query outside this configuration reads reports that query by name', async () => {
    const { ksqlDb, stream } = await setup();
    const { state } = await stream().applyConfig(null, {
      statement: RATINGS.replace('RATINGS', 'EVENTS').replace("'ratings'", "'events'"),
    });
    const reader = {
      queryString: 'CREATE STREAM FOREIGN_COPY AS SELECT * FROM EVENTS EMIT CHANGES;',
      sinks: ['FOREIGN_COPY'],
      id: 'CSAS_FOREIGN_COPY_9',
    };
    ksqlDb.sources.get('EVENTS')!.readQueries.push(reader);
    const text = await failure(stream().applyPlan(state, await stream().plan(state, null)));
    expect(text).toContain('ksqlDB refuses to drop Stream EVENTS while other queries use it');
    expect(text).toContain(
      'Queries reading EVENTS: CSAS_FOREIGN_COPY_9 (CREATE STREAM FOREIGN_COPY AS SELECT * FROM EVENTS EMIT CHANGES;)',
    );
    expect(text).toContain('TERMINATE CSAS_FOREIGN_COPY_9;');
    expect(ksqlDb.sources.has('EVENTS')).toBe(true);
    expect(ksqlDb.sent.filter((s) => s.startsWith('TERMINATE') || s.startsWith('DROP'))).toEqual([]);
  });
});

// ------------------------------------------------------------------------ item 7: clear errors

const STACK = [
  'io.confluent.ksql.util.KsqlStatementException: Invalid result type. Your SELECT query produces a STREAM.',
  'Statement: CREATE TABLE T AS SELECT * FROM RATINGS EMIT CHANGES;',
  '\tat io.confluent.ksql.engine.EngineExecutor.plan(EngineExecutor.java:802)',
  '\tat io.confluent.ksql.engine.KsqlEngine.execute(KsqlEngine.java:431)',
  'Caused by: io.confluent.ksql.util.KsqlException: Invalid result type. Your SELECT query produces a STREAM.',
  '\tat io.confluent.ksql.planner.LogicalPlanner.buildOutputNode(LogicalPlanner.java:120)',
  '\t... 17 more',
].join('\n');

describe("ksqlDB's errors, clearly", () => {
  test('a Java stack trace is reduced to its messages', () => {
    expect(withoutStackTrace(STACK)).toBe(
      'Invalid result type. Your SELECT query produces a STREAM.\nStatement: CREATE TABLE T AS SELECT * FROM RATINGS EMIT CHANGES;',
    );
    expect(withoutStackTrace('Source `X` does not exist.')).toBe('Source `X` does not exist.');
    expect(new KsqlError(200, undefined, STACK).ksqlMessage).not.toContain('EngineExecutor');
  });

  test('apply reports the resource action, the statement and ksqlDB message without the stack trace', async () => {
    const { ksqlDb, query } = await setup();
    ksqlDb.refuse = (s) => (s.kind === 'createStreamAs' && !s.orReplace && s.text.includes('STARS > 2') ? STACK : undefined);
    const plan = await query().plan(null, { statement: live('STARS > 9') });
    ksqlDb.refuse = (s) => (s.kind === 'createStreamAs' ? STACK : undefined);
    const err = await query()
      .applyPlan(null, plan)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(DiagnosticError);
    const { diagnostic } = err as DiagnosticError;
    expect(diagnostic.summary).toBe('ksqlDB refused to create LIVE');
    expect(diagnostic.path).toEqual(['statement']);
    expect(diagnostic.detail).toBe(
      `ksqlDB says (error 40001): Invalid result type. Your SELECT query produces a STREAM.\nStatement: ${live('STARS > 9')}`,
    );
  });

  describe('the REST client against a server answering like ksqlDB', () => {
    let server: http.Server;
    let url: string;
    let answer: (req: http.IncomingMessage, body: any) => { status: number; body: unknown };

    beforeAll(async () => {
      server = http.createServer((req, res) => {
        let raw = '';
        req.on('data', (c) => (raw += c));
        req.on('end', () => {
          const { status, body } = answer(req, raw ? JSON.parse(raw) : undefined);
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const client = () => new KsqlClient({ url }, { attempts: 1, pollIntervalMs: 10, commandTimeoutMs: 5000 });
    const statement = "CREATE STREAM S (ID STRING KEY) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='AVRO', PARTITIONS=1);";

    async function failure(fn: () => Promise<unknown>): Promise<KsqlError> {
      try {
        await fn();
      } catch (err) {
        if (err instanceof KsqlError) return err;
        throw err;
      }
      throw new Error('expected a KsqlError');
    }

    test('HTTP 500 statement error (unknown property): message, code and hint', async () => {
      answer = (_req, body) => ({
        status: 500,
        body: {
          '@type': 'statement_error',
          error_code: 50000,
          message: `Not recognizable as ksql, streams, consumer, or producer property: '${Object.keys(body.streamsProperties)[0]}'`,
          statementText: body.ksql,
          entities: [],
        },
      });
      const err = await failure(() => client().command(statement, { 'auto.offest.reset': 'earliest' }));
      expect([err.status, err.errorCode, err.statementText]).toEqual([500, 50000, statement]);
      expect(err.ksqlMessage).toBe("Not recognizable as ksql, streams, consumer, or producer property: 'auto.offest.reset'");
      expect(err.hint).toBe('check the names in streams_properties');
    });

    test('HTTP 428, error 42801: no Schema Registry, with the fix', async () => {
      answer = () => ({
        status: 428,
        body: { '@type': 'generic_error', error_code: 42801, message: 'Schema registry fetch for topic s request failed.' },
      });
      const err = await failure(() => client().command(statement));
      expect(err.errorCode).toBe(42801);
      expect(err.hint).toContain('set ksql.schema.registry.url on the ksqlDB server');
    });

    test('a command polled on /status that ends in ERROR rejects with the message, without the stack trace', async () => {
      answer = (req) =>
        req.url === '/ksql'
          ? {
              status: 200,
              body: [
                {
                  '@type': 'currentStatus',
                  statementText: statement,
                  commandId: 'stream/`S`/create',
                  commandStatus: { status: 'EXECUTING', message: 'Executing statement', queryId: null },
                  commandSequenceNumber: 4,
                },
              ],
            }
          : { status: 200, body: { status: 'ERROR', message: STACK, queryId: null } };
      const err = await failure(() => client().command(statement));
      expect(err.ksqlMessage).toBe(
        'Invalid result type. Your SELECT query produces a STREAM.\nStatement: CREATE TABLE T AS SELECT * FROM RATINGS EMIT CHANGES;',
      );
      expect(err.rawMessage).toBe(STACK);
      expect(err.statementText).toBe(statement);
    });

    test('/status answering 404 (40400 Command not found) fails at once, naming the command', async () => {
      answer = (req) =>
        req.url === '/ksql'
          ? {
              status: 200,
              body: [
                {
                  '@type': 'currentStatus',
                  statementText: statement,
                  commandId: 'stream/`S`/create',
                  commandStatus: { status: 'QUEUED', message: 'Statement written to command topic', queryId: null },
                  commandSequenceNumber: 5,
                },
              ],
            }
          : { status: 404, body: { '@type': 'generic_error', error_code: 40400, message: 'Command not found' } };
      const started = Date.now();
      const err = await failure(() => client().command(statement));
      expect(Date.now() - started).toBeLessThan(4000);
      expect(err.errorCode).toBe(40400);
      expect(err.ksqlMessage).toBe('command stream/`S`/create: Command not found');
      expect(err.hint).toContain('ksqlDB does not know it (error 40400)');
    });
  });
});
