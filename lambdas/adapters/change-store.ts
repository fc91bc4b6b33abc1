import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, type QueryCommandInput, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Change, ChangeStatus } from '../core/change';
import { LedgerContentionError, ValidationError } from '../core/errors';
import { type ChainHead, chainEntry, chainOf, emptyChain, type LedgerEntry, type LedgerEntryDraft } from '../core/ledger';
import { type ChangeStore, type OutstandingTaskToken, type Page, type StoreWrite, type TaskWait, type WaitDeadline, WriteConflictError } from '../core/ports';
import type { Target, VersionRecord } from '../core/target';
import { versionOrderKey } from '../core/versioning';
import type { AwsClient } from './aws-client';
import { decodeToken, encodeToken, type PageQuery } from './dynamo';
import { CHANGES_TABLE } from './tables';

/**
 * How `commit` retries when other writers move the head of its ledger chain first: up to `attempts`,
 * waiting a random time up to `baseDelayMs × 2^(attempt−1)`, at most `maxDelayMs` ("full jitter"),
 * so that n writers of one target all commit in about n rounds instead of colliding again.
 */
export interface LedgerRetry {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** 30 attempts, 10 ms doubling up to 400 ms: a writer gives up after about 6 s of others committing first. */
export const DEFAULT_LEDGER_RETRY: LedgerRetry = { attempts: 30, baseDelayMs: 10, maxDelayMs: 400 };

/** Table names the store writes to. */
export interface StoreTables {
  readonly changes: string;
  readonly ledger: string;
}

/**
 * The changes table and the ledger, over DynamoDB. `commit` is the only way state changes: one
 * TransactWriteItems holding each record's conditional put, the new ledger entry (must not exist)
 * and the head of its chain — its target's — (must still be where it was read). So writers of
 * different targets never contend; contention on one chain is retried ({@link LedgerRetry}), then
 * surfaces as LedgerContentionError (503); a record's failed condition surfaces as WriteConflictError.
 */
export class DynamoChangeStore implements ChangeStore {
  constructor(
    private readonly db: AwsClient,
    private readonly tables: StoreTables,
    private readonly now: () => Date = () => new Date(),
    private readonly retry: LedgerRetry = DEFAULT_LEDGER_RETRY,
  ) {}

  async getChange(changeId: string): Promise<Change | undefined> {
    return this.get<Change>(`CHANGE#${changeId}`, 'CHANGE');
  }

  async listChanges(q: { target?: string; status?: ChangeStatus; limit: number; nextToken?: string }): Promise<Page<Change>> {
    const base: Omit<QueryCommandInput, 'IndexName' | 'KeyConditionExpression'> = {
      TableName: this.tables.changes,
      ScanIndexForward: false,
      Limit: q.limit,
      ExclusiveStartKey: pageKey(q.nextToken, {
        table: CHANGES_TABLE,
        indexName: q.target ? 'byTarget' : q.status ? 'byStatus' : 'byCreated',
        partitionValue: q.target ?? q.status ?? 'change',
      }),
    };
    let input: QueryCommandInput;
    if (q.target) {
      input = {
        ...base,
        IndexName: 'byTarget',
        KeyConditionExpression: '#t = :t',
        ExpressionAttributeNames: { '#t': 'target', ...(q.status ? { '#s': 'status' } : {}) },
        ExpressionAttributeValues: { ':t': q.target, ...(q.status ? { ':s': q.status } : {}) },
        ...(q.status ? { FilterExpression: '#s = :s' } : {}),
      };
    } else if (q.status) {
      input = {
        ...base,
        IndexName: 'byStatus',
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': q.status },
      };
    } else {
      input = { ...base, IndexName: 'byCreated', KeyConditionExpression: 'kind = :k', ExpressionAttributeValues: { ':k': 'change' } };
    }
    const out = await this.db.send(new QueryCommand(input));
    return { items: (out.Items ?? []).map((i) => strip<Change>(i)), nextToken: encodeToken(out.LastEvaluatedKey) };
  }

  async getTarget(name: string): Promise<Target | undefined> {
    return this.get<Target>(`TARGET#${name}`, 'TARGET');
  }

