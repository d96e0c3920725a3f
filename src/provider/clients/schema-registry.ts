import { z } from 'zod';
import { Cancellable } from './abort';
import { HttpClient, HttpEndpoint, ServerError } from './http';

/**
 * The Confluent Schema Registry REST API, as served by Confluent Schema Registry and by Apicurio
 * Registry's ccompat layer (`/apis/ccompat/v7`). Differences handled here:
 * - `PUT /config` must carry `compatibility` (Apicurio answers 500 to `compatibilityLevel` alone);
 * - `?verbose=true` compatibility checks may come back without `messages`.
 */

export type SchemaType = 'AVRO' | 'JSON' | 'PROTOBUF';
export const SCHEMA_TYPES: readonly SchemaType[] = ['AVRO', 'JSON', 'PROTOBUF'];
export type CompatibilityLevel =
  'NONE' | 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE';
export const COMPATIBILITY_LEVELS: readonly CompatibilityLevel[] = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
];

const SchemaReferenceShape = z.object({ name: z.string(), subject: z.string(), version: z.number().int() });
export type SchemaReference = z.infer<typeof SchemaReferenceShape>;

const SubjectVersionShape = z
  .object({
    subject: z.string(),
    version: z.number().int(),
    id: z.number().int(),
    schema: z.string(),
    schemaType: z.enum(['AVRO', 'JSON', 'PROTOBUF']).optional(),
    references: z.array(SchemaReferenceShape).optional(),
  })
  .loose();

export interface SubjectVersion {
  readonly subject: string;
  readonly version: number;
  readonly id: number;
  readonly schema: string;
  /**
   * As the registry reports it. Registries leave it out for Avro, and some answers (Apicurio's
   * lookup) leave it out altogether: undefined then.
   */
  readonly schemaType?: SchemaType;
  readonly references: SchemaReference[];
}

const SchemaByIdShape = z
  .object({
    schema: z.string(),
    schemaType: z.enum(['AVRO', 'JSON', 'PROTOBUF']).optional(),
  })
  .loose();

/** A schema found by its global id. */
export interface SchemaById {
  readonly schema: string;
  /** Absent for Avro (registries leave it out). */
  readonly schemaType?: SchemaType;
}

export interface SchemaInput {
  readonly schemaType: SchemaType;
  readonly schema: string;
  readonly references?: readonly SchemaReference[];
}

export interface CompatibilityResult {
  readonly isCompatible: boolean;
  /** The registry's reasons, when it gives them. */
  readonly messages: string[];
}

export class SchemaRegistryClient {
  readonly http: HttpClient;

  constructor(
    readonly endpoint: HttpEndpoint,
    private readonly options: Cancellable = {},
  ) {
    const type = 'application/vnd.schemaregistry.v1+json';
    this.http = new HttpClient(`Schema Registry at ${endpoint.url}`, 'schema-registry', endpoint, type, {}, options.signal);
  }

  listSubjects(): Promise<string[]> {
    return this.http.request('get', '/subjects', z.array(z.string()));
  }

  async latest(subject: string): Promise<SubjectVersion | undefined> {
    const v = await this.http.maybe('get', `/subjects/${enc(subject)}/versions/latest`, SubjectVersionShape);
    return v && normalize(v);
  }

  /** The schema with a global id (`GET /schemas/ids/{id}`), as the wire format references it; undefined when unknown. */
  async schemaById(id: number): Promise<SchemaById | undefined> {
    const v = await this.http.maybe('get', `/schemas/ids/${id}`, SchemaByIdShape);
    return v && { schema: v.schema, schemaType: v.schemaType };
  }

  async versions(subject: string): Promise<number[]> {
    return (await this.http.maybe('get', `/subjects/${enc(subject)}/versions`, z.array(z.number().int()))) ?? [];
  }

  /** Registers (or finds, when identical) a schema under a subject; returns its global id. */
  async register(subject: string, input: SchemaInput): Promise<number> {
    const res = await this.http.request('post', `/subjects/${enc(subject)}/versions`, z.object({ id: z.number().int() }).loose(), {
      body: body(input),
    });
    return res.id;
  }

  /** The version of `subject` holding exactly this schema, if any. */
  async lookup(subject: string, input: SchemaInput): Promise<SubjectVersion | undefined> {
    try {
      const v = await this.http.request('post', `/subjects/${enc(subject)}`, SubjectVersionShape, { body: body(input) });
      return normalize(v);
    } catch (err) {
      if (err instanceof ServerError && err.status === 404) return undefined;
      throw err;
    }
  }

