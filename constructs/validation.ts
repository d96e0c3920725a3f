/** One problem with a construct's input: where, what was given, and how to fix it. */
export interface ValidationIssue {
  /** Construct path, e.g. `dev-platform/Platform`. */
  readonly path: string;
  /** Property (dotted), e.g. `ports.connect`. */
  readonly field: string;
  /** What was received, rendered for a person. */
  readonly value: string;
  /** What is wrong, lowercase, e.g. `must be between 1 and 65535`. */
  readonly problem: string;
  /** What to do about it. */
  readonly fix: string;
}

/**
 * Every problem found in the input of one or more constructs, reported at once before anything
 * is synthesized or applied. The message has one line per issue:
 * `<path>: <field> <problem>, got <value>; <fix>`.
 */
export class ValidationError extends Error {
  constructor(
    /** The problems, in the order they were found. */
    readonly issues: readonly ValidationIssue[],
  ) {
    super(render(issues));
    this.name = 'ValidationError';
  }
}

function render(issues: readonly ValidationIssue[]): string {
  const head = issues.length === 1 ? 'streamform: 1 invalid setting' : `streamform: ${issues.length} invalid settings`;
  return [head, ...issues.map((i) => `  - ${issueText(i)}`)].join('\n');
}

/** One issue as a line: `<path>: <field> <problem>, got <value>; <fix>`. */
export function issueText(i: ValidationIssue): string {
  return `${i.path}: ${i.field} ${i.problem}, got ${i.value}; ${i.fix}`;
}
