import { buildDigest, chainProof, checkDigest, checkDigestLink, type SignedDigest, signDigest } from '../../../lambdas/core/digest';
import { GENESIS_HASH } from '../../../lambdas/core/ledger';
import { leafHash, merkleRoot, verifyInclusion } from '../../../lambdas/core/merkle';
import { keyPairSigner } from './ledger-fakes';

const heads = [
  { chain: 'target:b', seq: 3, hash: 'b'.repeat(64) },
  { chain: 'target:a', seq: 5, hash: 'a'.repeat(64) },
  { chain: 'legacy', seq: 40, hash: 'c'.repeat(64) },
];
const T = new Date('2026-03-01T09:15:00.000Z');

describe('digest', () => {
  const signer = keyPairSigner();

  describe('buildDigest()', () => {
    it('names every chain head sorted by chain, their Merkle root, the number of entries, and the genesis hash as the first previous digest', () => {
      const d = buildDigest(undefined, heads, T);

      expect(d).toMatchObject({ format: 'cmv-ledger-digest/1', seq: 1, time: '2026-03-01T09:15:00.000Z', previousDigestHash: GENESIS_HASH, entries: 48 });
      expect(d.chains.map((c) => c.chain)).toEqual(['legacy', 'target:a', 'target:b']);
      expect(d.headHash).toBe(merkleRoot(d.chains.map((c) => Buffer.from(JSON.stringify({ chain: c.chain, hash: c.hash, seq: c.seq })))).toString('hex'));
    });

    it('numbers the next digest after the previous and links it by the previous digest hash', async () => {
      const first = await signDigest(buildDigest(undefined, heads, T), signer);

      const next = buildDigest(first, heads, T);

      expect(next).toMatchObject({ seq: 2, previousDigestHash: first.digestHash });
    });
  });

  describe('checkDigest()', () => {
    let signed: SignedDigest;
    beforeAll(async () => {
      signed = await signDigest(buildDigest(undefined, heads, T), signer);
    });

    it('accepts a digest signed with the key', () => {
      expect(checkDigest(signed, signer.pem)).toBeUndefined();
    });

    it('reports a digest altered when its content, its hash, its Merkle root or its signature was changed', async () => {
      const changedHead = { ...signed, digest: { ...signed.digest, chains: [{ ...signed.digest.chains[0], seq: 39 }, ...signed.digest.chains.slice(1)] } };
      const rehashed = await signDigest({ ...signed.digest, headHash: 'f'.repeat(64) }, signer);
      const resigned = await signDigest(signed.digest, keyPairSigner());

      expect(checkDigest(changedHead, signer.pem)).toMatchObject({ reason: 'altered', detail: expect.stringMatching(/hash does not match/) });
      expect(checkDigest(rehashed, signer.pem)).toMatchObject({ reason: 'altered', detail: expect.stringMatching(/Merkle root/) });
      expect(checkDigest(resigned, signer.pem)).toMatchObject({ reason: 'altered', detail: expect.stringMatching(/not signed by the digest key/) });
    });
  });

  describe('checkDigestLink()', () => {
    it('accepts the next digest, and reports a gap missing, another previous hash forked, a chain gone missing and a chain behind forked', async () => {
      // Arrange
      const first = await signDigest(buildDigest(undefined, heads, T), signer);
      const second = await signDigest(buildDigest(first, heads, T), signer);
      const third = await signDigest(buildDigest(second, heads, T), signer);
      const forked = await signDigest({ ...buildDigest(first, heads, T), previousDigestHash: 'e'.repeat(64) }, signer);
      const gone = await signDigest(buildDigest(first, heads.slice(1), T), signer);
      const behind = await signDigest(buildDigest(first, [{ ...heads[0], seq: 2 }, ...heads.slice(1)], T), signer);

      // Act / Assert
      expect(checkDigestLink(first, second)).toBeUndefined();
      expect(checkDigestLink(first, third)).toMatchObject({ reason: 'missing', digestSeq: 2 });
      expect(checkDigestLink(first, forked)).toMatchObject({ reason: 'forked', digestSeq: 2 });
      expect(checkDigestLink(first, gone)).toMatchObject({ reason: 'missing', chain: 'target:b' });
      expect(checkDigestLink(first, behind)).toMatchObject({ reason: 'forked', chain: 'target:b', firstBadSeq: 3 });
    });
  });

  describe('chainProof()', () => {
    it("proves a chain's head in the digest's Merkle root (RFC 6962 inclusion)", () => {
      const d = buildDigest(undefined, heads, T);

      const proof = chainProof(d, 'target:a');

      expect(proof).toBeDefined();
      const { index, size, leafHash: leaf, path } = proof as NonNullable<typeof proof>;
      expect(leaf).toBe(leafHash(Buffer.from(JSON.stringify({ chain: 'target:a', hash: 'a'.repeat(64), seq: 5 }))).toString('hex'));
      expect(
        verifyInclusion(
          index,
          size,
          Buffer.from(leaf, 'hex'),
          path.map((p) => Buffer.from(p, 'hex')),
          Buffer.from(d.headHash, 'hex'),
        ),
      ).toBe(true);
      expect(chainProof(d, 'target:zzz')).toBeUndefined();
    });
  });
});
