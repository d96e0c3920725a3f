/**
 * The stand-in's metastore and query registry: data sources, persistent queries and the DROP
 * constraints between sources (ksqlDB's `MetaStoreImpl` / `QueryRegistryImpl`). It holds catalog
 * state only; no data flows anywhere.
 */
import { SourceType } from './ast';
import { formatType, SqlType } from './sql-types';

export type Namespace = 'KEY' | 'VALUE' | 'HEADERS';

export interface Column {
  readonly name: string;
  readonly type: SqlType;
  readonly ns: Namespace;
  readonly headerKey?: string;
}

export interface WindowInfo {
  readonly type: 'TUMBLING' | 'HOPPING' | 'SESSION';
  readonly sizeMs?: number;
}

export interface Formats {
  readonly keyFormat: string;
  readonly valueFormat: string;
  readonly keyProps: Readonly<Record<string, string>>;
  readonly valueProps: Readonly<Record<string, string>>;
}

export interface DataSource {
  readonly name: string;
  readonly type: SourceType;
  /** key columns, then value columns, then header columns */
  readonly columns: readonly Column[];
  readonly topic: string;
  readonly formats: Formats;
  readonly window?: WindowInfo;
  readonly timestamp?: { readonly column: string; readonly format?: string };
  /** the stored (re-formatted) statement text */
  readonly sql: string;
  readonly isSource: boolean;
  readonly casTarget: boolean;
}

/** One execution step of a query plan, as far as upgrade validation needs it. */
export interface PlanStep {
  readonly cls: string;
  readonly sources: readonly PlanStep[];
  /** property values compared by `ExecutionStep#mustMatch` */
  readonly match: Readonly<Record<string, string>>;
}

export type PersistentQueryType = 'CREATE_AS' | 'INSERT' | 'CREATE_SOURCE';

export interface PersistentQuery {
  readonly id: string;
  readonly type: PersistentQueryType;
  readonly sink: string;
  readonly sinkTopic: string;
  readonly sources: readonly string[];
  /** stored statement text (queryString / statementText) */
  readonly statement: string;
  /** the query's result schema */
  readonly columns: readonly Column[];
  readonly plan: PlanStep;
  readonly windowType?: string;
  readonly overridden: Readonly<Record<string, unknown>>;
}

export const keyColumns = (cols: readonly Column[]): Column[] => cols.filter((c) => c.ns === 'KEY');
export const valueColumns = (cols: readonly Column[]): Column[] => cols.filter((c) => c.ns === 'VALUE');
export const headerColumns = (cols: readonly Column[]): Column[] => cols.filter((c) => c.ns === 'HEADERS');

/** `Column#toString()` with `FormatOptions.none()`: "`V` STRING", "`ID` INTEGER KEY". */
export function columnToString(c: Column): string {
  const ns = c.ns === 'VALUE' ? '' : c.ns === 'HEADERS' && c.headerKey !== undefined ? ` HEADER('${c.headerKey}')` : ` ${c.ns}`;
  return `\`${c.name}\` ${formatType(c.type)}${ns}`;
}

export function schemaToString(cols: readonly Column[]): string {
  return cols.map(columnToString).join(', ');
}

function formatInfoToString(format: string, props: Readonly<Record<string, string>>): string {
  const p = Object.entries(props)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return `FormatInfo{format=${format}, properties={${p}}}`;
}

/** `KsqlTopic#toString()` (used in upgrade error messages). */
export function ksqlTopicToString(s: DataSource): string {
  const window = s.window
    ? `Optional[WindowInfo{type=${s.window.type}, size=${s.window.sizeMs === undefined ? 'Optional.empty' : `Optional[${s.window.sizeMs}]`}, emitStrategy=Optional.empty}]`
    : 'Optional.empty';
  return (
    `KsqlTopic{kafkaTopicName='${s.topic}', keyFormat=KeyFormat{format=${formatInfoToString(s.formats.keyFormat, s.formats.keyProps)}, ` +
    `features=[], window=${window}}, valueFormat=ValueFormat{format=${formatInfoToString(s.formats.valueFormat, s.formats.valueProps)}, features=[]}}`
  );
}

