import { LocalKafkaPlatform } from '../../../constructs/platform';
import { devEnvironment } from '../../../stacks/environments';
import { KafkaAdminClient } from '../../provider/clients/kafka';
import { SchemaRegistryClient } from '../../provider/clients/schema-registry';
import { produce } from '../generators';
import { deployStacks } from './cdktf';
import { ensureDevKsqldb } from './dev-ksqldb';
import { platformStatus } from './status';
import { renderTail, tailTopic } from './tail';

function say(text: string): void {
  process.stderr.write(`${text}\n`);
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await fn();
  say(`    ${label} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return result;
}

/**
 * The README's main job: the ratings pipeline (seed 001) deployed to local Docker with cdktf and
 * OpenTofu, customers loaded into MariaDB, ratings produced, and what flows shown.
 */
export async function demo(): Promise<void> {
  const env = devEnvironment();
  const platform = env.platform!;
  const e = LocalKafkaPlatform.hostEndpoints(platform.ports, platform.images, true);
  const ksqlUrl = env.cluster.endpoints?.ksqldbUrl ?? e.ksqldbUrl!;

  say('1/5 cdktf deploy platform-dev: Kafka, Schema Registry and Kafka Connect on local Docker …');
  await timed('deployed', () => deployStacks(['platform-dev'], { handleSignals: true }));

  say(`2/5 ksqlDB at ${ksqlUrl} …`);
  const ksqldb = await ensureDevKsqldb(platform.name, ksqlUrl, e.bootstrapServers);
  if (ksqldb.standIn) {
    say("    no ksqlDB server can be obtained here: using streamform's ksqlDB stand-in (same REST protocol,");
    say('    keeps streams, tables and queries, processes no data). With Docker Hub: STREAMFORM_IMAGES=dockerhub.');
  }

  say('3/5 cdktf deploy ratings-dev: MariaDB, topics, schemas, Debezium CDC, ksqlDB streams, tables and queries …');
  await timed('deployed', () => deployStacks(['platform-dev', 'ratings-dev'], { handleSignals: true }));

  say('4/5 streamform produce ratings: customers into MariaDB, 300 ratings (Avro) into Kafka …');
  const result = await produce({ pipeline: 'ratings', env: 'dev', rate: 150, count: 300, seed: 1, badRatio: 0 });
  say(`    ${result.sent} ratings sent`);
  await waitForCdc(e.bootstrapServers, 'asgard.demo.customers');

  say('5/5 what runs and flows now:\n');
  const sr = new SchemaRegistryClient({ url: e.schemaRegistryUrl });
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(
    await platformStatus({
      ...e,
      ksqldbUrl: ksqldb.url,
      ksqldbNote: ksqldb.standIn ? 'stand-in: catalog only, no data processing' : undefined,
    }),
  );
  for (const [topic, title] of [
    ['asgard.demo.customers', 'Debezium change records from MariaDB (last 5)'],
    ['ratings', 'ratings, Avro decoded through the Schema Registry (last 5)'],
  ] as const) {
    const t = await tailTopic({ bootstrapServers: [e.bootstrapServers] }, sr, { topic, last: 5 });
    out(`\n${title}:\n${renderTail(t, 'table')}`);
  }
  say('\nEverything keeps running. Try: bin/streamform tail ratings --last 10 | bin/streamform status');
  say('Remove it with: bin/streamform destroy ratings-dev platform-dev');
}

async function waitForCdc(bootstrap: string, topic: string): Promise<void> {
  const kafka = new KafkaAdminClient({ bootstrapServers: [bootstrap] });
  try {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const offsets = await kafka.offsets(topic);
      if (offsets.some((o) => o.high > o.low)) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
    say(`    (no change records in ${topic} yet; check \`bin/streamform status\`)`);
  } finally {
    await kafka.close();
  }
}
