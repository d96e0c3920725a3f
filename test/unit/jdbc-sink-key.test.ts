/**
 * JdbcSink's record_key upserts on ksqlDB's string keys: Debezium's JDBC sink needs a Struct key,
 * so the construct hoists a primitive key into a one-field Struct named after the key column.
 */
import { TerraformStack, Testing } from 'cdktf';
import { Secret, StreamformCluster, Topic } from '../../constructs';
import { Converters, JdbcSink, type JdbcSinkProps } from '../../constructs/connectors';

function connectorConfig(props: Partial<JdbcSinkProps>): Record<string, string> {
  const s = new TerraformStack(Testing.app(), 'app');
  new StreamformCluster(s, 'Cluster', { brokers: 1, endpoints: { bootstrapServers: 'localhost:9092' } });
  const topic = new Topic(s, 'Valid', { topicName: 'registrations-valid' });
  new JdbcSink(s, 'Mdm', {
    connectorName: 'mdm-sink',
    topics: [topic],
    connectionUrl: 'jdbc:postgresql://db:5432/quality',
    user: 'sink',
    password: Secret.fromVariable(s, 'sink_password'),
    ...props,
  });
  return Object.values<any>(JSON.parse(Testing.synth(s)).resource.streamform_connector)[0].config;
}

test('a record_key upsert on a string key hoists the key into a Struct field named after the key column', () => {
  const config = connectorConfig({ primaryKeyFields: ['REGISTRATION_ID'] });
  expect(config).toMatchObject({
    'primary.key.mode': 'record_key',
    'primary.key.fields': 'REGISTRATION_ID',
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    transforms: 'keyStruct',
    'transforms.keyStruct.type': 'org.apache.kafka.connect.transforms.HoistField$Key',
    'transforms.keyStruct.field': 'REGISTRATION_ID',
  });
});

test('keys that are already Structs, and sinks without a record key, are left as they are', () => {
  expect(connectorConfig({ primaryKeyFields: ['ID'], keyConverter: Converters.json(true) }).transforms).toBeUndefined();
  expect(connectorConfig({ insertMode: 'insert', primaryKeyMode: 'none' }).transforms).toBeUndefined();
});
