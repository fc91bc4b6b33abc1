import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDigest, signDigest } from '../../../lambdas/core/digest';
import { readKeptDigest, samePublicKey } from '../../../lib/client/kept-digest';
import { keyPairSigner } from '../core/ledger-fakes';

describe('kept-digest', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-kept-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('readKeptDigest()', () => {
    it('reads a kept digest that verifies with the public key the auditor holds', async () => {
      const signer = keyPairSigner();
      const signed = await signDigest(buildDigest(undefined, [{ chain: 'target:a', seq: 2, hash: 'a'.repeat(64) }], new Date()), signer);
      await writeFile(join(dir, 'd.json'), JSON.stringify(signed));

      expect(await readKeptDigest(join(dir, 'd.json'), signer.pem)).toEqual(signed);
    });

    it('refuses a kept digest signed with another key, or changed after signing, and a file that is no digest', async () => {
      // Arrange
      const signer = keyPairSigner();
      const signed = await signDigest(buildDigest(undefined, [{ chain: 'target:a', seq: 2, hash: 'a'.repeat(64) }], new Date()), signer);
      await writeFile(join(dir, 'other-key.json'), JSON.stringify(await signDigest(signed.digest, keyPairSigner())));
      await writeFile(join(dir, 'changed.json'), JSON.stringify({ ...signed, digest: { ...signed.digest, entries: 3 } }));
      await writeFile(join(dir, 'no.json'), '{"hello": 1}');

      // Act / Assert
      await expect(readKeptDigest(join(dir, 'other-key.json'), signer.pem)).rejects.toThrow(
        /does not verify with the public key: .*not signed by the digest key/,
      );
      await expect(readKeptDigest(join(dir, 'changed.json'), signer.pem)).rejects.toThrow(/hash does not match/);
      await expect(readKeptDigest(join(dir, 'no.json'))).rejects.toThrow(/is not a signed digest/);
    });
  });

  describe('samePublicKey()', () => {
    it('compares keys, not their PEM text', () => {
      const { pem } = keyPairSigner();

      expect(samePublicKey(pem, `${pem.trim()}\n\n`)).toBe(true);
      expect(samePublicKey(pem, keyPairSigner().pem)).toBe(false);
    });
  });
});
