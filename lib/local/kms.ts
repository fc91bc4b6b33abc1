import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { GetPublicKeyCommand, SignCommand } from '@aws-sdk/client-kms';
import { ed25519ph } from '@noble/curves/ed25519';
import { p256 } from '@noble/curves/p256';
import type { AwsClient, AwsCommand, AwsOutput } from '../../lambdas/adapters/aws-client';
import { CommandTable } from './command-table';
import { readStoreFile, type StoreLog, writeStoreFile } from './store-file';

/** The largest RAW message KMS Sign takes, in bytes; and the lengths of a SHA-256 and a SHA-512 digest. */
const RAW_LIMIT = 4096;
const SHA256_LENGTH = 32;
const SHA512_LENGTH = 64;

const kmsError = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });

/** The key specs the stand-in makes: ECDSA P-256 (the digest key), Ed25519 (the bundle key). */
export type LocalKeySpec = 'ECC_NIST_P256' | 'ECC_NIST_EDWARDS25519';

/** Per key spec: the key node:crypto makes and accepts, and the signing algorithms KMS allows with it (in GetPublicKey's order). */
const SPECS: Record<LocalKeySpec, { type: 'ec' | 'ed25519'; curve?: string; algorithms: readonly string[] }> = {
  ECC_NIST_P256: { type: 'ec', curve: 'prime256v1', algorithms: ['ECDSA_SHA_256'] },
  ECC_NIST_EDWARDS25519: { type: 'ed25519', algorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'] },
};

/**
 * Local stand-in for a KMS asymmetric key (SIGN_VERIFY): Sign and GetPublicKey with KMS's inputs,
 * outputs and refusals. Of spec ECC_NIST_P256 (the default): ECDSA_SHA_256 only; MessageType RAW
 * (1–4096 bytes, hashed here) or DIGEST (exactly the 32 bytes of a SHA-256, signed as given); a DER
 * signature. Of spec ECC_NIST_EDWARDS25519: ED25519_SHA_512 with MessageType RAW only (1–4096
 * bytes; pure Ed25519, RFC 8032), ED25519_PH_SHA_512 with MessageType DIGEST only (the 64 bytes of
 * a SHA-512, which KMS — and so this — prehashes again: Ed25519ph over the digest); a 64-byte
 * signature. Another algorithm is refused with InvalidKeyUsageException, a MessageType the algorithm
 * does not take or a length out of bounds with ValidationException, another key with NotFoundException.
 * The public key is DER SubjectPublicKeyInfo. The key pair is kept in a PKCS #8 PEM file (mode 0600),
 * made on first start. node:crypto cannot sign a digest it did not compute (nor Ed25519ph at all),
 * so DIGEST uses @noble/curves.
 */
export class LocalKms implements AwsClient {
  private key?: KeyObject;

  /**
   * @param keyFile - where the private key is kept
   * @param keyArn - the key's ARN, what KMS answers as KeyId; requests may name it or its id (the part after `key/`)
   * @param lost - what is lost when the key file is unreadable and a new key is made (logged)
   * @param keySpec - the key's spec, as KMS names it
   */
  constructor(
    private readonly keyFile: string,
    readonly keyArn: string,
    private readonly log?: StoreLog,
    private readonly lost = 'the local digest signing key (digests signed before no longer verify with the new key)',
    readonly keySpec: LocalKeySpec = 'ECC_NIST_P256',
  ) {}

  /** Reads the key pair, making it on first start (a file that is no key of the spec — e.g. a P-256 key where an Ed25519 one belongs — is quarantined and a new key made). */
  async load(): Promise<void> {
    const spec = SPECS[this.keySpec];
    this.key = await readStoreFile(this.keyFile, {
      parse: (text) => {
        const key = createPrivateKey(text);
        if (key.asymmetricKeyType !== spec.type || key.asymmetricKeyDetails?.namedCurve !== spec.curve) throw new Error(`not a key of spec ${this.keySpec}`);
        return key;
      },
      lost: this.lost,
      log: this.log,
    });
    if (this.key) return;
    const { privateKey } = spec.type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
    await writeStoreFile(this.keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), { mode: 0o600 });
    this.key = privateKey;
  }

  private static readonly commands = new CommandTable<LocalKms>('LocalKms')
    .on(SignCommand, (s, c) => s.sign(c.input))
    .on(GetPublicKeyCommand, (s, c) => s.publicKey(c.input));

  /** Answers Sign and GetPublicKey; refuses any other command. @throws before {@link load} */
  async send<Input extends object, Output extends AwsOutput>(command: AwsCommand<Input, Output>): Promise<Output> {
    this.loadedKey();
    return LocalKms.commands.dispatch(this, command);
  }

  private loadedKey(): KeyObject {
    if (!this.key) throw new Error('LocalKms: load() first');
    return this.key;
  }

  private async sign(input: SignCommand['input']): Promise<unknown> {
    const key = this.loadedKey();
    const { KeyId, Message, MessageType = 'RAW', SigningAlgorithm } = input;
    this.checkKeyId(KeyId);
    const algorithms = SPECS[this.keySpec].algorithms;
    if (!SigningAlgorithm || !algorithms.includes(SigningAlgorithm)) {
      throw kmsError('InvalidKeyUsageException', `Signing algorithm ${SigningAlgorithm} is not supported by this key; it supports ${algorithms.join(', ')}`);
    }
    const message = Message ? Buffer.from(Message) : Buffer.alloc(0);
    if (message.length < 1 || message.length > RAW_LIMIT) {
      throw kmsError(
        'ValidationException',
        "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length between 1 and 4096",
      );
    }
    if (MessageType !== 'RAW' && MessageType !== 'DIGEST') throw kmsError('ValidationException', `MessageType ${MessageType} is not RAW or DIGEST`);
    const signature = this.keySpec === 'ECC_NIST_P256' ? signP256(key, message, MessageType) : signEd25519(key, message, MessageType, SigningAlgorithm);
    return { KeyId: this.keyArn, Signature: signature, SigningAlgorithm };
  }

  private async publicKey(input: GetPublicKeyCommand['input']): Promise<unknown> {
    this.checkKeyId(input.KeyId);
    return {
      KeyId: this.keyArn,
      PublicKey: new Uint8Array(createPublicKey(this.loadedKey()).export({ format: 'der', type: 'spki' })),
      KeySpec: this.keySpec,
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: [...SPECS[this.keySpec].algorithms],
    };
  }

  private checkKeyId(keyId: string | undefined): void {
    if (keyId !== this.keyArn && keyId !== this.keyArn.split('/').pop()) throw kmsError('NotFoundException', `Key '${keyId}' does not exist`);
  }
}

