/**
 * Data for the ratings pipeline (stacks/ratings.ts): customers loaded into the ratings MariaDB
 * (captured by Debezium), and website ratings produced to `ratings` as Avro in the Confluent wire
 * format with the id the Schema Registry holds for `ratings-value`.
 */
import * as avro from 'avsc';
import { RATINGS } from '../../../stacks/ratings';
import { SchemaRegistryClient } from '../../provider/clients/schema-registry';
import { upsertSql } from './databases';
import { Faker } from './faker';
import { chance, GeneratorContext, PipelineGenerator } from './types';
import { avroType, avroWireEncoder } from './wire-format';

/** A row of the `customers` table (RATINGS.customersDdl). */
interface RatingsCustomer {
  readonly id: number;
  readonly first_name: string;
  readonly last_name: string;
  readonly email: string;
  readonly gender: string;
  readonly club_status: string;
  readonly comments: string;
}

/** A rating, as RATINGS.ratingAvro describes it. */
export interface Rating {
  readonly rating_id: number;
  readonly user_id: number;
  readonly stars: number;
  readonly route_id: number;
  readonly rating_time: number;
  readonly channel: string;
  readonly message: string;
}

interface RatingsOptions {
  /** Customers loaded into the database (ids 1..customers). @default 100 */
  readonly customers?: number;
  /** Share of ratings on test channels (`...-test`). @default 0.15 */
  readonly testChannelShare?: number;
  /** Share of ratings that are unhappy (1-2 stars) ratings by platinum customers. @default 0.1 */
  readonly unhappyPlatinumShare?: number;
}

const RATINGS_SUBJECT = `${RATINGS.ratingsTopic}-value`;
const TEST_CHANNELS = RATINGS.channels.filter((c) => c.toLowerCase().includes('test'));
const LIVE_CHANNELS = RATINGS.channels.filter((c) => !c.toLowerCase().includes('test'));

const MESSAGES: Readonly<Record<'bad' | 'ok' | 'good', readonly string[]>> = {
  bad: [
    'worst. flight. ever. #neveragain',
    'Surprisingly unpleasant staff, and the food was cold',
    'why is it so difficult to keep the bathrooms clean?',
    'more peanuts please, and a seat that reclines would be nice',
    'thank you for the lovely 3 hour delay',
  ],
  ok: ['meh', 'it was OK, nothing special', 'average experience, would fly again if cheap', 'Exceeded all my expectations. Thank you!'],
  good: [
    'Exceeded all my expectations. Thank you!',
    'your team here rocks!',
    'thank you for the friendly crew',
    'great flight, on time and comfortable',
    'is this too much to ask for free wifi? no, you delivered!',
  ],
};

/** Customers with ids 1..count; a quarter or so platinum, and always at least one. */
export function ratingsCustomers(faker: Faker, count: number): RatingsCustomer[] {
  const out: RatingsCustomer[] = [];
  for (let id = 1; id <= count; id++) {
    const sex = faker.person.sexType();
    const first = faker.person.firstName(sex);
    const last = faker.person.lastName();
    out.push({
      id,
      first_name: first,
      last_name: last,
      email: faker.internet.email({ firstName: first, lastName: last }).toLowerCase(),
      gender: sex === 'female' ? 'Female' : 'Male',
      club_status: faker.helpers.arrayElement(RATINGS.clubStatuses),
      comments: faker.lorem.sentence({ min: 3, max: 10 }),
    });
  }
  if (out.length > 0 && !out.some((c) => c.club_status === 'platinum')) out[0] = { ...out[0], club_status: 'platinum' };
  return out;
}

/** SQL that creates the table if needed and upserts the customers (MariaDB). */
export function customersSql(customers: readonly RatingsCustomer[]): string {
  const cols = ['id', 'first_name', 'last_name', 'email', 'gender', 'club_status', 'comments'] as const;
  return [
    RATINGS.customersDdl,
    upsertSql(
      'mariadb',
      RATINGS.customersTable,
      'id',
      cols,
      customers.map((c) => cols.map((k) => c[k])),
    ),
  ].join('\n');
}

/**
 * Ratings by the given customers: live and test channels, random stars, and a share of unhappy
 * ratings (stars < 3) by platinum customers.
 */
