import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPublicKeyCommand, SignCommand } from '@aws-sdk/client-kms';
import { ed25519ph } from '@noble/curves/ed25519';
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

  describe('an ECC_NIST_EDWARDS25519 key (the bundle key)', () => {
    const BUNDLE_ARN = 'arn:aws:kms:local:000000000000:key/cmv-bundles';
    let ed: LocalKms;
    beforeEach(async () => {
      ed = new LocalKms(join(dir, 'bundle-key.pem'), BUNDLE_ARN, undefined, undefined, 'ECC_NIST_EDWARDS25519');
      await ed.load();
    });
    const edPublicKey = async () => {
      const out = (await ed.send(new GetPublicKeyCommand({ KeyId: BUNDLE_ARN }))) as { PublicKey: Uint8Array };
      return createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' });
    };
    const edSign = async (Message: Uint8Array, MessageType: 'RAW' | 'DIGEST', SigningAlgorithm: 'ED25519_SHA_512' | 'ED25519_PH_SHA_512' | 'ECDSA_SHA_256') =>
      ((await ed.send(new SignCommand({ KeyId: BUNDLE_ARN, Message, MessageType, SigningAlgorithm }))) as { Signature: Uint8Array }).Signature;
    const statement = Buffer.from('cmv-bundle-manifest-signature/1 sha256:00');

    it('answers its public key as KMS does: DER SPKI of an Ed25519 key, its spec, usage and both EdDSA algorithms', async () => {
      const out = await ed.send(new GetPublicKeyCommand({ KeyId: 'cmv-bundles' }));

      expect(out).toMatchObject({
        KeyId: BUNDLE_ARN,
        KeySpec: 'ECC_NIST_EDWARDS25519',
        KeyUsage: 'SIGN_VERIFY',
        SigningAlgorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'],
      });
      expect((await edPublicKey()).asymmetricKeyType).toBe('ed25519');
    });

    it('signs a RAW message with ED25519_SHA_512: a 64-byte pure Ed25519 signature over the message', async () => {
      const signature = await edSign(statement, 'RAW', 'ED25519_SHA_512');

      expect(signature.byteLength).toBe(64);
      expect(verify(null, statement, await edPublicKey(), signature)).toBe(true);
    });

    it('signs a 64-byte DIGEST with ED25519_PH_SHA_512 as KMS does: Ed25519ph with its own SHA-512 prehash of the digest', async () => {
      const digest = createHash('sha512').update(statement).digest();
      const signature = await edSign(digest, 'DIGEST', 'ED25519_PH_SHA_512');
      const raw = (await edPublicKey()).export({ format: 'jwk' }).x as string;

      expect(ed25519ph.verify(signature, digest, Buffer.from(raw, 'base64url'))).toBe(true);
    });

    it('refuses ED25519_SHA_512 with MessageType DIGEST, and ED25519_PH_SHA_512 with RAW or a digest that is not 64 bytes (ValidationException)', async () => {
      await expect(edSign(createHash('sha512').update(statement).digest(), 'DIGEST', 'ED25519_SHA_512')).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringMatching(/ED25519_SHA_512.*RAW/),
      });
      await expect(edSign(statement, 'RAW', 'ED25519_PH_SHA_512')).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringMatching(/ED25519_PH_SHA_512.*DIGEST/),
      });
      await expect(edSign(Buffer.alloc(32, 1), 'DIGEST', 'ED25519_PH_SHA_512')).rejects.toMatchObject({
        name: 'ValidationException',
        message: /invalid length/,
      });
    });

    it('refuses a RAW message over 4096 bytes (ValidationException), and takes one of 4096', async () => {
      await expect(edSign(Buffer.alloc(4097, 1), 'RAW', 'ED25519_SHA_512')).rejects.toMatchObject({ name: 'ValidationException' });
      expect((await edSign(Buffer.alloc(4096, 1), 'RAW', 'ED25519_SHA_512')).byteLength).toBe(64);
    });

    it('refuses an algorithm of another key spec (InvalidKeyUsageException), and the P-256 key refuses the EdDSA ones', async () => {
      await expect(edSign(statement, 'RAW', 'ECDSA_SHA_256')).rejects.toMatchObject({ name: 'InvalidKeyUsageException' });
      await expect(kms.send(new SignCommand({ KeyId: ARN, Message: statement, SigningAlgorithm: 'ED25519_SHA_512' }))).rejects.toMatchObject({
        name: 'InvalidKeyUsageException',
      });
    });

    it('keeps its key across restarts, and quarantines a P-256 key file left by an earlier version, making an Ed25519 key', async () => {
      const before = (await edPublicKey()).export({ format: 'pem', type: 'spki' });
      const again = new LocalKms(join(dir, 'bundle-key.pem'), BUNDLE_ARN, undefined, undefined, 'ECC_NIST_EDWARDS25519');
      await again.load();
      ed = again;
      expect((await edPublicKey()).export({ format: 'pem', type: 'spki' })).toBe(before);

      const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      await writeFile(join(dir, 'old-bundle-key.pem'), p256);
      const lines: string[] = [];
      ed = new LocalKms(join(dir, 'old-bundle-key.pem'), BUNDLE_ARN, (l) => lines.push(l), 'the local bundle signing key', 'ECC_NIST_EDWARDS25519');
      await ed.load();

      expect((await edPublicKey()).asymmetricKeyType).toBe('ed25519');
      expect(lines.join('\n')).toMatch(/bundle signing key/);
    });
  });
});
