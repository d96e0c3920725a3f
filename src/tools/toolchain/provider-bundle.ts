import * as fs from 'fs';
import * as path from 'path';
import { PROVIDER_BUNDLE, providerBundleFresh } from '../../provider/plugin/bundle';
import { PACKAGE_ROOT } from './paths';
import { protoInstallDir } from './protos';
import { run } from './run';

/**
 * The provider as OpenTofu starts it: one file bundled by esbuild from the compiled provider
 * (`dist/provider/provider.js`), plus V8's code cache for it, written by a warm-up run of the
 * launcher (src/provider/launch.ts). A start then neither resolves hundreds of modules nor
 * compiles them again. `provider.inputs.json` lists the package's own files in the bundle with
 * their modification times: in a checkout the launcher runs the unbundled provider when one of
 * them changed since (a `tsc -b` without the set-up), so a stale bundle never runs.
 */
const ENTRY = path.join(PACKAGE_ROOT, 'dist', 'src', 'provider', 'main.js');
const LAUNCHER = path.join(PACKAGE_ROOT, 'dist', 'src', 'provider', 'launch.js');

/** Builds the bundle and its code cache when missing or stale; returns whether it built. */
export async function ensureProviderBundle(logFile: string): Promise<boolean> {
  if (providerBundleFresh()) return false;
  const { dir, file, inputs: inputsFile } = PROVIDER_BUNDLE;
  const esbuild = await import('esbuild');
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { force: true });
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    absWorkingDir: PACKAGE_ROOT,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: file,
    minifyWhitespace: true,
    keepNames: true,
    metafile: true,
    logLevel: 'silent',
    legalComments: 'inline',
  });
  const inputs: Record<string, number> = {};
  for (const f of Object.keys(result.metafile.inputs)) {
    if (f.includes('node_modules/') || f.startsWith('..')) continue;
    inputs[f] = fs.statSync(path.join(PACKAGE_ROOT, f)).mtimeMs;
  }
  fs.writeFileSync(inputsFile, JSON.stringify(inputs));
  // the warm-up: load everything a provider start loads, and write V8's code cache for it
  // (an installed package keeps the protocol definitions in the machine-wide cache: protoInstallDir)
  await run(process.execPath, [LAUNCHER], {
    logFile,
    env: { ...process.env, STREAMFORM_PROVIDER_WARMUP: '1', STREAMFORM_PROTO_DIR: protoInstallDir() },
  });
  return true;
}