export class RatingsSource {
  private seq = 0;
  private readonly platinum: readonly RatingsCustomer[];
  private readonly baseId: number;

  constructor(
    private readonly faker: Faker,
    private readonly customers: readonly RatingsCustomer[],
    private readonly now: () => number,
    private readonly options: RatingsOptions = {},
  ) {
    if (customers.length === 0) throw new Error('ratings need at least one customer');
    this.platinum = customers.filter((c) => c.club_status === 'platinum');
    // Ids unique across runs: the start time in ms, times 1000, plus a sequence number.
    this.baseId = Math.floor(now()) * 1000;
  }

  next(): Rating {
    const f = this.faker;
    const unhappyVip = this.platinum.length > 0 && chance(f, this.options.unhappyPlatinumShare ?? 0.1);
    const customer = unhappyVip ? f.helpers.arrayElement(this.platinum) : f.helpers.arrayElement(this.customers);
    const stars = unhappyVip ? f.number.int({ min: 1, max: 2 }) : f.number.int({ min: 1, max: 5 });
    const channel = chance(f, this.options.testChannelShare ?? 0.15)
      ? f.helpers.arrayElement(TEST_CHANNELS)
      : f.helpers.arrayElement(LIVE_CHANNELS);
    const mood = stars < 3 ? 'bad' : stars === 3 ? 'ok' : 'good';
    return {
      rating_id: this.baseId + ++this.seq,
      user_id: customer.id,
      stars,
      route_id: f.number.int({ min: 1, max: 9999 }),
      rating_time: Math.floor(this.now()),
      channel,
      message: f.helpers.arrayElement(MESSAGES[mood]),
    };
  }
}

export const RATINGS_TYPE: avro.Type = avroType(RATINGS.ratingAvro);

/** The id of the ratings schema under `ratings-value`, registering it when the subject lacks it. */
async function ratingsSchemaId(registry: SchemaRegistryClient, log: (line: string) => void): Promise<number> {
  const input = { schemaType: 'AVRO' as const, schema: JSON.stringify(RATINGS.ratingAvro) };
  const found = await registry.lookup(RATINGS_SUBJECT, input);
  if (found) return found.id;
  const id = await registry.register(RATINGS_SUBJECT, input);
  log(`registered the ratings schema under ${RATINGS_SUBJECT} (id ${id}); deploying the pipeline manages it from now on`);
  return id;
}

export async function ratingsPipeline(ctx: GeneratorContext, options: RatingsOptions = {}): Promise<PipelineGenerator> {
  if (!ctx.registry) {
    throw new Error(
      `ratings are Avro and need the Schema Registry: no registry URL for ${ctx.env.name}; set STREAMFORM_SCHEMA_REGISTRY_URL`,
    );
  }
  const customers = ratingsCustomers(ctx.faker, options.customers ?? 100);
  const db = ctx.env.databases.ratings;
  if (db.local) {
    await ctx.sql(
      { name: 'ratings', engine: 'mariadb', container: db.host, database: RATINGS.database, stack: `ratings-${ctx.env.name}` },
      customersSql(customers),
    );
    const platinum = customers.filter((c) => c.club_status === 'platinum').length;
    ctx.log(`loaded ${customers.length} customers (${platinum} platinum) into ${RATINGS.database}.${RATINGS.customersTable} in ${db.host}`);
  } else {
    ctx.log(
      `${ctx.env.name}: the ratings database is not local, so no customers are loaded; only the ${RATINGS.ratingsTopic} topic is produced ` +
        `(user_id 1..${customers.length} must exist in ${RATINGS.database}.${RATINGS.customersTable} for the join to match)`,
    );
  }
  const schemaId = await ratingsSchemaId(ctx.registry, ctx.log);
  const encode = avroWireEncoder(RATINGS_TYPE, schemaId);
  const source = new RatingsSource(ctx.faker, customers, ctx.now, options);
  return {
    topics: [RATINGS.ratingsTopic],
    next: () => {
      const r = source.next();
      return { topic: RATINGS.ratingsTopic, key: String(r.user_id), value: encode(r) };
    },
  };
}
