/**
 * Every statement the three stacks deploy (from the synthesis snapshots) runs on the local
 * engine, except the three joins real ksqlDB refuses: they select ROWKEY, which is not a column
 * in ksqlDB 0.15+. With the join key projected as ksqlDB names it, they are accepted.
 */
import * as fs from 'fs';
import * as path from 'path';
import { KsqlEngine } from '../../src/tools/ksqldb/engine/engine';
import { MemorySchemaRegistry } from '../../src/tools/ksqldb/engine/registry';

const SNAPSHOT = path.join(__dirname, '..', '..', '..', 'test', 'unit', '__snapshots__', 'stacks.test.ts.snap');

function statementsOf(stack: string): string[] {
  const snap = fs.readFileSync(SNAPSHOT, 'utf8');
  const start = snap.indexOf(`exports[\`${stack} in dev`);
  const end = snap.indexOf('exports[`', start + 10);
  const part = snap.slice(start, end > 0 ? end : undefined);
  return [...part.matchAll(/"statement": "((?:[^"\\]|\\.)*)"/gs)].map((m) => m[1].replace(/\\"/g, '"').replace(/\\\\/g, '\\'));
}

/** Runs statements in dependency order (retrying those whose sources come later); returns the refused ones. */
function run(statements: string[]): Map<string, string> {
  const engine = new KsqlEngine({ autoCreateTopics: true, schemaRegistry: new MemorySchemaRegistry() });
  let pending = [...statements];
  const errors = new Map<string, string>();
  for (let round = 0; round < 10 && pending.length > 0; round++) {
    const next = pending.filter((s) => {
      try {
        engine.execute(s);
        errors.delete(s);
        return false;
      } catch (e) {
        errors.set(s, (e as Error).message);
        return true;
      }
    });
    if (next.length === pending.length) break;
    pending = next;
  }
  return new Map(pending.map((s) => [s, errors.get(s) ?? '']));
}

const CORRECTIONS: [RegExp, string][] = [
  [/ROWKEY AS PASSENGER_KEY/, 'P.PASSENGER_KEY AS PASSENGER_KEY'],
  [/ROWKEY AS CUSTOMER_KEY/, 'C.CUSTOMER_KEY AS CUSTOMER_KEY'],
  [/ROWKEY AS USER_KEY, /, ''],
];
const corrected = (s: string): string => CORRECTIONS.reduce((x, [re, by]) => x.replace(re, by), s);

test('customer-quality runs as synthesized', () => {
  expect([...run(statementsOf('customer-quality')).keys()]).toEqual([]);
});

test.each([
  ['airline-merger', ['SKY_ONE_BOOKINGS_ENRICHED', 'STREAM_JET_BOOKINGS_ENRICHED']],
  ['ratings', ['RATINGS_WITH_CUSTOMER_DATA']],
])('%s: the joins selecting ROWKEY are refused like ksqlDB; corrected, everything runs', (stack, joins) => {
  const refused = run(statementsOf(stack));
  for (const name of joins) {
    const entry = [...refused].find(([s]) => s.startsWith(`CREATE STREAM ${name} `));
    expect(entry?.[1]).toBe("SELECT column 'ROWKEY' cannot be resolved.");
  }
  expect([...run(statementsOf(stack).map(corrected)).keys()]).toEqual([]);
});
