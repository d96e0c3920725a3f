/**
 * What keeps checkouts on one machine from running each other's streamform provider: the plugin
 * cache is the checkout's own, and a stack folder set up with another checkout's provider (its lock
 * entry, its installed provider) is made to install this checkout's at the next init.
 * Reads this checkout's provider mirror (written by the set-up); no servers.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cacheDir, paths, REPO_ROOT } from '../../src/tools/toolchain/paths';
import { forgetForeignProvider, packageHashV1 } from '../../src/tools/toolchain/providers';
import { toolchainEnv } from '../../src/tools/toolchain/setup';

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest();

test("packageHashV1 is Go's dirhash Hash1: sha256 of the sorted 'sha256(file)  path' lines", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-h1-'));
  fs.writeFileSync(path.join(dir, 'xyz'), 'data for xyz');
  fs.mkdirSync(path.join(dir, 'abc'));
  fs.writeFileSync(path.join(dir, 'abc', 'f'), 'data for abc/f');
  const lines = `${sha('data for abc/f').toString('hex')}  abc/f\n${sha('data for xyz').toString('hex')}  xyz\n`;
  expect(packageHashV1(dir)).toBe(`h1:${sha(lines).toString('base64')}`);
  fs.rmSync(dir, { recursive: true });
});

test('the plugin cache is in the checkout, not in the machine-wide cache, and every run of OpenTofu is told so', () => {
  expect(paths.pluginCache().startsWith(path.join(REPO_ROOT, '.streamform'))).toBe(true);
  expect(paths.pluginCache().startsWith(cacheDir())).toBe(false);
  // a machine-wide TF_PLUGIN_CACHE_DIR of the caller does not leak through
  expect(toolchainEnv({ PATH: '/bin', TF_PLUGIN_CACHE_DIR: '/root/.terraform.d/plugin-cache' }).TF_PLUGIN_CACHE_DIR).toBe(
    paths.pluginCache(),
  );
});

describe('forgetForeignProvider', () => {
  const own = packageHashV1(path.join(paths.mirror(), 'registry.terraform.io', 'streamform', 'streamform', '0.1.0', 'linux_amd64'));
  const docker = [
    'provider "registry.opentofu.org/kreuzwerker/docker" {',
    '  version     = "4.6.0"',
    '  hashes = [',
    '    "h1:dock=",',
    '  ]',
    '}',
    '',
  ];
  const lock = (hash: string) =>
    [
      '# This file is maintained automatically by "tofu init".',
      '',
      ...docker,
      'provider "registry.terraform.io/streamform/streamform" {',
      '  version     = "0.1.0"',
      '  constraints = "0.1.0"',
      '  hashes = [',
      `    "${hash}",`,
      '  ]',
      '}',
      '',
    ].join('\n');
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-lock-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("an entry recording this checkout's package stays", () => {
    fs.writeFileSync(path.join(dir, '.terraform.lock.hcl'), lock(own));
    expect(forgetForeignProvider(dir)).toBe(false);
    expect(fs.readFileSync(path.join(dir, '.terraform.lock.hcl'), 'utf8')).toBe(lock(own));
  });

  test("an entry recording another package (another checkout's launcher) is dropped; the docker provider's stays", () => {
    fs.writeFileSync(path.join(dir, '.terraform.lock.hcl'), lock('h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='));
    fs.mkdirSync(path.join(dir, '.terraform'));
    expect(forgetForeignProvider(dir)).toBe(true);
    // the next init must run: .terraform is gone
    expect(fs.existsSync(path.join(dir, '.terraform'))).toBe(false);
    const text = fs.readFileSync(path.join(dir, '.terraform.lock.hcl'), 'utf8');
    expect(text).not.toContain('streamform');
    expect(text).toContain(docker.join('\n'));
    expect(forgetForeignProvider(dir)).toBe(false);
  });

  test('no lock file, nothing installed: nothing to do', () => {
    expect(forgetForeignProvider(dir)).toBe(false);
  });

  const installed = () =>
    path.join(dir, '.terraform', 'providers', 'registry.terraform.io', 'streamform', 'streamform', '0.1.0', 'linux_amd64');
  const ownPackage = path.join(paths.mirror(), 'registry.terraform.io', 'streamform', 'streamform', '0.1.0', 'linux_amd64');

  test("a provider installed from this checkout's mirror stays", () => {
    fs.mkdirSync(path.dirname(installed()), { recursive: true });
    fs.symlinkSync(ownPackage, installed());
    fs.writeFileSync(path.join(dir, '.terraform.lock.hcl'), lock(own));
    expect(forgetForeignProvider(dir)).toBe(false);
    expect(fs.existsSync(installed())).toBe(true);
  });

  test("a provider installed from another checkout's mirror (a shared cache's link): .terraform goes, so the next init installs this checkout's", () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-other-mirror-'));
    fs.mkdirSync(path.dirname(installed()), { recursive: true });
    fs.symlinkSync(other, installed());
    fs.writeFileSync(path.join(dir, '.terraform.lock.hcl'), lock(own));
    expect(forgetForeignProvider(dir)).toBe(true);
    expect(fs.existsSync(path.join(dir, '.terraform'))).toBe(false);
    // the lock entry was this checkout's: kept
    expect(fs.readFileSync(path.join(dir, '.terraform.lock.hcl'), 'utf8')).toBe(lock(own));
    fs.rmSync(other, { recursive: true });
  });
});
