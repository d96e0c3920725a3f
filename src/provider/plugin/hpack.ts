/**
 * HPACK (RFC 7541), the part an HTTP/2 server of unary gRPC calls needs: decoding the client's
 * header blocks (static and dynamic table, integers, raw and Huffman-coded strings), and encoding
 * header fields as literals that never touch the dynamic table (so the client's table size is
 * irrelevant to what this side sends).
 */

/** A decoding error: the connection has to end (RFC 9113 §4.3, COMPRESSION_ERROR). */
export class HpackError extends Error {}

/** RFC 7541 Appendix A: the static table, index 1 first. */
const STATIC_TABLE: readonly (readonly [string, string])[] = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

/**
 * RFC 7541 Appendix B: the Huffman code's length in bits for each symbol (bytes 0-255, then EOS).
 * The code is canonical (within a length, codes rise with the symbol; each length's first code
 * follows the previous length's last), so the lengths define it. The lengths were read from
 * golang.org/x/net/http2/hpack's HuffmanEncodeLength (OpenTofu's gRPC client encodes with it);
 * test/unit/provider/hpack.test.ts checks the code against RFC 7541's examples and against what
 * nghttp2 (Node's HTTP/2 client) sends.
 */
// prettier-ignore
const HUFFMAN_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];
const EOS = 256;
const MAX_CODE_LENGTH = 30;

/**
 * The canonical code's decoding tables: per length, the first code, how many symbols have it, and
 * where they start in the symbols sorted by (length, symbol).
 */
const huffman = (() => {
  const first = new Array<number>(MAX_CODE_LENGTH + 1).fill(0);
  const count = new Array<number>(MAX_CODE_LENGTH + 1).fill(0);
  const offset = new Array<number>(MAX_CODE_LENGTH + 1).fill(0);
  const symbols: number[] = [];
  for (let len = 1; len <= MAX_CODE_LENGTH; len++) {
    offset[len] = symbols.length;
    HUFFMAN_LENGTHS.forEach((l, sym) => {
      if (l === len) symbols.push(sym);
    });
    count[len] = symbols.length - offset[len];
  }
  let code = 0;
  for (let len = 1; len <= MAX_CODE_LENGTH; len++) {
    first[len] = code;
    code = (code + count[len]) * 2;
  }
  return { first, count, offset, symbols };
})();

/** The code of a symbol (for tests and the encoder): [bits, length]. */
export function huffmanCode(symbol: number): [number, number] {
  const len = HUFFMAN_LENGTHS[symbol];
  const index = huffman.symbols.indexOf(symbol, huffman.offset[len]);
  return [huffman.first[len] + (index - huffman.offset[len]), len];
}

/** Decodes a Huffman-coded string (RFC 7541 §5.2): padding of at most 7 one bits, no EOS. */
export function huffmanDecode(data: Buffer, start = 0, end = data.length): Buffer {
  const out = Buffer.allocUnsafe(Math.ceil(((end - start) * 8) / 5));
  let n = 0;
  let code = 0;
  let len = 0;
  let ones = true; // the bits of the symbol being read so far are all ones
  for (let i = start; i < end; i++) {
    const byte = data[i];
    for (let b = 7; b >= 0; b--) {
      const bit = (byte >> b) & 1;
      code = code * 2 + bit;
      len++;
      ones &&= bit === 1;
      const k = code - huffman.first[len];
      if (k >= 0 && k < huffman.count[len]) {
        const sym = huffman.symbols[huffman.offset[len] + k];
        if (sym === EOS) throw new HpackError('a Huffman-coded string holds EOS');
        out[n++] = sym;
        code = 0;
        len = 0;
        ones = true;
      } else if (len >= MAX_CODE_LENGTH) {
        throw new HpackError('a Huffman-coded string holds a code of more than 30 bits');
      }
    }
  }
  if (len > 7 || !ones) throw new HpackError('a Huffman-coded string ends with padding other than at most 7 one bits');
  return out.subarray(0, n);
}

/** Encodes a string with the Huffman code (the tests encode with it; the server's own header blocks are raw). */
export function huffmanEncode(text: Buffer): Buffer {
  const bytes: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const c of text) {
    const [code, len] = huffmanCode(c);
    for (let b = len - 1; b >= 0; b--) {
      acc = (acc << 1) | (Math.floor(code / 2 ** b) & 1);
      if (++bits === 8) {
        bytes.push(acc);
        acc = 0;
        bits = 0;
      }
    }
  }
  if (bits > 0) bytes.push(((acc << (8 - bits)) | ((1 << (8 - bits)) - 1)) & 0xff);
  return Buffer.from(bytes);
}

