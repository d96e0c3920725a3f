/**
 * The options of `streamform deploy` and `destroy`: unknown options are refused before anything
 * runs (a misspelt --adopt must not deploy as if nothing had been said), flags take no value and
 * never swallow the stack name. Through the real `main`, which fails before synthesizing. No servers.
 */
import { checkOptions, parseArgs, UsageError } from '../../src/tools/cli/args';
import { main } from '../../src/tools/cli/main';

async function cli(argv: string[]): Promise<{ code: number | undefined; stderr: string }> {
  const written: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  const saved = process.exitCode;
  process.exitCode = undefined;
  try {
    await main(argv);
    return { code: process.exitCode as number | undefined, stderr: written.join('') };
  } finally {
    process.exitCode = saved;
    spy.mockRestore();
  }
}

test.each([
  [
    ['deploy', 'platform-dev', '--adpot'],
    'streamform deploy: unknown option --adpot for deploy (it takes --adopt, --replace, --delete-data)',
  ],
  [['deploy', '--force', 'platform-dev'], 'unknown option --force for deploy'],
  [['deploy', 'platform-dev', '--adopt=yes'], "--adopt takes no value (got 'yes')"],
  [['deploy', 'platform-dev', '--delete-data'], '--delete-data is only valid with --replace'],
  [['deploy', 'platform-dev', '--adopt', '--replace'], '--adopt and --replace exclude each other'],
  [['destroy', 'platform-dev', '--adopt'], 'unknown option --adopt for destroy (it takes --auto-approve, --forget-unreachable)'],
])('streamform %j is refused with exit code 2 before anything runs', async (argv, message) => {
  const r = await cli(argv);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(message);
  expect(r.stderr).not.toContain('deploying');
});

test('flags never take the next word: the stack stays a stack', () => {
  const flags = ['adopt', 'replace', 'delete-data'];
  expect(parseArgs(['deploy', '--adopt', 'platform-dev'], flags)).toEqual({
    positionals: ['deploy', 'platform-dev'],
    options: { adopt: true },
  });
  expect(parseArgs(['deploy', '--replace', '--delete-data', 'a', 'b'], flags)).toEqual({
    positionals: ['deploy', 'a', 'b'],
    options: { replace: true, 'delete-data': true },
  });
});

test('checkOptions: known flags and valued options pass; values and their absence are checked', () => {
  const known = { flags: ['adopt'], values: ['env'] };
  expect(() => checkOptions('x', parseArgs(['x', '--adopt', '--env', 'dev'], ['adopt']), known)).not.toThrow();
  expect(() => checkOptions('x', parseArgs(['x', '--env']), known)).toThrow('--env needs a value');
  const err = (() => {
    try {
      checkOptions('x', parseArgs(['x', '--nope']), known);
    } catch (e) {
      return e;
    }
  })();
  expect(err).toBeInstanceOf(UsageError);
  expect((err as UsageError).exitCode).toBe(2);
});
