import * as crypto from 'crypto';

/**
 * A self-signed X.509 certificate for `localhost`, built with Node's crypto and a small DER
 * encoder (Node can create keys and signatures but not certificates). It mirrors the properties
 * of go-plugin's own AutoMTLS certificate: SAN DNS:localhost, server and client auth, CA bit,
 * a positive serial.
 */
export interface PluginCertificate {
  readonly der: Buffer;
  readonly certPem: string;
  readonly keyPem: string;
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const bool = (b: boolean) => tlv(0x01, Buffer.from([b ? 0xff : 0x00]));
const octets = (b: Buffer) => tlv(0x04, b);
const bits = (b: Buffer) => tlv(0x03, Buffer.concat([Buffer.from([0]), b]));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const integer = (b: Buffer) => tlv(0x02, b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out = [40 * parts[0] + parts[1]];
  for (const v of parts.slice(2)) {
    const chunk = [v & 0x7f];
    for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128)) chunk.unshift((x & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function time(d: Date): Buffer {
  const s = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(s.slice(2))) : tlv(0x18, Buffer.from(s));
}

const ECDSA_SHA256 = '1.2.840.10045.4.3.2';

export function createPluginCertificate(now: Date = new Date()): PluginCertificate {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const serial = crypto.randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x01; // positive and non-zero
  const algorithm = seq(oid(ECDSA_SHA256));
  const name = seq(set(seq(oid('2.5.4.10'), utf8('streamform'))), set(seq(oid('2.5.4.3'), utf8('localhost'))));
  const validity = seq(time(new Date(now.getTime() - 30_000)), time(new Date(now.getTime() + 365 * 24 * 3600_000)));
  // keyUsage: digitalSignature, keyEncipherment, keyAgreement, keyCertSign
  const keyUsage = seq(oid('2.5.29.15'), bool(true), octets(tlv(0x03, Buffer.from([0x02, 0xac]))));
  const extKeyUsage = seq(oid('2.5.29.37'), octets(seq(oid('1.3.6.1.5.5.7.3.2'), oid('1.3.6.1.5.5.7.3.1'))));
  const basicConstraints = seq(oid('2.5.29.19'), bool(true), octets(seq(bool(true))));
  const subjectAltName = seq(oid('2.5.29.17'), octets(seq(tlv(0x82, Buffer.from('localhost')))));
  const extensions = tlv(0xa3, seq(keyUsage, extKeyUsage, basicConstraints, subjectAltName));
  const tbs = seq(tlv(0xa0, integer(Buffer.from([2]))), integer(serial), algorithm, name, validity, name, spki, extensions);
  const signature = crypto.sign('sha256', tbs, privateKey);
  const der = seq(tbs, algorithm, bits(signature));
  const certPem = `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE-----\n`;
  return { der, certPem, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}
