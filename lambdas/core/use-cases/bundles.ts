import { isDeepStrictEqual } from 'node:util';
import { actorFields, type LedgerActor } from '../actor';
import { sha256Base64, unzipSource } from '../artifact';
import {
  type BundleFault,
  type BundleRecord,
  type BundleSigner,
  buildManifest,
  checkCode,
  checkManifest,
  isFault,
  manifestBytes,
  manifestSha256,
  signManifest,
} from '../bundle';
import { ConflictError, NotFoundError } from '../errors';
import { WriteConflictError } from '../ports';
import type { VersionRecord } from '../target';
import { type Services, WORKFLOW_ACTOR } from './services';

/** Where a bundle is verified: before a version is published, before an alias moves to it, before it is promoted. */
export type BundleCheckpoint = 'sign' | 'publish' | 'activate' | 'promote';

/**
 * 409: a version's bundle does not verify (its code, manifest or signature was altered, or it has
 * none). Nothing moved; a `BundleVerificationFailed` ledger entry records it.
 */
export class BundleVerificationError extends ConflictError {
  constructor(
    readonly version: Pick<VersionRecord, 'target' | 'version'>,
    readonly fault: BundleFault,
  ) {
    super(`the bundle of version ${version.version} of ${version.target} does not verify: ${fault.reason}`);
  }
}

const requireSigner = (svc: Services): BundleSigner => {
  if (!svc.bundleSigner) throw new Error('this handler has no bundleSigner port: name it in the handler’s awsPorts and grant its role the bundle key');
  return svc.bundleSigner;
};

/** The key under which a manifest is stored: content-addressed, so a retry writes the same object. */
const manifestKey = (target: string, sha256Hex: string) => `bundles/${target}/${sha256Hex}.json`;

/**
 * Signs a version's bundle: checks its stored code against the SHA-256 recorded at intake, builds
 * the manifest (files, config, version, change id, the version's creation time — so a retry builds
 * the same bytes), stores it (content-addressed), signs it with the bundle key, and records the
 * manifest's SHA-256 and signature on the version with a `BundleSigned` ledger entry (conditioned
 * on the version's revision). In that order, so a crash leaves at most an unreferenced manifest
 * object, which a retry writes again. A version already signed is returned as it is.
 * @returns the version's bundle record
 * @throws NotFoundError when the version does not exist
 * @throws BundleVerificationError (409, after recording `BundleVerificationFailed`) when the stored
 *   code is not the code recorded at intake
 */
export async function signBundle(svc: Services, target: string, version: string, actor: LedgerActor): Promise<BundleRecord> {
  const record = await svc.store.getVersion(target, version);
  if (!record) throw new NotFoundError(`version ${version} of ${target} does not exist`);
  if (record.bundle) return record.bundle;
  const signer = requireSigner(svc);
  const zip = await svc.artifacts.read(record.artifact.uri);
  const actual = sha256Base64(zip);
  if (actual !== record.artifact.sha256) {
    await refuse(svc, record, 'sign', actor, {
      reason: `the stored code is not the code recorded at intake: its SHA-256 is ${actual}, the version records ${record.artifact.sha256}`,
      file: record.artifact.uri,
      expected: record.artifact.sha256,
      actual,
    });
  }
  const manifest = buildManifest({
    target,
    version,
    changeId: record.changeId,
    createdAt: record.createdAt,
    config: record.config,
    artifactSha256: actual,
    files: unzipSource(zip),
  });
  const bytes = manifestBytes(manifest);
  const sha256 = manifestSha256(bytes);
  const manifestUri = await svc.artifacts.write(manifestKey(target, sha256), bytes, 'application/json');
  const signature = await signManifest(bytes, signer);
  const bundle: BundleRecord = { manifestUri, manifestSha256: sha256, signature, signedAt: svc.now().toISOString() };
  try {
    await svc.store.commit([{ kind: 'version', record: { ...record, bundle }, expectedRevision: record.revision }], {
      type: 'BundleSigned',
      target,
      ...(record.changeId ? { changeId: record.changeId } : {}),
      ...actorFields(actor),
      details: { version, manifestUri, manifestSha256: sha256, files: manifest.files.length, keyId: signature.keyId, algorithm: signature.algorithm },
    });
  } catch (err) {
    if (!(err instanceof WriteConflictError)) throw err;
    // Another signer (a retry running alongside) recorded first: its bundle is the version's.
    const now = await svc.store.getVersion(target, version);
    if (now?.bundle) return now.bundle;
    throw err;
  }
  return bundle;
}

