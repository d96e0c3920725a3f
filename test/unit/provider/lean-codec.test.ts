import { LEAN_METHODS, leanDecode, leanEncode } from '../../../src/provider/plugin/lean-codec';
import { loadServices } from '../../../src/provider/plugin/serve';

/**
 * The provider's own codec for the per-resource calls, against protobufjs (built from
 * tfplugin6.proto, what every other call uses) as the reference: requests protobufjs writes are
 * read as protobufjs reads them, answers written here read back as protobufjs' own do.
 */
const services = loadServices();
type Codec = {
  requestSerialize(v: unknown): Buffer;
  requestDeserialize(b: Buffer): Record<string, unknown>;
  responseSerialize(v: unknown): Buffer;
  responseDeserialize(b: Buffer): Record<string, unknown>;
};
const reference = (method: string) => services.provider[method] as unknown as Codec;

let seed = 11;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
const bytes = () =>
  pick([
    Buffer.alloc(0),
    Buffer.from([0xc0]),
    Buffer.from('\x85\xa4name\xa6orders', 'latin1'),
    Buffer.alloc(300, 7),
    Buffer.alloc(70_000, 1),
  ]);
const text = () => pick(['', 'streamform_topic', 'ünïcödé', 'x'.repeat(200)]);
const dynamic = () => (rnd() < 0.2 ? undefined : rnd() < 0.5 ? { msgpack: bytes() } : { msgpack: bytes(), json: bytes() });
const path = () => ({
  steps: Array.from({ length: Math.floor(rnd() * 4) }, () =>
    pick([{ attribute_name: text() }, { element_key_string: text() }, { element_key_int: pick([0, 1, 300, 2 ** 40, -1, -(2 ** 40)]) }]),
  ),
});
const diagnostic = () => ({
  severity: pick(['ERROR', 'WARNING', 'INVALID']),
  summary: text(),
  detail: text(),
  ...(rnd() < 0.5 ? { attribute: path() } : {}),
});
const diags = () => Array.from({ length: Math.floor(rnd() * 3) }, diagnostic);

/** Request objects with every field of the message (those the provider does not read too). */
const requests: Record<string, () => Record<string, unknown>> = {
  ValidateProviderConfig: () => ({ config: dynamic() }),
  ConfigureProvider: () => ({ terraform_version: text(), config: dynamic(), client_capabilities: { deferral_allowed: rnd() < 0.5 } }),
  ValidateResourceConfig: () => ({ type_name: text(), config: dynamic(), client_capabilities: { write_only_attributes_allowed: true } }),
  UpgradeResourceState: () => ({
    type_name: text(),
    version: pick([0, 1, 2 ** 40, -5]),
    raw_state: rnd() < 0.2 ? undefined : { json: bytes(), flatmap: rnd() < 0.5 ? { a: 'b', 'c.%': '1' } : {} },
  }),
  ReadResource: () => ({
    type_name: text(),
    current_state: dynamic(),
    private: bytes(),
    provider_meta: dynamic(),
    client_capabilities: {},
  }),
  PlanResourceChange: () => ({
    type_name: text(),
    prior_state: dynamic(),
    proposed_new_state: dynamic(),
    config: dynamic(),
    prior_private: bytes(),
    provider_meta: dynamic(),
    client_capabilities: { deferral_allowed: true },
  }),
  ApplyResourceChange: () => ({
    type_name: text(),
    prior_state: dynamic(),
    planned_state: dynamic(),
    config: dynamic(),
    planned_private: bytes(),
    provider_meta: dynamic(),
  }),
};

/** Answers as the handlers build them (framework/server.ts). */
const responses: Record<string, () => Record<string, unknown>> = {
  ValidateProviderConfig: () => ({ diagnostics: diags() }),
  ConfigureProvider: () => ({ diagnostics: diags() }),
  ValidateResourceConfig: () => ({ diagnostics: diags() }),
  UpgradeResourceState: () => ({ upgraded_state: dynamic(), diagnostics: diags() }),
  ReadResource: () => ({ new_state: dynamic(), private: bytes(), diagnostics: diags() }),
  PlanResourceChange: () => ({
    planned_state: dynamic(),
    requires_replace: Array.from({ length: Math.floor(rnd() * 3) }, path),
    planned_private: bytes(),
    diagnostics: diags(),
    ...(rnd() < 0.3 ? { legacy_type_system: false } : {}),
  }),
  ApplyResourceChange: () => ({ new_state: dynamic(), private: bytes(), diagnostics: diags() }),
};

