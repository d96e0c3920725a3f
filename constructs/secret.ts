import { TerraformStack, TerraformVariable, Token } from 'cdktf';
import { Construct, IConstruct } from 'constructs';

/**
 * A secret value that never appears as a literal in the synthesized configuration: a sensitive
 * Terraform variable (supplied as TF_VAR_<name> when planning), or a placeholder that each Kafka
 * Connect worker resolves from its own environment or files.
 */
export class Secret {
  /**
   * A sensitive Terraform variable, one per stack and name; its value comes from `TF_VAR_<name>`
   * (or a -var-file) at plan time.
   */
  static fromVariable(scope: IConstruct, name: string, description = `secret ${name}`): Secret {
    const stack = TerraformStack.of(scope);
    const existing = stack.node.tryFindChild(`var-${name}`);
    const variable =
      existing instanceof TerraformVariable
        ? existing
        : new TerraformVariable(stack, `var-${name}`, { type: 'string', sensitive: true, nullable: false, description });
    variable.overrideLogicalId(name);
    return new Secret(variable.stringValue, `variable ${name} (TF_VAR_${name})`);
  }

  /** `${env:NAME}`, resolved by the Connect worker from its environment. */
  static connectEnv(name: string): Secret {
    return new Secret(`\${env:${name}}`, `Connect worker environment variable ${name}`);
  }

  /** `${file:path:key}`, resolved by the Connect worker from a properties file it can read. */
  static connectFile(path: string, key: string): Secret {
    return new Secret(`\${file:${path}:${key}}`, `key ${key} of ${path} on the Connect workers`);
  }

  private constructor(
    /** The value to put in configuration (escaped for Terraform when written): a token or a placeholder, never the secret itself. */
    readonly value: string,
    readonly description: string,
  ) {}
}

/** Keys whose values are secrets. */
export const SECRET_KEY = /(password|passwd|secret|token|api[._-]?key|private[._-]?key|credentials?)$/i;

/** True for values that are not a literal: a cdktf token or a Connect config-provider placeholder. */
export function isIndirect(value: string): boolean {
  return Token.isUnresolved(value) || /^\$?\$\{(env|file|directory|vault):/.test(value);
}

/**
 * Finds secrets written as literals anywhere in a stack's resources: attributes named like a
 * secret, and `NAME=value` entries (container environments) whose name is a secret's.
 */
export function literalSecrets(stack: Construct): { path: string; field: string }[] {
  const found: { path: string; field: string }[] = [];
  for (const c of stack.node.findAll()) {
    const element = c as unknown as { toTerraform?: () => unknown; terraformResourceType?: string };
    if (typeof element.toTerraform !== 'function' || !element.terraformResourceType) continue;
    const body = element.toTerraform() as { resource?: Record<string, Record<string, unknown>> };
    for (const config of Object.values(body.resource?.[element.terraformResourceType] ?? {})) {
      walk(config, [], (field) => found.push({ path: c.node.path, field }));
    }
  }
  return found;
}

function walk(v: unknown, path: string[], report: (field: string) => void): void {
  if (typeof v === 'string') {
    const key = path[path.length - 1] ?? '';
    if (SECRET_KEY.test(key) && v !== '' && !isIndirect(v)) report(path.join('.'));
    const env = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(v);
    if (env && SECRET_KEY.test(env[1]) && !isIndirect(env[2])) report(`${path.join('.')} (${env[1]})`);
    return;
  }
  if (Array.isArray(v)) {
    const last = path[path.length - 1] ?? '';
    v.forEach((x, i) => walk(x, [...path.slice(0, -1), `${last}[${i}]`], report));
    return;
  }
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) walk(x, [...path, k], report);
  }
}
