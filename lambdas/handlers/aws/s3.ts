import { S3Client } from '@aws-sdk/client-s3';
import { S3ArtifactStore } from '../../adapters/s3-artifacts';
import { S3DeploymentConfig } from '../../adapters/s3-deployment-config';
import type { ArtifactStore } from '../../core/ports';
import type { DeploymentConfigPort, Port } from '../build-services';
import { traced } from '../observability';

/** The `artifacts` port: the artifact bucket `names.artifactBucket` in S3 (and, locally, `file://` artifacts under `names.artifactFiles`). */
export const s3Artifacts: Port<ArtifactStore> = {
  sdkClient: () => traced(new S3Client({})),
  adapter: (s3, names) => new S3ArtifactStore(s3, names.artifactBucket, names.artifactFiles),
};

/**
 * The `config` port: the deployment's users and policy, its config document in S3 at
 * `names.configUri` (`s3://bucket/key`, read once per container: {@link S3DeploymentConfig}).
 */
export const s3DeploymentConfig: Port<DeploymentConfigPort> = {
  sdkClient: () => traced(new S3Client({})),
  adapter: (s3, names) => new S3DeploymentConfig(s3, names.configUri),
};
