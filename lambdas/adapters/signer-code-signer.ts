import { DescribeSigningJobCommand, type SignerClient, StartSigningJobCommand, waitUntilSuccessfulSigningJob } from '@aws-sdk/client-signer';
import { DeploymentError } from '../core/errors';
import type { CodeSigner, CodeSigningOutcome } from '../core/ports';
import type { AwsClient } from './aws-client';

/** Where signing jobs put the signed zips, and with which profile. */
export interface CodeSigningSettings {
  /** The AWS Signer signing profile (platform AWSLambda-SHA384-ECDSA) the targets' code signing configuration allows. */
  readonly profileName: string;
  /** The versioned bucket the signed zips are written to (the artifact bucket). */
  readonly bucket: string;
  /** The key prefix of the signed zips, e.g. `code-signing/signed/`: the jobs' grants are on it alone. */
  readonly signedPrefix: string;
}

/**
 * AWS Signer for Lambda code: StartSigningJob of an artifact's object version (with the caller's
 * token as `clientRequestToken`, so that the same token answers the same job), and the SDK's waiter
 * `waitUntilSuccessfulSigningJob` for its end, bounded by `maxWaitSeconds` (the handler's timeout
 * must leave room for it); a job still running then is `InProgress`, for the caller to wait again.
 */
export class SignerCodeSigner implements CodeSigner {
  constructor(
    private readonly signer: AwsClient,
    private readonly settings: CodeSigningSettings,
    private readonly maxWaitSeconds = 240,
  ) {}

  /** @throws DeploymentError when the source is no `s3://bucket/key` URI, or Signer answers no job id */
  async start(source: { readonly uri: string; readonly versionId: string }, token: string): Promise<string> {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(source.uri);
    if (!match) throw new DeploymentError(`only code stored in S3 can be signed, not ${source.uri}`);
    const out = await this.signer.send(
      new StartSigningJobCommand({
        source: { s3: { bucketName: match[1], key: match[2], version: source.versionId } },
        destination: { s3: { bucketName: this.settings.bucket, prefix: this.settings.signedPrefix } },
        profileName: this.settings.profileName,
        clientRequestToken: token,
      }),
    );
    if (!out.jobId) throw new DeploymentError(`StartSigningJob of ${source.uri} answered no job id`);
    return out.jobId;
  }

  async wait(jobId: string): Promise<CodeSigningOutcome> {
    // The waiter ends on Succeeded, throws on Failed or its time limit; either way the job's description says which.
    // It only sends DescribeSigningJob, which any AwsClient (the local stand-in too) answers.
    await waitUntilSuccessfulSigningJob({ client: this.signer as SignerClient, maxWaitTime: this.maxWaitSeconds, minDelay: 2, maxDelay: 20 }, { jobId }).catch(
      () => undefined,
    );
    const job = await this.signer.send(new DescribeSigningJobCommand({ jobId }));
    if (job.status === 'Failed') return { status: 'Failed', reason: job.statusReason ?? 'Signer gave no reason' };
    if (job.status !== 'Succeeded') return { status: 'InProgress' };
    const signed = job.signedObject?.s3;
    if (!signed?.bucketName || !signed.key) throw new DeploymentError(`signing job ${jobId} succeeded without a signed object`);
    return { status: 'Succeeded', signedUri: `s3://${signed.bucketName}/${signed.key}` };
  }
}
