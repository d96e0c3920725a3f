/**
 * What one statement costs on the local ksqlDB as the server fills up (prints figures; not a
 * test): N streams over their own topics and N persistent queries (CREATE STREAM AS SELECT), one
 * at a time over REST as the provider sends them, then TERMINATE and DROP of each. Each kind is
 * shown side by side with the server nearly empty (ten objects of that kind) and full (N): a
 * statement should cost the same at 10 or at N objects. Also the two ways the provider reads ksqlDB's objects back: the listing
 * of everything (DESCRIBE STREAMS; DESCRIBE TABLES; LIST QUERIES, one per refresh) and one
 * object by name (DESCRIBE, after a write).
 *
 * Run (shared test platform deployed, e.g. by bench/provider.ts or the integration tests):
 *   node dist/bench/ksqldb-statements.js [--objects 150]
 */
import { KafkaAdminClient } from '../src/provider/clients/kafka';
import { KsqlClient } from '../src/provider/clients/ksqldb';
import { sharedEndpoints, startSharedKsqldb } from '../src/tools/testkit/shared-platform';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main(): Promise<void> {
  const n = arg('objects', 150);
  if (!(n >= 20)) throw new Error(`--objects must be at least 20 (the first ten and the last ten are compared), got ${n}`);
  const ksqldb = await startSharedKsqldb();
  const client = new KsqlClient({ url: ksqldb.url });
  const kafka = new KafkaAdminClient({ bootstrapServers: [sharedEndpoints().bootstrapServers] });
  const run = `B${Date.now().toString(36).toUpperCase()}`;
  const topic = (i: number) => `bench-stmt-${run.toLowerCase()}-${i}`;
  const costs: Record<string, number[]> = {
    'CREATE STREAM': [],
    'CREATE STREAM AS SELECT': [],
    'listing (refresh)': [],
    'DESCRIBE one (after a write)': [],
    TERMINATE: [],
    'DROP STREAM (a query sink)': [],
    'DROP STREAM': [],
  };
  try {
    await Promise.all(
      Array.from({ length: n }, (_, i) => kafka.createTopic({ name: topic(i), partitions: 1, replicationFactor: 1, configs: {} })),
    );
    const queryIds: string[] = [];
    for (let i = 0; i < n; i++) {
      costs['CREATE STREAM'].push(
        await timed(() =>
          client.command(`CREATE STREAM ${run}_S${i} (ID STRING KEY, V INT) WITH (KAFKA_TOPIC='${topic(i)}', VALUE_FORMAT='JSON');`),
        ),
      );
      costs['CREATE STREAM AS SELECT'].push(
        await timed(async () => {
          const { status } = await client.command(`CREATE STREAM ${run}_Q${i} AS SELECT * FROM ${run}_S${i} WHERE V > ${i} EMIT CHANGES;`);
          queryIds.push(status!.queryId!);
        }),
      );
      costs['listing (refresh)'].push(await timed(() => client.catalog()));
      costs['DESCRIBE one (after a write)'].push(await timed(() => client.source(`${run}_Q${i}`)));
    }
    for (let i = n - 1; i >= 0; i--) {
      costs.TERMINATE.push(await timed(() => client.command(`TERMINATE ${queryIds[i]};`)));
      costs['DROP STREAM (a query sink)'].push(await timed(() => client.command(`DROP STREAM ${run}_Q${i} DELETE TOPIC;`)));
      costs['DROP STREAM'].push(await timed(() => client.command(`DROP STREAM ${run}_S${i};`)));
    }
  } finally {
    await Promise.all(Array.from({ length: n }, (_, i) => kafka.deleteTopic(topic(i)).catch(() => undefined)));
    await kafka.close();
    await ksqldb.close();
  }
  console.log(`${n} streams + ${n} persistent queries on the local ksqlDB, one statement at a time (ms per statement):`);
  console.log(`  ${'statement'.padEnd(30)} ${'at 10'.padStart(9)} ${`at ${n}`.padStart(9)}  ratio   all (s)`);
  for (const [what, xs] of Object.entries(costs)) {
    // creates fill the server, drops (newest first) empty it: the ten made with the fewest objects vs the ten with the most
    const [early, late] =
      what.startsWith('DROP') || what === 'TERMINATE' ? [xs.slice(-10), xs.slice(0, 10)] : [xs.slice(0, 10), xs.slice(-10)];
    const ratio = mean(late) / mean(early);
    console.log(
      `  ${what.padEnd(30)} ${mean(early).toFixed(1).padStart(9)} ${mean(late).toFixed(1).padStart(9)}  ${ratio.toFixed(2)}×  ${(xs.reduce((a, b) => a + b, 0) / 1000).toFixed(1).padStart(7)}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
