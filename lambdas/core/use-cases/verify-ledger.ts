import { ChainWalk, type LedgerFault } from '../chain-walk';
import { checkDigest, checkDigestLink, type SignedDigest } from '../digest';
import { NotFoundError } from '../errors';
import { type ChainHead, emptyChain, GENESIS_HASH } from '../ledger';
import type { Services } from './services';

/** What to verify from, and against. */
export interface VerifyOptions {
  /**
   * The seq of the last digest verified before: the chains are checked from the heads it names
   * (trusted), so the cost is the entries since. Default: from the first entry of every chain.
   */
  readonly fromDigest?: number;
  /** A digest an auditor kept outside CMV (its seq and hash): the stored digest of that seq must be it. */
  readonly kept?: { readonly seq: number; readonly digestHash: string };
}

/** The outcome of {@link verifyLedger}. */
export interface LedgerVerification {
  readonly valid: boolean;
  /** Entries checked (those after the starting digest). */
  readonly entries: number;
  /** Chains checked. */
  readonly chains: number;
  /** The digest the check started from, if any. */
  readonly fromDigest?: number;
  /** Digests checked (after the starting one), and the newest. */
  readonly digests: number;
  readonly latestDigest?: { readonly seq: number; readonly digestHash: string };
  /** The heads the chains were verified up to (valid only). */
  readonly heads?: readonly ChainHead[];
  /** The first fault (the first chain's, by name, when several are bad), then each bad chain's. */
  readonly firstBadSeq?: number;
  readonly chain?: string;
  readonly reason?: LedgerFault['reason'];
  readonly detail?: string;
  readonly faults?: readonly LedgerFault[];
  /** The digest key (PEM), so a caller can compare it with the one it holds. */
  readonly publicKey?: string;
}

/**
 * Verifies the ledger from a digest to the heads: every digest after it (signature, link, Merkle
 * root), every chain against every digest's head for it, the auditor's kept digest against the
 * stored one, then each chain up to its current head. Reads the digests in range and each chain's
 * entries since the starting digest only, a page at a time (never the whole ledger in memory).
 * @throws NotFoundError (404) when `fromDigest` names no stored digest
 */
export async function verifyLedger(svc: Services, options: VerifyOptions = {}): Promise<LedgerVerification> {
  const publicKey = svc.signer && svc.digests ? await svc.signer.publicKey() : undefined;
  const walks = new Map<string, ChainWalk>();
  let start: SignedDigest | undefined;
  if (options.fromDigest !== undefined) {
    if (!svc.digests || !publicKey) throw new NotFoundError(`digest #${options.fromDigest} does not exist: this CMV keeps no digests`);
    start = await svc.digests.get(options.fromDigest);
    if (!start) throw new NotFoundError(`digest #${options.fromDigest} does not exist`);
  }
  const startOf = (chain: string): ChainHead => {
    const named = start?.digest.chains.find((c) => c.chain === chain);
    return named ? { ...named } : emptyChain(chain);
  };
  const walkOf = (chain: string): ChainWalk => {
    let walk = walks.get(chain);
    if (!walk) {
      const from = startOf(chain);
      walk = new ChainWalk(chain, from, (after) => svc.ledger.entries(chain, after)[Symbol.asyncIterator]());
      walks.set(chain, walk);
    }
    return walk;
  };
  const base = { fromDigest: options.fromDigest, publicKey };
  const failed = (fault: LedgerFault, digests: number): LedgerVerification => ({
    ...base,
    valid: false,
    entries: count(walks),
    chains: walks.size,
    digests,
    firstBadSeq: fault.firstBadSeq,
    chain: fault.chain,
    reason: fault.reason,
    detail: fault.detail,
    faults: [fault],
  });

  let previous = start;
  let digests = 0;
  let keptSeen = false;
  if (svc.digests && publicKey) {
    if (start) {
      const fault = checkDigest(start, publicKey) ?? keptMismatch(start, options.kept);
      if (fault) return failed(fault, 0);
      keptSeen ||= start.digest.seq === options.kept?.seq;
    }
    for await (const signed of svc.digests.after(start?.digest.seq ?? 0)) {
      const fault =
        checkDigest(signed, publicKey) ?? (previous ? checkDigestLink(previous, signed) : firstDigestFault(signed)) ?? keptMismatch(signed, options.kept);
      if (fault) return failed(fault, digests);
      keptSeen ||= signed.digest.seq === options.kept?.seq;
      for (const c of signed.digest.chains) {
        const chainFault = await walkOf(c.chain).checkpoint({ seq: c.seq, hash: c.hash, digestSeq: signed.digest.seq });
        if (chainFault) return failed(chainFault, digests + 1);
      }
      previous = signed;
      digests++;
    }
    if (options.kept && !keptSeen) {
      const stored = options.kept.seq < (start?.digest.seq ?? 1) ? await svc.digests.get(options.kept.seq) : undefined;
      const fault = stored
        ? keptMismatch(stored, options.kept)
        : {
            reason: 'missing' as const,
            detail: `the digest #${options.kept.seq} an auditor kept is not among the stored digests`,
            digestSeq: options.kept.seq,
          };
      if (fault) return failed(fault, digests);
    }
  }

  // The heads, read after the digests: each is at or past what any digest read names.
  const faults: LedgerFault[] = [];
  const heads = await svc.ledger.heads();
  const chains = new Set([...heads.map((h) => h.chain), ...walks.keys(), ...(start?.digest.chains.map((c) => c.chain) ?? [])]);
  const verified: ChainHead[] = [];
  for (const chain of [...chains].sort()) {
    const head = heads.find((h) => h.chain === chain) ?? (await svc.ledger.head(chain));
    const walk = walkOf(chain);
    if (!head) {
      faults.push({
        reason: 'missing',
        chain,
        firstBadSeq: Math.max(1, walk.head.seq),
        detail: `the head of ${chain} is gone, though a digest names the chain`,
      });
      continue;
    }
    const fault = await walk.finish(head, async (seq) => ((await svc.ledger.head(chain))?.seq ?? 0) >= seq);
    if (fault) faults.push(fault);
    else verified.push(walk.head);
  }
  if (faults.length > 0) {
    const [first] = faults;
    return { ...failed(first, digests), faults };
  }
  return {
    ...base,
    valid: true,
    entries: count(walks),
    chains: walks.size,
    digests,
    ...(previous ? { latestDigest: { seq: previous.digest.seq, digestHash: previous.digestHash } } : {}),
    heads: verified,
  };
}

const count = (walks: Map<string, ChainWalk>) => [...walks.values()].reduce((n, w) => n + w.verified, 0);

function firstDigestFault(signed: SignedDigest): LedgerFault | undefined {
  if (signed.digest.seq !== 1) return { reason: 'missing', detail: `digests #1–#${signed.digest.seq - 1} are missing`, digestSeq: 1 };
  if (signed.digest.previousDigestHash !== GENESIS_HASH) return { reason: 'forked', detail: 'digest #1 names a previous digest', digestSeq: 1 };
  return undefined;
}

function keptMismatch(stored: SignedDigest, kept: VerifyOptions['kept']): LedgerFault | undefined {
  if (!kept || kept.seq !== stored.digest.seq || kept.digestHash === stored.digestHash) return undefined;
  return {
    reason: 'forked',
    detail: `the stored digest #${kept.seq} (${stored.digestHash}) is not the one an auditor kept (${kept.digestHash})`,
    digestSeq: kept.seq,
  };
}
