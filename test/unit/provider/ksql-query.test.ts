/**
 * streamform_ksql_query (CREATE STREAM/TABLE ... AS SELECT, INSERT INTO) driven directly, over an
 * in-memory ksqlDB.
 */
import { UNKNOWN } from '../../../src/provider/plugin/cty';
import { ksqlQueryResource } from '../../../src/provider/resources/ksql/query';
import { fakeClients, FakeKsql } from '../../support/fake-servers';
import { Driver, texts } from '../../support/provider-driver';

const RATINGS = "CREATE STREAM RATINGS (USER_ID STRING KEY, STARS INT, CHANNEL STRING) WITH (KAFKA_TOPIC='ratings', VALUE_FORMAT='JSON');";
const AUDIT = "CREATE STREAM AUDIT (USER_ID STRING KEY, STARS INT, CHANNEL STRING) WITH (KAFKA_TOPIC='audit', VALUE_FORMAT='JSON');";
const live = (where: string) =>
  `CREATE STREAM RATINGS_LIVE WITH (KAFKA_TOPIC='live') AS SELECT * FROM RATINGS WHERE ${where} EMIT CHANGES;`;

/** A ksqlDB with RATINGS and AUDIT; `next()` gives a driver of a new provider process (no snapshot). */
async function setup() {
  const ksql = new FakeKsql();
  await ksql.command(RATINGS);
  await ksql.command(AUDIT);
  const next = () => new Driver(ksqlQueryResource, fakeClients({ ksqldb: ksql }));
  return { ksql, query: next(), next };
}

test('create starts the query: its id, the sink, its topic', async () => {
  const { ksql, query } = await setup();
  const { state, plan } = await query.applyConfig(null, {
    statement: live("CHANNEL <> 'test'"),
    streams_properties: { 'auto.offset.reset': 'earliest' },
  });
  expect(plan.planned).toMatchObject({ id: 'RATINGS_LIVE', name: 'RATINGS_LIVE', query_id: UNKNOWN });
  expect(state).toMatchObject({ id: 'RATINGS_LIVE', name: 'RATINGS_LIVE', topic: 'live', query_id: 'CSAS_RATINGS_LIVE_1' });
  expect(ksql.queries.has('CSAS_RATINGS_LIVE_1')).toBe(true);
});

test('a new query ksqlDB refuses fails the plan with ksqlDB message (EXPLAIN)', async () => {
  const { ksql, query } = await setup();
  ksql.refuse = (s) => (s.text.includes('NO_SUCH_FUNCTION') ? "Can't find any functions with the name 'NO_SUCH_FUNCTION'" : undefined);
  const plan = await query.plan(null, { statement: 'CREATE STREAM BAD AS SELECT NO_SUCH_FUNCTION(STARS) FROM RATINGS;' });
  expect(texts(plan.errors)).toEqual(["ksqlDB rejects the statement: Can't find any functions with the name 'NO_SUCH_FUNCTION'"]);
  expect(ksql.sent.at(-1)).toBe('EXPLAIN CREATE STREAM BAD AS SELECT NO_SUCH_FUNCTION(STARS) FROM RATINGS EMIT CHANGES;');
  expect(ksql.sources.has('BAD')).toBe(false);
});

test('formatting-only changes are no diff', async () => {
  const { ksql, query } = await setup();
  const { state } = await query.applyConfig(null, { statement: live("CHANNEL <> 'test'") });
  const sent = ksql.sent.length;
  const plan = await query.plan(state, {
    statement:
      "create stream ratings_live with (kafka_topic='live') as\n  select * from ratings\n  where channel   <>   'test' -- not the tests\n  emit changes",
  });
  expect(plan.diagnostics).toEqual([]);
  expect(plan.requiresReplace).toEqual([]);
  expect(plan.planned!.statement).toBe(live("CHANNEL <> 'test'"));
  expect(plan.planned!.query_id).toBe('CSAS_RATINGS_LIVE_1');
  expect(ksql.sent).toHaveLength(sent);
});

