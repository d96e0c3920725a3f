/**
 * Query upgrades as ksqlDB decides them (ExecutionStep#validateUpgrade, DataSource#canUpgradeTo,
 * QueryIdUtil, TopicValidationUtil): the core decision the provider plans with, the local ksqlDB
 * engine's CREATE OR REPLACE (same rules, ksqlDB's messages, aggregation state kept), and the
 * provider's plan for PARTITIONS/REPLICAS changes.
 */
import {
  compareUpgradeSteps,
  isUpgradeable,
  parseStatement,
  stepTypes,
  topicSettings,
  upgradeSteps,
  type SourceColumn,
  type PersistentQueryStatement,
  type UpgradeSource,
} from '../../src/core/ksql';
import { ksqlQueryResource } from '../../src/provider/resources/ksql/query';
import { ksqlStreamResource } from '../../src/provider/resources/ksql/source';
import { KsqlEngine } from '../../src/tools/ksqldb/engine/engine';
import { startKsqlServer } from '../../src/tools/ksqldb/server';
import { fakeClients, FakeKsql } from '../support/fake-servers';
import { Driver, texts } from '../support/provider-driver';

const PV = "CREATE STREAM PV (ID INT KEY, PAGE STRING, N INT, TAGS ARRAY<STRING>) WITH (KAFKA_TOPIC='pv', VALUE_FORMAT='JSON');";
const USERS = "CREATE TABLE USERS (ID INT PRIMARY KEY, NAME STRING, REGION STRING) WITH (KAFKA_TOPIC='users', VALUE_FORMAT='JSON');";

const columnsOf = (text: string): SourceColumn[] => {
  const s = parseStatement(text);
  if (s.kind !== 'createStream' && s.kind !== 'createTable') throw new Error('not a source');
  return s.columns.map((c) => ({ name: c.name, type: c.type, key: c.key, primaryKey: c.primaryKey }));
};
const SOURCES: Record<string, SourceColumn[]> = { PV: columnsOf(PV), USERS: columnsOf(USERS) };
const resolve = (name: string) => SOURCES[name];

const check = (a: string, b: string, source?: (name: string) => UpgradeSource | undefined) =>
  isUpgradeable(parseStatement(a), parseStatement(b), { resolve, ...(source ? { source } : {}) });
const refusal = (a: string, b: string, source?: (name: string) => UpgradeSource | undefined): { reason: string; rule: string } => {
  const r = check(a, b, source);
  if (r.ok) throw new Error(`expected a refusal of\n${b}`);
  return { reason: r.reason, rule: r.rule };
};

