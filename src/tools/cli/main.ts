/**
 * The `streamform` command. Run `bash scripts/setup.sh` once first (the README commands do).
 */
import * as readline from 'readline';
import { ParsedArgs, UsageError } from './args';
import { cdktf, CdktfOptions, deployStacks, destroyStacks, SynthesizedStack } from './cdktf';
import { stopLegacyDevKsqldb, waitForLocalKsqldb } from './dev-ksqldb';
import { InterruptedError } from './interrupts';
import { leftoverModeOf } from './leftovers';
import { envOfStack, isUserProject } from './project';
import type { Unreachable } from './reachability';
import { CliIo, COMMANDS, parseAndRun } from './program';
import { ProgressEvent, ResourceAction } from './tofu-progress';

const HELP = `streamform — Kafka data pipelines as typed infrastructure code

Usage: streamform <command> [arguments] [options]
  Options go after the command, as --name value or --name=value; unknown ones are refused (exit 2).
  streamform <command> --help (or -h) shows that command's help; streamform --version the version.

  In your own project (a folder with cdktf.json and streamform installed) every command works on its
  stacks; in streamform's checkout on the checkout's own pipelines.

  streamform init [dir]          a new project in dir: cdktf.json, package.json, tsconfig.json, main.ts with
                                 one pipeline (pageviews) and its test case, environments.ts (dev on the
                                 local platform, prod from STREAMFORM_* variables), .gitignore, a CI
                                 workflow; then npm install. Existing files are kept; package.json merged
      --name <name>              the package name (default: the folder's)
      --streamform <spec>        how package.json requires streamform (default: ^<this version>)
      --skip-install             write the files only
  streamform setup               OpenTofu, the docker provider and this project's provider mirror
                                 (.streamform/), a Docker engine, the local images (deploy runs it first
                                 when the project has none)
      --without-docker           no Docker engine and no images
  streamform deploy <stack...>   cdktf deploy stacks, e.g. platform-dev ratings-dev (dev: waits for the
                                 platform's ksqlDB). Objects of a stack that
                                 exist outside its state stop the deploy, named, unless one of:
      --adopt                    import them into the state (nothing is removed)
      --replace                  remove the containers and create them anew (volumes and networks adopted)
      --delete-data              with --replace: remove the volumes too (their data is lost)
                                 Ctrl-C: OpenTofu stops gracefully and saves its state; twice: it aborts.
                                 Deploying again continues an interrupted deploy.
  streamform destroy <stack...>  cdktf destroy stacks (dependents first: ratings-dev platform-dev); asks
                                 for confirmation on a terminal (always for staging and prod stacks)
      --auto-approve             destroy without asking (required without a terminal, e.g. in CI)
      --forget-unreachable       when a server of the stack's objects does not answer and is gone for good
                                 (e.g. a destroyed local platform): forget those objects (nothing is
                                 deleted) and destroy the rest; without it such a destroy stops, naming it
  streamform status              topics, schemas, connectors and ksqlDB objects of an environment
      --env dev|staging|prod     default dev; staging/prod read STREAMFORM_BOOTSTRAP_SERVERS etc.
      --format table|json        default table
  streamform plan <pipeline> --env <env>
                                 the real plan of one stack, reviewed for Kafka: totals first, data loss
                                 first, SQL/schema/config diffs; exit 1 failed or an endpoint does not
                                 answer, 3 the environment forbids a change
      --format markdown|json|text  default markdown (for a pull-request comment)
      --out <file>               write the review there
      --save <file>              keep the plan for \`streamform apply <file>\`
      --allow-destructive        accept destroying or replacing protected data (after review)
      --allow-unreachable        plan even when an endpoint does not answer (the review says so)
      --detailed-exitcode        exit 2 when there are changes, 0 when none (as tofu plan)
  streamform apply <plan-file>   apply exactly a plan saved by plan --save; refused when the code or the
                                 state changed since, or when its review refused it
  streamform promote <pipeline> --from <env> --to <env>
                                 dev → staging → prod: runs the pipeline's test cases first (refused,
                                 naming them, when one fails); refused unless the source environment
                                 runs this checkout's definition (fingerprint); shows the environment
                                 differences, plans, reviews and applies the target
      --dry-run                  plan and review only
      --save <file>              plan, review and keep the plan for \`streamform apply <file>\` (nothing applied)
      --allow-destructive        accept destroying or replacing protected data (after review)
  streamform test <pipeline>     the pipeline's test cases (PipelineTest, declared in its stack) on the
                                 local ksqlDB engine, in memory, against its statements as synthesized:
                                 pass or fail per case with a diff; exit 1 when a case fails
      --env dev|staging|prod     the environment whose synthesis is tested (default dev)
  streamform test --sql-file <statements.sql> --input-file <input.json> --output-file <output.json>
                                 ksqlDB's ksql-test-runner files on the same engine
  streamform demo                the README's main job: deploy to local Docker and show it working
  streamform produce <topic>     your project: records for one of its topics, generated from the columns of
                                 the ksqlDB stream over it (JSON, DELIMITED, or Avro by the registry's
                                 <topic>-value schema) or read from a file
      --file <file>              JSON lines (.jsonl), a JSON array (.json) or CSV with a header (.csv)
      --key <column>             the message key's field (default: the stream's key column)
      --count <n>                generated records (default 10)
  streamform produce <pipeline>  streamform's checkout: test data for a pipeline (ratings, airline-merger,
                                 customer-quality): loads its local databases (dev), then produces to its topics
      --env dev|staging|prod     default dev; staging/prod read STREAMFORM_BOOTSTRAP_SERVERS etc.
      --rate <msgs/s>            default 10
      --count <n> | --duration <s>   when to stop (default: at Ctrl-C)
      --seed <n>                 reproducible data (default: random, printed)
      --bad-ratio <0..1>         share of bad records (customer-quality; default 0.2)
  streamform tail <topic>        the last messages of a topic across partitions, decoded
      --last <n>                 default 20
      --format table|csv|json    default table
      --env dev|staging|prod     default dev
      --timeout <s>              stop reading after this long (default 30)
  streamform lineage <stack>     sources → topics → ksqlDB streams and tables → sinks of a stack, e.g.
                                 ratings-dev: a self-contained HTML page, its path printed
      --out <file.html>          default lineage-<stack>.html in the current directory
      --format html|mermaid      default html; mermaid prints the Mermaid flowchart text
  streamform ksqldb              streamform's local ksqlDB in the foreground (ksqlDB's REST protocol and
                                 language; persistent queries run exactly once over Kafka)
      --port <n>                 default 8088
      --host <address>           default 127.0.0.1
      --bootstrap-servers <h:p>  Kafka; without it the server runs over an in-memory log
      --schema-registry <url>    e.g. http://localhost:8081/apis/ccompat/v7
      --service-id <id>          ksql.service.id (default default_)
      --from-env                 read cp-ksqldb-server's KSQL_* environment variables
  streamform bindings            regenerate the cdktf bindings (src/gen) from the provider's schema
  streamform help [command]      this text, or one command's help
`;

