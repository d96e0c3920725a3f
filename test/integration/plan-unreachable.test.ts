/**
 * `streamform plan` against an environment whose endpoints do not answer: it refuses before
 * OpenTofu runs (a plan that can read nothing says "create everything" and would look green),
 * names every endpoint, and says how to plan anyway. Starts nothing; the ports are closed.
 */
import { cli } from '../support/drill';

jest.setTimeout(5 * 60_000);

const down: NodeJS.ProcessEnv = {
  ...process.env,
  CI: '1',
  NO_COLOR: '1',
  STREAMFORM_BOOTSTRAP_SERVERS: '127.0.0.1:1',
  STREAMFORM_SCHEMA_REGISTRY_URL: 'http://127.0.0.1:2',
  STREAMFORM_CONNECT_URL: 'http://127.0.0.1:3',
  STREAMFORM_KSQLDB_URL: 'http://127.0.0.1:4',
  // never reached: the check comes before OpenTofu
  PG_CONN_STR: 'postgres://nobody@127.0.0.1:5/tfstate',
};

test('a staging plan with every endpoint unreachable exits 1, naming them, with no review', async () => {
  const r = await cli(['plan', 'ratings', '--env', 'staging'], down);
  expect(r.code).toBe(1);
  for (const where of [
    'Kafka at 127.0.0.1:1',
    'Schema Registry at http://127.0.0.1:2',
    'Kafka Connect at http://127.0.0.1:3',
    'ksqlDB at http://127.0.0.1:4',
  ])
    expect(r.stderr).toContain(where);
  expect(r.stderr).toContain('--allow-unreachable');
  expect(r.stderr).not.toContain('planning ratings-staging with OpenTofu');
});
