/**
 * The stand-in's own recursive-descent parser for the subset of ksqlDB's grammar (`SqlBase.g4`)
 * that it serves. It is deliberately independent of the product's parser.
 *
 * Syntax errors are reported like ksqlDB's `SyntaxErrorValidator`: `line L:C: Syntax Error\n<detail>`.
 * The detail text cannot always match ANTLR's (which depends on its prediction machinery); the
 * line:column, the prefix and the common cases (unknown statement, reserved word used as an
 * identifier, missing ';') follow ksqlDB.
 */
import {
  AliasedRelation,
  Duration,
  Expr,
  Ident,
  JoinClause,
  Loc,
  ParsedStatement,
  Props,
  PropValue,
  Query,
  SelectItem,
  Statement,
  TableElement,
  WindowExpr,
  WithinExpr,
} from './ast';
import { isReserved, LexError, Token, tokenize } from './lexer';
import { primitiveByName, SqlType, T } from './sql-types';

/** A syntax error: message `line L:C: Syntax Error\n<detail>`, statementText = the failing source line. */
export class KsqlSyntaxError extends Error {
  constructor(
    readonly line: number,
    readonly col: number,
    readonly detail: string,
  ) {
    super(`line ${line}:${col + 1}: Syntax Error\n${detail}`);
  }
}

/** An error ksqlDB raises while building the AST (`AstBuilder`), surfaced at prepare time. */
export interface DeferredPrepareError {
  readonly message: string;
  /** statementText ksqlDB reports; undefined = the statement's own text. */
  readonly statementText?: string;
  /** true when ksqlDB prefixes the message with "Failed to prepare statement: ". */
  readonly prefixed: boolean;
}

export interface ParsedWithDeferred extends ParsedStatement {
  readonly deferred?: DeferredPrepareError;
}

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

const WINDOW_UNITS = new Set(['DAY', 'HOUR', 'MINUTE', 'SECOND', 'MILLISECOND', 'DAYS', 'HOURS', 'MINUTES', 'SECONDS', 'MILLISECONDS']);

const CMP_OPS = new Set(['=', '<>', '!=', '<', '<=', '>', '>=']);

