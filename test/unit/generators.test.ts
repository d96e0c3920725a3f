import { AIRLINE } from '../../stacks/airline-merger';
import { devEnvironment, stagingEnvironment } from '../../stacks/environments';
import { RATINGS } from '../../stacks/ratings';
import { UsageError, parseArgs } from '../../src/tools/cli/args';
import { parseProduceArgs } from '../../src/tools/cli/produce';
import { MessageDecoder, readWindows, renderTail, RawMessage, selectLast, tailTable } from '../../src/tools/cli/tail';
import { SchemaRegistryClient } from '../../src/provider/clients/schema-registry';
import { airlineData, airlineSql, AirlineSource, flightUpdate, routeOf } from '../../src/tools/generators/airline-merger';
import {
  CUSTOMER_QUALITY,
  DEFECT_DIMENSION,
  DefectKind,
  generateRegistrations,
  GeneratedRegistration,
  QUALITY_DIMENSIONS,
} from '../../src/tools/generators/customer-quality';
import { SqlTarget } from '../../src/tools/generators/databases';
import { clusterAccess } from '../../src/tools/generators/endpoints';
import { seededFaker } from '../../src/tools/generators/faker';
import { Clock, Pacer } from '../../src/tools/generators/pacing';
import { ProgressDisplay } from '../../src/tools/generators/progress';
import { customersSql, RATINGS_TYPE, ratingsCustomers, ratingsPipeline, RatingsSource } from '../../src/tools/generators/ratings';
import { runProducer } from '../../src/tools/generators/runner';
import { GeneratorContext, OutgoingMessage } from '../../src/tools/generators/types';
import { avroType, avroWireEncoder, encodeWireFormat, parseWireFormat } from '../../src/tools/generators/wire-format';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const DAY = 86_400_000;

/** A clock that only moves when told to or when slept on; records the sleeps. */
class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public t = 1_000_000) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
  }
}

describe('seeded generators', () => {
  test('the same seed gives the same records, another seed other records', () => {
    const a = generateRegistrations({ seed: 7, count: 50, now: () => NOW });
    const b = generateRegistrations({ seed: 7, count: 50, now: () => NOW });
    const c = generateRegistrations({ seed: 8, count: 50, now: () => NOW });
    expect(b).toEqual(a);
    expect(c.map((r) => r.record.REGISTRATION_ID)).not.toEqual(a.map((r) => r.record.REGISTRATION_ID));
    expect(new Set(a.map((r) => r.record.REGISTRATION_ID)).size).toBe(50);
  });

  test('ratings and airline data are reproducible for a seed', () => {
    const ratings = (seed: number) => {
      const f = seededFaker(seed);
      const customers = ratingsCustomers(f, 20);
      const src = new RatingsSource(f, customers, () => NOW);
      return { customers, ratings: Array.from({ length: 30 }, () => src.next()) };
    };
    expect(ratings(3)).toEqual(ratings(3));
    expect(ratings(4).ratings.map((r) => r.stars)).not.toEqual(ratings(3).ratings.map((r) => r.stars));
    const airline = (seed: number) => airlineData(seededFaker(seed), NOW);
    expect(airline(5)).toEqual(airline(5));
    expect(airline(6).flights.map((f) => f.callsign)).not.toEqual(airline(5).flights.map((f) => f.callsign));
  });
});

