import { SourceColumnInfo } from '../ksql/source';
import { expressionProblems, isNumericType, isStringType, RuleContext, RuleProblem, UNKNOWN } from '../private/column-types';
import { ident, stringLiteral } from '../private/ksql-names';
import { toJavaPattern } from '../private/regex';

type CheckKind = 'matches' | 'oneOf' | 'between' | 'expression';

/**
 * What a validity rule requires of a (present) value.
 *
 * @example
 * Rule.validity('EMAIL', Check.matches(/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i));
 * Rule.validity('STATUS', Check.oneOf(['bronze', 'silver', 'gold']));
 * Rule.validity('AGE', Check.between(18, 120));
 * Rule.validity('PHONE', Check.expression("LEN(PHONE) >= 7"));
 */
export class Check {
  /**
   * The value contains a match of `pattern` (found anywhere, like `RegExp.test`; anchor it with
   * `^...$` to match the whole value). The pattern must read the same in JavaScript and in Java,
   * where ksqlDB runs it (REGEXP_EXTRACT); the RegExp flags i, m, s and u are carried over.
   */
  static matches(pattern: RegExp | string): Check {
    const text = typeof pattern === 'string' ? pattern : String(pattern);
    return new Check('matches', `matches ${text}`, [pattern]);
  }

  /** The value is one of `values` (strings for STRING columns, numbers for numeric ones). */
  static oneOf(values: readonly (string | number)[]): Check {
    return new Check('oneOf', `is one of ${values.map((v) => (typeof v === 'string' ? stringLiteral(v) : String(v))).join(', ')}`, [
      values,
    ]);
  }

  /** The value lies between `min` and `max`, both included (numeric columns). */
  static between(min: number, max: number): Check {
    return new Check('between', `is between ${min} and ${max}`, [min, max]);
  }

  /**
   * A ksqlDB boolean expression over the record's columns, e.g. `LEN(PHONE) >= 7`. An expression
   * that evaluates to NULL fails the rule.
   */
  static expression(ksqlBoolean: string): Check {
    return new Check('expression', `satisfies ${ksqlBoolean}`, [ksqlBoolean]);
  }

  private constructor(
    private readonly kind: CheckKind,
    /** For people, after the column name: `matches /^\d+$/`. */
    readonly description: string,
    private readonly args: readonly unknown[],
  ) {}

  /**
   * Problems with this check applied to `column`; fields are relative to the rule.
   * @internal
   */
  _problems(column: SourceColumnInfo, ctx: RuleContext): RuleProblem[] {
    const out: RuleProblem[] = [];
    const known = column.type !== UNKNOWN;
    switch (this.kind) {
      case 'matches': {
        const pattern = this.args[0] as RegExp | string;
        const p = toJavaPattern(pattern);
        if (p.problem)
          out.push({
            field: 'check.pattern',
            value: String(pattern),
            problem: p.problem,
            fix: 'write a pattern that JavaScript and Java read alike',
          });
        if (known && !isStringType(column.type)) {
          out.push({
            field: 'check',
            value: column.type,
            problem: `matches a pattern, but ${column.name} is not a STRING column`,
            fix: 'use Check.between or Check.oneOf for non-string columns, or Check.expression with a CAST',
          });
        }
        break;
      }
      case 'oneOf': {
        const values = this.args[0] as readonly (string | number)[];
        if (values.length === 0) out.push({ field: 'check.values', value: values, problem: 'are empty', fix: 'list the allowed values' });
        const strings = values.every((v) => typeof v === 'string');
        const numbers = values.every((v) => typeof v === 'number' && Number.isFinite(v));
        if (!strings && !numbers) {
          out.push({
            field: 'check.values',
            value: values,
            problem: 'mix strings and numbers (or hold a non-finite number)',
            fix: 'give only strings or only finite numbers',
          });
        } else if (known && values.length > 0) {
          if (strings && !isStringType(column.type)) {
            out.push({
              field: 'check.values',
              value: values,
              problem: `are strings, but ${column.name} is ${column.type}`,
              fix: `give ${column.type} values`,
            });
          }
          if (numbers && !isNumericType(column.type)) {
            out.push({
              field: 'check.values',
              value: values,
              problem: `are numbers, but ${column.name} is ${column.type}`,
              fix: `give ${column.type} values`,
            });
          }
        }
        break;
      }
      case 'between': {
        const [min, max] = this.args as [number, number];
        if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
          out.push({
            field: 'check',
            value: [min, max],
            problem: 'needs finite bounds with min <= max',
            fix: 'give e.g. Check.between(0, 100)',
          });
        }
        if (known && !isNumericType(column.type)) {
          out.push({
            field: 'check',
            value: column.type,
            problem: `compares numbers, but ${column.name} is not numeric`,
            fix: 'use Check.oneOf or Check.matches for non-numeric columns',
          });
        }
        break;
      }
      case 'expression':
        out.push(...expressionProblems('check.expression', this.args[0] as string, ctx));
        break;
    }
    return out;
  }

  /**
   * The check as a ksqlDB boolean over `column`, never NULL for a present value.
   * @internal
   */
  _render(column: string): string {
    const col = ident(column);
    switch (this.kind) {
      case 'matches':
        return `REGEXP_EXTRACT(${stringLiteral(toJavaPattern(this.args[0] as RegExp | string).text)}, ${col}) IS NOT NULL`;
      case 'oneOf':
        return `${col} IN (${(this.args[0] as readonly (string | number)[]).map((v) => (typeof v === 'string' ? stringLiteral(v) : String(v))).join(', ')})`;
      case 'between':
        return `${col} BETWEEN ${this.args[0]} AND ${this.args[1]}`;
      case 'expression':
        return `COALESCE((${this.args[0] as string}), FALSE)`;
    }
  }
}
