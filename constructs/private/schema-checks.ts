/**
 * Schemas checked with real parsers of their formats before the Schema Registry sees them:
 * Avro with avsc (plus the named-type rules of Apache Avro's Schema.Parser that avsc relaxes),
 * JSON Schema with Ajv (meta-schema, references, defaults against their own subschema) and
 * Protobuf with protobufjs (plus protoc's proto3 rules it relaxes).
 */
import * as avro from 'avsc';
import Ajv, { AnySchema } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import * as protobuf from 'protobufjs';
import type { SchemaFormat } from '../schema';

/** One problem of a schema: what is wrong (with the offending part) and how to fix it. */
interface SchemaProblem {
  readonly value: string;
  readonly problem: string;
  readonly fix: string;
}

/** A schema referenced by name, with its format when known. */
interface KnownReference {
  readonly name: string;
  readonly format?: SchemaFormat;
}

export function schemaProblems(format: SchemaFormat, references: readonly KnownReference[] = []): SchemaProblem[] {
  switch (format.type) {
    case 'AVRO':
      return format.document === undefined ? [] : avroProblems(format.document, references);
    case 'JSON':
      return format.document === undefined ? [] : jsonSchemaProblems(format.document);
    case 'PROTOBUF':
      return protobufProblems(format.text, references);
  }
}

const NAMED = new Set(['record', 'error', 'enum', 'fixed']);

/** Named Avro types without a name (Apache Avro: "No name in schema"); avsc accepts anonymous ones. */
function unnamedAvroTypes(node: unknown, where: string, out: SchemaProblem[]): void {
  if (Array.isArray(node)) {
    node.forEach((n, i) => unnamedAvroTypes(n, `${where}[${i}]`, out));
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const t = node as { type?: unknown; name?: unknown; fields?: unknown; items?: unknown; values?: unknown };
  if (typeof t.type === 'string' && NAMED.has(t.type) && (typeof t.name !== 'string' || t.name === '')) {
    out.push({
      value: `a ${t.type} at ${where}`,
      problem: 'has a named Avro type without a name',
      fix: `give the ${t.type} a "name", e.g. "Rating"`,
    });
  }
  if (typeof t.type === 'object') unnamedAvroTypes(t.type, `${where}.type`, out);
  if (Array.isArray(t.fields)) {
    t.fields.forEach((f: { name?: unknown; type?: unknown }, i: number) =>
      unnamedAvroTypes(f?.type, `${where}.fields[${i}${typeof f?.name === 'string' ? ` ${f.name}` : ''}]`, out),
    );
  }
  if (t.items !== undefined) unnamedAvroTypes(t.items, `${where}.items`, out);
  if (t.values !== undefined) unnamedAvroTypes(t.values, `${where}.values`, out);
}

function avroProblems(doc: unknown, references: readonly KnownReference[]): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  unnamedAvroTypes(doc, '$', out);
  if (out.length > 0) return out;
  const registry: Record<string, avro.Type> = {};
  for (const r of references) {
    let known = false;
    if (r.format?.type === 'AVRO' && r.format.document !== undefined) {
      try {
        avro.Type.forSchema(r.format.document as avro.Schema, { registry });
        known = registry[r.name] !== undefined;
      } catch {
        // the referenced schema's own problems are reported at its construct
      }
    }
    // A referenced type whose text is unknown here stands in as an empty record.
    if (!known) registry[r.name] = avro.Type.forSchema({ type: 'record', name: r.name, fields: [] });
  }
  try {
    avro.Type.forSchema(doc as avro.Schema, { registry });
  } catch (e) {
    out.push({
      value: avroPart(e as Error),
      problem: `is not a valid Avro schema (avsc: ${(e as Error).message})`,
      fix: avroFix((e as Error).message),
    });
  }
  return out;
}

function avroPart(e: Error): string {
  const m = /"([^"]+)"/.exec(e.message);
  return m ? m[1] : e.message;
}