/**
 * Why a version's bundle does not verify, or undefined when it does: it has a signed manifest
 * (versions recorded before bundles were signed have none), the stored manifest has the recorded
 * SHA-256 and a signature that verifies with the bundle key, it names this version with its
 * recorded config and change, and the stored code has exactly its files and hashes. Records nothing.
 * @throws Error when the services have no bundle signer, or reading the stored objects fails
 */
export async function bundleFault(svc: Services, record: VersionRecord): Promise<BundleFault | undefined> {
  if (!record.bundle) return { reason: 'it has no signed manifest (recorded before bundles were signed); propose it again as a change' };
  const key = await requireSigner(svc).publicKey();
  const checked = checkManifest(await svc.artifacts.read(record.bundle.manifestUri), record.bundle, key);
  if (isFault(checked)) return checked;
  if (checked.target !== record.target || checked.version !== record.version || checked.changeId !== record.changeId) {
    return { reason: `the manifest is that of ${checked.target} ${checked.version} (change ${checked.changeId}), not of this version` };
  }
  if (!isDeepStrictEqual(checked.config, record.config)) return { reason: 'the recorded config is not the config the manifest signs', file: 'config' };
  if (checked.artifactSha256 !== record.artifact.sha256) {
    return {
      reason: `the recorded code is not the code the manifest signs: the version records ${record.artifact.sha256}, the manifest ${checked.artifactSha256}`,
    };
  }
  return checkCode(checked, await svc.artifacts.read(record.artifact.uri), unzipSource);
}

/**
 * Verifies a version's bundle before `checkpoint` uses it ({@link bundleFault}); on a fault records
 * a `BundleVerificationFailed` ledger entry (the target's chain: the checkpoint, the reason, which
 * file with expected and actual SHA-256) and refuses. Call it before anything moves: the caller's
 * own state change must come after it.
 * @param context - the actor of the ledger entry, and the change it is part of (if any)
 * @throws BundleVerificationError (409) when the bundle does not verify
 */
export async function verifyBundle(
  svc: Services,
  record: VersionRecord,
  checkpoint: BundleCheckpoint,
  context: { readonly actor: LedgerActor; readonly changeId?: string },
): Promise<void> {
  const fault = await bundleFault(svc, record);
  if (fault) await refuse(svc, record, checkpoint, context.actor, fault, context.changeId);
}

async function refuse(
  svc: Services,
  record: VersionRecord,
  checkpoint: BundleCheckpoint,
  actor: LedgerActor,
  fault: BundleFault,
  changeId = record.changeId ?? undefined,
): Promise<never> {
  await svc.store.commit([], {
    type: 'BundleVerificationFailed',
    target: record.target,
    ...(changeId ? { changeId } : {}),
    ...actorFields(actor),
    details: { version: record.version, checkpoint, ...fault },
  });
  throw new BundleVerificationError(record, fault);
}

/**
 * The workflow's first step signs the bundle of the change's version ({@link signBundle}), before
 * its tests run and before anyone approves it: what is tested, approved and published is what is signed.
 * A change past `submitted` is left alone (its version was signed when it was).
 * @throws NotFoundError for an unknown change; as {@link signBundle}
 */
export async function signChangeBundle(svc: Services, changeId: string): Promise<BundleRecord | undefined> {
  const change = await svc.store.getChange(changeId);
  if (!change) throw new NotFoundError(`change ${changeId} does not exist`);
  if (change.status !== 'submitted') return undefined;
  return signBundle(svc, change.target, change.version, WORKFLOW_ACTOR);
}
