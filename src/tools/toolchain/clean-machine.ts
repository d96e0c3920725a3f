/**
 * The clean-machine check: runs the README's first command, then the test set-up, inside a
 * container that has only what the machine image has (Debian bookworm with apt, git, a JDK with
 * Maven, Node.js and npm copied from this machine, Go mounted read-only from this machine, the
 * machine's CA certificates) and nothing streamform installs: no debootstrap, no Docker engine, no
 * cached toolchain or images, empty Go and Maven caches. A set-up step that relies on something
 * installed by hand fails here. Prints its timings.
 *
 *   node dist/src/tools/toolchain/clean-machine.js [--if-changed]
 *
 * `.ci/run` passes --if-changed: the check then runs only when what a fresh machine's set-up
 * depends on (SET_UP_INPUTS) changed since the last time it passed on this machine (a marker
 * named by the hash of those files, in the machine cache).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ensureDockerEngine } from './docker-engine';
import { BaseImage, ensureBase } from './images';
import { createHash } from 'crypto';
import { cacheDir, paths, REPO_ROOT } from './paths';
import { run } from './run';
import { ensureSystemPackages } from './system-packages';

const BASE: BaseImage = {
  ref: 'streamform/clean-machine-base:bookworm',
  suite: 'bookworm',
  // what the machine image has that streamform relies on, from Debian (Node.js and Go come from the host)
  packages: ['ca-certificates', 'ca-certificates-java', 'git', 'procps', 'openjdk-17-jdk-headless', 'maven', 'xz-utils', 'curl'],
  path: '/usr/local/go/bin:/root/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
};
const IMAGE = 'streamform/clean-machine:bookworm';

/** The host's Node.js, npm and CA certificates on top of the base: the machine image's own tools. */
async function buildImage(logFile: string): Promise<void> {
  await ensureBase(BASE, logFile);
  const context = path.join(cacheDir(), 'build', 'clean-machine');
  fs.rmSync(context, { recursive: true, force: true });
  fs.mkdirSync(path.join(context, 'certs'), { recursive: true });
  fs.copyFileSync(process.execPath, path.join(context, 'node'));
  const npmDir = path.resolve(path.dirname(fs.realpathSync(process.execPath)), '..', 'lib', 'node_modules', 'npm');
  fs.cpSync(npmDir, path.join(context, 'npm'), { recursive: true });
  for (const dir of ['/usr/local/share/ca-certificates']) {
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir)) if (f.endsWith('.crt')) fs.copyFileSync(path.join(dir, f), path.join(context, 'certs', f));
  }
  const globalNpmrc = path.resolve(path.dirname(fs.realpathSync(process.execPath)), '..', 'etc', 'npmrc');
  fs.writeFileSync(path.join(context, 'npmrc'), fs.existsSync(globalNpmrc) ? fs.readFileSync(globalNpmrc, 'utf8') : '');
  fs.writeFileSync(
    path.join(context, 'Dockerfile'),
    [
      `FROM ${BASE.ref}`,
      'COPY node /usr/bin/node',
      'COPY npm /usr/lib/node_modules/npm',
      'COPY npmrc /usr/etc/npmrc',
      'COPY certs/ /usr/local/share/ca-certificates/',
      'RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/bin/npx && update-ca-certificates',
      'ENV GOTOOLCHAIN=local GOFLAGS=-buildvcs=false',
      '',
    ].join('\n'),
  );
  await run('docker', ['build', '-q', '-t', IMAGE, context], { logFile, env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  fs.rmSync(context, { recursive: true, force: true });
}

/**
 * The machine's settings for reaching the registries (its CA bundle, any proxy), passed through
 * as they are set here: they belong to the machine image, not to streamform.
 */
const PASSED_ENV = [
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'CURL_CA_BUNDLE',
  'REQUESTS_CA_BUNDLE',
  'GIT_SSL_CAINFO',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'GOPROXY',
];

/** What runs inside: a clone of HEAD, the README's first command, the test set-up, a warm set-up. */
const SCRIPT = `
set -euo pipefail
t() { date +%s; }
git clone -q /src /root/streamform && cd /root/streamform
for c in debootstrap dockerd tofu; do if command -v $c >/dev/null; then echo "clean machine is not clean: $c is installed" >&2; exit 3; fi; done
s=$(t); bash scripts/demo.sh; demo=$(( $(t) - s ))
s=$(t); bash scripts/setup.sh --tests; tests=$(( $(t) - s ))
s=$(t); bash scripts/setup.sh --tests; warm=$(( $(t) - s ))
node bin/streamform destroy ratings-dev platform-dev --auto-approve >/dev/null
echo "clean-machine: demo from nothing \${demo}s, test set-up after it \${tests}s, warm set-up \${warm}s"
`;

/**
 * What a Docker engine inside the container needs. Not `--privileged`: this machine's capability
 * bounding set lacks CAP_SYS_RESOURCE, and Docker refuses to start a privileged container then.
 * The cgroup (v1) hierarchy is bound writable so the inner engine can start containers; its
 * storage is an anonymous volume, removed with the container.
 */
const DOCKER_IN_DOCKER = [
  '--cap-add',
  'ALL',
  '--cap-drop',
  'SYS_RESOURCE',
  '--security-opt',
  'seccomp=unconfined',
  '--security-opt',
  'apparmor=unconfined',
  '--security-opt',
  'systempaths=unconfined',
  '--cgroupns',
  'host',
  '-v',
  '/sys/fs/cgroup:/sys/fs/cgroup:rw',
  '-v',
  '/var/lib/docker',
];

/** What the set-up of a fresh machine depends on: a change here runs the check again. */
const SET_UP_INPUTS = ['src/tools/toolchain', 'scripts', '.ci', 'package.json', 'package-lock.json', 'constructs/platform'];

/** Hash of the committed content of SET_UP_INPUTS (git's blob ids, so it needs no build). */
async function setUpInputsHash(): Promise<string> {
  const listing = await run('git', ['ls-files', '-s', '--', ...SET_UP_INPUTS], { cwd: REPO_ROOT });
  return createHash('sha256').update(listing).digest('hex').slice(0, 16);
}

async function cleanMachineCheck(): Promise<void> {
  const logFile = path.join(paths.logs(), 'clean-machine.log');
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.writeFileSync(logFile, '');
  await ensureSystemPackages(['docker', 'debootstrap']);
  await ensureDockerEngine();
  process.stderr.write(`clean-machine check (log: ${logFile})\n  … image ${IMAGE}\n`);
  await buildImage(logFile);
  const goroot = (await run('go', ['env', 'GOROOT'])).trim();
  const name = `sf-clean-machine-${process.pid}`;
  process.stderr.write('  … scripts/demo.sh, then scripts/setup.sh --tests, inside it (10-15 min)\n');
  const started = Date.now();
  try {
    const out = await run(
      'docker',
      [
        'run',
        '--rm',
        '--name',
        name,
        ...DOCKER_IN_DOCKER,
        ...PASSED_ENV.filter((v) => process.env[v]).flatMap((v) => ['-e', v]),
        '-v',
        `${goroot}:/usr/local/go:ro`,
        '-v',
        `${REPO_ROOT}:/src:ro`,
        IMAGE,
        'bash',
        '-c',
        SCRIPT,
      ],
      { logFile },
    );
    const summary = out.split('\n').find((l) => l.startsWith('clean-machine:')) ?? '';
    process.stderr.write(`  ✓ ${summary} (${Math.round((Date.now() - started) / 1000)}s in all)\n`);
  } catch (err) {
    process.stderr.write(`  ✗ clean-machine check failed after ${Math.round((Date.now() - started) / 1000)}s; the log's end:\n`);
    throw err;
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const unknown = argv.filter((a) => a !== '--if-changed');
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(' ')} (known: --if-changed)`);
  const marker = path.join(cacheDir(), 'clean-machine', `${await setUpInputsHash()}.passed`);
  if (argv.includes('--if-changed') && fs.existsSync(marker)) {
    process.stderr.write(
      `clean-machine check: skipped, it passed for this set-up (${SET_UP_INPUTS.join(', ')}) on ${fs.readFileSync(marker, 'utf8').trim()}\n`,
    );
    return;
  }
  await cleanMachineCheck();
  fs.mkdirSync(path.dirname(marker), { recursive: true });
  fs.writeFileSync(marker, `${new Date().toISOString()}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
