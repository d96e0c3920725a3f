/**
 * Promotion between two environments of a small pipeline, with real OpenTofu applies against
 * the shared test platform's Kafka. Starts: the local ksqlDB in-process (no ksqlDB server can
 * be obtained here). The two environments share the cluster; the pipeline names its topics after
 * its environment, an environment-specific difference the promotion shows.
 */
import { App, DataResource, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Column, Duration, KsqlFormat, KsqlStream, KsqlType, Topic } from '../../constructs';
import { EnvConfig } from '../../stacks/environments';
import { PipelineStack } from '../../stacks/pipeline';
import { KafkaAdminClient } from '../../src/provider/clients/kafka';
import { addReleaseRecord, fingerprintOf } from '../../stacks/fingerprint';
import { appliedFingerprint, appliedRelease, Project, promote, PromotionRefused } from '../../src/tools/gitops/promote';
import { run } from '../../src/tools/toolchain/run';
import { toolchainEnv } from '../../src/tools/toolchain/setup';
import { type KsqlServer } from '../../src/tools/ksqldb/server';
import { sharedEndpoints, startSharedKsqldb } from '../../src/tools/testkit/shared-platform';

jest.setTimeout(10 * 60_000);

const e = sharedEndpoints();
const run36 = Date.now().toString(36);
let version = 1;
/** What the release records of the synthesized stacks say about the test cases. */
const release = { tests: 'passed (1)' };
let ksqldb: KsqlServer;

