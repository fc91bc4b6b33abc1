import 'aws-sdk-client-mock-jest';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Powertools' Logger writes one JSON line per entry to stdout/stderr, as in Lambda, whether or not
// the test runner's stdout is a terminal (lambdas/handlers/observability.ts would indent it there).
process.env.POWERTOOLS_DEV ??= 'false';
