/**
 * Issue 12 items 4 and 5: drift of connectors and topics made outside streamform shows in the plan
 * and apply repairs it (over in-memory fakes); every client error names the server and its
 * address, calls are bounded by the request timeout, transient Kafka errors are retried (over tiny
 * local TCP/HTTP servers).
 */
import * as http from 'http';
import * as net from 'net';
import { ConnectClient } from '../../src/provider/clients/connect';
import { DEFAULT_TIMEOUT_MS, ServerError } from '../../src/provider/clients/http';
import { isTransientKafkaError, KafkaAdminClient, KafkaClientError, retryTransient } from '../../src/provider/clients/kafka';
import { KsqlClient, KsqlError } from '../../src/provider/clients/ksqldb';
import { endpointsOf, withEnvironment, type ProviderConfig } from '../../src/provider/provider';
import { connectorResource } from '../../src/provider/resources/connector';
import { topicResource } from '../../src/provider/resources/topic';
import { fakeClients, FakeConnect, FakeKafka } from '../support/fake-servers';
import { Driver, texts } from '../support/provider-driver';

jest.setTimeout(60_000);

const JDBC = 'io.confluent.connect.jdbc.JdbcSourceConnector';
const config = { 'connector.class': JDBC, 'tasks.max': '1', 'connection.url': 'jdbc:mysql://db/shop' };

// ------------------------------------------------------------------------------ connector drift

function connectSetup() {
  const connect = new FakeConnect();
  // A new driver is a new provider process: no snapshot of an earlier refresh.
  const next = () => new Driver(connectorResource, fakeClients({ connect }));
  return { connect, next };
}

async function createdShop(connect: FakeConnect, next: () => Driver<(typeof connectorResource)['schema']['attributes']>) {
  const { state } = await next().applyConfig(null, { name: 'shop', config });
  expect(state!.connector_state).toBe('RUNNING');
  connect.calls.length = 0;
  return state!;
}

test('a connector paused outside streamform shows in the plan, and apply resumes it without touching its config', async () => {
  const { connect, next } = connectSetup();
  const created = await createdShop(connect, next);
  connect.connectors.get('shop')!.status = { name: 'shop', connector: { state: 'PAUSED' }, tasks: [{ id: 0, state: 'PAUSED' }] };
  const driver = next();
  const refreshed = (await driver.read(created))!;
  expect(refreshed.connector_state).toBe('PAUSED');
  const plan = await driver.plan(refreshed, { name: 'shop', config });
  expect(plan.errors).toEqual([]);
  expect(plan.planned!.connector_state).toBe('RUNNING');
  expect(texts(plan.warnings)).toEqual([
    expect.stringMatching(/^Connector shop is PAUSED: .*PAUSED \(changed outside streamform\); apply resumes it/),
  ]);
  const { state } = await driver.applyPlan(refreshed, plan);
  expect(connect.calls).toEqual(['resume shop']);
  expect(state!.connector_state).toBe('RUNNING');
  expect(connect.connectors.get('shop')!.status.connector.state).toBe('RUNNING');
  // Nothing left to do.
  const again = await next().plan((await next().read(state!))!, { name: 'shop', config });
  expect(again.warnings).toEqual([]);
  expect(again.planned!.connector_state).toBe('RUNNING');
});

test('a failed task shows in the plan with its error, and apply restarts the failed tasks', async () => {
  const { connect, next } = connectSetup();
  const created = await createdShop(connect, next);
  connect.connectors.get('shop')!.status = {
    name: 'shop',
    connector: { state: 'RUNNING' },
    tasks: [{ id: 0, state: 'FAILED', trace: 'org.apache.kafka.connect.errors.ConnectException: Access denied for user\n\tat x.y' }],
  };
  const driver = next();
  const refreshed = (await driver.read(created))!;
  expect(refreshed.connector_state).toBe('FAILED');
  const plan = await driver.plan(refreshed, { name: 'shop', config });
  expect(plan.planned!.connector_state).toBe('RUNNING');
  expect(texts(plan.warnings)).toEqual([
    expect.stringMatching(
      /^Connector shop is FAILED: .*FAILED \(task 0: .*Access denied for user\); apply restarts the connector and its failed tasks/,
    ),
  ]);
  const { state, diagnostics } = await driver.applyPlan(refreshed, plan);
  expect(diagnostics).toEqual([]);
  expect(connect.calls).toEqual(['restart shop']);
  expect(state!.connector_state).toBe('RUNNING');
});

