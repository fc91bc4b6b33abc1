import type { LedgerEntry } from './ledger';

/**
 * How a report names the ledger entries a figure was computed from. Only this module knows which
 * fields identify an entry: a reader finds it with `GET /audit?changeId=` and checks its hash.
 */

/** A ledger entry as a report cites it. `time` is ISO-8601. */
export interface EntryRef {
  readonly seq: number;
  readonly hash: string;
  readonly type: string;
  readonly changeId?: string;
  readonly time: string;
}

/** The reference to `entry` a report lists as evidence. */
export function entryRef(entry: LedgerEntry): EntryRef {
  return { seq: entry.seq, hash: entry.hash, type: entry.type, ...(entry.changeId ? { changeId: entry.changeId } : {}), time: entry.time };
}

/** Ledger order, for readers: by time, then by sequence number. */
export function ledgerOrder(a: Pick<EntryRef, 'time' | 'seq'>, b: Pick<EntryRef, 'time' | 'seq'>): number {
  return a.time < b.time ? -1 : a.time > b.time ? 1 : a.seq - b.seq;
}

/** The references of `entries`, each once (by hash), in ledger order. */
export function evidenceOf(entries: Iterable<LedgerEntry | undefined>): EntryRef[] {
  const byHash = new Map<string, EntryRef>();
  for (const e of entries) if (e) byHash.set(e.hash, entryRef(e));
  return [...byHash.values()].sort(ledgerOrder);
}

/** A short label of a reference for text and tables: `#<seq>`. */
export function entryLabel(ref: EntryRef): string {
  return `#${ref.seq}`;
}
