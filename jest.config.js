/**
 * Three projects: `unit` (pure core, no processes), `infra` (the CDK stack, synthesized) and
 * `integration` (DynamoDB Local, the real ASL file in the interpreter, HTTP, Chromium).
 * `jest --selectProjects unit` runs the fast part.
 * @middy/* ships ESM only, so ts-jest transpiles it to CommonJS like our own sources; it only
 * transpiles (isolatedModules): `npm run typecheck` is the one type check.
 *
 * Two workers, not Jest's default of cores − 1 (one, in band, on the 2-core machines this runs on):
 * an integration file spends most of its time waiting — on bakes and alarm periods of the workflow
 * clock, on DynamoDB Local (one JVM for all, global-setup.ts), on its test builds' child processes —
 * so a second file runs in those waits. Each worker holds one file's module registry (≈1 GB at most);
 * no test may depend on how fast the machine is, so sharing the cores changes no result.
 * `--maxWorkers=1` (or `-i`) still runs everything in band.
 * @type {import('jest').Config}
 */
const shared = {
  testEnvironment: 'node',
  modulePathIgnorePatterns: ['<rootDir>/.cmv/', '<rootDir>/cdk.out/', '<rootDir>/examples/'],
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', moduleResolution: 'node10', isolatedModules: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
};
module.exports = {
  maxWorkers: 2,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...shared, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      // One DynamoDB Local (a JVM) for the whole project; each file's stack has its own namespace in it.
      globalSetup: '<rootDir>/test/integration/global-setup.ts',
      globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
    },
  ],
};
