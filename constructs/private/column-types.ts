/** Column lookups and type classes shared by the quality rules and the masks. */
import { formatType, KsqlSyntaxError, Loc, parseExpression, walkExpr } from '../../src/core/ksql';
import { inferType, type Scope } from '../../src/core/ksql/infer';
import { SourceColumnInfo } from '../ksql/source';
import { show } from './validator';

/** ksqlDB's pseudo columns, readable in every expression. */
export const PSEUDO_COLUMNS: ReadonlySet<string> = new Set(['ROWTIME', 'ROWPARTITION', 'ROWOFFSET']);

/** The type text of a column whose type could not be derived (see `outputColumns`). */
export const UNKNOWN = 'unknown';

export function isStringType(type: string): boolean {
  return type === 'STRING' || type === 'VARCHAR';
}

export function isNumericType(type: string): boolean {
  return ['INTEGER', 'INT', 'BIGINT', 'DOUBLE'].includes(type) || type.startsWith('DECIMAL');
}

/** Types ksqlDB can CAST to STRING and compare as they are (no ARRAY, MAP, STRUCT, BYTES). */
export function isPrimitiveType(type: string): boolean {
  return isStringType(type) || isNumericType(type) || ['BOOLEAN', 'TIMESTAMP', 'DATE', 'TIME'].includes(type);
}

/** "name one of ...", with a case-insensitive match offered first. */
export function columnFix(name: string, columns: readonly SourceColumnInfo[]): string {
  const near = columns.find((c) => c.name.toUpperCase() === name.toUpperCase());
  const all = columns.map((c) => c.name).join(', ');
  return near ? `did you mean '${near.name}'? columns are: ${all}` : `name one of the columns: ${all}`;
}

/** What a ksqlDB expression reads, or why it cannot be used. */
interface ExpressionInfo {
  readonly columns: readonly string[];
  /** Its static type when known (e.g. `BOOLEAN`). */
  readonly type?: string;
  readonly syntaxError?: string;
}

const LOC: Loc = { line: 1, column: 1, offset: 0, end: 0 };

/** Parses `text` as an expression over the columns of `sourceName`; column names as ksqlDB reads them. */
function inspectExpression(text: string, sourceName: string, columns: readonly SourceColumnInfo[]): ExpressionInfo {
  let expr;
  try {
    expr = parseExpression(text);
  } catch (err) {
    if (err instanceof KsqlSyntaxError) return { columns: [], syntaxError: err.message };
    throw err;
  }
  const read = new Set<string>();
  const lambdaParams = new Set<string>();
  walkExpr(expr, (x) => {
    if (x.kind === 'lambda') x.params.forEach((p) => lambdaParams.add(p));
  });
  walkExpr(expr, (x) => {
    if (x.kind === 'column' && !lambdaParams.has(x.name)) read.add(x.name);
  });
  const scope: Scope = {
    relations: [{ loc: LOC, name: sourceName, alias: sourceName, aliased: false }],
    columns: new Map([[sourceName, columns.map((c) => ({ name: c.name, type: c.type, key: c.key }))]]),
    windowed: false,
  };
  let type: string | undefined;
  try {
    const t = inferType(expr, scope);
    type = t ? formatType(t) : undefined;
  } catch {
    type = undefined; // a type the static analysis cannot read: left to ksqlDB
  }
  return { columns: [...read], type, syntaxError: undefined };
}

/** One problem with a rule, relative to the rule (`field` is e.g. `column`, `check`). */
export interface RuleProblem {
  readonly field: string;
  readonly value: unknown;
  readonly problem: string;
  readonly fix: string;
}

/** What rules are checked against: the source and the record id. */
export interface RuleContext {
  readonly sourceName: string;
  readonly columns: readonly SourceColumnInfo[];
  readonly idColumn: string;
}

/** The column called `name`, if the source has it. */
export function columnOf(ctx: RuleContext, name: string): SourceColumnInfo | undefined {
  return ctx.columns.find((c) => c.name === name);
}

/** Problems of a user-written boolean expression: syntax, unknown columns, non-boolean type. */
export function expressionProblems(field: string, text: string, ctx: RuleContext): RuleProblem[] {
  if (typeof text !== 'string' || text.trim() === '') {
    return [{ field, value: text, problem: 'is empty', fix: "write a ksqlDB boolean expression, e.g. 'AGE >= 18'" }];
  }
  const info = inspectExpression(text, ctx.sourceName, ctx.columns);
  if (info.syntaxError) {
    return [
      {
        field,
        value: text,
        problem: `does not parse as a ksqlDB expression: ${info.syntaxError}`,
        fix: 'fix the ksqlDB syntax at that position',
      },
    ];
  }
  const out: RuleProblem[] = [];
  for (const name of info.columns) {
    if (!PSEUDO_COLUMNS.has(name) && !ctx.columns.some((c) => c.name === name)) {
      out.push({
        field,
        value: text,
        problem: `reads column ${name}, which ${ctx.sourceName} does not have`,
        fix: columnFix(name, ctx.columns),
      });
    }
  }
  if (info.type && info.type !== 'BOOLEAN') {
    out.push({
      field,
      value: text,
      problem: `is not a boolean expression (its type is ${info.type})`,
      fix: `compare it, e.g. ${show(`${text} > 0`)}`,
    });
  }
  return out;
}
