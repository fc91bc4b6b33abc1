/**
 * Five projects. `npm test` runs three: `unit` (every use case on in-memory fakes, the pure core, the
 * adapters against mocked AWS clients), `infra` (the CDK stack, synthesized) and `integration` (the
 * wiring on the real things: DynamoDB Local, the real ASL file in the interpreter, HTTP, Chromium —
 * each deployment strategy end to end, the API's contract, hostile input, IAM, the pages, the
 * ledger's tamper checks). `npm run test:scenarios` runs `scenarios`: every other policy and delivery
 * scenario end to end on the same local stack (operator controls, emergency changes, promotion,
 * retention, reports…), each of whose rules `unit` also proves on the fakes. `npm run
 * test:resilience` runs `resilience`: the local stack killed at crash points, raced, flooded and
 * fuzzed. The last two take longer than `npm test` on 2 cores, so each is a run of its own; CI runs
 * all three. `jest --selectProjects unit` runs the fast part.
 * SWC (@swc/jest) strips the types and turns ES modules into CommonJS, our sources and @middy/*
 * (which ships ESM only): it only transpiles, `npm run typecheck` is the one type check. It does
 * so in native code: ts-jest took ~25 s more of a fresh clone's unit and infra run (cold cache).
 *
 * Two workers, not Jest's default of cores − 1 (one, in band, on the 2-core machines this runs on):
 * an integration file waits on bakes and alarm periods of the workflow clock, on DynamoDB Local (one
 * JVM for all, global-setup.ts) and on its test builds' child processes, and a second file runs in
 * those waits (the integration project keeps ~80 % of 2 cores busy so). Each worker holds one
 * file's module registry (≈1 GB at most);
 * no test may depend on how fast the machine is, so sharing the cores changes no result.
 * `--maxWorkers=1` (or `-i`) still runs everything in band.
 * @type {import('jest').Config}
 */
const shared = {
  testEnvironment: 'node',
  modulePathIgnorePatterns: ['<rootDir>/.cmv/', '<rootDir>/cdk.out/', '<rootDir>/examples/'],
  transform: {
    '^.+\\.[tj]s$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022', keepClassNames: true }, module: { type: 'commonjs' }, sourceMaps: 'inline' },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
};
// One DynamoDB Local (a JVM) for a whole project; each file's stack has its own namespace in it.
const sharedDynamoDb = {
  globalSetup: '<rootDir>/test/integration/global-setup.ts',
  globalTeardown: '<rootDir>/test/integration/global-teardown.ts',
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
      ...sharedDynamoDb,
    },
    {
      ...shared,
      displayName: 'scenarios',
      testMatch: ['<rootDir>/test/scenarios/**/*.test.ts'],
      ...sharedDynamoDb,
    },
    {
      ...shared,
      displayName: 'resilience',
      testMatch: ['<rootDir>/test/resilience/**/*.test.ts'],
      ...sharedDynamoDb,
    },
  ],
};
