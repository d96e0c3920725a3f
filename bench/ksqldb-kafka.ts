/**
 * The local ksqlDB's throughput over Kafka (prints figures; not a test), beside a plain kafkajs
 * consume → produce loop doing the same work on the same input topics:
 *   filter+project   CSAS ... WHERE ... (JSON in, JSON out)
 *   stream-table     CSAS of a stream joined to a table (the plain loop holds the table in a Map)
 *   tumbling count   CTAS COUNT(*) ... WINDOW TUMBLING ... GROUP BY (the plain loop counts in a Map)
 * ksqlDB runs exactly once (one transaction per batch: outputs, changelog, offsets); the plain loop
 * auto-commits and produces with acks=all, in requests of at most 1000 messages as ksqlDB does. A run ends when every input record is consumed (the
 * query's committed offsets reach the end of its input; the plain loop has produced all its output).
 *
 * Run: node dist/bench/ksqldb-kafka.js --bootstrap localhost:9092 [--records 200000]
 *      [--partitions 4] [--only filter|join|count]
 * Target: ksqlDB ≥ half the plain loop's records/s for filter+project.
 */
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { KafkaRuntime } from '../src/tools/ksqldb/runtime/kafka';
import { startKsqlServer, type KsqlServer } from '../src/tools/ksqldb/server';

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

const bootstrap = arg('bootstrap') ?? arg('bootstrap-servers');
if (!bootstrap) {
  process.stderr.write(
    'usage: node dist/bench/ksqldb-kafka.js --bootstrap <host:port> [--records N] [--partitions N] [--only filter|join|count]\n',
  );
  process.exit(2);
}
const N = Number(arg('records', '200000'));
const PARTITIONS = Number(arg('partitions', '4'));
const only = arg('only');
const run = Date.now().toString(36);
const kafka = new Kafka({ clientId: 'ksqldb-bench', brokers: [bootstrap], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function createTopic(name: string, partitions = PARTITIONS): Promise<void> {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: name, numPartitions: partitions, replicationFactor: 1 }] });
}

async function fill(
  producer: Producer,
  topic: string,
  n: number,
  record: (i: number) => { key: string; value: object; ts: number },
): Promise<void> {
  const chunk = 1000;
  for (let i = 0; i < n; i += chunk) {
    const messages = [];
    for (let j = i; j < Math.min(n, i + chunk); j++) {
      const r = record(j);
      messages.push({ key: r.key, value: JSON.stringify(r.value), timestamp: String(r.ts) });
    }
    await producer.send({ topic, messages, acks: -1 });
  }
}

async function endOffset(topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
}

/** Committed offsets of a group summed over a topic. */
async function committed(groupId: string, topic: string): Promise<number> {
  const res = await admin.fetchOffsets({ groupId, topics: [topic] });
  return res[0]?.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0) ?? 0;
}

interface Scenario {
  readonly name: string;
  /** Input topic whose records are counted. */
  readonly input: string;
  readonly records: number;
  readonly setup: (producer: Producer) => Promise<void>;
  /** ksql statements (the CSAS/CTAS last). */
  readonly statements: (svc: string) => string;
  /** The plain loop: consume `input` (and others), produce results; resolves when done. */
  readonly plain: (producer: Producer) => Promise<void>;
}

