/**
 * Release records for a user's project, so that `streamform promote` can check that the source
 * environment runs what the project defines. streamform's own stacks add theirs in code
 * (stacks/fingerprint.ts); a user's app does not, so the CLI adds one to every synthesized stack that
 * holds streamform objects: `terraform_data.streamform_release`, depending on every other resource of
 * the stack (OpenTofu writes it only when all of them applied), holding the app's fingerprint, the
 * project's commit, whether its tree was clean, and the stack's test cases' result.
 *
 * The fingerprint is a hash of the streamform objects of every stack of the app (what the code
 * defines for every environment, without construct metadata): a change for one environment moves
 * it for all, so dev must have applied a change before it is promoted, as with streamform's stacks.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { RELEASE_RESOURCE } from '../gitops/promote';

interface StackFile {
  resource?: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

/** A value with object keys sorted and cdktf's `//` metadata left out, as JSON. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([k]) => k !== '//')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function stacks(out: string): { name: string; file: string; json: StackFile }[] {
  const dir = path.join(out, 'stacks');
  return (fs.existsSync(dir) ? fs.readdirSync(dir) : []).sort().flatMap((name) => {
    const file = path.join(dir, name, 'cdk.tf.json');
    return fs.existsSync(file) ? [{ name, file, json: JSON.parse(fs.readFileSync(file, 'utf8')) as StackFile }] : [];
  });
}

const streamformTypes = (json: StackFile) => Object.keys(json.resource ?? {}).filter((t) => t.startsWith('streamform_'));

/** The fingerprint of the app synthesized in `out` (16 hex digits). */
export function appFingerprint(out: string): string {
  const hash = createHash('sha256');
  for (const s of stacks(out)) {
    const objects = Object.fromEntries(streamformTypes(s.json).map((t) => [t, s.json.resource![t]]));
    if (Object.keys(objects).length > 0) hash.update(`${s.name}\0${canonical(objects)}\0`);
  }
  return hash.digest('hex').slice(0, 16);
}

export interface UserRelease {
  readonly commit?: string;
  readonly cleanTree?: boolean;
  /** Per stack: `passed (n)`, `failed: a, b`, `none declared` or `not run (why)`. */
  readonly tests: Readonly<Record<string, string>>;
  /** The test result of a stack missing from `tests` (why they were not run). @default 'not run' */
  readonly notRun?: string;
}

/** Adds the release record to every stack in `out` holding streamform objects; returns the fingerprint. */
export function addReleaseRecords(out: string, release: UserRelease): string {
  const fingerprint = appFingerprint(out);
  for (const s of stacks(out)) {
    const types = streamformTypes(s.json);
    if (types.length === 0) continue;
    const dependsOn = Object.entries(s.json.resource ?? {}).flatMap(([t, rs]) =>
      Object.keys(rs)
        .filter((id) => !(t === 'terraform_data' && id === RELEASE_RESOURCE))
        .map((id) => `${t}.${id}`),
    );
    s.json.resource = {
      ...s.json.resource,
      terraform_data: {
        ...(s.json.resource?.terraform_data ?? {}),
        [RELEASE_RESOURCE]: {
          input: {
            fingerprint,
            commit: release.commit ?? 'unknown',
            clean_tree: release.cleanTree ?? false,
            tests: release.tests[s.name] ?? release.notRun ?? 'not run',
          },
          depends_on: dependsOn,
        },
      },
    };
    fs.writeFileSync(s.file, JSON.stringify(s.json, null, 2));
  }
  return fingerprint;
}