test('a connector config changed outside streamform shows as a diff, and apply puts the configured one back', async () => {
  const { connect, next } = connectSetup();
  const created = await createdShop(connect, next);
  connect.connectors.get('shop')!.config = { ...config, 'tasks.max': '4', 'poll.interval.ms': '10', name: 'shop' };
  const driver = next();
  const refreshed = (await driver.read(created))!;
  expect(refreshed.config).toEqual({ ...config, 'tasks.max': '4', 'poll.interval.ms': '10' });
  const plan = await driver.plan(refreshed, { name: 'shop', config });
  expect(plan.planned!.config).toEqual(config);
  await driver.applyPlan(refreshed, plan);
  expect(connect.calls).toContain('put shop');
  expect(connect.connectors.get('shop')!.config).toEqual({ ...config, name: 'shop' });
});

test('a connector not yet assigned (after a broker or worker restart) is a warning, not "no changes" in silence', async () => {
  const { connect, next } = connectSetup();
  const created = await createdShop(connect, next);
  connect.connectors.get('shop')!.status = { name: 'shop', connector: { state: 'UNASSIGNED' }, tasks: [{ id: 0, state: 'UNASSIGNED' }] };
  const driver = next();
  const refreshed = (await driver.read(created))!;
  expect(refreshed.connector_state).toBe('UNASSIGNED');
  const plan = await driver.plan(refreshed, { name: 'shop', config });
  expect(plan.errors).toEqual([]);
  expect(plan.planned!.connector_state).toBe('UNASSIGNED'); // nothing apply could do: Connect assigns it
  expect(texts(plan.warnings)).toEqual([
    expect.stringMatching(/^Connector shop is not yet assigned to a worker: .*UNASSIGNED.*not running/),
  ]);
});

// ---------------------------------------------------------------------------------- topic drift

function topicSetup() {
  const kafka = new FakeKafka();
  const next = () => new Driver(topicResource, fakeClients({ kafka }));
  return { kafka, next };
}

test('topic configs set outside streamform are reported with their values and kept by default', async () => {
  const { kafka, next } = topicSetup();
  const cfg = { name: 'orders', partitions: 3, config: { 'retention.ms': '3600000' } };
  const { state } = await next().applyConfig(null, cfg);
  kafka.topics.get('orders')!.overrides['cleanup.policy'] = 'compact';
  kafka.topics.get('orders')!.overrides['min.insync.replicas'] = '2';
  const driver = next();
  const refreshed = (await driver.read(state!))!;
  expect(refreshed.unmanaged_configs).toEqual({ 'cleanup.policy': 'compact', 'min.insync.replicas': '2' });
  expect(refreshed.config).toEqual({ 'retention.ms': '3600000' });
  const plan = await driver.plan(refreshed, cfg);
  expect(plan.errors).toEqual([]);
  expect(texts(plan.warnings)).toEqual([
    'Topic orders has configs set outside streamform: cleanup.policy=compact, min.insync.replicas=2: streamform keeps cleanup.policy=compact, min.insync.replicas=2 (not in config). Add them to config to manage them, or set exclusive_configs = true to have apply remove them.',
  ]);
  expect(plan.planned).toEqual(refreshed); // no change
  // Taking one into config manages it: the warning names only the other.
  const adopt = await driver.plan(refreshed, { ...cfg, config: { ...cfg.config, 'cleanup.policy': 'compact' } });
  expect(texts(adopt.warnings)).toEqual([
    expect.stringMatching(
      /^Topic orders has configs set outside streamform: min.insync.replicas=2: streamform keeps min.insync.replicas=2 /,
    ),
  ]);
  const { state: adopted } = await driver.applyPlan(refreshed, adopt);
  expect(adopted!.unmanaged_configs).toEqual({ 'min.insync.replicas': '2' });
});