/** ECDSA_SHA_256: RAW hashed here, DIGEST (a SHA-256) signed as given; DER. */
function signP256(key: KeyObject, message: Buffer, messageType: 'RAW' | 'DIGEST'): Uint8Array {
  if (messageType === 'RAW') return sign('sha256', message, key);
  if (message.length !== SHA256_LENGTH) throw kmsError('ValidationException', 'Digest is invalid length for algorithm ECDSA_SHA_256.');
  const d = Buffer.from(key.export({ format: 'jwk' }).d ?? '', 'base64url');
  return p256.sign(message, d, { prehash: false }).toDERRawBytes();
}

/** ED25519_SHA_512 over a RAW message (pure Ed25519); ED25519_PH_SHA_512 over a DIGEST (Ed25519ph, prehashing the digest again, as KMS does). */
function signEd25519(key: KeyObject, message: Buffer, messageType: 'RAW' | 'DIGEST', algorithm: string): Uint8Array {
  if (algorithm === 'ED25519_SHA_512') {
    if (messageType !== 'RAW') throw kmsError('ValidationException', 'The ED25519_SHA_512 signing algorithm requires MessageType RAW.');
    return sign(null, message, key);
  }
  if (messageType !== 'DIGEST') throw kmsError('ValidationException', 'The ED25519_PH_SHA_512 signing algorithm requires MessageType DIGEST.');
  if (message.length !== SHA512_LENGTH) throw kmsError('ValidationException', `Digest is invalid length for algorithm ${algorithm}.`);
  const seed = Buffer.from(key.export({ format: 'jwk' }).d ?? '', 'base64url');
  return ed25519ph.sign(message, seed);
}
