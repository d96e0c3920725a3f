/** ksqlDB statement parser and analyzer: parse, inspect, compare and canonicalize statements. */
export * from './ast';
export { KsqlSyntaxError, RESERVED_WORDS, isReservedWord, tokenize, type Token, type TokenKind } from './lexer';
export { parseStatements, parseStatement, parseExpression, parseType, type ParseOptions } from './parser';
export { walkExpr, childExpressions, queryExpressions, mapExpr } from './walk';
export * from './analyze';
export { canonical, equivalent, formatExpression, formatQuery, formatStatement, type CanonicalOptions } from './format';
export { normalizeQuery } from './normalize';
export { backQuote, formatType, quoteIdentifier, unquoteIdentifier } from './types';
export { isKnownProperty, closestProperty, propertyProblems, unrecognizedPropertyMessage, type PropertyProblem } from './properties';
export { INJECTED_PROPERTIES, inferredColumnNames, statementDrift, type DriftOptions } from './drift';
