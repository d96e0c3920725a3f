/**
 * The strict command line of `streamform` (commander): through the real `main` with fake command
 * handlers that only record what they were asked to run, and a fake terminal. Nothing is deployed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ParsedArgs } from '../../src/tools/cli/args';
import { BUILD_STAMP, ensureFresh, staleSource } from '../../src/tools/cli/freshness';
import { main } from '../../src/tools/cli/main';
import { CliIo, COMMANDS, packageVersion } from '../../src/tools/cli/program';
import { statusAccess } from '../../src/tools/cli/status';

interface Run {
  code: number | undefined;
  out: string;
  err: string;
  /** The commands the handlers were asked to run, with their arguments. */
  ran: { name: string; args: ParsedArgs }[];
  questions: string[];
}

const NAMES = [...COMMANDS.map((c) => c.name), 'help'];

async function cli(argv: string[], terminal: { isTTY?: boolean; answer?: boolean } = {}): Promise<Run> {
  const run: Run = { code: undefined, out: '', err: '', ran: [], questions: [] };
  const handlers = Object.fromEntries(
    NAMES.map((name) => [
      name,
      async (args: ParsedArgs) => {
        run.ran.push({ name, args });
      },
    ]),
  );
  const io: CliIo = {
    out: (t) => void (run.out += t),
    err: (t) => void (run.err += t),
    isTTY: terminal.isTTY ?? false,
    confirm: async (q) => {
      run.questions.push(q);
      return terminal.answer ?? false;
    },
  };
  const saved = process.exitCode;
  process.exitCode = undefined;
  try {
    await main(argv, { handlers, io });
    run.code = process.exitCode as number | undefined;
  } finally {
    process.exitCode = saved;
  }
  return run;
}

test('promote ratings --dryrun is a usage error (exit 2) naming the option and the usage; nothing runs', async () => {
  const r = await cli(['promote', 'ratings', '--from', 'dev', '--to', 'staging', '--dryrun']);
  expect(r.code).toBe(2);
  expect(r.ran).toEqual([]);
  expect(r.err).toContain('streamform promote: unknown option --dryrun for promote');
  expect(r.err).toContain('did you mean --dry-run?');
  expect(r.err).toContain('usage: streamform promote [options] <pipeline>');
});

test('the correct spelling runs promote with the option', async () => {
  const r = await cli(['promote', 'ratings', '--from', 'dev', '--to', 'staging', '--dry-run']);
  expect(r.code).toBeUndefined();
  expect(r.ran).toEqual([
    { name: 'promote', args: { positionals: ['promote', 'ratings'], options: { from: 'dev', to: 'staging', 'dry-run': true }, lists: {} } },
  ]);
});

test('destroy ratings --help prints destroy’s help and destroys nothing', async () => {
  const r = await cli(['destroy', 'ratings', '--help'], { isTTY: true, answer: true });
  expect(r.code).toBeUndefined();
  expect(r.ran).toEqual([]);
  expect(r.questions).toEqual([]);
  expect(r.out).toContain('Usage: streamform destroy [options] <stacks...>');
  expect(r.out).toContain('--auto-approve');
});

test.each(COMMANDS.map((c) => [c.name]))('`%s -h` and --help print that command’s help and run nothing', async (name) => {
  for (const flag of ['-h', '--help']) {
    const r = await cli([name, flag]);
    expect(r.code).toBeUndefined();
    expect(r.ran).toEqual([]);
    expect(r.out).toContain(`Usage: streamform ${name} `);
    for (const o of COMMANDS.find((c) => c.name === name)!.options ?? []) {
      if (!o.hidden) expect(r.out).toContain(o.flags);
    }
  }
});

test('`help <command>` prints the command’s help; `help`, `--help` and no arguments the overview', async () => {
  expect((await cli(['help', 'tail'])).out).toContain('Usage: streamform tail [options] <topic>');
  for (const argv of [['help'], ['--help'], ['-h'], []]) {
    const r = await cli(argv);
    expect(r.ran).toEqual([]);
    for (const c of COMMANDS) expect(r.out).toContain(`streamform ${c.name}`);
  }
});

