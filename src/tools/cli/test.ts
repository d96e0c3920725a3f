/**
 * `streamform test <pipeline> [--env <env>]`: the pipeline's test cases (PipelineTest constructs
 * in its stack) on the local ksqlDB engine, in memory, against its statements as synthesized.
 * `streamform test --sql-file f --input-file f --output-file f`: ksqlDB's ksql-test-runner files
 * on the same engine.
 */
import { EnvName, ENV_NAMES } from '../../../stacks/environments';
import { PIPELINES } from '../../../stacks/main';
import { testFromFiles, TestFileError } from '../ksqldb/test-runner/files';
import { reportRun, runPipelineTests } from '../ksqldb/test-runner/pipeline';
import { reportOf, runTest } from '../ksqldb/test-runner/runner';
import { ParsedArgs, stringOption, UsageError } from './args';

export function testCommand(args: ParsedArgs): void {
  const pipeline = args.positionals[1];
  const sqlFile = stringOption(args, 'sql-file');
  if (pipeline !== undefined && sqlFile === undefined) return testPipeline(args, pipeline);
  const inputFile = stringOption(args, 'input-file');
  const outputFile = stringOption(args, 'output-file');
  if (pipeline !== undefined || sqlFile === undefined || outputFile === undefined) {
    throw new UsageError(
      `name a pipeline (${Object.keys(PIPELINES).join(', ')}), e.g. \`streamform test ratings\`, or give ksql-test-runner's files: ` +
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

function testPipeline(args: ParsedArgs, pipeline: string): void {
  const Pipeline = PIPELINES[pipeline];
  if (!Pipeline) throw new UsageError(`unknown pipeline '${pipeline}'; one of ${Object.keys(PIPELINES).join(', ')}`);
  const env = (stringOption(args, 'env') ?? 'dev') as EnvName;
  if (!ENV_NAMES.includes(env)) throw new UsageError(`--env must be one of ${ENV_NAMES.join(', ')}, got '${env}'`);
  const run = runPipelineTests(pipeline, Pipeline, env);
  process.stdout.write(reportRun(run, reportOf));
  if (run.results.length === 0) throw new UsageError(`${pipeline} declares no test cases (PipelineTest)`);
  if (run.failed.length > 0)
    throw new UsageError(`${run.failed.length} of ${run.results.length} test case(s) failed: ${run.failed.join(', ')}`);
}
