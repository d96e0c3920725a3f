/**
 * The pieces of streamform in a user's project that need no servers: finding the project, its app's
 * entry, errors of a failed synthesis, stacks named on the command line, the endpoints of a
 * synthesized stack, topics and records for `produce`, and the package.json `init` writes.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TerraformStack, Testing } from 'cdktf';
import { requireKnownStacks } from '../../src/tools/cli/cdktf';
import { scaffoldFiles, scaffoldPackage } from '../../src/tools/cli/init';
import { generatedRecords, readRecords, topicShape } from '../../src/tools/cli/produce-topic';
import { appEntry, isUserProject, pickStack, synthFailure } from '../../src/tools/cli/project';
import { addReleaseRecords, appFingerprint } from '../../src/tools/cli/user-release';
import { stackEndpoints } from '../../src/tools/generators/endpoints';
import { RELEASE_RESOURCE } from '../../src/tools/gitops/promote';
import { RELEASE_RESOURCE as STACKS_RELEASE_RESOURCE } from '../../stacks/fingerprint';
import { PACKAGE_ROOT, projectRoot } from '../../src/tools/toolchain/paths';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sf-user-unit-'));

describe('the project', () => {
  test('in the checkout it is the checkout; STREAMFORM_PROJECT names another, which is a user project', () => {
    expect(projectRoot({}, '/')).toBe(PACKAGE_ROOT);
    expect(isUserProject({})).toBe(false);
    const dir = tmp();
    expect(projectRoot({ STREAMFORM_PROJECT: dir })).toBe(dir);
    expect(isUserProject({ STREAMFORM_PROJECT: dir })).toBe(true);
  });

  test("the app's entry is the file `node` runs at the end of the app command", () => {
    expect(appEntry('npm run --silent build && node dist/main.js')).toBe('dist/main.js');
    expect(appEntry('node main.js')).toBe('main.js');
    expect(appEntry('tsc; node --enable-source-maps out/app.js')).toBe('out/app.js');
    expect(appEntry('npx ts-node main.ts')).toBeUndefined();
  });

  test('a failed synthesis says what the constructs or the compiler reported, without the stack trace', () => {
    const output = [
      '/x/node_modules/cdktf/lib/terraform-stack.js:331',
      'Error: Validation failed with the following errors:',
      '  [orders-dev/Cluster] orders-dev/Orders: partitions must be at least 1, got 0; give 1 or more',
      '',
      "If you wish to ignore these validations, pass 'skipValidation: true' to your App configuration.",
      '    at stackValidationFailure (/x/errors.js:150:47)',
    ].join('\n');
    const message = synthFailure('node dist/main.js', output);
    expect(message).toBe(
      'the app does not synthesize (node dist/main.js): its constructs reported\n' +
        '  [orders-dev/Cluster] orders-dev/Orders: partitions must be at least 1, got 0; give 1 or more',
    );
    expect(synthFailure('tsc && node dist/main.js', "main.ts(3,1): error TS2304: Cannot find name 'x'.\nnoise")).toBe(
      "the app does not compile (tsc && node dist/main.js):\nmain.ts(3,1): error TS2304: Cannot find name 'x'.",
    );
  });

  test('a stack is its name or <name>-<env>; an unknown one lists the stacks', () => {
    const app = Testing.app();
    const stacks = new Map([
      ['orders-dev', new TerraformStack(app, 'orders-dev')],
      ['orders-prod', new TerraformStack(app, 'orders-prod')],
    ]);
    expect(pickStack(stacks, 'orders', undefined).node.id).toBe('orders-dev');
    expect(pickStack(stacks, 'orders', 'prod').node.id).toBe('orders-prod');
    expect(pickStack(stacks, 'orders-prod', undefined).node.id).toBe('orders-prod');
    expect(() => pickStack(stacks, 'order', 'prod')).toThrow(
      "no stack 'order-prod' or 'order' in this project; its stacks: orders-dev, orders-prod",
    );
    expect(() => requireKnownStacks(['orders-dev', 'oders-prod'], ['orders-dev', 'orders-prod'])).toThrow(
      "no stack 'oders-prod' in this project; its stacks are orders-dev, orders-prod",
    );
    expect(() => requireKnownStacks(['orders-dev'], ['orders-dev'])).not.toThrow();
  });
});

describe('endpoints of a synthesized stack', () => {
  test('the provider configuration, variables from TF_VAR_*, blanks from STREAMFORM_*', () => {
    const json = {
      provider: {
        streamform: [
          {
            bootstrap_servers: 'broker-1:9093,broker-2:9093',
            kafka_security_protocol: 'SASL_SSL',
            kafka_sasl_mechanism: 'SCRAM-SHA-512',
            kafka_sasl_username: 'svc',
            kafka_sasl_password: '${var.kafka_password}',
            schema_registry_url: '${data.x.url}',
          },
        ],
      },
    };
    const a = stackEndpoints('orders-prod', json, 'prod', {
      TF_VAR_kafka_password: 's3cret',
      STREAMFORM_SCHEMA_REGISTRY_URL: 'https://sr.example:8081',
    })!;
    expect(a.kafka.bootstrapServers).toEqual(['broker-1:9093', 'broker-2:9093']);
    expect(a.kafka.sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'svc', password: 's3cret' });
    expect(a.schemaRegistry?.url).toBe('https://sr.example:8081');
    expect(a.local).toBe(false);
    expect(a.origin).toBe("orders-prod's cluster (broker-1:9093,broker-2:9093)");
    expect(stackEndpoints('x-dev', { provider: { streamform: [{ bootstrap_servers: 'localhost:9092' }] } }, 'dev', {})!.local).toBe(true);
    expect(stackEndpoints('platform-dev', {}, 'dev', {})).toBeUndefined();
  });
});

describe('produce to a topic of the project', () => {
  function synthesized(): string {
    const out = tmp();
    const dir = path.join(out, 'stacks', 'orders-dev');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'cdk.tf.json'),
      JSON.stringify({
        resource: {
          streamform_topic: { a: { name: 'orders' }, b: { name: 'audit' } },
          streamform_ksql_stream: {
            s: {
              statement:
                "CREATE STREAM ORDERS (ORDER_ID STRING KEY, AMOUNT DOUBLE, QTY INTEGER, PAID BOOLEAN) WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='AVRO');",
            },
          },
        },
      }),
    );
    return out;
  }

  test('the topic, its columns and format come from the stream over it; an undeclared topic lists the declared ones', () => {
    const out = synthesized();
    const shape = topicShape(out, 'dev', 'orders');
    expect(shape.stack).toBe('orders-dev');
    expect(shape.valueFormat).toBe('AVRO');
    expect(shape.columns.map((c) => `${c.name} ${c.type}${c.key ? ' KEY' : ''}`)).toEqual([
      'ORDER_ID STRING KEY',
      'AMOUNT DOUBLE',
      'QTY INTEGER',
      'PAID BOOLEAN',
    ]);
    expect(topicShape(out, 'dev', 'audit').columns).toEqual([]);
    expect(() => topicShape(out, 'dev', 'order')).toThrow("topic 'order' is not declared by orders-dev; the topics there: audit, orders");
    expect(() => topicShape(out, 'prod', 'orders')).toThrow("no synthesized stack of environment 'prod'");
  });

  test('records from CSV (typed by the columns, quoted fields) and JSON lines; a bad line is named', () => {
    const columns = topicShape(synthesized(), 'dev', 'orders').columns;
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'o.csv'), 'order_id,amount,qty,paid\no1,"1,5",2,true\no2,,3,false\n');
    expect(() => readRecords(path.join(dir, 'o.csv'), columns)).toThrow('--file');
    fs.writeFileSync(path.join(dir, 'o.csv'), 'order_id,amount,qty,paid,note\no1,1.5,2,true,"a, b"\no2,,3,false,""\n');
    expect(readRecords(path.join(dir, 'o.csv'), columns)).toEqual([
      { order_id: 'o1', amount: 1.5, qty: 2, paid: true, note: 'a, b' },
      { order_id: 'o2', amount: null, qty: 3, paid: false, note: null },
    ]);
    fs.writeFileSync(path.join(dir, 'o.jsonl'), '{"order_id":"o1","amount":2}\n\n{"order_id":"o2"}\n');
    expect(readRecords(path.join(dir, 'o.jsonl'), columns)).toEqual([{ order_id: 'o1', amount: 2 }, { order_id: 'o2' }]);
    fs.writeFileSync(path.join(dir, 'bad.jsonl'), '{"order_id":"o1"}\n[1]\n');
    expect(() => readRecords(path.join(dir, 'bad.jsonl'), columns)).toThrow(
      '--file ' + path.join(dir, 'bad.jsonl') + ' line 2: not a JSON object',
    );
  });

  test('generated records follow the columns and the seed', () => {
    const columns = topicShape(synthesized(), 'dev', 'orders').columns;
    const a = generatedRecords(columns, 5, 42);
    expect(a).toHaveLength(5);
    for (const r of a) {
      expect(typeof r.ORDER_ID).toBe('string');
      expect(typeof r.AMOUNT).toBe('number');
      expect(Number.isInteger(r.QTY)).toBe(true);
      expect(typeof r.PAID).toBe('boolean');
    }
    expect(generatedRecords(columns, 5, 42)).toEqual(a);
    expect(generatedRecords(columns, 5, 43)).not.toEqual(a);
  });
});

describe('streamform init', () => {
  test("package.json is merged: the project's entries win, npm init's placeholder test is replaced", () => {
    const merged = scaffoldPackage(
      {
        name: 'mine',
        version: '1.0.0',
        scripts: { test: 'echo "Error: no test specified" && exit 1', lint: 'eslint .' },
        dependencies: { zod: '^4' },
      },
      'ignored',
      'file:../streamform-0.1.0.tgz',
    );
    expect(merged.name).toBe('mine');
    expect(merged.scripts).toMatchObject({ test: 'streamform test pageviews', lint: 'eslint .', build: 'tsc' });
    expect(merged.dependencies).toMatchObject({ zod: '^4', streamform: 'file:../streamform-0.1.0.tgz' });
    expect(Object.keys(merged.dependencies!)).toEqual(expect.arrayContaining(['cdktf', 'constructs']));
    expect(scaffoldPackage(undefined, 'fresh', '^0.1.0')).toMatchObject({ name: 'fresh', private: true });
  });

  test("the files: the app's sources, cdktf.json running the compiled app, the ignores and a workflow", () => {
    const files = scaffoldFiles();
    expect(Object.keys(files).sort()).toEqual(
      [
        '.github/workflows/streamform.yml',
        '.gitignore',
        'README.md',
        'cdktf.json',
        'environments.ts',
        'main.ts',
        'pageviews.ts',
        'tsconfig.json',
      ].sort(),
    );
    expect(appEntry(JSON.parse(files['cdktf.json']).app)).toBe('dist/main.js');
    expect(files['.gitignore']).toContain('.streamform/');
    expect(files['main.ts']).toContain("new PageviewsStack(app, 'pageviews-prod', prod())");
    expect(files['.github/workflows/streamform.yml']).toContain('npx streamform test pageviews');
  });
});

describe('release records of a user project', () => {
  function app(retentionMs: string): string {
    const out = tmp();
    const write = (stack: string, json: unknown) => {
      fs.mkdirSync(path.join(out, 'stacks', stack), { recursive: true });
      fs.writeFileSync(path.join(out, 'stacks', stack, 'cdk.tf.json'), JSON.stringify(json));
    };
    const topic = (env: string) => ({
      '//': { metadata: { path: `orders-${env}/Orders/Resource` } },
      name: 'orders',
      config: { 'retention.ms': retentionMs },
    });
    write('orders-dev', {
      provider: { streamform: [{ bootstrap_servers: 'localhost:9092' }] },
      resource: { streamform_topic: { Orders: topic('dev') } },
    });
    write('orders-prod', { resource: { streamform_topic: { Orders: topic('prod') }, docker_volume: {} } });
    write('platform-dev', { resource: { docker_network: { Net: { name: 'n' } } } });
    return out;
  }

  test('the fingerprint covers the streamform objects of every stack, not metadata, providers or the record itself', () => {
    const a = app('1000');
    expect(appFingerprint(a)).toMatch(/^[0-9a-f]{16}$/);
    expect(appFingerprint(app('1000'))).toBe(appFingerprint(a));
    expect(appFingerprint(app('2000'))).not.toBe(appFingerprint(a));
    const before = appFingerprint(a);
    expect(addReleaseRecords(a, { commit: 'c0ffee', cleanTree: true, tests: { 'orders-dev': 'passed (2)' } })).toBe(before);
    expect(appFingerprint(a)).toBe(before);
  });

  test('every stack with streamform objects gets the record, depending on all its resources; others none', () => {
    const out = app('1000');
    const fp = addReleaseRecords(out, { commit: 'c0ffee', cleanTree: true, tests: { 'orders-dev': 'passed (2)' }, notRun: 'not run (x)' });
    const read = (stack: string) => JSON.parse(fs.readFileSync(path.join(out, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
    expect(read('orders-dev').resource.terraform_data[RELEASE_RESOURCE]).toEqual({
      input: { fingerprint: fp, commit: 'c0ffee', clean_tree: true, tests: 'passed (2)' },
      depends_on: ['streamform_topic.Orders'],
    });
    expect(read('orders-prod').resource.terraform_data[RELEASE_RESOURCE].input.tests).toBe('not run (x)');
    expect(read('platform-dev').resource.terraform_data).toBeUndefined();
    // the name promotion reads is the one streamform's own stacks write
    expect(RELEASE_RESOURCE).toBe(STACKS_RELEASE_RESOURCE);
  });
});
