/**
 * Protocol buffers for the calls OpenTofu makes once per resource (validate, upgrade, read, plan,
 * apply) and the provider's configuration, read and written straight from and to bytes: a request
 * becomes an object of just the fields its handler reads (the shape protobufjs' toObject gives them:
 * absent strings '', bytes empty, messages null), an answer is written from the handler's object.
 * protobufjs (serve.ts loadServices) stays for everything else, and for an answer holding a field
 * not described here, so no field is ever dropped: it then loads on first use, not at start.
 *
 * Wire format: protobuf.dev/programming-guides/encoding. Proto3 scalars at their default value are
 * not written (as Go's encoder does); a oneof member is written whenever it is set.
 */

type Kind = 'string' | 'bytes' | 'bool' | 'int64' | 'enum' | 'message';

interface Field {
  readonly no: number;
  readonly name: string;
  readonly kind: Kind;
  readonly repeated?: boolean;
  /** Member of a oneof: written when set, even at its default value. */
  readonly oneof?: boolean;
  readonly message?: Message;
  readonly values?: Readonly<Record<string, number>>;
}

interface Message {
  readonly fields: readonly Field[];
  /** Fields by number (decoding) and by name (encoding). */
  readonly byNo: ReadonlyMap<number, Field>;
  readonly byName: ReadonlyMap<string, Field>;
}

function message(fields: readonly Field[]): Message {
  const sorted = [...fields].sort((a, b) => a.no - b.no);
  return { fields: sorted, byNo: new Map(sorted.map((f) => [f.no, f])), byName: new Map(sorted.map((f) => [f.name, f])) };
}

// tfplugin6.proto's messages, as far as the calls below use them
const DynamicValue = message([
  { no: 1, name: 'msgpack', kind: 'bytes' },
  { no: 2, name: 'json', kind: 'bytes' },
]);
const RawState = message([{ no: 1, name: 'json', kind: 'bytes' }]);
const AttributePath = message([
  {
    no: 1,
    name: 'steps',
    kind: 'message',
    repeated: true,
    message: message([
      { no: 1, name: 'attribute_name', kind: 'string', oneof: true },
      { no: 2, name: 'element_key_string', kind: 'string', oneof: true },
      { no: 3, name: 'element_key_int', kind: 'int64', oneof: true },
    ]),
  },
]);
const Diagnostic = message([
  { no: 1, name: 'severity', kind: 'enum', values: { INVALID: 0, ERROR: 1, WARNING: 2 } },
  { no: 2, name: 'summary', kind: 'string' },
  { no: 3, name: 'detail', kind: 'string' },
  { no: 4, name: 'attribute', kind: 'message', message: AttributePath },
]);
const dv = (no: number, name: string): Field => ({ no, name, kind: 'message', message: DynamicValue });
const diagnostics = (no: number): Field => ({ no, name: 'diagnostics', kind: 'message', repeated: true, message: Diagnostic });
const typeName: Field = { no: 1, name: 'type_name', kind: 'string' };

/**
 * Per method: the request's fields its handler reads (framework/server.ts declares them), and
 * every field of the answer the handler may set.
 */
export const LEAN_METHODS: Readonly<Record<string, { readonly request: Message; readonly response: Message }>> = {
  ValidateProviderConfig: { request: message([dv(1, 'config')]), response: message([diagnostics(2)]) },
  ConfigureProvider: {
    request: message([{ no: 1, name: 'terraform_version', kind: 'string' }, dv(2, 'config')]),
    response: message([diagnostics(1)]),
  },
  ValidateResourceConfig: { request: message([typeName, dv(2, 'config')]), response: message([diagnostics(1)]) },
  UpgradeResourceState: {
    request: message([typeName, { no: 3, name: 'raw_state', kind: 'message', message: RawState }]),
    response: message([dv(1, 'upgraded_state'), diagnostics(2)]),
  },
  ReadResource: {
    request: message([typeName, dv(2, 'current_state'), { no: 3, name: 'private', kind: 'bytes' }]),
    response: message([dv(1, 'new_state'), diagnostics(2), { no: 3, name: 'private', kind: 'bytes' }]),
  },
  PlanResourceChange: {
    request: message([
      typeName,
      dv(2, 'prior_state'),
      dv(3, 'proposed_new_state'),
      dv(4, 'config'),
      { no: 5, name: 'prior_private', kind: 'bytes' },
    ]),
    response: message([
      dv(1, 'planned_state'),
      { no: 2, name: 'requires_replace', kind: 'message', repeated: true, message: AttributePath },
      { no: 3, name: 'planned_private', kind: 'bytes' },
      diagnostics(4),
      { no: 5, name: 'legacy_type_system', kind: 'bool' },
    ]),
  },
  ApplyResourceChange: {
    request: message([
      typeName,
      dv(2, 'prior_state'),
      dv(3, 'planned_state'),
      dv(4, 'config'),
      { no: 5, name: 'planned_private', kind: 'bytes' },
    ]),
    response: message([
      dv(1, 'new_state'),
      { no: 2, name: 'private', kind: 'bytes' },
      diagnostics(3),
      { no: 4, name: 'legacy_type_system', kind: 'bool' },
    ]),
  },
};

