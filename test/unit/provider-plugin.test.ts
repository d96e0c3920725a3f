/**
 * The provider executable's plugin layer, without OpenTofu: the go-plugin handshake (magic cookie,
 * protocol version, AutoMTLS with a certificate for localhost), gRPC calls, Shutdown; and the
 * msgpack/cty codec. Starts the compiled provider as a child process.
 */
import * as grpc from '@grpc/grpc-js';
import { ChildProcess, execFileSync, spawn } from 'child_process';
import { X509Certificate } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { z } from 'zod';
import { ctyTypeOf } from '../../src/provider/framework/schema';
import { createPluginCertificate } from '../../src/provider/plugin/cert';
import { decode as msgpackDecode, encode as msgpackEncode, ExtensionCodec } from '@msgpack/msgpack';
import { conform, decodeDynamic, encodeDynamic, UNKNOWN } from '../../src/provider/plugin/cty';
import { PROVIDER_METHODS, PURE_METHODS } from '../../src/provider/framework/methods';
import { loadServices, MAGIC_COOKIE_VALUE, memoized } from '../../src/provider/plugin/serve';
import { REPO_ROOT } from '../../src/tools/toolchain/paths';
import { PROVIDER_NODE_FLAGS } from '../../src/tools/toolchain/providers';
import { startSharedProvider } from '../../src/tools/toolchain/shared-provider';
import { PROVIDER_BUNDLE, providerBundleFresh } from '../../src/provider/plugin/bundle';

/** A method of a client made by makeGenericClientConstructor: request, callback. */
type GrpcCallback = (err: Error | null, res: any) => void;
type GrpcMethod = ((request: unknown, callback: GrpcCallback) => void) &
  ((request: unknown, options: object, callback: GrpcCallback) => void);

// what the provider mirror's launcher runs: the bundle with its code cache when the set-up built it, else main.js
const MAIN = path.join(REPO_ROOT, 'dist', 'src', 'provider', 'launch.js');

function launch(env: NodeJS.ProcessEnv): {
  child: ChildProcess;
  line: Promise<string>;
  stderr: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const line = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.on('exit', () => reject(new Error(`provider exited before the handshake: ${err}`)));
  });
  line.catch(() => undefined); // tests that expect an early exit never await the line
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, line, stderr: () => err, exit };
}

describe('handshake', () => {
  test('without the magic cookie the provider refuses to run, like every go-plugin', async () => {
    const p = launch({});
    expect(await p.exit).toBe(1);
    expect(p.stderr()).toContain('This binary is a plugin. These are not meant to be executed directly.');
  });

  test('a client that offers no protocol 6 is refused with the reason', async () => {
    const p = launch({ TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: '5' });
    expect(await p.exit).toBe(1);
    expect(p.stderr()).toContain('this provider speaks plugin protocol 6, the client offered 5');
  });

  test('AutoMTLS: handshake line, certificate for localhost, gRPC over mutual TLS, Shutdown exits', async () => {
    const client = createPluginCertificate();
    const started = Date.now();
    const p = launch({ TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: '6,5', PLUGIN_CLIENT_CERT: client.certPem });
    const line = await p.line;
    const handshakeMs = Date.now() - started;
    const [core, proto, network, address, protocol, cert] = line.split('|');
    expect([core, proto, network, protocol]).toEqual(['1', '6', 'unix', 'grpc']);
    expect(cert).not.toContain('=');
    const server = new X509Certificate(Buffer.from(cert, 'base64'));
    expect(server.subjectAltName).toBe('DNS:localhost');
    expect(server.ca).toBe(true);
    expect(server.checkIssued(server)).toBe(true);
    expect(handshakeMs).toBeLessThan(10_000); // the figure that matters is in bench/provider.ts

    const pem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(cert, 'base64')
      .toString('base64')
      .match(/.{1,64}/g)!
      .join('\n')}\n-----END CERTIFICATE-----\n`;
    const creds = grpc.credentials.createSsl(Buffer.from(pem), Buffer.from(client.keyPem), Buffer.from(client.certPem));
    const services = loadServices();
    const Provider = grpc.makeGenericClientConstructor(services.provider, 'Provider');
    const Controller = grpc.makeGenericClientConstructor(services.controller, 'GRPCController');
    const options = { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' };
    const provider = new Provider(`unix:${address}`, creds, options) as unknown as Record<string, GrpcMethod>;
    const schema = await new Promise<any>((resolve, reject) =>
      provider.GetProviderSchema({}, (err: Error | null, res: unknown) => (err ? reject(err) : resolve(res))),
    );
    expect(Object.keys(schema.resource_schemas).sort()).toEqual(
      expect.arrayContaining(['streamform_connector', 'streamform_schema', 'streamform_topic']),
    );
    expect(schema.server_capabilities).toMatchObject({ plan_destroy: true, get_provider_schema_optional: true });
    const topicAttrs = schema.resource_schemas.streamform_topic.block.attributes.map((a: { name: string }) => a.name);
    expect(topicAttrs).toEqual(expect.arrayContaining(['name', 'partitions', 'config', 'replication_factor']));

    const controller = new Controller(`unix:${address}`, creds, options) as unknown as Record<string, GrpcMethod>;
    await new Promise<void>((resolve, reject) => controller.Shutdown({}, (err: Error | null) => (err ? reject(err) : resolve())));
    expect(await p.exit).toBe(0);
  });

  test('a client without the expected certificate cannot talk to the provider', async () => {
    const trusted = createPluginCertificate();
    const stranger = createPluginCertificate();
    const p = launch({ TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: '6', PLUGIN_CLIENT_CERT: trusted.certPem });
    const [, , , address, , cert] = (await p.line).split('|');
    const pem = `-----BEGIN CERTIFICATE-----\n${cert.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
    const creds = grpc.credentials.createSsl(Buffer.from(pem), Buffer.from(stranger.keyPem), Buffer.from(stranger.certPem));
    const Provider = grpc.makeGenericClientConstructor(loadServices().provider, 'Provider');
    const provider = new Provider(`unix:${address}`, creds, { 'grpc.ssl_target_name_override': 'localhost' }) as unknown as Record<
      string,
      GrpcMethod
    >;
    const err = await new Promise<Error | null>((resolve) =>
      provider.GetProviderSchema({}, { deadline: Date.now() + 5000 }, (e: Error | null) => resolve(e)),
    );
    expect(err).not.toBeNull();
    p.child.kill('SIGKILL');
  });
});

