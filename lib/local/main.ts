import { localDataDir } from './data-dir';
import { startLocalRuntime } from './runtime';

/**
 * `npm start`: the whole CMV on this machine. PORT (default 3000; 0: a free port, shown in the
 * banner), CMV_DATA_DIR (default .cmv), CMV_SPEED (default 1), CMV_POLICY_FILE (default: the
 * built-in policy), CMV_SOURCE_ROOT (the only directory `file://` artifacts are read from; default
 * examples/), CMV_DYNAMODB_ENDPOINT (a DynamoDB Local already running; default: start one),
 * CMV_DYNAMODB_NAMESPACE (the access key id to use there: its own tables on a DynamoDB Local run
 * without sharedDb, as the test suite's one; default local),
 * CMV_CRASH_AT (crash points for crash tests, see lib/local/faults.ts; default none), CMV_IAM (the IAM
 * check of each handler's AWS calls against its role in the synthesized stack: enforce, report or off;
 * default enforce), CMV_IAM_POLICIES (a role-policies file to use instead of synthesizing; default: the cache).
 */
async function main(): Promise<void> {
  const runtime = await startLocalRuntime({
    dataDir: localDataDir(),
    port: Number(process.env.PORT ?? 3000),
    speed: Number(process.env.CMV_SPEED ?? 1),
    policyFile: process.env.CMV_POLICY_FILE,
    sourceRoot: process.env.CMV_SOURCE_ROOT,
    dynamoEndpoint: process.env.CMV_DYNAMODB_ENDPOINT || undefined,
    dynamoNamespace: process.env.CMV_DYNAMODB_NAMESPACE || undefined,
    crashAt: process.env.CMV_CRASH_AT,
    iam: { mode: iamMode(process.env.CMV_IAM), policiesFile: process.env.CMV_IAM_POLICIES || undefined },
    log: (line) => console.log(line),
  });
  console.log(`CMV local runtime
  API        ${runtime.url}   (send X-User: alice | bob | carol | dana | erin — see examples/users.json)
  outbox     ${runtime.outbox}   (approval e-mails; their links work against this API)
  data       ${runtime.dataDir}
Press Ctrl+C to stop; state survives a restart.`);
  const stop = async () => {
    await runtime.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function iamMode(value: string | undefined): 'enforce' | 'report' | 'off' {
  if (value === undefined || value === '') return 'enforce';
  if (value === 'enforce' || value === 'report' || value === 'off') return value;
  throw new Error(`CMV_IAM must be enforce, report or off, got '${value}'`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