const EMPTY = Buffer.alloc(0);

function defaultOf(f: Field): unknown {
  if (f.repeated) return [];
  switch (f.kind) {
    case 'string':
      return '';
    case 'bytes':
      return EMPTY;
    case 'bool':
      return false;
    case 'int64':
      return 0;
    case 'enum':
      return Object.keys(f.values!).find((k) => f.values![k] === 0) ?? 0;
    case 'message':
      return null;
  }
}

class Reader {
  at = 0;
  constructor(readonly buf: Buffer) {}
  varint(): number {
    // exact up to 49 bits; a longer one (a large or negative int64) is read again through BigInt
    const start = this.at;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 7; i++) {
      if (this.at >= this.buf.length) throw new Error('a protobuf message cut short in a varint');
      const b = this.buf[this.at++];
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    this.at = start;
    let v = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.at >= this.buf.length) throw new Error('a protobuf message cut short in a varint');
      const b = this.buf[this.at++];
      v |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (b < 0x80) return Number(BigInt.asIntN(64, v));
    }
    throw new Error('a protobuf varint longer than 10 bytes');
  }
  bytes(): Buffer {
    const n = this.length();
    if (this.at + n > this.buf.length) throw new Error('a protobuf message cut short in a length-delimited field');
    this.at += n;
    return this.buf.subarray(this.at - n, this.at);
  }
  /** A length prefix (a varint read as uint32, as protobufjs does; a negative one is refused, not a step back). */
  length(): number {
    const n = this.varint();
    if (n < 0 || n > 0xffffffff) throw new Error(`a protobuf length of ${n}`);
    return n;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.at += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.at += 4;
    else throw new Error(`protobuf wire type ${wire} is not supported`);
    if (this.at > this.buf.length) throw new Error('a protobuf message cut short');
  }
}

const WIRE: Record<Kind, number> = { string: 2, bytes: 2, message: 2, bool: 0, int64: 0, enum: 0 };

/** A request message: its declared fields, each present or at its default; other fields skipped. */
export function leanDecode(bytes: Buffer, m: Message): Record<string, unknown> {
  return decodeMessage(new Reader(bytes), bytes.length, m);
}

function decodeMessage(r: Reader, end: number, m: Message): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of m.fields) out[f.name] = defaultOf(f);
  while (r.at < end) {
    const key = r.varint();
    const no = Math.floor(key / 8);
    const wire = key & 7;
    const f = m.byNo.get(no);
    if (!f) {
      r.skip(wire);
      continue;
    }
    if (wire !== WIRE[f.kind]) throw new Error(`protobuf field ${f.name} (${no}) came with wire type ${wire}`);
    let v: unknown;
    switch (f.kind) {
      case 'string':
        v = r.bytes().toString('utf8');
        break;
      case 'bytes':
        v = r.bytes();
        break;
      case 'bool':
        v = r.varint() !== 0;
        break;
      case 'int64':
        v = r.varint();
        break;
      case 'enum': {
        const n = r.varint();
        v = Object.keys(f.values!).find((k) => f.values![k] === n) ?? n;
        break;
      }
      case 'message': {
        const n = r.length();
        const stop = r.at + n;
        if (stop > end) throw new Error(`a protobuf message cut short in ${f.name}`);
        v = decodeMessage(r, stop, f.message!);
        r.at = stop;
        break;
      }
    }
    if (f.repeated) (out[f.name] as unknown[]).push(v);
    else out[f.name] = v;
  }
  if (r.at !== end) throw new Error('a protobuf message cut short');
  return out;
}

/** The bytes of an answer, or undefined when it holds something not described here (protobufjs then writes it). */
export function leanEncode(value: Record<string, unknown>, m: Message): Buffer | undefined {
  const size = sizeOf(value, m);
  if (size < 0) return undefined;
  const buf = Buffer.allocUnsafe(size);
  const at = write(buf, 0, value, m);
  if (at !== size) throw new Error(`lean protobuf encoder: wrote ${at} bytes of ${size}`);
  return buf;
}

