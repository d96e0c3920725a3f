import { Duration } from '../duration';
import {
  columnFix,
  columnOf,
  expressionProblems,
  isPrimitiveType,
  isStringType,
  RuleContext,
  RuleProblem,
  UNKNOWN,
} from '../private/column-types';
import { durationProblem } from '../private/duration';
import { ident, stringLiteral } from '../private/ksql-names';
import { Check } from './check';

/** The dimension of data quality a rule checks (written into FAILURES and METRICS records). */
export type DataQualityDimension = 'completeness' | 'validity' | 'consistency' | 'timeliness' | 'uniqueness';

/** Options every rule takes. */
export interface RuleOptions {
  /**
   * The rule's name in outputs: the `OK_<NAME>` column, `DQ_FAILED_RULES`, FAILURES and METRICS.
   * Lower snake case.
   * @default - the dimension, then the column: `completeness`, `validity_email`, `timeliness_created_at`, `uniqueness_email`
   */
  readonly name?: string;
  /** For people reading failures. @default - generated from the rule, e.g. `EMAIL matches /^.+@.+$/` */
  readonly description?: string;
}

/** Options of a timeliness rule. */
export interface TimelinessOptions extends RuleOptions {
  /**
   * The event time is a STRING in this `java.time.format.DateTimeFormatter` pattern, e.g.
   * `yyyy-MM-dd'T'HH:mm:ss.SSSX` (parsed with STRINGTOTIMESTAMP).
   * @default - the column holds epoch milliseconds (BIGINT) or is a TIMESTAMP
   */
  readonly format?: string;
  /** Time zone of string event times without an offset, e.g. `UTC`. @default - the ksqlDB server's zone */
  readonly timeZone?: string;
}

/** Options of a uniqueness rule. */
export interface UniquenessOptions extends RuleOptions {
  /**
   * Only a first sighting by another record id at most this long before the record makes it a
   * duplicate. The first id of each value is kept for ever either way (ksqlDB cannot join a stream
   * to a windowed table), so a value first seen longer ago counts as new again for every record.
   * @default - no limit: any earlier record id with the value makes it a duplicate
   */
  readonly within?: Duration;
}

const RULE_NAME = /^[a-z][a-z0-9_]*$/;

/** `EMAIL` -> `email`, for rule names derived from columns. */
function snake(column: string): string {
  return (
    column
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'column'
  );
}

/**
 * A data quality rule checked on every record in motion. One of the five dimensions, created with
 * the static factories; each renders a ksqlDB boolean that is TRUE when the record passes and is
 * never NULL (NULL counts as failing where it can arise).
 *
 * Missing values (NULL) are the business of completeness: validity, timeliness and uniqueness pass
 * a record whose column is NULL, so that one gap is reported once.
 *
 * @example
 * Rule.completeness(['NAME', 'EMAIL']);
 * Rule.validity('EMAIL', Check.matches(/^[^@\s]+@[^@\s]+$/));
 * Rule.consistency('shipped_after_ordered', 'SHIPPED_AT IS NULL OR SHIPPED_AT >= ORDERED_AT');
 * Rule.timeliness('CREATED_AT', Duration.minutes(5));
 * Rule.uniqueness('EMAIL', { within: Duration.days(30) });
 */
export abstract class Rule {
  /** Every column is present (not NULL) and not empty (blank strings, empty arrays and maps). */
  static completeness(columns: readonly string[], options: RuleOptions = {}): CompletenessRule {
    return new CompletenessRule(columns, options);
  }

  /** The column, when present, passes `check`. */
  static validity(column: string, check: Check, options: RuleOptions = {}): ValidityRule {
    return new ValidityRule(column, check, options);
  }

  /**
   * A business rule across columns, as a ksqlDB boolean expression over the record's columns,
   * e.g. `DISCOUNT <= TOTAL`. NULL fails: write `X IS NULL OR ...` to let a missing value pass.
   */
  static consistency(name: string, ksqlBoolean: string, options: Omit<RuleOptions, 'name'> = {}): ConsistencyRule {
    return new ConsistencyRule(name, ksqlBoolean, options);
  }