test('a changed WHERE clause plans CREATE OR REPLACE in place, keeping the query id', async () => {
  const { ksql, query } = await setup();
  const { state } = await query.applyConfig(null, { statement: live("CHANNEL <> 'test'") });
  const { state: next, plan } = await query.applyConfig(state, { statement: live('STARS > 2') });
  expect(plan.requiresReplace).toEqual([]);
  expect(plan.diagnostics).toEqual([]);
  expect(plan.planned!.query_id).toBe('CSAS_RATINGS_LIVE_1');
  // ksqlDB was asked at plan time (EXPLAIN of the CREATE OR REPLACE), then it ran.
  expect(ksql.sent.slice(-2)).toEqual([
    "EXPLAIN CREATE OR REPLACE STREAM RATINGS_LIVE WITH (KAFKA_TOPIC='live') AS SELECT * FROM RATINGS WHERE STARS > 2 EMIT CHANGES;",
    "CREATE OR REPLACE STREAM RATINGS_LIVE WITH (KAFKA_TOPIC='live') AS SELECT * FROM RATINGS WHERE STARS > 2 EMIT CHANGES;",
  ]);
  expect(next).toMatchObject({ query_id: 'CSAS_RATINGS_LIVE_1', instance_id: state!.instance_id, statement: live('STARS > 2') });
  expect(ksql.queries.get('CSAS_RATINGS_LIVE_1')!.queryString).toContain('STARS > 2');
});

test('a changed source or an aggregation plans a replacement, with the reason', async () => {
  const { ksql, query } = await setup();
  const { state } = await query.applyConfig(null, { statement: live("CHANNEL <> 'test'") });
  const other = await query.plan(state, { statement: live("CHANNEL <> 'test'").replace('FROM RATINGS', 'FROM AUDIT') });
  expect(other.requiresReplace).toEqual(['statement']);
  expect(other.planned!.query_id).toBe(UNKNOWN);
  expect(texts(other.warnings)).toEqual([
    expect.stringMatching(
      /^ksqlDB cannot change RATINGS_LIVE in place: .*AUDIT.*The plan replaces it instead\. The query is terminated and started again/,
    ),
  ]);
  const aggregate = "CREATE TABLE RATINGS_LIVE WITH (KAFKA_TOPIC='live') AS SELECT USER_ID, COUNT(*) AS N FROM RATINGS GROUP BY USER_ID;";
  const plan = await query.plan(state, { statement: aggregate });
  expect(plan.requiresReplace).toEqual(['statement']);
  expect(texts(plan.warnings)[0]).toMatch(/changes from a stream to a table/);
  // The replacement is checked by ksqlDB as a new query under a scratch name, the real sink still existing.
  expect(ksql.sent.at(-1)).toMatch(/^EXPLAIN CREATE TABLE RATINGS_LIVE_STREAMFORM_PLAN_CHECK WITH/);
  const { state: replaced } = await query.applyConfig(state, { statement: aggregate });
  expect(replaced).toMatchObject({ query_id: 'CTAS_RATINGS_LIVE_2', name: 'RATINGS_LIVE' });
  expect(ksql.sent.filter((t) => !t.startsWith('EXPLAIN')).slice(-3)).toEqual([
    'TERMINATE CSAS_RATINGS_LIVE_1;',
    'DROP STREAM IF EXISTS RATINGS_LIVE;',
    aggregate,
  ]);
});

test("a replacement ksqlDB would refuse fails the plan with ksqlDB's message, without the scratch name", async () => {
  const { ksql, query } = await setup();
  const { state } = await query.applyConfig(null, { statement: live("CHANNEL <> 'test'") });
  ksql.refuse = (s) => (s.kind === 'createStreamAs' && s.name.endsWith('_PLAN_CHECK') ? `Invalid result type for ${s.name}` : undefined);
  const plan = await query.plan(state, { statement: live("CHANNEL <> 'test'").replace('FROM RATINGS', 'FROM AUDIT') });
  expect(texts(plan.errors)).toEqual(['ksqlDB rejects the statement: Invalid result type for RATINGS_LIVE']);
});

