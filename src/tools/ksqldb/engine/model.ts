/** The metastore's model: data sources, their columns, formats, windows. */
import type { FormatInfo } from './serde';
import type { SqlType } from './types';
import { typeText } from './types';

export type Namespace = 'KEY' | 'VALUE' | 'HEADERS';

export interface Column {
  readonly name: string;
  readonly type: SqlType;
  readonly ns: Namespace;
  readonly headerKey?: string;
}

type WindowType = 'TUMBLING' | 'HOPPING' | 'SESSION';

export interface WindowInfo {
  readonly type: WindowType;
  readonly sizeMs?: number;
}

export interface DataSource {
  readonly name: string;
  readonly kind: 'STREAM' | 'TABLE';
  /** key columns, then value columns, then header columns */
  readonly columns: readonly Column[];
  readonly topic: string;
  readonly keyFormat: FormatInfo;
  readonly valueFormat: FormatInfo;
  /** WRAP_SINGLE_VALUE=false: a single value column is not wrapped in an object/record. */
  readonly unwrapValue: boolean;
  readonly window?: WindowInfo;
  readonly timestamp?: { readonly column: string; readonly format?: string };
  readonly isSource: boolean;
  /** Created by CREATE ... AS SELECT. */
  readonly isCas: boolean;
  readonly sql: string;
}

export const keyColumns = (s: { columns: readonly Column[] }): Column[] => s.columns.filter((c) => c.ns === 'KEY');
export const valueColumns = (s: { columns: readonly Column[] }): Column[] => s.columns.filter((c) => c.ns === 'VALUE');
export const headerColumns = (s: { columns: readonly Column[] }): Column[] => s.columns.filter((c) => c.ns === 'HEADERS');

/** `Column#toString`: "`ID` INTEGER KEY". */
export function columnText(c: Column): string {
  const ns = c.ns === 'VALUE' ? '' : c.ns === 'HEADERS' ? (c.headerKey !== undefined ? ` HEADER('${c.headerKey}')` : ' HEADERS') : ' KEY';
  return `\`${c.name}\` ${typeText(c.type)}${ns}`;
}

export function schemaText(cols: readonly Column[]): string {
  return cols.map(columnText).join(', ');
}
