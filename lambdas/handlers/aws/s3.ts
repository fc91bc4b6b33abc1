import { S3Client } from '@aws-sdk/client-s3';
import { requireEnv } from '../../adapters/env';
import { S3ArtifactStore } from '../../adapters/s3-artifacts';
import { S3DeploymentConfig } from '../../adapters/s3-deployment-config';
import type { ArtifactStore } from '../../core/ports';
import type { DeploymentConfigPort } from '../aws-services';
import { traced } from '../observability';

/**
 * The `artifacts` port in AWS: the artifact bucket (ARTIFACT_BUCKET) in S3.
 * @throws Error when ARTIFACT_BUCKET is not set
 */
export const s3Artifacts = (): ArtifactStore => new S3ArtifactStore(traced(new S3Client({})), requireEnv('ARTIFACT_BUCKET'));

/**
 * The `config` port in AWS: the deployment's users and policy, its config document in S3
 * (CMV_CONFIG_S3_URI, `s3://bucket/key`, read once per container: {@link S3DeploymentConfig}).
 * @throws Error when CMV_CONFIG_S3_URI is not set
 */
export const s3DeploymentConfig = (): DeploymentConfigPort => new S3DeploymentConfig(traced(new S3Client({})), requireEnv('CMV_CONFIG_S3_URI'));