describe('lean protobuf codec', () => {
  test('covers the calls OpenTofu makes per resource', () => {
    expect(Object.keys(LEAN_METHODS).sort()).toEqual(Object.keys(requests).sort());
  });

  test.each(Object.keys(LEAN_METHODS))('%s: reads the fields the handler declares as protobufjs reads them', (method) => {
    const spec = LEAN_METHODS[method].request;
    for (let i = 0; i < 60; i++) {
      const wire = reference(method).requestSerialize(requests[method]());
      const ours = leanDecode(wire, spec);
      const theirs = reference(method).requestDeserialize(wire);
      // only the declared fields, each of them, with protobufjs' values (absent ones at their defaults)
      expect(Object.keys(ours).sort()).toEqual(spec.fields.map((f) => f.name).sort());
      for (const f of spec.fields) expect([f.name, normalize(ours[f.name])]).toEqual([f.name, normalize(theirs[f.name], ours[f.name])]);
    }
  });

  test.each(Object.keys(LEAN_METHODS))('%s: writes answers protobufjs reads back as it reads its own', (method) => {
    for (let i = 0; i < 60; i++) {
      const answer = responses[method]();
      const ours = leanEncode(answer, LEAN_METHODS[method].response);
      expect(ours).toBeDefined();
      const theirs = reference(method).responseSerialize(answer);
      expect(normalize(reference(method).responseDeserialize(ours!))).toEqual(normalize(reference(method).responseDeserialize(theirs)));
    }
  });

  test('an answer with a field it does not describe is left to protobufjs; malformed requests are refused', () => {
    expect(
      leanEncode(
        { new_state: { msgpack: Buffer.from([0xc0]) }, deferred: { reason: 'ABSENT_PREREQ' } },
        LEAN_METHODS.ReadResource.response,
      ),
    ).toBeUndefined();
    expect(leanEncode({ diagnostics: [{ severity: 'ERROR', summary: 5 }] }, LEAN_METHODS.ValidateResourceConfig.response)).toBeUndefined();
    const wire = reference('ReadResource').requestSerialize({
      type_name: 'streamform_topic',
      current_state: { msgpack: Buffer.alloc(40, 1) },
    });
    expect(() => leanDecode(wire.subarray(0, wire.length - 5), LEAN_METHODS.ReadResource.request)).toThrow(/cut short/);
    // a length that would step back (a negative varint) is refused, not looped on
    const back = Buffer.from([0x1a, 0xf5, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(() => leanDecode(back, LEAN_METHODS.ReadResource.request)).toThrow('a protobuf length of -11');
    // a bool field holding something else is not dropped: protobufjs writes that answer
    expect(leanEncode({ legacy_type_system: 1 }, LEAN_METHODS.PlanResourceChange.response)).toBeUndefined();
    expect(leanEncode({ private: 'abc' }, LEAN_METHODS.ReadResource.response)).toBeUndefined();
    // type_name (field 1) sent as a varint
    expect(() => leanDecode(Buffer.from([0x08, 0x01]), LEAN_METHODS.ReadResource.request)).toThrow(
      'protobuf field type_name (1) came with wire type 0',
    );
  });
});

/** Buffers and Uint8Arrays compared by content; protobufjs' absent nested message (null) vs ours. */
function normalize(v: unknown, ours?: unknown): unknown {
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('hex') };
  if (Array.isArray(v)) return v.map((e) => normalize(e));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(v)) {
      const nested = ours !== null && typeof ours === 'object' ? (ours as Record<string, unknown>)[k] : undefined;
      // protobufjs gives every field of a nested message; ours only the declared ones
      if (ours !== undefined && ours !== null && typeof ours === 'object' && !(k in ours)) continue;
      out[k] = normalize(e, nested);
    }
    return out;
  }
  return v;
}
