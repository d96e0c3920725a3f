/**
 * The Schema Registry for the local ksqlDB. The engine reads it synchronously (its serdes run
 * inside record processing), so the server and the query runners fill a cache first: schemas of
 * subjects a statement names, ids found in record bytes (magic byte 0 + 4-byte id), and the
 * schemas ksqlDB registers for AVRO sinks. A registration the cache cannot answer throws
 * `SchemaNotCachedError` after remembering it; the caller registers it (`registerPending`) and
 * retries.
 */
import { columnsSchema } from '../engine/avro';
import { keyColumns, valueColumns, type DataSource } from '../engine/model';
import { MemorySchemaRegistry } from '../engine/registry';
import type { SchemaRegistry } from '../engine/serde';

export interface RegisteredSchema {
  readonly id: number;
  readonly schema: string;
  readonly schemaType: string;
}

/** The registry's REST API as far as ksqlDB uses it. */
export interface SchemaRegistryClient {
  readonly description: string;
  byId(id: number): Promise<{ schema: string; schemaType: string } | undefined>;
  latest(subject: string): Promise<RegisteredSchema | undefined>;
  register(subject: string, schema: string, schemaType: string): Promise<number>;
  /** Deletes a subject (soft, then permanently); resolves false when it did not exist. */
  deleteSubject(subject: string): Promise<boolean>;
  subjects(): Promise<string[]>;
}

export class SchemaNotCachedError extends Error {
  constructor(readonly subject: string) {
    super(`schema for subject ${subject} not registered yet`);
    this.name = 'SchemaNotCachedError';
  }
}

/** Confluent's Schema Registry API (Apicurio serves it at /apis/ccompat/v7). */
export class HttpSchemaRegistryClient implements SchemaRegistryClient {
  readonly description: string;
  private readonly base: string;

  constructor(url: string) {
    this.base = url.replace(/\/+$/, '');
    this.description = `Schema Registry ${this.base}`;
  }

