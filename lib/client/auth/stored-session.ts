import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { refreshCredentials, revokeCredentials } from './cognito-sign-in';
import { readCredentials, removeCredentials, type StoredCredentials, writeCredentials } from './credentials-file';
import { needsRefresh } from './id-token';

/** A Cognito client for a region (the stored pool's). */
export type CognitoFor = (region: string) => CognitoIdentityProviderClient;

/**
 * The ID token of `cmv login`'s credentials file, for each API request: read once, refreshed with
 * REFRESH_TOKEN_AUTH (and written back) when it has expired or expires within 5 minutes. Requests
 * made at the same time share one refresh.
 * @returns a function resolving to the ID token, or undefined when nobody signed in (no file)
 * @throws (from the function) SignInError when the refresh token has expired or was revoked; an Error naming an unreadable file
 */
export function storedIdToken(path: string, cognitoFor: CognitoFor, now: () => Date = () => new Date()): () => Promise<string | undefined> {
  let current: Promise<StoredCredentials | undefined> | undefined;
  const refresh = async (stale: StoredCredentials) => {
    const fresh = await refreshCredentials(cognitoFor(stale.region), stale);
    await writeCredentials(path, fresh);
    return fresh;
  };
  return async () => {
    current ??= readCredentials(path);
    const seen = current;
    const credentials = await seen;
    if (!credentials || !needsRefresh(credentials.expiresAt, now())) return credentials?.idToken;
    if (current === seen) current = refresh(credentials);
    return (await current)?.idToken;
  };
}

/**
 * Signs out: revokes the stored refresh token at Cognito, then removes the credentials file —
 * also when the revocation fails (offline, or the token had expired), which the answer reports.
 * @returns whether there was a file, and the revocation's failure if any
 */
export async function signOut(path: string, cognitoFor: CognitoFor): Promise<{ removed: boolean; revokeError?: string }> {
  let revokeError: string | undefined;
  try {
    const credentials = await readCredentials(path);
    if (credentials) await revokeCredentials(cognitoFor(credentials.region), credentials);
  } catch (err) {
    revokeError = (err as Error).message;
  }
  return { removed: await removeCredentials(path), revokeError };
}

/**
 * Who the CLI is towards the API: CMV_TOKEN (a Cognito ID token) if set; else CMV_USER (the local
 * runtime's X-User); else the stored sign-in of `cmv login`. A local user never triggers a refresh
 * at Cognito.
 */
export function apiIdentity(
  env: NodeJS.ProcessEnv,
  stored: () => Promise<string | undefined>,
): { user?: string; token?: string | (() => Promise<string | undefined>) } {
  if (env.CMV_TOKEN) return { user: env.CMV_USER, token: env.CMV_TOKEN };
  if (env.CMV_USER) return { user: env.CMV_USER };
  return { token: stored };
}
