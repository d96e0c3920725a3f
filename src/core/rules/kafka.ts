/**
 * Kafka's own rules for topics, written once for the construct library (checked at synth) and
 * the provider (checked at plan): the same names, ranges and messages on both sides.
 */

/** Kafka's legal topic names: 1-249 of letters, digits, `.`, `_`, `-`, and not `.` or `..`. */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export const TOPIC_NAME_RULE = 'must be 1-249 characters of letters, digits, ".", "_" or "-", and not "." or ".."';

export function isTopicName(name: string): boolean {
  return TOPIC_NAME.test(name) && name !== '.' && name !== '..';
}

/** An inclusive integer range with the words of its message. */
interface IntRange {
  readonly min: number;
  readonly max: number;
}

/** Partitions of one topic (Kafka's limit is far higher; more than this is a mistake). */
export const PARTITIONS: IntRange = { min: 1, max: 100000 };

/** Replicas per partition (a Kafka short). */
export const REPLICATION_FACTOR: IntRange = { min: 1, max: 32767 };

export function inRange(value: number, range: IntRange): boolean {
  return Number.isInteger(value) && value >= range.min && value <= range.max;
}

/** Topic config names as Kafka spells them, e.g. `retention.ms`. */
export const TOPIC_CONFIG_NAME = /^[a-z0-9.]+$/;
