import { createHash } from 'crypto';
import { REPO_ROOT } from './paths';

/**
 * A compiled entry point and everything it requires, bundled into one CommonJS file by esbuild
 * (for container images: one file instead of a node_modules tree). Returns the code and its hash.
 * The code (and so its hash, which names the image) does not depend on where the checkout is, nor
 * on a node_modules linked from elsewhere: esbuild's path comments are relative to the checkout.
 */
export async function bundle(entry: string): Promise<{ code: string; hash: string }> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [entry],
    absWorkingDir: REPO_ROOT,
    preserveSymlinks: true,
    bundle: true,
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    format: 'cjs',
    write: false,
    logLevel: 'silent',
    legalComments: 'inline',
  });
  const code = result.outputFiles[0].text;
  return { code, hash: createHash('sha256').update(code).digest('hex').slice(0, 16) };
}
