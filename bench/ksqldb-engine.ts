/**
 * Local ksqlDB engine benchmark (prints figures; not a test): in-memory throughput in records/s
 * of three queries over JSON records, each beside a baseline measured in the same run — a plain
 * JavaScript loop that JSON-parses, filters, projects and JSON-serializes the same records. The
 * ratio engine/baseline is what matters (the machine's speed cancels out).
 *  1. filter + project (CSAS ... WHERE);
 *  2. stream-table join (the table loaded first, then the stream records);
 *  3. tumbling-window COUNT per key (CTAS ... WINDOW TUMBLING GROUP BY).
 * Run: node dist/bench/ksqldb-engine.js [--records 100000] [--runs 3]
 */
import { KsqlEngine, type InputRecord } from '../src/tools/ksqldb/engine/engine';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const RECORDS = arg('--records', 100_000);
const RUNS = arg('--runs', 3);
const USERS = 1000;

function stringKey(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

/** Deterministic records: ratings of users, about 2 per millisecond of event time. */
function ratings(n: number): InputRecord[] {
  const out: InputRecord[] = [];
  let seed = 7;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed;
  };
  for (let i = 0; i < n; i++) {
    const user = `u${next() % USERS}`;
    const value = { RATING_ID: i, STARS: (next() % 5) + 1, CHANNEL: next() % 3 === 0 ? 'ios' : 'web', MESSAGE: `message ${i}` };
    out.push({ topic: 'ratings', key: stringKey(user), value: Buffer.from(JSON.stringify(value), 'utf8'), timestamp: Math.floor(i / 2) });
  }
  return out;
}

function customers(): InputRecord[] {
  const out: InputRecord[] = [];
  for (let u = 0; u < USERS; u++) {
    const value = { NAME: `customer ${u}`, STATUS: u % 4 === 0 ? 'gold' : 'bronze' };
    out.push({ topic: 'customers', key: stringKey(`u${u}`), value: Buffer.from(JSON.stringify(value), 'utf8'), timestamp: 0 });
  }
  return out;
}

const DDL = `
  CREATE STREAM RATINGS (USER_ID STRING KEY, RATING_ID BIGINT, STARS INT, CHANNEL STRING, MESSAGE STRING)
    WITH (KAFKA_TOPIC='ratings', VALUE_FORMAT='JSON');
  CREATE TABLE CUSTOMERS (ID STRING PRIMARY KEY, NAME STRING, STATUS STRING)
    WITH (KAFKA_TOPIC='customers', VALUE_FORMAT='JSON');`;

interface Case {
  readonly name: string;
  readonly query: string;
  readonly before?: readonly InputRecord[];
}

const CASES: readonly Case[] = [
  {
    name: 'filter + project',
    query: `CREATE STREAM POOR AS SELECT USER_ID, RATING_ID, STARS * 2 AS DOUBLED, UCASE(CHANNEL) AS CH FROM RATINGS WHERE STARS < 3;`,
  },
  {
    name: 'stream-table join',
    query: `CREATE STREAM ENRICHED AS SELECT R.USER_ID, R.RATING_ID, R.STARS, C.NAME, C.STATUS
            FROM RATINGS R JOIN CUSTOMERS C ON R.USER_ID = C.ID;`,
    before: customers(),
  },
  {
    name: 'tumbling COUNT',
    query: `CREATE TABLE PER_USER AS SELECT USER_ID, COUNT(*) AS N FROM RATINGS WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY USER_ID;`,
  },
];

/** The baseline: parse, filter, project, serialize — what any JSON pipeline does at least. */
function baseline(records: readonly InputRecord[]): number {
  let produced = 0;
  for (const r of records) {
    const v = JSON.parse((r.value as Buffer).toString('utf8')) as { RATING_ID: number; STARS: number; CHANNEL: string };
    if (!(v.STARS < 3)) continue;
    const out = Buffer.from(JSON.stringify({ RATING_ID: v.RATING_ID, DOUBLED: v.STARS * 2, CH: v.CHANNEL.toUpperCase() }), 'utf8');
    produced += out.length > 0 ? 1 : 0;
  }
  return produced;
}

function timeMs(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function best(runs: number, fn: () => number): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) min = Math.min(min, fn());
  return min;
}

function main(): void {
  const records = ratings(RECORDS);
  const rate = (ms: number): string => `${Math.round((RECORDS / ms) * 1000).toLocaleString('en-US')} records/s`;
  const base = best(RUNS, () => timeMs(() => baseline(records)));
  console.log(`ksqlDB engine, ${RECORDS.toLocaleString('en-US')} JSON records per query, best of ${RUNS} runs`);
  console.log(`${'baseline (JSON parse, filter, project, serialize)'.padEnd(52)} ${rate(base).padStart(20)}`);
  for (const c of CASES) {
    let outputs = 0;
    const ms = best(RUNS, () => {
      const engine = new KsqlEngine({ autoCreateTopics: true });
      engine.execute(DDL);
      engine.execute(c.query);
      for (const r of c.before ?? []) engine.process(r);
      let n = 0;
      const t = timeMs(() => {
        for (const r of records) n += engine.process(r).length;
      });
      outputs = n;
      return t;
    });
    console.log(
      `${`engine: ${c.name}`.padEnd(52)} ${rate(ms).padStart(20)}   ${(base / ms).toFixed(2)}× baseline   (${outputs.toLocaleString('en-US')} outputs)`,
    );
  }
}

main();
