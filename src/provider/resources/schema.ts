import { z } from 'zod';
import {
  COMPATIBILITY_LEVELS,
  CompatibilityLevel,
  SchemaInput,
  SchemaType,
  SCHEMA_TYPES,
  SubjectVersion,
} from '../clients/schema-registry';
import { ProviderClients } from '../provider-clients';
import { DiagnosticError, error, ResourceDefinition, warning } from '../framework/resource';
import { attr, objectSchema, StateOf } from '../framework/schema';
import { containsUnknown, isUnknown, UNKNOWN } from '../plugin/cty';

const schema = objectSchema(
  0,
  'A subject in the Schema Registry and its latest schema. A changed schema is checked for compatibility at plan time.',
  {
    id: attr.computed(z.string(), 'The subject.'),
    subject: attr.required(z.string().min(1).max(255), 'Subject name, e.g. `ratings-value`.', { forceNew: true }),
    schema_type: attr.optional(z.enum(SCHEMA_TYPES as [SchemaType, ...SchemaType[]]), 'AVRO (default), JSON or PROTOBUF.'),
    schema: attr.required(z.string().min(1), 'The schema text. Whitespace and key order do not matter.'),
    references: attr.optional(
      z.array(z.object({ name: z.string().min(1), subject: z.string().min(1), version: z.number().int().min(1) })),
      'Schemas this one references: `name` as used in the schema, `subject` and `version` where it is registered.',
    ),
    compatibility: attr.optional(
      z.enum(COMPATIBILITY_LEVELS as [CompatibilityLevel, ...CompatibilityLevel[]]),
      'Compatibility level of the subject (NONE, BACKWARD, ...). Unset: the registry-wide level applies.',
    ),
    version: attr.computed(z.number().int(), 'Version number of the schema in the subject.'),
    schema_id: attr.computed(z.number().int(), 'Registry-wide id of the schema.'),
    deletion_protection: attr.optional(z.boolean(), 'Refuse to delete the subject. Default false.'),
  },
);

type SchemaState = StateOf<(typeof schema)['attributes']>;

