/**
 * Hand-written recursive-descent parser for the ksqlDB statements streamform manages, following
 * the rules of ksqlDB's `SqlBase.g4` (see ast.ts for the tree). Errors are KsqlSyntaxError with
 * ANTLR-like messages: `line 1:15: mismatched input 'FOO' expecting {'STREAM', 'TABLE'}`.
 */
import type {
  ColumnDef,
  CreateAsSelect,
  CreateSource,
  DataType,
  Duration,
  Expr,
  Join,
  JoinType,
  ListTarget,
  Literal,
  Loc,
  Properties,
  PropertyValue,
  Query,
  Relation,
  SelectItem,
  Statement,
  StructField,
  TimeUnit,
  WindowSpec,
  Within,
} from './ast';
import { ColumnAliasGenerator, outputNameFor, PSEUDO_COLUMNS } from './aliases';
import { isReservedWord, KsqlSyntaxError, tokenize, type Token } from './lexer';
import { formatType, primitiveType } from './types';
import { queryExpressions, walkExpr } from './walk';

/** Options for parsing. */
export interface ParseOptions {
  /** Type names registered with CREATE TYPE; any other non-primitive type name is an error. */
  readonly customTypes?: readonly string[];
}

/**
 * Parses `;`-separated statements. Every statement must end with `;` except that the last one
 * may omit it (the provider appends it when sending). Empty text gives `[]`.
 */
export function parseStatements(text: string, options: ParseOptions = {}): Statement[] {
  return new Parser(text, options).statements();
}

/** Parses exactly one statement (a trailing `;` is optional). */
export function parseStatement(text: string, options: ParseOptions = {}): Statement {
  const statements = parseStatements(text, options);
  if (statements.length !== 1) {
    const at = statements[1]?.loc ?? { line: 1, column: 1, offset: 0 };
    throw new KsqlSyntaxError(`Expected exactly one KSQL statement; found ${statements.length} instead`, at);
  }
  return statements[0];
}

/** Parses one expression, e.g. a filter condition. */
export function parseExpression(text: string): Expr {
  return new Parser(text, {}).standalone((p) => p.expression());
}

/** Parses a type such as `DECIMAL(10, 2)` or `ARRAY<STRUCT<A INT>>`. */
export function parseType(text: string, options: ParseOptions = {}): DataType {
  return new Parser(text, options).standalone((p) => p.type());
}

const STATEMENT_KEYWORDS = 'SELECT CREATE INSERT DESCRIBE PRINT EXPLAIN SHOW LIST TERMINATE PAUSE RESUME DROP SET UNSET'.split(' ');

const UNITS: readonly TimeUnit[] = ['DAYS', 'HOURS', 'MINUTES', 'SECONDS', 'MILLISECONDS'];
/** DAY and DAYS, HOUR and HOURS, ... all name the same unit. */
const TIME_UNITS: Readonly<Record<string, TimeUnit>> = Object.fromEntries(
  UNITS.flatMap((u) => [
    [u.slice(0, -1), u],
    [u, u],
  ]),
);
const UNIT_MILLIS: Readonly<Record<TimeUnit, number>> = {
  MILLISECONDS: 1,
  SECONDS: 1000,
  MINUTES: 60_000,
  HOURS: 3_600_000,
  DAYS: 86_400_000,
};
/** Units that are reserved words, so a function argument made of one is a unit, not a column. */
const RESERVED_UNITS = new Set(['MILLISECOND', 'DAYS', 'HOURS', 'MINUTES', 'SECONDS', 'MILLISECONDS']);

/** Symbols that close a construct: only these are candidates for ANTLR's "missing X at Y". */
const CLOSING_SYMBOLS = new Set([')', ']', '>']);
const COMPARISONS = new Set(['=', '<>', '!=', '<', '<=', '>', '>=']);
const HEADERS_TYPE = 'ARRAY<STRUCT<`KEY` STRING, `VALUE` BYTES>>';
const VALID_SOURCE_NAME = /^[a-zA-Z0-9_-]*$/;
const INT_MAX = 2147483647n;
const LONG_MAX = 9223372036854775807n;

const isIdentifierToken = (t: Token): boolean =>
  (t.kind === 'word' && !isReservedWord(t.value)) || t.kind === 'quoted' || t.kind === 'digitWord';

class Parser {
  private readonly tokens: Token[];
  private pos = 0;
  /** Furthest token index where a match was attempted, and what was expected there. */
  private errPos = -1;
  private expected: string[] = [];
  /** The closing symbol an `expectSym` failed to find at `errPos` (for ANTLR's "missing X at Y"). */
  private missingSym: string | undefined;

  constructor(
    private readonly text: string,
    private readonly options: ParseOptions,
    tokens?: Token[],
    /** A re-parse that checks a single-token insertion: no further recovery attempts. */
    private readonly probing = false,
  ) {
    this.tokens = tokens ?? tokenize(text);
  }

  // -------------------------------------------------------------------------------------------
  // Entry points

  statements(): Statement[] {
    const out: Statement[] = [];
    while (!this.atEof()) {
      out.push(this.statement());
      if (!this.acceptSym(';')) {
        this.note('<EOF>');
        if (!this.atEof()) this.fail();
      }
    }
    return out;
  }

  standalone<T>(parse: (p: Parser) => T): T {
    const result = parse(this);
    this.note('<EOF>');
    if (!this.atEof()) this.fail();
    return result;
  }

  // -------------------------------------------------------------------------------------------
  // Token helpers

  private get tok(): Token {
    return this.tokens[this.pos];
  }

  private la(n: number): Token {
    return this.tokens[Math.min(this.pos + n, this.tokens.length - 1)];
  }

  private atEof(): boolean {
    return this.tok.kind === 'eof';
  }

  private note(expectation: string): void {
    if (this.pos > this.errPos) {
      this.errPos = this.pos;
      this.expected = [];
    }
    if (this.pos === this.errPos && !this.expected.includes(expectation)) this.expected.push(expectation);
  }

  private isKw(kw: string, t: Token = this.tok): boolean {
    return t.kind === 'word' && t.value === kw;
  }

