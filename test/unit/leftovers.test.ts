/**
 * The decisions about objects a stack declares that exist outside its state (src/tools/cli/leftovers.ts),
 * with fake Docker inventories and states: nothing is removed unless an option says so, volumes
 * only with --replace --delete-data, an interrupted run's own objects are adopted. No servers.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdktf';
import {
  createdBy,
  DeclaredObject,
  declaredObjects,
  decideLeftovers,
  DockerObject,
  InterruptedRun,
  ksqlName,
  LeftoverMode,
  leftoverModeOf,
  refusalMessage,
  stateAddresses,
} from '../../src/tools/cli/leftovers';
import { buildApp } from '../../stacks/main';

const KAFKA = 'docker_container.Platform_Kafka_Container_1';
const KAFKA_DATA = 'docker_volume.Platform_Kafka_Volume0_2';
const NET = 'docker_network.Platform_Network_3';
const TOPIC = 'streamform_topic.Ratings_4';

const declared: DeclaredObject[] = [
  { address: KAFKA, kind: 'container', name: 'sf-kafka' },
  { address: KAFKA_DATA, kind: 'volume', name: 'sf-kafka-data' },
  { address: NET, kind: 'network', name: 'sf' },
  { address: TOPIC, kind: 'streamform', name: 'ratings' },
];

const earlier = new Date('2026-01-01T10:00:00Z');
const docker: DockerObject[] = [
  { kind: 'container', name: 'sf-kafka', importId: 'c0ffee', createdAt: earlier, running: true },
  { kind: 'volume', name: 'sf-kafka-data', importId: 'sf-kafka-data', createdAt: earlier },
  { kind: 'network', name: 'sf', importId: 'beef', createdAt: earlier },
];

const decide = (mode: LeftoverMode, extra: { inState?: string[]; interrupted?: InterruptedRun; docker?: DockerObject[] } = {}) =>
  decideLeftovers({
    declared,
    inState: new Set(extra.inState ?? []),
    docker: extra.docker ?? docker,
    interrupted: extra.interrupted,
    mode,
  });

describe('decideLeftovers', () => {
  test('without an option, existing objects outside the state stop the deploy, named, and nothing is touched', () => {
    const d = decide('refuse');
    expect(d.refuse.map((l) => l.address)).toEqual([KAFKA, KAFKA_DATA, NET]);
    expect(d.remove).toEqual([]);
    expect(d.adopt).toEqual([]);
    // streamform objects are not probed unless asked to: the provider refuses to create an existing one
    expect(d.tryImport).toEqual([]);
  });

  test('objects in the state and names that exist nowhere are no leftovers', () => {
    expect(decide('refuse', { inState: [KAFKA, KAFKA_DATA, NET] }).refuse).toEqual([]);
    expect(decide('refuse', { docker: [] })).toEqual({ adopt: [], remove: [], refuse: [], tryImport: [] });
  });

  test('--adopt imports every leftover by the id its importer takes and removes nothing', () => {
    const d = decide('adopt');
    expect(d.adopt.map((a) => [a.address, a.importId, a.why])).toEqual([
      [KAFKA, 'c0ffee', '--adopt'],
      [KAFKA_DATA, 'sf-kafka-data', '--adopt'],
      [NET, 'beef', '--adopt'],
    ]);
    expect(d.remove).toEqual([]);
    expect(d.refuse).toEqual([]);
    expect(d.tryImport).toEqual([{ address: TOPIC, importId: 'ratings' }]);
  });

  test('--replace removes containers only; volumes (data) and networks are adopted', () => {
    const d = decide('replace');
    expect(d.remove).toEqual([{ address: KAFKA, kind: 'container', name: 'sf-kafka' }]);
    expect(d.adopt.map((a) => [a.address, a.why])).toEqual([
      [KAFKA_DATA, '--replace keeps data'],
      [NET, '--replace keeps data'],
    ]);
    expect(d.refuse).toEqual([]);
  });

  test('only --replace --delete-data removes volumes', () => {
    const d = decide('replace-delete-data');
    expect(d.remove.map((r) => r.kind).sort()).toEqual(['container', 'volume']);
    expect(d.adopt.map((a) => a.address)).toEqual([NET]);
  });

  test("an interrupted run's own objects are adopted without an option; others are still refused", () => {
    const interrupted: InterruptedRun = {
      verb: 'deploy',
      signal: 'SIGINT',
      startedAt: '2026-01-02T09:00:00Z',
      endedAt: '2026-01-02T09:00:30Z',
      inProgress: [TOPIC],
      untracked: [{ kind: 'volume', name: 'sf-kafka-data', importId: 'sf-kafka-data' }],
    };
    const during = new Date('2026-01-02T09:00:20Z');
    const d = decide('refuse', {
      interrupted,
      docker: [
        // created while the run ran (the engine finished OpenTofu's request)
        { kind: 'container', name: 'sf-kafka', importId: 'c0ffee', createdAt: during, running: true },
        // recorded right after the run
        { kind: 'volume', name: 'sf-kafka-data', importId: 'sf-kafka-data', createdAt: earlier },
        // older than the run: not its own
        { kind: 'network', name: 'sf', importId: 'beef', createdAt: earlier },
      ],
    });
    expect(d.adopt.map((a) => [a.address, a.why])).toEqual([
      [KAFKA, 'created by the interrupted run'],
      [KAFKA_DATA, 'created by the interrupted run'],
    ]);
    expect(d.refuse.map((l) => l.address)).toEqual([NET]);
    // the topic it had in flight may exist: imported if it does
    expect(d.tryImport).toEqual([{ address: TOPIC, importId: 'ratings' }]);
  });

  test("a volume is never taken for an interrupted run's by its time (Docker reports when its folder changed)", () => {
    const run: InterruptedRun = {
      verb: 'deploy',
      signal: 'SIGTERM',
      startedAt: '2026-01-02T09:00:00Z',
      endedAt: '2026-01-02T09:00:30Z',
      inProgress: [],
      untracked: [],
    };
    const during = new Date('2026-01-02T09:00:10Z');
    expect(createdBy(run, { kind: 'volume', name: 'v', importId: 'v', createdAt: during })).toBe(false);
    expect(createdBy(run, { kind: 'network', name: 'n', importId: 'n1', createdAt: during })).toBe(true);
    // same name, another object (re-created since): not the run's
    const recorded = { ...run, untracked: [{ kind: 'container' as const, name: 'c', importId: 'old' }] };
    expect(createdBy(recorded, { kind: 'container', name: 'c', importId: 'new', createdAt: earlier })).toBe(false);
    expect(createdBy(recorded, { kind: 'container', name: 'c', importId: 'old', createdAt: earlier })).toBe(true);
    expect(createdBy(undefined, { kind: 'container', name: 'c', importId: 'old', createdAt: during })).toBe(false);
  });
});

test('the refusal names every object, says nothing was changed and offers the options', () => {
  const d = decide('refuse');
  const text = refusalMessage('platform-dev', d.refuse, 'no state in /s/platform-dev.tfstate');
  expect(text).toContain(
    'platform-dev: 3 Docker object(s) of this stack exist but are not in its state (no state in /s/platform-dev.tfstate)',
  );
  expect(text).toMatch(/container sf-kafka \(running\)\s+docker_container\.Platform_Kafka_Container_1/);
  expect(text).toMatch(/volume sf-kafka-data \(data\)\s+docker_volume/);
  expect(text).toContain('Nothing was changed');
  for (const option of ['--adopt', '--replace', '--replace --delete-data']) expect(text).toContain(`  ${option} `);
});

describe('leftoverModeOf', () => {
  test('options → mode', () => {
    expect(leftoverModeOf({})).toBe('refuse');
    expect(leftoverModeOf({ adopt: true })).toBe('adopt');
    expect(leftoverModeOf({ replace: true })).toBe('replace');
    expect(leftoverModeOf({ replace: true, deleteData: true })).toBe('replace-delete-data');
  });
  test('contradictions are refused', () => {
    expect(() => leftoverModeOf({ adopt: true, replace: true })).toThrow('--adopt and --replace exclude each other');
    expect(() => leftoverModeOf({ deleteData: true })).toThrow('--delete-data is only valid with --replace');
    expect(() => leftoverModeOf({ adopt: true, deleteData: true })).toThrow('--delete-data is only valid with --replace');
  });
});

describe('stateAddresses', () => {
  test('an empty or missing state holds nothing (an interrupted first apply leaves a 0-byte file)', () => {
    expect(stateAddresses('')).toEqual(new Set());
    expect(stateAddresses('{"version":4,"resources":[]}')).toEqual(new Set());
  });
  test('managed resources with instances; data sources and instance-less entries are not', () => {
    const state = JSON.stringify({
      version: 4,
      resources: [
        { mode: 'managed', type: 'docker_volume', name: 'V', instances: [{ attributes: {} }] },
        { mode: 'managed', type: 'docker_container', name: 'C', instances: [{ status: 'tainted', attributes: {} }] },
        { mode: 'managed', type: 'streamform_topic', name: 'T', instances: [{ index_key: 0 }, { index_key: 'b' }] },
        { mode: 'managed', module: 'module.m', type: 'docker_network', name: 'N', instances: [{}] },
        { mode: 'data', type: 'docker_image', name: 'D', instances: [{}] },
        { mode: 'managed', type: 'docker_image', name: 'Gone', instances: [] },
      ],
    });
    expect([...stateAddresses(state)]).toEqual([
      'docker_volume.V',
      'docker_container.C',
      'streamform_topic.T[0]',
      'streamform_topic.T["b"]',
      'module.m.docker_network.N',
    ]);
  });
});

test('ksqlName: the object a ksqlDB statement creates, as ksqlDB names it', () => {
  expect(ksqlName("CREATE STREAM ratings (ID INT) WITH (KAFKA_TOPIC='ratings');")).toBe('RATINGS');
  expect(ksqlName('create or replace table `MixedCase` as select * from x;')).toBe('MixedCase');
  expect(ksqlName('CREATE STREAM `a``b` AS SELECT * FROM x;')).toBe('a`b');
  expect(ksqlName('CREATE SOURCE TABLE IF NOT EXISTS t1 (K STRING PRIMARY KEY) WITH (...);')).toBe('T1');
  expect(ksqlName('INSERT INTO x SELECT * FROM y;')).toBeUndefined();
  expect(ksqlName(undefined)).toBeUndefined();
});

describe('declaredObjects of the synthesized dev stacks', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'sf-leftovers-'));
    buildApp(new App({ outdir }), { STREAMFORM_STATE_DIR: '/state', STREAMFORM_IMAGES: 'local', STREAMFORM_DEV_NAME: 'sf-x' }).synth();
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));
  const stack = (name: string) => JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', name, 'cdk.tf.json'), 'utf8'));

  test('platform-dev: its containers, volumes and network by name; images are no leftovers', () => {
    const objects = declaredObjects(stack('platform-dev'));
    expect(objects.map((o) => `${o.kind} ${o.name}`).sort()).toEqual([
      'container sf-x-connect',
      'container sf-x-kafka',
      'container sf-x-ksqldb',
      'container sf-x-schema-registry',
      'network sf-x',
      'volume sf-x-kafka-data',
      'volume sf-x-schema-registry-data',
    ]);
    expect(objects.every((o) => /^docker_(container|volume|network)\./.test(o.address))).toBe(true);
  });

  test('ratings-dev: the database container and volume, and every streamform object with its import id', () => {
    const objects = declaredObjects(stack('ratings-dev'));
    const byKind = (k: string) => objects.filter((o) => o.kind === k).map((o) => o.name);
    expect(byKind('container')).toEqual(['sf-x-ratings-mariadb']);
    expect(byKind('volume')).toEqual(['sf-x-ratings-mariadb-data']);
    const streamform = objects.filter((o) => o.kind === 'streamform');
    expect(streamform.map((o) => o.name)).toEqual(expect.arrayContaining(['ratings', 'ratings-customers-cdc', 'RATINGS', 'CUSTOMERS']));
    // every streamform resource of the stack has an id to import it by
    const resources = stack('ratings-dev').resource as Record<string, Record<string, unknown>>;
    const count = Object.entries(resources)
      .filter(([type]) => type.startsWith('streamform_'))
      .reduce((n, [, r]) => n + Object.keys(r).length, 0);
    expect(streamform).toHaveLength(count);
  });
});
