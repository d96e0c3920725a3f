/**
 * HPACK decoding (src/provider/plugin/hpack.ts): RFC 7541's own examples (Appendix C), and header
 * blocks as nghttp2 (Node's HTTP/2 client, an encoder independent of ours) writes them, captured
 * from a real connection: every byte value a header may hold, Huffman-coded, the dynamic table
 * across requests, eviction, and the errors that end a connection.
 */
import * as http2 from 'http2';
import * as net from 'net';
import { encodeHeaders, HpackDecoder, HpackError, huffmanDecode, huffmanEncode } from '../../../src/provider/plugin/hpack';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('Huffman code (RFC 7541 Appendix B)', () => {
  test.each([
    ['www.example.com', 'f1e3 c2e5 f23a 6ba0 ab90 f4ff'],
    ['no-cache', 'a8eb 1064 9cbf'],
    ['custom-key', '25a8 49e9 5ba9 7d7f'],
    ['custom-value', '25a8 49e9 5bb8 e8b4 bf'],
  ])('RFC 7541 C.4: %s', (text, coded) => {
    expect(huffmanDecode(hex(coded)).toString('latin1')).toBe(text);
    expect(huffmanEncode(Buffer.from(text, 'latin1'))).toEqual(hex(coded));
  });

  test('every byte value round-trips', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(huffmanDecode(huffmanEncode(all))).toEqual(all);
  });

  test('padding longer than 7 bits, padding of zeros, and EOS are refused', () => {
    expect(() => huffmanDecode(Buffer.from([0xff]))).toThrow(HpackError); // 8 one bits: longer than 7 bits of padding
    expect(() => huffmanDecode(Buffer.from([0x00]))).toThrow(HpackError); // '0' (00000) then 000: not ones
    expect(() => huffmanDecode(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(/holds EOS/); // EOS (30 ones), then 2 bits of valid padding
  });
});

describe('HpackDecoder', () => {
  test('RFC 7541 C.3: requests without Huffman coding share a dynamic table', () => {
    const d = new HpackDecoder();
    expect(d.decode(hex('8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d'))).toEqual([
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/'],
      [':authority', 'www.example.com'],
    ]);
    expect(d.decode(hex('8286 84be 5808 6e6f 2d63 6163 6865'))).toEqual([
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/'],
      [':authority', 'www.example.com'],
      ['cache-control', 'no-cache'],
    ]);
    expect(d.decode(hex('8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65'))).toEqual([
      [':method', 'GET'],
      [':scheme', 'https'],
      [':path', '/index.html'],
      [':authority', 'www.example.com'],
      ['custom-key', 'custom-value'],
    ]);
  });

  test('RFC 7541 C.4: the same requests with Huffman coding', () => {
    const d = new HpackDecoder();
    expect(d.decode(hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'))).toContainEqual([':authority', 'www.example.com']);
    expect(d.decode(hex('8286 84be 5886 a8eb 1064 9cbf'))).toContainEqual(['cache-control', 'no-cache']);
    expect(d.decode(hex('8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf'))).toEqual([
      [':method', 'GET'],
      [':scheme', 'https'],
      [':path', '/index.html'],
      [':authority', 'www.example.com'],
      ['custom-key', 'custom-value'],
    ]);
  });

  test('entries beyond the table size are evicted oldest first; a size update empties it', () => {
    const d = new HpackDecoder(100);
    d.decode(encodeLiteralIndexed('a', 'x'.repeat(30))); // 63 octets
    d.decode(encodeLiteralIndexed('b', 'y'.repeat(30))); // evicts a
    expect(d.decode(Buffer.from([0x80 | 62]))).toEqual([['b', 'y'.repeat(30)]]);
    expect(() => d.decode(Buffer.from([0x80 | 63]))).toThrow(/index 63 does not exist/);
    d.decode(Buffer.from([0x20])); // size 0
    expect(() => d.decode(Buffer.from([0x80 | 62]))).toThrow(HpackError);
    expect(() => d.decode(Buffer.from([0x3f, 0x80, 0x01]))).toThrow(/above the 100 announced/); // 31 + 128
    expect(() => d.decode(Buffer.from([0x82, 0x20]))).toThrow(/size update after a header field/);
  });

  test('truncated blocks are errors, not wrong fields', () => {
    const d = new HpackDecoder();
    expect(() => d.decode(hex('41 0f77 7777'))).toThrow(/ends inside a string/);
    expect(() => d.decode(hex('ff'))).toThrow(/ends inside an integer/);
  });

  test('encodeHeaders: full static matches indexed, other fields literal without indexing (the peer’s table untouched)', () => {
    const block = encodeHeaders([
      [':status', '200'],
      ['content-type', 'application/grpc'],
      ['grpc-status', '0'],
    ]);
    expect(block[0]).toBe(0x88);
    const d = new HpackDecoder();
    expect(d.decode(block)).toEqual([
      [':status', '200'],
      ['content-type', 'application/grpc'],
      ['grpc-status', '0'],
    ]);
    expect(() => d.decode(Buffer.from([0x80 | 62]))).toThrow(HpackError); // nothing was added
  });
});

/** A literal with incremental indexing and a new name, raw strings (short ones only). */
function encodeLiteralIndexed(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0x40, name.length]), Buffer.from(name), Buffer.from([value.length]), Buffer.from(value)]);
}

