/**
 * Two projects: `unit` (pure core, no processes) and `integration` (DynamoDB Local, the real ASL
 * file in the interpreter, HTTP, Chromium). `jest --selectProjects unit` runs the fast half.
 * @middy/* ships ESM only, so ts-jest transpiles it to CommonJS like our own sources.
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
