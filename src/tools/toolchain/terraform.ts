import * as fs from 'fs';
import * as path from 'path';
import { cacheDir, paths } from './paths';
import { note } from './progress';
import { run, which } from './run';
import { TOOLCHAIN } from './versions';

interface TerraformBinary {
  /** Absolute path of the binary. */
  readonly path: string;
  /** `tofu` or `terraform`: decides the default registry host for short provider sources. */
  readonly flavor: 'tofu' | 'terraform';
  /** Where it came from, for the set-up summary. */
  readonly origin: string;
}

/**
 * Finds the Terraform binary streamform drives, in this order:
 * STREAMFORM_TERRAFORM (a path or a name on PATH); `tofu` on PATH; OpenTofu previously built into
 * the cache; OpenTofu built now from the Go module proxy (when Go is available); `terraform` on PATH.
 * OpenTofu is preferred over a `terraform` found on PATH so every machine plans with the same binary.
 */
export async function ensureTerraform(logFile: string, env: NodeJS.ProcessEnv = process.env): Promise<TerraformBinary> {
  const explicit = env.STREAMFORM_TERRAFORM;
  if (explicit) {
    const p = explicit.includes('/') ? path.resolve(explicit) : which(explicit, env);
    if (!p || !fs.existsSync(p)) {
      throw new Error(`STREAMFORM_TERRAFORM names '${explicit}', which is not an executable; unset it or give a path to tofu or terraform`);
    }
    return { path: p, flavor: path.basename(p).startsWith('terraform') ? 'terraform' : 'tofu', origin: 'STREAMFORM_TERRAFORM' };
  }
  const onPath = which('tofu', env);
  if (onPath) return { path: onPath, flavor: 'tofu', origin: 'PATH' };

  const built = path.join(cacheDir(env), 'bin', `tofu-${TOOLCHAIN.opentofu.version}`);
  if (fs.existsSync(built)) return { path: built, flavor: 'tofu', origin: 'cache' };

  if (which('go', env)) {
    await buildOpenTofu(built, logFile);
    return { path: built, flavor: 'tofu', origin: 'built from the Go module proxy' };
  }
  const terraform = which('terraform', env);
  if (terraform) return { path: terraform, flavor: 'terraform', origin: 'PATH (no Go toolchain to build OpenTofu)' };
  throw new Error('no tofu or terraform on PATH and no Go toolchain to build OpenTofu; install Go 1.26+ or put tofu on PATH');
}

async function buildOpenTofu(target: string, logFile: string): Promise<void> {
  const { module, version } = TOOLCHAIN.opentofu;
  note(`building OpenTofu ${version} from ${module} (a few minutes, once per machine)`);
  const info = JSON.parse(await run('go', ['mod', 'download', '-json', `${module}@v${version}`], { logFile, cwd: '/' }));
  const work = path.join(cacheDir(), 'build', `opentofu-${version}`);
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(work), { recursive: true });
  fs.cpSync(info.Dir, work, { recursive: true });
  await run('chmod', ['-R', 'u+w', work]);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  await run(
    'go',
    ['build', '-trimpath', '-ldflags', "-s -w -X 'github.com/opentofu/opentofu/version.dev=no'", '-o', `${target}.tmp`, './cmd/tofu'],
    { cwd: work, logFile, env: { ...process.env, CGO_ENABLED: '0' } },
  );
  fs.renameSync(`${target}.tmp`, target);
  fs.rmSync(work, { recursive: true, force: true });
}

/** Links the chosen binary into .streamform/bin under the name cdktf is told to use. */
export function linkTerraform(binary: TerraformBinary): string {
  const dir = paths.bin();
  fs.mkdirSync(dir, { recursive: true });
  const link = path.join(dir, binary.flavor);
  fs.rmSync(link, { force: true });
  fs.symlinkSync(binary.path, link);
  return link;
}
