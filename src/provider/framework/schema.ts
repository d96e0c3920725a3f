import { z } from 'zod';
import { CtyType, typeJson } from '../plugin/cty';

/**
 * One source of truth per resource: each attribute is a zod schema plus Terraform flags. The zod
 * schema gives the runtime validation and the TypeScript type; its shape gives the cty type; the
 * flags give the Terraform schema (and the generated cdktf bindings).
 */

export type Presence = 'required' | 'optional' | 'computed' | 'optional_computed';

export interface AttrFlags<P extends Presence = Presence> {
  readonly presence: P;
  readonly description: string;
  readonly sensitive?: boolean;
  /** A change of this attribute replaces the object. */
  readonly forceNew?: boolean;
}

export interface Attr<T = unknown, P extends Presence = Presence> {
  readonly zod: z.ZodType<T>;
  readonly type: CtyType;
  readonly flags: AttrFlags<P>;
}

/** The cty type a zod schema describes (string, number, boolean, array, record, object; wrappers see through). */
export function ctyTypeOf(schema: z.ZodType): CtyType {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  switch (def.type) {
    case 'string':
    case 'enum':
      return 'string';
    case 'number':
    case 'int':
      return 'number';
    case 'boolean':
      return 'bool';
    case 'literal': {
      const values = def.values as unknown[];
      return typeof values[0] === 'number' ? 'number' : typeof values[0] === 'boolean' ? 'bool' : 'string';
    }
    case 'array':
      return ['list', ctyTypeOf(def.element as z.ZodType)];
    case 'record':
      return ['map', ctyTypeOf(def.valueType as z.ZodType)];
    case 'object': {
      const shape = def.shape as Record<string, z.ZodType>;
      return ['object', Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, ctyTypeOf(v)]))];
    }
    case 'optional':
    case 'nullable':
    case 'default':
    case 'readonly':
      return ctyTypeOf(def.innerType as z.ZodType);
    case 'pipe':
      return ctyTypeOf(def.in as z.ZodType);
    default:
      throw new Error(`no cty type for zod type '${def.type}'`);
  }
}

type Extra = Omit<AttrFlags, 'presence' | 'description'>;

function make<T, P extends Presence>(zod: z.ZodType<T>, presence: P, description: string, extra: Extra = {}): Attr<T, P> {
  return { zod, type: ctyTypeOf(zod), flags: { presence, description, ...extra } };
}

export const attr = {
  required: <T>(zod: z.ZodType<T>, description: string, extra?: Extra) => make(zod, 'required' as const, description, extra),
  optional: <T>(zod: z.ZodType<T>, description: string, extra?: Extra) => make(zod, 'optional' as const, description, extra),
  computed: <T>(zod: z.ZodType<T>, description: string, extra?: Extra) => make(zod, 'computed' as const, description, extra),
  optionalComputed: <T>(zod: z.ZodType<T>, description: string, extra?: Extra) =>
    make(zod, 'optional_computed' as const, description, extra),
};

export type Attrs = Readonly<Record<string, Attr>>;

/** The value type of a set of attributes: required ones are always there, the others may be null. */
export type StateOf<A extends Attrs> = {
  -readonly [K in keyof A]: A[K] extends Attr<infer T, infer P> ? (P extends 'required' ? T : T | null) : never;
};

export interface ObjectSchema<A extends Attrs = Attrs> {
  readonly version: number;
  readonly description: string;
  readonly attributes: A;
  readonly type: CtyType;
}

export function objectSchema<A extends Attrs>(version: number, description: string, attributes: A): ObjectSchema<A> {
  return {
    version,
    description,
    attributes,
    type: ['object', Object.fromEntries(Object.entries(attributes).map(([k, a]) => [k, a.type]))],
  };
}

/** The tfplugin6 `Schema` message of an object schema. */
export function toProtoSchema(s: ObjectSchema): Record<string, unknown> {
  return {
    version: s.version,
    block: {
      version: s.version,
      description: s.description,
      description_kind: 'MARKDOWN',
      attributes: Object.entries(s.attributes).map(([name, a]) => ({
        name,
        type: typeJson(a.type),
        description: a.flags.description,
        description_kind: 'MARKDOWN',
        required: a.flags.presence === 'required',
        optional: a.flags.presence === 'optional' || a.flags.presence === 'optional_computed',
        computed: a.flags.presence === 'computed' || a.flags.presence === 'optional_computed',
        sensitive: a.flags.sensitive ?? false,
      })),
      block_types: [],
    },
  };
}
