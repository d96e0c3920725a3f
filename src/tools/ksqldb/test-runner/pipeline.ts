/**
 * A pipeline's own test cases (PipelineTest constructs in its stack) run on the local ksqlDB
 * engine: the stack is synthesized in memory, its ksqlDB statements taken as synthesized, in
 * dependency order, its schemas registered, and every case run on a fresh engine.
 */
import { TerraformStack, Testing } from 'cdktf';
import { PipelineTest, ResolvedTestRecord } from '../../../../constructs';
import type { EnvName } from '../../../../stacks/environments';
import type { PipelineClass } from '../../../../stacks/fingerprint';
import { runTest, specOf, TestCase, TestRecord, TestResult } from './runner';
import { stackKsql } from './stack';

interface PipelineTestResult extends TestResult {
  readonly description?: string;
}

export interface PipelineTestRun {
  /** The stack tested, `<pipeline>-<env>`. */
  readonly stack: string;
  readonly results: readonly PipelineTestResult[];
  /** The names of the failed cases. */
  readonly failed: readonly string[];
}

function record(r: ResolvedTestRecord): TestRecord {
  return {
    topic: r.topic,
    key: specOf(r.key ?? null),
    value: specOf(r.value),
    ...(r.timestamp !== undefined ? { timestamp: r.timestamp } : {}),
    ...(r.window !== undefined ? { window: r.window } : {}),
    ...(r.valueSchema !== undefined ? { valueSchema: r.valueSchema } : {}),
  };
}

/** The test cases of a stack, each with the stack's statements, schemas and topics. */
export function stackTestCases(stack: TerraformStack): { name: string; description?: string; testCase: TestCase }[] {
  const ksql = stackKsql(stack);
  return PipelineTest.casesOf(stack).map((t) => {
    const name = t.node.path.split('/').slice(1).join('/');
    return {
      name,
      ...(t.description !== undefined ? { description: t.description } : {}),
      testCase: {
        name,
        statements: ksql.statements,
        schemas: ksql.schemas,
        topics: ksql.topics,
        inputs: t.inputs.map(record),
        outputs: t.expected.map(record),
      },
    };
  });
}

/** Runs every test case of a stack. */
export function runStackTests(stack: TerraformStack): PipelineTestRun {
  const results = stackTestCases(stack).map(({ description, testCase }) => ({
    ...runTest(testCase),
    ...(description !== undefined ? { description } : {}),
  }));
  return { stack: stack.node.id, results, failed: results.filter((r) => !r.pass).map((r) => r.name) };
}

/** Synthesizes a pipeline for an environment in memory and runs its test cases. */
export function runPipelineTests(pipeline: string, Pipeline: PipelineClass, env: EnvName, processEnv = process.env): PipelineTestRun {
  const { environment } = require('../../../../stacks/environments') as typeof import('../../../../stacks/environments');
  const stack = new Pipeline(Testing.app(), `${pipeline}-${env}`, { env: environment(env, processEnv) });
  return runStackTests(stack);
}

/** A run in one phrase, as release records keep it: `passed (n)`, `failed: a, b` or `none declared`. */
export function runSummary(run: PipelineTestRun): string {
  if (run.results.length === 0) return 'none declared';
  return run.failed.length === 0 ? `passed (${run.results.length})` : `failed: ${run.failed.join(', ')}`;
}

/** A run that could not start, as release records keep it: `not run (<first line of the error>)`. */
export function notRunSummary(err: unknown): string {
  return `not run (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
}

/** One line per case (PASS/FAIL name: description), the failures' reports, then the count. */
export function reportRun(run: PipelineTestRun, report: (r: TestResult) => string): string {
  const lines = [`${run.stack}: ${run.results.length} test case(s) on the local ksqlDB engine`];
  for (const r of run.results) {
    lines.push(`${r.pass ? 'PASS' : 'FAIL'} ${r.name}${r.description ? `: ${r.description}` : ''}`);
    if (!r.pass) lines.push(report(r).trimEnd());
  }
  lines.push(`${run.results.length - run.failed.length} passed, ${run.failed.length} failed`);
  return lines.join('\n') + '\n';
}
