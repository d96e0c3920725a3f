import { TerraformStack, Testing } from 'cdktf';
import {
  Check,
  Column,
  DataQuality,
  DataQualityProps,
  Duration,
  KsqlFormat,
  KsqlStream,
  KsqlTable,
  KsqlType,
  Rule,
  StreamformCluster,
  Topic,
  ValidationError,
} from '../../constructs';
import { durationProblem } from '../../constructs/private/duration';
import { toJavaPattern } from '../../constructs/private/regex';
import { KsqlServer, startKsqlServer } from '../../src/tools/ksqldb/server';

// ------------------------------------------------------------------------------------ fixtures

const CUSTOMER_COLUMNS = [
  Column.key('ID', KsqlType.string()),
  Column.value('NAME', KsqlType.string()),
  Column.value('EMAIL', KsqlType.string()),
  Column.value('PHONE', KsqlType.string()),
  Column.value('AGE', KsqlType.int()),
  Column.value('STATUS', KsqlType.string()),
  Column.value('CREATED_AT', KsqlType.bigint()),
  Column.value('DOB', KsqlType.string()),
];

interface Fixture {
  stack: TerraformStack;
  customers: KsqlStream;
}

function fixture(columns: Column[] = CUSTOMER_COLUMNS, name = 'Customers'): Fixture {
  const stack = new TerraformStack(Testing.app(), 'test');
  new StreamformCluster(stack, 'Cluster', { brokers: 1, endpoints: { ksqldbUrl: 'http://localhost:8088' } });
  const topic = new Topic(stack, 'CustomersTopic', { topicName: 'customers', partitions: 3 });
  const customers = new KsqlStream(stack, name, { topic, valueFormat: KsqlFormat.JSON, columns });
  return { stack, customers };
}

/** The rules of the seed's customer registrations, one or more per dimension. */
function customerRules(): Rule[] {
  return [
    Rule.completeness(['NAME', 'EMAIL']),
    Rule.validity('EMAIL', Check.matches(/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i)),
    Rule.validity('STATUS', Check.oneOf(['bronze', 'silver', 'gold'])),
    Rule.validity('AGE', Check.between(18, 120)),
    Rule.consistency('adult_has_dob', 'AGE IS NULL OR DOB IS NOT NULL', {
      description: "an age comes with a date of birth (it's required)",
    }),
    Rule.timeliness('CREATED_AT', Duration.minutes(5)),
    Rule.uniqueness('EMAIL', { within: Duration.days(30) }),
    Rule.uniqueness('PHONE'),
  ];
}

function quality(f: Fixture, overrides: Partial<DataQualityProps> = {}): DataQuality {
  return new DataQuality(f.stack, 'CustomerQuality', { source: f.customers, idColumn: 'ID', rules: customerRules(), ...overrides });
}

interface KsqlResource {
  address: string;
  statement: string;
  dependsOn: string[];
}

/** Every ksqlDB resource of the synthesized stack (validations run), in declaration order. */
function ksqlResources(stack: TerraformStack): KsqlResource[] {
  const json = JSON.parse(Testing.synth(stack, true));
  const out: KsqlResource[] = [];
  for (const type of ['streamform_ksql_stream', 'streamform_ksql_table', 'streamform_ksql_query']) {
    for (const [name, r] of Object.entries((json.resource[type] ?? {}) as Record<string, { statement: string; depends_on?: string[] }>)) {
      out.push({ address: `${type}.${name}`, statement: r.statement, dependsOn: r.depends_on ?? [] });
    }
  }
  return out;
}

/** The ksqlDB object a statement creates or inserts into, plus the rule for INSERTs. */
function label(statement: string): string {
  const create = /^CREATE (?:STREAM|TABLE) (\w+)/.exec(statement);
  if (create) return create[1];
  const insert = /^INSERT INTO (\w+) .* '(\w+)' AS DQ_RULE/.exec(statement);
  return insert ? `${insert[1]}<-${insert[2]}` : statement;
}

function byLabel(resources: KsqlResource[]): Map<string, KsqlResource> {
  return new Map(resources.map((r) => [label(r.statement), r]));
}

/** The part of a CREATE ... AS SELECT from the SELECT on (the WITH clause belongs to KsqlQuery). */
function selectOf(statement: string): string {
  const i = statement.indexOf(' AS SELECT ');
  return i < 0 ? statement : statement.slice(i + 4);
}

/** The labels a resource depends on (ksqlDB objects only). */
function dependencies(r: KsqlResource, all: KsqlResource[]): string[] {
  return r.dependsOn
    .map((a) => all.find((x) => x.address === a))
    .filter((x): x is KsqlResource => x !== undefined)
    .map((x) => label(x.statement))
    .sort();
}

/** The resources ordered so that each comes after what it depends on (as Terraform applies them). */
function applyOrder(resources: KsqlResource[]): KsqlResource[] {
  const done = new Set<string>();
  const out: KsqlResource[] = [];
  const visit = (r: KsqlResource, path: string[]): void => {
    if (done.has(r.address)) return;
    if (path.includes(r.address)) throw new Error(`dependency cycle: ${[...path, r.address].join(' -> ')}`);
    for (const d of r.dependsOn) {
      const dep = resources.find((x) => x.address === d);
      if (dep) visit(dep, [...path, r.address]);
    }
    done.add(r.address);
    out.push(r);
  };
  resources.forEach((r) => visit(r, []));
  return out;
}

