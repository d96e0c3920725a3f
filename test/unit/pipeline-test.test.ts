/**
 * PipelineTest, the construct declaring a pipeline's test cases, and their run on the local
 * ksqlDB engine against the stack's statements as synthesized (`streamform test <pipeline>`).
 */
import { Testing } from 'cdktf';
import { IConstruct } from 'constructs';
import { PipelineTest, TestValue, ValidationError } from '../../constructs';
import { CustomerQualityStack } from '../../stacks/customer-quality';
import { environment } from '../../stacks/environments';
import { fingerprintOf } from '../../stacks/fingerprint';
import { RatingsStack } from '../../stacks/ratings';
import { reportRun, runStackTests, stackTestCases } from '../../src/tools/ksqldb/test-runner/pipeline';
import { reportOf } from '../../src/tools/ksqldb/test-runner/runner';

const FIXED_ENV = { STREAMFORM_STATE_DIR: '/state', STREAMFORM_IMAGES: 'local' };
const T = 1_700_000_000_000;

function stack(): CustomerQualityStack {
  return new CustomerQualityStack(Testing.app(), 'customer-quality-dev', { env: environment('dev', FIXED_ENV) });
}

/** A construct of the stack by path, e.g. `RegistrationQuality/Valid`. */
function part(s: CustomerQualityStack, path: string): never {
  return path.split('/').reduce((c: IConstruct, id) => c.node.findChild(id), s) as never;
}

const registration = (id: string, overrides: Record<string, TestValue> = {}): Record<string, TestValue> => ({
  REGISTRATION_ID: id,
  NAME: 'Ada Lovelace',
  ADDRESS: '12 St James Square, London',
  PHONE: '+442071234567',
  JOB: 'analyst',
  EMAIL: `${id}@example.com`,
  DOB: '1990-12-10',
  CREATED_AT: T,
  CHANNEL: 'web',
  ...overrides,
});

test('a case synthesizes nothing: the stack and its fingerprint are the same with and without it', () => {
  const without = stack();
  const withCase = stack();
  new PipelineTest(withCase, 'Case', {
    inputs: [{ topic: 'custchannel', key: 'r1', value: registration('r1'), timestamp: T }],
    expected: [{ topic: 'registrations-valid', key: 'r1', value: {} }],
  });
  expect(Testing.synth(withCase)).toEqual(Testing.synth(without));
  class WithCase extends CustomerQualityStack {
    constructor(...args: ConstructorParameters<typeof CustomerQualityStack>) {
      super(...args);
      new PipelineTest(this, 'Case', { inputs: [{ topic: 'custchannel', value: null }], expected: [{ topic: 'x', value: null }] });
    }
  }
  expect(fingerprintOf(WithCase)).toBe(fingerprintOf(CustomerQualityStack));
});

test('records name their topic by Topic, stream or table, or name; cases are found in declaration order', () => {
  const s = stack();
  const b = new PipelineTest(s, 'B', {
    inputs: [{ topic: part(s, 'RegistrationsTopic'), value: registration('r1') }],
    expected: [{ topic: part(s, 'RegistrationQuality/Valid'), key: 'r1', value: {} }],
  });
  const a = new PipelineTest(s, 'A', {
    description: 'by name',
    inputs: [{ topic: 'custchannel', value: null, timestamp: 5 }],
    expected: [{ topic: 'registrations-valid', value: null, window: { start: 0, end: 60_000 } }],
  });
  const cases = PipelineTest.casesOf(s);
  expect(cases.slice(-2)).toHaveLength(2);
  expect(cases[cases.length - 2]).toBe(b);
  expect(cases[cases.length - 1]).toBe(a);
  expect(cases.map((c) => c.node.id).slice(0, -2)).toEqual([
    'Completeness',
    'Consistency',
    'Timeliness',
    'Validity',
    'Uniqueness',
    'FailuresCountedPerRule',
  ]);
  expect(b.inputs[0].topic).toBe('custchannel');
  expect(b.expected[0].topic).toBe('registrations-valid');
  expect(a.expected[0]).toEqual({ topic: 'registrations-valid', value: null, window: { start: 0, end: 60_000 } });
});

test('invalid cases are refused with every problem at once', () => {
  const s = stack();
  const insert = part(s, 'RegistrationQuality/CompletenessFailures');
  let error: unknown;
  try {
    new PipelineTest(s, 'Bad', {
      inputs: [
        { topic: insert, value: { A: 1 } },
        { topic: 'custchannel', value: { A: () => 1 } as never, timestamp: -1 },
      ],
      expected: [{ topic: 'no topic!', value: null, window: { start: 5, end: 5 } }],
    });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).issues.map((i) => `${i.field} ${i.problem}`)).toEqual([
    'inputs[0].topic has no topic (an INSERT INTO query writes into its target)',
    'inputs[1].timestamp must be epoch ms',
    'inputs[1].value.A is not a JSON value',
    'expected[0].topic is not a valid topic name',
    'expected[0].window must have whole epoch ms with start before end',
  ]);
  expect(() => new PipelineTest(s, 'Empty', { inputs: [], expected: [] })).toThrow(/inputs are empty.*\n.*expected are empty/);
});

test('cases run against the statements as synthesized; a failing case is named, with a diff', () => {
  const s = new RatingsStack(Testing.app(), 'ratings-dev', { env: environment('dev', FIXED_ENV) });
  const rating = { rating_id: 1, user_id: 7, stars: 2, route_id: 3, rating_time: T, channel: 'iOS', message: 'cold food' };
  const live = { RATING_ID: 1, USER_ID: 7, STARS: 2, ROUTE_ID: 3, RATING_TIME: T, CHANNEL: 'iOS', MESSAGE: 'cold food' };
  new PipelineTest(s, 'Live', {
    inputs: [{ topic: 'ratings', value: rating, timestamp: T }],
    expected: [{ topic: 'ratings-live', value: live, timestamp: T }],
  });
  new PipelineTest(s, 'Wrong', {
    description: 'expects a live rating to be a test rating',
    inputs: [{ topic: 'ratings', value: rating, timestamp: T }],
    expected: [{ topic: 'ratings-test', value: live }],
  });
  const cases = stackTestCases(s).filter((c) => ['Live', 'Wrong'].includes(c.name));
  expect(cases.map((c) => c.name)).toEqual(['Live', 'Wrong']);
  expect(cases[0].testCase.statements.length).toBeGreaterThan(5);
  expect(cases[0].testCase.schemas?.map((x) => x.subject)).toEqual(['asgard.demo.customers-value', 'ratings-value']);
  const run = runStackTests(s);
  expect(run.results.filter((r) => ['Live', 'Wrong'].includes(r.name)).map((r) => [r.name, r.pass])).toEqual([
    ['Live', true],
    ['Wrong', false],
  ]);
  expect(run.failed).toEqual(['Wrong']);
  const wrong = run.results.find((r) => r.name === 'Wrong')!;
  expect(wrong.message).toBe('Topic ratings-test. Expected <1> records but it was <0>\nActual records: \n');
  const report = reportRun(run, reportOf);
  expect(report).toContain('PASS Live\n');
  expect(report).toContain('FAIL Wrong: expects a live rating to be a test rating\n\t>>>>> Test failed: Topic ratings-test.');
  expect(report).toContain('\n- <null, {"RATING_ID": 1, "USER_ID": 7, "STARS": 2, "ROUTE_ID": 3, ');
  expect(report.trimEnd().split('\n').pop()).toMatch(/^\d+ passed, 1 failed$/);
});
