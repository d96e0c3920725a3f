/**
 * Topic configs checked the way a Kafka broker checks them (ConfigDef.parseType, then the key's
 * validator), against the definitions generated from the Kafka version the platform runs
 * (kafka-topic-configs.generated.ts, made by scripts/gen-kafka-topic-configs.sh).
 */
import { KAFKA_TOPIC_CONFIGS, KAFKA_TOPIC_CONFIGS_VERSION } from './kafka-topic-configs.generated';

/** A validator of a Kafka ConfigDef key, as generated. */
type KafkaConfigValidator =
  | { readonly kind: 'range'; readonly min: number | null; readonly max: number | null; readonly text: string }
  | { readonly kind: 'oneOf' | 'oneOfIgnoreCase'; readonly values: readonly string[]; readonly text: string }
  | { readonly kind: 'listOf'; readonly values: readonly string[]; readonly emptyAllowed: boolean; readonly text: string }
  | { readonly kind: 'other'; readonly text: string };

/** One topic config of Kafka's LogConfig. */
export interface KafkaTopicConfigDef {
  readonly name: string;
  /** ConfigDef.Type: BOOLEAN, STRING, INT, SHORT, LONG, DOUBLE, LIST, CLASS, PASSWORD. */
  readonly type: string;
  readonly default: string | null;
  readonly validator: KafkaConfigValidator | null;
}

const BY_NAME = new Map(KAFKA_TOPIC_CONFIGS.map((c) => [c.name, c]));

/** What is wrong with one topic config entry, and what to write instead. */
interface TopicConfigProblem {
  readonly problem: string;
  readonly fix: string;
}

const INT_BOUNDS: Record<string, [bigint, bigint]> = {
  SHORT: [-(2n ** 15n), 2n ** 15n - 1n],
  INT: [-(2n ** 31n), 2n ** 31n - 1n],
  LONG: [-(2n ** 63n), 2n ** 63n - 1n],
};

function example(def: KafkaTopicConfigDef): string {
  return def.default !== null && def.default !== '' ? `e.g. '${def.default}' (Kafka's default)` : 'e.g. a value Kafka accepts';
}

/**
 * The problem with `name = value` as a topic config of Kafka (the generated version), or undefined
 * when the broker would accept it. Unknown names come with the closest known name.
 */
export function topicConfigProblem(name: string, value: string): TopicConfigProblem | undefined {
  const def = BY_NAME.get(name);
  if (!def) {
    const near = closestTopicConfig(name);
    return {
      problem: `is not a topic config of Kafka ${KAFKA_TOPIC_CONFIGS_VERSION}`,
      fix: near ? `did you mean '${near}'?` : `use one of Kafka's topic configs, e.g. ${[...BY_NAME.keys()].slice(0, 3).join(', ')}`,
    };
  }
  const trimmed = value.trim();
  const kafka = `Kafka ${KAFKA_TOPIC_CONFIGS_VERSION}`;
  switch (def.type) {
    case 'SHORT':
    case 'INT':
    case 'LONG': {
      const [lo, hi] = INT_BOUNDS[def.type];
      if (!/^[+-]?[0-9]+$/.test(trimmed) || BigInt(trimmed) < lo || BigInt(trimmed) > hi) {
        return {
          problem: `must be a whole number (${def.type} in ${kafka})`,
          fix: `give ${validText(def) ?? 'a whole number'}, ${example(def)}`,
        };
      }
      break;
    }
    case 'DOUBLE':
      if (trimmed === '' || !Number.isFinite(Number(trimmed))) {
        return { problem: `must be a number (DOUBLE in ${kafka})`, fix: `give ${validText(def) ?? 'a number'}, ${example(def)}` };
      }
      break;
    case 'BOOLEAN':
      if (!/^(true|false)$/i.test(trimmed))
        return { problem: `must be true or false (BOOLEAN in ${kafka})`, fix: "give 'true' or 'false'" };
      break;
    default:
      break;
  }
  return validatorProblem(def, trimmed);
}

function validText(def: KafkaTopicConfigDef): string | undefined {
  const v = def.validator;
  if (v?.kind !== 'range') return undefined;
  if (v.min !== null && v.max !== null) return `a value from ${v.min} to ${v.max}`;
  if (v.min !== null) return `a value of at least ${v.min}`;
  if (v.max !== null) return `a value of at most ${v.max}`;
  return undefined;
}

function validatorProblem(def: KafkaTopicConfigDef, value: string): TopicConfigProblem | undefined {
  const v = def.validator;
  if (!v) return undefined;
  const allowed = (values: readonly string[]) => values.map((x) => `'${x}'`).join(', ');
  switch (v.kind) {
    case 'range': {
      const n = Number(value);
      if ((v.min !== null && n < v.min) || (v.max !== null && n > v.max)) {
        return { problem: `must be in ${v.text} (Kafka ${KAFKA_TOPIC_CONFIGS_VERSION})`, fix: `give ${validText(def)}, ${example(def)}` };
      }
      return undefined;
    }
    case 'oneOf':
    case 'oneOfIgnoreCase': {
      const ok = v.kind === 'oneOf' ? v.values.includes(value) : v.values.some((x) => x.toLowerCase() === value.toLowerCase());
      return ok ? undefined : { problem: `must be one of ${allowed(v.values)}`, fix: `use one of ${allowed(v.values)}` };
    }
    case 'listOf': {
      const items = value === '' ? [] : value.split(',').map((s) => s.trim());
      const bad = items.filter((i) => !v.values.includes(i));
      if (bad.length > 0 || (items.length === 0 && !v.emptyAllowed)) {
        return {
          problem: `must be a comma-separated list of ${allowed(v.values)}`,
          fix: `use ${v.values.map((x) => `'${x}'`).join(', or ')}, or both as '${v.values.join(',')}'`,
        };
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Damerau-Levenshtein (optimal string alignment) distance. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The topic config name closest to `name` (a few edits away at most), if any. */
function closestTopicConfig(name: string): string | undefined {
  const lower = name.toLowerCase().replace(/_/g, '.');
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of BY_NAME.keys()) {
    const d = distance(lower, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

/**
 * Kafka's metric names replace '.' by '_', so two topics whose names differ only there collide
 * (Kafka refuses the second: "Topic 'a_b' collides with existing topics: a.b").
 */
export function topicMetricName(name: string): string {
  return name.replace(/\./g, '_');
}
