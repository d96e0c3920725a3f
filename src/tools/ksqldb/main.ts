/**
 * The local ksqlDB as a process:
 *
 *   node dist/src/tools/ksqldb/main.js --port 8088 --bootstrap-servers localhost:9092 \
 *     --schema-registry http://localhost:8081/apis/ccompat/v7 --service-id dev_
 *   node ksqldb.js --from-env        (the container image: cp-ksqldb-server's KSQL_* contract)
 *
 * Without --bootstrap-servers it runs over an in-memory log. See `server/options.ts` for every
 * option. It answers 503 until it has replayed its command topic and started its queries.
 */
import { startKsqlServer } from './server';
import { OptionsError, parseServerArgs, USAGE } from './server/options';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const opts = parseServerArgs(argv);
  const log = (line: string): void => {
    process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  };
  const server = await startKsqlServer({ ...opts, waitUntilReady: false, log });
  log(
    `ksqlDB (local) listening on ${server.url} (${server.runtime.description}${opts.schemaRegistryUrl ? `, Schema Registry ${opts.schemaRegistryUrl}` : ''}, service id ${server.host.serviceId})`,
  );
  server.ready.then(
    () => log('ksqlDB (local) is ready'),
    (e: unknown) => {
      log(`ksqlDB (local) failed to start: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    log('stopping');
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`ksqlDB (local) failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  if (e instanceof OptionsError) process.stderr.write(`${USAGE}\n`);
  process.exit(e instanceof OptionsError ? 2 : 1);
});
