/**
 * `streamform test <pipeline> [--env <env>]`: the pipeline's test cases (PipelineTest constructs
 * in its stack) on the local ksqlDB engine, in memory, against its statements as synthesized.
 * `streamform test --sql-file f --input-file f --output-file f`: ksqlDB's ksql-test-runner files
 * on the same engine.
 */
import type { EnvName } from '../../../stacks/environments';
import { testFromFiles, TestFileError } from '../ksqldb/test-runner/files';
import { PipelineTestRun, reportRun, runPipelineTests, runStackTests } from '../ksqldb/test-runner/pipeline';
import { reportOf, runTest } from '../ksqldb/test-runner/runner';
import { ParsedArgs, stringOption, UsageError } from './args';
import { isUserProject, loadUserApp, pickStack, stacksOf } from './project';

/** streamform's own pipelines (loaded on use: an installed package has none). */
function checkoutPipelines() {
  const { PIPELINES } = require('../../../stacks/main') as typeof import('../../../stacks/main');
  const { ENV_NAMES } = require('../../../stacks/environments') as typeof import('../../../stacks/environments');
  return { PIPELINES, ENV_NAMES };
}

export async function testCommand(args: ParsedArgs): Promise<void> {
  const pipeline = args.positionals[1];
  const sqlFile = stringOption(args, 'sql-file');
  if (pipeline !== undefined && sqlFile === undefined) return testPipeline(args, pipeline);
  const inputFile = stringOption(args, 'input-file');
  const outputFile = stringOption(args, 'output-file');
  if (pipeline !== undefined || sqlFile === undefined || outputFile === undefined) {
    const names = isUserProject()
      ? 'a stack of your project, or its name without -<env>'
      : Object.keys(checkoutPipelines().PIPELINES).join(', ');
    throw new UsageError(
      `name a pipeline (${names}), e.g. \`streamform test ratings\`, or give ksql-test-runner's files: ` +
        '--sql-file <statements.sql> --output-file <output.json> [--input-file <input.json>]',
    );
  }
  let result;
  try {
    result = runTest(testFromFiles(sqlFile, inputFile, outputFile));
  } catch (e) {
    if (e instanceof TestFileError) throw new UsageError(e.message);
    throw e;
  }
  process.stdout.write(reportOf(result));
  if (!result.pass) throw new UsageError('the test failed');
}

/** The test cases of a user's stack: `<name>-<env>` (or `name` itself) of the app built in memory. */
async function userStackTests(pipeline: string, env: string | undefined): Promise<PipelineTestRun> {
  const stacks = stacksOf(await loadUserApp());
  return runStackTests(pickStack(stacks, pipeline, env));
}

async function testPipeline(args: ParsedArgs, pipeline: string): Promise<void> {
  let run: PipelineTestRun;
  if (isUserProject()) {
    run = await userStackTests(pipeline, stringOption(args, 'env'));
  } else {
    const { PIPELINES, ENV_NAMES } = checkoutPipelines();
    const Pipeline = PIPELINES[pipeline];
    if (!Pipeline) throw new UsageError(`unknown pipeline '${pipeline}'; one of ${Object.keys(PIPELINES).join(', ')}`);
    const env = (stringOption(args, 'env') ?? 'dev') as EnvName;
    if (!ENV_NAMES.includes(env)) throw new UsageError(`--env must be one of ${ENV_NAMES.join(', ')}, got '${env}'`);
    run = runPipelineTests(pipeline, Pipeline, env);
  }
  process.stdout.write(reportRun(run, reportOf));
  if (run.results.length === 0) throw new UsageError(`${pipeline} declares no test cases (PipelineTest)`);
  if (run.failed.length > 0)
    throw new UsageError(`${run.failed.length} of ${run.results.length} test case(s) failed: ${run.failed.join(', ')}`);
}
