/**
 * Provider start-up benchmark (prints figures; not a test): how long OpenTofu waits for a fresh
 * provider process, from spawn to the go-plugin handshake line, and to the answer of its first
 * call (GetProviderSchema over AutoMTLS, as OpenTofu makes it), for the launcher OpenTofu runs
 * (bundle + V8 code cache) beside the unbundled compiled provider (the baseline), interleaved.
 * With a machine CA bundle in NODE_EXTRA_CA_CERTS (as on this machine), also the provider's
 * executable as OpenTofu runs it (it hands the variable on, read at the first TLS connection:
 * src/provider/clients/trust.ts) beside node on the launcher with the variable (Node reads the
 * file at every start; the executable did that before).
 * Target: the handshake in at most 150 ms on the CI machine.
 * Run: node dist/bench/provider-start.js [--runs 15] [--extra-ca <file>] (default: the environment's
 * NODE_EXTRA_CA_CERTS, else Debian's /etc/ssl/certs/ca-certificates.crt when present)
 */
import * as grpc from '@grpc/grpc-js';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { createPluginCertificate } from '../src/provider/plugin/cert';
import { loadServices, MAGIC_COOKIE_VALUE } from '../src/provider/plugin/serve';
import { REPO_ROOT } from '../src/tools/toolchain/paths';
import { providerBundleFresh } from '../src/provider/plugin/bundle';
import { PROVIDER_NODE_FLAGS, streamformProviderInMirror } from '../src/tools/toolchain/providers';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const runs = Number(arg('--runs')) || 15;
const DEBIAN_CA = '/etc/ssl/certs/ca-certificates.crt';
const extraCa = arg('--extra-ca') ?? process.env.NODE_EXTRA_CA_CERTS ?? (fs.existsSync(DEBIAN_CA) ? DEBIAN_CA : undefined);

/** node with these arguments, or the mirror's executable (a shell script) when `executable` is set. */
interface Start {
  readonly args: readonly string[];
  readonly executable?: string;
  readonly env?: NodeJS.ProcessEnv;
}

async function once(start: Start): Promise<{ handshake: number; firstCall: number }> {
  const client = createPluginCertificate();
  const started = process.hrtime.bigint();
  const ms = () => Number(process.hrtime.bigint() - started) / 1e6;
  const options = {
    env: {
      ...start.env,
      PATH: process.env.PATH,
      TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE_VALUE,
      PLUGIN_PROTOCOL_VERSIONS: '6',
      PLUGIN_CLIENT_CERT: client.certPem,
    },
    stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'],
  };
  const executable = start.executable;
  const child = executable ? spawn(executable, [], options) : spawn(process.execPath, start.args, options);
  try {
    const line = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString())));
    const handshake = ms();
    const [, , , address, , cert] = line.trim().split('|');
    const pem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(cert, 'base64')
      .toString('base64')
      .match(/.{1,64}/g)!
      .join('\n')}\n-----END CERTIFICATE-----\n`;
    const creds = grpc.credentials.createSsl(Buffer.from(pem), Buffer.from(client.keyPem), Buffer.from(client.certPem));
    const Provider = grpc.makeGenericClientConstructor(loadServices().provider, 'Provider');
    const provider = new Provider(`unix:${address}`, creds, {
      'grpc.ssl_target_name_override': 'localhost',
      'grpc.default_authority': 'localhost',
    }) as unknown as Record<string, (req: object, cb: (err: Error | null) => void) => void>;
    await new Promise<void>((resolve, reject) => provider.GetProviderSchema({}, (err) => (err ? reject(err) : resolve())));
    const firstCall = ms();
    (provider as unknown as grpc.Client).close();
    return { handshake, firstCall };
  } finally {
    child.kill('SIGKILL');
  }
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)].toFixed(0).padStart(4)} ms  min ${s[0].toFixed(0).padStart(4)}  max ${s[s.length - 1].toFixed(0).padStart(4)}`;
}

async function main(): Promise<void> {
  if (!providerBundleFresh()) throw new Error('the provider bundle is missing or stale: run `bash scripts/setup.sh` first');
  // as the mirror's executable runs node (its flags decide which V8 code cache is used)
  const node = (entry: string, env?: NodeJS.ProcessEnv): Start => ({
    args: [...PROVIDER_NODE_FLAGS, path.join(REPO_ROOT, 'dist', 'src', 'provider', entry)],
    env,
  });
  const entries: Record<string, Start> = {
    'launcher (bundle + code cache)': node('launch.js'),
    'unbundled dist/src/provider/main.js': node('main.js'),
  };
  if (extraCa) {
    const env = { NODE_EXTRA_CA_CERTS: extraCa };
    entries['executable, NODE_EXTRA_CA_CERTS set'] = { executable: streamformProviderInMirror().executable, args: [], env };
    entries['node launch.js, NODE_EXTRA_CA_CERTS set'] = node('launch.js', env);
  }
  const results = new Map<string, { handshake: number[]; firstCall: number[] }>();
  for (let i = 0; i < runs; i++) {
    for (const [label, start] of Object.entries(entries)) {
      const r = await once(start);
      const acc = results.get(label) ?? { handshake: [], firstCall: [] };
      acc.handshake.push(r.handshake);
      acc.firstCall.push(r.firstCall);
      results.set(label, acc);
    }
  }
  console.log(`provider start, ${runs} runs each, interleaved${extraCa ? ` (extra CA file ${extraCa})` : ''}:`);
  for (const [label, r] of results) {
    console.log(`  ${label.padEnd(40)} handshake ${stats(r.handshake)}   first call answered ${stats(r.firstCall)}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
