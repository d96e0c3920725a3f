/**
 * Drift of ksqlDB objects (issue 11, items 4 and 5): the stored statement compared with the
 * configured one in canonical form, query states, and columns inferred from the Schema Registry.
 */
import { Testing } from 'cdktf';
import { ENV_NAMES, environment } from '../../stacks/environments';
import { PIPELINES } from '../../stacks/main';
import { canonical, inferredColumnNames, parseStatement, statementDrift, type Statement } from '../../src/core/ksql';
import { KsqlRunningQuery } from '../../src/provider/clients/ksqldb';
import { UNKNOWN } from '../../src/provider/plugin/cty';
import { queryStatus } from '../../src/provider/resources/ksql/drift';
import { ksqlQueryResource } from '../../src/provider/resources/ksql/query';
import { ksqlStreamResource } from '../../src/provider/resources/ksql/source';
import { KsqlEngine } from '../../src/tools/ksqldb/engine/engine';
import { MemoryRuntime, MemorySchemaRegistryClient, startKsqlServer, type KsqlServer } from '../../src/tools/ksqldb/server';
import { MemorySchemaRegistry } from '../../src/tools/ksqldb/engine/registry';
import { typeText } from '../../src/tools/ksqldb/engine/types';
import { stackKsql } from '../../src/tools/ksqldb/test-runner/stack';
import { fakeClients, FakeKsql, FakeSchemaRegistry } from '../support/fake-servers';
import { Driver, texts } from '../support/provider-driver';

const drift = (a: string, b: string) => statementDrift(parseStatement(a), parseStatement(b));

