/**
 * Every ksqlDB statement of every pipeline stack, as synthesized in every environment, runs on
 * the local engine in dependency order, over the stack's own topics and schemas. The three joins
 * that once selected ROWKEY (not a column since ksqlDB 0.15) now project the join key, which is
 * what ksqlDB (and the engine) accept.
 */
import { Testing } from 'cdktf';
import { ENV_NAMES, environment, EnvName } from '../../stacks/environments';
import { PIPELINES } from '../../stacks/main';
import { KsqlEngine } from '../../src/tools/ksqldb/engine/engine';
import { MemorySchemaRegistry } from '../../src/tools/ksqldb/engine/registry';
import { dependencyOrder, stackKsql, StackKsql } from '../../src/tools/ksqldb/test-runner/stack';

const FIXED_ENV = { STREAMFORM_STATE_DIR: '/state', STREAMFORM_IMAGES: 'local' };

function ksqlOf(pipeline: string, env: EnvName): StackKsql {
  const Stack = PIPELINES[pipeline];
  return stackKsql(new Stack(Testing.app(), `${pipeline}-${env}`, { env: environment(env, FIXED_ENV) }));
}

/** Executes the statements in order; the first refusal, if any. */
function firstRefusal(ksql: StackKsql, statements = ksql.statements): { statement: string; message: string } | undefined {
  const registry = new MemorySchemaRegistry();
  for (const s of ksql.schemas) registry.register(s.subject, s.schema, s.schemaType);
  const engine = new KsqlEngine({ schemaRegistry: registry, topics: ksql.topics });
  for (const statement of statements) {
    try {
      engine.execute(statement);
    } catch (e) {
      return { statement, message: (e as Error).message };
    }
  }
  return undefined;
}

const CASES = Object.keys(PIPELINES).flatMap((p) => ENV_NAMES.map((e) => [p, e] as const));

test.each(CASES)('%s in %s: every statement runs on the engine, as synthesized', (pipeline, env) => {
  const ksql = ksqlOf(pipeline, env);
  expect(ksql.statements.length).toBeGreaterThan(5);
  expect(firstRefusal(ksql)).toBeUndefined();
});

test('no statement of any stack selects ROWKEY', () => {
  for (const [pipeline, env] of CASES) for (const s of ksqlOf(pipeline, env).statements) expect(s).not.toMatch(/\bROWKEY\b/);
});

test.each([
  ['ratings', 'RATINGS_WITH_CUSTOMER_DATA', 'SELECT R.RATING_ID', 'SELECT ROWKEY AS USER_KEY, R.RATING_ID'],
  ['airline-merger', 'STREAM_JET_BOOKINGS_ENRICHED', 'C.CUSTOMER_KEY AS CUSTOMER_KEY', 'ROWKEY AS CUSTOMER_KEY'],
  ['airline-merger', 'SKY_ONE_BOOKINGS_ENRICHED', 'P.PASSENGER_KEY AS PASSENGER_KEY', 'ROWKEY AS PASSENGER_KEY'],
])('%s: %s as it was written before (selecting ROWKEY) is refused like ksqlDB refuses it', (pipeline, name, now, before) => {
  const ksql = ksqlOf(pipeline, 'dev');
  const old = ksql.statements.map((s) => (s.startsWith(`CREATE STREAM ${name} `) ? s.replace(now, before) : s));
  expect(old).not.toEqual(ksql.statements);
  expect(firstRefusal(ksql, old)).toEqual({
    statement: expect.stringContaining(`CREATE STREAM ${name} `),
    message: "SELECT column 'ROWKEY' cannot be resolved.",
  });
});

test('dependency order: creators first, otherwise as given; a cycle is an error', () => {
  const a = "CREATE STREAM A (X INT) WITH (KAFKA_TOPIC='a', VALUE_FORMAT='JSON');";
  const b = 'CREATE STREAM B AS SELECT * FROM A;';
  const c = 'INSERT INTO B SELECT * FROM A;';
  const d = 'CREATE STREAM D AS SELECT * FROM EXTERNAL_SOURCE;';
  expect(dependencyOrder([c, b, d, a])).toEqual([d, a, b, c]);
  expect(() => dependencyOrder(['CREATE STREAM P AS SELECT * FROM Q;', 'CREATE STREAM Q AS SELECT * FROM P;'])).toThrow(/cycle: P, Q/);
});