function avroFix(message: string): string {
  if (/duplicate .* symbol/.test(message)) return 'list each enum symbol once';
  if (/default/.test(message))
    return "make the field's default a value of its type (for a union, of its first branch, e.g. null first with default null)";
  if (/undefined type name/.test(message)) return 'define the type, or reference its subject in references: [{ name, schema }]';
  if (/invalid .*name/.test(message)) return 'use names of letters, digits and _ that start with a letter or _';
  return 'fix the schema so Apache Avro can parse it';
}

/**
 * One Ajv per JSON Schema draft for the whole process: compiling Ajv's meta-schema is most of the
 * cost of a check. The schemas checked are not kept in it (addUsedSchema: false), so two schemas
 * with one $id never meet.
 */
const ajvs = new Map<string, Ajv>();

function ajvFor(doc: Record<string, unknown>): Ajv {
  const declared = typeof doc.$schema === 'string' ? doc.$schema : '';
  const draft = declared.includes('2020-12') ? '2020-12' : declared.includes('2019-09') ? '2019-09' : 'draft-07';
  let ajv = ajvs.get(draft);
  if (!ajv) {
    const options = { strict: false, allErrors: true, validateFormats: false, addUsedSchema: false };
    ajv = draft === '2020-12' ? new Ajv2020(options) : draft === '2019-09' ? new Ajv2019(options) : new Ajv(options);
    ajvs.set(draft, ajv);
  }
  return ajv;
}

function jsonSchemaProblems(doc: unknown): SchemaProblem[] {
  if (typeof doc !== 'object' || doc === null) {
    return [
      { value: JSON.stringify(doc), problem: 'is not a JSON Schema object', fix: 'give an object such as { "type": "object", ... }' },
    ];
  }
  const out: SchemaProblem[] = [];
  const ajv = ajvFor(doc as Record<string, unknown>);
  if (!ajv.validateSchema(doc as AnySchema)) {
    for (const e of ajv.errors ?? []) {
      out.push({
        value: `${e.instancePath || '/'}`,
        problem: `is not a valid JSON Schema: ${e.instancePath.replace(/^\//, '') || 'schema'} ${e.message}`,
        fix: 'fix that keyword so the schema matches the JSON Schema meta-schema',
      });
    }
    return out;
  }
  try {
    ajv.compile(doc as AnySchema);
  } catch (e) {
    out.push({
      value: (e as Error).message,
      problem: 'does not compile as a JSON Schema (Ajv)',
      fix: 'define what $ref points to, or fix the pattern',
    });
    return out;
  }
  walkJson(doc, '', (node, where) => {
    const n = node as Record<string, unknown>;
    if ('default' in n) {
      const sub = { ...n };
      delete sub.default;
      try {
        const validate = ajv.compile(sub as AnySchema);
        if (!validate(n.default)) {
          out.push({
            value: `${where || '/'} default ${JSON.stringify(n.default)}`,
            problem: `has a default its own schema refuses (${ajv.errorsText(validate.errors)})`,
            fix: 'give a default that the property accepts, or remove it',
          });
        }
      } catch {
        // subschemas with relative $refs are checked as part of the whole
      }
    }
    if (Array.isArray(n.required) && typeof n.properties === 'object' && n.properties !== null && n.additionalProperties === false) {
      for (const name of n.required) {
        if (typeof name === 'string' && !(name in (n.properties as object))) {
          out.push({
            value: `required ${name} at ${where || '/'}`,
            problem: 'requires a property that properties does not define while additionalProperties is false, so no document is valid',
            fix: `define '${name}' under properties, or remove it from required`,
          });
        }
      }
    }
  });
  return out;
}

