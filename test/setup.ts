import 'aws-sdk-client-mock-jest';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Powertools' Logger writes one JSON line per entry to stdout/stderr, as in Lambda, whether or not
// the test runner's stdout is a terminal (lambdas/handlers/observability.ts would indent it there).
process.env.POWERTOOLS_DEV ??= 'false';
// The local stack's handlers log each step at INFO (a digest stored, a wake delivered): in a test run
// that is thousands of lines burying jest's report. Warnings and errors still show; a test that
// reads INFO lines sets the level itself.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
// aws-cdk-lib validates every synthesized template against CloudFormation's resource schemas (a
// WebAssembly engine: ~3 s to start in each test file, ~6 s for CMV's stack). One test does it on the
// stack as `cdk synth` builds it (test/infra/cmv-stack.test.ts); the other synths skip it.
process.env.CDK_VALIDATION ??= 'false';
