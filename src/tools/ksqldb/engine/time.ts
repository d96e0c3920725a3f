/**
 * Dates and times: ISO text of CAST, and a subset of java.time's DateTimeFormatter patterns
 * (y M d H h m s S a E z Z X 'literal') for PARSE_/FORMAT_ functions, with time zones by
 * offset or IANA name.
 */
import { RecordError } from './errors';

const DAY = 86_400_000;

/** `2022-04-28T21:44:47.943[Z|+01:00]`, also with a space or date only. */
export function parseTimestampText(s: string): number {
  const m = /^\s*(\d{4,})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*$/.exec(
    s,
  );
  if (!m) throw new RecordError(`Cannot parse timestamp: ${s}`);
  const ms = m[7] ? Number((m[7] + '00').slice(0, 3)) : 0;
  let t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), ms);
  if (m[8] && m[8] !== 'Z') t -= offsetMinutes(m[8]) * 60_000;
  return t;
}

export function parseDateText(s: string): number {
  const m = /^\s*(\d{4,})-(\d{2})-(\d{2})\s*$/.exec(s);
  if (!m) throw new RecordError(`Cannot parse date: ${s}`);
  return Math.floor(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY);
}

export function parseTimeText(s: string): number {
  const m = /^\s*(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*$/.exec(s);
  if (!m) throw new RecordError(`Cannot parse time: ${s}`);
  return Number(m[1]) * 3_600_000 + Number(m[2]) * 60_000 + Number(m[3] ?? 0) * 1000 + (m[4] ? Number((m[4] + '00').slice(0, 3)) : 0);
}

function offsetMinutes(text: string): number {
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(text);
  if (!m) throw new RecordError(`Invalid offset: ${text}`);
  const v = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return m[1] === '-' ? -v : v;
}

// ------------------------------------------------------------------------------------------
// Time zones

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

/** Offset in minutes of a zone at an instant. */
function zoneOffset(zone: string, epochMs: number): number {
  const z = zone.trim();
  if (z === 'UTC' || z === 'Z' || z === 'GMT' || z === 'UT') return 0;
  const fixed = /^(?:UTC|GMT|UT)?([+-]\d{1,2}(?::?\d{2})?)$/.exec(z);
  if (fixed) {
    const t = fixed[1];
    const m = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(t)!;
    const v = Number(m[2]) * 60 + Number(m[3] ?? 0);
    return m[1] === '-' ? -v : v;
  }
  let f = zoneFormatters.get(z);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: z,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new RecordError(`Unknown time-zone ID: ${zone}`);
    }
    zoneFormatters.set(z, f);
  }
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(epochMs))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const local = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour % 24, parts.minute, parts.second);
  return Math.round((local - Math.floor(epochMs / 1000) * 1000) / 60_000);
}

export function validZone(zone: string): boolean {
  try {
    zoneOffset(zone, 0);
    return true;
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------------------------------
// Patterns

type Token = { kind: 'lit'; text: string } | { kind: 'field'; letter: string; count: number };

const patternCache = new Map<string, Token[]>();

function tokenizePattern(pattern: string): Token[] {
  const cached = patternCache.get(pattern);
  if (cached) return cached;
  const out: Token[] = [];
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i];
    if (c === "'") {
      let j = i + 1;
      let text = '';
      while (j < pattern.length) {
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") {
            text += "'";
            j += 2;
            continue;
          }
          break;
        }
        text += pattern[j++];
      }
      out.push({ kind: 'lit', text: j === i + 1 && pattern[j] === "'" ? "'" : text });
      i = j + 1;
    } else if (/[A-Za-z]/.test(c)) {
      let j = i;
      while (pattern[j] === c) j++;
      if (!'GuyDMLdQqYwWEecFaBhKkHmsSAnNVvzOXxZp'.includes(c)) throw new RecordError(`Unknown pattern letter: ${c}`);
      out.push({ kind: 'field', letter: c, count: j - i });
      i = j;
    } else if (c === '[' || c === ']') {
      i++;
    } else {
      out.push({ kind: 'lit', text: c });
      i++;
    }
  }
  patternCache.set(pattern, out);
  return out;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const pad = (n: number, w: number): string => (n < 0 ? '-' + String(-n).padStart(w, '0') : String(n).padStart(w, '0'));

function formatOffset(min: number, letter: string, count: number): string {
  if (letter === 'X' && min === 0) return 'Z';
  const sign = min < 0 ? '-' : '+';
  const a = Math.abs(min);
  const hh = pad(Math.floor(a / 60), 2);
  const mm = pad(a % 60, 2);
  if (letter === 'Z') return count >= 4 ? (min === 0 ? 'GMT' : `GMT${sign}${hh}:${mm}`) : `${sign}${hh}${mm}`;
  if (count === 1) return `${sign}${hh}${a % 60 ? mm : ''}`;
  if (count === 2 || count === 4) return `${sign}${hh}${mm}`;
  return `${sign}${hh}:${mm}`;
}

