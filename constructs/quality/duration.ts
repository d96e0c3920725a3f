/** A length of time, as ksqlDB windows and lags need it. */

const UNITS = [
  { name: 'DAY', ms: 86_400_000 },
  { name: 'HOUR', ms: 3_600_000 },
  { name: 'MINUTE', ms: 60_000 },
  { name: 'SECOND', ms: 1_000 },
  { name: 'MILLISECOND', ms: 1 },
] as const;

type UnitName = (typeof UNITS)[number]['name'];

/**
 * A length of time: the lag a timeliness rule allows, the span a uniqueness rule looks back, the
 * size of a metrics window.
 *
 * @example
 * Rule.timeliness('CREATED_AT', Duration.minutes(5));
 */
export class Duration {
  static millis(amount: number): Duration {
    return new Duration(amount, 'MILLISECOND');
  }
  static seconds(amount: number): Duration {
    return new Duration(amount, 'SECOND');
  }
  static minutes(amount: number): Duration {
    return new Duration(amount, 'MINUTE');
  }
  static hours(amount: number): Duration {
    return new Duration(amount, 'HOUR');
  }
  static days(amount: number): Duration {
    return new Duration(amount, 'DAY');
  }

  private constructor(
    /** The amount as given, in `unit`. */
    readonly amount: number,
    readonly unit: UnitName,
  ) {}

  /** The length in milliseconds. */
  toMilliseconds(): number {
    return this.amount * UNITS.find((u) => u.name === this.unit)!.ms;
  }

  /** ksqlDB's notation (`1 MINUTE`, `90 SECONDS`), in the largest unit that holds it exactly. */
  toKsql(): string {
    const ms = this.toMilliseconds();
    const unit = UNITS.find((u) => ms % u.ms === 0)!;
    const n = ms / unit.ms;
    return `${n} ${unit.name}${n === 1 ? '' : 'S'}`;
  }

  /** For people: `5 minutes`. */
  toString(): string {
    return `${this.amount} ${this.unit.toLowerCase()}${this.amount === 1 ? '' : 's'}`;
  }

  /**
   * What is wrong with this duration, if anything (a positive whole number of milliseconds is
   * required). Used by the constructs that take durations, so that every problem is reported at once.
   * @internal
   */
  _problem(): string | undefined {
    const ms = this.toMilliseconds();
    if (!Number.isFinite(ms) || ms <= 0) return 'must be a positive length of time';
    if (!Number.isInteger(ms)) return 'must be a whole number of milliseconds';
    return undefined;
  }
}
