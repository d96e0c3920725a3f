/** Syntax tree produced by the stand-in's own parser (parser.ts). */
import { SqlType } from './sql-types';

export interface Loc {
  /** 1-based line in the request text. */
  readonly line: number;
  /** 0-based column (ANTLR charPositionInLine). */
  readonly col: number;
}

/** An identifier after ksqlDB's unquoting rules: unquoted text is upper-cased. */
export interface Ident {
  readonly text: string;
  readonly quoted: boolean;
  readonly loc: Loc;
}

export type Literal =
  | { readonly k: 'lit'; readonly lt: 'null'; readonly loc: Loc }
  | { readonly k: 'lit'; readonly lt: 'bool'; readonly value: boolean; readonly loc: Loc }
  | { readonly k: 'lit'; readonly lt: 'string'; readonly value: string; readonly loc: Loc }
  | { readonly k: 'lit'; readonly lt: 'int' | 'long' | 'decimal' | 'double'; readonly value: string; readonly loc: Loc };

export type Expr =
  | Literal
  | { readonly k: 'col'; readonly qualifier?: Ident; readonly name: Ident; readonly loc: Loc }
  | { readonly k: 'func'; readonly name: Ident; readonly args: Expr[]; readonly star: boolean; readonly loc: Loc }
  | { readonly k: 'arith'; readonly op: '+' | '-' | '*' | '/' | '%'; readonly left: Expr; readonly right: Expr; readonly loc: Loc }
  | { readonly k: 'concat'; readonly left: Expr; readonly right: Expr; readonly loc: Loc }
  | { readonly k: 'neg'; readonly op: '+' | '-'; readonly expr: Expr; readonly loc: Loc }
  | { readonly k: 'cmp'; readonly op: string; readonly left: Expr; readonly right: Expr; readonly loc: Loc }
  | { readonly k: 'logic'; readonly op: 'AND' | 'OR'; readonly left: Expr; readonly right: Expr; readonly loc: Loc }
  | { readonly k: 'not'; readonly expr: Expr; readonly loc: Loc }
  | { readonly k: 'between'; readonly expr: Expr; readonly lo: Expr; readonly hi: Expr; readonly not: boolean; readonly loc: Loc }
  | { readonly k: 'in'; readonly expr: Expr; readonly list: Expr[]; readonly not: boolean; readonly loc: Loc }
  | { readonly k: 'like'; readonly expr: Expr; readonly pattern: Expr; readonly escape?: string; readonly not: boolean; readonly loc: Loc }
  | { readonly k: 'isnull'; readonly expr: Expr; readonly not: boolean; readonly loc: Loc }
  | { readonly k: 'distinct'; readonly left: Expr; readonly right: Expr; readonly not: boolean; readonly loc: Loc }
  | {
      readonly k: 'case';
      readonly operand?: Expr;
      readonly whens: ReadonlyArray<{ readonly when: Expr; readonly then: Expr }>;
      readonly else?: Expr;
      readonly loc: Loc;
    }
  | { readonly k: 'cast'; readonly expr: Expr; readonly type: SqlType; readonly loc: Loc }
  | { readonly k: 'array'; readonly items: Expr[]; readonly loc: Loc }
  | { readonly k: 'map'; readonly entries: ReadonlyArray<{ readonly key: Expr; readonly value: Expr }>; readonly loc: Loc }
  | { readonly k: 'struct'; readonly fields: ReadonlyArray<{ readonly name: Ident; readonly value: Expr }>; readonly loc: Loc }
  | { readonly k: 'subscript'; readonly base: Expr; readonly index: Expr; readonly loc: Loc }
  | { readonly k: 'deref'; readonly base: Expr; readonly field: Ident; readonly loc: Loc }
  | { readonly k: 'lambda'; readonly params: Ident[]; readonly body: Expr; readonly loc: Loc }
  | { readonly k: 'unit'; readonly unit: string; readonly loc: Loc }
  | { readonly k: 'typed'; readonly typeName: string; readonly value: string; readonly loc: Loc }
  | { readonly k: 'tz'; readonly expr: Expr; readonly zone: string; readonly loc: Loc };

