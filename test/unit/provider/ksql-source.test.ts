/**
 * streamform_ksql_stream and streamform_ksql_table driven directly, over an in-memory ksqlDB.
 */
import { UNKNOWN } from '../../../src/provider/plugin/cty';
import { ksqlStreamResource, ksqlTableResource } from '../../../src/provider/resources/ksql/source';
import { fakeClients, FakeKsql } from '../../support/fake-servers';
import { Driver, texts } from '../../support/provider-driver';

const RATINGS = "CREATE STREAM RATINGS (USER_ID STRING KEY, STARS INT) WITH (KAFKA_TOPIC='ratings', VALUE_FORMAT='JSON');";
const RATINGS_MORE =
  "CREATE STREAM RATINGS (USER_ID STRING KEY, STARS INT, CHANNEL STRING) WITH (KAFKA_TOPIC='ratings', VALUE_FORMAT='JSON');";
const CUSTOMERS = "CREATE TABLE CUSTOMERS (ID STRING PRIMARY KEY, NAME STRING) WITH (KAFKA_TOPIC='customers', VALUE_FORMAT='JSON');";

/** Drivers over one fake ksqlDB; `next()` gives new ones, as the next OpenTofu run starts a new provider process (no snapshot). */
function setup() {
  const ksql = new FakeKsql();
  const drivers = () => {
    const clients = fakeClients({ ksqldb: ksql });
    return { stream: new Driver(ksqlStreamResource, clients), table: new Driver(ksqlTableResource, clients) };
  };
  return { ksql, ...drivers(), next: drivers };
}

test('create runs the statement as written and records the topic, the name and an instance id', async () => {
  const { ksql, stream } = setup();
  const text = `-- the ratings\ncreate stream ratings (user_id string key, stars int)\n  with (kafka_topic='ratings', value_format='JSON')`;
  const { state, plan } = await stream.applyConfig(null, { statement: text });
  expect(plan.planned).toMatchObject({ id: 'RATINGS', name: 'RATINGS' });
  expect(ksql.sent).toEqual([
    `create stream ratings (user_id string key, stars int)\n  with (kafka_topic='ratings', value_format='JSON');`,
  ]);
  expect(state).toMatchObject({ id: 'RATINGS', name: 'RATINGS', topic: 'ratings', statement: text });
  expect(state!.instance_id).toMatch(/^[0-9a-f-]{36}$/);
  expect(ksql.sources.get('RATINGS')?.type).toBe('STREAM');
});

test('formatting, comments and keyword case are no change', async () => {
  const { ksql, stream } = setup();
  const { state } = await stream.applyConfig(null, { statement: RATINGS });
  const reformatted =
    "create stream ratings (\n  user_id string key, -- who\n  stars int\n) with (value_format='JSON', kafka_topic='ratings')";
  const plan = await stream.plan(state, { statement: reformatted });
  expect(plan.requiresReplace).toEqual([]);
  expect(plan.planned!.statement).toBe(RATINGS);
  expect(plan.diagnostics).toEqual([]);
  expect((await stream.applyConfig(state, { statement: reformatted })).state).toEqual(state);
  expect(ksql.sent).toHaveLength(1);
});

test('an appended column is applied in place with CREATE OR REPLACE rendered from the statement', async () => {
  const { ksql, stream } = setup();
  const { state } = await stream.applyConfig(null, { statement: RATINGS });
  const { state: next, plan } = await stream.applyConfig(state, { statement: RATINGS_MORE });
  expect(plan.requiresReplace).toEqual([]);
  expect(ksql.sent.at(-1)).toBe(
    "CREATE OR REPLACE STREAM RATINGS (USER_ID STRING KEY, STARS INTEGER, CHANNEL STRING) WITH (KAFKA_TOPIC='ratings', VALUE_FORMAT='JSON');",
  );
  expect(next).toMatchObject({ statement: RATINGS_MORE, instance_id: state!.instance_id });
  expect(ksql.sources.get('RATINGS')!.fields.map((f) => f.name)).toEqual(['USER_ID', 'STARS', 'CHANNEL']);
});

test('a change ksqlDB cannot make in place plans a replacement and says why', async () => {
  const { ksql, stream } = setup();
  const { state } = await stream.applyConfig(null, { statement: RATINGS_MORE });
  const plan = await stream.plan(state, { statement: RATINGS });
  expect(plan.requiresReplace).toEqual(['statement']);
  expect(plan.planned!.instance_id).toBe(UNKNOWN);
  expect(texts(plan.warnings)).toEqual([
    expect.stringMatching(
      /^ksqlDB cannot change RATINGS in place: .*CHANNEL.*The plan replaces it instead\. RATINGS is dropped and created again over the same topic/,
    ),
  ]);
  const { state: next } = await stream.applyConfig(state, { statement: RATINGS });
  expect(ksql.sent.slice(-2)).toEqual(['DROP STREAM IF EXISTS RATINGS;', RATINGS]);
  expect(next!.instance_id).not.toBe(state!.instance_id);
});

test('a renamed stream is a replacement', async () => {
  const { stream } = setup();
  const { state } = await stream.applyConfig(null, { statement: RATINGS });
  const plan = await stream.plan(state, { statement: RATINGS.replace('STREAM RATINGS', 'STREAM RATINGS_V2') });
  expect(plan.requiresReplace).toEqual(['statement']);
  expect(texts(plan.warnings)[0]).toContain('the name changes from RATINGS to RATINGS_V2');
  expect(plan.planned!.id).toBe('RATINGS_V2');
});

