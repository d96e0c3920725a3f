/**
 * Each pipeline's dev stack deployed with the real `cdktf deploy` (OpenTofu, the streamform
 * provider, the docker provider) onto the shared test platform, whose ksqldb container runs
 * streamform's local ksqlDB over the platform's Kafka and Schema Registry: its databases run as
 * containers, Debezium captures their changes into Kafka, generated records flow through every
 * stage (each derived topic holds exactly what the pipeline's ksql makes of the source records,
 * replayed in memory; for ratings across a kill -9 and restart of the ksqldb container), the next
 * plan is empty, and destroy leaves nothing.
 * Starts: the pipeline's database containers (prefix `sf-it-shared-`).
 */
import { ConnectClient } from '../../src/provider/clients/connect';
import { KafkaAdminClient } from '../../src/provider/clients/kafka';
import { KsqlClient } from '../../src/provider/clients/ksqldb';
import { run } from '../../src/tools/toolchain/run';
import { deploy, destroy, dockerObjects, plan } from '../../src/tools/testkit/instance';
import { App } from 'cdktf';
import { environment } from '../../stacks/environments';
import { PIPELINES } from '../../stacks/main';
import { produce } from '../../src/tools/generators';
import { pipelineFlow } from '../../src/tools/ksqldb/flow';
import { sharedEndpoints, sharedInstance, SHARED_NAME } from '../../src/tools/testkit/shared-platform';

jest.setTimeout(15 * 60_000);

const e = sharedEndpoints();
const inst = sharedInstance();
const kafka = new KafkaAdminClient({ bootstrapServers: [e.bootstrapServers] });
const connect = new ConnectClient({ url: e.connectUrl });
const ksqldbUrl = e.ksqldbUrl!;

afterAll(async () => {
  await kafka.close();
});

/** Messages in a topic, read with a fresh client (topics of the same name come and go between cases). */
async function messages(topic: string): Promise<number> {
  const fresh = new KafkaAdminClient({ bootstrapServers: [e.bootstrapServers] });
  try {
    const offsets = await fresh.offsets(topic);
    return Number(offsets.reduce((n, o) => n + (o.high - o.low), 0n));
  } finally {
    await fresh.close();
  }
}

async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function sql(container: string, shell: string, statements: string): Promise<void> {
  await run('docker', ['exec', '-i', container, 'sh', '-c', shell], { input: statements });
}

async function ksqlNames(): Promise<string[]> {
  const cat = await new KsqlClient({ url: ksqldbUrl }).catalog();
  return [...cat.sources.keys(), ...cat.queries.keys()];
}

interface Case {
  readonly pipeline: string;
  /** Generated records to produce, and whether the ksqldb container is killed and restarted meanwhile. */
  readonly produce: { readonly count: number; readonly restartEngine: boolean };
  /** Writes rows into the pipeline's database; resolves the topic that must receive them. */
  readonly writeSourceData: () => Promise<string>;
  readonly connectors: readonly string[];
  readonly ksqlObjects: readonly string[];
  readonly topics: readonly string[];
}

const CASES: readonly Case[] = [
  {
    pipeline: 'ratings',
    produce: { count: 2000, restartEngine: true },
    writeSourceData: async () => {
      await sql(
        `${SHARED_NAME}-ratings-mariadb`,
        'mariadb -uroot -p"$MARIADB_ROOT_PASSWORD" demo',
        "INSERT INTO customers (id, first_name, last_name, email, gender, club_status) VALUES (42, 'Rick', 'Astley', 'rick@example.com', 'M', 'platinum');",
      );
      return 'asgard.demo.customers';
    },
    connectors: ['ratings-customers-cdc'],
    ksqlObjects: [
      'RATINGS',
      'CUSTOMERS',
      'RATINGS_LIVE',
      'RATINGS_WITH_CUSTOMER_DATA',
      'UNHAPPY_PLATINUM_CUSTOMERS',
      'RATINGS_BY_CLUB_STATUS',
    ],
    topics: ['ratings', 'asgard.demo.customers', 'ratings-enriched', 'unhappy-platinum-customers'],
  },
  {
    pipeline: 'airline-merger',
    produce: { count: 300, restartEngine: false },
    writeSourceData: async () => {
      await sql(
        `${SHARED_NAME}-airline-postgres`,
        'psql -v ON_ERROR_STOP=1 -U postgres -d airline',
        "INSERT INTO streamjet.customers VALUES (7, 'Ms', 'Ada', 'Lovelace', 'ada@example.com');",
      );
      return 'airline.streamjet.customers';
    },
    connectors: ['airline-bookings-cdc', 'airline-analytics-bookings-sink'],
    ksqlObjects: ['BOOKINGS', 'BOOKINGS_REDACTED', 'IMPACTED_FLIGHTS', 'IMPACTED_CUSTOMERS'],
    topics: ['bookings', 'flight-updates', 'airline.streamjet.customers', 'impacted-customers'],
  },
  {
    pipeline: 'customer-quality',
    produce: { count: 300, restartEngine: false },
    writeSourceData: async () => {
      const producer = kafka.kafka.producer();
      await producer.connect();
      await producer.send({
        topic: 'custchannel',
        messages: [
          {
            key: 'r-1',
            value: JSON.stringify({
              NAME: 'Grace Hopper',
              EMAIL: 'grace@example.com',
              PHONE: '+1 555 0100',
              DOB: '1906-12-09',
              CREATED_AT: Date.now(),
              CHANNEL: 'web',
            }),
          },
        ],
      });
      await producer.disconnect();
      return 'custchannel';
    },
    connectors: ['quality-mdm-sink', 'quality-sandbox-sink'],
    ksqlObjects: [
      'REGISTRATIONS',
      'REGISTRATIONS_CHECKED',
      'REGISTRATIONS_VALID',
      'REGISTRATIONS_INVALID',
      'REGISTRATIONS_FAILURES',
      'REGISTRATIONS_METRICS',
      'CUSTOMER_NOTIFICATIONS',
    ],
    topics: ['custchannel', 'customer-notifications'],
  },
];