const zoneNames = new Map<string, string>();
/** The locales whose zone abbreviations java.time uses (PDT, BST, CEST, JST, AEST, ...). */
const ZONE_NAME_LOCALES = ['en-US', 'en-GB', 'en-IE', 'en-AU', 'en-NZ', 'en-IN', 'en-CA', 'en-ZA', 'ja-JP'];

/** java.time's zone text (`z`: short, `zzzz`: long) of a zone at an instant. */
function zoneName(zone: string, epochMs: number, long: boolean): string {
  const z = zone.trim();
  if (/^[+-]\d|^(UTC|GMT|Z)$/i.test(z)) return z.toUpperCase() === 'Z' ? 'Z' : z;
  // zone names change at most on quarter hours (DST transitions)
  const key = `${z}|${long}|${Math.floor(epochMs / 900_000)}`;
  const cached = zoneNames.get(key);
  if (cached !== undefined) return cached;
  let found: string | undefined;
  let first: string | undefined;
  for (const locale of long ? ['en-US'] : ZONE_NAME_LOCALES) {
    try {
      const part = new Intl.DateTimeFormat(locale, { timeZone: z, timeZoneName: long ? 'long' : 'short' })
        .formatToParts(epochMs)
        .find((p) => p.type === 'timeZoneName')?.value;
      if (part === undefined) continue;
      first ??= part;
      if (!/^GMT[+\-\u2212]/.test(part)) {
        found = part;
        break;
      }
    } catch {
      break;
    }
  }
  const name = found ?? first ?? z;
  if (zoneNames.size > 10_000) zoneNames.clear();
  zoneNames.set(key, name);
  return name;
}

/** Formats an instant with a java.time pattern in a zone. */
export function formatInstant(epochMs: number, pattern: string, zone = 'UTC'): string {
  const off = zoneOffset(zone, epochMs);
  const d = new Date(epochMs + off * 60_000);
  let out = '';
  for (const t of tokenizePattern(pattern)) {
    if (t.kind === 'lit') {
      out += t.text;
      continue;
    }
    const n = t.count;
    switch (t.letter) {
      case 'y':
      case 'u':
      case 'Y': {
        const y = d.getUTCFullYear();
        out += n === 2 ? pad(y % 100, 2) : pad(y, n);
        break;
      }
      case 'M':
      case 'L': {
        const m = d.getUTCMonth();
        out += n >= 4 ? MONTHS[m] : n === 3 ? MONTHS[m].slice(0, 3) : pad(m + 1, n);
        break;
      }
      case 'd':
        out += pad(d.getUTCDate(), n);
        break;
      case 'D': {
        const start = Date.UTC(d.getUTCFullYear(), 0, 1);
        out += pad(Math.floor((d.getTime() - start) / DAY) + 1, n);
        break;
      }
      case 'H':
        out += pad(d.getUTCHours(), n);
        break;
      case 'k':
        out += pad(d.getUTCHours() || 24, n);
        break;
      case 'h':
        out += pad(d.getUTCHours() % 12 || 12, n);
        break;
      case 'K':
        out += pad(d.getUTCHours() % 12, n);
        break;
      case 'm':
        out += pad(d.getUTCMinutes(), n);
        break;
      case 's':
        out += pad(d.getUTCSeconds(), n);
        break;
      case 'S':
        out += (pad(d.getUTCMilliseconds(), 3) + '000000').slice(0, n);
        break;
      case 'n':
        out += String(d.getUTCMilliseconds() * 1_000_000);
        break;
      case 'A':
        out += String(epochMs + off * 60_000 - Math.floor((epochMs + off * 60_000) / DAY) * DAY);
        break;
      case 'a':
        out += d.getUTCHours() < 12 ? 'AM' : 'PM';
        break;
      case 'E':
      case 'e':
      case 'c':
        out += n >= 4 ? DAYS[d.getUTCDay()] : DAYS[d.getUTCDay()].slice(0, 3);
        break;
      case 'X':
      case 'x':
      case 'Z':
        out += formatOffset(off, t.letter, n);
        break;
      case 'z':
        out += zoneName(zone, epochMs, n >= 4);
        break;
      case 'V':
        out += zone;
        break;
      case 'O':
        out += off === 0 ? 'GMT' : `GMT${formatOffset(off, 'X', n >= 4 ? 5 : 2).replace(/^([+-])0?/, '$1')}`;
        break;
      case 'G':
        out += 'AD';
        break;
      default:
        throw new RecordError(`Unsupported pattern letter: ${t.letter}`);
    }
  }
  return out;
}

