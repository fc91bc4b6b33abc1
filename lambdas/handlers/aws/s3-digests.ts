import { S3Client } from '@aws-sdk/client-s3';
import { S3DigestStore } from '../../adapters/s3-digests';
import type { DigestStore } from '../../core/ports';
import type { Port } from '../build-services';
import { traced } from '../observability';

/** The `digests` port: the digest bucket `names.digestBucket` (S3 Object Lock). */
export const s3DigestStore: Port<DigestStore> = {
  sdkClient: () => traced(new S3Client({})),
  adapter: (s3, names) => new S3DigestStore(s3, names.digestBucket),
};
