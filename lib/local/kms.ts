import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { GetPublicKeyCommand, SignCommand } from '@aws-sdk/client-kms';
import { p256 } from '@noble/curves/p256';
import type { AwsClient, AwsCommand, AwsOutput } from '../../lambdas/adapters/aws-client';
import { CommandTable } from './command-table';
import { readStoreFile, type StoreLog, writeStoreFile } from './store-file';

/** The largest RAW message KMS Sign takes, in bytes; and the length of a SHA-256 digest. */
const RAW_LIMIT = 4096;
const SHA256_LENGTH = 32;

const kmsError = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });

/**
 * Local stand-in for a KMS asymmetric key (ECC_NIST_P256, SIGN_VERIFY): Sign and GetPublicKey with
 * KMS's inputs, outputs and refusals — ECDSA_SHA_256 only; MessageType RAW (1–4096 bytes, hashed
 * here) or DIGEST (exactly the 32 bytes of a SHA-256, signed as given); a DER signature; the public
 * key as DER SubjectPublicKeyInfo. The key pair is kept in a PKCS #8 PEM file (mode 0600), made on
 * first start. node:crypto cannot sign a digest it did not compute, so DIGEST uses @noble/curves.
 */
export class LocalKms implements AwsClient {
  private key?: KeyObject;

  /**
   * @param keyFile - where the private key is kept
   * @param keyArn - the key's ARN, what KMS answers as KeyId; requests may name it or its id (the part after `key/`)
   * @param lost - what is lost when the key file is unreadable and a new key is made (logged)
   */
  constructor(
    private readonly keyFile: string,
    readonly keyArn: string,
    private readonly log?: StoreLog,
    private readonly lost = 'the local digest signing key (digests signed before no longer verify with the new key)',
  ) {}

  /** Reads the key pair, making it on first start (a file that is no EC P-256 key is quarantined and a new key made). */
  async load(): Promise<void> {
    this.key = await readStoreFile(this.keyFile, {
      parse: (text) => {
        const key = createPrivateKey(text);
        if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('not an EC P-256 key');
        return key;
      },
      lost: this.lost,
      log: this.log,
    });
    if (this.key) return;
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
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
    if (SigningAlgorithm !== 'ECDSA_SHA_256') {
      throw kmsError('InvalidKeyUsageException', `Signing algorithm ${SigningAlgorithm} is not supported by this key; it supports ECDSA_SHA_256`);
    }
    const message = Message ? Buffer.from(Message) : Buffer.alloc(0);
    if (message.length < 1 || message.length > RAW_LIMIT) {
      throw kmsError(
        'ValidationException',
        "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length between 1 and 4096",
      );
    }
    let signature: Uint8Array;
    if (MessageType === 'RAW') {
      signature = sign('sha256', message, key);
    } else if (MessageType === 'DIGEST') {
      if (message.length !== SHA256_LENGTH) throw kmsError('ValidationException', `Digest is invalid length for algorithm ${SigningAlgorithm}.`);
      const d = Buffer.from(key.export({ format: 'jwk' }).d ?? '', 'base64url');
      signature = p256.sign(message, d, { prehash: false }).toDERRawBytes();
    } else {
      throw kmsError('ValidationException', `MessageType ${MessageType} is not RAW or DIGEST`);
    }
    return { KeyId: this.keyArn, Signature: signature, SigningAlgorithm };
  }

  private async publicKey(input: GetPublicKeyCommand['input']): Promise<unknown> {
    this.checkKeyId(input.KeyId);
    return {
      KeyId: this.keyArn,
      PublicKey: new Uint8Array(createPublicKey(this.loadedKey()).export({ format: 'der', type: 'spki' })),
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: ['ECDSA_SHA_256'],
    };
  }

  private checkKeyId(keyId: string | undefined): void {
    if (keyId !== this.keyArn && keyId !== this.keyArn.split('/').pop()) throw kmsError('NotFoundException', `Key '${keyId}' does not exist`);
  }
}
