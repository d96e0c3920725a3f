import { App } from 'cdktf';
import { LocalKafkaPlatform } from '../../../constructs/platform';
import { devEnvironment } from '../../../stacks/environments';
import { RatingsStack } from '../../../stacks/ratings';
import { SchemaRegistryClient } from '../../provider/clients/schema-registry';
import { produce } from '../generators';
import { emptyDerivedTopics, pipelineFlow, renderFlow } from '../ksqldb/flow';
import { deployStacks } from './cdktf';
import { stopLegacyDevKsqldb, waitForDevKsqldb } from './dev-ksqldb';
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
 * OpenTofu, customers loaded into MariaDB, ratings produced, and what flows through every stage
 * shown and checked: each derived topic holds exactly what the pipeline's ksql makes of the
 * source records (replayed in memory on the same engine), and none is empty.
 */
export async function demo(): Promise<void> {
  const env = devEnvironment();
  const platform = env.platform!;
  const e = LocalKafkaPlatform.hostEndpoints(platform.ports, platform.images, true);
  const ksqlUrl = env.cluster.endpoints?.ksqldbUrl ?? e.ksqldbUrl!;
  const local = platform.images.name === 'local';

  say('1/5 cdktf deploy platform-dev: Kafka, Schema Registry, Kafka Connect and ksqlDB on local Docker …');
  stopLegacyDevKsqldb(platform.name);
  await timed('deployed', () => deployStacks(['platform-dev'], { handleSignals: true }));

  say(`2/5 ksqlDB at ${ksqlUrl} …`);
  const version = await waitForDevKsqldb(ksqlUrl);
  say(
    local
      ? `    streamform's local ksqlDB ${version} (ksqlDB's language and REST protocol; Confluent's server cannot be built here)`
      : `    ksqlDB ${version}`,
  );

  say('3/5 cdktf deploy ratings-dev: MariaDB, topics, schemas, Debezium CDC, ksqlDB streams, tables and queries …');
  await timed('deployed', () => deployStacks(['platform-dev', 'ratings-dev'], { handleSignals: true }));

  say('4/5 streamform produce ratings: customers into MariaDB (captured by Debezium), 300 ratings (Avro) into Kafka …');
  const result = await produce({ pipeline: 'ratings', env: 'dev', rate: 150, count: 300, seed: 1, badRatio: 0 });
  say(`    ${result.sent} ratings sent`);

  say('5/5 what runs and flows now:\n');
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(await platformStatus({ ...e, ksqldbUrl: ksqlUrl, ksqldbNote: local ? "streamform's local ksqlDB" : undefined }));

  const stack = new RatingsStack(new App(), 'ratings-dev', { env });
  const flow = await timed('data flow checked', () =>
    pipelineFlow(stack, { bootstrapServers: e.bootstrapServers, schemaRegistryUrl: e.schemaRegistryUrl }, { waitMs: 90_000 }),
  );
  out('\nWhat flows through the ratings pipeline: records in each topic, and for every derived topic the');
  out("number the pipeline's ksql makes of the source records (replayed in memory on the same engine):\n");
  out(renderFlow(flow));
  const count = (topic: string) => flow.topics.find((t) => t.topic === topic)?.actual ?? 0;
  const live = flow.topics.find((t) => t.objects.includes('RATINGS_LIVE'))?.topic;
  const test = flow.topics.find((t) => t.objects.includes('RATINGS_TEST'))?.topic;
  if (live && test) {
    out(`\nratings ${count('ratings')} = ${live} ${count(live)} + ${test} ${count(test)} (test channels filtered out)`);
  }
  // The demo's ratings (test channels, unhappy platinum customers) and customers feed every stage
  // of the pipeline: an empty derived topic is a failure even where the replay expected none (e.g.
  // no customers captured, so nothing to enrich).
  const empty = emptyDerivedTopics(flow);
  out(
    !flow.consistent
      ? '\nSome derived topics differ from what was expected (see DIFFERS).'
      : empty.length > 0
        ? `\nNo records reached ${empty.join(', ')}, though the demo's data feeds every derived topic.`
        : '\nEvery derived topic holds exactly what was expected.',
  );

  const sr = new SchemaRegistryClient({ url: e.schemaRegistryUrl });
  for (const [topic, title] of [
    ['ratings', 'ratings, Avro decoded through the Schema Registry (last 3)'],
    ['ratings-enriched', 'ratings enriched with customer data by ksqlDB (last 3)'],
  ] as const) {
    const t = await tailTopic({ bootstrapServers: [e.bootstrapServers] }, sr, { topic, last: 3 });
    out(`\n${title}:\n${renderTail(t, 'table')}`);
  }
  say('\nEverything keeps running. Try: bin/streamform tail ratings-enriched --last 10 | bin/streamform status');
  say('Remove it with: bin/streamform destroy ratings-dev platform-dev');
  if (!flow.consistent) throw new Error('the data flow differs from what the pipeline should produce (see the table above)');
  if (empty.length > 0) throw new Error(`no records reached ${empty.join(', ')} (see the table above)`);
}