test('with exclusive_configs, configs set outside streamform show in the plan and apply removes them', async () => {
  const { kafka, next } = topicSetup();
  const cfg = { name: 'orders', partitions: 3, config: { 'retention.ms': '3600000' }, exclusive_configs: true };
  const { state } = await next().applyConfig(null, cfg);
  kafka.topics.get('orders')!.overrides['cleanup.policy'] = 'compact';
  const driver = next();
  const refreshed = (await driver.read(state!))!;
  expect(refreshed.config).toEqual({ 'retention.ms': '3600000', 'cleanup.policy': 'compact' }); // the diff shows its removal
  const plan = await driver.plan(refreshed, cfg);
  expect(plan.planned!.config).toEqual({ 'retention.ms': '3600000' });
  await driver.applyPlan(refreshed, plan);
  expect(kafka.topics.get('orders')!.overrides).toEqual({ 'retention.ms': '3600000' });

  // Turning exclusive_configs on for a topic with unmanaged configs: the warning says apply removes them.
  kafka.topics.get('orders')!.overrides['segment.ms'] = '1000';
  const loose = { ...cfg, exclusive_configs: false };
  const s2 = (await next().read({ ...refreshed, config: cfg.config, exclusive_configs: false }))!;
  expect(s2.unmanaged_configs).toEqual({ 'segment.ms': '1000' });
  const d = next();
  const turnOn = await d.plan(s2, cfg);
  expect(texts(turnOn.warnings)).toEqual([
    expect.stringMatching(
      /^Topic orders has configs set outside streamform: segment.ms=1000: exclusive_configs is true, so apply removes segment.ms=1000/,
    ),
  ]);
  await d.applyPlan(s2, turnOn);
  expect(kafka.topics.get('orders')!.overrides).toEqual({ 'retention.ms': '3600000' });
  expect(loose.exclusive_configs).toBe(false);
});

test('partitions added outside streamform (3 → 5) are adopted with a warning: state takes 5, the stack still applies', async () => {
  const { kafka, next } = topicSetup();
  const cfg = { name: 'orders', partitions: 3 };
  const { state } = await next().applyConfig(null, cfg);
  kafka.topics.get('orders')!.partitions = 5;
  const driver = next();
  const refreshed = (await driver.read(state!))!;
  expect(refreshed.partitions).toBe(5);
  const plan = await driver.plan(refreshed, cfg);
  expect(plan.errors).toEqual([]);
  expect(plan.planned!.partitions).toBe(5);
  expect(plan.requiresReplace).toEqual([]);
  expect(texts(plan.warnings)).toEqual([
    'Topic orders has 5 partitions, the configuration asks for 3: Kafka cannot remove partitions: the topic keeps 5 (partitions added outside streamform are adopted). Raise partitions to 5 in the configuration, or set allow_replacement = true to delete and re-create the topic with 3 (all its messages are lost).',
  ]);
  // A change elsewhere in the same plan applies, and partitions are not touched.
  const withConfig = await driver.plan(refreshed, { ...cfg, config: { 'retention.ms': '1000' } });
  kafka.calls.length = 0;
  const { state: applied } = await driver.applyPlan(refreshed, withConfig);
  expect(applied!.partitions).toBe(5);
  expect(kafka.calls.filter((c) => c.startsWith('createPartitions'))).toEqual([]);
  // Raising the configured count to 5 ends the warning.
  expect((await next().plan(applied!, { ...cfg, partitions: 5, config: { 'retention.ms': '1000' } })).warnings).toEqual([]);
});

