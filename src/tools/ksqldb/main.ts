/**
 * Runs the ksqlDB stand-in as a process:
 *
 *   node dist/src/tools/ksqldb/main.js --port 8088 --bootstrap localhost:9092
 *
 * Options: --port N (default 8088), --bootstrap host:port (Kafka; in-memory topics when absent),
 * --service-id ID, --version V, --ready-after-ms N, --command-execution-ms N,
 * --command-queue-delay-ms N, --command-response-timeout-ms N.
 */
import { KsqlStandInOptions, startKsqlStandIn } from './server';

function parseArgs(argv: string[]): KsqlStandInOptions {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
    return v;
  };
  const number = (name: string): number | undefined => {
    const v = value(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${v}`);
    return n;
  };
  const known = [
    '--port',
    '--bootstrap',
    '--service-id',
    '--version',
    '--ready-after-ms',
    '--command-execution-ms',
    '--command-queue-delay-ms',
    '--command-response-timeout-ms',
  ];
  for (const a of argv) {
    if (a.startsWith('--') && !known.includes(a)) throw new Error(`unknown option ${a}`);
  }
  const bootstrap = value('--bootstrap');
  return {
    port: number('--port') ?? 8088,
    kafka: bootstrap ? { bootstrapServers: bootstrap } : undefined,
    serviceId: value('--service-id'),
    version: value('--version'),
    readyAfterMs: number('--ready-after-ms'),
    commandExecutionMs: number('--command-execution-ms'),
    commandQueueDelayMs: number('--command-queue-delay-ms'),
    commandResponseTimeoutMs: number('--command-response-timeout-ms'),
  };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const standIn = await startKsqlStandIn(opts);
  process.stdout.write(
    `ksqlDB stand-in listening on ${standIn.url} (${opts.kafka ? `Kafka ${opts.kafka.bootstrapServers}` : 'in-memory topics'})\n`,
  );
  const stop = (): void => {
    standIn.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`ksqlDB stand-in failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
