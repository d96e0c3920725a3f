import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/**
 * Finds the external commands that TypeScript code starts: calls of child_process's spawn,
 * spawnSync, execFile, execFileSync, exec, execSync, fork and of streamform's own wrappers (`run`
 * and `succeeds` imported from the toolchain's run module), and the `executablePath` given to a
 * browser launcher. A literal first argument names the command; any other expression must match
 * one of `dynamic` (a pattern over the expression's text → command name).
 */

export interface SpawnSite {
  readonly file: string;
  readonly line: number;
  /** The command's name, or undefined when the expression is not known. */
  readonly command: string | undefined;
  /** The first argument's source text. */
  readonly expression: string;
}

const CHILD_PROCESS = new Set(['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync', 'fork']);
const WRAPPERS = new Set(['run', 'succeeds']);

export type DynamicCommands = readonly (readonly [RegExp, string])[];

/** Local names bound to child_process's spawners or to the toolchain's wrappers by imports. */
function spawnerNames(source: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  for (const stmt of source.statements) {
    if (!ts.isImportDeclaration(stmt) || !ts.isStringLiteral(stmt.moduleSpecifier)) continue;
    const from = stmt.moduleSpecifier.text;
    const known =
      from === 'child_process' || from === 'node:child_process' ? CHILD_PROCESS : /(^|\/)run$/.test(from) ? WRAPPERS : undefined;
    const bindings = stmt.importClause?.namedBindings;
    if (!known || !bindings || !ts.isNamedImports(bindings)) continue;
    for (const el of bindings.elements) if (known.has((el.propertyName ?? el.name).text)) names.add(el.name.text);
  }
  return names;
}

export function spawnSites(file: string, text: string, dynamic: DynamicCommands): SpawnSite[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const spawners = spawnerNames(source);
  const sites: SpawnSite[] = [];
  const add = (node: ts.Node, arg: ts.Expression) => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    const expression = arg.getText(source);
    const literal = ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg) ? arg.text : undefined;
    const command = literal !== undefined ? path.basename(literal) : dynamic.find(([pattern]) => pattern.test(expression))?.[1];
    sites.push({ file, line, expression, command });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.arguments.length > 0) {
      const callee = node.expression;
      // spawn(...) as imported, or child_process.spawn(...); not regex.exec(...) or a local run()
      const spawns = ts.isIdentifier(callee)
        ? spawners.has(callee.text)
        : ts.isPropertyAccessExpression(callee) &&
          ts.isIdentifier(callee.expression) &&
          callee.expression.text === 'child_process' &&
          CHILD_PROCESS.has(callee.name.text);
      if (spawns && !isWrapperForwarding(node)) add(node, node.arguments[0]);
    }
    if (ts.isPropertyAssignment(node) && node.name.getText(source) === 'executablePath') add(node, node.initializer);
    if (ts.isShorthandPropertyAssignment(node) && node.name.text === 'executablePath') add(node, node.name);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sites;
}

/** A call inside the function that defines a wrapper, forwarding its parameter (run's own spawn of `cmd`). */
function isWrapperForwarding(call: ts.CallExpression): boolean {
  const arg = call.arguments[0];
  if (!ts.isIdentifier(arg)) return false;
  for (let n: ts.Node | undefined = call.parent; n; n = n.parent) {
    if (ts.isFunctionDeclaration(n) && n.name && WRAPPERS.has(n.name.text)) {
      return n.parameters.some((p) => ts.isIdentifier(p.name) && p.name.text === arg.text);
    }
  }
  return false;
}

/** Every .ts file under the given folders of `root`, without generated bindings. */
export function sourceFiles(root: string, dirs: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!['node_modules', 'gen', 'fixtures', '__snapshots__'].includes(entry.name)) walk(p);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(p);
    }
  };
  for (const d of dirs) if (fs.existsSync(path.join(root, d))) walk(path.join(root, d));
  return out.sort();
}
