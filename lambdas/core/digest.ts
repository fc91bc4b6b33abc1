import { createHash, createPublicKey, verify } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { LedgerFault } from './chain-walk';
import { type ChainHead, GENESIS_HASH } from './ledger';
import { inclusionProof, leafHash, merkleRoot } from './merkle';

/**
 * Signed digests of the ledger, as certificate-transparency logs sign tree heads: a digest names
 * the head of every chain, combines them into an RFC 6962 Merkle tree (`headHash` is its root; the
 * leaves are the RFC 8785 JSON of `{chain, seq, hash}`, sorted by chain), and links to the digest
 * before it. The signature is ECDSA P-256 with SHA-256 over the RFC 8785 JSON of the digest (KMS
 * `ECDSA_SHA_256`; DER-encoded, base64). A digest is stored where CMV's roles cannot rewrite it, so
 * a chain rewritten and re-hashed after a digest no longer matches the head the digest names.
 */

/** The format of a digest (a verifier refuses others). */
export const DIGEST_FORMAT = 'cmv-ledger-digest/1';

/** The signature algorithm of digests (KMS SigningAlgorithm). */
export const DIGEST_SIGNING_ALGORITHM = 'ECDSA_SHA_256';

/** A chain's head as a digest names it. */
export interface DigestChain {
  readonly chain: string;
  readonly seq: number;
  readonly hash: string;
}

/** What is signed. `time` is ISO-8601 UTC; hashes are hex SHA-256. */
export interface Digest {
  readonly format: typeof DIGEST_FORMAT;
  /** From 1, no gaps. */
  readonly seq: number;
  readonly time: string;
  /** `digestHash` of digest `seq - 1`; the genesis hash (64 zeros) for the first. */
  readonly previousDigestHash: string;
  /** RFC 6962 Merkle root over `chains`. */
  readonly headHash: string;
  /** Entries in all chains (the sum of their seqs). */
  readonly entries: number;
  /** Every chain's head, sorted by chain. */
  readonly chains: readonly DigestChain[];
}

/** A digest with its hash and signature: what is stored, answered and kept by auditors. */
export interface SignedDigest {
  readonly digest: Digest;
  /** SHA-256 (hex) of the signed bytes, the RFC 8785 JSON of `digest`. */
  readonly digestHash: string;
  readonly signature: {
    readonly algorithm: typeof DIGEST_SIGNING_ALGORITHM;
    /** The signing key (a KMS key ARN; locally the local key's id). */
    readonly keyId: string;
    /** DER-encoded ECDSA signature, base64. */
    readonly value: string;
  };
}

/** Signs bytes with the digest key (KMS Sign; locally a key pair). */
export interface DigestSigner {
  /** @returns the key id and the DER signature of ECDSA P-256 / SHA-256 over `message` */
  sign(message: Uint8Array): Promise<{ keyId: string; signature: Uint8Array }>;
  /** The public key, PEM (SPKI). */
  publicKey(): Promise<string>;
}

const jcs = (value: unknown): string => {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('digest cannot be serialized');
  return text;
};
const sha256Hex = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** The bytes a digest's signature covers: its RFC 8785 JSON, UTF-8. */
export const signedBytes = (digest: Digest): Buffer => Buffer.from(jcs(digest), 'utf8');

/** The Merkle leaves of chain heads (sorted by chain, as in a digest). */
export const digestLeaves = (chains: readonly DigestChain[]): Buffer[] => chains.map(({ chain, seq, hash }) => Buffer.from(jcs({ chain, seq, hash }), 'utf8'));

/**
 * The digest after `previous` (none: the first) of the chains' heads at `time`.
 * @param heads - every chain's head, any order
 */
export function buildDigest(previous: SignedDigest | undefined, heads: readonly ChainHead[], time: Date): Digest {
  const chains = [...heads].map(({ chain, seq, hash }) => ({ chain, seq, hash })).sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0));
  return {
    format: DIGEST_FORMAT,
    seq: (previous?.digest.seq ?? 0) + 1,
    time: time.toISOString(),
    previousDigestHash: previous?.digestHash ?? GENESIS_HASH,
    headHash: merkleRoot(digestLeaves(chains)).toString('hex'),
    entries: chains.reduce((n, c) => n + c.seq, 0),
    chains,
  };
}

