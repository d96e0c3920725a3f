/**
 * terraform-provider-streamform: the executable OpenTofu launches (through the shell script in
 * the provider mirror, which execs node on the bundled provider, see launch.ts). The handshake
 * needs only the plugin layer; the provider's modules load right after it, while OpenTofu
 * connects; protobufjs only when a call not covered by lean-codec.ts comes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { requestCounter } from './clients/request-counter';
import { PROVIDER_METHODS, PURE_METHODS } from './framework/methods';
import { PROVIDER_BUNDLE } from './plugin/bundle';
import { logger } from './plugin/log';
import { HandshakeError, loadServices, serve } from './plugin/serve';

type Handlers = Readonly<Record<string, (req: never) => Promise<unknown>>>;

/**
 * With STREAMFORM_PROVIDER_CPU_PROFILE=<folder>, the process records a V8 CPU profile and writes it
 * there as `<pid>.cpuprofile` when it stops (for the benchmarks' profiles; `--cpu-prof` cannot be
 * passed through OpenTofu).
 */
let stopProfile: (() => void) | undefined;
function profile(dir: string): void {
  const inspector = require('inspector') as typeof import('inspector');
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  stopProfile = () =>
    session.post('Profiler.stop', (err, res) => {
      if (!err) fs.writeFileSync(`${dir}/${process.pid}.cpuprofile`, JSON.stringify(res.profile));
    });
}

async function main(): Promise<void> {
  const log = logger('provider');
  if (process.env.STREAMFORM_PROVIDER_CPU_PROFILE) profile(process.env.STREAMFORM_PROVIDER_CPU_PROFILE);
  let handlers: Promise<Handlers> | undefined;
  const load = (): Promise<Handlers> =>
    (handlers ??= Promise.all([import('./framework/server'), import('./provider')]).then(([{ ProviderServer }, { streamformProvider }]) =>
      new ProviderServer(streamformProvider, log).handlers(),
    ));
  if (process.env.STREAMFORM_PROVIDER_WARMUP === '1') {
    // The set-up's run that fills V8's code cache (launch.ts): load everything a start loads, and
    // encode GetProviderSchema's answer for the starts of this bundle (knownAnswers); then exit.
    const services = loadServices();
    const schema = await (await load()).GetProviderSchema({} as never);
    if (bundled()) fs.writeFileSync(SCHEMA_ANSWER, services.provider.GetProviderSchema.responseSerialize(schema));
    return;
  }
  // Ctrl-C reaches the whole process group; OpenTofu stops providers with StopProvider instead.
  process.on('SIGINT', () => log.debug('ignoring SIGINT'));
  await serve({
    methods: PROVIDER_METHODS,
    pure: PURE_METHODS,
    known: knownAnswers(),
    handlers: load,
    log,
    onShutdown: () => writeStats(log),
  });
  log.info('streamform provider serving', { pid: process.pid });
  // protobufjs is not loaded here: the calls of a plan or apply use lean-codec.ts (serve.ts)
  setImmediate(() => void load());
}

/**
 * Whether this is the bundle (launch.ts runs it with the bundle's path as __filename), not main.js;
 * and the file of answers beside it (inside the bundle, PROVIDER_BUNDLE's paths, made from
 * bundle.ts' own folder, do not hold).
 */
function bundled(): boolean {
  return path.basename(__filename) === path.basename(PROVIDER_BUNDLE.file);
}
const SCHEMA_ANSWER = path.join(path.dirname(__filename), path.basename(PROVIDER_BUNDLE.schema));

/**
 * Answers encoded when this bundle was built (GetProviderSchema's: OpenTofu's first call, answered
 * before the provider's modules have loaded); none when running unbundled or without the file.
 */
function knownAnswers(): Map<string, Buffer> {
  const known = new Map<string, Buffer>();
  if (!bundled()) return known;
  try {
    known.set('GetProviderSchema', fs.readFileSync(SCHEMA_ANSWER));
  } catch {
    // not written (an older set-up): answered by the handlers
  }
  return known;
}

/**
 * With STREAMFORM_PROVIDER_STATS=<file>, each provider process appends one JSON line with the
 * requests it sent per server kind (benchmarks and the batched-read tests read it).
 */
function writeStats(log: ReturnType<typeof logger>): void {
  stopProfile?.();
  const counts = Object.fromEntries(requestCounter.counts);
  log.debug('requests sent', counts);
  const file = process.env.STREAMFORM_PROVIDER_STATS;
  if (file) fs.appendFileSync(file, JSON.stringify({ pid: process.pid, requests: counts }) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof HandshakeError ? err.message : err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
