/** Minimal argument parsing: positionals, `--flag`, `--key value` and `--key=value`. */
export interface ParsedArgs {
  readonly positionals: string[];
  readonly options: Record<string, string | true>;
  /** Repeatable options (e.g. ksqldb's --property), every value in order. */
  readonly lists?: Record<string, string[]>;
}

export function parseArgs(argv: readonly string[], booleans: readonly string[] = []): ParsedArgs {
  const positionals: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) {
      options[a.slice(2, eq)] = a.slice(eq + 1);
    } else if (booleans.includes(a.slice(2)) || i + 1 >= argv.length || argv[i + 1].startsWith('--')) {
      options[a.slice(2)] = true;
    } else {
      options[a.slice(2)] = argv[++i];
    }
  }
  return { positionals, options };
}

/** A user-facing failure: printed without a stack trace, exit code 1 (or the one given). */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function stringOption(args: ParsedArgs, name: string, fallback?: string): string | undefined {
  const v = args.options[name];
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return v ?? fallback;
}

/**
 * Refuses what a command does not take: unknown options (a misspelt `--adopt` must not deploy as
 * if nothing had been said), values given to flags and flags given without a value.
 */
export function checkOptions(
  command: string,
  args: ParsedArgs,
  known: { readonly flags?: readonly string[]; readonly values?: readonly string[] },
): void {
  const flags = known.flags ?? [];
  const values = known.values ?? [];
  for (const [name, value] of Object.entries(args.options)) {
    if (flags.includes(name)) {
      if (value !== true) throw new UsageError(`--${name} takes no value (got '${value}')`, 2);
    } else if (values.includes(name)) {
      if (value === true) throw new UsageError(`--${name} needs a value`, 2);
    } else {
      const all = [...flags, ...values].map((o) => `--${o}`);
      throw new UsageError(
        `unknown option --${name} for ${command}${all.length > 0 ? ` (it takes ${all.join(', ')})` : ' (it takes no options)'}`,
        2,
      );
    }
  }
}
