import { sha256Base64 } from '../artifact';
import { CodeSigningError, CodeSigningInProgressError, NotFoundError } from '../errors';
import { CodeRefusedError, type CodeSigner, type PublishedVersion, WriteConflictError } from '../ports';
import type { VersionRecord } from '../target';
import { type Services, WORKFLOW_ACTOR } from './services';

/** The code a change publishes: the zip, its SHA-256 (base64, Lambda's CodeSha256), and the signing job that signed it (if any). */
export interface CodeToPublish {
  readonly zip: Uint8Array;
  readonly sha256: string;
  readonly signingJobId?: string;
}

/**
 * The code to publish for a version: without a code signer, its artifact as stored; with one, the
 * artifact signed by AWS Signer, so that the target's code signing configuration (Enforce) lets
 * Lambda accept it. Crash-safe and never two jobs for one version: the job is started for the exact
 * S3 object version read (its SHA-256 checked against the version's), with the artifact's SHA-256
 * as Signer's `clientRequestToken` (a start repeated after a crash answers the same job), and
 * recorded on the version (`codeSigning`, a `CodeSigningStarted` entry) before CMV waits for it; a
 * retry finds it there and waits for that job. The same artifact deployed to another target (an
 * advance) gets the same job, so the same signed bytes and CodeSha256, from the same token.
 * @throws CodeSigningError (after a `CodeSigningFailed` entry) when the stored code is not the
 *   version's, or the signing job failed
 * @throws CodeSigningInProgressError when the job is still running after the adapter's wait (the workflow retries)
 */
export async function codeToPublish(svc: Services, record: VersionRecord, changeId: string): Promise<CodeToPublish> {
  const signer = svc.codeSigner;
  if (!signer) {
    const zip = await svc.artifacts.read(record.artifact.uri);
    return { zip, sha256: record.artifact.sha256 };
  }
  const jobId = record.codeSigning?.jobId ?? (await startSigning(svc, signer, record, changeId));
  const outcome = await signer.wait(jobId);
  if (outcome.status === 'InProgress') throw new CodeSigningInProgressError(`signing job ${jobId} of ${record.target} ${record.version} is still running`);
  if (outcome.status === 'Failed') return fail(svc, record, changeId, { by: 'signer', jobId, reason: `signing job ${jobId} failed: ${outcome.reason}` });
  const zip = await svc.artifacts.read(outcome.signedUri);
  return { zip, sha256: sha256Base64(zip), signingJobId: jobId };
}

/**
 * Publishes signed code, recording Lambda's refusal of it: Lambda checks the signature against the
 * target's code signing configuration, and the adapter answers a refusal as CodeRefusedError
 * (unsigned, another publisher's, expired, or altered after signing).
 * @throws CodeSigningError (after a `CodeSigningFailed` entry) when Lambda refuses the code's signature
 */
export async function publishSigned(
  svc: Services,
  record: VersionRecord,
  changeId: string,
  code: CodeToPublish,
  publish: () => Promise<PublishedVersion>,
): Promise<PublishedVersion> {
  try {
    return await publish();
  } catch (err) {
    if (!(err instanceof CodeRefusedError)) throw err;
    return fail(svc, record, changeId, { by: 'lambda', ...(code.signingJobId ? { jobId: code.signingJobId } : {}), reason: err.message });
  }
}

async function startSigning(svc: Services, signer: CodeSigner, record: VersionRecord, changeId: string): Promise<string> {
  const { bytes, versionId } = await svc.artifacts.readVersioned(record.artifact.uri);
  const actual = sha256Base64(bytes);
  if (actual !== record.artifact.sha256) {
    return fail(svc, record, changeId, {
      by: 'cmv',
      reason: `the stored code is not the version's: its SHA-256 is ${actual}, the version records ${record.artifact.sha256}`,
    });
  }
  if (!versionId)
    return fail(svc, record, changeId, { by: 'cmv', reason: `the artifact ${record.artifact.uri} has no object version (the bucket is not versioned)` });
  const token = Buffer.from(record.artifact.sha256, 'base64').toString('hex');
  const jobId = await signer.start({ uri: record.artifact.uri, versionId }, token);
  try {
    await svc.store.commit(
      [{ kind: 'version', record: { ...record, codeSigning: { jobId, startedAt: svc.now().toISOString() } }, expectedRevision: record.revision }],
      {
        type: 'CodeSigningStarted',
        target: record.target,
        changeId,
        actor: WORKFLOW_ACTOR,
        details: { version: record.version, jobId, objectVersion: versionId },
      },
    );
  } catch (err) {
    if (!(err instanceof WriteConflictError)) throw err;
    const now = await svc.store.getVersion(record.target, record.version);
    if (!now) throw new NotFoundError(`version ${record.version} of ${record.target} does not exist`);
    if (now.codeSigning) return now.codeSigning.jobId;
    throw err;
  }
  return jobId;
}

async function fail(
  svc: Services,
  record: VersionRecord,
  changeId: string,
  details: { readonly by: 'cmv' | 'signer' | 'lambda'; readonly jobId?: string; readonly reason: string },
): Promise<never> {
  await svc.store.commit([], {
    type: 'CodeSigningFailed',
    target: record.target,
    changeId,
    actor: WORKFLOW_ACTOR,
    details: { version: record.version, ...details },
  });
  throw new CodeSigningError(`the code of version ${record.version} of ${record.target} could not be deployed signed: ${details.reason}`);
}