  /**
   * Whether `input` may be registered as the next version of `subject` under its compatibility
   * level. A subject with no versions accepts anything.
   */
  async checkCompatibility(subject: string, input: SchemaInput): Promise<CompatibilityResult> {
    try {
      const res = await this.http.request(
        'post',
        `/compatibility/subjects/${enc(subject)}/versions/latest`,
        z.object({ is_compatible: z.boolean(), messages: z.array(z.string()).nullish() }).loose(),
        { body: body(input), params: { verbose: true } },
      );
      return { isCompatible: res.is_compatible, messages: res.messages ?? [] };
    } catch (err) {
      if (err instanceof ServerError && err.status === 404) return { isCompatible: true, messages: [] };
      throw err;
    }
  }

  /**
   * The registry's reasons why `input` is incompatible, when its compatibility endpoint gave none.
   * Apicurio's ccompat layer never returns reasons, but its own API can dry-run a registration and
   * answers with the rule violation; other registries yield no extra reasons.
   */
  async explainIncompatibility(subject: string, input: SchemaInput): Promise<string[]> {
    const m = /^(.*)\/apis\/ccompat\/v\d+\/?$/.exec(this.endpoint.url);
    if (!m) return [];
    const endpoint = { ...this.endpoint, url: `${m[1]}/apis/registry/v3` };
    const core = new HttpClient(`Apicurio Registry at ${m[1]}`, 'schema-registry', endpoint, undefined, {}, this.options.signal);
    try {
      await core.raw(
        'post',
        `/groups/default/artifacts/${enc(subject)}/versions`,
        {
          content: {
            content: input.schema,
            contentType: input.schemaType === 'PROTOBUF' ? 'application/x-protobuf' : 'application/json',
            references: (input.references ?? []).map((r) => ({
              groupId: 'default',
              artifactId: r.subject,
              version: String(r.version),
              name: r.name,
            })),
          },
        },
        { dryRun: true },
      );
      return [];
    } catch (err) {
      const body = z
        .object({ title: z.string().optional(), detail: z.string().optional() })
        .loose()
        .safeParse(err instanceof ServerError ? err.body : undefined);
      const text = body.success ? (body.data.title ?? body.data.detail) : undefined;
      return text ? [text] : [];
    }
  }

  /** Soft-deletes a subject, then (when `permanent`) deletes it for good. Returns the deleted versions. */
  async deleteSubject(subject: string, permanent = true): Promise<number[]> {
    const versions = (await this.http.maybe('delete', `/subjects/${enc(subject)}`, z.array(z.number().int()))) ?? [];
    if (permanent) {
      await this.http.maybe('delete', `/subjects/${enc(subject)}`, z.unknown(), { params: { permanent: true } });
    }
    return versions;
  }

  /** The subject's own compatibility level, or undefined when it follows the global one. */
  async subjectCompatibility(subject: string): Promise<CompatibilityLevel | undefined> {
    try {
      const res = await this.http.request('get', `/config/${enc(subject)}`, ConfigShape, { params: { defaultToGlobal: false } });
      return res.compatibilityLevel ?? res.compatibility;
    } catch (err) {
      // Confluent answers 40408 "Subject does not have subject-level compatibility configured".
      if (err instanceof ServerError && err.status === 404) return undefined;
      throw err;
    }
  }

  async globalCompatibility(): Promise<CompatibilityLevel> {
    const res = await this.http.request('get', '/config', ConfigShape);
    const level = res.compatibilityLevel ?? res.compatibility;
    if (!level) throw new ServerError(this.http.server, 'GET', '/config', 200, undefined, 'no compatibility level in the answer', res);
    return level;
  }

  async setSubjectCompatibility(subject: string, level: CompatibilityLevel): Promise<void> {
    await this.http.request('put', `/config/${enc(subject)}`, z.unknown(), { body: { compatibility: level } });
  }

  async clearSubjectCompatibility(subject: string): Promise<void> {
    await this.http.maybe('delete', `/config/${enc(subject)}`, z.unknown());
  }
}

const LEVEL = z.enum(['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE']);
const ConfigShape = z.object({ compatibilityLevel: LEVEL.optional(), compatibility: LEVEL.optional() }).loose();

function enc(subject: string): string {
  return encodeURIComponent(subject);
}

function body(input: SchemaInput): Record<string, unknown> {
  return {
    ...(input.schemaType === 'AVRO' ? {} : { schemaType: input.schemaType }),
    schema: input.schema,
    ...(input.references && input.references.length > 0 ? { references: input.references } : {}),
  };
}

function normalize(v: z.infer<typeof SubjectVersionShape>): SubjectVersion {
  return {
    subject: v.subject,
    version: v.version,
    id: v.id,
    schema: v.schema,
    schemaType: v.schemaType,
    references: v.references ?? [],
  };
}
