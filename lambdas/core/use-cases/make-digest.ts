import { buildDigest, type SignedDigest, signDigest } from '../digest';
import { DigestExistsError } from '../errors';
import type { ChainHead } from '../ledger';
import type { Services } from './services';

/** Attempts when another digest takes the next seq first. */
const ATTEMPTS = 5;

/**
 * Makes, signs and stores the next digest: every chain's head now (read after the newest digest, so
 * never behind it), combined into a Merkle tree, linked to the newest digest. Two makers at once
 * (the schedule, a deployment's end, an auditor): the store keeps the first under each seq and the
 * other signs again after it.
 * @returns the stored signed digest
 * @throws Error when this CMV has no digest store or signer
 */
export async function makeDigest(svc: Services): Promise<SignedDigest> {
  const { digests, signer } = svc;
  if (!digests || !signer) throw new Error('this CMV keeps no digests: it has no digest store or no signer');
  for (let attempt = 1; ; attempt++) {
    const previous = await digests.latest();
    const heads = await svc.ledger.heads();
    // The heads are listed from an eventually consistent index: a chain the previous digest names is read directly if the listing missed it.
    const listed = new Set(heads.map((h) => h.chain));
    const missed = await Promise.all(previous?.digest.chains.filter((c) => !listed.has(c.chain)).map((c) => svc.ledger.head(c.chain)) ?? []);
    const all = [...heads, ...missed.filter((h): h is ChainHead => h !== undefined)];
    const signed = await signDigest(buildDigest(previous, all, svc.now()), signer);
    try {
      await digests.put(signed);
      return signed;
    } catch (err) {
      if (!(err instanceof DigestExistsError) || attempt >= ATTEMPTS) throw err;
    }
  }
}
