/**
 * The provider's unary gRPC server (src/provider/plugin/grpc-server.ts) against a real gRPC client
 * (grpc-js) over a unix socket: answers, errors with their status and message, unknown methods,
 * messages larger than HTTP/2's default flow-control window, calls in parallel.
 */
import * as grpc from '@grpc/grpc-js';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createGrpcServer, GrpcError, GrpcServer, GrpcStatus, UnaryMethod } from '../../../src/provider/plugin/grpc-server';

const identity = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
let dir: string;
let server: GrpcServer;
let client: grpc.Client;

function call(p: string, body: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    client.makeUnaryRequest(p, identity.serialize, identity.deserialize, body, (err, res) => (err ? reject(err) : resolve(res!))),
  );
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-grpc-'));
  const methods = new Map<string, UnaryMethod>([
    ['/test.Svc/Reverse', async (b) => Buffer.from([...b].reverse())],
    ['/test.Svc/Fail', async () => Promise.reject(new Error('topic ü is 100% broken'))],
    ['/test.Svc/Refuse', async () => Promise.reject(new GrpcError(GrpcStatus.INVALID_ARGUMENT, 'no'))],
    ['/test.Svc/Slow', (b) => new Promise((r) => setTimeout(() => r(b), 20))],
  ]);
  server = createGrpcServer({ methods });
  const socket = path.join(dir, 's.sock');
  await server.listen(socket);
  client = new grpc.Client(`unix:${socket}`, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': -1 });
});

afterAll(() => {
  client.close();
  server.forceShutdown();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('unary gRPC server', () => {
  test('answers a call with the method’s message', async () => {
    expect(await call('/test.Svc/Reverse', Buffer.from('abc'))).toEqual(Buffer.from('cba'));
  });

  test('an empty message is a message', async () => {
    expect(await call('/test.Svc/Reverse', Buffer.alloc(0))).toEqual(Buffer.alloc(0));
  });

  test('a failing method answers INTERNAL with its message (non-ASCII and % intact); a GrpcError keeps its code', async () => {
    await expect(call('/test.Svc/Fail', Buffer.from('x'))).rejects.toMatchObject({
      code: grpc.status.INTERNAL,
      details: 'topic ü is 100% broken',
    });
    await expect(call('/test.Svc/Refuse', Buffer.from('x'))).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: 'no' });
  });

  test('an unknown method answers UNIMPLEMENTED (go-plugin asks for services a provider may not have)', async () => {
    await expect(call('/plugin.GRPCStdio/StreamStdio', Buffer.from('x'))).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
  });

  test('messages of several MB in both directions (beyond the default 64 KB flow-control window)', async () => {
    const big = Buffer.alloc(5 << 20);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    const back = await call('/test.Svc/Reverse', big);
    expect(back.length).toBe(big.length);
    expect(back[0]).toBe(big[big.length - 1]);
    expect(back[big.length - 1]).toBe(big[0]);
  });

  test('calls in parallel are answered each with its own message', async () => {
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => call('/test.Svc/Slow', Buffer.from(String(i)))));
    expect(answers.map((a) => a.toString())).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
  });
});
