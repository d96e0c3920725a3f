/**
 * Drives one resource of the provider the way OpenTofu does, without gRPC: validate, plan (the
 * proposed new state OpenTofu computes, then the framework's planChange with the resource's own
 * plan logic), apply (a replacement is a destroy then a create), read, import. Checks the rules
 * OpenTofu enforces on providers: a plan keeps configured values (or the prior ones, as a
 * suppressed diff), and apply yields every value the plan knew.
 */
import { applyChange, ctyOf, ObjectValue, planChange, PlannedChange } from '../../src/provider/framework/lifecycle';
import { Diagnostic, Planned, ResourceContext, ResourceDefinition } from '../../src/provider/framework/resource';
import { Attrs, StateOf } from '../../src/provider/framework/schema';
import { containsUnknown, ctyEqual, CtyValue } from '../../src/provider/plugin/cty';
import { logger } from '../../src/provider/plugin/log';
import { ProviderClients } from '../../src/provider/provider-clients';

/** Configuration as a test writes it: attributes left out are null. */
export type Config<A extends Attrs> = Partial<StateOf<A>>;

export interface Plan<A extends Attrs> extends Omit<PlannedChange, 'planned'> {
  readonly planned: Planned<StateOf<A>> | null;
  readonly diagnostics: Diagnostic[];
  readonly errors: Diagnostic[];
  readonly warnings: Diagnostic[];
}

export class InconsistentProviderError extends Error {}

export class Driver<A extends Attrs> {
  /** Aborts the operations in flight, like StopProvider. */
  readonly stop = new AbortController();

  constructor(
    readonly resource: ResourceDefinition<A, ProviderClients>,
    readonly clients: ProviderClients,
  ) {}

  get ctx(): ResourceContext<ProviderClients> {
    return { clients: this.clients, log: logger('test'), signal: this.stop.signal };
  }

  /** The configuration with every attribute of the schema (null where not given). */
  config(values: Config<A>): ObjectValue {
    const given = values as Record<string, CtyValue | undefined>;
    return Object.fromEntries(Object.keys(this.resource.schema.attributes).map((k) => [k, given[k] ?? null]));
  }

  validate(values: Config<A>): Diagnostic[] {
    const diagnostics: Diagnostic[] = [];
    this.resource.validate?.(this.config(values) as Planned<StateOf<A>>, diagnostics);
    return diagnostics;
  }

  /** Plans the change from `prior` (null: create) to `values` (null: destroy). */
  async plan(prior: StateOf<A> | null, values: Config<A> | null): Promise<Plan<A>> {
    const config = values === null ? null : this.config(values);
    const diagnostics: Diagnostic[] = [];
    const change = await planChange(
      this.resource,
      { prior: ctyOf(prior), proposed: this.proposed(prior, config), config },
      this.ctx,
      diagnostics,
    );
    if (config && change.planned) this.checkPlan(ctyOf(prior), config, change.planned);
    return {
      ...change,
      planned: change.planned as Planned<StateOf<A>> | null,
      diagnostics,
      errors: diagnostics.filter((d) => d.severity === 'ERROR'),
      warnings: diagnostics.filter((d) => d.severity === 'WARNING'),
    };
  }

  /** Plans and, when the plan has no error, applies: resolves the new state (null when destroyed). */
  async applyConfig(prior: StateOf<A> | null, values: Config<A> | null): Promise<{ state: StateOf<A> | null; plan: Plan<A> }> {
    const plan = await this.plan(prior, values);
    if (plan.errors.length > 0) throw new Error(`the plan failed: ${plan.errors.map((d) => `${d.summary}: ${d.detail}`).join('; ')}`);
    const { state, diagnostics } = await this.applyPlan(prior, plan);
    if (diagnostics.some((d) => d.severity === 'ERROR')) throw new Error(`apply failed: ${texts(diagnostics).join('; ')}`);
    return { state, plan };
  }

  /** Applies a plan (a replacement is a destroy, then a create): the new state and the diagnostics of apply. */
  async applyPlan(prior: StateOf<A> | null, plan: Plan<A>): Promise<{ state: StateOf<A> | null; diagnostics: Diagnostic[] }> {
    const diagnostics: Diagnostic[] = [];
    let current = ctyOf(prior);
    if (current && plan.requiresReplace.length > 0) current = await applyChange(this.resource, current, null, this.ctx, diagnostics);
    const next = await applyChange(this.resource, current, plan.planned as ObjectValue | null, this.ctx, diagnostics);
    if (next && plan.planned) this.checkApplied(plan.planned as ObjectValue, next);
    return { state: next as StateOf<A> | null, diagnostics };
  }

  read(state: StateOf<A>): Promise<StateOf<A> | null> {
    return this.resource.read(state, this.ctx);
  }

  /** `import` then the refresh OpenTofu does right after it. */
  async import(id: string): Promise<StateOf<A> | null> {
    return this.read(await this.resource.importState(id, this.ctx));
  }

  /** OpenTofu's proposed new state: the configuration, with prior values where it leaves computed attributes null. */
  private proposed(prior: StateOf<A> | null, config: ObjectValue | null): ObjectValue | null {
    if (config === null) return null;
    const p = ctyOf(prior);
    const out: ObjectValue = {};
    for (const [name, a] of Object.entries(this.resource.schema.attributes as Attrs)) {
      const computed = a.flags.presence === 'computed' || a.flags.presence === 'optional_computed';
      out[name] = config[name] === null && computed && p ? p[name] : config[name];
    }
    return out;
  }

  /** A planned value of an attribute the user sets is the configured one, or the prior one (a suppressed diff). */
  private checkPlan(prior: ObjectValue | null, config: ObjectValue, planned: ObjectValue): void {
    for (const [name, a] of Object.entries(this.resource.schema.attributes as Attrs)) {
      if (a.flags.presence === 'computed' || (a.flags.presence === 'optional_computed' && config[name] === null)) continue;
      if (ctyEqual(planned[name], config[name]) || (prior && ctyEqual(planned[name], prior[name]))) continue;
      throw new InconsistentProviderError(
        `invalid plan: ${name} is planned as ${String(planned[name])}, configured as ${String(config[name])}`,
      );
    }
  }

  /** Every value the plan knew is the value apply returned. */
  private checkApplied(planned: ObjectValue, applied: ObjectValue): void {
    for (const [name, value] of Object.entries(planned)) {
      if (containsUnknown(value)) continue;
      if (!ctyEqual(value, applied[name])) {
        throw new InconsistentProviderError(
          `inconsistent result after apply: ${name} was planned as ${JSON.stringify(value)}, apply returned ${JSON.stringify(applied[name])}`,
        );
      }
    }
  }
}

/** The text of diagnostics, for matching in expectations. */
export function texts(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.summary}: ${d.detail ?? ''}`);
}
