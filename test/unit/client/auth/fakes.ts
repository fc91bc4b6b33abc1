import type { Prompter } from '../../../../lib/client/auth/cognito-sign-in';

/** A JWT with these claims in its payload, as Cognito's ID tokens carry them (the signature is not checked by the CLI). */
export function fakeIdToken(claims: { 'cognito:username': string; exp: number }): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'k' })}.${part({ token_use: 'id', ...claims })}.c2lnbmF0dXJl`;
}

/**
 * A person at the terminal, scripted: answers `ask` and `secret` prompts in order, records every
 * prompt and message, and fails the test when asked more than the script holds.
 */
export function scriptedPrompter(script: { asks?: string[]; secrets?: string[] }): Prompter & { prompts: string[]; said: string[] } {
  const asks = [...(script.asks ?? [])];
  const secrets = [...(script.secrets ?? [])];
  const prompts: string[] = [];
  const said: string[] = [];
  const next = (queue: string[], prompt: string) => {
    prompts.push(prompt);
    const answer = queue.shift();
    if (answer === undefined) return Promise.reject(new Error(`the script has no answer for ${JSON.stringify(prompt)}`));
    return Promise.resolve(answer);
  };
  return {
    prompts,
    said,
    ask: (prompt) => next(asks, prompt),
    secret: (prompt) => next(secrets, prompt),
    say: (text) => {
      said.push(text);
    },
  };
}

/** What Cognito answers to InitiateAuth USER_SRP_AUTH: SRP_B, salt and secret block for the user named by USER_ID_FOR_SRP. */
export const SRP_CHALLENGE = {
  ChallengeName: 'PASSWORD_VERIFIER' as const,
  ChallengeParameters: {
    USER_ID_FOR_SRP: 'alice',
    USERNAME: 'alice',
    SRP_B: 'a3c0f1e2d4b5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff0123456789abcdef',
    SALT: '8f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c',
    SECRET_BLOCK: Buffer.from('an opaque block Cognito hands back').toString('base64'),
  },
};
