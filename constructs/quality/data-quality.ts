import { Construct } from 'constructs';
import { parseStatement } from '../../src/core/ksql';
import { Duration } from '../duration';
import { KsqlInsertInto } from '../ksql/insert-into';
import { KsqlQuery, KsqlText, QuerySink } from '../ksql/query';
import { IKsqlSource, KsqlStream } from '../ksql/source';
import { Column, KsqlFormat, KsqlType } from '../ksql/types';
import { columnFix, RuleContext, UNKNOWN } from '../private/column-types';
import { durationProblem } from '../private/duration';
import { checkName, ident, ksqlNameFromId, stringLiteral } from '../private/ksql-names';
import { Validator } from '../private/validator';
import { Topic } from '../topic';
import { Rule, UniquenessRule } from './rule';

/** Settings of the topics DataQuality creates. */
export interface DataQualityTopicOptions {
  /** Number of partitions of every topic. @default - the partitions of the source's topic (the cluster default when unknown) */
  readonly partitions?: number;
  /** How long the topics keep their messages. @default - the broker default */
  readonly retention?: Duration;
}

/** Properties of a DataQuality. */
export interface DataQualityProps {
  /** The stream whose records are checked; its columns must be known. */
  readonly source: IKsqlSource;
  /** The column that identifies a record (uniqueness compares ids; FAILURES records carry it). */
  readonly idColumn: string;
  /** The rules every record is checked against. */
  readonly rules: readonly Rule[];
  /**
   * Prefix of the names of the ksqlDB objects (`<PREFIX>_CHECKED`, ...); their topics are the
   * names in lower case with `-` (`customer-quality-checked`).
   * @default - the construct id in upper snake case (`CustomerQuality` -> `CUSTOMER_QUALITY`)
   */
  readonly namePrefix?: string;
  /** Size of the tumbling windows METRICS counts failures in. @default Duration.minutes(1) */
  readonly metricsWindow?: Duration;
  /** Settings of the topics of the streams and tables DataQuality creates. @default - partitions of the source, broker default retention */
  readonly topics?: DataQualityTopicOptions;
  /**
   * Key format of every stream and table DataQuality creates.
   * @default - the streams and tables derived by queries inherit their input's; FAILURES, declared
   * over its own topic, gets the source's key format when the source is declared in this app, else KAFKA
   */
  readonly keyFormat?: KsqlFormat;
  /**
   * Value format of every stream and table DataQuality creates.
   * @default - the streams and tables derived by queries inherit their input's; FAILURES, declared
   * over its own topic, gets the source's value format when the source is declared in this app, else JSON
   */
  readonly valueFormat?: KsqlFormat;
  /** Deletion protection of the topics and ksqlDB objects. @default - the cluster's `protect` */
  readonly protect?: boolean;
}

/** Columns DataQuality adds; a source column with one of these names would be shadowed. */
const FAILURE_COLUMNS = ['DQ_RECORD_ID', 'DQ_RULE', 'DQ_DIMENSION', 'DQ_DESCRIPTION'];

/**
 * Data quality rules checked in motion (completeness, validity, consistency, timeliness,
 * uniqueness): every record of `source` is checked as it arrives and routed, before it lands
 * anywhere. The ksqlDB objects, named `<PREFIX>_...`:
 *
 * - `CHECKED` (stream): the source's columns, one BOOLEAN `OK_<RULE>` per rule, `DQ_VALID` and
 *   `DQ_FAILED_RULES` (the names of the failed rules, comma-separated; '' when valid).
 * - `VALID` (stream): the records that pass every rule, with the source's columns only.
 * - `INVALID` (stream): the others, with the source's columns and `DQ_FAILED_RULES`.
 * - `FAILURES` (stream over its own topic): one record per failed rule (the source's key columns,
 *   `DQ_RECORD_ID`, `DQ_RULE`, `DQ_DIMENSION`, `DQ_DESCRIPTION`), written by one KsqlInsertInto per rule.
 * - `METRICS` (table): failures per rule per tumbling window (`FAILED_RECORDS`, `WINDOW_START`, `WINDOW_END`).
 * - With uniqueness rules, state: `PREPARED` (the source plus a lookup key per uniqueness rule),
 *   per rule a `<RULE>_FIRST_SEEN` table (first record id per value, EARLIEST_BY_OFFSET) and a
 *   `<RULE>_LOOKUP` stream (a stream-table LEFT JOIN); CHECKED then re-keys by the source's keys.
 *
 * Unlike an L2 that wraps one resource, this construct composes a dozen ksqlDB objects, so there
 * is no single `resource`; each output is a KsqlQuery or KsqlStream with its own.
 *
 * @example
 * const dq = new DataQuality(this, 'CustomerQuality', {
 *   source: customers,
 *   idColumn: 'ID',
 *   rules: [
 *     Rule.completeness(['NAME', 'EMAIL']),
 *     Rule.validity('EMAIL', Check.matches(/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i)),
 *     Rule.uniqueness('EMAIL'),
 *   ],
 * });
 * new KsqlQuery(this, 'Mdm', { sink: QuerySink.stream(), select: ksql`SELECT * FROM ${dq.valid} EMIT CHANGES` });
 */
