import { Token } from 'cdktf';
import { IConstruct } from 'constructs';

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
 * is synthesized or applied.
 */
export class ValidationError extends Error {
  constructor(readonly issues: readonly ValidationIssue[]) {
    super(ValidationError.render(issues));
    this.name = 'ValidationError';
  }

  static render(issues: readonly ValidationIssue[]): string {
    const head = issues.length === 1 ? 'streamform: 1 invalid setting' : `streamform: ${issues.length} invalid settings`;
    return [head, ...issues.map((i) => `  - ${i.path}: ${i.field} ${i.problem}, got ${i.value}; ${i.fix}`)].join('\n');
  }
}

/** Renders a value the way a person typed it: strings quoted, everything else as JSON. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `'${value}'`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Collects issues for one construct; `throwIfAny` raises a single ValidationError. */
export class Validator {
  private readonly issues: ValidationIssue[] = [];

  constructor(private readonly scope: IConstruct) {}

  /** Records an issue unless `ok`; values that are unresolved tokens are never judged. */
  check(ok: boolean, field: string, value: unknown, problem: string, fix: string): this {
    if (!ok && !isUnresolved(value)) {
      this.issues.push({ path: this.scope.node.path, field, value: show(value), problem, fix });
    }
    return this;
  }

  add(field: string, value: unknown, problem: string, fix: string): this {
    return this.check(false, field, value, problem, fix);
  }

  get found(): readonly ValidationIssue[] {
    return this.issues;
  }

  throwIfAny(): void {
    if (this.issues.length > 0) throw new ValidationError(this.issues);
  }
}

export function isUnresolved(value: unknown): boolean {
  if (typeof value === 'string' || typeof value === 'number' || Array.isArray(value)) return Token.isUnresolved(value);
  return false;
}

/** Docker image reference grammar (distribution/reference), without the digest-only form. */
const IMAGE_REF =
  /^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

export function isImageReference(ref: string): boolean {
  return ref.length <= 255 && IMAGE_REF.test(ref);
}

/** Names Docker accepts for containers, networks and volumes. */
export function isDockerName(name: string): boolean {
  return /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name) && name.length <= 128;
}