/** Text that is equal for schemas that differ only in whitespace, JSON key order or comments. */
function normalizeSchema(type: SchemaType, text: string): string {
  if (type === 'PROTOBUF') {
    return text
      .replace(/\/\*[\s\S]*?\*\//g, ' ')
      .replace(/\/\/[^\n]*/g, ' ')
      .replace(/\s+/g, ' ')
      .replace(/\s*([{};=,<>()[\]])\s*/g, '$1')
      .trim();
  }
  try {
    return JSON.stringify(sortKeys(JSON.parse(text)));
  } catch {
    return text.trim();
  }
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

function inputOf(s: Pick<SchemaState, 'schema_type' | 'schema' | 'references'>): SchemaInput {
  return { schemaType: s.schema_type ?? 'AVRO', schema: s.schema, references: s.references ?? [] };
}

function sameSchema(a: SchemaInput, b: SchemaInput): boolean {
  return (
    a.schemaType === b.schemaType &&
    normalizeSchema(a.schemaType, a.schema) === normalizeSchema(b.schemaType, b.schema) &&
    JSON.stringify(a.references ?? []) === JSON.stringify(b.references ?? [])
  );
}

function fromVersion(prior: SchemaState, v: SubjectVersion): SchemaState {
  // An answer without schemaType is read as the configured type (AVRO when none is configured).
  const type = v.schemaType ?? prior.schema_type ?? 'AVRO';
  const unchanged = sameSchema(inputOf(prior), { schemaType: type, schema: v.schema, references: v.references });
  return {
    ...prior,
    id: v.subject,
    subject: v.subject,
    // Keep the configured text when the registry holds the same schema in another layout.
    schema: unchanged ? prior.schema : v.schema,
    schema_type: prior.schema_type === null && type === 'AVRO' ? null : type,
    references: v.references.length === 0 && prior.references === null ? null : v.references,
    version: v.version,
    schema_id: v.id,
  };
}

async function register(clients: ProviderClients, planned: SchemaState): Promise<SchemaState> {
  const sr = clients.schemaRegistry();
  const input = inputOf(planned);
  if (planned.compatibility) {
    try {
      await sr.setSubjectCompatibility(planned.subject, planned.compatibility);
    } catch {
      // Some registries accept a subject-level level only once the subject exists: set it after registering.
    }
  }
  await sr.register(planned.subject, input);
  if (planned.compatibility && (await sr.subjectCompatibility(planned.subject)) !== planned.compatibility) {
    await sr.setSubjectCompatibility(planned.subject, planned.compatibility);
  }
  const v = await sr.lookup(planned.subject, input);
  if (!v) throw new Error(`subject ${planned.subject} accepted the schema but the registry cannot find it again`);
  return fromVersion({ ...planned, id: planned.subject }, v);
}

export const schemaResource: ResourceDefinition<(typeof schema)['attributes'], ProviderClients> = {
  typeName: 'streamform_schema',
  schema,
  deletionProtection: {
    object: (s) => `Subject ${s.subject}`,
    loses: () => 'all its schema versions, which producers and consumers of its topic need',
  },

  validate(config, diagnostics) {
    const text = config.schema;
    const type = config.schema_type;
    if (typeof text !== 'string' || isUnknown(type) || type === 'PROTOBUF') return;
    try {
      JSON.parse(text);
    } catch (err) {
      diagnostics.push(error('Invalid schema', `a ${type ?? 'AVRO'} schema must be JSON: ${(err as Error).message}`, ['schema']));
    }
  },

  async plan({ prior, planned, diagnostics, clients }) {
    if (!isUnknown(planned.subject)) planned.id = planned.subject;
    if (containsUnknown(planned.schema) || containsUnknown(planned.references) || isUnknown(planned.schema_type)) {
      if (prior) {
        planned.version = UNKNOWN;
        planned.schema_id = UNKNOWN;
      }
      return;
    }
    const next = inputOf(planned as SchemaState);
    if (prior && sameSchema(inputOf(prior), next)) {
      planned.schema = prior.schema;
      return;
    }
    if (prior) {
      planned.version = UNKNOWN;
      planned.schema_id = UNKNOWN;
    }
    if (!clients || planned.compatibility === 'NONE') return;
    const subject = planned.subject as string;
    let result;
    try {
      result = await clients.schemaRegistry().checkCompatibility(subject, next);
    } catch (err) {
      diagnostics.push(warning(`Could not check the compatibility of subject ${subject}`, (err as Error).message, ['schema']));
      return;
    }
    if (!result.isCompatible) {
      const level =
        (await clients
          .schemaRegistry()
          .subjectCompatibility(subject)
          .catch(() => undefined)) ??
        (await clients
          .schemaRegistry()
          .globalCompatibility()
          .catch(() => undefined));
      const reasons = result.messages.length > 0 ? result.messages : await clients.schemaRegistry().explainIncompatibility(subject, next);
      diagnostics.push(
        error(
          `Incompatible schema change for subject ${subject}`,
          `the Schema Registry refuses the new schema under compatibility ${level ?? 'of the subject'}` +
            (reasons.length > 0 ? `: ${reasons.join('; ')}` : '') +
            '. Make the change compatible (e.g. give new fields a default), or set compatibility for this subject explicitly.',
          ['schema'],
        ),
      );
    }
  },

  async read(state, { clients }) {
    const sr = clients.schemaRegistry();
    const latest = await sr.latest(state.subject);
    if (!latest) return null;
    const next = fromVersion(state, latest);
    if (state.compatibility !== null) next.compatibility = (await sr.subjectCompatibility(state.subject)) ?? null;
    return next;
  },

  async create(planned, { clients }) {
    return register(clients, planned as SchemaState);
  },

  async update(prior, planned, { clients }) {
    const p = planned as SchemaState;
    if (!sameSchema(inputOf(prior), inputOf(p)) || p.compatibility !== prior.compatibility) {
      if (p.compatibility === null && prior.compatibility !== null) await clients.schemaRegistry().clearSubjectCompatibility(prior.subject);
      if (sameSchema(inputOf(prior), inputOf(p))) {
        if (p.compatibility) await clients.schemaRegistry().setSubjectCompatibility(p.subject, p.compatibility);
        return { ...prior, ...p, version: prior.version, schema_id: prior.schema_id, schema: prior.schema };
      }
      return register(clients, p);
    }
    return { ...prior, ...p, version: prior.version, schema_id: prior.schema_id };
  },

  async delete(prior, { clients }) {
    await clients.schemaRegistry().deleteSubject(prior.subject, true);
  },

  async importState(id, { clients }) {
    const latest = await clients.schemaRegistry().latest(id);
    if (!latest) throw new DiagnosticError(error(`Cannot import subject ${id}`, `the Schema Registry has no subject named ${id}`));
    return {
      id,
      subject: id,
      schema_type: (latest.schemaType ?? 'AVRO') === 'AVRO' ? null : (latest.schemaType ?? null),
      schema: latest.schema,
      references: latest.references.length > 0 ? latest.references : null,
      // Registries report the global level for a subject without its own, so an imported subject
      // starts without one; a configured level is then set by the next apply.
      compatibility: null,
      version: latest.version,
      schema_id: latest.id,
      deletion_protection: null,
    };
  },
};