describe('cty codec', () => {
  const objectType = [
    'object',
    { name: 'string', partitions: 'number', config: ['map', 'string'], tags: ['list', 'string'], on: 'bool' },
  ] as const;

  test('round-trips objects, filling absent attributes with null', () => {
    const encoded = encodeDynamic({ name: 'orders', partitions: 3 } as never, objectType);
    expect(decodeDynamic(encoded, objectType)).toEqual({ name: 'orders', partitions: 3, config: null, tags: null, on: null });
  });

  test('encodes unknown values with the cty extension and decodes them back', () => {
    const encoded = encodeDynamic({ name: UNKNOWN, partitions: 1, config: null, tags: null, on: null }, objectType);
    expect(encoded.msgpack.includes(Buffer.from([0xd4, 0x00, 0x00]))).toBe(true);
    expect(decodeDynamic(encoded, objectType)).toMatchObject({ name: UNKNOWN, partitions: 1 });
  });

  test('accepts numbers sent as decimal strings and JSON raw state', () => {
    expect(conform('0.5', 'number', 'x')).toBe(0.5);
    expect(decodeDynamic({ json: Buffer.from('{"name":"a","partitions":2}') }, objectType)).toMatchObject({
      name: 'a',
      partitions: 2,
      tags: null,
    });
  });

  test('rejects values of the wrong type with the attribute path', () => {
    expect(() => conform({ name: 'a', partitions: 'many' }, objectType, '')).toThrow('partitions: expected a number, got "many"');
  });

  describe('msgpack, against @msgpack/msgpack as the reference codec', () => {
    const refCodec = new ExtensionCodec();
    refCodec.register({ type: 0, encode: (v) => (v === UNKNOWN ? new Uint8Array([0]) : null), decode: () => UNKNOWN });
    refCodec.register({ type: 12, encode: () => null, decode: () => UNKNOWN });
    const ref = {
      encode: (v: unknown) => Buffer.from(msgpackEncode(v, { extensionCodec: refCodec })),
      decode: (b: Buffer) => msgpackDecode(b, { extensionCodec: refCodec }),
    };
    const type = [
      'object',
      {
        name: 'string',
        partitions: 'number',
        config: ['map', 'string'],
        tags: ['set', 'string'],
        on: 'bool',
        nested: ['list', ['object', { a: 'number', b: ['map', 'number'] }]],
      },
    ] as const;
    // deterministic values at every msgpack size boundary
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const numbers = [
      0,
      1,
      127,
      128,
      255,
      256,
      65535,
      65536,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 53 - 1,
      -1,
      -32,
      -33,
      -128,
      -129,
      -32768,
      -32769,
      -(2 ** 31),
      -(2 ** 31) - 1,
      -(2 ** 53) + 1,
      0.5,
      -2.25,
      1e300,
      2 ** 60,
    ];
    const strings = [
      '',
      'a',
      'x'.repeat(31),
      'x'.repeat(32),
      'y'.repeat(255),
      'y'.repeat(256),
      'z'.repeat(65536),
      'héllo',
      '日本語',
      'emoji 🎉',
      'é'.repeat(20),
    ];
    const maybe = <T>(v: () => T): T | null | typeof UNKNOWN => (rnd() < 0.1 ? null : rnd() < 0.05 ? UNKNOWN : v());
    const value = () => ({
      name: maybe(() => pick(strings)),
      partitions: maybe(() => pick(numbers)),
      config: maybe(() =>
        Object.fromEntries(
          Array.from({ length: Math.floor(rnd() * 20) }, (_, i) => [`k${i}.${pick(strings).slice(0, 40)}`, pick(strings)]),
        ),
      ),
      tags: maybe(() => Array.from({ length: Math.floor(rnd() * 18) }, () => pick(strings))),
      on: maybe(() => rnd() < 0.5),
      nested: maybe(() => Array.from({ length: Math.floor(rnd() * 3) }, () => ({ a: pick(numbers), b: { x: pick(numbers) } }))),
    });

    test('writes the bytes the reference writes for the conformed value', () => {
      for (let i = 0; i < 300; i++) {
        const v = value();
        expect(encodeDynamic(v as never, type).msgpack.equals(ref.encode(conform(v, type, '')))).toBe(true);
      }
      // every header form: 16-bit (16+ items) and 32-bit (65,536+ items) arrays and maps
      for (const count of [16, 65_536]) {
        const big = {
          tags: Array.from({ length: count }, (_, i) => `t${i}`),
          config: Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 'v'])),
        };
        const bytes = encodeDynamic(big as never, type).msgpack;
        expect(bytes.equals(ref.encode(conform(big, type, '')))).toBe(true);
        expect(decodeDynamic({ msgpack: bytes }, type)).toEqual(conform(ref.decode(bytes), type, ''));
      }
      // shaping on the way out: absent attributes, numbers as strings, booleans as strings
      const loose = { name: 5, partitions: '12', on: 'true', config: { a: 1 } };
      expect(encodeDynamic(loose as never, type).msgpack.equals(ref.encode(conform(loose, type, '')))).toBe(true);
    });

    test('reads what the reference writes as conform shapes it, whatever the key order and extra keys', () => {
      for (let i = 0; i < 300; i++) {
        const v = value() as Record<string, unknown>;
        const shuffled = Object.fromEntries(Object.entries({ ...v, extra: { deep: [1, 'x'] } }).sort(() => rnd() - 0.5));
        const bytes = ref.encode(shuffled);
        expect(decodeDynamic({ msgpack: bytes }, type)).toEqual(conform(ref.decode(bytes), type, ''));
      }
    });

    test('reads refined unknowns, numbers sent as strings, and refuses malformed bytes with the path', () => {
      const refined = Buffer.concat([Buffer.from([0x81, 0xa4]), Buffer.from('name'), Buffer.from([0xc7, 2, 12, 0x80, 0xc0])]);
      expect(decodeDynamic({ msgpack: refined }, type)).toMatchObject({ name: UNKNOWN, partitions: null });
      expect(decodeDynamic({ msgpack: ref.encode({ partitions: '1e3' }) }, type)).toMatchObject({ partitions: 1000 });
      expect(() => decodeDynamic({ msgpack: ref.encode({ nested: [{ a: 'lots' }] }) }, type)).toThrow(
        'nested[0].a: expected a number, got "lots"',
      );
      expect(() => decodeDynamic({ msgpack: ref.encode({ config: { 'x.y': [1] } }) }, type)).toThrow(
        'config.x.y: expected a string, got object',
      );
      expect(() => decodeDynamic({ msgpack: ref.encode({ name: 'abc' }).subarray(0, 8) }, type)).toThrow('name: msgpack value cut short');
      expect(() => decodeDynamic({ msgpack: Buffer.concat([ref.encode({}), Buffer.from([0xc0])]) }, type)).toThrow(
        '1 bytes after the msgpack value',
      );
      expect(() => encodeDynamic({ tags: 'one' } as never, type)).toThrow('tags: expected a set');
    });

    test('refuses the map keys @msgpack/msgpack refuses, also where the type ignores the attribute', () => {
      const withKey = (key: Buffer) =>
        Buffer.concat([Buffer.from([0x82]), key, Buffer.from([0xc0, 0xa4]), Buffer.from('name'), Buffer.from([0xa1, 0x61])]);
      for (const key of [
        Buffer.from([0xc0]),
        Buffer.from([0x90]),
        Buffer.from([0xc3]),
        Buffer.concat([Buffer.from([0xa9]), Buffer.from('__proto__')]),
      ]) {
        expect(() => ref.decode(withKey(key))).toThrow();
        expect(() => decodeDynamic({ msgpack: withKey(key) }, type)).toThrow(/map key/);
      }
      // a number key is a key msgpack allows (not an attribute: dropped)
      expect(decodeDynamic({ msgpack: withKey(Buffer.from([0x07])) }, type)).toMatchObject({ name: 'a' });
      // an own __proto__ from raw JSON state is dropped on the way out, as conform's copy dropped it
      const parsed = JSON.parse('{"name":"a","config":{"__proto__":"x","retention.ms":"1"}}');
      expect(encodeDynamic(parsed, type).msgpack.equals(ref.encode(conform(parsed, type, '')))).toBe(true);
    });
  });

  test('zod schemas map to cty types', () => {
    expect(ctyTypeOf(z.string().regex(/a/))).toBe('string');
    expect(ctyTypeOf(z.number().int().min(1))).toBe('number');
    expect(ctyTypeOf(z.record(z.string(), z.string()))).toEqual(['map', 'string']);
    expect(ctyTypeOf(z.array(z.object({ a: z.string(), b: z.boolean() })))).toEqual(['list', ['object', { a: 'string', b: 'bool' }]]);
    expect(ctyTypeOf(z.enum(['A', 'B']))).toBe('string');
  });
});

