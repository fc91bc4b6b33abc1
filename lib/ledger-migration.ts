import { ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { orderKey } from '../lambdas/core/ledger';
import { LEGACY_CHAIN } from '../lambdas/core/ledger-legacy';

/** What {@link migrateLegacyLedger} did. */
export interface LegacyMigration {
  /** Entries copied (0 when there was nothing to copy, or it was copied before). */
  readonly copied: number;
  /** Why nothing was copied, if so. */
  readonly skipped?: string;
}

/**
 * Copies the old global chain (table `from`: entries `chain = "main"`, head `chain = "head"`,
 * `seq = 0`) into the chain `legacy` of the per-target ledger (table `to`), once: each entry keeps its
 * seq, content and hash (the legacy hash does not cover the chain's name), gains `kind` and its
 * global `order`; the chain's head is written last, so a copy cut short is done again whole at the
 * next run (the puts are idempotent). Run by the local runtime at start, and once by an operator in
 * AWS (`npm run ledger:migrate`), with rights the app roles do not have (BatchWriteItem).
 * @returns how many entries were copied; nothing when `from` does not exist, is empty, or `to` has the chain already
 */
export async function migrateLegacyLedger(db: DynamoDBDocumentClient, from: string, to: string): Promise<LegacyMigration> {
  const done = await db.send(new GetCommand({ TableName: to, Key: { chain: LEGACY_CHAIN, seq: 0 }, ConsistentRead: true }));
  if (done.Item) return { copied: 0, skipped: `${to} holds the legacy chain already` };
  let head: Record<string, unknown> | undefined;
  try {
    head = (await db.send(new GetCommand({ TableName: from, Key: { chain: 'head', seq: 0 }, ConsistentRead: true }))).Item;
  } catch (err) {
    if (err instanceof ResourceNotFoundException || (err as Error).name === 'ResourceNotFoundException')
      return { copied: 0, skipped: `there is no table ${from}` };
    throw err;
  }
  if (!head) return { copied: 0, skipped: `${from} has no ledger head` };
  let copied = 0;
  let start: Record<string, unknown> | undefined;
  let lastTime: string | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: from,
        KeyConditionExpression: 'chain = :c',
        ExpressionAttributeValues: { ':c': 'main' },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    const items = (page.Items ?? []).map((item) => {
      lastTime = String(item.time);
      return { ...item, chain: LEGACY_CHAIN, kind: 'entry', order: orderKey(String(item.time), LEGACY_CHAIN, Number(item.seq)) };
    });
    for (let i = 0; i < items.length; i += 25) {
      let batch: Record<string, unknown>[] = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
      while (batch.length > 0) {
        const out = await db.send(new BatchWriteCommand({ RequestItems: { [to]: batch as never } }));
        batch = (out.UnprocessedItems?.[to] ?? []) as Record<string, unknown>[];
      }
    }
    copied += items.length;
    start = page.LastEvaluatedKey;
  } while (start);
  await db.send(
    new PutCommand({
      TableName: to,
      Item: {
        chain: LEGACY_CHAIN,
        seq: 0,
        kind: 'head',
        order: LEGACY_CHAIN,
        headSeq: head.headSeq,
        headHash: head.headHash,
        ...(lastTime ? { headTime: lastTime } : {}),
      },
      ConditionExpression: 'attribute_not_exists(chain)',
    }),
  );
  return { copied };
}
