import {
  chainEntry,
  GENESIS_HASH,
  hashEntry,
  type LedgerEntry,
  type LedgerEntryDraft,
  type LedgerHead,
  verifyChain,
  verifySnapshot,
} from '../../../lambdas/core/ledger';

const T0 = Date.parse('2026-03-01T09:00:00.000Z');

/** A chain of `n` entries built with chainEntry, the head the store would record, and the head after each entry (`heads[0]` is genesis). */
function buildChain(n: number): { entries: LedgerEntry[]; head: LedgerHead; heads: LedgerHead[] } {
  const entries: LedgerEntry[] = [];
  const heads: LedgerHead[] = [{ seq: 0, hash: GENESIS_HASH }];
  for (let i = 1; i <= n; i++) {
    const entry = chainEntry(heads[i - 1], draft({ step: i }), new Date(T0 + i * 1000));
    entries.push(entry);
    heads.push({ seq: entry.seq, hash: entry.hash });
  }
  return { entries, head: heads[n], heads };
}

function draft(details: Record<string, unknown>): LedgerEntryDraft {
  return { type: 'ApprovalRecorded', changeId: 'chg-1', target: 'benefit-calculator', actor: 'bob@example.org', details };
}

/** Re-hashes an entry after its content was edited, as a careful forger would. */
function rehash(entry: Omit<LedgerEntry, 'hash'>): LedgerEntry {
  return { ...entry, hash: hashEntry(entry) };
}

