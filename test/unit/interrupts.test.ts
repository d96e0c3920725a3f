/**
 * How interrupts reach OpenTofu (src/tools/cli/interrupts.ts, src/tools/toolchain/processes.ts),
 * with fake process tables and a recording `kill`: OpenTofu's own session (cdktf runs it in a
 * pseudo-terminal) gets one SIGINT per interrupt as a process group, cdktf gets none; the third
 * interrupt kills. Also OpenTofu's output as the report reads it. No processes are signalled.
 */
import { InterruptedError, interruptNotice, Interrupts, TofuSignaller } from '../../src/tools/cli/interrupts';
import { ApplyProgress, parseProgressLine } from '../../src/tools/cli/tofu-progress';
import { descendants, ownSessionsBelow, parseProcStat, ProcessRow } from '../../src/tools/toolchain/processes';

// streamform (100) → cdktf (200, its own session: started detached) → tofu apply (300, session
// leader of the pseudo-terminal) → two provider plugins (301, 302, in tofu's group); cdktf's
// `tofu output` (210) runs without a terminal, in cdktf's session.
const row = (pid: number, ppid: number, pgid: number, sid: number, comm: string): ProcessRow => ({ pid, ppid, pgid, sid, comm });
const STREAMFORM = row(100, 1, 100, 50, 'node');
const CDKTF = row(200, 100, 200, 200, 'node');
const TOFU = row(300, 200, 300, 300, 'tofu');
const PLUGINS = [row(301, 300, 300, 300, 'terraform-provi'), row(302, 301, 300, 300, 'node')];
const OUTPUT = row(210, 200, 200, 200, 'tofu');

function fake(table: ProcessRow[]) {
  const sent: [number, string][] = [];
  return {
    sent,
    table,
    target: { table: () => table, kill: (pid: number, signal: NodeJS.Signals) => void sent.push([pid, signal]) },
  };
}

describe('process table', () => {
  test('parseProcStat reads the ids after the executable name, whatever it holds', () => {
    expect(parseProcStat('300 (tofu) S 200 300 300 34816 300 4194560 1 0')).toEqual(TOFU);
    expect(parseProcStat('77 (a (weird) name) R 1 77 77 0 -1')).toEqual(row(77, 1, 77, 77, 'a (weird) name'));
    expect(parseProcStat('garbage')).toBeUndefined();
  });

  test("the sessions led below cdktf are OpenTofu's pseudo-terminals, not cdktf's own session", () => {
    const table = [STREAMFORM, CDKTF, TOFU, ...PLUGINS, OUTPUT];
    expect(descendants(table, 200).map((p) => p.pid)).toEqual([300, 210, 301, 302]);
    expect(ownSessionsBelow(table, 200)).toEqual([300]);
    expect(ownSessionsBelow([STREAMFORM, CDKTF, OUTPUT], 200)).toEqual([]);
  });
});

