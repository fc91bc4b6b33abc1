import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPublicKeyCommand, SignCommand } from '@aws-sdk/client-kms';
import { LocalKms } from '../../../lib/local/kms';

const ARN = 'arn:aws:kms:local:000000000000:key/cmv-digest-key';

describe('LocalKms', () => {
  let dir: string;
  let kms: LocalKms;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-kms-'));
    kms = new LocalKms(join(dir, 'digest-key.pem'), ARN);
    await kms.load();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const publicKey = async () => {
    const out = (await kms.send(new GetPublicKeyCommand({ KeyId: ARN }))) as { PublicKey: Uint8Array };
    return createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' });
  };
  const signWith = async (Message: Uint8Array, MessageType: 'RAW' | 'DIGEST') =>
    ((await kms.send(new SignCommand({ KeyId: ARN, Message, MessageType, SigningAlgorithm: 'ECDSA_SHA_256' }))) as { Signature: Uint8Array }).Signature;

  describe('send(GetPublicKey)', () => {
    it('answers the key as KMS does: DER SPKI of a P-256 key, its spec, usage and algorithms', async () => {
      const out = await kms.send(new GetPublicKeyCommand({ KeyId: 'cmv-digest-key' }));

      expect(out).toMatchObject({ KeyId: ARN, KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', SigningAlgorithms: ['ECDSA_SHA_256'] });
      expect((await publicKey()).asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    });
  });

  describe('send(Sign)', () => {
    const message = Buffer.from('{"seq":1}');

    it('signs a RAW message with a DER ECDSA signature that verifies as SHA-256 over the message', async () => {
      const signature = await signWith(message, 'RAW');

      expect(Buffer.from(signature)[0]).toBe(0x30);
      expect(verify('sha256', message, await publicKey(), signature)).toBe(true);
    });

    it('signs a DIGEST (the SHA-256 of the message) so that it verifies over the message itself, like RAW', async () => {
      const signature = await signWith(createHash('sha256').update(message).digest(), 'DIGEST');

      expect(verify('sha256', message, await publicKey(), signature)).toBe(true);
    });

    it('refuses a RAW message over 4096 bytes, and a DIGEST that is not 32 bytes, with ValidationException', async () => {
      await expect(signWith(Buffer.alloc(4097, 1), 'RAW')).rejects.toMatchObject({ name: 'ValidationException' });
      await expect(signWith(Buffer.alloc(31, 1), 'DIGEST')).rejects.toMatchObject({ name: 'ValidationException', message: /invalid length/ });
      expect(await signWith(Buffer.alloc(4096, 1), 'RAW')).toBeInstanceOf(Uint8Array);
    });

    it('refuses another algorithm (InvalidKeyUsageException) and another key (NotFoundException)', async () => {
      await expect(kms.send(new SignCommand({ KeyId: ARN, Message: message, SigningAlgorithm: 'RSASSA_PSS_SHA_256' }))).rejects.toMatchObject({
        name: 'InvalidKeyUsageException',
      });
      await expect(kms.send(new SignCommand({ KeyId: 'other', Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }))).rejects.toMatchObject({
        name: 'NotFoundException',
      });
    });
  });

  describe('load()', () => {
    it('keeps the key across restarts, in a file only its owner may read', async () => {
      const before = (await publicKey()).export({ format: 'pem', type: 'spki' });

      const again = new LocalKms(join(dir, 'digest-key.pem'), ARN);
      await again.load();
      kms = again;

      expect((await publicKey()).export({ format: 'pem', type: 'spki' })).toBe(before);
      expect((await stat(join(dir, 'digest-key.pem'))).mode & 0o777).toBe(0o600);
    });

    it('quarantines a key file that is no key and makes a new key, instead of failing the start', async () => {
      await writeFile(join(dir, 'broken.pem'), 'not a key');
      const lines: string[] = [];
      const fresh = new LocalKms(join(dir, 'broken.pem'), ARN, (l) => lines.push(l));

      await fresh.load();

      expect(await readFile(join(dir, 'broken.pem'), 'utf8')).toMatch(/BEGIN PRIVATE KEY/);
      expect(lines.join('\n')).toMatch(/digest signing key/);
    });
  });
});
