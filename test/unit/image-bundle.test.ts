/**
 * The local ksqlDB image runs one esbuild bundle and has no node_modules: every module the bundle
 * needs must be in it. esbuild includes what is required by a literal name and leaves a require()
 * of a computed name for run time, where it fails (this happened: kafka-wire.ts required kafkajs'
 * request definitions by a template string, and the image's ksqlDB could not start).
 */
import * as path from 'path';
import { bundle } from '../../src/tools/toolchain/bundle';
import { REPO_ROOT } from '../../src/tools/toolchain/paths';

/** require() calls whose argument is not a string literal (comments before it allowed). */
function computedRequires(code: string): string[] {
  return [...code.matchAll(/\brequire\(\s*(?:\/\*[^]*?\*\/\s*)*([^'"\s)/][^)]{0,80})\)/g)].map((m) => m[1]);
}

test('the computed-require scan finds a template-string require and passes literal ones', () => {
  expect(computedRequires('const a = require(\'fs\'); const b = require(/* webpackIgnore: true */ "os");')).toEqual([]);
  expect(computedRequires('const d = require(`kafkajs/src/protocol/requests/${name}`);')).toEqual([
    '`kafkajs/src/protocol/requests/${name}`',
  ]);
  expect(computedRequires('const e = require(moduleName);')).toEqual(['moduleName']);
});

test('the local ksqlDB image bundle requires no module by a computed name, and holds kafkajs’ request definitions', async () => {
  const { code } = await bundle(path.join(REPO_ROOT, 'dist', 'src', 'tools', 'ksqldb', 'main.js'));
  expect(computedRequires(code)).toEqual([]);
  expect(code).toContain('node_modules/kafkajs/src/protocol/requests/metadata/index.js');
}, 60_000);
