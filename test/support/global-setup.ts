import * as fs from 'fs';
import { deploy } from './instance';
import { SHARED_MARKER, sharedInstance } from './shared-platform';

/** Deploys the shared platform (idempotent: a kept platform is only re-planned). */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const inst = sharedInstance();
  await deploy(inst, 'platform-dev');
  fs.writeFileSync(SHARED_MARKER, JSON.stringify({ deployedInMs: Date.now() - started }));
  process.stderr.write(`\nshared platform ${inst.name} ready in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}
