/**
 * Parse errors as ksqlDB's REST API reports them: the parser's error rewritten like ksqlDB's
 * `SyntaxErrorValidator` ("line 2:1: Syntax Error\nUnknown statement 'SELLECT'\nDid you mean
 * 'SELECT'?"), with the failing line as statementText (`DefaultKsqlParser#parse`).
 */
import { isReservedWord, type KsqlSyntaxError } from '../../../core/ksql';

/** ksqlDB's statement keywords, in `SyntaxErrorValidator`'s order. */
const COMMANDS = [
  'SELECT',
  'CREATE',
  'INSERT',
  'DESCRIBE',
  'PRINT',
  'EXPLAIN',
  'SHOW',
  'LIST',
  'TERMINATE',
  'PAUSE',
  'RESUME',
  'DROP',
  'SET',
  'DEFINE',
  'UNDEFINE',
  'UNSET',
  'ASSERT',
  'ALTER',
];

function levenshtein(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

function mostSimilar(token: string): string {
  let best = '';
  let min = Infinity;
  for (const c of COMMANDS) {
    const dist = levenshtein(c, token.toUpperCase());
    if (dist < min) {
      min = dist;
      best = c;
    }
  }
  return best;
}

function expectations(detail: string, token: string): string {
  const expecting = detail.split('expecting ')[1] ?? '';
  const items = expecting
    .replace(/[{}]/g, '')
    .split(',')
    .map((x) => x.trim().replace(/^'|'$/g, ''))
    .filter((x) => x !== '<EOF>');
  if (items.includes('SELECT') && items.includes('CREATE') && items.includes('DROP')) {
    return `Unknown statement '${token}'\nDid you mean '${mostSimilar(token)}'?`;
  }
  if (detail.includes('EOF')) return "Syntax error at or near \";\"\n'}', ']', or ')' is missing";
  if (expecting.split(',').length <= 3) return `Expecting ${expecting}`;
  return '';
}

/** The message of ksqlDB's ParsingException (unlogged details) for a parser error. */
export function syntaxErrorMessage(e: KsqlSyntaxError): string {
  const token = e.token ?? '';
  // the repository's parser adds its own hints after ". "; ksqlDB rebuilds the message
  const detail = e.detail.replace(/\. (Did you mean|"[^"]*" is a reserved keyword).*$/s, '');
  let body: string;
  if (/^extraneous input .* expecting/.test(detail) && isReservedWord(token)) {
    body = `"${token}" is a reserved keyword and it can't be used as an identifier. You can use it as an identifier by escaping it as '${token}' `;
  } else if (/^(mismatched|extraneous) input .* expecting/.test(detail) || /^missing .* at /.test(detail)) {
    body = /expecting/.test(detail) ? expectations(detail, token) : detail;
  } else if (/^no viable alternative/.test(detail)) {
    body = `Syntax error at or near '${token}' at line ${e.line}:${e.column}`;
  } else {
    body = e.detail;
  }
  return `line ${e.line}:${e.column}: Syntax Error\n${body}`;
}

/** The line of the request that failed to parse (ksqlDB's statementText for parse errors). */
export function failedLine(sql: string, e: KsqlSyntaxError): string {
  return sql.split('\n')[e.line - 1] ?? '';
}