export class DataQuality extends Construct {
  /** Every record with the outcome of every rule. */
  readonly checked: KsqlQuery;
  /** The records that pass every rule (the source's columns). */
  readonly valid: KsqlQuery;
  /** The records that fail a rule (the source's columns and DQ_FAILED_RULES). */
  readonly invalid: KsqlQuery;
  /** One record per failed rule. */
  readonly failures: KsqlStream;
  /** Failures per rule per window. */
  readonly metrics: KsqlQuery;
  /** The rules checked, in order. */
  readonly rules: readonly Rule[];
  /** Prefix of the ksqlDB names. */
  readonly namePrefix: string;

  constructor(scope: Construct, id: string, props: DataQualityProps) {
    super(scope, id);
    const v = new Validator(this);
    const source = props.source;
    const prefix = props.namePrefix ?? ksqlNameFromId(id);
    checkName(v, 'namePrefix', prefix);
    v.check(
      source.kind === 'STREAM',
      'source',
      source.sourceName,
      'is a table; data quality rules check records in motion, which are the records of a stream',
      'check the stream the table is built from (or declare its topic as a KsqlStream)',
    );
    const columns = source.columns ?? [];
    v.check(
      source.columns !== undefined && source.columns.length > 0,
      'source',
      source.sourceName,
      'has no known columns, so rules cannot be checked against it',
      'declare the source with columns (KsqlStream with columns or an Avro valueSchema; KsqlStream.fromName(scope, id, name, { columns }) for external streams)',
    );
    const known = columns.length > 0;
    const ctx: RuleContext = { sourceName: source.sourceName, columns, idColumn: props.idColumn };
    const idCol = columns.find((c) => c.name === props.idColumn);
    if (known) {
      v.check(
        idCol !== undefined,
        'idColumn',
        props.idColumn,
        `is not a column of ${source.sourceName}`,
        columnFix(props.idColumn, columns),
      );
      if (idCol)
        v.check(
          idCol.type !== UNKNOWN,
          'idColumn',
          props.idColumn,
          'has a type that cannot be derived',
          'declare the source with explicit column types',
        );
      for (const k of columns.filter((c) => c.key && c.type === UNKNOWN)) {
        v.add(
          'source',
          `${k.name} (key)`,
          'has a key column whose type cannot be derived (FAILURES declares it)',
          'declare the source with explicit column types',
        );
      }
    }
    v.check(props.rules.length > 0, 'rules', [], 'are empty', "give at least one rule, e.g. Rule.completeness(['NAME'])");
    const seen = new Map<string, number>();
    props.rules.forEach((rule, i) => {
      const first = seen.get(rule.name);
      if (first !== undefined) {
        v.add(
          `rules[${i}] (${rule.name}).name`,
          rule.name,
          `is also the name of rules[${first}]; rule names must be unique`,
          `give one of them another name: { name: '${rule.name}_2' }`,
        );
      } else {
        seen.set(rule.name, i);
      }
      if (known) {
        for (const p of rule._problems(ctx)) v.add(`rules[${i}] (${rule.name}).${p.field}`, p.value, p.problem, p.fix);
      }
    });
    const uniqueness = props.rules.filter((r): r is UniquenessRule => r instanceof UniquenessRule);
    const generated = new Set([
      ...props.rules.map((r) => r.okColumn),
      'DQ_VALID',
      'DQ_FAILED_RULES',
      'DQ_ROWTIME',
      ...FAILURE_COLUMNS,
      ...uniqueness.flatMap((u) => [u.keyColumn, u.firstIdColumn, u.firstSeenColumn]),
    ]);
    for (const c of columns.filter((col) => generated.has(col.name))) {
      v.add(
        'source',
        c.name,
        `has a column named like one DataQuality adds (${c.name})`,
        'rename the column in a query before checking it, or rename the rule',
      );
    }
    const metricsWindow = props.metricsWindow ?? Duration.minutes(1);
    const windowProblem = durationProblem(metricsWindow);
    if (windowProblem) v.add('metricsWindow', metricsWindow.toString(), windowProblem, 'give e.g. Duration.minutes(1)');
    const keys = columns.filter((c) => c.key);
    const keyFormat = props.keyFormat ?? declaredFormat(source, 'KEY_FORMAT') ?? KsqlFormat.KAFKA;
    const valueFormat = props.valueFormat ?? declaredFormat(source, 'VALUE_FORMAT') ?? KsqlFormat.JSON;
    if (keyFormat === KsqlFormat.KAFKA && keys.length > 1) {
      v.add(
        'keyFormat',
        keyFormat.name,
        `holds one key column, but ${source.sourceName} has ${keys.length} (${keys.map((k) => k.name).join(', ')}), which FAILURES keeps`,
        'give a key format for several columns, e.g. keyFormat: KsqlFormat.JSON',
      );
    }
    v.throwIfAny();

    this.rules = [...props.rules];
    this.namePrefix = prefix;
    const topic = { partitions: props.topics?.partitions, retention: props.topics?.retention };
    const options = (suffix: string) => ({
      name: `${prefix}_${suffix}`,
      topic,
      keyFormat: props.keyFormat,
      valueFormat: props.valueFormat,
    });
    const query = (queryId: string, sink: QuerySink, select: string, sources: IKsqlSource[]): KsqlQuery =>
      new KsqlQuery(this, queryId, { sink, select: new KsqlText(select, sources), protect: props.protect });
    const sourceColumns = columns.map((c) => ident(c.name));
    const name = (s: IKsqlSource): string => ident(s.sourceName);

    // Uniqueness: PREPARED adds a lookup key per rule; each rule's FIRST_SEEN table holds the first
    // record id per value; each LOOKUP joins it in (stream-table, two sources).
    let input: IKsqlSource = source;
    if (uniqueness.length > 0) {
      const within = uniqueness.some((u) => u.within !== undefined);
      let carried = [...columns.map((c) => c.name), ...uniqueness.map((u) => u.keyColumn), ...(within ? ['DQ_ROWTIME'] : [])];
      const prepared = query(
        'Prepared',
        QuerySink.stream(options('PREPARED')),
        `SELECT ${[
          ...sourceColumns,
          ...uniqueness.map((u) => `${u._keyExpression(ctx)} AS ${ident(u.keyColumn)}`),
          ...(within ? ['ROWTIME AS DQ_ROWTIME'] : []),
        ].join(', ')} FROM ${name(source)} EMIT CHANGES`,
        [source],
      );
      input = prepared;
      for (const u of uniqueness) {
        const ruleName = u.name.toUpperCase();
        const key = ident(u.keyColumn);
        const firstSeen = query(
          `${pascal(u.name)}FirstSeen`,
          QuerySink.table(options(`${ruleName}_FIRST_SEEN`)),
          `SELECT ${key}, EARLIEST_BY_OFFSET(${ident(props.idColumn)}) AS DQ_FIRST_ID${u.within ? ', EARLIEST_BY_OFFSET(DQ_ROWTIME) AS DQ_FIRST_SEEN' : ''} ` +
            `FROM ${name(prepared)} WHERE ${key} <> '' GROUP BY ${key} EMIT CHANGES`,
          [prepared],
        );
        const lookup = query(
          `${pascal(u.name)}Lookup`,
          QuerySink.stream(options(`${ruleName}_LOOKUP`)),
          `SELECT ${[
            ...carried.map((c) => `R.${ident(c)} AS ${ident(c)}`),
            `S.DQ_FIRST_ID AS ${ident(u.firstIdColumn)}`,
            ...(u.within ? [`S.DQ_FIRST_SEEN AS ${ident(u.firstSeenColumn)}`] : []),
          ].join(', ')} FROM ${name(input)} R LEFT JOIN ${name(firstSeen)} S ON R.${key} = S.${key} EMIT CHANGES`,
          [input, firstSeen],
        );
        carried = [...carried, u.firstIdColumn, ...(u.within ? [u.firstSeenColumn] : [])];
        input = lookup;
      }
    }

    // CHECKED: every rule's outcome, computed once per record. ksqlDB cannot refer to a column
    // alias within the same SELECT, so DQ_VALID and DQ_FAILED_RULES repeat the conditions.
    const conditions = props.rules.map((r) => r._condition(ctx));
    const rekey = uniqueness.length === 0 ? '' : ` PARTITION BY ${keys.length > 0 ? keys.map((k) => ident(k.name)).join(', ') : 'NULL'}`;
    this.checked = query(
      'Checked',
      QuerySink.stream(options('CHECKED')),
      `SELECT ${[
        ...sourceColumns,
        ...props.rules.map((r, i) => `${conditions[i]} AS ${ident(r.okColumn)}`),
        `${conditions.join(' AND ')} AS DQ_VALID`,
        `CONCAT_WS(',', ${props.rules.map((r, i) => `CASE WHEN NOT ${conditions[i]} THEN ${stringLiteral(r.name)} END`).join(', ')}) AS DQ_FAILED_RULES`,
      ].join(', ')} FROM ${name(input)}${rekey} EMIT CHANGES`,
      [input],
    );
    this.valid = query(
      'Valid',
      QuerySink.stream(options('VALID')),
      `SELECT ${sourceColumns.join(', ')} FROM ${name(this.checked)} WHERE DQ_VALID EMIT CHANGES`,
      [this.checked],
    );
    this.invalid = query(
      'Invalid',
      QuerySink.stream(options('INVALID')),
      `SELECT ${[...sourceColumns, 'DQ_FAILED_RULES'].join(', ')} FROM ${name(this.checked)} WHERE NOT DQ_VALID EMIT CHANGES`,
      [this.checked],
    );

    // FAILURES: declared over its own topic, so that one INSERT INTO per rule can write into it.
    const failuresName = `${prefix}_FAILURES`;
    const failuresTopic = new Topic(this, 'FailuresTopic', {
      topicName: failuresName.toLowerCase().replace(/_/g, '-'),
      partitions: props.topics?.partitions ?? source.partitions,
      retention: props.topics?.retention,
      protect: props.protect,
    });
    const idType = KsqlType.of(idCol!.type);
    this.failures = new KsqlStream(this, 'Failures', {
      name: failuresName,
      topic: failuresTopic,
      columns: [
        ...keys.map((k) => Column.key(k.name, KsqlType.of(k.type))),
        Column.value('DQ_RECORD_ID', idType),
        Column.value('DQ_RULE', KsqlType.string()),
        Column.value('DQ_DIMENSION', KsqlType.string()),
        Column.value('DQ_DESCRIPTION', KsqlType.string()),
      ],
      keyFormat,
      valueFormat,
      protect: props.protect,
    });
    const recordId = idCol!.key ? `AS_VALUE(${ident(idCol!.name)})` : ident(idCol!.name);
    props.rules.forEach((r) => {
      new KsqlInsertInto(this, `${pascal(r.name)}Failures`, {
        target: this.failures,
        select: new KsqlText(
          `SELECT ${[
            ...keys.map((k) => ident(k.name)),
            `${recordId} AS DQ_RECORD_ID`,
            `${stringLiteral(r.name)} AS DQ_RULE`,
            `${stringLiteral(r.dimension)} AS DQ_DIMENSION`,
            `${stringLiteral(r.description)} AS DQ_DESCRIPTION`,
          ].join(', ')} FROM ${name(this.checked)} WHERE NOT ${ident(r.okColumn)} EMIT CHANGES`,
          [this.checked],
        ),
      });
    });

    this.metrics = query(
      'Metrics',
      QuerySink.table(options('METRICS')),
      'SELECT DQ_RULE, LATEST_BY_OFFSET(DQ_DIMENSION) AS DQ_DIMENSION, COUNT(*) AS FAILED_RECORDS, WINDOWSTART AS WINDOW_START, WINDOWEND AS WINDOW_END ' +
        `FROM ${name(this.failures)} WINDOW TUMBLING (SIZE ${metricsWindow.toKsql()}) GROUP BY DQ_RULE EMIT CHANGES`,
      [this.failures],
    );
  }
}