/** An integer with an N-bit prefix (RFC 7541 §5.1), at `pos.i` (advanced past it). */
function readInteger(block: Buffer, pos: { i: number }, prefixBits: number): number {
  const max = (1 << prefixBits) - 1;
  if (pos.i >= block.length) throw new HpackError('a header block ends inside an integer');
  let value = block[pos.i++] & max;
  if (value < max) return value;
  let shift = 0;
  for (;;) {
    if (pos.i >= block.length) throw new HpackError('a header block ends inside an integer');
    const b = block[pos.i++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return value;
    if (shift > 28) throw new HpackError('an HPACK integer of more than 32 bits');
  }
}

function readString(block: Buffer, pos: { i: number }): string {
  if (pos.i >= block.length) throw new HpackError('a header block ends before a string');
  const huffmanCoded = (block[pos.i] & 0x80) !== 0;
  const length = readInteger(block, pos, 7);
  const end = pos.i + length;
  if (end > block.length) throw new HpackError('a header block ends inside a string');
  const text = huffmanCoded ? huffmanDecode(block, pos.i, end).toString('latin1') : block.toString('latin1', pos.i, end);
  pos.i = end;
  return text;
}

/** An entry's size in the dynamic table (RFC 7541 §4.1). */
const entrySize = (name: string, value: string) => name.length + value.length + 32;

/** The decoding side of one HTTP/2 connection: its dynamic table lives as long as the connection. */
export class HpackDecoder {
  private readonly dynamic: [string, string][] = []; // newest first
  private size = 0;
  private maxSize: number;

  /** @param limit SETTINGS_HEADER_TABLE_SIZE this side announced (4,096 by default) */
  constructor(private readonly limit = 4096) {
    this.maxSize = limit;
  }

  /** The fields of one complete header block, in order (names as sent: lower case in HTTP/2). */
  decode(block: Buffer): [string, string][] {
    const fields: [string, string][] = [];
    const pos = { i: 0 };
    while (pos.i < block.length) {
      const b = block[pos.i];
      if (b & 0x80) {
        fields.push(this.entry(readInteger(block, pos, 7)));
      } else if (b & 0x40) {
        const field = this.literal(block, pos, 6);
        this.insert(field);
        fields.push(field);
      } else if (b & 0x20) {
        // only at the start of a block (RFC 7541 §4.2)
        if (fields.length > 0) throw new HpackError('a dynamic table size update after a header field');
        const size = readInteger(block, pos, 5);
        if (size > this.limit) throw new HpackError(`a dynamic table size update to ${size}, above the ${this.limit} announced`);
        this.maxSize = size;
        this.evict(0);
      } else {
        fields.push(this.literal(block, pos, 4)); // without indexing, or never indexed
      }
    }
    return fields;
  }

  private literal(block: Buffer, pos: { i: number }, prefixBits: number): [string, string] {
    const index = readInteger(block, pos, prefixBits);
    const name = index === 0 ? readString(block, pos) : this.entry(index)[0];
    return [name, readString(block, pos)];
  }

  private entry(index: number): [string, string] {
    if (index >= 1 && index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1] as [string, string];
    const e = this.dynamic[index - STATIC_TABLE.length - 1];
    if (!e) throw new HpackError(`header table index ${index} does not exist`);
    return e;
  }

  private insert(field: [string, string]): void {
    const size = entrySize(field[0], field[1]);
    this.evict(size);
    if (size > this.maxSize) return; // larger than the table: it empties the table (§4.4)
    this.dynamic.unshift(field);
    this.size += size;
  }

  /** Evicts the oldest entries until `room` more octets fit. */
  private evict(room: number): void {
    while (this.dynamic.length > 0 && this.size + room > this.maxSize) {
      const [name, value] = this.dynamic.pop()!;
      this.size -= entrySize(name, value);
    }
  }
}

function writeInteger(out: number[], firstByte: number, prefixBits: number, value: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(firstByte | value);
    return;
  }
  out.push(firstByte | max);
  value -= max;
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
}

/**
 * A header block of fields as literals without indexing (RFC 7541 §6.2.2), raw strings, names
 * from the static table where it has them: decodable whatever the peer's table holds.
 */
export function encodeHeaders(fields: readonly (readonly [string, string])[]): Buffer {
  const out: number[] = [];
  for (const [name, value] of fields) {
    const full = STATIC_TABLE.findIndex(([n, v]) => n === name && v === value);
    if (full >= 0) {
      writeInteger(out, 0x80, 7, full + 1);
      continue;
    }
    const named = STATIC_TABLE.findIndex(([n]) => n === name);
    writeInteger(out, 0x00, 4, named + 1); // 0: a new name follows
    for (const s of named >= 0 ? [value] : [name, value]) {
      const bytes = Buffer.from(s, 'latin1');
      writeInteger(out, 0x00, 7, bytes.length);
      out.push(...bytes);
    }
  }
  return Buffer.from(out);
}
