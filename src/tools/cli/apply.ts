/** `streamform apply <plan-file>`: applies exactly a plan saved by `streamform plan --save`. */
import * as path from 'path';
import { EnvName } from '../../../stacks/environments';
import { applySaved, readRecord, SavedPlanRefused } from '../gitops/saved-plan';
import { ParsedArgs, UsageError } from './args';
import { stackDir, synth } from './cdktf';
import { prepareEnvironment } from './plan';
import { parseProgressLine, ResourceAction } from './tofu-progress';

export async function applyCommand(args: ParsedArgs): Promise<void> {
  const planFile = args.positionals[1];
  if (!planFile)
    throw new UsageError('name the plan file, e.g. `streamform apply ratings-staging.tfplan` (saved by `streamform plan --save`)', 2);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const abs = path.resolve(planFile);
  let record;
  try {
    record = readRecord(abs);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  log(`synthesizing the app to check that ${planFile} was made from this code …`);
  await synth();
  const pipeline = record.stack.slice(0, -record.env.length - 1);
  const env = await prepareEnvironment({ pipeline, env: record.env as EnvName, stack: record.stack });
  const counts: Record<ResourceAction, number> = { create: 0, update: 0, destroy: 0 };
  log(`applying ${planFile} to ${record.stack} …`);
  try {
    await applySaved(abs, stackDir(record.stack), env, (line) => {
      const e = parseProgressLine(line);
      if (!e) return;
      log(`  ${e.text}`);
      if (e.done) counts[e.action]++;
    });
  } catch (err) {
    if (err instanceof SavedPlanRefused) throw new UsageError(err.message);
    throw err;
  }
  log(`applied ${record.stack}: ${counts.create} created, ${counts.update} changed, ${counts.destroy} destroyed`);
}
