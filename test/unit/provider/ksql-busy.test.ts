/**
 * A ksqlDB server whose command runner is still busy with earlier commands refuses the next
 * statement with HTTP 500 "Could not write the statement into the command topic. Caused by:
 * Timeout while waiting for command topic consumer ..." (DistributingExecutor): nothing was
 * written, so the client sends it again; other 500s are not retried.
 */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { KsqlClient } from '../../../src/provider/clients/ksqldb';

let server: Server;
let url: string;
let answers: { status: number; body: unknown }[] = [];
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      const a = answers.shift() ?? { status: 500, body: { '@type': 'generic_error', error_code: 50000, message: 'no answer left' } };
      res.statusCode = a.status;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  requests = 0;
});

const busy = {
  status: 500,
  body: {
    '@type': 'statement_error',
    error_code: 50000,
    // as ksqlDB sends it: the cause wrapped at 80 columns
    message:
      'Could not write the statement into the command topic.\nCaused by: Timeout while waiting for command topic consumer to process command\n\ttopic',
    statementText: 'DROP STREAM S;',
    entities: [],
  },
};
const done = {
  status: 200,
  body: [
    {
      '@type': 'currentStatus',
      statementText: 'DROP STREAM S;',
      commandId: 'stream/`S`/drop',
      commandStatus: { status: 'SUCCESS', message: 'Source `S` (topic: s) was dropped.' },
      commandSequenceNumber: 7,
      warnings: [],
    },
  ],
};

test('a statement refused because the command runner is busy is sent again until it is written', async () => {
  answers = [busy, busy, done];
  const client = new KsqlClient({ url });
  const { status } = await client.command('DROP STREAM S;');
  expect(status?.status).toBe('SUCCESS');
  expect(requests).toBe(3);
});

test('another server error is not sent again', async () => {
  answers = [
    { status: 500, body: { ...busy.body, message: 'Could not write the statement into the command topic.\nCaused by: oops' } },
    done,
  ];
  const client = new KsqlClient({ url });
  await expect(client.command('DROP STREAM S;')).rejects.toThrow('Caused by: oops');
  expect(requests).toBe(1);
});
