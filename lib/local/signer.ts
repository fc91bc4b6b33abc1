import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeSigningJobCommand, StartSigningJobCommand } from '@aws-sdk/client-signer';
import * as z from 'zod';
import type { AwsClient, AwsCommand, AwsOutput } from '../../lambdas/adapters/aws-client';
import { LOCAL_AWS } from './aws-names';
import { signZip } from './code-signature';
import { CommandTable } from './command-table';
import { jsonOf, readStoreFile, type StoreLog, writeStoreFile } from './store-file';

/** The one platform the local Signer signs for: Lambda zips, ECDSA P-384 with SHA-384. */
export const LAMBDA_PLATFORM = 'AWSLambda-SHA384-ECDSA';

const signerError = (name: string, message: string, httpStatusCode: number) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
const invalid = (field: string, constraint: string, value = 'null') =>
  signerError('ValidationException', `1 validation error detected: Value ${value} at '${field}' failed to satisfy constraint: ${constraint}`, 400);

/** A signing profile: its name, version, the platform, how long its signatures are valid, its key pair. */
export interface LocalSigningProfile {
  readonly profileName: string;
  readonly profileVersion: string;
  readonly arn: string;
  readonly profileVersionArn: string;
  readonly platformId: string;
  readonly validityDays: number;
  readonly key: KeyObject;
}

const SavedProfile = z.object({
  profileName: z.string(),
  profileVersion: z.string(),
  platformId: z.string(),
  validityDays: z.number(),
  privateKeyPem: z.string(),
});

const SavedJob = z.object({
  jobId: z.string(),
  clientRequestToken: z.string(),
  profileName: z.string(),
  profileVersion: z.string(),
  source: z.object({ bucketName: z.string(), key: z.string(), version: z.string() }),
  destination: z.object({ bucketName: z.string(), prefix: z.string() }),
  status: z.enum(['InProgress', 'Failed', 'Succeeded']),
  statusReason: z.string().optional(),
  signedKey: z.string().optional(),
  createdAt: z.string(),
  completedAt: z.string().optional(),
  signatureExpiresAt: z.string().optional(),
});
type SavedJob = z.infer<typeof SavedJob>;

/** AWS Signer's profile names: letters, digits and underscores, 2–64 characters. */
const PROFILE_NAME = /^[a-zA-Z0-9_]{2,64}$/;

/**
 * Local stand-in for AWS Signer, for Lambda code: signing profiles of the platform
 * `AWSLambda-SHA384-ECDSA` (made by the runtime, as the CDK stack makes them), StartSigningJob and
 * DescribeSigningJob with Signer's shapes and refusals — ValidationException for a request without
 * its source object version, destination or profile name, ResourceNotFoundException for an unknown
 * profile or job; a job is InProgress until it has read the source object (that S3 version) from the
 * local S3, and then Failed (the object is missing, empty, not a zip, or already signed — what Signer
 * refuses) or Succeeded, the signed zip written to `<prefix><jobId>.zip` in the destination bucket.
 * The signature is carried in the zip as code-signature.ts describes; the local Lambda checks it with
 * the profile's public key ({@link publicKeyOf}). A repeated `clientRequestToken` answers the first
 * job, as Signer does. Profiles (with their private keys, mode 0600) and jobs live under `<dataDir>/signer`.
 */
export class LocalSigner implements AwsClient {
  private readonly profiles = new Map<string, LocalSigningProfile>();
  private readonly jobs = new Map<string, SavedJob>();
  private readonly running = new Map<string, Promise<void>>();

  /**
   * @param root - where profiles and jobs are kept
   * @param s3 - the local S3 the jobs read their source from and write the signed zip to
   */
  constructor(
    private readonly root: string,
    private readonly s3: AwsClient,
    private readonly log?: StoreLog,
  ) {}

  /** Loads the profiles and jobs of an earlier run (a job left InProgress by a crash resumes when described). */
  async load(): Promise<void> {
    for (const dir of ['profiles', 'jobs']) {
      const names = await readdir(join(this.root, dir)).catch(() => [] as string[]);
      for (const name of names.filter((n) => n.endsWith('.json'))) {
        if (dir === 'profiles') {
          const p = await readStoreFile(join(this.root, dir, name), { parse: jsonOf(SavedProfile), lost: `the signing profile ${name}`, log: this.log });
          if (p) this.profiles.set(p.profileName, this.profileOf(p));
        } else {
          const j = await readStoreFile(join(this.root, dir, name), { parse: jsonOf(SavedJob), lost: `the signing job ${name}`, log: this.log });
          if (j) this.jobs.set(j.jobId, j);
        }
      }
    }
  }

