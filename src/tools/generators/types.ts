import { EnvConfig } from '../../../stacks/environments';
import { SchemaRegistryClient } from '../../provider/clients/schema-registry';
import { SqlRunner } from './databases';
import { Faker } from './faker';

/** One message to produce. */
export interface OutgoingMessage {
  readonly topic: string;
  /** UTF-8 key; null for none. */
  readonly key: string | null;
  readonly value: Buffer | string;
}

/** A pipeline's data source after its preparation (databases loaded, schemas looked up). */
export interface PipelineGenerator {
  /** Topics it produces to (checked to exist before producing). */
  readonly topics: readonly string[];
  /** The next message, or undefined when the generator has nothing more to send. */
  next(): OutgoingMessage | undefined;
}

/** What a pipeline's generator gets to prepare itself. */
export interface GeneratorContext {
  readonly env: EnvConfig;
  /** Seeded: every random draw goes through it. */
  readonly faker: Faker;
  /** Milliseconds since the epoch (event times in the data). */
  readonly now: () => number;
  /** Share of deliberately bad records, where the pipeline has them. */
  readonly badRatio: number;
  /** Present when the environment has a Schema Registry URL. */
  readonly registry?: SchemaRegistryClient;
  /** Runs SQL in the pipeline's local database (dev). */
  readonly sql: SqlRunner;
  /** A line for the person running the command (stderr). */
  readonly log: (line: string) => void;
}

export type PipelineFactory = (ctx: GeneratorContext) => Promise<PipelineGenerator>;

/** A fraction in [0, 1] drawn from the seeded faker. */
export function chance(faker: Faker, probability: number): boolean {
  if (probability <= 0) return false;
  if (probability >= 1) return true;
  return faker.number.float({ min: 0, max: 1 }) < probability;
}
