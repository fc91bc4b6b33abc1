import { chainEntry, GENESIS_HASH, type LedgerEntry, type LedgerHead, verifySnapshot } from '../../../lambdas/core/ledger';

/** A valid chain of `n` entries and the head after each. */
function chain(n: number): { entries: LedgerEntry[]; heads: LedgerHead[] } {
  const entries: LedgerEntry[] = [];
  const heads: LedgerHead[] = [{ seq: 0, hash: GENESIS_HASH }];
  for (let i = 0; i < n; i++) {
    const e = chainEntry(heads[i], { type: 'ChangeProposed', changeId: `c${i}`, actor: 'alice', details: { i } }, new Date(Date.UTC(2026, 0, 1, 0, i)));
    entries.push(e);
    heads.push({ seq: e.seq, hash: e.hash });
  }
  return { entries, heads };
}

describe('ledger', () => {
  describe('verifySnapshot()', () => {
    it('verifies up to the head read first when writers appended while the entries were read', () => {
      const { entries, heads } = chain(5);

      const result = verifySnapshot(entries, heads[3], heads[5]);

      expect(result).toEqual({ valid: true, entries: 3, head: heads[3] });
    });

    it('reports an entry beyond the head read last: it was written around the head', () => {
      const { entries, heads } = chain(5);

      const result = verifySnapshot(entries, heads[3], heads[4]);

      expect(result).toMatchObject({ valid: false, firstBadSeq: 5 });
      expect(result.valid ? '' : result.reason).toMatch(/beyond the ledger head/);
    });

    it('still reports an altered entry below the first head', () => {
      const { entries, heads } = chain(5);
      entries[1] = { ...entries[1], actor: 'mallory' };

      expect(verifySnapshot(entries, heads[5], heads[5])).toMatchObject({ valid: false, firstBadSeq: 2 });
    });
  });
});
