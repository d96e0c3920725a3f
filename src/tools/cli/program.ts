/**
 * The command line of `streamform`, parsed by commander: one command per subcommand, each with its
 * arguments and options. Unknown options, options of another command, missing or surplus
 * arguments are usage errors (exit code 2) naming the option and the command's usage, before
 * anything runs; `-h`/`--help` on any command prints its help and does nothing else.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ParsedArgs, UsageError } from './args';

/** Where the CLI writes and how it asks; the process's by default, fakes in tests. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Whether a person can answer a question (stdin and stderr are terminals). */
  readonly isTTY: boolean;
  /** Asks a yes/no question on the terminal; true only for an explicit yes. */
  readonly confirm: (question: string) => Promise<boolean>;
}

interface OptionSpec {
  /** e.g. `--env <env>` or `--adopt` */
  readonly flags: string;
  readonly description: string;
  readonly repeatable?: boolean;
  readonly hidden?: boolean;
}

interface CommandSpec {
  readonly name: string;
  /** commander's argument syntax, e.g. `<stacks...>`, `[pipeline]` */
  readonly args?: string;
  readonly summary: string;
  readonly options?: readonly OptionSpec[];
  /** Text after the options in the command's help. */
  readonly after?: string;
}

const ENV = 'dev|staging|prod';

