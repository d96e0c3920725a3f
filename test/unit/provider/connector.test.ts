/**
 * streamform_connector driven directly, over an in-memory Kafka Connect.
 */
import { connectorResource } from '../../../src/provider/resources/connector';
import { fakeClients, FakeConnect } from '../../support/fake-servers';
import { Driver, texts } from '../../support/provider-driver';

const JDBC = 'io.confluent.connect.jdbc.JdbcSourceConnector';
const config = { 'connector.class': JDBC, 'tasks.max': '1', 'connection.url': 'jdbc:mysql://db/shop' };

function setup() {
  const connect = new FakeConnect();
  const next = () => new Driver(connectorResource, fakeClients({ connect }));
  return { connect, connector: next(), next };
}

test('create puts the configuration (secrets merged in) and waits until it runs', async () => {
  const { connect, connector } = setup();
  const { state } = await connector.applyConfig(null, { name: 'shop', config, sensitive_config: { 'connection.password': 's3cret' } });
  expect(state).toMatchObject({ id: 'shop', name: 'shop', config, sensitive_config: { 'connection.password': 's3cret' } });
  expect(connect.connectors.get('shop')!.config).toEqual({ ...config, 'connection.password': 's3cret', name: 'shop' });
  expect(connect.calls).toEqual([`validate ${JDBC}`, 'put shop']);
});

test("Connect's validation errors fail the plan on the attribute; an unreachable system is only a warning", async () => {
  const { connect, connector } = setup();
  connect.problems = [{ key: 'tasks.max', errors: ['Invalid value many for configuration tasks.max'] }];
  const bad = await connector.plan(null, { name: 'shop', config: { ...config, 'tasks.max': 'many' } });
  expect(bad.errors).toEqual([
    expect.objectContaining({ summary: 'Invalid connector configuration: tasks.max', path: ['config', 'tasks.max'] }),
  ]);
  connect.problems = [{ key: 'connection.url', errors: ['Could not connect to database: Connection refused'] }];
  const unreachable = await connector.plan(null, { name: 'shop', config });
  expect(unreachable.errors).toEqual([]);
  expect(unreachable.warnings.map((d) => d.summary)).toEqual(['Connector shop cannot reach its system yet']);
});

test('a plugin that is not installed is a warning, and nothing is validated', async () => {
  const { connect, connector } = setup();
  const plan = await connector.plan(null, { name: 'x', config: { 'connector.class': 'com.example.Missing' } });
  expect(texts(plan.warnings)).toEqual([
    expect.stringMatching(/^Plugin com.example.Missing is not installed on Kafka Connect: .*installed: io.confluent/),
  ]);
  expect(connect.calls).toEqual([]);
});

test('validate: connector.class is required, a key set twice is refused, a secret in config is flagged', () => {
  const { connector } = setup();
  expect(connector.validate({ name: 'x', config: { 'tasks.max': '1' } }).map((d) => d.summary)).toEqual(['Missing connector.class']);
  expect(
    connector
      .validate({ name: 'x', config: { ...config, 'connection.password': 'p' }, sensitive_config: { 'connection.password': 'p' } })
      .map((d) => d.summary),
  ).toEqual(['Key connection.password is set twice']);
  expect(connector.validate({ name: 'x', config: { ...config, 'connection.password': 'p' } }).map((d) => [d.severity, d.summary])).toEqual([
    ['WARNING', 'connection.password looks like a secret'],
  ]);
  expect(connector.validate({ name: 'x', config: { ...config, 'connection.password': '${env:DB_PASSWORD}' } })).toEqual([]);
});

test('an unchanged configuration is no diff and asks Connect nothing', async () => {
  const { connect, connector } = setup();
  const { state } = await connector.applyConfig(null, { name: 'shop', config });
  const calls = connect.calls.length;
  const plan = await connector.plan(state, { name: 'shop', config });
  expect(plan.diagnostics).toEqual([]);
  expect(connect.calls.slice(calls)).toEqual([]);
});

test('read: a masked secret keeps its configured value, a changed value is drift, a deleted connector is gone', async () => {
  const { connect, connector, next } = setup();
  const { state } = await connector.applyConfig(null, { name: 'shop', config, sensitive_config: { 'connection.password': 's3cret' } });
  connect.masked = ['connection.password'];
  expect(await next().read(state!)).toEqual(state);
  connect.connectors.get('shop')!.config['tasks.max'] = '4';
  expect((await next().read(state!))!.config).toEqual({ ...config, 'tasks.max': '4' });
  connect.connectors.delete('shop');
  expect(await next().read(state!)).toBeNull();
});

test('a connector whose task fails is recorded (tainted) with the failure, not lost', async () => {
  const { connect, connector } = setup();
  connect.statusOnPut = (name) => ({
    name,
    connector: { state: 'RUNNING' },
    tasks: [{ id: 0, state: 'FAILED', trace: 'java.sql.SQLException: Access denied\n\tat com.mysql...' }],
  });
  const { state, diagnostics } = await connector.applyPlan(null, await connector.plan(null, { name: 'shop', config }));
  expect(state).toMatchObject({ id: 'shop', name: 'shop' });
  expect(texts(diagnostics)).toEqual([
    expect.stringMatching(/^Connector shop failed: task 0 is FAILED: java.sql.SQLException: Access denied/),
  ]);
});

test('a changed configuration is put in place and waited for; one that never runs fails after running_timeout_seconds', async () => {
  const { connect, connector } = setup();
  const { state } = await connector.applyConfig(null, { name: 'shop', config });
  const { state: next, plan } = await connector.applyConfig(state, { name: 'shop', config: { ...config, 'tasks.max': '2' } });
  expect(plan.requiresReplace).toEqual([]);
  expect(next!.config['tasks.max']).toBe('2');
  expect(connect.connectors.get('shop')!.config['tasks.max']).toBe('2');
  connect.statusOnPut = (name) => ({ name, connector: { state: 'RUNNING' }, tasks: [{ id: 0, state: 'UNASSIGNED' }] });
  await expect(
    connector.applyConfig(next, { name: 'shop', config: { ...config, 'tasks.max': '3' }, running_timeout_seconds: 1 }),
  ).rejects.toThrow(/Connector shop is not running after 1 s: last status: connector RUNNING, tasks 0:UNASSIGNED/);
});

test('destroy stops the connector, resets its offsets and deletes it', async () => {
  const { connect, connector } = setup();
  const { state } = await connector.applyConfig(null, { name: 'shop', config });
  await connector.applyConfig(state, null);
  expect(connect.calls.slice(-3)).toEqual(['stop shop', 'resetOffsets shop', 'delete shop']);
  expect(connect.connectors.has('shop')).toBe(false);
});

test('import adopts the configuration without its name', async () => {
  const { connect, connector } = setup();
  await connect.put('legacy', { ...config, name: 'legacy' });
  expect(await connector.import('legacy')).toMatchObject({ id: 'legacy', name: 'legacy', config, sensitive_config: null });
  await expect(connector.import('nope')).rejects.toThrow('Kafka Connect has no connector named nope');
});
