import * as net from 'net';
import * as tls from 'tls';
import { encodeHeaders, HpackDecoder, HpackError } from './hpack';

/**
 * The part of gRPC a Terraform provider serves: unary calls over HTTP/2 (h2c, or TLS with a client
 * certificate for go-plugin's AutoMTLS) on a unix socket, with the wire format of gRPC's HTTP/2
 * protocol: a request is one length-prefixed message, an answer is headers, one length-prefixed
 * message, and trailers with `grpc-status`. OpenTofu's client (grpc-go) needs no more: every
 * tfplugin6.Provider method and GRPCController.Shutdown are unary, and other services (go-plugin's
 * broker and stdio streams) are answered UNIMPLEMENTED, which go-plugin accepts.
 *
 * HTTP/2 (RFC 9113) is served here too, for the same reason it replaced @grpc/grpc-js's server
 * (whose interceptors, metadata objects, stream decoders and deadline timers cost about a third of
 * the provider's CPU in a plan): Node's HTTP/2 server makes a stream object, events and header
 * objects per call, a third of the provider's CPU in a 100-topic plan. A unary call needs frames
 * parsed, one header field (`:path`) decoded, and the answer written as one buffer: headers, data
 * and trailers, their header blocks encoded once.
 */

/** gRPC status codes used here (grpc/doc/statuscodes.md). */
export const GrpcStatus = { OK: 0, INVALID_ARGUMENT: 3, UNIMPLEMENTED: 12, INTERNAL: 13 } as const;

/** A unary method: the request message's bytes in, the answer's bytes out. */
export type UnaryMethod = (request: Buffer) => Promise<Buffer>;

/** An error whose gRPC status the client sees (INTERNAL for any other error). */
export class GrpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface GrpcServerOptions {
  /** Methods by path (`/tfplugin6.Provider/ReadResource`). */
  readonly methods: ReadonlyMap<string, UnaryMethod>;
  /** Mutual TLS: the server's key and certificate, and the only certificate a client may present. */
  readonly tls?: { readonly key: string; readonly cert: string; readonly clientCert: string };
}

export interface GrpcServer {
  /** Listens on the unix socket at this path, or on a listening socket's descriptor. */
  listen(socket: string | { readonly fd: number }): Promise<void>;
  /** Closes every connection at once (calls in flight are cut). */
  forceShutdown(): void;
}

/** The client's connection preface (RFC 9113 §3.4). */
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const FRAME = {
  DATA: 0,
  HEADERS: 1,
  PRIORITY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PUSH_PROMISE: 5,
  PING: 6,
  GOAWAY: 7,
  WINDOW_UPDATE: 8,
  CONTINUATION: 9,
};
const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 };
const H2_ERROR = { PROTOCOL_ERROR: 0x1, FLOW_CONTROL_ERROR: 0x3, FRAME_SIZE_ERROR: 0x6, COMPRESSION_ERROR: 0x9 };
const SETTING = { MAX_CONCURRENT_STREAMS: 0x3, INITIAL_WINDOW_SIZE: 0x4, MAX_FRAME_SIZE: 0x5 };

/** HTTP/2's defaults: frame size, flow-control window (RFC 9113 §6.5.2). */
const DEFAULT_MAX_FRAME = 16_384;
const DEFAULT_WINDOW = 65_535;
/** This side's windows: room for large messages (a provider schema, a plan of many attributes) without waiting on window updates. */
const STREAM_WINDOW = 1 << 20;
const CONNECTION_WINDOW = 16 << 20;
const MAX_WINDOW = 2 ** 31 - 1;

function frame(type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const f = Buffer.allocUnsafe(9 + payload.length);
  f.writeUIntBE(payload.length, 0, 3);
  f[3] = type;
  f[4] = flags;
  f.writeUInt32BE(stream, 5);
  payload.copy(f, 9);
  return f;
}
const u32 = (v: number) => {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v, 0);
  return b;
};

/** What this side announces: many streams at once, a 1 MB window per stream; and the connection's window raised to 16 MB. */
const SERVER_PREFACE = Buffer.concat([
  frame(
    FRAME.SETTINGS,
    0,
    0,
    Buffer.concat([
      Buffer.from([0, SETTING.MAX_CONCURRENT_STREAMS]),
      u32(1000),
      Buffer.from([0, SETTING.INITIAL_WINDOW_SIZE]),
      u32(STREAM_WINDOW),
    ]),
  ),
  frame(FRAME.WINDOW_UPDATE, 0, 0, u32(CONNECTION_WINDOW - DEFAULT_WINDOW)),
]);
const SETTINGS_ACK = frame(FRAME.SETTINGS, FLAG.ACK, 0);
/**
 * The frames of every answer, their header blocks encoded once: response headers, and the trailers
 * of a call that succeeded (stream 0: an answer writes its own stream's id into its copy); and the
 * bytes an answer adds to its message.
 */
