/**
 * Reviewed = applied: `streamform plan --save <file>` keeps OpenTofu's plan file with a record of
 * what it was made from; `streamform apply <file>` applies exactly that plan, and refuses it when
 * the code changed since (the synthesized configuration differs) or the state did (OpenTofu's own
 * stale-plan check: another apply ran in between).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { run } from '../toolchain/run';
import { stackProviders, withSharedProvider } from '../toolchain/shared-provider';
import { initializedTofu, PLAN_FILE } from './plan-review';

const SAVED_PLAN_FORMAT = 'streamform-saved-plan/1';

const SavedPlanRecord = z.object({
  format: z.literal(SAVED_PLAN_FORMAT),
  stack: z.string(),
  env: z.string(),
  /** sha256 of the synthesized stack configuration (cdk.tf.json) the plan was made from. */
  configHash: z.string(),
  /** The git commit of the checkout, and whether its tree had uncommitted changes. */
  commit: z.string().optional(),
  cleanTree: z.boolean().optional(),
  createdAt: z.string(),
  /** The review's verdict: plans the environment refused are never applied. */
  refused: z.boolean(),
  totals: z.object({ create: z.number(), update: z.number(), replace: z.number(), delete: z.number(), dataLoss: z.number() }),
});
type SavedPlanRecord = z.infer<typeof SavedPlanRecord>;

/** The record kept next to a saved plan file. */
export const recordPath = (planFile: string): string => `${planFile}.json`;

/** sha256 of a synthesized stack's configuration. */
export function configHash(stackDir: string): string {
  return createHash('sha256')
    .update(fs.readFileSync(path.join(stackDir, 'cdk.tf.json')))
    .digest('hex');
}

/** Copies OpenTofu's plan file to `target` and writes its record next to it. */
export function savePlan(planFile: string, target: string, record: Omit<SavedPlanRecord, 'format'>): void {
  fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
  fs.copyFileSync(planFile, target);
  fs.writeFileSync(recordPath(target), JSON.stringify({ format: SAVED_PLAN_FORMAT, ...record }, null, 2) + '\n');
}

/**
 * Keeps the plan runPlan last made in `stackDir` at `target`, with its record: the hash of the
 * stack's configuration as synthesized now and the time are filled in.
 */
export function saveStackPlan(
  stackDir: string,
  target: string,
  record: Omit<SavedPlanRecord, 'format' | 'configHash' | 'createdAt'>,
): void {
  savePlan(path.join(stackDir, PLAN_FILE), target, { ...record, configHash: configHash(stackDir), createdAt: new Date().toISOString() });
}

/** A saved plan's record; an error naming the file and the fix when missing or not one. */
export function readRecord(planFile: string): SavedPlanRecord {
  if (!fs.existsSync(planFile))
    throw new Error(`no plan file at ${planFile}; make one with \`streamform plan <pipeline> --env <env> --save ${planFile}\``);
  const file = recordPath(planFile);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    throw new Error(`${planFile} has no readable record ${file}: only plans saved by \`streamform plan --save\` can be applied`);
  }
  const parsed = SavedPlanRecord.safeParse(raw);
  if (!parsed.success)
    throw new Error(`${file} is not a ${SAVED_PLAN_FORMAT} record (${z.prettifyError(parsed.error).replace(/\n/g, '; ')})`);
  return parsed.data;
}

/** Why a saved plan may not be applied to the configuration synthesized now, or undefined. */
export function staleness(record: SavedPlanRecord, currentHash: string): string | undefined {
  if (record.refused)
    return `the review of this plan refused it (${record.env} forbids a change in it); plan again after fixing, or with --allow-destructive after review`;
  if (record.configHash !== currentHash)
    return `the code changed since this plan was made${record.commit ? ` at ${record.commit.slice(0, 12)}` : ''}: the configuration synthesized now differs from the planned one; plan again and review that plan`;
  return undefined;
}

/** A saved plan refused before OpenTofu ran, with why. */
export class SavedPlanRefused extends Error {}

/**
 * Applies the saved plan `planFile` in the synthesized stack folder `stackDir` (synthesized from
 * the code as it is now): refused when its record says the review refused it, when the
 * configuration differs from the planned one, or when OpenTofu finds the state changed since.
 * `onLine` gets OpenTofu's output; resolves what it reported done.
 */
export async function applySaved(
  planFile: string,
  stackDir: string,
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void = () => undefined,
): Promise<SavedPlanRecord> {
  const record = readRecord(planFile);
  if (!fs.existsSync(path.join(stackDir, 'cdk.tf.json')))
    throw new SavedPlanRefused(`${planFile} is a plan of ${record.stack}, which this app does not define`);
  const stale = staleness(record, configHash(stackDir));
  if (stale) throw new SavedPlanRefused(`refusing to apply ${planFile} (${record.stack}): ${stale}`);
  const bin = await initializedTofu(stackDir, env);
  try {
    await withSharedProvider(stackProviders(stackDir), env, (reattach) =>
      run(bin, ['apply', '-input=false', '-no-color', path.resolve(planFile)], { cwd: stackDir, env: { ...env, ...reattach }, onLine }),
    );
  } catch (err) {
    const output = (err as { output?: string }).output ?? String(err);
    if (/Saved plan is stale/.test(output)) {
      throw new SavedPlanRefused(
        `refusing to apply ${planFile} (${record.stack}): the state changed since this plan was made (another apply ran in between), so it no longer describes what would change; plan again and review that plan`,
      );
    }
    throw err;
  }
  return record;
}
