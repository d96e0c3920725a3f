/**
 * The review a reviewer can act on, from plan JSON shaped as `tofu show -json` writes it: totals
 * first, data loss first, the actual diffs (SQL, schema fields, configs with secrets masked), the
 * old name of a renamed topic as the one lost, grouped identical verdicts, drift without empty-value
 * noise, and exit codes that tell no changes, changes, refusal and failure apart.
 */
import { exitCode, EXIT, renderMarkdown, renderText, review, Review } from '../../src/tools/gitops/plan-review';
import { configChanges, schemaChanges, statementLines, unifiedDiff } from '../../src/tools/gitops/plan-diff';
import { planChange as change, PlanChange as Change } from '../support/plan-json';

const AVRO = (fields: object[]) => JSON.stringify({ type: 'record', name: 'Rating', fields });
const Q = (where: string) =>
  `CREATE STREAM unhappy WITH (kafka_topic='unhappy') AS SELECT r.id, r.stars FROM ratings r WHERE ${where} EMIT CHANGES;`;

function reviewOf(changes: Change[], drift: Change[] = [], protect = false, text?: string): Review {
  return review(
    { ok: true, diagnostics: [], plan: { resource_changes: changes, resource_drift: drift }, text },
    { protect, allowDestructive: false },
    { stack: 'ratings-dev', env: protect ? 'prod' : 'dev' },
  );
}

const topic = (name: string, partitions = 3, config: Record<string, string> = {}) => ({ name, partitions, replication_factor: 1, config });

const mixed = () =>
  reviewOf(
    [
      change('streamform_topic', 'A', ['create'], null, topic('a')),
      change('streamform_topic', 'B', ['create'], null, topic('b')),
      change('streamform_topic', 'C', ['create'], null, topic('c')),
      change('streamform_ksql_query', 'Unhappy', ['update'], { statement: Q('stars < 3') }, { statement: Q('stars < 2') }),
      change('streamform_topic', 'Renamed', ['delete', 'create'], topic('ratings-old'), topic('ratings-new'), {
        replace_paths: [['name']],
      }),
      change(
        'streamform_schema',
        'Value',
        ['update'],
        {
          subject: 'ratings-value',
          schema: AVRO([
            { name: 'id', type: 'string' },
            { name: 'stars', type: 'int' },
          ]),
        },
        {
          subject: 'ratings-value',
          schema: AVRO([
            { name: 'id', type: 'string' },
            { name: 'stars', type: 'long' },
            { name: 'channel', type: ['null', 'string'], default: null },
          ]),
        },
      ),
      change(
        'streamform_connector',
        'Cdc',
        ['update'],
        {
          name: 'cdc',
          config: { 'connector.class': 'x.Y', 'tasks.max': '1', 'database.user': 'u' },
          sensitive_config: { 'database.password': 'hunter2' },
        },
        {
          name: 'cdc',
          config: { 'connector.class': 'x.Y', 'tasks.max': '2', 'database.user': 'u' },
          sensitive_config: { 'database.password': 'hunter3' },
        },
      ),
    ],
    [],
    false,
    'OpenTofu will perform the following actions: …',
  );

test('the totals line comes first, counted like OpenTofu, with the changes that lose data', () => {
  const md = renderMarkdown(mixed());
  const lines = md.split('\n').filter(Boolean);
  expect(lines[1]).toBe('**Plan: 3 to add, 3 to change, 1 to replace, 0 to destroy; 1 loses data.**');
});

test('a WHERE change is shown as a unified diff of the canonical statements', () => {
  const q = mixed().changes.find((c) => c.kind === 'ksql query')!;
  expect(q.sqlDiff).toEqual(expect.arrayContaining(['-WHERE STARS < 3', '+WHERE STARS < 2']));
  expect(q.sqlDiff!.filter((l) => l.startsWith('-') || l.startsWith('+'))).toHaveLength(2);
  const md = renderMarkdown(mixed());
  expect(md).toContain('```diff\n');
  expect(md).toContain('  -WHERE STARS < 3\n  +WHERE STARS < 2');
  // formatting alone is not a change
  expect(
    unifiedDiff(
      statementLines(Q('stars < 3')),
      statementLines(Q('stars   <  3')).map((l) => l),
    ),
  ).toEqual([]);
});

