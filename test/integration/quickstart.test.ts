/**
 * The README's quick-start pipeline (examples/quickstart/main.ts, public API only) synthesized and
 * deployed with the real cdktf CLI onto the shared test platform. Starts: the local ksqlDB
 * in-process (no ksqlDB server can be obtained here).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KafkaAdminClient } from '../../src/provider/clients/kafka';
import { KsqlClient } from '../../src/provider/clients/ksqldb';
import { REPO_ROOT } from '../../src/tools/toolchain/paths';
import { run } from '../../src/tools/toolchain/run';
import { toolchainEnv } from '../../src/tools/toolchain/setup';
import { type KsqlServer } from '../../src/tools/ksqldb/server';
import { sharedEndpoints, startSharedKsqldb } from '../../src/tools/testkit/shared-platform';

jest.setTimeout(10 * 60_000);

const e = sharedEndpoints();
const dir = path.join(REPO_ROOT, 'examples', 'quickstart');
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-quickstart-'));
let ksqldb: KsqlServer;
let env: NodeJS.ProcessEnv;

function cdktf(args: string[]): Promise<string> {
  return run(path.join(REPO_ROOT, 'node_modules', '.bin', 'cdktf'), [...args, '--output', out], {
    cwd: dir,
    env,
    logFile: path.join(out, 'cdktf.log'),
  });
}

beforeAll(async () => {
  ksqldb = await startSharedKsqldb();
  env = { ...toolchainEnv(), CI: '1', NO_COLOR: '1', STREAMFORM_BOOTSTRAP_SERVERS: e.bootstrapServers, STREAMFORM_KSQLDB_URL: ksqldb.url };
});

afterAll(async () => {
  await ksqldb?.close();
});

test('the README shows the quick-start exactly as tested', () => {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const source = fs.readFileSync(path.join(dir, 'main.ts'), 'utf8').trim();
  expect(readme).toContain(source);
});

test('the quick-start synthesizes, deploys, plans empty and destroys with cdktf', async () => {
  await cdktf(['synth']);
  const json = JSON.parse(fs.readFileSync(path.join(out, 'stacks', 'quickstart', 'cdk.tf.json'), 'utf8'));
  expect(Object.keys(json.resource).sort()).toEqual(['streamform_ksql_query', 'streamform_ksql_stream', 'streamform_topic']);

  await cdktf(['deploy', 'quickstart', '--auto-approve', '--skip-provider-lock']);
  const kafka = new KafkaAdminClient({ bootstrapServers: [e.bootstrapServers] });
  try {
    const topics = await kafka.listTopics();
    expect(topics).toEqual(expect.arrayContaining(['clicks', 'mobile-clicks']));
    const cat = await new KsqlClient({ url: ksqldb.url }).catalog();
    expect([...cat.sources.keys()].sort()).toEqual(['CLICK_STREAM', 'MOBILE_CLICKS']);

    const plan = await run(env.TERRAFORM_BINARY_NAME!, ['plan', '-detailed-exitcode', '-no-color'], {
      cwd: path.join(out, 'stacks', 'quickstart'),
      env,
    });
    expect(plan).toContain('No changes.');

    await cdktf(['destroy', 'quickstart', '--auto-approve', '--skip-provider-lock']);
    expect((await kafka.listTopics()).filter((t) => t === 'clicks' || t === 'mobile-clicks')).toEqual([]);
  } finally {
    await kafka.close();
  }
});
