/** `streamform lineage <stack> [--out file.html] [--format html|mermaid]`. */
import * as fs from 'fs';
import * as path from 'path';
import { ParsedArgs, stringOption, UsageError } from '../cli/args';
import { renderLineageHtml } from './html';
import { toMermaid } from './mermaid';
import { LineageError, lineageEnv, lineageForStack } from './model';

export type LineageFormat = 'html' | 'mermaid';

export interface LineageOptions {
  readonly format?: LineageFormat;
  /** Where the page goes (html); relative to `cwd`. @default lineage-<stack>.html */
  readonly out?: string;
  /** @default process.cwd() */
  readonly cwd?: string;
  /** The environment the app is built with. @default lineageEnv() */
  readonly env?: NodeJS.ProcessEnv;
}

/** Writes the page (html) and returns its path, or returns the Mermaid text (mermaid). */
export function renderLineage(stack: string, options: LineageOptions = {}): { format: LineageFormat; path?: string; text: string } {
  const graph = lineageForStack(stack, options.env ?? lineageEnv());
  if ((options.format ?? 'html') === 'mermaid') return { format: 'mermaid', text: toMermaid(graph) };
  const file = path.resolve(options.cwd ?? process.cwd(), options.out ?? `lineage-${stack}.html`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const { html } = renderLineageHtml(graph);
  fs.writeFileSync(file, html);
  return { format: 'html', path: file, text: html };
}

export async function lineageCommand(args: ParsedArgs): Promise<void> {
  const [stack, ...extra] = args.positionals.slice(1);
  if (!stack) throw new UsageError('name a stack, e.g. `streamform lineage ratings-dev`');
  if (extra.length > 0) throw new UsageError(`lineage takes one stack, got ${[stack, ...extra].join(' ')}; run it once per stack`);
  const format = stringOption(args, 'format', 'html');
  if (format !== 'html' && format !== 'mermaid') throw new UsageError(`--format must be html or mermaid, got '${format}'`);
  const out = stringOption(args, 'out');
  if (out !== undefined && format === 'mermaid')
    throw new UsageError('--out writes the HTML page; with --format mermaid the text goes to stdout (redirect it to a file)');
  const known = new Set(['format', 'out']);
  for (const name of Object.keys(args.options)) {
    if (!known.has(name)) throw new UsageError(`unknown option --${name} for lineage; use --out <file.html> or --format html|mermaid`);
  }
  let result;
  try {
    result = renderLineage(stack, { format, out });
  } catch (err) {
    if (err instanceof LineageError) throw new UsageError(err.message);
    throw err;
  }
  if (result.format === 'mermaid') process.stdout.write(result.text);
  else process.stdout.write(`${result.path}\n`);
}
