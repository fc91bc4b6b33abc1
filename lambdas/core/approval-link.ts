import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { LinkKeys } from './ports';

/**
 * Approval links that are safe to e-mail: `<payload>.<signature>`, where payload is base64url JSON
 * `{c: changeId, a: approverId, e: expiry (epoch s), n: nonce}` and signature is
 * HMAC-SHA256(secret, payload) in base64url (RFC 2104). A link is bound to one approver and one
 * change, expires, and is single use (the store keeps `linkHash` once used). The task token never
 * appears in it.
 */

/** What a valid link says. `expiresAt` in epoch s. */
export interface LinkClaims {
  readonly changeId: string;
  readonly approver: string;
  readonly expiresAt: number;
}

/** Why a link was refused; each reason gets its own page. */
export type LinkProblem = 'malformed' | 'forged' | 'expired';

/** Creates a link token for one approver of one change, valid for `ttlSeconds` s. */
export function signLink(secret: string, claims: Omit<LinkClaims, 'expiresAt'>, now: Date, ttlSeconds: number): string {
  const payload = Buffer.from(
    JSON.stringify({ c: claims.changeId, a: claims.approver, e: Math.floor(now.getTime() / 1000) + ttlSeconds, n: randomBytes(12).toString('base64url') }),
  ).toString('base64url');
  return `${payload}.${mac(secret, payload)}`;
}

/** What checking a link found: its claims, or why it is refused. */
export type LinkVerdict = { ok: true; claims: LinkClaims } | { ok: false; problem: LinkProblem };

/**
 * Checks a token's signature and expiry; never throws.
 * @param secrets - the key, or every key a valid link may be signed with (after a rotation: the current and the previous one)
 */
export function verifyLink(secrets: string | readonly string[], token: string, now: Date): LinkVerdict {
  const [payload, signature, ...rest] = token.split('.');
  if (!payload || !signature || rest.length > 0) return { ok: false, problem: 'malformed' };
  const given = Buffer.from(signature);
  const signedWith = (secret: string) => {
    const expected = Buffer.from(mac(secret, payload));
    return expected.length === given.length && timingSafeEqual(expected, given);
  };
  if (!(typeof secrets === 'string' ? [secrets] : secrets).some(signedWith)) return { ok: false, problem: 'forged' };
  let body: { c?: unknown; a?: unknown; e?: unknown };
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, problem: 'malformed' };
  }
  if (typeof body.c !== 'string' || typeof body.a !== 'string' || typeof body.e !== 'number') return { ok: false, problem: 'malformed' };
  if (body.e * 1000 <= now.getTime()) return { ok: false, problem: 'expired' };
  return { ok: true, claims: { changeId: body.c, approver: body.a, expiresAt: body.e } };
}

/**
 * Checks a token against the link keys as cached, and once more against keys read afresh when none
 * of them signed it: the key may have been rotated since this container read it, and a link signed
 * with the new key must not be refused as forged.
 * @throws when the keys cannot be read
 */
export async function verifyLinkWithKeys(keys: LinkKeys, token: string, now: Date): Promise<LinkVerdict> {
  const verdict = verifyLink(await keys.verifying(), token, now);
  if (verdict.ok || verdict.problem !== 'forged') return verdict;
  return verifyLink(await keys.verifying({ fresh: true }), token, now);
}

/** SHA-256 (hex) of a token: what the store keeps to make the link single use. */
export function linkHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function mac(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}