  /**
   * The record arrives in time: its Kafka timestamp (ROWTIME) minus its event time is at most
   * `maxLag`. The event time column holds epoch milliseconds (BIGINT), a TIMESTAMP, or a string
   * in `options.format`; a string that does not parse fails.
   */
  static timeliness(eventTimeColumn: string, maxLag: Duration, options: TimelinessOptions = {}): TimelinessRule {
    return new TimelinessRule(eventTimeColumn, maxLag, options);
  }

  /**
   * The value of `column` was not seen before with another record id (`idColumn` of the
   * DataQuality). Keeps state: a table of the first record id per value. Blank strings pass.
   * The check is a stream-table join against that table, which another query fills from the same
   * records: two records with the same value arriving closer together than that query's latency
   * (typically well under a second) may both pass, in ksqlDB as on the local engine.
   */
  static uniqueness(column: string, options: UniquenessOptions = {}): UniquenessRule {
    return new UniquenessRule(column, options);
  }

  /** Name in outputs, lower snake case: `validity_email`. */
  readonly name: string;
  /** For people reading failures, e.g. `EMAIL matches /^.+@.+$/`. */
  readonly description: string;

  protected constructor(
    /** The dimension of data quality the rule checks. */
    readonly dimension: DataQualityDimension,
    defaultName: string,
    defaultDescription: string,
    options: RuleOptions,
  ) {
    this.name = options.name ?? defaultName;
    this.description = options.description ?? defaultDescription;
  }

  /** The name of the BOOLEAN column of CHECKED that holds this rule's outcome: `OK_VALIDITY_EMAIL`. */
  get okColumn(): string {
    return `OK_${this.name.toUpperCase()}`;
  }

  /**
   * Problems with this rule against the source; fields are relative to the rule.
   * @internal
   */
  _problems(ctx: RuleContext): RuleProblem[] {
    const out: RuleProblem[] = [];
    if (!RULE_NAME.test(this.name)) {
      out.push({
        field: 'name',
        value: this.name,
        problem: 'must be lower snake case (a letter, then letters, digits and _)',
        fix: `rename it, e.g. '${snake(this.name)}'`,
      });
    }
    out.push(...this._ruleProblems(ctx));
    return out;
  }

  /**
   * The rule as a ksqlDB boolean over the columns of CHECKED's input: TRUE when the record
   * passes, never NULL.
   * @internal
   */
  abstract _condition(ctx: RuleContext): string;

  /**
   * Problems particular to the kind of rule.
   * @internal
   */
  protected abstract _ruleProblems(ctx: RuleContext): RuleProblem[];

  /**
   * `column` must be a column of the source.
   * @internal
   */
  protected _columnProblems(field: string, column: string, ctx: RuleContext): RuleProblem[] {
    if (columnOf(ctx, column)) return [];
    return [{ field, value: column, problem: `is not a column of ${ctx.sourceName}`, fix: columnFix(column, ctx.columns) }];
  }
}

/** Columns are present and not empty. See `Rule.completeness`. */
export class CompletenessRule extends Rule {
  constructor(
    /** The columns that must be present and not empty. */
    readonly columns: readonly string[],
    options: RuleOptions,
  ) {
    super('completeness', 'completeness', `${columns.join(', ')} present and not empty`, options);
  }

  /** @internal */
  protected _ruleProblems(ctx: RuleContext): RuleProblem[] {
    if (this.columns.length === 0)
      return [
        {
          field: 'columns',
          value: this.columns,
          problem: 'are empty',
          fix: "list the columns that must be present, e.g. ['NAME', 'EMAIL']",
        },
      ];
    const out = this.columns.flatMap((c, i) => this._columnProblems(`columns[${i}]`, c, ctx));
    const dupes = this.columns.filter((c, i) => this.columns.indexOf(c) !== i);
    if (dupes.length > 0)
      out.push({
        field: 'columns',
        value: this.columns,
        problem: `name ${[...new Set(dupes)].join(', ')} more than once`,
        fix: 'list each column once',
      });
    return out;
  }

