import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { strToU8 } from 'fflate';
import { applyUnifiedDiff, sha256Base64, unzipSource, zipSource } from '../artifact';
import type { Change } from '../change';
import { type ProposeChangeRequest, templateOf } from '../change-request';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors';
import { type ChangePlan, planChange } from '../policy/plan';
import { deriveBump } from '../version-bump';
import { newestFirst, nextVersion } from '../versioning';
import { commitNewChange } from './new-change';
import type { Caller, Services } from './services';

/** What a dry run answers: the change as it would be created, and its plan. Nothing is written. */
export interface ProposalPreview {
  readonly target: string;
  readonly version: string;
  readonly baseVersion: string;
  readonly artifactSha256: string;
  readonly plan: ChangePlan;
}

/**
 * Validates a change request and plans it under the policy without writing anything
 * (`POST /changes?dryRun=true`, `cmv plan`).
 * @throws as {@link proposeChange}
 */
export async function previewChange(svc: Services, caller: Caller, request: ProposeChangeRequest): Promise<ProposalPreview> {
  const { target, version, baseVersion, zip, plan } = await prepare(svc, caller, request);
  return { target: target.name, version, baseVersion, artifactSha256: sha256Base64(zip), plan };
}

export { workflowInput } from './new-change';

/**
 * Intake: validates a change request against its target, gives it an immutable version, stores the
 * artifact (content-addressed), writes the change and its version with the `ChangeProposed` ledger
 * entry in one transaction, and starts the workflow (execution name = change id); a workflow that
 * does not start (a crash right after the commit) is started by the reconciler.
 * Nothing is written when validation fails.
 * @returns the stored change
 * @throws ValidationError (400) for a bad diff, artifact or base version; NotFoundError (404) for an
 *   unknown target; ConflictError (409) when the version exists, when code and config are those of
 *   the live version and the request is no `redeploy`, or when the policy's approvers or tests cannot
 *   be met for this target; ForbiddenError (403) without the requester role
 */
export async function proposeChange(svc: Services, caller: Caller, request: ProposeChangeRequest): Promise<Change> {
  const { target, version, baseVersion, base, zip, config, plan } = await prepare(svc, caller, request);
  const sha256 = sha256Base64(zip);
  const artifactUri = await svc.artifacts.write(`artifacts/${target.name}/${Buffer.from(sha256, 'base64').toString('hex')}.zip`, zip, 'application/zip');
  const source: Change['source'] = !request.code
    ? { kind: 'artifact', uri: base.artifact.uri }
    : 'diff' in request.code
      ? { kind: 'diff', uri: await svc.artifacts.write(`diffs/${target.name}/${sha256Hex(request.code.diff)}.diff`, strToU8(request.code.diff), 'text/x-diff') }
      : { kind: 'artifact', uri: request.code.artifact };

  const now = svc.now().toISOString();
  const changeId = svc.newId();
  const template = templateOf(request);
  const change: Change = {
    changeId,
    target: target.name,
    version,
    baseVersion,
    status: 'submitted',
    revision: 1,
    title: request.title,
    description: request.description,
    changeType: request.changeType,
    riskLevel: request.riskLevel,
    category: plan.category?.name ?? 'code',
    ...template,
    requester: caller.id,
    source,
    artifact: { uri: artifactUri, sha256, bytes: zip.byteLength },
    config,
    ...(request.canary ? { canary: request.canary } : {}),
    plan,
    approvals: [],
    createdAt: now,
    updatedAt: now,
  };
  return commitNewChange(
    svc,
    caller,
    change,
    {
      ...(plan.versioning ? { versioning: plan.versioning } : {}),
      category: plan.category,
      // The change request template as given: what the approvers and auditors read.
      ...template,
      requiredFields: plan.requiredFields,
      ...(request.redeploy ? { redeploy: true } : {}),
    },
    () => new ConflictError(`version ${version} of ${target.name} already exists`),
  );
}