test('--flag=value and --flag value parse the same', async () => {
  const a = await cli(['plan', 'ratings', '--env=staging', '--format=json', '--out=review.json']);
  const b = await cli(['plan', 'ratings', '--env', 'staging', '--format', 'json', '--out', 'review.json']);
  expect(a.code).toBeUndefined();
  expect(a.ran).toEqual([
    {
      name: 'plan',
      args: { positionals: ['plan', 'ratings'], options: { env: 'staging', format: 'json', out: 'review.json' }, lists: {} },
    },
  ]);
  expect(b.ran).toEqual(a.ran);
});

test('--version prints the package version and runs nothing', async () => {
  const r = await cli(['--version']);
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
  expect(packageVersion()).toBe(pkg.version);
  expect(r.out.trim()).toBe(pkg.version);
  expect(r.ran).toEqual([]);
});

test('unknown command: usage error listing the commands', async () => {
  const r = await cli(['deplyo', 'ratings-dev']);
  expect(r.code).toBe(2);
  expect(r.ran).toEqual([]);
  expect(r.err).toContain("unknown command 'deplyo'");
  expect(r.err).toContain(`the commands are ${NAMES.join(', ')}`);
});

test.each([
  [['deploy', 'platform-dev', '--adopt=yes'], "--adopt takes no value (got 'yes')"],
  [['plan', 'ratings', '--env'], '--env needs a value'],
  [['promote', 'ratings', '--from', '--to', 'prod'], '--from needs a value (got the option --to)'],
  [['promote', 'ratings', '--to', '--dry-run'], '--to needs a value (got the option --dry-run)'],
  [['status', 'prod'], "unexpected argument 'prod'"],
  [['promote'], 'missing <pipeline>'],
  [['deploy'], 'missing <stacks…>'],
  [['tail', 'ratings', '--dry-run'], 'unknown option --dry-run for tail'],
  [['--adopt', 'deploy', 'platform-dev'], 'unknown option --adopt; options go after the command'],
])('%j is a usage error (exit 2), nothing runs', async (argv, message) => {
  const r = await cli(argv);
  expect(r.code).toBe(2);
  expect(r.ran).toEqual([]);
  expect(r.err).toContain(message);
});

test('ksqldb takes --property more than once, in order', async () => {
  const r = await cli(['ksqldb', '--port', '0', '--property', 'a=1', '--property=b=2']);
  expect(r.ran[0].args.lists).toEqual({ property: ['a=1', 'b=2'] });
  expect(r.ran[0].args.options).toEqual({ port: '0' });
});

describe('destroy asks first', () => {
  test('without a terminal and without --auto-approve it refuses with the fix; nothing destroyed', async () => {
    const r = await cli(['destroy', 'ratings-dev', 'platform-dev']);
    expect(r.code).toBe(2);
    expect(r.ran).toEqual([]);
    expect(r.err).toContain('`streamform destroy ratings-dev platform-dev --auto-approve`');
  });

  test('on a terminal it asks; no is no', async () => {
    const r = await cli(['destroy', 'ratings-dev'], { isTTY: true, answer: false });
    expect(r.questions).toHaveLength(1);
    expect(r.ran).toEqual([]);
    expect(r.err).toContain('not destroyed');
  });

  test('on a terminal, yes destroys; staging and prod stacks are named in the question', async () => {
    const r = await cli(['destroy', 'ratings-prod'], { isTTY: true, answer: true });
    expect(r.questions[0]).toContain('ratings-prod: a shared prod environment');
    expect(r.ran.map((x) => x.name)).toEqual(['destroy']);
  });

  test('--auto-approve destroys without asking, terminal or not', async () => {
    for (const isTTY of [false, true]) {
      const r = await cli(['destroy', 'ratings-staging', '--auto-approve'], { isTTY });
      expect(r.questions).toEqual([]);
      expect(r.ran).toEqual([
        { name: 'destroy', args: { positionals: ['destroy', 'ratings-staging'], options: { 'auto-approve': true }, lists: {} } },
      ]);
    }
  });
});

