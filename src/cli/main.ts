/**
 * The `streamform` command. Run `bash scripts/setup.sh` once first (the README commands do).
 */
import { LocalKafkaPlatform } from '../../constructs';
import { devEnvironment } from '../../stacks/environments';
import { ParsedArgs, parseArgs, UsageError } from './args';
import { cdktf, deployStack, destroyStack } from './cdktf';
import { demo } from './demo';
import { produceCommand } from './produce';
import { platformStatus } from './status';
import { tailCommand } from './tail';

const HELP = `streamform — Kafka data pipelines as typed infrastructure code

Usage:
  streamform deploy <stack>      cdktf deploy one stack (e.g. platform-dev)
  streamform destroy <stack>     cdktf destroy one stack
  streamform status              topics, schemas and connectors of the dev platform
  streamform demo                the README's main job: deploy to local Docker and show it working
  streamform produce <pipeline>  test data for a pipeline (ratings, airline-merger, customer-quality):
                                 loads its local databases (dev), then produces to its topics
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
  streamform bindings            regenerate the cdktf bindings (src/gen) from the provider's schema
  streamform help                this text
`;

type Command = (args: ParsedArgs) => Promise<void>;

const commands: Record<string, Command> = {
  async deploy(args) {
    const stack = requireStack(args);
    process.stderr.write(`deploying ${stack} with cdktf …\n`);
    await deployStack(stack);
    process.stderr.write(`deployed ${stack}\n`);
  },
  async destroy(args) {
    const stack = requireStack(args);
    process.stderr.write(`destroying ${stack} with cdktf …\n`);
    await destroyStack(stack);
    process.stderr.write(`destroyed ${stack}\n`);
  },
  async status() {
    const env = devEnvironment();
    const endpoints = LocalKafkaPlatform.hostEndpoints(env.platform!.ports, env.platform!.images);
    process.stdout.write((await platformStatus(endpoints)) + '\n');
  },
  async demo() {
    await demo();
  },
  async produce(args) {
    await produceCommand(args);
  },
  async tail(args) {
    await tailCommand(args);
  },
  async bindings() {
    process.stderr.write('regenerating src/gen from the provider schema with cdktf get …\n');
    await cdktf(['get', '--force']);
    process.stderr.write('done: review and commit src/gen\n');
  },
  async help() {
    process.stdout.write(HELP);
  },
};

function requireStack(args: ParsedArgs): string {
  const stack = args.positionals[1];
  if (!stack) throw new UsageError('name the stack, e.g. `streamform deploy platform-dev`');
  return stack;
}

export async function main(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv);
  const name = args.positionals[0] ?? 'help';
  const command = commands[name];
  try {
    if (!command) throw new UsageError(`unknown command '${name}'; run \`streamform help\``);
    await command(args);
  } catch (err) {
    const code = err instanceof UsageError ? err.exitCode : 1;
    process.stderr.write(`streamform ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = code;
  }
}