/** Signs a digest with `signer`. */
export async function signDigest(digest: Digest, signer: DigestSigner): Promise<SignedDigest> {
  const bytes = signedBytes(digest);
  const { keyId, signature } = await signer.sign(bytes);
  return { digest, digestHash: sha256Hex(bytes), signature: { algorithm: DIGEST_SIGNING_ALGORITHM, keyId, value: Buffer.from(signature).toString('base64') } };
}

/**
 * Checks one digest on its own: format, hash, signature (with `publicKeyPem`), chain order and
 * Merkle root. (That it follows the digest before is {@link checkDigestLink}.)
 * @returns the fault, or undefined when it holds
 */
export function checkDigest(signed: SignedDigest, publicKeyPem: string): LedgerFault | undefined {
  const d = signed.digest;
  const seq = typeof d?.seq === 'number' ? d.seq : 0;
  const bad = (detail: string): LedgerFault => ({ reason: 'altered', detail: `digest #${seq} ${detail}`, digestSeq: seq });
  if (!d || d.format !== DIGEST_FORMAT) return bad(`is not a ${DIGEST_FORMAT} digest`);
  const bytes = signedBytes(d);
  if (sha256Hex(bytes) !== signed.digestHash) return bad('was altered: its hash does not match its content');
  let signatureHolds = false;
  try {
    signatureHolds = verify('sha256', bytes, createPublicKey(publicKeyPem), Buffer.from(signed.signature.value, 'base64'));
  } catch {
    signatureHolds = false;
  }
  if (!signatureHolds) return bad('is not signed by the digest key: its signature does not verify');
  const sorted = d.chains.every((c, i) => i === 0 || d.chains[i - 1].chain < c.chain);
  if (!sorted) return bad('lists its chains out of order or twice');
  if (merkleRoot(digestLeaves(d.chains)).toString('hex') !== d.headHash) return bad('has a head hash that is not the Merkle root of its chains');
  return undefined;
}

/**
 * Checks that `next` follows `previous`: the next seq, linked by hash, no chain gone or behind.
 * @returns the fault, or undefined when it holds
 */
export function checkDigestLink(previous: SignedDigest, next: SignedDigest): LedgerFault | undefined {
  const p = previous.digest;
  const n = next.digest;
  if (n.seq !== p.seq + 1) {
    return {
      reason: 'missing',
      detail: `digest${n.seq - p.seq > 2 ? 's' : ''} #${p.seq + 1}${n.seq - p.seq > 2 ? `–#${n.seq - 1}` : ''} missing (found #${n.seq} after #${p.seq})`,
      digestSeq: p.seq + 1,
    };
  }
  if (n.previousDigestHash !== previous.digestHash) {
    return { reason: 'forked', detail: `digest #${n.seq} does not link to digest #${p.seq}: it names another previous digest`, digestSeq: n.seq };
  }
  const now = new Map(n.chains.map((c) => [c.chain, c]));
  for (const c of p.chains) {
    const later = now.get(c.chain);
    if (!later)
      return {
        reason: 'missing',
        detail: `digest #${n.seq} no longer names ${c.chain}, which digest #${p.seq} names`,
        chain: c.chain,
        firstBadSeq: 1,
        digestSeq: n.seq,
      };
    if (later.seq < c.seq) {
      return {
        reason: 'forked',
        detail: `digest #${n.seq} names ${c.chain} at entry ${later.seq}, behind entry ${c.seq} in digest #${p.seq}`,
        chain: c.chain,
        firstBadSeq: later.seq + 1,
        digestSeq: n.seq,
      };
    }
  }
  return undefined;
}

/** The inclusion proof of a chain's head in a digest (for an evidence pack): leaf index, tree size and audit path (hex). */
export function chainProof(digest: Digest, chain: string): { index: number; size: number; leafHash: string; path: string[] } | undefined {
  const index = digest.chains.findIndex((c) => c.chain === chain);
  if (index < 0) return undefined;
  const leaves = digestLeaves(digest.chains);
  return { index, size: leaves.length, leafHash: leafHash(leaves[index]).toString('hex'), path: inclusionProof(leaves, index).map((h) => h.toString('hex')) };
}
