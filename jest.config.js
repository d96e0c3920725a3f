// Tests run on the compiled JavaScript under dist/ (`tsc -b` type-checks them first);
// snapshots live next to the TypeScript sources (see test/snapshot-resolver.js).
const common = {
  testEnvironment: 'node',
  rootDir: __dirname,
  snapshotResolver: '<rootDir>/test/snapshot-resolver.js',
  moduleFileExtensions: ['js', 'json'],
};
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/dist/test/unit/**/*.test.js'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/dist/test/integration/**/*.test.js'],
      slowTestThreshold: 120,
      // One platform shared by the suites that need servers (see test/support/shared-platform.ts).
      globalSetup: '<rootDir>/dist/test/support/global-setup.js',
      globalTeardown: '<rootDir>/dist/test/support/global-teardown.js',
    },
  ],
};
