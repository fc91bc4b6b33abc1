import { createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { checkDigest, type SignedDigest } from '../../lambdas/core/digest';

/**
 * What an auditor keeps outside CMV: a signed digest (the answer of POST /audit/digests, or `cmv
 * digest --out FILE`) and the digest key's public key (PEM: `aws kms get-public-key`, or the local
 * runtime's). `cmv verify` checks the digest with the key before trusting CMV's answer about it.
 */

/**
 * Reads a kept digest and, with a public key, checks its signature, hash and Merkle root offline.
 * @throws Error naming the file when it is not a signed digest, or does not verify with the key
 */
export async function readKeptDigest(file: string, publicKeyPem?: string): Promise<SignedDigest> {
  let kept: SignedDigest;
  try {
    kept = JSON.parse(await readFile(file, 'utf8')) as SignedDigest;
  } catch (err) {
    throw new Error(`${file} is not a signed digest: ${(err as Error).message}`);
  }
  if (typeof kept?.digest?.seq !== 'number' || typeof kept.digestHash !== 'string')
    throw new Error(`${file} is not a signed digest (no digest.seq or digestHash)`);
  if (publicKeyPem) {
    const fault = checkDigest(kept, publicKeyPem);
    if (fault) throw new Error(`the kept digest ${file} does not verify with the public key: ${fault.detail}`);
  }
  return kept;
}

/** Whether two PEM public keys are the same key (compared as DER, so line breaks and headers do not matter). */
export function samePublicKey(a: string, b: string): boolean {
  const der = (pem: string) => createPublicKey(pem).export({ format: 'der', type: 'spki' });
  return der(a).equals(der(b));
}
