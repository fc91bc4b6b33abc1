import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoChangeStore } from '../../../lambdas/adapters/change-store';
import { LedgerContentionError } from '../../../lambdas/core/errors';
import { WriteConflictError } from '../../../lambdas/core/ports';

const db = mockClient(DynamoDBDocumentClient);
const tables = { changes: 'changes', ledger: 'ledger' };
const cancelled = (codes: string[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });
const draft = { type: 'VersionActivated', target: 't', actor: 'dana', details: {} };
const FAST_RETRY = { attempts: 4, baseDelayMs: 0, maxDelayMs: 0 };

describe('DynamoChangeStore', () => {
  beforeEach(() => {
    db.reset();
    db.on(GetCommand, { Key: { chain: 'target:t', seq: 0 } }).resolves({
      Item: { headSeq: 7, headHash: 'a'.repeat(64), headTime: '2026-01-01T00:00:00.000Z' },
    });
  });
  const store = () => new DynamoChangeStore(db as unknown as DynamoDBDocumentClient, tables, () => new Date('2026-03-01T09:00:00.000Z'), FAST_RETRY);

  describe('commit()', () => {
    it("appends the entry to its target's chain after the head, and moves that head, in one transaction with the records", async () => {
      // Arrange
      db.on(TransactWriteCommand).resolves({});
      const target = { name: 't', revision: 3 } as never;

      // Act
      const entry = await store().commit([{ kind: 'target', record: target, expectedRevision: 3 }], draft);

      // Assert
      expect(entry).toMatchObject({ chain: 'target:t', seq: 8, prevHash: 'a'.repeat(64), time: '2026-03-01T09:00:00.000Z' });
      const items = db.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems ?? [];
      expect(items).toHaveLength(3);
      expect(items[1].Put).toMatchObject({
        TableName: 'ledger',
        Item: { ...entry, kind: 'entry' },
        ConditionExpression: 'attribute_not_exists(chain)',
      });
      expect(items[2].Put).toEqual({
        TableName: 'ledger',
        Item: { chain: 'target:t', seq: 0, kind: 'head', order: 'target:t', headSeq: 8, headHash: entry.hash, headTime: entry.time },
        ConditionExpression: 'headSeq = :s',
        ExpressionAttributeValues: { ':s': 7 },
      });
    });

    it("starts a target's chain at 1 with a head that must not exist yet", async () => {
      db.on(GetCommand, { Key: { chain: 'target:new', seq: 0 } }).resolves({});
      db.on(TransactWriteCommand).resolves({});

      const entry = await store().commit([], { ...draft, target: 'new' });

      expect(entry).toMatchObject({ chain: 'target:new', seq: 1, prevHash: '0'.repeat(64) });
      const head = db.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems?.[1].Put;
      expect(head).toMatchObject({ Item: { chain: 'target:new', headSeq: 1 }, ConditionExpression: 'attribute_not_exists(chain)' });
    });

    it('commits after other writers of the same chain moved its head first, reading the head again each time', async () => {
      db.on(TransactWriteCommand)
        .rejectsOnce(cancelled(['None', 'ConditionalCheckFailed']))
        .rejectsOnce(cancelled(['None', 'TransactionConflict']))
        .resolves({});

      await store().commit([], draft);

      expect(db.commandCalls(TransactWriteCommand)).toHaveLength(3);
      expect(db.commandCalls(GetCommand)).toHaveLength(3);
    });

    it('throws LedgerContentionError (503) when other writers keep moving the ledger head, after retrying', async () => {
      // Arrange: the head's condition fails on every attempt.
      db.on(TransactWriteCommand).rejects(cancelled(['None', 'ConditionalCheckFailed']));

      // Act
      const result = store().commit([], draft);

      // Assert
      await expect(result).rejects.toBeInstanceOf(LedgerContentionError);
      await expect(result).rejects.toMatchObject({ statusCode: 503, name: 'LedgerContention' });
      expect(db.commandCalls(TransactWriteCommand)).toHaveLength(4);
    });

    it('throws LedgerContentionError when DynamoDB reports a transaction conflict on every attempt', async () => {
      db.on(TransactWriteCommand).rejects(cancelled(['None', 'TransactionConflict']));

      const result = store().commit([], draft);

      await expect(result).rejects.toBeInstanceOf(LedgerContentionError);
    });

    it("throws WriteConflictError at once when a record's own condition fails (no retry)", async () => {
      db.on(TransactWriteCommand).rejects(cancelled(['ConditionalCheckFailed', 'None', 'None']));
      const target = { name: 't', revision: 3 } as never;

      const result = store().commit([{ kind: 'target', record: target, expectedRevision: 3 }], draft);

      await expect(result).rejects.toEqual(new WriteConflictError(0));
      expect(db.commandCalls(TransactWriteCommand)).toHaveLength(1);
    });
  });
});
