/**
 * Reviewed = applied: a plan saved with its record is applied exactly; a saved plan is refused when
 * the state changed since (another apply ran: OpenTofu's stale-plan check), when the code changed
 * since (the synthesized configuration differs), or when its review refused it. Real OpenTofu and
 * the streamform provider against the shared test platform's Kafka; topics `sp-<run>.*`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { topic as topicRes } from '../../src/gen/providers/streamform';
import { KafkaAdminClient } from '../../src/provider/clients/kafka';
import { review, runPlan } from '../../src/tools/gitops/plan-review';
import { applySaved, saveStackPlan, SavedPlanRefused } from '../../src/tools/gitops/saved-plan';
import { sharedEndpoints } from '../../src/tools/testkit/shared-platform';
import { Workspace } from '../../src/tools/testkit/workspace';

jest.setTimeout(10 * 60_000);

const e = sharedEndpoints();
const T = `sp-${Date.now().toString(36)}`;
let ws: Workspace;
let kafka: KafkaAdminClient;
const stackDir = () => path.dirname(ws.configFile);

function synth(names: readonly string[]): void {
  ws.synth((stack, provider) => {
    for (const n of names) new topicRes.Topic(stack, `T_${n}`, { provider, name: `${T}.${n}`, partitions: 1, replicationFactor: 1 });
  });
}

/** Plans the workspace as it is synthesized now and saves the plan to `file`. */
async function planAndSave(file: string, refused = false): Promise<string> {
  const r = review(await runPlan(stackDir(), ws.env), { protect: false, allowDestructive: false }, { stack: ws.name, env: 'dev' });
  expect(r.ok).toBe(true);
  const target = path.join(ws.dir, file);
  saveStackPlan(stackDir(), target, { stack: ws.name, env: 'dev', refused, totals: r.totals });
  return target;
}

const topics = async () => (await kafka.listTopics()).filter((t) => t.startsWith(`${T}.`)).sort();

beforeAll(async () => {
  kafka = new KafkaAdminClient({ bootstrapServers: [e.bootstrapServers] });
  ws = new Workspace('saved-plan', { bootstrapServers: e.bootstrapServers });
  synth(['a']);
  await ws.init();
});

afterAll(async () => {
  synth([]);
  await ws.apply(true);
  await kafka.close();
});

test('a saved plan is applied exactly, and another plan saved before that apply is then stale', async () => {
  const first = await planAndSave('first.tfplan');
  const twin = await planAndSave('twin.tfplan');
  expect(fs.existsSync(`${first}.json`)).toBe(true);
  await applySaved(first, stackDir(), ws.env);
  expect(await topics()).toEqual([`${T}.a`]);
  // same code, but the state moved on: OpenTofu refuses, and so do we, saying why
  const refusal = await applySaved(twin, stackDir(), ws.env).catch((err: unknown) => err);
  expect(refusal).toBeInstanceOf(SavedPlanRefused);
  expect((refusal as Error).message).toContain('the state changed since this plan was made');
});

test('a saved plan is refused when the code changed since, before anything is applied', async () => {
  synth(['a', 'b']);
  const planned = await planAndSave('b.tfplan');
  synth(['a', 'c']);
  const refusal = await applySaved(planned, stackDir(), ws.env).catch((err: unknown) => err);
  expect(refusal).toBeInstanceOf(SavedPlanRefused);
  expect((refusal as Error).message).toContain('the code changed since this plan was made');
  expect(await topics()).toEqual([`${T}.a`]);
});

test('a saved plan the review refused is never applied', async () => {
  synth(['a', 'd']);
  const planned = await planAndSave('refused.tfplan', true);
  await expect(applySaved(planned, stackDir(), ws.env)).rejects.toThrow('the review of this plan refused it');
  expect(await topics()).toEqual([`${T}.a`]);
});
