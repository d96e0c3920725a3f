/**
 * Data for the airline-merger pipeline (stacks/airline-merger.ts): customers and bookings of the two
 * airlines in their own PostgreSQL schemas (captured by Debezium), and flights: `routes` (the
 * schedule, keyed by callsign) and `flight-updates` (positions and estimates, keyed by callsign).
 * Flight times are epoch seconds (the pipeline adds 1800 for half an hour), booking times epoch ms.
 * Some flights are delayed: LAST_CONTACT + ESTIMATED_TIME_REMAINING > SCHEDULED_ARRIVAL_TIME.
 */
import { AIRLINE } from '../../../stacks/airline-merger';
import { upsertSql } from './databases';
import { Faker } from './faker';
import { chance, GeneratorContext, OutgoingMessage, PipelineGenerator } from './types';

type AirlineName = 'streamjet' | 'skyone';

/** Which airline flies the callsigns of each prefix (AIRLINE.callsignPrefixes). */
const AIRLINE_OF_PREFIX: Readonly<Record<(typeof AIRLINE.callsignPrefixes)[number], AirlineName>> = {
  SJT: 'streamjet',
  SKY: 'skyone',
};

interface Airport {
  readonly code: string;
  readonly lat: number;
  readonly lon: number;
}

const AIRPORTS: readonly Airport[] = [
  { code: 'LHR', lat: 51.47, lon: -0.4543 },
  { code: 'CDG', lat: 49.0097, lon: 2.5479 },
  { code: 'FRA', lat: 50.0379, lon: 8.5622 },
  { code: 'AMS', lat: 52.3105, lon: 4.7683 },
  { code: 'MAD', lat: 40.4983, lon: -3.5676 },
  { code: 'FCO', lat: 41.8003, lon: 12.2389 },
  { code: 'JFK', lat: 40.6413, lon: -73.7781 },
  { code: 'ORD', lat: 41.9742, lon: -87.9073 },
  { code: 'ATL', lat: 33.6407, lon: -84.4277 },
  { code: 'LAX', lat: 33.9416, lon: -118.4085 },
  { code: 'SFO', lat: 37.6213, lon: -122.379 },
  { code: 'DXB', lat: 25.2532, lon: 55.3657 },
  { code: 'SIN', lat: 1.3644, lon: 103.9915 },
  { code: 'HND', lat: 35.5494, lon: 139.7798 },
  { code: 'SYD', lat: -33.9399, lon: 151.1753 },
  { code: 'GRU', lat: -23.4356, lon: -46.4731 },
];

interface Flight {
  readonly callsign: string;
  readonly airline: AirlineName;
  readonly origin: Airport;
  readonly destination: Airport;
  /** Epoch seconds. */
  readonly scheduledDeparture: number;
  readonly scheduledArrival: number;
  /** Seconds after (positive: delayed) or before (zero or negative: on time) the scheduled arrival. */
  readonly arrivalOffset: number;
}

interface StreamJetCustomer {
  readonly id: number;
  readonly title: string;
  readonly first_name: string;
  readonly last_name: string;
  readonly email: string;
}
interface StreamJetBooking {
  readonly bk_id: number;
  readonly bk_call_sgn: string;
  readonly bk_cust_id: number;
  readonly bk_book_tme: number;
}
interface SkyOnePassenger {
  readonly passenger_id: number;
  readonly full_name: string;
  readonly email_address: string;
}
interface SkyOneBooking {
  readonly booking_id: number;
  readonly callsign: string;
  readonly passenger_id: number;
  readonly booked_on: number;
}

interface AirlineData {
  readonly flights: Flight[];
  readonly streamjet: { customers: StreamJetCustomer[]; bookings: StreamJetBooking[] };
  readonly skyone: { passengers: SkyOnePassenger[]; bookings: SkyOneBooking[] };
}

interface AirlineOptions {
  /** @default 20 */
  readonly flights?: number;
  /** Customers per airline. @default 40 */
  readonly customersPerAirline?: number;
  /** Share of delayed flights (at least one flight is delayed). @default 0.3 */
  readonly delayedShare?: number;
}

/** The route (`routes` value) of a flight; the callsign is the message key. */
interface RouteValue {
  readonly ORIGIN: string;
  readonly DESTINATION: string;
  readonly SCHEDULED_DEPARTURE_TIME: number;
  readonly SCHEDULED_ARRIVAL_TIME: number;
}

/** A position report (`flight-updates` value); the callsign is the message key. */
interface FlightUpdateValue {
  readonly LATITUDE: number;
  readonly LONGITUDE: number;
  readonly ALTITUDE: number;
  readonly LAST_CONTACT: number;
  readonly ESTIMATED_TIME_REMAINING: number;
}

