import { type ChainHead, hashEntry, headAfter, type LedgerEntry, orderKey } from './ledger';

/**
 * What can be wrong with a ledger, by what it looks like to a verifier:
 * - `altered`: an entry's content no longer hashes to its own hash;
 * - `missing`: an entry (or a digest) is gone: a gap, or a chain shorter than its head or a digest says;
 * - `re-ordered`: an entry sits at another place than the one it was hashed at;
 * - `forked`: the entries are intact each, but one does not link to the one before, or the head (or
 *   a digest) names another hash than the chain has at that place;
 * - `rewritten-and-re-hashed`: the chain is consistent, but not the one a signed digest names.
 */
export type TamperReason = 'altered' | 'missing' | 're-ordered' | 'forked' | 'rewritten-and-re-hashed';

/** The first thing found wrong: in a chain (`chain`, `firstBadSeq`) or in the digests (`digestSeq`). */
export interface LedgerFault {
  readonly reason: TamperReason;
  /** What was found, in a sentence. */
  readonly detail: string;
  readonly chain?: string;
  /** The first entry of `chain` that cannot be trusted. */
  readonly firstBadSeq?: number;
  /** The digest the fault was found against (or in). */
  readonly digestSeq?: number;
}

/** A hash a signed digest names for a chain at `seq`. */
export interface Checkpoint {
  readonly seq: number;
  readonly hash: string;
  readonly digestSeq: number;
}

/**
 * Walks one chain forward from a trusted head, pulling its entries (ascending by seq) from the
 * source `open(afterSeq)` gives only as far as asked: so a verifier holds one entry at a time, and
 * can check the chain at each digest's checkpoint in turn. Where the source ends, it is opened once
 * more from the last entry checked before anything is called missing: writers append while a
 * verifier walks, and a page read before a commit ends where the chain ended then. Every method
 * answers the first fault found, or undefined.
 */
export class ChainWalk {
  private current: ChainHead;
  /** The last place a digest (or the trusted start) confirmed: a rewrite lies after it. */
  private confirmed: ChainHead;
  private buffered: LedgerEntry | undefined;
  private source: AsyncIterator<LedgerEntry>;
  /** Entries checked so far. */
  verified = 0;

  constructor(
    readonly chain: string,
    start: ChainHead,
    private readonly open: (afterSeq: number) => AsyncIterator<LedgerEntry>,
  ) {
    this.source = open(start.seq);
    this.current = start;
    this.confirmed = start;
  }

  /** Where the walk stands: the last entry checked (or the start). */
  get head(): ChainHead {
    return this.current;
  }

  /** Checks entries up to `seq`; `who` names what says the chain reaches it (for the fault's sentence). */
  async advanceTo(seq: number, who: string, digestSeq?: number): Promise<LedgerFault | undefined> {
    while (this.current.seq < seq) {
      const entry = await this.next();
      const expected = this.current.seq + 1;
      if (!entry) {
        return this.fault('missing', expected, `${this.chain} ends at entry ${this.current.seq}, but ${who} names entry ${seq}`, digestSeq);
      }
      const fault = await this.check(entry, expected);
      if (fault) return fault;
      this.current = headAfter(entry);
      this.verified++;
    }
    return undefined;
  }

  /** Checks the chain up to a digest's checkpoint, and that it has the hash the digest names there. */
  async checkpoint(cp: Checkpoint): Promise<LedgerFault | undefined> {
    if (cp.seq < this.current.seq) {
      return this.fault(
        'forked',
        cp.seq + 1,
        `signed digest #${cp.digestSeq} names entry ${cp.seq} of ${this.chain}, behind entry ${this.current.seq} an earlier one named`,
        cp.digestSeq,
      );
    }
    const fault = await this.advanceTo(cp.seq, `signed digest #${cp.digestSeq}`, cp.digestSeq);
    if (fault) return fault;
    if (this.current.hash !== cp.hash) {
      const from = this.confirmed.seq + 1;
      return this.fault(
        'rewritten-and-re-hashed',
        from,
        `entries ${from}–${cp.seq} of ${this.chain} were rewritten and re-hashed: the chain is consistent, but signed digest #${cp.digestSeq} names hash ${cp.hash} for entry ${cp.seq}, and the chain has ${this.current.hash}`,
        cp.digestSeq,
      );
    }
    this.confirmed = this.current;
    return undefined;
  }

  /**
   * Checks the chain up to its head (as the store records it), that the head names the hash the
   * chain has there, and that no entry lies beyond it unless `covered(seq)` (a head read again
   * meanwhile) says a writer appended it since.
   */
  async finish(head: ChainHead, covered: (seq: number) => Promise<boolean>): Promise<LedgerFault | undefined> {
    const fault = await this.advanceTo(head.seq, 'its head');
    if (fault) return fault;
    if (this.current.seq === head.seq && this.current.hash !== head.hash) {
      return this.fault('forked', head.seq, `the head of ${this.chain} names hash ${head.hash} for entry ${head.seq}, but the chain has ${this.current.hash}`);
    }
    const beyond = await this.peek();
    if (beyond && beyond.seq > this.current.seq && !(await covered(beyond.seq))) {
      return this.fault('forked', beyond.seq, `entry ${beyond.seq} of ${this.chain} lies beyond its head (${head.seq}): it was not written with its head`);
    }
    return undefined;
  }

  private async check(entry: LedgerEntry, expected: number): Promise<LedgerFault | undefined> {
    if (entry.seq > expected) {
      const last = entry.seq - 1;
      return this.fault(
        'missing',
        expected,
        `entr${last > expected ? `ies ${expected}–${last}` : `y ${expected}`} of ${this.chain} ${last > expected ? 'are' : 'is'} missing (found ${entry.seq} next)`,
      );
    }
    if (entry.seq < expected) return this.fault('re-ordered', entry.seq, `entry ${entry.seq} of ${this.chain} comes again after entry ${expected - 1}`);
    if (hashEntry(entry) !== entry.hash) {
      const from = [expected - 2, expected - 1, expected + 1, expected + 2].find((s) => s > 0 && hashEntry({ ...entry, seq: s }) === entry.hash);
      if (from !== undefined) return this.fault('re-ordered', expected, `entry ${expected} of ${this.chain} holds the entry hashed as entry ${from}`);
      return this.fault('altered', expected, `entry ${expected} of ${this.chain} was altered: its hash does not match its content`);
    }
    if (entry.order !== orderKey(entry.time, entry.chain, entry.seq)) {
      return this.fault('altered', expected, `entry ${expected} of ${this.chain} was altered: its order key does not match its time and place`);
    }
    if (entry.prevHash !== this.current.hash) {
      return this.fault(
        'forked',
        expected,
        `entry ${expected} of ${this.chain} does not link to entry ${expected - 1}: one of them was rewritten and re-hashed alone, or entry ${expected} was chained onto another predecessor`,
      );
    }
    return undefined;
  }

  private async peek(): Promise<LedgerEntry | undefined> {
    if (!this.buffered) {
      let r = await this.source.next();
      if (r.done) {
        this.source = this.open(this.current.seq);
        r = await this.source.next();
      }
      if (!r.done) this.buffered = r.value;
    }
    return this.buffered;
  }

  private async next(): Promise<LedgerEntry | undefined> {
    const entry = await this.peek();
    this.buffered = undefined;
    return entry;
  }

  private fault(reason: TamperReason, firstBadSeq: number, detail: string, digestSeq?: number): LedgerFault {
    return { reason, detail, chain: this.chain, firstBadSeq, ...(digestSeq !== undefined ? { digestSeq } : {}) };
  }
}