describe('memoized pure methods', () => {
  test('the same request bytes are handled once; other bytes and failed calls are handled again', async () => {
    const seen: string[] = [];
    let failNext = false;
    const method = memoized(async (bytes) => {
      seen.push(bytes.toString());
      if (failNext) {
        failNext = false;
        throw new Error('handlers failed to load');
      }
      return Buffer.from(`answer to ${bytes.toString()}`);
    });
    // OpenTofu's two validations of one resource arrive together: one call answers both
    const [a, b] = await Promise.all([method(Buffer.from('topic a')), method(Buffer.from('topic a'))]);
    expect([a.toString(), b.toString()]).toEqual(['answer to topic a', 'answer to topic a']);
    expect((await method(Buffer.from('topic b'))).toString()).toBe('answer to topic b');
    expect(seen).toEqual(['topic a', 'topic b']);
    failNext = true;
    await expect(method(Buffer.from('topic c'))).rejects.toThrow('handlers failed to load');
    expect((await method(Buffer.from('topic c'))).toString()).toBe('answer to topic c');
    expect(seen).toEqual(['topic a', 'topic b', 'topic c', 'topic c']);
  });

  test('a known answer serves a request of no bytes without a call; other requests still call', async () => {
    const seen: string[] = [];
    const method = memoized(async (bytes) => {
      seen.push(bytes.toString());
      return Buffer.from(`computed for ${bytes.toString()}`);
    }, Buffer.from('encoded with the bundle'));
    expect((await method(Buffer.alloc(0))).toString()).toBe('encoded with the bundle');
    expect((await method(Buffer.from('x'))).toString()).toBe('computed for x');
    expect(seen).toEqual(['x']);
  });

  test('the provider memoizes only methods that read nothing but their request', () => {
    expect([...PURE_METHODS].sort()).toEqual(['GetMetadata', 'GetProviderSchema', 'ValidateResourceConfig']);
    // every pure method is one the provider serves
    for (const m of PURE_METHODS) expect(PROVIDER_METHODS).toContain(m);
  });
});

