/** Plan JSON shaped as `tofu show -json` writes it, for tests of the plan review. */
import { PlanJson } from '../../src/tools/gitops/plan-review';

export type PlanChange = NonNullable<PlanJson['resource_changes']>[number];

/** One managed resource change: `<type>.<id>` going from `before` to `after` by `actions`. */
export function planChange(
  type: string,
  id: string,
  actions: string[],
  before: object | null,
  after: object | null,
  extra: Partial<PlanChange['change']> = {},
): PlanChange {
  return {
    address: `${type}.${id}`,
    type,
    mode: 'managed',
    change: { actions, before: before as Record<string, unknown> | null, after: after as Record<string, unknown> | null, ...extra },
  };
}