function walkJson(node: unknown, where: string, visit: (node: object, where: string) => void): void {
  if (Array.isArray(node)) {
    node.forEach((n, i) => walkJson(n, `${where}/${i}`, visit));
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  visit(node, where);
  for (const [k, v] of Object.entries(node))
    if (k !== 'default' && k !== 'enum' && k !== 'const' && k !== 'examples') walkJson(v, `${where}/${k}`, visit);
}

const PROTO_SCALARS: Record<string, 'number' | 'boolean' | 'string'> = {
  double: 'number',
  float: 'number',
  int32: 'number',
  int64: 'number',
  uint32: 'number',
  uint64: 'number',
  sint32: 'number',
  sint64: 'number',
  fixed32: 'number',
  fixed64: 'number',
  sfixed32: 'number',
  sfixed64: 'number',
  bool: 'boolean',
  string: 'string',
  bytes: 'string',
};

function protobufProblems(text: string, references: readonly KnownReference[]): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  let parsed: protobuf.IParserResult;
  try {
    parsed = protobuf.parse(text, { keepCase: true });
  } catch (e) {
    const message = (e as Error).message;
    return [
      {
        value: message.replace(/^.*?'([^']*)'.*$/, '$1'),
        problem: `is not a valid Protobuf definition (protobufjs: ${message})`,
        fix: /duplicate name/.test(message)
          ? 'give each enum value and field its own name'
          : /duplicate id/.test(message)
            ? 'give each field its own number, and each enum value its own number (or set option allow_alias = true)'
            : 'fix the .proto syntax at that line',
      },
    ];
  }
  const proto3 = /\bsyntax\s*=\s*["']proto3["']/.test(text);
  const imports = [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])];
  if (imports.length === 0 || imports.every((i) => references.some((r) => r.name === i && r.format?.type === 'PROTOBUF'))) {
    try {
      for (const r of references) if (r.format?.type === 'PROTOBUF') protobuf.parse(r.format.text, parsed.root, { keepCase: true });
      parsed.root.resolveAll();
    } catch (e) {
      out.push({
        value: (e as Error).message.replace(/^.*?'([^']*)'.*$/, '$1'),
        problem: `has a type that does not resolve (protobufjs: ${(e as Error).message})`,
        fix: 'define the type, or import its .proto and list it in references',
      });
    }
  }
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Enum && proto3 && !nested.options?.['allow_alias'] && Object.values(nested.values)[0] !== 0) {
        out.push({
          value: `enum ${nested.fullName.replace(/^\./, '')}`,
          problem: 'has a first value that is not 0, which proto3 requires',
          fix: `add a first value = 0, e.g. ${nested.name.toUpperCase()}_UNSPECIFIED = 0`,
        });
      }
      if (nested instanceof protobuf.Type) {
        for (const f of nested.fieldsArray) {
          const d = f.options?.['default'];
          if (d === undefined) continue;
          const field = `${nested.fullName.replace(/^\./, '')}.${f.name}`;
          if (proto3) {
            out.push({
              value: `${field} [default = ${String(d)}]`,
              problem: 'has an explicit default, which proto3 does not allow',
              fix: 'remove the default (proto3 defaults are 0, "" and false)',
            });
            continue;
          }
          const kind = PROTO_SCALARS[f.type];
          const enumType = kind ? undefined : (f.resolvedType ?? safeLookup(nested, f.type));
          const ok = kind ? typeof d === kind : enumType instanceof protobuf.Enum ? typeof d === 'string' && d in enumType.values : true;
          if (!ok) {
            out.push({
              value: `${field} [default = ${JSON.stringify(d)}]`,
              problem: `has a default that is not a ${f.type}`,
              fix: enumType instanceof protobuf.Enum ? `use one of ${Object.keys(enumType.values).join(', ')}` : `give a ${kind} default`,
            });
          }
        }
      }
      if (nested instanceof protobuf.Namespace) visit(nested);
    }
  };
  visit(parsed.root);
  return out;
}

function safeLookup(from: protobuf.ReflectionObject, name: string): protobuf.ReflectionObject | null {
  try {
    return from.parent?.lookup(name) ?? null;
  } catch {
    return null;
  }
}
