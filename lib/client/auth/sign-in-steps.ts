import type { AuthenticationResultType } from '@aws-sdk/client-cognito-identity-provider';
import { SignInError } from './sign-in-errors';

/** What Cognito answers to InitiateAuth and RespondToAuthChallenge: a challenge and its session, or the tokens. */
export interface CognitoAnswer {
  ChallengeName?: string;
  ChallengeParameters?: Record<string, string>;
  Session?: string;
  AuthenticationResult?: AuthenticationResultType;
}

/**
 * What the sign-in does next. `username` is the one to answer the challenge as: Cognito's
 * `USER_ID_FOR_SRP`, which is the username also when the person typed their e-mail address.
 */
export type SignInStep =
  | { kind: 'signed-in'; tokens: { idToken: string; refreshToken: string } }
  /** Prove the password (SRP): sign Cognito's SRP_B and salt. */
  | { kind: 'password-verifier'; username: string }
  /** First sign-in with the temporary password of the invitation: choose a password, give the attributes listed (names without `userAttributes.`). */
  | { kind: 'new-password'; username: string; requiredAttributes: string[] }
  /** MFA is required and the user has no authenticator yet: AssociateSoftwareToken, VerifySoftwareToken, then answer. */
  | { kind: 'mfa-setup'; username: string }
  /** The 6-digit code of the user's authenticator app. */
  | { kind: 'totp'; username: string };

/**
 * The step that follows Cognito's answer. The CMV pool (lib/constructs/cmv-user-pool.ts) signs in
 * with SRP and requires TOTP, so these are the only challenges it can ask.
 * @param knownUsername whom the sign-in is for so far (what was typed, or the USER_ID_FOR_SRP of an earlier challenge)
 * @throws SignInError for any other challenge, for MFA_SETUP that does not offer TOTP, and for a result without an ID or refresh token
 */
export function nextStep(answer: CognitoAnswer, knownUsername: string): SignInStep {
  const result = answer.AuthenticationResult;
  if (result) {
    if (!result.IdToken || !result.RefreshToken) throw new SignInError('Cognito signed you in but sent no ID token or no refresh token: run cmv login again.');
    return { kind: 'signed-in', tokens: { idToken: result.IdToken, refreshToken: result.RefreshToken } };
  }
  const params = answer.ChallengeParameters ?? {};
  const username = params.USER_ID_FOR_SRP ?? knownUsername;
  switch (answer.ChallengeName) {
    case 'PASSWORD_VERIFIER':
      return { kind: 'password-verifier', username };
    case 'NEW_PASSWORD_REQUIRED':
      return { kind: 'new-password', username, requiredAttributes: jsonList(params.requiredAttributes).map((a) => a.replace(/^userAttributes\./, '')) };
    case 'MFA_SETUP': {
      const offered = jsonList(params.MFAS_CAN_SETUP);
      if (!offered.includes('SOFTWARE_TOKEN_MFA'))
        throw new SignInError(`Cognito asks to set up MFA but does not offer an authenticator app (TOTP), only ${offered.join(', ') || 'nothing'}.`);
      return { kind: 'mfa-setup', username };
    }
    case 'SOFTWARE_TOKEN_MFA':
      return { kind: 'totp', username };
    case undefined:
      throw new SignInError('Cognito answered with neither a challenge nor tokens: run cmv login again.');
    default:
      throw new SignInError(
        `Cognito asks for ${answer.ChallengeName}, which cmv login does not answer: the CMV user pool signs in with a password and a TOTP code only.`,
      );
  }
}

/** A JSON list of strings as Cognito puts them in challenge parameters (`'["a","b"]'`); [] when absent. */
function jsonList(value: string | undefined): string[] {
  if (!value) return [];
  const parsed: unknown = JSON.parse(value);
  return Array.isArray(parsed) ? parsed.map(String) : [];
}

/**
 * The Key URI of a new TOTP secret, which authenticator apps read (Google Authenticator's "Key Uri
 * Format"): `otpauth://totp/CMV:<account>?secret=<base32>&issuer=CMV`. SHA-1, 6 digits and 30 s,
 * the format's defaults, are what Cognito expects, so they are left out.
 */
export function otpauthUri(account: string, secret: string): string {
  return `otpauth://totp/CMV:${encodeURIComponent(account)}?secret=${encodeURIComponent(secret)}&issuer=CMV`;
}

/** The 6-digit code in what was typed (apps show it as `123 456`), or undefined when it is not one. */
export function totpCode(typed: string): string | undefined {
  const code = typed.replace(/\s+/g, '');
  return /^\d{6}$/.test(code) ? code : undefined;
}
