/**
 * Regular expressions that mean the same in JavaScript (where they are written and tried) and in
 * Java (where ksqlDB's REGEXP_EXTRACT runs them with `Pattern.compile(...).matcher(s).find()`).
 *
 * The pattern must compile as a JavaScript RegExp, and must not use constructs the two engines
 * read differently: escapes only one of them knows (`\A`, `\Z`, `\z`, `\h`, `\v`, `\Q...\E`,
 * `\p{...}`, `\0`, `\u{...}`), `[^]` and `[]`, an unescaped `[` or `&&` inside a character class
 * (Java nests and intersects classes), a `{` that is not a quantifier (Java refuses it), group
 * names Java does not allow (letters and digits only).
 *
 * One difference is left to the author: without the m flag, Java's `$` also matches before a final
 * line break (`\z` is refused above because JavaScript reads it as a literal `z`).
 */

/** Escapes the two engines read alike (after a backslash, outside a character class). */
const COMMON_LETTER_ESCAPES = new Set(['d', 'D', 'w', 'W', 's', 'S', 'b', 'B', 'n', 'r', 't', 'f']);

/**
 * Inline Java flags for the RegExp flags that have an equivalent: `i` also needs Java's UNICODE_CASE
 * (`u`) to fold non-ASCII letters as JavaScript does; `u` itself changes nothing the checks let through.
 */
const FLAG_PREFIX: Readonly<Record<string, string>> = { i: 'iu', m: 'm', s: 's', u: '' };

/** A pattern checked for JavaScript/Java compatibility: the Java text, or what is wrong with it. */
interface JavaPattern {
  /** The pattern as Java reads it (RegExp flags turned into a leading `(?iums)`). */
  readonly text: string;
  /** Why it cannot be used, lowercase; undefined when it can. */
  readonly problem?: string;
}

/** Checks `pattern` (a RegExp or its source) and renders it for Java. */
export function toJavaPattern(pattern: RegExp | string): JavaPattern {
  const source = typeof pattern === 'string' ? pattern : pattern.source;
  const flags = typeof pattern === 'string' ? '' : pattern.flags;
  const unsupported = [...flags].filter((f) => !(f in FLAG_PREFIX));
  const inline = [...flags]
    .filter((f) => f in FLAG_PREFIX)
    .map((f) => FLAG_PREFIX[f])
    .join('');
  const text = inline ? `(?${inline})${source}` : source;
  if (unsupported.length > 0) {
    return {
      text,
      problem: `uses the RegExp flag(s) ${unsupported.join('')}, which Java has no equivalent for (only i, m, s and u are carried over)`,
    };
  }
  try {
    new RegExp(source);
  } catch (err) {
    return { text, problem: `is not a valid regular expression: ${(err as Error).message}` };
  }
  const problem = javaDifference(source);
  return problem ? { text, problem } : { text };
}

/** The first construct of a (JavaScript-valid) pattern that Java reads differently, if any. */
function javaDifference(p: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      const next = p[i + 1] ?? '';
      const problem = escapeProblem(p, i + 1, inClass);
      if (problem) return problem;
      i += next === '' ? 0 : 1;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      else if (c === '[') return 'has an unescaped [ inside a character class, which Java reads as a nested class; escape it as \\[';
      else if (c === '&' && p[i + 1] === '&')
        return 'has && inside a character class, which Java reads as an intersection; escape it as \\&\\&';
      continue;
    }
    if (c === '[') {
      if (p.startsWith('[^]', i)) return 'uses [^], which Java does not read as "any character"; use [\\s\\S]';
      if (p.startsWith('[]', i)) return 'uses [], which Java does not read as an empty class';
      inClass = true;
      // A ] right after [ or [^ is literal in Java but closes the class in JavaScript (handled above).
      if (p[i + 1] === '^') i++;
      continue;
    }
    if (c === '{') {
      if (!/^\{\d+(,\d*)?\}/.test(p.slice(i)))
        return 'has a { that is not a quantifier such as {2} or {2,5}, which Java refuses; escape it as \\{';
      continue;
    }
    if (c === '(' && p[i + 1] === '?' && p[i + 2] === '<' && p[i + 3] !== '=' && p[i + 3] !== '!') {
      const name = /^\(\?<([^>]*)>/.exec(p.slice(i))?.[1] ?? '';
      if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name))
        return `names a group '${name}', but Java group names are letters and digits only, starting with a letter`;
    }
  }
  return undefined;
}

function escapeProblem(p: string, at: number, inClass: boolean): string | undefined {
  const c = p[at];
  if (c === undefined) return 'ends with a lone backslash';
  if (/[A-Za-z]/.test(c)) {
    if (COMMON_LETTER_ESCAPES.has(c)) {
      return inClass && c === 'b' ? 'uses \\b inside a character class, a backspace in JavaScript but an error in Java' : undefined;
    }
    switch (c) {
      case 'c':
        return /[A-Za-z]/.test(p[at + 1] ?? '') ? undefined : 'uses \\c without a control letter';
      case 'x':
        return /^[0-9A-Fa-f]{2}/.test(p.slice(at + 1)) ? undefined : 'uses \\x without two hex digits';
      case 'u':
        return /^[0-9A-Fa-f]{4}/.test(p.slice(at + 1)) ? undefined : 'uses \\u without four hex digits (\\u{...} is not Java syntax)';
      case 'k':
        return inClass || !/^<[A-Za-z][A-Za-z0-9]*>/.test(p.slice(at + 1))
          ? 'uses \\k without a named group reference Java accepts'
          : undefined;
      default:
        return `uses \\${c}, which Java and JavaScript read differently; write the characters out instead (e.g. [A-Za-z] for \\p{L}, ^ and $ for \\A and \\z)`;
    }
  }
  if (/[0-9]/.test(c)) {
    if (c === '0') return 'uses \\0, a NUL in JavaScript but an octal escape in Java; write \\x00';
    if (inClass) return `uses \\${c} inside a character class, which Java and JavaScript read differently`;
  }
  return undefined;
}
