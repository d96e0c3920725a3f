import { Duration } from '../duration';

/**
 * What is wrong with `d` as a setting whose destination counts in `precision` (a positive whole
 * number of milliseconds, or of seconds), if anything. Constructs call it while collecting their
 * validation issues, so that a bad duration is reported with the construct path and every other
 * problem at once.
 */
export function durationProblem(d: Duration, precision: 'ms' | 's' = 'ms'): string | undefined {
  const ms = d.toMilliseconds();
  if (!Number.isFinite(ms) || ms <= 0) return 'must be a positive length of time';
  if (precision === 's' && ms % 1000 !== 0) return 'must be a whole number of seconds';
  if (!Number.isInteger(ms)) return 'must be a whole number of milliseconds';
  return undefined;
}
