/**
 * Typed syntax tree of the ksqlDB statements streamform understands.
 *
 * Names are normalized the way ksqlDB does it (`ParserUtil#getIdentifierText`): unquoted
 * identifiers are upper-cased, back-quoted and double-quoted ones keep their case. Every node
 * carries `loc`, the source position of its first token.
 */

/** Source position: 1-based line and column of the first character, 0-based offsets (end exclusive). */
export interface Loc {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
  readonly end: number;
}

// ---------------------------------------------------------------------------------------------
// Types

export type PrimitiveTypeName = 'BOOLEAN' | 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'STRING' | 'TIMESTAMP' | 'DATE' | 'TIME' | 'BYTES';

export interface StructField {
  readonly name: string;
  readonly type: DataType;
}

/** A SQL type; `custom` is a name registered with CREATE TYPE. */
export type DataType =
  | { readonly kind: 'primitive'; readonly name: PrimitiveTypeName }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'array'; readonly item: DataType }
  | { readonly kind: 'map'; readonly key: DataType; readonly value: DataType }
  | { readonly kind: 'struct'; readonly fields: readonly StructField[] }
  | { readonly kind: 'custom'; readonly name: string };

// ---------------------------------------------------------------------------------------------
// Expressions

type LiteralType = 'STRING' | 'INTEGER' | 'BIGINT' | 'DECIMAL' | 'DOUBLE' | 'BOOLEAN' | 'NULL';

export interface Literal {
  readonly kind: 'literal';
  readonly loc: Loc;
  readonly type: LiteralType;
  /** DECIMAL values are kept as their exact text; BIGINT beyond 2^53 loses precision here, not in `text`. */
  readonly value: string | number | boolean | null;
  /** Normalized literal text, as the formatter prints it (`'it''s'`, `12`, `1.50`, `1E3`, `TRUE`). */
  readonly text: string;
}

/** `COL` or `SOURCE.COL`; `source` is the qualifier (a source name or alias). */
interface ColumnRef {
  readonly kind: 'column';
  readonly loc: Loc;
  readonly name: string;
  readonly source?: string;
}

/** Struct field access `base->field`. */
interface Dereference {
  readonly kind: 'dereference';
  readonly loc: Loc;
  readonly base: Expr;
  readonly field: string;
}

export interface Subscript {
  readonly kind: 'subscript';
  readonly loc: Loc;
  readonly base: Expr;
  readonly index: Expr;
}

/** Function call; `star` is `COUNT(*)` (ksqlDB treats it as a call without arguments). */
export interface FunctionCall {
  readonly kind: 'call';
  readonly loc: Loc;
  readonly name: string;
  readonly args: readonly Expr[];
  readonly star: boolean;
}

/** `x => body` or `(x, y) => body`, only allowed as trailing function arguments. */
export interface Lambda {
  readonly kind: 'lambda';
  readonly loc: Loc;
  readonly params: readonly string[];
  readonly body: Expr;
}

/** A time unit passed as a function argument, e.g. `TIMESTAMPADD(SECONDS, 5, ts)`. */
interface IntervalUnit {
  readonly kind: 'intervalUnit';
  readonly loc: Loc;
  readonly unit: TimeUnit;
}

export interface Cast {
  readonly kind: 'cast';
  readonly loc: Loc;
  readonly expr: Expr;
  readonly type: DataType;
}

interface WhenClause {
  readonly when: Expr;
  readonly then: Expr;
}

/** `CASE [operand] WHEN .. THEN .. [ELSE ..] END`. */
export interface Case {
  readonly kind: 'case';
  readonly loc: Loc;
  readonly operand?: Expr;
  readonly whens: readonly WhenClause[];
  readonly else?: Expr;
}

