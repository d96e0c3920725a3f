/**
 * A Terraform working directory for provider tests: a cdktf stack built in-process with the
 * generated bindings, synthesized to JSON, then driven with the real OpenTofu binary (init, plan,
 * apply, import, destroy) and the streamform provider from the filesystem mirror.
 *
 * State is local by default; `{ backend: { kind: 'pg', ... } }` uses OpenTofu's pg backend through
 * stacks/backend.ts (as staging and prod do), the connection string only in the OpenTofu process
 * environment (PG_CONN_STR).
 */
import { App, LocalBackend, TerraformStack } from 'cdktf';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { provider as sfProvider } from '../../gen/providers/streamform';
import { run } from '../toolchain/run';
import { toolchainEnv } from '../toolchain/setup';
import { configureBackend } from '../../../stacks/backend';

interface WorkspaceEndpoints {
  readonly bootstrapServers: string;
  readonly schemaRegistryUrl?: string;
  readonly connectUrl?: string;
  readonly ksqldbUrl?: string;
}

/** Where the workspace keeps its state. */
type WorkspaceBackend =
  | { readonly kind: 'local' }
  /**
   * OpenTofu's pg backend, configured by stacks/backend.ts: schema `<schemaPrefix>_<name>`. `connStr`
   * is only put into the OpenTofu process environment as PG_CONN_STR, never into configuration.
   */
  | { readonly kind: 'pg'; readonly schemaPrefix: string; readonly connStr?: string };

interface WorkspaceOptions {
  /** @default { kind: 'local' } (terraform.tfstate in the workspace folder) */
  readonly backend?: WorkspaceBackend;
}

export interface TofuResult {
  readonly code: number;
  readonly output: string;
}

export class Workspace {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  private readonly stackDir: string;

  constructor(
    readonly name: string,
    readonly endpoints: WorkspaceEndpoints,
    readonly options: WorkspaceOptions = {},
  ) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `sf-ws-${name}-`));
    this.stackDir = path.join(this.dir, 'out', 'stacks', name);
    this.env = { ...toolchainEnv(), TF_IN_AUTOMATION: '1', NO_COLOR: '1' };
    const backend = options.backend;
    if (backend?.kind === 'pg' && backend.connStr !== undefined) this.env.PG_CONN_STR = backend.connStr;
  }

  /** The synthesized configuration (cdk.tf.json) OpenTofu runs on. */
  get configFile(): string {
    return path.join(this.stackDir, 'cdk.tf.json');
  }

  /** Synthesizes a stack whose resources `build` declares; the provider points at the endpoints. */
  synth(build: (stack: TerraformStack, provider: sfProvider.StreamformProvider) => void): void {
    const app = new App({ outdir: path.join(this.dir, 'out'), skipValidation: false });
    const stack = new TerraformStack(app, this.name);
    const backend = this.options.backend;
    if (backend?.kind === 'pg') configureBackend(stack, this.name, { kind: 'pg', schemaPrefix: backend.schemaPrefix });
    else new LocalBackend(stack, { path: path.join(this.dir, 'terraform.tfstate') });
    const provider = new sfProvider.StreamformProvider(stack, 'streamform', {
      bootstrapServers: this.endpoints.bootstrapServers,
      schemaRegistryUrl: this.endpoints.schemaRegistryUrl,
      connectUrl: this.endpoints.connectUrl,
      ksqldbUrl: this.endpoints.ksqldbUrl,
    });
    build(stack, provider);
    app.synth();
  }

  /** Runs OpenTofu in the stack folder; `env` replaces the workspace's environment for this run. */
  async tofu(args: readonly string[], allowFailure = false, env: NodeJS.ProcessEnv = this.env): Promise<TofuResult> {
    const bin = env.TERRAFORM_BINARY_NAME!;
    try {
      const output = await run(bin, [...args], { cwd: this.stackDir, env, logFile: path.join(this.dir, 'tofu.log') });
      return { code: 0, output };
    } catch (err) {
      const e = err as { exitCode?: number; output?: string };
      if (allowFailure && typeof e.exitCode === 'number') return { code: e.exitCode, output: e.output ?? '' };
      throw err;
    }
  }

  async init(): Promise<void> {
    await this.tofu(['init', '-input=false', '-no-color']);
  }

  /** `plan -detailed-exitcode`: code 0 no changes, 2 changes, 1 error (never throws). */
  plan(extra: readonly string[] = []): Promise<TofuResult> {
    return this.tofu(['plan', '-detailed-exitcode', '-input=false', '-no-color', ...extra], true);
  }

  apply(allowFailure = false, extra: readonly string[] = []): Promise<TofuResult> {
    return this.tofu(['apply', '-auto-approve', '-input=false', '-no-color', ...extra], allowFailure);
  }

  destroy(allowFailure = false): Promise<TofuResult> {
    return this.tofu(['destroy', '-auto-approve', '-input=false', '-no-color'], allowFailure);
  }

  async stateList(): Promise<string[]> {
    const r = await this.tofu(['state', 'list'], true);
    return r.output
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean);
  }

  /** The attributes of one resource instance in state. */
  async stateOf(address: string): Promise<Record<string, unknown> | undefined> {
    const r = await this.tofu(['show', '-json'], true);
    const json = JSON.parse(r.output || '{}');
    const resources: { address: string; values: Record<string, unknown> }[] = json.values?.root_module?.resources ?? [];
    return resources.find((x) => x.address === address)?.values;
  }

  cleanup(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The Terraform address of a resource built with cdktf bindings. */
export function address(resource: { terraformResourceType: string; friendlyUniqueId: string }): string {
  return `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;
}
