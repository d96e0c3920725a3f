/**
 * Engine semantics the pipelines' test cases found wrong, each as the smallest case, written as
 * ksqlDB behaves (both fixed; kept as regression tests).
 */
import { KsqlEngine, type OutputRecord } from '../../src/tools/ksqldb/engine/engine';

function engineWith(sql: string): KsqlEngine {
  const e = new KsqlEngine({ autoCreateTopics: true });
  e.execute(sql);
  return e;
}

const values = (out: OutputRecord[]): unknown[] => out.map((o) => (o.value === null ? null : JSON.parse(o.value.toString('utf8'))));
const input = (value: unknown) => ({ topic: 's', key: null, value: Buffer.from(JSON.stringify(value), 'utf8'), timestamp: 0 });

// ksqlDB's RegexpExtract and RegexpExtractAll UDFs take (pattern, input): the docs write
// REGEXP_EXTRACT('.*', col1). DataQuality's validity checks (Check.matches) render
// REGEXP_EXTRACT('<pattern>', <column>).
test('REGEXP_EXTRACT and REGEXP_EXTRACT_ALL take the pattern first', () => {
  const e = engineWith(`
    CREATE STREAM S (PHONE STRING) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON');
    CREATE STREAM O AS SELECT REGEXP_EXTRACT('[0-9]+', PHONE) AS FIRST, REGEXP_EXTRACT_ALL('[0-9]+', PHONE) AS ALL_OF FROM S;`);
  expect(values(e.process(input({ PHONE: 'tel 020 7123' })))).toEqual([{ FIRST: '020', ALL_OF: ['020', '7123'] }]);
});

// A UDF that throws gives NULL in ksqlDB (the error goes to the processing log); an invalid
// regular expression is such an error (PatternSyntaxException): one NULL, not a failed record.
test('an invalid regular expression in a UDF gives NULL, the record is still processed', () => {
  const e = engineWith(`
    CREATE STREAM S (P STRING, V STRING) WITH (KAFKA_TOPIC='s', VALUE_FORMAT='JSON');
    CREATE STREAM O AS SELECT V, REGEXP_EXTRACT(P, V) AS X, REGEXP_REPLACE(V, P, '-') AS Y FROM S;`);
  expect(values(e.process(input({ P: '+44', V: '+44' })))).toEqual([{ V: '+44', X: null, Y: null }]);
});
