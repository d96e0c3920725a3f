import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir, isCheckout, paths, REPO_ROOT } from './paths';
import { protoInstallDir } from './protos';
import { note } from './progress';
import { EXTRA_CA_ENV } from '../../provider/clients/trust';
import { run } from './run';
import { PROVIDER_HOSTS, TOOLCHAIN } from './versions';

const STREAMFORM_PROVIDER = {
  namespace: 'streamform',
  type: 'streamform',
  version: (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version,
} as const;

/** The streamform provider's package folder in the mirror (unpacked layout) under a registry host. */
function streamformPackageDir(host: string): string {
  const sf = STREAMFORM_PROVIDER;
  return path.join(paths.mirror(), host, sf.namespace, sf.type, sf.version, 'linux_amd64');
}

/** The streamform provider's executable in a package folder of the mirror. */
const streamformExecutable = (pkg: string): string =>
  path.join(pkg, `terraform-provider-${STREAMFORM_PROVIDER.type}_v${STREAMFORM_PROVIDER.version}`);

/** The streamform provider's executable in the mirror, and its source address under each registry host. */
export function streamformProviderInMirror(): { executable: string; addresses: string[] } {
  const sf = STREAMFORM_PROVIDER;
  return {
    executable: streamformExecutable(streamformPackageDir(PROVIDER_HOSTS[0])),
    addresses: PROVIDER_HOSTS.map((h) => `${h}/${sf.namespace}/${sf.type}`),
  };
}

/** Builds kreuzwerker/docker from the Go module proxy into the cache, once per machine. */
export async function ensureDockerProvider(logFile: string): Promise<string> {
  const p = TOOLCHAIN.dockerProvider;
  const binary = path.join(cacheDir(), 'bin', `terraform-provider-docker_v${p.version}`);
  if (fs.existsSync(binary)) return binary;
  note(`building the kreuzwerker/docker provider ${p.version} (${p.pseudoVersion}) from the Go module proxy`);
  const work = path.join(cacheDir(), 'build', 'terraform-provider-docker');
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  // The provider's go.mod declares a module path different from its repository, so it cannot be
  // `go install`ed; a wrapper module requires the declared path and replaces it with the repository.
  fs.writeFileSync(
    path.join(work, 'go.mod'),
    [
      'module streamform.local/build/terraform-provider-docker',
      '',
      `go ${TOOLCHAIN.goDirective}`,
      '',
      `require ${p.declaredModule} v0.0.0`,
      '',
      `replace ${p.declaredModule} => ${p.module} ${p.pseudoVersion}`,
      '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(work, 'tools.go'), `//go:build tools\n\npackage tools\n\nimport _ "${p.declaredModule}"\n`);
  await run('go', ['mod', 'tidy'], { cwd: work, logFile });
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  await run('go', ['build', '-trimpath', '-ldflags', `-s -w -X main.version=${p.version}`, '-o', `${binary}.tmp`, p.declaredModule], {
    cwd: work,
    logFile,
    env: { ...process.env, CGO_ENABLED: '0' },
  });
  fs.renameSync(`${binary}.tmp`, binary);
  fs.rmSync(work, { recursive: true, force: true });
  return binary;
}

/**
 * The Node flags the provider runs with (the mirror's launcher; the set-up's warm-up makes V8's
 * code cache under the same flags, which V8 requires to use it). A 1 MB young generation (default 16): the provider's objects are short-lived request data; it
 * cut peak resident memory at 300 topics from 106-130 MB to 87-92 MB (bench/vs-go-provider.ts).
 * The old generation grows by half of what survived a full collection (V8 picks up to 4x by
 * default): at 1,000 topics peak resident memory went from 104-128 MB to 89-93 MB, the
 * provider's CPU within the runs' spread (one run each, 2026-12-02).
 */
export const PROVIDER_NODE_FLAGS = ['--max-semi-space-size=1', '--heap-growing-percent=50'] as const;

/**
 * The streamform provider's executable: a shell script that execs node on the provider's launcher
 * (the bundled provider with its code cache; exec, so that OpenTofu's kill reaches node itself).
 * It hands NODE_EXTRA_CA_CERTS on as STREAMFORM_EXTRA_CA_CERTS, read on the provider's first TLS
 * connection (clients/trust.ts) instead of by Node at every start.
 */
export function providerLauncher(): string {
  const main = path.join(REPO_ROOT, 'dist', 'src', 'provider', 'launch.js');
  // an installed package keeps the protocol definitions in the machine-wide cache (protoInstallDir)
  const protos = isCheckout() ? '' : `STREAMFORM_PROTO_DIR="${protoInstallDir()}" `;
  const ca = `if [ -n "\${NODE_EXTRA_CA_CERTS:-}" ]; then ${EXTRA_CA_ENV}="$NODE_EXTRA_CA_CERTS"; export ${EXTRA_CA_ENV}; unset NODE_EXTRA_CA_CERTS; fi\n`;
  return `#!/bin/sh\n${ca}${protos}exec node ${PROVIDER_NODE_FLAGS.join(' ')} "${main}" "$@"\n`;
}

/**
 * Lays out the filesystem mirror (unpacked layout) for both default registry hosts and writes
 * a CLI configuration that installs providers only from it.
 */
export function installMirror(dockerProviderBinary: string): { cliConfig: string; mirror: string } {
  const mirror = paths.mirror();
  const platform = 'linux_amd64';
  const dp = TOOLCHAIN.dockerProvider;
  for (const host of PROVIDER_HOSTS) {
    const dockerDir = path.join(mirror, host, 'kreuzwerker', 'docker', dp.version, platform);
    fs.mkdirSync(dockerDir, { recursive: true });
    const dockerExe = path.join(dockerDir, `terraform-provider-docker_v${dp.version}`);
    linkOrCopy(dockerProviderBinary, dockerExe);

    const sfDir = streamformPackageDir(host);
    fs.mkdirSync(sfDir, { recursive: true });
    writeIfChanged(streamformExecutable(sfDir), providerLauncher(), 0o755);
  }
  const cliConfig = paths.cliConfig();
  writeIfChanged(
    cliConfig,
    [
      '# Written by streamform set-up: providers come only from the local filesystem mirror.',
      'disable_checkpoint = true',
      'provider_installation {',
      '  filesystem_mirror {',
      `    path = "${mirror}"`,
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  return { cliConfig, mirror };
}

function linkOrCopy(from: string, to: string): void {
  try {
    if (fs.readlinkSync(to) === from) return;
  } catch {
    // missing or not a link
  }
  fs.rmSync(to, { force: true });
  fs.symlinkSync(from, to);
}

export function writeIfChanged(file: string, content: string, mode?: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === content) return;
  fs.writeFileSync(file, content, mode === undefined ? undefined : { mode });
  if (mode !== undefined) fs.chmodSync(file, mode);
}

/**
 * The `h1:` hash OpenTofu records in a dependency lock file for an unpacked provider package: Go's
 * dirhash Hash1 over the folder's files (sha256 of each, listed with its relative path, sorted).
 */
export function packageHashV1(dir: string): string {
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(name);
      else files.push(name);
    }
  };
  walk('');
  const summary = files
    .sort()
    .map(
      (f) =>
        `${createHash('sha256')
          .update(fs.readFileSync(path.join(dir, f)))
          .digest('hex')}  ${f}\n`,
    )
    .join('');
  return `h1:${createHash('sha256').update(summary).digest('base64')}`;
}

/**
 * Makes a stack folder use this checkout's streamform provider when it was set up with another's:
 * its dependency lock file records another package (a launcher of another checkout's code, reached
 * through a plugin cache the checkouts shared, or an older launcher), or the provider installed in
 * its `.terraform` resolves outside this checkout's mirror. Then the lock entry is dropped and
 * `.terraform` removed, so the next init installs and records this checkout's provider; without
 * this, every init stops with "doesn't match any of the checksums previously recorded", and a plan
 * that skips init (the plan review) runs the other checkout's code. Returns true when it did.
 */
export function forgetForeignProvider(stackDir: string): boolean {
  const sf = STREAMFORM_PROVIDER;
  const lockFile = path.join(stackDir, '.terraform.lock.hcl');
  const text = fs.existsSync(lockFile) ? fs.readFileSync(lockFile, 'utf8') : '';
  let lock = text;
  let foreignInstall = false;
  for (const host of PROVIDER_HOSTS) {
    const pkg = streamformPackageDir(host);
    if (!fs.existsSync(pkg)) continue;
    const own = packageHashV1(pkg);
    const block = new RegExp(`^provider "${host.replace(/\./g, '\\.')}/${sf.namespace}/${sf.type}" \\{\\n[\\s\\S]*?^\\}\\n?`, 'm');
    const found = block.exec(lock);
    if (found && !found[0].includes(`"${own}"`)) lock = lock.replace(found[0], '');
    const installed = path.join(stackDir, '.terraform', 'providers', host, sf.namespace, sf.type, sf.version, 'linux_amd64');
    let resolved: string | undefined;
    try {
      resolved = fs.realpathSync(installed);
    } catch {
      resolved = undefined; // not installed, or a dangling link
    }
    if (fs.existsSync(path.dirname(installed)) && resolved !== fs.realpathSync(pkg)) foreignInstall = true;
  }
  if (lock === text && !foreignInstall) return false;
  if (lock !== text) fs.writeFileSync(lockFile, lock);
  fs.rmSync(path.join(stackDir, '.terraform'), { recursive: true, force: true });
  return true;
}
