/**
 * `streamform init [dir]`: a new project, as `cdktf init` makes one: package.json, cdktf.json,
 * tsconfig.json, the app (main.ts), its environments (dev on the local platform, prod reading its
 * endpoints and secrets from the environment only), one pipeline with a test case, .gitignore and
 * a CI workflow; then `npm install`. Existing files are kept (and named); package.json is merged.
 */
import * as fs from 'fs';
import * as path from 'path';
import { PACKAGE_ROOT } from '../toolchain/paths';
import { run } from '../toolchain/run';
import { ParsedArgs, stringOption, UsageError } from './args';

/** The template's TypeScript files (type-checked with streamform's own build). */
const TEMPLATE_DIR = path.join(PACKAGE_ROOT, 'templates', 'init');
const SOURCES = ['main.ts', 'environments.ts', 'pageviews.ts'] as const;

interface PackageJson {
  name?: string;
  version?: string;
  private?: boolean;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [k: string]: unknown;
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** streamform's package.json (the versions the scaffold pins come from it). */
function ownPackage(): PackageJson {
  return readJson<PackageJson>(path.join(PACKAGE_ROOT, 'package.json'));
}

/** The files of a new project, by relative path (package.json apart: it is merged). */
export function scaffoldFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of SOURCES) files[f] = fs.readFileSync(path.join(TEMPLATE_DIR, f), 'utf8');
  files['cdktf.json'] =
    JSON.stringify(
      {
        language: 'typescript',
        app: 'npm run --silent build && node dist/main.js',
        output: 'cdktf.out',
        sendCrashReports: 'false',
        terraformProviders: [],
        terraformModules: [],
        context: {},
      },
      null,
      2,
    ) + '\n';
  files['tsconfig.json'] =
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'commonjs',
          lib: ['ES2022'],
          strict: true,
          esModuleInterop: true,
          skipLibCheck: true,
          outDir: 'dist',
          rootDir: '.',
          types: ['node'],
        },
        include: ['*.ts'],
      },
      null,
      2,
    ) + '\n';
  files['.gitignore'] = ['node_modules/', 'dist/', 'cdktf.out/', '.streamform/', '*.tfstate', '*.tfstate.backup', ''].join('\n');
  files['.github/workflows/streamform.yml'] = [
    'name: streamform',
    'on:',
    '  pull_request:',
    '  push:',
    '    branches: [main]',
    'jobs:',
    '  test:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - uses: actions/checkout@v4',
    '      - uses: actions/setup-node@v4',
    '        with:',
    '          node-version: 22',
    '      - run: npm ci',
    '      # the pipeline test cases, on the local ksqlDB engine (no cluster needed)',
    '      - run: npx streamform test pageviews',
    '      # synthesis validates every construct (names, columns, secrets) before anything is planned',
    '      - run: npx cdktf synth',
    '',
  ].join('\n');
  files['README.md'] = [
    '# pageviews',
    '',
    'A Kafka pipeline declared with [streamform](https://www.npmjs.com/package/streamform) on CDK for Terraform.',
    '',
    '```bash',
    'npx streamform deploy platform-dev pageviews-dev   # Kafka, Schema Registry, Connect, ksqlDB on Docker, then the pipeline',
    'npx streamform produce pageviews --count 100       # generated page views (or --file views.jsonl / views.csv)',
    'npx streamform tail long-pageviews                 # what the query kept',
    'npx streamform test pageviews                      # the test cases, on the local ksqlDB engine',
    'npx streamform destroy pageviews-dev platform-dev --auto-approve',
    '```',
    '',
  ].join('\n');
  return files;
}

/** package.json of the new project, merged into what exists (existing entries win). */
export function scaffoldPackage(existing: PackageJson | undefined, name: string, streamformSpec: string): PackageJson {
  const own = ownPackage();
  const deps = own.dependencies ?? {};
  const dev = own.devDependencies ?? {};
  const base: PackageJson = existing ?? { name, version: '0.1.0', private: true };
  // `npm init`'s placeholder test script is not a test
  const scripts = Object.fromEntries(Object.entries(base.scripts ?? {}).filter(([k, v]) => !(k === 'test' && /no test specified/.test(v))));
  return {
    ...base,
    scripts: {
      build: 'tsc',
      synth: 'cdktf synth',
      test: 'streamform test pageviews',
      deploy: 'streamform deploy platform-dev pageviews-dev',
      ...scripts,
    },
    dependencies: {
      cdktf: deps.cdktf,
      constructs: deps.constructs,
      streamform: streamformSpec,
      ...(base.dependencies ?? {}),
    },
    devDependencies: {
      typescript: dev.typescript,
      '@types/node': dev['@types/node'],
      ...(base.devDependencies ?? {}),
    },
  };
}

export async function initCommand(args: ParsedArgs): Promise<void> {
  const dir = path.resolve(args.positionals[1] ?? '.');
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new UsageError(`${dir} is a file; name a folder for the project`);
  fs.mkdirSync(dir, { recursive: true });
  const pkgFile = path.join(dir, 'package.json');
  const existing = fs.existsSync(pkgFile) ? readJson<PackageJson>(pkgFile) : undefined;
  const name =
    stringOption(args, 'name') ??
    existing?.name ??
    path
      .basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-');
  const spec = stringOption(args, 'streamform') ?? existing?.dependencies?.streamform ?? `^${ownPackage().version}`;
  const kept: string[] = [];
  const written: string[] = [];
  for (const [rel, content] of Object.entries(scaffoldFiles())) {
    const file = path.join(dir, rel);
    if (fs.existsSync(file)) {
      kept.push(rel);
      continue;
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    written.push(rel);
  }
  fs.writeFileSync(pkgFile, JSON.stringify(scaffoldPackage(existing, name, spec), null, 2) + '\n');
  written.push(existing ? 'package.json (merged)' : 'package.json');
  process.stderr.write(`streamform init ${dir}:\n  wrote ${written.join(', ')}\n`);
  if (kept.length > 0) process.stderr.write(`  kept as they were: ${kept.join(', ')}\n`);
  if (args.options['skip-install'] !== true) {
    process.stderr.write('  … npm install\n');
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir });
  }
  const cd = path.relative(process.cwd(), dir);
  process.stderr.write(
    [
      '',
      'Next:',
      ...(cd ? [`  cd ${cd}`] : []),
      ...(args.options['skip-install'] === true ? ['  npm install'] : []),
      '  npx streamform test pageviews                     # the pipeline test, in memory',
      '  npx streamform deploy platform-dev pageviews-dev  # the local platform and the pipeline (first run sets up the toolchain)',
      '  npx streamform produce pageviews --count 100',
      '  npx streamform tail long-pageviews',
      '',
    ].join('\n'),
  );
}