  /** @internal */
  _condition(ctx: RuleContext): string {
    const parts = this.columns.map((name) => {
      const col = ident(name);
      const type = columnOf(ctx, name)?.type ?? UNKNOWN;
      if (isStringType(type)) return `${col} IS NOT NULL AND TRIM(${col}) <> ''`;
      if (type.startsWith('ARRAY')) return `${col} IS NOT NULL AND ARRAY_LENGTH(${col}) > 0`;
      if (type.startsWith('MAP')) return `${col} IS NOT NULL AND ARRAY_LENGTH(MAP_KEYS(${col})) > 0`;
      return `${col} IS NOT NULL`;
    });
    return `(${parts.join(' AND ')})`;
  }
}

/** A present value passes a Check. See `Rule.validity`. */
export class ValidityRule extends Rule {
  constructor(
    /** The column checked. */
    readonly column: string,
    /** What a present value must satisfy. */
    readonly check: Check,
    options: RuleOptions,
  ) {
    super('validity', `validity_${snake(column)}`, `${column} ${check.description}`, options);
  }

  /** @internal */
  protected _ruleProblems(ctx: RuleContext): RuleProblem[] {
    const col = columnOf(ctx, this.column);
    if (!col) return this._columnProblems('column', this.column, ctx);
    return this.check._problems(col, ctx);
  }

  /** @internal */
  _condition(): string {
    return `(${ident(this.column)} IS NULL OR ${this.check._render(this.column)})`;
  }
}

/** A business rule across columns. See `Rule.consistency`. */
export class ConsistencyRule extends Rule {
  constructor(
    name: string,
    /** The ksqlDB boolean expression every record must satisfy. */
    readonly expression: string,
    options: Omit<RuleOptions, 'name'>,
  ) {
    super('consistency', name, `${expression} holds`, { ...options, name });
  }

  /** @internal */
  protected _ruleProblems(ctx: RuleContext): RuleProblem[] {
    return expressionProblems('expression', this.expression, ctx);
  }

  /** @internal */
  _condition(): string {
    return `COALESCE((${this.expression}), FALSE)`;
  }
}

/** Records arrive at most a given lag after their event time. See `Rule.timeliness`. */
export class TimelinessRule extends Rule {
  /** The pattern of string event times, when the column holds strings. */
  readonly format?: string;
  /** The time zone of string event times without an offset, when given. */
  readonly timeZone?: string;

  constructor(
    /** The event time column. */
    readonly column: string,
    /** How long after its event time a record may arrive. */
    readonly maxLag: Duration,
    options: TimelinessOptions,
  ) {
    super('timeliness', `timeliness_${snake(column)}`, `arrives at most ${maxLag} after ${column}`, options);
    this.format = options.format;
    this.timeZone = options.timeZone;
  }

  /** @internal */
  protected _ruleProblems(ctx: RuleContext): RuleProblem[] {
    const out: RuleProblem[] = [];
    const lag = durationProblem(this.maxLag);
    if (lag) out.push({ field: 'maxLag', value: this.maxLag.toString(), problem: lag, fix: 'give e.g. Duration.minutes(5)' });
    const col = columnOf(ctx, this.column);
    if (!col) return [...out, ...this._columnProblems('column', this.column, ctx)];
    if (this.format !== undefined && this.format.trim() === '') {
      out.push({
        field: 'format',
        value: this.format,
        problem: 'is empty',
        fix: 'give a java.time pattern, e.g. "yyyy-MM-dd\'T\'HH:mm:ssX"',
      });
    }
    if (this.timeZone !== undefined && this.format === undefined) {
      out.push({
        field: 'timeZone',
        value: this.timeZone,
        problem: 'only applies to string event times',
        fix: 'give format as well, or leave timeZone out',
      });
    }
    if (col.type === UNKNOWN) return out;
    if (this.format === undefined && col.type !== 'BIGINT' && col.type !== 'TIMESTAMP') {
      out.push({
        field: 'column',
        value: `${col.name} ${col.type}`,
        problem: 'must hold epoch milliseconds (BIGINT) or a TIMESTAMP',
        fix: isStringType(col.type)
          ? "give the string's format: { format: \"yyyy-MM-dd'T'HH:mm:ssX\" }"
          : 'name a BIGINT or TIMESTAMP column',
      });
    }
    if (this.format !== undefined && !isStringType(col.type)) {
      out.push({
        field: 'format',
        value: this.format,
        problem: `applies to STRING columns, but ${col.name} is ${col.type}`,
        fix: 'leave format out for BIGINT and TIMESTAMP columns',
      });
    }
    return out;
  }

