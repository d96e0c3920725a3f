import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { stateDir } from '../toolchain/paths';

/**
 * Secrets of the dev environment (local database passwords): random values generated once per
 * checkout and kept in `.streamform/dev-secrets.json` (git-ignored, mode 600). They reach
 * OpenTofu as TF_VAR_<name>, never through configuration. Shared environments get their
 * secrets from the CI system's environment instead.
 */
function devSecretsFile(): string {
  return path.join(stateDir(), 'dev-secrets.json');
}

/** The sensitive variables a synthesized stack declares. */
export function stackVariables(outdir: string, stack: string): string[] {
  const file = path.join(outdir, 'stacks', stack, 'cdk.tf.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { variable?: Record<string, { sensitive?: boolean }> };
  return Object.entries(json.variable ?? {})
    .filter(([, v]) => v.sensitive)
    .map(([name]) => name);
}

/** TF_VAR_* for the given variables, generating and saving values for new ones. */
export function devSecretsEnv(names: readonly string[], file = devSecretsFile()): Record<string, string> {
  let saved: Record<string, string> = {};
  try {
    saved = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  } catch {
    saved = {};
  }
  let changed = false;
  for (const name of names) {
    if (!saved[name]) {
      saved[name] = randomBytes(18).toString('base64url');
      changed = true;
    }
  }
  if (changed) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(saved, null, 2) + '\n', { mode: 0o600 });
  }
  return Object.fromEntries(names.map((n) => [`TF_VAR_${n}`, saved[n]]));
}