test("ksqlDB's own verdict that an upgrade is impossible turns an in-place change into a replacement", async () => {
  const { ksql, query } = await setup();
  const { state } = await query.applyConfig(null, { statement: live("CHANNEL <> 'test'") });
  ksql.refuse = (s) => ('orReplace' in s && s.orReplace ? 'Upgrades not yet supported for StreamSelectKeyV2' : undefined);
  const plan = await query.plan(state, { statement: live('STARS > 2') });
  expect(plan.requiresReplace).toEqual(['statement']);
  expect(texts(plan.warnings)[0]).toContain('ksqlDB says: Upgrades not yet supported for StreamSelectKeyV2');
});

test('read of a terminated query reports it; the plan warns and apply starts it again in place', async () => {
  const { ksql, query, next } = await setup();
  const { state } = await query.applyConfig(null, { statement: live("CHANNEL <> 'test'") });
  ksql.terminateOutside('CSAS_RATINGS_LIVE_1');
  const driver = next();
  const drifted = await driver.read(state!);
  expect(drifted).toMatchObject({ name: 'RATINGS_LIVE', query_id: null, statement: state!.statement });
  const plan = await driver.plan(drifted, { statement: live("CHANNEL <> 'test'") });
  expect(plan.requiresReplace).toEqual([]);
  expect(plan.planned!.query_id).toBe(UNKNOWN);
  expect(texts(plan.warnings)).toEqual([
    expect.stringMatching(/^The query of RATINGS_LIVE is not running: it was terminated outside streamform/),
  ]);
  const { state: repaired } = await driver.applyConfig(drifted, { statement: live("CHANNEL <> 'test'") });
  expect(ksql.sent.at(-1)).toMatch(/^CREATE OR REPLACE STREAM RATINGS_LIVE /);
  expect(repaired!.query_id).toEqual(expect.stringMatching(/^CSAS_RATINGS_LIVE_/));
  expect(ksql.sources.get('RATINGS_LIVE')!.writeQueries).toHaveLength(1);
});

test('restarting a query declared IF NOT EXISTS sends CREATE OR REPLACE without IF NOT EXISTS', async () => {
  const { ksql, query, next } = await setup();
  const text = "CREATE STREAM IF NOT EXISTS RATINGS_LIVE WITH (KAFKA_TOPIC='live') AS SELECT * FROM RATINGS;";
  const { state } = await query.applyConfig(null, { statement: text });
  ksql.terminateOutside(state!.query_id!);
  const driver = next();
  await driver.applyConfig(await driver.read(state!), { statement: text });
  expect(ksql.sent.at(-1)).toBe("CREATE OR REPLACE STREAM RATINGS_LIVE WITH (KAFKA_TOPIC='live') AS SELECT * FROM RATINGS EMIT CHANGES;");
});

test('a dropped sink makes the query gone; a query rewritten outside streamform (WHERE or sources) is drift', async () => {
  const { ksql, query, next } = await setup();
  const { state } = await query.applyConfig(null, { statement: live("CHANNEL <> 'test'") });
  await ksql.command("CREATE OR REPLACE STREAM RATINGS_LIVE WITH (KAFKA_TOPIC='live') AS SELECT * FROM RATINGS WHERE STARS = 5;");
  // a changed WHERE is drift too (issue 11): state takes ksqlDB's text, so the plan shows it
  expect((await next().read(state!))!.statement).toBe(live('STARS = 5'));
  const elsewhere = "CREATE STREAM RATINGS_LIVE WITH (KAFKA_TOPIC='live') AS SELECT * FROM AUDIT EMIT CHANGES;";
  ksql.rewriteOutside('CSAS_RATINGS_LIVE_1', elsewhere);
  const drifted = await next().read(state!);
  expect(drifted).toMatchObject({ statement: elsewhere, query_id: 'CSAS_RATINGS_LIVE_1' });
  expect((await next().plan(drifted, { statement: live("CHANNEL <> 'test'") })).requiresReplace).toEqual(['statement']);
  ksql.terminateOutside('CSAS_RATINGS_LIVE_1');
  await ksql.command('DROP STREAM RATINGS_LIVE;');
  expect(await next().read(state!)).toBeNull();
});

