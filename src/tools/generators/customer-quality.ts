/**
 * Data for the customer-quality pipeline (seed 000): customer registrations from Faker on
 * `custchannel`, a share of them deliberately bad in each data-quality dimension. The generator
 * knows every defect it puts in (see `generateRegistrations`).
 */
import { Faker, seededFaker } from './faker';
import { chance, GeneratorContext, PipelineGenerator } from './types';
import { QUALITY } from '../../../stacks/customer-quality';

/** The record shape of the pipeline, for its stack and its generator. */
/** The registration model is the stack's: one definition for the pipeline and its data. */
export const CUSTOMER_QUALITY = QUALITY;

type RegistrationField = (typeof CUSTOMER_QUALITY.fields)[number]['name'];
type Channel = (typeof CUSTOMER_QUALITY.channels)[number];

/** A registration as sent; bad ones may lack fields (absent or null). */
export interface Registration {
  REGISTRATION_ID: string;
  NAME?: string | null;
  ADDRESS?: string | null;
  PHONE?: string | null;
  JOB?: string | null;
  EMAIL?: string | null;
  DOB?: string | null;
  CREATED_AT?: number | null;
  CHANNEL?: Channel | null;
}

/** The dimensions of data quality (the names of constructs/quality's DataQualityDimension). */
type QualityDimension = 'completeness' | 'validity' | 'consistency' | 'timeliness' | 'uniqueness';
export const QUALITY_DIMENSIONS: readonly QualityDimension[] = ['completeness', 'validity', 'consistency', 'timeliness', 'uniqueness'];

export type DefectKind =
  'missing-field' | 'malformed-email' | 'malformed-phone' | 'dob-in-future' | 'implausible-age' | 'stale-created-at' | 'duplicate-email';

export const DEFECT_DIMENSION: Readonly<Record<DefectKind, QualityDimension>> = {
  'missing-field': 'completeness',
  'malformed-email': 'validity',
  'malformed-phone': 'validity',
  'dob-in-future': 'consistency',
  'implausible-age': 'consistency',
  'stale-created-at': 'timeliness',
  'duplicate-email': 'uniqueness',
};

const KINDS_OF: Readonly<Record<QualityDimension, readonly DefectKind[]>> = {
  completeness: ['missing-field'],
  validity: ['malformed-email', 'malformed-phone'],
  consistency: ['dob-in-future', 'implausible-age'],
  timeliness: ['stale-created-at'],
  uniqueness: ['duplicate-email'],
};

interface Defect {
  readonly kind: DefectKind;
  readonly dimension: QualityDimension;
  /** The field it is in. */
  readonly field: RegistrationField;
  /** What was done, for people: e.g. `EMAIL 'ann.example.com' has no @`. */
  readonly detail: string;
}

export interface GeneratedRegistration {
  readonly record: Registration;
  /** Empty for good records. */
  readonly defects: readonly Defect[];
}

interface RegistrationOptions {
  /** Share of bad records, 0..1. @default 0.2 */
  readonly badRatio?: number;
  /** Chance that a bad record has a second defect (in another dimension). @default 0.25 */
  readonly secondDefectChance?: number;
}

const DAY_MS = 86_400_000;
const YEAR_MS = 365.25 * DAY_MS;
/** The fields a completeness defect may leave out. */
const OMITTABLE: readonly RegistrationField[] = CUSTOMER_QUALITY.requiredFields;
const TOUCHES: Readonly<Record<Exclude<DefectKind, 'missing-field'>, RegistrationField>> = {
  'malformed-email': 'EMAIL',
  'duplicate-email': 'EMAIL',
  'malformed-phone': 'PHONE',
  'dob-in-future': 'DOB',
  'implausible-age': 'DOB',
  'stale-created-at': 'CREATED_AT',
};

/** `yyyy-MM-dd` of an epoch-ms instant, in UTC. */
function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Registrations, each good or (with probability badRatio) bad. A bad record's first defect takes
 * the dimensions in turn, so every dimension shows up; the kind within it is drawn at random, and
 * sometimes a second defect in another dimension and field is added.
 */
class RegistrationSource {
  private seq = 0;
  private turn = 0;
  /** Emails of earlier records (the most recent ones), for duplicates. */
  private readonly recentEmails: string[] = [];
  private readonly badRatio: number;

  constructor(
    private readonly faker: Faker,
    private readonly now: () => number,
    private readonly options: RegistrationOptions = {},
  ) {
    this.badRatio = options.badRatio ?? 0.2;
    if (!(this.badRatio >= 0 && this.badRatio <= 1)) throw new Error(`badRatio must be between 0 and 1, got ${this.badRatio}`);
  }

  next(): GeneratedRegistration {
    const record = this.goodRecord();
    const defects: Defect[] = [];
    if (chance(this.faker, this.badRatio)) {
      const first = this.addDefect(record, defects, QUALITY_DIMENSIONS.length);
      if (first && chance(this.faker, this.options.secondDefectChance ?? 0.25))
        this.addDefect(record, defects, QUALITY_DIMENSIONS.length - 1);
    }
    if (typeof record.EMAIL === 'string' && !defects.some((d) => d.field === 'EMAIL')) {
      this.recentEmails.push(record.EMAIL);
      if (this.recentEmails.length > 500) this.recentEmails.shift();
    }
    return { record, defects };
  }