/** Arithmetic; `+` is also string concatenation. `a || b` is parsed as `CONCAT(a, b)` like ksqlDB. */
export interface Arithmetic {
  readonly kind: 'arithmetic';
  readonly loc: Loc;
  readonly op: '+' | '-' | '*' | '/' | '%';
  readonly left: Expr;
  readonly right: Expr;
}

interface Unary {
  readonly kind: 'unary';
  readonly loc: Loc;
  readonly op: '-' | '+';
  readonly operand: Expr;
}

/** Comparison; `!=` is normalized to `<>`. */
export interface Comparison {
  readonly kind: 'comparison';
  readonly loc: Loc;
  readonly op: '=' | '<>' | '<' | '<=' | '>' | '>=' | 'IS DISTINCT FROM';
  readonly left: Expr;
  readonly right: Expr;
}

export interface Logical {
  readonly kind: 'logical';
  readonly loc: Loc;
  readonly op: 'AND' | 'OR';
  readonly left: Expr;
  readonly right: Expr;
}

/** `NOT x`; also how `NOT BETWEEN`, `NOT IN`, `NOT LIKE`, `IS NOT DISTINCT FROM` are represented. */
export interface Not {
  readonly kind: 'not';
  readonly loc: Loc;
  readonly operand: Expr;
}

interface IsNull {
  readonly kind: 'isNull';
  readonly loc: Loc;
  readonly operand: Expr;
  readonly negated: boolean;
}

export interface Like {
  readonly kind: 'like';
  readonly loc: Loc;
  readonly value: Expr;
  readonly pattern: Expr;
  readonly escape?: string;
}

interface InList {
  readonly kind: 'in';
  readonly loc: Loc;
  readonly value: Expr;
  readonly list: readonly Expr[];
}

interface Between {
  readonly kind: 'between';
  readonly loc: Loc;
  readonly value: Expr;
  readonly low: Expr;
  readonly high: Expr;
}

interface ArrayConstructor {
  readonly kind: 'array';
  readonly loc: Loc;
  readonly items: readonly Expr[];
}

interface MapConstructor {
  readonly kind: 'map';
  readonly loc: Loc;
  readonly entries: readonly { readonly key: Expr; readonly value: Expr }[];
}

interface StructConstructor {
  readonly kind: 'struct';
  readonly loc: Loc;
  readonly fields: readonly { readonly name: string; readonly value: Expr }[];
}

export type Expr =
  | Literal
  | ColumnRef
  | Dereference
  | Subscript
  | FunctionCall
  | Lambda
  | IntervalUnit
  | Cast
  | Case
  | Arithmetic
  | Unary
  | Comparison
  | Logical
  | Not
  | IsNull
  | Like
  | InList
  | Between
  | ArrayConstructor
  | MapConstructor
  | StructConstructor;

// ---------------------------------------------------------------------------------------------
// Queries

export type TimeUnit = 'MILLISECONDS' | 'SECONDS' | 'MINUTES' | 'HOURS' | 'DAYS';

/** A duration as written (`1 MINUTE` and `1 MINUTES` both give unit MINUTES) plus milliseconds. */
export interface Duration {
  readonly value: number;
  readonly unit: TimeUnit;
  readonly millis: number;
}

/** `WINDOW TUMBLING|HOPPING|SESSION (...)`; for SESSION, `size` is the inactivity gap. */
export interface WindowSpec {
  readonly loc: Loc;
  readonly type: 'TUMBLING' | 'HOPPING' | 'SESSION';
  readonly size: Duration;
  readonly advance?: Duration;
  readonly retention?: Duration;
  readonly grace?: Duration;
}

/** A source in FROM or JOIN; `alias` defaults to the source name, as in ksqlDB. */
export interface Relation {
  readonly loc: Loc;
  readonly name: string;
  readonly alias: string;
  /** True when the statement gave an explicit alias. */
  readonly aliased: boolean;
}

export type JoinType = 'INNER' | 'LEFT' | 'RIGHT' | 'FULL';

