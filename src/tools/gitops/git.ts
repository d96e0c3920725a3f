import { projectRoot } from '../toolchain/paths';
import { run } from '../toolchain/run';

/** The project's commit (streamform's checkout, or the user's repository) and whether its tree is clean; empty when it is no git checkout (or git is missing). */
export async function gitInfo(cwd: string = projectRoot()): Promise<{ commit?: string; cleanTree?: boolean }> {
  try {
    const commit = (await run('git', ['rev-parse', 'HEAD'], { cwd })).trim();
    const status = await run('git', ['status', '--porcelain', '--untracked-files=no'], { cwd });
    return { commit, cleanTree: status.trim() === '' };
  } catch {
    return {};
  }
}
