import type * as grpc from '@grpc/grpc-js';
import type * as protobufTypes from 'protobufjs';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { protoDir } from './proto-dir';
import { createPluginCertificate } from './cert';
import { createGrpcServer, GrpcServer, UnaryMethod } from './grpc-server';
import { LEAN_METHODS, leanDecode, leanEncode } from './lean-codec';
import { Logger } from './log';

/**
 * Serves a tfplugin6 provider the way hashicorp/go-plugin expects: magic cookie check, AutoMTLS,
 * a unix socket, the handshake line on stdout, GRPCController.Shutdown; the calls go over the
 * unary gRPC server of grpc-server.ts (OpenTofu and grpc-js clients both speak to it).
 */

const MAGIC_COOKIE_KEY = 'TF_PLUGIN_MAGIC_COOKIE';
export const MAGIC_COOKIE_VALUE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';
const CORE_PROTOCOL_VERSION = 1;
const APP_PROTOCOL_VERSION = 6;

/**
 * The RPC handlers by method name. Each declares, as its parameter type, the fields it reads of
 * its request message (as loadServices decodes it from tfplugin6.proto).
 */
type Handlers = Readonly<Record<string, (req: never) => Promise<unknown>>>;

interface ServeOptions {
  /** The unary tfplugin6.Provider methods served. */
  readonly methods: readonly string[];
  /**
   * Methods whose answer depends on nothing but the request's bytes (validation, the schema):
   * each distinct request is decoded, handled and encoded once per process, and the same bytes
   * get the same answer after that. OpenTofu validates every resource's configuration twice in a
   * plan (its validate walk, then before PlanResourceChange), with the same bytes when nothing in
   * it was unknown.
   */
  readonly pure?: readonly string[];
  /**
   * Answers of pure methods to requests of no bytes, known before the provider's modules load
   * (GetProviderSchema's, encoded when the bundle was built).
   */
  readonly known?: ReadonlyMap<string, Buffer>;
  /**
   * The handlers, loaded on the first call (the handshake does not wait for the provider's
   * modules: OpenTofu connects while they load).
   */
  readonly handlers: () => Promise<Handlers>;
  readonly log: Logger;
  readonly env?: NodeJS.ProcessEnv;
  /** Where the handshake line goes. @default process.stdout */
  readonly out?: NodeJS.WritableStream;
  /** Called after Shutdown, before exit. */
  readonly onShutdown?: () => void;
}

export class HandshakeError extends Error {}

/**
 * A listening unix socket the provider serves on instead of making its own: its descriptor, and
 * its path for the handshake line (shared-provider.ts passes them).
 */
export const LISTEN_FD_ENV = 'STREAMFORM_PROVIDER_LISTEN_FD';
export const LISTEN_SOCKET_ENV = 'STREAMFORM_PROVIDER_SOCKET';

interface Services {
  provider: grpc.ServiceDefinition;
  controller: grpc.ServiceDefinition;
}
let loaded: Services | undefined;

/**
 * The protocol's service definitions, with message codecs built by protobufjs from the definition
 * (the JSON descriptor the set-up writes beside each .proto file, else the .proto text), each
 * message type's codec generated on its first use. Decoded messages have the shape
 * @grpc/proto-loader gives with { keepCase, longs: Number, enums: String, defaults, oneofs }.
 */
export function loadServices(dir = protoDir()): Services {
  if (loaded) return loaded;
  const protobuf = require('protobufjs') as typeof import('protobufjs');
  const toObject = { longs: Number, enums: String, defaults: true, oneofs: true };
  const service = (file: string, qualified: string): grpc.ServiceDefinition => {
    const descriptor = `${file}.json`;
    const root = fs.existsSync(descriptor)
      ? protobuf.Root.fromJSON(JSON.parse(fs.readFileSync(descriptor, 'utf8')) as protobufTypes.INamespace)
      : new protobuf.Root().loadSync(file, { keepCase: true });
    const svc = root.lookupService(qualified);
    const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
    for (const m of Object.values(svc.methods)) {
      const type = (name: string) => {
        let t: protobufTypes.Type | undefined;
        return () => (t ??= svc.lookupType(name));
      };
      const req = type(m.requestType);
      const res = type(m.responseType);
      const encode = (t: () => protobufTypes.Type) => (v: unknown) =>
        Buffer.isBuffer(v)
          ? v
          : Buffer.from(
              t()
                .encode(t().fromObject(v as Record<string, unknown>))
                .finish(),
            );
      const decode = (t: () => protobufTypes.Type) => (b: Buffer) => t().toObject(t().decode(b), toObject);
      def[m.name] = {
        path: `/${qualified}/${m.name}`,
        requestStream: !!m.requestStream,
        responseStream: !!m.responseStream,
        originalName: m.name,
        requestSerialize: encode(req),
        requestDeserialize: decode(req),
        responseSerialize: encode(res),
        responseDeserialize: decode(res),
      };
    }
    return def;
  };
  loaded = {
    provider: service(path.join(dir, 'tfplugin6.proto'), 'tfplugin6.Provider'),
    controller: service(path.join(dir, 'grpc_controller.proto'), 'plugin.GRPCController'),
  };
  return loaded;
}

/** At most this many answers are kept per memoized method (a configuration of many thousand resources starts over). */
const MEMO_LIMIT = 20_000;

/**
 * A unary method answering the same bytes with the same answer (a failed call is not kept); `known`
 * answers a request of no bytes without calling it.
 */
