/** Finding secrets written as literals (connector configs, whole stacks). */
import { Token } from 'cdktf';
import { Construct } from 'constructs';

import { SECRET_KEY } from '../../src/core/rules';

export { SECRET_KEY };

/** True for values that are not a literal: a cdktf token or a Connect config-provider placeholder. */
export function isIndirect(value: string): boolean {
  return Token.isUnresolved(value) || /^\$?\$\{(env|file|directory|vault):/.test(value);
}

/** Resource attributes whose secrets their construct checks itself (with a better message). */
const checkedByConstruct = new WeakMap<object, Set<string>>();

/** The construct of `resource` reports literal secrets of `attribute` itself: the stack scan skips it. */
export function secretsCheckedByConstruct(resource: object, attribute: string): void {
  const set = checkedByConstruct.get(resource) ?? new Set<string>();
  set.add(attribute);
  checkedByConstruct.set(resource, set);
}

/** A secret written as a literal: where, which attribute, and whether it is a provider's. */
interface LiteralSecret {
  readonly path: string;
  readonly field: string;
  /** Set when the attribute belongs to a provider configuration rather than a resource. */
  readonly provider?: boolean;
}

/**
 * Finds secrets written as literals anywhere in a stack's resources and provider configurations:
 * attributes named like a secret, and `NAME=value` entries (container environments) whose name is a
 * secret's.
 */
export function literalSecrets(stack: Construct): LiteralSecret[] {
  const found: LiteralSecret[] = [];
  for (const c of stack.node.findAll()) {
    // resources and providers (a provider's terraformResourceType is its name)
    const element = c as unknown as { toTerraform?: () => unknown; terraformResourceType?: string };
    if (typeof element.toTerraform !== 'function' || !element.terraformResourceType) continue;
    const body = element.toTerraform() as {
      resource?: Record<string, Record<string, unknown>>;
      provider?: Record<string, Record<string, unknown>[]>;
    };
    const skip = checkedByConstruct.get(c);
    for (const config of Object.values(body.resource?.[element.terraformResourceType] ?? {})) {
      const attributes = Object.entries(config as Record<string, unknown>).filter(([k]) => !skip?.has(k));
      walk(Object.fromEntries(attributes), [], (field) => found.push({ path: c.node.path, field }));
    }
    for (const blocks of Object.values(body.provider ?? {})) {
      for (const block of blocks) walk(block, [], (field) => found.push({ path: c.node.path, field, provider: true }));
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