describe('ledger', () => {
  describe('chainEntry()', () => {
    it('numbers the entry after the head and links it to the head hash', () => {
      // Arrange
      const head = { seq: 41, hash: 'a'.repeat(64) };
      const time = new Date('2026-03-01T09:30:00.000Z');

      // Act
      const entry = chainEntry(head, draft({ decision: 'approve' }), time);

      // Assert
      expect(entry).toMatchObject({
        seq: 42,
        prevHash: 'a'.repeat(64),
        time: '2026-03-01T09:30:00.000Z',
        type: 'ApprovalRecorded',
        details: { decision: 'approve' },
      });
      const { hash, ...rest } = entry;
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      expect(hash).toBe(hashEntry(rest));
    });

    it('starts at seq 1 after the genesis head', () => {
      const entry = chainEntry({ seq: 0, hash: GENESIS_HASH }, draft({}), new Date(T0));

      expect(entry.seq).toBe(1);
      expect(entry.prevHash).toBe(GENESIS_HASH);
    });
  });

  describe('hashEntry()', () => {
    it('gives the same hash when the details have their keys in another order (RFC 8785)', () => {
      // Arrange
      const base = { seq: 1, time: '2026-03-01T09:00:00.000Z', type: 'ChangeProposed', actor: 'alice', prevHash: GENESIS_HASH };
      const one = { ...base, details: { version: '1.1.0', config: { B: '2', A: '1' }, steps: [10, 50, 100] } };
      const two = { ...base, details: { steps: [10, 50, 100], config: { A: '1', B: '2' }, version: '1.1.0' } };

      // Act / Assert
      expect(hashEntry(one)).toBe(hashEntry(two));
    });

    it('gives a different hash when any detail changes', () => {
      const base = { seq: 1, time: '2026-03-01T09:00:00.000Z', type: 'ChangeProposed', actor: 'alice', prevHash: GENESIS_HASH };

      expect(hashEntry({ ...base, details: { version: '1.1.0' } })).not.toBe(hashEntry({ ...base, details: { version: '1.1.1' } }));
    });

    it('covers prevHash, so the same content at another place in the chain hashes differently', () => {
      const base = { seq: 2, time: '2026-03-01T09:00:00.000Z', type: 'ChangeProposed', actor: 'alice', details: {} };

      expect(hashEntry({ ...base, prevHash: 'a'.repeat(64) })).not.toBe(hashEntry({ ...base, prevHash: 'b'.repeat(64) }));
    });
  });

  describe('verifyChain()', () => {
    it('reports a valid chain with its length and head', () => {
      const { entries, head } = buildChain(5);

      expect(verifyChain(entries, head)).toEqual({ valid: true, entries: 5, head });
    });

    it('reports an empty ledger as valid when the head is the genesis head', () => {
      expect(verifyChain([], { seq: 0, hash: GENESIS_HASH })).toEqual({ valid: true, entries: 0, head: { seq: 0, hash: GENESIS_HASH } });
    });

    it('rejects the chain at entry 3 when the details of entry 3 of 5 were altered', () => {
      // Arrange
      const { entries, head } = buildChain(5);
      entries[2] = { ...entries[2], details: { step: 3, decision: 'approve' } };

      // Act
      const result = verifyChain(entries, head);

      // Assert
      expect(result).toMatchObject({ valid: false, firstBadSeq: 3 });
      expect(result.valid === false && result.reason).toMatch(/altered/);
    });

    it('rejects the chain at entry 4 when entry 3 was altered and re-hashed but entry 4 not relinked', () => {
      const { entries, head } = buildChain(5);
      const { hash: _old, ...content } = entries[2];
      entries[2] = rehash({ ...content, actor: 'mallory@example.org' });

      const result = verifyChain(entries, head);

      expect(result).toMatchObject({ valid: false, firstBadSeq: 4 });
      expect(result.valid === false && result.reason).toMatch(/entry 4 does not link to entry 3/);
    });

    it('rejects the chain at entry 3 when entry 3 was removed', () => {
      const { entries, head } = buildChain(5);
      entries.splice(2, 1);

      const result = verifyChain(entries, head);

      expect(result).toMatchObject({ valid: false, firstBadSeq: 3 });
      expect(result.valid === false && result.reason).toMatch(/entry 3 is missing/);
    });

    it('rejects the chain when two entries were swapped', () => {
      const { entries, head } = buildChain(5);
      [entries[2], entries[3]] = [entries[3], entries[2]];

      const result = verifyChain(entries, head);

      expect(result).toMatchObject({ valid: false, firstBadSeq: 3 });
    });

    it('rejects the chain when two entries were swapped and renumbered', () => {
      const { entries, head } = buildChain(5);
      const [third, fourth] = [entries[2], entries[3]];
      entries[2] = { ...fourth, seq: 3 };
      entries[3] = { ...third, seq: 4 };

      const result = verifyChain(entries, head);

      expect(result).toMatchObject({ valid: false, firstBadSeq: 3 });
    });

    it('rejects the chain with a reason about the head when the last entry was removed', () => {
      // Arrange: the store's head still says 5.
      const { entries, head } = buildChain(5);
      entries.pop();

      // Act
      const result = verifyChain(entries, head);

      // Assert
      expect(result).toMatchObject({ valid: false, entries: 4, firstBadSeq: 5 });
      expect(result.valid === false && result.reason).toMatch(/head is at 5 but the chain ends at 4/);
    });

    it('rejects an empty ledger when the head says it has entries', () => {
      const { head } = buildChain(2);

      expect(verifyChain([], head)).toMatchObject({ valid: false, entries: 0, firstBadSeq: 1 });
    });

    it('rejects the chain when the head has the right seq but another hash', () => {
      const { entries, head } = buildChain(3);

      expect(verifyChain(entries, { seq: head.seq, hash: 'f'.repeat(64) })).toMatchObject({ valid: false, firstBadSeq: 4 });
    });

    it('accepts any iterable when entries are streamed', () => {
      const { entries, head } = buildChain(3);
      function* stream() {
        yield* entries;
      }

      expect(verifyChain(stream(), head)).toMatchObject({ valid: true, entries: 3 });
    });
  });

  describe('verifySnapshot()', () => {
    it('verifies up to the first head when entries past it are covered by the second head (appended during the read)', () => {
      // Arrange: the head read before the entries was at 3; writers appended 4 and 5 before the second head read.
      const { entries, heads } = buildChain(5);

      // Act
      const result = verifySnapshot(entries, heads[3], heads[5]);

      // Assert
      expect(result).toEqual({ valid: true, entries: 3, head: heads[3] });
    });

    it('reports a valid chain with every entry when both heads are the same', () => {
      const { entries, head } = buildChain(4);

      expect(verifySnapshot(entries, head, head)).toEqual({ valid: true, entries: 4, head });
    });

    it('reports an empty ledger as valid when both heads are the genesis head', () => {
      const genesis = { seq: 0, hash: GENESIS_HASH };

      expect(verifySnapshot([], genesis, genesis)).toEqual({ valid: true, entries: 0, head: genesis });
    });

    it('rejects the snapshot at the entry that lies beyond the second head (written around the head)', () => {
      // Arrange: entry 5 exists but neither head ever covered it.
      const { entries, heads } = buildChain(5);

      // Act
      const result = verifySnapshot(entries, heads[3], heads[4]);

      // Assert
      expect(result).toMatchObject({ valid: false, entries: 3, firstBadSeq: 5 });
      expect(result.valid === false && result.reason).toBe('entry 5 lies beyond the ledger head (4)');
    });

    it('rejects the snapshot at the first stray entry when several lie beyond the second head', () => {
      const { entries, heads } = buildChain(6);

      expect(verifySnapshot(entries, heads[2], heads[3])).toMatchObject({ valid: false, firstBadSeq: 4 });
    });

    it('rejects the snapshot when an entry below the first head was altered, whatever lies beyond', () => {
      // Arrange
      const { entries, heads } = buildChain(5);
      entries[1] = { ...entries[1], actor: 'mallory@example.org' };

      // Act
      const result = verifySnapshot(entries, heads[3], heads[5]);

      // Assert
      expect(result).toMatchObject({ valid: false, firstBadSeq: 2 });
      expect(result.valid === false && result.reason).toMatch(/entry 2 was altered/);
    });

    it('rejects the snapshot when an entry below the first head is missing', () => {
      const { entries, heads } = buildChain(5);
      entries.splice(1, 1);

      expect(verifySnapshot(entries, heads[4], heads[5])).toMatchObject({ valid: false, firstBadSeq: 2 });
    });

    it('rejects the snapshot when the chain ends before the first head (truncated tail)', () => {
      const { entries, heads } = buildChain(5);

      const result = verifySnapshot(entries.slice(0, 2), heads[3], heads[3]);

      expect(result).toMatchObject({ valid: false, entries: 2, firstBadSeq: 3 });
    });
  });
});