/** Flights in the air now, customers of both airlines and bookings on those flights. */
export function airlineData(faker: Faker, nowMs: number, options: AirlineOptions = {}): AirlineData {
  const nowS = Math.floor(nowMs / 1000);
  const flightCount = Math.max(1, options.flights ?? 20);
  const perAirline = Math.max(1, options.customersPerAirline ?? 40);
  const used = new Set<string>();
  const flights: Flight[] = [];
  for (let i = 0; i < flightCount; i++) {
    const prefix = AIRLINE.callsignPrefixes[i % AIRLINE.callsignPrefixes.length];
    let callsign: string;
    do callsign = `${prefix}${faker.number.int({ min: 100, max: 9999 })}`;
    while (used.has(callsign));
    used.add(callsign);
    const [origin, destination] = faker.helpers.arrayElements(AIRPORTS, 2);
    // Block time from the distance at about 850 km/h, plus half an hour; the flight is in the air now.
    const duration = Math.round((Math.max(1, distanceKm(origin, destination) / 850 + 0.5) * 3600) / 60) * 60;
    const departure = nowS - Math.round(duration * faker.number.float({ min: 0.05, max: 0.5 }));
    const arrival = departure + duration;
    const delayed = chance(faker, options.delayedShare ?? 0.3) || (i === flightCount - 1 && !flights.some((f) => f.arrivalOffset > 0));
    const arrivalOffset = delayed ? faker.number.int({ min: 15, max: 180 }) * 60 : -faker.number.int({ min: 0, max: 10 }) * 60;
    flights.push({
      callsign,
      airline: AIRLINE_OF_PREFIX[prefix],
      origin,
      destination,
      scheduledDeparture: departure,
      scheduledArrival: arrival,
      arrivalOffset,
    });
  }

  const customers: StreamJetCustomer[] = [];
  const passengers: SkyOnePassenger[] = [];
  for (let id = 1; id <= perAirline; id++) {
    const sex = faker.person.sexType();
    const first = faker.person.firstName(sex);
    const last = faker.person.lastName();
    customers.push({
      id,
      title: faker.person.prefix(sex),
      first_name: first,
      last_name: last,
      email: faker.internet.email({ firstName: first, lastName: last }).toLowerCase(),
    });
    const pFirst = faker.person.firstName();
    const pLast = faker.person.lastName();
    passengers.push({
      passenger_id: id,
      full_name: `${pFirst} ${pLast}`,
      email_address: faker.internet.email({ firstName: pFirst, lastName: pLast }).toLowerCase(),
    });
  }

  const sjBookings: StreamJetBooking[] = [];
  const soBookings: SkyOneBooking[] = [];
  const bookedAt = () => (nowS - faker.number.int({ min: 1, max: 60 * 24 * 30 }) * 60) * 1000;
  for (const f of flights) {
    const n = faker.number.int({ min: 2, max: Math.min(6, perAirline) });
    if (f.airline === 'streamjet') {
      for (const c of faker.helpers.arrayElements(customers, n)) {
        sjBookings.push({ bk_id: sjBookings.length + 1, bk_call_sgn: f.callsign, bk_cust_id: c.id, bk_book_tme: bookedAt() });
      }
    } else {
      for (const p of faker.helpers.arrayElements(passengers, n)) {
        soBookings.push({ booking_id: soBookings.length + 1, callsign: f.callsign, passenger_id: p.passenger_id, booked_on: bookedAt() });
      }
    }
  }
  return { flights, streamjet: { customers, bookings: sjBookings }, skyone: { passengers, bookings: soBookings } };
}

/** SQL that creates the schemas and tables if needed and upserts the rows (PostgreSQL). */
export function airlineSql(data: AirlineData): string {
  const pg = 'postgres' as const;
  return [
    AIRLINE.ddl,
    'BEGIN;',
    upsertSql(
      pg,
      'streamjet.customers',
      'id',
      ['id', 'title', 'first_name', 'last_name', 'email'],
      data.streamjet.customers.map((c) => [c.id, c.title, c.first_name, c.last_name, c.email]),
    ),
    upsertSql(
      pg,
      'streamjet.bookings',
      'bk_id',
      ['bk_id', 'bk_call_sgn', 'bk_cust_id', 'bk_book_tme'],
      data.streamjet.bookings.map((b) => [b.bk_id, b.bk_call_sgn, b.bk_cust_id, b.bk_book_tme]),
    ),
    upsertSql(
      pg,
      'skyone.passengers',
      'passenger_id',
      ['passenger_id', 'full_name', 'email_address'],
      data.skyone.passengers.map((p) => [p.passenger_id, p.full_name, p.email_address]),
    ),
    upsertSql(
      pg,
      'skyone.bookings',
      'booking_id',
      ['booking_id', 'callsign', 'passenger_id', 'booked_on'],
      data.skyone.bookings.map((b) => [b.booking_id, b.callsign, b.passenger_id, b.booked_on]),
    ),
    'COMMIT;',
  ].join('\n');
}

