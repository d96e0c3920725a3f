/**
 * `streamform setup`: the one idempotent set-up step used by both README commands and CI.
 *
 * Installs or builds, each only when missing: the Terraform binary (OpenTofu from the Go module
 * proxy), the kreuzwerker/docker provider, the filesystem mirror with streamform's own provider,
 * a CLI configuration that never reaches a provider registry, a Docker engine, and the local
 * container images. Writes `.streamform/env.sh` (to source) and `.streamform/env.json`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { catalogFromEnvironment } from '../../../constructs/platform/images';
import { ensureActionlint } from './actionlint';
import { CommandName, debianCommands } from './commands';
import { dockerAnswers, ensureDockerEngine } from './docker-engine';
import { ensureLocalImages } from './images';
import { withLock } from './lock';
import { cacheDir, paths } from './paths';
import { ensureProtos } from './protos';
import { ensureProviderBundle } from './provider-bundle';
import { step } from './progress';
import { ensureDockerProvider, installMirror, writeIfChanged } from './providers';
import { ensureSystemPackages } from './system-packages';
import { ensureTerraform, linkTerraform } from './terraform';

interface ToolchainEnv {
  readonly PATH: string;
  readonly TERRAFORM_BINARY_NAME: string;
  readonly TF_CLI_CONFIG_FILE: string;
  readonly CHECKPOINT_DISABLE: string;
  readonly STREAMFORM_IMAGES: string;
  readonly STREAMFORM_TF_FLAVOR: string;
  /** This checkout's plugin cache (paths.pluginCache), so cdktf does not use the machine-wide one. */
  readonly TF_PLUGIN_CACHE_DIR: string;
}

interface SetupOptions {
  /** Skip the Docker engine and images (synth-only work). */
  readonly withoutDocker?: boolean;
  /** Also install what the tests start (`scripts/test.sh`). */
  readonly tests?: boolean;
}

/**
 * The commands from Debian's archive that this set-up needs: the Docker client and engine when no
 * engine answers, debootstrap when images are built locally, and what the tests start.
 */
export function neededDebianCommands(options: SetupOptions, localImages: boolean, engineAnswers: boolean): CommandName[] {
  const needed = new Set<CommandName>();
  if (!options.withoutDocker) {
    needed.add('docker');
    if (!engineAnswers) needed.add('dockerd');
    if (localImages) needed.add('debootstrap');
  }
  if (options.tests) for (const c of debianCommands(['tests'])) needed.add(c);
  return [...needed];
}

export async function setup(options: SetupOptions = {}): Promise<ToolchainEnv> {
  const started = Date.now();
  fs.mkdirSync(paths.logs(), { recursive: true });
  const logFile = path.join(paths.logs(), 'setup.log');
  process.stderr.write(`streamform set-up (log: ${logFile})\n`);

  // set-ups of two checkouts share the machine-wide cache, apt and the image tags: one at a time
  return withLock(path.join(cacheDir(), 'setup.lock'), () => setupHoldingLock(options, started, logFile), {
    onWait: (owner) =>
      process.stderr.write(`  waiting for another streamform set-up to finish (pid ${owner.pid} in ${owner.cwd}, since ${owner.since})\n`),
  });
}

async function setupHoldingLock(options: SetupOptions, started: number, logFile: string): Promise<ToolchainEnv> {
  const catalog = catalogFromEnvironment();
  const system = neededDebianCommands(options, catalog.name === 'local', !options.withoutDocker && dockerAnswers());
  await step('system packages', async () => {
    const installed = await ensureSystemPackages(system, logFile);
    return installed.length ? `installed ${installed.join(' ')}` : 'present';
  });
  const tf = await step('Terraform binary', () => ensureTerraform(logFile));
  const link = linkTerraform(tf);
  const dockerProvider = await step('kreuzwerker/docker provider', () => ensureDockerProvider(logFile));
  await step('plugin protocol definitions', () => ensureProtos(logFile));
  await step('provider bundle and code cache', () => ensureProviderBundle(logFile));
  const { cliConfig } = await step('provider mirror and CLI config', async () => installMirror(dockerProvider));
  if (options.tests) await step('actionlint (tests of the CI templates)', () => ensureActionlint(logFile));
  if (!options.withoutDocker) {
    await step('Docker engine', () => ensureDockerEngine());
    if (catalog.name === 'local') await step('local images', () => ensureLocalImages(logFile, catalog));
  }

  const env: ToolchainEnv = {
    PATH: `${paths.bin()}:${process.env.PATH ?? ''}`,
    TERRAFORM_BINARY_NAME: path.basename(link),
    TF_CLI_CONFIG_FILE: cliConfig,
    CHECKPOINT_DISABLE: '1',
    STREAMFORM_IMAGES: catalog.name,
    STREAMFORM_TF_FLAVOR: tf.flavor,
    TF_PLUGIN_CACHE_DIR: pluginCache(),
  };
  writeIfChanged(paths.envJson(), JSON.stringify(env, null, 2) + '\n');
  writeIfChanged(
    paths.envFile(),
    Object.entries(env)
      .map(([k, v]) => (k === 'PATH' ? `export PATH="${paths.bin()}:$PATH"` : `export ${k}=${JSON.stringify(v)}`))
      .join('\n') + '\n',
  );
  process.stderr.write(`streamform set-up done in ${((Date.now() - started) / 1000).toFixed(1)}s (${tf.flavor}: ${tf.origin})\n`);
  return env;
}

/** The environment written by the last set-up, merged over `base`. */
export function toolchainEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  let saved: ToolchainEnv;
  try {
    saved = JSON.parse(fs.readFileSync(paths.envJson(), 'utf8')) as ToolchainEnv;
  } catch {
    throw new Error(`${paths.envJson()} is missing: run \`bash scripts/setup.sh\` first`);
  }
  // set here too, not only in env.json: an env.json written before it was per checkout lacks it,
  // and a TF_PLUGIN_CACHE_DIR of the caller's environment must not point plans at a shared cache
  return { ...base, ...saved, PATH: `${paths.bin()}:${base.PATH ?? ''}`, TF_PLUGIN_CACHE_DIR: pluginCache() };
}

/** This checkout's plugin cache folder, created when missing (OpenTofu requires it to exist). */
function pluginCache(): string {
  const dir = paths.pluginCache();
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--without-docker' && a !== '--tests');
  if (unknown.length > 0) {
    process.stderr.write(`streamform set-up: unknown option ${unknown.join(' ')} (known: --without-docker, --tests)\n`);
    process.exit(2);
  }
  setup({ withoutDocker: args.includes('--without-docker'), tests: args.includes('--tests') }).catch((err: unknown) => {
    process.stderr.write(`\nstreamform set-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