function varintSize(v: number): number {
  if (v < 0) return 10;
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Whether a scalar is written: set, and (outside a oneof) not at its default. */
function present(f: Field, v: unknown): boolean {
  if (v === null || v === undefined) return false;
  if (f.oneof || f.repeated || f.kind === 'message') return true;
  switch (f.kind) {
    case 'string':
      return v !== '';
    // a value of another kind is "present", so valueSize refuses it (protobufjs then writes the answer)
    case 'bytes':
      return !(v instanceof Uint8Array) || v.length > 0;
    case 'bool':
      return v !== false;
    case 'int64':
      return v !== 0;
    case 'enum':
      return enumNumber(f, v) !== 0;
  }
}

function enumNumber(f: Field, v: unknown): number {
  return typeof v === 'number' ? v : f.values![v as string];
}

/** The size of one value of a field without its key, or -1 when it is not of the field's kind. */
function valueSize(f: Field, v: unknown): number {
  switch (f.kind) {
    case 'string': {
      if (typeof v !== 'string') return -1;
      const n = Buffer.byteLength(v, 'utf8');
      return varintSize(n) + n;
    }
    case 'bytes':
      if (!(v instanceof Uint8Array)) return -1;
      return varintSize(v.length) + v.length;
    case 'bool':
      return typeof v === 'boolean' ? 1 : -1;
    case 'int64':
      return Number.isSafeInteger(v) ? varintSize(v as number) : -1;
    case 'enum': {
      const n = enumNumber(f, v);
      return Number.isInteger(n) && n >= 0 ? varintSize(n) : -1;
    }
    case 'message': {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) return -1;
      const n = sizeOf(v as Record<string, unknown>, f.message!);
      return n < 0 ? -1 : varintSize(n) + n;
    }
  }
}

function sizeOf(value: Record<string, unknown>, m: Message): number {
  let size = 0;
  for (const k in value) {
    const v = value[k];
    const f = m.byName.get(k);
    if (!f) {
      if (v === null || v === undefined) continue;
      return -1; // a field not described here
    }
    if (f.repeated) {
      if (v === null || v === undefined) continue;
      if (!Array.isArray(v)) return -1;
      for (const e of v) {
        const n = valueSize(f, e);
        if (n < 0) return -1;
        size += varintSize(f.no * 8) + n;
      }
      continue;
    }
    if (!present(f, v)) continue;
    const n = valueSize(f, v);
    if (n < 0) return -1;
    size += varintSize(f.no * 8) + n;
  }
  return size;
}

function writeVarint(buf: Buffer, at: number, v: number): number {
  if (v < 0) {
    let b = BigInt.asUintN(64, BigInt(v));
    for (let i = 0; i < 9; i++) {
      buf[at++] = Number(b & 0x7fn) | 0x80;
      b >>= 7n;
    }
    buf[at++] = Number(b);
    return at;
  }
  while (v >= 128) {
    buf[at++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[at++] = v;
  return at;
}

function writeValue(buf: Buffer, at: number, f: Field, v: unknown): number {
  at = writeVarint(buf, at, f.no * 8 + WIRE[f.kind]);
  switch (f.kind) {
    case 'string': {
      const n = Buffer.byteLength(v as string, 'utf8');
      at = writeVarint(buf, at, n);
      return at + buf.write(v as string, at, n, 'utf8');
    }
    case 'bytes': {
      const b = v as Uint8Array;
      at = writeVarint(buf, at, b.length);
      buf.set(b, at);
      return at + b.length;
    }
    case 'bool':
      buf[at] = v ? 1 : 0;
      return at + 1;
    case 'int64':
      return writeVarint(buf, at, v as number);
    case 'enum':
      return writeVarint(buf, at, enumNumber(f, v));
    case 'message': {
      const n = sizeOf(v as Record<string, unknown>, f.message!);
      at = writeVarint(buf, at, n);
      return write(buf, at, v as Record<string, unknown>, f.message!);
    }
  }
}

/** Writes the fields in their numbers' order (as protobuf encoders do). */
function write(buf: Buffer, at: number, value: Record<string, unknown>, m: Message): number {
  for (const f of m.fields) {
    const v = value[f.name];
    if (f.repeated) {
      if (Array.isArray(v)) for (const e of v) at = writeValue(buf, at, f, e);
    } else if (present(f, v)) at = writeValue(buf, at, f, v);
  }
  return at;
}