/** Everything intake checks before it writes: caller, target, version, base, artifact, that something changes, plan. */
async function prepare(svc: Services, caller: Caller, request: ProposeChangeRequest) {
  if (!caller.roles.includes('requester')) throw new ForbiddenError('proposing a change needs the requester role');
  const target = await svc.store.getTarget(request.target);
  if (!target) throw new NotFoundError(`target ${request.target} is not registered`);
  const baseVersion = request.baseVersion ?? target.liveVersion;
  // Read what is needed — the highest version, the requested, the base and the live one — not every version.
  const [highest, requested, base, live] = await Promise.all([
    highestVersion(svc, target.name),
    request.version ? svc.store.getVersion(target.name, request.version) : undefined,
    svc.store.getVersion(target.name, baseVersion),
    target.liveVersion ? svc.store.getVersion(target.name, target.liveVersion) : undefined,
  ]);
  if (request.version && requested) throw new ConflictError(`version ${request.version} already exists for this target`);
  if (!base) throw ValidationError.field('baseVersion', `${baseVersion} is not a version of ${target.name}`);
  const { zip, baseZip } = await buildArtifact(svc, request, base.artifact.uri, `${target.name} ${baseVersion}`);
  const config = request.config ?? base.config;
  if (live && !request.redeploy && sha256Base64(zip) === live.artifact.sha256 && isDeepStrictEqual(config, live.config)) {
    // It would canary the live version against itself: nothing to test, approve or watch.
    throw new ConflictError(
      `nothing changes: code (SHA-256 ${live.artifact.sha256}) and config are those of the live version ${live.version} of ${target.name}; set redeploy: true to deploy them again`,
    );
  }
  const versioning = request.version
    ? { bump: null, reasons: ['named by the change request'] }
    : request.bump
      ? { bump: request.bump, reasons: ['asked for by the change request'] }
      : deriveBump(request, {
          baseConfig: base.config,
          config,
          baseFiles: unzipSource(baseZip ?? (await svc.artifacts.read(base.artifact.uri))),
          files: unzipSource(zip),
        });
  const version = nextVersion(
    [highest, requested?.version].filter((v) => v !== undefined),
    request.version,
    versioning.bump ?? 'minor',
  );
  const policyPlan = planChange(
    await svc.policy(),
    {
      changeType: request.changeType,
      riskLevel: request.riskLevel,
      category: request.category,
      codeChanges: request.code !== undefined,
      environment: target.environment,
      requester: caller.id,
      canary: request.canary,
      strategy: request.strategy,
      deploymentConfig: request.deploymentConfig,
    },
    target,
    await svc.directory.all(),
    svc.now(),
  );
  const plan: ChangePlan = { ...policyPlan, versioning };
  await checkTemplate(svc, request, plan);
  if (plan.approvals.unmet) throw new ConflictError(`the policy's approvals cannot be met: ${plan.approvals.unmet}`);
  const missing = plan.tests.filter((suite) => !target.testSuites[suite]);
  if (missing.length)
    throw new ConflictError(`the policy (rule ${plan.policy.ruleId}) requires test suites ${target.name} does not have: ${missing.join(', ')}`);
  return { target, version, baseVersion, base, zip, config, plan };
}

/**
 * The change request template: every field the policy rule requires is given, and every affected
 * component is a registered target.
 * @throws ValidationError (400) naming each missing field and the rule that requires it, or the unknown component
 */
async function checkTemplate(svc: Services, request: ProposeChangeRequest, plan: ChangePlan): Promise<void> {
  const missing = (plan.requiredFields ?? []).filter((field) => request[field] === undefined);
  const message = `required by policy rule ${plan.policy.ruleId}`;
  if (missing.length)
    throw new ValidationError(
      `${missing.join(', ')}: ${message}`,
      missing.map((path) => ({ path, message })),
    );
  for (const [i, name] of (request.affectedComponents ?? []).entries())
    if (name !== request.target && !(await svc.store.getTarget(name)))
      throw ValidationError.field(`affectedComponents.${i}`, `${name} is not a registered target`);
}

/** The target's highest version; a target stored before versions had order markers has none, so all are read once. */
async function highestVersion(svc: Services, target: string): Promise<string | undefined> {
  return (await svc.store.highestVersion(target)) ?? newestFirst((await svc.store.listVersions(target)).map((v) => v.version))[0];
}

/** The new version's zip, and the base's when it was read to build it. */
async function buildArtifact(
  svc: Services,
  request: ProposeChangeRequest,
  baseUri: string,
  baseLabel: string,
): Promise<{ zip: Uint8Array; baseZip?: Uint8Array }> {
  if (!request.code) {
    const zip = await svc.artifacts.read(baseUri);
    return { zip, baseZip: zip };
  }
  if ('diff' in request.code) {
    const baseZip = await svc.artifacts.read(baseUri);
    return { zip: zipSource(applyUnifiedDiff(unzipSource(baseZip), request.code.diff, baseLabel)), baseZip };
  }
  let bytes: Uint8Array;
  try {
    bytes = await svc.artifacts.read(request.code.artifact);
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw ValidationError.field('code.artifact', `cannot be read: ${(err as Error).message}`);
  }
  // Re-zip deterministically so the digest depends on the files only, not on how they were zipped.
  return { zip: zipSource(unzipSource(bytes)) };
}

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
