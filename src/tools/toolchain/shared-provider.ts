import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { LISTEN_FD_ENV, LISTEN_SOCKET_ENV, MAGIC_COOKIE_VALUE } from '../../provider/plugin/serve';
import { streamformProviderInMirror } from './providers';

/** What this needs of a synthesized stack (cdk.tf.json): its provider configurations. */
interface StackProviders {
  readonly provider?: Readonly<Record<string, readonly unknown[] | undefined>>;
}

/**
 * One streamform provider process for a whole OpenTofu run of a stack. OpenTofu starts a provider
 * once per phase (validate, plan, apply, and again for every command cdktf runs); with
 * TF_REATTACH_PROVIDERS naming a running provider it connects to that one instead, so a deploy,
 * plan or apply pays one start. The process is started here as OpenTofu would start it (the
 * mirror's executable, go-plugin's handshake), without AutoMTLS, which reattachment does not
 * use: the socket is private to this user (a 0700 folder). The socket is made here and handed to
 * the provider listening, so OpenTofu does not wait for the provider's start before its own.
 *
 * STREAMFORM_REATTACH=0 turns it off (OpenTofu then starts the provider itself, as plain `cdktf
 * deploy` does). Stacks that configure the streamform provider more than once (aliases) are not
 * shared: one process serves one configuration at a time.
 */
export interface SharedProvider {
  /** TF_REATTACH_PROVIDERS for OpenTofu's environment. */
  readonly env: Record<string, string>;
  readonly pid: number;
  /** Settles with the provider's handshake: rejects when the provider fails to start. */
  readonly ready: Promise<void>;
  /** Stops the process (its request statistics are written on the way out). */
  stop(): Promise<void>;
}

/** Whether a synthesized stack's OpenTofu run can share one provider process. */
export function shareable(stackJson: StackProviders, env: NodeJS.ProcessEnv): boolean {
  if (env.STREAMFORM_REATTACH === '0') return false;
  return stackJson.provider?.streamform?.length === 1;
}

/**
 * A listening unix socket in a new private folder, and its descriptor; undefined where Node does
 * not expose the descriptor (then the provider makes its own socket, as go-plugin does).
 */
async function listeningSocket(): Promise<{ dir: string; address: string; fd: number; close(): void } | undefined> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfprovider-')); // 0700
  const bound = path.join(dir, 'bound.sock');
  const listener = net.createServer();
  listener.on('connection', (c) => c.destroy()); // nobody connects before the provider has it
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen({ path: bound, backlog: 511 }, resolve);
  });
  const fd = (listener as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    listener.close();
    fs.rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  const address = path.join(dir, 'p.sock');
  return {
    dir,
    address,
    fd,
    // The provider holds the socket from here: this process lets go of it. Node removes a socket's
    // path when its server closes, so the path moves first (a socket is found by its file, which a
    // rename keeps).
    close: () => {
      fs.renameSync(bound, address);
      listener.close();
    },
  };
}

/**
 * Starts the provider with `env` (the environment OpenTofu would give it). The provider's socket
 * is made here and handed to it already listening, so OpenTofu can start at once: it connects
 * while the provider loads, and its calls wait in the socket until the provider takes them.
 * `ready` settles with the provider's handshake (rejects when it fails or exits before it).
 */
export async function startSharedProvider(
  env: NodeJS.ProcessEnv,
  logFile?: string,
  provider: { readonly executable: string; readonly addresses: readonly string[] } = streamformProviderInMirror(),
): Promise<SharedProvider> {
  const { executable, addresses } = provider;
  const socket = await listeningSocket();
  const childEnv: NodeJS.ProcessEnv = {
    ...env,
    TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE_VALUE,
    PLUGIN_PROTOCOL_VERSIONS: '6',
    PLUGIN_CLIENT_CERT: '',
  };
  if (socket) Object.assign(childEnv, { [LISTEN_FD_ENV]: '3', [LISTEN_SOCKET_ENV]: socket.address });
  let child: ChildProcess;
  try {
    child = spawn(executable, [], {
      env: childEnv,
      stdio: ['ignore', 'pipe', logFile ? fs.openSync(logFile, 'a') : 'ignore', ...(socket ? [socket.fd] : [])],
    });
  } finally {
    socket?.close();
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cleanup = () => socket && fs.rmSync(socket.dir, { recursive: true, force: true });
  const handshake = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`the streamform provider exited (code ${code}) before its handshake${logFile ? `; see ${logFile}` : ''}`)),
    );
  }).then((line) => {
    const [core, proto, network, address, protocol] = line.split('|');
    if (core !== '1' || proto !== '6' || network !== 'unix' || protocol !== 'grpc' || (socket && address !== socket.address)) {
      child.kill('SIGKILL');
      throw new Error(`unexpected handshake from the streamform provider: ${line}`);
    }
    return address;
  });
  const ready = handshake.then(() => undefined);
  ready.catch(() => undefined); // a failed start is reported to whoever awaits ready (or below)
  // without a socket of ours the address is known only from the handshake
  const address = socket
    ? socket.address
    : await handshake.catch(async (err: unknown) => {
        cleanup();
        throw err;
      });
  const reattach = { Protocol: 'grpc', ProtocolVersion: 6, Pid: child.pid, Test: true, Addr: { Network: 'unix', String: address } };
  return {
    env: { TF_REATTACH_PROVIDERS: JSON.stringify(Object.fromEntries(addresses.map((a) => [a, reattach]))) },
    pid: child.pid!,
    ready,
    stop: async () => {
      await stop(child, exited);
      cleanup();
    },
  };
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Runs `fn` with a shared provider's environment when the stack allows it, else with none. */
export async function withSharedProvider<T>(
  stackJson: StackProviders,
  env: NodeJS.ProcessEnv,
  fn: (reattach: Record<string, string>) => Promise<T>,
  logFile?: string,
): Promise<T> {
  if (!shareable(stackJson, env)) return fn({});
  const provider = await startSharedProvider(env, logFile);
  try {
    return await fn(provider.env);
  } catch (err) {
    // OpenTofu failed: when the provider could not start, that is the reason to show
    await Promise.race([provider.ready, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    throw err;
  } finally {
    await provider.stop();
  }
}

/** The provider configurations of the synthesized stack in `stackDir` (none when it has no cdk.tf.json). */
export function stackProviders(stackDir: string): StackProviders {
  try {
    return JSON.parse(fs.readFileSync(`${stackDir}/cdk.tf.json`, 'utf8')) as StackProviders;
  } catch {
    return {};
  }
}