describe('Pacer', () => {
  test('paces single messages at the rate without drift', async () => {
    const clock = new FakeClock();
    const start = clock.t;
    const pacer = new Pacer({ rate: 10 }, clock);
    const grants: number[] = [];
    for (let i = 0; i < 50; i++) grants.push(await pacer.grant(1));
    expect(grants.every((n) => n === 1)).toBe(true);
    // The first is due at once, then one every 100 ms.
    expect(clock.sleeps.length).toBe(49);
    expect(clock.sleeps.every((ms) => ms === 100)).toBe(true);
    expect(clock.t - start).toBe(4900);
  });

  test('grants what is due in batches when sending takes time, capped by maxBatch and limit', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ rate: 1000, maxBatch: 40 }, clock);
    expect(await pacer.grant(1000)).toBe(1);
    clock.t += 30; // the send took 30 ms: 30 more are due
    expect(await pacer.grant(1000)).toBe(30);
    clock.t += 100; // 100 more due, but at most 40 at once
    expect(await pacer.grant(1000)).toBe(40);
    expect(await pacer.grant(1000)).toBe(40);
    expect(await pacer.grant(5)).toBe(5);
    expect(clock.sleeps).toEqual([]);
    expect(pacer.count).toBe(116);
  });

  test('forgets backlog beyond maxBacklogMs instead of bursting', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ rate: 10, maxBacklogMs: 1000 }, clock);
    await pacer.grant(1000);
    clock.t += 5000; // a 5 s stall: 50 messages are due
    expect(await pacer.grant(1000)).toBe(10); // one second's worth only
    expect(await pacer.grant(1000)).toBe(1); // then back on schedule
    expect(clock.sleeps).toEqual([100]);
  });

  test('stops at the deadline', async () => {
    const clock = new FakeClock();
    const pacer = new Pacer({ rate: 10 }, clock);
    const deadline = clock.t + 2000;
    let total = 0;
    for (;;) {
      const n = await pacer.grant(1000, deadline);
      if (n === 0) break;
      total += n;
    }
    expect(total).toBe(20);
    expect(clock.t).toBeLessThan(deadline);
  });

  test('sleeps again when a timer fires early by the wall clock', async () => {
    const clock = new FakeClock();
    let early = true;
    clock.sleep = async (ms: number) => {
      clock.sleeps.push(ms);
      clock.t += early ? ms - 1 : ms;
      early = false;
    };
    const pacer = new Pacer({ rate: 10 }, clock);
    expect(await pacer.grant(10)).toBe(1);
    expect(await pacer.grant(10)).toBe(1);
    expect(clock.sleeps).toEqual([100, 1]);
  });

  test('rejects a rate that is not positive', () => {
    expect(() => new Pacer({ rate: 0 }, new FakeClock())).toThrow(/rate must be a positive number/);
  });
});

describe('runProducer', () => {
  const source = (limit = Infinity) => {
    let i = 0;
    return { next: (): OutgoingMessage | undefined => (i < limit ? { topic: 't', key: String(i), value: String(i++) } : undefined) };
  };

  test('sends exactly --count messages at the rate, in order', async () => {
    const clock = new FakeClock();
    const batches: string[][] = [];
    const sink = {
      async send(b: readonly OutgoingMessage[]) {
        batches.push(b.map((m) => String(m.value)));
        clock.t += 20;
      },
    };
    const r = await runProducer(source(), sink, { rate: 500, count: 105, clock });
    expect(r).toMatchObject({ sent: 105, errors: 0, stoppedBy: 'count' });
    expect(batches.flat()).toEqual(Array.from({ length: 105 }, (_, i) => String(i)));
    expect(batches.length).toBeGreaterThan(5); // paced, not one burst
    expect(r.elapsedMs).toBeGreaterThanOrEqual(200);
  });

  test('--duration sends rate × duration messages', async () => {
    const clock = new FakeClock();
    const r = await runProducer(source(), { send: async () => undefined }, { rate: 20, durationMs: 3000, clock });
    expect(r).toMatchObject({ sent: 60, stoppedBy: 'duration' });
  });

  test('counts failed sends as errors and gives up after several in a row', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const flaky = {
      async send() {
        calls++;
        if (calls === 2) throw new Error('broker hiccup');
      },
    };
    const r = await runProducer(source(), flaky, { rate: 10, count: 5, clock });
    expect(r).toMatchObject({ sent: 4, errors: 1 });
    expect(r.lastError?.message).toBe('broker hiccup');
    const down = { send: async () => Promise.reject(new Error('connection refused')) };
    await expect(runProducer(source(), down, { rate: 10, count: 100, clock, maxConsecutiveFailures: 3 })).rejects.toThrow(
      /giving up after 3 failed sends in a row .*connection refused/,
    );
  });

  test('stops when the source is exhausted or the signal aborts', async () => {
    const clock = new FakeClock();
    expect(await runProducer(source(7), { send: async () => undefined }, { rate: 100, count: 50, clock })).toMatchObject({
      sent: 7,
      stoppedBy: 'exhausted',
    });
    const abort = new AbortController();
    let n = 0;
    const sink = {
      async send(b: readonly OutgoingMessage[]) {
        n += b.length;
        if (n >= 3) abort.abort();
      },
    };
    expect(await runProducer(source(), sink, { rate: 100, clock, signal: abort.signal })).toMatchObject({
      sent: 3,
      stoppedBy: 'interrupt',
    });
  });
});

