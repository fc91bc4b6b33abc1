import 'aws-sdk-client-mock-jest';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Powertools' Logger writes one JSON line per entry to stdout/stderr, as in Lambda, whether or not
// the test runner's stdout is a terminal (lambdas/handlers/observability.ts would indent it there).
process.env.POWERTOOLS_DEV ??= 'false';
// The local stack's handlers log each step at INFO (a digest stored, a wake delivered): in a test run
// that is thousands of lines burying jest's report. Warnings and errors still show; a test that
// reads INFO lines sets the level itself.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