  /**
   * The profile `profileName` of the Lambda platform, made (with a new key pair) if it does not
   * exist: what the CDK stack's AWS::Signer::SigningProfile is in AWS.
   * @param validityDays - how long its signatures are valid
   */
  async ensureProfile(profileName: string, validityDays: number): Promise<LocalSigningProfile> {
    const existing = this.profiles.get(profileName);
    if (existing) return existing;
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const saved = {
      profileName,
      // Signer's profile versions are 10 characters.
      profileVersion: randomUUID().replace(/-/g, '').slice(0, 10),
      platformId: LAMBDA_PLATFORM,
      validityDays,
      privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    };
    await writeStoreFile(join(this.root, 'profiles', `${profileName}.json`), JSON.stringify(saved, null, 2), { mode: 0o600 });
    const profile = this.profileOf(saved);
    this.profiles.set(profileName, profile);
    return profile;
  }

  /** The public key of a profile version (by its ARN), to verify signatures with; undefined when Signer has no such profile version. */
  publicKeyOf(profileVersionArn: string): KeyObject | undefined {
    const profile = [...this.profiles.values()].find((p) => p.profileVersionArn === profileVersionArn);
    return profile ? createPublicKey(profile.key) : undefined;
  }

  private static readonly commands = new CommandTable<LocalSigner>('LocalSigner')
    .on(StartSigningJobCommand, (s, c) => s.start(c.input))
    .on(DescribeSigningJobCommand, (s, c) => s.describe(c.input));

  /** Answers StartSigningJob and DescribeSigningJob; refuses any other command. */
  async send<Input extends object, Output extends AwsOutput>(command: AwsCommand<Input, Output>): Promise<Output> {
    return LocalSigner.commands.dispatch(this, command);
  }

  private async start(input: StartSigningJobCommand['input']): Promise<unknown> {
    const { source, destination, profileName, clientRequestToken = randomUUID() } = input;
    if (!source) throw invalid('source', 'Member must not be null');
    if (!source.s3) throw invalid('source.s3', 'Member must not be null');
    for (const field of ['bucketName', 'key', 'version'] as const) {
      if (!source.s3[field]) throw invalid(`source.s3.${field}`, 'Member must not be null');
    }
    if (!destination?.s3?.bucketName) throw invalid('destination.s3.bucketName', 'Member must not be null');
    if (!profileName) throw invalid('profileName', 'Member must not be null');
    if (!PROFILE_NAME.test(profileName)) throw invalid('profileName', 'Member must satisfy regular expression pattern: ^[a-zA-Z0-9_]{2,}', `'${profileName}'`);
    const earlier = [...this.jobs.values()].find((j) => j.clientRequestToken === clientRequestToken);
    if (earlier) return { jobId: earlier.jobId, jobOwner: LOCAL_AWS.account };
    const profile = this.profiles.get(profileName);
    if (!profile) throw signerError('ResourceNotFoundException', `The signing profile ${profileName} does not exist.`, 404);
    const job: SavedJob = {
      jobId: randomUUID(),
      clientRequestToken,
      profileName,
      profileVersion: profile.profileVersion,
      source: { bucketName: source.s3.bucketName ?? '', key: source.s3.key ?? '', version: source.s3.version ?? '' },
      destination: { bucketName: destination.s3.bucketName, prefix: destination.s3.prefix ?? '' },
      status: 'InProgress',
      createdAt: new Date().toISOString(),
    };
    await this.save(job);
    this.run(job);
    return { jobId: job.jobId, jobOwner: LOCAL_AWS.account };
  }

