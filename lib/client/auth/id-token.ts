import { SignInError } from './sign-in-errors';

/** A stored ID token is refreshed this long before it expires, so no request carries one that expires on the way. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Whom a Cognito ID token is for and until when, read from its payload (`cognito:username`, `exp`
 * in seconds). The signature is not checked: the token came straight from Cognito over TLS, and the
 * API's authorizer checks it on every request.
 * @throws SignInError when the token is not a JWT with those claims
 */
export function idTokenClaims(idToken: string): { username: string; expiresAt: Date } {
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    throw new SignInError('Cognito sent an ID token that is not a JWT: run cmv login again.');
  }
  const { 'cognito:username': username, exp } = claims;
  if (typeof username !== 'string' || typeof exp !== 'number')
    throw new SignInError('Cognito sent an ID token without cognito:username or exp: run cmv login again.');
  return { username, expiresAt: new Date(exp * 1000) };
}

/** True when a token expiring at `expiresAt` (ISO 8601) has expired at `now` or will within {@link REFRESH_MARGIN_MS}. */
export function needsRefresh(expiresAt: string, now: Date): boolean {
  return Date.parse(expiresAt) - now.getTime() <= REFRESH_MARGIN_MS;
}
