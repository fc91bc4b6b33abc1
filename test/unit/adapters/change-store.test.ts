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

describe('DynamoChangeStore', () => {
  beforeEach(() => {
    db.reset();
    db.on(GetCommand, { Key: { chain: 'head', seq: 0 } }).resolves({ Item: { headSeq: 7, headHash: 'a'.repeat(64) } });
  });

  describe('commit()', () => {
    it('throws LedgerContentionError (503) when other writers keep moving the ledger head, after retrying', async () => {
      // Arrange: the head's condition fails on every attempt.
      db.on(TransactWriteCommand).rejects(cancelled(['None', 'ConditionalCheckFailed']));

      // Act
      const result = new DynamoChangeStore(db as unknown as DynamoDBDocumentClient, tables).commit([], draft);

      // Assert
      await expect(result).rejects.toBeInstanceOf(LedgerContentionError);
      await expect(result).rejects.toMatchObject({ statusCode: 503, name: 'LedgerContention' });
      expect(db.commandCalls(TransactWriteCommand).length).toBeGreaterThan(1);
    });

    it('throws LedgerContentionError when DynamoDB reports a transaction conflict on every attempt', async () => {
      db.on(TransactWriteCommand).rejects(cancelled(['None', 'TransactionConflict']));

      const result = new DynamoChangeStore(db as unknown as DynamoDBDocumentClient, tables).commit([], draft);

      await expect(result).rejects.toBeInstanceOf(LedgerContentionError);
    });

    it("throws WriteConflictError at once when a record's own condition fails (no retry)", async () => {
      db.on(TransactWriteCommand).rejects(cancelled(['ConditionalCheckFailed', 'None', 'None']));
      const target = { name: 't', revision: 3 } as never;

      const result = new DynamoChangeStore(db as unknown as DynamoDBDocumentClient, tables).commit(
        [{ kind: 'target', record: target, expectedRevision: 3 }],
        draft,
      );

      await expect(result).rejects.toEqual(new WriteConflictError(0));
      expect(db.commandCalls(TransactWriteCommand)).toHaveLength(1);
    });
  });
});
