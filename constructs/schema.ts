import { ITerraformDependable } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { schema as schemaRes } from '../src/gen/providers/streamform';
import { StreamformCluster } from './cluster';
import { ITopic } from './topic';
import { issueLine, Validator } from './private/validator';
import { schemaProblems } from './private/schema-checks';
import { registerSubject } from './private/app-graph';

/** An Avro record or field type, as a plain object (the usual `.avsc` JSON). */
export type AvroSchema = Readonly<Record<string, unknown>> | string;

/** A schema's language and text. */
export class SchemaFormat {
  /** An Avro schema: an object (the `.avsc` JSON) or its text. */
  static avro(definition: AvroSchema): SchemaFormat {
    const text = typeof definition === 'string' ? definition : JSON.stringify(definition);
    return new SchemaFormat('AVRO', text, typeof definition === 'string' ? safeParse(definition) : definition);
  }
  /** A JSON Schema document. */
  static jsonSchema(definition: Readonly<Record<string, unknown>> | string): SchemaFormat {
    const text = typeof definition === 'string' ? definition : JSON.stringify(definition);
    return new SchemaFormat('JSON', text, typeof definition === 'string' ? safeParse(definition) : definition);
  }
  /** A Protobuf (proto3) definition. */
  static protobuf(text: string): SchemaFormat {
    return new SchemaFormat('PROTOBUF', text, undefined);
  }
  private constructor(
    /** The registry's schema type. */
    readonly type: 'AVRO' | 'JSON' | 'PROTOBUF',
    /** The schema as registered. */
    readonly text: string,
    /** The parsed document for AVRO and JSON (undefined when the text is not JSON). */
    readonly document: unknown,
  ) {}
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Which schema changes the registry accepts for a subject. */
export class Compatibility {
  /** Any change is accepted. */
  static none(): Compatibility {
    return new Compatibility('NONE');
  }
  /** Consumers using the new schema can read data written with the previous one (the usual choice). */
  static backward(): Compatibility {
    return new Compatibility('BACKWARD');
  }
  /** Like backward, against every earlier version. */
  static backwardTransitive(): Compatibility {
    return new Compatibility('BACKWARD_TRANSITIVE');
  }
  /** Consumers using the previous schema can read data written with the new one. */
  static forward(): Compatibility {
    return new Compatibility('FORWARD');
  }
  /** Like forward, against every earlier version. */
  static forwardTransitive(): Compatibility {
    return new Compatibility('FORWARD_TRANSITIVE');
  }
  /** Both backward and forward compatible with the previous version. */
  static full(): Compatibility {
    return new Compatibility('FULL');
  }
  /** Both backward and forward compatible with every earlier version. */
  static fullTransitive(): Compatibility {
    return new Compatibility('FULL_TRANSITIVE');
  }
  private constructor(
    /** The registry's name for the level. */
    readonly level: 'NONE' | 'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE',
  ) {}
}

/** A subject in the Schema Registry, declared in this app or existing outside it. */
export interface ISchema extends IConstruct {
  /** The subject's name, e.g. `ratings-value`. */
  readonly subject: string;
  /** The schema's language and text, when known at synth (ksqlDB streams derive their columns from Avro). */
  readonly format?: SchemaFormat;
  /** What creating the subject depends on; undefined for external subjects. */
  readonly dependable?: ITerraformDependable;
  /** True when the subject is not managed by this app. */
  readonly external: boolean;
}

/** What this app knows about a subject that exists outside it (see `Schema.fromSubject`). */
export interface ExternalSchemaOptions {
  /** The schema registered under the subject, e.g. to derive a ksqlDB stream's columns from it. @default - unknown */
  readonly format?: SchemaFormat;
}

/** A schema that another one references (Avro named types, JSON Schema `$ref`, Protobuf imports). */
export interface SchemaReference {
  /** The name the referencing schema uses for it: the Avro full name, the `$ref` URL or the `.proto` import path. */
  readonly name: string;
  /** The referenced subject. */
  readonly schema: ISchema;
  /** The version of the referenced subject. @default 1 */
  readonly version?: number;
}

/** Properties of a Schema. */
export interface SchemaProps {
  /** The schema. */
  readonly format: SchemaFormat;
  /**
   * The subject.
   * @default - `<topic>-value` (or `-key`) of `topic`, the TopicNameStrategy; one of `subject` and `topic` is required
   */
  readonly subject?: string;
  /** The topic whose messages this schema describes. @default - none */
  readonly topic?: ITopic;
  /** Whether the schema describes message values or keys. @default 'value' */
  readonly part?: 'value' | 'key';
  /** Which changes of the schema the registry accepts for the subject. @default - the registry-wide level */
  readonly compatibility?: Compatibility;
  /** Schemas this one references, with the name used for each inside the schema. @default - none */
  readonly references?: readonly SchemaReference[];
  /** Refuse to delete the subject. @default - the cluster's `protect` */
  readonly protect?: boolean;
}

/**
 * A subject in the Schema Registry (`streamform_schema`). A changed schema is checked against
 * the registry's compatibility rules at plan time.
 */
export class Schema extends Construct implements ISchema {
  /**
   * A subject that exists in the registry but is not managed by this app (registered by another
   * team or pipeline); schemas can reference it and streams read it.
   */
  static fromSubject(scope: Construct, id: string, subject: string, options: ExternalSchemaOptions = {}): ISchema {
    return new ExternalSchema(scope, id, subject, options.format);
  }

