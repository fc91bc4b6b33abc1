import { S3Client } from '@aws-sdk/client-s3';
import { requireEnv } from '../../adapters/env';
import { S3ArtifactStore } from '../../adapters/s3-artifacts';
import type { ArtifactStore } from '../../core/ports';

/**
 * The `artifacts` port in AWS: the artifact bucket (ARTIFACT_BUCKET) in S3.
 * @throws Error when ARTIFACT_BUCKET is not set
 */
export const s3Artifacts = (): ArtifactStore => new S3ArtifactStore(new S3Client({}), requireEnv('ARTIFACT_BUCKET'));
