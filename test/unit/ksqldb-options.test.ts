/** Options of the local ksqlDB process: flags, and cp-ksqldb-server's KSQL_* environment contract. */
import { OptionsError, parseServerArgs } from '../../src/tools/ksqldb/server/options';
import { isRecognizedProperty, propertiesFromEnv } from '../../src/tools/ksqldb/server/properties';

describe('local ksqlDB options', () => {
  test('flags, with defaults', () => {
    expect(parseServerArgs([])).toEqual({ port: 8088, host: '127.0.0.1', properties: {} });
    expect(
      parseServerArgs([
        '--port',
        '9000',
        '--bootstrap-servers=k:9092',
        '--schema-registry',
        'http://sr:8081/apis/ccompat/v7',
        '--service-id',
        'dev_',
        '--property',
        'ksql.streams.auto.offset.reset=earliest',
      ]),
    ).toEqual({
      port: 9000,
      host: '127.0.0.1',
      bootstrapServers: 'k:9092',
      schemaRegistryUrl: 'http://sr:8081/apis/ccompat/v7',
      serviceId: 'dev_',
      properties: { 'ksql.streams.auto.offset.reset': 'earliest' },
    });
    expect(() => parseServerArgs(['--nope'])).toThrow(OptionsError);
    expect(() => parseServerArgs(['--port', 'x'])).toThrow('--port must be a non-negative integer, got x');
  });

  test("--from-env reads cp-ksqldb-server's variables (listeners, bootstrap servers, service id, registry, the rest as properties)", () => {
    const env = {
      KSQL_LISTENERS: 'http://0.0.0.0:8088',
      KSQL_BOOTSTRAP_SERVERS: 'kafka:19092',
      KSQL_KSQL_SERVICE_ID: 'platform_',
      KSQL_KSQL_SCHEMA_REGISTRY_URL: 'http://schema-registry:8080/apis/ccompat/v7',
      KSQL_KSQL_INTERNAL_TOPIC_REPLICAS: '1',
      KSQL_KSQL_STREAMS_AUTO_OFFSET_RESET: 'earliest',
      KSQL_HEAP_OPTS: '-Xmx1g',
      KSQL_KSQL_FUNCTIONS_SUBSTRING__LEGACY___ARGS: 'x',
      PATH: '/bin',
    };
    expect(propertiesFromEnv(env)).toEqual({
      listeners: 'http://0.0.0.0:8088',
      'bootstrap.servers': 'kafka:19092',
      'ksql.service.id': 'platform_',
      'ksql.schema.registry.url': 'http://schema-registry:8080/apis/ccompat/v7',
      'ksql.internal.topic.replicas': '1',
      'ksql.streams.auto.offset.reset': 'earliest',
      'ksql.functions.substring_legacy-args': 'x',
    });
    const opts = parseServerArgs(['--from-env'], env);
    expect(opts).toMatchObject({
      port: 8088,
      host: '0.0.0.0',
      bootstrapServers: 'kafka:19092',
      schemaRegistryUrl: 'http://schema-registry:8080/apis/ccompat/v7',
      serviceId: 'platform_',
    });
    expect(parseServerArgs(['--from-env', '--port', '7000'], env).port).toBe(7000);
  });

  test('request properties ksqlDB recognizes', () => {
    for (const p of ['ksql.streams.auto.offset.reset', 'auto.offset.reset', 'processing.guarantee', 'consumer.max.poll.records'])
      expect(isRecognizedProperty(p)).toBe(true);
    expect(isRecognizedProperty('no.such.thing')).toBe(false);
  });
});