test('read: a statement changed outside streamform shows as drift, a dropped table is gone', async () => {
  const { ksql, table, next } = setup();
  const { state } = await table.applyConfig(null, { statement: CUSTOMERS });
  expect(await next().table.read(state!)).toEqual(state);
  await ksql.command(CUSTOMERS.replace('CREATE TABLE', 'CREATE OR REPLACE TABLE').replace('NAME STRING', 'NAME STRING, TIER STRING'));
  const drifted = await next().table.read(state!);
  expect(drifted!.statement).toContain('TIER STRING');
  const plan = await table.plan(drifted, { statement: CUSTOMERS });
  expect(plan.requiresReplace).toEqual(['statement']);
  await ksql.command('DROP TABLE CUSTOMERS;');
  expect(await next().table.read(state!)).toBeNull();
});

test('validate: each resource type takes its own statement kind and says which one to use', () => {
  const { stream, table } = setup();
  expect(texts(table.validate({ statement: RATINGS }))).toEqual([
    expect.stringMatching(
      /^Invalid ksqlDB statement: expected CREATE TABLE over a topic, got CREATE STREAM \(use streamform_ksql_stream\)/,
    ),
  ]);
  expect(texts(stream.validate({ statement: 'CREATE STREAM X AS SELECT * FROM RATINGS;' }))[0]).toContain('use streamform_ksql_query');
  expect(texts(stream.validate({ statement: 'CREATE STREAM (' }))[0]).toMatch(/^Invalid ksqlDB statement: /);
  expect(stream.validate({ statement: RATINGS })).toEqual([]);
});

test('destroy drops the stream, leaves queries it does not manage running (they block it); DELETE TOPIC only when asked', async () => {
  const { ksql, stream, next } = setup();
  const { state } = await stream.applyConfig(null, { statement: RATINGS });
  await ksql.command('INSERT INTO RATINGS SELECT * FROM RATINGS;');
  await expect(next().stream.applyConfig(state, null)).rejects.toThrow(
    /Queries writing into RATINGS: INSERTQUERY_1 .*TERMINATE INSERTQUERY_1;/s,
  );
  expect(ksql.queries.has('INSERTQUERY_1')).toBe(true);
  await ksql.command('TERMINATE INSERTQUERY_1;');
  await next().stream.applyConfig(state, null);
  expect(ksql.sent.at(-1)).toBe('DROP STREAM IF EXISTS RATINGS;');
  const again = (await stream.applyConfig(null, { statement: RATINGS, delete_topic: true })).state;
  await stream.applyConfig(again, null);
  expect(ksql.sent.at(-1)).toBe('DROP STREAM IF EXISTS RATINGS DELETE TOPIC;');
  expect(ksql.sources.size).toBe(0);
});

test('a quoted lower-case name is quoted in the statements built for it', async () => {
  const { ksql, stream } = setup();
  const text = "CREATE STREAM `ratings` (ID STRING KEY) WITH (KAFKA_TOPIC='r', VALUE_FORMAT='JSON');";
  const { state } = await stream.applyConfig(null, { statement: text });
  await stream.applyConfig(state, { statement: text.replace('ID STRING KEY', 'ID STRING KEY, V INT') });
  await stream.applyConfig((await stream.read(state!))!, null);
  expect(ksql.sent.slice(1)).toEqual([
    "CREATE OR REPLACE STREAM `ratings` (ID STRING KEY, V INTEGER) WITH (KAFKA_TOPIC='r', VALUE_FORMAT='JSON');",
    'DROP STREAM IF EXISTS `ratings`;',
  ]);
});

test('import adopts a stream by name (any case) and refuses a table', async () => {
  const { ksql, stream, table } = setup();
  await ksql.command(RATINGS);
  await ksql.command(CUSTOMERS);
  const state = await stream.import('ratings');
  expect(state).toMatchObject({ id: 'RATINGS', name: 'RATINGS', topic: 'ratings' });
  expect((await stream.plan(state, { statement: RATINGS })).requiresReplace).toEqual([]);
  await expect(table.import('RATINGS')).rejects.toThrow('RATINGS is a stream; import it as streamform_ksql_stream');
  await expect(stream.import('NOPE')).rejects.toThrow('ksqlDB has no stream or table named NOPE');
});

test('deletion protection: a replacement is refused at plan time, naming the object and what is lost', async () => {
  const { table } = setup();
  const { state } = await table.applyConfig(null, { statement: CUSTOMERS, deletion_protection: true, delete_topic: true });
  const plan = await table.plan(state, {
    statement: CUSTOMERS.replace('NAME STRING', 'NAME INT'),
    deletion_protection: true,
    delete_topic: true,
  });
  expect(plan.requiresReplace).toEqual(['statement']);
  expect(texts(plan.errors)).toEqual([
    expect.stringMatching(
      /^Table CUSTOMERS is protected: This plan would replace Table CUSTOMERS .*losing its definition and, as delete_topic is true, its topic customers with all its messages\. deletion_protection is true on this streamform_ksql_table/,
    ),
  ]);
  expect((await table.plan(state, null)).errors.map((d) => d.summary)).toEqual(['Table CUSTOMERS is protected']);
});