/** `WITHIN n unit` (before = after) or `WITHIN (before, after)`, with optional grace period. */
export interface Within {
  readonly before: Duration;
  readonly after: Duration;
  readonly grace?: Duration;
}

export interface Join {
  readonly loc: Loc;
  readonly type: JoinType;
  readonly source: Relation;
  readonly within?: Within;
  readonly on: Expr;
}

/**
 * One SELECT item. For expressions `outputName` is the column name ksqlDB gives the result:
 * the alias, else the column name for a column reference, the field name for `a->b`, else
 * `KSQL_COL_n` (n counts generated names only). Without source schemas this cannot see name
 * clashes; `outputColumns` in analyze.ts applies them.
 */
export type SelectItem =
  | {
      readonly kind: 'expression';
      readonly loc: Loc;
      readonly expression: Expr;
      readonly alias?: string;
      readonly outputName: string;
    }
  | { readonly kind: 'all'; readonly loc: Loc; readonly source?: string }
  | { readonly kind: 'structAll'; readonly loc: Loc; readonly base: Expr };

export interface Query {
  readonly loc: Loc;
  readonly select: readonly SelectItem[];
  readonly from: Relation;
  readonly joins: readonly Join[];
  readonly window?: WindowSpec;
  readonly where?: Expr;
  readonly groupBy?: readonly Expr[];
  readonly partitionBy?: readonly Expr[];
  readonly having?: Expr;
  /** As written; persistent queries without EMIT behave as EMIT CHANGES. */
  readonly emit?: 'CHANGES' | 'FINAL';
  readonly limit?: number;
}

// ---------------------------------------------------------------------------------------------
// Statements

export type PropertyValue = string | number | boolean | null;

/** WITH properties; keys are upper-cased for streams/tables/queries, kept as written for connectors. */
export type Properties = Readonly<Record<string, PropertyValue>>;

/**
 * A column of CREATE STREAM/TABLE. `key` is true for KEY and PRIMARY KEY, `primaryKey` only for
 * PRIMARY KEY; `headers` for HEADERS and HEADER('k') (then `headerKey` is 'k').
 */
export interface ColumnDef {
  readonly loc: Loc;
  readonly name: string;
  /** Normalized type text, e.g. `INTEGER`, `DECIMAL(10, 2)`, `ARRAY<STRING>`. */
  readonly type: string;
  readonly dataType: DataType;
  readonly key: boolean;
  readonly primaryKey: boolean;
  readonly headers: boolean;
  readonly headerKey?: string;
}

interface StatementBase {
  readonly loc: Loc;
  /** The statement's source text, without the terminating `;`. */
  readonly text: string;
}

/** CREATE [OR REPLACE] [SOURCE] STREAM|TABLE [IF NOT EXISTS] name [(columns)] [WITH (...)]. */
export interface CreateSource extends StatementBase {
  readonly kind: 'createStream' | 'createTable';
  readonly name: string;
  readonly orReplace: boolean;
  readonly isSource: boolean;
  readonly ifNotExists: boolean;
  readonly columns: readonly ColumnDef[];
  readonly properties: Properties;
}

/** CREATE [OR REPLACE] STREAM|TABLE [IF NOT EXISTS] name [WITH (...)] AS SELECT ... */
export interface CreateAsSelect extends StatementBase {
  readonly kind: 'createStreamAs' | 'createTableAs';
  readonly name: string;
  readonly orReplace: boolean;
  readonly isSource: false;
  readonly ifNotExists: boolean;
  readonly properties: Properties;
  readonly query: Query;
}

/** INSERT INTO name [WITH (...)] SELECT ... */
export interface InsertInto extends StatementBase {
  readonly kind: 'insertInto';
  readonly name: string;
  readonly properties: Properties;
  readonly query: Query;
}

/** DROP STREAM|TABLE [IF EXISTS] name [DELETE TOPIC]. */
interface DropSource extends StatementBase {
  readonly kind: 'dropStream' | 'dropTable';
  readonly name: string;
  readonly ifExists: boolean;
  readonly deleteTopic: boolean;
}