describe.each(CASES)('$pipeline dev stack', (c) => {
  const stack = `${c.pipeline}-dev`;

  test('deploys with cdktf onto the local platform', async () => {
    await deploy(inst, stack);
    for (const name of c.connectors) expect((await connect.status(name))?.connector.state).toBe('RUNNING');
    expect(await ksqlNames()).toEqual(expect.arrayContaining([...c.ksqlObjects]));
    const topics = await kafka.listTopics();
    expect(topics).toEqual(expect.arrayContaining([...c.topics]));
  });

  test('change data capture brings database rows into Kafka', async () => {
    const topic = await c.writeSourceData();
    await eventually(`a change record in ${topic}`, async () => (await messages(topic)) > 0);
  });

  test(`generated records flow through every stage${c.produce.restartEngine ? ', across a kill -9 and restart of ksqlDB' : ''}`, async () => {
    const quiet = { write: () => true };
    const producing = produce({
      pipeline: c.pipeline,
      env: 'dev',
      rate: c.produce.restartEngine ? 400 : 200,
      count: c.produce.count,
      seed: 11,
      badRatio: 0.2,
      processEnv: inst.env,
      stderr: quiet,
    });
    if (c.produce.restartEngine) {
      // while records arrive: the engine dies without warning, and comes back
      await eventually('records in ratings-enriched', async () => (await messages('ratings-enriched')) > 200);
      await run('docker', ['kill', '--signal', 'KILL', `${SHARED_NAME}-ksqldb`]);
      await run('docker', ['start', `${SHARED_NAME}-ksqldb`]);
    }
    const result = await producing;
    expect(result.sent).toBe(c.produce.count);
    const env = environment('dev', inst.env);
    const flow = await pipelineFlow(
      new PIPELINES[c.pipeline](new App(), stack, { env }),
      { bootstrapServers: e.bootstrapServers, schemaRegistryUrl: e.schemaRegistryUrl },
      { waitMs: 180_000 },
    );
    const derived = flow.topics.filter((t) => t.role === 'derived');
    expect(derived.length).toBeGreaterThanOrEqual(4);
    // every derived topic holds exactly the records the pipeline's ksql makes of its sources: none
    // lost, none twice (topics downstream of a join fed twice by the same records depend on which
    // query ran first, in ksqlDB as here: those hold records, and conserve them where they split)
    const exact = derived.filter((t) => !t.timingDependent);
    expect(exact.map((t) => [t.topic, t.actual])).toEqual(exact.map((t) => [t.topic, t.expected]));
    for (const t of derived) expect(t.actual).toBeGreaterThan(0);
    const topicFlow = (topic: string) => flow.topics.find((t) => t.topic === topic);
    const count = (topic: string): number => topicFlow(topic)?.actual ?? -1;
    if (c.pipeline === 'customer-quality') {
      // every registration is checked once, and lands either valid or invalid
      expect(count('registrations-checked')).toBe(topicFlow('registrations-checked')?.expected);
      expect(count('registrations-valid') + count('registrations-invalid')).toBe(count('registrations-checked'));
    }
    expect(flow.consistent).toBe(true);
  });

  test('the next plan is empty', async () => {
    const p = await plan(inst, stack);
    expect(p.output).toContain('No changes.');
    expect(p.code).toBe(0);
  });

  test('destroy is clean', async () => {
    await destroy(inst, stack);
    const left = (await dockerObjects(SHARED_NAME)).filter((o) => o.includes(c.pipeline.split('-')[0]));
    expect(left).toEqual([]);
    for (const name of c.connectors) expect(await connect.status(name)).toBeUndefined();
    expect((await ksqlNames()).filter((n) => c.ksqlObjects.includes(n))).toEqual([]);
    const topics = await kafka.listTopics();
    expect(topics.filter((t) => c.topics.includes(t))).toEqual([]);
  });
});
