/**
 * Protobuf schemas for the PROTOBUF and PROTOBUF_NOSR formats: a parser for `.proto` text
 * (proto3/proto2 messages, enums, maps, oneofs, imports, Confluent's field metadata), the
 * resolved message model the wire codec uses, the schemas ksqlDB generates for columns
 * (Connect's translation: `ConnectDefault<n>` names, fields numbered from 1, logical types as
 * google.protobuf.Timestamp / google.type.Date / google.type.TimeOfDay / confluent.type.Decimal)
 * and the inverse translation used by schema inference.
 */
import { KsqlError, NotSupportedError } from './errors';
import type { Column, Namespace } from './model';
import { T, array, decimal, map, struct, type SqlType } from './types';

type PbScalar =
  | 'double'
  | 'float'
  | 'int32'
  | 'int64'
  | 'uint32'
  | 'uint64'
  | 'sint32'
  | 'sint64'
  | 'fixed32'
  | 'fixed64'
  | 'sfixed32'
  | 'sfixed64'
  | 'bool'
  | 'string'
  | 'bytes';

const SCALARS = new Set<string>([
  'double',
  'float',
  'int32',
  'int64',
  'uint32',
  'uint64',
  'sint32',
  'sint64',
  'fixed32',
  'fixed64',
  'sfixed32',
  'sfixed64',
  'bool',
  'string',
  'bytes',
]);

interface PbEnum {
  readonly fullName: string;
  readonly byNumber: ReadonlyMap<number, string>;
  readonly byName: ReadonlyMap<string, number>;
}

export interface PbField {
  readonly name: string;
  readonly number: number;
  readonly type: PbScalar | 'message' | 'enum';
  readonly repeated: boolean;
  /** proto3 `optional` (explicit presence). */
  readonly optional: boolean;
  /** Name of the (real) oneof the field belongs to. */
  readonly oneof?: string;
  /** Set once resolved. */
  message?: PbMessage;
  enumType?: PbEnum;
  /** Confluent field metadata (`precision`, `scale` of decimals, ...). */
  readonly params: Readonly<Record<string, string>>;
}

export interface PbMessage {
  readonly fullName: string;
  readonly fields: PbField[];
  readonly isMapEntry: boolean;
  /** field number → field */
  readonly byNumber: Map<number, PbField>;
}

export const TIMESTAMP_TYPE = 'google.protobuf.Timestamp';
export const DATE_TYPE = 'google.type.Date';
export const TIME_TYPE = 'google.type.TimeOfDay';
export const DECIMAL_TYPE = 'confluent.type.Decimal';

/** The well-known imports every schema may use. */
const WELL_KNOWN: Readonly<Record<string, string>> = {
  'google/protobuf/timestamp.proto':
    'syntax = "proto3"; package google.protobuf; message Timestamp { int64 seconds = 1; int32 nanos = 2; }',
  'google/type/date.proto': 'syntax = "proto3"; package google.type; message Date { int32 year = 1; int32 month = 2; int32 day = 3; }',
  'google/type/timeofday.proto':
    'syntax = "proto3"; package google.type; message TimeOfDay { int32 hours = 1; int32 minutes = 2; int32 seconds = 3; int32 nanos = 4; }',
  'confluent/type/decimal.proto':
    'syntax = "proto3"; package confluent.type; message Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; }',
  'google/protobuf/wrappers.proto': [
    'syntax = "proto3"; package google.protobuf;',
    'message DoubleValue { double value = 1; } message FloatValue { float value = 1; }',
    'message Int64Value { int64 value = 1; } message UInt64Value { uint64 value = 1; }',
    'message Int32Value { int32 value = 1; } message UInt32Value { uint32 value = 1; }',
    'message BoolValue { bool value = 1; } message StringValue { string value = 1; } message BytesValue { bytes value = 1; }',
  ].join('\n'),
  'confluent/meta.proto': 'syntax = "proto3"; package confluent;',
  'google/protobuf/descriptor.proto': 'syntax = "proto3"; package google.protobuf;',
  'google/protobuf/empty.proto': 'syntax = "proto3"; package google.protobuf; message Empty { }',
};