/** Every subcommand, its arguments and options: what the parser accepts and `--help` shows. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'init',
    args: '[dir]',
    summary: 'a new streamform project in dir (default: the current folder): one pipeline, dev and prod, a test, CI',
    options: [
      { flags: '--name <name>', description: 'the pipeline and package name (default: the folder name)' },
      {
        flags: '--streamform <spec>',
        description: 'how package.json requires streamform (default: this version, or the tarball/URL already installed there)',
      },
      { flags: '--skip-install', description: 'write the files only; run `npm install` yourself' },
    ],
    after: 'Files that already exist are left as they are (named); package.json is merged.',
  },
  {
    name: 'setup',
    summary: "the toolchain (OpenTofu, providers) and the project's provider mirror in .streamform/, a Docker engine and the local images",
    options: [{ flags: '--without-docker', description: 'no Docker engine and no images (synth and plan against existing clusters only)' }],
  },
  {
    name: 'deploy',
    args: '<stacks...>',
    summary: "cdktf deploy stacks, e.g. platform-dev ratings-dev (dev: waits for the platform's ksqlDB)",
    options: [
      { flags: '--adopt', description: 'import objects of the stack that exist outside its state (nothing is removed)' },
      { flags: '--replace', description: 'remove such containers and create them anew (volumes and networks adopted)' },
      { flags: '--delete-data', description: 'with --replace: remove the volumes too (their data is lost)' },
    ],
    after:
      'Objects of a stack that exist outside its state stop the deploy, named, unless --adopt or --replace.\n' +
      'Ctrl-C: OpenTofu stops gracefully and saves its state; twice: it aborts. Deploying again continues.',
  },
  {
    name: 'destroy',
    args: '<stacks...>',
    summary: 'cdktf destroy stacks (dependents first: ratings-dev platform-dev)',
    options: [
      { flags: '--auto-approve', description: 'destroy without asking (required without a terminal)' },
      {
        flags: '--forget-unreachable',
        description: "when a server of the stack's objects is gone for good: forget its objects (nothing deleted), destroy the rest",
      },
    ],
    after: 'Asks for confirmation on a terminal (always for staging and prod stacks) unless --auto-approve.',
  },
  {
    name: 'status',
    summary: 'topics, schemas, connectors and ksqlDB objects of an environment',
    options: [
      { flags: `--env <env>`, description: `${ENV} (default dev); staging/prod read STREAMFORM_BOOTSTRAP_SERVERS etc.` },
      { flags: '--format <format>', description: 'table|json (default table)' },
    ],
  },
  {
    name: 'plan',
    args: '<pipeline>',
    summary: 'the real plan of one stack, reviewed for Kafka (diffs, data loss first, totals)',
    options: [
      { flags: '--env <env>', description: `${ENV} (default dev, or the suffix of <pipeline>, e.g. ratings-staging)` },
      { flags: '--format <format>', description: 'markdown|json|text (default markdown, for a pull-request comment)' },
      { flags: '--out <file>', description: 'write the review there' },
      { flags: '--save <file>', description: 'keep the plan (and a record of what it was made from) for `streamform apply <file>`' },
      { flags: '--allow-destructive', description: 'accept destroying or replacing protected data (after review)' },
      { flags: '--allow-unreachable', description: 'plan even when an endpoint does not answer (the review says so)' },
      { flags: '--detailed-exitcode', description: 'exit 2 when there are changes, 0 when none (as tofu plan)' },
    ],
    after:
      'Exit codes: 0 nothing forbidden (with --detailed-exitcode: no changes), 1 the plan failed or an endpoint\n' +
      'does not answer, 2 changes (only with --detailed-exitcode), 3 the environment forbids a change.',
  },
  {
    name: 'apply',
    args: '<plan-file>',
    summary: 'apply exactly a plan saved by `streamform plan --save` (refused when the code or the state changed since)',
    after:
      'The reviewed plan is the applied plan: no new plan is made. A plan whose code differs from the\n' +
      "checkout's, or whose state changed since (another apply ran), or that the review refused, is not applied.",
  },
  {
    name: 'promote',
    args: '<pipeline>',
    summary: 'dev → staging → prod: tests, fingerprint check, environment differences, plan, review, apply',
    options: [
      { flags: '--from <env>', description: `the source environment (${ENV})` },
      { flags: '--to <env>', description: 'the target environment: the next one after --from' },
      { flags: '--dry-run', description: 'plan and review only' },
      { flags: '--save <file>', description: 'plan, review and keep the plan for `streamform apply <file>` (nothing applied)' },
      { flags: '--allow-destructive', description: 'accept destroying or replacing protected data (after review)' },
    ],
  },
  {
    name: 'test',
    args: '[pipeline]',
    summary: "the pipeline's test cases (PipelineTest) on the local ksqlDB engine, in memory; or ksql-test-runner files",
    options: [
      { flags: '--env <env>', description: `the environment whose synthesis is tested: ${ENV} (default dev)` },
      { flags: '--sql-file <file>', description: "ksql-test-runner's statements (instead of a pipeline)" },
      { flags: '--input-file <file>', description: "ksql-test-runner's input records" },
      { flags: '--output-file <file>', description: "ksql-test-runner's expected output" },
    ],
  },
  {
    name: 'demo',
    summary: "the README's main job: deploy to local Docker and show it working",
  },
  {
    name: 'produce',
    args: '<pipeline-or-topic>',
    summary:
      "test data: streamform's pipelines (loads their local databases, then produces to their topics); in your project, records for a topic",
    options: [
      { flags: '--file <file>', description: 'records to send, JSON lines (.jsonl/.json) or CSV with a header (.csv) (your project)' },
      {
        flags: '--key <column>',
        description: 'the field used as the message key (your project; default: the key column of the stream over the topic)',
      },
      { flags: '--env <env>', description: `${ENV} (default dev); staging/prod read STREAMFORM_BOOTSTRAP_SERVERS etc.` },
      { flags: '--rate <msgs/s>', description: 'default 10' },
      { flags: '--count <n>', description: 'stop after n messages (default: at Ctrl-C)' },
      { flags: '--duration <s>', description: 'stop after s seconds' },
      { flags: '--seed <n>', description: 'reproducible data (default: random, printed)' },
      { flags: '--bad-ratio <0..1>', description: 'share of bad records (customer-quality; default 0.2)' },
    ],
  },
  {
    name: 'tail',
    args: '<topic>',
    summary: 'the last messages of a topic across partitions, decoded',
    options: [
      { flags: '--last <n>', description: 'default 20' },
      { flags: '--format <format>', description: 'table|csv|json (default table)' },
      { flags: '--env <env>', description: `${ENV} (default dev)` },
      { flags: '--timeout <s>', description: 'stop reading after this long (default 30)' },
    ],
  },
  {
    name: 'lineage',
    args: '<stack>',
    summary: 'sources → topics → ksqlDB streams and tables → sinks of a stack, as an HTML page or Mermaid',
    options: [
      { flags: '--out <file.html>', description: 'default lineage-<stack>.html in the current directory' },
      { flags: '--format <format>', description: 'html|mermaid (default html; mermaid prints the flowchart text)' },
    ],
  },
  {
    name: 'ksqldb',
    summary: "streamform's local ksqlDB in the foreground (ksqlDB's REST protocol and language)",
    options: [
      { flags: '--port <n>', description: 'default 8088' },
      { flags: '--host <address>', description: 'default 127.0.0.1' },
      { flags: '--bootstrap-servers <h:p>', description: 'Kafka; without it the server runs over an in-memory log' },
      { flags: '--bootstrap <h:p>', description: 'same as --bootstrap-servers', hidden: true },
      { flags: '--schema-registry <url>', description: 'e.g. http://localhost:8081/apis/ccompat/v7' },
      { flags: '--service-id <id>', description: 'ksql.service.id (default default_)' },
      { flags: '--from-env', description: "read cp-ksqldb-server's KSQL_* environment variables" },
      { flags: '--property <name=value>', description: 'a server property (repeatable)', repeatable: true },
      { flags: '--command-response-timeout-ms <n>', description: 'ksql.server.command.response.timeout.ms (default 5000)' },
      { flags: '--version <version>', description: 'the server version reported', hidden: true },
      { flags: '--ready-after-ms <n>', description: '', hidden: true },
      { flags: '--command-execution-ms <n>', description: '', hidden: true },
      { flags: '--command-queue-delay-ms <n>', description: '', hidden: true },
    ],
  },
  {
    name: 'bindings',
    summary: "regenerate the cdktf bindings (src/gen) from the provider's schema",
  },
];

/** The package's version (package.json at the checkout's root). */
export function packageVersion(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'streamform' && pkg.version) return pkg.version;
    }
  }
  return 'unknown';
}