describe('dist/ freshness (bin/streamform)', () => {
  let root: string;
  const at = (file: string, seconds: number) => {
    const f = path.join(root, file);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    if (!fs.existsSync(f)) fs.writeFileSync(f, '');
    const t = new Date(seconds * 1000);
    fs.utimesSync(f, t, t);
  };
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-fresh-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test('a source newer than the last build is named; an older one is not', () => {
    at('src/a.ts', 1_000);
    at('stacks/b.ts', 1_500);
    at('dist/.tsbuildinfo', 2_000);
    expect(staleSource(root)).toBeUndefined();
    at('constructs/deep/c.ts', 3_000);
    expect(staleSource(root)).toBe(path.join('constructs', 'deep', 'c.ts'));
    at(BUILD_STAMP, 4_000);
    expect(staleSource(root)).toBeUndefined();
  });

  test('without a build every source is stale; STREAMFORM_NO_REBUILD=1 refuses with the fix', () => {
    at('src/a.ts', 1_000);
    expect(staleSource(root)).toBe(path.join('src', 'a.ts'));
    let said = '';
    expect(
      ensureFresh(root, { STREAMFORM_NO_REBUILD: '1' }, (s) => {
        said += s;
        return true;
      }),
    ).toBe(false);
    expect(said).toContain('src/a.ts changed after dist/ was built; rebuild with `npx tsc -b`');
  });
});

describe('status --env <env> --format json', () => {
  test('the real status command refuses an unknown format or environment before connecting', async () => {
    const saved = process.exitCode;
    const err: string[] = [];
    const io: CliIo = { out: () => undefined, err: (t) => void err.push(t), isTTY: false, confirm: async () => false };
    try {
      await main(['status', '--format', 'xml'], { io });
      expect(process.exitCode).toBe(2);
      await main(['status', '--env=qa'], { io });
    } finally {
      process.exitCode = saved;
    }
    expect(err.join('')).toContain("--format must be table or json, got 'xml'");
    expect(err.join('')).toContain("unknown environment 'qa' for --env; use one of dev, staging, prod");
  });

  test('staging and prod are reached through the provider’s STREAMFORM_* variables, credentials included', () => {
    const dev = () => {
      throw new Error('dev endpoints must not be read for staging');
    };
    const a = statusAccess('prod', dev, {
      STREAMFORM_BOOTSTRAP_SERVERS: 'b1:9092,b2:9092',
      STREAMFORM_SCHEMA_REGISTRY_URL: 'https://sr.example',
      STREAMFORM_SCHEMA_REGISTRY_USERNAME: 'u',
      STREAMFORM_SCHEMA_REGISTRY_PASSWORD: 'p',
      STREAMFORM_KSQLDB_URL: 'https://ksql.example',
    });
    expect(a.kafka.bootstrapServers).toEqual(['b1:9092', 'b2:9092']);
    expect(a.schemaRegistry).toMatchObject({ url: 'https://sr.example', basicAuth: { username: 'u', password: 'p' } });
    expect(a.ksqldb?.url).toBe('https://ksql.example');
    expect(a.connect).toBeUndefined();
    expect(() => statusAccess('staging', dev, {})).toThrow('set STREAMFORM_BOOTSTRAP_SERVERS');
  });
});

test('a deploy or destroy ends with what OpenTofu created, changed and destroyed per stack', () => {
  const { ChangeTally } = require('../../src/tools/cli/main') as typeof import('../../src/tools/cli/main');
  const tally = new ChangeTally();
  const ev = (action: 'create' | 'update' | 'destroy', done: boolean) => ({ address: 'a.b', action, done, text: '' });
  tally.add('ratings-dev', ev('create', false));
  tally.add('ratings-dev', ev('create', true));
  tally.add('ratings-dev', ev('create', true));
  tally.add('ratings-dev', ev('update', true));
  tally.add('ratings-dev', ev('destroy', true));
  expect(tally.lines(['platform-dev', 'ratings-dev'])).toEqual([
    '  platform-dev: no changes',
    '  ratings-dev: 2 created, 1 changed, 1 destroyed',
  ]);
});
