/**
 * The provider framework through its gRPC handlers (decoded messages, no transport): StopProvider
 * cancels the operations in flight; deletion protection is declared by exactly the resources
 * that have the attribute.
 */
import { ProviderDefinition } from '../../../src/provider/framework/resource';
import { objectSchema } from '../../../src/provider/framework/schema';
import { ProviderServer } from '../../../src/provider/framework/server';
import { encodeDynamic, UNKNOWN } from '../../../src/provider/plugin/cty';
import { logger } from '../../../src/provider/plugin/log';
import { streamformProvider } from '../../../src/provider/provider';
import { ProviderClients } from '../../../src/provider/provider-clients';
import { ksqlStreamResource } from '../../../src/provider/resources/ksql/source';
import { topicResource } from '../../../src/provider/resources/topic';
import { fakeClients, FakeKafka, FakeKsql } from '../../support/fake-servers';

const RATINGS = "CREATE STREAM RATINGS (ID STRING KEY) WITH (KAFKA_TOPIC='ratings', VALUE_FORMAT='JSON');";

/** A provider over fakes; the fake ksqlDB gets the signal StopProvider aborts, as real clients do. */
async function started() {
  const fakes: { ksql?: FakeKsql } = {};
  const provider: ProviderDefinition<Record<string, never>, ProviderClients> = {
    schema: objectSchema(0, 'test provider', {}),
    resources: [ksqlStreamResource, topicResource],
    async configure(_config, signal) {
      fakes.ksql = new FakeKsql(signal);
      return fakeClients({ ksqldb: fakes.ksql, kafka: new FakeKafka() });
    },
  };
  const handlers = new ProviderServer(provider, logger('test')).handlers();
  expect(await handlers.ConfigureProvider({ config: encodeDynamic({}, provider.schema.type) })).toEqual({ diagnostics: [] });
  return { handlers, ksql: fakes.ksql! };
}

const type = ksqlStreamResource.schema.type;
const newStream = {
  type_name: 'streamform_ksql_stream',
  prior_state: encodeDynamic(null, type),
  planned_state: encodeDynamic(
    { id: UNKNOWN, statement: RATINGS, name: UNKNOWN, topic: UNKNOWN, delete_topic: null, deletion_protection: null, instance_id: UNKNOWN },
    type,
  ),
};

test('StopProvider cancels an apply whose ksqlDB command is still running', async () => {
  const { handlers, ksql } = await started();
  ksql.blocking = true;
  let settled = false;
  const applying = handlers.ApplyResourceChange(newStream).finally(() => (settled = true));
  await ksql.hanging;
  await new Promise((r) => setTimeout(r, 50));
  expect(settled).toBe(false);
  expect(await handlers.StopProvider()).toEqual({ Error: '' });
  expect(await applying).toEqual({
    diagnostics: [
      {
        severity: 'ERROR',
        summary: 'Cannot apply streamform_ksql_stream',
        detail: expect.stringMatching(/^OpenTofu stopped the provider \(StopProvider, e\.g\. Ctrl-C\); the operation was cancelled/),
      },
    ],
  });
  expect(ksql.sources.size).toBe(0);
});

test('without StopProvider the same apply completes', async () => {
  const { handlers, ksql } = await started();
  const res = await handlers.ApplyResourceChange(newStream);
  expect(res.diagnostics).toEqual([]);
  expect(ksql.sources.has('RATINGS')).toBe(true);
});

test('a destroy plan of a protected object is refused through the plugin protocol, on deletion_protection', async () => {
  const { handlers } = await started();
  const t = topicResource.schema.type;
  const prior = {
    id: 'orders',
    name: 'orders',
    partitions: 1,
    replication_factor: 1,
    config: null,
    allow_replacement: null,
    deletion_protection: true,
  };
  const res = await handlers.PlanResourceChange({
    type_name: 'streamform_topic',
    prior_state: encodeDynamic(prior, t),
    proposed_new_state: encodeDynamic(null, t),
    config: encodeDynamic(null, t),
  });
  expect(res.diagnostics).toEqual([
    expect.objectContaining({
      severity: 'ERROR',
      summary: 'Topic orders is protected',
      attribute: { steps: [{ attribute_name: 'deletion_protection' }] },
    }),
  ]);
});

test('exactly the resources with a deletion_protection attribute declare what it protects', () => {
  for (const r of streamformProvider.resources) {
    expect([r.typeName, 'deletion_protection' in r.schema.attributes]).toEqual([r.typeName, r.deletionProtection !== undefined]);
  }
  expect(streamformProvider.resources.filter((r) => r.deletionProtection).map((r) => r.typeName)).toEqual([
    'streamform_topic',
    'streamform_schema',
    'streamform_ksql_stream',
    'streamform_ksql_table',
    'streamform_ksql_query',
  ]);
});

test('read-ahead: the topics validated before ConfigureProvider are described together once it is configured (valid, known names only)', async () => {
  const kafka = new FakeKafka();
  const provider: ProviderDefinition<Record<string, never>, ProviderClients> = {
    schema: objectSchema(0, 'test provider', {}),
    resources: [topicResource],
    configure: async () => fakeClients({ kafka }),
  };
  const handlers = new ProviderServer(provider, logger('test')).handlers();
  const t = topicResource.schema.type;
  const config = (name: string | typeof UNKNOWN, partitions = 1) =>
    encodeDynamic(
      { id: null, name, partitions, replication_factor: null, config: null, allow_replacement: null, deletion_protection: null },
      t,
    );
  const validate = (c: ReturnType<typeof config>) => handlers.ValidateResourceConfig({ type_name: 'streamform_topic', config: c });
  expect((await validate(config('orders'))).diagnostics).toEqual([]);
  expect((await validate(config('payments'))).diagnostics).toEqual([]);
  await validate(config(UNKNOWN)); // a name known only at apply: nothing to read ahead
  expect((await validate(config('refused', 0))).diagnostics).not.toEqual([]); // invalid: not read
  expect(kafka.calls).toEqual([]); // nothing before the provider is configured
  expect(await handlers.ConfigureProvider({ config: encodeDynamic({}, provider.schema.type) })).toEqual({ diagnostics: [] });
  expect(kafka.calls).toEqual(['readAhead orders,payments']);
  // validations after the configuration (OpenTofu's second, before each plan) start nothing more
  await validate(config('later'));
  expect(kafka.calls).toEqual(['readAhead orders,payments']);
  // the next phase's configuration replaces the early answers with none
  expect(await handlers.ConfigureProvider({ config: encodeDynamic({}, provider.schema.type) })).toEqual({ diagnostics: [] });
  expect(kafka.calls).toEqual(['readAhead orders,payments', 'readAhead ']);
});
