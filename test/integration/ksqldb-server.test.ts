/**
 * The local ksqlDB (src/tools/ksqldb) over real Kafka and a real Schema Registry: CSAS over JSON
 * and over AVRO, a CTAS aggregate, and a crash (SIGKILL of the server process mid-way through a
 * stream of records) after which the restarted server has lost and duplicated nothing that was
 * committed, its aggregates continued rather than restarted.
 *
 * Runs against the shared test platform (started by the integration project's global setup), or
 * against other servers when both variables are set (then without the global setup):
 *   STREAMFORM_KSQLDB_IT_BOOTSTRAP=localhost:39092 \
 *   STREAMFORM_KSQLDB_IT_SCHEMA_REGISTRY=http://localhost:39081/apis/ccompat/v7 \
 *   node_modules/.bin/jest --config '{"rootDir":".","testEnvironment":"node","testMatch":["<rootDir>/dist/test/integration/ksqldb-server.test.js"]}'
 * Each server runs on its own service id; topics carry this run's id.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import * as avro from 'avsc';
import { KafkaRuntime } from '../../src/tools/ksqldb/runtime/kafka';
import { HttpSchemaRegistryClient } from '../../src/tools/ksqldb/runtime/schema-registry';
import { startKsqlServer, type KsqlServer } from '../../src/tools/ksqldb/server';
import { REPO_ROOT } from '../../src/tools/toolchain/paths';
import { sharedEndpoints } from '../../src/tools/testkit/shared-platform';

jest.setTimeout(5 * 60_000);

const own = process.env.STREAMFORM_KSQLDB_IT_BOOTSTRAP;
const bootstrapServers = own ?? sharedEndpoints().bootstrapServers;
const schemaRegistryUrl = own ? process.env.STREAMFORM_KSQLDB_IT_SCHEMA_REGISTRY! : sharedEndpoints().schemaRegistryUrl!;
const run = `${Date.now().toString(36)}${process.pid}`.toUpperCase();
const P = `KS${run}`;
const T = `ks-${run.toLowerCase()}`;

const kafka = new KafkaRuntime({ bootstrapServers });
const registry = new HttpSchemaRegistryClient(schemaRegistryUrl);
const servers: KsqlServer[] = [];

afterAll(async () => {
  for (const s of servers) await s.close();
  const topics = await kafka.listTopics();
  await kafka.deleteTopics([...topics.keys()].filter((t) => t.startsWith(T) || t.startsWith(`${P}_`)));
  await kafka.close();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, f: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`${what}: not in time${last ? ` (${String(last)})` : ''}`);
    await sleep(250);
  }
}

function serviceId(name: string): string {
  return `it_${run.toLowerCase()}_${name}_`;
}

async function server(name: string): Promise<KsqlServer> {
  const s = await startKsqlServer({ port: 0, bootstrapServers, schemaRegistryUrl, serviceId: serviceId(name), cleanUpOnClose: true });
  servers.push(s);
  return s;
}

async function ksql(url: string, sql: string, streamsProperties: Record<string, unknown> = {}): Promise<any[]> {
  const res = await fetch(`${url}/ksql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/vnd.ksql.v1+json' },
    body: JSON.stringify({ ksql: sql, streamsProperties }),
  });
  const body = (await res.json()) as any[];
  if (res.status !== 200) throw new Error(`${sql}: ${res.status} ${JSON.stringify(body)}`);
  for (const e of body) {
    if (e['@type'] === 'currentStatus' && e.commandStatus.status !== 'SUCCESS') throw new Error(`${sql}: ${JSON.stringify(e)}`);
  }
  return body;
}

const EARLIEST = { 'auto.offset.reset': 'earliest' };
const json = (v: object): Buffer => Buffer.from(JSON.stringify(v));
const str = (b: Buffer | null): string => (b === null ? 'null' : b.toString());

describe('local ksqlDB over Kafka and a Schema Registry', () => {
  test('a CSAS over JSON filters and projects into its sink, keyed and partitioned like the source', async () => {
    const s = await server('json');
    await ksql(
      s.url,
      `CREATE STREAM ${P}_CLICKS (USER_ID STRING KEY, PAGE STRING, MS INT) WITH (KAFKA_TOPIC='${T}-clicks', VALUE_FORMAT='JSON', PARTITIONS=3);
       CREATE STREAM ${P}_SLOW WITH (KAFKA_TOPIC='${T}-slow') AS SELECT USER_ID, PAGE, MS / 1000 AS SECS FROM ${P}_CLICKS WHERE MS >= 1000;`,
      EARLIEST,
    );
    await kafka.produce([
      { topic: `${T}-clicks`, key: Buffer.from('ann'), value: json({ PAGE: 'home', MS: 1500 }) },
      { topic: `${T}-clicks`, key: Buffer.from('bob'), value: json({ PAGE: 'cart', MS: 20 }) },
      { topic: `${T}-clicks`, key: Buffer.from('cid'), value: json({ PAGE: 'pay', MS: 4000 }) },
    ]);
    const out = await until('the sink has 2 records', async () => {
      const r = await kafka.readToEnd(`${T}-slow`);
      return r.length >= 2 && r;
    });
    expect(out.map((r) => `${str(r.key)} ${str(r.value)}`).sort()).toEqual(['ann {"PAGE":"home","SECS":1}', 'cid {"PAGE":"pay","SECS":4}']);
    const source = await kafka.readToEnd(`${T}-clicks`);
    for (const r of out) expect(r.partition).toBe(source.find((x) => str(x.key) === str(r.key))!.partition);
    expect((await kafka.describeTopic(`${T}-slow`))?.partitions).toBe(3);
    const [described] = await ksql(s.url, `DESCRIBE ${P}_SLOW EXTENDED;`);
    expect(described.sourceDescription.statistics).toMatch(/total-messages:\s+2 /);
  });

  test('a CSAS over AVRO registers the sink schema and writes records in the Schema Registry wire format', async () => {
    const s = await server('avro');
    await ksql(
      s.url,
      `CREATE STREAM ${P}_ORDERS (ID INT KEY, ITEM STRING, AMOUNT DOUBLE) WITH (KAFKA_TOPIC='${T}-orders', VALUE_FORMAT='AVRO', PARTITIONS=1);
       CREATE STREAM ${P}_BIG WITH (KAFKA_TOPIC='${T}-big') AS SELECT ID, UCASE(ITEM) AS ITEM, AMOUNT FROM ${P}_ORDERS WHERE AMOUNT > 100;`,
      EARLIEST,
    );
    const source = await registry.latest(`${T}-orders-value`);
    expect(source).toBeDefined();
    const type = avro.Type.forSchema(JSON.parse(source!.schema));
    const wire = (v: object): Buffer => {
      const head = Buffer.alloc(5);
      head.writeInt32BE(source!.id, 1);
      return Buffer.concat([head, type.toBuffer(v)]);
    };
    const key = (n: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeInt32BE(n);
      return b;
    };
    await kafka.produce([
      { topic: `${T}-orders`, key: key(1), value: wire({ ITEM: 'desk', AMOUNT: 250.5 }) },
      { topic: `${T}-orders`, key: key(2), value: wire({ ITEM: 'pen', AMOUNT: 2 }) },
    ]);
    const [out] = await until('the AVRO sink has a record', async () => {
      const r = await kafka.readToEnd(`${T}-big`);
      return r.length >= 1 && r;
    });
    const sink = await registry.latest(`${T}-big-value`);
    expect(sink).toBeDefined();
    expect(out.value![0]).toBe(0);
    expect(out.value!.readInt32BE(1)).toBe(sink!.id);
    expect(avro.Type.forSchema(JSON.parse(sink!.schema)).fromBuffer(out.value!.subarray(5))).toEqual({ ITEM: 'DESK', AMOUNT: 250.5 });
    expect(out.key!.readInt32BE()).toBe(1);
  });

  test('a CTAS aggregate keeps a count and a sum per key', async () => {
    const s = await server('ctas');
    await ksql(
      s.url,
      `CREATE STREAM ${P}_SALES (SHOP STRING KEY, EUR INT) WITH (KAFKA_TOPIC='${T}-sales', VALUE_FORMAT='JSON', PARTITIONS=2);
       CREATE TABLE ${P}_TOTALS WITH (KAFKA_TOPIC='${T}-totals') AS SELECT SHOP, COUNT(*) AS N, SUM(EUR) AS EUR FROM ${P}_SALES GROUP BY SHOP;`,
      EARLIEST,
    );
    const rows: [string, number][] = [];
    for (let i = 0; i < 60; i++) rows.push([`shop${i % 3}`, i]);
    await kafka.produce(rows.map(([shop, eur]) => ({ topic: `${T}-sales`, key: Buffer.from(shop), value: json({ EUR: eur }) })));
    const latest = await until('every sale is counted', async () => {
      const last = new Map<string, { N: number; EUR: number }>();
      for (const r of await kafka.readToEnd(`${T}-totals`)) last.set(str(r.key), JSON.parse(str(r.value)));
      return [...last.values()].reduce((n, v) => n + v.N, 0) === 60 && last;
    });
    for (let k = 0; k < 3; k++) {
      const eur = rows.filter(([shop]) => shop === `shop${k}`).reduce((n, [, e]) => n + e, 0);
      expect(latest.get(`shop${k}`)).toEqual({ N: 20, EUR: eur });
    }
    const res = await fetch(`${s.url}/query-stream`, {
      method: 'POST',
      body: JSON.stringify({ sql: `SELECT N, EUR FROM ${P}_TOTALS WHERE SHOP = 'shop1';` }),
    });
    expect((await res.text()).trim().split('\n').slice(1)).toEqual([`[20,${latest.get('shop1')!.EUR}]`]);
  });

  test('a server killed mid-way loses and duplicates nothing committed; its aggregates continue', async () => {
    const svc = serviceId('crash');
    const total = 6000;
    const keys = 5;
    const free = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.listen(0, '127.0.0.1', () => {
          const port = (srv.address() as net.AddressInfo).port;
          srv.close(() => resolve(port));
        });
        srv.on('error', reject);
      });
    const startProcess = async (): Promise<{ child: ChildProcess; url: string }> => {
      const port = await free();
      const child = spawn(
        process.execPath,
        [
          path.join(REPO_ROOT, 'dist', 'src', 'tools', 'ksqldb', 'main.js'),
          '--port',
          String(port),
          '--bootstrap-servers',
          bootstrapServers,
          '--schema-registry',
          schemaRegistryUrl,
          '--service-id',
          svc,
        ],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
      const url = `http://127.0.0.1:${port}`;
      await until('the server is ready', async () => (await fetch(`${url}/info`)).status === 200);
      return { child, url };
    };
    let proc = await startProcess();
    await ksql(
      proc.url,
      `CREATE STREAM ${P}_EVENTS (K STRING KEY, SEQ INT) WITH (KAFKA_TOPIC='${T}-events', VALUE_FORMAT='JSON', PARTITIONS=3);
       CREATE STREAM ${P}_EVEN WITH (KAFKA_TOPIC='${T}-even') AS SELECT K, SEQ FROM ${P}_EVENTS WHERE SEQ % 2 = 0;
       CREATE TABLE ${P}_COUNTS WITH (KAFKA_TOPIC='${T}-counts') AS SELECT K, COUNT(*) AS N FROM ${P}_EVENTS GROUP BY K;`,
      EARLIEST,
    );
    const produceRange = async (from: number, to: number): Promise<void> => {
      for (let i = from; i < to; i += 200) {
        const batch = [];
        for (let j = i; j < Math.min(to, i + 200); j++)
          batch.push({ topic: `${T}-events`, key: Buffer.from(`k${j % keys}`), value: json({ SEQ: j }) });
        await kafka.produce(batch);
      }
    };
    await produceRange(0, total / 2);
    // kill it while it works through the first half
    await until('some output', async () => (await kafka.readToEnd(`${T}-even`)).length > 100);
    proc.child.kill('SIGKILL');
    await new Promise((r) => proc.child.once('exit', r));
    const seenAtKill = (await kafka.readToEnd(`${T}-even`)).length;
    process.stderr.write(`killed the server with ${seenAtKill} of ${total / 2} sink records committed\n`);
    await produceRange(total / 2, total);
    proc = await startProcess();
    try {
      const even = await until(
        'every even record in the sink',
        async () => {
          const r = await kafka.readToEnd(`${T}-even`);
          return r.length >= total / 2 && r;
        },
        120_000,
      );
      const seqs = even.map((r) => (JSON.parse(str(r.value)) as { SEQ: number }).SEQ).sort((a, b) => a - b);
      expect(seqs.length).toBe(total / 2);
      expect(new Set(seqs).size).toBe(total / 2);
      expect(seqs.every((s, i) => s === i * 2)).toBe(true);
      expect(seenAtKill).toBeLessThan(total / 2);
      // every count of every key exactly once, in order: continued, not restarted
      const counts = await until('the counts reach the totals', async () => {
        const byKey = new Map<string, number[]>();
        for (const r of await kafka.readToEnd(`${T}-counts`)) {
          const list = byKey.get(str(r.key)) ?? [];
          list.push((JSON.parse(str(r.value)) as { N: number }).N);
          byKey.set(str(r.key), list);
        }
        return [...byKey.values()].reduce((n, l) => n + l.length, 0) >= total && byKey;
      });
      for (let k = 0; k < keys; k++) {
        const list = counts.get(`k${k}`)!;
        expect(list).toEqual(Array.from({ length: total / keys }, (_, i) => i + 1));
      }
      const [queries] = await ksql(proc.url, 'LIST QUERIES;');
      expect(queries.queries.map((q: any) => [q.id, q.state])).toEqual([
        [`CSAS_${P}_EVEN_1`, 'RUNNING'],
        [`CTAS_${P}_COUNTS_3`, 'RUNNING'],
      ]);
    } finally {
      proc.child.kill('SIGTERM');
      await new Promise((r) => proc.child.once('exit', r));
      const topics = await kafka.listTopics();
      await kafka.deleteTopics([...topics.keys()].filter((t) => t.startsWith(`_confluent-ksql-${svc}`)));
      await kafka.deleteGroups([`_confluent-ksql-${svc}query_CSAS_${P}_EVEN_1`, `_confluent-ksql-${svc}query_CTAS_${P}_COUNTS_3`]);
    }
  });
});
