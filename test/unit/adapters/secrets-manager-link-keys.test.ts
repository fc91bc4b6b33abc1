import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretsManagerLinkKeys } from '../../../lambdas/adapters/secrets-manager-link-keys';
import { signLink, verifyLinkWithKeys } from '../../../lambdas/core/approval-link';

const secrets = mockClient(SecretsManagerClient);
const client = new SecretsManagerClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:cmv-link';
const NOW = new Date('2026-03-02T09:00:00Z');
const notFound = () =>
  Object.assign(new Error("Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS"), { name: 'ResourceNotFoundException' });

/** The secret's versions as Secrets Manager labels them. */
const versions = (stages: { AWSCURRENT: string; AWSPREVIOUS?: string }) => {
  secrets.reset();
  secrets.on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' }).resolves({ SecretString: stages.AWSCURRENT });
  if (stages.AWSPREVIOUS) secrets.on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' }).resolves({ SecretString: stages.AWSPREVIOUS });
  else secrets.on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' }).rejects(notFound());
};

describe('SecretsManagerLinkKeys', () => {
  let clock: number;
  const keys = (maxAgeSeconds = 300) => new SecretsManagerLinkKeys(client, SECRET, { maxAgeSeconds, now: () => clock });

  beforeEach(() => {
    clock = NOW.getTime();
    jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  });
  afterEach(() => jest.useRealTimers());

  describe('signing()', () => {
    it('reads the AWSCURRENT version once and serves it from the cache until it is maxAge old', async () => {
      // Arrange
      versions({ AWSCURRENT: 'k1' });
      const linkKeys = keys(300);

      // Act
      const first = await linkKeys.signing();
      jest.setSystemTime(NOW.getTime() + 299_000);
      const cached = await linkKeys.signing();

      // Assert
      expect([first, cached]).toEqual(['k1', 'k1']);
      expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
      expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: SECRET, VersionStage: 'AWSCURRENT' });
    });

    it('reads the key again once the cached one is maxAge old (a rotation reaches every container)', async () => {
      // Arrange
      versions({ AWSCURRENT: 'k1' });
      const linkKeys = keys(300);
      await linkKeys.signing();
      versions({ AWSCURRENT: 'k2', AWSPREVIOUS: 'k1' });

      // Act
      jest.setSystemTime(NOW.getTime() + 301_000);
      const after = await linkKeys.signing();

      // Assert
      expect(after).toBe('k2');
    });

    it('reads again on the next call after a failed read (a failure is never cached)', async () => {
      // Arrange
      secrets.reset();
      secrets
        .on(GetSecretValueCommand)
        .rejectsOnce(Object.assign(new Error('User is not authorized to perform: kms:Decrypt'), { name: 'AccessDeniedException' }))
        .resolves({ SecretString: 'k1' });
      const linkKeys = keys();

      // Act
      await expect(linkKeys.signing()).rejects.toThrow(/kms:Decrypt/);
      const second = await linkKeys.signing();

      // Assert
      expect(second).toBe('k1');
      expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    });

    it('rejects a version with no SecretString, naming the secret', async () => {
      // Arrange
      secrets.reset();
      secrets.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1]) });

      // Act / Assert
      await expect(keys().signing()).rejects.toThrow(`the AWSCURRENT version of the link secret ${SECRET} has no SecretString`);
    });
  });

  describe('verifying()', () => {
    it('returns only the current key of a secret never rotated (no AWSPREVIOUS version)', async () => {
      // Arrange
      versions({ AWSCURRENT: 'k1' });

      // Act
      const result = await keys().verifying();

      // Assert
      expect(result).toEqual(['k1']);
    });

    it('returns the current and the previous key after a rotation', async () => {
      // Arrange
      versions({ AWSCURRENT: 'k2', AWSPREVIOUS: 'k1' });

      // Act
      const result = await keys().verifying();

      // Assert
      expect(result).toEqual(['k2', 'k1']);
      expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: SECRET, VersionStage: 'AWSPREVIOUS' });
    });

    it('rejects when the previous key cannot be read for another reason than its absence', async () => {
      // Arrange
      secrets.reset();
      secrets.on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' }).resolves({ SecretString: 'k2' });
      secrets.on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' }).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

      // Act / Assert
      await expect(keys().verifying()).rejects.toThrow('Rate exceeded');
    });

    it('reads the keys afresh when asked, at most once per freshInterval', async () => {
      // Arrange
      versions({ AWSCURRENT: 'k1' });
      const linkKeys = keys();
      await linkKeys.verifying();
      versions({ AWSCURRENT: 'k2', AWSPREVIOUS: 'k1' });

      // Act
      const fresh = await linkKeys.verifying({ fresh: true });
      versions({ AWSCURRENT: 'k3', AWSPREVIOUS: 'k2' });
      clock += 59_000;
      const tooSoon = await linkKeys.verifying({ fresh: true });
      clock += 1_000;
      const again = await linkKeys.verifying({ fresh: true });

      // Assert
      expect(fresh).toEqual(['k2', 'k1']);
      expect(tooSoon).toEqual(['k2', 'k1']);
      expect(again).toEqual(['k3', 'k2']);
    });
  });

  describe('with verifyLinkWithKeys()', () => {
    const claims = { changeId: 'chg-1', approver: 'bob' };

    it('accepts a link e-mailed before a rotation until it expires', async () => {
      // Arrange: bob's link is signed with k1; then the secret is rotated to k2
      versions({ AWSCURRENT: 'k1' });
      const token = signLink(await keys().signing(), claims, NOW, 72 * 3600);
      versions({ AWSCURRENT: 'k2', AWSPREVIOUS: 'k1' });
      const later = new Date(NOW.getTime() + 71 * 3600_000);

      // Act
      const verdict = await verifyLinkWithKeys(keys(), token, later);

      // Assert
      expect(verdict).toMatchObject({ ok: true, claims: { changeId: 'chg-1', approver: 'bob' } });
    });

    it('refuses as forged a link signed with a key rotated out twice', async () => {
      // Arrange
      const token = signLink('k1', claims, NOW, 72 * 3600);
      versions({ AWSCURRENT: 'k3', AWSPREVIOUS: 'k2' });

      // Act
      const verdict = await verifyLinkWithKeys(keys(), token, NOW);

      // Assert
      expect(verdict).toEqual({ ok: false, problem: 'forged' });
    });

    it('accepts a link signed with a key rotated in after this container cached the keys', async () => {
      // Arrange: the page's container read k1; the secret rotates; request-approval signs with k2
      versions({ AWSCURRENT: 'k1' });
      const pageKeys = keys();
      await pageKeys.verifying();
      versions({ AWSCURRENT: 'k2', AWSPREVIOUS: 'k1' });
      const token = signLink('k2', claims, NOW, 3600);

      // Act
      const verdict = await verifyLinkWithKeys(pageKeys, token, NOW);

      // Assert
      expect(verdict).toMatchObject({ ok: true });
    });
  });
});
