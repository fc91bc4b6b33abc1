import { inclusionProof, leafHash, merkleRoot, rootFromInclusionProof, verifyInclusion } from '../../../lambdas/core/merkle';

/** RFC 6962 test vectors as transparency-dev/merkle publishes them (testonly/constants.go, proof/verify_test.go). */
const hex = (h: string) => Buffer.from(h, 'hex');
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(hex);
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
/** [leaf (1-based, as the vectors number them), tree size, audit path]. */
const PROOFS: [number, number, string[]][] = [
  [1, 1, []],
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [3, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    2,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];

describe('merkle (RFC 6962)', () => {
  describe('merkleRoot()', () => {
    it.each(ROOTS.map((root, size) => [size, root]))('gives the RFC 6962 root of the first %i test leaves', (size, root) => {
      expect(merkleRoot(LEAVES.slice(0, size as number)).toString('hex')).toBe(root);
    });

    it('gives another root when one leaf changes', () => {
      const changed = [...LEAVES];
      changed[5] = hex('40414244');

      expect(merkleRoot(changed).toString('hex')).not.toBe(ROOTS[8]);
    });
  });

  describe('inclusionProof()', () => {
    it.each(PROOFS)('gives the RFC 6962 audit path of leaf %i in a tree of %i', (leaf, size, path) => {
      expect(inclusionProof(LEAVES.slice(0, size), leaf - 1).map((h) => h.toString('hex'))).toEqual(path);
    });

    it('rejects an index outside the tree', () => {
      expect(() => inclusionProof(LEAVES.slice(0, 3), 3)).toThrow(RangeError);
    });
  });

  describe('verifyInclusion()', () => {
    it.each(PROOFS)('accepts the RFC 6962 audit path of leaf %i in a tree of %i', (leaf, size, path) => {
      expect(verifyInclusion(leaf - 1, size, leafHash(LEAVES[leaf - 1]), path.map(hex), hex(ROOTS[size]))).toBe(true);
    });

    it('accepts the path of every leaf of every tree up to 8 leaves (built here, checked there)', () => {
      for (let size = 1; size <= 8; size++) {
        for (let i = 0; i < size; i++) {
          const leaves = LEAVES.slice(0, size);
          expect(verifyInclusion(i, size, leafHash(leaves[i]), inclusionProof(leaves, i), hex(ROOTS[size]))).toBe(true);
        }
      }
    });

    it('rejects a proof for the wrong index, tree size, leaf or root, or with a component flipped, added or removed', () => {
      // Arrange: leaf 6 of 8 (index 5), as the vectors' corruptions do.
      const [, size, path] = PROOFS[2];
      const proof = path.map(hex);
      const leaf = leafHash(LEAVES[5]);
      const root = hex(ROOTS[size]);
      const flipped = proof.map((p, i) => (i === 1 ? Buffer.from(p.map((b, j) => (j === 0 ? b ^ 8 : b))) : p));

      // Act / Assert
      expect(verifyInclusion(5, size, leaf, proof, root)).toBe(true);
      expect(verifyInclusion(4, size, leaf, proof, root)).toBe(false);
      expect(verifyInclusion(6, size, leaf, proof, root)).toBe(false);
      expect(verifyInclusion(5, size * 2, leaf, proof, root)).toBe(false);
      expect(verifyInclusion(5, size / 2, leaf, proof, root)).toBe(false);
      expect(verifyInclusion(5, size, leafHash(Buffer.from('WrongLeaf')), proof, root)).toBe(false);
      expect(verifyInclusion(5, size, leaf, proof, hex(ROOTS[0]))).toBe(false);
      expect(verifyInclusion(5, size, leaf, flipped, root)).toBe(false);
      expect(verifyInclusion(5, size, leaf, [...proof, root], root)).toBe(false);
      expect(verifyInclusion(5, size, leaf, proof.slice(0, -1), root)).toBe(false);
      expect(rootFromInclusionProof(8, 8, leaf, proof)).toBeUndefined();
    });
  });
});
