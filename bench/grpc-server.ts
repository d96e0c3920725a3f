/**
 * gRPC server benchmark (prints figures; not a test): the CPU a provider process spends serving
 * unary calls, for the provider's own HTTP/2 server (src/provider/plugin/grpc-server.ts) beside
 * Node's http2 server answering the same way (the baseline: how grpc-server.ts served calls before
 * it had its own HTTP/2). Each run starts a fresh server process (a provider serves one command,
 * its code cold) that echoes a 300-byte answer, and a client process (Node's HTTP/2 client, gRPC's
 * framing) makes N calls, 10 at a time; the server reports the CPU it spent on them. Servers
 * interleaved, median of the runs.
 * Run: node dist/bench/grpc-server.js [--calls 400,4000] [--runs 5]
 */
import { fork, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http2 from 'http2';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { createGrpcServer } from '../src/provider/plugin/grpc-server';

const METHOD = '/bench.Svc/Echo';
const ANSWER = Buffer.alloc(300, 1);

type Kind = 'streamform' | 'node-http2';

/** The baseline: Node's http2 server, answering as grpc-server.ts did on it. */
function nodeHttp2Server(socket: string): Promise<void> {
  const server = http2.createServer({ settings: { initialWindowSize: 1 << 20, maxConcurrentStreams: 1000 } });
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      void Promise.resolve(headers[':path'] === METHOD ? ANSWER : Buffer.alloc(0)).then((message) => {
        const framed = Buffer.allocUnsafe(5 + message.length);
        framed[0] = 0;
        framed.writeUInt32BE(message.length, 1);
        message.copy(framed, 5);
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(framed);
      });
    });
  });
  return new Promise((resolve) => server.listen(socket, resolve));
}

async function serverRole(kind: Kind, socket: string): Promise<void> {
  if (kind === 'streamform') {
    await createGrpcServer({ methods: new Map([[METHOD, async () => ANSWER]]) }).listen(socket);
  } else {
    await nodeHttp2Server(socket);
  }
  const start = process.cpuUsage();
  process.send!({ ready: true });
  process.on('message', () => {
    const used = process.cpuUsage(start);
    process.send!({ cpuMs: (used.user + used.system) / 1000 });
  });
}

async function clientRole(socket: string, calls: number): Promise<void> {
  const session = http2.connect('http://localhost', { createConnection: () => net.connect(socket) });
  const body = Buffer.alloc(5 + 200);
  body.writeUInt32BE(200, 1);
  const call = () =>
    new Promise<void>((resolve, reject) => {
      const req = session.request({ ':method': 'POST', ':path': METHOD, 'content-type': 'application/grpc', te: 'trailers' });
      req.on('data', () => undefined);
      req.on('end', resolve);
      req.on('error', reject);
      req.end(body);
    });
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next++ < calls) await call();
    }),
  );
  process.send!({ wallMs: Date.now() - started });
  session.close();
}

const message = <T>(child: ChildProcess) => new Promise<T>((resolve) => child.once('message', (m) => resolve(m as T)));

async function once(kind: Kind, calls: number): Promise<{ cpuMs: number; wallMs: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-bench-grpc-'));
  const socket = path.join(dir, 's.sock');
  const server = fork(__filename, ['--server', kind, socket]);
  try {
    await message(server);
    const client = fork(__filename, ['--client', socket, String(calls)]);
    const { wallMs } = await message<{ wallMs: number }>(client);
    server.send('cpu');
    const { cpuMs } = await message<{ cpuMs: number }>(server);
    client.kill();
    return { cpuMs, wallMs };
  } finally {
    server.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const arg = (name: string, fallback: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const runs = Number(arg('runs', '5'));
  const kinds: Kind[] = ['streamform', 'node-http2'];
  console.log('| calls | server | server CPU ms (median) | µs per call | client wall ms | CPU vs node-http2 |');
  console.log('|---|---|---|---|---|---|');
  for (const calls of arg('calls', '400,4000').split(',').map(Number)) {
    const results: Record<Kind, { cpuMs: number; wallMs: number }[]> = { streamform: [], 'node-http2': [] };
    for (let r = 0; r < runs; r++) for (const k of kinds) results[k].push(await once(k, calls));
    const base = median(results['node-http2'].map((x) => x.cpuMs));
    for (const k of kinds) {
      const cpu = median(results[k].map((x) => x.cpuMs));
      const wall = median(results[k].map((x) => x.wallMs));
      console.log(`| ${calls} | ${k} | ${cpu.toFixed(0)} | ${((cpu / calls) * 1000).toFixed(0)} | ${wall} | ${(cpu / base).toFixed(2)}× |`);
    }
  }
}

if (process.argv[2] === '--server') void serverRole(process.argv[3] as Kind, process.argv[4]);
else if (process.argv[2] === '--client') void clientRole(process.argv[3], Number(process.argv[4]));
else
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
