import { generateKeyPairSync } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { KmsBundleSigner } from '../../../lambdas/adapters/kms-bundle-signer';

const kmsMock = mockClient(KMSClient);
const client = new KMSClient({ region: 'eu-central-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const KEY = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('KmsBundleSigner', () => {
  beforeEach(() => {
    kmsMock.reset();
    kmsMock.on(SignCommand).resolves({ KeyId: KEY, Signature: new Uint8Array(64), SigningAlgorithm: 'ED25519_SHA_512' });
  });

  describe('sign()', () => {
    it('signs the message as it is with ED25519_SHA_512 (MessageType RAW, the only type KMS takes for it)', async () => {
      // Arrange
      const message = Buffer.from('cmv-bundle-manifest-signature/1 sha256:00');

      // Act
      const out = await new KmsBundleSigner(client, KEY).sign(message);

      // Assert
      expect(kmsMock).toHaveReceivedCommandTimes(SignCommand, 1);
      expect(kmsMock).toHaveReceivedCommandWith(SignCommand, { KeyId: KEY, Message: message, MessageType: 'RAW', SigningAlgorithm: 'ED25519_SHA_512' });
      expect(out).toEqual({ keyId: KEY, signature: new Uint8Array(64) });
    });

    it('refuses a message over 4096 bytes before calling KMS (which refuses it)', async () => {
      await expect(new KmsBundleSigner(client, KEY).sign(Buffer.alloc(4097, 1))).rejects.toThrow(/4096/);

      expect(kmsMock).toHaveReceivedCommandTimes(SignCommand, 0);
    });
  });

  describe('publicKey()', () => {
    it('reads the key once (GetPublicKey) and answers its id and PEM, refusing a key of another spec', async () => {
      // Arrange
      const { publicKey } = generateKeyPairSync('ed25519');
      const der = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
      kmsMock.on(GetPublicKeyCommand).resolves({ KeyId: KEY, PublicKey: der, KeySpec: 'ECC_NIST_EDWARDS25519' });
      const signer = new KmsBundleSigner(client, KEY);

      // Act
      const [first, second] = [await signer.publicKey(), await signer.publicKey()];

      // Assert
      expect(first).toEqual({ keyId: KEY, pem: publicKey.export({ format: 'pem', type: 'spki' }) });
      expect(second).toBe(first);
      expect(kmsMock).toHaveReceivedCommandTimes(GetPublicKeyCommand, 1);
      expect(kmsMock).toHaveReceivedCommandWith(GetPublicKeyCommand, { KeyId: KEY });

      kmsMock.on(GetPublicKeyCommand).resolves({ KeyId: KEY, PublicKey: der, KeySpec: 'ECC_NIST_P256' });
      await expect(new KmsBundleSigner(client, KEY).publicKey()).rejects.toThrow(/ECC_NIST_P256.*ECC_NIST_EDWARDS25519/);
    });
  });
});
