import { createHash } from 'crypto';
import { REPO_ROOT } from './paths';

/**
 * A compiled entry point and everything it requires, bundled into one CommonJS file by esbuild
 * (for container images: one file instead of a node_modules tree). Returns the code and its hash.
 * The hash (which names the image) does not depend on where the package is: esbuild names modules
 * by their path from the package (`node_modules/kafkajs/...` in a checkout, `../kafkajs/...` in a
 * user's project, where the dependencies sit beside the package); the hash reads both as the first.
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
  const placeless = code.replace(/(["/ ])\.\.\/(?=[@a-z])/g, '$1node_modules/');
  return { code, hash: createHash('sha256').update(placeless).digest('hex').slice(0, 16) };
}
