import { createHash, generateKeyPairSync } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { KmsDigestSigner } from '../../../lambdas/adapters/kms-signer';

const kmsMock = mockClient(KMSClient);
const client = new KMSClient({ region: 'eu-central-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const KEY = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('kms-signer', () => {
  beforeEach(() => {
    kmsMock.reset();
    kmsMock.on(SignCommand).resolves({ KeyId: KEY, Signature: Uint8Array.of(0x30, 1, 2), SigningAlgorithm: 'ECDSA_SHA_256' });
  });

  describe('KmsDigestSigner.sign()', () => {
    it('sends a message of up to 4096 bytes as it is (MessageType RAW, ECDSA_SHA_256)', async () => {
      // Arrange
      const message = Buffer.alloc(4096, 7);

      // Act
      const out = await new KmsDigestSigner(client, KEY).sign(message);

      // Assert
      expect(kmsMock).toHaveReceivedCommandTimes(SignCommand, 1);
      expect(kmsMock).toHaveReceivedCommandWith(SignCommand, { KeyId: KEY, Message: message, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' });
      expect(out).toEqual({ keyId: KEY, signature: Uint8Array.of(0x30, 1, 2) });
    });

    it('sends a longer message as its SHA-256 (MessageType DIGEST), which KMS signs to the same ECDSA_SHA_256 signature', async () => {
      const message = Buffer.alloc(4097, 7);

      await new KmsDigestSigner(client, KEY).sign(message);

      expect(kmsMock).toHaveReceivedCommandWith(SignCommand, {
        KeyId: KEY,
        Message: createHash('sha256').update(message).digest(),
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      });
    });
  });

  describe('KmsDigestSigner.publicKey()', () => {
    it('reads the public key once (GetPublicKey) and answers it as PEM', async () => {
      // Arrange
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      kmsMock.on(GetPublicKeyCommand).resolves({ KeyId: KEY, PublicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })) });
      const signer = new KmsDigestSigner(client, KEY);

      // Act
      const [first, second] = [await signer.publicKey(), await signer.publicKey()];

      // Assert
      expect(first).toBe(publicKey.export({ format: 'pem', type: 'spki' }));
      expect(second).toBe(first);
      expect(kmsMock).toHaveReceivedCommandTimes(GetPublicKeyCommand, 1);
      expect(kmsMock).toHaveReceivedCommandWith(GetPublicKeyCommand, { KeyId: KEY });
    });
  });
});
