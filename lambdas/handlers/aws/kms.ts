import { KMSClient } from '@aws-sdk/client-kms';
import { KmsDigestSigner } from '../../adapters/kms-signer';
import type { DigestSigner } from '../../core/digest';
import type { Port } from '../build-services';
import { traced } from '../observability';

/** The `signer` port: the digest key `names.digestKeyId` in KMS. */
export const kmsDigestSigner: Port<DigestSigner> = {
  sdkClient: () => traced(new KMSClient({})),
  adapter: (kms, names) => new KmsDigestSigner(kms, names.digestKeyId),
};
