import * as fs from 'fs';
import { destroy, forceCleanup } from '../../src/tools/testkit/instance';
import { SHARED_MARKER, sharedInstance } from '../../src/tools/testkit/shared-platform';

export default async function globalTeardown(): Promise<void> {
  fs.rmSync(SHARED_MARKER, { force: true });
  if (process.env.STREAMFORM_IT_KEEP === '1') return;
  const inst = sharedInstance();
  await destroy(inst, 'platform-dev').catch(() => forceCleanup(inst.name));
}
