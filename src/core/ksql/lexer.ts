/**
 * Tokenizer for ksqlDB statements, following the lexer rules of ksqlDB's `SqlBase.g4`:
 * keywords are case-insensitive, unquoted words are upper-cased, back-quoted and double-quoted
 * identifiers keep their case, strings use `''` escapes, and `--` / `/* *\/` comments and
 * whitespace are skipped.
 */

/** The kinds of token the parser sees. */
export type TokenKind =
  | 'word' // IDENTIFIER or keyword: (LETTER | '_') (LETTER | DIGIT | '_' | '@')*
  | 'quoted' // `back-quoted` or "double-quoted" identifier
  | 'digitWord' // DIGIT_IDENTIFIER: starts with a digit, e.g. 1st
  | 'string' // 'single-quoted'
  | 'integer'
  | 'decimal' // 1.5, .5, 1.
  | 'float' // 1E5, 1.5E-3
  | 'variable' // ${name}
  | 'symbol'
  | 'unknown' // a character no rule accepts
  | 'eof';

/** One token with its position (line and column are 1-based, offsets 0-based, end exclusive). */
export interface Token {
  readonly kind: TokenKind;
  /** The exact source text of the token. */
  readonly text: string;
  /** word: upper-cased; quoted/string: unquoted and unescaped; symbol: the symbol; others: text. */
  readonly value: string;
  readonly offset: number;
  readonly end: number;
  readonly line: number;
  readonly column: number;
}

/** A syntax error with ksqlDB-style `line L:C: ...` message; line and column are 1-based. */
export class KsqlSyntaxError extends Error {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
  /** The message without the `line L:C: ` prefix. */
  readonly detail: string;
  /** The text of the offending token, when there is one. */
  readonly token: string | undefined;
  /** What the parser would have accepted at that point (ANTLR display names). */
  readonly expected: readonly string[];

  constructor(detail: string, at: { line: number; column: number; offset: number }, token?: string, expected: readonly string[] = []) {
    super(`line ${at.line}:${at.column}: ${detail}`);
    this.name = 'KsqlSyntaxError';
    this.line = at.line;
    this.column = at.column;
    this.offset = at.offset;
    this.detail = detail;
    this.token = token;
    this.expected = expected;
  }
}

/**
 * Keyword tokens of `SqlBase.g4` that are not in its `nonReserved` rule: they cannot be used as
 * identifiers unless quoted.
 */
export const RESERVED_WORDS: ReadonlySet<string> = new Set(
  (
    'ADVANCE ALL AND AS AT BEGINNING BETWEEN BY CASE CAST CATALOG CONNECTOR CONNECTORS CREATE DAYS ' +
    'DECIMAL DELETE DESCRIBE DISTINCT DROP ELSE END EXISTS EXPORT EXTENDED FALSE FROM FULL GROUP ' +
    'HAVING HOPPING HOURS IN INNER INSERT INTO IS JOIN LEFT LIKE LIMIT LIST LOAD MATERIALIZED ' +
    'MILLISECOND MILLISECONDS MINUTES MONTHS NAMESPACE NOT NULL ON OR OUTER PAUSE PRINT PROPERTIES ' +
    'QUERIES QUERY RENAME RESUME RETENTION RIGHT RUN SAMPLE SCRIPT SECONDS SELECT SIZE STREAM ' +
    'STREAMS TABLE TERMINATE THEN TO TOPIC TOPICS TRUE TUMBLING UNSET VALUES VIEW WHEN WHERE WINDOW ' +
    'WITH WITHIN YEARS'
  ).split(' '),
);

/** True when `word` (any case) is a reserved ksqlDB keyword. */
export function isReservedWord(word: string): boolean {
  return RESERVED_WORDS.has(word.toUpperCase());
}

const SYMBOLS = ['<>', '!=', '<=', '>=', '||', ':=', '->', '=>', '=', '<', '>', '+', '-', '*', '/', '%', '(', ')', ',', ';', '.', '[', ']'];

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isLetter = (c: string): boolean => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
const isWordStart = (c: string): boolean => isLetter(c) || c === '_';
const isWordPart = (c: string): boolean => isLetter(c) || isDigit(c) || c === '_' || c === '@';

