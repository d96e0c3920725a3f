/**
 * The provider's unary gRPC server (src/provider/plugin/grpc-server.ts) against a real gRPC client
 * (grpc-js) over a unix socket: answers, errors with their status and message, unknown methods,
 * messages larger than HTTP/2's default flow-control window, calls in parallel; and HTTP/2 frames
 * written by hand: CONTINUATION, padding, requests in pieces, PING, RST_STREAM, GOAWAY.
 */
import * as grpc from '@grpc/grpc-js';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { createGrpcServer, GrpcError, GrpcServer, GrpcStatus, UnaryMethod } from '../../../src/provider/plugin/grpc-server';
import { HpackDecoder } from '../../../src/provider/plugin/hpack';

const identity = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
let dir: string;
let server: GrpcServer;
let client: grpc.Client;
let counted = 0;

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
    [
      '/test.Svc/Count',
      async () => {
        counted++;
        return Buffer.alloc(0);
      },
    ],
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

describe('HTTP/2 details, with frames written by hand', () => {
  const frame = (type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)) => {
    const f = Buffer.alloc(9);
    f.writeUIntBE(payload.length, 0, 3);
    f[3] = type;
    f[4] = flags;
    f.writeUInt32BE(stream, 5);
    return Buffer.concat([f, payload]);
  };
  const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
  // :method POST, :scheme http, :path /test.Svc/Reverse (literal, indexed name 4), content-type application/grpc
  const pathField = Buffer.concat([Buffer.from([0x04, 17]), Buffer.from('/test.Svc/Reverse')]);
  const block = Buffer.concat([Buffer.from([0x83, 0x86]), pathField, Buffer.from([0x0f, 0x10, 16]), Buffer.from('application/grpc')]);
  const message = (text: string) => {
    const b = Buffer.alloc(5 + text.length);
    b.writeUInt32BE(text.length, 1);
    b.write(text, 5);
    return b;
  };

  /** DATA frames of at most 16 KB (HTTP/2's default frame size), the last one ending the stream. */
  const dataFrames = (stream: number, body: Buffer) =>
    Array.from({ length: Math.ceil(body.length / 16_384) }, (_, i) =>
      frame(0, (i + 1) * 16_384 >= body.length ? 0x1 : 0, stream, body.subarray(i * 16_384, (i + 1) * 16_384)),
    );
  type Frame = { type: number; flags: number; stream: number; payload: Buffer };
  /** A connection to the server, and the frames it has received so far (`onFrames` after each read). */
  function connect(onFrames: (frames: Frame[]) => void = () => undefined) {
    const socket = net.connect(path.join(dir, 's.sock'));
    const frames: Frame[] = [];
    let got = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      while (got.length >= 9 && got.length >= 9 + got.readUIntBE(0, 3)) {
        const len = got.readUIntBE(0, 3);
        frames.push({ type: got[3], flags: got[4], stream: got.readUInt32BE(5), payload: got.subarray(9, 9 + len) });
        got = got.subarray(9 + len);
      }
      onFrames(frames);
    });
    return { socket, frames };
  }
  const dataBytes = (frames: Frame[]) => frames.filter((f) => f.type === 0).reduce((sum, f) => sum + f.payload.length, 0);
  /** The streams whose answer has ended (HEADERS with END_STREAM). */
  const ended = (frames: Frame[]) => new Set(frames.filter((f) => f.type === 1 && f.flags & 0x1).map((f) => f.stream));

  /** Sends these bytes (one byte per write when `trickle`), and returns the frames received until the socket ends or `until` holds. */
  async function exchange(bytes: Buffer, until: (frames: Frame[]) => boolean, trickle = false) {
    let done = () => undefined as void;
    const { socket, frames } = connect((f) => {
      if (until(f)) done();
    });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 3000);
      done = () => {
        clearTimeout(timer);
        resolve();
      };
      socket.on('close', done);
      socket.on('error', done);
      if (trickle) {
        let i = 0;
        const next = () => {
          if (i < bytes.length && !socket.destroyed) socket.write(bytes.subarray(i, ++i), next);
        };
        next();
      } else socket.write(bytes);
    });
    socket.destroy();
    return frames;
  }
  const answered = (frames: Frame[], stream: number) => ended(frames).has(stream);

  test('headers split over CONTINUATION, padded HEADERS and DATA, the request in pieces; PING answered', async () => {
    const padded = Buffer.concat([Buffer.from([3]), block.subarray(0, 5), Buffer.alloc(3)]);
    const body = message('stream');
    const bytes = Buffer.concat([
      PREFACE,
      frame(4, 0, 0),
      frame(6, 0, 0, Buffer.from('12345678')),
      frame(1, 0x8, 1, padded), // HEADERS, PADDED, no END_HEADERS
      frame(9, 0x4, 1, block.subarray(5)), // CONTINUATION, END_HEADERS
      frame(0, 0x8, 1, Buffer.concat([Buffer.from([2]), body.subarray(0, 4), Buffer.alloc(2)])),
      frame(0, 0x1, 1, body.subarray(4)),
    ]);
    const frames = await exchange(bytes, (f) => answered(f, 1), true);
    expect(frames.find((f) => f.type === 6 && f.flags === 1)?.payload.toString()).toBe('12345678');
    const data = Buffer.concat(frames.filter((f) => f.type === 0 && f.stream === 1).map((f) => f.payload));
    expect(data.subarray(5).toString()).toBe('maerts');
    const trailers = frames.filter((f) => f.type === 1 && f.stream === 1);
    expect(new HpackDecoder().decode(trailers[trailers.length - 1].payload)).toEqual([['grpc-status', '0']]);
  });

  test('a call reset by the client gets no answer; the next call on the connection does', async () => {
    const bytes = Buffer.concat([
      PREFACE,
      frame(4, 0, 0),
      frame(1, 0x4, 1, block),
      frame(3, 0, 1, Buffer.from([0, 0, 0, 8])), // RST_STREAM CANCEL
      frame(0, 0x1, 1, message('gone')), // DATA of a reset stream: counted, dropped
      frame(1, 0x4, 3, block),
      frame(0, 0x1, 3, message('next')),
    ]);
    const frames = await exchange(bytes, (f) => answered(f, 3));
    expect(frames.some((f) => f.stream === 1)).toBe(false);
    expect(
      Buffer.concat(frames.filter((f) => f.type === 0 && f.stream === 3).map((f) => f.payload))
        .subarray(5)
        .toString(),
    ).toBe('txen');
  });

  test.each([
    ['one answer of 100 KB (DATA frames of 16 KB)', [100_000]],
    ['five answers of 16,000 bytes (each in one frame with its headers and trailers)', [16_000, 16_000, 16_000, 16_000, 16_000]],
  ])('answers beyond the client’s connection window wait for its WINDOW_UPDATE: %s', async (_, sizes) => {
    const { socket, frames } = connect();
    const settings = Buffer.concat([Buffer.from([0, 4]), Buffer.from([0, 0x10, 0, 0])]); // streams: 1 MB; the connection keeps 65,535
    const calls = sizes.flatMap((size, i) => [frame(1, 0x4, 2 * i + 1, block), ...dataFrames(2 * i + 1, message('x'.repeat(size)))]);
    socket.write(Buffer.concat([PREFACE, frame(4, 0, 0, settings), ...calls]));
    await new Promise((r) => setTimeout(r, 300));
    expect(dataBytes(frames)).toBe(65_535);
    expect(ended(frames).size).toBe(sizes.length - 1);
    const update = Buffer.alloc(4);
    update.writeUInt32BE(50_000, 0);
    socket.write(frame(8, 0, 0, update));
    await new Promise((r) => setTimeout(r, 300));
    socket.destroy();
    expect(dataBytes(frames)).toBe(sizes.reduce((sum, size) => sum + size + 5, 0));
    expect(ended(frames).size).toBe(sizes.length);
  });

  test('an unknown method is answered UNIMPLEMENTED at once, while the client keeps its stream open (go-plugin’s broker)', async () => {
    const broker = '/plugin.GRPCBroker/StartStream';
    const unknown = Buffer.concat([Buffer.from([0x83, 0x86, 0x04, broker.length]), Buffer.from(broker)]);
    const frames = await exchange(Buffer.concat([PREFACE, frame(4, 0, 0), frame(1, 0x4, 1, unknown)]), (f) => answered(f, 1));
    const end = frames.find((f) => f.type === 1 && f.stream === 1);
    expect(end?.flags).toBe(0x5); // END_STREAM | END_HEADERS: Trailers-Only
    expect(new HpackDecoder().decode(end!.payload)).toContainEqual(['grpc-status', String(grpc.status.UNIMPLEMENTED)]);
  });

  test('a request ended twice runs its method once and is answered once', async () => {
    const count = Buffer.concat([Buffer.from([0x83, 0x86, 0x04, 15]), Buffer.from('/test.Svc/Count')]);
    const before = counted;
    const bytes = Buffer.concat([
      PREFACE,
      frame(4, 0, 0),
      frame(1, 0x4, 1, count),
      frame(0, 0x1, 1, message('once')),
      frame(0, 0x1, 1, message('twice')),
    ]);
    const frames = await exchange(bytes, () => false);
    expect(frames.filter((f) => f.type === 1 && f.stream === 1 && (f.flags & 0x1) !== 0)).toHaveLength(1);
    expect(counted - before).toBe(1);
  });

  test('an answer waiting for its own stream’s window does not hold up the next one when the connection’s window opens', async () => {
    // A: 70,000 bytes fill both default windows (65,535); B waits on the connection's window only
    const bytes = Buffer.concat([
      PREFACE,
      frame(4, 0, 0),
      frame(1, 0x4, 1, block),
      ...dataFrames(1, message('a'.repeat(70_000))),
      frame(1, 0x4, 3, block),
      frame(0, 0x1, 3, message('b')),
    ]);
    const { socket, frames } = connect();
    socket.write(bytes);
    await new Promise((r) => setTimeout(r, 200));
    expect(ended(frames).size).toBe(0);
    const update = Buffer.alloc(4);
    update.writeUInt32BE(100_000, 0);
    socket.write(frame(8, 0, 0, update));
    await new Promise((r) => setTimeout(r, 200));
    socket.destroy();
    expect([...ended(frames)]).toEqual([3]);
  });

  test('a connection that does not start with the preface, or sends a bad header block, ends with GOAWAY', async () => {
    const notHttp2 = await exchange(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), () => false);
    expect(notHttp2.find((f) => f.type === 7)?.payload.readUInt32BE(4)).toBe(1); // PROTOCOL_ERROR
    const badBlock = await exchange(Buffer.concat([PREFACE, frame(4, 0, 0), frame(1, 0x5, 1, Buffer.from([0x80 | 70]))]), () => false);
    expect(badBlock.find((f) => f.type === 7)?.payload.readUInt32BE(4)).toBe(9); // COMPRESSION_ERROR
  });
});