describe('core: which query changes ksqlDB upgrades in place', () => {
  const counts = (where: string) => `CREATE TABLE PAGE_COUNTS AS SELECT PAGE, COUNT(*) AS VIEWS FROM PV WHERE ${where} GROUP BY PAGE;`;

  test('an aggregate whose WHERE changes (same columns read) is upgraded in place', () => {
    expect(check(counts('N > 0'), counts('N > 10'))).toEqual({ ok: true });
    expect(check(counts("PAGE <> 'x' AND N > 0"), counts("N > 1 AND PAGE <> 'y'"))).toEqual({ ok: true });
    // filters may also be removed or added when they read columns the aggregation reads anyway
    const byKey = (where: string) => `CREATE TABLE PER_ID AS SELECT ID, SUM(N) AS TOTAL FROM PV ${where} GROUP BY ID;`;
    expect(check(byKey(''), byKey('WHERE N > 0'))).toEqual({ ok: true });
    expect(check(byKey('WHERE N > 0'), byKey(''))).toEqual({ ok: true });
    expect(check(byKey('WHERE ID > 0'), byKey('WHERE N < 100'))).toEqual({ ok: true });
  });

  test('a filter that makes the aggregation read another column is refused by StreamAggregate', () => {
    const { reason, rule } = refusal(counts('N > 0'), counts('ID > 0'));
    expect(rule).toBe('StreamAggregate.validateUpgrade');
    expect(reason).toBe(
      'ksqlDB refuses to upgrade the query: Query is not upgradeable. Plan step of type StreamAggregate must have matching columns not part of aggregate. Values differ: [`PAGE`, `ROWTIME`, `N`] vs. [`PAGE`, `ROWTIME`, `ID`]',
    );
    // another aggregate function
    const other = refusal(counts('N > 0'), counts('N > 0').replace('COUNT(*)', 'COUNT(N)'));
    expect(other.rule).toBe('StreamAggregate.validateUpgrade');
    expect(other.reason).toContain('must have matching');
  });

  test('a GROUP BY key change plans a replacement, with the rule (the sink key first, then the grouping step)', () => {
    const a = 'CREATE TABLE BY_PAGE AS SELECT PAGE, COUNT(*) AS VIEWS FROM PV GROUP BY PAGE;';
    const { reason, rule } = refusal(a, 'CREATE TABLE BY_PAGE AS SELECT N, COUNT(*) AS VIEWS FROM PV GROUP BY N;');
    expect(rule).toMatch(/^DataSource\.canUpgradeTo \(schema/);
    expect(reason).toContain('key columns changed from (PAGE STRING) to (N INTEGER)');
    // Same key column, another grouping expression: the StreamGroupBy step refuses.
    const steps = (sql: string, keyColumns = ['ID']) => {
      const s = parseStatement(sql) as PersistentQueryStatement;
      const source = (): UpgradeSource => ({ kind: 'STREAM', keyColumns });
      return upgradeSteps(s.query, { kind: 'TABLE' }, { source, aggregates: new Set(['COUNT']), tableFunctions: new Set() });
    };
    const byPage = steps(a);
    expect(stepTypes(byPage)).toEqual(['TableSink', 'TableSelect', 'StreamAggregate', 'StreamGroupBy', 'StreamSelect', 'StreamSource']);
    expect(compareUpgradeSteps(byPage, steps(a.replace('GROUP BY PAGE', 'GROUP BY UCASE(PAGE)')))).toEqual({
      step: 'StreamGroupBy',
      message:
        'Query is not upgradeable. Plan step of type StreamGroupBy must have matching group by clause. Values differ: [PAGE] vs. [UCASE(PAGE)]',
    });
    // grouping by the source key (StreamGroupByKey) instead of a column (StreamGroupBy)
    expect(compareUpgradeSteps(steps(a, ['PAGE']), byPage)?.message).toBe(
      'Query is not upgradeable. Plan step of type StreamGroupByKey must have matching class. Values differ: class io.confluent.ksql.execution.plan.StreamGroupByKey vs. class io.confluent.ksql.execution.plan.StreamGroupBy',
    );
  });

  test('PARTITION BY: a filter may be added; another key plans a replacement', () => {
    const a = 'CREATE STREAM BY_PAGE AS SELECT * FROM PV PARTITION BY PAGE;';
    expect(check(a, 'CREATE STREAM BY_PAGE AS SELECT * FROM PV WHERE N > 0 PARTITION BY PAGE;')).toEqual({ ok: true });
    const { reason, rule } = refusal(a, 'CREATE STREAM BY_PAGE AS SELECT * FROM PV PARTITION BY N;');
    expect(rule).toMatch(/^DataSource\.canUpgradeTo/);
    expect(reason).toContain('key columns changed from (PAGE STRING) to (N INTEGER)');
    // same key name and type, another expression: StreamSelectKey refuses
    const b = 'CREATE STREAM BY_PAGE AS SELECT * FROM PV PARTITION BY LCASE(PAGE);';
    const c = 'CREATE STREAM BY_PAGE AS SELECT * FROM PV PARTITION BY UCASE(PAGE);';
    expect(refusal(b, c)).toEqual({
      rule: 'StreamSelectKey.validateUpgrade',
      reason:
        'ksqlDB refuses to upgrade the query: Query is not upgradeable. Plan step of type StreamSelectKey must have matching keyExpressions. Values differ: [LCASE(PAGE)] vs. [UCASE(PAGE)]',
    });
  });

  test('HAVING: changed or removed in place; added is refused (ksqlDB skips passive steps of the old plan only)', () => {
    const having = (h: string) => `CREATE TABLE BUSY AS SELECT PAGE, COUNT(*) AS VIEWS FROM PV GROUP BY PAGE${h};`;
    expect(check(having(' HAVING COUNT(*) > 1'), having(' HAVING COUNT(*) > 5'))).toEqual({ ok: true });
    expect(check(having(' HAVING COUNT(*) > 1'), having(''))).toEqual({ ok: true });
    expect(refusal(having(''), having(' HAVING COUNT(*) > 1')).reason).toContain(
      'StreamAggregate must have matching class. Values differ: class io.confluent.ksql.execution.plan.StreamAggregate vs. class io.confluent.ksql.execution.plan.TableFilter',
    );
  });

  test('windowed aggregations are never upgraded (StreamWindowedAggregate has no upgrade rule in ksqlDB)', () => {
    const w = (having: string, extra = '') =>
      `CREATE TABLE PER_MINUTE AS SELECT PAGE, COUNT(*) AS VIEWS${extra} FROM PV WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY PAGE HAVING COUNT(*) > ${having};`;
    for (const next of [w('5'), w('1', ', SUM(N) AS TOTAL')]) {
      expect(refusal(w('1'), next)).toEqual({
        rule: 'StreamWindowedAggregate.validateUpgrade',
        reason: 'ksqlDB refuses to upgrade the query: Upgrades not yet supported for StreamWindowedAggregate',
      });
    }
  });

  test('EXPLODE (StreamFlatMap), joins and table aggregations: "Upgrades not yet supported"', () => {
    const flat = (where: string) => `CREATE STREAM TAGGED AS SELECT ID, EXPLODE(TAGS) AS TAG FROM PV${where};`;
    expect(refusal(flat(''), flat(' WHERE N > 0'))).toEqual({
      rule: 'StreamFlatMap.validateUpgrade',
      reason: 'ksqlDB refuses to upgrade the query: Upgrades not yet supported for StreamFlatMap',
    });
    const join = (where: string) => `CREATE STREAM ENRICHED AS SELECT PV.ID, PAGE, NAME FROM PV JOIN USERS ON PV.ID = USERS.ID${where};`;
    expect(refusal(join(''), join(' WHERE N > 0')).reason).toBe(
      'ksqlDB refuses to upgrade the query: Upgrades not yet supported for StreamTableJoin',
    );
    const regions = (where: string) => `CREATE TABLE PER_REGION AS SELECT REGION, COUNT(*) AS USERS FROM USERS${where} GROUP BY REGION;`;
    expect(refusal(regions(''), regions(" WHERE NAME <> 'x'")).reason).toBe(
      'ksqlDB refuses to upgrade the query: Upgrades not yet supported for TableAggregate',
    );
  });

  test('PARTITIONS/REPLICAS on a sink: not an upgrade ksqlDB can make (TopicValidationUtil)', () => {
    const sink = (p: number) => `CREATE STREAM BIG WITH (PARTITIONS=${p}) AS SELECT * FROM PV WHERE N > 1;`;
    expect(topicSettings(parseStatement(sink(4)))).toEqual({ partitions: 4 });
    expect(refusal(sink(2), sink(4))).toEqual({
      rule: "TopicValidationUtil (an existing topic's partitions and replicas are never changed)",
      reason: "the partition count (PARTITIONS) changed from '2' to '4' (ksqlDB does not change an existing topic)",
    });
  });
});

describe('local ksqlDB engine: CREATE OR REPLACE follows the same rules', () => {
  function engine(): KsqlEngine {
    const e = new KsqlEngine({ topics: new Map([['pv', 1]]) });
    e.execute(PV);
    return e;
  }
  const intKey = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return b;
  };
  let offset = 0;
  const view = (id: number, page: string, n: number) => ({
    topic: 'pv',
    partition: 0,
    offset: offset++,
    key: intKey(id),
    value: Buffer.from(JSON.stringify({ PAGE: page, N: n })),
    timestamp: 1000 + offset,
  });

  test('accepted upgrades keep the query id; refusals carry ksqlDB messages', () => {
    const e = engine();
    const [created] = e.execute('CREATE TABLE C AS SELECT PAGE, COUNT(*) AS VIEWS FROM PV WHERE N > 0 GROUP BY PAGE;');
    const [replaced] = e.execute('CREATE OR REPLACE TABLE C AS SELECT PAGE, COUNT(*) AS VIEWS FROM PV WHERE N > 5 GROUP BY PAGE;');
    expect(replaced.queryId).toBe(created.queryId);
    expect(e.queryIds()).toEqual([created.queryId]);
    expect(() => e.execute('CREATE OR REPLACE TABLE C AS SELECT PAGE, COUNT(*) AS VIEWS FROM PV WHERE ID > 5 GROUP BY PAGE;')).toThrow(
      'Query is not upgradeable. Plan step of type StreamAggregate must have matching columns not part of aggregate. Values differ: [`PAGE`, `ROWTIME`, `N`] vs. [`PAGE`, `ROWTIME`, `ID`]',
    );
    expect(() => e.execute('CREATE OR REPLACE TABLE C AS SELECT N, COUNT(*) AS VIEWS FROM PV GROUP BY N;')).toThrow(
      'Key columns must be identical. The following key columns are changed, missing or reordered: [`PAGE` STRING KEY]',
    );
    e.execute('CREATE STREAM T AS SELECT ID, EXPLODE(TAGS) AS TAG FROM PV;');
    expect(() => e.execute('CREATE OR REPLACE STREAM T AS SELECT ID, EXPLODE(TAGS) AS TAG FROM PV WHERE N > 0;')).toThrow(
      'Upgrades not yet supported for StreamFlatMap',
    );
    e.execute('CREATE TABLE W AS SELECT PAGE, COUNT(*) AS VIEWS FROM PV WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY PAGE;');
    expect(() =>
      e.execute(
        'CREATE OR REPLACE TABLE W AS SELECT PAGE, COUNT(*) AS VIEWS FROM PV WINDOW TUMBLING (SIZE 1 MINUTE) WHERE N > 0 GROUP BY PAGE;',
      ),
    ).toThrow('Upgrades not yet supported for StreamWindowedAggregate');
    e.execute('CREATE STREAM P AS SELECT * FROM PV PARTITION BY PAGE;');
    e.execute('CREATE OR REPLACE STREAM P AS SELECT * FROM PV WHERE N > 0 PARTITION BY PAGE;');
    // a refused upgrade leaves the query as it was
    expect(e.queryInfo(created.queryId!)!.statement).toContain('N > 5');
  });

  test("the sink's topic includes its formats (DataSource#canUpgradeTo compares the whole KsqlTopic)", () => {
    const e = engine();
    e.execute('CREATE STREAM COPY AS SELECT * FROM PV;');
    expect(() => e.execute("CREATE OR REPLACE STREAM COPY WITH (VALUE_FORMAT='AVRO') AS SELECT * FROM PV;")).toThrow(
      /^Cannot upgrade data source: DataSource '`COPY`' has topic = KsqlTopic\{kafkaTopicName='COPY', .*format=JSON.* which is not upgradeable to KsqlTopic\{kafkaTopicName='COPY', .*format=AVRO/,
    );
    e.execute("CREATE OR REPLACE STREAM COPY WITH (VALUE_FORMAT='JSON') AS SELECT * FROM PV WHERE N > 0;");
  });

  test('several queries writing into the sink: REPLACE is refused (QueryIdUtil)', () => {
    const e = engine();
    const [csas] = e.execute('CREATE STREAM ALL_PV AS SELECT * FROM PV;');
    const [insert] = e.execute('INSERT INTO ALL_PV SELECT * FROM PV WHERE N > 100;');
    expect(() => e.execute('CREATE OR REPLACE STREAM ALL_PV AS SELECT * FROM PV WHERE N > 0;')).toThrow(
      `REPLACE for sink ALL_PV is not supported because there are multiple queries writing into it: [${csas.queryId}, ${insert.queryId}]`,
    );
  });

  test('an upgraded aggregation keeps its state: counts continue', () => {
    const e = engine();
    const [q] = e.execute('CREATE TABLE C AS SELECT PAGE, COUNT(*) AS VIEWS FROM PV WHERE N > 0 GROUP BY PAGE;');
    const id = q.queryId!;
    const counts = (out: { value: Buffer | null }[]) => out.map((o) => JSON.parse(o.value!.toString()).VIEWS as number);
    expect(counts(e.processQuery(id, view(1, 'home', 1)))).toEqual([1]);
    expect(counts(e.processQuery(id, view(2, 'home', 1)))).toEqual([2]);
    e.execute('CREATE OR REPLACE TABLE C AS SELECT PAGE, COUNT(*) AS VIEWS FROM PV WHERE N > 1 GROUP BY PAGE;');
    expect(e.processQuery(id, view(3, 'home', 1))).toEqual([]); // filtered out by the new WHERE
    expect(counts(e.processQuery(id, view(4, 'home', 2)))).toEqual([3]);
  });
});

describe('local ksqlDB server: a sink topic that exists is checked against PARTITIONS (TopicCreateInjector)', () => {
  test('CREATE OR REPLACE with other PARTITIONS is refused (HTTP 500); the same or unset PARTITIONS of the source are accepted', async () => {
    const s = await startKsqlServer({ port: 0 });
    try {
      const ksql = async (sql: string) => {
        const res = await fetch(`${s.url}/ksql`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/vnd.ksql.v1+json', Accept: 'application/vnd.ksql.v1+json' },
          body: JSON.stringify({ ksql: sql, streamsProperties: {} }),
        });
        return { status: res.status, body: (await res.json()) as { message?: string } };
      };
      expect((await ksql("CREATE STREAM PV (ID INT KEY, N INT) WITH (KAFKA_TOPIC='pv', VALUE_FORMAT='JSON', PARTITIONS=2);")).status).toBe(
        200,
      );
      expect((await ksql("CREATE STREAM BIG WITH (KAFKA_TOPIC='big', PARTITIONS=3) AS SELECT * FROM PV WHERE N > 1;")).status).toBe(200);
      const refused = await ksql("CREATE OR REPLACE STREAM BIG WITH (KAFKA_TOPIC='big', PARTITIONS=4) AS SELECT * FROM PV WHERE N > 2;");
      expect(refused.status).toBe(500);
      expect(refused.body.message).toMatch(
        /^A Kafka topic with the name 'big' already exists, with different partition\/replica configuration than required. KSQL expects 4 partitions \(topic has 3\)/,
      );
      // without PARTITIONS a CSAS needs its source's partition count (2), which the topic does not have
      const unset = await ksql("CREATE OR REPLACE STREAM BIG WITH (KAFKA_TOPIC='big') AS SELECT * FROM PV WHERE N > 2;");
      expect(unset.body.message).toMatch(/KSQL expects 2 partitions \(topic has 3\)/);
      expect(
        (await ksql("CREATE OR REPLACE STREAM BIG WITH (KAFKA_TOPIC='big', PARTITIONS=3) AS SELECT * FROM PV WHERE N > 2;")).status,
      ).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('provider: PARTITIONS/REPLICAS of a topic that exists', () => {
  const RATINGS = "CREATE STREAM RATINGS (USER_ID STRING KEY, STARS INT) WITH (KAFKA_TOPIC='ratings', VALUE_FORMAT='JSON');";
  const sink = (p: number) => `CREATE STREAM GOOD WITH (KAFKA_TOPIC='good', PARTITIONS=${p}) AS SELECT * FROM RATINGS WHERE STARS > 3;`;

  async function setup() {
    const ksql = new FakeKsql();
    await ksql.command(RATINGS);
    return { ksql, query: new Driver(ksqlQueryResource, fakeClients({ ksqldb: ksql })) };
  }

  test("a query's sink: a replacement that deletes the topic when delete_topic is true", async () => {
    const { ksql, query } = await setup();
    const { state } = await query.applyConfig(null, { statement: sink(2), delete_topic: true });
    const plan = await query.plan(state, { statement: sink(4), delete_topic: true });
    expect(plan.errors).toEqual([]);
    expect(plan.requiresReplace).toEqual(['statement']);
    expect(texts(plan.warnings)).toEqual([expect.stringContaining('PARTITIONS changes from 2 to 4')]);
    expect(texts(plan.warnings)[0]).toContain('TopicValidationUtil: an existing topic keeps its partitions and replicas');
    expect(texts(plan.warnings)[0]).toContain('the drop deletes its topic');
    const { state: next } = await query.applyConfig(state, { statement: sink(4), delete_topic: true });
    expect(ksql.sent.filter((t) => !t.startsWith('EXPLAIN')).slice(-2)).toEqual(['DROP STREAM IF EXISTS GOOD DELETE TOPIC;', sink(4)]);
    expect(next!.query_id).not.toBe(state!.query_id);
  });

  test("a query's sink without delete_topic: the plan fails with the reason and the fix", async () => {
    const { query } = await setup();
    const { state } = await query.applyConfig(null, { statement: sink(2) });
    const plan = await query.plan(state, { statement: sink(4).replace('STARS > 3', 'STARS > 4') });
    expect(texts(plan.errors)).toEqual([
      expect.stringMatching(/^ksqlDB cannot change the topic of GOOD: GOOD: PARTITIONS changes from 2 to 4/),
    ]);
    expect(texts(plan.errors)[0]).toContain('set delete_topic = true on GOOD and apply that first');
  });

  test('a stream over a topic: PARTITIONS changes are no longer ignored', async () => {
    const ksql = new FakeKsql();
    const stream = new Driver(ksqlStreamResource, fakeClients({ ksqldb: ksql }));
    const s = (p: number) =>
      `CREATE STREAM CLICKS (ID STRING KEY, URL STRING) WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON', PARTITIONS=${p});`;
    const { state } = await stream.applyConfig(null, { statement: s(1) });
    const refused = await stream.plan(state, { statement: s(3) });
    expect(texts(refused.errors)).toEqual([
      expect.stringMatching(/^ksqlDB cannot change the topic of CLICKS: CLICKS: PARTITIONS changes from 1 to 3/),
    ]);
    const replaced = await stream.plan({ ...state!, delete_topic: true }, { statement: s(3), delete_topic: true });
    expect(replaced.requiresReplace).toEqual(['statement']);
    expect(texts(replaced.warnings)[0]).toContain('all messages in it are lost');
  });
});
