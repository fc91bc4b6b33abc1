import type { LedgerEntry } from './ledger';

/**
 * How a report names the ledger entries a figure was computed from. Only this module knows which
 * fields identify an entry: a reader finds it with `GET /audit?changeId=` and checks its hash.
 */

/** A ledger entry as a report cites it. `time` is ISO-8601. */
export interface EntryRef {
  /** The hash chain the entry is in (its target's), and its position there. */
  readonly chain: string;
  readonly seq: number;
  readonly hash: string;
  readonly type: string;
  readonly changeId?: string;
  readonly time: string;
}

/** The reference to `entry` a report lists as evidence. */
export function entryRef(entry: LedgerEntry): EntryRef {
  return { chain: entry.chain, seq: entry.seq, hash: entry.hash, type: entry.type, ...(entry.changeId ? { changeId: entry.changeId } : {}), time: entry.time };
}

/** Ledger order, for readers: by time, then chain, then sequence number (as the ledger's `order` key sorts). */
export function ledgerOrder(a: Pick<EntryRef, 'time' | 'chain' | 'seq'>, b: Pick<EntryRef, 'time' | 'chain' | 'seq'>): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  if (a.chain !== b.chain) return a.chain < b.chain ? -1 : 1;
  return a.seq - b.seq;
}

/** The references of `entries`, each once (by hash), in ledger order. */
export function evidenceOf(entries: Iterable<LedgerEntry | undefined>): EntryRef[] {
  const byHash = new Map<string, EntryRef>();
  for (const e of entries) if (e) byHash.set(e.hash, entryRef(e));
  return [...byHash.values()].sort(ledgerOrder);
}

/** A short label of a reference for text and tables: `<chain>#<seq>`. */
export function entryLabel(ref: EntryRef): string {
  return `${ref.chain}#${ref.seq}`;
}
