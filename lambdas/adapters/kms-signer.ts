import { createHash } from 'node:crypto';
import { SignCommand } from '@aws-sdk/client-kms';
import { DIGEST_SIGNING_ALGORITHM, type DigestSigner } from '../core/digest';
import type { AwsClient } from './aws-client';
import { KMS_RAW_MESSAGE_LIMIT, kmsPublicKey } from './kms-public-key';

/**
 * Signs digests with a KMS asymmetric key (ECC_NIST_P256, SIGN_VERIFY) as ECDSA_SHA_256: a message
 * up to 4 KB is sent as it is (MessageType RAW, KMS hashes it), a longer one as its SHA-256
 * (MessageType DIGEST); both give the same signature over the message. The public key is read once
 * (GetPublicKey) and kept.
 */
export class KmsDigestSigner implements DigestSigner {
  private readonly readKey: () => Promise<string>;

  constructor(
    private readonly kms: AwsClient,
    private readonly keyId: string,
  ) {
    this.readKey = kmsPublicKey(kms, keyId, (key) => key.pem);
  }

  async sign(message: Uint8Array): Promise<{ keyId: string; signature: Uint8Array }> {
    const raw = message.byteLength <= KMS_RAW_MESSAGE_LIMIT;
    const out = await this.kms.send(
      new SignCommand({
        KeyId: this.keyId,
        Message: raw ? message : createHash('sha256').update(message).digest(),
        MessageType: raw ? 'RAW' : 'DIGEST',
        SigningAlgorithm: DIGEST_SIGNING_ALGORITHM,
      }),
    );
    if (!out.Signature) throw new Error(`KMS Sign with ${this.keyId} answered no signature`);
    return { keyId: out.KeyId ?? this.keyId, signature: out.Signature };
  }

  publicKey(): Promise<string> {
    return this.readKey();
  }
}