describe('statementDrift', () => {
  const live = (where: string) => `CREATE STREAM LIVE WITH (KAFKA_TOPIC='live') AS SELECT * FROM RATINGS WHERE ${where} EMIT CHANGES;`;

  test("ksqlDB's rewriting is no drift: quoting, qualifiers, aliases, parentheses, injected defaults, OR REPLACE", () => {
    const ours = "create stream live with (kafka_topic='live') as select * from ratings where channel <> 'test';";
    // as the local ksqlDB stores it (defaults injected) and as ksqlDB's SqlFormatter prints it
    const local =
      "CREATE STREAM LIVE WITH (CLEANUP_POLICY='delete', KAFKA_TOPIC='live', PARTITIONS=2, REPLICAS=1) AS SELECT * FROM RATINGS WHERE CHANNEL <> 'test' EMIT CHANGES;";
    const ksqldb =
      "CREATE OR REPLACE STREAM `LIVE` WITH (KAFKA_TOPIC='live', PARTITIONS=2, REPLICAS=1) AS SELECT *\nFROM `RATINGS` `RATINGS`\nWHERE (`RATINGS`.`CHANNEL` <> 'test')\nEMIT CHANGES;";
    expect(drift(ours, local)).toEqual([]);
    expect(drift(ours, ksqldb)).toEqual([]);
    const projected = 'CREATE TABLE N AS SELECT USER_ID, COUNT(*) FROM RATINGS GROUP BY USER_ID;';
    const stored =
      "CREATE TABLE `N` WITH (KAFKA_TOPIC='N', PARTITIONS=1, REPLICAS=1) AS SELECT\n  `RATINGS`.`USER_ID` `USER_ID`,\n  COUNT(*) `KSQL_COL_0`\nFROM `RATINGS` `RATINGS`\nGROUP BY `RATINGS`.`USER_ID`\nEMIT CHANGES;";
    expect(drift(projected, stored)).toEqual([]);
  });

  test('a changed WHERE, expression, source or property is named with both values', () => {
    expect(drift(live("CHANNEL <> 'test'"), live('STARS = 5'))).toEqual([
      "WHERE: ksqlDB has STARS = 5, the configuration CHANNEL <> 'test'",
    ]);
    expect(drift('CREATE STREAM L AS SELECT ID, STARS + 1 AS S FROM R;', 'CREATE STREAM L AS SELECT ID, STARS + 2 AS S FROM R;')).toEqual([
      'SELECT: ksqlDB has ID AS ID, STARS + 2 AS S, the configuration ID AS ID, STARS + 1 AS S',
    ]);
    expect(drift(live('X = 1'), live('X = 1').replace('FROM RATINGS', 'FROM AUDIT'))).toEqual([
      'FROM: ksqlDB has AUDIT, the configuration RATINGS',
    ]);
    expect(drift(live('X = 1'), live('X = 1').replace("KAFKA_TOPIC='live'", "KAFKA_TOPIC='other'"))).toEqual([
      'KAFKA_TOPIC: ksqlDB has other, the configuration live',
    ]);
    // a property only ksqlDB has is drift unless ksqlDB injects it by default
    expect(drift(live('X = 1'), live('X = 1').replace("KAFKA_TOPIC='live'", "KAFKA_TOPIC='live', TIMESTAMP='TS'"))).toEqual([
      'TIMESTAMP: ksqlDB has TS, the configuration does not set it',
    ]);
    expect(drift(live('X = 1'), live('X = 1').replace("KAFKA_TOPIC='live'", "KAFKA_TOPIC='live', PARTITIONS=6"))).toEqual([]);
    expect(
      drift(
        live('X = 1').replace("KAFKA_TOPIC='live'", "KAFKA_TOPIC='live', PARTITIONS=2"),
        live('X = 1').replace("KAFKA_TOPIC='live'", "KAFKA_TOPIC='live', PARTITIONS=6"),
      ),
    ).toEqual(['PARTITIONS: ksqlDB has 6, the configuration 2']);
  });

  test('streams and tables: FORMAT is KEY_FORMAT and VALUE_FORMAT; columns compared only when declared', () => {
    const ours = "CREATE STREAM S (ID STRING KEY, A INT) WITH (KAFKA_TOPIC='s', FORMAT='json');";
    const stored =
      "CREATE STREAM S (ID STRING KEY, A INTEGER) WITH (CLEANUP_POLICY='delete', KAFKA_TOPIC='s', KEY_FORMAT='JSON', VALUE_FORMAT='JSON');";
    expect(drift(ours, stored)).toEqual([]);
    expect(drift(ours, stored.replace('A INTEGER', 'A INTEGER, B STRING'))).toEqual([
      'columns: ksqlDB has (ID STRING KEY, A INTEGER, B STRING), the configuration (ID STRING KEY, A INTEGER)',
    ]);
    expect(drift(ours, stored.replace("VALUE_FORMAT='JSON'", "VALUE_FORMAT='AVRO'"))).toEqual([
      'VALUE_FORMAT: ksqlDB has AVRO, the configuration JSON',
    ]);
    // ksqlDB writes the columns it inferred from the Schema Registry into the statement it stores
    const inferred = "CREATE STREAM RATINGS WITH (KAFKA_TOPIC='ratings', VALUE_FORMAT='AVRO');";
    expect(
      drift(
        inferred,
        "CREATE STREAM RATINGS (RATING_ID BIGINT, STARS INTEGER) WITH (KAFKA_TOPIC='ratings', KEY_FORMAT='KAFKA', VALUE_FORMAT='AVRO');",
      ),
    ).toEqual([]);
    expect(drift(inferred, "CREATE TABLE RATINGS (ID STRING PRIMARY KEY) WITH (KAFKA_TOPIC='ratings', VALUE_FORMAT='AVRO');")).toEqual([
      'ksqlDB has a table over a topic, the configuration a stream over a topic',
    ]);
  });

  test('joins are compared with the columns of their sources', () => {
    const cols = (...names: string[]) => names.map((name) => ({ name, type: 'STRING' }));
    const resolve = (n: string) => (n === 'R' ? cols('ID', 'STARS') : n === 'C' ? cols('ID', 'NAME') : undefined);
    const ours = parseStatement('CREATE STREAM E AS SELECT R.ID AS ID, STARS, NAME FROM R JOIN C ON R.ID = C.ID;');
    const stored = parseStatement(
      "CREATE STREAM `E` WITH (KAFKA_TOPIC='E') AS SELECT\n  `R`.`ID` `ID`,\n  `R`.`STARS` `STARS`,\n  `C`.`NAME` `NAME`\nFROM `R` `R`\nINNER JOIN `C` `C` ON ((`R`.`ID` = `C`.`ID`))\nEMIT CHANGES;",
    );
    expect(statementDrift(ours, stored, { resolve })).toEqual([]);
    const other = parseStatement(stored.text.replace('`C`.`NAME` `NAME`', "'x' `NAME`"));
    expect(statementDrift(ours, other, { resolve })).toEqual([
      "SELECT: ksqlDB has R.ID AS ID, R.STARS AS STARS, 'x' AS NAME, the configuration R.ID AS ID, R.STARS AS STARS, C.NAME AS NAME",
    ]);
  });

  test('inferred column names: AVRO records and JSON_SR objects, upper-cased; others unknown', () => {
    const avro = JSON.stringify({
      type: 'record',
      name: 'r',
      fields: [
        { name: 'rating_id', type: 'long' },
        { name: 'stars', type: 'int' },
      ],
    });
    expect(inferredColumnNames('avro', avro)).toEqual(['RATING_ID', 'STARS']);
    expect(inferredColumnNames('JSON_SR', JSON.stringify({ type: 'object', properties: { a: {}, b: {} } }))).toEqual(['A', 'B']);
    expect(inferredColumnNames('PROTOBUF', 'syntax = "proto3"; message M { int32 a = 1; }')).toBeUndefined();
    expect(inferredColumnNames('AVRO', '"string"')).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// No phantom diff for any statement of the repository's stacks

/** The statement as the local ksqlDB stores it: its defaults injected (host.ts inject), canonical text. */
function storedByLocal(s: Statement, engine: KsqlEngine): string {
  if (s.kind !== 'createStream' && s.kind !== 'createTable' && s.kind !== 'createStreamAs' && s.kind !== 'createTableAs')
    return canonical(s);
  const src = engine.getSource(s.name)!;
  const props: Record<string, string | number | boolean | null> = { ...s.properties };
  if (s.kind === 'createStreamAs' || s.kind === 'createTableAs') {
    props.KAFKA_TOPIC = src.topic;
    props.PARTITIONS = 1;
    props.REPLICAS = 1;
  } else {
    props.KEY_FORMAT = src.keyFormat.format;
    props.VALUE_FORMAT = src.valueFormat.format;
    delete props.FORMAT;
  }
  props.CLEANUP_POLICY = src.kind === 'TABLE' ? 'compact' : 'delete';
  return canonical({ ...s, properties: props } as Statement);
}

/** The statement as real ksqlDB stores a source: inferred columns written in, identifiers quoted. */
function storedWithColumns(s: Statement, engine: KsqlEngine): string | undefined {
  if (s.kind !== 'createStream' && s.kind !== 'createTable') return undefined;
  const src = engine.getSource(s.name)!;
  const cols = src.columns.map(
    (c) => `\`${c.name}\` ${typeText(c.type)}${c.ns === 'KEY' ? (src.kind === 'TABLE' ? ' PRIMARY KEY' : ' KEY') : ''}`,
  );
  const text = canonical(s).replace(
    /^(CREATE (?:SOURCE )?(?:STREAM|TABLE) (?:IF NOT EXISTS )?\S+)( \([^]*?\))?( WITH)/,
    `$1 (${cols.join(', ')})$3`,
  );
  return text;
}

const FIXED_ENV = { STREAMFORM_STATE_DIR: '/state', STREAMFORM_IMAGES: 'local' };
const STACK_CASES = Object.keys(PIPELINES).flatMap((p) => ENV_NAMES.map((e) => [p, e] as const));

test.each(STACK_CASES)('%s in %s: every statement compares equal with how ksqlDB stores it (no phantom diff)', (pipeline, env) => {
  const Stack = PIPELINES[pipeline];
  const ksql = stackKsql(new Stack(Testing.app(), `${pipeline}-${env}`, { env: environment(env, FIXED_ENV) }));
  const registry = new MemorySchemaRegistry();
  for (const s of ksql.schemas) registry.register(s.subject, s.schema, s.schemaType);
  const engine = new KsqlEngine({ schemaRegistry: registry, topics: ksql.topics });
  const resolve = (name: string) =>
    engine.getSource(name)?.columns.map((c) => ({ name: c.name, type: typeText(c.type), key: c.ns === 'KEY' }));
  let compared = 0;
  for (const text of ksql.statements) {
    engine.execute(text);
    const ours = parseStatement(text);
    const stored = [storedByLocal(ours, engine), storedWithColumns(ours, engine)].filter((t): t is string => t !== undefined);
    for (const t of stored) {
      expect({ text, drift: statementDrift(ours, parseStatement(t), { resolve }) }).toEqual({ text, drift: [] });
      compared++;
    }
  }
  expect(compared).toBeGreaterThan(ksql.statements.length);
});

// ---------------------------------------------------------------------------------------------
// The resources

/** The fake ksqlDB with PAUSE/RESUME, query states, and columns inferred from a Schema Registry. */
class StatefulKsql extends FakeKsql {
  constructor(readonly registry = new FakeSchemaRegistry()) {
    super();
  }

  setState(id: string, state: string): void {
    for (const q of [this.queries.get(id), ...[...this.sources.values()].flatMap((s) => s.writeQueries.filter((w) => w.id === id))]) {
      if (q) {
        q.state = state;
        q.statusCount = { [state]: 1 };
      }
    }
  }

  override async command(statement: string, props: Record<string, string> = {}) {
    const stmt = parseStatement(statement);
    if (stmt.kind === 'pause' || stmt.kind === 'resume') {
      this.sent.push(statement);
      this.setState(stmt.queryId!, stmt.kind === 'pause' ? 'PAUSED' : 'RUNNING');
      const status = { status: 'SUCCESS' as const, message: 'Query resumed.', queryId: null };
      return {
        entity: {
          '@type': 'currentStatus' as const,
          statementText: statement,
          commandId: 'c',
          commandStatus: status,
          commandSequenceNumber: 1,
        },
        status,
      };
    }
    const result = await super.command(statement, props);
    if ((stmt.kind === 'createStream' || stmt.kind === 'createTable') && stmt.columns.length === 0) {
      // ksqlDB infers the value columns from the latest schema of the topic's value subject
      const src = this.sources.get(stmt.name)!;
      const latest = await this.registry.latest(`${src.topic}-value`);
      const names = inferredColumnNames(String(stmt.properties.VALUE_FORMAT), latest!.schema)!;
      src.fields = names.map((name) => ({ name, schema: { type: 'STRING' } }));
    }
    return result;
  }
}

const RATINGS = "CREATE STREAM RATINGS (USER_ID STRING KEY, STARS INT, CHANNEL STRING) WITH (KAFKA_TOPIC='ratings', VALUE_FORMAT='JSON');";
const live = (where: string) => `CREATE STREAM LIVE WITH (KAFKA_TOPIC='live') AS SELECT * FROM RATINGS WHERE ${where} EMIT CHANGES;`;

async function querySetup() {
  const ksql = new StatefulKsql();
  await ksql.command(RATINGS);
  const next = () => new Driver(ksqlQueryResource, fakeClients({ ksqldb: ksql }));
  const { state } = await next().applyConfig(null, { statement: live("CHANNEL <> 'test'") });
  return { ksql, next, state: state! };
}

test('query states: transient Kafka Streams states are running; PAUSED and ERROR are reported', () => {
  const q = (state: string, statusCount?: Record<string, number>): KsqlRunningQuery => ({
    queryString: '',
    sinks: [],
    id: 'Q',
    state,
    statusCount,
  });
  expect(queryStatus(q('REBALANCING', { REBALANCING: 1 }))).toBe('RUNNING');
  expect(queryStatus(q('CREATED'))).toBe('RUNNING');
  expect(queryStatus(q('RUNNING', { RUNNING: 1, PAUSED: 1 }))).toBe('PAUSED');
  expect(queryStatus(q('RUNNING', { RUNNING: 2, ERROR: 1 }))).toBe('ERROR');
  expect(queryStatus(q('PAUSED'))).toBe('PAUSED');
});

test('a WHERE changed outside streamform shows in the plan; apply replaces it with the configured statement', async () => {
  const { ksql, next, state } = await querySetup();
  expect(state.query_state).toBe('RUNNING');
  // ksqlDB's own spelling of the same statement is no drift
  ksql.rewriteOutside(
    'CSAS_LIVE_1',
    "CREATE STREAM `LIVE` WITH (KAFKA_TOPIC='live', PARTITIONS=1, REPLICAS=1) AS SELECT *\nFROM `RATINGS` `RATINGS`\nWHERE (`RATINGS`.`CHANNEL` <> 'test')\nEMIT CHANGES",
  );
  expect(await next().read(state)).toEqual(state);
  await ksql.command("CREATE OR REPLACE STREAM LIVE WITH (KAFKA_TOPIC='live') AS SELECT * FROM RATINGS WHERE STARS = 5;");
  const refreshed = (await next().read(state))!;
  expect(refreshed.statement).toBe(live('STARS = 5'));
  const { state: repaired, plan } = await next().applyConfig(refreshed, { statement: live("CHANNEL <> 'test'") });
  expect(plan.requiresReplace).toEqual([]);
  expect(plan.planned!.statement).toBe(live("CHANNEL <> 'test'"));
  expect(ksql.sent.at(-1)).toBe(
    "CREATE OR REPLACE STREAM LIVE WITH (KAFKA_TOPIC='live') AS SELECT * FROM RATINGS WHERE CHANNEL <> 'test' EMIT CHANGES;",
  );
  expect(repaired).toMatchObject({ query_id: 'CSAS_LIVE_1', statement: live("CHANNEL <> 'test'") });
  expect(await next().read(repaired!)).toEqual(repaired);
});

test('a paused query shows in the plan with a warning; apply resumes it', async () => {
  const { ksql, next, state } = await querySetup();
  ksql.setState('CSAS_LIVE_1', 'PAUSED');
  const refreshed = (await next().read(state))!;
  expect(refreshed.query_state).toBe('PAUSED');
  const sent = ksql.sent.length;
  const { state: resumed, plan } = await next().applyConfig(refreshed, { statement: live("CHANNEL <> 'test'") });
  expect(plan.planned!.query_state).toBe('RUNNING');
  expect(texts(plan.warnings)).toEqual([
    'The query of LIVE is paused: ksqlDB reports query CSAS_LIVE_1 as PAUSED (paused outside streamform); apply resumes it (RESUME CSAS_LIVE_1) and it continues from its committed offsets.',
  ]);
  expect(ksql.sent.slice(sent)).toEqual(['RESUME CSAS_LIVE_1;']);
  expect(resumed).toMatchObject({ query_id: 'CSAS_LIVE_1', query_state: 'RUNNING' });
  expect((await next().read(resumed!))!.query_state).toBe('RUNNING');
});

test('a failed query shows in the plan; apply restarts it with CREATE OR REPLACE, keeping its id', async () => {
  const { ksql, next, state } = await querySetup();
  ksql.setState('CSAS_LIVE_1', 'ERROR');
  const refreshed = (await next().read(state))!;
  expect(refreshed.query_state).toBe('ERROR');
  const sent = ksql.sent.length;
  const { state: restarted, plan } = await next().applyConfig(refreshed, { statement: live("CHANNEL <> 'test'") });
  expect(plan.planned).toMatchObject({ query_state: 'RUNNING', query_id: 'CSAS_LIVE_1' });
  expect(texts(plan.warnings)[0]).toMatch(
    /^The query of LIVE has failed: ksqlDB reports query CSAS_LIVE_1 in state ERROR; apply restarts it \(CREATE OR REPLACE/,
  );
  expect(ksql.sent.slice(sent)).toEqual([
    "CREATE OR REPLACE STREAM LIVE WITH (KAFKA_TOPIC='live') AS SELECT * FROM RATINGS WHERE CHANNEL <> 'test' EMIT CHANGES;",
  ]);
  expect(restarted).toMatchObject({ query_id: 'CSAS_LIVE_1', query_state: 'RUNNING' });
  // a running query plans nothing
  const again = await next().plan((await next().read(restarted!))!, { statement: live("CHANNEL <> 'test'") });
  expect(again.warnings).toEqual([]);
  expect(again.planned).toEqual(await next().read(restarted!));
});

describe('streams with columns inferred from the Schema Registry', () => {
  const AVRO_RATINGS = "CREATE STREAM RATINGS WITH (KAFKA_TOPIC='ratings', VALUE_FORMAT='AVRO');";
  const schema = (...fields: string[]) => ({
    schema: JSON.stringify({ type: 'record', name: 'rating', fields: fields.map((name) => ({ name, type: 'string' })) }),
    schemaType: 'AVRO' as const,
  });

  async function setup() {
    const registry = new FakeSchemaRegistry();
    await registry.register('ratings-value', schema('rating_id', 'stars'));
    const ksql = new StatefulKsql(registry);
    const next = () => new Driver(ksqlStreamResource, fakeClients({ ksqldb: ksql, schemaRegistry: registry }));
    const { state } = await next().applyConfig(null, { statement: AVRO_RATINGS });
    return { ksql, registry, next, state: state! };
  }

  test('plan twice: no change, the inferred columns recorded', async () => {
    const { next, state } = await setup();
    expect(state.inferred_columns).toEqual(['RATING_ID', 'STARS']);
    const refreshed = (await next().read(state))!;
    expect(refreshed).toEqual(state);
    const plan = await next().plan(refreshed, { statement: AVRO_RATINGS });
    expect(plan.planned).toEqual(refreshed);
    expect(plan.diagnostics).toEqual([]);
  });

  test('a new schema version with appended columns shows in the plan and apply replaces the stream in place', async () => {
    const { ksql, registry, next, state } = await setup();
    await registry.register('ratings-value', schema('rating_id', 'stars', 'channel'));
    const refreshed = (await next().read(state))!;
    const sent = ksql.sent.length;
    const { state: upgraded, plan } = await next().applyConfig(refreshed, { statement: AVRO_RATINGS });
    expect(plan.requiresReplace).toEqual([]);
    expect(plan.planned!.inferred_columns).toEqual(['RATING_ID', 'STARS', 'CHANNEL']);
    expect(texts(plan.warnings)).toEqual([
      "A new schema version changes the columns of RATINGS: The latest version (2, schema id 2) of subject ratings-value in the Schema Registry has the value columns (RATING_ID, STARS, CHANNEL); ksqlDB's RATINGS has (RATING_ID, STARS). Apply runs CREATE OR REPLACE STREAM RATINGS so ksqlDB picks up the new columns (CHANNEL); queries reading it see them once they are replaced.",
    ]);
    expect(ksql.sent.slice(sent)).toEqual(["CREATE OR REPLACE STREAM RATINGS WITH (KAFKA_TOPIC='ratings', VALUE_FORMAT='AVRO');"]);
    expect(upgraded).toMatchObject({ inferred_columns: ['RATING_ID', 'STARS', 'CHANNEL'], instance_id: state.instance_id });
    expect((await next().plan((await next().read(upgraded!))!, { statement: AVRO_RATINGS })).diagnostics).toEqual([]);
  });

  test('a new schema version without a column ksqlDB has plans a replacement, saying why', async () => {
    const { registry, next, state } = await setup();
    await registry.register('ratings-value', schema('rating_id'));
    const plan = await next().plan((await next().read(state))!, { statement: AVRO_RATINGS });
    expect(plan.requiresReplace).toEqual(['inferred_columns']);
    expect(plan.planned!.instance_id).toBe(UNKNOWN);
    expect(texts(plan.warnings)[0]).toMatch(
      /^ksqlDB cannot change RATINGS in place: .*has the value columns \(RATING_ID\); ksqlDB's RATINGS has \(RATING_ID, STARS\): STARS is no longer in the schema, and ksqlDB does not remove columns/,
    );
  });

  test('the same columns in another order are no change', async () => {
    const { registry, next, state } = await setup();
    await registry.register('ratings-value', schema('stars', 'rating_id'));
    const plan = await next().plan((await next().read(state))!, { statement: AVRO_RATINGS });
    expect(plan.diagnostics).toEqual([]);
    expect(plan.planned).toEqual(state);
  });

  test('a stream with declared columns is not compared with the Schema Registry', async () => {
    const { registry, next } = await setup();
    const declared = "CREATE STREAM DECLARED (A STRING) WITH (KAFKA_TOPIC='ratings', VALUE_FORMAT='AVRO');";
    const { state } = await next().applyConfig(null, { statement: declared });
    await registry.register('ratings-value', schema('rating_id', 'stars', 'channel'));
    const plan = await next().plan((await next().read(state!))!, { statement: declared });
    expect(plan.diagnostics).toEqual([]);
    expect(plan.planned!.inferred_columns).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// The local ksqlDB behaves as ksqlDB does where drift repairs rely on it

describe('local ksqlDB', () => {
  let servers: KsqlServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((x) => x.close()));
    servers = [];
  });
  const start = async (rt: MemoryRuntime, registry?: MemorySchemaRegistryClient) => {
    const s = await startKsqlServer({ port: 0, runtime: rt, ...(registry ? { schemaRegistry: registry } : {}) });
    servers.push(s);
    return s;
  };
  const ok = async (s: KsqlServer, sql: string): Promise<any[]> => {
    const res = await fetch(`${s.url}/ksql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/vnd.ksql.v1+json' },
      body: JSON.stringify({ ksql: sql, streamsProperties: { 'auto.offset.reset': 'earliest' } }),
    });
    const body = await res.json();
    if (res.status !== 200) throw new Error(`${sql}: ${res.status} ${JSON.stringify(body)}`);
    return body as any[];
  };
  const avro = (...fields: string[]) =>
    JSON.stringify({ type: 'record', name: 'R', fields: fields.map((name) => ({ name, type: ['null', 'string'], default: null })) });

  test('infers columns from a schema registered after it started; CREATE OR REPLACE picks up a new version', async () => {
    const registry = new MemorySchemaRegistryClient();
    const s = await start(new MemoryRuntime(), registry);
    await registry.register('late-value', avro('a'), 'AVRO');
    const create = "CREATE STREAM LATE WITH (KAFKA_TOPIC='late', VALUE_FORMAT='AVRO', PARTITIONS=1);";
    await ok(s, create);
    const fields = async () => (await ok(s, 'DESCRIBE LATE;'))[0].sourceDescription.fields.map((f: { name: string }) => f.name);
    expect(await fields()).toEqual(['A']);
    await registry.register('late-value', avro('a', 'b'), 'AVRO');
    await ok(s, create.replace('CREATE STREAM', 'CREATE OR REPLACE STREAM'));
    expect(await fields()).toEqual(['A', 'B']);
  });

  test('CREATE OR REPLACE of an unchanged query restarts it (a failed query runs again)', async () => {
    const rt = new MemoryRuntime();
    const PV = "CREATE STREAM PV (ID INT KEY, PAGE STRING) WITH (KAFKA_TOPIC='pv', VALUE_FORMAT='JSON', PARTITIONS=1);";
    const COPY = 'CREATE OR REPLACE STREAM COPY AS SELECT * FROM PV;';
    let s = await start(rt);
    await ok(s, `${PV} ${COPY}`);
    await s.close();
    servers = [];
    await rt.deleteTopics(['pv']);
    s = await start(rt);
    const state = async () => (await ok(s, 'LIST QUERIES;'))[0].queries[0].state as string;
    expect(await state()).toBe('ERROR');
    // its first retry (after 1 s) fails too; the next is 2 s later
    await new Promise((r) => setTimeout(r, 1300));
    await rt.createTopic({ name: 'pv', partitions: 1 });
    expect(await state()).toBe('ERROR');
    await ok(s, COPY); // the very statement it runs
    expect(await state()).toBe('RUNNING');
  });
});