/** The pipeline under promotion; version 2 adds an audit topic. */
class PromoPipeline extends PipelineStack {
  constructor(scope: Construct, id: string, props: { env: EnvConfig }) {
    super(scope, id, props);
    const events = new Topic(this, 'Events', { topicName: `promo-${run36}-${props.env.name}-events`, retention: Duration.days(1) });
    new KsqlStream(this, 'EventStream', {
      name: `PROMO_${run36.toUpperCase()}_${props.env.name.toUpperCase()}_EVENTS`,
      topic: events,
      valueFormat: KsqlFormat.JSON,
      columns: [Column.key('ID', KsqlType.string()), Column.value('KIND', KsqlType.string())],
    });
    if (version >= 2) new Topic(this, 'Audit', { topicName: `promo-${run36}-${props.env.name}-audit` });
    // version 3 adds a resource whose creation fails at apply (after the plan passed)
    if (version >= 3) {
      new DataResource(this, 'Broken', {
        input: { version: 3 },
        provisioners: [{ type: 'local-exec', command: 'echo "the broken resource fails its apply" >&2; exit 1' }],
      });
    }
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-promote-'));
const outdir = path.join(dir, 'out');

function env(name: 'dev' | 'staging', partitions: number): EnvConfig {
  return {
    name,
    backend: { kind: 'local', dir: path.join(dir, 'state') },
    cluster: {
      brokers: 1,
      endpoints: { bootstrapServers: e.bootstrapServers, ksqldbUrl: ksqldb.url },
      topicDefaults: { partitions, replicationFactor: 1 },
      protect: false,
    },
    avroConverter: { converterClass: 'x', settings: {} },
    databases: {
      ratings: { host: 'h', port: 1, local: false },
      airline: { host: 'h', port: 1, local: false },
      quality: { host: 'h', port: 1, local: false },
    },
  };
}

const tofuEnv = (): NodeJS.ProcessEnv => ({ ...toolchainEnv(), NO_COLOR: '1' });
const stackDir = (stack: string) => path.join(outdir, 'stacks', stack);

const project: Project = {
  async synth() {
    const app = new App({ outdir });
    // dev runs 1 partition per topic, staging 2: an environment setting, not the pipeline's.
    for (const [name, partitions] of [
      ['dev', 1],
      ['staging', 2],
    ] as const) {
      const stack: TerraformStack = new PromoPipeline(app, `promo-${name}`, { env: env(name, partitions) });
      addReleaseRecord(stack, { fingerprint: fingerprintOf(PromoPipeline), commit: 'c0ffee', cleanTree: true, tests: release.tests });
    }
    app.synth();
    return outdir;
  },
  async env() {
    return tofuEnv();
  },
  async deploy(stack) {
    const cwd = stackDir(stack);
    if (!fs.existsSync(path.join(cwd, '.terraform')))
      await run(tofuEnv().TERRAFORM_BINARY_NAME!, ['init', '-input=false'], { cwd, env: tofuEnv() });
    await run(tofuEnv().TERRAFORM_BINARY_NAME!, ['apply', '-auto-approve', '-input=false'], { cwd, env: tofuEnv() });
  },
};

const request = () => ({
  pipeline: 'promo',
  from: { env: 'dev', stack: 'promo-dev' },
  to: { env: 'staging', stack: 'promo-staging' },
  fingerprint: fingerprintOf(PromoPipeline),
  policy: { protect: false, allowDestructive: false },
});

beforeAll(async () => {
  ksqldb = await startSharedKsqldb();
});

afterAll(async () => {
  for (const s of ['promo-staging', 'promo-dev']) {
    if (fs.existsSync(path.join(stackDir(s), '.terraform'))) {
      await run(tofuEnv().TERRAFORM_BINARY_NAME!, ['destroy', '-auto-approve', '-input=false'], { cwd: stackDir(s), env: tofuEnv() }).catch(
        () => undefined,
      );
    }
  }
  await ksqldb?.close();
});

test('the fingerprint depends on the pipeline definition, not on the environment', () => {
  version = 1;
  const v1 = fingerprintOf(PromoPipeline);
  expect(v1).toMatch(/^[0-9a-f]{16}$/);
  expect(fingerprintOf(PromoPipeline)).toBe(v1);
  version = 2;
  expect(fingerprintOf(PromoPipeline)).not.toBe(v1);
  version = 1;
});

test('promotion is refused while the source environment has never applied the pipeline', async () => {
  version = 1;
  await expect(promote(project, request())).rejects.toThrow(/promo has no successful apply in dev .* deploy promo-dev first/);
});

test('promotion is refused on a fingerprint mismatch and accepted after the source applied it', async () => {
  version = 1;
  await project.synth();
  await project.deploy('promo-dev');
  const v1 = fingerprintOf(PromoPipeline);
  expect(await appliedFingerprint(stackDir('promo-dev'), tofuEnv())).toBe(v1);

  version = 2; // the checkout moves on; dev still runs version 1
  const refused = await promote(project, request()).catch((err: unknown) => err);
  expect(refused).toBeInstanceOf(PromotionRefused);
  expect((refused as Error).message).toBe(
    `dev runs promo ${v1} (applied from commit c0ffee), but this checkout defines ${fingerprintOf(PromoPipeline)}: what would reach the next environment was never applied in dev. ` +
      'Deploy promo-dev first, or check out the commit that was applied there.',
  );
  expect(fs.existsSync(path.join(stackDir('promo-staging'), 'terraform.tfstate'))).toBe(false);

  await project.synth();
  await project.deploy('promo-dev');
  const lines: string[] = [];
  const result = await promote(project, { ...request(), log: (l) => lines.push(l) });
  expect(result.applied).toBe(true);
  expect(result.review.summary).toEqual({ topic: { create: 2 }, 'ksql stream': { create: 1 } });
  // the release record is not a change of the pipeline, but the review says what it will record
  expect(result.review.release?.after).toMatchObject({ fingerprint: fingerprintOf(PromoPipeline), commit: 'c0ffee', clean_tree: true });
  const partitions = result.differences.find((d) => d.where === 'streamform_topic' && d.attribute === 'partitions')!;
  expect(partitions).toMatchObject({ from: '1', to: '2', count: 2 });
  expect(lines.join('\n')).toContain('Differences between dev and staging');
  expect(await appliedFingerprint(stackDir('promo-staging'), tofuEnv())).toBe(fingerprintOf(PromoPipeline));
  const kafka = new KafkaAdminClient({ bootstrapServers: [e.bootstrapServers] });
  try {
    const t = await kafka.describeTopics([`promo-${run36}-staging-events`, `promo-${run36}-staging-audit`]);
    expect([...t.values()].map((x) => x.partitions)).toEqual([2, 2]);
  } finally {
    await kafka.close();
  }
});

test('a failed apply leaves the release record as it was, and promotion refuses what did not fully apply', async () => {
  version = 2;
  const v2 = fingerprintOf(PromoPipeline);
  expect(await appliedFingerprint(stackDir('promo-dev'), tofuEnv())).toBe(v2);
  version = 3;
  const v3 = fingerprintOf(PromoPipeline);
  expect(v3).not.toBe(v2);
  await project.synth();
  const failed = await project.deploy('promo-dev').catch((err: unknown) => err);
  expect(String((failed as { output?: string }).output ?? failed)).toContain('the broken resource fails its apply');
  // the other resources of version 3 applied, the record did not move
  expect(await appliedRelease(stackDir('promo-dev'), tofuEnv())).toEqual({
    fingerprint: v2,
    commit: 'c0ffee',
    cleanTree: true,
    tests: 'passed (1)',
  });
  const refused = await promote(project, request()).catch((err: unknown) => err);
  expect(refused).toBeInstanceOf(PromotionRefused);
  expect((refused as Error).message).toContain(`dev runs promo ${v2} (applied from commit c0ffee), but this checkout defines ${v3}`);
  version = 2;
});

test('a release whose tests failed, or applied from a dirty tree, is not promoted', async () => {
  version = 2;
  release.tests = 'failed: late-orders';
  await project.synth();
  await project.deploy('promo-dev');
  const refused = await promote(project, request()).catch((err: unknown) => err);
  expect((refused as Error).message).toContain('but its test cases did not pass (failed: late-orders) when it was applied');
  release.tests = 'passed (1)';
});
