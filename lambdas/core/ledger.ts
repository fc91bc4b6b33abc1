import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { LEGACY_CHAIN, legacyHash } from './ledger-legacy';

/**
 * The tamper-evident audit ledger: one hash chain per target, so that writers to different targets
 * never wait for each other (docs/design.md, "One hash chain per target"). An entry's place is its
 * chain and its `seq` in that chain (from 1, no gaps); readers get one global order from `order`
 * (time, then chain, then seq). Each entry's `hash` links it to the one before in its chain:
 *
 *   contentHash = SHA-256(RFC 8785 JSON of {chain, seq, time, type, changeId, target, actor, actorContext, details})
 *   hash        = SHA-256(RFC 8785 JSON of {contentHash, prevHash})
 *
 * so a proof that an entry leads to a later head needs, for the entries in between, only their
 * content hashes. The heads of all chains are combined into a Merkle tree in each signed digest
 * (./digest.ts). Entries of the old global chain keep their own hash (./ledger-legacy.ts).
 */

/** `prevHash` of a chain's first entry, and the hash of an empty chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Who a person acting was, beyond their id: the roles they held and, where their request had them,
 * its source IP and user agent. Absent for system actors (the workflow, an alarm).
 */
export interface ActorContext {
  readonly roles: readonly string[];
  readonly sourceIp?: string;
  readonly userAgent?: string;
}

/** An entry before it is chained. */
export interface LedgerEntryDraft {
  readonly type: string;
  readonly changeId?: string;
  readonly target?: string;
  /** The user id, or a system actor's name; indexed (`byActor`), so it stays a plain string. */
  readonly actor: string;
  /** A person's roles, source IP and user agent (./actor.ts `actorFields`); hashed with the content. */
  readonly actorContext?: ActorContext;
  readonly details: Record<string, unknown>;
}

/** A chained entry, as stored. `time` is ISO-8601 UTC and never earlier than the previous entry's of its chain. */
export interface LedgerEntry extends LedgerEntryDraft {
  /** The chain: `target:<name>` (or {@link LEGACY_CHAIN}, or `cmv` for an entry without a target). */
  readonly chain: string;
  /** Position in the chain, from 1, no gaps. */
  readonly seq: number;
  /** The global order of readers: {@link orderKey} of time, chain and seq. */
  readonly order: string;
  readonly time: string;
  readonly prevHash: string;
  readonly hash: string;
}

/** Where a chain ends: its last entry's seq, hash and time (`seq` 0, the genesis hash and no time for an empty chain). */
export interface ChainHead {
  readonly chain: string;
  readonly seq: number;
  readonly hash: string;
  readonly time?: string;
}

/** The type of the entry that records a read of the audit trail (GET /audit, /audit/verify, /reports/compliance). */
export const AUDIT_QUERIED = 'AuditQueried';

/**
 * The chain of the reads of the audit trail: their own, so that an auditor's reads never contend with
 * the targets' state changes; digests and verification cover it as every chain.
 */
export const AUDIT_READS_CHAIN = 'audit-reads';

/** The chain an entry belongs to: a read of the audit trail's is {@link AUDIT_READS_CHAIN}, any other its target's. */
export function chainOf(draft: { readonly type?: string; readonly target?: string }): string {
  if (draft.type === AUDIT_QUERIED) return AUDIT_READS_CHAIN;
  return draft.target ? `target:${draft.target}` : 'cmv';
}

/** The head of a chain without entries. */
export const emptyChain = (chain: string): ChainHead => ({ chain, seq: 0, hash: GENESIS_HASH });

/**
 * The global sort key of an entry: ISO time, chain, seq zero-padded to 12 digits, `#`-separated, so
 * that byte order is time order, ties broken by chain and seq.
 */
export function orderKey(time: string, chain: string, seq: number): string {
  return `${time}#${chain}#${String(seq).padStart(12, '0')}`;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function jcs(value: unknown): string {
  const body = canonicalize(value);
  if (body === undefined) throw new Error('ledger entry cannot be serialized');
  return body;
}

/** The hash of an entry's content (everything it records, its place included; not its link). */
export function contentHash(entry: Omit<LedgerEntry, 'hash' | 'prevHash' | 'order'>): string {
  const { chain, seq, time, type, changeId, target, actor, actorContext, details } = entry;
  // An entry without actorContext (a system actor's, or one written before it existed) hashes as it always did: JCS leaves undefined out.
  return sha256(jcs({ chain, seq, time, type, changeId, target, actor, actorContext, details }));
}

/** The link of an entry: its content hash bound to its predecessor's hash. */
export function linkHash(content: string, prevHash: string): string {
  return sha256(jcs({ contentHash: content, prevHash }));
}

/** The hash an entry must carry (a legacy entry's by the legacy rule). */
export function hashEntry(entry: Omit<LedgerEntry, 'hash' | 'order'>): string {
  if (entry.chain === LEGACY_CHAIN) return legacyHash(entry);
  return linkHash(contentHash(entry), entry.prevHash);
}

/**
 * Chains a draft after `head` (of the draft's chain): the next seq, linked to the head's hash, dated
 * `now` or the head's time if that is later (a writer's clock behind another's never dates an entry
 * before its predecessor).
 */
export function chainEntry(head: ChainHead, draft: LedgerEntryDraft, now: Date): LedgerEntry {
  const chain = chainOf(draft);
  if (head.chain !== chain) throw new Error(`a ${draft.type} entry of ${chain} cannot follow the head of ${head.chain}`);
  const stamp = now.toISOString();
  const time = head.time && head.time > stamp ? head.time : stamp;
  const seq = head.seq + 1;
  const unlinked = { ...draft, chain, seq, time, prevHash: head.hash };
  return { ...unlinked, order: orderKey(time, chain, seq), hash: hashEntry(unlinked) };
}

/** The head a chain has after `entry`. */
export const headAfter = (entry: LedgerEntry): ChainHead => ({ chain: entry.chain, seq: entry.seq, hash: entry.hash, time: entry.time });