  private isSym(sym: string, t: Token = this.tok): boolean {
    return t.kind === 'symbol' && t.value === sym;
  }

  private peekKw(kw: string): boolean {
    this.note(`'${kw}'`);
    return this.isKw(kw);
  }

  private acceptKw(kw: string): boolean {
    if (!this.peekKw(kw)) return false;
    this.pos++;
    return true;
  }

  private expectKw(kw: string): Token {
    if (!this.peekKw(kw)) this.fail();
    return this.tokens[this.pos++];
  }

  private acceptSym(sym: string): boolean {
    this.note(`'${sym}'`);
    if (!this.isSym(sym)) return false;
    this.pos++;
    return true;
  }

  private expectSym(sym: string): Token {
    if (!this.acceptSym(sym)) {
      if (this.pos === this.errPos && CLOSING_SYMBOLS.has(sym)) this.missingSym = sym;
      this.fail();
    }
    return this.tokens[this.pos - 1];
  }

  private peekIdentifier(): boolean {
    this.note('IDENTIFIER');
    return isIdentifierToken(this.tok);
  }

  /** An identifier's normalized text: unquoted → upper case, quoted → as written. */
  private identifier(): string {
    if (this.tok.kind === 'variable') this.variableError();
    if (!this.peekIdentifier()) this.fail();
    return this.tokens[this.pos++].value;
  }

  private sourceName(): string {
    const t = this.tok;
    const name = this.identifier();
    if (!VALID_SOURCE_NAME.test(name)) {
      throw new KsqlSyntaxError(
        `Illegal argument at ${this.where(t)}. Source names may only contain alphanumeric values, '_' or '-'. Got: '${name}'`,
        t,
        t.text,
      );
    }
    return name;
  }

  private string(): string {
    this.note('STRING');
    if (this.tok.kind !== 'string') this.fail();
    return this.tokens[this.pos++].value;
  }

  private integer(): number {
    const negative = this.isSym('-') && this.la(1).kind === 'integer';
    if (negative) this.pos++;
    this.note('INTEGER_VALUE');
    if (this.tok.kind !== 'integer') this.fail();
    const value = Number(this.tokens[this.pos++].text);
    return negative ? -value : value;
  }

  private loc(start: Token): Loc {
    const last = this.tokens[Math.max(this.pos - 1, 0)];
    return { line: start.line, column: start.column, offset: start.offset, end: Math.max(last.end, start.offset) };
  }

  private where(t: Token): string {
    return `line ${t.line}:${t.column}`;
  }

  private variableError(): never {
    throw new KsqlSyntaxError(
      `variable ${this.tok.text} is not supported here; substitute variables before parsing`,
      this.tok,
      this.tok.text,
    );
  }

  /**
   * ANTLR's single-token insertion: when a closing symbol is missing and the statement parses past
   * the offending token once that symbol is inserted before it, ksqlDB reports
   * `missing ')' at ','` instead of a mismatch.
   */
  private insertionRecovers(index: number): boolean {
    const sym = this.missingSym;
    const t = this.tokens[index];
    if (this.probing || sym === undefined || t.kind === 'eof' || index !== this.errPos) return false;
    const inserted: Token = { kind: 'symbol', text: sym, value: sym, offset: t.offset, end: t.offset, line: t.line, column: t.column };
    const tokens = [...this.tokens.slice(0, index), inserted, ...this.tokens.slice(index)];
    try {
      new Parser(this.text, this.options, tokens, true).statements();
      return true;
    } catch (e) {
      return e instanceof KsqlSyntaxError && e.offset > t.offset;
    }
  }

