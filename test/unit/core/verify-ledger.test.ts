import { signDigest } from '../../../lambdas/core/digest';
import { NotFoundError } from '../../../lambdas/core/errors';
import { hashEntry, type LedgerEntry, orderKey } from '../../../lambdas/core/ledger';
import { makeDigest } from '../../../lambdas/core/use-cases/make-digest';
import { verifyLedger } from '../../../lambdas/core/use-cases/verify-ledger';
import { draftOf, keyPairSigner, ledgerServices, type MemoryLedger } from './ledger-fakes';

/** Rewrites entry `seq` of `chain` (a new actor) and re-hashes it and every later entry and the head, as an attacker with write access would. */
function rewriteAndRehash(ledger: MemoryLedger, chain: string, seq: number): void {
  const entries = ledger.chains.get(chain) as LedgerEntry[];
  for (let i = seq - 1; i < entries.length; i++) {
    const e = { ...entries[i], ...(i === seq - 1 ? { actor: 'mallory' } : {}), prevHash: i === 0 ? entries[i].prevHash : entries[i - 1].hash };
    entries[i] = { ...e, order: orderKey(e.time, e.chain, e.seq), hash: hashEntry(e) };
  }
  const last = entries[entries.length - 1];
  ledger.headsOf.set(chain, { chain, seq: last.seq, hash: last.hash, time: last.time });
}

