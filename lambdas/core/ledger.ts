import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * The tamper-evident audit ledger: a hash chain. Each entry's `hash` is the SHA-256 (hex) of the
 * RFC 8785 (JSON Canonicalization Scheme) serialization of every other field, including
 * `prevHash`, the previous entry's hash. Altering, removing or reordering any entry breaks the
 * chain from that point on, which `verifyChain` reports.
 */

/** `prevHash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** An entry before it is chained. `time` is ISO-8601 UTC. */
export interface LedgerEntryDraft {
  readonly type: string;
  readonly changeId?: string;
  readonly target?: string;
  readonly actor: string;
  readonly details: Record<string, unknown>;
}

/** A chained entry, as stored. `seq` starts at 1 and has no gaps. */
export interface LedgerEntry extends LedgerEntryDraft {
  readonly seq: number;
  readonly time: string;
  readonly prevHash: string;
  readonly hash: string;
}

/** The last entry's position and hash; `seq` 0 and the genesis hash for an empty ledger. */
export interface LedgerHead {
  readonly seq: number;
  readonly hash: string;
}

/** The hash of an entry's content (every field but `hash`). */
export function hashEntry(entry: Omit<LedgerEntry, 'hash'>): string {
  const { seq, time, type, changeId, target, actor, details, prevHash } = entry;
  const body = canonicalize({ seq, time, type, changeId, target, actor, details, prevHash });
  if (body === undefined) throw new Error('ledger entry cannot be serialized');
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/** Chains a draft after `head`. */
export function chainEntry(head: LedgerHead, draft: LedgerEntryDraft, time: Date): LedgerEntry {
  const unsigned = { ...draft, seq: head.seq + 1, time: time.toISOString(), prevHash: head.hash };
  return { ...unsigned, hash: hashEntry(unsigned) };
}

/** The outcome of walking the chain. */
export type ChainVerification =
  | { readonly valid: true; readonly entries: number; readonly head: LedgerHead }
  | { readonly valid: false; readonly entries: number; readonly firstBadSeq: number; readonly reason: string };

/**
 * Walks entries in `seq` order and checks numbering, links and hashes, then that the recorded
 * head points at the last entry (so a truncated tail is caught too).
 * @param entries - all entries, ascending by `seq`
 * @param recordedHead - the head the store keeps next to the chain
 */
export function verifyChain(entries: Iterable<LedgerEntry>, recordedHead: LedgerHead): ChainVerification {
  let expected: LedgerHead = { seq: 0, hash: GENESIS_HASH };
  let count = 0;
  for (const entry of entries) {
    count++;
    const seq = expected.seq + 1;
    if (entry.seq !== seq) return bad(count, seq, `entry ${seq} is missing (found ${entry.seq} next)`);
    if (entry.prevHash !== expected.hash) return bad(count, seq, `entry ${seq} does not link to entry ${seq - 1}`);
    const { hash, ...rest } = entry;
    if (hashEntry(rest) !== hash) return bad(count, seq, `entry ${seq} was altered: its hash does not match its content`);
    expected = { seq, hash };
  }
  if (recordedHead.seq !== expected.seq || recordedHead.hash !== expected.hash) {
    return bad(count, expected.seq + 1, `the ledger head is at ${recordedHead.seq} but the chain ends at ${expected.seq}`);
  }
  return { valid: true, entries: count, head: expected };
}

function bad(entries: number, firstBadSeq: number, reason: string): ChainVerification {
  return { valid: false, entries, firstBadSeq, reason };
}

/**
 * Verifies a ledger read while writers may still append: `headBefore` is read before the entries,
 * `headAfter` after them. The chain is checked up to `headBefore` (every entry up to it is
 * committed, since an entry and its head move in one transaction); entries past it must be
 * covered by `headAfter`, or they were written around the head (a forgery).
 */
export function verifySnapshot(entries: readonly LedgerEntry[], headBefore: LedgerHead, headAfter: LedgerHead): ChainVerification {
  const result = verifyChain(
    entries.filter((e) => e.seq <= headBefore.seq),
    headBefore,
  );
  if (!result.valid) return result;
  const stray = entries.find((e) => e.seq > headAfter.seq);
  if (stray) return bad(result.entries, stray.seq, `entry ${stray.seq} lies beyond the ledger head (${headAfter.seq})`);
  return result;
}
