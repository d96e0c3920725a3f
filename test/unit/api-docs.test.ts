/**
 * The public API documents itself: every property of every interface the two entry points export
 * (`streamform`, `streamform/platform`) has a sentence saying what it is, and every optional input
 * property says what happens without it (`@default <value>` or `@default - <what happens>`, never a
 * bare `@default`). Read from the TypeScript sources with the compiler's own JSDoc parser.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { REPO_ROOT } from '../../src/tools/toolchain/paths';

const ENTRY_POINTS = ['constructs/index.ts', 'constructs/platform/index.ts'];

/**
 * Interfaces that describe what a construct reports rather than what it is given: their optional
 * properties are "when known", with nothing to default to.
 */
const OUTPUT_INTERFACES = new Set(['PlatformEndpoints', 'SourceColumnInfo', 'ValidationIssue']);

interface Finding {
  readonly property: string;
  readonly problem: string;
}

function findings(files: readonly string[]): Finding[] {
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    skipLibCheck: true,
    types: ['node'],
    baseUrl: REPO_ROOT,
    paths: { streamform: ['./constructs/index.ts'], 'streamform/platform': ['./constructs/platform/index.ts'] },
  });
  const checker = program.getTypeChecker();
  const out: Finding[] = [];
  const seen = new Set<ts.Symbol>();
  const reported = new Set<string>();
  for (const file of files) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (!(symbol.flags & ts.SymbolFlags.Interface) || seen.has(symbol)) continue;
      seen.add(symbol);
      const isInput = !/^I[A-Z]/.test(symbol.name) && !OUTPUT_INTERFACES.has(symbol.name);
      for (const prop of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol))) {
        // An inherited property is judged once, where it is declared.
        const owner = prop.declarations?.[0]?.parent;
        const ownerName = owner && ts.isInterfaceDeclaration(owner) ? owner.name.text : symbol.name;
        const name = `${ownerName}.${prop.name}`;
        if (reported.has(name)) continue;
        reported.add(name);
        const text = ts.displayPartsToString(prop.getDocumentationComment(checker)).trim();
        if (!/[A-Za-z`].*[.:)`'a-z0-9]/s.test(text)) out.push({ property: name, problem: 'has no sentence saying what it is' });
        const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
        const defaults = prop.getJsDocTags(checker).filter((t) => t.name === 'default');
        const value = defaults.map((t) => ts.displayPartsToString(t.text).trim()).join(' ');
        if (defaults.length > 0 && (value === '' || value === '-')) out.push({ property: name, problem: 'has a bare @default' });
        else if (optional && isInput && defaults.length === 0) out.push({ property: name, problem: 'is optional without @default' });
      }
    }
  }
  return out;
}

test('every property of the public interfaces is documented, optional inputs with their @default', () => {
  expect(findings(ENTRY_POINTS.map((f) => path.join(REPO_ROOT, f))).map((f) => `${f.property} ${f.problem}`)).toEqual([]);
});

test('undocumented properties and bare @default are reported (fixture)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamform-api-docs-'));
  try {
    const file = path.join(dir, 'index.ts');
    fs.copyFileSync(path.join(REPO_ROOT, 'test', 'unit', 'fixtures', 'undocumented-props.ts.txt'), file);
    expect(findings([file]).map((f) => `${f.property} ${f.problem}`)).toEqual([
      'FooProps.partitions has no sentence saying what it is',
      'FooProps.retention has a bare @default',
      'FooProps.protect is optional without @default',
      'FooProps.name has no sentence saying what it is',
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