describe('shared provider (startSharedProvider)', () => {
  const address = 'registry.opentofu.org/streamform/streamform';
  /** An executable as the provider mirror holds one: a script exec-ing node. */
  function executable(body: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-shared-unit-'));
    const file = path.join(dir, 'terraform-provider-streamform');
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return file;
  }

  test('the socket listens before the provider has started: a call made at once is answered once it has', async () => {
    const provider = await startSharedProvider({ PATH: process.env.PATH }, undefined, {
      executable: executable(`exec "${process.execPath}" "${MAIN}" "$@"`),
      addresses: [address],
    });
    const reattach = JSON.parse(provider.env.TF_REATTACH_PROVIDERS)[address];
    expect(reattach).toMatchObject({ Protocol: 'grpc', ProtocolVersion: 6, Pid: provider.pid, Addr: { Network: 'unix' } });
    const socket: string = reattach.Addr.String;
    expect(fs.statSync(socket).isSocket()).toBe(true);
    expect(fs.statSync(path.dirname(socket)).mode & 0o077).toBe(0); // private to this user
    // made before the handshake (startSharedProvider did not wait for it): the call queues in the
    // socket until the provider accepts it
    const Provider = grpc.makeGenericClientConstructor(loadServices().provider, 'Provider');
    const client = new Provider(`unix:${socket}`, grpc.credentials.createInsecure()) as unknown as Record<string, GrpcMethod>;
    const call = new Promise<any>((resolve, reject) =>
      client.GetMetadata({}, { deadline: Date.now() + 20_000 }, (err: Error | null, res: unknown) => (err ? reject(err) : resolve(res))),
    );
    const metadata = await call;
    expect(metadata.resources.map((r: { type_name: string }) => r.type_name)).toContain('streamform_topic');
    await provider.ready;
    (client as unknown as grpc.Client).close();
    await provider.stop();
    expect(fs.existsSync(path.dirname(socket))).toBe(false);
  });

  test('a provider that fails to start: ready rejects with its exit, and its socket is gone after stop', async () => {
    const provider = await startSharedProvider({ PATH: process.env.PATH }, undefined, {
      executable: executable('echo "cannot load" >&2; exit 3'),
      addresses: [address],
    });
    await expect(provider.ready).rejects.toThrow('the streamform provider exited (code 3) before its handshake');
    const socket: string = JSON.parse(provider.env.TF_REATTACH_PROVIDERS)[address].Addr.String;
    await provider.stop();
    expect(fs.existsSync(socket)).toBe(false);
  });
});