describe('header blocks as nghttp2 (Node’s HTTP/2 client) encodes them', () => {
  /**
   * Sends requests with these headers over a real HTTP/2 connection to a socket that records the
   * frames, and returns each request's header block (HEADERS + CONTINUATION payloads).
   */
  async function captured(requests: Record<string, string>[]): Promise<Buffer[]> {
    const blocks: Buffer[] = [];
    let received = Buffer.alloc(0);
    const server = net.createServer((socket) => {
      // the server's preface (empty SETTINGS), then ACK whatever comes
      socket.write(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]));
      socket.on('data', (d: Buffer) => {
        received = Buffer.concat([received, d]);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    const client = http2.connect(`http://127.0.0.1:${port}`);
    client.on('error', () => undefined);
    for (const h of requests) {
      const req = client.request({ ':method': 'POST', ':path': '/x', ...h }, { endStream: true });
      req.on('error', () => undefined);
    }
    await new Promise((r) => setTimeout(r, 300));
    client.destroy();
    server.close();
    let i = 24; // the client's preface
    let block: Buffer[] = [];
    while (i + 9 <= received.length) {
      const len = received.readUIntBE(i, 3);
      const type = received[i + 3];
      const flags = received[i + 4];
      let payload = received.subarray(i + 9, i + 9 + len);
      if (type === 1) {
        if (flags & 0x8) payload = payload.subarray(1, payload.length - payload[0]);
        if (flags & 0x20) payload = payload.subarray(5);
      }
      if (type === 1 || type === 9) {
        block.push(payload);
        if (flags & 0x4) {
          blocks.push(Buffer.concat(block));
          block = [];
        }
      }
      i += 9 + len;
    }
    return blocks;
  }

  test('every byte a header value may hold, Huffman-coded among short codes, decodes to itself', async () => {
    // bytes Node lets a header value hold: tab, 0x20-0x7e, 0x80-0xff; 40 'e's (5-bit codes) make
    // Huffman shorter than raw even for the 28-bit codes, so nghttp2 codes every value with it
    const bytes = [9, ...Array.from({ length: 0x5f }, (_, i) => 0x20 + i), ...Array.from({ length: 0x80 }, (_, i) => 0x80 + i)];
    const values = bytes.map((b) => 'e'.repeat(40) + String.fromCharCode(b) + 'e');
    const blocks = await captured(values.map((v, i) => ({ [`x-v${i}`]: v })));
    expect(blocks).toHaveLength(values.length);
    const d = new HpackDecoder();
    const decoded = blocks.map((b) => d.decode(b));
    decoded.forEach((fields, i) => expect(fields).toContainEqual([`x-v${i}`, values[i]]));
    // the values were Huffman-coded (their raw bytes do not appear in the blocks)
    const huffmanCoded = blocks.filter((b, i) => !b.includes(Buffer.from(values[i], 'latin1'))).length;
    expect(huffmanCoded).toBe(values.length);
  });

  test('gRPC-like requests on one connection: later requests use the dynamic table', async () => {
    const grpcHeaders = { 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '10S' };
    const blocks = await captured(Array.from({ length: 5 }, () => grpcHeaders));
    const d = new HpackDecoder();
    const fields = blocks.map((b) => d.decode(b));
    for (const f of fields) {
      expect(f).toEqual(
        expect.arrayContaining([
          [':path', '/x'],
          ['content-type', 'application/grpc'],
          ['te', 'trailers'],
        ]),
      );
    }
    expect(blocks[4].length).toBeLessThan(blocks[0].length / 2);
  });
});
