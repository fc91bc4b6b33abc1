import { ChainWalk } from '../../../lambdas/core/chain-walk';
import { type ChainHead, chainEntry, emptyChain, hashEntry, headAfter, type LedgerEntry, orderKey } from '../../../lambdas/core/ledger';

const CHAIN = 'target:benefit-calculator';
const T0 = Date.parse('2026-03-01T09:00:00.000Z');

/** A chain of `n` entries, and the head after each (`heads[0]` is the empty chain's). */
function buildChain(n: number): { entries: LedgerEntry[]; heads: ChainHead[] } {
  const entries: LedgerEntry[] = [];
  const heads: ChainHead[] = [emptyChain(CHAIN)];
  for (let i = 1; i <= n; i++) {
    const entry = chainEntry(
      heads[i - 1],
      { type: 'ApprovalRecorded', target: 'benefit-calculator', actor: 'bob', details: { step: i } },
      new Date(T0 + i * 1000),
    );
    entries.push(entry);
    heads.push(headAfter(entry));
  }
  return { entries, heads };
}

/** Re-hashes an entry after its content was edited, as a careful forger would (order key included). */
function rehash(entry: Omit<LedgerEntry, 'hash'>): LedgerEntry {
  return { ...entry, order: orderKey(entry.time, entry.chain, entry.seq), hash: hashEntry(entry) };
}

/** Re-hashes every entry from index `from` on, relinking each to the one before. */
function rehashFrom(entries: LedgerEntry[], from: number): void {
  for (let i = from; i < entries.length; i++) entries[i] = rehash({ ...entries[i], prevHash: i === 0 ? entries[i].prevHash : entries[i - 1].hash });
}

async function* source(entries: readonly LedgerEntry[], afterSeq = 0) {
  for (const e of entries) if (e.seq > afterSeq) yield e;
}

const walk = (entries: readonly LedgerEntry[], start: ChainHead = emptyChain(CHAIN)) =>
  new ChainWalk(CHAIN, start, (after) => source(entries, after)[Symbol.asyncIterator]());
const notCovered = async () => false;