/** A usage error of one command: its message, then its usage line and where its help is. */
function usageError(message: string, command?: Command): UsageError {
  const name = command?.name();
  const usage = command ? `\nusage: streamform ${name} ${command.usage()}\nrun \`streamform ${name} --help\` for its options` : '';
  return new UsageError(`${message}${usage}`, 2);
}

/** Turns commander's error into streamform's message for the command it was raised in. */
function translate(err: CommanderError, command: Command, spec: CommandSpec | undefined): UsageError {
  const quoted = /'([^']*)'/.exec(err.message)?.[1] ?? '';
  const suggestion = /\(Did you mean (.*)\?\)/.exec(err.message)?.[1];
  const longs = (spec?.options ?? []).filter((o) => !o.hidden).map((o) => o.flags.split(' ')[0]);
  switch (err.code) {
    case 'commander.unknownOption': {
      const [name, value] = quoted.includes('=') ? [quoted.slice(0, quoted.indexOf('=')), quoted.slice(quoted.indexOf('=') + 1)] : [quoted];
      const known = spec?.options?.find((o) => o.flags === name);
      if (known && value !== undefined) return usageError(`${name} takes no value (got '${value}')`, command);
      if (!spec)
        return usageError(`unknown option ${quoted}; options go after the command, e.g. \`streamform deploy platform-dev --adopt\``);
      const takes = longs.length > 0 ? `it takes ${longs.join(', ')}` : 'it takes no options';
      return usageError(
        `unknown option ${quoted} for ${spec.name} (${takes})${suggestion ? `; did you mean ${suggestion}?` : ''}`,
        command,
      );
    }
    case 'commander.invalidArgument':
      return usageError(err.message.split(' is invalid. ')[1] ?? err.message, command);
    case 'commander.optionMissingArgument':
      return usageError(`${quoted.split(' ')[0]} needs a value`, command);
    case 'commander.missingArgument':
      return usageError(`missing ${spec?.args?.replace(/\.\.\./, '…') ?? `<${quoted}>`}`, command);
    case 'commander.excessArguments': {
      const extra = command.args.slice(command.registeredArguments.length);
      return usageError(`unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((a) => `'${a}'`).join(' ')}`, command);
    }
    case 'commander.unknownCommand':
      return usageError(
        `unknown command '${quoted}'; the commands are ${COMMANDS.map((c) => c.name).join(', ')}, help; run \`streamform help\``,
      );
    default:
      return usageError(err.message.replace(/^error: /, ''), spec ? command : undefined);
  }
}

