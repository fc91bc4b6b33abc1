import { type LocalDynamo, startDynamoDbLocal } from '../../lib/local/dynamodb';
import { SHARED_DYNAMODB_ENV } from './shared-dynamodb';

/**
 * Starts ONE DynamoDB Local (in memory, without `sharedDb`) for the whole integration project:
 * every test file's stack uses its own access key id, which DynamoDB Local keeps as a separate
 * database. A JVM start costs seconds of CPU; one per file (≈35) was most of the suite's time on
 * 2 cores, and on a loaded machine starts timed out. Workers inherit the endpoint through the
 * environment; global-teardown.ts stops it.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env[SHARED_DYNAMODB_ENV]) return;
  const dynamo = await startDynamoDbLocal(null, 180_000, { sharedDb: false });
  process.env[SHARED_DYNAMODB_ENV] = dynamo.endpoint;
  (globalThis as { cmvSharedDynamo?: LocalDynamo }).cmvSharedDynamo = dynamo;
}
