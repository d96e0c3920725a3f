import { TerraformStack, TerraformVariable } from 'cdktf';
import { IConstruct } from 'constructs';

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
    /** For people: where the value comes from, e.g. `variable db_password (TF_VAR_db_password)`. */
    readonly description: string,
  ) {}
}