function validationError(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

/** The lines of one ValidationError message, without the header. */
function issues(err: ValidationError): string[] {
  return err.message
    .split('\n')
    .slice(1)
    .map((l) => l.replace(/^ {2}- /, ''));
}

// ------------------------------------------------------------------------------------ rules

describe('Rule', () => {
  test('names, dimensions, descriptions and OK columns are stable', () => {
    const rules = customerRules();
    expect(rules.map((r) => [r.name, r.dimension, r.okColumn])).toEqual([
      ['completeness', 'completeness', 'OK_COMPLETENESS'],
      ['validity_email', 'validity', 'OK_VALIDITY_EMAIL'],
      ['validity_status', 'validity', 'OK_VALIDITY_STATUS'],
      ['validity_age', 'validity', 'OK_VALIDITY_AGE'],
      ['adult_has_dob', 'consistency', 'OK_ADULT_HAS_DOB'],
      ['timeliness_created_at', 'timeliness', 'OK_TIMELINESS_CREATED_AT'],
      ['uniqueness_email', 'uniqueness', 'OK_UNIQUENESS_EMAIL'],
      ['uniqueness_phone', 'uniqueness', 'OK_UNIQUENESS_PHONE'],
    ]);
    expect(rules.map((r) => r.description)).toEqual([
      'NAME, EMAIL present and not empty',
      'EMAIL matches /^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$/i',
      "STATUS is one of 'bronze', 'silver', 'gold'",
      'AGE is between 18 and 120',
      "an age comes with a date of birth (it's required)",
      'arrives at most 5 minutes after CREATED_AT',
      'EMAIL not seen before for another record within 30 days',
      'PHONE not seen before for another record',
    ]);
    expect(Rule.completeness(['NAME'], { name: 'name_present' }).name).toBe('name_present');
  });

  test('durations render in ksqlDB units and milliseconds', () => {
    expect(Duration.minutes(1).toKsql()).toBe('1 MINUTE');
    expect(Duration.seconds(90).toKsql()).toBe('90 SECONDS');
    expect(Duration.hours(48).toKsql()).toBe('2 DAYS');
    expect(Duration.days(30).toMilliseconds()).toBe(2_592_000_000);
    expect(Duration.millis(1500).toKsql()).toBe('1500 MILLISECONDS');
    expect(durationProblem(Duration.minutes(0))).toBe('must be a positive length of time');
    expect(durationProblem(Duration.millis(0.5))).toBe('must be a whole number of milliseconds');
    expect(durationProblem(Duration.millis(1500), 's')).toBe('must be a whole number of seconds');
    expect(durationProblem(Duration.minutes(2), 's')).toBeUndefined();
  });
});

describe('regular expressions for JavaScript and Java', () => {
  test('patterns both engines read alike pass, with i/m/s flags carried over inline', () => {
    expect(toJavaPattern(/^[\w.+-]+@[\w-]+\.[a-z]{2,}$/i)).toEqual({ text: '(?iu)^[\\w.+-]+@[\\w-]+\\.[a-z]{2,}$' });
    expect(toJavaPattern('^\\d{3}-\\d{4}$')).toEqual({ text: '^\\d{3}-\\d{4}$' });
    expect(toJavaPattern(/^a.b$/ms)).toEqual({ text: '(?ms)^a.b$' });
    expect(toJavaPattern(/^\w+$/u)).toEqual({ text: '^\\w+$' });
    expect(toJavaPattern('^(?<area>\\d{3})\\k<area>$').problem).toBeUndefined();
    expect(toJavaPattern('^\\u00e9\\x41[\\]\\-]$').problem).toBeUndefined();
  });

  test.each([
    ['(abc', /is not a valid regular expression: .*Unterminated group/],
    ['\\Aabc\\z', /uses \\A, which Java and JavaScript read differently/],
    ['[^]+', /uses \[\^\], which Java does not read as "any character"/],
    ['a[]b', /uses \[\], which Java does not read as an empty class/],
    ['[a[b]]', /unescaped \[ inside a character class/],
    ['[a&&b]', /&& inside a character class/],
    ['a{x}', /has a \{ that is not a quantifier/],
    ['(?<first_name>\\w+)', /names a group 'first_name', but Java group names are letters and digits only/],
    ['\\p{L}+', /uses \\p, which Java and JavaScript read differently/],
    ['\\0', /uses \\0/],
    ['\\u{1F600}', /uses \\u without four hex digits/],
  ])('refuses %s', (pattern, message) => {
    expect(toJavaPattern(pattern).problem).toMatch(message);
  });

  test('refuses RegExp flags Java has no equivalent for', () => {
    expect(toJavaPattern(/a/g).problem).toBe(
      'uses the RegExp flag(s) g, which Java has no equivalent for (only i, m, s and u are carried over)',
    );
  });
});

// ------------------------------------------------------------------------------------ synthesis

describe('DataQuality: synthesized statements', () => {
  test('CHECKED holds the source columns, one OK_ column per rule, DQ_VALID and DQ_FAILED_RULES', () => {
    const f = fixture();
    new DataQuality(f.stack, 'CustomerQuality', {
      source: f.customers,
      idColumn: 'ID',
      rules: [Rule.completeness(['NAME', 'EMAIL']), Rule.validity('AGE', Check.between(18, 120))],
    });
    const r = byLabel(ksqlResources(f.stack));
    const completeness = "(NAME IS NOT NULL AND TRIM(NAME) <> '' AND EMAIL IS NOT NULL AND TRIM(EMAIL) <> '')";
    const age = '(AGE IS NULL OR AGE BETWEEN 18 AND 120)';
    // The sink topic copies its source's partitions, so the statement names no PARTITIONS.
    expect(r.get('CUSTOMER_QUALITY_CHECKED')!.statement).toMatch(
      /^CREATE STREAM CUSTOMER_QUALITY_CHECKED WITH \(KAFKA_TOPIC='customer-quality-checked'[,)]/,
    );
    expect(r.get('CUSTOMER_QUALITY_CHECKED')!.statement).not.toContain('PARTITIONS=');
    expect(selectOf(r.get('CUSTOMER_QUALITY_CHECKED')!.statement)).toBe(
      'SELECT ID, NAME, EMAIL, PHONE, AGE, STATUS, CREATED_AT, DOB, ' +
        `${completeness} AS OK_COMPLETENESS, ${age} AS OK_VALIDITY_AGE, ` +
        `${completeness} AND ${age} AS DQ_VALID, ` +
        `CONCAT_WS(',', CASE WHEN NOT ${completeness} THEN 'completeness' END, CASE WHEN NOT ${age} THEN 'validity_age' END) AS DQ_FAILED_RULES ` +
        'FROM CUSTOMERS EMIT CHANGES;',
    );
    expect(selectOf(r.get('CUSTOMER_QUALITY_VALID')!.statement)).toBe(
      'SELECT ID, NAME, EMAIL, PHONE, AGE, STATUS, CREATED_AT, DOB FROM CUSTOMER_QUALITY_CHECKED WHERE DQ_VALID EMIT CHANGES;',
    );
    expect(selectOf(r.get('CUSTOMER_QUALITY_INVALID')!.statement)).toBe(
      'SELECT ID, NAME, EMAIL, PHONE, AGE, STATUS, CREATED_AT, DOB, DQ_FAILED_RULES FROM CUSTOMER_QUALITY_CHECKED WHERE NOT DQ_VALID EMIT CHANGES;',
    );
    // Without uniqueness rules there is no state and no re-keying.
    expect([...r.keys()].sort()).toEqual([
      'CUSTOMERS',
      'CUSTOMER_QUALITY_CHECKED',
      'CUSTOMER_QUALITY_FAILURES',
      'CUSTOMER_QUALITY_FAILURES<-completeness',
      'CUSTOMER_QUALITY_FAILURES<-validity_age',
      'CUSTOMER_QUALITY_INVALID',
      'CUSTOMER_QUALITY_METRICS',
      'CUSTOMER_QUALITY_VALID',
    ]);
  });

  test('FAILURES is declared over its own topic and filled by one INSERT INTO per rule; METRICS counts per rule per window', () => {
    const f = fixture();
    new DataQuality(f.stack, 'CustomerQuality', {
      source: f.customers,
      idColumn: 'ID',
      rules: [
        Rule.completeness(['NAME']),
        Rule.consistency('adult_has_dob', 'AGE IS NULL OR DOB IS NOT NULL', { description: "age needs a date of birth (it's the law)" }),
      ],
      metricsWindow: Duration.minutes(5),
    });
    const resources = ksqlResources(f.stack);
    const r = byLabel(resources);
    expect(r.get('CUSTOMER_QUALITY_FAILURES')!.statement).toBe(
      'CREATE STREAM CUSTOMER_QUALITY_FAILURES (ID STRING KEY, DQ_RECORD_ID STRING, DQ_RULE STRING, DQ_DIMENSION STRING, DQ_DESCRIPTION STRING) ' +
        "WITH (KAFKA_TOPIC='customer-quality-failures', KEY_FORMAT='KAFKA', VALUE_FORMAT='JSON');",
    );
    expect(r.get('CUSTOMER_QUALITY_FAILURES<-completeness')!.statement).toBe(
      "INSERT INTO CUSTOMER_QUALITY_FAILURES SELECT ID, AS_VALUE(ID) AS DQ_RECORD_ID, 'completeness' AS DQ_RULE, 'completeness' AS DQ_DIMENSION, " +
        "'NAME present and not empty' AS DQ_DESCRIPTION FROM CUSTOMER_QUALITY_CHECKED WHERE NOT OK_COMPLETENESS EMIT CHANGES;",
    );
    expect(r.get('CUSTOMER_QUALITY_FAILURES<-adult_has_dob')!.statement).toBe(
      "INSERT INTO CUSTOMER_QUALITY_FAILURES SELECT ID, AS_VALUE(ID) AS DQ_RECORD_ID, 'adult_has_dob' AS DQ_RULE, 'consistency' AS DQ_DIMENSION, " +
        "'age needs a date of birth (it''s the law)' AS DQ_DESCRIPTION FROM CUSTOMER_QUALITY_CHECKED WHERE NOT OK_ADULT_HAS_DOB EMIT CHANGES;",
    );
    expect(r.get('CUSTOMER_QUALITY_METRICS')!.statement).toMatch(
      /^CREATE TABLE CUSTOMER_QUALITY_METRICS WITH \(KAFKA_TOPIC='customer-quality-metrics'[,)]/,
    );
    expect(selectOf(r.get('CUSTOMER_QUALITY_METRICS')!.statement)).toBe(
      'SELECT DQ_RULE, LATEST_BY_OFFSET(DQ_DIMENSION) AS DQ_DIMENSION, COUNT(*) AS FAILED_RECORDS, WINDOWSTART AS WINDOW_START, WINDOWEND AS WINDOW_END ' +
        'FROM CUSTOMER_QUALITY_FAILURES WINDOW TUMBLING (SIZE 5 MINUTES) GROUP BY DQ_RULE EMIT CHANGES;',
    );
    const json = JSON.parse(Testing.synth(f.stack, true));
    const topics = Object.values(json.resource.streamform_topic as Record<string, { name: string; partitions: number }>);
    expect(topics.find((t) => t.name === 'customer-quality-failures')).toMatchObject({ partitions: 3 });
  });

  test('each dimension renders a condition that is never NULL', () => {
    const f = fixture([
      Column.key('ID', KsqlType.bigint()),
      Column.value('TAGS', KsqlType.array(KsqlType.string())),
      Column.value('ATTRS', KsqlType.map(KsqlType.string(), KsqlType.string())),
      Column.value('AMOUNT', KsqlType.double()),
      Column.value('CODE', KsqlType.string()),
      Column.value('SENT', KsqlType.string()),
      Column.value('SEEN_AT', KsqlType.timestamp()),
      Column.value('ACCOUNT', KsqlType.int()),
    ]);
    new DataQuality(f.stack, 'Dq', {
      source: f.customers,
      idColumn: 'ID',
      rules: [
        Rule.completeness(['TAGS', 'ATTRS', 'AMOUNT']),
        Rule.validity('CODE', Check.matches('^[A-Z]{3}$')),
        Rule.validity('ACCOUNT', Check.oneOf([1, 2, 3])),
        Rule.validity('CODE', Check.expression('LEN(CODE) = 3'), { name: 'code_length' }),
        Rule.timeliness('SENT', Duration.seconds(30), { format: "yyyy-MM-dd'T'HH:mm:ssX", timeZone: 'UTC' }),
        Rule.timeliness('SEEN_AT', Duration.hours(1)),
        Rule.uniqueness('ACCOUNT'),
      ],
    });
    const checked = selectOf(byLabel(ksqlResources(f.stack)).get('DQ_CHECKED')!.statement);
    expect(checked).toContain(
      '(TAGS IS NOT NULL AND ARRAY_LENGTH(TAGS) > 0 AND ATTRS IS NOT NULL AND ARRAY_LENGTH(MAP_KEYS(ATTRS)) > 0 AND AMOUNT IS NOT NULL) AS OK_COMPLETENESS',
    );
    expect(checked).toContain("(CODE IS NULL OR REGEXP_EXTRACT('^[A-Z]{3}$', CODE) IS NOT NULL) AS OK_VALIDITY_CODE");
    expect(checked).toContain('(ACCOUNT IS NULL OR ACCOUNT IN (1, 2, 3)) AS OK_VALIDITY_ACCOUNT');
    expect(checked).toContain('(CODE IS NULL OR COALESCE((LEN(CODE) = 3), FALSE)) AS OK_CODE_LENGTH');
    expect(checked).toContain(
      "(SENT IS NULL OR COALESCE(ROWTIME - STRINGTOTIMESTAMP(SENT, 'yyyy-MM-dd''T''HH:mm:ssX', 'UTC') <= 30000, FALSE)) AS OK_TIMELINESS_SENT",
    );
    expect(checked).toContain(
      '(SEEN_AT IS NULL OR COALESCE(ROWTIME - UNIX_TIMESTAMP(SEEN_AT) <= 3600000, FALSE)) AS OK_TIMELINESS_SEEN_AT',
    );
    expect(checked).toContain(
      '(ACCOUNT IS NULL OR DQ_FIRST_ID_UNIQUENESS_ACCOUNT IS NULL OR COALESCE(DQ_FIRST_ID_UNIQUENESS_ACCOUNT = ID, FALSE)) AS OK_UNIQUENESS_ACCOUNT',
    );
    // A non-string unique column is compared as a string that is never NULL.
    expect(selectOf(byLabel(ksqlResources(f.stack)).get('DQ_PREPARED')!.statement)).toContain(
      "COALESCE(CAST(ACCOUNT AS STRING), '') AS DQ_KEY_UNIQUENESS_ACCOUNT",
    );
  });

  test('uniqueness: PREPARED, a FIRST_SEEN table and a two-source LOOKUP join per rule, then CHECKED re-keyed by the source key', () => {
    const f = fixture();
    quality(f);
    const r = byLabel(ksqlResources(f.stack));
    expect(selectOf(r.get('CUSTOMER_QUALITY_PREPARED')!.statement)).toBe(
      "SELECT ID, NAME, EMAIL, PHONE, AGE, STATUS, CREATED_AT, DOB, COALESCE(EMAIL, '') AS DQ_KEY_UNIQUENESS_EMAIL, COALESCE(PHONE, '') AS DQ_KEY_UNIQUENESS_PHONE, " +
        'ROWTIME AS DQ_ROWTIME FROM CUSTOMERS EMIT CHANGES;',
    );
    expect(r.get('CUSTOMER_QUALITY_UNIQUENESS_EMAIL_FIRST_SEEN')!.statement).toMatch(
      /^CREATE TABLE CUSTOMER_QUALITY_UNIQUENESS_EMAIL_FIRST_SEEN WITH \(/,
    );
    expect(selectOf(r.get('CUSTOMER_QUALITY_UNIQUENESS_EMAIL_FIRST_SEEN')!.statement)).toBe(
      'SELECT DQ_KEY_UNIQUENESS_EMAIL, EARLIEST_BY_OFFSET(ID) AS DQ_FIRST_ID, EARLIEST_BY_OFFSET(DQ_ROWTIME) AS DQ_FIRST_SEEN ' +
        "FROM CUSTOMER_QUALITY_PREPARED WHERE DQ_KEY_UNIQUENESS_EMAIL <> '' GROUP BY DQ_KEY_UNIQUENESS_EMAIL EMIT CHANGES;",
    );
    expect(selectOf(r.get('CUSTOMER_QUALITY_UNIQUENESS_PHONE_FIRST_SEEN')!.statement)).toBe(
      'SELECT DQ_KEY_UNIQUENESS_PHONE, EARLIEST_BY_OFFSET(ID) AS DQ_FIRST_ID ' +
        "FROM CUSTOMER_QUALITY_PREPARED WHERE DQ_KEY_UNIQUENESS_PHONE <> '' GROUP BY DQ_KEY_UNIQUENESS_PHONE EMIT CHANGES;",
    );
    const carried =
      'R.ID AS ID, R.NAME AS NAME, R.EMAIL AS EMAIL, R.PHONE AS PHONE, R.AGE AS AGE, R.STATUS AS STATUS, R.CREATED_AT AS CREATED_AT, R.DOB AS DOB, ' +
      'R.DQ_KEY_UNIQUENESS_EMAIL AS DQ_KEY_UNIQUENESS_EMAIL, R.DQ_KEY_UNIQUENESS_PHONE AS DQ_KEY_UNIQUENESS_PHONE, R.DQ_ROWTIME AS DQ_ROWTIME';
    expect(selectOf(r.get('CUSTOMER_QUALITY_UNIQUENESS_EMAIL_LOOKUP')!.statement)).toBe(
      `SELECT ${carried}, S.DQ_FIRST_ID AS DQ_FIRST_ID_UNIQUENESS_EMAIL, S.DQ_FIRST_SEEN AS DQ_FIRST_SEEN_UNIQUENESS_EMAIL ` +
        'FROM CUSTOMER_QUALITY_PREPARED R LEFT JOIN CUSTOMER_QUALITY_UNIQUENESS_EMAIL_FIRST_SEEN S ON R.DQ_KEY_UNIQUENESS_EMAIL = S.DQ_KEY_UNIQUENESS_EMAIL EMIT CHANGES;',
    );
    expect(selectOf(r.get('CUSTOMER_QUALITY_UNIQUENESS_PHONE_LOOKUP')!.statement)).toBe(
      `SELECT ${carried}, R.DQ_FIRST_ID_UNIQUENESS_EMAIL AS DQ_FIRST_ID_UNIQUENESS_EMAIL, R.DQ_FIRST_SEEN_UNIQUENESS_EMAIL AS DQ_FIRST_SEEN_UNIQUENESS_EMAIL, ` +
        'S.DQ_FIRST_ID AS DQ_FIRST_ID_UNIQUENESS_PHONE ' +
        'FROM CUSTOMER_QUALITY_UNIQUENESS_EMAIL_LOOKUP R LEFT JOIN CUSTOMER_QUALITY_UNIQUENESS_PHONE_FIRST_SEEN S ON R.DQ_KEY_UNIQUENESS_PHONE = S.DQ_KEY_UNIQUENESS_PHONE EMIT CHANGES;',
    );
    const checked = selectOf(r.get('CUSTOMER_QUALITY_CHECKED')!.statement);
    expect(checked).toContain(
      '(EMAIL IS NULL OR DQ_FIRST_ID_UNIQUENESS_EMAIL IS NULL OR COALESCE(DQ_FIRST_ID_UNIQUENESS_EMAIL = ID, FALSE) OR ROWTIME - DQ_FIRST_SEEN_UNIQUENESS_EMAIL > 2592000000) AS OK_UNIQUENESS_EMAIL',
    );
    expect(checked).toMatch(/ FROM CUSTOMER_QUALITY_UNIQUENESS_PHONE_LOOKUP PARTITION BY ID EMIT CHANGES;$/);
  });

  test('dependencies: every object after what it reads, INSERTs after CHECKED and FAILURES', () => {
    const f = fixture();
    quality(f);
    const all = ksqlResources(f.stack);
    const r = byLabel(all);
    const deps = (name: string): string[] => dependencies(r.get(name)!, all);
    expect(deps('CUSTOMER_QUALITY_PREPARED')).toEqual(['CUSTOMERS']);
    expect(deps('CUSTOMER_QUALITY_UNIQUENESS_EMAIL_FIRST_SEEN')).toEqual(['CUSTOMER_QUALITY_PREPARED']);
    expect(deps('CUSTOMER_QUALITY_UNIQUENESS_EMAIL_LOOKUP')).toEqual([
      'CUSTOMER_QUALITY_PREPARED',
      'CUSTOMER_QUALITY_UNIQUENESS_EMAIL_FIRST_SEEN',
    ]);
    expect(deps('CUSTOMER_QUALITY_UNIQUENESS_PHONE_LOOKUP')).toEqual([
      'CUSTOMER_QUALITY_UNIQUENESS_EMAIL_LOOKUP',
      'CUSTOMER_QUALITY_UNIQUENESS_PHONE_FIRST_SEEN',
    ]);
    expect(deps('CUSTOMER_QUALITY_CHECKED')).toEqual(['CUSTOMER_QUALITY_UNIQUENESS_PHONE_LOOKUP']);
    expect(deps('CUSTOMER_QUALITY_VALID')).toEqual(['CUSTOMER_QUALITY_CHECKED']);
    expect(deps('CUSTOMER_QUALITY_INVALID')).toEqual(['CUSTOMER_QUALITY_CHECKED']);
    expect(deps('CUSTOMER_QUALITY_FAILURES')).toEqual([]);
    for (const rule of customerRules()) {
      expect(deps(`CUSTOMER_QUALITY_FAILURES<-${rule.name}`)).toEqual(['CUSTOMER_QUALITY_CHECKED', 'CUSTOMER_QUALITY_FAILURES']);
    }
    expect(deps('CUSTOMER_QUALITY_METRICS')).toEqual(['CUSTOMER_QUALITY_FAILURES']);
    const order = applyOrder(all);
    expect(order.map((x) => label(x.statement)).indexOf('CUSTOMER_QUALITY_PREPARED')).toBeGreaterThan(
      order.map((x) => label(x.statement)).indexOf('CUSTOMERS'),
    );
    order.forEach((x, i) => {
      for (const d of x.dependsOn.filter((a) => all.some((y) => y.address === a))) {
        expect(order.findIndex((y) => y.address === d)).toBeLessThan(i);
      }
    });
    expect(all).toHaveLength(1 + 1 + 2 * 2 + 3 + 1 + customerRules().length + 1);
  });

  test('outputs are sources with known columns; rules and prefix are exposed', () => {
    const f = fixture();
    const dq = quality(f, { namePrefix: 'DQ' });
    expect(dq.namePrefix).toBe('DQ');
    expect(dq.rules.map((r) => r.name)).toContain('uniqueness_phone');
    expect(dq.checked.sourceName).toBe('DQ_CHECKED');
    expect(dq.checked.columns?.map((c) => `${c.name} ${c.type}${c.key ? ' KEY' : ''}`)).toEqual([
      'ID STRING KEY',
      'NAME STRING',
      'EMAIL STRING',
      'PHONE STRING',
      'AGE INTEGER',
      'STATUS STRING',
      'CREATED_AT BIGINT',
      'DOB STRING',
      ...customerRules().map((r) => `${r.okColumn} BOOLEAN`),
      'DQ_VALID BOOLEAN',
      'DQ_FAILED_RULES STRING',
    ]);
    expect(dq.valid.columns).toEqual(f.customers.columns);
    expect(dq.invalid.columns?.map((c) => c.name)).toEqual([...f.customers.columns.map((c) => c.name), 'DQ_FAILED_RULES']);
    expect(dq.failures.columns.map((c) => c.name)).toEqual(['ID', 'DQ_RECORD_ID', 'DQ_RULE', 'DQ_DIMENSION', 'DQ_DESCRIPTION']);
    expect(dq.metrics.kind).toBe('TABLE');
    expect(dq.metrics.columns?.map((c) => `${c.name} ${c.type}${c.key ? ' KEY' : ''}`)).toEqual([
      'DQ_RULE STRING KEY',
      'DQ_DIMENSION STRING',
      'FAILED_RECORDS BIGINT',
      'WINDOW_START BIGINT',
      'WINDOW_END BIGINT',
    ]);
  });

  test('topics options, formats and a keyless source', () => {
    const f = fixture([Column.value('ID', KsqlType.bigint()), Column.value('EMAIL', KsqlType.string())]);
    const dq = new DataQuality(f.stack, 'Dq', {
      source: f.customers,
      idColumn: 'ID',
      rules: [Rule.uniqueness('EMAIL')],
      topics: { partitions: 6 },
      valueFormat: KsqlFormat.AVRO,
    });
    const r = byLabel(ksqlResources(f.stack));
    // Its source (DataQuality's own lookup stream) has 6 partitions too: no PARTITIONS override needed.
    expect(r.get('DQ_CHECKED')!.statement).toMatch(/^CREATE STREAM DQ_CHECKED WITH \(KAFKA_TOPIC='dq-checked', VALUE_FORMAT='AVRO'\) AS /);
    const topics = Object.values<{ name: string; partitions: number }>(JSON.parse(Testing.synth(f.stack)).resource.streamform_topic);
    expect(topics.find((t) => t.name === 'dq-checked')!.partitions).toBe(6);
    expect(selectOf(r.get('DQ_CHECKED')!.statement)).toMatch(/ FROM DQ_UNIQUENESS_EMAIL_LOOKUP PARTITION BY NULL EMIT CHANGES;$/);
    expect(r.get('DQ_FAILURES')!.statement).toBe(
      "CREATE STREAM DQ_FAILURES (DQ_RECORD_ID BIGINT, DQ_RULE STRING, DQ_DIMENSION STRING, DQ_DESCRIPTION STRING) WITH (KAFKA_TOPIC='dq-failures', KEY_FORMAT='KAFKA', VALUE_FORMAT='AVRO');",
    );
    expect(r.get('DQ_FAILURES<-uniqueness_email')!.statement).toContain('SELECT ID AS DQ_RECORD_ID, ');
    expect(dq.failures.partitions).toBe(6);
  });
});

// ------------------------------------------------------------------------------------ validation

describe('DataQuality: validation', () => {
  test('reports every problem at once, each with path, field, value and fix', () => {
    const f = fixture();
    const err = validationError(
      () =>
        new DataQuality(f.stack, 'CustomerQuality', {
          source: f.customers,
          idColumn: 'CUSTOMER_ID',
          rules: [
            Rule.completeness(['NAME', 'e_mail']),
            Rule.validity('email', Check.matches('^.+@.+$')),
            Rule.validity('EMAIL', Check.matches('(unclosed')),
            Rule.validity('PHONE', Check.matches('\\A\\d+\\z')),
            Rule.consistency('adult', 'AGE >= 18 AND SHOE_SIZE > 0'),
            Rule.timeliness('CREATED', Duration.minutes(5)),
            Rule.uniqueness('MAIL'),
            Rule.completeness(['DOB']),
          ],
        }),
    );
    expect(issues(err)).toEqual([
      "test/CustomerQuality: idColumn is not a column of CUSTOMERS, got 'CUSTOMER_ID'; name one of the columns: ID, NAME, EMAIL, PHONE, AGE, STATUS, CREATED_AT, DOB",
      "test/CustomerQuality: rules[0] (completeness).columns[1] is not a column of CUSTOMERS, got 'e_mail'; name one of the columns: ID, NAME, EMAIL, PHONE, AGE, STATUS, CREATED_AT, DOB",
      "test/CustomerQuality: rules[1] (validity_email).column is not a column of CUSTOMERS, got 'email'; did you mean 'EMAIL'? columns are: ID, NAME, EMAIL, PHONE, AGE, STATUS, CREATED_AT, DOB",
      expect.stringMatching(
        /^test\/CustomerQuality: rules\[2\] \(validity_email\)\.name is also the name of rules\[1\]; rule names must be unique, got 'validity_email'; give one of them another name: \{ name: 'validity_email_2' \}$/,
      ),
      expect.stringMatching(
        /^test\/CustomerQuality: rules\[2\] \(validity_email\)\.check\.pattern is not a valid regular expression: .*, got '\(unclosed'; write a pattern that JavaScript and Java read alike$/,
      ),
      "test/CustomerQuality: rules[3] (validity_phone).check.pattern uses \\A, which Java and JavaScript read differently; write the characters out instead (e.g. [A-Za-z] for \\p{L}, ^ and $ for \\A and \\z), got '\\A\\d+\\z'; write a pattern that JavaScript and Java read alike",
      "test/CustomerQuality: rules[4] (adult).expression reads column SHOE_SIZE, which CUSTOMERS does not have, got 'AGE >= 18 AND SHOE_SIZE > 0'; name one of the columns: ID, NAME, EMAIL, PHONE, AGE, STATUS, CREATED_AT, DOB",
      "test/CustomerQuality: rules[5] (timeliness_created).column is not a column of CUSTOMERS, got 'CREATED'; name one of the columns: ID, NAME, EMAIL, PHONE, AGE, STATUS, CREATED_AT, DOB",
      "test/CustomerQuality: rules[6] (uniqueness_mail).column is not a column of CUSTOMERS, got 'MAIL'; name one of the columns: ID, NAME, EMAIL, PHONE, AGE, STATUS, CREATED_AT, DOB",
      "test/CustomerQuality: rules[7] (completeness).name is also the name of rules[0]; rule names must be unique, got 'completeness'; give one of them another name: { name: 'completeness_2' }",
    ]);
    expect(err.issues).toHaveLength(10);
    expect(err.issues.every((i) => i.path === 'test/CustomerQuality')).toBe(true);
  });

  test('empty rules', () => {
    const f = fixture();
    expect(() => quality(f, { rules: [] })).toThrow(
      "test/CustomerQuality: rules are empty, got []; give at least one rule, e.g. Rule.completeness(['NAME'])",
    );
  });

  test('a table as source', () => {
    const f = fixture();
    const table = new KsqlTable(f.stack, 'CustomerTable', {
      topic: new Topic(f.stack, 'CustomerTableTopic', { topicName: 'customer-table' }),
      valueFormat: KsqlFormat.JSON,
      columns: [Column.primaryKey('ID', KsqlType.string()), Column.value('NAME', KsqlType.string())],
    });
    expect(() => quality(f, { source: table, rules: [Rule.completeness(['NAME'])] })).toThrow(
      "test/CustomerQuality: source is a table; data quality rules check records in motion, which are the records of a stream, got 'CUSTOMER_TABLE'; check the stream the table is built from (or declare its topic as a KsqlStream)",
    );
  });

  test('a source whose columns are unknown', () => {
    const f = fixture();
    const external = KsqlStream.fromName(f.stack, 'Registrations', 'REGISTRATIONS');
    expect(() => quality(f, { source: external, rules: [Rule.completeness(['NAME'])] })).toThrow(
      /test\/CustomerQuality: source has no known columns, so rules cannot be checked against it, got 'REGISTRATIONS'; declare the source with columns/,
    );
  });

  test.each<[string, () => Rule, string]>([
    [
      'a pattern on a non-string column',
      () => Rule.validity('AGE', Check.matches('^\\d+$')),
      "rules[0] (validity_age).check matches a pattern, but AGE is not a STRING column, got 'INTEGER'; use Check.between or Check.oneOf for non-string columns, or Check.expression with a CAST",
    ],
    [
      'bounds in the wrong order',
      () => Rule.validity('AGE', Check.between(120, 18)),
      'rules[0] (validity_age).check needs finite bounds with min <= max, got [120,18]; give e.g. Check.between(0, 100)',
    ],
    [
      'between on a string column',
      () => Rule.validity('STATUS', Check.between(1, 2)),
      "rules[0] (validity_status).check compares numbers, but STATUS is not numeric, got 'STRING'; use Check.oneOf or Check.matches for non-numeric columns",
    ],
    [
      'no allowed values',
      () => Rule.validity('STATUS', Check.oneOf([])),
      'rules[0] (validity_status).check.values are empty, got []; list the allowed values',
    ],
    [
      'numbers for a string column',
      () => Rule.validity('STATUS', Check.oneOf([1, 2])),
      'rules[0] (validity_status).check.values are numbers, but STATUS is STRING, got [1,2]; give STRING values',
    ],
    [
      'an expression that is not boolean',
      () => Rule.consistency('age_plus_one', 'AGE + 1'),
      `rules[0] (age_plus_one).expression is not a boolean expression (its type is INTEGER), got 'AGE + 1'; compare it, e.g. 'AGE + 1 > 0'`,
    ],
    [
      'an expression that does not parse',
      () => Rule.validity('AGE', Check.expression('AGE >>= 1')),
      'rules[0] (validity_age).check.expression does not parse as a ksqlDB expression',
    ],
    [
      'a rule name that is not snake case',
      () => Rule.consistency('Adult-Check', 'AGE >= 18'),
      "rules[0] (Adult-Check).name must be lower snake case (a letter, then letters, digits and _), got 'Adult-Check'; rename it, e.g. 'adult_check'",
    ],
    [
      'a string event time without a format',
      () => Rule.timeliness('DOB', Duration.minutes(1)),
      `rules[0] (timeliness_dob).column must hold epoch milliseconds (BIGINT) or a TIMESTAMP, got 'DOB STRING'; give the string's format: { format: "yyyy-MM-dd'T'HH:mm:ssX" }`,
    ],
    [
      'a format for a BIGINT event time',
      () => Rule.timeliness('CREATED_AT', Duration.minutes(1), { format: 'yyyy-MM-dd' }),
      "rules[0] (timeliness_created_at).format applies to STRING columns, but CREATED_AT is BIGINT, got 'yyyy-MM-dd'; leave format out for BIGINT and TIMESTAMP columns",
    ],
    [
      'a zero lag',
      () => Rule.timeliness('CREATED_AT', Duration.minutes(0)),
      "rules[0] (timeliness_created_at).maxLag must be a positive length of time, got '0 minutes'; give e.g. Duration.minutes(5)",
    ],
    [
      'uniqueness of the id itself',
      () => Rule.uniqueness('ID'),
      "rules[0] (uniqueness_id).column is the idColumn, so every record trivially has its own value, got 'ID'; name another column, or check the id with a consistency rule",
    ],
  ])('%s', (_what, rule, message) => {
    const f = fixture();
    expect(() => quality(f, { rules: [rule()] })).toThrow(`test/CustomerQuality: ${message}`);
  });

  test('prefix, metrics window, generated-name clashes and several KAFKA key columns', () => {
    const f = fixture([
      Column.key('REGION', KsqlType.string()),
      Column.key('ID', KsqlType.string()),
      Column.value('NAME', KsqlType.string()),
      Column.value('DQ_VALID', KsqlType.boolean()),
    ]);
    const err = validationError(
      () =>
        new DataQuality(f.stack, 'Dq', {
          source: f.customers,
          idColumn: 'ID',
          namePrefix: 'SELECT',
          rules: [Rule.completeness(['NAME'])],
          metricsWindow: Duration.seconds(0),
        }),
    );
    expect(issues(err)).toEqual([
      `test/Dq: namePrefix is a reserved word in ksqlDB, got 'SELECT'; choose another name, e.g. "SELECT_1"`,
      "test/Dq: source has a column named like one DataQuality adds (DQ_VALID), got 'DQ_VALID'; rename the column in a query before checking it, or rename the rule",
      "test/Dq: metricsWindow must be a positive length of time, got '0 seconds'; give e.g. Duration.minutes(1)",
      "test/Dq: keyFormat holds one key column, but CUSTOMERS has 2 (REGION, ID), which FAILURES keeps, got 'KAFKA'; give a key format for several columns, e.g. keyFormat: KsqlFormat.JSON",
    ]);
  });
});

// ------------------------------------------------------------------------------------ acceptance

/**
 * Starts the local ksqlDB (src/tools/ksqldb, over an in-memory log, no Kafka) and applies the
 * synthesized statements in dependency order, as Terraform would: topics first, then every
 * ksqlDB resource after the resources it depends on.
 */
describe('DataQuality: ksqlDB accepts what it generates (local ksqlDB, in-memory log)', () => {
  let server: KsqlServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function post(s: KsqlServer, statement: string): Promise<{ status: number; body: any }> {
    const res = await fetch(`${s.url}/ksql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/vnd.ksql.v1+json', Accept: 'application/vnd.ksql.v1+json' },
      body: JSON.stringify({ ksql: statement, streamsProperties: {} }),
    });
    return { status: res.status, body: await res.json() };
  }

  /** Applies the stack; returns the statements in the order they were applied. */
  async function apply(stack: TerraformStack): Promise<string[]> {
    server = await startKsqlServer({ port: 0 });
    const json = JSON.parse(Testing.synth(stack, true));
    for (const t of Object.values(
      json.resource.streamform_topic as Record<
        string,
        { name: string; partitions: number; replication_factor: number; config?: Record<string, string> }
      >,
    )) {
      const retention = t.config?.['retention.ms'];
      await server.runtime.createTopic({
        name: t.name,
        partitions: t.partitions,
        replicas: t.replication_factor,
        config: retention === undefined ? {} : { 'retention.ms': retention },
      });
    }
    const applied: string[] = [];
    for (const r of applyOrder(ksqlResources(stack))) {
      const answer = await post(server, r.statement);
      expect({ statement: r.statement, status: answer.status, body: answer.body }).toEqual({
        statement: r.statement,
        status: 200,
        body: [expect.objectContaining({ '@type': 'currentStatus', commandStatus: expect.objectContaining({ status: 'SUCCESS' }) })],
      });
      applied.push(r.statement);
    }
    return applied;
  }

  async function describeFields(name: string): Promise<string[]> {
    const answer = await post(server!, `DESCRIBE ${name};`);
    expect(answer.status).toBe(200);
    return answer.body[0].sourceDescription.fields.map((x: any) => `${x.name} ${x.schema.type}${x.type === 'KEY' ? ' KEY' : ''}`);
  }

  test('all five dimensions, two uniqueness rules, keyed source', async () => {
    const f = fixture();
    const dq = quality(f);
    const applied = await apply(f.stack);
    expect(applied.map(label)).toEqual(
      expect.arrayContaining([
        'CUSTOMERS',
        'CUSTOMER_QUALITY_CHECKED',
        'CUSTOMER_QUALITY_METRICS',
        'CUSTOMER_QUALITY_FAILURES<-uniqueness_phone',
      ]),
    );
    expect(applied).toHaveLength(1 + 1 + 4 + 3 + 1 + 8 + 1);
    // ksqlDB's schema of CHECKED is the one DataQuality derives.
    expect(await describeFields('CUSTOMER_QUALITY_CHECKED')).toEqual(
      dq.checked.columns!.map((c) => `${c.name} ${c.type}${c.key ? ' KEY' : ''}`),
    );
    expect(await describeFields('CUSTOMER_QUALITY_METRICS')).toEqual([
      'DQ_RULE STRING KEY',
      'DQ_DIMENSION STRING',
      'FAILED_RECORDS BIGINT',
      'WINDOW_START BIGINT',
      'WINDOW_END BIGINT',
    ]);
    const queries = await post(server!, 'LIST QUERIES;');
    expect(queries.body[0].queries.filter((q: any) => q.queryString.startsWith('INSERT INTO CUSTOMER_QUALITY_FAILURES'))).toHaveLength(8);
  });

  test('string and TIMESTAMP event times, arrays, a numeric unique column and a keyless source', async () => {
    const f = fixture([
      Column.value('ID', KsqlType.bigint()),
      Column.value('TAGS', KsqlType.array(KsqlType.string())),
      Column.value('CODE', KsqlType.string()),
      Column.value('SENT', KsqlType.string()),
      Column.value('SEEN_AT', KsqlType.timestamp()),
      Column.value('ACCOUNT', KsqlType.int()),
      Column.value('AMOUNT', KsqlType.decimal(10, 2)),
    ]);
    new DataQuality(f.stack, 'Dq', {
      source: f.customers,
      idColumn: 'ID',
      rules: [
        Rule.completeness(['TAGS', 'CODE']),
        Rule.validity('CODE', Check.matches(/^[a-z]{3}$/i)),
        Rule.validity('AMOUNT', Check.between(0, 1000)),
        Rule.consistency('amount_needs_account', 'AMOUNT IS NULL OR ACCOUNT IS NOT NULL'),
        Rule.timeliness('SENT', Duration.seconds(30), { format: "yyyy-MM-dd'T'HH:mm:ssX" }),
        Rule.timeliness('SEEN_AT', Duration.hours(1)),
        Rule.uniqueness('ACCOUNT', { within: Duration.days(1) }),
      ],
      metricsWindow: Duration.seconds(30),
    });
    const applied = await apply(f.stack);
    expect(applied).toHaveLength(1 + 1 + 2 + 3 + 1 + 7 + 1);
    expect(await describeFields('DQ_FAILURES')).toEqual([
      'DQ_RECORD_ID BIGINT',
      'DQ_RULE STRING',
      'DQ_DIMENSION STRING',
      'DQ_DESCRIPTION STRING',
    ]);
  });
});