describe('verifyLedger()', () => {
  it('verifies every chain from its first entry and every digest, when no digest is named', async () => {
    // Arrange
    const { svc, ledger } = ledgerServices();
    for (let i = 1; i <= 3; i++) ledger.append(draftOf('a', i));
    await makeDigest(svc);
    for (let i = 1; i <= 2; i++) ledger.append(draftOf('b', i));

    // Act
    const result = await verifyLedger(svc);

    // Assert
    expect(result).toMatchObject({ valid: true, entries: 5, chains: 2, digests: 1, latestDigest: { seq: 1 } });
    expect(result.heads?.map((h) => [h.chain, h.seq])).toEqual([
      ['target:a', 3],
      ['target:b', 2],
    ]);
  });

  it('reads only the entries after the digest it starts from', async () => {
    // Arrange: 50 entries digested, then 5 more.
    const { svc, ledger } = ledgerServices();
    for (let i = 1; i <= 50; i++) ledger.append(draftOf(i % 2 ? 'a' : 'b', i));
    const digest = await makeDigest(svc);
    for (let i = 1; i <= 5; i++) ledger.append(draftOf('a', 100 + i));
    ledger.read = 0;

    // Act
    const result = await verifyLedger(svc, { fromDigest: digest.digest.seq });

    // Assert
    expect(result).toMatchObject({ valid: true, entries: 5, fromDigest: 1 });
    expect(ledger.read).toBe(5);
  });

  it('names the rewritten entry when a chain was rewritten and re-hashed after a digest confirmed the entry before it', async () => {
    // Arrange: digest 1 names a's head at 4; entries 5–8 follow and digest 2 names 8; then entry 5 is rewritten, 5–8 and the head re-hashed.
    const { svc, ledger } = ledgerServices();
    for (let i = 1; i <= 4; i++) ledger.append(draftOf('a', i));
    await makeDigest(svc);
    for (let i = 5; i <= 8; i++) ledger.append(draftOf('a', i));
    await makeDigest(svc);
    rewriteAndRehash(ledger, 'target:a', 5);

    // Act
    const result = await verifyLedger(svc);

    // Assert
    expect(result).toMatchObject({ valid: false, chain: 'target:a', firstBadSeq: 5, reason: 'rewritten-and-re-hashed', faults: [{ digestSeq: 2 }] });
  });

  it('finds the rewrite from the last verified digest too, reading the new entries only', async () => {
    const { svc, ledger } = ledgerServices();
    for (let i = 1; i <= 4; i++) ledger.append(draftOf('a', i));
    await makeDigest(svc);
    for (let i = 5; i <= 8; i++) ledger.append(draftOf('a', i));
    await makeDigest(svc);
    rewriteAndRehash(ledger, 'target:a', 6);

    const result = await verifyLedger(svc, { fromDigest: 1 });

    expect(result).toMatchObject({ valid: false, firstBadSeq: 5, reason: 'rewritten-and-re-hashed' });
    expect(result.detail).toMatch(/entries 5–8 of target:a were rewritten and re-hashed/);
  });

  it('reports a digest missing from the store, and a digest signed with another key altered', async () => {
    // Arrange
    const { svc, ledger, digests } = ledgerServices();
    ledger.append(draftOf('a', 1));
    await makeDigest(svc);
    await makeDigest(svc);
    await makeDigest(svc);
    digests.stored.delete(2);
    const { svc: svc2, ledger: ledger2, digests: digests2 } = ledgerServices();
    ledger2.append(draftOf('a', 1));
    const forged = await signDigest((await makeDigest(svc2)).digest, keyPairSigner());
    digests2.stored.set(1, forged);

    // Act / Assert
    expect(await verifyLedger(svc)).toMatchObject({ valid: false, reason: 'missing', faults: [{ digestSeq: 2 }] });
    expect(await verifyLedger(svc2)).toMatchObject({ valid: false, reason: 'altered', faults: [{ digestSeq: 1 }] });
  });

  it("checks the stored digest against an auditor's kept one: another hash is a fork, a digest the store lacks is missing", async () => {
    const { svc, ledger } = ledgerServices();
    ledger.append(draftOf('a', 1));
    const kept = await makeDigest(svc);

    expect(await verifyLedger(svc, { kept: { seq: 1, digestHash: kept.digestHash } })).toMatchObject({ valid: true });
    expect(await verifyLedger(svc, { kept: { seq: 1, digestHash: 'e'.repeat(64) } })).toMatchObject({ valid: false, reason: 'forked' });
    expect(await verifyLedger(svc, { kept: { seq: 7, digestHash: kept.digestHash } })).toMatchObject({ valid: false, reason: 'missing' });
  });

  it('reports a chain whose head item is gone missing, and refuses to start from a digest the store does not have', async () => {
    const { svc, ledger } = ledgerServices();
    ledger.append(draftOf('a', 1));
    await makeDigest(svc);
    ledger.headsOf.delete('target:a');

    expect(await verifyLedger(svc)).toMatchObject({ valid: false, chain: 'target:a', reason: 'missing' });
    await expect(verifyLedger(svc, { fromDigest: 9 })).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('makeDigest()', () => {
  it('signs the heads of every chain, linked to the digest before', async () => {
    const { svc, ledger, signer } = ledgerServices();
    ledger.append(draftOf('a', 1));
    const first = await makeDigest(svc);
    ledger.append(draftOf('b', 1));

    const second = await makeDigest(svc);

    expect(first.digest).toMatchObject({ seq: 1, entries: 1 });
    expect(second.digest).toMatchObject({ seq: 2, entries: 2, previousDigestHash: first.digestHash });
    expect(second.digest.chains.map((c) => c.chain)).toEqual(['target:a', 'target:b']);
    expect(second.signature).toMatchObject({ algorithm: 'ECDSA_SHA_256', keyId: 'test-key' });
    expect(await verifyLedger({ ...svc, signer })).toMatchObject({ valid: true, digests: 2 });
  });

  it('signs again after the next seq when another maker stored a digest first', async () => {
    // Arrange: the store's newest digest is read as #1 once more after another maker stored #2.
    const { svc, ledger, digests } = ledgerServices();
    ledger.append(draftOf('a', 1));
    await makeDigest(svc);
    const latest = digests.latest.bind(digests);
    let raced = false;
    digests.latest = async () => {
      const seen = await latest();
      if (!raced) {
        raced = true;
        await makeDigest(svc);
      }
      return seen;
    };

    // Act
    const made = await makeDigest(svc);

    // Assert
    expect(made.digest.seq).toBe(3);
    expect([...digests.stored.keys()]).toEqual([1, 2, 3]);
  });
});
