/** `streamform lineage <stack> [--out file.html] [--format html|mermaid]`. */
import * as fs from 'fs';
import * as path from 'path';
import { KafkaAdminClient } from '../../provider/clients/kafka';
import { ParsedArgs, stringOption, UsageError } from '../cli/args';
import { endpointAccess } from '../generators/endpoints';
import { envOfStack, isUserProject, loadUserApp, pickStack, stacksOf } from '../cli/project';
import { renderLineageHtml } from './html';
import { toMermaid } from './mermaid';
import { LineageError, lineageEnv, lineageForStack, LineageGraph, lineageOf, withMessageCounts } from './model';

type LineageFormat = 'html' | 'mermaid';

interface LineageOptions {
  readonly format?: LineageFormat;
  /** Where the page goes (html); relative to `cwd`. @default lineage-<stack>.html */
  readonly out?: string;
  /** @default process.cwd() */
  readonly cwd?: string;
  /** The environment the app is built with. @default lineageEnv() */
  readonly env?: NodeJS.ProcessEnv;
  /** Message counts per topic name, shown in the topics' boxes. */
  readonly counts?: ReadonlyMap<string, bigint>;
  /** Where the counts came from, or why there are none. */
  readonly countsNote?: string;
  /** The graph, when already built (a user's project). @default - the stack of streamform's app */
  readonly graph?: LineageGraph;
}

/** Writes the page (html) and returns its path, or returns the Mermaid text (mermaid). */
export function renderLineage(stack: string, options: LineageOptions = {}): { format: LineageFormat; path?: string; text: string } {
  const plain = options.graph ?? lineageForStack(stack, options.env ?? lineageEnv());
  const graph = options.counts ? withMessageCounts(plain, options.counts) : plain;
  if ((options.format ?? 'html') === 'mermaid') return { format: 'mermaid', text: toMermaid(graph) };
  const file = path.resolve(options.cwd ?? process.cwd(), options.out ?? `lineage-${stack}.html`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const { html } = renderLineageHtml(graph, { countsNote: options.countsNote });
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
    const graph = isUserProject()
      ? lineageOf(pickStack(stacksOf(await loadUserApp()), stack, undefined))
      : lineageForStack(stack, lineageEnv());
    const live: { counts?: Map<string, bigint>; countsNote?: string } = format === 'html' ? await messageCounts(stack, graph) : {};
    if (live.countsNote) process.stderr.write(`${live.countsNote}\n`);
    result = renderLineage(stack, { format, out, ...live, graph });
  } catch (err) {
    if (err instanceof LineageError) throw new UsageError(err.message);
    throw err;
  }
  if (result.format === 'mermaid') process.stdout.write(result.text);
  else process.stdout.write(`${result.path}\n`);
}

/**
 * The message count of each topic of the graph that exists, when the stack's Kafka answers within
 * a few seconds; otherwise a note saying why there are none (the page is written either way).
 */
export async function messageCounts(
  stack: string,
  graph: LineageGraph,
  processEnv: NodeJS.ProcessEnv = process.env,
  timeoutMs = 3000,
): Promise<{ counts?: Map<string, bigint>; countsNote: string }> {
  const env = envOfStack(stack);
  if (!env || (!isUserProject(processEnv) && !['dev', 'staging', 'prod'].includes(env)))
    return { countsNote: 'no message counts: the stack names no environment' };
  let access;
  try {
    access = endpointAccess(env, processEnv);
  } catch (err) {
    return { countsNote: `no message counts: ${(err as Error).message.split(';')[0]}` };
  }
  const admin = new KafkaAdminClient({ ...access.kafka, timeoutMs });
  try {
    const existing = new Set(await admin.listTopics());
    const counts = new Map<string, bigint>();
    for (const n of graph.nodes) {
      const topic = n.id.slice('topic:'.length);
      if (n.kind !== 'topic' || !existing.has(topic)) continue;
      counts.set(topic, await admin.messageCount(topic));
    }
    return { counts, countsNote: `message counts from Kafka at ${access.origin}, ${new Date().toISOString().slice(11, 19)} UTC` };
  } catch {
    return { countsNote: `no message counts: Kafka at ${access.origin} did not answer within ${timeoutMs / 1000} s` };
  } finally {
    await admin.close().catch(() => undefined);
  }
}
