import { S3Client } from '@aws-sdk/client-s3';
import { requireEnv } from '../../adapters/env';
import { S3DigestStore } from '../../adapters/s3-digests';
import type { DigestStore } from '../../core/ports';
import { traced } from '../observability';

/**
 * The `digests` port in AWS: the digest bucket (DIGEST_BUCKET, S3 Object Lock).
 * @throws Error when DIGEST_BUCKET is not set
 */
export const s3DigestStore = (): DigestStore => new S3DigestStore(traced(new S3Client({})), requireEnv('DIGEST_BUCKET'));
