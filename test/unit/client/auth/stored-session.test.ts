import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CognitoIdentityProviderClient, InitiateAuthCommand, NotAuthorizedException, RevokeTokenCommand } from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { readCredentials, type StoredCredentials, writeCredentials } from '../../../../lib/client/auth/credentials-file';
import { SignInError } from '../../../../lib/client/auth/sign-in-errors';
import { apiIdentity, signOut, storedIdToken } from '../../../../lib/client/auth/stored-session';
import { fakeIdToken } from '../../../fixtures/cognito';

const NOW = new Date('2030-01-01T12:00:00.000Z');
const seconds = (iso: string) => Date.parse(iso) / 1000;
const OLD_TOKEN = fakeIdToken({ 'cognito:username': 'alice', exp: seconds('2030-01-01T11:59:00Z') });
const NEW_TOKEN = fakeIdToken({ 'cognito:username': 'alice', exp: seconds('2030-01-01T13:00:00Z') });

const cognitoMock = mockClient(CognitoIdentityProviderClient);
const regions: string[] = [];
const cognitoFor = (region: string) => {
  regions.push(region);
  return new CognitoIdentityProviderClient({ region });
};

const stored = (overrides: Partial<StoredCredentials> = {}): StoredCredentials => ({
  userPoolId: 'eu-central-1_XyZ987',
  clientId: 'cli-client-id',
  region: 'eu-central-1',
  username: 'alice',
  idToken: OLD_TOKEN,
  refreshToken: 'refresh-1',
  expiresAt: '2030-01-01T11:59:00.000Z',
  ...overrides,
});

describe('stored-session', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    cognitoMock.reset();
    regions.length = 0;
    dir = await mkdtemp(join(tmpdir(), 'cmv-session-'));
    path = join(dir, 'cmv', 'credentials.json');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('storedIdToken()', () => {
    it('refreshes an expired ID token with REFRESH_TOKEN_AUTH in the pool’s region and stores the new one (0600), keeping the refresh token', async () => {
      // Arrange
      await writeCredentials(path, stored());
      cognitoMock.on(InitiateAuthCommand).resolves({ AuthenticationResult: { IdToken: NEW_TOKEN, AccessToken: 'access', ExpiresIn: 3600 } });

      // Act
      const token = await storedIdToken(path, cognitoFor, () => NOW)();

      // Assert
      expect(token).toBe(NEW_TOKEN);
      expect(cognitoMock.commandCalls(InitiateAuthCommand).map((c) => c.args[0].input)).toEqual([
        { AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: 'cli-client-id', AuthParameters: { REFRESH_TOKEN: 'refresh-1' } },
      ]);
      expect(regions).toEqual(['eu-central-1']);
      expect(await readCredentials(path)).toEqual(stored({ idToken: NEW_TOKEN, expiresAt: '2030-01-01T13:00:00.000Z' }));
      expect((await stat(path)).mode & 0o777).toBe(0o600);
    });

    it('refreshes a token that expires within 5 minutes, and not one that expires later', async () => {
      cognitoMock.on(InitiateAuthCommand).resolves({ AuthenticationResult: { IdToken: NEW_TOKEN } });
      await writeCredentials(path, stored({ expiresAt: '2030-01-01T12:05:01.000Z' }));

      expect(await storedIdToken(path, cognitoFor, () => NOW)()).toBe(OLD_TOKEN);
      expect(cognitoMock).not.toHaveReceivedCommand(InitiateAuthCommand);

      await writeCredentials(path, stored({ expiresAt: '2030-01-01T12:05:00.000Z' }));

      expect(await storedIdToken(path, cognitoFor, () => NOW)()).toBe(NEW_TOKEN);
      expect(cognitoMock).toHaveReceivedCommandTimes(InitiateAuthCommand, 1);
    });

    it('takes a new refresh token when Cognito rotates it', async () => {
      await writeCredentials(path, stored());
      cognitoMock.on(InitiateAuthCommand).resolves({ AuthenticationResult: { IdToken: NEW_TOKEN, RefreshToken: 'refresh-2' } });

      await storedIdToken(path, cognitoFor, () => NOW)();

      expect((await readCredentials(path))?.refreshToken).toBe('refresh-2');
    });

    it('refreshes once for requests made at the same time', async () => {
      await writeCredentials(path, stored());
      cognitoMock.on(InitiateAuthCommand).resolves({ AuthenticationResult: { IdToken: NEW_TOKEN } });
      const token = storedIdToken(path, cognitoFor, () => NOW);

      expect(await Promise.all([token(), token(), token()])).toEqual([NEW_TOKEN, NEW_TOKEN, NEW_TOKEN]);
      expect(cognitoMock).toHaveReceivedCommandTimes(InitiateAuthCommand, 1);
    });

    it('is undefined, asking Cognito nothing, when nobody signed in', async () => {
      expect(await storedIdToken(path, cognitoFor, () => NOW)()).toBeUndefined();
      expect(cognitoMock.calls()).toHaveLength(0);
    });

    it('rejects with "run cmv login again" when the refresh token has expired or was revoked, leaving the file', async () => {
      await writeCredentials(path, stored());
      cognitoMock.on(InitiateAuthCommand).rejects(new NotAuthorizedException({ message: 'Refresh Token has expired', $metadata: {} }));

      await expect(storedIdToken(path, cognitoFor, () => NOW)()).rejects.toThrow(
        new SignInError('Your CMV sign-in has ended (its refresh token expired or was revoked): run cmv login again.'),
      );
      expect(await readCredentials(path)).toEqual(stored());
    });
  });

  describe('signOut()', () => {
    it('revokes the refresh token, then removes the file', async () => {
      await writeCredentials(path, stored());
      cognitoMock.on(RevokeTokenCommand).resolves({});

      expect(await signOut(path, cognitoFor)).toEqual({ removed: true, revokeError: undefined });
      expect(cognitoMock.commandCalls(RevokeTokenCommand).map((c) => c.args[0].input)).toEqual([{ ClientId: 'cli-client-id', Token: 'refresh-1' }]);
      expect(await readCredentials(path)).toBeUndefined();
    });

    it('removes the file also when the revocation fails, and says why it failed', async () => {
      await writeCredentials(path, stored());
      cognitoMock.on(RevokeTokenCommand).rejects(Object.assign(new Error('getaddrinfo ENOTFOUND'), { name: 'Error' }));

      const out = await signOut(path, cognitoFor);

      expect(out.removed).toBe(true);
      expect(out.revokeError).toMatch(/ENOTFOUND/);
      expect(await readCredentials(path)).toBeUndefined();
    });

    it('says there was nothing to remove when nobody signed in', async () => {
      expect(await signOut(path, cognitoFor)).toEqual({ removed: false, revokeError: undefined });
      expect(cognitoMock.calls()).toHaveLength(0);
    });
  });

  describe('apiIdentity()', () => {
    const storedToken = async () => 'stored';

    it('prefers CMV_TOKEN, then CMV_USER (local), then the stored sign-in', () => {
      expect(apiIdentity({ CMV_TOKEN: 't', CMV_USER: 'u' }, storedToken)).toEqual({ user: 'u', token: 't' });
      expect(apiIdentity({ CMV_USER: 'u' }, storedToken)).toEqual({ user: 'u' });
      expect(apiIdentity({}, storedToken)).toEqual({ token: storedToken });
    });
  });
});
