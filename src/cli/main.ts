/**
 * The `streamform` command. Run `bash scripts/setup.sh` once first (the README commands do).
 */
import { LocalKafkaPlatform } from '../../constructs';
import { devEnvironment } from '../../stacks/environments';
import { ParsedArgs, parseArgs, UsageError } from './args';
import { cdktf, deployStack, destroyStack } from './cdktf';
import { demo } from './demo';
import { platformStatus } from './status';

const HELP = `streamform — Kafka data pipelines as typed infrastructure code

Usage:
  streamform deploy <stack>      cdktf deploy one stack (e.g. platform-dev)
  streamform destroy <stack>     cdktf destroy one stack
  streamform status              topics, schemas and connectors of the dev platform
  streamform demo                the README's main job: deploy to local Docker and show it working
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
    const endpoints = LocalKafkaPlatform.hostEndpoints(env.platform.ports, env.platform.images);
    process.stdout.write((await platformStatus(endpoints)) + '\n');
  },
  async demo() {
    await demo();
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
