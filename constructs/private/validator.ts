/** How constructs collect the problems of their input and report them at once (see ValidationError). */
import { Token } from 'cdktf';
import { IConstruct } from 'constructs';
import { issueText, ValidationError, ValidationIssue } from '../validation';

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

/** One line of a whole-app (synth) error, in ValidationError's form: `<path>: <field> <problem>, got <value>; <fix>`. */
export function issueLine(path: string, field: string, value: unknown, problem: string, fix: string): string {
  return issueText({ path, field, value: show(value), problem, fix });
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

  /**
   * Reports the issues with the whole app's at synth instead of throwing now, so that the problems
   * of every construct come in one error. For constructs whose remaining work cannot go wrong on
   * the bad values. Returns whether there were any.
   */
  reportAtSynth(): boolean {
    const issues = [...this.issues];
    if (issues.length === 0) return false;
    this.scope.node.addValidation({ validate: () => issues.map(issueText) });
    return true;
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
