/**
 * Fault drill: interrupting `streamform deploy` while OpenTofu applies, then deploying again.
 * Runs the real bin/streamform (cdktf, OpenTofu, kreuzwerker/docker) as a child process, signalled
 * as a user would. Starts: the dev platform of its own instance (containers, volumes and a network
 * prefixed `sf-drill-int`, ports shifted by 12000: Kafka on 21092), removed at the end. Never
 * touches the shared test platform.
 */
import * as fs from 'fs';
import { processTable, descendants } from '../../src/tools/toolchain/processes';
import { forceCleanup } from '../../src/tools/testkit/instance';
import {
  addressesInState,
  cli,
  drillInstance,
  journal,
  lockInfo,
  planExitCode,
  processesIn,
  seconds,
  startCli,
  untracked,
} from '../support/drill';

jest.setTimeout(20 * 60_000);

const STACK = 'platform-dev';
const inst = drillInstance('sf-drill-int', 12000);
const KAFKA_CREATING = /docker_container\.\S+ \(Platform\/Kafka\/Container\): Creating\.\.\./;

beforeAll(async () => {
  await forceCleanup(inst.name);
});

afterAll(async () => {
  await cli(['destroy', STACK, '--auto-approve'], inst.env).catch(() => undefined);
  await forceCleanup(inst.name);
  fs.rmSync(inst.dir, { recursive: true, force: true });
});

/** After a deploy that must have converged: everything declared is tracked, nothing else exists, no lock, no record. */
async function expectConverged(): Promise<void> {
  expect(await untracked(inst, STACK)).toEqual([]);
  expect(fs.existsSync(lockInfo(inst, STACK))).toBe(false);
  expect(fs.existsSync(journal(inst, STACK))).toBe(false);
  const plan = await planExitCode(inst, STACK);
  expect({ code: plan.code, plan: plan.code === 0 ? '' : plan.output }).toEqual({ code: 0, plan: '' });
  expect(processesIn(inst.outdir)).toEqual([]);
}

test('SIGINT during apply: OpenTofu stops gracefully, state saved, no lock, nothing left running; deploying again converges', async () => {
  const deploy = startCli(['deploy', STACK], inst.env);
  await deploy.waitFor(KAFKA_CREATING, 5 * 60_000);
  await new Promise((r) => setTimeout(r, 1000)); // the Kafka container is being created and started
  const signalled = Date.now();
  deploy.child.kill('SIGINT');
  const r = await deploy.exited;
  const stopMs = Date.now() - signalled;
  process.stderr.write(
    `\n[drill] SIGINT → streamform exited ${r.code} after ${seconds(stopMs)}\n${r.stderr.split('streamform deploy:')[1] ?? r.stderr}\n`,
  );

  expect(r.code).toBe(130);
  expect(stopMs).toBeLessThan(60_000);
  expect(r.stderr).toContain('SIGINT received: OpenTofu stops gracefully');
  expect(r.stderr).toContain('platform-dev: deploy interrupted (SIGINT); OpenTofu stopped gracefully and saved its state.');
  expect(r.stderr).toMatch(/in flight when it stopped: .*docker_container\.Platform_Kafka_Container/);
  expect(r.stderr).toMatch(/state lock: (none left|released)/);
  expect(r.stderr).toContain('Deploy again to continue');
  // nothing applies unseen: cdktf, OpenTofu and the plugins are gone
  expect(processesIn(inst.outdir)).toEqual([]);
  expect(fs.existsSync(lockInfo(inst, STACK))).toBe(false);
  // the state was saved: what was created is in it, the apply was not complete
  const saved = addressesInState(inst, STACK);
  expect(saved.size).toBeGreaterThan(0);
  expect(saved.size).toBeLessThan(9);

  const again = await cli(['deploy', STACK], inst.env);
  process.stderr.write(`[drill] deploy again: exit ${again.code} in ${seconds(again.ms)}\n`);
  expect({ code: again.code, stderr: again.code === 0 ? '' : again.stderr }).toEqual({ code: 0, stderr: '' });
  expect(again.stderr).toContain('the last deploy of this stack was interrupted (SIGINT');
  await expectConverged();
});

test('an interrupt while OpenTofu is killed mid-create: reported, its lock released, and the next deploy adopts what it left outside the state', async () => {
  const down = await cli(['destroy', STACK, '--auto-approve'], inst.env);
  expect(down.code).toBe(0);
  const deploy = startCli(['deploy', STACK], inst.env);
  await deploy.waitFor(KAFKA_CREATING, 5 * 60_000);
  await new Promise((r) => setTimeout(r, 500));
  // OpenTofu dies hard (OOM, kill -9) just as the user presses Ctrl-C
  const tofu = descendants(processTable(), deploy.child.pid!).find((p) => p.comm === 'tofu' && p.sid === p.pid);
  expect(tofu).toBeDefined();
  process.kill(-tofu!.pgid, 'SIGKILL');
  deploy.child.kill('SIGINT');
  const r = await deploy.exited;
  process.stderr.write(
    `\n[drill] kill -9 OpenTofu + SIGINT → exit ${r.code} after the signal\n${r.stderr.split('streamform deploy:')[1] ?? r.stderr}\n`,
  );

  expect(r.code).toBe(130);
  expect(r.stderr).toContain('OpenTofu ended without stopping gracefully (killed or crashed)');
  expect(r.stderr).toMatch(/outside the state: .*container sf-drill-int-kafka/);
  // the killed OpenTofu could not release its lock; streamform did
  expect(r.stderr).toContain('state lock: released (the lock the stopped OpenTofu left');
  expect(fs.existsSync(lockInfo(inst, STACK))).toBe(false);
  expect(processesIn(inst.outdir)).toEqual([]);
  expect(JSON.parse(fs.readFileSync(journal(inst, STACK), 'utf8')).untracked.map((u: { name: string }) => u.name)).toContain(
    'sf-drill-int-kafka',
  );

  // before this change: "Conflict. The container name ... is already in use" until cleaned by hand
  const again = await cli(['deploy', STACK], inst.env);
  process.stderr.write(`[drill] deploy again: exit ${again.code} in ${seconds(again.ms)}\n`);
  expect({ code: again.code, stderr: again.code === 0 ? '' : again.stderr }).toEqual({ code: 0, stderr: '' });
  expect(again.stderr).toMatch(
    /adopted container sf-drill-int-kafka \(\w+\) as docker_container\.Platform_Kafka_Container_\w+ \(created by the interrupted run\)/,
  );
  await expectConverged();
});