const RESPONSE_HEADERS_FRAME = frame(
  FRAME.HEADERS,
  FLAG.END_HEADERS,
  0,
  encodeHeaders([
    [':status', '200'],
    ['content-type', 'application/grpc'],
  ]),
);
const OK_TRAILERS_FRAME = frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, 0, encodeHeaders([['grpc-status', '0']]));
const ANSWER_OVERHEAD = RESPONSE_HEADERS_FRAME.length + 9 + 5 + OK_TRAILERS_FRAME.length;

/** Copies one of those frames into `out` at `at` for stream `id`; returns where the copy ends. */
function copyFrame(template: Buffer, id: number, out: Buffer, at: number): number {
  template.copy(out, at);
  out.writeUInt32BE(id, at + 5);
  return at + template.length;
}
/** One of those frames for stream `id`, alone. */
const streamFrame = (template: Buffer, id: number) => {
  const out = Buffer.allocUnsafe(template.length);
  copyFrame(template, id, out, 0);
  return out;
};

/** grpc-message: percent-encoded UTF-8 outside printable ASCII, and `%` itself; at most 8 KB (one frame). */
function grpcMessage(text: string): string {
  return text
    .replace(/[^\x20-\x24\x26-\x7e]+/g, (s) =>
      [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
    )
    .slice(0, 8192)
    .replace(/%[0-9A-F]?$/, ''); // not a cut escape
}

/** The request's one message, from its length-prefixed frame. */
function unframe(body: Buffer): Buffer {
  if (body.length < 5) throw new GrpcError(GrpcStatus.INTERNAL, `a gRPC request of ${body.length} bytes holds no message frame`);
  if (body[0] !== 0) throw new GrpcError(GrpcStatus.UNIMPLEMENTED, 'compressed gRPC messages are not supported by this provider');
  const length = body.readUInt32BE(1);
  if (body.length !== 5 + length) {
    throw new GrpcError(GrpcStatus.UNIMPLEMENTED, 'a unary method received a stream of messages (only one message per call is supported)');
  }
  return body.subarray(5);
}

/** A call from HEADERS until its answer is written (or the client resets it). */
interface Stream {
  readonly path: string;
  readonly body: Buffer[];
  /** Bytes received on it since this side last raised its window. */
  unacknowledged: number;
  /** How much more this side may send on it (the client's window). */
  window: number;
  /** Whether the request has ended (its method runs or ran). */
  ended: boolean;
  /** The answer's length-prefixed message, and how much of it is written. */
  answer?: { readonly data: Buffer; sent: number };
}

/** A protocol error of the connection: GOAWAY with this code. */
class ConnectionError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** The server side of one HTTP/2 connection serving unary gRPC calls. */
class Connection {
  private pending: Buffer | undefined; // bytes of a frame not complete yet
  private prefaceSeen = false;
  private readonly decoder = new HpackDecoder();
  private readonly streams = new Map<number, Stream>();
  /** Streams whose answer waits for the client's window, in the order answered. */
  private readonly blocked: number[] = [];
  /** A header block continued in CONTINUATION frames. */
  private continued: { stream: number; chunks: Buffer[]; endStream: boolean } | undefined;
  private lastStream = 0;
  private sendWindow = DEFAULT_WINDOW;
  private peerInitialWindow = DEFAULT_WINDOW;
  private peerMaxFrame = DEFAULT_MAX_FRAME;
  private unacknowledged = 0;
  private out: Buffer[] = [];
  private closed = false;
  /** GOAWAY sent: the connection ends once it is written. */
  private goingAway = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly methods: ReadonlyMap<string, UnaryMethod>,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => this.close()); // the client went away; its calls are gone with it
    socket.on('close', () => this.close());
    this.write(SERVER_PREFACE);
  }

  close(): void {
    this.closed = true;
    this.streams.clear();
    this.socket.destroy();
  }

  /**
   * Queues bytes; everything queued in one turn of the event loop goes out in one write, at its
   * end (setImmediate: the answers to all requests read in that turn, about one write per read
   * instead of three for two in a 1,000-resource plan).
   */
  private write(bytes: Buffer): void {
    if (this.closed) return;
    if (this.out.push(bytes) === 1) {
      setImmediate(() => {
        const out = this.out;
        this.out = [];
        if (!this.closed) this.socket.write(out.length === 1 ? out[0] : Buffer.concat(out));
      });
    }
  }

  private receive(chunk: Buffer): void {
    if (this.closed || this.goingAway) return;
    const data = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    let i = 0;
    try {
      if (!this.prefaceSeen) {
        if (data.length < PREFACE.length) {
          this.pending = data;
          return;
        }
        if (!data.subarray(0, PREFACE.length).equals(PREFACE))
          throw new ConnectionError(H2_ERROR.PROTOCOL_ERROR, 'not an HTTP/2 connection preface');
        this.prefaceSeen = true;
        i = PREFACE.length;
      }
      while (data.length - i >= 9) {
        const length = data.readUIntBE(i, 3);
        if (length > DEFAULT_MAX_FRAME) throw new ConnectionError(H2_ERROR.FRAME_SIZE_ERROR, `a frame of ${length} bytes`);
        if (data.length - i - 9 < length) break;
        const stream = data.readUInt32BE(i + 5) & 0x7fffffff;
        this.frame(data[i + 3], data[i + 4], stream, data.subarray(i + 9, i + 9 + length));
        i += 9 + length;
        if (this.closed) return;
      }
    } catch (err) {
      const code =
        err instanceof HpackError ? H2_ERROR.COMPRESSION_ERROR : err instanceof ConnectionError ? err.code : H2_ERROR.PROTOCOL_ERROR;
      this.goAway(code, err instanceof Error ? err.message : String(err));
      return;
    }
    if (i < data.length) this.pending = data.subarray(i);
  }

  private goAway(code: number, message: string): void {
    this.goingAway = true; // no more frames are read; the GOAWAY still goes out
    this.write(frame(FRAME.GOAWAY, 0, 0, Buffer.concat([u32(this.lastStream), u32(code), Buffer.from(message.slice(0, 200))])));
    setImmediate(() => {
      // after the queued write (immediates run in order)
      this.socket.end();
      this.closed = true;
      this.streams.clear();
    });
  }

  private frame(type: number, flags: number, id: number, payload: Buffer): void {
    if (this.continued && (type !== FRAME.CONTINUATION || id !== this.continued.stream)) {
      throw new ConnectionError(H2_ERROR.PROTOCOL_ERROR, 'a header block was interrupted before its end');
    }
    switch (type) {
      case FRAME.DATA:
        return this.data(flags, id, payload);
      case FRAME.HEADERS: {
        if (id === 0 || id % 2 === 0) throw new ConnectionError(H2_ERROR.PROTOCOL_ERROR, `HEADERS on stream ${id}`);
        let start = 0;
        let end = payload.length;
        if (flags & FLAG.PADDED) {
          if (payload.length === 0) throw new ConnectionError(H2_ERROR.PROTOCOL_ERROR, 'a padded HEADERS frame without its pad length');
          start = 1;
          end -= payload[0];
        }
        if (flags & FLAG.PRIORITY) start += 5;
        if (start > end) throw new ConnectionError(H2_ERROR.PROTOCOL_ERROR, 'HEADERS padding longer than the frame');
        const block = payload.subarray(start, end);
        if (flags & FLAG.END_HEADERS) return this.headers(id, block, (flags & FLAG.END_STREAM) !== 0);
        this.continued = { stream: id, chunks: [block], endStream: (flags & FLAG.END_STREAM) !== 0 };
        return;
      }
      case FRAME.CONTINUATION: {
        const c = this.continued;
        if (!c) throw new ConnectionError(H2_ERROR.PROTOCOL_ERROR, 'CONTINUATION without HEADERS');
        c.chunks.push(payload);
        if (flags & FLAG.END_HEADERS) {
          this.continued = undefined;
          this.headers(id, Buffer.concat(c.chunks), c.endStream);
        }
        return;
      }
      case FRAME.RST_STREAM:
        if (payload.length !== 4) throw new ConnectionError(H2_ERROR.FRAME_SIZE_ERROR, 'a RST_STREAM frame not of 4 bytes');
        this.streams.delete(id); // the client cancelled the call: its answer goes nowhere
        this.flush(); // answers queued behind it may go now
        return;
      case FRAME.SETTINGS:
        if (flags & FLAG.ACK) return;
        if (id !== 0 || payload.length % 6 !== 0) throw new ConnectionError(H2_ERROR.FRAME_SIZE_ERROR, 'a malformed SETTINGS frame');
        for (let i = 0; i < payload.length; i += 6) this.setting(payload.readUInt16BE(i), payload.readUInt32BE(i + 2));
        this.write(SETTINGS_ACK);
        this.flush();
        return;
      case FRAME.PING:
        if (payload.length !== 8) throw new ConnectionError(H2_ERROR.FRAME_SIZE_ERROR, 'a PING frame not of 8 bytes');
        if (!(flags & FLAG.ACK)) this.write(frame(FRAME.PING, FLAG.ACK, 0, payload));
        return;
      case FRAME.WINDOW_UPDATE: {
        if (payload.length !== 4) throw new ConnectionError(H2_ERROR.FRAME_SIZE_ERROR, 'a WINDOW_UPDATE frame not of 4 bytes');
        const increment = payload.readUInt32BE(0) & 0x7fffffff;
        if (increment === 0) throw new ConnectionError(H2_ERROR.PROTOCOL_ERROR, 'a WINDOW_UPDATE of 0');
        const s = id === 0 ? undefined : this.streams.get(id);
        if (id === 0) this.sendWindow += increment;
        else if (s) s.window += increment;
        if (this.sendWindow > MAX_WINDOW || (s && s.window > MAX_WINDOW)) {
          throw new ConnectionError(H2_ERROR.FLOW_CONTROL_ERROR, 'a window grew beyond 2^31-1');
        }
        this.flush();
        return;
      }
      case FRAME.PUSH_PROMISE:
        throw new ConnectionError(H2_ERROR.PROTOCOL_ERROR, 'a client sent PUSH_PROMISE');
      default:
        return; // PRIORITY, GOAWAY (the client closes the connection itself), and unknown types: nothing to do
    }
  }

  private setting(id: number, value: number): void {
    if (id === SETTING.INITIAL_WINDOW_SIZE) {
      if (value > MAX_WINDOW) throw new ConnectionError(H2_ERROR.FLOW_CONTROL_ERROR, `SETTINGS_INITIAL_WINDOW_SIZE ${value}`);
      for (const s of this.streams.values()) s.window += value - this.peerInitialWindow;
      this.peerInitialWindow = value;
    } else if (id === SETTING.MAX_FRAME_SIZE) {
      if (value < DEFAULT_MAX_FRAME || value > 0xffffff)
        throw new ConnectionError(H2_ERROR.PROTOCOL_ERROR, `SETTINGS_MAX_FRAME_SIZE ${value}`);
      this.peerMaxFrame = value;
    }
    // HEADER_TABLE_SIZE bounds the dynamic table of this side's encoder, which never adds to it
  }

  private headers(id: number, block: Buffer, endStream: boolean): void {
    const fields = this.decoder.decode(block); // every block, in order: the table's state depends on it
    const open = this.streams.get(id);
    if (open) {
      if (endStream && !open.ended) this.dispatch(id, open); // trailers of the request end it
      return;
    }
    if (id <= this.lastStream) return; // a stream already answered or reset
    this.lastStream = id;
    const path = fields.find(([name]) => name === ':path')?.[1] ?? '';
    const s: Stream = { path, body: [], unacknowledged: 0, window: this.peerInitialWindow, ended: false };
    this.streams.set(id, s);
    if (!this.methods.has(path)) {
      // at once: a stream the client keeps open (go-plugin's broker) learns it now, not never
      this.fail(id, new GrpcError(GrpcStatus.UNIMPLEMENTED, `unknown method ${path}`));
      return;
    }
    if (endStream) this.dispatch(id, s);
  }

  private data(flags: number, id: number, payload: Buffer): void {
    if (id === 0) throw new ConnectionError(H2_ERROR.PROTOCOL_ERROR, 'DATA on stream 0');
    // flow control counts the whole frame, padding included (RFC 9113 §6.9.1)
    this.unacknowledged += payload.length;
    if (this.unacknowledged >= CONNECTION_WINDOW / 2) {
      this.write(frame(FRAME.WINDOW_UPDATE, 0, 0, u32(this.unacknowledged)));
      this.unacknowledged = 0;
    }
    const s = this.streams.get(id);
    if (!s || s.ended) return; // a call reset, answered, or whose request has ended
    let body = payload;
    if (flags & FLAG.PADDED) {
      if (payload.length === 0 || payload[0] >= payload.length)
        throw new ConnectionError(H2_ERROR.PROTOCOL_ERROR, 'DATA padding longer than the frame');
      body = payload.subarray(1, payload.length - payload[0]);
    }
    if (body.length > 0) s.body.push(body);
    if (flags & FLAG.END_STREAM) {
      this.dispatch(id, s);
      return;
    }
    s.unacknowledged += payload.length;
    if (s.unacknowledged >= STREAM_WINDOW / 2) {
      this.write(frame(FRAME.WINDOW_UPDATE, 0, id, u32(s.unacknowledged)));
      s.unacknowledged = 0;
    }
  }

  /** Runs the call whose request has ended; its answer (or error) goes out when it settles. */
  private dispatch(id: number, s: Stream): void {
    s.ended = true;
    const method = this.methods.get(s.path)!;
    Promise.resolve()
      .then(() => method(unframe(s.body.length === 1 ? s.body[0] : Buffer.concat(s.body))))
      .then(
        (message) => this.answer(id, message),
        (err: unknown) => this.fail(id, err),
      )
      .catch(() => this.close()); // answering failed (a broken connection): its calls end with it
  }

  private answer(id: number, message: Buffer): void {
    const s = this.streams.get(id);
    if (!s || this.closed) return; // the client reset the call or went away
    const length = 5 + message.length;
    if (length <= Math.min(this.peerMaxFrame, this.sendWindow, s.window)) {
      // the usual answer: headers, one DATA frame and trailers, in one buffer
      const out = Buffer.allocUnsafe(ANSWER_OVERHEAD + message.length);
      let at = copyFrame(RESPONSE_HEADERS_FRAME, id, out, 0);
      out.writeUIntBE(length, at, 3);
      out[at + 3] = FRAME.DATA;
      out[at + 4] = 0;
      out.writeUInt32BE(id, at + 5);
      out[at + 9] = 0; // not compressed
      out.writeUInt32BE(message.length, at + 10);
      at += 14 + message.copy(out, at + 14);
      copyFrame(OK_TRAILERS_FRAME, id, out, at);
      this.sendWindow -= length;
      this.streams.delete(id);
      this.write(out);
      return;
    }
    const data = Buffer.allocUnsafe(length);
    data[0] = 0; // not compressed
    data.writeUInt32BE(message.length, 1);
    message.copy(data, 5);
    s.answer = { data, sent: 0 };
    this.write(streamFrame(RESPONSE_HEADERS_FRAME, id));
    if (!this.send(id, s)) this.blocked.push(id);
  }

  /** Answers with no message: headers and status in one frame (gRPC's Trailers-Only). */
  private fail(id: number, err: unknown): void {
    if (!this.streams.has(id) || this.closed) return;
    this.streams.delete(id);
    const code = err instanceof GrpcError ? err.code : GrpcStatus.INTERNAL;
    let message: string;
    try {
      message = err instanceof Error ? err.message : String(err);
    } catch {
      message = 'the method failed';
    }
    const block = encodeHeaders([
      [':status', '200'],
      ['content-type', 'application/grpc'],
      ['grpc-status', String(code)],
      ['grpc-message', grpcMessage(message)],
    ]);
    this.write(frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, id, block));
  }

  /** Writes as much of a stream's answer as the windows allow; true when it is all written, trailers too. */
  private send(id: number, s: Stream): boolean {
    const a = s.answer!;
    while (a.sent < a.data.length) {
      const n = Math.min(a.data.length - a.sent, this.peerMaxFrame, this.sendWindow, s.window);
      if (n <= 0) return false;
      this.write(frame(FRAME.DATA, 0, id, a.data.subarray(a.sent, a.sent + n)));
      a.sent += n;
      this.sendWindow -= n;
      s.window -= n;
    }
    this.write(streamFrame(OK_TRAILERS_FRAME, id));
    this.streams.delete(id);
    return true;
  }

  /**
   * Sends what the windows now allow of the answers waiting for them, in order; an answer waiting
   * for its own stream's window does not hold up the others.
   */
  private flush(): void {
    for (let i = 0; i < this.blocked.length && this.sendWindow > 0;) {
      const id = this.blocked[i];
      const s = this.streams.get(id);
      if (!s || this.send(id, s)) this.blocked.splice(i, 1);
      else i++;
    }
  }
}

export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  const connections = new Set<Connection>();
  const serve = (socket: net.Socket) => {
    const c = new Connection(socket, options.methods);
    connections.add(c);
    socket.on('close', () => connections.delete(c));
  };
  const server = options.tls
    ? tls.createServer(
        {
          key: options.tls.key,
          cert: options.tls.cert,
          ca: options.tls.clientCert,
          requestCert: true,
          rejectUnauthorized: true,
          ALPNProtocols: ['h2'],
        },
        serve,
      )
    : net.createServer(serve);
  return {
    listen: (socket) =>
      new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(typeof socket === 'string' ? socket : { fd: socket.fd }, () => {
          server.off('error', reject);
          resolve();
        });
      }),
    forceShutdown: () => {
      for (const c of connections) c.close();
      server.close();
    },
  };
}
