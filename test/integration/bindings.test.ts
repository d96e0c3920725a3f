/**
 * The committed cdktf bindings (src/gen) are exactly what `cdktf get` generates from the provider's
 * schema today: runs the real cdktf CLI against the provider in the mirror (no servers started).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from '../../src/tools/toolchain/paths';
import { run } from '../../src/tools/toolchain/run';
import { toolchainEnv } from '../../src/tools/toolchain/setup';

jest.setTimeout(5 * 60_000);

function files(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .sort();
}

test('src/gen matches a fresh `cdktf get` (regenerate with `bin/streamform bindings`)', async () => {
  const project = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdktf.json'), 'utf8'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-bindings-'));
  fs.writeFileSync(path.join(dir, 'cdktf.json'), JSON.stringify({ ...project, app: 'true', codeMakerOutput: 'gen' }));
  await run(path.join(REPO_ROOT, 'node_modules', '.bin', 'cdktf'), ['get'], { cwd: dir, env: { ...toolchainEnv(), CI: '1' } });
  const fresh = path.join(dir, 'gen');
  const committed = path.join(REPO_ROOT, 'src', 'gen');
  expect(files(fresh)).toEqual(files(committed));
  for (const f of files(fresh)) {
    expect([f, fs.readFileSync(path.join(fresh, f), 'utf8')]).toEqual([f, fs.readFileSync(path.join(committed, f), 'utf8')]);
  }
});
