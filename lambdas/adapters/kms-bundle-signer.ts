import { SignCommand } from '@aws-sdk/client-kms';
import { BUNDLE_SIGNING_ALGORITHM, type BundleKey, type BundleSigner } from '../core/bundle';
import type { AwsClient } from './aws-client';
import { kmsPublicKey, KMS_RAW_MESSAGE_LIMIT as RAW_LIMIT } from './kms-public-key';

/** The bundle key's spec. */
const KEY_SPEC = 'ECC_NIST_EDWARDS25519';

/**
 * Signs with the bundle key, a KMS asymmetric key of spec ECC_NIST_EDWARDS25519 (SIGN_VERIFY):
 * `ED25519_SHA_512` over the message as it is (MessageType RAW, 1–4096 bytes), a 64-byte pure
 * Ed25519 signature that node:crypto and openssl verify. The public key is read once (GetPublicKey)
 * and kept.
 */
export class KmsBundleSigner implements BundleSigner {
  private readonly readKey: () => Promise<BundleKey>;

  constructor(
    private readonly kms: AwsClient,
    private readonly keyId: string,
  ) {
    this.readKey = kmsPublicKey(kms, keyId, ({ keyId: id, keySpec, pem }) => {
      if (keySpec && keySpec !== KEY_SPEC) throw new Error(`the bundle key ${keyId} is of spec ${keySpec}, not ${KEY_SPEC}`);
      return { keyId: id, pem };
    });
  }

  /** @throws Error for a message over 4096 bytes (KMS would refuse it); KMS errors as they are */
  async sign(message: Uint8Array): Promise<{ keyId: string; signature: Uint8Array }> {
    if (message.byteLength > RAW_LIMIT) throw new Error(`the bundle key signs messages of at most ${RAW_LIMIT} bytes, not ${message.byteLength}`);
    const out = await this.kms.send(new SignCommand({ KeyId: this.keyId, Message: message, MessageType: 'RAW', SigningAlgorithm: BUNDLE_SIGNING_ALGORITHM }));
    if (!out.Signature) throw new Error(`KMS Sign with ${this.keyId} answered no signature`);
    return { keyId: out.KeyId ?? this.keyId, signature: out.Signature };
  }

  /** @throws Error when KMS answers no key, or a key of another spec than ECC_NIST_EDWARDS25519 */
  publicKey(): Promise<BundleKey> {
    return this.readKey();
  }
}