  private goodRecord(): Registration {
    const f = this.faker;
    const now = Math.floor(this.now());
    const seq = ++this.seq;
    const sex = f.person.sexType();
    const first = f.person.firstName(sex);
    const last = f.person.lastName();
    // A sequence number in the local part keeps good emails unique within a run.
    const [local, domain] = f.internet.email({ firstName: first, lastName: last }).toLowerCase().split('@');
    let phone = f.phone.number({ style: 'international' });
    if (!new RegExp(CUSTOMER_QUALITY.phonePattern).test(phone)) phone = `+1${f.string.numeric(10)}`;
    const ageYears = f.number.float({ min: 18, max: 90 });
    return {
      REGISTRATION_ID: f.string.uuid(),
      NAME: `${first} ${last}`,
      ADDRESS: `${f.location.streetAddress({ useFullAddress: true })}, ${f.location.city()}, ${f.location.state({ abbreviated: true })} ${f.location.zipCode()}`,
      PHONE: phone,
      JOB: f.person.jobTitle(),
      EMAIL: `${local.replace(/[^a-z0-9._-]/g, '')}.${seq}@${domain}`,
      DOB: isoDate(now - ageYears * YEAR_MS),
      CREATED_AT: now,
      CHANNEL: f.helpers.arrayElement(CUSTOMER_QUALITY.channels),
    };
  }

  /** Adds one defect in the next dimension that fits; false when none fits within `tries` dimensions. */
  private addDefect(record: Registration, defects: Defect[], tries: number): boolean {
    const f = this.faker;
    const taken = new Set(defects.map((d) => d.field));
    const usedDimensions = new Set(defects.map((d) => d.dimension));
    for (let i = 0; i < tries; i++) {
      const dimension = QUALITY_DIMENSIONS[this.turn++ % QUALITY_DIMENSIONS.length];
      if (usedDimensions.has(dimension)) continue;
      const kinds = KINDS_OF[dimension].filter((k) => {
        if (k === 'missing-field') return OMITTABLE.some((x) => !taken.has(x));
        if (taken.has(TOUCHES[k])) return false;
        return k !== 'duplicate-email' || this.recentEmails.length > 0;
      });
      if (kinds.length === 0) continue;
      defects.push(this.apply(f.helpers.arrayElement(kinds), record, taken));
      return true;
    }
    return false;
  }

  private apply(kind: DefectKind, r: Registration, taken: ReadonlySet<RegistrationField>): Defect {
    const f = this.faker;
    const now = Math.floor(this.now());
    const defect = (field: RegistrationField, detail: string): Defect => ({ kind, dimension: DEFECT_DIMENSION[kind], field, detail });
    switch (kind) {
      case 'missing-field': {
        const field = f.helpers.arrayElement(OMITTABLE.filter((x) => !taken.has(x)));
        const asNull = f.datatype.boolean();
        if (asNull) (r as unknown as Record<string, unknown>)[field] = null;
        else delete (r as unknown as Record<string, unknown>)[field];
        return defect(field, `${field} is ${asNull ? 'null' : 'absent'}`);
      }
      case 'malformed-email': {
        const email = r.EMAIL ?? 'someone@example.com';
        const [local, domain] = email.split('@');
        const bad = f.helpers.arrayElement([
          `${local}.${domain}`, // no @
          `${local}@@${domain}`, // two @
          `${local.replace(/\./, ' ')} x@${domain}`, // a space
          `${local}@${domain.split('.')[0]}`, // no dot in the domain
        ]);
        r.EMAIL = bad;
        return defect('EMAIL', `EMAIL '${bad}' is not an email address`);
      }
      case 'malformed-phone': {
        const bad = f.helpers.arrayElement([
          `${r.PHONE ?? '+1555'}-CALL`,
          f.string.numeric(5),
          'n/a',
          `(${f.string.numeric(3)}) ${f.string.numeric(3)}-${f.string.numeric(4)} ext`,
        ]);
        r.PHONE = bad;
        return defect('PHONE', `PHONE '${bad}' is not an international number`);
      }
      case 'dob-in-future': {
        r.DOB = isoDate(now + f.number.int({ min: 2, max: 3650 }) * DAY_MS);
        return defect('DOB', `DOB ${r.DOB} is after the registration`);
      }
      case 'implausible-age': {
        const years = f.number.int({ min: CUSTOMER_QUALITY.plausibleAge.max + 10, max: 200 });
        r.DOB = isoDate(now - years * YEAR_MS);
        return defect('DOB', `DOB ${r.DOB} makes the customer ${years} years old`);
      }
      case 'stale-created-at': {
        const days = f.number.int({ min: 2, max: 730 });
        r.CREATED_AT = now - days * DAY_MS;
        return defect('CREATED_AT', `CREATED_AT is ${days} days before it is sent`);
      }
      case 'duplicate-email': {
        const earlier = f.helpers.arrayElement(this.recentEmails);
        r.EMAIL = earlier;
        return defect('EMAIL', `EMAIL '${earlier}' was used by an earlier registration`);
      }
    }
  }
}

/**
 * `count` registrations for a seed, with the defects each bad one carries (for tests and for
 * looking at what the generator makes).
 */
export function generateRegistrations(
  options: { seed: number; count: number; now: () => number } & RegistrationOptions,
): GeneratedRegistration[] {
  const source = new RegistrationSource(seededFaker(options.seed), options.now, options);
  return Array.from({ length: options.count }, () => source.next());
}

export async function customerQualityPipeline(ctx: GeneratorContext): Promise<PipelineGenerator> {
  const source = new RegistrationSource(ctx.faker, ctx.now, { badRatio: ctx.badRatio });
  ctx.log(`registrations with ${Math.round(ctx.badRatio * 100)}% bad records (${QUALITY_DIMENSIONS.join(', ')}); no database to load`);
  return {
    topics: [CUSTOMER_QUALITY.topic],
    next: () => {
      const { record } = source.next();
      return { topic: CUSTOMER_QUALITY.topic, key: record.REGISTRATION_ID, value: JSON.stringify(record) };
    },
  };
}
