/**
 * terraform-provider-streamform: the executable OpenTofu launches (through the shell script in
 * the provider mirror, which execs node on this file).
 */
import * as fs from 'fs';
import { requestCounter } from './clients/http';
import { ProviderServer } from './framework/server';
import { logger } from './plugin/log';
import { HandshakeError, serve } from './plugin/serve';
import { streamformProvider } from './provider';

async function main(): Promise<void> {
  const log = logger('provider');
  // Ctrl-C reaches the whole process group; OpenTofu stops providers with StopProvider instead.
  process.on('SIGINT', () => log.debug('ignoring SIGINT'));
  const provider = new ProviderServer(streamformProvider, log);
  await serve({ handlers: provider.handlers(), log, onShutdown: () => writeStats(log) });
  log.info('streamform provider serving', { pid: process.pid });
}

/**
 * With STREAMFORM_PROVIDER_STATS=<file>, each provider process appends one JSON line with the
 * requests it sent per server kind (benchmarks and the batched-read tests read it).
 */
function writeStats(log: ReturnType<typeof logger>): void {
  const counts = Object.fromEntries(requestCounter.counts);
  log.debug('requests sent', counts);
  const file = process.env.STREAMFORM_PROVIDER_STATS;
  if (file) fs.appendFileSync(file, JSON.stringify({ pid: process.pid, requests: counts }) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof HandshakeError ? err.message : err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
