import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import { MAGIC_COOKIE_VALUE } from '../../provider/plugin/serve';
import { streamformProviderInMirror } from './providers';

/** What this needs of a synthesized stack (cdk.tf.json): its provider configurations. */
interface StackProviders {
  readonly provider?: Readonly<Record<string, readonly unknown[] | undefined>>;
}

/**
 * One streamform provider process for a whole OpenTofu run of a stack. OpenTofu starts a provider
 * once per phase (validate, plan, apply, and again for every command cdktf runs); with
 * TF_REATTACH_PROVIDERS naming a running provider it connects to that one instead, so a deploy,
 * plan or apply pays one start. The process is started here exactly as OpenTofu would start it
 * (the mirror's executable, go-plugin's handshake), without AutoMTLS, which reattachment does not
 * use: the socket is private to this user (a 0700 folder).
 *
 * STREAMFORM_REATTACH=0 turns it off (OpenTofu then starts the provider itself, as plain `cdktf
 * deploy` does). Stacks that configure the streamform provider more than once (aliases) are not
 * shared: one process serves one configuration at a time.
 */
export interface SharedProvider {
  /** TF_REATTACH_PROVIDERS for OpenTofu's environment. */
  readonly env: Record<string, string>;
  readonly pid: number;
  /** Stops the process (its request statistics are written on the way out). */
  stop(): Promise<void>;
}

/** Whether a synthesized stack's OpenTofu run can share one provider process. */
export function shareable(stackJson: StackProviders, env: NodeJS.ProcessEnv): boolean {
  if (env.STREAMFORM_REATTACH === '0') return false;
  return stackJson.provider?.streamform?.length === 1;
}

/** Starts the provider with `env` (the environment OpenTofu would give it) and waits for its handshake. */
export async function startSharedProvider(env: NodeJS.ProcessEnv, logFile?: string): Promise<SharedProvider> {
  const { executable, addresses } = streamformProviderInMirror();
  const child = spawn(executable, [], {
    env: { ...env, TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: '6', PLUGIN_CLIENT_CERT: '' },
    stdio: ['ignore', 'pipe', logFile ? fs.openSync(logFile, 'a') : 'ignore'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
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
  });
  const [core, proto, network, address, protocol] = line.split('|');
  if (core !== '1' || proto !== '6' || network !== 'unix' || protocol !== 'grpc') {
    child.kill('SIGKILL');
    throw new Error(`unexpected handshake from the streamform provider: ${line}`);
  }
  const reattach = { Protocol: 'grpc', ProtocolVersion: 6, Pid: child.pid, Test: true, Addr: { Network: 'unix', String: address } };
  return {
    env: { TF_REATTACH_PROVIDERS: JSON.stringify(Object.fromEntries(addresses.map((a) => [a, reattach]))) },
    pid: child.pid!,
    stop: () => stop(child, exited),
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
