/**
 * Tokenizer for the ksqlDB statement language, after the lexer rules of ksqlDB's `SqlBase.g4`:
 * case-insensitive keywords, `"quoted"` and `` `back-quoted` `` identifiers (case kept, doubled
 * quote escapes), `'strings'` with `''` escapes, `${variables}`, `--` / `/* *\/` comments.
 * Line numbers are 1-based and columns 0-based, like ANTLR's `line` / `charPositionInLine`.
 */

export type TokenType =
  | 'IDENT' // unquoted identifier or keyword
  | 'QUOTED' // "..."
  | 'BACKQUOTED' // `...`
  | 'DIGIT_IDENT'
  | 'STRING'
  | 'INTEGER'
  | 'DECIMAL'
  | 'FLOAT'
  | 'VARIABLE'
  | 'SYMBOL'
  | 'UNRECOGNIZED'
  | 'EOF';

export interface Token {
  readonly type: TokenType;
  /** Source text of the token. */
  readonly text: string;
  /** For IDENT the upper-cased text; for quoted forms the unquoted text; for STRING the unescaped value. */
  readonly value: string;
  readonly line: number;
  readonly col: number;
  readonly start: number;
  readonly end: number; // exclusive
}

/** Every keyword token of SqlBase.g4 (`SELECT: 'SELECT';` ...). */
export const KEYWORDS = new Set(
  (
    'EMIT CHANGES FINAL SELECT FROM AS ALL DISTINCT WHERE WITHIN WINDOW GROUP BY HAVING LIMIT AT OR AND IN NOT ' +
    'EXISTS BETWEEN LIKE ESCAPE IS NULL TRUE FALSE INTEGER DATE TIME TIMESTAMP INTERVAL YEAR MONTH DAY HOUR ' +
    'MINUTE SECOND MILLISECOND YEARS MONTHS DAYS HOURS MINUTES SECONDS MILLISECONDS ZONE TUMBLING HOPPING SIZE ' +
    'ADVANCE RETENTION GRACE PERIOD CASE WHEN THEN ELSE END JOIN FULL OUTER INNER LEFT RIGHT ON PARTITION STRUCT ' +
    'WITH VALUES CREATE TABLE TOPIC STREAM STREAMS INSERT DELETE INTO DESCRIBE EXTENDED PRINT EXPLAIN ANALYZE ' +
    'TYPE TYPES CAST SHOW LIST TABLES TOPICS QUERY QUERIES TERMINATE PAUSE RESUME LOAD COLUMNS COLUMN PARTITIONS ' +
    'FUNCTIONS FUNCTION DROP TO RENAME ARRAY MAP SET DEFINE UNDEFINE RESET SESSION SAMPLE EXPORT CATALOG ' +
    'PROPERTIES BEGINNING UNSET RUN SCRIPT DECIMAL KEY CONNECTOR CONNECTORS SINK SOURCE NAMESPACE MATERIALIZED ' +
    'VIEW PRIMARY REPLACE ASSERT ADD ALTER VARIABLES PLUGINS HEADERS HEADER SYSTEM TIMEOUT SCHEMA SUBJECT ID IF STRING'
  ).split(' '),
);

/** The `nonReserved` rule of SqlBase.g4: keywords that may still be used as identifiers. */
export const NON_RESERVED = new Set(
  (
    'SHOW TABLES COLUMNS COLUMN PARTITIONS FUNCTIONS FUNCTION SESSION STRUCT MAP ARRAY PARTITION INTEGER DATE ' +
    'TIME TIMESTAMP INTERVAL ZONE STRING YEAR MONTH DAY HOUR MINUTE SECOND EXPLAIN ANALYZE TYPE TYPES SET RESET ' +
    'IF SOURCE SINK PRIMARY KEY EMIT CHANGES FINAL ESCAPE REPLACE ASSERT ALTER ADD HEADER HEADERS GRACE PERIOD ' +
    'DEFINE UNDEFINE VARIABLES PLUGINS SYSTEM TIMEOUT SCHEMA SUBJECT ID'
  ).split(' '),
);

export function isReserved(upperWord: string): boolean {
  return KEYWORDS.has(upperWord) && !NON_RESERVED.has(upperWord);
}

export class LexError extends Error {
  constructor(
    readonly detail: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(detail);
  }
}

const SYMBOLS = [
  '<>',
  '!=',
  '<=',
  '>=',
  '||',
  ':=',
  '->',
  '=>',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '(',
  ')',
  ',',
  ';',
  '.',
  '[',
  ']',
  '{',
  '}',
  ':',
];