/** `validity_email` -> `ValidityEmail`, for construct ids. */
function pascal(ruleName: string): string {
  return ruleName
    .split('_')
    .filter((p) => p !== '')
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');
}

const FORMATS = [
  KsqlFormat.JSON,
  KsqlFormat.JSON_SR,
  KsqlFormat.AVRO,
  KsqlFormat.PROTOBUF,
  KsqlFormat.KAFKA,
  KsqlFormat.DELIMITED,
  KsqlFormat.NONE,
];

/**
 * The key or value format a source declared in this app was created with: its WITH clause
 * (`KEY_FORMAT`/`VALUE_FORMAT`, or `FORMAT`), else, for a query result, its first input's.
 */
function declaredFormat(source: IKsqlSource, property: 'KEY_FORMAT' | 'VALUE_FORMAT', depth = 0): KsqlFormat | undefined {
  const s = source as unknown as { statement?: unknown; sources?: readonly IKsqlSource[] };
  if (typeof s.statement !== 'string' || depth > 50) return undefined;
  let stmt;
  try {
    stmt = parseStatement(s.statement);
  } catch {
    return undefined;
  }
  if (stmt.kind !== 'createStream' && stmt.kind !== 'createStreamAs' && stmt.kind !== 'createTable' && stmt.kind !== 'createTableAs')
    return undefined;
  const value = stmt.properties[property] ?? stmt.properties.FORMAT;
  if (typeof value === 'string') return FORMATS.find((f) => f.name === value.toUpperCase());
  const first = s.sources?.[0];
  return stmt.kind.endsWith('As') && first ? declaredFormat(first, property, depth + 1) : undefined;
}
