import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * The SHA-256 (hex) of a JSON value as canonical JSON (RFC 8785, `canonicalize`): what a ledger
 * entry records of a document CMV derives (a plan, a canary report), and what a verifier recomputes
 * from a copy it parsed — key order and whitespace do not count; `undefined` members are left out as
 * JSON.stringify leaves them.
 * @throws TypeError for a value JSON cannot hold (a BigInt, a cycle)
 */
export function canonicalSha256(value: unknown): string {
  return createHash('sha256')
    .update(canonicalize(value) ?? '', 'utf8')
    .digest('hex');
}
