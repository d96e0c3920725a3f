/**
 * terraform-provider-streamform: the executable OpenTofu launches (through the shell script in
 * the provider mirror, which execs node on this file).
 */
import { ProviderServer } from './framework/server';
import { logger } from './plugin/log';
import { HandshakeError, serve } from './plugin/serve';
import { streamformProvider } from './provider';

async function main(): Promise<void> {
  const log = logger('provider');
  // Ctrl-C reaches the whole process group; OpenTofu stops providers with StopProvider instead.
  process.on('SIGINT', () => log.debug('ignoring SIGINT'));
  const provider = new ProviderServer(streamformProvider, log);
  await serve({ handlers: provider.handlers() as never, log });
  log.info('streamform provider serving', { pid: process.pid });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof HandshakeError ? err.message : err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
