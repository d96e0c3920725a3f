/**
 * The bundles of the container images (src/tools/toolchain/bundle.ts) hold every module they
 * need: an image has no node_modules, so a require() of a computed name, which esbuild leaves
 * for run time, fails the build instead of the container's start.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bundle } from '../../src/tools/toolchain/bundle';
import { REPO_ROOT } from '../../src/tools/toolchain/paths';

test('the local ksqlDB image bundle builds (every module spelled out)', async () => {
  const { code, hash } = await bundle(path.join(REPO_ROOT, 'dist', 'src', 'tools', 'ksqldb', 'main.js'));
  expect(hash).toMatch(/^[0-9a-f]{16}$/);
  // kafkajs' request definitions used by the raw Metadata requests are inside
  expect(code).toContain('node_modules/kafkajs/src/protocol/requests/metadata/index.js');
}, 60_000);

test('a require() of a computed module name fails the bundle, naming the entry and the call', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-bundle-'));
  try {
    const entry = path.join(dir, 'entry.js');
    fs.writeFileSync(
      entry,
      "const fs = require('fs');\nmodule.exports = (name) => [fs, require(`kafkajs/src/protocol/requests/${name}`)];\n",
    );
    await expect(bundle(entry)).rejects.toThrow(
      /entry\.js: the bundle would require modules by computed names at run time \(`kafkajs\/src\/protocol\/requests\/\$\{name\}`\)/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
