import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import {
  AUDIT_READS_CHAIN,
  chainEntry,
  chainOf,
  contentHash,
  emptyChain,
  GENESIS_HASH,
  hashEntry,
  type LedgerEntryDraft,
  linkHash,
  orderKey,
} from '../../../lambdas/core/ledger';
import { LEGACY_CHAIN, legacyHash } from '../../../lambdas/core/ledger-legacy';

const CHAIN = 'target:benefit-calculator';

function draft(details: Record<string, unknown>): LedgerEntryDraft {
  return { type: 'ApprovalRecorded', changeId: 'chg-1', target: 'benefit-calculator', actor: 'bob@example.org', details };
}

describe('ledger', () => {
  describe('chainOf()', () => {
    it("puts an entry in its target's chain, and one without a target in the chain cmv", () => {
      expect(chainOf({ target: 'benefit-calculator' })).toBe(CHAIN);
      expect(chainOf({})).toBe('cmv');
    });

    it('puts every read of the audit trail in the chain audit-reads, apart from the targets it read about', () => {
      expect(chainOf({ type: 'AuditQueried' })).toBe(AUDIT_READS_CHAIN);
      expect(AUDIT_READS_CHAIN).toBe('audit-reads');
    });
  });

  describe('orderKey()', () => {
    it('sorts by time first, then chain, then seq (numerically, by zero-padding)', () => {
      const keys = [
        orderKey('2026-03-01T09:00:00.001Z', 'target:a', 1),
        orderKey('2026-03-01T09:00:00.000Z', 'target:b', 10),
        orderKey('2026-03-01T09:00:00.000Z', 'target:b', 9),
        orderKey('2026-03-01T09:00:00.000Z', 'target:a', 2),
      ];

      expect([...keys].sort()).toEqual([keys[3], keys[2], keys[1], keys[0]]);
    });
  });

  describe('chainEntry()', () => {
    it("numbers the entry after its chain's head, links it to the head's hash and gives it its order key", () => {
      // Arrange
      const head = { chain: CHAIN, seq: 41, hash: 'a'.repeat(64), time: '2026-03-01T09:00:00.000Z' };
      const time = new Date('2026-03-01T09:30:00.000Z');

      // Act
      const entry = chainEntry(head, draft({ decision: 'approve' }), time);

      // Assert
      expect(entry).toMatchObject({
        chain: CHAIN,
        seq: 42,
        prevHash: 'a'.repeat(64),
        time: '2026-03-01T09:30:00.000Z',
        order: `2026-03-01T09:30:00.000Z#${CHAIN}#000000000042`,
        details: { decision: 'approve' },
      });
      expect(entry.hash).toBe(linkHash(contentHash(entry), 'a'.repeat(64)));
    });

    it('starts a chain at seq 1 after the genesis hash', () => {
      const entry = chainEntry(emptyChain(CHAIN), draft({}), new Date('2026-03-01T09:00:00.000Z'));

      expect(entry).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
    });

    it("dates an entry at its predecessor's time when the writer's clock is behind it", () => {
      const head = { chain: CHAIN, seq: 3, hash: 'b'.repeat(64), time: '2026-03-01T09:00:01.000Z' };

      const entry = chainEntry(head, draft({}), new Date('2026-03-01T09:00:00.500Z'));

      expect(entry.time).toBe('2026-03-01T09:00:01.000Z');
    });

    it("refuses to chain an entry after another chain's head", () => {
      expect(() => chainEntry(emptyChain('target:other'), draft({}), new Date())).toThrow(/cannot follow the head of target:other/);
    });
  });

  describe('hashEntry()', () => {
    const base = { chain: CHAIN, seq: 1, time: '2026-03-01T09:00:00.000Z', type: 'ChangeProposed', actor: 'alice', prevHash: GENESIS_HASH };

    it('gives the same hash when the details have their keys in another order (RFC 8785)', () => {
      const one = { ...base, details: { version: '1.1.0', config: { B: '2', A: '1' }, steps: [10, 50, 100] } };
      const two = { ...base, details: { steps: [10, 50, 100], config: { A: '1', B: '2' }, version: '1.1.0' } };

      expect(hashEntry(one)).toBe(hashEntry(two));
    });

    it('gives a different hash when any detail, the place (chain, seq) or the predecessor changes', () => {
      const hash = hashEntry({ ...base, details: { version: '1.1.0' } });

      expect(hashEntry({ ...base, details: { version: '1.1.1' } })).not.toBe(hash);
      expect(hashEntry({ ...base, seq: 2, details: { version: '1.1.0' } })).not.toBe(hash);
      expect(hashEntry({ ...base, chain: 'target:other', details: { version: '1.1.0' } })).not.toBe(hash);
      expect(hashEntry({ ...base, prevHash: 'b'.repeat(64), details: { version: '1.1.0' } })).not.toBe(hash);
    });

    it("covers the actor's context (roles, source IP, user agent): changing any of it changes the hash", () => {
      const actorContext = { roles: ['approver'], sourceIp: '203.0.113.7', userAgent: 'cmv-cli/1.0' };
      const hash = hashEntry({ ...base, actorContext, details: {} });

      expect(hashEntry({ ...base, actorContext: { ...actorContext, roles: ['approver', 'release_admin'] }, details: {} })).not.toBe(hash);
      expect(hashEntry({ ...base, actorContext: { ...actorContext, sourceIp: '198.51.100.1' }, details: {} })).not.toBe(hash);
      expect(hashEntry({ ...base, actorContext: { ...actorContext, userAgent: 'curl/8.0' }, details: {} })).not.toBe(hash);
      expect(hashEntry({ ...base, details: {} })).not.toBe(hash);
    });

    it('hashes an entry without an actor context as before there was one, so stored chains keep verifying', () => {
      const entry = { ...base, details: { version: '1.1.0' } };
      const { chain, seq, time, type, actor, details } = entry;
      const before = createHash('sha256')
        .update(canonicalize({ chain, seq, time, type, changeId: undefined, target: undefined, actor, details }) ?? '')
        .digest('hex');

      expect(contentHash(entry)).toBe(before);
    });

    it('hashes an entry of the legacy chain by the legacy rule, so the old global chain keeps verifying', () => {
      const legacy = { ...base, chain: LEGACY_CHAIN, details: { version: '1.1.0' } };

      expect(hashEntry(legacy)).toBe(legacyHash(legacy));
      expect(hashEntry(legacy)).not.toBe(hashEntry({ ...legacy, chain: CHAIN }));
    });
  });
});
