import type { LocalDynamo } from '../../lib/local/dynamodb';

/** Stops the integration suite's DynamoDB Local started by global-setup.ts. */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { cmvSharedDynamo?: LocalDynamo }).cmvSharedDynamo?.stop();
}
