const UNITS = [
  { name: 'DAY', ms: 86_400_000 },
  { name: 'HOUR', ms: 3_600_000 },
  { name: 'MINUTE', ms: 60_000 },
  { name: 'SECOND', ms: 1_000 },
  { name: 'MILLISECOND', ms: 1 },
] as const;

type UnitName = (typeof UNITS)[number]['name'];

/**
 * A length of time, the one type for every time value of streamform: how long a topic keeps its
 * messages, the size of a metrics window, the lag a timeliness rule allows, how long `apply`
 * waits for a connector or a container. Each construct converts it to what its destination reads
 * (`retention.ms`, ksqlDB's `1 MINUTE`, whole seconds) and reports a length it cannot use (zero,
 * negative, finer than the destination's unit) with the construct path, like any other setting.
 *
 * @example
 * new Topic(this, 'Clicks', { topicName: 'clicks', retention: Duration.days(7) });
 * Rule.timeliness('CREATED_AT', Duration.minutes(5));
 */
export class Duration {
  /** `amount` milliseconds. */
  static millis(amount: number): Duration {
    return new Duration(amount, 'MILLISECOND');
  }
  /** `amount` seconds. */
  static seconds(amount: number): Duration {
    return new Duration(amount, 'SECOND');
  }
  /** `amount` minutes. */
  static minutes(amount: number): Duration {
    return new Duration(amount, 'MINUTE');
  }
  /** `amount` hours. */
  static hours(amount: number): Duration {
    return new Duration(amount, 'HOUR');
  }
  /** `amount` days of 24 hours. */
  static days(amount: number): Duration {
    return new Duration(amount, 'DAY');
  }

  private constructor(
    private readonly amount: number,
    private readonly unit: UnitName,
  ) {}

  /** The length in milliseconds. */
  toMilliseconds(): number {
    return this.amount * UNITS.find((u) => u.name === this.unit)!.ms;
  }

  /** The length in seconds (a fraction when it is not a whole number of seconds). */
  toSeconds(): number {
    return this.toMilliseconds() / 1000;
  }

  /** ksqlDB's notation (`1 MINUTE`, `90 SECONDS`), in the largest unit that holds it exactly. */
  toKsql(): string {
    const ms = this.toMilliseconds();
    const unit = UNITS.find((u) => ms % u.ms === 0) ?? UNITS[UNITS.length - 1];
    const n = ms / unit.ms;
    return `${n} ${unit.name}${n === 1 ? '' : 'S'}`;
  }

  /** For people, as it was given: `5 minutes`. */
  toString(): string {
    return `${this.amount} ${this.unit.toLowerCase()}${this.amount === 1 ? '' : 's'}`;
  }
}