/** Splits `text` into tokens, ending with one `eof` token; throws KsqlSyntaxError on unclosed quotes. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;

  // Position of `offset`, which is always the current scan position (line/lineStart are current).
  const posAt = (offset: number): { line: number; column: number; offset: number } => ({
    line,
    column: offset - lineStart + 1,
    offset,
  });
  const advanceTo = (to: number): void => {
    for (let k = i; k < to; k++) {
      if (text[k] === '\n') {
        line++;
        lineStart = k + 1;
      }
    }
    i = to;
  };
  const push = (kind: TokenKind, end: number, value?: string): void => {
    const start = posAt(i);
    const raw = text.slice(i, end);
    tokens.push({ kind, text: raw, value: value ?? raw, offset: i, end, line: start.line, column: start.column });
    advanceTo(end);
  };
  const closing = (quote: string, from: number): number => {
    // Index just past the closing quote; a doubled quote is an escaped quote.
    let k = from + 1;
    while (k < text.length) {
      if (text[k] === quote) {
        if (text[k + 1] === quote) {
          k += 2;
          continue;
        }
        return k + 1;
      }
      k++;
    }
    return -1;
  };

  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      advanceTo(i + 1);
      continue;
    }
    if (c === '-' && text[i + 1] === '-') {
      const nl = text.indexOf('\n', i);
      advanceTo(nl < 0 ? text.length : nl + 1);
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) throw new KsqlSyntaxError('unterminated comment: missing */', posAt(i), '/*');
      advanceTo(close + 2);
      continue;
    }
    if (c === "'" || c === '`' || c === '"') {
      const end = closing(c, i);
      if (end < 0) {
        const what = c === "'" ? 'string literal' : 'quoted identifier';
        throw new KsqlSyntaxError(`unterminated ${what}: missing closing ${c}`, posAt(i), text.slice(i, i + 20));
      }
      const inner = text
        .slice(i + 1, end - 1)
        .split(c + c)
        .join(c);
      push(c === "'" ? 'string' : 'quoted', end, inner);
      continue;
    }
    if (c === '$' && text[i + 1] === '{') {
      let k = i + 2;
      if (k < text.length && isWordStart(text[k])) {
        while (k < text.length && isWordPart(text[k])) k++;
        if (text[k] === '}') {
          push('variable', k + 1);
          continue;
        }
      }
      push('unknown', i + 1);
      continue;
    }
    if (isWordStart(c)) {
      let k = i + 1;
      while (k < text.length && isWordPart(text[k])) k++;
      push('word', k, text.slice(i, k).toUpperCase());
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(text[i + 1] ?? ''))) {
      const num = scanNumber(text, i);
      let idEnd = i;
      if (isDigit(c)) {
        idEnd = i + 1;
        while (idEnd < text.length && isWordPart(text[idEnd])) idEnd++;
      }
      // Longest match wins; on a tie the numeric rules come first in the grammar.
      if (idEnd - i >= 2 && idEnd > num.end) push('digitWord', idEnd, text.slice(i, idEnd).toUpperCase());
      else push(num.kind, num.end);
      continue;
    }
    const sym = SYMBOLS.find((s) => text.startsWith(s, i));
    if (sym) {
      push('symbol', i + sym.length);
      continue;
    }
    push('unknown', i + 1);
  }
  const end = posAt(i);
  tokens.push({ kind: 'eof', text: '', value: '<EOF>', offset: i, end: i, line: end.line, column: end.column });
  return tokens;
}

function scanNumber(text: string, start: number): { kind: 'integer' | 'decimal' | 'float'; end: number } {
  let k = start;
  while (isDigit(text[k] ?? '')) k++;
  let kind: 'integer' | 'decimal' | 'float' = 'integer';
  if (text[k] === '.') {
    kind = 'decimal';
    k++;
    while (isDigit(text[k] ?? '')) k++;
  }
  if (text[k] === 'E' || text[k] === 'e') {
    let e = k + 1;
    if (text[e] === '+' || text[e] === '-') e++;
    if (isDigit(text[e] ?? '')) {
      while (isDigit(text[e] ?? '')) e++;
      return { kind: 'float', end: e };
    }
  }
  return { kind, end: k };
}