  private async describe(input: DescribeSigningJobCommand['input']): Promise<unknown> {
    if (!input.jobId) throw invalid('jobId', 'Member must not be null');
    const job = this.jobs.get(input.jobId);
    if (!job) throw signerError('ResourceNotFoundException', `The signing job ${input.jobId} does not exist.`, 404);
    // The job finishes in the background; a job a crash left InProgress resumes here.
    if (job.status === 'InProgress') await (this.running.get(job.jobId) ?? this.run(job));
    const done = this.jobs.get(job.jobId) ?? job;
    const profile = this.profiles.get(done.profileName);
    return {
      jobId: done.jobId,
      jobOwner: LOCAL_AWS.account,
      jobInvoker: LOCAL_AWS.account,
      profileName: done.profileName,
      profileVersion: done.profileVersion,
      platformId: LAMBDA_PLATFORM,
      platformDisplayName: 'AWS Lambda',
      source: { s3: done.source },
      status: done.status,
      ...(done.statusReason ? { statusReason: done.statusReason } : {}),
      createdAt: new Date(done.createdAt),
      ...(done.completedAt ? { completedAt: new Date(done.completedAt) } : {}),
      ...(done.signatureExpiresAt ? { signatureExpiresAt: new Date(done.signatureExpiresAt) } : {}),
      ...(done.signedKey ? { signedObject: { s3: { bucketName: done.destination.bucketName, key: done.signedKey } } } : {}),
      ...(profile ? { signingMaterial: { certificateArn: profile.profileVersionArn } } : {}),
    };
  }

  /** Runs a job to its end (Failed or Succeeded) and saves it; its promise is kept until then. */
  private run(job: SavedJob): Promise<void> {
    const running = this.sign(job)
      .then((outcome) => this.save({ ...job, ...outcome, completedAt: new Date().toISOString() }))
      .finally(() => this.running.delete(job.jobId));
    this.running.set(job.jobId, running);
    // A failure to save is the describer's to see (it awaits this promise), not an unhandled rejection.
    running.catch((err: Error) => this.log?.(`signer: job ${job.jobId} could not be saved: ${err.message}`));
    return running;
  }

  private async sign(job: SavedJob): Promise<Partial<SavedJob>> {
    const profile = this.profiles.get(job.profileName);
    if (!profile) return { status: 'Failed', statusReason: `The signing profile ${job.profileName} does not exist.` };
    let zip: Uint8Array;
    try {
      const out = (await this.s3.send(new GetObjectCommand({ Bucket: job.source.bucketName, Key: job.source.key, VersionId: job.source.version }))) as {
        Body: { transformToByteArray(): Promise<Uint8Array> };
      };
      zip = await out.Body.transformToByteArray();
    } catch (err) {
      return { status: 'Failed', statusReason: `Unable to read the source object s3://${job.source.bucketName}/${job.source.key}: ${(err as Error).message}` };
    }
    const signedAt = new Date();
    const expiresAt = new Date(signedAt.getTime() + profile.validityDays * 86_400_000);
    let signed: Uint8Array;
    try {
      signed = signZip(zip, profile.key, {
        profileVersionArn: profile.profileVersionArn,
        jobId: job.jobId,
        signedAt: signedAt.toISOString(),
        expiresAt: expiresAt.toISOString(),
      });
    } catch (err) {
      return { status: 'Failed', statusReason: (err as Error).message };
    }
    const signedKey = `${job.destination.prefix}${job.jobId}.zip`;
    try {
      await this.s3.send(new PutObjectCommand({ Bucket: job.destination.bucketName, Key: signedKey, Body: signed, ContentType: 'application/zip' }));
    } catch (err) {
      return {
        status: 'Failed',
        statusReason: `Unable to write the signed object to s3://${job.destination.bucketName}/${signedKey}: ${(err as Error).message}`,
      };
    }
    return { status: 'Succeeded', signedKey, signatureExpiresAt: expiresAt.toISOString() };
  }

  private async save(job: SavedJob): Promise<void> {
    this.jobs.set(job.jobId, job);
    await writeStoreFile(join(this.root, 'jobs', `${job.jobId}.json`), JSON.stringify(job, null, 2));
  }

  private profileOf(saved: z.infer<typeof SavedProfile>): LocalSigningProfile {
    const { partition, region, account } = LOCAL_AWS;
    const arn = `arn:${partition}:signer:${region}:${account}:/signing-profiles/${saved.profileName}`;
    return {
      profileName: saved.profileName,
      profileVersion: saved.profileVersion,
      arn,
      profileVersionArn: `${arn}/${saved.profileVersion}`,
      platformId: saved.platformId,
      validityDays: saved.validityDays,
      key: createPrivateKey(saved.privateKeyPem),
    };
  }
}