describe("GetProviderSchema's answer encoded with the bundle", () => {
  test('is exactly what the provider computes now (the set-up writes it beside a fresh bundle)', async () => {
    if (!providerBundleFresh()) throw new Error('no fresh provider bundle: run `bash scripts/setup.sh` first');
    const { ProviderServer } = await import('../../src/provider/framework/server');
    const { streamformProvider } = await import('../../src/provider/provider');
    const { logger } = await import('../../src/provider/plugin/log');
    const computed = loadServices().provider.GetProviderSchema.responseSerialize!(
      await new ProviderServer(streamformProvider, logger('test')).handlers().GetProviderSchema(),
    );
    expect(fs.readFileSync(PROVIDER_BUNDLE.schema).equals(computed)).toBe(true);
  });
});

describe("V8's code cache of the bundle", () => {
  test("the set-up's cache is accepted by V8 under the launcher's flags; other flags have a cache of their own", () => {
    if (!providerBundleFresh()) throw new Error('no fresh provider bundle: run `bash scripts/setup.sh` first');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-code-cache-'));
    const probe = path.join(dir, 'probe.js');
    // loads the bundle's source as launch.ts does, with the cache file named for this process's flags
    fs.writeFileSync(
      probe,
      `const fs = require('fs'), vm = require('vm');
       const b = require(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'src', 'provider', 'plugin', 'bundle.js'))});
       const file = b.bundleCacheFile();
       const source = '(function (exports, require, module, __filename, __dirname) {' + fs.readFileSync(b.PROVIDER_BUNDLE.file, 'utf8') + '\\n})';
       const cachedData = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
       const script = new vm.Script(source, { filename: b.PROVIDER_BUNDLE.file, cachedData });
       process.stdout.write(cachedData ? (script.cachedDataRejected ? 'rejected' : 'accepted') : 'none');`,
    );
    const verdict = (flags: readonly string[]) => execFileSync(process.execPath, [...flags, probe], { encoding: 'utf8' });
    try {
      expect(verdict(PROVIDER_NODE_FLAGS)).toBe('accepted');
      // no cache of its own under other flags; the launcher's is not taken for it
      expect(verdict(['--max-semi-space-size=2'])).toBe('none');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
