/**
 * The provider bundle's zod keeps English messages only (src/tools/toolchain/provider-bundle.ts):
 * the other 60 languages are not in the bundle, and zod still works and speaks English.
 */
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { zodEnglishOnly } from '../../src/tools/toolchain/provider-bundle';
import { PACKAGE_ROOT } from '../../src/tools/toolchain/paths';

test('a bundle of zod with the plugin has English only, validates, and says why in English', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-zod-bundle-'));
  const entry = path.join(dir, 'entry.js');
  fs.writeFileSync(
    entry,
    `const { z } = require('zod');
module.exports = {
  ok: z.object({ n: z.number() }).safeParse({ n: 1 }).success,
  message: z.string().safeParse(1).error.issues[0].message,
  locales: Object.keys(z.locales).filter((k) => typeof z.locales[k] === 'function'),
};`,
  );
  const outfile = path.join(dir, 'out.js');
  const build = (plugins: esbuild.Plugin[]) =>
    esbuild.build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile,
      nodePaths: [path.join(PACKAGE_ROOT, 'node_modules')],
      metafile: true,
      logLevel: 'silent',
      plugins,
    });

  const plain = await build([]);
  expect(Object.keys(plain.metafile.inputs).some((f) => f.endsWith('zod/v4/locales/de.cjs'))).toBe(true);

  const english = await build([zodEnglishOnly]);
  const locales = Object.keys(english.metafile.inputs).filter((f) => /^node_modules\/zod\/v4\/locales\/[^/]+\.cjs$/.test(f));
  expect(locales.map((f) => path.basename(f))).toEqual(['en.cjs']);
  const loaded = require(outfile) as { ok: boolean; message: string; locales: string[] };
  expect(loaded).toEqual({ ok: true, message: 'Invalid input: expected string, received number', locales: ['en'] });
  fs.rmSync(dir, { recursive: true, force: true });
});
