/**
 * An isolated dev instance for integration tests: its own Docker object prefix, shifted host
 * ports, its own state folder and cdktf output folder, so tests never touch the README's
 * `streamform-dev` deployment. Everything runs the real cdktf CLI and the real Terraform binary
 * chosen by the set-up.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CdktfOptions, deployStack, destroyStack, stackDir, tofuEnv } from '../cli/cdktf';
import { dockerObjects as listDockerObjects, removeDockerObjects } from '../toolchain/docker-objects';
import { run } from '../toolchain/run';
import { toolchainEnv } from '../toolchain/setup';

export interface DevInstance {
  readonly name: string;
  readonly portOffset: number;
  readonly dir: string;
  readonly outdir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly ports: { kafka: number; schemaRegistry: number; connect: number; ksqldb: number };
}

export function devInstance(name: string, portOffset: number): DevInstance {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  const outdir = path.join(dir, 'cdktf.out');
  const env = {
    ...toolchainEnv(),
    STREAMFORM_DEV_NAME: name,
    STREAMFORM_DEV_PORT_OFFSET: String(portOffset),
    STREAMFORM_STATE_DIR: path.join(dir, 'state'),
    CDKTF_DISABLE_PLUGIN_CACHE_ENV: '1',
    CI: '1',
    FORCE_COLOR: '0',
    NO_COLOR: '1',
  };
  return {
    name,
    portOffset,
    dir,
    outdir,
    env,
    ports: { kafka: 9092 + portOffset, schemaRegistry: 8081 + portOffset, connect: 8083 + portOffset, ksqldb: 8088 + portOffset },
  };
}

function cdktfOptions(instance: DevInstance): CdktfOptions {
  return { env: instance.env, output: instance.outdir, logFile: path.join(instance.dir, 'cdktf.log') };
}

/** The real `cdktf deploy` against the project's app, with the instance's environment. */
export function deploy(instance: DevInstance, stack: string): Promise<string> {
  return deployStack(stack, cdktfOptions(instance));
}

export function destroy(instance: DevInstance, stack: string): Promise<string> {
  return destroyStack(stack, cdktfOptions(instance));
}

/**
 * `plan -detailed-exitcode` in the synthesized stack folder: resolves with 0 (no changes) or
 * 2 (changes) and the plan text.
 */
export async function plan(instance: DevInstance, stack: string): Promise<{ code: number; output: string }> {
  const opts = cdktfOptions(instance);
  const cwd = stackDir(stack, opts);
  const env = tofuEnv(stack, opts);
  try {
    const output = await run(env.TERRAFORM_BINARY_NAME!, ['plan', '-detailed-exitcode', '-no-color', '-input=false'], { cwd, env });
    return { code: 0, output };
  } catch (err) {
    const e = err as { exitCode?: number; output?: string };
    if (e.exitCode === 2) return { code: 2, output: e.output ?? '' };
    throw err;
  }
}

/** Names of Docker containers, networks and volumes whose name starts with the instance prefix. */
export const dockerObjects = listDockerObjects;

/** Removes whatever a failed test left behind under the prefix (never used to make a test pass). */
export async function forceCleanup(prefix: string): Promise<void> {
  await removeDockerObjects(prefix);
}
