/**
 * Provider benchmark (prints figures; not a test): 300 topics plus 100 ksqlDB objects (50 streams
 * over topics, 50 persistent queries) applied and planned with real OpenTofu against the shared
 * test platform's Kafka and the local ksqlDB; time and requests per server kind for each
 * command (the provider's start is measured by bench/provider-start.ts).
 * Target: the plan of these 400 resources under 15 s on the CI machine.
 * Run: node dist/bench/provider.js [--topics 300] [--streams 50] [--queries 50] [--keep]
 * (deploys the shared test platform first if it is not running).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KafkaAdminClient } from '../src/provider/clients/kafka';
import { ksqlQuery, ksqlStream, topic } from '../src/gen/providers/streamform';
import { deploy } from '../src/tools/testkit/instance';
import { sharedEndpoints, sharedInstance, startSharedKsqldb } from '../src/tools/testkit/shared-platform';
import { Workspace } from '../src/tools/testkit/workspace';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

interface Stats {
  readonly seconds: number;
  readonly requests: Record<string, number>;
}

async function measured(statsFile: string, fn: () => Promise<unknown>): Promise<Stats> {
  fs.writeFileSync(statsFile, '');
  const started = Date.now();
  await fn();
  const seconds = (Date.now() - started) / 1000;
  const requests: Record<string, number> = {};
  for (const line of fs.readFileSync(statsFile, 'utf8').split('\n').filter(Boolean)) {
    for (const [k, v] of Object.entries((JSON.parse(line) as { requests: Record<string, number> }).requests))
      requests[k] = (requests[k] ?? 0) + v;
  }
  return { seconds, requests };
}

function show(label: string, s: Stats): void {
  const req =
    Object.entries(s.requests)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  console.log(`  ${label.padEnd(34)} ${s.seconds.toFixed(1).padStart(6)} s   requests: ${req}`);
}

async function main(): Promise<void> {
  const topics = arg('topics', 300);
  const streams = arg('streams', 50);
  const queries = arg('queries', 50);
  const e = sharedEndpoints();
  await deploy(sharedInstance(), 'platform-dev');
  const ksqldb = await startSharedKsqldb();
  const statsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sf-bench-')), 'stats.jsonl');
  const ws = new Workspace('bench', { bootstrapServers: e.bootstrapServers, ksqldbUrl: ksqldb.url });
  ws.env.STREAMFORM_PROVIDER_STATS = statsFile;
  const run = Date.now().toString(36);
  ws.synth((stack) => {
    const ts = Array.from(
      { length: topics },
      (_, i) => new topic.Topic(stack, `t${i}`, { name: `bench-${run}-${i}`, partitions: 1, config: { 'retention.ms': '3600000' } }),
    );
    for (let i = 0; i < streams; i++) {
      const s = new ksqlStream.KsqlStream(stack, `s${i}`, {
        statement: `CREATE STREAM BENCH_${run.toUpperCase()}_S${i} (ID STRING KEY, V INT) WITH (KAFKA_TOPIC='bench-${run}-${i}', VALUE_FORMAT='JSON');`,
        dependsOn: [ts[i]],
      });
      if (i < queries) {
        new ksqlQuery.KsqlQuery(stack, `q${i}`, {
          statement: `CREATE STREAM BENCH_${run.toUpperCase()}_Q${i} AS SELECT * FROM BENCH_${run.toUpperCase()}_S${i} WHERE V > ${i} EMIT CHANGES;`,
          dependsOn: [s],
        });
      }
    }
  });
  await ws.init();
  console.log(
    `${topics} topics + ${streams} ksql streams + ${Math.min(queries, streams)} ksql queries (${topics + streams + Math.min(queries, streams)} resources):`,
  );
  try {
    show('apply from nothing', await measured(statsFile, () => ws.apply()));
    show('plan, no changes (refresh all)', await measured(statsFile, () => ws.plan()));
    show('plan again', await measured(statsFile, () => ws.plan()));
  } finally {
    if (!process.argv.includes('--keep')) {
      show('destroy', await measured(statsFile, () => ws.destroy(true)));
      const k = new KafkaAdminClient({ bootstrapServers: [e.bootstrapServers] });
      const left = (await k.listTopics()).filter((t) => t.startsWith(`bench-${run}`));
      for (const t of left) await k.deleteTopic(t);
      await k.close();
    }
    await ksqldb.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