// --------------------------------------------------------------------------- errors and timeouts

/** A TCP server that accepts connections and never answers; counts the connections. */
async function hungServer(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((s) => {
    count++;
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

async function httpServer(handler: http.RequestListener): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

test('a hung HTTP endpoint is reported once, after the request timeout (not once per retry), naming the server', async () => {
  expect(DEFAULT_TIMEOUT_MS).toBe(30_000);
  const hung = await hungServer();
  try {
    const url = `http://127.0.0.1:${hung.port}`;
    const connect = new ConnectClient({ url, timeoutMs: 600 });
    const start = Date.now();
    const err = await connect.listAll().catch((e: unknown) => e);
    const took = Date.now() - start;
    expect(err).toBeInstanceOf(ServerError);
    expect((err as Error).message).toMatch(
      new RegExp(`^Kafka Connect at ${url} GET /connectors failed: no answer within 0.6 s \\(.*request_timeout_seconds`),
    );
    expect(took).toBeGreaterThanOrEqual(550);
    expect(took).toBeLessThan(3000);
    expect(hung.connections()).toBe(1);
  } finally {
    await hung.close();
  }
});

test("an HTTP error that is not ksqlDB's own (a proxy's 502) names ksqlDB and its URL, and is no refusal of the statement", async () => {
  const srv = await httpServer((_req, res) => {
    res.writeHead(502, 'Bad Gateway', { 'content-type': 'text/html' });
    res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
  });
  try {
    const ksql = new KsqlClient({ url: srv.url }, { attempts: 1 });
    const err = await ksql.execute('SHOW STREAMS;').catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(KsqlError);
    expect((err as Error).message).toBe(`ksqlDB at ${srv.url} POST /ksql failed with HTTP 502: 502 Bad Gateway`);
  } finally {
    await srv.close();
  }
});

test('connection refused names the server and says nothing listens there', async () => {
  const srv = await httpServer(() => undefined);
  await srv.close(); // the port is free now
  const err = await new ConnectClient({ url: srv.url, timeoutMs: 2000 }).listAll().catch((e: unknown) => e);
  expect((err as Error).message).toMatch(
    new RegExp(`^Kafka Connect at ${srv.url} GET /connectors failed: ECONNREFUSED .*nothing listens there`),
  );
});

test('Kafka pointed at a port that is not a Kafka listener names the address and asks whether it is one', async () => {
  const srv = await httpServer((_req, res) => {
    res.writeHead(400);
    res.end();
  });
  try {
    const kafka = new KafkaAdminClient({ bootstrapServers: [`127.0.0.1:${srv.port}`], timeoutMs: 25_000 });
    const err = await kafka.listTopics().catch((e: unknown) => e);
    await kafka.close().catch(() => undefined);
    expect(err).toBeInstanceOf(KafkaClientError);
    const message = (err as Error).message;
    expect(message).toMatch(new RegExp(`^Kafka at 127.0.0.1:${srv.port}: list topics: `));
    expect(message).toMatch(/\(is this a Kafka broker listener\?/);
    expect(message).not.toMatch(/^Closed connection$/);
  } finally {
    await srv.close();
  }
});

test('a Kafka listener that accepts and never answers is reported after the request timeout', async () => {
  const hung = await hungServer();
  try {
    const kafka = new KafkaAdminClient({ bootstrapServers: [`127.0.0.1:${hung.port}`], timeoutMs: 1000 });
    const start = Date.now();
    const err = await kafka.describeTopics().catch((e: unknown) => e);
    const took = Date.now() - start;
    expect((err as Error).message).toBe(
      `Kafka at 127.0.0.1:${hung.port}: list topics: no answer within 1 s (is this a Kafka broker listener, and is it up? raise the provider's request_timeout_seconds if the cluster is only slow)`,
    );
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(4000);
  } finally {
    await hung.close();
  }
});

test('transient Kafka errors during metadata churn are retried with back-off; others fail at once', async () => {
  const notHosted = Object.assign(new Error('This server does not host this topic-partition'), {
    type: 'UNKNOWN_TOPIC_OR_PARTITION',
    retriable: true,
  });
  // kafkajs wraps the broker's error once its own retries are used up.
  const wrapped = Object.assign(new Error('Number of retries exceeded'), {
    name: 'KafkaJSNumberOfRetriesExceeded',
    originalError: notHosted,
  });
  const notLeader = Object.assign(
    new Error('For requests intended only for the leader, this error indicates that the broker is not the current leader'),
    {
      type: 'NOT_LEADER_OR_FOLLOWER',
    },
  );
  expect([notHosted, wrapped, notLeader].map(isTransientKafkaError)).toEqual([true, true, true]);
  expect(isTransientKafkaError(Object.assign(new Error('Topic authorization failed'), { type: 'TOPIC_AUTHORIZATION_FAILED' }))).toBe(false);

  const failures = [wrapped, notLeader];
  const times: number[] = [];
  const result = await retryTransient(
    async () => {
      times.push(Date.now());
      const f = failures.shift();
      if (f) throw f;
      return 'deleted';
    },
    undefined,
    { initialDelayMs: 50 },
  );
  expect(result).toBe('deleted');
  expect(times).toHaveLength(3);
  expect(times[2] - times[1]).toBeGreaterThan(times[1] - times[0]); // backs off
  let calls = 0;
  const denied = Object.assign(new Error('Topic authorization failed'), { type: 'TOPIC_AUTHORIZATION_FAILED', retriable: false });
  await expect(
    retryTransient(async () => {
      calls++;
      throw denied;
    }, undefined),
  ).rejects.toBe(denied);
  expect(calls).toBe(1);
  // Given up after the attempts allowed.
  calls = 0;
  await expect(
    retryTransient(
      async () => {
        calls++;
        throw notHosted;
      },
      undefined,
      { attempts: 3, initialDelayMs: 1 },
    ),
  ).rejects.toBe(notHosted);
  expect(calls).toBe(3);
});

test('request_timeout_seconds bounds the calls to every server (also from the environment)', () => {
  const base = {
    bootstrap_servers: 'k1:9092',
    schema_registry_url: 'http://sr:8081',
    connect_url: 'http://connect:8083',
    ksqldb_url: 'http://ksql:8088',
  } as Partial<ProviderConfig>;
  const nulls = Object.fromEntries(
    Object.keys(withEnvironment({} as ProviderConfig, {})).map((k) => [k, null]),
  ) as unknown as ProviderConfig;
  const configured = endpointsOf({ ...nulls, ...base, request_timeout_seconds: 5 } as ProviderConfig);
  expect([
    configured.kafka!.timeoutMs,
    configured.schemaRegistry!.timeoutMs,
    configured.connect!.timeoutMs,
    configured.ksqldb!.timeoutMs,
  ]).toEqual([5000, 5000, 5000, 5000]);
  const fromEnv = endpointsOf(withEnvironment({ ...nulls, ...base } as ProviderConfig, { STREAMFORM_REQUEST_TIMEOUT_SECONDS: '7' }));
  expect(fromEnv.connect!.timeoutMs).toBe(7000);
  expect(endpointsOf({ ...nulls, ...base } as ProviderConfig).connect!.timeoutMs).toBeUndefined(); // the 30 s default
  expect(() =>
    endpointsOf(withEnvironment({ ...nulls, ...base } as ProviderConfig, { STREAMFORM_REQUEST_TIMEOUT_SECONDS: 'soon' })),
  ).toThrow('request_timeout_seconds must be a whole number of seconds from 1 to 3600, not soon');
});
