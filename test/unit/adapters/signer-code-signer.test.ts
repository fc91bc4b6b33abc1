import { DescribeSigningJobCommand, StartSigningJobCommand } from '@aws-sdk/client-signer';
import type { AwsClient } from '../../../lambdas/adapters/aws-client';
import { SignerCodeSigner } from '../../../lambdas/adapters/signer-code-signer';

/** A Signer client answering DescribeSigningJob with `job`, recording what it is sent. */
function signerAnswering(job: Record<string, unknown>): AwsClient & { sent: { name: string; input: Record<string, unknown> }[] } {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  return {
    sent,
    send: async (command) => {
      const c = command as unknown as { constructor: { name: string }; input: Record<string, unknown> };
      sent.push({ name: c.constructor.name, input: c.input });
      if (command instanceof StartSigningJobCommand) return { jobId: 'job-1', jobOwner: '123456789012' } as never;
      if (command instanceof DescribeSigningJobCommand) return job as never;
      throw new Error(`unexpected ${c.constructor.name}`);
    },
  };
}
const SETTINGS = { profileName: 'cmv_code', bucket: 'artifacts', signedPrefix: 'code-signing/signed/' };

describe('SignerCodeSigner', () => {
  it('starts a job on the artifact object version, into the signed prefix, with the token as clientRequestToken', async () => {
    const signer = signerAnswering({});

    const jobId = await new SignerCodeSigner(signer, SETTINGS).start({ uri: 's3://artifacts/artifacts/svc/ab.zip', versionId: 'v7' }, 'ab');

    expect(jobId).toBe('job-1');
    expect(signer.sent).toEqual([
      {
        name: 'StartSigningJobCommand',
        input: {
          source: { s3: { bucketName: 'artifacts', key: 'artifacts/svc/ab.zip', version: 'v7' } },
          destination: { s3: { bucketName: 'artifacts', prefix: 'code-signing/signed/' } },
          profileName: 'cmv_code',
          clientRequestToken: 'ab',
        },
      },
    ]);
  });

  it('refuses to sign code that is not in S3', async () => {
    await expect(new SignerCodeSigner(signerAnswering({}), SETTINGS).start({ uri: 'file:///tmp/a.zip', versionId: 'v1' }, 't')).rejects.toThrow(
      /only code stored in S3/,
    );
  });

  it("answers a succeeded job's signed object as an s3:// URI", async () => {
    const signer = signerAnswering({
      jobId: 'job-1',
      status: 'Succeeded',
      signedObject: { s3: { bucketName: 'artifacts', key: 'code-signing/signed/job-1.zip' } },
    });

    await expect(new SignerCodeSigner(signer, SETTINGS).wait('job-1')).resolves.toEqual({
      status: 'Succeeded',
      signedUri: 's3://artifacts/code-signing/signed/job-1.zip',
    });
  });

  it("answers a failed job's reason", async () => {
    const signer = signerAnswering({ jobId: 'job-1', status: 'Failed', statusReason: 'the zip file already has a signature' });

    await expect(new SignerCodeSigner(signer, SETTINGS).wait('job-1')).resolves.toEqual({ status: 'Failed', reason: 'the zip file already has a signature' });
  });
});