describe('TofuSignaller', () => {
  let interrupts: Interrupts;
  beforeEach(() => {
    interrupts = new Interrupts();
  });

  test("first interrupt: one SIGINT to OpenTofu's process group (its plugins ignore it, as under a terminal); cdktf untouched", () => {
    const f = fake([STREAMFORM, CDKTF, TOFU, ...PLUGINS]);
    const s = new TofuSignaller(200, interrupts, f.target, 10_000);
    expect(f.sent).toEqual([]);
    interrupts.raise('SIGINT');
    expect(f.sent).toEqual([[-300, 'SIGINT']]);
    expect(s.groups).toEqual([300]);
    s.stop();
  });

  test('SIGTERM is passed on as SIGINT too; a second interrupt sends the second SIGINT (OpenTofu aborts)', () => {
    const f = fake([CDKTF, TOFU, ...PLUGINS]);
    const s = new TofuSignaller(200, interrupts, f.target, 10_000);
    interrupts.raise('SIGTERM');
    interrupts.raise('SIGINT');
    expect(f.sent).toEqual([
      [-300, 'SIGINT'],
      [-300, 'SIGINT'],
    ]);
    s.stop();
  });

  test('an OpenTofu that starts after the interrupt (cdktf runs init, then apply) gets it when it appears', async () => {
    const f = fake([CDKTF]);
    const s = new TofuSignaller(200, interrupts, f.target, 5);
    interrupts.raise('SIGINT');
    expect(f.sent).toEqual([]);
    f.table.push(TOFU, ...PLUGINS);
    await new Promise((r) => setTimeout(r, 50));
    expect(f.sent).toEqual([[-300, 'SIGINT']]);
    s.stop();
  });

  test('an interrupt that came before cdktf started is delivered too', () => {
    interrupts.raise('SIGINT');
    const f = fake([CDKTF, TOFU]);
    const s = new TofuSignaller(200, interrupts, f.target, 10_000);
    expect(f.sent).toEqual([[-300, 'SIGINT']]);
    s.stop();
  });

  test('the third interrupt kills OpenTofu, everything below cdktf and cdktf', () => {
    const f = fake([CDKTF, TOFU, ...PLUGINS]);
    const s = new TofuSignaller(200, interrupts, f.target, 10_000);
    interrupts.raise('SIGINT');
    interrupts.raise('SIGINT');
    f.sent.length = 0;
    interrupts.raise('SIGINT');
    expect(f.sent).toEqual([
      [-300, 'SIGKILL'],
      [300, 'SIGKILL'],
      [301, 'SIGKILL'],
      [302, 'SIGKILL'],
      [200, 'SIGKILL'],
    ]);
    s.stop();
  });

  test('after stop(), interrupts are no longer passed on', () => {
    const f = fake([CDKTF, TOFU]);
    new TofuSignaller(200, interrupts, f.target, 10_000).stop();
    interrupts.raise('SIGINT');
    expect(f.sent).toEqual([]);
  });
});

test('exit codes as a shell reports a command killed by the signal; what each interrupt does', () => {
  expect(new InterruptedError('x', 'SIGINT').exitCode).toBe(130);
  expect(new InterruptedError('x', 'SIGTERM').exitCode).toBe(143);
  expect(new InterruptedError('x', 'SIGHUP').exitCode).toBe(129);
  expect(interruptNotice(1, 'SIGINT')).toContain('OpenTofu stops gracefully');
  expect(interruptNotice(2, 'SIGTERM')).toContain('aborts now');
  expect(interruptNotice(3, 'SIGINT')).toContain('killing');
});

describe("OpenTofu's output, as cdktf relays it", () => {
  test('resource events with and without the stack prefix, ids and module addresses', () => {
    expect(parseProgressLine('platform-dev  docker_container.Kafka_1 (Platform/Kafka/Container): Creating...', 'platform-dev')).toEqual({
      address: 'docker_container.Kafka_1',
      action: 'create',
      done: false,
      text: 'docker_container.Kafka_1 (Platform/Kafka/Container): Creating...',
    });
    expect(parseProgressLine('              docker_volume.V (Platform/Kafka/Volume0): Creation complete after 0s [id=v]')).toMatchObject({
      address: 'docker_volume.V',
      action: 'create',
      done: true,
    });
    expect(parseProgressLine('x  streamform_topic.T: Destroying... [id=ratings]', 'x')).toMatchObject({ action: 'destroy', done: false });
    expect(parseProgressLine('module.m.streamform_topic.T["a"]: Modifications complete after 1s [id=a]')).toMatchObject({
      address: 'module.m.streamform_topic.T["a"]',
      action: 'update',
      done: true,
    });
    expect(parseProgressLine('docker_container.K: Still creating... [10s elapsed]')).toBeUndefined();
    expect(parseProgressLine('Plan: 9 to add, 0 to change, 0 to destroy.')).toBeUndefined();
  });

  test('in flight = started and not finished; how OpenTofu took the interrupt', () => {
    const p = new ApplyProgress('s');
    for (const line of [
      's  docker_volume.V: Creating...',
      's  docker_container.K: Creating...',
      's  docker_volume.V: Creation complete after 0s [id=v]',
      's  Interrupt received.',
      '   Please wait for OpenTofu to exit or data loss may occur.',
      '   Gracefully shutting down...',
    ])
      p.feed(line);
    expect(p.inProgress()).toEqual([{ address: 'docker_container.K', action: 'create' }]);
    expect(p.completed()).toEqual(['docker_volume.V']);
    expect(p.stopReaction).toBe('graceful');
    p.feed('s  Two interrupts received. Exiting immediately. Note that data loss may have occurred.');
    expect(p.stopReaction).toBe('abort');
  });
});