  async listTargets(): Promise<Target[]> {
    // Targets are few (tens): one index-free query over the kind attribute would need a GSI; a scan
    // of target items is bounded by the number of registered services.
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tables.changes,
        IndexName: 'byCreated',
        KeyConditionExpression: 'kind = :k',
        ExpressionAttributeValues: { ':k': 'target' },
      }),
    );
    return (out.Items ?? []).map((i) => strip<Target>(i));
  }

  async getVersion(target: string, version: string): Promise<VersionRecord | undefined> {
    return this.get<VersionRecord>(`TARGET#${target}`, `VERSION#${version}`);
  }

  async listVersions(target: string): Promise<VersionRecord[]> {
    const items: VersionRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tables.changes,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
          ExpressionAttributeValues: { ':pk': `TARGET#${target}`, ':v': 'VERSION#' },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      items.push(...(out.Items ?? []).map((i) => strip<VersionRecord>(i)));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async highestVersion(target: string): Promise<string | undefined> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tables.changes,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :o)',
        ExpressionAttributeValues: { ':pk': `TARGET#${target}`, ':o': 'VERSION_ORDER#' },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = out.Items?.[0];
    return item ? String(item.version) : undefined;
  }

  async commit(writes: readonly StoreWrite[], draft: LedgerEntryDraft): Promise<LedgerEntry> {
    // A new version also gets its order marker (what `highestVersion` reads); `owner[i]` is the write item i belongs to.
    const items = writes.flatMap((w, index) => [
      { put: this.conditionalPut(w), index },
      ...(w.kind === 'version' && w.expectedRevision === null ? [{ put: this.versionOrderPut(w.record), index }] : []),
    ]);
    const puts = items.map((i) => i.put);
    const chain = chainOf(draft);
    for (let attempt = 1; ; attempt++) {
      const head = await this.readHead(chain);
      const entry = chainEntry(head, draft, this.now());
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              ...puts,
              { Put: { TableName: this.tables.ledger, Item: { ...entry, kind: 'entry' }, ConditionExpression: 'attribute_not_exists(chain)' } },
              {
                Put: {
                  TableName: this.tables.ledger,
                  Item: { chain, seq: 0, kind: 'head', order: chain, headSeq: entry.seq, headHash: entry.hash, headTime: entry.time },
                  ...(head.seq === 0
                    ? { ConditionExpression: 'attribute_not_exists(chain)' }
                    : { ConditionExpression: 'headSeq = :s', ExpressionAttributeValues: { ':s': head.seq } }),
                },
              },
            ],
          }),
        );
        return entry;
      } catch (err) {
        if (!(err instanceof TransactionCanceledException)) throw err;
        const reasons = err.CancellationReasons ?? [];
        const failed = reasons.findIndex((r, i) => i < puts.length && r.Code === 'ConditionalCheckFailed');
        if (failed >= 0) throw new WriteConflictError(items[failed].index);
        if (attempt >= this.retry.attempts) {
          throw new LedgerContentionError(
            `the audit ledger of ${draft.target ?? 'CMV'} is busy: ${this.retry.attempts} attempts to append ${draft.type} lost to other writers; nothing was written, try again`,
            { cause: err },
          );
        }
        await sleep(Math.random() * Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1)));
      }
    }
  }

  async putTaskToken(changeId: string, taskToken: string, wait: TaskWait, deadline?: WaitDeadline): Promise<void> {
    const storedAt = this.now().toISOString();
    // `kind` puts an outstanding token in the byCreated index, where the reconciler lists them.
    await this.db.send(
      new PutCommand({
        TableName: this.tables.changes,
        Item: {
          pk: `CHANGE#${changeId}`,
          sk: 'TASK_TOKEN',
          kind: 'task-token',
          createdKey: `${storedAt}#${changeId}`,
          changeId,
          taskToken,
          wait,
          storedAt,
          ...(deadline ? { dueAt: deadline.dueAt, since: deadline.since, key: deadline.key } : {}),
        },
      }),
    );
  }

  async spendTaskToken(changeId: string, taskToken: string): Promise<void> {
    try {
      // A put without `kind` takes it out of the index (PutItem: the app roles have no DeleteItem).
      await this.db.send(
        new PutCommand({
          TableName: this.tables.changes,
          Item: { pk: `CHANGE#${changeId}`, sk: 'TASK_TOKEN', spentToken: taskToken, spentAt: this.now().toISOString() },
          ConditionExpression: 'taskToken = :t',
          ExpressionAttributeValues: { ':t': taskToken },
        }),
      );
    } catch (err) {
      // A newer token replaced it, or it was spent already: nothing to do.
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
    }
  }

  async listTaskTokens(): Promise<OutstandingTaskToken[]> {
    const tokens: OutstandingTaskToken[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tables.changes,
          IndexName: 'byCreated',
          KeyConditionExpression: 'kind = :k',
          ExpressionAttributeValues: { ':k': 'task-token' },
          ExclusiveStartKey: start,
        }),
      );
      for (const i of out.Items ?? []) tokens.push(outstanding(i));
      start = out.LastEvaluatedKey;
    } while (start);
    return tokens;
  }

  async getTaskToken(changeId: string): Promise<OutstandingTaskToken | undefined> {
    const item = await this.get<Record<string, unknown>>(`CHANGE#${changeId}`, 'TASK_TOKEN');
    // A spent token's item keeps only `spentToken`.
    return item?.taskToken ? outstanding({ ...item, changeId }) : undefined;
  }

  async getFunctionOwner(functionName: string): Promise<string | undefined> {
    return (await this.get<{ target: string }>(`FUNCTION#${functionName}`, 'FUNCTION'))?.target;
  }

  /** The head of a ledger chain, read strongly consistent (an empty chain's when it has none). */
  async readHead(chain: string): Promise<ChainHead> {
    const out = await this.db.send(new GetCommand({ TableName: this.tables.ledger, Key: { chain, seq: 0 }, ConsistentRead: true }));
    return out.Item
      ? { chain, seq: out.Item.headSeq as number, hash: out.Item.headHash as string, time: out.Item.headTime as string | undefined }
      : emptyChain(chain);
  }

  /** The order marker of a new version: its sort key orders by semver precedence (see versionOrderKey). */
  private versionOrderPut(record: VersionRecord) {
    return {
      Put: {
        TableName: this.tables.changes,
        Item: { pk: `TARGET#${record.target}`, sk: `VERSION_ORDER#${versionOrderKey(record.version)}`, version: record.version },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  private conditionalPut(write: StoreWrite) {
    if (write.kind === 'function' || write.kind === 'link') {
      const Item =
        write.kind === 'function'
          ? { ...keysOf(write), functionName: write.functionName, target: write.target, claimedAt: this.now().toISOString() }
          : { ...keysOf(write), usedAt: this.now().toISOString(), expiresAt: write.expiresAtEpochS };
      return { Put: { TableName: this.tables.changes, Item, ConditionExpression: 'attribute_not_exists(pk)' } };
    }
    const { record, expectedRevision } = write;
    const Item = { ...keysOf(write), ...record, revision: (expectedRevision ?? 0) + 1 };
    return {
      Put: {
        TableName: this.tables.changes,
        Item,
        ...(expectedRevision === null
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'revision = :r', ExpressionAttributeValues: { ':r': expectedRevision } }),
      },
    };
  }

  private async get<T>(pk: string, sk: string): Promise<T | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.tables.changes, Key: { pk, sk }, ConsistentRead: true }));
    return out.Item ? strip<T>(out.Item) : undefined;
  }
}

