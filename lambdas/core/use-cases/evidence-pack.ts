import { canaryReport } from '../canary-report';
import type { SignedDigest } from '../digest';
import { ConflictError, NotFoundError } from '../errors';
import { type ChainProof, chainProofOf, packEvidence } from '../evidence-pack';
import type { LedgerEntry } from '../ledger';
import type { DigestStore } from '../ports';
import type { Services } from './services';

/** Entries per page when the change's entries are read (GET /audit's maximum). */
const PAGE = 500;

/**
 * The evidence pack of a change (a zip: ../evidence-pack.ts), proven up to the FIRST signed digest
 * that covers the change's last entry of each chain: the proof then holds only the entries of its
 * target between the change's first entry and that digest, and the same change always gets the
 * same proof. A pack never signs anything itself (its function may not use the digest key).
 * @returns the zip's bytes and the digest it is proven to
 * @throws NotFoundError (404) when the change does not exist
 * @throws ConflictError (409) when this CMV keeps no digests, or no digest covers the change's last entry yet
 */
export async function buildEvidencePack(svc: Services, changeId: string): Promise<{ zip: Uint8Array; digest: SignedDigest }> {
  const change = await svc.store.getChange(changeId);
  if (!change) throw new NotFoundError(`change ${changeId} does not exist`);
  const { digests, signer } = svc;
  if (!digests || !signer) throw new ConflictError('this CMV keeps no signed digests, so no evidence pack can be proven');
  const entries = await entriesOf(svc, changeId);
  // The last entry of each chain the change wrote to (its target's; also `legacy` for a change from before the chains).
  const last = new Map<string, number>();
  for (const e of entries) last.set(e.chain, Math.max(last.get(e.chain) ?? 0, e.seq));
  const digest = await firstCovering(digests, last);
  if (!digest) {
    const ends = [...last].map(([chain, seq]) => `${chain}#${seq}`).join(', ');
    throw new ConflictError(
      `no signed digest covers change ${changeId}'s last entry (${ends}) yet: retry after the next digest (every 15 minutes and after each deployment), or make one now with POST /audit/digests (cmv digest)`,
    );
  }
  const proofs: ChainProof[] = [];
  for (const chain of [...last.keys()].sort()) {
    const head = digest.digest.chains.find((c) => c.chain === chain);
    const from = Math.min(...entries.filter((e) => e.chain === chain).map((e) => e.seq));
    const range: LedgerEntry[] = [];
    for await (const e of svc.ledger.entries(chain, from - 1)) {
      if (e.seq > (head?.seq ?? 0)) break;
      range.push(e);
    }
    proofs.push(chainProofOf(changeId, range, digest.digest));
  }
  const testReport = change.tests?.reportUri ? await svc.artifacts.read(change.tests.reportUri) : undefined;
  const now = svc.now();
  const zip = packEvidence({
    changeId,
    createdAt: now.toISOString(),
    change: change as unknown as Record<string, unknown>,
    plan: change.plan,
    votes: change.approvals,
    ...(change.tests ? { testResult: change.tests } : {}),
    ...(testReport ? { testReport } : {}),
    canaryReport: canaryReport(change, { now }),
    entries,
    proofs,
    digest,
    publicKey: await signer.publicKey(),
  });
  return { zip, digest };
}

/** Every ledger entry of the change (GET /audit's query by change, every page). */
async function entriesOf(svc: Services, changeId: string): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  let nextToken: string | undefined;
  do {
    const page = await svc.ledger.query({ changeId, limit: PAGE, nextToken });
    entries.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return entries;
}

/**
 * The first digest naming each chain at or past its given seq, by binary search over the digests'
 * seqs (a digest never names a chain behind the one before it), or undefined when not even the newest does.
 */
async function firstCovering(digests: DigestStore, last: ReadonlyMap<string, number>): Promise<SignedDigest | undefined> {
  const covers = (d: SignedDigest) => [...last].every(([chain, seq]) => (d.digest.chains.find((c) => c.chain === chain)?.seq ?? 0) >= seq);
  const latest = await digests.latest();
  if (!latest || !covers(latest)) return undefined;
  let found = latest;
  let lo = 1;
  let hi = latest.digest.seq - 1;
  while (lo <= hi) {
    const mid = Math.floor((lo + hi) / 2);
    const d = await digests.get(mid);
    if (d && covers(d)) {
      found = d;
      hi = mid - 1;
    } else {
      lo = mid + 1;
    }
  }
  return found;
}
