import { startKsqlServer } from '../ksqldb/server';
import { OptionsError, parseServerArgs } from '../ksqldb/server/options';
import { ParsedArgs, UsageError } from './args';

/**
 * `streamform ksqldb`: the local ksqlDB in the foreground (Ctrl-C stops it), over Kafka when
 * --bootstrap-servers is given, else over an in-memory log.
 */
export async function ksqldbCommand(args: ParsedArgs): Promise<void> {
  if (args.positionals.length > 1) throw new UsageError(`unexpected argument '${args.positionals[1]}'`);
  const argv = [
    ...Object.entries(args.options).flatMap(([k, v]) => (v === true ? [`--${k}`] : [`--${k}`, v])),
    ...Object.entries(args.lists ?? {}).flatMap(([k, vs]) => vs.flatMap((v) => [`--${k}`, v])),
  ];
  let opts;
  try {
    opts = parseServerArgs(argv);
  } catch (e) {
    if (e instanceof OptionsError) throw new UsageError(`${e.message}; run \`streamform help\``, 2);
    throw e;
  }
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  const server = await startKsqlServer({ ...opts, waitUntilReady: false, log });
  log(
    `ksqlDB (local) on ${server.url} over ${server.runtime.description}${opts.schemaRegistryUrl ? ` and ${opts.schemaRegistryUrl}` : ''}`,
  );
  await server.ready;
  log('ready; Ctrl-C stops it');
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  log('stopping');
  await server.close();
}