  /** The `streamform_schema` resource. */
  readonly resource: schemaRes.Schema;
  /** The subject. */
  readonly subject: string;
  /** The schema registered. */
  readonly format: SchemaFormat;
  /** The topic whose messages it describes, when given. */
  readonly topic?: ITopic;
  /** Declared by this app. */
  readonly external = false;

  constructor(scope: Construct, id: string, props: SchemaProps) {
    super(scope, id);
    const cluster = StreamformCluster.of(this);
    const v = new Validator(this);
    const subject = props.subject ?? (props.topic ? `${props.topic.topicName}-${props.part ?? 'value'}` : undefined);
    v.check(
      subject !== undefined,
      'subject',
      subject,
      'is required when no topic is given',
      'set subject, or topic to use "<topic>-value"',
    );
    if (props.format.type !== 'PROTOBUF') {
      v.check(
        props.format.document !== undefined,
        'format',
        props.format.text.slice(0, 60),
        `is not valid JSON for a ${props.format.type} schema`,
        'fix the schema text',
      );
    }
    v.throwIfAny();
    // The schema parsed by a real parser of its format (avsc, Ajv, protobufjs): at synth, so the
    // problems of every schema of the app are reported together.
    const references = (props.references ?? []).map((r) => ({ name: r.name, format: r.schema.format }));
    this.node.addValidation({
      validate: () =>
        [...(props.format.type === 'AVRO' ? avroProblems(props.format.document) : []), ...schemaProblems(props.format, references)].map(
          (p) => issueLine(this.node.path, 'format', p.value, p.problem, p.fix),
        ),
    });
    this.subject = subject!;
    this.format = props.format;
    this.topic = props.topic;
    registerSubject(
      this,
      this.subject,
      (props.references ?? []).map((r) => r.schema.subject),
    );
    this.resource = new schemaRes.Schema(this, 'Resource', {
      provider: cluster.provider,
      subject: this.subject,
      schemaType: props.format.type === 'AVRO' ? undefined : props.format.type,
      schema: props.format.text,
      compatibility: props.compatibility?.level,
      references: props.references?.map((r) => ({ name: r.name, subject: r.schema.subject, version: r.version ?? 1 })),
      deletionProtection: props.protect ?? cluster.protect,
      dependsOn: [props.topic?.dependable, ...(props.references ?? []).map((r) => r.schema.dependable)].filter(
        (d): d is ITerraformDependable => d !== undefined,
      ),
    });
  }

  /** The schema resource: what depends on the subject depends on it. */
  get dependable(): ITerraformDependable {
    return this.resource;
  }
}

class ExternalSchema extends Construct implements ISchema {
  readonly external = true;
  readonly dependable = undefined;
  constructor(
    scope: Construct,
    id: string,
    readonly subject: string,
    readonly format?: SchemaFormat,
  ) {
    super(scope, id);
  }
}

const AVRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Structural problems of an Avro record schema that the registry would reject. */
function avroProblems(doc: unknown): { value: unknown; problem: string; fix: string }[] {
  const out: { value: unknown; problem: string; fix: string }[] = [];
  if (typeof doc !== 'object' || doc === null) return out;
  const rec = doc as { type?: unknown; name?: unknown; fields?: unknown };
  if (rec.type !== 'record') return out;
  if (typeof rec.name !== 'string' || !AVRO_NAME.test(rec.name)) {
    out.push({ value: rec.name, problem: 'has a record without a valid name', fix: 'give the record a name like "Rating"' });
  }
  if (!Array.isArray(rec.fields)) {
    out.push({ value: rec.fields, problem: 'has a record without a fields array', fix: 'add "fields": [...]' });
    return out;
  }
  const seen = new Set<string>();
  for (const f of rec.fields as { name?: unknown; type?: unknown }[]) {
    if (typeof f.name !== 'string' || !AVRO_NAME.test(f.name)) {
      out.push({ value: f.name, problem: 'has a field with an invalid name', fix: 'use letters, digits and _' });
    } else if (seen.has(f.name)) {
      out.push({ value: f.name, problem: 'has the field twice', fix: 'remove the duplicate field' });
    } else {
      seen.add(f.name);
    }
    if (f.type === undefined) out.push({ value: f.name, problem: 'has a field without a type', fix: 'add "type" to the field' });
  }
  return out;
}