describe('ProgressDisplay', () => {
  test('redraws one line on a terminal', () => {
    const clock = new FakeClock();
    const out: string[] = [];
    const p = new ProgressDisplay({ isTTY: true, write: (s: string) => out.push(s) }, { label: 'ratings', now: () => clock.t });
    for (let i = 1; i <= 10; i++) {
      clock.t += 100;
      p.update({ sent: i * 10, errors: 0 });
    }
    p.finish({ sent: 100, errors: 1 });
    expect(out.length).toBeGreaterThan(2);
    expect(out.slice(0, -1).every((s) => s.startsWith('\r\x1b[2K') && !s.includes('\n'))).toBe(true);
    expect(out[out.length - 1]).toBe('\r\x1b[2Kratings: 100 sent · 100.0 msg/s average · 1 error · 1.0s\n');
  });

  test('writes a line every interval when not a terminal', () => {
    const clock = new FakeClock();
    const out: string[] = [];
    const p = new ProgressDisplay(
      { isTTY: false, write: (s: string) => out.push(s) },
      { label: 'q', now: () => clock.t, lineIntervalMs: 5000 },
    );
    for (let i = 1; i <= 120; i++) {
      clock.t += 100; // 12 s in all
      p.update({ sent: i, errors: 2 });
    }
    expect(out).toHaveLength(3); // at 0.1 s, 5.1 s, 10.1 s
    expect(out.every((s) => s.endsWith('\n') && !s.includes('\r'))).toBe(true);
    expect(out[1]).toMatch(/^q: 51 sent · 10\.0 msg\/s · 2 errors · 5\.1s\n$/);
  });
});