interface SourceEntry {
  readonly source: DataSource;
  /** sources this one was created from (CREATE ... AS SELECT): they may not be dropped first */
  readonly references: ReadonlySet<string>;
}

export class Catalog {
  private readonly sources = new Map<string, SourceEntry>();
  private readonly queries = new Map<string, PersistentQuery>();

  clone(): Catalog {
    const c = new Catalog();
    for (const [k, v] of this.sources) c.sources.set(k, v);
    for (const [k, v] of this.queries) c.queries.set(k, v);
    return c;
  }

  // ------------------------------------------------------------------ sources

  getSource(name: string): DataSource | undefined {
    return this.sources.get(name)?.source;
  }

  allSources(): DataSource[] {
    return [...this.sources.values()].map((e) => e.source);
  }

  /** Stores a source, keeping (and extending) the references of a replaced one. */
  putSource(source: DataSource, references: readonly string[] = []): void {
    const prev = this.sources.get(source.name);
    const refs = new Set(prev?.references ?? []);
    for (const r of references) refs.add(r);
    this.sources.set(source.name, { source, references: refs });
  }

  deleteSource(name: string): void {
    this.sources.delete(name);
  }

  /** Names of sources that reference `name` (the DROP constraints), sorted. */
  constraintsOf(name: string): string[] {
    return [...this.sources.values()]
      .filter((e) => e.references.has(name))
      .map((e) => e.source.name)
      .sort();
  }

  /**
   * ksqlDB's `MetaStoreImpl#checkAlternatives`: the "Did you mean" hint for a missing source.
   */
  alternativesHint(name: string, type?: SourceType): string {
    const matched = this.allSources()
      .filter((s) => s.name.toUpperCase() === name.toUpperCase() && (!type || s.type === type))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (matched.length === 0) return '';
    if (matched.length > 1) {
      const n = matched.length;
      const parts = matched.map((s, i) => {
        const punct = i < n - 2 ? ', ' : i === n - 2 ? (i === 0 ? ' or ' : ', or ') : '? ';
        return `"${s.name}" (${s.type})${punct}`;
      });
      return `\nDid you mean ${parts.join('')}Hint: wrap the source name in double quotes to make it case-sensitive.`;
    }
    const only = matched[0].name;
    return /[a-z]/.test(only)
      ? `\nDid you mean "${only}"? Hint: wrap the source name in double quotes to make it case-sensitive.`
      : `\nDid you mean ${only}? Hint: try removing double quotes from the source name.`;
  }

  // ------------------------------------------------------------------ queries

  getQuery(id: string): PersistentQuery | undefined {
    return this.queries.get(id.toUpperCase());
  }

  allQueries(): PersistentQuery[] {
    return [...this.queries.values()];
  }

  putQuery(q: PersistentQuery): void {
    this.queries.set(q.id.toUpperCase(), q);
  }

  removeQuery(id: string): void {
    this.queries.delete(id.toUpperCase());
  }

  queriesWithSink(name: string): PersistentQuery[] {
    return this.allQueries().filter((q) => q.sink === name);
  }

  /** The CREATE ... AS SELECT (or CREATE SOURCE TABLE) query linked to a source. */
  createAsQuery(name: string): PersistentQuery | undefined {
    return this.allQueries().find(
      (q) => (q.type === 'CREATE_AS' && q.sink === name) || (q.type === 'CREATE_SOURCE' && q.sources[0] === name),
    );
  }

  /** INSERT INTO queries reading from / writing into a source (`QueryRegistryImpl#getInsertQueries`). */
  insertQueries(name: string): { readers: string[]; writers: string[] } {
    const inserts = this.allQueries().filter((q) => q.type === 'INSERT');
    return {
      readers: inserts
        .filter((q) => q.sources.includes(name))
        .map((q) => q.id)
        .sort(),
      writers: inserts
        .filter((q) => q.sink === name)
        .map((q) => q.id)
        .sort(),
    };
  }
}
