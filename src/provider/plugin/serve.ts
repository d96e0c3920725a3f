import * as grpc from '@grpc/grpc-js';
import type * as protobufTypes from 'protobufjs';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { protoDir } from './proto-dir';
import { createPluginCertificate } from './cert';
import { Logger } from './log';

/**
 * Serves a tfplugin6 provider the way hashicorp/go-plugin expects: magic cookie check, AutoMTLS,
 * a unix socket, the handshake line on stdout, GRPCController.Shutdown.
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

/**
 * A service definition whose message codecs are built on first use (parsing the .proto files
 * takes longer than the rest of the start-up together).
 */
function lazyService(pkg: string, name: string, methods: readonly string[], real: () => grpc.ServiceDefinition): grpc.ServiceDefinition {
  const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const m of methods) {
    const method = () => real()[m] as grpc.MethodDefinition<unknown, unknown>;
    def[m] = {
      path: `/${pkg}.${name}/${m}`,
      requestStream: false,
      responseStream: false,
      originalName: m,
      requestSerialize: (v) => method().requestSerialize(v),
      requestDeserialize: (b) => method().requestDeserialize(b),
      responseSerialize: (v) => method().responseSerialize(v),
      responseDeserialize: (b) => method().responseDeserialize(b),
    };
  }
  return def;
}

export async function serve(opts: ServeOptions): Promise<{ address: string; server: grpc.Server }> {
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
  // channelz (gRPC's introspection service) costs a sixth of the provider's CPU in a plan; nothing reads it
  const server = new grpc.Server({ 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1, 'grpc.enable_channelz': 0 });

  const impl: grpc.UntypedServiceImplementation = {};
  for (const name of opts.methods) {
    impl[name] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const started = Date.now();
      // The message proto-loader decoded for this method: the shape the handler's parameter declares.
      void opts
        .handlers()
        .then((handlers) => handlers[name](call.request as never))
        .then(
          (res) => {
            opts.log.trace(`rpc ${name}`, { ms: Date.now() - started });
            callback(null, res);
          },
          (err: unknown) => {
            opts.log.error(`rpc ${name} failed`, { error: err instanceof Error ? err.stack : String(err) });
            callback({ code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) });
          },
        );
    };
  }
  server.addService(
    lazyService('tfplugin6', 'Provider', opts.methods, () => loadServices(dir).provider),
    impl,
  );

  const socketDir = fs.mkdtempSync(path.join(env.PLUGIN_UNIX_SOCKET_DIR || os.tmpdir(), 'sfplugin'));
  const socket = path.join(socketDir, 'p.sock');
  const shutdown = () => {
    opts.onShutdown?.();
    server.forceShutdown();
    fs.rmSync(socketDir, { recursive: true, force: true });
  };
  server.addService(
    lazyService('plugin', 'GRPCController', ['Shutdown'], () => loadServices(dir).controller),
    {
      Shutdown: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
        callback(null, {});
        setTimeout(() => {
          shutdown();
          process.exit(0);
        }, 10);
      },
    },
  );

  let credentials: grpc.ServerCredentials;
  let certField = '';
  const clientCert = env.PLUGIN_CLIENT_CERT;
  if (clientCert) {
    const cert = createPluginCertificate();
    credentials = grpc.ServerCredentials.createSsl(
      Buffer.from(clientCert),
      [{ private_key: Buffer.from(cert.keyPem), cert_chain: Buffer.from(cert.certPem) }],
      true,
    );
    certField = cert.der.toString('base64').replace(/=+$/, '');
  } else {
    credentials = grpc.ServerCredentials.createInsecure();
  }
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix:${socket}`, credentials, (err) => (err ? reject(err) : resolve())));
  const out = opts.out ?? process.stdout;
  out.write(`${CORE_PROTOCOL_VERSION}|${APP_PROTOCOL_VERSION}|unix|${socket}|grpc|${certField}\n`);
  process.on('exit', () => fs.rmSync(socketDir, { recursive: true, force: true }));
  // how streamform's CLI stops a provider it shares between OpenTofu runs (src/tools/cli/shared-provider.ts)
  process.once('SIGTERM', () => {
    shutdown();
    process.exit(0);
  });
  return { address: socket, server };
}
