import {
  AssociateSoftwareTokenCommand,
  type CognitoIdentityProviderClient,
  InitiateAuthCommand,
  type InitiateAuthCommandOutput,
  RespondToAuthChallengeCommand,
  type RespondToAuthChallengeCommandInput,
  RevokeTokenCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { createSrpSession, signSrpSession, wrapAuthChallenge, wrapInitiateAuth } from 'cognito-srp-helper';
import type { StoredCredentials } from './credentials-file';
import { idTokenClaims } from './id-token';
import { SignInError, signInError } from './sign-in-errors';
import { type CognitoAnswer, nextStep, otpauthUri, type SignInStep, totpCode } from './sign-in-steps';

/** How the sign-in talks to the person: the terminal in the CLI, a script in the tests. */
export interface Prompter {
  /** Asks for a line that is shown as typed. */
  ask(prompt: string): Promise<string>;
  /** Asks for a line that is not echoed (a password). */
  secret(prompt: string): Promise<string>;
  /** Tells the person something (what to do next, the TOTP secret). */
  say(text: string): void;
}

/** The app client to sign in with: the stack outputs UserPoolId and UserPoolClientId, and the pool's region. */
export interface UserPoolClientRef {
  readonly userPoolId: string;
  readonly clientId: string;
  readonly region: string;
}

/** Cognito's sign-in answers a step; more than this many steps is a loop, not a sign-in. */
const MAX_STEPS = 8;

/**
 * Signs in with USER_SRP_AUTH (the only flow the CMV app client allows) and answers the challenges
 * that follow: PASSWORD_VERIFIER (SRP, npm `cognito-srp-helper`), NEW_PASSWORD_REQUIRED (first
 * sign-in with the invitation's temporary password), MFA_SETUP (a new TOTP secret for an
 * authenticator app, verified with its first code) and SOFTWARE_TOKEN_MFA (the app's code). Each
 * answer carries the Session of the answer before it.
 * @param username what the person signs in as (user id or e-mail); asked when absent
 * @returns the tokens with the pool and the `cognito:username`, to store
 * @throws SignInError with one sentence for every refusal by Cognito (wrong password or code, expired code…)
 */
export async function signIn(
  cognito: CognitoIdentityProviderClient,
  pool: UserPoolClientRef,
  prompter: Prompter,
  username?: string,
): Promise<StoredCredentials> {
  const typed = username?.trim() || (await askUntil(prompter, 'Username (CMV user id or e-mail): ', (s) => s.trim() || undefined));
  const srp = createSrpSession(typed, await prompter.secret('Password: '), pool.userPoolId, false);
  let answer: CognitoAnswer = await call(
    cognito.send(new InitiateAuthCommand(wrapInitiateAuth(srp, { AuthFlow: 'USER_SRP_AUTH', ClientId: pool.clientId, AuthParameters: { USERNAME: typed } }))),
  );
  let user = typed;
  for (let steps = 0; steps < MAX_STEPS; steps++) {
    const step = nextStep(answer, user);
    if (step.kind === 'signed-in') return storedCredentials(pool, step.tokens);
    user = step.username;
    answer = await answerStep(step, answer, { cognito, pool, prompter, srp });
  }
  throw new SignInError(`Cognito asked for more than ${MAX_STEPS} steps without signing you in: run cmv login again.`);
}

interface StepContext {
  cognito: CognitoIdentityProviderClient;
  pool: UserPoolClientRef;
  prompter: Prompter;
  srp: ReturnType<typeof createSrpSession>;
}

/** Answers one challenge; Cognito's reply is the next challenge or the tokens. */
async function answerStep(step: Exclude<SignInStep, { kind: 'signed-in' }>, answer: CognitoAnswer, ctx: StepContext): Promise<CognitoAnswer> {
  const { cognito, pool, prompter } = ctx;
  const respond = (input: Omit<RespondToAuthChallengeCommandInput, 'ClientId'>) =>
    call(cognito.send(new RespondToAuthChallengeCommand({ ClientId: pool.clientId, ...input })));
  switch (step.kind) {
    case 'password-verifier': {
      const signed = signSrpSession(ctx.srp, answer as InitiateAuthCommandOutput);
      const verifier: RespondToAuthChallengeCommandInput = {
        ClientId: pool.clientId,
        ChallengeName: 'PASSWORD_VERIFIER',
        ChallengeResponses: { USERNAME: step.username },
        Session: answer.Session,
      };
      // Adds the SRP proof: PASSWORD_CLAIM_SECRET_BLOCK, PASSWORD_CLAIM_SIGNATURE, TIMESTAMP (and SRP_A).
      return respond(wrapAuthChallenge(signed, verifier));
    }
    case 'new-password': {
      prompter.say('This is your first sign-in: choose your own password to replace the temporary one.');
      const password = await newPassword(prompter);
      const attributes: Record<string, string> = {};
      for (const name of step.requiredAttributes)
        attributes[`userAttributes.${name}`] = await askUntil(prompter, `Your ${name}: `, (s) => s.trim() || undefined);
      return respond({
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        ChallengeResponses: { USERNAME: step.username, NEW_PASSWORD: password, ...attributes },
        Session: answer.Session,
      });
    }
    case 'mfa-setup': {
      const association = await call(cognito.send(new AssociateSoftwareTokenCommand({ Session: answer.Session })));
      if (!association.SecretCode) throw new SignInError('Cognito sent no TOTP secret to set up: run cmv login again.');
      prompter.say(
        [
          'CMV requires a code from an authenticator app at each sign-in. Add this account to your app by opening or pasting',
          `  ${otpauthUri(step.username, association.SecretCode)}`,
          `or by typing the secret ${association.SecretCode} (time-based, 6 digits, 30 s).`,
        ].join('\n'),
      );
      const code = await askCode(prompter, 'Code the app shows for CMV: ');
      const verified = await call(cognito.send(new VerifySoftwareTokenCommand({ Session: association.Session, UserCode: code, FriendlyDeviceName: 'cmv' })));
      if (verified.Status !== 'SUCCESS') throw new SignInError('Cognito did not accept the code of the new authenticator entry: run cmv login again.');
      return respond({ ChallengeName: 'MFA_SETUP', ChallengeResponses: { USERNAME: step.username }, Session: verified.Session });
    }
    case 'totp': {
      const code = await askCode(prompter, 'Code from your authenticator app: ');
      return respond({
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        ChallengeResponses: { USERNAME: step.username, SOFTWARE_TOKEN_MFA_CODE: code },
        Session: answer.Session,
      });
    }
  }
}

/**
 * A new ID token for stored credentials (REFRESH_TOKEN_AUTH), stored nowhere. The refresh token is
 * kept: Cognito returns none unless the app client rotates refresh tokens.
 * @throws SignInError saying to run cmv login when the refresh token has expired or was revoked; SignInError for other refusals
 */
export async function refreshCredentials(cognito: CognitoIdentityProviderClient, credentials: StoredCredentials): Promise<StoredCredentials> {
  let out: InitiateAuthCommandOutput;
  try {
    out = await cognito.send(
      new InitiateAuthCommand({ AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: credentials.clientId, AuthParameters: { REFRESH_TOKEN: credentials.refreshToken } }),
    );
  } catch (err) {
    if ((err as Error).name === 'NotAuthorizedException')
      throw new SignInError('Your CMV sign-in has ended (its refresh token expired or was revoked): run cmv login again.');
    throw signInError(err);
  }
  const result = out.AuthenticationResult;
  if (!result?.IdToken) throw new SignInError('Cognito refreshed your sign-in but sent no ID token: run cmv login again.');
  return storedCredentials(credentials, { idToken: result.IdToken, refreshToken: result.RefreshToken ?? credentials.refreshToken });
}

/**
 * Revokes the refresh token (RevokeToken; the CMV app client enables revocation), so that a copy of
 * the credentials file cannot mint ID tokens any more. ID tokens already issued stay valid until they expire.
 * @throws SignInError when Cognito refuses or cannot be reached
 */
export async function revokeCredentials(cognito: CognitoIdentityProviderClient, credentials: StoredCredentials): Promise<void> {
  await call(cognito.send(new RevokeTokenCommand({ ClientId: credentials.clientId, Token: credentials.refreshToken })));
}

function storedCredentials(pool: UserPoolClientRef, tokens: { idToken: string; refreshToken: string }): StoredCredentials {
  const { username, expiresAt } = idTokenClaims(tokens.idToken);
  return { userPoolId: pool.userPoolId, clientId: pool.clientId, region: pool.region, username, ...tokens, expiresAt: expiresAt.toISOString() };
}

/** Awaits a Cognito call, turning its refusal into a SignInError with one clear sentence. */
async function call<T>(request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (err) {
    throw signInError(err);
  }
}

/** Asks until `accept` returns a value (a blank or malformed answer is asked again). */
async function askUntil(prompter: Prompter, prompt: string, accept: (typed: string) => string | undefined): Promise<string> {
  for (;;) {
    const value = accept(await prompter.ask(prompt));
    if (value !== undefined) return value;
  }
}

/** Asks for a TOTP code until it is 6 digits. */
async function askCode(prompter: Prompter, prompt: string): Promise<string> {
  for (;;) {
    const code = totpCode(await prompter.ask(prompt));
    if (code) return code;
    prompter.say('A code is the 6 digits the app shows.');
  }
}

/** Asks for the new password twice, until both are the same and not empty; Cognito checks the policy. */
async function newPassword(prompter: Prompter): Promise<string> {
  for (;;) {
    const first = await prompter.secret('New password: ');
    if (first && (await prompter.secret('New password again: ')) === first) return first;
    prompter.say(first ? 'The two passwords differ: enter them again.' : 'The password cannot be empty.');
  }
}
