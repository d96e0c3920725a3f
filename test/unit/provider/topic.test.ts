/**
 * streamform_topic driven directly, over an in-memory Kafka admin client.
 */
import { topicResource } from '../../../src/provider/resources/topic';
import { fakeClients, FakeKafka } from '../../support/fake-servers';
import { Driver, texts } from '../../support/provider-driver';

function setup() {
  const kafka = new FakeKafka();
  const next = () => new Driver(topicResource, fakeClients({ kafka }));
  return { kafka, topic: next(), next };
}

test('create: the topic with its configs; the broker default replication factor when none is given', async () => {
  const { kafka, topic } = setup();
  const { state, plan } = await topic.applyConfig(null, { name: 'orders', partitions: 3, config: { 'retention.ms': '3600000' } });
  expect(plan.planned).toMatchObject({ id: 'orders', name: 'orders' });
  expect(state).toEqual({
    id: 'orders',
    name: 'orders',
    partitions: 3,
    replication_factor: 3,
    config: { 'retention.ms': '3600000' },
    allow_replacement: null,
    deletion_protection: null,
    exclusive_configs: null,
    unmanaged_configs: null,
  });
  expect(kafka.topics.get('orders')).toMatchObject({ partitions: 3, overrides: { 'retention.ms': '3600000' } });
});

test('a topic that exists already is not taken over by create', async () => {
  const { kafka, topic } = setup();
  await kafka.createTopic({ name: 'orders', partitions: 1, replicationFactor: 1, configs: {} });
  await expect(topic.applyConfig(null, { name: 'orders', partitions: 3 })).rejects.toThrow(/Topic orders already exists.*import/);
});

test('read compares only the configs set here: broker defaults are no diff, a changed value is drift', async () => {
  const { kafka, topic, next } = setup();
  const { state } = await topic.applyConfig(null, { name: 'orders', partitions: 3, config: { 'retention.ms': '3600000' } });
  expect(await next().read(state!)).toEqual(state);
  kafka.topics.get('orders')!.overrides['retention.ms'] = '1000';
  const drifted = await next().read(state!);
  expect(drifted!.config).toEqual({ 'retention.ms': '1000' });
  const { state: repaired, plan } = await topic.applyConfig(drifted, {
    name: 'orders',
    partitions: 3,
    config: { 'retention.ms': '3600000' },
  });
  expect(plan.requiresReplace).toEqual([]);
  expect(repaired!.config).toEqual({ 'retention.ms': '3600000' });
  kafka.topics.delete('orders');
  expect(await next().read(state!)).toBeNull();
});

test('more partitions are added in place; a removed config falls back to the broker default', async () => {
  const { kafka, topic } = setup();
  const { state } = await topic.applyConfig(null, {
    name: 'orders',
    partitions: 3,
    config: { 'retention.ms': '3600000', 'cleanup.policy': 'compact' },
  });
  const { state: next, plan } = await topic.applyConfig(state, { name: 'orders', partitions: 6, config: { 'cleanup.policy': 'compact' } });
  expect(plan.requiresReplace).toEqual([]);
  expect(kafka.calls.slice(-2)).toEqual(['createPartitions orders 6', 'setTopicConfigs orders']);
  expect(kafka.topics.get('orders')!.overrides).toEqual({ 'cleanup.policy': 'compact' });
  expect(next).toMatchObject({ partitions: 6, config: { 'cleanup.policy': 'compact' } });
});

test('fewer partitions: kept with a warning and the fix (Kafka cannot shrink), or a replacement with allow_replacement', async () => {
  const { kafka, topic } = setup();
  const { state } = await topic.applyConfig(null, { name: 'orders', partitions: 5 });
  const kept = await topic.plan(state, { name: 'orders', partitions: 2 });
  expect(kept.errors).toEqual([]);
  expect(kept.planned!.partitions).toBe(5);
  expect(texts(kept.warnings)).toEqual([
    expect.stringMatching(
      /^Topic orders has 5 partitions, the configuration asks for 2: Kafka cannot remove partitions.*allow_replacement = true/,
    ),
  ]);
  const replace = await topic.plan(state, { name: 'orders', partitions: 2, allow_replacement: true });
  expect(replace.errors).toEqual([]);
  expect(replace.requiresReplace).toEqual(['partitions']);
  await topic.applyConfig(state, { name: 'orders', partitions: 2, allow_replacement: true });
  expect(kafka.calls.slice(-2)).toEqual(['deleteTopic orders', 'createTopic orders']);
  expect(kafka.topics.get('orders')!.partitions).toBe(2);
});

test('another replication factor is refused in place; a new name replaces the topic', async () => {
  const { topic } = setup();
  const { state } = await topic.applyConfig(null, { name: 'orders', partitions: 1, replication_factor: 3 });
  expect((await topic.plan(state, { name: 'orders', partitions: 1, replication_factor: 1 })).errors.map((d) => d.summary)).toEqual([
    'Cannot change the replication factor of topic orders in place',
  ]);
  const renamed = await topic.plan(state, { name: 'orders.v2', partitions: 1, replication_factor: 3 });
  expect(renamed.requiresReplace).toEqual(['name']);
  expect(renamed.planned!.id).toBe('orders.v2');
});

test('deletion protection: destroy and replacement are refused at plan time, and delete at apply', async () => {
  const { kafka, topic } = setup();
  const { state } = await topic.applyConfig(null, { name: 'orders', partitions: 5, deletion_protection: true, allow_replacement: true });
  const destroy = await topic.plan(state, null);
  expect(destroy.errors).toEqual([
    {
      severity: 'ERROR',
      summary: 'Topic orders is protected',
      detail:
        'This plan would destroy Topic orders, losing all its messages. deletion_protection is true on this streamform_topic, so the provider refuses. ' +
        'If that is intended, set deletion_protection = false (protect: false on the construct) in a reviewed change and apply it first; then plan this change again.',
      path: ['deletion_protection'],
    },
  ]);
  const replace = await topic.plan(state, { name: 'orders', partitions: 2, deletion_protection: true, allow_replacement: true });
  expect(texts(replace.errors)).toEqual([
    expect.stringContaining(
      'This plan would replace Topic orders (destroy it and create it again, because partitions cannot change in place)',
    ),
  ]);
  await expect(topic.applyConfig(state, null)).rejects.toThrow('Topic orders is protected');
  expect(kafka.topics.has('orders')).toBe(true);
  // Unprotected first (a reviewed change), then destroyed.
  const { state: unprotected } = await topic.applyConfig(state, { name: 'orders', partitions: 5, deletion_protection: false });
  expect((await topic.applyConfig(unprotected, null)).state).toBeNull();
  expect(kafka.topics.has('orders')).toBe(false);
});

test('import adopts the topic with its overrides as configuration', async () => {
  const { kafka, topic } = setup();
  await kafka.createTopic({ name: 'legacy', partitions: 2, replicationFactor: 1, configs: { 'retention.ms': '1000' } });
  const state = await topic.import('legacy');
  expect(state).toMatchObject({ id: 'legacy', partitions: 2, replication_factor: 1, config: { 'retention.ms': '1000' } });
  expect((await topic.plan(state, { name: 'legacy', partitions: 2, config: { 'retention.ms': '1000' } })).diagnostics).toEqual([]);
  await expect(topic.import('nope')).rejects.toThrow('no topic named nope exists on the cluster');
});