const isLetter = (c: string): boolean => /[A-Za-z]/.test(c);
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isIdentPart = (c: string): boolean => isLetter(c) || isDigit(c) || c === '_' || c === '@';

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;

  const advanceTo = (to: number): void => {
    for (let k = i; k < to; k++) {
      if (sql[k] === '\n') {
        line++;
        lineStart = k + 1;
      }
    }
    i = to;
  };

  const push = (type: TokenType, start: number, end: number, value: string, tokLine: number, tokCol: number): void => {
    tokens.push({ type, text: sql.slice(start, end), value, line: tokLine, col: tokCol, start, end });
  };

  while (i < sql.length) {
    const c = sql[i];
    const tokLine = line;
    const tokCol = i - lineStart;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      advanceTo(i + 1);
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      let j = i + 2;
      while (j < sql.length && sql[j] !== '\n') j++;
      advanceTo(j < sql.length ? j + 1 : j);
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) {
        // ANTLR would lex '/' and '*' separately; treat the rest as unrecognized input.
        push('UNRECOGNIZED', i, i + 1, c, tokLine, tokCol);
        advanceTo(i + 1);
        continue;
      }
      advanceTo(close + 2);
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      let value = '';
      let closed = false;
      while (j < sql.length) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) {
            value += c;
            j += 2;
            continue;
          }
          closed = true;
          break;
        }
        value += sql[j];
        j++;
      }
      if (!closed) {
        // token recognition error at the quote; ANTLR reports it and goes on
        throw new LexError(`token recognition error at: '${sql.slice(i, Math.min(sql.length, i + 1))}'`, tokLine, tokCol);
      }
      const type: TokenType = c === "'" ? 'STRING' : c === '"' ? 'QUOTED' : 'BACKQUOTED';
      push(type, i, j + 1, value, tokLine, tokCol);
      advanceTo(j + 1);
      continue;
    }
    if (c === '$' && sql[i + 1] === '{') {
      const m = /^\$\{([A-Za-z_][A-Za-z0-9_@]*)\}/.exec(sql.slice(i));
      if (m) {
        push('VARIABLE', i, i + m[0].length, m[1], tokLine, tokCol);
        advanceTo(i + m[0].length);
        continue;
      }
    }
    if (isDigit(c) || (c === '.' && isDigit(sql[i + 1] ?? ''))) {
      const rest = sql.slice(i);
      const float = /^(\d+(\.\d*)?|\.\d+)[eE][+-]?\d+/.exec(rest);
      const dec = /^(\d+\.\d*|\.\d+)/.exec(rest);
      const digitIdent = /^\d[A-Za-z0-9_@]+/.exec(rest);
      const int = /^\d+/.exec(rest);
      const candidates: Array<[TokenType, RegExpExecArray | null]> = [
        ['FLOAT', float],
        ['DECIMAL', dec],
        ['INTEGER', int],
        ['DIGIT_IDENT', digitIdent],
      ];
      // longest match wins; on a tie the rule defined first in the grammar wins
      const order: TokenType[] = ['INTEGER', 'DECIMAL', 'FLOAT', 'DIGIT_IDENT'];
      let best: [TokenType, string] | undefined;
      for (const t of order) {
        const m = candidates.find(([tt]) => tt === t)![1];
        if (m && (!best || m[0].length > best[1].length)) best = [t, m[0]];
      }
      const [type, text] = best!;
      push(type, i, i + text.length, type === 'DIGIT_IDENT' ? text.toUpperCase() : text, tokLine, tokCol);
      advanceTo(i + text.length);
      continue;
    }
    if (isLetter(c) || c === '_') {
      let j = i + 1;
      while (j < sql.length && isIdentPart(sql[j])) j++;
      const text = sql.slice(i, j);
      push('IDENT', i, j, text.toUpperCase(), tokLine, tokCol);
      advanceTo(j);
      continue;
    }
    const sym = SYMBOLS.find((s) => sql.startsWith(s, i));
    if (sym) {
      push('SYMBOL', i, i + sym.length, sym, tokLine, tokCol);
      advanceTo(i + sym.length);
      continue;
    }
    push('UNRECOGNIZED', i, i + 1, c, tokLine, tokCol);
    advanceTo(i + 1);
  }
  tokens.push({ type: 'EOF', text: '<EOF>', value: '<EOF>', line, col: i - lineStart, start: i, end: i });
  return tokens;
}
