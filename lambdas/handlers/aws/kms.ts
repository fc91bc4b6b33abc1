import { KMSClient } from '@aws-sdk/client-kms';
import { KmsDigestSigner } from '../../adapters/kms-signer';
import type { BundleSigner } from '../../core/bundle';
import type { DigestSigner } from '../../core/digest';
import type { Port } from '../build-services';
import { traced } from '../observability';

/** The `signer` port: the digest key `names.digestKeyId` in KMS. */
export const kmsDigestSigner: Port<DigestSigner> = {
  sdkClient: () => traced(new KMSClient({})),
  adapter: (kms, names) => new KmsDigestSigner(kms, names.digestKeyId),
};

/** The `bundleSigner` port: the bundle key `names.bundleKeyId` in KMS (the same ECDSA P-256 signer as the digest key's, on its own key). */
export const kmsBundleSigner: Port<BundleSigner> = {
  sdkClient: () => traced(new KMSClient({})),
  adapter: (kms, names) => new KmsDigestSigner(kms, names.bundleKeyId),
};
