/**
 * Debezium sources keyed per table (keyFields): one ExtractField$Key per captured table, applied
 * to that table's topic by a TopicNameMatches predicate, and string keys.
 */
import { TerraformStack, Testing } from 'cdktf';
import { DebeziumPostgresSource, Secret, StreamformCluster, ValidationError } from '../../constructs';
import { CANONICAL_ENV } from '../../stacks/fingerprint';

function source(keys: { keyField?: string; keyFields?: Record<string, string> }): {
  stack: TerraformStack;
  config: () => Record<string, string>;
} {
  const stack = new TerraformStack(Testing.app(), 'cdc');
  new StreamformCluster(stack, 'Cluster', CANONICAL_ENV.cluster);
  new DebeziumPostgresSource(stack, 'Cdc', {
    connectorName: 'cdc',
    connection: { host: 'db', port: 5432, user: 'debezium', password: Secret.fromVariable(stack, 'pw', 'password') },
    topicPrefix: 'shop',
    database: 'shop',
    slotName: 'shop_cdc',
    tables: ['sales.customers', 'sales.orders'],
    ...keys,
  });
  return {
    stack,
    config: () => {
      const json = JSON.parse(Testing.synth(stack)) as {
        resource: { streamform_connector: Record<string, { config: Record<string, string> }> };
      };
      return Object.values(json.resource.streamform_connector)[0].config;
    },
  };
}

test('each table keyed by its own field, on its own topic, as a string', () => {
  const config = source({ keyFields: { 'sales.customers': 'id', 'sales.orders': 'order_id' } }).config();
  expect(config.transforms).toBe('unwrap,extractkey_sales_customers,extractkey_sales_orders');
  expect(config['transforms.extractkey_sales_orders.type']).toBe('org.apache.kafka.connect.transforms.ExtractField$Key');
  expect(config['transforms.extractkey_sales_orders.field']).toBe('order_id');
  expect(config['transforms.extractkey_sales_orders.predicate']).toBe('is_sales_orders');
  expect(config.predicates).toBe('is_sales_customers,is_sales_orders');
  expect(config['predicates.is_sales_orders.type']).toBe('org.apache.kafka.connect.transforms.predicates.TopicNameMatches');
  expect(config['predicates.is_sales_orders.pattern']).toBe('shop\\.sales\\.orders');
  expect(config['key.converter']).toBe('org.apache.kafka.connect.storage.StringConverter');
});

test('without keyField or keyFields: the whole key struct in JSON, no predicates', () => {
  const config = source({}).config();
  expect(config.transforms).toBe('unwrap');
  expect(config.predicates).toBeUndefined();
  expect(config['key.converter']).toBe('org.apache.kafka.connect.json.JsonConverter');
});

test('keyFields names every captured table, a column each, and not together with keyField', () => {
  let error: unknown;
  try {
    source({ keyField: 'id', keyFields: { 'sales.customers': 'id', 'sales.refunds': 'refund id' } });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).issues.map((i) => `${i.field} ${i.problem}`)).toEqual([
    'keyFields cannot be given together with keyField',
    'keyFields.sales.orders is missing: every captured table needs its key field',
    'keyFields.sales.refunds is not a captured table',
    'keyFields.sales.refunds must be a column name',
  ]);
});