// ------------------------------------------------------------------------------------------
// Parsing

interface RawField {
  name: string;
  number: number;
  typeName: string;
  label?: 'repeated' | 'optional' | 'required';
  mapKey?: string;
  oneof?: string;
  params: Record<string, string>;
}

interface RawMessage {
  name: string;
  fullName: string;
  fields: RawField[];
  messages: RawMessage[];
  enums: RawEnum[];
}

interface RawEnum {
  fullName: string;
  values: [string, number][];
}

interface RawFile {
  pkg?: string;
  imports: string[];
  messages: RawMessage[];
  enums: RawEnum[];
}

class Tokens {
  private readonly toks: string[] = [];
  private i = 0;
  constructor(text: string) {
    const re =
      /\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[A-Za-z_.][A-Za-z0-9_.]*|-?[0-9][A-Za-z0-9_.+-]*|[{}[\]()<>=;,:]/y;
    let m: RegExpExecArray | null;
    while (re.lastIndex < text.length) {
      const at = re.lastIndex;
      m = re.exec(text);
      if (!m) throw new KsqlError(`Invalid protobuf schema: unexpected character '${text[at]}'`);
      const t = m[0];
      if (/^\s/.test(t) || t.startsWith('//') || t.startsWith('/*')) continue;
      this.toks.push(t);
    }
  }
  peek(): string | undefined {
    return this.toks[this.i];
  }
  next(): string {
    const t = this.toks[this.i++];
    if (t === undefined) throw new KsqlError('Invalid protobuf schema: unexpected end');
    return t;
  }
  expect(t: string): void {
    const got = this.next();
    if (got !== t) throw new KsqlError(`Invalid protobuf schema: expected '${t}' but got '${got}'`);
  }
  accept(t: string): boolean {
    if (this.toks[this.i] === t) {
      this.i++;
      return true;
    }
    return false;
  }
  done(): boolean {
    return this.i >= this.toks.length;
  }
}

