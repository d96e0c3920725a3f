/**
 * The pipeline stacks in every environment: one snapshot per stack, and the environment rules
 * (replication, min.insync.replicas, protection, no secrets in configuration, state backends).
 * Synthesis only; no servers.
 */
import { App, Testing } from 'cdktf';
import { ENV_NAMES, environment, EnvName } from '../../stacks/environments';
import { PIPELINES } from '../../stacks/main';

const FIXED_ENV = { STREAMFORM_STATE_DIR: '/state', STREAMFORM_IMAGES: 'local' };

/**
 * PENDING STACK REWRITE: these joins select ROWKEY, which ksqlDB (0.15+) refuses, and the
 * construct library now refuses them at synth with ksqlDB's message (src/core/ksql/keys.ts,
 * the rules the local engine applies). The stacks are being rewritten to project the join key
 * instead; until that lands, these stacks synthesize without validation for the snapshot and
 * environment tests below, and the refusal itself is pinned by the test after them. When the
 * rewrite lands, empty this map: the pinned test then checks that every stack validates.
 */
const PENDING_STACK_REWRITE: Readonly<Record<string, readonly string[]>> = {};

function stackOf(pipeline: string, envName: EnvName) {
  const Stack = PIPELINES[pipeline];
  return new Stack(Testing.app(), `${pipeline}-${envName}`, { env: environment(envName, FIXED_ENV) });
}

function synth(pipeline: string, envName: EnvName): any {
  return JSON.parse(Testing.synth(stackOf(pipeline, envName), !(pipeline in PENDING_STACK_REWRITE)));
}

function resources(json: any, type: string): any[] {
  return Object.values(json.resource?.[type] ?? {});
}

const CASES = Object.keys(PIPELINES).flatMap((p) => ENV_NAMES.map((e) => [p, e] as const));

test('there are three pipelines in three environments', () => {
  expect(CASES).toHaveLength(9);
});

test.each(CASES)('%s in %s: synth-time validation (pending stack rewrite pinned)', (pipeline, envName) => {
  const pending = PENDING_STACK_REWRITE[pipeline] ?? [];
  const run = (): string => Testing.synth(stackOf(pipeline, envName), true);
  if (pending.length === 0) {
    expect(run).not.toThrow();
    return;
  }
  let message = '';
  try {
    run();
  } catch (e) {
    message = (e as Error).message;
  }
  for (const p of pending) expect(message).toContain(`[${pipeline}-${envName}/${p.split(':')[0]}] ${pipeline}-${envName}/${p}`);
  expect(message.match(/ksqlDB refuses the query/g)).toHaveLength(pending.length);
});

describe.each(CASES)('%s in %s', (pipeline, envName) => {
  const json = synth(pipeline, envName);

  test('synthesizes to the same Terraform JSON', () => {
    expect(json).toMatchSnapshot();
  });

  test('topics follow the environment: replication, min.insync.replicas, protection', () => {
    const topics = resources(json, 'streamform_topic');
    expect(topics.length).toBeGreaterThan(0);
    for (const t of topics) {
      if (envName === 'dev') {
        expect(t.replication_factor).toBe(1);
        expect(t.config?.['min.insync.replicas']).toBeUndefined();
        expect(t.deletion_protection).toBe(false);
      } else {
        expect(t.replication_factor).toBe(3);
        expect(t.config['min.insync.replicas']).toBe('2');
        expect(t.deletion_protection).toBe(envName === 'prod');
      }
    }
    for (const s of resources(json, 'streamform_schema')) expect(s.deletion_protection).toBe(envName === 'prod');
  });

  test('no secret appears in the configuration: only variables and Connect placeholders', () => {
    const text = JSON.stringify(json);
    for (const c of resources(json, 'streamform_connector')) {
      for (const v of Object.values<string>(c.sensitive_config ?? {})) expect(v).toMatch(/^(\$\{var\.[a-z0-9_]+\}|\$\$\{(env|file):)/);
    }
    expect(text).not.toMatch(/"[A-Z_]*PASSWORD=[^$]/);
    for (const v of Object.values<any>(json.variable ?? {})) expect(v.sensitive).toBe(true);
  });

  test('state lives locally in dev and in PostgreSQL elsewhere, without a connection string', () => {
    if (envName === 'dev') expect(json.terraform.backend.local.path).toBe(`/state/${pipeline}-${envName}.tfstate`);
    else expect(json.terraform.backend.pg).toEqual({ schema_name: `streamform_${envName}_${pipeline}_${envName}`.replace(/-/g, '_') });
  });

  test('the provider gets endpoints in dev and reads them from the environment elsewhere', () => {
    const provider = json.provider.streamform[0];
    if (envName === 'dev') expect(provider.bootstrap_servers).toBe('localhost:9092');
    else expect(provider).toEqual({});
  });
});

test('dev stacks run their databases on the platform network, other environments do not', () => {
  for (const pipeline of ['ratings', 'airline-merger', 'customer-quality']) {
    const dev = synth(pipeline, 'dev');
    const containers = resources(dev, 'docker_container');
    expect(containers).toHaveLength(1);
    expect(containers[0].networks_advanced[0].name).toBe('streamform-dev');
    expect(resources(synth(pipeline, 'prod'), 'docker_container')).toHaveLength(0);
  }
});

test('sinks to external systems exist only where the systems do', () => {
  const classes = (json: any) => resources(json, 'streamform_connector').map((c) => c.config['connector.class']);
  expect(classes(synth('ratings', 'dev'))).not.toContain('io.confluent.connect.elasticsearch.ElasticsearchSinkConnector');
  expect(classes(synth('ratings', 'prod'))).toEqual(
    expect.arrayContaining([
      'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
      'com.mongodb.kafka.connect.MongoSinkConnector',
    ]),
  );
  expect(classes(synth('airline-merger', 'staging'))).toContain('com.snowflake.kafka.connector.SnowflakeSinkConnector');
});

test('the app has the platform and every pipeline in every environment, dev pipelines after the platform', () => {
  const { buildApp } = require('../../stacks/main') as typeof import('../../stacks/main');
  const app = buildApp(new App({ outdir: '/tmp/sf-unit-app' }), FIXED_ENV);
  const ids = app.node.children.map((c) => c.node.id).sort();
  expect(ids).toEqual(['platform-dev', ...CASES.map(([p, e]) => `${p}-${e}`)].sort());
  const ratingsDev = app.node.findChild('ratings-dev') as any;
  expect(ratingsDev.dependencies.map((d: any) => d.node.id)).toEqual(['platform-dev']);
});
