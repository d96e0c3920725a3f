/**
 * Drills on a 3-broker dev platform of its own (issue 12 items 6 and 7), deployed with the real
 * `cdktf deploy` of the platform-dev stack: STREAMFORM_DEV_BROKERS=3, no ksqlDB container.
 * - a topic with replication 3 and min.insync.replicas 2 takes 20,000 records from an idempotent
 *   acks=all producer while the leader of one of its partitions is stopped (`docker stop`): all
 *   20,000 are consumed afterwards, none twice;
 * - Debezium (PostgreSQL) captures rows while Connect is stopped and started cleanly: no change
 *   record is emitted twice; a kill -9 of Connect loses nothing and its duplicates are measured.
 * Starts: containers, a network and volumes prefixed `sf-it-brokers` (the PostgreSQL container
 * among them), on ports 24092-24094 (brokers 1-3), 23081 (registry), 23083 (Connect); destroyed at
 * the end.
 */
import axios from 'axios';
import { Kafka, logLevel } from 'kafkajs';
import { run } from '../../src/tools/toolchain/run';
import { deploy, destroy, DevInstance, devInstance, dockerObjects, forceCleanup } from '../../src/tools/testkit/instance';

jest.setTimeout(20 * 60_000);

const STACK = 'platform-dev';
const NAME = 'sf-it-brokers';
const OFFSET = 15000;
let sf: DevInstance;

