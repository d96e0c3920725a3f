/**
 * streamform_schema driven directly, over an in-memory Schema Registry.
 */
import { UNKNOWN } from '../../../src/provider/plugin/cty';
import { schemaResource } from '../../../src/provider/resources/schema';
import { fakeClients, FakeSchemaRegistry } from '../../support/fake-servers';
import { Driver, texts } from '../../support/provider-driver';

const V1 = JSON.stringify({ type: 'record', name: 'Order', fields: [{ name: 'id', type: 'string' }] });
const V1_REFORMATTED = '{\n  "fields": [ { "type": "string", "name": "id" } ],\n  "name": "Order",\n  "type": "record"\n}';
const V2 = JSON.stringify({
  type: 'record',
  name: 'Order',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount', type: 'double', default: 0 },
  ],
});

function setup() {
  const sr = new FakeSchemaRegistry();
  const next = () => new Driver(schemaResource, fakeClients({ schemaRegistry: sr }));
  return { sr, schema: next(), next };
}

test('create registers the schema: version and registry id', async () => {
  const { sr, schema } = setup();
  const { state, plan } = await schema.applyConfig(null, { subject: 'orders-value', schema: V1 });
  expect(plan.planned).toMatchObject({ id: 'orders-value', version: UNKNOWN, schema_id: UNKNOWN });
  expect(state).toMatchObject({ id: 'orders-value', subject: 'orders-value', schema: V1, version: 1, schema_id: 1, schema_type: null });
  expect(sr.subjects.get('orders-value')).toHaveLength(1);
});

test('whitespace and key order are no change', async () => {
  const { sr, schema } = setup();
  const { state } = await schema.applyConfig(null, { subject: 'orders-value', schema: V1 });
  const calls = sr.calls.length;
  const plan = await schema.plan(state, { subject: 'orders-value', schema: V1_REFORMATTED });
  expect(plan.planned).toMatchObject({ schema: V1, version: 1, schema_id: 1 });
  expect(sr.calls.slice(calls)).toEqual([]);
});

test('a compatible change registers a new version in place', async () => {
  const { sr, schema } = setup();
  const { state } = await schema.applyConfig(null, { subject: 'orders-value', schema: V1 });
  const { state: next, plan } = await schema.applyConfig(state, { subject: 'orders-value', schema: V2 });
  expect(plan.requiresReplace).toEqual([]);
  expect(plan.planned).toMatchObject({ version: UNKNOWN, schema_id: UNKNOWN });
  expect(sr.calls).toContain('checkCompatibility orders-value');
  expect(next).toMatchObject({ schema: V2, version: 2, schema_id: 2 });
});

test("an incompatible change fails the plan with the registry's reasons and level", async () => {
  const { sr, schema } = setup();
  const { state } = await schema.applyConfig(null, { subject: 'orders-value', schema: V1 });
  sr.incompatible = ["reader's field 'amount' has no default value"];
  const plan = await schema.plan(state, { subject: 'orders-value', schema: V2 });
  expect(texts(plan.errors)).toEqual([
    "Incompatible schema change for subject orders-value: the Schema Registry refuses the new schema under compatibility BACKWARD: reader's field 'amount' has no default value. " +
      'Make the change compatible (e.g. give new fields a default), or set compatibility for this subject explicitly.',
  ]);
  // compatibility NONE: nothing to check
  expect((await schema.plan(state, { subject: 'orders-value', schema: V2, compatibility: 'NONE' })).errors).toEqual([]);
});

test('validate: an Avro schema must be JSON', () => {
  const { schema } = setup();
  expect(texts(schema.validate({ subject: 's', schema: '{ not json' }))).toEqual([
    expect.stringMatching(/^Invalid schema: a AVRO schema must be JSON/),
  ]);
  expect(schema.validate({ subject: 's', schema: 'syntax = "proto3";', schema_type: 'PROTOBUF' })).toEqual([]);
});

test('a compatibility level is set on the subject, and cleared when removed', async () => {
  const { sr, schema } = setup();
  const { state } = await schema.applyConfig(null, { subject: 'orders-value', schema: V1, compatibility: 'FULL' });
  expect(sr.levels.get('orders-value')).toBe('FULL');
  await schema.applyConfig(state, { subject: 'orders-value', schema: V1 });
  expect(sr.levels.has('orders-value')).toBe(false);
});

test('read: a subject deleted outside streamform is gone; import adopts an existing one', async () => {
  const { sr, schema, next } = setup();
  await sr.register('legacy-value', { schemaType: 'AVRO', schema: V1 });
  const imported = await schema.import('legacy-value');
  expect(imported).toMatchObject({ id: 'legacy-value', schema: V1, version: 1, compatibility: null });
  await sr.deleteSubject('legacy-value');
  expect(await next().read(imported!)).toBeNull();
  await expect(schema.import('nope')).rejects.toThrow('the Schema Registry has no subject named nope');
});

test('deletion protection refuses a destroy and a new subject name at plan time', async () => {
  const { sr, schema } = setup();
  const { state } = await schema.applyConfig(null, { subject: 'orders-value', schema: V1, deletion_protection: true });
  expect((await schema.plan(state, null)).errors.map((d) => d.summary)).toEqual(['Subject orders-value is protected']);
  const renamed = await schema.plan(state, { subject: 'orders-v2-value', schema: V1, deletion_protection: true });
  expect(renamed.requiresReplace).toEqual(['subject']);
  expect(texts(renamed.errors)).toEqual([
    expect.stringMatching(
      /^Subject orders-value is protected: This plan would replace Subject orders-value .*because subject cannot change in place.*losing all its schema versions/,
    ),
  ]);
  await expect(schema.applyConfig(state, null)).rejects.toThrow('Subject orders-value is protected');
  expect(sr.subjects.has('orders-value')).toBe(true);
});
