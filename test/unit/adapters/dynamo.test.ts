import { decodeToken, encodeToken } from '../../../lambdas/adapters/dynamo';
import { CHANGES_TABLE, LEDGER_TABLE } from '../../../lambdas/adapters/tables';

describe('dynamo', () => {
  describe('decodeToken()', () => {
    const byChange = { table: LEDGER_TABLE, indexName: 'byChange', partitionValue: 'c1' };

    it('returns the key encodeToken encoded when it is a key of the query', () => {
      const key = { chain: 'target:t', seq: 7, changeId: 'c1', order: 'o' };

      expect(decodeToken(encodeToken(key), byChange)).toEqual(key);
      expect(decodeToken(undefined, byChange)).toBeUndefined();
    });

    it('accepts, without a query, a key of any table or index of CMV', () => {
      const key = { pk: 'CHANGE#c1', sk: 'CHANGE', target: 'svc', createdKey: '2026-01-01T00:00:00Z#c1' };

      expect(decodeToken(encodeToken(key))).toEqual(key);
    });

    it.each([
      ['not base64 JSON', 'garbage'],
      ['an array', Buffer.from('[1]').toString('base64url')],
      ['a key missing the index attribute', encodeToken({ chain: 'target:t', seq: 7, order: 'o' })],
      ['a key with an extra attribute', encodeToken({ chain: 'target:t', seq: 7, changeId: 'c1', order: 'o', x: 1 })],
      ['a number where a string belongs', encodeToken({ chain: 'target:t', seq: 7, changeId: 1, order: 'o' })],
      ['a string where a number belongs', encodeToken({ chain: 'target:t', seq: '7', changeId: 'c1', order: 'o' })],
      ['a key of another change', encodeToken({ chain: 'target:t', seq: 7, changeId: 'c2', order: 'o' })],
      ['a key over DynamoDB’s partition key size', encodeToken({ chain: 'target:t', seq: 7, changeId: 'x'.repeat(2049), order: 'o' })],
    ])('throws when the token is %s', (_what, token) => {
      expect(() => decodeToken(token, byChange)).toThrow();
    });

    it('throws, without a query, for an object that is no key of CMV', () => {
      expect(() => decodeToken(encodeToken({ foo: 1 }))).toThrow();
      expect(() => decodeToken(encodeToken({ pk: 'CHANGE#c1', sk: 'CHANGE', kind: 'change', createdKey: '' }))).toThrow();
    });

    it('throws for an index the table does not have', () => {
      expect(() => decodeToken(encodeToken({ pk: 'a', sk: 'b' }), { table: CHANGES_TABLE, indexName: 'byNothing' })).toThrow(/unknown index/);
    });
  });
});
