import type { Plugin } from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';
import { PROVIDER_BUNDLE, providerBundleFresh } from '../../provider/plugin/bundle';
import { PACKAGE_ROOT } from './paths';
import { PROVIDER_NODE_FLAGS } from './providers';
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

/**
 * zod's `locales` (its messages in 60 languages) as English only: zod's core and classic API
 * load all of them for the `z.locales` namespace, about 60 ms of every provider start, while zod
 * itself configures English and the provider never switches. `z.locales.en` stays.
 */
export const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.cjs$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]v4[\\/](core|classic|mini)[\\/]/.test(args.importer)
        ? { path: path.join(path.dirname(args.importer), '..', 'locales', 'index.cjs'), namespace: 'zod-english-only' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: `"use strict";\nObject.defineProperty(exports, "en", { enumerable: true, get: () => { const m = require("./en.cjs"); return m && m.__esModule ? m.default : m; } });\n`,
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

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
    plugins: [zodEnglishOnly],
  });
  const inputs: Record<string, number> = {};
  for (const f of Object.keys(result.metafile.inputs)) {
    if (f.includes('node_modules/') || f.startsWith('..')) continue;
    inputs[f] = fs.statSync(path.join(PACKAGE_ROOT, f)).mtimeMs;
  }
  // and this builder: a change to how the bundle is made makes it stale too
  inputs[path.relative(PACKAGE_ROOT, __filename)] = fs.statSync(__filename).mtimeMs;
  fs.writeFileSync(inputsFile, JSON.stringify(inputs));
  // the warm-up: load everything a provider start loads, and write V8's code cache for it
  // (an installed package keeps the protocol definitions in the machine-wide cache: protoInstallDir)
  await run(process.execPath, [...PROVIDER_NODE_FLAGS, LAUNCHER], {
    logFile,
    env: { ...process.env, STREAMFORM_PROVIDER_WARMUP: '1', STREAMFORM_PROTO_DIR: protoInstallDir() },
  });
  return true;
}