type Command = (args: ParsedArgs, io: CliIo) => Promise<void>;

const commands: Record<string, Command> = {
  async deploy(args) {
    const stacks = requireStacks(args);
    const tally = new ChangeTally();
    const opts = {
      ...cliOptions(deployMode(args), tally),
      beforeDeploy: (_stack: string, json: SynthesizedStack) => waitForLocalKsqldb(json),
    };
    if (!isUserProject() && stacks.includes('platform-dev')) {
      const { devEnvironment } = await import('../../../stacks/environments');
      if (stopLegacyDevKsqldb(devEnvironment().platform!.name))
        process.stderr.write('stopped a ksqlDB process an earlier streamform started\n');
    }
    await ensureProjectSetup();
    process.stderr.write(`deploying ${stacks.join(' ')} with cdktf …\n`);
    await deployStacks(stacks, opts);
    process.stderr.write(`deployed ${stacks.join(' ')}:\n${tally.lines(stacks).join('\n')}\n`);
  },
  async destroy(args) {
    const stacks = requireStacks(args);
    await ensureProjectSetup();
    process.stderr.write(`destroying ${stacks.join(' ')} with cdktf …\n`);
    const tally = new ChangeTally();
    const forget = args.options['forget-unreachable'] === true;
    await destroyStacks(stacks, {
      ...cliOptions(undefined, tally),
      beforeDestroy: (stack, json) => unreachableObjects(stack, json, forget),
    });
    process.stderr.write(`destroyed ${stacks.join(' ')}:\n${tally.lines(stacks).join('\n')}\n`);
  },
  async status(args, io) {
    const { statusCommand } = await import('./status');
    io.out((await statusCommand(args, devEndpoints)) + '\n');
  },
  async demo() {
    checkoutOnly('demo');
    const { demo } = await import('./demo');
    await demo();
  },
  async plan(args) {
    await ensureProjectSetup();
    const { planCommand } = await import('./plan');
    await planCommand(args, devEndpoints);
  },
  async apply(args) {
    await ensureProjectSetup();
    const { applyCommand } = await import('./apply');
    await applyCommand(args);
  },
  async promote(args) {
    await ensureProjectSetup();
    const { promoteCommand } = await import('./promote');
    await promoteCommand(args);
  },
  async test(args) {
    // Loaded on use: the engine is only needed here.
    const { testCommand } = await import('./test');
    await testCommand(args);
  },
  async produce(args) {
    if (isUserProject()) {
      const { produceTopicCommand } = await import('./produce-topic');
      return produceTopicCommand(args);
    }
    const { produceCommand } = await import('./produce');
    await produceCommand(args);
  },
  async tail(args) {
    const { tailCommand } = await import('./tail');
    await tailCommand(args);
  },
  async ksqldb(args) {
    const { ksqldbCommand } = await import('./ksqldb');
    await ksqldbCommand(args);
  },
  async init(args) {
    const { initCommand } = await import('./init');
    await initCommand(args);
  },
  async setup(args) {
    const { setup } = await import('../toolchain/setup');
    await setup({ withoutDocker: args.options['without-docker'] === true, tests: false });
  },
  async lineage(args) {
    // Loaded on use: it builds the whole app (every stack), which the other commands do not need.
    const { lineageCommand } = await import('../lineage/command');
    await lineageCommand(args);
  },
  async bindings() {
    process.stderr.write('regenerating src/gen from the provider schema with cdktf get …\n');
    await cdktf(['get', '--force']);
    process.stderr.write('done: review and commit src/gen\n');
  },
  async help(_args, io) {
    io.out(HELP);
  },
};