test('a rename names the old topic as the one whose messages are lost, and comes first', () => {
  const r = mixed();
  const renamed = r.changes.find((c) => c.address.endsWith('.Renamed'))!;
  expect(renamed).toMatchObject({ action: 'replace', name: 'ratings-old', newName: 'ratings-new' });
  expect(renamed.verdicts[0].text).toBe(
    'topic ratings-old replaced by ratings-new (a rename deletes the old topic): data loss, all messages of ratings-old are lost',
  );
  expect(r.changes[0]).toBe(renamed);
  expect(renderMarkdown(r)).toContain('**replace** topic `ratings-old` → `ratings-new`');
});

test('a schema change lists the fields added and changed', () => {
  const s = mixed().changes.find((c) => c.kind === 'schema')!;
  expect(s.schemaDiff).toEqual({ added: ['channel: [null, string] default null'], removed: [], changed: ['stars: int → long'] });
  expect(renderMarkdown(mixed())).toContain('  - field added: `channel: [null, string] default null`');
});

test('connector configs show old → new, secrets masked', () => {
  const c = mixed().changes.find((x) => x.kind === 'connector')!;
  expect(c.configDiff).toEqual(['database.password: (secret) → (secret)', 'tasks.max: 1 → 2']);
  const md = renderMarkdown(mixed());
  expect(md).not.toContain('hunter');
  expect(configChanges({ 'ssl.key.password': 'a', 'api.key': 'x' }, { 'ssl.key.password': 'b', 'api.key': 'y' })).toEqual([
    'api.key: (secret) → (secret)',
    'ssl.key.password: (secret) → (secret)',
  ]);
});

test('identical verdicts are grouped; the raw plan is in a collapsed block', () => {
  const md = renderMarkdown(mixed());
  expect(md).toContain('- **create** 3 × topic: `a`, `b`, `c`\n  - ℹ️ new topic: 3 partitions, replication factor 1');
  expect(md.match(/new topic: 3 partitions/g)).toHaveLength(1);
  expect(md).toContain(
    "<details><summary>OpenTofu's plan</summary>\n\n```\nOpenTofu will perform the following actions: …\n```\n\n</details>",
  );
  expect(renderText(mixed())).not.toContain('<details>');
});

test('drift lists attributes that really changed, not null → [] noise', () => {
  const r = reviewOf(
    [],
    [
      change(
        'docker_container',
        'Kafka',
        ['update'],
        { name: 'k', dns: null, labels: [], env: ['A=1'] },
        { name: 'k', dns: [], labels: null, env: ['A=1'] },
      ),
      change('streamform_topic', 'T', ['update'], topic('t', 3, { 'retention.ms': '1' }), topic('t', 3, { 'retention.ms': '2' })),
    ],
  );
  expect(r.drift).toEqual(['streamform_topic.T (config)']);
});

test('exit codes: 0 no changes, 2 changes (detailed), 3 refused by policy, 1 failed', () => {
  const none = reviewOf([]);
  expect([exitCode(none), exitCode(none, { detailed: true })]).toEqual([EXIT.ok, EXIT.ok]);
  expect(renderMarkdown(none)).toContain('**No changes.**');
  const some = mixed();
  expect([exitCode(some), exitCode(some, { detailed: true })]).toEqual([EXIT.ok, EXIT.changes]);
  const refused = reviewOf([change('streamform_topic', 'T', ['delete'], topic('t'), null)], [], true);
  expect(exitCode(refused, { detailed: true })).toBe(EXIT.refused);
  expect(refused.forbidden.map((c) => c.name)).toEqual(['t']);
  const failed = review({ ok: false, diagnostics: [] }, { protect: false, allowDestructive: false }, { stack: 's', env: 'dev' });
  expect(exitCode(failed, { detailed: true })).toBe(EXIT.error);
  expect(new Set([EXIT.ok, EXIT.error, EXIT.changes, EXIT.refused]).size).toBe(4);
});

test('schema diffs of JSON Schema and Protobuf', () => {
  expect(
    schemaChanges(
      'JSON',
      JSON.stringify({ type: 'object', properties: { id: { type: 'string' } } }),
      JSON.stringify({ type: 'object', properties: { id: { type: 'string' }, n: { type: 'integer' } }, required: ['id'] }),
    ),
  ).toEqual({ added: ['n: "integer"'], removed: [], changed: ['id: "string" → "string" required'] });
  expect(
    schemaChanges(
      'PROTOBUF',
      'syntax = "proto3";\nmessage R {\n  string id = 1;\n  int32 stars = 2;\n}',
      'syntax = "proto3";\nmessage R {\n  string id = 1;\n}',
    ),
  ).toEqual({ added: [], removed: ['R.stars: int32 = 2'], changed: [] });
});