export function memoized(method: UnaryMethod, known?: Buffer): UnaryMethod {
  const answers = new Map<string, Promise<Buffer>>();
  const knownAnswer = known && Promise.resolve(known);
  return (bytes) => {
    if (knownAnswer && bytes.length === 0) return knownAnswer;
    const key = bytes.toString('latin1');
    let answer = answers.get(key);
    if (!answer) {
      if (answers.size >= MEMO_LIMIT) answers.clear();
      answer = method(bytes);
      answers.set(key, answer);
      answer.catch(() => answers.delete(key));
    }
    return answer;
  };
}

export async function serve(opts: ServeOptions): Promise<{ address: string; server: GrpcServer }> {
  const env = opts.env ?? process.env;
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    throw new HandshakeError(
      'This binary is a plugin. These are not meant to be executed directly.\n' +
        'Please execute the program that consumes these plugins, which will\nload any plugins automatically',
    );
  }
  const offered = (env.PLUGIN_PROTOCOL_VERSIONS ?? String(APP_PROTOCOL_VERSION)).split(',').map((s) => s.trim());
  if (!offered.includes(String(APP_PROTOCOL_VERSION))) {
    throw new HandshakeError(
      `this provider speaks plugin protocol 6, the client offered ${offered.join(',')}; use OpenTofu >= 1.6 or Terraform >= 1.0`,
    );
  }
  const dir = protoDir(env);
  for (const f of ['tfplugin6.proto', 'grpc_controller.proto'].map((n) => path.join(dir, n))) {
    if (!fs.existsSync(f)) throw new HandshakeError(`${f} is missing: run \`bash scripts/setup.sh\` in the streamform checkout`);
  }
  // codecs built on the first call of each method (the handshake does not wait for them)
  const codec = (service: 'provider' | 'controller', name: string) => {
    let m: grpc.MethodDefinition<unknown, unknown> | undefined;
    return () => (m ??= loadServices(dir)[service][name] as grpc.MethodDefinition<unknown, unknown>);
  };
  const methods = new Map<string, UnaryMethod>();
  for (const name of opts.methods) {
    const method = codec('provider', name);
    // the calls made per resource go through lean-codec.ts; protobufjs loads for the others
    const lean = LEAN_METHODS[name];
    const call: UnaryMethod = async (bytes) => {
      const started = Date.now();
      // The message decoded for this method: the shape the handler's parameter declares.
      const request = lean ? leanDecode(bytes, lean.request) : method().requestDeserialize(bytes);
      try {
        const res = await (await opts.handlers())[name](request as never);
        opts.log.trace(`rpc ${name}`, { ms: Date.now() - started });
        return (lean && leanEncode(res as Record<string, unknown>, lean.response)) ?? method().responseSerialize(res);
      } catch (err) {
        opts.log.error(`rpc ${name} failed`, { error: err instanceof Error ? err.stack : String(err) });
        throw err;
      }
    };
    methods.set(`/tfplugin6.Provider/${name}`, opts.pure?.includes(name) ? memoized(call, opts.known?.get(name)) : call);
  }

  let tls: { key: string; cert: string; clientCert: string } | undefined;
  let certField = '';
  const clientCert = env.PLUGIN_CLIENT_CERT;
  if (clientCert) {
    const cert = createPluginCertificate();
    tls = { key: cert.keyPem, cert: cert.certPem, clientCert };
    certField = cert.der.toString('base64').replace(/=+$/, '');
  }
  const server = createGrpcServer({ methods, tls });
  // A listening socket handed over by the process that started this one (streamform's shared
  // provider: OpenTofu starts while this process loads); else one of its own, as go-plugin does.
  const inherited = env[LISTEN_FD_ENV] ? { fd: Number(env[LISTEN_FD_ENV]), socket: env[LISTEN_SOCKET_ENV] ?? '' } : undefined;
  if (inherited && (!Number.isInteger(inherited.fd) || inherited.fd < 3 || !inherited.socket)) {
    throw new HandshakeError(
      `${LISTEN_FD_ENV}=${env[LISTEN_FD_ENV]} needs a descriptor of 3 or more and ${LISTEN_SOCKET_ENV}, the socket's path`,
    );
  }
  const socketDir = inherited ? undefined : fs.mkdtempSync(path.join(env.PLUGIN_UNIX_SOCKET_DIR || os.tmpdir(), 'sfplugin'));
  const socket = inherited ? inherited.socket : path.join(socketDir!, 'p.sock');
  const removeSocket = () => {
    if (socketDir) fs.rmSync(socketDir, { recursive: true, force: true });
  };
  const shutdown = () => {
    opts.onShutdown?.();
    server.forceShutdown();
    removeSocket();
  };
  const shutdownCodec = codec('controller', 'Shutdown');
  methods.set('/plugin.GRPCController/Shutdown', async () => {
    setTimeout(() => {
      shutdown();
      process.exit(0);
    }, 10);
    return shutdownCodec().responseSerialize({});
  });
  await server.listen(inherited ? { fd: inherited.fd } : socket);
  const out = opts.out ?? process.stdout;
  out.write(`${CORE_PROTOCOL_VERSION}|${APP_PROTOCOL_VERSION}|unix|${socket}|grpc|${certField}\n`);
  process.on('exit', removeSocket);
  // how streamform's CLI stops a provider it shares between OpenTofu runs (src/tools/cli/shared-provider.ts)
  process.once('SIGTERM', () => {
    shutdown();
    process.exit(0);
  });
  return { address: socket, server };
}