describe('ChainWalk', () => {
  describe('finish()', () => {
    it('reads again for entries a writer appended after the store answered the walk’s last page, before declaring any missing', async () => {
      // Arrange: the store holds entries 1–3 when the walk reads them; entry 4 and the head naming it commit afterwards
      const { entries, heads } = buildChain(4);
      const stored = entries.slice(0, 3);
      const w = new ChainWalk(CHAIN, emptyChain(CHAIN), (after) => source([...stored], after)[Symbol.asyncIterator]());
      expect(await w.advanceTo(3, 'a digest')).toBeUndefined();
      stored.push(entries[3]);

      // Act
      const fault = await w.finish(heads[4], notCovered);

      // Assert
      expect(fault).toBeUndefined();
      expect(w.verified).toBe(4);
    });

    it('accepts an intact chain up to its head, counting its entries', async () => {
      const { entries, heads } = buildChain(5);
      const w = walk(entries);

      expect(await w.finish(heads[5], notCovered)).toBeUndefined();
      expect(w.verified).toBe(5);
      expect(w.head).toEqual(heads[5]);
    });

    it('checks only the entries after a trusted start', async () => {
      const { entries, heads } = buildChain(5);
      const w = walk(entries, heads[3]);

      expect(await w.finish(heads[5], notCovered)).toBeUndefined();
      expect(w.verified).toBe(2);
    });

    it('reports entry 3 altered when its content changed and its hash did not', async () => {
      const { entries, heads } = buildChain(5);
      entries[2] = { ...entries[2], actor: 'mallory' };

      expect(await walk(entries).finish(heads[5], notCovered)).toMatchObject({ reason: 'altered', chain: CHAIN, firstBadSeq: 3 });
    });

    it('reports entry 3 missing when it was deleted', async () => {
      const { entries, heads } = buildChain(5);
      entries.splice(2, 1);

      const fault = await walk(entries).finish(heads[5], notCovered);

      expect(fault).toMatchObject({ reason: 'missing', firstBadSeq: 3 });
      expect(fault?.detail).toMatch(/entry 3 of target:benefit-calculator is missing/);
    });

    it('reports entry 3 re-ordered when the contents of entries 3 and 4 were swapped in place', async () => {
      // Arrange: the items keep their keys (seq), their contents trade places.
      const { entries, heads } = buildChain(5);
      const [third, fourth] = [entries[2], entries[3]];
      entries[2] = { ...fourth, seq: 3 };
      entries[3] = { ...third, seq: 4 };

      // Act
      const fault = await walk(entries).finish(heads[5], notCovered);

      // Assert
      expect(fault).toMatchObject({ reason: 're-ordered', firstBadSeq: 3 });
      expect(fault?.detail).toMatch(/holds the entry hashed as entry 4/);
    });

    it('reports a truncated chain missing from the first entry the head still names', async () => {
      const { entries, heads } = buildChain(5);

      expect(await walk(entries.slice(0, 3)).finish(heads[5], notCovered)).toMatchObject({ reason: 'missing', firstBadSeq: 4 });
    });

    it('reports entry 4 forked when entry 3 was rewritten and re-hashed alone', async () => {
      const { entries, heads } = buildChain(5);
      entries[2] = rehash({ ...entries[2], actor: 'mallory' });

      const fault = await walk(entries).finish(heads[5], notCovered);

      expect(fault).toMatchObject({ reason: 'forked', firstBadSeq: 4 });
      expect(fault?.detail).toMatch(/entry 4 of target:benefit-calculator does not link to entry 3/);
    });

    it('reports the head forked when the rest of the chain was re-hashed but the head was not', async () => {
      const { entries, heads } = buildChain(5);
      entries[2] = { ...entries[2], actor: 'mallory' };
      rehashFrom(entries, 2);

      expect(await walk(entries).finish(heads[5], notCovered)).toMatchObject({ reason: 'forked', firstBadSeq: 5 });
    });

    it('accepts a chain rewritten and re-hashed with its head: only a digest can tell', async () => {
      const { entries } = buildChain(5);
      entries[2] = { ...entries[2], actor: 'mallory' };
      rehashFrom(entries, 2);

      expect(await walk(entries).finish(headAfter(entries[4]), notCovered)).toBeUndefined();
    });

    it('reports an entry beyond the head forked, unless a head read again covers it (a writer appended it meanwhile)', async () => {
      const { entries, heads } = buildChain(5);

      expect(await walk(entries).finish(heads[4], notCovered)).toMatchObject({ reason: 'forked', firstBadSeq: 5 });
      expect(await walk(entries).finish(heads[4], async (seq) => seq <= 5)).toBeUndefined();
    });

    it('reports an entry altered when its order key no longer matches its time and place', async () => {
      const { entries, heads } = buildChain(3);
      entries[1] = { ...entries[1], order: orderKey('2020-01-01T00:00:00.000Z', CHAIN, 2) };

      expect(await walk(entries).finish(heads[3], notCovered)).toMatchObject({ reason: 'altered', firstBadSeq: 2 });
    });
  });

  describe('checkpoint()', () => {
    it('accepts the chain when it has the hash a digest names for it', async () => {
      const { entries, heads } = buildChain(5);

      expect(await walk(entries).checkpoint({ seq: 3, hash: heads[3].hash, digestSeq: 1 })).toBeUndefined();
    });

    it('reports rewritten-and-re-hashed from the entry after the last confirmed place when the chain no longer has the hash a digest names', async () => {
      // Arrange: digest 1 confirmed entry 2; entry 4 was then rewritten and everything after re-hashed.
      const { entries, heads } = buildChain(6);
      entries[3] = { ...entries[3], actor: 'mallory' };
      rehashFrom(entries, 3);
      const w = walk(entries);

      // Act
      const first = await w.checkpoint({ seq: 2, hash: heads[2].hash, digestSeq: 1 });
      const second = await w.checkpoint({ seq: 5, hash: heads[5].hash, digestSeq: 2 });

      // Assert
      expect(first).toBeUndefined();
      expect(second).toMatchObject({ reason: 'rewritten-and-re-hashed', firstBadSeq: 3, digestSeq: 2 });
      expect(second?.detail).toMatch(/entries 3–5 of target:benefit-calculator were rewritten and re-hashed/);
    });

    it('names the rewritten entry itself when a digest confirmed the one before it', async () => {
      const { entries, heads } = buildChain(6);
      entries[3] = { ...entries[3], actor: 'mallory' };
      rehashFrom(entries, 3);
      const w = walk(entries, heads[3]);

      expect(await w.checkpoint({ seq: 6, hash: heads[6].hash, digestSeq: 2 })).toMatchObject({ reason: 'rewritten-and-re-hashed', firstBadSeq: 4 });
    });

    it('reports the chain missing from where it ends when a digest names a later entry (truncated)', async () => {
      const { entries, heads } = buildChain(5);

      expect(await walk(entries.slice(0, 3)).checkpoint({ seq: 5, hash: heads[5].hash, digestSeq: 4 })).toMatchObject({
        reason: 'missing',
        firstBadSeq: 4,
        digestSeq: 4,
      });
    });
  });
});
