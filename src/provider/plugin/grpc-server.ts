import * as http2 from 'http2';

/**
 * The part of gRPC a Terraform provider serves: unary calls over HTTP/2 (h2c, or TLS with a client
 * certificate for go-plugin's AutoMTLS) on a unix socket, with the wire format of gRPC's HTTP/2
 * protocol: a request is one length-prefixed message, an answer is headers, one length-prefixed
 * message, and trailers with `grpc-status`. OpenTofu's client (grpc-go) needs no more: every
 * tfplugin6.Provider method and GRPCController.Shutdown are unary, and other services (go-plugin's
 * broker and stdio streams) are answered UNIMPLEMENTED, which go-plugin accepts.
 *
 * It replaces @grpc/grpc-js's server in the provider: its per-call layers (interceptors, metadata
 * objects, stream decoders, deadline timers) cost about a third of the provider's CPU in a plan.
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

/** grpc-message: percent-encoded UTF-8 outside printable ASCII, and `%` itself. */
function grpcMessage(text: string): string {
  return text.replace(/[^\x20-\x24\x26-\x7e]+/g, (s) =>
    [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

/**
 * Answers with no message: headers and status in one frame (gRPC's Trailers-Only); a GrpcError's
 * code, INTERNAL for any other error.
 */
function fail(stream: http2.ServerHttp2Stream, err: unknown): void {
  if (stream.destroyed || stream.headersSent) return;
  const code = err instanceof GrpcError ? err.code : GrpcStatus.INTERNAL;
  const message = err instanceof Error ? err.message : String(err);
  stream.respond(
    { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(code), 'grpc-message': grpcMessage(message) },
    { endStream: true },
  );
}

function answer(stream: http2.ServerHttp2Stream, message: Buffer): void {
  if (stream.destroyed || stream.headersSent) return;
  const framed = Buffer.allocUnsafe(5 + message.length);
  framed[0] = 0; // not compressed
  framed.writeUInt32BE(message.length, 1);
  message.copy(framed, 5);
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  stream.end(framed);
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

export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  const settings: http2.Settings = { initialWindowSize: 1 << 20, maxConcurrentStreams: 1000 };
  const server = options.tls
    ? http2.createSecureServer({
        key: options.tls.key,
        cert: options.tls.cert,
        ca: options.tls.clientCert,
        requestCert: true,
        rejectUnauthorized: true,
        ALPNProtocols: ['h2'],
        settings,
        maxSessionMemory: 1024,
      })
    : http2.createServer({ settings, maxSessionMemory: 1024 });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session: http2.ServerHttp2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => undefined); // the client went away; its calls are gone with it
    // room for large messages (a provider schema, a plan of many attributes) without waiting on window updates
    session.setLocalWindowSize(16 << 20);
  });
  server.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    stream.on('error', () => undefined); // a call the client cancelled
    const method = options.methods.get(headers[':path'] ?? '');
    if (!method) {
      fail(stream, new GrpcError(GrpcStatus.UNIMPLEMENTED, `unknown method ${headers[':path']}`));
      stream.resume();
      return;
    }
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      // a malformed frame and a failing method end the same way: fail()
      Promise.resolve()
        .then(() => method(unframe(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))))
        .then(
          (message) => answer(stream, message),
          (err: unknown) => fail(stream, err),
        )
        // the stream closed between the check and the answer (the client went away): nobody to tell
        .catch(() => undefined);
    });
  });
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
      for (const s of sessions) s.destroy();
      server.close();
    },
  };
}
