/**
 * The machine's extra CAs, read on the provider's first TLS connection (src/provider/clients/trust.ts):
 * the provider's executable hands NODE_EXTRA_CA_CERTS on as STREAMFORM_EXTRA_CA_CERTS, and the
 * HTTPS and Kafka clients trust it as Node would have. Real TLS servers with a self-signed
 * certificate that only the extra CA file vouches for.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as https from 'https';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';
import { z } from 'zod';
import { HttpClient } from '../../../src/provider/clients/http';
import { kafkaConfig } from '../../../src/provider/clients/kafka';
import { EXTRA_CA_ENV, extraTrust } from '../../../src/provider/clients/trust';
import { createPluginCertificate } from '../../../src/provider/plugin/cert';
import { providerLauncher } from '../../../src/tools/toolchain/providers';

const cert = createPluginCertificate();
let dir: string;
let httpsServer: https.Server;
let tlsServer: tls.Server;
let httpsPort: number;
let tlsPort: number;
let n = 0;

/** A CA file holding the server's certificate among other text, under a new name (one context per file). */
function caFile(body = `some other CA's comment\n${cert.certPem}`): string {
  const f = path.join(dir, `ca-${n++}.pem`);
  fs.writeFileSync(f, body);
  return f;
}

function withEnv<T>(value: string | undefined, fn: () => T): T {
  const before = process.env[EXTRA_CA_ENV];
  if (value === undefined) delete process.env[EXTRA_CA_ENV];
  else process.env[EXTRA_CA_ENV] = value;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env[EXTRA_CA_ENV];
    else process.env[EXTRA_CA_ENV] = before;
  }
}

const client = () =>
  new HttpClient('Registry at https://localhost', 'test', { url: `https://localhost:${httpsPort}`, timeoutMs: 5000 }, 'application/json', {
    attempts: 1,
  });

function tlsHandshake(options: tls.ConnectionOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: 'localhost', port: tlsPort, servername: 'localhost', ...options }, () => {
      s.end();
      resolve();
    });
    s.on('error', reject);
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-trust-'));
  httpsServer = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  tlsServer = tls.createServer({ key: cert.keyPem, cert: cert.certPem }, (s) => s.end());
  await new Promise<void>((r) => httpsServer.listen(0, 'localhost', r));
  await new Promise<void>((r) => tlsServer.listen(0, 'localhost', r));
  httpsPort = (httpsServer.address() as { port: number }).port;
  tlsPort = (tlsServer.address() as { port: number }).port;
});

afterAll(async () => {
  httpsServer.closeAllConnections();
  await new Promise((r) => httpsServer.close(r));
  await new Promise((r) => tlsServer.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('extra CA certificates read on first use', () => {
  it('an HTTPS server vouched for only by the extra CA file is trusted with it, and refused without', async () => {
    const ok = z.object({ ok: z.boolean() });
    await expect(withEnv(undefined, () => client().request('GET', '/x', ok))).rejects.toThrow(/self.signed/i);
    await expect(withEnv(caFile(), () => client().request('GET', '/x', ok))).resolves.toEqual({ ok: true });
  });

  it("Kafka's TLS without a CA of its own trusts the extra CA file; with its own CA, only that", async () => {
    const sslOf = (caPem?: string) => kafkaConfig({ bootstrapServers: ['localhost:1'], securityProtocol: 'SSL', caPem }).ssl;
    expect(withEnv(undefined, () => sslOf())).toBe(true);
    const trusted = withEnv(caFile(), () => sslOf()) as tls.ConnectionOptions;
    await expect(tlsHandshake(trusted)).resolves.toBeUndefined();
    await expect(tlsHandshake({})).rejects.toThrow(/self.signed/i);
    expect(withEnv(caFile(), () => sslOf('my own CA'))).toEqual({ ca: ['my own CA'] });
    expect(withEnv(caFile(), () => kafkaConfig({ bootstrapServers: ['localhost:1'] }).ssl)).toBe(false);
  });

  it('the public roots stay trusted beside the extra ones', () => {
    const made = jest.spyOn(require('tls') as typeof tls, 'createSecureContext');
    try {
      expect(withEnv(caFile(), () => extraTrust())).toBeDefined();
      expect(made).toHaveBeenCalledTimes(1);
      expect(made.mock.calls[0][0]?.ca).toEqual([...tls.rootCertificates, cert.certPem.trim()]);
    } finally {
      made.mockRestore();
    }
  });

  it('a file that cannot be used is reported once and leaves the default trust, as Node does', () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      writes.push(String(s));
      return true;
    });
    try {
      const missing = path.join(dir, 'missing.pem');
      expect(withEnv(missing, () => extraTrust())).toBeUndefined();
      expect(withEnv(missing, () => extraTrust())).toBeUndefined();
      expect(withEnv(caFile('no certificates here\n'), () => extraTrust())).toBeUndefined();
    } finally {
      spy.mockRestore();
    }
    expect(writes).toHaveLength(2);
    expect(writes[0]).toMatch(/missing\.pem.*ENOENT/);
    expect(writes[1]).toMatch(/no PEM certificate/);
  });
});

describe("the provider's executable", () => {
  function launch(env: NodeJS.ProcessEnv): string {
    // a `node` first on PATH that prints what the provider's node would see
    const bin = fs.mkdtempSync(path.join(dir, 'bin-'));
    fs.writeFileSync(path.join(bin, 'node'), `#!/bin/sh\necho "node=\${NODE_EXTRA_CA_CERTS-unset} sf=\${${EXTRA_CA_ENV}-unset}"\n`, {
      mode: 0o755,
    });
    const executable = path.join(bin, 'terraform-provider-streamform');
    fs.writeFileSync(executable, providerLauncher(), { mode: 0o755 });
    const base = { ...process.env };
    delete base.NODE_EXTRA_CA_CERTS;
    delete base[EXTRA_CA_ENV];
    return execFileSync(executable, [], { env: { ...base, ...env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8' }).trim();
  }

  it('hands NODE_EXTRA_CA_CERTS on to the provider instead of to Node', () => {
    expect(launch({ NODE_EXTRA_CA_CERTS: '/etc/some ca.pem' })).toBe('node=unset sf=/etc/some ca.pem');
    expect(launch({})).toBe('node=unset sf=unset');
  });
});
