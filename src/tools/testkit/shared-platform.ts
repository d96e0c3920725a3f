/**
 * One dev platform shared by the integration suites that need servers but do not test the
 * platform itself (provider, pipelines, CLI): deployed once per jest run by global-setup.ts with the
 * real `cdktf deploy` (prefix `sf-it-shared`, ports 30092/29081/29083/29088, the last its ksqldb
 * container), destroyed by global-teardown.ts unless STREAMFORM_IT_KEEP=1.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalKafkaPlatform, LOCAL_IMAGES, PlatformEndpoints } from '../../../constructs/platform';
import { REPO_ROOT } from '../toolchain/paths';
import { startKsqlServer, type KsqlServer, type KsqlServerOptions } from '../ksqldb/server';
import { DevInstance, devInstance } from './instance';

export const SHARED_NAME = 'sf-it-shared';
export const SHARED_OFFSET = 21000;

export function sharedInstance(): DevInstance {
  const inst = devInstance(SHARED_NAME, SHARED_OFFSET);
  // A fixed state folder, so a kept platform is found again by the next run.
  const state = path.join(REPO_ROOT, '.streamform', 'it', SHARED_NAME);
  fs.mkdirSync(state, { recursive: true });
  return { ...inst, env: { ...inst.env, STREAMFORM_STATE_DIR: state } };
}

export function sharedEndpoints(): PlatformEndpoints {
  return LocalKafkaPlatform.hostEndpoints(
    { kafka: 9092 + SHARED_OFFSET, schemaRegistry: 8081 + SHARED_OFFSET, connect: 8083 + SHARED_OFFSET, ksqldb: 8088 + SHARED_OFFSET },
    LOCAL_IMAGES,
    true,
  );
}

export const SHARED_MARKER = path.join(os.tmpdir(), `${SHARED_NAME}.json`);

/**
 * A local ksqlDB server (src/tools/ksqldb) over the shared platform's Kafka and Schema
 * Registry, on its own service id (so servers of different suites never share a command topic);
 * closing it deletes its internal topics and consumer groups.
 */
export async function startSharedKsqldb(options: KsqlServerOptions = {}): Promise<KsqlServer> {
  const e = sharedEndpoints();
  return startKsqlServer({
    port: 0,
    bootstrapServers: e.bootstrapServers,
    schemaRegistryUrl: e.schemaRegistryUrl,
    serviceId: `it_${process.pid}_${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}_`,
    cleanUpOnClose: true,
    ...options,
  });
}
