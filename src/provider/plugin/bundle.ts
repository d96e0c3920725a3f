import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/**
 * Where the bundled provider lives in the package (built by the set-up, see
 * src/tools/toolchain/provider-bundle.ts), and whether it still matches the compiled code.
 */
const PACKAGE = path.join(__dirname, '..', '..', '..', '..');
export const PROVIDER_BUNDLE = {
  dir: path.join(PACKAGE, 'dist', 'provider'),
  file: path.join(PACKAGE, 'dist', 'provider', 'provider.js'),
  /** The package's own files in the bundle, with their modification times when it was built. */
  inputs: path.join(PACKAGE, 'dist', 'provider', 'provider.inputs.json'),
  /**
   * GetProviderSchema's answer (its encoded response message), written by the set-up's warm-up
   * from the bundle beside it, so a start answers it before the provider's modules load.
   */
  schema: path.join(PACKAGE, 'dist', 'provider', 'provider-schema.bin'),
} as const;

/**
 * V8's code cache for the bundle under this Node version and these Node/V8 flags: V8 rejects a
 * cache made under other flags (the launcher's heap flags, providers.ts), so each set of flags
 * has its own and a test process without them does not replace the launcher's.
 */
export function bundleCacheFile(execArgv: readonly string[] = process.execArgv): string {
  const flags = execArgv.length === 0 ? '' : `.${createHash('sha256').update(execArgv.join(' ')).digest('hex').slice(0, 10)}`;
  return path.join(PROVIDER_BUNDLE.dir, `provider.js.${process.version}${flags}.cache`);
}

/**
 * True when the bundle exists and, in a checkout (where `tsc -b` may have rebuilt files since),
 * none of its own inputs changed after it was built. An installed package never changes (and npm
 * resets its files' times), so there the bundle's presence is enough.
 */
export function providerBundleFresh(): boolean {
  try {
    if (!fs.existsSync(PROVIDER_BUNDLE.file)) return false;
    if (!fs.existsSync(path.join(PACKAGE, 'src', 'provider', 'main.ts'))) return true;
    const inputs = JSON.parse(fs.readFileSync(PROVIDER_BUNDLE.inputs, 'utf8')) as Record<string, number>;
    return Object.entries(inputs).every(([f, mtime]) => fs.statSync(path.join(PACKAGE, f)).mtimeMs === mtime);
  } catch {
    return false;
  }
}