  /** Throws the syntax error for the furthest point the parser reached. */
  private fail(): never {
    const index = this.errPos >= 0 ? this.errPos : this.pos;
    const t = this.tokens[index];
    const expected = this.expected;
    const list = expected.length === 1 ? expected[0] : `{${expected.join(', ')}}`;
    const shown = t.kind === 'eof' ? "'<EOF>'" : `'${t.text.replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
    const next = this.tokens[Math.min(index + 1, this.tokens.length - 1)];
    const extraneous = t.kind !== 'eof' && expected.some((e) => matchesExpectation(next, e));
    if (!extraneous && this.insertionRecovers(index)) {
      throw new KsqlSyntaxError(`missing '${this.missingSym}' at ${shown}`, t, t.kind === 'eof' ? '<EOF>' : t.text, expected);
    }
    let detail = `${extraneous ? 'extraneous' : 'mismatched'} input ${shown} expecting ${list}`;
    if (t.kind === 'word' && isReservedWord(t.value) && expected.includes('IDENTIFIER')) {
      detail +=
        `. "${t.text}" is a reserved keyword and it can't be used as an identifier.` +
        ` You can use it as an identifier by escaping it as \`${t.text}\``;
    } else if (expected.includes("'SELECT'") && expected.includes("'CREATE'")) {
      const guess = t.kind === 'word' ? closestKeyword(t.value, STATEMENT_KEYWORDS) : undefined;
      if (guess) detail += `. Did you mean '${guess}'?`;
    }
    throw new KsqlSyntaxError(detail, t, t.kind === 'eof' ? '<EOF>' : t.text, expected);
  }

  // -------------------------------------------------------------------------------------------
  // Statements

  private statement(): Statement {
    const start = this.tok;
    const body = this.statementBody();
    const loc = this.loc(start);
    return { ...body, loc, text: this.text.slice(loc.offset, loc.end) } as Statement;
  }

  private statementBody(): DistributiveOmit<Statement, 'loc' | 'text'> {
    const t = this.tok;
    if (this.isKw('SELECT')) return { kind: 'query', query: this.query() };
    if (this.isKw('CREATE')) return this.create();
    if (this.isKw('INSERT')) return this.insert();
    if (this.isKw('DROP')) return this.drop();
    if (this.isKw('TERMINATE') || this.isKw('PAUSE') || this.isKw('RESUME')) {
      this.pos++;
      const kind = t.value.toLowerCase() as 'terminate' | 'pause' | 'resume';
      if (this.acceptKw('ALL')) return { kind, all: true };
      return { kind, all: false, queryId: this.identifier() };
    }
    if (this.isKw('LIST') || this.isKw('SHOW')) return this.list();
    if (this.isKw('DESCRIBE')) return this.describe();
    if (this.isKw('PRINT')) return this.print();
    if (this.isKw('SET')) {
      this.pos++;
      const property = this.string();
      this.expectSym('=');
      return { kind: 'setProperty', property, value: this.string() };
    }
    if (this.isKw('UNSET')) {
      this.pos++;
      return { kind: 'unsetProperty', property: this.string() };
    }
    if (this.isKw('EXPLAIN')) {
      this.pos++;
      const next = this.la(1);
      if (isIdentifierToken(this.tok) && (this.isSym(';', next) || next.kind === 'eof')) {
        return { kind: 'explain', queryId: this.identifier() };
      }
      return { kind: 'explain', statement: this.statement() };
    }
    for (const kw of STATEMENT_KEYWORDS) this.note(`'${kw}'`);
    return this.fail();
  }

  private create(): DistributiveOmit<Statement, 'loc' | 'text'> {
    this.expectKw('CREATE');
    const orReplace = this.acceptKw('OR') ? (this.expectKw('REPLACE'), true) : false;
    const isSource = this.acceptKw('SOURCE');
    const isSink = !isSource && !orReplace && this.acceptKw('SINK');
    if ((isSource || isSink) && !orReplace && this.acceptKw('CONNECTOR')) {
      const ifNotExists = this.ifNotExists();
      const name = this.identifier();
      this.expectKw('WITH');
      const properties = this.properties(false);
      return { kind: 'createConnector', connectorType: isSource ? 'SOURCE' : 'SINK', name, ifNotExists, properties };
    }
    if (isSink) this.fail();
    const isStream = this.acceptKw('STREAM');
    if (!isStream) this.expectKw('TABLE');
    const ifNotExists = this.ifNotExists();
    const name = this.sourceName();
    const columns = this.isSym('(') ? this.columnDefs(isStream) : undefined;
    if (!columns) this.note("'('");
    const properties = this.acceptKw('WITH') ? this.properties(true) : {};
    if (!columns && !isSource && this.acceptKw('AS')) {
      const query = this.query();
      if (query.limit !== undefined) {
        throw new KsqlSyntaxError(
          `CREATE ${isStream ? 'STREAM' : 'TABLE'} AS SELECT statements don't support LIMIT clause.`,
          query.loc,
          'LIMIT',
        );
      }
      const csas: DistributiveOmit<CreateAsSelect, 'loc' | 'text'> = {
        kind: isStream ? 'createStreamAs' : 'createTableAs',
        name,
        orReplace,
        isSource: false,
        ifNotExists,
        properties,
        query,
      };
      return csas;
    }
    const create: DistributiveOmit<CreateSource, 'loc' | 'text'> = {
      kind: isStream ? 'createStream' : 'createTable',
      name,
      orReplace,
      isSource,
      ifNotExists,
      columns: columns ?? [],
      properties,
    };
    return create;
  }

  private ifNotExists(): boolean {
    if (!this.acceptKw('IF')) return false;
    this.expectKw('NOT');
    this.expectKw('EXISTS');
    return true;
  }

  private ifExists(): boolean {
    if (!this.acceptKw('IF')) return false;
    this.expectKw('EXISTS');
    return true;
  }

  private insert(): DistributiveOmit<Statement, 'loc' | 'text'> {
    this.expectKw('INSERT');
    this.expectKw('INTO');
    const name = this.sourceName();
    if (this.isSym('(') || this.isKw('VALUES')) {
      const columns: string[] = [];
      if (this.acceptSym('(')) {
        do columns.push(this.identifier());
        while (this.acceptSym(','));
        this.expectSym(')');
      }
      this.expectKw('VALUES');
      this.expectSym('(');
      const values: Expr[] = [];
      if (!this.isSym(')')) {
        do values.push(this.valueExpression());
        while (this.acceptSym(','));
      }
      this.expectSym(')');
      return { kind: 'insertValues', name, columns, values };
    }
    this.note("'('");
    this.note("'VALUES'");
    const properties = this.acceptKw('WITH') ? this.properties(true) : {};
    return { kind: 'insertInto', name, properties, query: this.query() };
  }

  private drop(): DistributiveOmit<Statement, 'loc' | 'text'> {
    this.expectKw('DROP');
    if (this.acceptKw('CONNECTOR')) {
      const ifExists = this.ifExists();
      return { kind: 'dropConnector', ifExists, name: this.identifier() };
    }
    const isStream = this.acceptKw('STREAM');
    if (!isStream) this.expectKw('TABLE');
    const ifExists = this.ifExists();
    const name = this.sourceName();
    const deleteTopic = this.acceptKw('DELETE') ? (this.expectKw('TOPIC'), true) : false;
    return { kind: isStream ? 'dropStream' : 'dropTable', name, ifExists, deleteTopic };
  }

  private list(): DistributiveOmit<Statement, 'loc' | 'text'> {
    this.pos++; // LIST | SHOW
    const simple = (target: ListTarget, extendable: boolean, all = false, scope?: 'SOURCE' | 'SINK') => {
      const extended = extendable && this.acceptKw('EXTENDED');
      return { kind: 'list' as const, target, extended, all, ...(scope ? { scope } : {}) };
    };
    if (this.acceptKw('PROPERTIES')) return simple('PROPERTIES', false);
    if (this.acceptKw('ALL')) {
      this.expectKw('TOPICS');
      return simple('TOPICS', true, true);
    }
    for (const target of ['TOPICS', 'STREAMS', 'TABLES', 'QUERIES'] as const) {
      if (this.acceptKw(target)) return simple(target, true);
    }
    for (const target of ['FUNCTIONS', 'TYPES', 'VARIABLES'] as const) {
      if (this.acceptKw(target)) return simple(target, false);
    }
    if (this.acceptKw('CONNECTOR')) {
      this.expectKw('PLUGINS');
      return simple('CONNECTOR PLUGINS', false);
    }
    const scope = this.acceptKw('SOURCE') ? 'SOURCE' : this.acceptKw('SINK') ? 'SINK' : undefined;
    this.expectKw('CONNECTORS');
    return simple('CONNECTORS', false, false, scope);
  }

  private describe(): DistributiveOmit<Statement, 'loc' | 'text'> {
    this.expectKw('DESCRIBE');
    if (this.acceptKw('STREAMS')) return { kind: 'describe', target: 'streams', extended: this.acceptKw('EXTENDED') };
    if (this.acceptKw('CONNECTOR')) return { kind: 'describe', target: 'connector', name: this.identifier(), extended: false };
    if (this.isKw('FUNCTION') && isIdentifierToken(this.la(1))) {
      this.pos++;
      return { kind: 'describe', target: 'function', name: this.identifier(), extended: false };
    }
    const tablesWord = this.isKw('TABLES');
    const name = this.sourceName();
    const extended = this.acceptKw('EXTENDED');
    return tablesWord ? { kind: 'describe', target: 'tables', extended } : { kind: 'describe', target: 'source', name, extended };
  }

  private print(): DistributiveOmit<Statement, 'loc' | 'text'> {
    this.expectKw('PRINT');
    let topic: string;
    if (this.tok.kind === 'string') topic = this.string();
    else {
      const t = this.tok;
      this.identifier();
      topic = t.kind === 'word' || t.kind === 'digitWord' ? t.text : t.value;
    }
    const fromBeginning = this.acceptKw('FROM') ? (this.expectKw('BEGINNING'), true) : false;
    const interval = this.acceptKw('INTERVAL') || this.acceptKw('SAMPLE') ? this.integer() : undefined;
    const limit = this.acceptKw('LIMIT') ? this.integer() : undefined;
    return {
      kind: 'print',
      topic,
      fromBeginning,
      ...(interval !== undefined ? { interval } : {}),
      ...(limit !== undefined ? { limit } : {}),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Columns, types, properties

  private columnDefs(isStream: boolean): ColumnDef[] {
    this.expectSym('(');
    const columns: ColumnDef[] = [];
    do columns.push(this.columnDef(isStream));
    while (this.acceptSym(','));
    this.expectSym(')');
    return columns;
  }

  private columnDef(isStream: boolean): ColumnDef {
    const start = this.tok;
    const name = this.identifier();
    const typeStart = this.tok;
    const dataType = this.type();
    const type = formatType(dataType);
    let key = false;
    let primaryKey = false;
    let headers = false;
    let headerKey: string | undefined;
    if (this.acceptKw('PRIMARY')) {
      this.expectKw('KEY');
      key = primaryKey = true;
    } else if (this.acceptKw('KEY')) {
      key = true;
    } else if (this.acceptKw('HEADERS')) {
      headers = true;
      if (type !== HEADERS_TYPE) {
        throw new KsqlSyntaxError(`Invalid type for HEADERS column: expected ${HEADERS_TYPE}, got ${type}`, typeStart, typeStart.text);
      }
    } else if (this.acceptKw('HEADER')) {
      this.expectSym('(');
      headerKey = this.string().trim();
      this.expectSym(')');
      headers = true;
      if (type !== 'BYTES') {
        throw new KsqlSyntaxError(`Invalid type for HEADER('${headerKey}') column: expected BYTES, got ${type}`, typeStart, typeStart.text);
      }
    }
    if (primaryKey && isStream) {
      throw new KsqlSyntaxError(
        `Column ${name} is a 'PRIMARY KEY' column: please use 'KEY' for streams.\n` +
          'Tables have PRIMARY KEYs, which are unique and NON NULL.\n' +
          'Streams have KEYs, which have no uniqueness or NON NULL constraints.',
        start,
        start.text,
      );
    }
    if (key && !primaryKey && !isStream) {
      throw new KsqlSyntaxError(
        `Column ${name} is a 'KEY' column: please use 'PRIMARY KEY' for tables.\n` +
          'Tables have PRIMARY KEYs, which are unique and NON NULL.\n' +
          'Streams have KEYs, which have no uniqueness or NON NULL constraints.',
        start,
        start.text,
      );
    }
    return {
      loc: this.loc(start),
      name,
      type,
      dataType,
      key,
      primaryKey,
      headers,
      ...(headerKey !== undefined ? { headerKey } : {}),
    };
  }

  /** type: ARRAY<T> | MAP<K, V> | STRUCT<...> | DECIMAL(p, s) | base type, each optionally followed by ARRAY. */
  type(): DataType {
    let t = this.typeTerm();
    while (this.isKw('ARRAY') && !this.isSym('<', this.la(1))) {
      this.pos++;
      t = { kind: 'array', item: t };
    }
    return t;
  }

  private typeTerm(): DataType {
    if (this.isKw('ARRAY') && this.isSym('<', this.la(1))) {
      this.pos += 2;
      const item = this.type();
      this.expectSym('>');
      return { kind: 'array', item };
    }
    if (this.isKw('MAP') && this.isSym('<', this.la(1))) {
      this.pos += 2;
      const key = this.type();
      this.expectSym(',');
      const value = this.type();
      this.expectSym('>');
      return { kind: 'map', key, value };
    }
    if (this.isKw('STRUCT') && this.isSym('<', this.la(1))) {
      this.pos += 2;
      const fields: StructField[] = [];
      if (!this.isSym('>')) {
        do fields.push({ name: this.identifier(), type: this.type() });
        while (this.acceptSym(','));
      }
      this.expectSym('>');
      return { kind: 'struct', fields };
    }
    if (this.acceptKw('DECIMAL')) {
      this.expectSym('(');
      const precision = this.integer();
      this.expectSym(',');
      const scale = this.integer();
      this.expectSym(')');
      return { kind: 'decimal', precision, scale };
    }
    const start = this.tok;
    this.note("'ARRAY'");
    this.note("'MAP'");
    this.note("'STRUCT'");
    const name = this.identifier();
    if (this.acceptSym('(')) {
      // `baseType(typeParameter, ...)` is in the grammar; ksqlDB ignores the parameters.
      do {
        if (this.tok.kind === 'integer' || this.isKw('STRING')) this.pos++;
        else {
          this.note('INTEGER_VALUE');
          this.fail();
        }
      } while (this.acceptSym(','));
      this.expectSym(')');
    }
    const primitive = primitiveType(name);
    if (primitive) return { kind: 'primitive', name: primitive };
    const custom = (this.options.customTypes ?? []).find((c) => c.toUpperCase() === name.toUpperCase());
    if (custom !== undefined) return { kind: 'custom', name };
    throw new KsqlSyntaxError(`Cannot resolve unknown type: ${name}`, start, start.text);
  }

  /** WITH (...); keys upper-cased when `upperCaseKeys` (not for connector configs). */
  private properties(upperCaseKeys: boolean): Properties {
    this.expectSym('(');
    const props: Record<string, PropertyValue> = {};
    do {
      const keyTok = this.tok;
      const raw = keyTok.kind === 'string' ? this.string() : this.identifier();
      const key = upperCaseKeys ? raw.toUpperCase() : raw;
      if (Object.prototype.hasOwnProperty.call(props, key)) {
        throw new KsqlSyntaxError(`Duplicate property ${key}`, keyTok, keyTok.text);
      }
      this.expectSym('=');
      props[key] = this.propertyValue();
    } while (this.acceptSym(','));
    this.expectSym(')');
    return props;
  }

  private propertyValue(): PropertyValue {
    const lit = this.literal();
    if (!lit) {
      this.note('STRING');
      this.note('INTEGER_VALUE');
      this.note("'TRUE'");
      this.note("'FALSE'");
      this.note("'NULL'");
      return this.fail();
    }
    if (lit.type === 'DECIMAL' || lit.type === 'BIGINT') return Number(lit.value);
    return lit.value;
  }

  // -------------------------------------------------------------------------------------------
  // Queries

  private query(): Query {
    const start = this.expectKw('SELECT');
    const select: SelectItem[] = [];
    do select.push(this.selectItem());
    while (this.acceptSym(','));
    this.expectKw('FROM');
    const from = this.relation();
    const joins: Join[] = [];
    for (let type = this.joinType(); type; type = this.joinType()) joins.push(this.join(type));
    const window = this.acceptKw('WINDOW') ? this.window() : undefined;
    const where = this.acceptKw('WHERE') ? this.expression() : undefined;
    const groupBy = this.acceptKw('GROUP') ? (this.expectKw('BY'), this.expressionList()) : undefined;
    const partitionBy = this.acceptKw('PARTITION') ? (this.expectKw('BY'), this.expressionList()) : undefined;
    const having = this.acceptKw('HAVING') ? this.expression() : undefined;
    let emit: 'CHANGES' | 'FINAL' | undefined;
    if (this.acceptKw('EMIT')) {
      if (this.acceptKw('CHANGES')) emit = 'CHANGES';
      else {
        this.expectKw('FINAL');
        emit = 'FINAL';
      }
    }
    const limit = this.acceptKw('LIMIT') ? this.integer() : undefined;
    const query: Query = {
      loc: this.loc(start),
      select: this.nameOutputs(select, joins.length > 0),
      from,
      joins,
      ...(window ? { window } : {}),
      ...(where ? { where } : {}),
      ...(groupBy ? { groupBy } : {}),
      ...(partitionBy ? { partitionBy } : {}),
      ...(having ? { having } : {}),
      ...(emit ? { emit } : {}),
      ...(limit !== undefined ? { limit } : {}),
    };
    checkQualifiers(query);
    return query;
  }

  /** Output names without source schemas: only pseudo columns are known to clash in joins. */
  private nameOutputs(items: SelectItem[], isJoin: boolean): SelectItem[] {
    const generator = new ColumnAliasGenerator([]);
    const clashes = (column: string): boolean => isJoin && PSEUDO_COLUMNS.has(column);
    return items.map((item) =>
      item.kind === 'expression' ? { ...item, outputName: outputNameFor(item.expression, item.alias, generator, clashes) } : item,
    );
  }

  private selectItem(): SelectItem {
    const start = this.tok;
    if (this.isSym('*')) {
      this.pos++;
      return { kind: 'all', loc: this.loc(start) };
    }
    if (isIdentifierToken(this.tok) && this.isSym('.', this.la(1)) && this.isSym('*', this.la(2))) {
      const source = this.identifier();
      this.pos += 2;
      return { kind: 'all', loc: this.loc(start), source };
    }
    const expression = this.expression();
    if (this.isSym('->') && this.isSym('*', this.la(1)) && isPrimary(expression)) {
      this.pos += 2;
      return { kind: 'structAll', loc: this.loc(start), base: expression };
    }
    let alias: string | undefined;
    if (this.acceptKw('AS')) alias = this.identifier();
    else if (this.peekIdentifier()) alias = this.identifier();
    return {
      kind: 'expression',
      loc: this.loc(start),
      expression,
      ...(alias !== undefined ? { alias } : {}),
      outputName: '',
    };
  }

  private relation(): Relation {
    const start = this.tok;
    const name = this.sourceName();
    let alias: string | undefined;
    if (this.acceptKw('AS')) alias = this.sourceName();
    else if (this.peekIdentifier() && !this.startsClause()) alias = this.sourceName();
    return { loc: this.loc(start), name, alias: alias ?? name, aliased: alias !== undefined };
  }

  /** True at non-reserved words that start a clause after a relation (EMIT CHANGES, PARTITION BY). */
  private startsClause(): boolean {
    const next = this.la(1);
    return (
      (this.isKw('EMIT') && (this.isKw('CHANGES', next) || this.isKw('FINAL', next))) || (this.isKw('PARTITION') && this.isKw('BY', next))
    );
  }

  private joinType(): JoinType | undefined {
    if (this.acceptKw('JOIN')) return 'INNER';
    if (this.acceptKw('INNER')) return (this.expectKw('JOIN'), 'INNER');
    for (const [kw, type] of [
      ['LEFT', 'LEFT'],
      ['RIGHT', 'RIGHT'],
      ['FULL', 'FULL'],
    ] as const) {
      if (this.acceptKw(kw)) {
        this.acceptKw('OUTER');
        this.expectKw('JOIN');
        return type;
      }
    }
    return undefined;
  }

  private join(type: JoinType): Join {
    const start = this.tokens[this.pos - 1];
    const source = this.relation();
    let within: Within | undefined;
    if (this.acceptKw('WITHIN')) {
      if (this.acceptSym('(')) {
        const before = this.duration();
        this.expectSym(',');
        const after = this.duration();
        this.expectSym(')');
        within = { before, after };
      } else {
        const size = this.duration();
        within = { before: size, after: size };
      }
      const grace = this.gracePeriod();
      if (grace) within = { ...within, grace };
    }
    this.expectKw('ON');
    const on = this.expression();
    return { loc: this.loc(start), type, source, ...(within ? { within } : {}), on };
  }

  private gracePeriod(): Duration | undefined {
    if (!this.acceptKw('GRACE')) return undefined;
    this.expectKw('PERIOD');
    return this.duration();
  }

  private duration(): Duration {
    const value = this.integer();
    const unit = this.timeUnit();
    return { value, unit, millis: value * UNIT_MILLIS[unit] };
  }

  private timeUnit(): TimeUnit {
    const unit = this.tok.kind === 'word' ? TIME_UNITS[this.tok.value] : undefined;
    if (unit) {
      this.pos++;
      return unit;
    }
    for (const u of Object.keys(TIME_UNITS)) this.note(`'${u}'`);
    return this.fail();
  }

  private window(): WindowSpec {
    // `WINDOW [name] TUMBLING|HOPPING|SESSION (...)`; the optional name is a plain IDENTIFIER.
    if (this.tok.kind === 'word' && !isReservedWord(this.tok.value) && !this.isKw('SESSION')) this.pos++;
    const start = this.tok;
    let spec: Omit<WindowSpec, 'loc' | 'retention' | 'grace'>;
    if (this.acceptKw('TUMBLING')) {
      this.expectSym('(');
      this.expectKw('SIZE');
      spec = { type: 'TUMBLING', size: this.duration() };
    } else if (this.acceptKw('HOPPING')) {
      this.expectSym('(');
      this.expectKw('SIZE');
      const size = this.duration();
      this.expectSym(',');
      this.expectKw('ADVANCE');
      this.expectKw('BY');
      spec = { type: 'HOPPING', size, advance: this.duration() };
    } else {
      this.expectKw('SESSION');
      this.expectSym('(');
      spec = { type: 'SESSION', size: this.duration() };
    }
    let retention: Duration | undefined;
    let grace: Duration | undefined;
    if (this.acceptSym(',')) {
      if (this.acceptKw('RETENTION')) {
        retention = this.duration();
        if (this.acceptSym(',')) grace = this.gracePeriodRequired();
      } else grace = this.gracePeriodRequired();
    }
    this.expectSym(')');
    return {
      loc: this.loc(start),
      ...spec,
      ...(retention ? { retention } : {}),
      ...(grace ? { grace } : {}),
    };
  }

  private gracePeriodRequired(): Duration {
    const grace = this.gracePeriod();
    return grace ?? this.fail();
  }

  /** GROUP BY / PARTITION BY list: `a, b` or `(a, b)` or `()`. */
  private expressionList(): Expr[] {
    if (this.isSym('(')) {
      const save = this.pos;
      const list = this.attempt(() => {
        this.pos++;
        const items: Expr[] = [];
        if (!this.isSym(')')) {
          do items.push(this.valueExpression());
          while (this.acceptSym(','));
        }
        this.expectSym(')');
        return items;
      });
      if (list && list.length !== 1) return list;
      this.pos = save; // `(a)` or `(a IS NULL)`: a parenthesized expression, possibly followed by more
    }
    const list = [this.valueExpression()];
    while (this.acceptSym(',')) list.push(this.valueExpression());
    return list;
  }

  /** Runs `parse`, returning undefined (and leaving the position to the caller) if it fails. */
  private attempt<T>(parse: () => T): T | undefined {
    try {
      return parse();
    } catch (err) {
      if (err instanceof KsqlSyntaxError) return undefined;
      throw err;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Expressions: OR < AND < NOT < predicate < || < + - < * / % < unary < postfix

  expression(): Expr {
    const start = this.tok;
    let left = this.andExpression();
    while (this.isKw('OR')) {
      this.pos++;
      const right = this.andExpression();
      left = { kind: 'logical', loc: this.loc(start), op: 'OR', left, right };
    }
    return left;
  }

  private andExpression(): Expr {
    const start = this.tok;
    let left = this.notExpression();
    while (this.isKw('AND')) {
      this.pos++;
      const right = this.notExpression();
      left = { kind: 'logical', loc: this.loc(start), op: 'AND', left, right };
    }
    return left;
  }

  private notExpression(): Expr {
    const start = this.tok;
    if (this.isKw('NOT')) {
      this.pos++;
      const operand = this.notExpression();
      return { kind: 'not', loc: this.loc(start), operand };
    }
    return this.predicated();
  }

  private predicated(): Expr {
    const start = this.tok;
    const value = this.valueExpression();
    const t = this.tok;
    if (t.kind === 'symbol' && COMPARISONS.has(t.value)) {
      this.pos++;
      const right = this.valueExpression();
      const op = t.value === '!=' ? '<>' : (t.value as '=' | '<>' | '<' | '<=' | '>' | '>=');
      return { kind: 'comparison', loc: this.loc(start), op, left: value, right };
    }
    if (this.isKw('IS')) {
      this.pos++;
      const negated = this.acceptKw('NOT');
      if (this.acceptKw('NULL')) return { kind: 'isNull', loc: this.loc(start), operand: value, negated };
      this.expectKw('DISTINCT');
      this.expectKw('FROM');
      const right = this.valueExpression();
      const cmp: Expr = { kind: 'comparison', loc: this.loc(start), op: 'IS DISTINCT FROM', left: value, right };
      return negated ? { kind: 'not', loc: this.loc(start), operand: cmp } : cmp;
    }
    const negated = this.isKw('NOT') && ['BETWEEN', 'IN', 'LIKE'].some((k) => this.isKw(k, this.la(1)));
    if (negated) this.pos++;
    let result: Expr | undefined;
    if (this.isKw('BETWEEN')) {
      this.pos++;
      const low = this.valueExpression();
      this.expectKw('AND');
      const high = this.valueExpression();
      result = { kind: 'between', loc: this.loc(start), value, low, high };
    } else if (this.isKw('IN')) {
      this.pos++;
      this.expectSym('(');
      const list: Expr[] = [];
      do list.push(this.expression());
      while (this.acceptSym(','));
      this.expectSym(')');
      result = { kind: 'in', loc: this.loc(start), value, list };
    } else if (this.isKw('LIKE')) {
      this.pos++;
      const pattern = this.valueExpression();
      const escape = this.acceptKw('ESCAPE') ? this.string() : undefined;
      result = { kind: 'like', loc: this.loc(start), value, pattern, ...(escape !== undefined ? { escape } : {}) };
    }
    if (!result) return value;
    return negated ? { kind: 'not', loc: this.loc(start), operand: result } : result;
  }

  /** valueExpression of the grammar: arithmetic and `||` without comparisons. */
  valueExpression(): Expr {
    const start = this.tok;
    let left = this.additive();
    while (this.isSym('||')) {
      this.pos++;
      const right = this.additive();
      left = { kind: 'call', loc: this.loc(start), name: 'CONCAT', args: [left, right], star: false };
    }
    return left;
  }

  private additive(): Expr {
    const start = this.tok;
    let left = this.multiplicative();
    while (this.isSym('+') || this.isSym('-')) {
      const op = this.tokens[this.pos++].value as '+' | '-';
      const right = this.multiplicative();
      left = { kind: 'arithmetic', loc: this.loc(start), op, left, right };
    }
    return left;
  }

  private multiplicative(): Expr {
    const start = this.tok;
    let left = this.unary();
    while (this.isSym('*') || this.isSym('/') || this.isSym('%')) {
      const op = this.tokens[this.pos++].value as '*' | '/' | '%';
      const right = this.unary();
      left = { kind: 'arithmetic', loc: this.loc(start), op, left, right };
    }
    return left;
  }

  private unary(): Expr {
    const start = this.tok;
    if (this.isSym('-') || this.isSym('+')) {
      const numeric = ['integer', 'decimal', 'float'].includes(this.la(1).kind);
      if (this.isSym('-') && numeric) return this.postfix(this.literal() as Literal, start);
      this.pos++;
      const operand = this.unary();
      return { kind: 'unary', loc: this.loc(start), op: start.value as '-' | '+', operand };
    }
    return this.postfix(this.primary(), start);
  }

  private postfix(base: Expr, start: Token): Expr {
    let expr = base;
    for (;;) {
      if (this.isSym('[')) {
        this.pos++;
        const index = this.valueExpression();
        this.expectSym(']');
        expr = { kind: 'subscript', loc: this.loc(start), base: expr, index };
      } else if (this.isSym('->') && !this.isSym('*', this.la(1))) {
        this.pos++;
        const field = this.identifier();
        expr = { kind: 'dereference', loc: this.loc(start), base: expr, field };
      } else return expr;
    }
  }

  /** NULL, numbers (with optional leading minus), booleans, strings; undefined if none here. */
  private literal(): Literal | undefined {
    const start = this.tok;
    const negative = this.isSym('-') && ['integer', 'decimal', 'float'].includes(this.la(1).kind);
    const t = negative ? this.la(1) : start;
    const sign = negative ? '-' : '';
    const make = (type: Literal['type'], value: Literal['value'], text: string, width = 1): Literal => {
      this.pos += width + (negative ? 1 : 0);
      return { kind: 'literal', loc: this.loc(start), type, value, text };
    };
    switch (t.kind) {
      case 'string':
        return make('STRING', t.value, `'${t.value.split("'").join("''")}'`);
      case 'integer': {
        const n = BigInt(sign + t.text);
        if (n > LONG_MAX || n < -LONG_MAX - 1n) throw new KsqlSyntaxError(`Invalid numeric literal: ${sign}${t.text}`, start, t.text);
        const big = n > INT_MAX || n < -INT_MAX - 1n;
        return make(big ? 'BIGINT' : 'INTEGER', Number(n), n.toString());
      }
      case 'decimal': {
        const [intPart, frac] = t.text.split('.');
        const text = `${sign}${intPart.replace(/^0+(?=\d)/, '') || '0'}.${frac}`;
        return make('DECIMAL', text, text);
      }
      case 'float': {
        const value = Number(sign + t.text);
        if (!Number.isFinite(value)) throw new KsqlSyntaxError(`Number overflows DOUBLE: ${sign}${t.text}`, start, t.text);
        return make('DOUBLE', value, (sign + t.text).toUpperCase());
      }
      case 'word':
        if (negative) return undefined;
        if (t.value === 'TRUE' || t.value === 'FALSE') return make('BOOLEAN', t.value === 'TRUE', t.value);
        if (t.value === 'NULL') return make('NULL', null, 'NULL');
        return undefined;
      case 'variable':
        return this.variableError();
      default:
        return undefined;
    }
  }

  private primary(): Expr {
    const start = this.tok;
    const lit = this.literal();
    if (lit) return lit;
    if (this.isKw('CASE')) return this.caseExpression();
    if (this.isKw('CAST')) {
      this.pos++;
      this.expectSym('(');
      const expr = this.expression();
      this.expectKw('AS');
      const type = this.type();
      this.expectSym(')');
      return { kind: 'cast', loc: this.loc(start), expr, type };
    }
    if (this.isKw('ARRAY') && this.isSym('[', this.la(1))) {
      this.pos += 2;
      const items: Expr[] = [];
      if (!this.isSym(']')) {
        do items.push(this.expression());
        while (this.acceptSym(','));
      }
      this.expectSym(']');
      return { kind: 'array', loc: this.loc(start), items };
    }
    if (this.isKw('MAP') && this.isSym('(', this.la(1))) {
      this.pos += 2;
      const entries: { key: Expr; value: Expr }[] = [];
      if (!this.isSym(')')) {
        do {
          const key = this.expression();
          this.expectSym(':=');
          entries.push({ key, value: this.expression() });
        } while (this.acceptSym(','));
      }
      this.expectSym(')');
      return { kind: 'map', loc: this.loc(start), entries };
    }
    if (this.isKw('STRUCT') && this.isSym('(', this.la(1))) {
      this.pos += 2;
      const fields: { name: string; value: Expr }[] = [];
      if (!this.isSym(')')) {
        do {
          const name = this.identifier();
          this.expectSym(':=');
          fields.push({ name, value: this.expression() });
        } while (this.acceptSym(','));
      }
      this.expectSym(')');
      return { kind: 'struct', loc: this.loc(start), fields };
    }
    if (this.isSym('(')) {
      this.pos++;
      const inner = this.expression();
      this.expectSym(')');
      return inner;
    }
    if (isIdentifierToken(this.tok)) {
      const name = this.identifier();
      if (this.isSym('(')) return this.functionCall(name, start);
      if (this.isSym('.', this.tok) && isIdentifierToken(this.la(1))) {
        this.pos++;
        const column = this.identifier();
        return { kind: 'column', loc: this.loc(start), name: column, source: name };
      }
      return { kind: 'column', loc: this.loc(start), name };
    }
    this.note('<expression>');
    return this.fail();
  }

  private caseExpression(): Expr {
    const start = this.expectKw('CASE');
    const operand = this.isKw('WHEN') ? undefined : this.valueExpression();
    const whens: { when: Expr; then: Expr }[] = [];
    do {
      this.expectKw('WHEN');
      const when = this.expression();
      this.expectKw('THEN');
      whens.push({ when, then: this.expression() });
    } while (this.isKw('WHEN'));
    this.note("'WHEN'");
    const otherwise = this.acceptKw('ELSE') ? this.expression() : undefined;
    this.expectKw('END');
    return {
      kind: 'case',
      loc: this.loc(start),
      whens,
      ...(operand ? { operand } : {}),
      ...(otherwise ? { else: otherwise } : {}),
    };
  }

  private functionCall(name: string, start: Token): Expr {
    this.expectSym('(');
    if (this.isSym('*') && this.isSym(')', this.la(1))) {
      this.pos += 2;
      return { kind: 'call', loc: this.loc(start), name, args: [], star: true };
    }
    const args: Expr[] = [];
    if (!this.isSym(')')) {
      if (this.isKw('DISTINCT')) {
        throw new KsqlSyntaxError(
          `DISTINCT is not supported inside function calls in ksqlDB; use COUNT_DISTINCT(...) instead of ${name}(DISTINCT ...)`,
          this.tok,
          this.tok.text,
        );
      }
      args.push(this.functionArgument());
      let lambdas = false;
      while (this.acceptSym(',')) {
        if (this.isLambdaStart()) {
          lambdas = true;
          args.push(this.lambda());
        } else if (lambdas) {
          this.note('<lambda>');
          this.fail();
        } else args.push(this.functionArgument());
      }
    }
    this.expectSym(')');
    return { kind: 'call', loc: this.loc(start), name, args, star: false };
  }

  private functionArgument(): Expr {
    const t = this.tok;
    if (t.kind === 'word' && RESERVED_UNITS.has(t.value) && (this.isSym(',', this.la(1)) || this.isSym(')', this.la(1)))) {
      this.pos++;
      return { kind: 'intervalUnit', loc: this.loc(t), unit: TIME_UNITS[t.value] };
    }
    return this.expression();
  }

  private isLambdaStart(): boolean {
    if (isIdentifierToken(this.tok)) return this.isSym('=>', this.la(1));
    if (!this.isSym('(')) return false;
    let k = 1;
    for (;;) {
      if (!isIdentifierToken(this.la(k))) return false;
      k++;
      if (this.isSym(',', this.la(k))) k++;
      else return this.isSym(')', this.la(k)) && this.isSym('=>', this.la(k + 1));
    }
  }

  private lambda(): Expr {
    const start = this.tok;
    const params: string[] = [];
    if (this.acceptSym('(')) {
      do params.push(this.identifier());
      while (this.acceptSym(','));
      this.expectSym(')');
    } else params.push(this.identifier());
    this.expectSym('=>');
    const body = this.expression();
    return { kind: 'lambda', loc: this.loc(start), params, body };
  }
}

/** Omit that distributes over a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** True for expressions the grammar's primaryExpression produces (allowed before `->*`). */
function isPrimary(e: Expr): boolean {
  return ['literal', 'column', 'dereference', 'subscript', 'call', 'cast', 'case', 'array', 'map', 'struct'].includes(e.kind);
}

/** ksqlDB rejects `X.COL` when X is neither a source name nor an alias of the statement. */
function checkQualifiers(query: Query): void {
  const known = new Set<string>();
  for (const r of [query.from, ...query.joins.map((j) => j.source)]) {
    known.add(r.name);
    known.add(r.alias);
  }
  const check = (name: string, loc: Loc): void => {
    if (!known.has(name)) throw new KsqlSyntaxError(`'${name}' is not a valid stream/table name or alias.`, loc, name);
  };
  for (const item of query.select) if (item.kind === 'all' && item.source !== undefined) check(item.source, item.loc);
  for (const e of queryExpressions(query)) {
    walkExpr(e, (x) => {
      if (x.kind === 'column' && x.source !== undefined) check(x.source, x.loc);
    });
  }
}

function matchesExpectation(t: Token, e: string): boolean {
  if (e === '<EOF>') return t.kind === 'eof';
  if (e === 'IDENTIFIER') return isIdentifierToken(t);
  if (e === 'STRING') return t.kind === 'string';
  if (e === 'INTEGER_VALUE') return t.kind === 'integer';
  if (e === '<expression>') {
    return (
      isIdentifierToken(t) ||
      ['string', 'integer', 'decimal', 'float'].includes(t.kind) ||
      (t.kind === 'symbol' && ['(', '-', '+'].includes(t.value)) ||
      (t.kind === 'word' && ['NOT', 'CASE', 'CAST', 'TRUE', 'FALSE', 'NULL'].includes(t.value))
    );
  }
  const literal = e.slice(1, -1);
  return (t.kind === 'word' || t.kind === 'symbol') && t.value === literal;
}

function closestKeyword(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = levenshtein(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