describe('customer-quality bad records', () => {
  const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
  const PHONE = /^\+[1-9][0-9]{7,14}$/;
  /** A lenient phone check: malformed phones must fail even this one. */
  const LENIENT_PHONE = /^[0-9+()x. -]{7,25}$/;
  const FIELDS = CUSTOMER_QUALITY.fields.map((f) => f.name);
  const records = generateRegistrations({ seed: 11, count: 2000, badRatio: 0.3, now: () => NOW });
  const ageYears = (dob: string, at: number) => (at - Date.parse(`${dob}T00:00:00Z`)) / (365.25 * DAY);
  const present = (r: GeneratedRegistration, f: string) => {
    const v = (r.record as unknown as Record<string, unknown>)[f];
    return v !== undefined && v !== null;
  };

  test('the constant names the topic, the key and every field', () => {
    expect(CUSTOMER_QUALITY.topic).toBe('custchannel');
    expect(FIELDS).toEqual(['REGISTRATION_ID', 'NAME', 'ADDRESS', 'PHONE', 'JOB', 'EMAIL', 'DOB', 'CREATED_AT', 'CHANNEL']);
    expect(CUSTOMER_QUALITY.keyField).toBe('REGISTRATION_ID');
  });

  test('about the configured share is bad, with every kind and dimension', () => {
    const bad = records.filter((r) => r.defects.length > 0);
    expect(bad.length / records.length).toBeGreaterThan(0.25);
    expect(bad.length / records.length).toBeLessThan(0.35);
    const kinds = new Set(bad.flatMap((r) => r.defects.map((d) => d.kind)));
    expect([...kinds].sort()).toEqual((Object.keys(DEFECT_DIMENSION) as DefectKind[]).sort());
    expect(new Set(bad.flatMap((r) => r.defects.map((d) => d.dimension)))).toEqual(new Set(QUALITY_DIMENSIONS));
    expect(bad.some((r) => r.defects.length > 1)).toBe(true);
    expect(generateRegistrations({ seed: 11, count: 300, badRatio: 0, now: () => NOW }).every((r) => r.defects.length === 0)).toBe(true);
  });

  test('good records pass every check', () => {
    const emails = new Set<string>();
    for (const r of records.filter((x) => x.defects.length === 0)) {
      for (const f of FIELDS) expect(present(r, f)).toBe(true);
      expect(r.record.EMAIL).toMatch(EMAIL);
      expect(r.record.EMAIL).toMatch(new RegExp(CUSTOMER_QUALITY.emailPattern));
      expect(r.record.PHONE).toMatch(PHONE);
      expect(r.record.PHONE).toMatch(new RegExp(CUSTOMER_QUALITY.phonePattern));
      expect(r.record.DOB).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      const age = ageYears(r.record.DOB!, r.record.CREATED_AT!);
      expect(age).toBeGreaterThanOrEqual(CUSTOMER_QUALITY.plausibleAge.min);
      expect(age).toBeLessThanOrEqual(CUSTOMER_QUALITY.plausibleAge.max);
      expect(r.record.CREATED_AT).toBe(NOW);
      expect(CUSTOMER_QUALITY.channels).toContain(r.record.CHANNEL);
      expect(emails.has(r.record.EMAIL!)).toBe(false);
      emails.add(r.record.EMAIL!);
    }
  });

  test('each defect is really in its record', () => {
    const earlier = new Set<string>();
    for (const r of records) {
      for (const d of r.defects) {
        expect(d.dimension).toBe(DEFECT_DIMENSION[d.kind]);
        const v = (r.record as unknown as Record<string, unknown>)[d.field];
        switch (d.kind) {
          case 'missing-field':
            expect(v === undefined || v === null).toBe(true);
            expect(CUSTOMER_QUALITY.requiredFields).toContain(d.field);
            break;
          case 'malformed-email':
            expect(typeof v).toBe('string');
            expect(v).not.toMatch(EMAIL);
            expect(v).not.toMatch(new RegExp(CUSTOMER_QUALITY.emailPattern));
            break;
          case 'malformed-phone':
            expect(typeof v).toBe('string');
            expect(v).not.toMatch(PHONE);
            expect(v).not.toMatch(LENIENT_PHONE);
            break;
          case 'dob-in-future':
            expect(Date.parse(`${v}T00:00:00Z`)).toBeGreaterThan(NOW);
            break;
          case 'implausible-age':
            expect(ageYears(v as string, NOW)).toBeGreaterThan(CUSTOMER_QUALITY.plausibleAge.max);
            break;
          case 'stale-created-at':
            expect(NOW - (v as number)).toBeGreaterThanOrEqual(DAY);
            break;
          case 'duplicate-email':
            expect(earlier.has(v as string)).toBe(true);
            break;
        }
      }
      // Fields without a defect are as in a good record.
      const withDefect = new Set(r.defects.map((d) => d.field));
      if (!withDefect.has('EMAIL')) expect(r.record.EMAIL).toMatch(EMAIL);
      if (!withDefect.has('PHONE')) expect(r.record.PHONE).toMatch(PHONE);
      if (!withDefect.has('CREATED_AT')) expect(r.record.CREATED_AT).toBe(NOW);
      for (const f of FIELDS) if (!withDefect.has(f)) expect(present(r, f)).toBe(true);
      if (typeof r.record.EMAIL === 'string') earlier.add(r.record.EMAIL);
    }
  });
});

