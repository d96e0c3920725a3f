/**
 * LocalKafkaPlatform with several Kafka nodes (issue 12 item 7) and Connect's offset commits on a
 * clean stop (item 6), checked on the synthesized Terraform JSON.
 */
import { TerraformStack, Testing } from 'cdktf';
import { ValidationError } from '../../constructs';
import { DOCKER_HUB_IMAGES, LocalKafkaPlatform, LOCAL_IMAGES } from '../../constructs/platform';
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

interface SynthContainer {
  name: string;
  env: string[];
  ports: { internal: number; external: number; ip: string }[];
  volumes: { container_path: string; volume_name: string }[];
  networks_advanced: { aliases?: string[] }[];
  depends_on?: string[];
  stop_timeout?: number;
}

function containers(s: TerraformStack): Map<string, SynthContainer> {
  const json = JSON.parse(Testing.synth(s, true));
  const list = Object.values(json.resource.docker_container) as SynthContainer[];
  return new Map(list.map((c) => [c.name, c]));
}

function envOf(c: SynthContainer): Record<string, string> {
  return Object.fromEntries(c.env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

describe('LocalKafkaPlatform({ brokers: 3 })', () => {
  test('runs three combined broker+controller nodes of the same image with a 3-voter quorum', () => {
    const s = stack();
    const p = new LocalKafkaPlatform(s, 'Platform', { name: 'c3', images: LOCAL_IMAGES, brokers: 3 });
    const all = containers(s);
    expect([...all.keys()].sort()).toEqual(['c3-connect', 'c3-kafka-1', 'c3-kafka-2', 'c3-kafka-3', 'c3-ksqldb', 'c3-schema-registry']);
    expect(p.kafkaBrokers).toHaveLength(3);
    expect(p.kafka).toBe(p.kafkaBrokers[0]);
    const json = JSON.parse(Testing.synth(s, true));
    const images = Object.values(json.resource.docker_image).map((i: any) => i.name);
    expect(images.filter((i) => i === LOCAL_IMAGES.kafka.ref)).toHaveLength(3);

    const clusterIds = new Set<string>();
    for (const id of [1, 2, 3]) {
      const c = all.get(`c3-kafka-${id}`)!;
      const env = envOf(c);
      expect(env.KAFKA_NODE_ID).toBe(String(id));
      expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
      expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe('1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093');
      expect(env.KAFKA_ADVERTISED_LISTENERS).toBe(`INTERNAL://kafka-${id}:19092,EXTERNAL://localhost:${9091 + id}`);
      expect(c.ports).toEqual([{ internal: 9092, external: 9091 + id, ip: '127.0.0.1', protocol: 'tcp' }]);
      expect(c.networks_advanced[0].aliases).toEqual([`kafka-${id}`, 'kafka']);
      expect(c.volumes[0].container_path).toBe('/var/lib/kafka/data');
      clusterIds.add(env.CLUSTER_ID);
    }
    // one cluster, not three
    expect(clusterIds.size).toBe(1);
    // each node has its own volume
    const volumes = JSON.parse(Testing.synth(s, true)).resource.docker_volume;
    expect(
      (Object.values(volumes) as { name: string }[])
        .map((v) => v.name)
        .filter((n) => n.startsWith('c3-kafka'))
        .sort(),
    ).toEqual(['c3-kafka-1-data', 'c3-kafka-2-data', 'c3-kafka-3-data']);
  });

  test('internal topics and topic defaults get replication 3 and min.insync.replicas 2', () => {
    const s = stack();
    new LocalKafkaPlatform(s, 'Platform', { name: 'c3', images: LOCAL_IMAGES, brokers: 3 });
    const all = containers(s);
    for (const id of [1, 2, 3]) {
      expect(envOf(all.get(`c3-kafka-${id}`)!)).toMatchObject({
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '3',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '3',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '2',
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '3',
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '2',
        KAFKA_DEFAULT_REPLICATION_FACTOR: '3',
        KAFKA_MIN_INSYNC_REPLICAS: '2',
      });
    }
    expect(envOf(all.get('c3-connect')!)).toMatchObject({
      CONNECT_BOOTSTRAP_SERVERS: 'kafka-1:19092,kafka-2:19092,kafka-3:19092',
      CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR: '3',
      CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR: '3',
      CONNECT_STATUS_STORAGE_REPLICATION_FACTOR: '3',
    });
    expect(envOf(all.get('c3-ksqldb')!)).toMatchObject({
      KSQL_BOOTSTRAP_SERVERS: 'kafka-1:19092,kafka-2:19092,kafka-3:19092',
      KSQL_KSQL_INTERNAL_TOPIC_REPLICAS: '3',
      KSQL_KSQL_INTERNAL_TOPIC_MIN_INSYNC_REPLICAS: '2',
      KSQL_KSQL_STREAMS_REPLICATION_FACTOR: '3',
    });
    // the services wait for every node
    for (const name of ['c3-connect', 'c3-schema-registry', 'c3-ksqldb']) {
      expect(all.get(name)!.depends_on!.filter((d) => /Kafka\d/.test(d))).toHaveLength(3);
    }
  });

  test("Confluent's Schema Registry keeps `_schemas` at replication 3 and reaches all brokers", () => {
    const s = stack();
    new LocalKafkaPlatform(s, 'Platform', { name: 'c3', images: DOCKER_HUB_IMAGES, brokers: 3 });
    expect(envOf(containers(s).get('c3-schema-registry')!)).toMatchObject({
      SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: 'PLAINTEXT://kafka-1:19092,PLAINTEXT://kafka-2:19092,PLAINTEXT://kafka-3:19092',
      SCHEMA_REGISTRY_KAFKASTORE_TOPIC_REPLICATION_FACTOR: '3',
    });
  });

  test('endpoints list every broker; broker n is published on ports.kafka + n - 1', () => {
    const p = new LocalKafkaPlatform(stack(), 'Platform', { images: LOCAL_IMAGES, brokers: 3, ports: { kafka: 40092 } });
    expect(p.endpoints.bootstrapServers).toBe('localhost:40092,localhost:40093,localhost:40094');
    expect(p.internalEndpoints.bootstrapServers).toBe('kafka-1:19092,kafka-2:19092,kafka-3:19092');
    expect(LocalKafkaPlatform.hostEndpoints({ kafka: 1000 }, LOCAL_IMAGES, false, 3).bootstrapServers).toBe(
      'localhost:1000,localhost:1001,localhost:1002',
    );
  });

  test('a broker port that collides with another service fails at synth', () => {
    const err = errorOf(() => new LocalKafkaPlatform(stack(), 'Platform', { images: LOCAL_IMAGES, brokers: 3, ports: { kafka: 8081 } }));
    expect(err.issues.map((i) => `${i.field} ${i.value} ${i.problem}`)).toEqual([
      'ports.schemaRegistry 8081 is already used by ports.kafka',
      'ports.connect 8083 is already used by ports.kafka + 2 (broker 3)',
    ]);
  });

  test.each([2, 0, 5, 1.5])('brokers: %p is refused naming the construct path, the value and the fix', (brokers) => {
    const err = errorOf(() => new LocalKafkaPlatform(stack(), 'Platform', { images: LOCAL_IMAGES, brokers }));
    expect(err.issues).toEqual([
      {
        path: 'test/Platform',
        field: 'brokers',
        value: String(brokers),
        problem: 'must be 1 (a single broker) or 3 (a KRaft quorum of three broker+controller nodes: replication 3, min.insync.replicas 2)',
        fix: 'use brokers: 1 for a single-node platform or brokers: 3 for one that keeps serving with a broker down',
      },
    ]);
    expect(err.message).toContain(`test/Platform: brokers must be 1`);
    expect(err.message).toContain(`got ${brokers}; use brokers: 1`);
  });
});

describe('the default platform is unchanged by the broker option', () => {
  test('brokers: 1 synthesizes exactly what no brokers setting does', () => {
    const a = stack();
    new LocalKafkaPlatform(a, 'Platform', { name: 'p', images: LOCAL_IMAGES });
    const b = stack();
    new LocalKafkaPlatform(b, 'Platform', { name: 'p', images: LOCAL_IMAGES, brokers: 1 });
    expect(Testing.synth(b, true)).toBe(Testing.synth(a, true));
    const kafka = containers(a).get('p-kafka')!;
    expect(envOf(kafka)).toMatchObject({
      KAFKA_NODE_ID: '1',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@kafka:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
    });
    expect(envOf(kafka).KAFKA_MIN_INSYNC_REPLICAS).toBeUndefined();
    expect([...containers(a).keys()].filter((n) => n.includes('kafka'))).toEqual(['p-kafka']);
  });
});

describe('dev environment', () => {
  test('STREAMFORM_DEV_BROKERS=3 gives the dev stacks three brokers, replication 3 and min.insync.replicas 2', () => {
    const env = devEnvironment({ STREAMFORM_DEV_BROKERS: '3', STREAMFORM_DEV_PORT_OFFSET: '100', STREAMFORM_IMAGES: 'local' });
    expect(env.cluster.brokers).toBe(3);
    expect(env.cluster.topicDefaults).toEqual({ partitions: 3, replicationFactor: 3, minInsyncReplicas: 2 });
    expect(env.cluster.endpoints!.bootstrapServers).toBe('localhost:9192,localhost:9193,localhost:9194');
    expect(env.cluster.connectView!.bootstrapServers).toBe('kafka-1:19092,kafka-2:19092,kafka-3:19092');
    const s = new PlatformStack(Testing.app(), 'platform-dev', { env });
    expect(s.platform.kafkaBrokers).toHaveLength(3);
  });

  test('STREAMFORM_DEV_KSQLDB=false leaves the ksqlDB container out', () => {
    const env = devEnvironment({ STREAMFORM_DEV_KSQLDB: 'false', STREAMFORM_IMAGES: 'local' });
    const s = new PlatformStack(Testing.app(), 'platform-dev', { env });
    expect(s.platform.ksqldb).toBeUndefined();
    expect(env.cluster.endpoints!.ksqldbUrl).toBeUndefined();
  });

  test('bad values name the variable, the value and the fix', () => {
    expect(() => devEnvironment({ STREAMFORM_DEV_BROKERS: '2' })).toThrow(
      "STREAMFORM_DEV_BROKERS must be 1 or 3, got '2'; unset it for a single broker, or set 3 for a 3-node KRaft cluster",
    );
    expect(() => devEnvironment({ STREAMFORM_DEV_KSQLDB: 'no' })).toThrow(
      "STREAMFORM_DEV_KSQLDB must be 'true' or 'false', got 'no'; unset it to run the ksqlDB container",
    );
  });

  test('the default dev environment is unchanged', () => {
    const env = devEnvironment({ STREAMFORM_IMAGES: 'local' });
    expect(env.platform).toEqual({
      name: 'streamform-dev',
      ports: { kafka: 9092, schemaRegistry: 8081, connect: 8083, ksqldb: 8088 },
      images: LOCAL_IMAGES,
    });
    expect(env.cluster.brokers).toBe(1);
    expect(env.cluster.connectView!.bootstrapServers).toBe('kafka:19092');
    expect(env.cluster.topicDefaults).toEqual({ partitions: 3, replicationFactor: 1 });
  });
});

describe('Kafka Connect commits source offsets often and on a clean stop', () => {
  test.each([1, 3])('with %p broker(s): offset flush every second, 20 s task shutdown, 60 s docker stop grace', (brokers) => {
    const s = stack();
    new LocalKafkaPlatform(s, 'Platform', { name: 'p', images: LOCAL_IMAGES, brokers });
    const connect = containers(s).get('p-connect')!;
    const env = envOf(connect);
    expect(Number(env.CONNECT_OFFSET_FLUSH_INTERVAL_MS)).toBe(1000);
    expect(Number(env.CONNECT_TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS)).toBe(20_000);
    // Docker must not kill the worker while its tasks still stop and commit
    expect(connect.stop_timeout! * 1000).toBeGreaterThan(Number(env.CONNECT_TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS));
    // the other containers keep Docker's default
    for (const [name, c] of containers(s)) if (name !== 'p-connect') expect(c.stop_timeout).toBeUndefined();
  });
});
