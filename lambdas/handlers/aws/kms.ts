import { KMSClient } from '@aws-sdk/client-kms';
import { requireEnv } from '../../adapters/env';
import { KmsDigestSigner } from '../../adapters/kms-signer';
import type { DigestSigner } from '../../core/digest';
import { traced } from '../observability';

/**
 * The `signer` port in AWS: the digest key in KMS (DIGEST_KEY_ID).
 * @throws Error when DIGEST_KEY_ID is not set
 */
export const kmsDigestSigner = (): DigestSigner => new KmsDigestSigner(traced(new KMSClient({})), requireEnv('DIGEST_KEY_ID'));
