import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateCodeSigningConfigCommand, CreateFunctionCommand, PutFunctionCodeSigningConfigCommand, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeSigningJobCommand, StartSigningJobCommand } from '@aws-sdk/client-signer';
import { unzipSource, zipSource } from '../../../lambdas/core/artifact';
import { LocalCloudWatch } from '../../../lib/local/cloudwatch';
import { LocalLambda } from '../../../lib/local/lambda';
import { LocalS3 } from '../../../lib/local/s3';
import { LocalSigner } from '../../../lib/local/signer';

/**
 * The local Signer signs a Lambda zip held in a versioned bucket, and the local Lambda, for a
 * function whose code signing configuration enforces, accepts that signed zip and refuses code that
 * is unsigned, altered after signing or signed by another profile, with Lambda's error names.
 */
// Key generation and signing are CPU work: on a loaded 2-core box they may take longer than jest's default 5 s.
jest.setTimeout(30_000);

describe('local code signing (Signer and Lambda)', () => {
  const BUCKET = 'cmv-artifacts';
  const code = zipSource({ 'index.js': Buffer.from('exports.handler = async () => 1;\n') });
  let dir: string;
  let s3: LocalS3;
  let signer: LocalSigner;
  let lambda: LocalLambda;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-codesign-'));
    s3 = new LocalS3(join(dir, 's3'), { versionedBuckets: [BUCKET] });
    signer = new LocalSigner(join(dir, 'signer'), s3);
    await signer.load();
    lambda = new LocalLambda(join(dir, 'lambda'), new LocalCloudWatch(1), undefined, 1, (arn) => signer.publicKeyOf(arn));
  });
  afterEach(async () => {
    await lambda.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const upload = async (bytes: Uint8Array, Key = 'code/unsigned.zip') =>
    ((await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: bytes }))) as { VersionId: string }).VersionId;
  const startJob = (version: string, profileName = 'cmv_code', clientRequestToken?: string) =>
    signer.send(
      new StartSigningJobCommand({
        source: { s3: { bucketName: BUCKET, key: 'code/unsigned.zip', version } },
        destination: { s3: { bucketName: BUCKET, prefix: 'code/signed/' } },
        profileName,
        clientRequestToken,
      }),
    ) as Promise<{ jobId: string }>;
  const describe_ = (jobId: string) =>
    signer.send(new DescribeSigningJobCommand({ jobId })) as Promise<{ status: string; statusReason?: string; signedObject?: { s3: { key: string } } }>;
  const signedObject = async (jobId: string) => {
    const job = await describe_(jobId);
    const out = (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: job.signedObject?.s3.key }))) as {
      Body: { transformToByteArray(): Promise<Uint8Array> };
    };
    return out.Body.transformToByteArray();
  };
  const signed = async (bytes = code, profileName = 'cmv_code') => signedObject((await startJob(await upload(bytes), profileName)).jobId);
  const enforcedFunction = async (profileVersionArns: string[]) => {
    const csc = (await lambda.send(
      new CreateCodeSigningConfigCommand({
        AllowedPublishers: { SigningProfileVersionArns: profileVersionArns },
        CodeSigningPolicies: { UntrustedArtifactOnDeployment: 'Enforce' },
      }),
    )) as { CodeSigningConfig: { CodeSigningConfigArn: string } };
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'svc', Handler: 'index.handler', Code: { ZipFile: code }, Role: 'r', Runtime: 'nodejs22.x' }));
    await lambda.send(new PutFunctionCodeSigningConfigCommand({ FunctionName: 'svc', CodeSigningConfigArn: csc.CodeSigningConfig.CodeSigningConfigArn }));
  };
  const update = (ZipFile: Uint8Array) => lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'svc', ZipFile }));

  describe('Signer', () => {
    it('signs the named S3 version into <prefix><jobId>.zip; the signed zip unzips to the same files', async () => {
      await signer.ensureProfile('cmv_code', 30);
      const version = await upload(code);
      await upload(zipSource({ 'index.js': Buffer.from('overwritten later') }));

      const { jobId } = await startJob(version);
      const job = await describe_(jobId);

      expect(job).toMatchObject({ status: 'Succeeded', signedObject: { s3: { bucketName: BUCKET, key: `code/signed/${jobId}.zip` } } });
      expect(unzipSource(await signedObject(jobId))).toEqual(unzipSource(code));
    });

    it('answers the first job again for a repeated clientRequestToken, and refuses what Signer refuses', async () => {
      await signer.ensureProfile('cmv_code', 30);
      const version = await upload(code);
      const first = await startJob(version, 'cmv_code', 'token-1');

      expect(await startJob(version, 'cmv_code', 'token-1')).toEqual(first);
      await expect(startJob(version, 'nobody')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      await expect(startJob('')).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('source.s3.version') });
      await expect(describe_('no-such-job')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      // The job ends before the test's directory is removed.
      expect(await describe_(first.jobId)).toMatchObject({ status: 'Succeeded' });
    });

    it('fails a job whose source is already signed, or not a zip', async () => {
      await signer.ensureProfile('cmv_code', 30);
      const again = await startJob(await upload(await signed()));
      const notZip = await startJob(await upload(Buffer.from('not a zip')));

      expect(await describe_(again.jobId)).toMatchObject({ status: 'Failed', statusReason: expect.stringMatching(/already has a signature/) });
      expect(await describe_(notZip.jobId)).toMatchObject({ status: 'Failed', statusReason: expect.stringMatching(/not a valid zip/) });
    });
  });

  describe('Lambda with a code signing configuration in Enforce', () => {
    it('accepts code signed by an allowed profile', async () => {
      const profile = await signer.ensureProfile('cmv_code', 30);
      await enforcedFunction([profile.profileVersionArn]);

      await expect(update(await signed())).resolves.toMatchObject({ FunctionName: 'svc' });
    });

    it('refuses unsigned code with CodeVerificationFailedException (400)', async () => {
      const profile = await signer.ensureProfile('cmv_code', 30);
      await enforcedFunction([profile.profileVersionArn]);

      await expect(update(code)).rejects.toMatchObject({ name: 'CodeVerificationFailedException', $metadata: { httpStatusCode: 400 } });
    });

    it('refuses code altered after signing with InvalidCodeSignatureException (400)', async () => {
      const profile = await signer.ensureProfile('cmv_code', 30);
      await enforcedFunction([profile.profileVersionArn]);
      const bytes = Uint8Array.from(await signed());
      bytes[40] ^= 1;

      await expect(update(bytes)).rejects.toMatchObject({ name: 'InvalidCodeSignatureException', $metadata: { httpStatusCode: 400 } });
    });

    it('refuses code signed by a profile the configuration does not allow with CodeVerificationFailedException', async () => {
      const allowed = await signer.ensureProfile('cmv_code', 30);
      await signer.ensureProfile('someone_else', 30);
      await enforcedFunction([allowed.profileVersionArn]);

      await expect(update(await signed(code, 'someone_else'))).rejects.toMatchObject({ name: 'CodeVerificationFailedException' });
    });
  });
});
