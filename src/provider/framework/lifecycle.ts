import { ctyEqual, CtyValue, UNKNOWN } from '../plugin/cty';
import { AnyResource, CreatedButFailedError, Diagnostic, DiagnosticError, error, ResourceContext } from './resource';
import { Attrs, StateOf } from './schema';

/**
 * The plan and apply rules every resource shares, over decoded values (the server decodes and
 * encodes around them; tests call them directly): unknown computed values, forced replacement,
 * the resource's own plan logic, deletion protection, tainted objects after a failed create.
 */

/** A decoded object value (a resource's state, plan or configuration). */
export type ObjectValue = Record<string, CtyValue>;

/** A resource's state as the cty value it is: the zod types of attributes describe cty values only. */
export function ctyOf(state: StateOf<Attrs> | null): ObjectValue | null {
  return state as ObjectValue | null;
}

export interface ChangeRequest {
  /** Current state; null when the object is to be created. */
  readonly prior: ObjectValue | null;
  /** OpenTofu's proposal (configuration merged with prior state); null when the object is to be destroyed. */
  readonly proposed: ObjectValue | null;
  /** The configuration as written; null when the object is to be destroyed. */
  readonly config: ObjectValue | null;
}

export interface PlannedChange {
  /** The planned state; null when the object is destroyed. */
  readonly planned: ObjectValue | null;
  /** Attributes whose change replaces the object (empty: created, updated in place or destroyed). */
  readonly requiresReplace: readonly string[];
}

export interface PlanContext<C> extends Omit<ResourceContext<C>, 'clients'> {
  /** Undefined while the provider is not configured (a plan may come first). */
  readonly clients: C | undefined;
}

export async function planChange<C>(
  r: AnyResource<C>,
  change: ChangeRequest,
  ctx: PlanContext<C>,
  diagnostics: Diagnostic[],
): Promise<PlannedChange> {
  const { prior, proposed, config } = change;
  const attributes = Object.entries(r.schema.attributes as Attrs);
  if (proposed === null) {
    if (prior) refuseIfProtected(r, prior, 'destroy', [], diagnostics);
    return { planned: null, requiresReplace: [] };
  }
  const planned: ObjectValue = { ...proposed };
  for (const [name, a] of attributes) {
    const computed = a.flags.presence === 'computed' || a.flags.presence === 'optional_computed';
    if (prior === null && computed && (config?.[name] ?? null) === null) planned[name] = UNKNOWN;
  }
  const requiresReplace = new Set<string>();
  if (prior !== null) {
    for (const [name, a] of attributes) {
      if (a.flags.forceNew && !ctyEqual(prior[name], planned[name])) requiresReplace.add(name);
    }
  }
  if (r.plan) {
    await r.plan({ prior, config: config ?? {}, planned, requiresReplace, diagnostics, ...ctx });
  }
  if (prior !== null && requiresReplace.size > 0) {
    refuseIfProtected(r, prior, 'replace', [...requiresReplace], diagnostics);
    // Computed values of a replaced object are not known until it exists again.
    for (const [name, a] of attributes) {
      if (a.flags.presence === 'computed' && !requiresReplace.has(name) && name !== 'id') planned[name] = UNKNOWN;
    }
  }
  return { planned, requiresReplace: [...requiresReplace] };
}

/**
 * Carries out a planned change: delete (planned null), create (prior null) or update. A create
 * that fails after the object exists yields that object's state and an error diagnostic, so
 * OpenTofu records it (tainted) instead of losing track of it.
 */
export async function applyChange<C>(
  r: AnyResource<C>,
  prior: ObjectValue | null,
  planned: ObjectValue | null,
  ctx: ResourceContext<C>,
  diagnostics: Diagnostic[],
): Promise<ObjectValue | null> {
  if (planned === null) {
    if (prior === null) return null;
    const refused: Diagnostic[] = [];
    refuseIfProtected(r, prior, 'destroy', [], refused);
    if (refused.length > 0) throw new DiagnosticError(refused[0]);
    await r.delete(prior, ctx);
    return null;
  }
  try {
    return ctyOf(prior === null ? await r.create(planned, ctx) : await r.update(prior, planned, ctx));
  } catch (err) {
    if (!(err instanceof CreatedButFailedError)) throw err;
    diagnostics.push(err.diagnostic);
    return err.state as ObjectValue;
  }
}

/**
 * The one refusal of a protected object, whatever the resource: names the object and its type,
 * what would be lost, and how to proceed on purpose.
 */
function refuseIfProtected<C>(
  r: AnyResource<C>,
  prior: ObjectValue,
  action: 'destroy' | 'replace',
  forcedBy: readonly string[],
  diagnostics: Diagnostic[],
): void {
  const protection = r.deletionProtection;
  if (!protection || prior.deletion_protection !== true) return;
  const object = protection.object(prior);
  const change =
    action === 'destroy'
      ? `destroy ${object}`
      : `replace ${object} (destroy it and create it again${forcedBy.length > 0 ? `, because ${forcedBy.join(', ')} cannot change in place` : ''})`;
  diagnostics.push(
    error(
      `${object} is protected`,
      `This plan would ${change}, losing ${protection.loses(prior)}. deletion_protection is true on this ${r.typeName}, so the provider refuses. ` +
        'If that is intended, set deletion_protection = false (protect: false on the construct) in a reviewed change and apply it first; then plan this change again.',
      ['deletion_protection'],
    ),
  );
}