/** Key and index attributes of a record; only changes and targets appear in the `byCreated` index. */
function keysOf(write: StoreWrite): Record<string, string> {
  switch (write.kind) {
    case 'change': {
      const c = write.record;
      return { pk: `CHANGE#${c.changeId}`, sk: 'CHANGE', kind: 'change', createdKey: `${c.createdAt}#${c.changeId}` };
    }
    case 'target':
      return { pk: `TARGET#${write.record.name}`, sk: 'TARGET', kind: 'target', createdKey: write.record.registeredAt };
    case 'version':
      return { pk: `TARGET#${write.record.target}`, sk: `VERSION#${write.record.version}` };
    case 'function':
      return { pk: `FUNCTION#${write.functionName}`, sk: 'FUNCTION' };
    case 'link':
      return { pk: `CHANGE#${write.changeId}`, sk: `LINK#${write.linkHash}` };
  }
}

/** A task-token item as the port shows it. */
function outstanding(i: Record<string, unknown>): OutstandingTaskToken {
  return {
    changeId: String(i.changeId),
    taskToken: String(i.taskToken),
    wait: i.wait as TaskWait,
    storedAt: String(i.storedAt),
    ...(typeof i.dueAt === 'string' ? { dueAt: i.dueAt, since: String(i.since), key: String(i.key) } : {}),
  };
}

function strip<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, kind: _kind, createdKey: _ck, ...rest } = item;
  return rest as T;
}

function pageKey(token: string | undefined, query: PageQuery): Record<string, unknown> | undefined {
  try {
    return decodeToken(token, query);
  } catch {
    throw ValidationError.field('nextToken', 'is not a token this API returned for this query');
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
