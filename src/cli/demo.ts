import { Kafka, logLevel } from 'kafkajs';
import { LocalKafkaPlatform } from '../../constructs';
import { SchemaRegistryClient } from '../clients/schema-registry';
import { devEnvironment } from '../../stacks/environments';
import { deployStack } from './cdktf';
import { platformStatus } from './status';

/**
 * The README's main job: deploy the dev platform to local Docker with cdktf, send data through it
 * and show what is there.
 */
export async function demo(): Promise<void> {
  const env = devEnvironment();
  const e = LocalKafkaPlatform.hostEndpoints(env.platform!.ports, env.platform!.images);
  process.stderr.write('1/3 cdktf deploy platform-dev (Kafka, Schema Registry, Connect on local Docker) …\n');
  const started = Date.now();
  await deployStack('platform-dev');
  process.stderr.write(`    deployed in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);

  process.stderr.write('2/3 producing 10 messages to demo.greetings and registering its schema …\n');
  const kafka = new Kafka({ brokers: [e.bootstrapServers], clientId: 'streamform-demo', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  if (!(await admin.listTopics()).includes('demo.greetings')) {
    await admin.createTopics({ topics: [{ topic: 'demo.greetings', numPartitions: 3 }], waitForLeaders: true });
  }
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: 'demo.greetings',
    messages: Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ n: i, text: `hello #${i}` }) })),
  });
  await producer.disconnect();
  const sr = new SchemaRegistryClient({ url: e.schemaRegistryUrl });
  await sr.register('demo.greetings-value', {
    schemaType: 'JSON',
    schema: JSON.stringify({ type: 'object', properties: { n: { type: 'integer' }, text: { type: 'string' } }, required: ['n'] }),
  });

  process.stderr.write('3/3 what runs and flows now:\n\n');
  process.stdout.write((await platformStatus(e)) + '\n');
  process.stderr.write('\nThe platform keeps running. Remove it with: bin/streamform destroy platform-dev\n');
}