test('INSERT INTO: the id is the query id, any change replaces it, destroy only terminates it', async () => {
  const { ksql, query, next } = await setup();
  const insert = "INSERT INTO AUDIT SELECT * FROM RATINGS WHERE CHANNEL = 'web';";
  const { state } = await query.applyConfig(null, { statement: insert });
  expect(state).toMatchObject({ id: 'INSERTQUERY_1', query_id: 'INSERTQUERY_1', name: 'AUDIT', topic: 'audit' });
  const plan = await query.plan(state, { statement: insert.replace("'web'", "'app'") });
  expect(plan.requiresReplace).toEqual(['statement']);
  expect(texts(plan.warnings)[0]).toContain('ksqlDB cannot replace an INSERT INTO query in place');
  await query.applyConfig(state, null);
  expect(ksql.sent.at(-1)).toBe('TERMINATE INSERTQUERY_1;');
  expect(ksql.sources.has('AUDIT')).toBe(true);
  expect(await next().read(state!)).toBeNull();
});

test('destroy terminates the query and drops its sink (an already terminated query is fine)', async () => {
  const { ksql, query, next } = await setup();
  const { state } = await query.applyConfig(null, { statement: live("CHANNEL <> 'test'"), delete_topic: true });
  ksql.terminateOutside('CSAS_RATINGS_LIVE_1');
  await next().applyConfig(state, null);
  expect(ksql.sent.slice(-2)).toEqual(['TERMINATE CSAS_RATINGS_LIVE_1;', 'DROP STREAM IF EXISTS RATINGS_LIVE DELETE TOPIC;']);
  expect(ksql.sources.has('RATINGS_LIVE')).toBe(false);
});

test('import adopts the sink and its running query', async () => {
  const { ksql, next } = await setup();
  await ksql.command(live('STARS > 3'));
  const state = await next().import('ratings_live');
  expect(state).toMatchObject({ id: 'RATINGS_LIVE', name: 'RATINGS_LIVE', query_id: 'CSAS_RATINGS_LIVE_1', topic: 'live' });
  expect((await next().plan(state, { statement: live('STARS > 3') })).diagnostics).toEqual([]);
});

test('deletion protection refuses a replacement of the sink at plan time, but not an in-place change', async () => {
  const { query } = await setup();
  const { state } = await query.applyConfig(null, { statement: live("CHANNEL <> 'test'"), deletion_protection: true });
  expect((await query.plan(state, { statement: live('STARS > 2'), deletion_protection: true })).errors).toEqual([]);
  const plan = await query.plan(state, { statement: live('STARS > 2').replace('FROM RATINGS', 'FROM AUDIT'), deletion_protection: true });
  expect(plan.errors.map((d) => d.summary)).toEqual(['Stream RATINGS_LIVE is protected']);
  expect(plan.errors[0].detail).toContain('losing the results of its query');
  expect(plan.errors[0].path).toEqual(['deletion_protection']);
});

test('creating and dropping queries asks ksqlDB about the names involved, never for a listing of every object after a write', async () => {
  const { ksql } = await setup();
  // One provider process (one snapshot) through a whole apply and a whole destroy, as `streamform apply` runs it.
  const query = new Driver(ksqlQueryResource, fakeClients({ ksqldb: ksql }));
  const states = [];
  for (let i = 0; i < 20; i++) {
    const { state } = await query.applyConfig(null, {
      statement: `CREATE STREAM LIVE_${i} AS SELECT * FROM RATINGS WHERE STARS > ${i} EMIT CHANGES;`,
    });
    expect(state).toMatchObject({ name: `LIVE_${i}`, topic: `LIVE_${i}`, query_id: `CSAS_LIVE_${i}_${i + 1}` });
    states.push(state!);
  }
  for (const state of states) expect((await query.applyConfig(state, null)).state).toBeNull();
  expect(ksql.sources.size).toBe(2);
  expect(ksql.queries.size).toBe(0);
  // Each plan asks about its sink and the source it reads, each create reads its sink back, each
  // drop looks its source up first.
  expect(ksql.listings).toBe(0);
  expect(ksql.askedByName.filter((n) => n === 'LIVE_7')).toEqual(['LIVE_7', 'LIVE_7', 'LIVE_7']);
});
