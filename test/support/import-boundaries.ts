import * as path from 'path';
import * as ts from 'typescript';

/**
 * The three wings and their shared floor, and which may import which (docs/architecture.md):
 * the construct library never imports the provider or the tools, the provider never imports the
 * tools, the shared floor imports nothing of the others, and nothing outside test/ imports test/.
 */
export type Wing = 'library' | 'core' | 'provider' | 'tools' | 'stacks' | 'test';

export function wingOf(file: string): Wing | undefined {
  const p = file.split(path.sep).join('/');
  if (p.startsWith('constructs/') || p.startsWith('src/gen/')) return 'library';
  if (p.startsWith('src/core/')) return 'core';
  if (p.startsWith('src/provider/')) return 'provider';
  if (p.startsWith('src/tools/') || p.startsWith('bench/')) return 'tools';
  if (p.startsWith('stacks/') || p.startsWith('examples/')) return 'stacks';
  if (p.startsWith('test/')) return 'test';
  return undefined;
}

const ALLOWED: Readonly<Record<Wing, readonly Wing[]>> = {
  core: ['core'],
  library: ['library', 'core'],
  provider: ['provider', 'core'],
  // the repository's own pipelines and the examples are written against the library only
  stacks: ['stacks', 'library', 'core'],
  tools: ['tools', 'stacks', 'library', 'core', 'provider'],
  test: ['test', 'tools', 'stacks', 'library', 'core', 'provider'],
};

/**
 * The entry points of the library (`streamform`, `streamform/platform`): the stacks and examples
 * are written against the public API, so they import these and nothing deeper (no `private/`).
 */
const LIBRARY_ENTRY_POINTS = ['constructs', 'constructs/index', 'constructs/platform', 'constructs/platform/index'];

/** Packages that talk to servers: synthesis is pure, so the library and the floor import none. */
const SERVER_PACKAGES = ['kafkajs', 'axios', '@grpc/grpc-js', '@grpc/proto-loader', 'pg', 'playwright-core', 'child_process'];

export interface Violation {
  readonly file: string;
  readonly line: number;
  readonly imports: string;
  readonly rule: string;
}

/** Module specifiers of a file: imports, `export ... from`, `require()` and `import()`. */
function specifiers(source: ts.SourceFile): { spec: string; node: ts.Node }[] {
  const out: { spec: string; node: ts.Node }[] = [];
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      out.push({ spec: n.moduleSpecifier.text, node: n });
    } else if (
      ts.isCallExpression(n) &&
      (n.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(n.expression) && n.expression.text === 'require')) &&
      n.arguments.length === 1 &&
      ts.isStringLiteral(n.arguments[0])
    ) {
      out.push({ spec: n.arguments[0].text, node: n });
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  return out;
}

/** The boundary violations of one file, given by its path relative to the repository root. */
export function violations(file: string, text: string): Violation[] {
  const from = wingOf(file);
  if (!from) return [];
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: Violation[] = [];
  for (const { spec, node } of specifiers(source)) {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    if (spec.startsWith('.')) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file.split(path.sep).join('/')), spec));
      const to = wingOf(target);
      if (to && !ALLOWED[from].includes(to)) {
        found.push({ file, line, imports: target, rule: `the ${from} wing may import only ${ALLOWED[from].join(', ')}; this is ${to}` });
      } else if (from === 'stacks' && to === 'library' && !LIBRARY_ENTRY_POINTS.includes(target)) {
        found.push({ file, line, imports: target, rule: 'the stacks use the public API only: import constructs or constructs/platform' });
      }
    } else if ((from === 'library' || from === 'core') && SERVER_PACKAGES.includes(spec.replace(/^node:/, ''))) {
      found.push({ file, line, imports: spec, rule: `the ${from} wing never talks to servers or runs commands` });
    }
  }
  return found;
}
