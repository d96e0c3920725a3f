/**
 * `node dist/src/tools/ksqldb/qtt/main.js <dir-or-files...> [--min-pass-rate 0.95]`: runs
 * ksqlDB's query-validation test files on the local engine; one line per case, then
 * `N passed, M failed`. Exit code 0 when every case passed (or the pass rate reaches the minimum).
 */
import { runPaths } from './runner';

function main(argv: string[]): number {
  const paths: string[] = [];
  let minRate: number | undefined;
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--min-pass-rate') minRate = Number(argv[++i]);
    else if (argv[i] === '--failures-only') quiet = true;
    else paths.push(argv[i]);
  }
  if (paths.length === 0 || (minRate !== undefined && !(minRate >= 0 && minRate <= 1))) {
    process.stderr.write('usage: qtt <dir-or-files...> [--min-pass-rate 0..1] [--failures-only]\n');
    return 2;
  }
  const results = runPaths(paths);
  let passed = 0;
  for (const r of results) {
    if (r.pass) passed++;
    if (!quiet || !r.pass)
      process.stdout.write(`${r.pass ? 'PASS' : 'FAIL'} ${r.file}: ${r.name}${r.pass ? '' : `: ${r.reason.replace(/\n/g, '\\n')}`}\n`);
  }
  const failed = results.length - passed;
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  if (failed === 0) return 0;
  if (minRate !== undefined && results.length > 0 && passed / results.length >= minRate) return 0;
  return 1;
}

process.exitCode = main(process.argv.slice(2));
