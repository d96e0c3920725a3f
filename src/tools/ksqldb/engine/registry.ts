/** An in-memory Schema Registry (the cache the core reads; the QTT runner and tests fill it). */
import type { RegisteredSchema, SchemaReference, SchemaRegistry } from './serde';

interface Version extends RegisteredSchema {
  readonly id: number;
  readonly schemaType: string;
}

export class MemorySchemaRegistry implements SchemaRegistry {
  private readonly subjects = new Map<string, Version[]>();
  private readonly ids = new Map<number, Version>();
  private next = 1;

  latest(subject: string): Version | undefined {
    const versions = this.subjects.get(subject);
    return versions?.[versions.length - 1];
  }

  byId(id: number): Version | undefined {
    return this.ids.get(id);
  }

  /**
   * Registers (or finds) a schema under a subject; returns its id. A schema already registered
   * (same text, type and references) keeps its id, as Schema Registry does; `opts.id` asks for
   * a given id (Schema Registry's import mode, which the QTT topics use).
   */
  register(
    subject: string,
    schema: string,
    schemaType = 'AVRO',
    opts: { id?: number; references?: readonly SchemaReference[] } = {},
  ): number {
    const versions = this.subjects.get(subject) ?? [];
    const refs = opts.references ?? [];
    const sameRefs = (v: Version): boolean => JSON.stringify(v.references ?? []) === JSON.stringify(refs);
    const same = versions.find((v) => v.schema === schema && v.schemaType === schemaType && sameRefs(v));
    if (same && (opts.id === undefined || opts.id === same.id)) return same.id;
    let id = opts.id;
    if (id === undefined) id = [...this.ids.values()].find((v) => v.schema === schema && v.schemaType === schemaType && sameRefs(v))?.id;
    if (id === undefined) {
      while (this.ids.has(this.next)) this.next++;
      id = this.next++;
    }
    const version: Version = { id, schema, schemaType, ...(refs.length > 0 ? { references: refs } : {}) };
    this.ids.set(id, version);
    versions.push(version);
    this.subjects.set(subject, versions);
    return id;
  }

  subjectNames(): string[] {
    return [...this.subjects.keys()];
  }
}
