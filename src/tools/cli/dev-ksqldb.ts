import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { KsqlClient } from '../../provider/clients/ksqldb';
import { paths, REPO_ROOT, stateDir } from '../toolchain/paths';

/**
 * ksqlDB for the dev environment. No ksqlDB server can be obtained from the registries this
 * machine reaches, so when the local platform has none (and STREAMFORM_KSQLDB_URL names none),
 * the dev environment uses streamform's ksqlDB stand-in: a test double that answers ksqlDB's REST
 * protocol and keeps a catalog of streams, tables and queries, but processes no data. It runs
 * detached, so deployed ksql objects stay visible after the command ends.
 */
export interface DevKsqldb {
  readonly url: string;
  /** True when the stand-in answers (and not a real ksqlDB). */
  readonly standIn: boolean;
}

function pidFile(name: string): string {
  return path.join(stateDir(), `ksqldb-standin-${name}.pid`);
}

async function answers(url: string): Promise<string | undefined> {
  try {
    const info = await new KsqlClient({ url, timeoutMs: 2000 }, { attempts: 1 }).info();
    return info.version;
  } catch {
    return undefined;
  }
}

/** Starts the stand-in on the URL's port unless something already answers there. */
export async function ensureDevKsqldb(instance: string, url: string, bootstrapServers: string): Promise<DevKsqldb> {
  const pid = readPid(instance);
  if (await answers(url)) return { url, standIn: pid !== undefined };
  const port = new URL(url).port;
  const main = path.join(REPO_ROOT, 'dist', 'src', 'tools', 'ksqldb', 'main.js');
  fs.mkdirSync(paths.logs(), { recursive: true });
  const log = fs.openSync(path.join(paths.logs(), `ksqldb-standin-${instance}.log`), 'a');
  const child = spawn(process.execPath, [main, '--port', port, '--bootstrap', bootstrapServers, '--service-id', `${instance}_`], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  fs.writeFileSync(pidFile(instance), String(child.pid));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (await answers(url)) return { url, standIn: true };
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the ksqlDB stand-in did not answer on ${url}; see ${path.join(paths.logs(), `ksqldb-standin-${instance}.log`)}`);
}

function readPid(instance: string): number | undefined {
  try {
    return Number(fs.readFileSync(pidFile(instance), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Stops a stand-in this checkout started for the instance. */
export function stopDevKsqldb(instance: string): boolean {
  const pid = readPid(instance);
  fs.rmSync(pidFile(instance), { force: true });
  if (!pid) return false;
  try {
    process.kill(pid, 'SIGTERM');
    return true;
  } catch {
    return false;
  }
}
