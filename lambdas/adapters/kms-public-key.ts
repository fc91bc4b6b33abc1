import { createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand } from '@aws-sdk/client-kms';
import type { AwsClient } from './aws-client';

/** The largest message KMS Sign takes as RAW (bytes). */
export const KMS_RAW_MESSAGE_LIMIT = 4096;

/** A KMS asymmetric key's public half as GetPublicKey answers it: its key id (ARN), spec, and SPKI PEM. */
export interface KmsPublicKey {
  readonly keyId: string;
  readonly keySpec?: string;
  readonly pem: string;
}

/**
 * A memo of one key's public half: GetPublicKey is asked once and its answer, as `use` makes it, is
 * kept; a failed read (or a `use` that throws) is forgotten, so the next call asks again.
 * @param use - what the caller keeps of the key (e.g. its PEM), checked as it needs
 * @returns a function answering that (the same promise while it holds)
 * @throws Error (from the returned function) when KMS answers no key, or as `use` throws; KMS errors as they are
 */
export function kmsPublicKey<T>(kms: AwsClient, keyId: string, use: (key: KmsPublicKey) => T): () => Promise<T> {
  let kept: Promise<T> | undefined;
  return () => {
    kept ??= kms.send(new GetPublicKeyCommand({ KeyId: keyId })).then((out) => {
      if (!out.PublicKey) throw new Error(`KMS GetPublicKey of ${keyId} answered no key`);
      const pem = createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' })
        .export({ format: 'pem', type: 'spki' })
        .toString();
      return use({ keyId: out.KeyId ?? keyId, keySpec: out.KeySpec, pem });
    });
    kept.catch(() => {
      kept = undefined;
    });
    return kept;
  };
}
