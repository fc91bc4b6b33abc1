import { createHash } from 'node:crypto';

/**
 * Merkle tree hashing of RFC 6962 §2.1 (Certificate Transparency), over SHA-256:
 *
 *   MTH({})      = SHA-256()
 *   MTH({d0})    = SHA-256(0x00 ‖ d0)
 *   MTH(D[n])    = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])), k the largest power of two < n
 *
 * and the audit path (inclusion proof) of §2.1.1. No npm library both implements this hashing and
 * is kept (merkletreejs, the common one, does not prefix leaves and nodes: its issue #77), so it
 * is this small module, tested against the RFC 6962 vectors of transparency-dev/merkle.
 */

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

/** SHA-256(0x00 ‖ data): the hash of one leaf. */
export const leafHash = (data: Uint8Array): Buffer => sha256(LEAF, data);

/** SHA-256(0x01 ‖ left ‖ right): the hash of an inner node. */
export const nodeHash = (left: Uint8Array, right: Uint8Array): Buffer => sha256(NODE, left, right);

/** The largest power of two smaller than `n` (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH of the leaves whose hashes are given, in order. */
function rootOfHashes(hashes: readonly Buffer[]): Buffer {
  if (hashes.length === 0) return sha256();
  if (hashes.length === 1) return hashes[0];
  const k = split(hashes.length);
  return nodeHash(rootOfHashes(hashes.slice(0, k)), rootOfHashes(hashes.slice(k)));
}

/** The Merkle tree hash (root) of `leaves`, in order: 32 bytes. */
export function merkleRoot(leaves: readonly Uint8Array[]): Buffer {
  return rootOfHashes(leaves.map(leafHash));
}

/**
 * The audit path of leaf `index` (from 0) in the tree of `leaves` (RFC 6962 §2.1.1), leaf side first.
 * @throws RangeError when `index` is not a leaf of the tree
 */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Buffer[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) throw new RangeError(`leaf ${index} is not in a tree of ${leaves.length}`);
  const path = (hashes: readonly Buffer[], m: number): Buffer[] => {
    if (hashes.length <= 1) return [];
    const k = split(hashes.length);
    return m < k ? [...path(hashes.slice(0, k), m), rootOfHashes(hashes.slice(k))] : [...path(hashes.slice(k), m - k), rootOfHashes(hashes.slice(0, k))];
  };
  return path(leaves.map(leafHash), index);
}

/**
 * The root that leaf `index` of a tree of `size` leaves, with hash `leaf`, and `proof` lead to
 * (RFC 9162 §2.1.3.2), or undefined when the proof cannot be one of such a tree (wrong length).
 */
export function rootFromInclusionProof(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[]): Buffer | undefined {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return undefined;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

/** Whether `proof` shows leaf hash `leaf` at `index` of a tree of `size` leaves with root `root`. */
export function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  const computed = rootFromInclusionProof(index, size, leaf, proof);
  return computed !== undefined && root.length === 32 && computed.equals(root);
}
