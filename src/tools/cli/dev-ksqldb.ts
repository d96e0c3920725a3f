import * as fs from 'fs';
import * as path from 'path';
import { KsqlClient } from '../../provider/clients/ksqldb';
import { stateDir } from '../toolchain/paths';

/**
 * ksqlDB for the dev environment: the platform's `ksqldb` container (streamform's local ksqlDB
 * with the local images, Confluent's cp-ksqldb-server with Docker Hub images), deployed by
 * `cdktf deploy platform-dev` like Kafka and Connect, or the server STREAMFORM_KSQLDB_URL names.
 */

/** Waits until ksqlDB answers at `url` (a server still starting answers 503); its version. */
export async function waitForDevKsqldb(url: string, timeoutMs = 120_000): Promise<string> {
  const client = new KsqlClient({ url, timeoutMs: 2000 }, { attempts: 1 });
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      return (await client.info()).version;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(
    `ksqlDB at ${url} does not answer (${last}); deploy the platform (bin/streamform deploy platform-dev), whose ksqldb container serves it, or set STREAMFORM_KSQLDB_URL to a running ksqlDB`,
  );
}

/**
 * Before a stack is deployed or planned: when it has ksqlDB objects on a ksqlDB of this machine (a
 * local platform, maybe deployed just before, whose server may still be starting), waits until it
 * answers. `json` is the synthesized stack (cdk.tf.json).
 */
export async function waitForLocalKsqldb(json: {
  provider?: Record<string, Record<string, unknown>[] | undefined>;
  resource?: Record<string, unknown>;
}): Promise<void> {
  const url = json.provider?.streamform?.[0]?.ksqldb_url;
  const ksqlObjects = Object.keys(json.resource ?? {}).some((t) => t.startsWith('streamform_ksql_'));
  if (!ksqlObjects || typeof url !== 'string' || !/^https?:\/\/(localhost|127\.0\.0\.1)[:/]/.test(url)) return;
  await waitForDevKsqldb(url);
}

/**
 * Stops a ksqlDB process an earlier version of streamform started outside Docker for the
 * instance (its pid files in .streamform/): it would hold the port the platform's ksqldb
 * container publishes. True when one was stopped.
 */
export function stopLegacyDevKsqldb(instance: string): boolean {
  let stopped = false;
  for (const name of [`ksqldb-local-${instance}.pid`, `ksqldb-standin-${instance}.pid`]) {
    const file = path.join(stateDir(), name);
    let pid: number;
    try {
      pid = Number(fs.readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    fs.rmSync(file, { force: true });
    try {
      process.kill(pid, 'SIGTERM');
      stopped = true;
    } catch {
      // already gone
    }
  }
  return stopped;
}