function requireStacks(args: ParsedArgs): string[] {
  const stacks = args.positionals.slice(1);
  if (stacks.length === 0) throw new UsageError('name the stacks, e.g. `streamform deploy platform-dev ratings-dev`');
  return stacks;
}

function deployMode(args: ParsedArgs) {
  try {
    return leftoverModeOf({
      adopt: args.options.adopt === true,
      replace: args.options.replace === true,
      deleteData: args.options['delete-data'] === true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message, 2);
  }
}

/** What OpenTofu reported done per stack during one command: `ratings-dev: 3 created, 1 changed, 0 destroyed`. */
export class ChangeTally {
  private readonly counts = new Map<string, Record<ResourceAction, number>>();

  add(stack: string, e: ProgressEvent): void {
    if (!e.done) return;
    const c = this.counts.get(stack) ?? { create: 0, update: 0, destroy: 0 };
    c[e.action]++;
    this.counts.set(stack, c);
  }

  /** One line per stack given, in order; a stack OpenTofu changed nothing in says so. */
  lines(stacks: readonly string[]): string[] {
    return stacks.map((s) => {
      const c = this.counts.get(s);
      return c ? `  ${s}: ${c.create} created, ${c.update} changed, ${c.destroy} destroyed` : `  ${s}: no changes`;
    });
  }
}

/** Deploy and destroy from the command line: OpenTofu's progress shown, interrupts passed on to it. */
function cliOptions(leftovers?: CdktfOptions['leftovers'], tally?: ChangeTally): CdktfOptions {
  return {
    leftovers,
    handleSignals: true,
    onProgress: (stack, e) => {
      tally?.add(stack, e);
      process.stderr.write(`  ${stack}: ${e.text}\n`);
    },
  };
}

/** The dev platform's host endpoints of streamform's checkout, ksqlDB included (its ksqldb container, or STREAMFORM_KSQLDB_URL). */
function devEndpoints() {
  const { devEnvironment } = require('../../../stacks/environments') as typeof import('../../../stacks/environments');
  const { LocalKafkaPlatform } = require('../../../constructs/platform') as typeof import('../../../constructs/platform');
  const env = devEnvironment();
  const host = LocalKafkaPlatform.hostEndpoints(env.platform!.ports, env.platform!.images, true, env.platform!.brokers);
  return { ...host, ksqldbUrl: env.cluster.endpoints?.ksqldbUrl ?? host.ksqldbUrl };
}

/** Which server each kind of streamform object lives on. */
const SERVICE_OF: Readonly<Record<string, Unreachable['service']>> = {
  streamform_topic: 'Kafka',
  streamform_schema: 'Schema Registry',
  streamform_connector: 'Kafka Connect',
  streamform_ksql_stream: 'ksqlDB',
  streamform_ksql_table: 'ksqlDB',
  streamform_ksql_query: 'ksqlDB',
  streamform_ksql_insert_into: 'ksqlDB',
};

/**
 * Before destroying a stack: do the servers its objects live on answer? When one does not, the
 * destroy stops, naming it and the ways out, unless --forget-unreachable: then the resource types
 * on those servers are returned, to be forgotten (the destroy then removes the rest).
 */
async function unreachableObjects(stack: string, json: SynthesizedStack, forget: boolean): Promise<string[]> {
  const types = Object.keys(json.resource ?? {}).filter((t) => SERVICE_OF[t] && Object.keys(json.resource![t]).length > 0);
  if (types.length === 0) return [];
  // loaded on use: the clients are only needed for stacks with streamform objects
  const [{ stackEndpoints }, { describeUnreachable, unreachableEndpoints }] = await Promise.all([
    import('../generators/endpoints'),
    import('./reachability'),
  ]);
  const access = stackEndpoints(stack, json, envOfStack(stack) ?? 'dev');
  if (!access) return [];
  const used = new Set(types.map((t) => SERVICE_OF[t]));
  const down = (await unreachableEndpoints(access, 5000)).filter((u) => used.has(u.service));
  if (down.length === 0) return [];
  if (!forget) {
    throw new UsageError(
      `${stack}: its objects cannot be deleted while their servers do not answer:\n${describeUnreachable(down)}\n` +
        `Start them and destroy again (a local platform: \`streamform deploy platform-dev\`). If they are gone for good (a destroyed local platform took its data with it), ` +
        `\`streamform destroy ${stack} --forget-unreachable\` makes the stack's state forget the objects on those servers (nothing is deleted anywhere) and destroys the rest.`,
      1,
    );
  }
  const gone = new Set(down.map((u) => u.service));
  return types.filter((t) => gone.has(SERVICE_OF[t]));
}

/** Commands about streamform's own pipelines only (the demo). */
function checkoutOnly(command: string): void {
  if (isUserProject()) throw new UsageError(`\`streamform ${command}\` shows streamform's own pipelines: run it in streamform's checkout`);
}

/**
 * In a user's project: the toolchain, the project's provider mirror and the local images, set up
 * before each command that runs OpenTofu (a second set-up takes a second or two; it follows an
 * upgraded or reinstalled streamform package).
 */
async function ensureProjectSetup(): Promise<void> {
  if (!isUserProject()) return;
  const { setup } = await import('../toolchain/setup');
  await setup({});
}

/** The stacks `destroy` names that belong to staging or prod (always confirmed). */
function protectedStacks(stacks: readonly string[]): string[] {
  return stacks.filter((s) => /-(staging|prod)$/.test(s));
}

/**
 * `destroy` goes ahead with --auto-approve, or when a person at a terminal confirms; without a
 * terminal it refuses, naming the fix.
 */
async function confirmDestroy(args: ParsedArgs, io: CliIo): Promise<boolean> {
  if (args.options['auto-approve'] === true) return true;
  const stacks = args.positionals.slice(1);
  const remote = protectedStacks(stacks);
  if (!io.isTTY) {
    throw new UsageError(
      `destroy removes ${stacks.join(' ')} and the data they hold; without a terminal to confirm on, add --auto-approve: \`streamform destroy ${stacks.join(' ')} --auto-approve\``,
      2,
    );
  }
  const warning =
    remote.length > 0
      ? ` (${remote.join(', ')}: a shared ${remote.some((s) => s.endsWith('-prod')) ? 'prod' : 'staging'} environment)`
      : '';
  return io.confirm(`Destroy ${stacks.join(' ')}${warning} and the data they hold? Type 'yes' to go ahead: `);
}

/** The process's output and terminal. */
function processIo(): CliIo {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    isTTY: process.stdin.isTTY === true && process.stderr.isTTY === true,
    confirm: (question) =>
      new Promise<boolean>((resolve) => {
        const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
        rl.question(question, (answer) => {
          rl.close();
          resolve(answer.trim().toLowerCase() === 'yes');
        });
      }),
  };
}

interface MainOptions {
  /** The commands; the real ones by default (tests pass fakes that only record). */
  readonly handlers?: Readonly<Record<string, Command>>;
  readonly io?: CliIo;
}

export async function main(argv: readonly string[], options: MainOptions = {}): Promise<void> {
  const handlers = options.handlers ?? commands;
  const io = options.io ?? processIo();
  const first = argv.find((a) => !a.startsWith('-'));
  let name = first && COMMANDS.some((c) => c.name === first) ? `streamform ${first}` : 'streamform';
  try {
    await parseAndRun(
      argv,
      HELP,
      async (command, args) => {
        name = `streamform ${command}`;
        if (command === 'destroy' && !(await confirmDestroy(args, io))) {
          io.err('not destroyed\n');
          return;
        }
        await handlers[command](args, io);
      },
      io,
    );
  } catch (err) {
    const code = err instanceof UsageError || err instanceof InterruptedError ? err.exitCode : 1;
    io.err(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = code;
  }
}