const brokerPorts = () => [0, 1, 2].map((i) => sf.ports.kafka + i);
const bootstrap = () => brokerPorts().map((p) => `localhost:${p}`);
const connectUrl = () => `http://localhost:${sf.ports.connect}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  const base = devInstance(NAME, OFFSET);
  sf = { ...base, env: { ...base.env, STREAMFORM_DEV_BROKERS: '3', STREAMFORM_DEV_KSQLDB: 'false' } };
  await forceCleanup(sf.name);
  await deploy(sf, STACK);
});

afterAll(async () => {
  await forceCleanup(sf.name);
});

function kafka(clientId: string): Kafka {
  return new Kafka({ brokers: bootstrap(), clientId, logLevel: logLevel.NOTHING, retry: { retries: 12, initialRetryTime: 300 } });
}

async function waitHealthy(names: string[], timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const states = await Promise.all(
      names.map(async (n) => (await run('docker', ['inspect', '--format', '{{.State.Health.Status}}', n])).trim()),
    );
    if (states.every((s) => s === 'healthy')) return;
    await sleep(1000);
  }
  throw new Error(`${names.join(', ')} did not become healthy within ${timeoutMs / 1000} s`);
}

/** Records in a topic (high - low watermarks over its partitions): duplicates in the log count too. */
async function recordCount(topic: string): Promise<number> {
  const admin = kafka('brokers-drill-admin').admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Every record value of a topic, read from the beginning with a fresh group. */
async function consumeAll(topic: string, expected: number): Promise<string[]> {
  const consumer = kafka('brokers-drill-consumer').consumer({ groupId: `brokers-drill-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${values.length} of ${expected} records from ${topic}`)), 120_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          values.push(message.value?.toString() ?? '');
          if (values.length >= expected) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return values;
}

test('the platform runs three Kafka nodes in one cluster with a 3-voter quorum', async () => {
  const containers = (await dockerObjects(sf.name)).filter((o) => /^container .*-kafka/.test(o));
  expect(containers.sort()).toEqual([`container ${NAME}-kafka-1`, `container ${NAME}-kafka-2`, `container ${NAME}-kafka-3`]);
  expect((await dockerObjects(sf.name)).some((o) => o.endsWith('-ksqldb'))).toBe(false);
  const admin = kafka('brokers-drill-admin').admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).sort()).toEqual(
      brokerPorts().map((p, i) => `${i + 1}@localhost:${p}`),
    );
  } finally {
    await admin.disconnect();
  }
  // every node runs with the same three voters (one metadata quorum: describeCluster above sees all three)
  for (const id of [1, 2, 3]) {
    const props = await run('docker', ['exec', `${NAME}-kafka-${id}`, 'cat', '/opt/kafka/run/server.properties']);
    expect(props).toContain('controller.quorum.voters=1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093');
    expect(props).toContain(`node.id=${id}`);
  }
});

test('20,000 records with acks=all and an idempotent producer survive a stopped broker, none duplicated', async () => {
  const topic = 'drill-rf3';
  const total = 20_000;
  const k = kafka('brokers-drill');
  const admin = k.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '2' }] }],
    waitForLeaders: true,
  });
  const [meta] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
  expect(meta.partitions.map((p) => p.replicas.length)).toEqual([3, 3, 3]);
  const configs = await admin.describeConfigs({
    resources: [{ type: 2, name: topic, configNames: ['min.insync.replicas'] }],
    includeSynonyms: false,
  });
  expect(configs.resources[0].configEntries[0].configValue).toBe('2');
  // stop the node that leads partition 0, so the drill includes a leader change
  const victim = meta.partitions.find((p) => p.partitionId === 0)!.leader;
  await admin.disconnect();

  const producer = k.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let stopped = false;
  const batch = 250;
  for (let start = 0; start < total; start += batch) {
    if (!stopped && start >= total / 4) {
      await run('docker', ['stop', `${NAME}-kafka-${victim}`]);
      stopped = true;
    }
    const messages = Array.from({ length: batch }, (_, i) => ({ key: String((start + i) % 97), value: String(start + i) }));
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
  expect(stopped).toBe(true);

  // the stopped node is out of every partition's in-sync replicas: the records were written without it
  const during = kafka('brokers-drill-admin').admin();
  await during.connect();
  const [after] = (await during.fetchTopicMetadata({ topics: [topic] })).topics;
  await during.disconnect();
  for (const p of after.partitions) {
    expect(p.isr).not.toContain(victim);
    expect(p.isr.length).toBe(2);
  }

  expect(await recordCount(topic)).toBe(total);
  const values = await consumeAll(topic, total);
  expect(values.length).toBe(total);
  const unique = new Set(values);
  expect(unique.size).toBe(total);
  for (let i = 0; i < total; i += 997) expect(unique.has(String(i))).toBe(true);

  // the node comes back and catches up
  await run('docker', ['start', `${NAME}-kafka-${victim}`]);
  await waitHealthy([`${NAME}-kafka-${victim}`]);
});

// ------------------------------------------------------------------ Connect: clean restart vs kill -9

const PG = `${NAME}-cdc-postgres`;
const PG_PASSWORD = 'drill-secret';
const CONNECTOR = 'drill-items';
const CDC_TOPIC = 'drill.public.items';

async function psql(sql: string): Promise<string> {
  // over TCP: the image's entrypoint first runs a temporary server on the unix socket only (initdb),
  // which answers and then stops; the real server is the one listening on TCP (as the platform's
  // health check, pg_isready -h 127.0.0.1)
  return run('docker', [
    'exec',
    '-e',
    `PGPASSWORD=${PG_PASSWORD}`,
    PG,
    'psql',
    '-h',
    '127.0.0.1',
    '-U',
    'postgres',
    '-d',
    'postgres',
    '-At',
    '-c',
    sql,
  ]);
}

/** Inserts rows [from, to] one transaction each, `pauseMs` apart, in the background. */
function insertRows(from: number, to: number, pauseMs: number): Promise<string> {
  return psql(
    `DO $$ BEGIN FOR i IN ${from}..${to} LOOP INSERT INTO items VALUES (i, 'v' || i); COMMIT; PERFORM pg_sleep(${pauseMs / 1000}); END LOOP; END $$;`,
  );
}

async function connectorRunning(timeoutMs = 240_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const s = await axios.get(`${connectUrl()}/connectors/${CONNECTOR}/status`);
      last = JSON.stringify(s.data);
      if (
        s.data.connector.state === 'RUNNING' &&
        s.data.tasks.length > 0 &&
        s.data.tasks.every((t: { state: string }) => t.state === 'RUNNING')
      )
        return;
    } catch (err) {
      last = String(err);
    }
    await sleep(1000);
  }
  throw new Error(`connector ${CONNECTOR} not running: ${last}`);
}

/** Waits until the CDC topic holds at least `n` records and has not grown for 5 s. */
async function settled(n: number, timeoutMs = 180_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let count = -1;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    const now = await recordCount(CDC_TOPIC).catch(() => 0);
    if (now !== count) {
      count = now;
      stableSince = Date.now();
    } else if (count >= n && Date.now() - stableSince >= 5000) {
      return count;
    }
    await sleep(500);
  }
  throw new Error(`${CDC_TOPIC} holds ${count} records, expected at least ${n}`);
}

/** Row ids of the change records in the CDC topic (JSON without schemas: the value's `after.id`). */
async function capturedIds(count: number): Promise<number[]> {
  const values = await consumeAll(CDC_TOPIC, count);
  return values.map((v) => (JSON.parse(v) as { after: { id: number } }).after.id);
}

function duplicates(ids: number[]): number {
  return ids.length - new Set(ids).size;
}

describe('Debezium through Connect restarts', () => {
  beforeAll(async () => {
    await run('docker', [
      'run',
      '-d',
      '--name',
      PG,
      '--network',
      NAME,
      '-e',
      `POSTGRES_PASSWORD=${PG_PASSWORD}`,
      'streamform/postgres:15',
      '-c',
      'wal_level=logical',
    ]);
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        await psql('SELECT 1');
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(1000);
      }
    }
    await psql('CREATE TABLE items (id int PRIMARY KEY, v text)');
    await axios.put(`${connectUrl()}/connectors/${CONNECTOR}/config`, {
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'tasks.max': '1',
      'database.hostname': PG,
      'database.port': '5432',
      'database.user': 'postgres',
      'database.password': PG_PASSWORD,
      'database.dbname': 'postgres',
      'topic.prefix': 'drill',
      'plugin.name': 'pgoutput',
      'slot.name': 'drill_items',
      'publication.autocreate.mode': 'filtered',
      'table.include.list': 'public.items',
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable': 'false',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': 'false',
    });
    await connectorRunning();
  });

  afterAll(async () => {
    await axios.delete(`${connectUrl()}/connectors/${CONNECTOR}`).catch(() => undefined);
    await run('docker', ['rm', '-f', '-v', PG]).catch(() => undefined);
  });

  test('a clean stop and start of Connect while rows are inserted re-emits no change record', async () => {
    await insertRows(1, 200, 0);
    expect(await settled(200)).toBe(200);

    // rows keep arriving while Connect stops (SIGTERM: tasks stop and commit) and starts again
    const inserting = insertRows(201, 1200, 10);
    await sleep(3000);
    const t0 = Date.now();
    await run('docker', ['stop', `${NAME}-connect`]);
    const stopMs = Date.now() - t0;
    await run('docker', ['start', `${NAME}-connect`]);
    await waitHealthy([`${NAME}-connect`]);
    await connectorRunning();
    await inserting;

    const count = await settled(1200);
    const ids = await capturedIds(count);
    expect(new Set(ids).size).toBe(1200);
    expect(duplicates(ids)).toBe(0);
    expect(count).toBe(1200);
    // the stop was a clean one: well within the grace period, not a kill after it
    expect(stopMs).toBeLessThan(60_000);
    process.stderr.write(`clean docker stop of Connect took ${stopMs} ms; 1200 rows, 1200 change records\n`);
  });

  test('a kill -9 of Connect loses no change record (what it repeats is measured)', async () => {
    const before = await settled(1200);
    const inserting = insertRows(1201, 2200, 10);
    await sleep(3000);
    await run('docker', ['kill', '--signal', 'KILL', `${NAME}-connect`]);
    // `restart: unless-stopped` brings a killed container back by itself; start it if it is not
    await sleep(2000);
    const state = (await run('docker', ['inspect', '--format', '{{.State.Running}}', `${NAME}-connect`])).trim();
    if (state !== 'true') await run('docker', ['start', `${NAME}-connect`]);
    await waitHealthy([`${NAME}-connect`]);
    await connectorRunning();
    await inserting;

    const count = await settled(before + 1000);
    const ids = await capturedIds(count);
    // nothing lost
    expect(new Set(ids).size).toBe(2200);
    const repeated = duplicates(ids);
    process.stderr.write(`kill -9 of Connect while 1000 rows were inserted (~100/s): ${repeated} change records emitted twice\n`);
    // Only what was emitted since the last offset flush comes again: rows arrive at most ~100/s and
    // offsets are flushed every second, so 5 s worth is a generous bound (Connect's default 60 s
    // flush interval would repeat everything emitted since the restart of the previous test).
    expect(repeated).toBeLessThan(500);
  });
});

test('cdktf destroy leaves no container, network or volume of the platform behind', async () => {
  expect((await dockerObjects(sf.name)).length).toBeGreaterThan(0);
  await run('docker', ['rm', '-f', '-v', PG]).catch(() => undefined);
  await destroy(sf, STACK);
  expect(await dockerObjects(sf.name)).toEqual([]);
});
