/**
 * Promotion runs the pipeline's test cases first and refuses, naming the failed cases, when one
 * fails on the local ksqlDB engine; nothing is synthesized, planned or applied then. The failing
 * case is constructed here, on a copy of the ratings stack, not committed into a stack.
 */
import { Testing } from 'cdktf';
import { PipelineTest } from '../../constructs';
import { environment } from '../../stacks/environments';
import { RatingsStack } from '../../stacks/ratings';
import { Project, promote, PromotionRefused, PromotionRequest } from '../../src/tools/gitops/promote';
import { runStackTests } from '../../src/tools/ksqldb/test-runner/pipeline';

const FIXED_ENV = { STREAMFORM_STATE_DIR: '/state', STREAMFORM_IMAGES: 'local' };
const T = 1_700_000_000_000;

/** A project that records what promotion asked of it, and stops at synthesis. */
function project(calls: string[]): Project {
  return {
    synth: async () => {
      calls.push('synth');
      throw new Error('synthesis reached');
    },
    env: async (stack) => {
      calls.push(`env ${stack}`);
      return {};
    },
    deploy: async (stack) => {
      calls.push(`deploy ${stack}`);
    },
  };
}

function request(stack: RatingsStack, lines: string[]): PromotionRequest {
  return {
    pipeline: 'ratings',
    from: { env: 'staging', stack: 'ratings-staging' },
    to: { env: 'prod', stack: 'ratings-prod' },
    fingerprint: '0123456789abcdef',
    policy: { protect: true, allowDestructive: false },
    log: (line) => lines.push(line),
    tests: () => runStackTests(stack),
  };
}

function ratingsProd(): RatingsStack {
  return new RatingsStack(Testing.app(), 'ratings-prod', { env: environment('prod', FIXED_ENV) });
}

test('a failing test case refuses the promotion before anything is synthesized, naming the case', async () => {
  const stack = ratingsProd();
  new PipelineTest(stack, 'DeliberatelyWrong', {
    description: 'expects a live iOS rating among the test ratings',
    inputs: [
      {
        topic: 'ratings',
        value: { rating_id: 1, user_id: 7, stars: 5, route_id: 3, rating_time: T, channel: 'iOS', message: 'great' },
        timestamp: T,
      },
    ],
    expected: [
      {
        topic: 'ratings-test',
        value: { RATING_ID: 1, USER_ID: 7, STARS: 5, ROUTE_ID: 3, RATING_TIME: T, CHANNEL: 'iOS', MESSAGE: 'great' },
      },
    ],
  });
  const calls: string[] = [];
  const lines: string[] = [];
  const refused = await promote(project(calls), request(stack, lines)).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(PromotionRefused);
  expect((refused as PromotionRefused).message).toBe(
    '1 of 5 test case(s) of ratings fail on the local ksqlDB engine: DeliberatelyWrong. ' +
      'Fix the pipeline or the cases; `streamform test ratings --env prod` shows each failure.',
  );
  expect(calls).toEqual([]);
  const log = lines.join('\n');
  expect(log).toContain(
    'FAIL DeliberatelyWrong: expects a live iOS rating among the test ratings\n\t>>>>> Test failed: Topic ratings-test. Expected <1> records but it was <0>',
  );
  expect(log).toContain('PASS UnhappyPlatinum');
  expect(log).toMatch(/4 passed, 1 failed$/);
});

test('when every case passes, promotion goes on to synthesize, plan and apply', async () => {
  const calls: string[] = [];
  const lines: string[] = [];
  await expect(promote(project(calls), request(ratingsProd(), lines))).rejects.toThrow('synthesis reached');
  expect(calls).toEqual(['synth']);
  expect(lines).toEqual(['ratings: 4 of 4 test case(s) pass on the local ksqlDB engine (ratings-prod).']);
});
