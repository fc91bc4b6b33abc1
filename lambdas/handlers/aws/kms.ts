import { KMSClient } from '@aws-sdk/client-kms';
import { KmsBundleSigner } from '../../adapters/kms-bundle-signer';
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

/** The `bundleSigner` port: the bundle key `names.bundleKeyId` in KMS (Ed25519, ECC_NIST_EDWARDS25519). */
export const kmsBundleSigner: Port<BundleSigner> = {
  sdkClient: () => traced(new KMSClient({})),
  adapter: (kms, names) => new KmsBundleSigner(kms, names.bundleKeyId),
};
