/**
 * Every external command that streamform's set-up, CLI, scripts and tests start, and where it
 * comes from. The set-up installs the Debian packages of this table when their command is
 * missing (one `apt-get update`, one `apt-get install`), and a unit test
 * (test/unit/spawned-commands.test.ts) finds the commands spawned in the code and fails on any
 * that has no row here.
 */

/** Where a command comes from on a fresh machine. */
type CommandOrigin =
  /** On the machine image the project runs on (see the README: Go, a JDK with Maven, Node.js, coreutils, apt). */
  | { readonly kind: 'machine-image' }
  /** Installed by the set-up from Debian's archive when missing. */
  | { readonly kind: 'debian'; readonly package: string }
  /** Built by the set-up from the Go module proxy. */
  | { readonly kind: 'go-proxy'; readonly module: string }
  /** Installed by `npm ci` from the npm registry (node_modules/.bin). */
  | { readonly kind: 'npm'; readonly package: string }
  /** Optional: used only when the user put it there; never required. */
  | { readonly kind: 'optional'; readonly why: string };

/** Who needs a command: the set-up and the main job, or only the tests. */
type CommandUse = 'setup' | 'runtime' | 'tests';

interface ExternalCommand {
  readonly origin: CommandOrigin;
  /** What streamform uses it for. */
  readonly purpose: string;
  readonly usedBy: readonly CommandUse[];
}

const image = { kind: 'machine-image' } as const;
const debian = (pkg: string) => ({ kind: 'debian', package: pkg }) as const;

export const EXTERNAL_COMMANDS = {
  node: { origin: image, purpose: 'runs streamform, its provider and the cdktf app', usedBy: ['setup', 'runtime', 'tests'] },
  npm: {
    origin: image,
    purpose: "installs the node packages (npm ci); `streamform init` installs a new project's; a user's app command builds with it",
    usedBy: ['setup', 'runtime', 'tests'],
  },
  sh: { origin: image, purpose: "runs a user's project's cdktf.json app command (and its build step), as cdktf does", usedBy: ['runtime'] },
  go: { origin: image, purpose: 'builds OpenTofu and the docker provider, fetches protocol files', usedBy: ['setup'] },
  mvn: { origin: image, purpose: 'resolves Kafka, Connect, Debezium and Apicurio from Maven Central', usedBy: ['setup'] },
  'apt-get': { origin: image, purpose: "installs Debian's packages listed here", usedBy: ['setup', 'tests'] },
  tar: { origin: image, purpose: 'packs root filesystems, unpacks Maven archives', usedBy: ['setup'] },
  cp: { origin: image, purpose: 'copies the minbase root filesystem', usedBy: ['setup'] },
  chmod: { origin: image, purpose: 'makes the OpenTofu module copy writable', usedBy: ['setup'] },
  mount: { origin: image, purpose: '/proc inside the image chroot (Java post-install)', usedBy: ['setup'] },
  umount: { origin: image, purpose: '/proc inside the image chroot', usedBy: ['setup'] },
  chroot: { origin: image, purpose: 'installs packages into an image root filesystem', usedBy: ['setup'] },
  sha256sum: { origin: image, purpose: 'scripts/setup.sh: has package-lock.json changed', usedBy: ['setup'] },
  cut: { origin: image, purpose: 'scripts/setup.sh', usedBy: ['setup'] },
  git: {
    origin: image,
    purpose: 'the commit and clean-tree flag of saved plans and releases; the clean-machine check',
    usedBy: ['runtime', 'tests'],
  },
  docker: {
    origin: debian('docker.io'),
    purpose: 'the Docker client: images, objects, exec into containers',
    usedBy: ['setup', 'runtime', 'tests'],
  },
  dockerd: { origin: debian('docker.io'), purpose: 'the Docker engine, started by the set-up when none answers', usedBy: ['setup'] },
  debootstrap: { origin: debian('debootstrap'), purpose: 'Debian root filesystems of the local images', usedBy: ['setup'] },
  chromium: {
    origin: debian('chromium'),
    purpose: 'headless browser of the lineage tests (started by playwright-core)',
    usedBy: ['tests'],
  },
  tofu: {
    origin: { kind: 'go-proxy', module: 'github.com/opentofu/opentofu' },
    purpose: 'plans and applies (cdktf, plan review, promotion)',
    usedBy: ['runtime', 'tests'],
  },
  terraform: {
    origin: { kind: 'optional', why: 'used instead of OpenTofu only when no Go toolchain can build it' },
    purpose: 'plans and applies',
    usedBy: ['runtime'],
  },
  actionlint: {
    origin: { kind: 'go-proxy', module: 'github.com/rhysd/actionlint' },
    purpose: "lints the GitHub Actions templates (GitHub's expression and workflow rules)",
    usedBy: ['tests'],
  },
  cdktf: {
    origin: { kind: 'npm', package: 'cdktf-cli' },
    purpose: 'cdktf deploy/destroy (cdktf-cli, a dependency of streamform)',
    usedBy: ['runtime', 'tests'],
  },
} as const satisfies Record<string, ExternalCommand>;

export type CommandName = keyof typeof EXTERNAL_COMMANDS;

/** Debian package of a command, if it comes from Debian's archive. */
export function debianPackageOf(name: CommandName): string | undefined {
  const origin: CommandOrigin = EXTERNAL_COMMANDS[name].origin;
  return origin.kind === 'debian' ? origin.package : undefined;
}

/** The commands from Debian needed for the given uses. */
export function debianCommands(uses: readonly CommandUse[]): CommandName[] {
  return (Object.keys(EXTERNAL_COMMANDS) as CommandName[]).filter(
    (name) => debianPackageOf(name) !== undefined && EXTERNAL_COMMANDS[name].usedBy.some((u: CommandUse) => uses.includes(u)),
  );
}