describe('ksql query verdicts say what ksqlDB does', () => {
  const QUERY = 'streamform_ksql_query';
  const running = {
    statement: Q('stars < 3'),
    name: 'UNHAPPY',
    query_id: 'CSAS_UNHAPPY_1',
    query_state: 'RUNNING',
    streams_properties: null,
  };
  const verdicts = (r: Review) => r.changes.flatMap((c) => c.verdicts.map((v) => `${v.level}: ${v.text}`));
  const withWarnings = (changes: Change[], warnings: { address: string; summary: string; detail: string }[]) =>
    review(
      { ok: true, diagnostics: warnings.map((w) => ({ severity: 'warning' as const, ...w })), plan: { resource_changes: changes } },
      { protect: false, allowDestructive: false },
      { stack: 'ratings-dev', env: 'dev' },
    );

  test('a query terminated outside streamform restarts under a new id from its offset reset, never "resumes from its committed offsets"', () => {
    const r = reviewOf([
      change(QUERY, 'Unhappy', ['update'], { ...running, query_id: null, query_state: null }, { ...running, query_id: null }),
    ]);
    expect(verdicts(r)).toEqual([
      expect.stringMatching(
        /^warning: the query was terminated outside streamform .* new query id, reading its input from the offset the server's auto.offset.reset gives/,
      ),
    ]);
    const earliest = reviewOf([
      change(
        QUERY,
        'Unhappy',
        ['update'],
        { ...running, query_id: null },
        { ...running, query_id: null, streams_properties: { 'auto.offset.reset': 'earliest' } },
      ),
    ]);
    expect(verdicts(earliest).join('\n')).toMatch(/from the earliest retained offset \(auto.offset.reset=earliest\)/);
    expect(verdicts(earliest).join('\n')).not.toMatch(/committed offsets/);
  });

  test('a paused query is resumed; a WHERE change is CREATE OR REPLACE in place keeping the query id', () => {
    const paused = reviewOf([
      change(QUERY, 'Unhappy', ['update'], { ...running, query_state: 'PAUSED' }, { ...running, query_state: 'RUNNING' }),
    ]);
    expect(verdicts(paused)).toEqual([
      'info: the paused query CSAS_UNHAPPY_1 is resumed (RESUME) and continues from its committed offsets',
    ]);
    const where = reviewOf([change(QUERY, 'Unhappy', ['update'], running, { ...running, statement: Q('stars < 2') })]);
    expect(verdicts(where)).toEqual(['info: CREATE OR REPLACE in place: the query keeps its id and continues from its committed offsets']);
  });

  test("a replaced query names ksqlDB's rule; with delete_topic its topic's loss is data loss", () => {
    const address = `${QUERY}.Unhappy`;
    const replaced = withWarnings(
      [
        change(
          QUERY,
          'Unhappy',
          ['delete', 'create'],
          running,
          { ...running, statement: Q('stars < 2'), query_id: null },
          { replace_paths: [['statement']] },
        ),
      ],
      [
        {
          address,
          summary: 'ksqlDB cannot change UNHAPPY in place',
          detail:
            'Upgrades not yet supported for StreamWindowedAggregate (ksqlDB rule: ExecutionStep#type). The plan replaces it instead. ...',
        },
      ],
    );
    expect(verdicts(replaced)).toEqual([
      expect.stringMatching(
        /^warning: query replaced \(Upgrades not yet supported for StreamWindowedAggregate \(ksqlDB rule: ExecutionStep#type\)\): terminated and started again under a new query id, reading its input from the offset/,
      ),
    ]);
    expect(replaced.totals.dataLoss).toBe(0);
    const topicLost = withWarnings(
      [
        change(
          QUERY,
          'Unhappy',
          ['delete', 'create'],
          { ...running, delete_topic: true },
          { ...running, delete_topic: true, query_id: null },
          {
            replace_paths: [['statement']],
          },
        ),
      ],
      [
        {
          address,
          summary: 'ksqlDB cannot change the topic of UNHAPPY',
          detail: 'UNHAPPY: the topic has 1 partitions, the statement asks for 3 (rule: X). The plan replaces UNHAPPY instead',
        },
      ],
    );
    expect(verdicts(topicLost)).toContain(
      'danger: its topic is deleted and created again (delete_topic = true): data loss, all messages in it are lost',
    );
    expect(topicLost.totals.dataLoss).toBe(1);
  });
});