  private async call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const res = await fetch(this.base + path, {
      method,
      headers: {
        'Content-Type': 'application/vnd.schemaregistry.v1+json',
        Accept: 'application/vnd.schemaregistry.v1+json, application/json',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    if (res.status >= 500) throw new Error(`${this.description}: ${method} ${path} answered ${res.status}: ${text.slice(0, 200)}`);
    return { status: res.status, json };
  }

  async byId(id: number): Promise<{ schema: string; schemaType: string } | undefined> {
    const r = await this.call('GET', `/schemas/ids/${id}`);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new Error(`${this.description}: schema ${id}: ${JSON.stringify(r.json)}`);
    const j = r.json as { schema: string; schemaType?: string };
    return { schema: j.schema, schemaType: j.schemaType ?? 'AVRO' };
  }

  async latest(subject: string): Promise<RegisteredSchema | undefined> {
    const r = await this.call('GET', `/subjects/${encodeURIComponent(subject)}/versions/latest`);
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw new Error(`${this.description}: subject ${subject}: ${JSON.stringify(r.json)}`);
    const j = r.json as { id: number; schema: string; schemaType?: string };
    return { id: j.id, schema: j.schema, schemaType: j.schemaType ?? 'AVRO' };
  }

  async register(subject: string, schema: string, schemaType: string): Promise<number> {
    const body = schemaType === 'AVRO' ? { schema } : { schema, schemaType };
    const r = await this.call('POST', `/subjects/${encodeURIComponent(subject)}/versions`, body);
    if (r.status !== 200) {
      const m = (r.json as { message?: string } | undefined)?.message ?? JSON.stringify(r.json);
      throw new Error(`Could not register schema for subject ${subject}: ${m}`);
    }
    return (r.json as { id: number }).id;
  }

  async deleteSubject(subject: string): Promise<boolean> {
    const soft = await this.call('DELETE', `/subjects/${encodeURIComponent(subject)}`);
    if (soft.status === 404) return false;
    await this.call('DELETE', `/subjects/${encodeURIComponent(subject)}?permanent=true`);
    return true;
  }

  async subjects(): Promise<string[]> {
    const r = await this.call('GET', '/subjects');
    return r.status === 200 ? (r.json as string[]) : [];
  }
}

/** An in-memory registry behind the same asynchronous API (the in-memory runtime's). */
export class MemorySchemaRegistryClient implements SchemaRegistryClient {
  readonly description = 'in-memory Schema Registry';
  readonly registry = new MemorySchemaRegistry();
  private readonly deleted = new Set<string>();

  async byId(id: number): Promise<{ schema: string; schemaType: string } | undefined> {
    const s = this.registry.byId(id);
    return s ? { schema: s.schema, schemaType: s.schemaType } : undefined;
  }

  async latest(subject: string): Promise<RegisteredSchema | undefined> {
    if (this.deleted.has(subject)) return undefined;
    return this.registry.latest(subject);
  }

  async register(subject: string, schema: string, schemaType: string): Promise<number> {
    this.deleted.delete(subject);
    return this.registry.register(subject, schema, schemaType);
  }

  async deleteSubject(subject: string): Promise<boolean> {
    if (this.deleted.has(subject) || !this.registry.latest(subject)) return false;
    this.deleted.add(subject);
    return true;
  }

  async subjects(): Promise<string[]> {
    return this.registry.subjectNames().filter((s) => !this.deleted.has(s));
  }
}

/** The synchronous view the engine reads, filled ahead of use. */
export class SchemaRegistryCache implements SchemaRegistry {
  private readonly ids = new Map<number, { schema: string; schemaType: string }>();
  private readonly latestBySubject = new Map<string, RegisteredSchema>();
  /** `${subject}\n${schema}` → id */
  private readonly registered = new Map<string, number>();
  private readonly missingIds = new Set<number>();
  private pending: { subject: string; schema: string; schemaType: string }[] = [];

  constructor(readonly client: SchemaRegistryClient) {}

  latest(subject: string): RegisteredSchema | undefined {
    return this.latestBySubject.get(subject);
  }

  byId(id: number): { schema: string; schemaType: string } | undefined {
    return this.ids.get(id);
  }

  register(subject: string, schema: string, schemaType = 'AVRO'): number {
    const id = this.registered.get(`${subject}\n${schema}`);
    if (id !== undefined) return id;
    if (!this.pending.some((p) => p.subject === subject && p.schema === schema)) this.pending.push({ subject, schema, schemaType });
    throw new SchemaNotCachedError(subject);
  }

  /** Fetches schemas by id (those not cached yet). */
  async prefetchIds(ids: Iterable<number>): Promise<void> {
    const wanted = [...new Set(ids)].filter((id) => !this.ids.has(id) && !this.missingIds.has(id));
    await Promise.all(
      wanted.map(async (id) => {
        const s = await this.client.byId(id);
        if (s) this.ids.set(id, s);
        else this.missingIds.add(id);
      }),
    );
  }

  /** Fetches (refreshes) the latest schema of subjects. */
  async prefetchSubjects(subjects: Iterable<string>): Promise<void> {
    await Promise.all(
      [...new Set(subjects)].map(async (subject) => {
        const s = await this.client.latest(subject);
        if (s) {
          this.latestBySubject.set(subject, s);
          this.ids.set(s.id, { schema: s.schema, schemaType: s.schemaType });
          this.missingIds.delete(s.id);
        } else this.latestBySubject.delete(subject);
      }),
    );
  }

  /** Registers a schema now (ksqlDB's SchemaRegisterInjector) and caches it. */
  async registerNow(subject: string, schema: string, schemaType = 'AVRO'): Promise<number> {
    const id = await this.client.register(subject, schema, schemaType);
    this.registered.set(`${subject}\n${schema}`, id);
    this.ids.set(id, { schema, schemaType });
    this.missingIds.delete(id);
    this.latestBySubject.set(subject, { id, schema, schemaType });
    return id;
  }

  /** True when registrations failed for want of a cached id (see `registerPending`). */
  hasPending(): boolean {
    return this.pending.length > 0;
  }

  async registerPending(): Promise<void> {
    const todo = this.pending;
    this.pending = [];
    for (const p of todo) await this.registerNow(p.subject, p.schema, p.schemaType);
  }

  async deleteSubject(subject: string): Promise<boolean> {
    this.latestBySubject.delete(subject);
    for (const k of [...this.registered.keys()]) if (k.startsWith(`${subject}\n`)) this.registered.delete(k);
    return this.client.deleteSubject(subject);
  }
}

/** Schema ids in the Schema Registry wire format (magic byte 0, 4-byte id) of some bytes. */
export function schemaIdOf(bytes: Buffer | null): number | undefined {
  if (bytes === null || bytes.length < 5 || bytes[0] !== 0) return undefined;
  return bytes.readInt32BE(1);
}

/**
 * The schemas ksqlDB registers for a source in AVRO (SchemaRegisterInjector): `<topic>-key` and
 * `<topic>-value`, as the engine's serdes write them (unless a schema id was given).
 */
export function avroSchemasOf(src: DataSource): { subject: string; schema: string }[] {
  const out: { subject: string; schema: string }[] = [];
  const keys = keyColumns(src);
  const values = valueColumns(src);
  if (src.keyFormat.format === 'AVRO' && keys.length > 0 && src.keyFormat.props.schemaId === undefined) {
    out.push({ subject: `${src.topic}-key`, schema: columnsSchema(keys, keys.length === 1, src.keyFormat.props.fullSchemaName) });
  }
  if (src.valueFormat.format === 'AVRO' && values.length > 0 && src.valueFormat.props.schemaId === undefined) {
    out.push({ subject: `${src.topic}-value`, schema: columnsSchema(values, src.unwrapValue, src.valueFormat.props.fullSchemaName) });
  }
  return out;
}
