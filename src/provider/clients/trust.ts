import * as fs from 'fs';
import type { SecureContext } from 'tls';

/**
 * The machine's extra certificate authorities, read on the provider's first TLS connection rather
 * than at its start. Node reads NODE_EXTRA_CA_CERTS before any code runs: with a system CA bundle
 * there (Debian's, 144 certificates) that is 40-60 ms of every provider start, TLS or not
 * (bench/provider-start.ts). The provider's executable (providers.ts) therefore moves the variable
 * to STREAMFORM_EXTRA_CA_CERTS, and the clients that would have used Node's default trust (Kafka
 * without its own CA, HTTPS servers) get the same trust from here: Node's bundled roots plus the
 * file's certificates. A client given its own CA trusts only that, as with Node's variable.
 */
export const EXTRA_CA_ENV = 'STREAMFORM_EXTRA_CA_CERTS';

const contexts = new Map<string, SecureContext | undefined>();

/**
 * A TLS context trusting Node's roots and the extra CA file named by STREAMFORM_EXTRA_CA_CERTS,
 * built once per file; undefined when the variable is unset (Node's default trust applies) or
 * the file cannot be used, which, as Node does for its own variable, is reported once on stderr
 * (the provider's log) and leaves the default trust.
 */
export function extraTrust(env: NodeJS.ProcessEnv = process.env): SecureContext | undefined {
  const file = env[EXTRA_CA_ENV];
  if (!file) return undefined;
  if (contexts.has(file)) return contexts.get(file);
  let context: SecureContext | undefined;
  try {
    const tls = require('tls') as typeof import('tls');
    const pems = fs.readFileSync(file, 'utf8').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
    if (pems.length === 0) throw new Error('no PEM certificate in it');
    context = tls.createSecureContext({ ca: [...tls.rootCertificates, ...pems] });
  } catch (err) {
    process.stderr.write(
      `Warning: ignoring the extra CA certificates of ${file} (NODE_EXTRA_CA_CERTS, passed on as ${EXTRA_CA_ENV}): ${err instanceof Error ? err.message : String(err)}\n`,
    );
  }
  contexts.set(file, context);
  return context;
}
