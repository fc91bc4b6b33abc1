import { generateKeyPairSync, sign } from 'node:crypto';
import type { DigestSigner, SignedDigest } from '../../../lambdas/core/digest';
import { DigestExistsError } from '../../../lambdas/core/errors';
import { type ChainHead, chainEntry, chainOf, emptyChain, headAfter, type LedgerEntry, type LedgerEntryDraft } from '../../../lambdas/core/ledger';
import type { DigestStore, LedgerReader } from '../../../lambdas/core/ports';
import type { Services } from '../../../lambdas/core/use-cases/services';

/** A ledger in memory, with the reads of DynamoLedgerReader; `append` chains as the store's commit does. */
export class MemoryLedger implements LedgerReader {
  readonly chains = new Map<string, LedgerEntry[]>();
  readonly headsOf = new Map<string, ChainHead>();
  /** Entries handed out by `entries()` (what a verifier read). */
  read = 0;
  private clock = Date.parse('2026-03-01T09:00:00.000Z');

  append(draft: LedgerEntryDraft): LedgerEntry {
    const chain = chainOf(draft);
    this.clock += 1000;
    const entry = chainEntry(this.headsOf.get(chain) ?? emptyChain(chain), draft, new Date(this.clock));
    this.chains.set(chain, [...(this.chains.get(chain) ?? []), entry]);
    this.headsOf.set(chain, headAfter(entry));
    return entry;
  }

  async query(): Promise<never> {
    throw new Error('not used');
  }
  async heads(): Promise<ChainHead[]> {
    return [...this.headsOf.values()];
  }
  async head(chain: string): Promise<ChainHead | undefined> {
    return this.headsOf.get(chain);
  }
  async *entries(chain: string, afterSeq: number): AsyncIterable<LedgerEntry> {
    for (const e of [...(this.chains.get(chain) ?? [])].sort((a, b) => a.seq - b.seq)) {
      if (e.seq <= afterSeq) continue;
      this.read++;
      yield e;
    }
  }
}

/** Digests in memory: a put of an existing seq fails as S3's conditional put does. */
export class MemoryDigests implements DigestStore {
  readonly stored = new Map<number, SignedDigest>();
  async latest(): Promise<SignedDigest | undefined> {
    return this.stored.get(Math.max(0, ...this.stored.keys()));
  }
  async get(seq: number): Promise<SignedDigest | undefined> {
    return this.stored.get(seq);
  }
  async *after(seq: number): AsyncIterable<SignedDigest> {
    for (const s of [...this.stored.keys()].sort((a, b) => a - b)) if (s > seq) yield this.stored.get(s) as SignedDigest;
  }
  async put(d: SignedDigest): Promise<void> {
    if (this.stored.has(d.digest.seq)) throw new DigestExistsError(`digest #${d.digest.seq} exists already`);
    this.stored.set(d.digest.seq, d);
  }
}

/** A signer with a key pair of its own (what KMS Sign answers: a DER ECDSA P-256 / SHA-256 signature). */
export function keyPairSigner(): DigestSigner & { pem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  return { pem, sign: async (m) => ({ keyId: 'test-key', signature: sign('sha256', m, privateKey) }), publicKey: async () => pem };
}

/** The services the ledger's use cases read. */
export function ledgerServices(ledger = new MemoryLedger(), digests = new MemoryDigests(), signer = keyPairSigner()) {
  let now = Date.parse('2026-03-02T00:00:00.000Z');
  const tick = () => {
    now += 60_000;
    return new Date(now);
  };
  const svc = { ledger, digests, signer, now: tick } as unknown as Services;
  return { svc, ledger, digests, signer };
}

/** A draft of target `t`'s chain. */
export const draftOf = (t: string, step: number): LedgerEntryDraft => ({
  type: 'TrafficShifted',
  target: t,
  changeId: `chg-${t}`,
  actor: 'cmv-workflow',
  details: { step },
});
