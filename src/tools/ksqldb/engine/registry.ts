/** An in-memory Schema Registry (the cache the core reads; the QTT runner and tests fill it). */
import type { SchemaRegistry } from './serde';

export class MemorySchemaRegistry implements SchemaRegistry {
  private readonly subjects = new Map<string, { id: number; schema: string; schemaType: string }[]>();
  private readonly ids = new Map<number, { schema: string; schemaType: string }>();
  private next = 1;

  latest(subject: string): { id: number; schema: string; schemaType: string } | undefined {
    const versions = this.subjects.get(subject);
    return versions?.[versions.length - 1];
  }

  byId(id: number): { schema: string; schemaType: string } | undefined {
    return this.ids.get(id);
  }

  register(subject: string, schema: string, schemaType = 'AVRO'): number {
    const versions = this.subjects.get(subject) ?? [];
    const same = versions.find((v) => v.schema === schema);
    if (same) return same.id;
    let id = [...this.ids.entries()].find(([, v]) => v.schema === schema)?.[0];
    if (id === undefined) {
      id = this.next++;
      this.ids.set(id, { schema, schemaType });
    }
    versions.push({ id, schema, schemaType });
    this.subjects.set(subject, versions);
    return id;
  }

  subjectNames(): string[] {
    return [...this.subjects.keys()];
  }
}