export type SelectItem =
  | { readonly kind: 'all'; readonly qualifier?: Ident; readonly loc: Loc }
  | { readonly kind: 'structAll'; readonly base: Expr; readonly loc: Loc }
  | { readonly kind: 'single'; readonly expr: Expr; readonly alias?: Ident; readonly loc: Loc };

export interface AliasedRelation {
  readonly name: Ident;
  readonly alias?: Ident;
}

export interface Duration {
  readonly value: number;
  readonly unit: string;
}

export interface WithinExpr {
  readonly before: Duration;
  readonly after: Duration;
  readonly twoSided: boolean;
  readonly grace?: Duration;
}

export interface JoinClause {
  readonly type: 'INNER' | 'LEFT' | 'RIGHT' | 'OUTER';
  readonly right: AliasedRelation;
  readonly within?: WithinExpr;
  readonly on: Expr;
  readonly loc: Loc;
}

export interface WindowExpr {
  readonly loc: Loc;
  readonly type: 'TUMBLING' | 'HOPPING' | 'SESSION';
  readonly size: Duration;
  readonly advance?: Duration;
  readonly retention?: Duration;
  readonly grace?: Duration;
}

export interface Query {
  readonly select: SelectItem[];
  readonly from: AliasedRelation;
  readonly joins: JoinClause[];
  readonly window?: WindowExpr;
  readonly where?: Expr;
  readonly groupBy?: Expr[];
  readonly partitionBy?: Expr[];
  readonly having?: Expr;
  readonly emit?: 'CHANGES' | 'FINAL';
  readonly limit?: number;
  readonly loc: Loc;
}

export type PropValue =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: string }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'null' };

/** WITH properties, keys upper-cased, in source order. */
export type Props = ReadonlyArray<{ readonly key: string; readonly value: PropValue; readonly loc: Loc }>;

export interface TableElement {
  readonly name: Ident;
  readonly type: SqlType;
  readonly constraint?: 'KEY' | 'PRIMARY KEY' | 'HEADERS' | { readonly header: string };
  readonly loc: Loc;
}

export type SourceType = 'STREAM' | 'TABLE';

export type Statement =
  | {
      readonly kind: 'createSource';
      readonly type: SourceType;
      readonly orReplace: boolean;
      readonly isSource: boolean;
      readonly ifNotExists: boolean;
      readonly name: Ident;
      readonly elements?: TableElement[];
      readonly props: Props;
    }
  | {
      readonly kind: 'createAs';
      readonly type: SourceType;
      readonly orReplace: boolean;
      readonly ifNotExists: boolean;
      readonly name: Ident;
      readonly props: Props;
      readonly query: Query;
    }
  | { readonly kind: 'insertInto'; readonly target: Ident; readonly props: Props; readonly query: Query; readonly loc: Loc }
  | { readonly kind: 'drop'; readonly type: SourceType; readonly ifExists: boolean; readonly name: Ident; readonly deleteTopic: boolean }
  | { readonly kind: 'terminate'; readonly queryId?: string }
  | { readonly kind: 'listSources'; readonly type: SourceType; readonly extended: boolean }
  | { readonly kind: 'describeSources'; readonly type: SourceType; readonly extended: boolean }
  | { readonly kind: 'listQueries'; readonly extended: boolean }
  | { readonly kind: 'listProperties' }
  | { readonly kind: 'describe'; readonly name: Ident; readonly extended: boolean }
  | { readonly kind: 'explain'; readonly queryId?: string; readonly statement?: Statement }
  | { readonly kind: 'query'; readonly query: Query }
  | { readonly kind: 'print' }
  /** A statement of the grammar the stand-in recognises but does not implement. */
  | { readonly kind: 'unsupported'; readonly what: string };

export interface ParsedStatement {
  readonly statement: Statement;
  /** Text from the first token to the closing ';' inclusive (ksqlDB's statement string). */
  readonly text: string;
  readonly loc: Loc;
}
