/**
 * A JSON parser that keeps number text exact (Jackson reads numbers as BigDecimal/BigInteger in
 * ksqlDB): small integers become JS numbers, every other number a RawNumber with its text.
 */

export class RawNumber {
  constructor(readonly text: string) {}
  get isIntegral(): boolean {
    return !/[.eE]/.test(this.text);
  }
  toNumber(): number {
    return Number(this.text);
  }
  toString(): string {
    return this.text;
  }
}

class JsonSyntaxError extends Error {}

/** Parses JSON text; `allRaw` makes every number a RawNumber. */
export function parseJson(text: string, allRaw = false, allowComments = false): unknown {
  let i = 0;
  const n = text.length;
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else if (allowComments && c === 47 && text[i + 1] === '/') {
        // `// ...` comments (Jackson's ALLOW_COMMENTS, as ksqlDB reads its test files)
        const end = text.indexOf('\n', i);
        i = end < 0 ? n : end + 1;
      } else if (allowComments && c === 47 && text[i + 1] === '*') {
        const end = text.indexOf('*/', i + 2);
        i = end < 0 ? n : end + 2;
      } else break;
    }
  };
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`Unexpected ${i < n ? `character '${text[i]}'` : 'end-of-input'} at position ${i}: ${what}`);
  };
  const value = (): unknown => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const o: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return o;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected field name');
        const k = str();
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        o[k] = value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return o;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const a: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return a;
      }
      for (;;) {
        a.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return a;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (c === 't' && text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (c === 'f' && text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (c === 'n' && text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    if (c === 'N' && text.startsWith('NaN', i)) {
      i += 3;
      return new RawNumber('NaN');
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      const start = i;
      if (text[i] === '-') i++;
      if (text.startsWith('Infinity', i)) {
        i += 8;
        return new RawNumber(text.slice(start, i));
      }
      let integral = true;
      while (i < n && text[i] >= '0' && text[i] <= '9') i++;
      if (text[i] === '.') {
        integral = false;
        i++;
        while (i < n && text[i] >= '0' && text[i] <= '9') i++;
      }
      if (text[i] === 'e' || text[i] === 'E') {
        integral = false;
        i++;
        if (text[i] === '+' || text[i] === '-') i++;
        while (i < n && text[i] >= '0' && text[i] <= '9') i++;
      }
      const t = text.slice(start, i);
      if (t === '-' || t === '') fail('bad number');
      if (!allRaw && integral && t.length <= 15) return Number(t);
      return new RawNumber(t);
    }
    return fail('expected a value');
  };
  const str = (): string => {
    i++;
    let out = '';
    let from = i;
    for (;;) {
      if (i >= n) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 34) {
        out += text.slice(from, i);
        i++;
        return out;
      }
      if (c === 92) {
        out += text.slice(from, i);
        const e = text[i + 1];
        i += 2;
        switch (e) {
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          case 'r':
            out += '\r';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'u':
            out += String.fromCharCode(parseInt(text.slice(i, i + 4), 16));
            i += 4;
            break;
          default:
            out += e;
        }
        from = i;
      } else i++;
    }
  };
  const v = value();
  ws();
  if (i < n) fail('trailing characters');
  return v;
}
