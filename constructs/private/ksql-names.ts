/** ksqlDB identifiers and literals as statement text, and the names constructs derive. */
import { isReservedWord, KsqlSyntaxError, parseStatement, quoteIdentifier, unquoteIdentifier } from '../../src/core/ksql';
import { Validator } from './validator';

/** An identifier as ksqlDB reads it back: bare when it can be, else back-quoted (see quoteIdentifier). */
export const ident = quoteIdentifier;

/** A string literal. */
export function stringLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** `RatingsLive` -> `RATINGS_LIVE`, the default ksqlDB name of a construct. */
export function ksqlNameFromId(id: string): string {
  return id
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .toUpperCase();
}

/** Names of streams, tables and columns that ksqlDB accepts unquoted. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A name as ksqlDB reads it (see unquoteIdentifier): unquoted names are upper-cased (`trip_id` is
 * TRIP_ID, so a query may write `trip_id`, `TRIP_ID` or `Trip_Id`); a name in back quotes keeps
 * its case (`` `trip_id` ``).
 */
export const ksqlName = unquoteIdentifier;

export function checkName(v: Validator, field: string, name: string): void {
  v.check(
    NAME.test(name),
    field,
    name,
    'must start with a letter or _ and use only letters, digits and _',
    `rename it, e.g. "${ksqlNameFromId(name) || 'MY_STREAM'}"`,
  );
  if (NAME.test(name)) {
    v.check(!isReservedWord(name), field, name, 'is a reserved word in ksqlDB', `choose another name, e.g. "${name.toUpperCase()}_1"`);
  }
}

export function checkParses(v: Validator, statement: string): void {
  try {
    parseStatement(statement);
  } catch (err) {
    if (err instanceof KsqlSyntaxError)
      v.add('statement', statement, `does not parse: ${err.message}`, 'fix the ksqlDB syntax at that position');
    else throw err;
  }
}
