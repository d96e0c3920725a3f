/**
 * A throw-away PostgreSQL for tests: a container from `streamform/postgres:15` (LOCAL_IMAGES.postgres)
 * published on a free 127.0.0.1 port picked by Docker, with a password generated for the run
 * (given to `docker run` through its environment, never on its command line), database `tfstate`.
 */
import { randomBytes } from 'crypto';
import { Client } from 'pg';
import { LOCAL_IMAGES } from '../../constructs/platform';
import { run } from '../../src/tools/toolchain/run';

export interface TestPostgres {
  readonly container: string;
  readonly port: number;
  readonly password: string;
  /** The superuser's connection string (`sslmode=disable`: local container). */
  readonly connStr: string;
  /** A connection as the superuser. */
  readonly db: Client;
  /** A connection string of another role of this server. */
  connStrOf(role: string, password: string): string;
  /** Removes the container and its volume. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startPostgres(container: string, label: string): Promise<TestPostgres> {
  const password = randomBytes(16).toString('hex');
  await run(
    'docker',
    [
      'run',
      '-d',
      '--name',
      container,
      '--label',
      `dev.streamform.test=${label}`,
      '-e',
      'POSTGRES_PASSWORD',
      '-e',
      'POSTGRES_DB=tfstate',
      '-p',
      '127.0.0.1::5432',
      LOCAL_IMAGES.postgres.ref,
    ],
    { env: { ...process.env, POSTGRES_PASSWORD: password } },
  );
  const mapping = (await run('docker', ['port', container, '5432/tcp'])).trim().split('\n')[0];
  const port = Number(mapping.slice(mapping.lastIndexOf(':') + 1));
  const connStrOf = (role: string, pw: string) => `postgres://${role}:${pw}@127.0.0.1:${port}/tfstate?sslmode=disable`;
  const connStr = connStrOf('postgres', password);
  const deadline = Date.now() + 90_000;
  for (;;) {
    const c = new Client({ connectionString: connStr });
    try {
      await c.connect();
      await c.query('SELECT 1');
      return {
        container,
        port,
        password,
        connStr,
        db: c,
        connStrOf,
        stop: async () => {
          await c.end().catch(() => undefined);
          await run('docker', ['rm', '-f', '-v', container]).catch(() => undefined);
        },
      };
    } catch (err) {
      await c.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`PostgreSQL in ${container} did not accept connections within 90 s: ${String(err)}`);
      await sleep(500);
    }
  }
}