async function plainLoop(
  topics: string[],
  groupId: string,
  expected: number,
  handle: (
    topic: string,
    key: Buffer | null,
    value: Buffer | null,
    ts: string,
  ) => { key: Buffer | string | null; value: string } | undefined,
  producer: Producer,
  out: string,
  counted: string,
): Promise<void> {
  const consumer = kafka.consumer({ groupId, maxBytesPerPartition: 4 * 1024 * 1024, maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  let seen = 0;
  let finish!: () => void;
  let fail!: (e: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  consumer.on(consumer.events.CRASH, (e) => fail(e.payload.error));
  await consumer.run({
    partitionsConsumedConcurrently: 1,
    eachBatch: async ({ batch }) => {
      const messages = [];
      for (const m of batch.messages) {
        const r = handle(batch.topic, m.key, m.value, m.timestamp);
        if (r) messages.push({ key: r.key, value: r.value, timestamp: m.timestamp });
      }
      // in requests of ≤ 1000 messages, like the local ksqlDB (kafkajs groups messages per
      // partition in quadratic time)
      for (let i = 0; i < messages.length; i += 1000) await producer.send({ topic: out, messages: messages.slice(i, i + 1000), acks: -1 });
      if (batch.topic === counted) seen += batch.messages.length;
      if (seen >= expected) finish();
    },
  });
  await finished;
  await consumer.disconnect();
}

const scenarios: Scenario[] = [
  {
    name: 'filter+project',
    input: `bench-${run}-clicks`,
    records: N,
    setup: async (producer) => {
      await createTopic(`bench-${run}-clicks`);
      await fill(producer, `bench-${run}-clicks`, N, (i) => ({
        key: `user${i % 1000}`,
        value: {
          PAGE: i % 3 === 0 ? 'home' : 'other',
          MS: i % 5000,
          AGENT: 'Mozilla/5.0 (X11; Linux x86_64)',
          REF: `https://example.com/${i}`,
        },
        ts: 1_700_000_000_000 + i,
      }));
    },
    statements: (svc) =>
      `CREATE STREAM CLICKS_${svc} (USER_ID STRING KEY, PAGE STRING, MS INT, AGENT STRING, REF STRING) WITH (KAFKA_TOPIC='bench-${run}-clicks', VALUE_FORMAT='JSON');
       CREATE STREAM SLOW_${svc} WITH (KAFKA_TOPIC='bench-${run}-slow-${svc}') AS SELECT USER_ID, PAGE, MS / 1000 AS SECS FROM CLICKS_${svc} WHERE MS >= 1000;`,
    plain: async (producer) => {
      await createTopic(`bench-${run}-slow-plain`);
      await plainLoop(
        [`bench-${run}-clicks`],
        `bench-${run}-plain-filter`,
        N,
        (_t, key, value) => {
          const v = JSON.parse(value!.toString()) as { PAGE: string; MS: number };
          if (!(v.MS >= 1000)) return undefined;
          return { key, value: JSON.stringify({ PAGE: v.PAGE, SECS: Math.trunc(v.MS / 1000) }) };
        },
        producer,
        `bench-${run}-slow-plain`,
        `bench-${run}-clicks`,
      );
    },
  },
  {
    name: 'stream-table join',
    input: `bench-${run}-orders`,
    records: N,
    setup: async (producer) => {
      await createTopic(`bench-${run}-customers`);
      await createTopic(`bench-${run}-orders`);
      await fill(producer, `bench-${run}-customers`, 1000, (i) => ({
        key: `c${i}`,
        value: { NAME: `customer ${i}`, TIER: i % 4 },
        ts: 1_600_000_000_000,
      }));
      await fill(producer, `bench-${run}-orders`, N, (i) => ({
        key: `c${i % 1000}`,
        value: { AMOUNT: i % 977, ITEM: `item${i % 50}` },
        ts: 1_700_000_000_000 + i,
      }));
    },
    statements: (svc) =>
      `CREATE TABLE CUSTOMERS_${svc} (ID STRING PRIMARY KEY, NAME STRING, TIER INT) WITH (KAFKA_TOPIC='bench-${run}-customers', VALUE_FORMAT='JSON');
       CREATE STREAM ORDERS_${svc} (CID STRING KEY, AMOUNT INT, ITEM STRING) WITH (KAFKA_TOPIC='bench-${run}-orders', VALUE_FORMAT='JSON');
       CREATE STREAM ENRICHED_${svc} WITH (KAFKA_TOPIC='bench-${run}-enriched-${svc}') AS SELECT O.CID, O.AMOUNT, O.ITEM, C.NAME, C.TIER FROM ORDERS_${svc} O JOIN CUSTOMERS_${svc} C ON O.CID = C.ID;`,
    plain: async (producer) => {
      await createTopic(`bench-${run}-enriched-plain`);
      const table = new Map<string, { NAME: string; TIER: number }>();
      await plainLoop(
        [`bench-${run}-customers`, `bench-${run}-orders`],
        `bench-${run}-plain-join`,
        N,
        (topic, key, value) => {
          const k = key!.toString();
          if (topic.endsWith('customers')) {
            table.set(k, JSON.parse(value!.toString()) as { NAME: string; TIER: number });
            return undefined;
          }
          const c = table.get(k);
          if (!c) return undefined;
          const o = JSON.parse(value!.toString()) as { AMOUNT: number; ITEM: string };
          return { key, value: JSON.stringify({ O_AMOUNT: o.AMOUNT, O_ITEM: o.ITEM, C_NAME: c.NAME, C_TIER: c.TIER }) };
        },
        producer,
        `bench-${run}-enriched-plain`,
        `bench-${run}-orders`,
      );
    },
  },
  {
    name: 'tumbling count',
    input: `bench-${run}-events`,
    records: N,
    setup: async (producer) => {
      await createTopic(`bench-${run}-events`);
      await fill(producer, `bench-${run}-events`, N, (i) => ({ key: `k${i % 500}`, value: { V: i }, ts: 1_700_000_000_000 + i * 10 }));
    },
    statements: (svc) =>
      `CREATE STREAM EVENTS_${svc} (K STRING KEY, V INT) WITH (KAFKA_TOPIC='bench-${run}-events', VALUE_FORMAT='JSON');
       CREATE TABLE COUNTS_${svc} WITH (KAFKA_TOPIC='bench-${run}-counts-${svc}') AS SELECT K, COUNT(*) AS N FROM EVENTS_${svc} WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY K;`,
    plain: async (producer) => {
      await createTopic(`bench-${run}-counts-plain`);
      const counts = new Map<string, number>();
      await plainLoop(
        [`bench-${run}-events`],
        `bench-${run}-plain-count`,
        N,
        (_t, key, _value, ts) => {
          const start = Math.floor(Number(ts) / 60_000) * 60_000;
          const k = `${key!.toString()}@${start}`;
          const n = (counts.get(k) ?? 0) + 1;
          counts.set(k, n);
          const windowed = Buffer.alloc(key!.length + 8);
          key!.copy(windowed);
          windowed.writeBigInt64BE(BigInt(start), key!.length);
          return { key: windowed, value: JSON.stringify({ N: n }) };
        },
        producer,
        `bench-${run}-counts-plain`,
        `bench-${run}-events`,
      );
    },
  },
];

interface CommandEntity {
  readonly commandStatus?: { readonly queryId?: string | null };
}

async function ksql(s: KsqlServer, sql: string): Promise<CommandEntity[]> {
  const res = await fetch(`${s.url}/ksql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/vnd.ksql.v1+json' },
    body: JSON.stringify({ ksql: sql, streamsProperties: { 'auto.offset.reset': 'earliest' } }),
  });
  const body = (await res.json()) as CommandEntity[];
  if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function main(): Promise<void> {
  await admin.connect();
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  const svc = `bench_${run}`;
  const server = await startKsqlServer({ port: 0, bootstrapServers: bootstrap!, serviceId: `${svc}_`, cleanUpOnClose: true });
  console.log(`local ksqlDB throughput over Kafka ${bootstrap}: ${N} records per scenario, ${PARTITIONS} partitions`);
  console.log(`  ${'scenario'.padEnd(20)} ${'ksqlDB rec/s'.padStart(14)} ${'plain rec/s'.padStart(14)} ${'ratio'.padStart(7)}`);
  try {
    for (const sc of scenarios) {
      if (only && !sc.name.startsWith(only)) continue;
      await sc.setup(producer);
      const total = await endOffset(sc.input);
      // plain kafkajs loop
      let started = Date.now();
      await sc.plain(producer);
      const plainRate = total / ((Date.now() - started) / 1000);
      // the local ksqlDB
      const tag = sc.name
        .replace(/[^a-z]/g, '')
        .toUpperCase()
        .slice(0, 6);
      started = Date.now();
      const body = await ksql(server, sc.statements(tag));
      const queryId = body[body.length - 1].commandStatus!.queryId!;
      const group = `_confluent-ksql-${svc}_query_${queryId}`;
      while ((await committed(group, sc.input)) < total) await sleep(50);
      const ksqlRate = total / ((Date.now() - started) / 1000);
      console.log(
        `  ${sc.name.padEnd(20)} ${ksqlRate.toFixed(0).padStart(14)} ${plainRate.toFixed(0).padStart(14)} ${(ksqlRate / plainRate).toFixed(2).padStart(7)}`,
      );
    }
  } finally {
    await server.close();
    const rt = new KafkaRuntime({ bootstrapServers: bootstrap! });
    const topics = await rt.listTopics();
    await rt.deleteTopics([...topics.keys()].filter((t) => t.startsWith(`bench-${run}`)));
    await rt.close();
    await producer.disconnect();
    await admin.disconnect();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
