import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { KsqlClient } from '../../provider/clients/ksqldb';
import { paths, REPO_ROOT, stateDir } from '../toolchain/paths';

/**
 * ksqlDB for the dev environment. No ksqlDB server can be obtained from the registries this
 * machine reaches, so when the local platform has none (and STREAMFORM_KSQLDB_URL names none),
 * the dev environment runs streamform's local ksqlDB (src/tools/ksqldb): ksqlDB's REST protocol
 * and language over the platform's Kafka and Schema Registry, its persistent queries consuming and
 * producing for real. It runs detached, so deployed queries keep running after the command ends;
 * its statements live in its command topic, so a restart brings them back.
 */
export interface DevKsqldb {
  readonly url: string;
  /** True when streamform's local ksqlDB answers (and not Confluent's). */
  readonly local: boolean;
}

function pidFile(name: string): string {
  return path.join(stateDir(), `ksqldb-local-${name}.pid`);
}

/** Where an earlier checkout recorded the stand-in it started. */
function legacyPidFile(name: string): string {
  return path.join(stateDir(), `ksqldb-standin-${name}.pid`);
}

function logFile(name: string): string {
  return path.join(paths.logs(), `ksqldb-local-${name}.log`);
}

async function answers(url: string): Promise<string | undefined> {
  try {
    const info = await new KsqlClient({ url, timeoutMs: 2000 }, { attempts: 1 }).info();
    return info.version;
  } catch {
    return undefined;
  }
}

/** Whether something listens on the URL (a server still starting answers 503). */
async function listens(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/chc/live`, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts the local ksqlDB on the URL's port over the platform's Kafka (and Schema Registry)
 * unless something already answers there; waits until it serves.
 */
export async function ensureDevKsqldb(
  instance: string,
  url: string,
  bootstrapServers: string,
  schemaRegistryUrl?: string,
): Promise<DevKsqldb> {
  const pid = readPid(instance);
  if (await answers(url)) return { url, local: pid !== undefined };
  if (!(await listens(url))) {
    const port = new URL(url).port;
    const main = path.join(REPO_ROOT, 'dist', 'src', 'tools', 'ksqldb', 'main.js');
    fs.mkdirSync(paths.logs(), { recursive: true });
    const log = fs.openSync(logFile(instance), 'a');
    const args = [main, '--port', port, '--bootstrap-servers', bootstrapServers, '--service-id', `${instance}_`];
    if (schemaRegistryUrl) args.push('--schema-registry', schemaRegistryUrl);
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log] });
    child.unref();
    fs.writeFileSync(pidFile(instance), String(child.pid));
  }
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (await answers(url)) return { url, local: true };
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the local ksqlDB did not answer on ${url}; see ${logFile(instance)}`);
}

function readPid(instance: string): number | undefined {
  for (const f of [pidFile(instance), legacyPidFile(instance)]) {
    try {
      return Number(fs.readFileSync(f, 'utf8'));
    } catch {
      // not started by this checkout
    }
  }
  return undefined;
}

/** Stops a local ksqlDB this checkout started for the instance. */
export function stopDevKsqldb(instance: string): boolean {
  const pid = readPid(instance);
  fs.rmSync(pidFile(instance), { force: true });
  fs.rmSync(legacyPidFile(instance), { force: true });
  if (!pid) return false;
  try {
    process.kill(pid, 'SIGTERM');
    return true;
  } catch {
    return false;
  }
}