export function routeOf(f: Flight): RouteValue {
  return {
    ORIGIN: f.origin.code,
    DESTINATION: f.destination.code,
    SCHEDULED_DEPARTURE_TIME: f.scheduledDeparture,
    SCHEDULED_ARRIVAL_TIME: f.scheduledArrival,
  };
}

/**
 * A position report of `f` at `nowS`, or undefined once it has landed (estimated arrival reached).
 * The estimate is the scheduled arrival plus the flight's arrival offset, so delayed flights report
 * LAST_CONTACT + ESTIMATED_TIME_REMAINING beyond their scheduled arrival and the others do not.
 */
export function flightUpdate(faker: Faker, f: Flight, nowS: number): FlightUpdateValue | undefined {
  const estimatedArrival = f.scheduledArrival + f.arrivalOffset;
  const remaining = estimatedArrival - nowS;
  if (remaining <= 0) return undefined;
  const total = Math.max(estimatedArrival - f.scheduledDeparture, 1);
  const progress = Math.min(Math.max((nowS - f.scheduledDeparture) / total, 0), 1);
  // Straight line between the airports (good enough for test data), cruising between climb and descent.
  const lat = f.origin.lat + (f.destination.lat - f.origin.lat) * progress;
  let dLon = f.destination.lon - f.origin.lon;
  if (Math.abs(dLon) > 180) dLon -= Math.sign(dLon) * 360; // the short way, across the antimeridian
  const lon = ((f.origin.lon + dLon * progress + 540) % 360) - 180;
  const phase = Math.min(progress, 1 - progress);
  const altitude = phase < 0.08 ? (phase / 0.08) * 10_600 : faker.number.int({ min: 10_300, max: 11_900 });
  return {
    LATITUDE: round(lat + faker.number.float({ min: -0.05, max: 0.05 }), 4),
    LONGITUDE: round(lon + faker.number.float({ min: -0.05, max: 0.05 }), 4),
    ALTITUDE: round(altitude, 1),
    LAST_CONTACT: nowS,
    ESTIMATED_TIME_REMAINING: remaining,
  };
}

/** Great-circle distance in km. */
function distanceKm(a: Airport, b: Airport): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

function round(x: number, digits: number): number {
  const m = 10 ** digits;
  return Math.round(x * m) / m;
}

/**
 * The messages: first every route (the `routes` table must know a flight before its updates
 * arrive), then position reports round-robin over the flights still in the air; ends when all
 * have landed.
 */
export class AirlineSource {
  private routesSent = 0;
  private turn = 0;

  constructor(
    private readonly faker: Faker,
    private readonly flights: readonly Flight[],
    private readonly now: () => number,
  ) {}

  next(): OutgoingMessage | undefined {
    if (this.routesSent < this.flights.length) {
      const f = this.flights[this.routesSent++];
      return { topic: AIRLINE.routesTopic, key: f.callsign, value: JSON.stringify(routeOf(f)) };
    }
    const nowS = Math.floor(this.now() / 1000);
    for (let tried = 0; tried < this.flights.length; tried++) {
      const f = this.flights[this.turn++ % this.flights.length];
      const update = flightUpdate(this.faker, f, nowS);
      if (update) return { topic: AIRLINE.flightUpdatesTopic, key: f.callsign, value: JSON.stringify(update) };
    }
    return undefined;
  }
}

export async function airlinePipeline(ctx: GeneratorContext, options: AirlineOptions = {}): Promise<PipelineGenerator> {
  const data = airlineData(ctx.faker, ctx.now(), options);
  const db = ctx.env.databases.airline;
  if (db.local) {
    await ctx.sql(
      { name: 'airline', engine: 'postgres', container: db.host, database: AIRLINE.database, stack: `airline-merger-${ctx.env.name}` },
      airlineSql(data),
    );
    ctx.log(
      `loaded ${data.streamjet.customers.length} StreamJet customers with ${data.streamjet.bookings.length} bookings and ` +
        `${data.skyone.passengers.length} SkyOne passengers with ${data.skyone.bookings.length} bookings into ${AIRLINE.database} in ${db.host}`,
    );
  } else {
    ctx.log(
      `${ctx.env.name}: the airline database is not local, so no customers or bookings are loaded; only the ${AIRLINE.routesTopic} and ${AIRLINE.flightUpdatesTopic} topics are produced`,
    );
  }
  const delayed = data.flights.filter((f) => f.arrivalOffset > 0).map((f) => f.callsign);
  ctx.log(`${data.flights.length} flights in the air, delayed: ${delayed.join(', ')}`);
  const source = new AirlineSource(ctx.faker, data.flights, ctx.now);
  return { topics: [AIRLINE.routesTopic, AIRLINE.flightUpdatesTopic], next: () => source.next() };
}
