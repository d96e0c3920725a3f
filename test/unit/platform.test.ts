import { TerraformStack, Testing } from 'cdktf';
import { Duration, ValidationError } from '../../constructs';
import { DOCKER_HUB_IMAGES, LocalKafkaPlatform, LOCAL_IMAGES } from '../../constructs/platform';
import { clusterId, goDuration } from '../../constructs/private/docker';
import { literal } from '../../constructs/private/literal';
import { devEnvironment } from '../../stacks/environments';
import { PlatformStack } from '../../stacks/platform';

function stack(): TerraformStack {
  return new TerraformStack(Testing.app(), 'test');
}

function errorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('LocalKafkaPlatform', () => {
  test('the dev platform stack synthesizes to the same Terraform JSON', () => {
    const env = devEnvironment({ STREAMFORM_STATE_DIR: '/state', STREAMFORM_IMAGES: 'local' });
    const s = new PlatformStack(Testing.app(), 'platform-dev', { env });
    expect(Testing.synth(s, true)).toMatchSnapshot();
  });

  test('ports are published on 127.0.0.1 only, with health checks and wait', () => {
    const s = stack();
    new LocalKafkaPlatform(s, 'Platform', { name: 'p', images: LOCAL_IMAGES });
    const json = JSON.parse(Testing.synth(s, true));
    const containers = Object.values(json.resource.docker_container) as any[];
    expect(containers.map((c) => c.name).sort()).toEqual(['p-connect', 'p-kafka', 'p-ksqldb', 'p-schema-registry']);
    for (const c of containers) {
      expect(c.wait).toBe(true);
      expect(c.healthcheck.test[0]).toBe('CMD-SHELL');
      for (const p of c.ports) expect(p.ip).toBe('127.0.0.1');
    }
    const kafka = containers.find((c) => c.name === 'p-kafka');
    expect(kafka.env).toContain('KAFKA_ADVERTISED_LISTENERS=INTERNAL://kafka:19092,EXTERNAL://localhost:9092');
    expect(kafka.volumes[0].container_path).toBe('/var/lib/kafka/data');
  });

  test('the docker provider version is pinned to the one the set-up installs', () => {
    const s = stack();
    new LocalKafkaPlatform(s, 'Platform', { images: LOCAL_IMAGES });
    const json = JSON.parse(Testing.synth(s));
    expect(json.terraform.required_providers.docker).toEqual({ source: 'kreuzwerker/docker', version: '~> 4.6' });
  });

  test("the local catalog runs streamform's local ksqlDB with cp-ksqldb-server's contract", () => {
    const s = stack();
    const p = new LocalKafkaPlatform(s, 'Platform', { name: 'p', images: LOCAL_IMAGES });
    expect(p.ksqldb).toBeDefined();
    expect(p.endpoints.ksqldbUrl).toBe('http://localhost:8088');
    const json = JSON.parse(Testing.synth(s, true));
    const ksql = (Object.values(json.resource.docker_container) as any[]).find((c) => c.name === 'p-ksqldb');
    expect(ksql.env).toEqual(
      expect.arrayContaining([
        'KSQL_BOOTSTRAP_SERVERS=kafka:19092',
        'KSQL_LISTENERS=http://0.0.0.0:8088',
        'KSQL_KSQL_SCHEMA_REGISTRY_URL=http://schema-registry:8080/apis/ccompat/v7',
        'KSQL_KSQL_SERVICE_ID=p_',
      ]),
    );
    expect(ksql.healthcheck.test[1]).toContain('/healthcheck');
  });

  test('with ksqldb: false the slot is left out with a note', () => {
    const s = stack();
    const p = new LocalKafkaPlatform(s, 'Platform', { images: LOCAL_IMAGES, ksqldb: false });
    expect(p.ksqldb).toBeUndefined();
    expect(p.endpoints.ksqldbUrl).toBeUndefined();
    expect(p.ksqldbNote).toMatch(/disabled by the ksqldb property/);
  });

  test('with Docker Hub images ksqlDB runs and the registry speaks Confluent at its root', () => {
    const s = stack();
    const p = new LocalKafkaPlatform(s, 'Platform', { name: 'hub', images: DOCKER_HUB_IMAGES });
    expect(p.ksqldb).toBeDefined();
    expect(p.endpoints).toEqual({
      bootstrapServers: 'localhost:9092',
      schemaRegistryUrl: 'http://localhost:8081',
      connectUrl: 'http://localhost:8083',
      ksqldbUrl: 'http://localhost:8088',
    });
    const json = JSON.parse(Testing.synth(s, true));
    const images = Object.values(json.resource.docker_image).map((i: any) => i.name);
    expect(images).toEqual(expect.arrayContaining(['apache/kafka:4.1.1', 'confluentinc/cp-ksqldb-server:7.9.0']));
  });

  test('two services on one host port fail at synth, naming path, value and fix', () => {
    const err = errorOf(() => new LocalKafkaPlatform(stack(), 'Platform', { images: LOCAL_IMAGES, ports: { connect: 9092 } }));
    expect(err.message).toBe(
      'streamform: 1 invalid setting\n' +
        '  - test/Platform: ports.connect is already used by ports.kafka, got 9092; every service needs its own host port: choose another one',
    );
  });

  test('an invalid image reference fails at synth', () => {
    const images = { ...LOCAL_IMAGES, kafka: { ...LOCAL_IMAGES.kafka, ref: 'Apache/Kafka::latest' } };
    const err = errorOf(() => new LocalKafkaPlatform(stack(), 'Platform', { images }));
    expect(err.issues).toEqual([
      {
        path: 'test/Platform',
        field: 'images.kafka.ref',
        value: "'Apache/Kafka::latest'",
        problem: 'is not a valid image reference',
        fix: 'use [registry/]repository[:tag] with a lower-case repository, e.g. apache/kafka:4.1.1',
      },
    ]);
  });

  test('a missing required setting fails at synth', () => {
    const images = { ...LOCAL_IMAGES, connect: { ...LOCAL_IMAGES.connect, ref: '' } };
    const err = errorOf(() => new LocalKafkaPlatform(stack(), 'Platform', { images }));
    expect(err.message).toContain("test/Platform: images.connect.ref is required, got ''; name the connect image");
  });

  test('all problems are reported at once', () => {
    const images = { ...LOCAL_IMAGES, kafka: { ...LOCAL_IMAGES.kafka, ref: 'UPPER' } };
    const err = errorOf(
      () => new LocalKafkaPlatform(stack(), 'Platform', { name: '-bad', images, ports: { kafka: 70000, schemaRegistry: 8083 } }),
    );
    expect(err.issues.map((i) => i.field)).toEqual(['name', 'images.kafka.ref', 'ports.kafka', 'ports.connect']);
  });
});

describe('helpers', () => {
  test('literal escapes Terraform templates but keeps cdktf tokens', () => {
    expect(literal('[ "${r:16:4}" = 0000 ] %{x}')).toBe('[ "$${r:16:4}" = 0000 ] %%{x}');
    expect(literal('${TfToken[TOKEN.1]}')).toBe('${TfToken[TOKEN.1]}');
  });

  test('goDuration renders what the docker provider stores', () => {
    expect([Duration.seconds(2), Duration.minutes(1), Duration.seconds(150), Duration.seconds(3725)].map(goDuration)).toEqual([
      '2s',
      '1m0s',
      '2m30s',
      '1h2m5s',
    ]);
  });

  test('clusterId is a stable 22-character base64url id', () => {
    expect(clusterId('a')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(clusterId('a')).toBe(clusterId('a'));
    expect(clusterId('a')).not.toBe(clusterId('b'));
  });

  test('devEnvironment rejects a bad port offset with the variable name and the fix', () => {
    expect(() => devEnvironment({ STREAMFORM_DEV_PORT_OFFSET: 'x' })).toThrow(
      "STREAMFORM_DEV_PORT_OFFSET must be an integer between 0 and 50000, got 'x'; unset it to use the default ports",
    );
  });
});
