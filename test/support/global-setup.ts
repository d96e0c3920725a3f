import * as fs from 'fs';
import * as path from 'path';
import { removeDockerObjects } from '../../src/tools/toolchain/docker-objects';
import { deploy } from '../../src/tools/testkit/instance';
import { SHARED_MARKER, SHARED_NAME, sharedInstance } from '../../src/tools/testkit/shared-platform';

/**
 * Deploys the shared platform (idempotent: a kept platform is only re-planned). Docker objects of
 * an earlier platform whose state is gone (another checkout, an interrupted run) are removed first.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const inst = sharedInstance();
  if (!fs.existsSync(path.join(inst.env.STREAMFORM_STATE_DIR!, 'platform-dev.tfstate'))) {
    const removed = await removeDockerObjects(SHARED_NAME);
    if (removed.length > 0) process.stderr.write(`\nremoved ${removed.length} orphaned Docker object(s) of ${SHARED_NAME}\n`);
  }
  await deploy(inst, 'platform-dev');
  fs.writeFileSync(SHARED_MARKER, JSON.stringify({ deployedInMs: Date.now() - started }));
  process.stderr.write(`\nshared platform ${inst.name} ready in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
}
