/**
 * Foundation benchmarks (prints figures; not a test):
 *  1. synth of the compiled app (`node dist/stacks/main.js`) vs `cdktf synth`;
 *  2. deploy of the dev platform from nothing to healthy, images cached, then destroy.
 * Run: node dist/bench/platform.js [--runs N] [--skip-deploy]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cdktf } from '../src/tools/cli/cdktf';
import { REPO_ROOT } from '../src/tools/toolchain/paths';
import { run } from '../src/tools/toolchain/run';
import { deploy, destroy, devInstance, forceCleanup } from '../src/tools/testkit/instance';

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function summary(label: string, ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return `${label.padEnd(44)} median ${(median / 1000).toFixed(2)} s   min ${(sorted[0] / 1000).toFixed(2)} s   max ${(sorted[sorted.length - 1] / 1000).toFixed(2)} s   (n=${ms.length})`;
}

async function main(): Promise<void> {
  const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-bench-synth-'));
  const direct: number[] = [];
  const cli: number[] = [];
  for (let i = 0; i < runs; i++) {
    direct.push(
      await time(() => run('node', [path.join(REPO_ROOT, 'dist/stacks/main.js')], { env: { ...process.env, CDKTF_OUTDIR: out } })),
    );
    cli.push(await time(() => cdktf(['synth'], { output: out })));
  }
  console.log('synth');
  console.log(summary('  compiled app (node dist/stacks/main.js)', direct));
  console.log(summary('  cdktf synth (CLI)', cli));

  if (process.argv.includes('--skip-deploy')) return;
  const sf = devInstance('sf-bench-platform', 25000);
  await forceCleanup(sf.name);
  const up = await time(() => deploy(sf, 'platform-dev'));
  const down = await time(() => destroy(sf, 'platform-dev'));
  console.log('deploy (images cached)');
  console.log(summary('  cdktf deploy platform-dev to healthy', [up]));
  console.log(summary('  cdktf destroy platform-dev', [down]));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