describe('ratings', () => {
  test('customers include platinum ones and SQL escapes quotes', () => {
    const customers = ratingsCustomers(seededFaker(1), 40);
    expect(customers.map((c) => c.id)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(customers.some((c) => c.club_status === 'platinum')).toBe(true);
    expect(customers.every((c) => (RATINGS.clubStatuses as readonly string[]).includes(c.club_status))).toBe(true);
    const sql = customersSql([{ ...customers[0], last_name: "O'Brien", comments: 'back\\slash' }]);
    expect(sql).toContain(RATINGS.customersDdl);
    expect(sql).toContain("'O''Brien'");
    expect(sql).toContain("'back\\\\slash'");
    expect(sql).toMatch(/ON DUPLICATE KEY UPDATE .*club_status = VALUES\(club_status\)/);
  });

  test('ratings refer to customers, use test channels and include unhappy platinum customers', () => {
    const f = seededFaker(2);
    const customers = ratingsCustomers(f, 50);
    const byId = new Map(customers.map((c) => [c.id, c]));
    const src = new RatingsSource(f, customers, () => NOW);
    const ratings = Array.from({ length: 1000 }, () => src.next());
    expect(ratings.every((r) => byId.has(r.user_id))).toBe(true);
    expect(ratings.every((r) => r.stars >= 1 && r.stars <= 5 && r.rating_time === NOW)).toBe(true);
    expect(new Set(ratings.map((r) => r.rating_id)).size).toBe(1000);
    const test = ratings.filter((r) => r.channel.toLowerCase().includes('test')).length / ratings.length;
    expect(test).toBeGreaterThan(0.08);
    expect(test).toBeLessThan(0.25);
    const unhappyPlatinum = ratings.filter((r) => r.stars < 3 && byId.get(r.user_id)!.club_status === 'platinum');
    expect(unhappyPlatinum.length).toBeGreaterThan(50);
    expect(ratings.every((r) => (RATINGS.channels as readonly string[]).includes(r.channel))).toBe(true);
    expect(RATINGS_TYPE.isValid(ratings[0])).toBe(true);
  });

  test('dev loads customers; staging produces only, and says so', async () => {
    const registry = { lookup: async () => undefined, register: async () => 77 } as unknown as SchemaRegistryClient;
    const run = async (env: GeneratorContext['env']) => {
      const sql: { target: SqlTarget; sql: string }[] = [];
      const log: string[] = [];
      const gen = await ratingsPipeline({
        env,
        faker: seededFaker(9),
        now: () => NOW,
        badRatio: 0.2,
        registry,
        sql: async (target, text) => void sql.push({ target, sql: text }),
        log: (l) => log.push(l),
      });
      return { gen, sql, log };
    };
    const dev = await run(devEnvironment({ STREAMFORM_DEV_NAME: 'gen-test' }));
    expect(dev.sql).toHaveLength(1);
    expect(dev.sql[0].target).toEqual({
      name: 'ratings',
      engine: 'mariadb',
      container: 'gen-test-ratings-mariadb',
      database: 'demo',
      stack: 'ratings-dev',
    });
    expect(dev.sql[0].sql).toContain('INSERT INTO customers');
    const m = dev.gen.next()!;
    expect(m.topic).toBe('ratings');
    const wire = parseWireFormat(m.value as Buffer)!;
    expect(wire.schemaId).toBe(77);
    expect(RATINGS_TYPE.fromBuffer(wire.payload)).toMatchObject({ user_id: Number(m.key), rating_time: NOW });

    const staging = await run(stagingEnvironment());
    expect(staging.sql).toHaveLength(0);
    expect(staging.log.join('\n')).toMatch(
      /staging: the ratings database is not local, so no customers are loaded; only the ratings topic is produced/,
    );
  });
});

describe('airline-merger', () => {
  const data = airlineData(seededFaker(21), NOW, { flights: 30 });
  const nowS = Math.floor(NOW / 1000);

  test('flights are in the air now, with block times from the distance', () => {
    for (const f of data.flights) {
      expect(f.origin.code).not.toBe(f.destination.code);
      expect(f.scheduledDeparture).toBeLessThan(nowS);
      expect(f.scheduledArrival + f.arrivalOffset).toBeGreaterThan(nowS);
      const hours = (f.scheduledArrival - f.scheduledDeparture) / 3600;
      expect(hours).toBeGreaterThanOrEqual(1);
      expect(hours).toBeLessThan(25);
    }
  });

  test('bookings of both airlines are on the flights, by prefix', () => {
    const callsigns = new Set(data.flights.map((f) => f.callsign));
    expect(callsigns.size).toBe(30);
    for (const f of data.flights) expect(f.callsign.slice(0, 3)).toBe(f.airline === 'streamjet' ? 'SJT' : 'SKY');
    expect(data.streamjet.bookings.length).toBeGreaterThan(0);
    expect(data.skyone.bookings.length).toBeGreaterThan(0);
    for (const b of data.streamjet.bookings) {
      expect(b.bk_call_sgn.startsWith('SJT')).toBe(true);
      expect(callsigns.has(b.bk_call_sgn)).toBe(true);
      expect(data.streamjet.customers.some((c) => c.id === b.bk_cust_id)).toBe(true);
    }
    for (const b of data.skyone.bookings) {
      expect(b.callsign.startsWith('SKY')).toBe(true);
      expect(callsigns.has(b.callsign)).toBe(true);
      expect(data.skyone.passengers.some((p) => p.passenger_id === b.passenger_id)).toBe(true);
    }
    const sql = airlineSql(data);
    expect(sql).toContain(AIRLINE.ddl);
    expect(sql).toMatch(/INSERT INTO streamjet\.bookings \(bk_id, bk_call_sgn, bk_cust_id, bk_book_tme\)/);
    expect(sql).toMatch(/ON CONFLICT \(passenger_id\) DO UPDATE SET/);
  });

  test('delayed flights, and only they, report an arrival after the scheduled one', () => {
    const delayed = data.flights.filter((f) => f.arrivalOffset > 0);
    expect(delayed.length).toBeGreaterThan(0);
    expect(delayed.length).toBeLessThan(data.flights.length);
    const f = seededFaker(1);
    for (const flight of data.flights) {
      const u = flightUpdate(f, flight, nowS)!;
      const route = routeOf(flight);
      expect(u.LAST_CONTACT).toBe(nowS);
      expect(u.ESTIMATED_TIME_REMAINING).toBeGreaterThan(0);
      expect(u.LAST_CONTACT + u.ESTIMATED_TIME_REMAINING > route.SCHEDULED_ARRIVAL_TIME).toBe(flight.arrivalOffset > 0);
    }
  });

  test('routes come first, then updates keyed by callsign with the stream columns', () => {
    const src = new AirlineSource(seededFaker(2), data.flights, () => NOW);
    const msgs = Array.from({ length: 90 }, () => src.next()!);
    const routes = msgs.slice(0, 30);
    expect(routes.every((m) => m.topic === AIRLINE.routesTopic)).toBe(true);
    expect(routes.map((m) => m.key)).toEqual(data.flights.map((x) => x.callsign));
    expect(Object.keys(JSON.parse(routes[0].value as string))).toEqual([
      'ORIGIN',
      'DESTINATION',
      'SCHEDULED_DEPARTURE_TIME',
      'SCHEDULED_ARRIVAL_TIME',
    ]);
    const updates = msgs.slice(30);
    expect(updates.every((m) => m.topic === AIRLINE.flightUpdatesTopic)).toBe(true);
    expect(Object.keys(JSON.parse(updates[0].value as string))).toEqual([
      'LATITUDE',
      'LONGITUDE',
      'ALTITUDE',
      'LAST_CONTACT',
      'ESTIMATED_TIME_REMAINING',
    ]);
    expect(new Set(updates.map((m) => m.key))).toEqual(new Set(data.flights.map((x) => x.callsign)));
  });

  test('the generator ends when every flight has landed', () => {
    let t = NOW;
    const src = new AirlineSource(seededFaker(3), data.flights.slice(0, 2), () => t);
    src.next();
    src.next();
    expect(src.next()?.topic).toBe(AIRLINE.flightUpdatesTopic);
    t = NOW + 2 * DAY;
    expect(src.next()).toBeUndefined();
  });
});

describe('Confluent wire format', () => {
  const schema = {
    type: 'record',
    name: 'T',
    fields: [
      { name: 'id', type: 'long' },
      { name: 'name', type: 'string' },
      { name: 'tags', type: { type: 'array', items: 'string' } },
    ],
  };

  test('round-trips with avsc', () => {
    const type = avroType(schema);
    const value = { id: 1234567890123, name: 'Zoë', tags: ['a', 'b'] };
    const buf = avroWireEncoder(type, 258)(value);
    expect([...buf.subarray(0, 5)]).toEqual([0, 0, 0, 1, 2]);
    const parsed = parseWireFormat(buf)!;
    expect(parsed.schemaId).toBe(258);
    expect(type.fromBuffer(parsed.payload)).toEqual(value);
    expect(parseWireFormat(Buffer.from('{"a":1}'))).toBeUndefined();
    expect(parseWireFormat(Buffer.from([0, 0, 0]))).toBeUndefined();
    expect(() => encodeWireFormat(-1, Buffer.alloc(0))).toThrow(/schema id/);
  });

  test('the tail decoder decodes Avro by schema id, then JSON, then text', async () => {
    const lookups: number[] = [];
    const registry = {
      schemaById: async (id: number) => {
        lookups.push(id);
        return id === 5 ? { id, schema: JSON.stringify(schema), references: [] } : undefined;
      },
    } as unknown as SchemaRegistryClient;
    const d = new MessageDecoder(registry);
    const avro = avroWireEncoder(avroType(schema), 5)({ id: 7, name: 'x', tags: [] });
    expect(await d.decode(avro)).toEqual({ format: 'avro', value: { id: 7, name: 'x', tags: [] } });
    expect(await d.decode(avro)).toMatchObject({ format: 'avro' });
    expect(lookups).toEqual([5]); // cached
    expect(await d.decode(Buffer.from('{"a":1}'))).toEqual({ format: 'json', value: { a: 1 } });
    expect(await d.decode(Buffer.from('hello, world'))).toEqual({ format: 'text', value: 'hello, world' });
    expect(await d.decode(null)).toEqual({ format: 'null', value: null });
    // A leading zero byte whose "schema id" the registry does not know: not the wire format.
    expect(await d.decode(Buffer.from([0, 0, 0, 0, 9, 0x68, 0x69]))).toMatchObject({ format: 'text' });
    expect(await new MessageDecoder(undefined).decode(avro)).toMatchObject({ format: 'undecoded' });
  });
});

describe('tail selection', () => {
  const msg = (partition: number, offset: number, timestamp: number): RawMessage => ({
    partition,
    offset: BigInt(offset),
    timestamp,
    key: Buffer.from(`k${partition}-${offset}`),
    value: Buffer.from(JSON.stringify({ p: partition, o: offset })),
  });

  test('reads from max(low, high - N) on each partition', () => {
    expect(
      readWindows(
        [
          { partition: 0, low: 0n, high: 100n },
          { partition: 1, low: 95n, high: 100n },
          { partition: 2, low: 0n, high: 0n },
        ],
        10,
      ),
    ).toEqual([
      { partition: 0, start: 90n, end: 100n },
      { partition: 1, start: 95n, end: 100n },
      { partition: 2, start: 0n, end: 0n },
    ]);
  });

  test('keeps the N most recent by timestamp across partitions, oldest first', () => {
    const p0 = Array.from({ length: 10 }, (_, i) => msg(0, i, 1000 + i)); // old
    const p1 = Array.from({ length: 10 }, (_, i) => msg(1, i, 5000 + i)); // middle
    const p2 = [
      ...Array.from({ length: 5 }, (_, i) => msg(2, i, 3000 + i)),
      ...Array.from({ length: 5 }, (_, i) => msg(2, i + 5, 9000 + i)),
    ];
    const picked = selectLast(
      [
        { partition: 0, low: 0n, high: 10n, messages: p0 },
        { partition: 1, low: 0n, high: 10n, messages: p1 },
        { partition: 2, low: 0n, high: 10n, messages: p2 },
      ],
      7,
    );
    expect(picked.map((m) => `${m.partition}:${m.offset}`)).toEqual(['1:8', '1:9', '2:5', '2:6', '2:7', '2:8', '2:9']);
  });

  test('ignores messages outside the windows, handles fewer than N and empty partitions', () => {
    const picked = selectLast(
      [
        { partition: 0, low: 0n, high: 3n, messages: [msg(0, 0, 10), msg(0, 1, 30), msg(0, 2, 20), msg(0, 3, 99)] },
        { partition: 1, low: 0n, high: 0n, messages: [] },
      ],
      50,
    );
    expect(picked.map((m) => `${m.partition}:${m.offset}`)).toEqual(['0:0', '0:2', '0:1']);
    expect(selectLast([{ partition: 0, low: 0n, high: 0n, messages: [] }], 5)).toEqual([]);
    // Ties in time: by partition, then offset.
    const tie = selectLast(
      [
        { partition: 1, low: 0n, high: 1n, messages: [msg(1, 0, 5)] },
        { partition: 0, low: 0n, high: 2n, messages: [msg(0, 0, 5), msg(0, 1, 5)] },
      ],
      2,
    );
    expect(tie.map((m) => `${m.partition}:${m.offset}`)).toEqual(['0:1', '1:0']);
  });

  test('tables take the union of fields, rename clashes and fall back to a value column', () => {
    const raw = (offset: number): RawMessage => ({
      partition: 0,
      offset: BigInt(offset),
      timestamp: Date.UTC(2025, 0, 1, 0, 0, offset),
      key: null,
      value: null,
    });
    const t = tailTable([
      { raw: raw(0), key: { format: 'text', value: 'a' }, value: { format: 'json', value: { A: 1, key: 'k' } } },
      { raw: raw(1), key: { format: 'null', value: null }, value: { format: 'avro', value: { B: 'x,y', A: null } } },
      { raw: raw(2), key: { format: 'text', value: 'c' }, value: { format: 'text', value: 'plain\ntext' } },
    ]);
    expect(t.headers).toEqual(['partition', 'offset', 'timestamp', 'key', 'A', 'value.key', 'B', 'value']);
    expect(t.rows[0]).toEqual({ partition: 0, offset: 0, timestamp: '2025-01-01T00:00:00.000Z', key: 'a', A: 1, 'value.key': 'k' });
    expect(renderTail(t, 'csv').split('\n')).toEqual([
      'partition,offset,timestamp,key,A,value.key,B,value',
      '0,0,2025-01-01T00:00:00.000Z,a,1,k,,',
      '0,1,2025-01-01T00:00:01.000Z,,,,"x,y",',
      '0,2,2025-01-01T00:00:02.000Z,c,,,,"plain',
      'text"',
    ]);
    const table = renderTail(t, 'table').split('\n');
    expect(table[0]).toMatch(/^partition\s+offset\s+timestamp\s+key\s+A\s+value\.key\s+B\s+value$/);
    expect(table[4]).toContain('plain\\ntext');
    expect(JSON.parse(renderTail(t, 'json'))[1]).toEqual({
      partition: 0,
      offset: 1,
      timestamp: '2025-01-01T00:00:01.000Z',
      key: null,
      B: 'x,y',
      A: null,
    });
  });
});

describe('produce options', () => {
  const parse = (line: string) => parseProduceArgs(parseArgs(line.split(' ')), () => 4242);
  const usage = (line: string): string => {
    try {
      parse(line);
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      return (err as Error).message;
    }
    throw new Error(`expected a UsageError for '${line}'`);
  };

  test('defaults and values', () => {
    expect(parse('produce ratings')).toEqual({
      pipeline: 'ratings',
      env: 'dev',
      rate: 10,
      count: undefined,
      durationMs: undefined,
      seed: 4242,
      badRatio: 0.2,
    });
    expect(parse('produce customer-quality --env staging --rate 2.5 --duration 30 --seed 0 --bad-ratio 0.5')).toEqual({
      pipeline: 'customer-quality',
      env: 'staging',
      rate: 2.5,
      count: undefined,
      durationMs: 30_000,
      seed: 0,
      badRatio: 0.5,
    });
    expect(parse('produce airline-merger --count 100').count).toBe(100);
  });

  test('errors name the value, the option and what is allowed', () => {
    expect(usage('produce nope')).toBe("unknown pipeline 'nope'; choose one of ratings, airline-merger, customer-quality");
    expect(usage('produce ratings --env qa')).toBe("unknown environment 'qa' for --env; use one of dev, staging, prod");
    expect(usage('produce ratings --rate 0')).toMatch(/^--rate must be .*got '0'; e\.g\. --rate 50$/);
    expect(usage('produce ratings --count 1.5')).toMatch(/^--count must be a whole number/);
    expect(usage('produce ratings --count 5 --duration 5')).toBe('give --count or --duration, not both');
    expect(usage('produce customer-quality --bad-ratio 2')).toMatch(/^--bad-ratio must be a fraction between 0 and 1, got '2'/);
    expect(usage('produce ratings --bad-ratio 0.1')).toMatch(/--bad-ratio applies to customer-quality only/);
    expect(usage('produce ratings --speed 3')).toMatch(/unknown option --speed/);
  });

  test('staging and prod endpoints come from the STREAMFORM_* variables', () => {
    const a = clusterAccess('staging', {
      STREAMFORM_BOOTSTRAP_SERVERS: 'b1:9092, b2:9092',
      STREAMFORM_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      STREAMFORM_KAFKA_SASL_MECHANISM: 'PLAIN',
      STREAMFORM_KAFKA_SASL_USERNAME: 'u',
      STREAMFORM_KAFKA_SASL_PASSWORD: 'secret-value',
      STREAMFORM_SCHEMA_REGISTRY_URL: 'https://sr.example',
    });
    expect(a.kafka.bootstrapServers).toEqual(['b1:9092', 'b2:9092']);
    expect(a.kafka.sasl).toEqual({ mechanism: 'PLAIN', username: 'u', password: 'secret-value' });
    expect(a.schemaRegistry?.url).toBe('https://sr.example');
    expect(a.origin).not.toContain('secret-value');
    expect(() => clusterAccess('prod', {})).toThrow(/--env prod: no Kafka endpoint; set STREAMFORM_BOOTSTRAP_SERVERS/);
    const dev = clusterAccess('dev', { STREAMFORM_DEV_PORT_OFFSET: '100' });
    expect(dev.kafka.bootstrapServers).toEqual(['localhost:9192']);
  });
});
