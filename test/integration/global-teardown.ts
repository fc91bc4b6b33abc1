import type { LocalDynamo } from '../../lib/local/dynamodb';

/** Stops the integration suite's DynamoDB Local started by global-setup.ts. */
export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as { cmvSharedDynamo?: LocalDynamo };
  // Once: `jest` with no project selected runs each project's teardown (integration, resilience).
  const dynamo = holder.cmvSharedDynamo;
  holder.cmvSharedDynamo = undefined;
  await dynamo?.stop();
}
