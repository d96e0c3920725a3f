/**
 * Fault drill: a deploy that finds the stack's platform running without state (the state file
 * lost, or another checkout's deployment). Runs the real bin/streamform as a child process.
 * Starts: the dev platform of its own instance (containers, volumes and a network prefixed
 * `sf-drill-left`, ports shifted by 13000: Kafka on 22092) and a topic of 100 messages in it,
 * removed at the end. Never touches the shared test platform.
 */
import * as fs from 'fs';
import { forceCleanup } from '../../src/tools/testkit/instance';
import {
  addressesInState,
  cli,
  containerIds,
  drillInstance,
  messageCount,
  planExitCode,
  produceMessages,
  seconds,
  statePath,
  untracked,
} from '../support/drill';

jest.setTimeout(20 * 60_000);

const STACK = 'platform-dev';
const TOPIC = 'drill-survivor';
const inst = drillInstance('sf-drill-left', 13000);
const CONTAINERS = ['sf-drill-left-kafka', 'sf-drill-left-schema-registry', 'sf-drill-left-connect', 'sf-drill-left-ksqldb'];

/** The state is lost: what a second checkout, or a deleted .streamform/state, looks like. */
function loseState(): void {
  fs.rmSync(statePath(inst, STACK), { force: true });
  fs.rmSync(`${statePath(inst, STACK)}.backup`, { force: true });
}

beforeAll(async () => {
  await forceCleanup(inst.name);
  const up = await cli(['deploy', STACK], inst.env);
  expect({ code: up.code, stderr: up.code === 0 ? '' : up.stderr }).toEqual({ code: 0, stderr: '' });
  await produceMessages(inst, TOPIC, 100);
  expect(await messageCount(inst, TOPIC)).toBe(100);
});

afterAll(async () => {
  await cli(['destroy', STACK, '--auto-approve'], inst.env).catch(() => undefined);
  await forceCleanup(inst.name);
  fs.rmSync(inst.dir, { recursive: true, force: true });
});

test('with no state over the running platform, deploy refuses, names every object and changes nothing', async () => {
  const before = await containerIds(inst.name);
  expect(Object.keys(before).sort()).toEqual([...CONTAINERS].sort());
  loseState();

  const r = await cli(['deploy', STACK], inst.env);
  process.stderr.write(`\n[drill] deploy with no state: exit ${r.code} in ${seconds(r.ms)}\n${r.stderr}\n`);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('platform-dev: 7 Docker object(s) of this stack exist but are not in its state (no state in');
  for (const c of CONTAINERS) expect(r.stderr).toMatch(new RegExp(`container ${c} \\(running\\)\\s+docker_container\\.`));
  for (const v of ['sf-drill-left-kafka-data', 'sf-drill-left-schema-registry-data']) expect(r.stderr).toContain(`volume ${v} (data)`);
  expect(r.stderr).toMatch(/network sf-drill-left\s+docker_network\./);
  expect(r.stderr).toContain('Nothing was changed');
  expect(r.stderr).toContain('--adopt');
  expect(r.stderr).not.toContain('Creating...');
  // the very same containers, still running; the data untouched
  expect(await containerIds(inst.name)).toEqual(before);
  expect(await messageCount(inst, TOPIC)).toBe(100);

  // a misspelt option is refused too, before anything runs
  const typo = await cli(['deploy', STACK, '--adpot'], inst.env);
  expect(typo.code).toBe(2);
  expect(typo.stderr).toContain('unknown option --adpot for deploy');
  expect(await containerIds(inst.name)).toEqual(before);
});

test('--adopt imports them into the state: the topic keeps its 100 messages and the next plan is empty', async () => {
  const r = await cli(['deploy', STACK, '--adopt'], inst.env);
  process.stderr.write(`\n[drill] deploy --adopt: exit ${r.code} in ${seconds(r.ms)}\n`);
  expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
  for (const c of CONTAINERS) expect(r.stderr).toContain(`adopted container ${c} (running)`);
  expect(r.stderr).toContain('adopted volume sf-drill-left-kafka-data (data)');
  expect(r.stderr).not.toMatch(/docker_volume\.\S+: Destroying/);
  expect(addressesInState(inst, STACK).size).toBe(11);
  expect(await untracked(inst, STACK)).toEqual([]);
  expect((await planExitCode(inst, STACK)).code).toBe(0);
  expect(await messageCount(inst, TOPIC)).toBe(100);
});

test('--replace removes the containers and creates them anew on the same volumes: the messages are still there', async () => {
  const before = await containerIds(inst.name);
  loseState();
  const r = await cli(['deploy', STACK, '--replace'], inst.env);
  process.stderr.write(`\n[drill] deploy --replace: exit ${r.code} in ${seconds(r.ms)}\n`);
  expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
  for (const c of CONTAINERS) expect(r.stderr).toContain(`removed container ${c} (--replace: created anew)`);
  expect(r.stderr).toContain('adopted volume sf-drill-left-kafka-data (data) as docker_volume.');
  expect(r.stderr).not.toContain('removed volume');
  const after = await containerIds(inst.name);
  for (const c of CONTAINERS) expect(after[c]).not.toEqual(before[c]);
  expect(await untracked(inst, STACK)).toEqual([]);
  expect(await messageCount(inst, TOPIC)).toBe(100);
});

test('only --replace --delete-data removes the volumes: then, and only then, the data is gone', async () => {
  loseState();
  const r = await cli(['deploy', STACK, '--replace', '--delete-data'], inst.env);
  process.stderr.write(`\n[drill] deploy --replace --delete-data: exit ${r.code} in ${seconds(r.ms)}\n`);
  expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(r.stderr).toContain('removed volume sf-drill-left-kafka-data (--delete-data: its data is gone)');
  expect(await untracked(inst, STACK)).toEqual([]);
  expect(await messageCount(inst, TOPIC)).toBe('no such topic');
});
