/**
 * The provider's start: runs the bundled provider (`dist/provider/provider.js`, one file the
 * set-up builds with esbuild from main.ts) with V8's code cache, so a start neither resolves
 * hundreds of modules nor compiles the code again. Falls back to main.js when no bundle was built,
 * or (in a checkout) when the compiled code changed after it was.
 * The cache (`provider.js.<node version>.<flags>.cache` beside the bundle, one per set of Node
 * flags, bundleCacheFile) is written by the set-up's warm-up under the launcher's flags, or by the
 * first start that finds none or a stale one; V8 rejects a cache that does not match the bundle
 * or the flags, and that start writes a fresh one.
 */
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import * as vm from 'vm';
import { bundleCacheFile, PROVIDER_BUNDLE, providerBundleFresh } from './plugin/bundle';

function start(): void {
  if (!providerBundleFresh()) {
    require('./main');
    return;
  }
  const bundle = PROVIDER_BUNDLE.file;
  const source = fs.readFileSync(bundle, 'utf8');
  const cacheFile = bundleCacheFile();
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapper, { filename: bundle, cachedData });
  if (process.env.STREAMFORM_PROVIDER_WARMUP === '1') {
    // the set-up's warm-up run: main.ts loads every module and returns; cache what was compiled
    process.on('beforeExit', () => writeCache(script, cacheFile));
  } else if (!cachedData || script.cachedDataRejected) {
    // after the handshake and the first requests, so the functions they compiled are cached too
    setTimeout(() => writeCache(script, cacheFile), 3000).unref();
  }
  const mod = { exports: {} };
  (script.runInThisContext() as (...a: unknown[]) => void)(mod.exports, createRequire(bundle), mod, bundle, path.dirname(bundle));
}

function writeCache(script: vm.Script, file: string): void {
  try {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, script.createCachedData());
    fs.renameSync(tmp, file);
  } catch {
    // a read-only installation runs without the cache
  }
}

start();
