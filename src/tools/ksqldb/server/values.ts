/**
 * Row values as ksqlDB's REST API writes them (Jackson's `ApiJsonMapper`): BIGINT and DECIMAL as
 * exact JSON numbers (DECIMAL plain), DOUBLE as Java prints it, TIMESTAMP as
 * `yyyy-MM-dd'T'HH:mm:ss.SSS` (UTC), DATE as `yyyy-MM-dd`, TIME as `LocalTime#toString` of the
 * seconds, BYTES as base64, STRUCT and MAP as objects, non-finite doubles quoted.
 */
import type { SqlType } from '../engine/types';
import { Decimal, dateToString, javaDoubleToString, timestampToString } from '../engine/values';

const pad = (n: number): string => String(n).padStart(2, '0');

/** `LocalTime.ofSecondOfDay(ms / 1000).toString()`: HH:mm, or HH:mm:ss when seconds are not 0. */
function timeText(ms: number): string {
  const secs = Math.floor(ms / 1000);
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  return s === 0 ? `${pad(h)}:${pad(m)}` : `${pad(h)}:${pad(m)}:${pad(s)}`;
}

/** One value as JSON text. */
function restJson(v: unknown, t: SqlType | null): string {
  if (v === null || v === undefined) return 'null';
  if (t === null) return JSON.stringify(v);
  switch (t.base) {
    case 'BIGINT':
      return typeof v === 'bigint' ? v.toString() : String(v);
    case 'INTEGER':
      return String(v);
    case 'DOUBLE': {
      const d = v as number;
      return Number.isFinite(d) ? javaDoubleToString(d) : JSON.stringify(javaDoubleToString(d));
    }
    case 'DECIMAL':
      return v instanceof Decimal ? v.toString() : String(v);
    case 'BOOLEAN':
      return v ? 'true' : 'false';
    case 'STRING':
      return JSON.stringify(v);
    case 'TIMESTAMP':
      return JSON.stringify(timestampToString(v as number));
    case 'DATE':
      return JSON.stringify(dateToString(v as number));
    case 'TIME':
      return JSON.stringify(timeText(v as number));
    case 'BYTES':
      return JSON.stringify(Buffer.from(v as Uint8Array).toString('base64'));
    case 'ARRAY':
      return `[${(v as unknown[]).map((x) => restJson(x, t.item)).join(',')}]`;
    case 'MAP': {
      const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as Record<string, unknown>);
      return `{${entries.map(([k, x]) => `${JSON.stringify(String(k))}:${restJson(x, t.value)}`).join(',')}}`;
    }
    case 'STRUCT': {
      const o = v as Record<string, unknown>;
      return `{${t.fields.map((f) => `${JSON.stringify(f.name)}:${restJson(o[f.name] ?? null, f.type)}`).join(',')}}`;
    }
  }
}

/** A row as a JSON array. */
export function restRow(values: readonly unknown[], types: readonly SqlType[]): string {
  return `[${values.map((v, i) => restJson(v, types[i] ?? null)).join(',')}]`;
}
