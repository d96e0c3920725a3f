/**
 * One provider process per OpenTofu command: `streamform plan/apply/deploy` start the provider
 * once and let OpenTofu reattach to it (TF_REATTACH_PROVIDERS) in every phase, where plain OpenTofu
 * starts it for each phase. Counted by the processes' own statistics lines
 * (STREAMFORM_PROVIDER_STATS: one line per provider process, written as it exits), against the
 * shared platform's Kafka; the topics are created in one batched request.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { topic } from '../../src/gen/providers/streamform';
import { KafkaAdminClient } from '../../src/provider/clients/kafka';
import { runPlan } from '../../src/tools/gitops/plan-review';
import { startSharedProvider } from '../../src/tools/toolchain/shared-provider';
import { sharedEndpoints } from '../../src/tools/testkit/shared-platform';
import { Workspace } from '../../src/tools/testkit/workspace';

jest.setTimeout(5 * 60_000);

const e = sharedEndpoints();
const run = Date.now().toString(36);
const stats = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sf-shared-')), 'stats.jsonl');
const ws = new Workspace('shared', { bootstrapServers: e.bootstrapServers });
ws.env.STREAMFORM_PROVIDER_STATS = stats;
const names = Array.from({ length: 20 }, (_, i) => `shared-${run}-${i}`);

/** The provider processes that ran since the last call, with the Kafka requests each sent. */
function processes(): Record<string, number>[] {
  const lines = fs.existsSync(stats) ? fs.readFileSync(stats, 'utf8').split('\n').filter(Boolean) : [];
  fs.writeFileSync(stats, '');
  return lines.map((l) => (JSON.parse(l) as { requests: Record<string, number> }).requests);
}

beforeAll(async () => {
  ws.synth((stack) => {
    for (const name of names) new topic.Topic(stack, name, { name, partitions: 1, config: { 'retention.ms': '3600000' } });
  });
  await ws.init();
  processes();
});

afterAll(async () => {
  await ws.destroy(true);
  const admin = new KafkaAdminClient({ bootstrapServers: [e.bootstrapServers] });
  for (const t of (await admin.listTopics()).filter((n) => n.startsWith(`shared-${run}`))) await admin.deleteTopic(t);
  await admin.close();
  ws.cleanup();
});

test('an apply reattached to one provider process: one process, the 20 topics in a few batched CreateTopics requests', async () => {
  const provider = await startSharedProvider(ws.env);
  try {
    await ws.tofu(['apply', '-auto-approve', '-input=false', '-no-color', '-parallelism=50'], false, { ...ws.env, ...provider.env });
  } finally {
    await provider.stop();
  }
  const ran = processes();
  expect(ran).toHaveLength(1);
  // OpenTofu dispatches the 20 creates as its graph walk reaches them: they share one or two requests
  expect(ran[0]['kafka CreateTopics']).toBeLessThanOrEqual(3);
  const admin = new KafkaAdminClient({ bootstrapServers: [e.bootstrapServers] });
  expect((await admin.describeTopics(names)).size).toBe(20);
  await admin.close();
});

test('plain OpenTofu starts the provider in every phase; streamform plan (runPlan) starts it once and reviews the same plan', async () => {
  expect((await ws.plan()).code).toBe(0);
  expect(processes().length).toBeGreaterThanOrEqual(2);
  const planned = await runPlan(path.dirname(ws.configFile), ws.env);
  expect(planned.ok).toBe(true);
  expect(planned.plan?.resource_changes?.every((c) => c.change.actions.join() === 'no-op')).toBe(true);
  expect(processes()).toHaveLength(1);
});
