import type * as FakerModule from '@faker-js/faker';

export type Faker = FakerModule.Faker;

let loaded: typeof FakerModule | undefined;

/**
 * @faker-js/faker 10 is an ES module only. Node's own `require` loads it (Node >= 20.19 supports
 * require of ES modules); Jest's module loader does not, so the module is always loaded with a
 * `require` made from Node's real `module` builtin.
 */
function fakerModule(): typeof FakerModule {
  if (loaded) return loaded;
  const nodeModule = process.getBuiltinModule?.('module');
  const nodeRequire = nodeModule ? nodeModule.createRequire(__filename) : require;
  try {
    loaded = nodeRequire('@faker-js/faker') as typeof FakerModule;
  } catch (err) {
    throw new Error(
      `cannot load @faker-js/faker (an ES module) on Node ${process.version}: ${(err as Error).message}; ` +
        'the data generators need Node 20.19 or later, which can require ES modules',
    );
  }
  return loaded;
}

/** A Faker with the English locale whose every draw follows from `seed`. */
export function seededFaker(seed: number): Faker {
  const m = fakerModule();
  const faker = new m.Faker({ locale: [m.en, m.base] });
  faker.seed(seed);
  return faker;
}
