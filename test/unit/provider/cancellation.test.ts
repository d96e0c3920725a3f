/**
 * The real clients give up when the provider's signal aborts: a request in flight, the back-off
 * between retries, a ksqlDB command polled on /status. Against a local HTTP listener in this
 * process that answers slowly or never.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { abortable, sleep } from '../../../src/provider/clients/abort';
import { ConnectClient } from '../../../src/provider/clients/connect';
import { KsqlClient } from '../../../src/provider/clients/ksqldb';

const STOPPED = new Error('stopped by the test');

let server: Server;
let url: string;
let handle: (req: IncomingMessage, res: ServerResponse) => void;

beforeAll(async () => {
  server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Aborts `controller` once `when` resolves; resolves what `work` failed with and how long after the abort. */
async function abortWhen<T>(
  when: Promise<unknown>,
  controller: AbortController,
  work: Promise<T>,
): Promise<{ error: unknown; lateMs: number }> {
  let abortedAt = 0;
  void when.then(() => {
    abortedAt = Date.now();
    controller.abort(STOPPED);
  });
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, lateMs: Date.now() - abortedAt };
}

const ms = (n: number) => new Promise((resolve) => setTimeout(resolve, n));

test('a ksqlDB command still QUEUED is polled until the signal aborts, then rejects at once', async () => {
  const polls: string[] = [];
  let thirdPoll!: () => void;
  const polled = new Promise<void>((resolve) => (thirdPoll = resolve));
  handle = (req, res) => {
    res.setHeader('Content-Type', 'application/json');
    if (req.url === '/ksql') {
      const status = { '@type': 'currentStatus', statementText: 'x', commandId: 'stream/X/create', commandSequenceNumber: 1 };
      res.end(JSON.stringify([{ ...status, commandStatus: { status: 'QUEUED', message: 'queued' } }]));
    } else {
      polls.push(req.url ?? '');
      res.end(JSON.stringify({ status: 'QUEUED', message: 'still queued' }));
      if (polls.length === 3) thirdPoll();
    }
  };
  const controller = new AbortController();
  const ksql = new KsqlClient({ url }, { signal: controller.signal, pollIntervalMs: 20 });
  const { error, lateMs } = await abortWhen(polled, controller, ksql.command("CREATE STREAM X (A INT) WITH (KAFKA_TOPIC='x');"));
  expect(error).toBe(STOPPED);
  expect(polls.length).toBeGreaterThanOrEqual(3);
  expect(polls[0]).toBe('/status/stream/X/create');
  expect(lateMs).toBeLessThan(5000); // without the abort it polls until the command timeout, 120 s
});

test('a request the server never answers is abandoned when the signal aborts', async () => {
  const controller = new AbortController();
  const connect = new ConnectClient({ url, timeoutMs: 60_000 }, { signal: controller.signal });
  let received!: () => void;
  const arrived = new Promise<void>((resolve) => (received = resolve));
  handle = () => received(); // never answers
  const { error, lateMs } = await abortWhen(
    arrived.then(() => ms(50)),
    controller,
    connect.status('shop'),
  );
  expect(error).toBe(STOPPED);
  expect(lateMs).toBeLessThan(5000); // the request timeout is 60 s
});

test('the back-off between retries ends when the signal aborts', async () => {
  let requests = 0;
  let fourth!: () => void;
  const retried = new Promise<void>((resolve) => (fourth = resolve));
  handle = (_req, res) => {
    if (++requests === 4) fourth();
    res.statusCode = 503;
    res.end(JSON.stringify({ error_code: 50302, message: 'KSQL is not yet ready to serve requests.' }));
  };
  const controller = new AbortController();
  const ksql = new KsqlClient({ url }, { signal: controller.signal, attempts: 100 });
  // After the fourth attempt the client backs off for 2.4 s.
  const { error, lateMs } = await abortWhen(
    retried.then(() => ms(50)),
    controller,
    ksql.catalog(),
  );
  expect(error).toBe(STOPPED);
  expect(requests).toBe(4);
  expect(lateMs).toBeLessThan(1500);
});

test('sleep and abortable settle with the abort reason, or as usual without an abort', async () => {
  const controller = new AbortController();
  const slept = sleep(60_000, controller.signal);
  const waited = abortable(new Promise(() => undefined), controller.signal);
  controller.abort(STOPPED);
  await expect(slept).rejects.toBe(STOPPED);
  await expect(waited).rejects.toBe(STOPPED);
  await expect(abortable(Promise.resolve(7), new AbortController().signal)).resolves.toBe(7);
  await expect(sleep(1, new AbortController().signal)).resolves.toBeUndefined();
  await expect(sleep(1, controller.signal)).rejects.toBe(STOPPED);
});