const unquote = (s: string): string => (/^["']/.test(s) ? s.slice(1, -1) : s);

/** Skips one option value or balanced block; returns the text of simple values. */
function skipValue(t: Tokens): string {
  const first = t.next();
  if (first !== '{' && first !== '[') return first;
  const close = first === '{' ? '}' : ']';
  let depth = 1;
  const parts: string[] = [first];
  while (depth > 0) {
    const x = t.next();
    parts.push(x);
    if (x === first) depth++;
    else if (x === close) depth--;
  }
  return parts.join(' ');
}

/** Confluent's `[(confluent.field_meta) = { params: [{ key: "k", value: "v" }] }]` → params. */
function metaParams(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /key\s*:?\s*("(?:[^"\\]|\\.)*"|'[^']*')\s*,?\s*value\s*:?\s*("(?:[^"\\]|\\.)*"|'[^']*')/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) out[unquote(m[1])] = unquote(m[2]);
  return out;
}

function parseFieldOptions(t: Tokens): Record<string, string> {
  let params: Record<string, string> = {};
  if (!t.accept('[')) return params;
  for (;;) {
    let name = '';
    if (t.accept('(')) {
      name = `(${t.next()})`;
      t.expect(')');
      while (t.peek()?.startsWith('.')) name += t.next();
    } else name = t.next();
    t.expect('=');
    const v = skipValue(t);
    if (name.startsWith('(confluent.field_meta)')) params = { ...params, ...metaParams(v) };
    if (t.accept(']')) break;
    t.expect(',');
  }
  return params;
}

function parseEnum(t: Tokens, scope: string): RawEnum {
  const name = t.next();
  const fullName = scope ? `${scope}.${name}` : name;
  const values: [string, number][] = [];
  t.expect('{');
  while (!t.accept('}')) {
    const x = t.next();
    if (x === ';') continue;
    if (x === 'option' || x === 'reserved') {
      while (t.next() !== ';');
      continue;
    }
    t.expect('=');
    const n = Number(t.next());
    parseFieldOptions(t);
    t.expect(';');
    values.push([x, n]);
  }
  return { fullName, values };
}

function parseMessage(t: Tokens, scope: string, isGroupBody = false): RawMessage {
  const name = isGroupBody ? '' : t.next();
  const fullName = scope ? `${scope}.${name}` : name;
  const msg: RawMessage = { name, fullName, fields: [], messages: [], enums: [] };
  t.expect('{');
  const body = (oneof?: string): void => {
    while (!t.accept('}')) {
      const x = t.next();
      if (x === ';') continue;
      if (x === 'message') msg.messages.push(parseMessage(t, fullName));
      else if (x === 'enum') msg.enums.push(parseEnum(t, fullName));
      else if (x === 'option' || x === 'reserved' || x === 'extensions') {
        while (t.next() !== ';');
      } else if (x === 'extend') {
        t.next();
        skipValue(t);
      } else if (x === 'oneof') {
        const oneofName = t.next();
        t.expect('{');
        body(oneofName);
      } else if (x === 'map') {
        t.expect('<');
        const k = t.next();
        t.expect(',');
        const v = t.next();
        t.expect('>');
        const fname = t.next();
        t.expect('=');
        const number = Number(t.next());
        const params = parseFieldOptions(t);
        t.expect(';');
        msg.fields.push({ name: fname, number, typeName: v, mapKey: k, label: 'repeated', params, ...(oneof ? { oneof } : {}) });
      } else {
        let label: RawField['label'];
        let typeName = x;
        if (x === 'repeated' || x === 'optional' || x === 'required') {
          label = x;
          typeName = t.next();
        }
        const fname = t.next();
        t.expect('=');
        const number = Number(t.next());
        const params = parseFieldOptions(t);
        t.expect(';');
        msg.fields.push({ name: fname, number, typeName, ...(label ? { label } : {}), params, ...(oneof ? { oneof } : {}) });
      }
    }
  };
  body();
  return msg;
}

function parseFile(text: string): RawFile {
  const t = new Tokens(text);
  const file: RawFile = { imports: [], messages: [], enums: [] };
  while (!t.done()) {
    const x = t.next();
    if (x === ';') continue;
    if (x === 'syntax' || x === 'edition') {
      while (t.next() !== ';');
    } else if (x === 'package') {
      file.pkg = t.next();
      t.expect(';');
    } else if (x === 'import') {
      let p = t.next();
      if (p === 'public' || p === 'weak') p = t.next();
      file.imports.push(unquote(p));
      t.expect(';');
    } else if (x === 'option') {
      while (t.next() !== ';');
    } else if (x === 'message') file.messages.push(parseMessage(t, file.pkg ?? ''));
    else if (x === 'enum') file.enums.push(parseEnum(t, file.pkg ?? ''));
    else if (x === 'extend') {
      t.next();
      skipValue(t);
    } else if (x === 'service') {
      t.next();
      skipValue(t);
    } else throw new KsqlError(`Invalid protobuf schema: unexpected '${x}'`);
  }
  return file;
}

// ------------------------------------------------------------------------------------------
// Resolution

/** A parsed schema: its top-level messages (in order) and every message by full name. */
export interface ProtoSchema {
  readonly pkg?: string;
  /** Top-level messages of the main file, in order (message index paths refer to these). */
  readonly messages: readonly PbMessage[];
  /** Nested messages of each message, in order (for message index paths). */
  readonly nested: ReadonlyMap<PbMessage, readonly PbMessage[]>;
  readonly byName: ReadonlyMap<string, PbMessage>;
}

/** Parses a schema; `resolveImport` gives the text of an imported file (schema references). */
export function parseProtoSchema(text: string, resolveImport: (name: string) => string | undefined = () => undefined): ProtoSchema {
  const files: RawFile[] = [];
  const seen = new Set<string>();
  const load = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const src = resolveImport(name) ?? WELL_KNOWN[name];
    if (src === undefined) throw new KsqlError(`Invalid protobuf schema: cannot resolve import '${name}'`);
    const f = parseFile(src);
    f.imports.forEach(load);
    files.push(f);
  };
  const main = parseFile(text);
  main.imports.forEach(load);
  files.push(main);
  const rawMessages = new Map<string, RawMessage>();
  const rawEnums = new Map<string, RawEnum>();
  const collect = (ms: RawMessage[], es: RawEnum[]): void => {
    for (const e of es) rawEnums.set(e.fullName, e);
    for (const m of ms) {
      rawMessages.set(m.fullName, m);
      collect(m.messages, m.enums);
    }
  };
  for (const f of files) collect(f.messages, f.enums);
  // well-known types are always available (ksqlDB's generated schemas import them)
  for (const [name, src] of Object.entries(WELL_KNOWN)) {
    if (seen.has(name)) continue;
    const f = parseFile(src);
    for (const m of f.messages) if (!rawMessages.has(m.fullName)) collect([m], []);
  }
  const messages = new Map<string, PbMessage>();
  const enums = new Map<string, PbEnum>();
  for (const [n, e] of rawEnums) {
    enums.set(n, { fullName: n, byNumber: new Map(e.values.map(([a, b]) => [b, a])), byName: new Map(e.values) });
  }
  const build = (m: RawMessage, isMapEntry = false): PbMessage => {
    const existing = messages.get(m.fullName);
    if (existing) return existing;
    const pm: PbMessage = { fullName: m.fullName, fields: [], isMapEntry, byNumber: new Map() };
    messages.set(m.fullName, pm);
    return pm;
  };
  for (const m of rawMessages.values()) build(m);
  const lookup = (typeName: string, scope: string): PbMessage | PbEnum | undefined => {
    if (typeName.startsWith('.')) return messages.get(typeName.slice(1)) ?? enums.get(typeName.slice(1));
    let s = scope;
    for (;;) {
      const full = s ? `${s}.${typeName}` : typeName;
      const found = messages.get(full) ?? enums.get(full);
      if (found) return found;
      if (!s) return undefined;
      const dot = s.lastIndexOf('.');
      s = dot < 0 ? '' : s.slice(0, dot);
    }
  };
  const scalarOrRef = (typeName: string, scope: string): { type: PbField['type']; message?: PbMessage; enumType?: PbEnum } => {
    if (SCALARS.has(typeName)) return { type: typeName as PbScalar };
    const r = lookup(typeName, scope);
    if (!r) throw new KsqlError(`Invalid protobuf schema: unknown type '${typeName}' in ${scope}`);
    return 'fields' in r ? { type: 'message', message: r } : { type: 'enum', enumType: r };
  };
  for (const m of rawMessages.values()) {
    const pm = messages.get(m.fullName)!;
    for (const f of m.fields) {
      let field: PbField;
      if (f.mapKey !== undefined) {
        const entryName = `${m.fullName}.${f.name.charAt(0).toUpperCase()}${f.name.slice(1)}Entry`;
        const entry: PbMessage = { fullName: entryName, fields: [], isMapEntry: true, byNumber: new Map() };
        const k: PbField = { name: 'key', number: 1, repeated: false, optional: false, params: {}, ...scalarOrRef(f.mapKey, m.fullName) };
        const v: PbField = {
          name: 'value',
          number: 2,
          repeated: false,
          optional: false,
          params: {},
          ...scalarOrRef(f.typeName, m.fullName),
        };
        entry.fields.push(k, v);
        entry.byNumber.set(1, k).set(2, v);
        field = { name: f.name, number: f.number, type: 'message', message: entry, repeated: true, optional: false, params: f.params };
      } else {
        field = {
          name: f.name,
          number: f.number,
          repeated: f.label === 'repeated',
          optional: f.label === 'optional',
          params: f.params,
          ...(f.oneof ? { oneof: f.oneof } : {}),
          ...scalarOrRef(f.typeName, m.fullName),
        };
      }
      pm.fields.push(field);
      pm.byNumber.set(field.number, field);
    }
  }
  // map entries declared as nested `...Entry` messages (repeated X_Entry with key/value)
  for (const pm of messages.values()) {
    if (pm.fields.length === 2 && pm.fields[0].name === 'key' && pm.fields[1].name === 'value' && pm.fullName.endsWith('Entry')) {
      (pm as { isMapEntry: boolean }).isMapEntry = true;
    }
  }
  const nested = new Map<PbMessage, PbMessage[]>();
  for (const m of rawMessages.values())
    nested.set(
      messages.get(m.fullName)!,
      m.messages.map((x) => messages.get(x.fullName)!),
    );
  return {
    ...(main.pkg ? { pkg: main.pkg } : {}),
    messages: main.messages.map((m) => messages.get(m.fullName)!),
    nested,
    byName: messages,
  };
}

/** The message a full schema name selects (or the first), with its message-index path. */
export function selectMessage(schema: ProtoSchema, fullName?: string): { message: PbMessage; indexes: number[] } {
  if (fullName === undefined || fullName === '') {
    const first = schema.messages[0];
    if (!first) throw new KsqlError('Invalid protobuf schema: no message definitions');
    return { message: first, indexes: [0] };
  }
  const search = (list: readonly PbMessage[], path: number[]): { message: PbMessage; indexes: number[] } | undefined => {
    for (let i = 0; i < list.length; i++) {
      const m = list[i];
      if (m.fullName === fullName || m.fullName === `${schema.pkg}.${fullName}`) return { message: m, indexes: [...path, i] };
      const inner = search(schema.nested.get(m) ?? [], [...path, i]);
      if (inner) return inner;
    }
    return undefined;
  };
  const found = search(schema.messages, []);
  if (!found) throw new KsqlError(`Schema does not contain a message named '${fullName}'`);
  return found;
}

/** The message at a message-index path. */
export function messageAt(schema: ProtoSchema, indexes: readonly number[]): PbMessage {
  let list: readonly PbMessage[] = schema.messages;
  let m: PbMessage | undefined;
  for (const i of indexes) {
    m = list[i];
    if (!m) throw new KsqlError(`Invalid message indexes: [${indexes.join(', ')}]`);
    list = schema.nested.get(m) ?? [];
  }
  if (!m) throw new KsqlError('Invalid message indexes: []');
  return m;
}

// ------------------------------------------------------------------------------------------
// Columns → schema (Connect's fromConnectSchema, as ksqlDB configures it)

interface GenMessage {
  name: string;
  fields: { label?: string; type: string; name: string; number: number; params?: Record<string, string> }[];
  nested: GenMessage[];
}

/** ksqlDB's schema for key or value columns; `single` = one unwrapped column. */
export function generateProtoSchema(columns: readonly { name: string; type: SqlType }[], single: boolean, fullName?: string): string {
  let counter = 0;
  const imports = new Set<string>();
  const defaultName = (): string => `ConnectDefault${++counter}`;
  const useName = fullName && !fullName.trim().startsWith('ConnectDefault') ? fullName.trim() : undefined;
  if (single && columns.length === 1 && columns[0].type.base !== 'STRUCT') {
    const t = columns[0].type;
    const wrappers: Partial<Record<SqlType['base'], string>> = {
      INTEGER: 'Int32Value',
      BIGINT: 'Int64Value',
      DOUBLE: 'DoubleValue',
      BOOLEAN: 'BoolValue',
      STRING: 'StringValue',
      BYTES: 'BytesValue',
    };
    const w = wrappers[t.base];
    if (!w) throw new KsqlError(`Unsupported root schema of type ${t.base}`);
    return `syntax = "proto3";\npackage google.protobuf;\n\nmessage ${w} {\n  ${w === 'Int32Value' ? 'int32' : w === 'Int64Value' ? 'int64' : w === 'DoubleValue' ? 'double' : w === 'BoolValue' ? 'bool' : w === 'StringValue' ? 'string' : 'bytes'} value = 1;\n}\n`;
  }
  const rootFields = single && columns.length === 1 && columns[0].type.base === 'STRUCT' ? columns[0].type.fields : columns;
  const rootFull = useName ?? defaultName();
  const dot = rootFull.lastIndexOf('.');
  const pkg = dot >= 0 ? rootFull.slice(0, dot) : undefined;
  const rootName = dot >= 0 ? rootFull.slice(dot + 1) : rootFull;
  const message = (name: string, fields: readonly { name: string; type: SqlType }[]): GenMessage => {
    const m: GenMessage = { name, fields: [], nested: [] };
    let n = 1;
    for (const f of fields) {
      let t = f.type;
      let label: string | undefined;
      if (t.base === 'ARRAY') {
        label = 'repeated';
        t = t.item;
        if (t.base === 'ARRAY') throw new KsqlError('Array cannot be nested');
      }
      const typeName = fieldType(m, t, f.name);
      m.fields.push({
        ...(label ? { label } : {}),
        type: typeName,
        name: f.name,
        number: n++,
        ...(t.base === 'DECIMAL' ? { params: { precision: String(t.precision), scale: String(t.scale) } } : {}),
      });
    }
    return m;
  };
  const fieldType = (parent: GenMessage, t: SqlType, fieldName: string): string => {
    switch (t.base) {
      case 'INTEGER':
        return 'int32';
      case 'BIGINT':
        return 'int64';
      case 'DOUBLE':
        return 'double';
      case 'BOOLEAN':
        return 'bool';
      case 'STRING':
        return 'string';
      case 'BYTES':
        return 'bytes';
      case 'DECIMAL':
        imports.add('confluent/meta.proto');
        imports.add('confluent/type/decimal.proto');
        return DECIMAL_TYPE;
      case 'DATE':
        imports.add('google/type/date.proto');
        return DATE_TYPE;
      case 'TIME':
        imports.add('google/type/timeofday.proto');
        return TIME_TYPE;
      case 'TIMESTAMP':
        imports.add('google/protobuf/timestamp.proto');
        return TIMESTAMP_TYPE;
      case 'MAP': {
        if (t.key.base !== 'STRING')
          throw new KsqlError(
            'PROTOBUF format only supports MAP types with STRING keys. See https://github.com/confluentinc/ksql/issues/6177.',
          );
        const entry = `${defaultName()}Entry`;
        const e: GenMessage = { name: entry, fields: [], nested: [] };
        e.fields.push({ type: fieldType(e, t.key, 'key'), name: 'key', number: 1 });
        const vt = t.value;
        e.fields.push({
          type: fieldType(e, vt, 'value'),
          name: 'value',
          number: 2,
          ...(vt.base === 'DECIMAL' ? { params: { precision: String(vt.precision), scale: String(vt.scale) } } : {}),
        });
        parent.nested.push(e);
        return `map:${entry}`;
      }
      case 'STRUCT': {
        let name = defaultName();
        if (name === fieldName) name += 'Message';
        parent.nested.push(message(name, t.fields));
        return name;
      }
      case 'ARRAY':
        throw new KsqlError('Array cannot be nested');
    }
  };
  const root = message(rootName, rootFields);
  const lines: string[] = ['syntax = "proto3";'];
  if (pkg) lines.push(`package ${pkg};`);
  if (imports.size > 0) lines.push('');
  for (const i of [...imports].sort()) lines.push(`import "${i}";`);
  lines.push('');
  const render = (m: GenMessage, indent: string): void => {
    lines.push(`${indent}message ${m.name} {`);
    for (const f of m.fields) {
      const meta = f.params
        ? ` [(confluent.field_meta) = {\n${indent}    params: [\n${Object.entries(f.params)
            .map(([k, v]) => `${indent}      {\n${indent}        key: "${k}",\n${indent}        value: "${v}"\n${indent}      }`)
            .join(',\n')}\n${indent}    ]\n${indent}  }]`
        : '';
      if (f.type.startsWith('map:')) {
        const entry = m.nested.find((x) => x.name === f.type.slice(4))!;
        lines.push(`${indent}  map<${entry.fields[0].type}, ${entry.fields[1].type}> ${f.name} = ${f.number}${meta};`);
      } else lines.push(`${indent}  ${f.label ? f.label + ' ' : ''}${f.type} ${f.name} = ${f.number}${meta};`);
    }
    for (const n of m.nested) if (!m.fields.some((f) => f.type === `map:${n.name}`)) render(n, indent + '  ');
    lines.push(`${indent}}`);
  };
  render(root, '');
  return lines.join('\n') + '\n';
}

// ------------------------------------------------------------------------------------------
// Schema → columns (schema inference: Connect's toConnectSchema, then ksqlDB's SQL types)

function fieldSqlType(f: PbField, seen: Set<string>): SqlType {
  const base = ((): SqlType => {
    switch (f.type) {
      case 'int32':
      case 'sint32':
      case 'sfixed32':
        return T.INTEGER;
      case 'int64':
      case 'uint32':
      case 'uint64':
      case 'sint64':
      case 'fixed32':
      case 'fixed64':
      case 'sfixed64':
        return T.BIGINT;
      case 'float':
      case 'double':
        return T.DOUBLE;
      case 'bool':
        return T.BOOLEAN;
      case 'string':
      case 'enum':
        return T.STRING;
      case 'bytes':
        return T.BYTES;
      case 'message': {
        const m = f.message!;
        if (m.isMapEntry) return map(fieldSqlType(m.fields[0], seen), fieldSqlType(m.fields[1], seen));
        switch (m.fullName) {
          case TIMESTAMP_TYPE:
            return T.TIMESTAMP;
          case DATE_TYPE:
            return T.DATE;
          case TIME_TYPE:
            return T.TIME;
          case DECIMAL_TYPE: {
            const p = Number(f.params.precision ?? NaN);
            const s = Number(f.params.scale ?? 0);
            if (!Number.isFinite(p)) throw new NotSupportedError('protobuf decimals without a precision');
            return decimal(p, s);
          }
        }
        return messageSqlType(m, seen);
      }
    }
  })();
  return f.repeated && !(f.type === 'message' && f.message!.isMapEntry) ? array(base) : base;
}

function messageSqlType(m: PbMessage, seen: Set<string>): SqlType {
  if (seen.has(m.fullName)) throw new KsqlError(`Recursive protobuf message ${m.fullName} is not supported`);
  const inner = new Set(seen).add(m.fullName);
  return struct(messageFields(m, inner));
}

function messageFields(m: PbMessage, seen: Set<string>): { name: string; type: SqlType }[] {
  const out: { name: string; type: SqlType }[] = [];
  const oneofs = new Map<string, PbField[]>();
  for (const f of m.fields) if (f.oneof !== undefined && !f.optional) oneofs.set(f.oneof, [...(oneofs.get(f.oneof) ?? []), f]);
  for (const [name, fs] of oneofs) out.push({ name, type: struct(fs.map((f) => ({ name: f.name, type: fieldSqlType(f, seen) }))) });
  for (const f of m.fields) if (f.oneof === undefined || f.optional) out.push({ name: f.name, type: fieldSqlType(f, seen) });
  return out;
}

/** Columns of a registered schema's message (ksqlDB's schema inference). */
export function protoColumns(message: PbMessage, ns: Namespace): Column[] {
  return messageFields(message, new Set()).map((f) => ({ name: f.name, type: f.type, ns }));
}
