/**
 * `streamform test --sql-file f --input-file f --output-file f`: ksqlDB's ksql-test-runner on the
 * local engine, in memory: the statements run against the input records and what they write is
 * compared with the expected output records.
 */
import { testFromFiles, TestFileError } from '../ksqldb/test-runner/files';
import { reportOf, runTest } from '../ksqldb/test-runner/runner';
import { ParsedArgs, stringOption, UsageError } from './args';

export function testCommand(args: ParsedArgs): void {
  const sqlFile = stringOption(args, 'sql-file');
  const inputFile = stringOption(args, 'input-file');
  const outputFile = stringOption(args, 'output-file');
  if (sqlFile === undefined || outputFile === undefined) {
    throw new UsageError(
      'give --sql-file <statements.sql> --output-file <output.json> [--input-file <input.json>] (ksql-test-runner files)',
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
