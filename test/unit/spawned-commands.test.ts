/**
 * Every external command started by the set-up, the CLI, the benchmarks and the tests has a row
 * in the table of src/tools/toolchain/commands.ts, which says where it comes from on a fresh machine.
 */
import * as fs from 'fs';
import * as path from 'path';
import { EXTERNAL_COMMANDS } from '../../src/tools/toolchain/commands';
import { REPO_ROOT } from '../../src/tools/toolchain/paths';
import { neededDebianCommands } from '../../src/tools/toolchain/setup';
import { DynamicCommands, sourceFiles, spawnSites } from '../support/spawned-commands';

/** First arguments that are not literals, and the command each one names. */
const DYNAMIC: DynamicCommands = [
  [/^process\.execPath$/, 'node'],
  // fork() of the module itself (bench/grpc-server.ts' server and client processes): node
  [/^__filename$/, 'node'],
  // the Terraform binary chosen by the set-up (TERRAFORM_BINARY_NAME): tofu, or terraform
  [/^bin$|TERRAFORM_BINARY_NAME!?$/, 'tofu'],
  [/^path\.join\(REPO_ROOT, 'node_modules', '\.bin', 'cdktf'\)$|^cdktfBin\(\)$/, 'cdktf'],
  // playwright-core starts the browser that ensureChromium() returned
  [/^executablePath$/, 'chromium'],
  // the provider executable of the mirror (shared-provider.ts): a shell script the set-up writes, which execs node
  [/^executable$/, 'sh'],
];

function unlisted(file: string, text: string): string[] {
  return spawnSites(path.relative(REPO_ROOT, file), text, DYNAMIC)
    .filter((s) => s.command === undefined || !(s.command in EXTERNAL_COMMANDS))
    .map((s) => `${s.file}:${s.line}: ${s.command ?? `unknown command expression ${s.expression}`}`);
}

test('every spawned command of the code is in the table', () => {
  const files = sourceFiles(REPO_ROOT, ['src', 'constructs', 'stacks', 'test', 'bench', 'examples']);
  expect(files.length).toBeGreaterThan(50);
  const sites = files.flatMap((f) => spawnSites(f, fs.readFileSync(f, 'utf8'), DYNAMIC));
  // the scan sees what it should: the set-up's debootstrap, the CLI's cdktf, the tests' browser
  const seen = new Set(sites.map((s) => s.command));
  for (const c of ['debootstrap', 'docker', 'cdktf', 'chromium', 'node', 'mvn', 'go']) expect(seen).toContain(c);
  expect(files.flatMap((f) => unlisted(f, fs.readFileSync(f, 'utf8')))).toEqual([]);
});

test('a command started without a table row is reported (fixture)', () => {
  const fixture = path.join(REPO_ROOT, 'test', 'unit', 'fixtures', 'spawn-unlisted.ts.txt');
  expect(unlisted(fixture, fs.readFileSync(fixture, 'utf8'))).toEqual([
    'test/unit/fixtures/spawn-unlisted.ts.txt:9: somecmd',
    'test/unit/fixtures/spawn-unlisted.ts.txt:13: unknown command expression binary',
  ]);
});

test('the set-up installs every Debian row it or the tests need, and only what a set-up needs', () => {
  const debianRows = Object.entries(EXTERNAL_COMMANDS)
    .filter(([, row]) => row.origin.kind === 'debian')
    .map(([name]) => name);
  expect(debianRows).toEqual(expect.arrayContaining(['debootstrap', 'docker', 'dockerd', 'chromium']));
  // a fresh machine running the tests: everything from Debian
  expect(neededDebianCommands({ tests: true }, true, false).sort()).toEqual([...debianRows].sort());
  // the main job with an engine that answers: no dockerd, no browser
  expect(neededDebianCommands({}, true, true).sort()).toEqual(['debootstrap', 'docker']);
  // Docker Hub images: nothing is bootstrapped
  expect(neededDebianCommands({}, false, true)).toEqual(['docker']);
  expect(neededDebianCommands({ withoutDocker: true }, true, false)).toEqual([]);
});