  /** @internal */
  _condition(ctx: RuleContext): string {
    const col = ident(this.column);
    const type = columnOf(ctx, this.column)?.type;
    const eventMs =
      this.format !== undefined
        ? `STRINGTOTIMESTAMP(${col}, ${stringLiteral(this.format)}${this.timeZone !== undefined ? `, ${stringLiteral(this.timeZone)}` : ''})`
        : type === 'TIMESTAMP'
          ? `UNIX_TIMESTAMP(${col})`
          : col;
    return `(${col} IS NULL OR COALESCE(ROWTIME - ${eventMs} <= ${this.maxLag.toMilliseconds()}, FALSE))`;
  }
}

/** A value is not seen before with another record id. See `Rule.uniqueness`. */
export class UniquenessRule extends Rule {
  /** How far back a first sighting makes a record a duplicate; undefined: any time. */
  readonly within?: Duration;

  constructor(
    /** The column whose values must be unique per record id. */
    readonly column: string,
    options: UniquenessOptions,
  ) {
    super(
      'uniqueness',
      `uniqueness_${snake(column)}`,
      `${column} not seen before for another record${options.within ? ` within ${options.within}` : ''}`,
      options,
    );
    this.within = options.within;
  }

  /** Column of the prepared stream holding the value as a non-NULL STRING (the lookup key). */
  get keyColumn(): string {
    return `DQ_KEY_${this.name.toUpperCase()}`;
  }
  /** Column holding the first record id seen with the value (NULL: not seen before). */
  get firstIdColumn(): string {
    return `DQ_FIRST_ID_${this.name.toUpperCase()}`;
  }
  /** Column holding the ROWTIME of that first record. */
  get firstSeenColumn(): string {
    return `DQ_FIRST_SEEN_${this.name.toUpperCase()}`;
  }

  /**
   * The value as a STRING that is never NULL ('' for NULL), so that no record is dropped by the lookup join.
   * @internal
   */
  _keyExpression(ctx: RuleContext): string {
    const col = ident(this.column);
    const type = columnOf(ctx, this.column)?.type ?? UNKNOWN;
    return isStringType(type) ? `COALESCE(${col}, '')` : `COALESCE(CAST(${col} AS STRING), '')`;
  }

  /** @internal */
  protected _ruleProblems(ctx: RuleContext): RuleProblem[] {
    const out: RuleProblem[] = [];
    const within = this.within && durationProblem(this.within);
    if (within)
      out.push({ field: 'within', value: this.within!.toString(), problem: within, fix: 'give e.g. Duration.days(30), or leave it out' });
    const col = columnOf(ctx, this.column);
    if (!col) return [...out, ...this._columnProblems('column', this.column, ctx)];
    if (col.name === ctx.idColumn) {
      out.push({
        field: 'column',
        value: col.name,
        problem: 'is the idColumn, so every record trivially has its own value',
        fix: 'name another column, or check the id with a consistency rule',
      });
    }
    if (col.type !== UNKNOWN && !isPrimitiveType(col.type)) {
      out.push({
        field: 'column',
        value: `${col.name} ${col.type}`,
        problem: 'must have a primitive type (values are compared as strings)',
        fix: 'name a STRING, numeric, BOOLEAN or temporal column',
      });
    }
    return out;
  }

  /** @internal */
  _condition(ctx: RuleContext): string {
    const first = ident(this.firstIdColumn);
    const within = this.within ? ` OR ROWTIME - ${ident(this.firstSeenColumn)} > ${this.within.toMilliseconds()}` : '';
    return `(${ident(this.column)} IS NULL OR ${first} IS NULL OR COALESCE(${first} = ${ident(ctx.idColumn)}, FALSE)${within})`;
  }
}
