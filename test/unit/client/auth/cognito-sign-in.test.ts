import {
  AssociateSoftwareTokenCommand,
  CodeMismatchException,
  CognitoIdentityProviderClient,
  EnableSoftwareTokenMFAException,
  InitiateAuthCommand,
  NotAuthorizedException,
  RespondToAuthChallengeCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { signIn } from '../../../../lib/client/auth/cognito-sign-in';
import { SignInError } from '../../../../lib/client/auth/sign-in-errors';
import { fakeIdToken, SRP_CHALLENGE, scriptedPrompter } from '../../../fixtures/cognito';

const POOL = { userPoolId: 'eu-west-1_AbCdEf123', clientId: 'cli-client-id', region: 'eu-west-1' };
const EXP = 1_900_000_000; // 2030-03-17T17:46:40Z
const ID_TOKEN = fakeIdToken({ 'cognito:username': 'alice', exp: EXP });
const TOKENS = { AuthenticationResult: { IdToken: ID_TOKEN, AccessToken: 'access', RefreshToken: 'refresh-1', ExpiresIn: 3600, TokenType: 'Bearer' } };
const PASSWORD = 'Correct-Horse-42!';

const cognitoMock = mockClient(CognitoIdentityProviderClient);
const cognito = new CognitoIdentityProviderClient({ region: 'eu-west-1' });

/** The inputs of the RespondToAuthChallenge calls, in order. */
const responses = () => cognitoMock.commandCalls(RespondToAuthChallengeCommand).map((c) => c.args[0].input);

describe('cognito-sign-in', () => {
  beforeEach(() => {
    cognitoMock.reset();
  });

  describe('signIn()', () => {
    it('signs in with SRP and a TOTP code, answering as USER_ID_FOR_SRP and threading each Session', async () => {
      // Arrange: the person types their e-mail; Cognito names the user alice.
      cognitoMock.on(InitiateAuthCommand).resolves(SRP_CHALLENGE);
      cognitoMock
        .on(RespondToAuthChallengeCommand, { ChallengeName: 'PASSWORD_VERIFIER' })
        .resolves({ ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 'session-after-password', ChallengeParameters: {} });
      cognitoMock.on(RespondToAuthChallengeCommand, { ChallengeName: 'SOFTWARE_TOKEN_MFA' }).resolves(TOKENS);
      const prompter = scriptedPrompter({ asks: ['123 456'], secrets: [PASSWORD] });

      // Act
      const credentials = await signIn(cognito, POOL, prompter, 'alice@example.org');

      // Assert: InitiateAuth starts SRP with the typed name and SRP_A, nothing else.
      const initiate = cognitoMock.commandCalls(InitiateAuthCommand)[0].args[0].input;
      expect(initiate).toEqual({
        AuthFlow: 'USER_SRP_AUTH',
        ClientId: 'cli-client-id',
        AuthParameters: { USERNAME: 'alice@example.org', SRP_A: expect.stringMatching(/^[0-9a-f]{500,}$/) },
      });
      const [verifier, totp, ...rest] = responses();
      expect(rest).toEqual([]);
      // The password verifier: the SRP proof over Cognito's secret block, as alice, at a timestamp in Cognito's format.
      expect(verifier).toEqual({
        ClientId: 'cli-client-id',
        ChallengeName: 'PASSWORD_VERIFIER',
        ChallengeResponses: {
          USERNAME: 'alice',
          PASSWORD_CLAIM_SECRET_BLOCK: SRP_CHALLENGE.ChallengeParameters.SECRET_BLOCK,
          PASSWORD_CLAIM_SIGNATURE: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
          TIMESTAMP: expect.stringMatching(/^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} [1-9]\d? \d\d:\d\d:\d\d UTC \d{4}$/),
          SRP_A: initiate.AuthParameters?.SRP_A,
        },
        Session: undefined,
      });
      expect(totp).toEqual({
        ClientId: 'cli-client-id',
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        ChallengeResponses: { USERNAME: 'alice', SOFTWARE_TOKEN_MFA_CODE: '123456' },
        Session: 'session-after-password',
      });
      // The password itself never leaves the machine.
      expect(JSON.stringify(cognitoMock.calls().map((c) => c.args[0].input))).not.toContain(PASSWORD);
      expect(credentials).toEqual({ ...POOL, username: 'alice', idToken: ID_TOKEN, refreshToken: 'refresh-1', expiresAt: '2030-03-17T17:46:40.000Z' });
    });

    it('asks for the username when none is given, and again for a code that is not 6 digits', async () => {
      cognitoMock.on(InitiateAuthCommand).resolves(SRP_CHALLENGE);
      cognitoMock
        .on(RespondToAuthChallengeCommand, { ChallengeName: 'PASSWORD_VERIFIER' })
        .resolves({ ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 's1', ChallengeParameters: {} });
      cognitoMock.on(RespondToAuthChallengeCommand, { ChallengeName: 'SOFTWARE_TOKEN_MFA' }).resolves(TOKENS);
      const prompter = scriptedPrompter({ asks: ['  ', 'alice', '12345', '654321'], secrets: [PASSWORD] });

      await signIn(cognito, POOL, prompter);

      expect(prompter.prompts).toEqual([
        'Username (CMV user id or e-mail): ',
        'Username (CMV user id or e-mail): ',
        'Password: ',
        'Code from your authenticator app: ',
        'Code from your authenticator app: ',
      ]);
      expect(cognitoMock).toHaveReceivedCommandWith(InitiateAuthCommand, { AuthParameters: expect.objectContaining({ USERNAME: 'alice' }) });
      expect(responses()[1].ChallengeResponses).toEqual({ USERNAME: 'alice', SOFTWARE_TOKEN_MFA_CODE: '654321' });
    });

    it('on the first sign-in sets a new password (asked twice), then sets up TOTP, then signs in', async () => {
      // Arrange: password verifier → NEW_PASSWORD_REQUIRED → MFA_SETUP → associate → verify → tokens.
      cognitoMock.on(InitiateAuthCommand).resolves(SRP_CHALLENGE);
      cognitoMock.on(RespondToAuthChallengeCommand, { ChallengeName: 'PASSWORD_VERIFIER' }).resolves({
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        Session: 'session-1',
        ChallengeParameters: { USER_ID_FOR_SRP: 'alice', requiredAttributes: '[]', userAttributes: '{"email":"alice@example.org"}' },
      });
      cognitoMock
        .on(RespondToAuthChallengeCommand, { ChallengeName: 'NEW_PASSWORD_REQUIRED' })
        .resolves({ ChallengeName: 'MFA_SETUP', Session: 'session-2', ChallengeParameters: { MFAS_CAN_SETUP: '["SOFTWARE_TOKEN_MFA"]' } });
      cognitoMock.on(AssociateSoftwareTokenCommand).resolves({ SecretCode: 'JBSWY3DPEHPK3PXP', Session: 'session-3' });
      cognitoMock.on(VerifySoftwareTokenCommand).resolves({ Status: 'SUCCESS', Session: 'session-4' });
      cognitoMock.on(RespondToAuthChallengeCommand, { ChallengeName: 'MFA_SETUP' }).resolves(TOKENS);
      const prompter = scriptedPrompter({
        asks: ['111111'],
        secrets: ['Temporary-Pass-1', 'New-Password-2026!', 'New-Password-2026?', 'New-Password-2026!', 'New-Password-2026!'],
      });

      // Act
      const credentials = await signIn(cognito, POOL, prompter, 'alice');

      // Assert: each call carries the Session of the answer before it.
      const [verifier, newPassword, mfaSetup, ...rest] = responses();
      expect(rest).toEqual([]);
      expect(verifier.ChallengeName).toBe('PASSWORD_VERIFIER');
      expect(newPassword).toEqual({
        ClientId: 'cli-client-id',
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        ChallengeResponses: { USERNAME: 'alice', NEW_PASSWORD: 'New-Password-2026!' },
        Session: 'session-1',
      });
      expect(cognitoMock.commandCalls(AssociateSoftwareTokenCommand).map((c) => c.args[0].input)).toEqual([{ Session: 'session-2' }]);
      expect(cognitoMock.commandCalls(VerifySoftwareTokenCommand).map((c) => c.args[0].input)).toEqual([
        { Session: 'session-3', UserCode: '111111', FriendlyDeviceName: 'cmv' },
      ]);
      expect(mfaSetup).toEqual({ ClientId: 'cli-client-id', ChallengeName: 'MFA_SETUP', ChallengeResponses: { USERNAME: 'alice' }, Session: 'session-4' });
      // The person was shown the key URI and the secret, and told when the two passwords differed.
      expect(prompter.said.join('\n')).toContain('otpauth://totp/CMV:alice?secret=JBSWY3DPEHPK3PXP&issuer=CMV');
      expect(prompter.said.join('\n')).toContain('the secret JBSWY3DPEHPK3PXP');
      expect(prompter.said).toContain('The two passwords differ: enter them again.');
      expect(prompter.prompts.filter((p) => p.startsWith('New password'))).toHaveLength(4);
      expect(credentials.refreshToken).toBe('refresh-1');
    });

    it('gives the attributes NEW_PASSWORD_REQUIRED lists as required', async () => {
      cognitoMock.on(InitiateAuthCommand).resolves(SRP_CHALLENGE);
      cognitoMock.on(RespondToAuthChallengeCommand, { ChallengeName: 'PASSWORD_VERIFIER' }).resolves({
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        Session: 'session-1',
        ChallengeParameters: { USER_ID_FOR_SRP: 'alice', requiredAttributes: '["userAttributes.name"]' },
      });
      cognitoMock.on(RespondToAuthChallengeCommand, { ChallengeName: 'NEW_PASSWORD_REQUIRED' }).resolves(TOKENS);
      const prompter = scriptedPrompter({ asks: ['Alice Example'], secrets: ['Temporary-Pass-1', 'New-Password-2026!', 'New-Password-2026!'] });

      await signIn(cognito, POOL, prompter, 'alice');

      expect(responses()[1].ChallengeResponses).toEqual({ USERNAME: 'alice', NEW_PASSWORD: 'New-Password-2026!', 'userAttributes.name': 'Alice Example' });
    });

    it('rejects a wrong TOTP code with one sentence (CodeMismatchException)', async () => {
      cognitoMock.on(InitiateAuthCommand).resolves(SRP_CHALLENGE);
      cognitoMock
        .on(RespondToAuthChallengeCommand, { ChallengeName: 'PASSWORD_VERIFIER' })
        .resolves({ ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 's1', ChallengeParameters: {} });
      cognitoMock
        .on(RespondToAuthChallengeCommand, { ChallengeName: 'SOFTWARE_TOKEN_MFA' })
        .rejects(new CodeMismatchException({ message: 'Invalid code received for user', $metadata: {} }));

      const attempt = signIn(cognito, POOL, scriptedPrompter({ asks: ['000000'], secrets: [PASSWORD] }), 'alice');

      await expect(attempt).rejects.toThrow(
        new SignInError('The code is wrong: run cmv login again and enter the current 6-digit code of your authenticator app.'),
      );
    });

    it('rejects a wrong first code of a new authenticator entry, and does not answer MFA_SETUP', async () => {
      cognitoMock.on(InitiateAuthCommand).resolves(SRP_CHALLENGE);
      cognitoMock
        .on(RespondToAuthChallengeCommand, { ChallengeName: 'PASSWORD_VERIFIER' })
        .resolves({ ChallengeName: 'MFA_SETUP', Session: 's1', ChallengeParameters: { MFAS_CAN_SETUP: '["SOFTWARE_TOKEN_MFA"]' } });
      cognitoMock.on(AssociateSoftwareTokenCommand).resolves({ SecretCode: 'JBSWY3DPEHPK3PXP', Session: 's2' });
      cognitoMock.on(VerifySoftwareTokenCommand).rejects(new EnableSoftwareTokenMFAException({ message: 'Code mismatch', $metadata: {} }));

      const attempt = signIn(cognito, POOL, scriptedPrompter({ asks: ['000000'], secrets: [PASSWORD] }), 'alice');

      await expect(attempt).rejects.toThrow(/^The code does not match the new authenticator entry/);
      expect(responses().map((r) => r.ChallengeName)).toEqual(['PASSWORD_VERIFIER']);
    });

    it('rejects a wrong password with one sentence (NotAuthorizedException), asking for no code', async () => {
      cognitoMock.on(InitiateAuthCommand).resolves(SRP_CHALLENGE);
      cognitoMock.on(RespondToAuthChallengeCommand).rejects(new NotAuthorizedException({ message: 'Incorrect username or password.', $metadata: {} }));
      const prompter = scriptedPrompter({ secrets: ['wrong'] });

      await expect(signIn(cognito, POOL, prompter, 'alice')).rejects.toThrow(/^The username or password is wrong/);
      expect(prompter.prompts).toEqual(['Password: ']);
    });
  });
});