/** TERMINATE|PAUSE|RESUME id|ALL; query ids are upper-cased unless quoted. */
export interface QueryControl extends StatementBase {
  readonly kind: 'terminate' | 'pause' | 'resume';
  readonly all: boolean;
  readonly queryId?: string;
}

/** A transient (push or pull) SELECT. */
interface QueryStatement extends StatementBase {
  readonly kind: 'query';
  readonly query: Query;
}

/** INSERT INTO name [(columns)] VALUES (...). */
export interface InsertValues extends StatementBase {
  readonly kind: 'insertValues';
  readonly name: string;
  readonly columns: readonly string[];
  readonly values: readonly Expr[];
}

/** CREATE SOURCE|SINK CONNECTOR [IF NOT EXISTS] name WITH (...); property keys keep their case. */
interface CreateConnector extends StatementBase {
  readonly kind: 'createConnector';
  readonly connectorType: 'SOURCE' | 'SINK';
  readonly name: string;
  readonly ifNotExists: boolean;
  readonly properties: Properties;
}

interface DropConnector extends StatementBase {
  readonly kind: 'dropConnector';
  readonly name: string;
  readonly ifExists: boolean;
}

export type ListTarget =
  'STREAMS' | 'TABLES' | 'QUERIES' | 'TOPICS' | 'PROPERTIES' | 'FUNCTIONS' | 'CONNECTORS' | 'CONNECTOR PLUGINS' | 'TYPES' | 'VARIABLES';

/** LIST|SHOW ...; `all` is LIST ALL TOPICS, `scope` is SHOW SOURCE|SINK CONNECTORS. */
interface ListStatement extends StatementBase {
  readonly kind: 'list';
  readonly target: ListTarget;
  readonly extended: boolean;
  readonly all: boolean;
  readonly scope?: 'SOURCE' | 'SINK';
}

/** DESCRIBE name|STREAMS|TABLES|FUNCTION f|CONNECTOR c [EXTENDED]. */
export interface Describe extends StatementBase {
  readonly kind: 'describe';
  readonly target: 'source' | 'streams' | 'tables' | 'function' | 'connector';
  readonly name?: string;
  readonly extended: boolean;
}

/** PRINT topic [FROM BEGINNING] [INTERVAL n] [LIMIT n]; `topic` keeps case when quoted. */
interface PrintTopic extends StatementBase {
  readonly kind: 'print';
  readonly topic: string;
  readonly fromBeginning: boolean;
  readonly interval?: number;
  readonly limit?: number;
}

interface SetProperty extends StatementBase {
  readonly kind: 'setProperty';
  readonly property: string;
  readonly value: string;
}

interface UnsetProperty extends StatementBase {
  readonly kind: 'unsetProperty';
  readonly property: string;
}

/** EXPLAIN statement | query id. */
export interface Explain extends StatementBase {
  readonly kind: 'explain';
  readonly queryId?: string;
  readonly statement?: Statement;
}

export type Statement =
  | CreateSource
  | CreateAsSelect
  | InsertInto
  | DropSource
  | QueryControl
  | QueryStatement
  | InsertValues
  | CreateConnector
  | DropConnector
  | ListStatement
  | Describe
  | PrintTopic
  | SetProperty
  | UnsetProperty
  | Explain;

/** Statements that run a persistent query. */
export type PersistentQueryStatement = CreateAsSelect | InsertInto;

/** The statement kinds. */
export type StatementKind = Statement['kind'];

/** The statement node type of one kind, e.g. `StatementOfKind<'createTable'>` is CreateSource. */
export type StatementOfKind<K extends StatementKind> = Statement extends infer S
  ? S extends { readonly kind: infer SK }
    ? K extends SK
      ? S
      : never
    : never
  : never;