/** The parsed command line in the form the command modules take: positionals and `--name` options. */
function parsedArgs(name: string, command: Command): ParsedArgs & { lists: Record<string, string[]> } {
  const options: Record<string, string | true> = {};
  const lists: Record<string, string[]> = {};
  for (const o of command.options) {
    const key = o.long!.slice(2);
    const value = command.getOptionValue(o.attributeName()) as string | boolean | string[] | undefined;
    if (value === undefined || value === false) continue;
    if (Array.isArray(value)) lists[key] = value;
    else options[key] = value;
  }
  const positionals = [name, ...command.args];
  return { positionals, options, lists };
}

/** The program: `run` is called with the subcommand's name and its parsed arguments. */
function buildProgram(
  overview: string,
  run: (name: string, args: ParsedArgs & { lists: Record<string, string[]> }) => Promise<void>,
  io: CliIo,
): Command {
  const program = new Command('streamform')
    .usage('<command> [arguments] [options]')
    .version(packageVersion(), '--version', 'the version of streamform')
    .helpOption('-h, --help', 'this text')
    .helpCommand(false)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: () => undefined });
  program.helpInformation = () => overview;
  for (const spec of COMMANDS) {
    const command = program.command(spec.name).summary(spec.summary).description(spec.summary);
    if (spec.args) command.arguments(spec.args);
    for (const o of spec.options ?? []) {
      const option = new Option(o.flags, o.description);
      // `--from --to prod`: commander would take `--to` as the value of --from; nobody means that.
      const value = (v: string): string => {
        if (v.startsWith('--')) throw new InvalidArgumentError(`${o.flags.split(' ')[0]} needs a value (got the option ${v})`);
        return v;
      };
      if (o.repeatable) option.argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), value(v)]);
      else if (option.required) option.argParser(value);
      if (o.hidden) option.hideHelp();
      command.addOption(option);
    }
    command.helpOption('-h, --help', 'this command’s help');
    if (spec.after) command.addHelpText('after', `\n${spec.after}`);
    command.exitOverride((err) => {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') throw err;
      throw translate(err, command, spec);
    });
    command.action(async (...actionArgs: unknown[]) => {
      const self = actionArgs[actionArgs.length - 1] as Command;
      await run(spec.name, parsedArgs(spec.name, self));
    });
  }
  // `streamform help [command]`
  program
    .command('help')
    .argument('[command]')
    .helpOption(false)
    .action((name: string | undefined) => {
      if (name === undefined) return io.out(overview);
      const command = program.commands.find((c) => c.name() === name && name !== 'help');
      if (!command)
        throw translate(new CommanderError(2, 'commander.unknownCommand', `error: unknown command '${name}'`), program, undefined);
      io.out(command.helpInformation());
    });
  return program;
}

/**
 * Parses `argv` and runs the command. Help and --version print and return; usage errors throw
 * UsageError (exit code 2) before `run` is called.
 */
export async function parseAndRun(
  argv: readonly string[],
  overview: string,
  run: (name: string, args: ParsedArgs & { lists: Record<string, string[]> }) => Promise<void>,
  io: CliIo,
): Promise<void> {
  if (argv.length === 0) {
    io.out(overview);
    return;
  }
  const program = buildProgram(overview, run, io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') return;
      throw translate(err, program, undefined);
    }
    throw err;
  }
}
