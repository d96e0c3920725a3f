import * as fs from 'fs';
import * as path from 'path';
import { cacheDir } from './paths';
import { note } from './progress';
import { run } from './run';
import { TOOLCHAIN } from './versions';

/** Where the set-up keeps actionlint (machine-wide cache, by version). */
export function actionlintPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDir(env), 'bin', `actionlint-${TOOLCHAIN.actionlint.version}`);
}

/** Builds actionlint from the Go module proxy when missing (tests of the CI templates). */
export async function ensureActionlint(logFile: string): Promise<string> {
  const target = actionlintPath();
  if (fs.existsSync(target)) return 'cached';
  const { module, version } = TOOLCHAIN.actionlint;
  note(`building actionlint ${version} from ${module}`);
  const gobin = `${target}.d`;
  fs.rmSync(gobin, { recursive: true, force: true });
  await run('go', ['install', `${module}/cmd/actionlint@v${version}`], {
    logFile,
    cwd: '/',
    env: { ...process.env, GOBIN: gobin, CGO_ENABLED: '0', GOFLAGS: '-trimpath' },
  });
  fs.renameSync(path.join(gobin, 'actionlint'), target);
  fs.rmSync(gobin, { recursive: true, force: true });
  return `built ${version}`;
}
