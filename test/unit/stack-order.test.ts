/**
 * The order in which deploy/destroy run stacks (one cdktf run per stack): dependencies first on
 * deploy, dependants first on destroy, read from the app's real synthesized manifest. No servers.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import { manifestDependencies, stackRunOrder } from '../../src/tools/cli/cdktf';
import { buildApp } from '../../stacks/main';

describe('with the dependencies of the synthesized app', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-order-'));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));
  // PENDING STACK REWRITE: the ratings and airline-merger joins select ROWKEY and fail synth-time
  // validation (see PENDING_STACK_REWRITE in stacks.test.ts); the run order does not depend on
  // validation. Drop `skipValidation` when the rewritten stacks land.
  buildApp(new App({ outdir, skipValidation: true }), { STREAMFORM_STATE_DIR: '/state', STREAMFORM_IMAGES: 'local' }).synth();
  const deps = manifestDependencies(outdir);

  test('dev pipelines depend on platform-dev; staging and prod stacks on nothing', () => {
    expect(deps['ratings-dev']).toEqual(['platform-dev']);
    expect(deps['airline-merger-dev']).toEqual(['platform-dev']);
    expect(deps['ratings-prod']).toEqual([]);
  });

  test('deploy puts the platform before its pipelines, whatever order they were named in', () => {
    expect(stackRunOrder(['ratings-dev', 'platform-dev', 'customer-quality-dev'], deps, 'deploy')).toEqual([
      'platform-dev',
      'ratings-dev',
      'customer-quality-dev',
    ]);
  });

  test('destroy puts the pipelines before their platform', () => {
    expect(stackRunOrder(['platform-dev', 'ratings-dev'], deps, 'destroy')).toEqual(['ratings-dev', 'platform-dev']);
  });

  test('a dependency not named is not added (a pipeline is deployed without its platform)', () => {
    expect(stackRunOrder(['ratings-dev'], deps, 'deploy')).toEqual(['ratings-dev']);
  });
});

test('each stack runs once, also when named twice', () => {
  expect(stackRunOrder(['a', 'b', 'a'], { b: ['a'] }, 'deploy')).toEqual(['a', 'b']);
});

test('longer chains are ordered transitively and reversed for destroy', () => {
  const deps = { app: ['topics'], topics: ['cluster'], cluster: [] };
  expect(stackRunOrder(['app', 'cluster', 'topics'], deps, 'deploy')).toEqual(['cluster', 'topics', 'app']);
  expect(stackRunOrder(['cluster', 'app', 'topics'], deps, 'destroy')).toEqual(['app', 'topics', 'cluster']);
});

test('a dependency cycle is refused with the stacks named', () => {
  expect(() => stackRunOrder(['a', 'b'], { a: ['b'], b: ['a'] }, 'deploy')).toThrow(/a → b → a.*cycle/);
});