function levenshtein(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      dp[i][j] = Math.min(dp[i - 1][j] + 1, dp[i][j - 1] + 1, dp[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return dp[a.length][b.length];
}

export function parseStatements(sql: string): ParsedWithDeferred[] {
  let tokens: Token[];
  try {
    tokens = tokenize(sql);
  } catch (e) {
    if (e instanceof LexError) throw new KsqlSyntaxError(e.line, e.col, e.detail);
    throw e;
  }
  return new Parser(sql, tokens).statements();
}

class Parser {
  private pos = 0;
  private deferred: DeferredPrepareError | undefined;

  constructor(
    private readonly sql: string,
    private readonly tokens: Token[],
  ) {}

  statements(): ParsedWithDeferred[] {
    const out: ParsedWithDeferred[] = [];
    while (this.peek().type !== 'EOF') {
      const first = this.peek();
      this.deferred = undefined;
      const statement = this.statement();
      const semi = this.peek();
      if (!this.isSym(';')) {
        if (semi.type === 'EOF') throw new KsqlSyntaxError(semi.line, semi.col, "missing ';' at '<EOF>'");
        this.fail(["';'"]);
      }
      this.pos++;
      out.push({
        statement,
        text: this.sql.slice(first.start, semi.end),
        loc: { line: first.line, col: first.col },
        deferred: this.deferred,
      });
    }
    return out;
  }

  // ---------------------------------------------------------------- token helpers

  private peek(k = 0): Token {
    return this.tokens[Math.min(this.pos + k, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.peek();
    if (t.type !== 'EOF') this.pos++;
    return t;
  }

  private loc(t: Token = this.peek()): Loc {
    return { line: t.line, col: t.col };
  }

  private isKw(word: string, k = 0): boolean {
    const t = this.peek(k);
    return t.type === 'IDENT' && t.value === word;
  }

  private acceptKw(word: string): boolean {
    if (this.isKw(word)) {
      this.pos++;
      return true;
    }
    return false;
  }

  private expectKw(word: string): Token {
    if (!this.isKw(word)) this.fail([`'${word}'`]);
    return this.next();
  }

  private isSym(s: string, k = 0): boolean {
    const t = this.peek(k);
    return t.type === 'SYMBOL' && t.value === s;
  }

  private acceptSym(s: string): boolean {
    if (this.isSym(s)) {
      this.pos++;
      return true;
    }
    return false;
  }

  private expectSym(s: string): Token {
    if (!this.isSym(s)) this.fail([`'${s}'`]);
    return this.next();
  }

  private defer(err: DeferredPrepareError): void {
    if (!this.deferred) this.deferred = err;
  }

  /**
   * Raises a syntax error at the current token. `expected` lists what would have been accepted,
   * in ANTLR's display form; ksqlDB only shows the list when it has at most three entries.
   */
  private fail(expected: string[] = []): never {
    const t = this.peek();
    if (t.type === 'EOF') {
      throw new KsqlSyntaxError(t.line, t.col, `Syntax error at or near ";"\n'}', ']', or ')' is missing`);
    }
    if (t.type === 'IDENT' && isReserved(t.value) && expected.includes('IDENTIFIER') && this.couldBeIdentifier(this.peek(1))) {
      throw new KsqlSyntaxError(
        t.line,
        t.col,
        `"${t.text}" is a reserved keyword and it can't be used as an identifier. You can use it as an identifier by escaping it as '${t.text}' `,
      );
    }
    if (expected.includes('IDENTIFIER')) {
      // ANTLR's expected set at an identifier holds every identifier token and non-reserved
      // keyword; such positions are usually reported as "no viable alternative".
      throw new KsqlSyntaxError(t.line, t.col, `Syntax error at or near '${t.text}' at line ${t.line}:${t.col + 1}`);
    }
    if (expected.length > 0) {
      const shown = expected.length === 1 ? expected[0] : `{${expected.join(', ')}}`;
      throw new KsqlSyntaxError(t.line, t.col, expected.length <= 3 ? `Expecting ${shown}` : '');
    }
    throw new KsqlSyntaxError(t.line, t.col, `Syntax error at or near '${t.text}' at line ${t.line}:${t.col + 1}`);
  }

  private couldBeIdentifier(t: Token): boolean {
    return (t.type === 'IDENT' && !isReserved(t.value)) || t.type === 'QUOTED' || t.type === 'BACKQUOTED' || t.type === 'DIGIT_IDENT';
  }

  private isIdentifierStart(k = 0): boolean {
    const t = this.peek(k);
    return this.couldBeIdentifier(t) || t.type === 'VARIABLE';
  }

  private identifier(): Ident {
    const t = this.peek();
    if (!this.isIdentifierStart()) this.fail(['IDENTIFIER']);
    this.pos++;
    switch (t.type) {
      case 'IDENT':
      case 'DIGIT_IDENT':
        return { text: t.value, quoted: false, loc: this.loc(t) };
      case 'VARIABLE':
        return { text: '${' + t.value + '}', quoted: false, loc: this.loc(t) };
      default:
        return { text: t.value, quoted: true, loc: this.loc(t) };
    }
  }

  /** sourceName: identifier, with ksqlDB's source-name character check (`ParserUtil#getSourceName`). */
  private sourceName(): Ident {
    const id = this.identifier();
    if (!/^[a-zA-Z0-9_-]*$/.test(id.text) && !id.text.startsWith('${')) {
      const base = `Illegal argument at Line: ${id.loc.line}, Col: ${id.loc.col + 1}. Source names may only contain alphanumeric values, '_' or '-'.`;
      this.defer({ message: `${base} Got: '${id.text}'`, statementText: id.text, prefixed: false });
    }
    return id;
  }

  private skipToSemicolon(): void {
    while (!this.isSym(';') && this.peek().type !== 'EOF') this.pos++;
  }

  // ---------------------------------------------------------------- statements

  private statement(): Statement {
    const t = this.peek();
    const word = t.type === 'IDENT' ? t.value : '';
    switch (word) {
      case 'SELECT':
        return { kind: 'query', query: this.query() };
      case 'LIST':
      case 'SHOW':
        return this.listStatement();
      case 'DESCRIBE':
        return this.describeStatement();
      case 'PRINT':
        this.skipToSemicolon();
        return { kind: 'print' };
      case 'TERMINATE': {
        this.next();
        if (this.acceptKw('ALL')) return { kind: 'terminate' };
        const id = this.identifier();
        return { kind: 'terminate', queryId: id.text };
      }
      case 'CREATE':
        return this.createStatement();
      case 'INSERT':
        return this.insertStatement();
      case 'DROP':
        return this.dropStatement();
      case 'EXPLAIN': {
        this.next();
        if (this.startsStatement()) return { kind: 'explain', statement: this.statement() };
        return { kind: 'explain', queryId: this.identifier().text };
      }
      case 'PAUSE':
      case 'RESUME':
      case 'SET':
      case 'UNSET':
      case 'DEFINE':
      case 'UNDEFINE':
      case 'ALTER':
      case 'ASSERT':
        this.skipToSemicolon();
        return { kind: 'unsupported', what: word };
      default: {
        if (t.type === 'EOF') this.fail();
        const target = t.text.toUpperCase();
        let best = '';
        let min = Number.MAX_SAFE_INTEGER;
        for (const c of COMMANDS) {
          const d = levenshtein(c, target);
          if (d < min) {
            min = d;
            best = c;
          }
        }
        throw new KsqlSyntaxError(t.line, t.col, `Unknown statement '${t.text}'\nDid you mean '${best}'?`);
      }
    }
  }

  private startsStatement(): boolean {
    const t = this.peek();
    return t.type === 'IDENT' && COMMANDS.includes(t.value);
  }

  private listStatement(): Statement {
    this.next();
    const t = this.peek();
    const word = t.type === 'IDENT' ? t.value : '';
    switch (word) {
      case 'PROPERTIES':
        this.next();
        return { kind: 'listProperties' };
      case 'STREAMS':
      case 'TABLES': {
        this.next();
        const extended = this.acceptKw('EXTENDED');
        return { kind: 'listSources', type: word === 'STREAMS' ? 'STREAM' : 'TABLE', extended };
      }
      case 'QUERIES': {
        this.next();
        return { kind: 'listQueries', extended: this.acceptKw('EXTENDED') };
      }
      case 'ALL':
      case 'TOPICS':
      case 'FUNCTIONS':
      case 'SOURCE':
      case 'SINK':
      case 'CONNECTORS':
      case 'CONNECTOR':
      case 'TYPES':
      case 'VARIABLES':
        this.skipToSemicolon();
        return { kind: 'unsupported', what: `LIST ${word}` };
      default:
        this.fail();
    }
  }

  private describeStatement(): Statement {
    this.next();
    if (this.isKw('STREAMS')) {
      this.next();
      return { kind: 'describeSources', type: 'STREAM', extended: this.acceptKw('EXTENDED') };
    }
    if (this.isKw('FUNCTION') || this.isKw('CONNECTOR')) {
      const what = this.next().value;
      this.skipToSemicolon();
      return { kind: 'unsupported', what: `DESCRIBE ${what}` };
    }
    const nameTok = this.peek();
    const name = this.sourceName();
    if (nameTok.type === 'IDENT' && name.text === 'TABLES') {
      return { kind: 'describeSources', type: 'TABLE', extended: this.acceptKw('EXTENDED') };
    }
    return { kind: 'describe', name, extended: this.acceptKw('EXTENDED') };
  }

  private createStatement(): Statement {
    this.next();
    let orReplace = false;
    if (this.acceptKw('OR')) {
      this.expectKw('REPLACE');
      orReplace = true;
    }
    let isSource = false;
    if (this.isKw('SOURCE') && !this.isKw('CONNECTOR', 1)) {
      this.next();
      isSource = true;
    }
    const typeTok = this.peek();
    if (!orReplace && !isSource && (this.isKw('SINK') || this.isKw('SOURCE') || this.isKw('TYPE'))) {
      this.skipToSemicolon();
      return { kind: 'unsupported', what: `CREATE ${typeTok.value}` };
    }
    if (!this.isKw('STREAM') && !this.isKw('TABLE')) this.fail(["'STREAM'", "'TABLE'"]);
    const type = this.next().value as 'STREAM' | 'TABLE';
    let ifNotExists = false;
    if (this.acceptKw('IF')) {
      this.expectKw('NOT');
      this.expectKw('EXISTS');
      ifNotExists = true;
    }
    const name = this.sourceName();
    let elements: TableElement[] | undefined;
    if (this.isSym('(')) elements = this.tableElements();
    let props: Props = [];
    if (this.acceptKw('WITH')) props = this.tableProperties();
    if (this.isKw('AS') && !isSource && !elements) {
      this.next();
      const query = this.query();
      return { kind: 'createAs', type, orReplace, ifNotExists, name, props, query };
    }
    return { kind: 'createSource', type, orReplace, isSource, ifNotExists, name, elements, props };
  }

  private insertStatement(): Statement {
    const start = this.next();
    if (!this.isKw('INTO')) this.fail(["'INTO'"]);
    this.next();
    const target = this.sourceName();
    if (this.isSym('(') || this.isKw('VALUES')) {
      this.skipToSemicolon();
      return { kind: 'unsupported', what: 'INSERT VALUES' };
    }
    let props: Props = [];
    if (this.acceptKw('WITH')) props = this.tableProperties();
    if (!this.isKw('SELECT')) this.fail(["'SELECT'"]);
    return { kind: 'insertInto', target, props, query: this.query(), loc: this.loc(start) };
  }

  private dropStatement(): Statement {
    this.next();
    if (this.isKw('CONNECTOR') || this.isKw('TYPE')) {
      const what = this.next().value;
      this.skipToSemicolon();
      return { kind: 'unsupported', what: `DROP ${what}` };
    }
    if (!this.isKw('STREAM') && !this.isKw('TABLE')) this.fail();
    const type = this.next().value as 'STREAM' | 'TABLE';
    let ifExists = false;
    if (this.acceptKw('IF')) {
      this.expectKw('EXISTS');
      ifExists = true;
    }
    const name = this.sourceName();
    let deleteTopic = false;
    if (this.acceptKw('DELETE')) {
      this.expectKw('TOPIC');
      deleteTopic = true;
    }
    return { kind: 'drop', type, ifExists, name, deleteTopic };
  }

  private tableElements(): TableElement[] {
    this.expectSym('(');
    const out: TableElement[] = [];
    do {
      const start = this.peek();
      const name = this.identifier();
      const type = this.type();
      let constraint: TableElement['constraint'];
      if (this.isKw('PRIMARY')) {
        this.next();
        this.expectKw('KEY');
        constraint = 'PRIMARY KEY';
      } else if (this.acceptKw('KEY')) {
        constraint = 'KEY';
      } else if (this.acceptKw('HEADERS')) {
        constraint = 'HEADERS';
      } else if (this.acceptKw('HEADER')) {
        this.expectSym('(');
        const key = this.peek();
        if (key.type !== 'STRING') this.fail(['STRING']);
        this.next();
        this.expectSym(')');
        constraint = { header: key.value };
      }
      out.push({ name, type, constraint, loc: this.loc(start) });
    } while (this.acceptSym(','));
    if (!this.isSym(')')) this.fail(["','", "')'"]);
    this.next();
    return out;
  }

  private tableProperties(): Props {
    this.expectSym('(');
    const out: Array<{ key: string; value: PropValue; loc: Loc }> = [];
    do {
      const kt = this.peek();
      let key: string;
      if (kt.type === 'STRING') {
        this.next();
        key = kt.value;
      } else {
        key = this.identifier().text;
      }
      this.expectSym('=');
      out.push({ key: key.toUpperCase(), value: this.propValue(), loc: this.loc(kt) });
    } while (this.acceptSym(','));
    if (!this.isSym(')')) this.fail(["','", "')'"]);
    this.next();
    return out;
  }

  private propValue(): PropValue {
    const t = this.peek();
    if (t.type === 'STRING') {
      this.next();
      return { kind: 'string', value: t.value };
    }
    if (t.type === 'VARIABLE') {
      this.next();
      return { kind: 'string', value: '${' + t.value + '}' };
    }
    if (this.acceptKw('NULL')) return { kind: 'null' };
    if (this.acceptKw('TRUE')) return { kind: 'bool', value: true };
    if (this.acceptKw('FALSE')) return { kind: 'bool', value: false };
    const neg = this.acceptSym('-');
    const n = this.peek();
    if (n.type === 'INTEGER' || n.type === 'DECIMAL' || n.type === 'FLOAT') {
      this.next();
      return { kind: 'number', value: (neg ? '-' : '') + n.text };
    }
    this.fail();
  }

  // ---------------------------------------------------------------- types

  type(): SqlType {
    let t = this.baseTypeSpec();
    while (this.isKw('ARRAY') && !this.isSym('<', 1)) {
      this.next();
      t = T.array(t);
    }
    return t;
  }

  private baseTypeSpec(): SqlType {
    if (this.isKw('ARRAY') && this.isSym('<', 1)) {
      this.next();
      this.next();
      const item = this.type();
      this.expectSym('>');
      return T.array(item);
    }
    if (this.isKw('MAP') && this.isSym('<', 1)) {
      this.next();
      this.next();
      const key = this.type();
      this.expectSym(',');
      const value = this.type();
      this.expectSym('>');
      return T.map(key, value);
    }
    if (this.isKw('STRUCT') && this.isSym('<', 1)) {
      this.next();
      this.next();
      const fields: Array<{ name: string; type: SqlType }> = [];
      if (!this.isSym('>')) {
        do {
          const name = this.identifier().text;
          fields.push({ name, type: this.type() });
        } while (this.acceptSym(','));
      }
      this.expectSym('>');
      return { base: 'STRUCT', fields };
    }
    if (this.isKw('DECIMAL')) {
      this.next();
      this.expectSym('(');
      const p = this.next();
      if (p.type !== 'INTEGER') this.fail();
      this.expectSym(',');
      const s = this.next();
      if (s.type !== 'INTEGER') this.fail();
      this.expectSym(')');
      return T.decimal(Number(p.text), Number(s.text));
    }
    const id = this.identifier();
    if (this.acceptSym('(')) {
      do this.next();
      while (this.acceptSym(','));
      this.expectSym(')');
    }
    const resolved = primitiveByName(id.text);
    if (!resolved) {
      this.defer({ message: `Cannot resolve unknown type: ${id.text}`, prefixed: true });
      return T.STRING;
    }
    return resolved;
  }

  // ---------------------------------------------------------------- queries

  private query(): Query {
    const start = this.expectKw('SELECT');
    const select: SelectItem[] = [];
    do select.push(this.selectItem());
    while (this.acceptSym(','));
    if (!this.isKw('FROM')) this.fail(["','", "'FROM'"]);
    this.next();
    const from = this.aliasedRelation();
    const joins: JoinClause[] = [];
    for (;;) {
      const jt = this.peek();
      let type: JoinClause['type'] | undefined;
      if (this.isKw('JOIN')) type = 'INNER';
      else if (this.isKw('INNER') && this.isKw('JOIN', 1)) type = 'INNER';
      else if (this.isKw('LEFT')) type = 'LEFT';
      else if (this.isKw('RIGHT')) type = 'RIGHT';
      else if (this.isKw('FULL')) type = 'OUTER';
      if (!type) break;
      if (!this.isKw('JOIN')) {
        this.next();
        if ((type === 'LEFT' || type === 'RIGHT' || type === 'OUTER') && this.isKw('OUTER')) this.next();
      }
      this.expectKw('JOIN');
      const right = this.aliasedRelation();
      let within: WithinExpr | undefined;
      if (this.acceptKw('WITHIN')) within = this.withinExpr();
      this.expectKw('ON');
      const on = this.expression();
      joins.push({ type, right, within, on, loc: this.loc(jt) });
    }
    let window: WindowExpr | undefined;
    if (this.acceptKw('WINDOW')) window = this.windowExpr();
    let where: Expr | undefined;
    if (this.acceptKw('WHERE')) where = this.expression();
    let groupBy: Expr[] | undefined;
    if (this.isKw('GROUP')) {
      this.next();
      this.expectKw('BY');
      groupBy = this.expressionList();
    }
    let partitionBy: Expr[] | undefined;
    if (this.isKw('PARTITION') && this.isKw('BY', 1)) {
      this.next();
      this.next();
      partitionBy = this.expressionList();
    }
    let having: Expr | undefined;
    if (this.acceptKw('HAVING')) having = this.expression();
    let emit: Query['emit'];
    if (this.isKw('EMIT')) {
      this.next();
      if (this.acceptKw('CHANGES')) emit = 'CHANGES';
      else if (this.acceptKw('FINAL')) emit = 'FINAL';
      else this.fail(["'CHANGES'", "'FINAL'"]);
    }
    let limit: number | undefined;
    if (this.acceptKw('LIMIT')) {
      const n = this.next();
      if (n.type !== 'INTEGER') this.fail();
      limit = Number(n.text);
    }
    return { select, from, joins, window, where, groupBy, partitionBy, having, emit, limit, loc: this.loc(start) };
  }

  private expressionList(): Expr[] {
    if (this.isSym('(')) {
      const save = this.pos;
      try {
        this.next();
        const list: Expr[] = [];
        if (!this.isSym(')')) {
          do list.push(this.valueExpression());
          while (this.acceptSym(','));
        }
        this.expectSym(')');
        if (this.isSym(';') || this.isKw('PARTITION') || this.isKw('HAVING') || this.isKw('EMIT') || this.isKw('LIMIT')) {
          return list;
        }
      } catch (e) {
        if (!(e instanceof KsqlSyntaxError)) throw e;
      }
      this.pos = save;
    }
    const list: Expr[] = [];
    do list.push(this.valueExpression());
    while (this.acceptSym(','));
    return list;
  }

  private isClauseStart(k = 0): boolean {
    const t = this.peek(k);
    if (t.type !== 'IDENT') return false;
    if (t.value === 'EMIT') return this.isKw('CHANGES', k + 1) || this.isKw('FINAL', k + 1);
    if (t.value === 'PARTITION') return this.isKw('BY', k + 1);
    return false;
  }

  private aliasedRelation(): AliasedRelation {
    const name = this.sourceName();
    let alias: Ident | undefined;
    if (this.acceptKw('AS')) alias = this.sourceName();
    else if (this.isIdentifierStart() && !this.isClauseStart()) alias = this.sourceName();
    return { name, alias };
  }

  private duration(): Duration {
    const n = this.next();
    if (n.type !== 'INTEGER') this.fail();
    const u = this.peek();
    if (u.type !== 'IDENT' || !WINDOW_UNITS.has(u.value)) this.fail();
    this.next();
    return { value: Number(n.text), unit: u.value };
  }

  private gracePeriod(): Duration | undefined {
    if (!this.isKw('GRACE')) return undefined;
    this.next();
    this.expectKw('PERIOD');
    return this.duration();
  }

  private withinExpr(): WithinExpr {
    if (this.acceptSym('(')) {
      const before = this.duration();
      this.expectSym(',');
      const after = this.duration();
      this.expectSym(')');
      return { before, after, twoSided: true, grace: this.gracePeriod() };
    }
    const d = this.duration();
    return { before: d, after: d, twoSided: false, grace: this.gracePeriod() };
  }

  private windowExpr(): WindowExpr {
    const start = this.peek();
    if (this.peek().type === 'IDENT' && !['TUMBLING', 'HOPPING', 'SESSION'].includes(this.peek().value)) this.next();
    const kind = this.peek();
    if (!this.isKw('TUMBLING') && !this.isKw('HOPPING') && !this.isKw('SESSION')) {
      this.fail(["'TUMBLING'", "'HOPPING'", "'SESSION'"]);
    }
    this.next();
    this.expectSym('(');
    let size: Duration;
    let advance: Duration | undefined;
    if (kind.value === 'SESSION') {
      size = this.duration();
    } else {
      this.expectKw('SIZE');
      size = this.duration();
      if (kind.value === 'HOPPING') {
        this.expectSym(',');
        this.expectKw('ADVANCE');
        this.expectKw('BY');
        advance = this.duration();
      }
    }
    let retention: Duration | undefined;
    let grace: Duration | undefined;
    while (this.acceptSym(',')) {
      if (this.acceptKw('RETENTION')) retention = this.duration();
      else if (this.isKw('GRACE')) grace = this.gracePeriod();
      else this.fail(["'RETENTION'", "'GRACE'"]);
    }
    this.expectSym(')');
    return { loc: this.loc(start), type: kind.value as WindowExpr['type'], size, advance, retention, grace };
  }

  private selectItem(): SelectItem {
    const start = this.peek();
    if (this.acceptSym('*')) return { kind: 'all', loc: this.loc(start) };
    if (this.isIdentifierStart() && this.isSym('.', 1) && this.isSym('*', 2)) {
      const qualifier = this.identifier();
      this.next();
      this.next();
      return { kind: 'all', qualifier, loc: this.loc(start) };
    }
    const expr = this.expression();
    if (this.isSym('->') && this.isSym('*', 1)) {
      this.next();
      this.next();
      return { kind: 'structAll', base: expr, loc: this.loc(start) };
    }
    let alias: Ident | undefined;
    if (this.acceptKw('AS')) alias = this.identifier();
    else if (this.isIdentifierStart() && !this.isClauseStart()) alias = this.identifier();
    return { kind: 'single', expr, alias, loc: this.loc(start) };
  }

  // ---------------------------------------------------------------- expressions

  expression(): Expr {
    return this.orExpr();
  }

  private orExpr(): Expr {
    let left = this.andExpr();
    while (this.isKw('OR')) {
      const t = this.next();
      left = { k: 'logic', op: 'OR', left, right: this.andExpr(), loc: this.loc(t) };
    }
    return left;
  }

  private andExpr(): Expr {
    let left = this.notExpr();
    while (this.isKw('AND')) {
      const t = this.next();
      left = { k: 'logic', op: 'AND', left, right: this.notExpr(), loc: this.loc(t) };
    }
    return left;
  }

  private notExpr(): Expr {
    if (this.isKw('NOT')) {
      const t = this.next();
      return { k: 'not', expr: this.notExpr(), loc: this.loc(t) };
    }
    return this.predicated();
  }

  private predicated(): Expr {
    const value = this.valueExpression();
    const t = this.peek();
    if (t.type === 'SYMBOL' && CMP_OPS.has(t.value)) {
      this.next();
      return { k: 'cmp', op: t.value === '!=' ? '<>' : t.value, left: value, right: this.valueExpression(), loc: value.loc };
    }
    const not = this.isKw('NOT') && (this.isKw('BETWEEN', 1) || this.isKw('IN', 1) || this.isKw('LIKE', 1));
    if (not) this.next();
    if (this.acceptKw('BETWEEN')) {
      const lo = this.valueExpression();
      this.expectKw('AND');
      const hi = this.valueExpression();
      return { k: 'between', expr: value, lo, hi, not, loc: value.loc };
    }
    if (this.acceptKw('IN')) {
      this.expectSym('(');
      const list: Expr[] = [];
      do list.push(this.expression());
      while (this.acceptSym(','));
      this.expectSym(')');
      return { k: 'in', expr: value, list, not, loc: value.loc };
    }
    if (this.acceptKw('LIKE')) {
      const pattern = this.valueExpression();
      let escape: string | undefined;
      if (this.acceptKw('ESCAPE')) {
        const s = this.next();
        if (s.type !== 'STRING') this.fail(['STRING']);
        escape = s.value;
      }
      return { k: 'like', expr: value, pattern, escape, not, loc: value.loc };
    }
    if (this.acceptKw('IS')) {
      const isNot = this.acceptKw('NOT');
      if (this.acceptKw('NULL')) return { k: 'isnull', expr: value, not: isNot, loc: value.loc };
      this.expectKw('DISTINCT');
      this.expectKw('FROM');
      return { k: 'distinct', left: value, right: this.valueExpression(), not: isNot, loc: value.loc };
    }
    return value;
  }

  private valueExpression(): Expr {
    let left = this.additive();
    while (this.isSym('||')) {
      this.next();
      left = { k: 'concat', left, right: this.additive(), loc: left.loc };
    }
    return left;
  }

  private additive(): Expr {
    let left = this.multiplicative();
    while (this.isSym('+') || this.isSym('-')) {
      const op = this.next().value as '+' | '-';
      left = { k: 'arith', op, left, right: this.multiplicative(), loc: left.loc };
    }
    return left;
  }

  private multiplicative(): Expr {
    let left = this.unary();
    while (this.isSym('*') || this.isSym('/') || this.isSym('%')) {
      const op = this.next().value as '*' | '/' | '%';
      left = { k: 'arith', op, left, right: this.unary(), loc: left.loc };
    }
    return left;
  }

  private unary(): Expr {
    if (this.isSym('-') || this.isSym('+')) {
      const t = this.next();
      const inner = this.unary();
      if (
        inner.k === 'lit' &&
        t.value === '-' &&
        (inner.lt === 'int' || inner.lt === 'long' || inner.lt === 'decimal' || inner.lt === 'double')
      ) {
        return { ...inner, value: '-' + inner.value, loc: this.loc(t) };
      }
      return { k: 'neg', op: t.value as '+' | '-', expr: inner, loc: this.loc(t) };
    }
    let e = this.postfix();
    if (this.isKw('AT') && this.isKw('TIME', 1) && this.isKw('ZONE', 2)) {
      this.next();
      this.next();
      this.next();
      const z = this.next();
      if (z.type !== 'STRING') this.fail(['STRING']);
      e = { k: 'tz', expr: e, zone: z.value, loc: e.loc };
    }
    return e;
  }

  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.isSym('[')) {
        this.next();
        const index = this.valueExpression();
        this.expectSym(']');
        e = { k: 'subscript', base: e, index, loc: e.loc };
      } else if (this.isSym('->') && !this.isSym('*', 1)) {
        this.next();
        e = { k: 'deref', base: e, field: this.identifier(), loc: e.loc };
      } else {
        return e;
      }
    }
  }

  private primary(): Expr {
    const t = this.peek();
    const loc = this.loc(t);
    switch (t.type) {
      case 'STRING':
        this.next();
        return { k: 'lit', lt: 'string', value: t.value, loc };
      case 'INTEGER': {
        this.next();
        const n = Number(t.text);
        return { k: 'lit', lt: n > 2147483647 ? 'long' : 'int', value: t.text, loc };
      }
      case 'DECIMAL':
        this.next();
        return { k: 'lit', lt: 'decimal', value: t.text, loc };
      case 'FLOAT':
        this.next();
        return { k: 'lit', lt: 'double', value: t.text, loc };
      case 'VARIABLE':
        this.next();
        return { k: 'lit', lt: 'string', value: '${' + t.value + '}', loc };
      case 'SYMBOL':
        if (t.value === '(') {
          this.next();
          const e = this.expression();
          this.expectSym(')');
          return e;
        }
        this.fail();
      // eslint-disable-next-line no-fallthrough -- deliberate
      case 'IDENT': {
        switch (t.value) {
          case 'NULL':
            this.next();
            return { k: 'lit', lt: 'null', loc };
          case 'TRUE':
          case 'FALSE':
            this.next();
            return { k: 'lit', lt: 'bool', value: t.value === 'TRUE', loc };
          case 'CASE':
            return this.caseExpr();
          case 'CAST': {
            this.next();
            this.expectSym('(');
            const expr = this.expression();
            this.expectKw('AS');
            const type = this.type();
            this.expectSym(')');
            return { k: 'cast', expr, type, loc };
          }
          case 'ARRAY':
            if (this.isSym('[', 1)) {
              this.next();
              this.next();
              const items: Expr[] = [];
              if (!this.isSym(']')) {
                do items.push(this.expression());
                while (this.acceptSym(','));
              }
              this.expectSym(']');
              return { k: 'array', items, loc };
            }
            break;
          case 'MAP':
            if (this.isSym('(', 1)) {
              this.next();
              this.next();
              const entries: Array<{ key: Expr; value: Expr }> = [];
              if (!this.isSym(')')) {
                do {
                  const key = this.expression();
                  this.expectSym(':=');
                  entries.push({ key, value: this.expression() });
                } while (this.acceptSym(','));
              }
              this.expectSym(')');
              return { k: 'map', entries, loc };
            }
            break;
          case 'STRUCT':
            if (this.isSym('(', 1)) {
              this.next();
              this.next();
              const fields: Array<{ name: Ident; value: Expr }> = [];
              if (!this.isSym(')')) {
                do {
                  const name = this.identifier();
                  this.expectSym(':=');
                  fields.push({ name, value: this.expression() });
                } while (this.acceptSym(','));
              }
              this.expectSym(')');
              return { k: 'struct', fields, loc };
            }
            break;
          default:
            break;
        }
        break;
      }
      default:
        break;
    }
    if (!this.isIdentifierStart()) this.fail();
    const id = this.identifier();
    if (this.peek().type === 'STRING' && !id.quoted) {
      const s = this.next();
      return { k: 'typed', typeName: id.text, value: s.value, loc };
    }
    if (this.isSym('(')) return this.functionCall(id);
    if (this.isSym('.') && this.isIdentifierStart(1)) {
      this.next();
      const name = this.identifier();
      return { k: 'col', qualifier: id, name, loc };
    }
    return { k: 'col', name: id, loc };
  }

  private functionCall(name: Ident): Expr {
    this.expectSym('(');
    if (this.isSym('*') && this.isSym(')', 1)) {
      this.next();
      this.next();
      return { k: 'func', name, args: [], star: true, loc: name.loc };
    }
    const args: Expr[] = [];
    if (!this.isSym(')')) {
      do {
        const lambda = this.tryLambda();
        if (lambda) {
          args.push(lambda);
          continue;
        }
        const t = this.peek();
        if (t.type === 'IDENT' && WINDOW_UNITS.has(t.value) && isReserved(t.value) && (this.isSym(',', 1) || this.isSym(')', 1))) {
          this.next();
          args.push({ k: 'unit', unit: t.value, loc: this.loc(t) });
          continue;
        }
        args.push(this.expression());
      } while (this.acceptSym(','));
    }
    if (!this.isSym(')')) this.fail(["','", "')'"]);
    this.next();
    return { k: 'func', name, args, star: false, loc: name.loc };
  }

  private tryLambda(): Expr | undefined {
    const start = this.peek();
    if (this.isIdentifierStart() && this.isSym('=>', 1)) {
      const p = this.identifier();
      this.next();
      return { k: 'lambda', params: [p], body: this.expression(), loc: this.loc(start) };
    }
    if (this.isSym('(')) {
      let k = 1;
      while (this.isIdentifierStart(k) && (this.isSym(',', k + 1) || this.isSym(')', k + 1))) {
        if (this.isSym(')', k + 1)) {
          if (!this.isSym('=>', k + 2)) return undefined;
          this.next();
          const params: Ident[] = [];
          do params.push(this.identifier());
          while (this.acceptSym(','));
          this.expectSym(')');
          this.expectSym('=>');
          return { k: 'lambda', params, body: this.expression(), loc: this.loc(start) };
        }
        k += 2;
      }
    }
    return undefined;
  }

  private caseExpr(): Expr {
    const start = this.next();
    let operand: Expr | undefined;
    if (!this.isKw('WHEN')) operand = this.valueExpression();
    const whens: Array<{ when: Expr; then: Expr }> = [];
    while (this.acceptKw('WHEN')) {
      const when = this.expression();
      this.expectKw('THEN');
      whens.push({ when, then: this.expression() });
    }
    if (whens.length === 0) this.fail(["'WHEN'"]);
    let elseExpr: Expr | undefined;
    if (this.acceptKw('ELSE')) elseExpr = this.expression();
    this.expectKw('END');
    return { k: 'case', operand, whens, else: elseExpr, loc: this.loc(start) };
  }
}
