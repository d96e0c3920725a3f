/**
 * The release record of a pipeline stack and what promotion accepts from it: written by a resource
 * that depends on every other one; a fingerprint that covers code only some environments get; a
 * release from another definition, a dirty tree, an unknown commit or failed tests is refused.
 */
import { App, Testing } from 'cdktf';
import { Construct } from 'constructs';
import { Topic } from '../../constructs';
import { releaseProblem } from '../../src/tools/gitops/promote';
import { EnvConfig } from '../../stacks/environments';
import { fingerprintOf, Release } from '../../stacks/fingerprint';
import { buildApp } from '../../stacks/main';
import { PipelineStack } from '../../stacks/pipeline';

let stagingSink = false;
class Tiny extends PipelineStack {
  constructor(scope: Construct, id: string, props: { env: EnvConfig }) {
    super(scope, id, props);
    new Topic(this, 'Events', { topicName: 'events' });
    // code only one environment gets
    if (stagingSink && props.env.name === 'staging') new Topic(this, 'StagingSink', { topicName: 'events-staging-copy' });
  }
}

test('the fingerprint moves with code only staging gets, so dev must apply it before it is promoted', () => {
  stagingSink = false;
  const before = fingerprintOf(Tiny);
  stagingSink = true;
  expect(fingerprintOf(Tiny)).not.toBe(before);
  stagingSink = false;
  expect(fingerprintOf(Tiny)).toBe(before);
});

test('every pipeline stack gets a release record that depends on all its resources and holds what the CLI passed', () => {
  const app = buildApp(Testing.app() as App, {
    STREAMFORM_RELEASE: JSON.stringify({ commit: 'abc123', cleanTree: true, tests: { 'ratings-staging': 'passed (4)' } }),
  });
  const stack = app.node.findChild('ratings-staging');
  const json = JSON.parse(Testing.synth(stack as never)) as {
    resource: Record<string, Record<string, { input?: Record<string, unknown>; depends_on?: string[] }>>;
  };
  const record = json.resource.terraform_data.streamform_release;
  expect(record.input).toEqual({
    fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
    commit: 'abc123',
    clean_tree: true,
    tests: 'passed (4)',
  });
  const all = Object.entries(json.resource).flatMap(([type, byName]) =>
    Object.keys(byName)
      .filter((n) => !(type === 'terraform_data' && n === 'streamform_release'))
      .map((n) => `${type}.${n}`),
  );
  expect(all.length).toBeGreaterThan(10);
  expect([...record.depends_on!].sort()).toEqual(all.sort());
  // without the CLI (plain cdktf synth): nothing is claimed
  const plain = JSON.parse(Testing.synth(buildApp(Testing.app() as App, {}).node.findChild('ratings-dev') as never));
  expect(plain.resource.terraform_data.streamform_release.input).toMatchObject({ commit: 'unknown', clean_tree: false, tests: 'not run' });
});

describe('what promotion accepts from the source environment', () => {
  const req = { pipeline: 'ratings', from: { env: 'dev', stack: 'ratings-dev' }, fingerprint: 'f1' };
  const ok: Release = { fingerprint: 'f1', commit: '0123456789abcdef', cleanTree: true, tests: 'passed (4)' };
  test('a complete, clean, tested release of this definition', () => {
    expect(releaseProblem(req, ok)).toBeUndefined();
  });
  test('no record: never fully applied', () => {
    expect(releaseProblem(req, undefined)).toContain('ratings has no successful apply in dev (no release record streamform_release');
  });
  test('another definition, naming both fingerprints and the commit', () => {
    expect(releaseProblem(req, { ...ok, fingerprint: 'f0' })).toContain(
      'dev runs ratings f0 (applied from commit 0123456789ab), but this checkout defines f1',
    );
  });
  test('a dirty tree or an unknown commit', () => {
    expect(releaseProblem(req, { ...ok, cleanTree: false })).toContain(
      'applied from commit 0123456789ab with uncommitted changes: what ran is no commit',
    );
    expect(releaseProblem(req, { ...ok, commit: 'unknown' })).toContain('applied from an unknown commit');
  });
  test('tests that failed or did not run', () => {
    expect(releaseProblem(req, { ...ok, tests: 'failed: late-orders' })).toContain('its test cases did not pass (failed: late-orders)');
    expect(releaseProblem(req, { ...ok, tests: 'not run' })).toContain('its test cases were not run');
  });
});