/** Parses text with a java.time pattern; missing fields default (1970-01-01T00:00:00) in `zone`. */
export function parseInstant(text: string, pattern: string, zone = 'UTC', options: { ignoreTrailing?: boolean } = {}): number {
  const f = {
    y: 1970,
    M: 1,
    d: 1,
    H: 0,
    m: 0,
    s: 0,
    S: 0,
    pm: undefined as boolean | undefined,
    h12: undefined as number | undefined,
    off: undefined as number | undefined,
    zone: undefined as string | undefined,
    doy: undefined as number | undefined,
  };
  let i = 0;
  const fail = (): never => {
    throw new RecordError(`Text '${text}' could not be parsed at index ${i}`);
  };
  const tokens = tokenizePattern(pattern);
  const num = (min: number, max: number): number => {
    const m = /^[+-]?\d+/.exec(text.slice(i));
    if (!m) return fail();
    let digits = m[0];
    if (digits.length > max) digits = digits.slice(0, max);
    if (digits.replace(/^[+-]/, '').length < min) fail();
    i += digits.length;
    return Number(digits);
  };
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind === 'lit') {
      // java.time formatters of ksqlDB parse case-insensitively
      if (text.slice(i, i + t.text.length).toLowerCase() === t.text.toLowerCase()) i += t.text.length;
      else fail();
      continue;
    }
    const next = tokens[k + 1];
    const adjacentNumber = next !== undefined && next.kind === 'field' && /[yuMdHhmsSDkK]/.test(next.letter);
    const n = t.count;
    const width = (dflt: number): number => (adjacentNumber ? n : dflt);
    switch (t.letter) {
      case 'y':
      case 'u':
      case 'Y': {
        const v = num(n === 2 ? 2 : 1, n === 2 ? 2 : width(10));
        f.y = n === 2 ? 2000 + v : v;
        break;
      }
      case 'M':
      case 'L':
        if (n >= 3) {
          const idx = MONTHS.findIndex((m) =>
            text
              .slice(i)
              .toLowerCase()
              .startsWith((n === 3 ? m.slice(0, 3) : m).toLowerCase()),
          );
          if (idx < 0) fail();
          i += n === 3 ? 3 : MONTHS[idx].length;
          f.M = idx + 1;
        } else f.M = num(n, width(2));
        break;
      case 'd':
        f.d = num(n, width(2));
        break;
      case 'D':
        f.doy = num(n, width(3));
        break;
      case 'H':
      case 'k':
        f.H = num(n, width(2)) % 24;
        break;
      case 'h':
      case 'K':
        f.h12 = num(n, width(2));
        break;
      case 'm':
        f.m = num(n, width(2));
        break;
      case 's':
        f.s = num(n, width(2));
        break;
      case 'S': {
        const m = /^\d+/.exec(text.slice(i));
        if (!m) fail();
        const digits = m![0].slice(0, n);
        i += digits.length;
        f.S = Number((digits + '000').slice(0, 3));
        break;
      }
      case 'a': {
        const w = text.slice(i, i + 2).toUpperCase();
        if (w !== 'AM' && w !== 'PM') fail();
        f.pm = w === 'PM';
        i += 2;
        break;
      }
      case 'E': {
        const idx = DAYS.findIndex((dn) =>
          text
            .slice(i)
            .toLowerCase()
            .startsWith((n >= 4 ? dn : dn.slice(0, 3)).toLowerCase()),
        );
        if (idx < 0) fail();
        i += n >= 4 ? DAYS[idx].length : 3;
        break;
      }
      case 'X':
      case 'x':
      case 'Z': {
        if ((text[i] === 'Z' || text[i] === 'z') && t.letter !== 'x') {
          f.off = 0;
          i++;
          break;
        }
        const m = /^([+-])(\d{2}):?(\d{2})?/.exec(text.slice(i));
        if (!m) fail();
        i += m![0].length;
        f.off = (Number(m![2]) * 60 + Number(m![3] ?? 0)) * (m![1] === '-' ? -1 : 1);
        break;
      }
      case 'z':
      case 'V': {
        const m = /^[A-Za-z_/+\-0-9:]+/.exec(text.slice(i));
        if (!m) fail();
        i += m![0].length;
        f.zone = m![0];
        break;
      }
      case 'G':
        i += 2;
        break;
      default:
        fail();
    }
  }
  if (i !== text.length && !options.ignoreTrailing) {
    throw new RecordError(`Text '${text}' could not be parsed, unparsed text found at index ${i}`);
  }
  if (f.h12 !== undefined) f.H = (f.h12 % 12) + (f.pm ? 12 : 0);
  else if (f.pm !== undefined && f.pm && f.H < 12) f.H += 12;
  let local = Date.UTC(f.y, f.M - 1, f.d, f.H, f.m, f.s, f.S);
  if (f.doy !== undefined) local = Date.UTC(f.y, 0, 1, f.H, f.m, f.s, f.S) + (f.doy - 1) * DAY;
  if (f.off !== undefined) return local - f.off * 60_000;
  const z = f.zone ?? zone;
  // the offset at the local time (two passes for DST edges)
  let off = zoneOffset(z, local);
  off = zoneOffset(z, local - off * 60_000);
  return local - off * 60_000;
}

export { DAY };
